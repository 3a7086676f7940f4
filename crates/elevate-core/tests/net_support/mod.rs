//! Network test rig: the sim over HTTPS with a certificate authority made in the test and
//! trusted through the system store only (SSL_CERT_FILE, which the platform verifier reads
//! on Linux), a CONNECT proxy on loopback that records what passed (bounded: it stops by
//! itself), and a browser stand-in that trusts the same store.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use elevate_core::auth::Opener;
use elevate_core::network::Network;
use elevate_core::Error;
use elevate_sim::{Scenario, ServeOptions, Settings, SimServer, TestCa};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The name the trusted CA carries: what the TLS check must name as the issuer.
pub const INSPECTION_CA: &str = "Contoso TLS Inspection CA";

struct Trusted {
    ca: TestCa,
    _dir: PathBuf,
}

/// The CA this process's "system store" trusts: made once per test process, its certificate
/// the only one in SSL_CERT_FILE (set before any client is built).
fn trusted() -> &'static TestCa {
    static CA: OnceLock<Trusted> = OnceLock::new();
    &CA.get_or_init(|| {
        let ca = TestCa::new(INSPECTION_CA).expect("ca");
        let dir = std::env::temp_dir().join(format!("elevate-net-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("ca.pem");
        std::fs::write(&file, ca.pem()).expect("ca.pem");
        // Edition 2021: safe; done once, before this process builds any TLS client.
        std::env::set_var("SSL_CERT_FILE", &file);
        std::env::remove_var("SSL_CERT_DIR");
        Trusted { ca, _dir: dir }
    })
    .ca
}

/// Makes sure the trust store is set up (call first in every test).
pub fn trust_store() {
    let _ = trusted();
}

/// The demo sim on 127.0.0.1 over HTTPS, its certificate from the trusted CA (or from `ca`),
/// its URLs carrying `host` (a name in the certificate, with localhost and 127.0.0.1).
pub async fn https_sim(host: &str, ca: Option<&TestCa>) -> SimServer {
    let ca: &TestCa = match ca {
        Some(c) => c,
        None => trusted(),
    };
    let scenario = Scenario::builtin("demo").expect("demo");
    let settings = Settings {
        auto_sign_in: Some(scenario.default_user.clone()),
        ..Settings::default()
    };
    let identity = ca
        .issue(&[host, "localhost", "127.0.0.1"])
        .expect("certificate");
    SimServer::start_with(
        scenario,
        settings,
        ServeOptions {
            port: 0,
            tls: Some(identity),
            host: Some(host.to_string()),
        },
    )
    .await
    .expect("sim")
}

/// The browser stand-in for HTTPS sims: trusts what the system trusts, finds `names` at the
/// addresses given (as the proxy does), follows the redirect to the loopback listener.
pub struct TrustingBrowser {
    pub names: Vec<(String, SocketAddr)>,
}

impl Opener for TrustingBrowser {
    fn open(&self, url: &str) -> Result<(), Error> {
        let mut builder = Network::direct().client_builder()?;
        for (name, addr) in &self.names {
            builder = builder.resolve(name, *addr);
        }
        let http = builder.build().map_err(|e| Error::Network(e.to_string()))?;
        let url = url.to_string();
        tokio::spawn(async move {
            let resp = http.get(&url).send().await.expect("authorize");
            if let Some(loc) = resp.headers().get("location").and_then(|l| l.to_str().ok()) {
                let _ = http
                    .get(loc.replace("://localhost:", "://127.0.0.1:"))
                    .send()
                    .await;
            }
        });
        Ok(())
    }
}

/// A CONNECT proxy on 127.0.0.1 that knows some names (its own resolution), records every
/// request line it gets, serves at most 200 connections and stops after 60 seconds.
pub struct TestProxy {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestProxy {
    pub async fn start(names: Vec<(String, SocketAddr)>) -> TestProxy {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let seen = Arc::new(Mutex::new(vec![]));
        let log = seen.clone();
        let task = tokio::spawn(async move {
            let names = Arc::new(names);
            let serve = async {
                for _ in 0..200 {
                    let Ok((stream, _)) = listener.accept().await else {
                        break;
                    };
                    tokio::spawn(tunnel(stream, names.clone(), log.clone()));
                }
            };
            let _ = tokio::time::timeout(Duration::from_secs(60), serve).await;
        });
        TestProxy { addr, seen, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().expect("lock").clone()
    }
}

async fn tunnel(
    mut client: tokio::net::TcpStream,
    names: Arc<Vec<(String, SocketAddr)>>,
    log: Arc<Mutex<Vec<String>>>,
) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
        match client.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let text = String::from_utf8_lossy(&head).to_string();
    let line = text.lines().next().unwrap_or_default().to_string();
    log.lock().expect("lock").push(line.clone());
    let mut parts = line.split_whitespace();
    let (Some("CONNECT"), Some(target)) = (parts.next(), parts.next()) else {
        let _ = client
            .write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            .await;
        return;
    };
    let (host, port) = target.rsplit_once(':').unwrap_or((target, "443"));
    let to = names
        .iter()
        .find(|(n, _)| n == host)
        .map(|(_, a)| SocketAddr::new(a.ip(), port.parse().unwrap_or(a.port())));
    let Some(to) = to else {
        let _ = client
            .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            .await;
        return;
    };
    let Ok(mut upstream) = tokio::net::TcpStream::connect(to).await else {
        let _ = client
            .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            .await;
        return;
    };
    if client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await
        .is_err()
    {
        return;
    }
    let _ = tokio::time::timeout(
        Duration::from_secs(30),
        tokio::io::copy_bidirectional(&mut client, &mut upstream),
    )
    .await;
}

/// A loopback port nothing listens on (bound, then released).
pub async fn closed_port() -> u16 {
    let l = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind");
    l.local_addr().expect("addr").port()
}
