//! The HTTP server: hyper on 127.0.0.1, one task per connection, with the ability to drop
//! a connection mid-request (RST) for the reset and lost-response faults; HTTPS when given a
//! certificate (see `tls`).

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, Notify};

use crate::http::Req;
use crate::{Outcome, Scenario, Settings, Sim};

/// How to serve: the port, HTTPS with this certificate, and the host name URLs carry.
#[derive(Clone, Debug, Default)]
pub struct ServeOptions {
    /// 0: any free port.
    pub port: u16,
    /// Serve HTTPS with this certificate (chain and key).
    pub tls: Option<crate::tls::TlsIdentity>,
    /// The host in the sim's URLs (default 127.0.0.1), e.g. a name the certificate carries.
    pub host: Option<String>,
}

/// A running simulator. Dropping it (or [`SimServer::stop`]) stops the server.
pub struct SimServer {
    pub addr: SocketAddr,
    base: String,
    sim: Arc<Sim>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl SimServer {
    /// Starts on 127.0.0.1 and an OS-chosen port.
    pub async fn start(scenario: Scenario, settings: Settings) -> std::io::Result<SimServer> {
        SimServer::start_on(scenario, settings, 0).await
    }

    /// Starts on 127.0.0.1:`port` (loopback only, always).
    pub async fn start_on(
        scenario: Scenario,
        settings: Settings,
        port: u16,
    ) -> std::io::Result<SimServer> {
        let options = ServeOptions {
            port,
            ..ServeOptions::default()
        };
        SimServer::start_with(scenario, settings, options).await
    }

    /// Starts on 127.0.0.1 (loopback only, always), over HTTPS when `options.tls` is set.
    pub async fn start_with(
        scenario: Scenario,
        settings: Settings,
        options: ServeOptions,
    ) -> std::io::Result<SimServer> {
        let acceptor = options.tls.as_ref().map(crate::tls::acceptor).transpose()?;
        let listener = TcpListener::bind(SocketAddr::new(
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            options.port,
        ))
        .await?;
        let addr = listener.local_addr()?;
        let scheme = if acceptor.is_some() { "https" } else { "http" };
        let base = match &options.host {
            Some(h) => format!("{scheme}://{h}:{}", addr.port()),
            None => format!("{scheme}://{addr}"),
        };
        let sim = Arc::new(Sim::new(scenario, settings));
        sim.set_base(base.clone());
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(serve(listener, sim.clone(), acceptor, rx));
        Ok(SimServer {
            addr,
            base,
            sim,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    pub fn sim(&self) -> &Arc<Sim> {
        &self.sim
    }

    pub fn base_url(&self) -> String {
        self.base.clone()
    }
    /// Given the way the public cloud's `https://login.microsoftonline.com` would be.
    pub fn login_url(&self) -> String {
        format!("{}/login", self.base_url())
    }
    pub fn graph_url(&self) -> String {
        format!("{}/graph", self.base_url())
    }
    pub fn arm_url(&self) -> String {
        format!("{}/arm", self.base_url())
    }

    pub async fn stop(mut self) {
        self.shutdown_now();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    fn shutdown_now(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.shutdown_now();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn serve(
    listener: TcpListener,
    sim: Arc<Sim>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                if !peer.ip().is_loopback() {
                    continue;
                }
                let _ = stream.set_nodelay(true);
                connections.spawn(connection(stream, sim.clone(), tls.clone()));
            }
        }
    }
    connections.abort_all();
}

async fn connection(
    stream: tokio::net::TcpStream,
    sim: Arc<Sim>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    let std_stream = match stream.into_std() {
        Ok(s) => s,
        Err(_) => return,
    };
    // Keep a handle to set SO_LINGER=0 (so dropping sends RST) when a fault asks for it.
    let linger_handle = std_stream.try_clone().ok();
    let Ok(stream) = tokio::net::TcpStream::from_std(std_stream) else {
        return;
    };
    match tls {
        None => http(stream, sim, linger_handle).await,
        Some(acceptor) => {
            // A handshake the client abandons (an untrusted certificate) ends here.
            let accepted =
                tokio::time::timeout(std::time::Duration::from_secs(10), acceptor.accept(stream))
                    .await;
            if let Ok(Ok(stream)) = accepted {
                http(stream, sim, linger_handle).await;
            }
        }
    }
}

async fn http<S>(stream: S, sim: Arc<Sim>, linger_handle: Option<std::net::TcpStream>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let kill = Arc::new(Notify::new());
    let service_kill = kill.clone();
    let service = service_fn(move |req: hyper::Request<Incoming>| {
        let sim = sim.clone();
        let kill = service_kill.clone();
        async move {
            let req = into_req(req).await;
            match sim.handle(req).await {
                Outcome::Respond(resp) => Ok::<_, Infallible>(into_response(resp)),
                Outcome::Reset => {
                    kill.notify_one();
                    // Never answered: the connection is dropped first.
                    std::future::pending::<()>().await;
                    unreachable!()
                }
            }
        }
    });
    let conn = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = conn => {}
        _ = kill.notified() => {
            if let Some(s) = &linger_handle {
                let _ = socket2::SockRef::from(s).set_linger(Some(std::time::Duration::ZERO));
            }
        }
    }
}

async fn into_req(req: hyper::Request<Incoming>) -> Req {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    let path = percent_encoding::percent_decode_str(parts.uri.path())
        .decode_utf8_lossy()
        .into_owned();
    let query = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let headers = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                v.to_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    Req {
        method: parts.method.as_str().to_string(),
        path,
        query,
        headers,
        body,
    }
}

fn into_response(resp: crate::Resp) -> hyper::Response<Full<Bytes>> {
    let mut builder = hyper::Response::builder().status(resp.status);
    for (k, v) in &resp.headers {
        builder = builder.header(k, v);
    }
    builder
        .body(Full::new(Bytes::from(resp.body)))
        .unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new())))
}
