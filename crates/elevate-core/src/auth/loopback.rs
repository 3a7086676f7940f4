//! The loopback redirect listener: the redirect says `localhost`, so it listens on both
//! 127.0.0.1 and [::1] on one port (no other local process can take the other family);
//! connections are served concurrently (an idle one never holds up the real redirect); the
//! one authorization code whose `state` matches is taken, the browser gets a page, and the
//! wait ends with a clear error after the time-out.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::error::Error;

pub(super) const DONE_PAGE: &str = "<!doctype html><meta charset=\"utf-8\"><title>Elevate</title><style>body{font:16px system-ui,sans-serif;margin:4em auto;max-width:28em;text-align:center}</style><h1>Signed in to Elevate</h1><p>You can close this tab and go back to Elevate.</p>";

pub(super) fn page(status: &str, title: &str, text: &str) -> String {
    let body = format!("<!doctype html><meta charset=\"utf-8\"><title>Elevate</title><style>body{{font:16px system-ui,sans-serif;margin:4em auto;max-width:28em;text-align:center}}</style><h1>{title}</h1><p>{text}</p>");
    format!("HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n{body}", body.len())
}

pub(super) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Waits for the browser's redirect to the loopback listener. Requests without our `state`
/// are answered and ignored (never accepted), so a stray or forged request cannot complete
/// the sign-in; the first matching one ends the wait (single use).
/// The listeners of one sign-in: 127.0.0.1 and, where the machine has IPv6, [::1], on one port.
pub(super) struct Loopback {
    listeners: Vec<TcpListener>,
    pub port: u16,
}

/// Binds 127.0.0.1 on a free port, then [::1] on the same port; when that port is taken on
/// IPv6 by someone else, tries another.
pub(super) async fn bind() -> Result<Loopback, Error> {
    let mut last = None;
    for _ in 0..20 {
        let v4 = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| Error::io("opening the sign-in listener on 127.0.0.1", e))?;
        let port = v4
            .local_addr()
            .map_err(|e| Error::io("sign-in listener", e))?
            .port();
        match TcpListener::bind((std::net::Ipv6Addr::LOCALHOST, port)).await {
            Ok(v6) => {
                return Ok(Loopback {
                    listeners: vec![v4, v6],
                    port,
                })
            }
            // No IPv6 loopback here: nobody can listen on [::1] either.
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::AddrNotAvailable | std::io::ErrorKind::Unsupported
                ) =>
            {
                return Ok(Loopback {
                    listeners: vec![v4],
                    port,
                })
            }
            Err(e) => last = Some(e),
        }
    }
    Err(Error::io(
        "opening the sign-in listener on [::1]",
        last.unwrap_or_else(|| std::io::Error::other("no free port")),
    ))
}

/// What one connection brought.
enum Visit {
    Code(String),
    Failed(Error),
    /// Not this sign-in (another state, no code, an idle or broken connection).
    Nothing,
}

/// Waits for the authorization code of the sign-in whose `state` is given.
pub(super) async fn wait_for_code(
    loopback: Loopback,
    state: &str,
    timeout: Duration,
) -> Result<String, Error> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Visit>(16);
    let mut acceptors = vec![];
    for listener in loopback.listeners {
        let (tx, state) = (tx.clone(), state.to_string());
        acceptors.push(tokio::spawn(async move {
            loop {
                let Ok((stream, peer)) = listener.accept().await else {
                    continue;
                };
                if !peer.ip().is_loopback() {
                    continue;
                }
                let (tx, state) = (tx.clone(), state.clone());
                // Each connection on its own: a slow one cannot starve the redirect.
                tokio::spawn(async move {
                    let visit = serve(stream, &state).await;
                    let _ = tx.send(visit).await;
                });
            }
        }));
    }
    drop(tx);
    let deadline = tokio::time::Instant::now() + timeout;
    let outcome = loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(Visit::Code(code))) => break Ok(code),
            Ok(Some(Visit::Failed(e))) => break Err(e),
            Ok(Some(Visit::Nothing)) => continue,
            Ok(None) | Err(_) => {
                break Err(Error::SignInRequired(format!(
                    "The sign-in was not completed within {} minutes; start it again.",
                    timeout.as_secs() / 60
                )))
            }
        }
    };
    for a in acceptors {
        a.abort();
    }
    outcome
}

/// The query of the request line a browser (or anything local) sent: `GET /?code=…&state=…`.
pub fn redirect_query(head: &str) -> Vec<(String, String)> {
    let target = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("/");
    target
        .split_once('?')
        .map(|(_, q)| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

/// Reads one request (10 s at most) and answers it.
async fn serve(mut stream: tokio::net::TcpStream, state: &str) -> Visit {
    let mut buf = vec![0u8; 16 * 1024];
    let n = match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await {
        Ok(Ok(n)) => n,
        _ => return Visit::Nothing,
    };
    let head = String::from_utf8_lossy(&buf[..n]).to_string();
    let query = redirect_query(&head);
    let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if get("state").as_deref() != Some(state) {
        let page = page(
            "400 Bad Request",
            "Not this sign-in",
            "This response does not belong to the sign-in Elevate started.",
        );
        let _ = stream.write_all(page.as_bytes()).await;
        return Visit::Nothing;
    }
    if let Some(error) = get("error") {
        let desc = get("error_description").unwrap_or_default();
        let page = page(
            "200 OK",
            "Sign-in did not complete",
            &escape(&format!("{error}: {desc}")),
        );
        let _ = stream.write_all(page.as_bytes()).await;
        return Visit::Failed(Error::SignInRequired(format!(
            "The sign-in did not complete ({error}): {}",
            desc.lines().next().unwrap_or("")
        )));
    }
    if let Some(code) = get("code") {
        let response = format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n{DONE_PAGE}", DONE_PAGE.len());
        let _ = stream.write_all(response.as_bytes()).await;
        return Visit::Code(code);
    }
    let page = page(
        "400 Bad Request",
        "Not this sign-in",
        "The response carries no authorization code.",
    );
    let _ = stream.write_all(page.as_bytes()).await;
    Visit::Nothing
}
