//! The checks of one endpoint, step by step as a request makes them: the proxy decision, DNS
//! (the proxy's name when there is one), TCP, TLS (through the proxy's CONNECT tunnel when
//! proxied; protocol, issuer and expiry), then a harmless GET through Elevate's own client
//! (same trust and proxy) and the clock against its `Date`. Every step has a time-out.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{Check, CheckKind, CheckStatus, EndpointReport};
use crate::http::{Http, Request};
use crate::network::{cert, tls, Proxy, Route};

const STEP: Duration = Duration::from_secs(8);

/// Runs every check of `url`.
pub async fn endpoint(http: &Http, name: &str, url: &str) -> EndpointReport {
    let mut checks = vec![];
    let parsed = match url::Url::parse(url) {
        Ok(u) => u,
        Err(e) => {
            checks.push(Check::fail(
                CheckKind::Dns,
                format!("'{url}' is not a URL: {e}"),
                "Correct the endpoint in the settings (or ELEVATE_*_URL).",
            ));
            return EndpointReport {
                name: name.into(),
                url: url.into(),
                checks,
            };
        }
    };
    let host = parsed
        .host_str()
        .unwrap_or_default()
        .trim_matches(['[', ']'])
        .to_string();
    let port = parsed.port_or_known_default().unwrap_or(443);
    let https = parsed.scheme() == "https";
    let route = http.network().route(&parsed);
    let proxy = match &route {
        Route::Direct(why) => {
            checks.push(Check::ok(CheckKind::Proxy, why.words()));
            None
        }
        Route::Proxy(p) => {
            checks.push(Check::ok(
                CheckKind::Proxy,
                format!("{} (from {})", p.shown(), p.source),
            ));
            Some(p.clone())
        }
    };
    // Where the TCP connection goes: the endpoint, or the proxy.
    let (dial_host, dial_port) = match &proxy {
        None => (host.clone(), port),
        Some(p) => (
            p.url
                .host_str()
                .unwrap_or_default()
                .trim_matches(['[', ']'])
                .to_string(),
            p.url.port_or_known_default().unwrap_or(80),
        ),
    };
    let connected = match dns(&dial_host, dial_port, proxy.as_ref(), &mut checks).await {
        Some(addrs) => tcp(&addrs, proxy.as_ref(), &mut checks).await,
        None => None,
    };
    let plain_proxy = proxy.as_ref().is_none_or(|p| p.url.scheme() == "http");
    match (connected, https) {
        (Some(stream), true) if plain_proxy => {
            checks.push(tls_check(stream, &host, port, proxy.as_ref()).await);
        }
        (Some(_), true) => checks.push(Check::skipped(
            CheckKind::Tls,
            "checked by the HTTP request below (the proxy is not a plain HTTP proxy)",
        )),
        (Some(_), false) => checks.push(Check::skipped(
            CheckKind::Tls,
            "not used: the endpoint is http:// on this machine",
        )),
        (None, _) => checks.push(Check::skipped(CheckKind::Tls, "not tried: no connection")),
    }
    let reached = checks.iter().all(|c| c.status != CheckStatus::Fail);
    if reached {
        http_check(http, url, &mut checks).await;
    } else {
        checks.push(Check::skipped(
            CheckKind::Http,
            "not tried: an earlier step failed",
        ));
        checks.push(Check::skipped(CheckKind::Clock, "not tried: no answer"));
    }
    EndpointReport {
        name: name.into(),
        url: url.into(),
        checks,
    }
}

async fn dns(
    host: &str,
    port: u16,
    proxy: Option<&Proxy>,
    checks: &mut Vec<Check>,
) -> Option<Vec<SocketAddr>> {
    let started = Instant::now();
    let whose = match proxy {
        Some(p) => format!(
            "the proxy {host} (from {}; the proxy resolves the endpoint's name)",
            p.source
        ),
        None => host.to_string(),
    };
    let found = tokio::time::timeout(STEP, tokio::net::lookup_host((host, port))).await;
    match found {
        Ok(Ok(addrs)) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            if addrs.is_empty() {
                checks.push(dns_failed(&whose, "no address", proxy).timed(started));
                return None;
            }
            let shown: Vec<String> = addrs.iter().take(4).map(|a| a.ip().to_string()).collect();
            checks.push(
                Check::ok(CheckKind::Dns, format!("{whose}: {}", shown.join(", "))).timed(started),
            );
            Some(addrs)
        }
        Ok(Err(e)) => {
            checks.push(dns_failed(&whose, &e.to_string(), proxy).timed(started));
            None
        }
        Err(_) => {
            checks.push(dns_failed(&whose, "no answer in 8 s", proxy).timed(started));
            None
        }
    }
}

fn dns_failed(whose: &str, why: &str, proxy: Option<&Proxy>) -> Check {
    let fix = match proxy {
        Some(p) => format!("Check the proxy's name in {} and this machine's DNS.", p.source),
        None => "Check the name (the cloud in the settings, or ELEVATE_LOGIN_URL/GRAPH_URL/ARM_URL for a custom cloud) and this machine's DNS; a network that allows only a proxy needs HTTPS_PROXY.".into(),
    };
    Check::fail(
        CheckKind::Dns,
        format!("{whose} could not be resolved: {why}"),
        fix,
    )
}

async fn tcp(
    addrs: &[SocketAddr],
    proxy: Option<&Proxy>,
    checks: &mut Vec<Check>,
) -> Option<TcpStream> {
    let started = Instant::now();
    let mut last = String::new();
    for addr in addrs.iter().take(4) {
        match tokio::time::timeout(STEP, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => {
                let to = if proxy.is_some() { "the proxy at " } else { "" };
                checks.push(
                    Check::ok(CheckKind::Tcp, format!("connected to {to}{addr}")).timed(started),
                );
                return Some(s);
            }
            Ok(Err(e)) => last = format!("{addr}: {e}"),
            Err(_) => last = format!("{addr}: no answer in 8 s"),
        }
    }
    let (detail, fix) = match proxy {
        Some(p) => (
            format!("the proxy {} (from {}) does not accept connections: {last}", p.shown(), p.source),
            format!("Start the proxy or correct {} (unset it to connect directly).", p.source),
        ),
        None => (
            format!("could not connect: {last}"),
            "A firewall may block the port; if your network requires a proxy, set HTTPS_PROXY (or [network] proxy in the settings).".into(),
        ),
    };
    checks.push(Check::fail(CheckKind::Tcp, detail, fix).timed(started));
    None
}

/// Opens a CONNECT tunnel through a plain HTTP proxy.
async fn tunnel(
    stream: &mut TcpStream,
    proxy: &Proxy,
    host: &str,
    port: u16,
) -> Result<(), String> {
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if !proxy.url.username().is_empty() {
        use base64::Engine;
        let user = percent_encoding::percent_decode_str(proxy.url.username()).decode_utf8_lossy();
        let pass = percent_encoding::percent_decode_str(proxy.url.password().unwrap_or_default())
            .decode_utf8_lossy();
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
        request.push_str(&format!("Proxy-Authorization: Basic {token}\r\n"));
    }
    request.push_str("\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 8192 || stream.read(&mut byte).await.map_err(|e| e.to_string())? == 0 {
            return Err("the proxy closed the connection".into());
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head);
    let status = text.lines().next().unwrap_or_default().trim().to_string();
    if status.split_whitespace().nth(1) == Some("200") {
        Ok(())
    } else {
        Err(format!(
            "the proxy answered CONNECT {authority} with '{status}'"
        ))
    }
}

async fn tls_check(mut stream: TcpStream, host: &str, port: u16, proxy: Option<&Proxy>) -> Check {
    let started = Instant::now();
    if let Some(p) = proxy {
        match tokio::time::timeout(STEP, tunnel(&mut stream, p, host, port)).await {
            Ok(Ok(())) => {}
            Ok(Err(why)) => {
                let fix = if why.contains("407") {
                    format!("The proxy wants credentials: give them in the proxy URL ({}: http://user:password@host:port).", p.source)
                } else {
                    format!("The proxy refuses to reach {host}: ask its administrators to allow it, or exempt it with NO_PROXY.")
                };
                return Check::fail(CheckKind::Tls, why, fix).timed(started);
            }
            Err(_) => {
                return Check::fail(
                    CheckKind::Tls,
                    "the proxy did not answer CONNECT in 8 s",
                    "Check the proxy.",
                )
                .timed(started)
            }
        }
    }
    let config = match tls::client_config() {
        Ok(c) => c,
        Err(e) => {
            return Check::fail(
                CheckKind::Tls,
                e.to_string(),
                "Install the ca-certificates package.",
            )
        }
    };
    let Ok(name) = rustls::pki_types::ServerName::try_from(host.to_string()) else {
        return Check::fail(
            CheckKind::Tls,
            format!("'{host}' is not a name TLS can check"),
            "Correct the endpoint.",
        );
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    match tokio::time::timeout(STEP, connector.connect(name, stream)).await {
        Ok(Ok(s)) => {
            let (_, conn) = s.get_ref();
            let version = match conn.protocol_version() {
                Some(rustls::ProtocolVersion::TLSv1_3) => "TLS 1.3".to_string(),
                Some(rustls::ProtocolVersion::TLSv1_2) => "TLS 1.2".to_string(),
                Some(v) => format!("{v:?}"),
                None => "TLS".to_string(),
            };
            let summary = conn
                .peer_certificates()
                .and_then(|c| c.first())
                .and_then(|c| cert::summary(c));
            let Some(s) = summary else {
                return Check::ok(CheckKind::Tls, format!("{version}, certificate unreadable"))
                    .timed(started);
            };
            let expires = s
                .not_after
                .map(|t| format!(", expires {}", t.format("%Y-%m-%d")))
                .unwrap_or_default();
            let detail = format!(
                "{version}, certificate for {} issued by {}{expires}",
                s.subject, s.issuer
            );
            let soon = s
                .not_after
                .is_some_and(|t| t - chrono::Utc::now() < chrono::Duration::days(14));
            if soon {
                Check::warn(CheckKind::Tls, detail, "The certificate expires within 14 days: tell whoever runs this endpoint (or your TLS inspection).").timed(started)
            } else {
                Check::ok(CheckKind::Tls, detail).timed(started)
            }
        }
        Ok(Err(e)) => {
            let words =
                tls::refusal_in(&e).unwrap_or_else(|| format!("TLS: the handshake failed: {e}"));
            let fix = if words.contains("not trusted") {
                "If your organisation inspects TLS, install its CA in this system's trust store (Linux: copy it to /usr/local/share/ca-certificates/ and run update-ca-certificates; or SSL_CERT_FILE); otherwise someone is between you and Microsoft: do not sign in."
            } else {
                "Check this machine's date and time, and the endpoint's name."
            };
            Check::fail(CheckKind::Tls, words, fix).timed(started)
        }
        Err(_) => Check::fail(
            CheckKind::Tls,
            "no TLS answer in 8 s",
            "Check the endpoint's port and any TLS inspection device.",
        )
        .timed(started),
    }
}

async fn http_check(http: &Http, url: &str, checks: &mut Vec<Check>) {
    let started = Instant::now();
    let request = Request {
        method: reqwest::Method::GET,
        url,
        token: None,
        json: None,
        form: None,
        headers: &[],
        replayable: true,
    };
    let once = http.clone().with_retry(crate::http::RetryPolicy {
        max_attempts: 1,
        ..Default::default()
    });
    let resp = match once.send(&request).await {
        Ok(r) => r,
        Err(e) => {
            let text = e.to_string();
            let fix = if text.starts_with("TLS:") {
                "See the TLS check: this system does not trust the certificate."
            } else {
                "Check the proxy and firewall: the connection worked but the request did not."
            };
            checks.push(Check::fail(CheckKind::Http, text, fix).timed(started));
            checks.push(Check::skipped(CheckKind::Clock, "not tried: no answer"));
            return;
        }
    };
    let words = match resp.status {
        200..=299 => "answered",
        300..=399 => "answered with a redirect",
        401 => "answered 'sign-in needed' (no token was sent, as expected):",
        _ => "answered",
    };
    let detail = format!("GET {words} {}", resp.status);
    checks.push(
        if resp.status >= 500 {
            Check::warn(
                CheckKind::Http,
                detail,
                "The service is failing now: try again later.",
            )
        } else if resp.status == 400 && url.contains("openid-configuration") {
            Check::warn(
                CheckKind::Http,
                format!("{detail}: the tenant may not exist in this cloud"),
                "Check the tenant id (or domain) and the cloud in the settings.",
            )
        } else {
            Check::ok(CheckKind::Http, detail)
        }
        .timed(started),
    );
    checks.push(clock(&resp.headers));
}

fn clock(headers: &reqwest::header::HeaderMap) -> Check {
    let Some(date) = headers
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
    else {
        return Check::skipped(CheckKind::Clock, "the server sent no Date header");
    };
    let Ok(at) = chrono::DateTime::parse_from_rfc2822(date.trim()) else {
        return Check::skipped(
            CheckKind::Clock,
            format!("the server's Date header is unreadable: '{date}'"),
        );
    };
    let skew = (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds();
    let words = match skew {
        0 => "in step with the server".to_string(),
        s if s > 0 => format!("{s} s behind the server"),
        s => format!("{} s ahead of the server", -s),
    };
    match skew.abs() {
        0..=60 => Check::ok(CheckKind::Clock, words),
        61..=299 => Check::warn(CheckKind::Clock, words, "Turn on automatic time (NTP): sign-in refuses clocks 5 minutes off."),
        _ => Check::fail(CheckKind::Clock, words, "Set this machine's clock (turn on automatic time, NTP): sign-in fails with a clock 5 minutes or more off."),
    }
}
