//! The loopback redirect listener: waits for the one authorization code whose `state`
//! matches, answers the browser with a page, times out with a clear error.

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
pub(super) async fn wait_for_code(
    listener: &TcpListener,
    state: &str,
    timeout: Duration,
) -> Result<String, Error> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let accepted = tokio::time::timeout_at(deadline, listener.accept()).await;
        let Ok(accepted) = accepted else {
            return Err(Error::SignInRequired(format!(
                "The sign-in was not completed within {} minutes; start it again.",
                timeout.as_secs() / 60
            )));
        };
        let Ok((mut stream, peer)) = accepted else {
            continue;
        };
        if !peer.ip().is_loopback() {
            continue;
        }
        let mut buf = vec![0u8; 16 * 1024];
        let n = match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await {
            Ok(Ok(n)) => n,
            _ => continue,
        };
        let head = String::from_utf8_lossy(&buf[..n]).to_string();
        let target = head
            .lines()
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("/")
            .to_string();
        let query: Vec<(String, String)> = target
            .split_once('?')
            .map(|(_, q)| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        if get("state").as_deref() != Some(state) {
            let _ = stream
                .write_all(
                    page(
                        "400 Bad Request",
                        "Not this sign-in",
                        "This response does not belong to the sign-in Elevate started.",
                    )
                    .as_bytes(),
                )
                .await;
            continue;
        }
        if let Some(error) = get("error") {
            let desc = get("error_description").unwrap_or_default();
            let _ = stream
                .write_all(
                    page(
                        "200 OK",
                        "Sign-in did not complete",
                        &escape(&format!("{error}: {desc}")),
                    )
                    .as_bytes(),
                )
                .await;
            return Err(Error::SignInRequired(format!(
                "The sign-in did not complete ({error}): {}",
                desc.lines().next().unwrap_or("")
            )));
        }
        if let Some(code) = get("code") {
            let response = format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n{DONE_PAGE}", DONE_PAGE.len());
            let _ = stream.write_all(response.as_bytes()).await;
            return Ok(code);
        }
        let _ = stream
            .write_all(
                page(
                    "400 Bad Request",
                    "Not this sign-in",
                    "The response carries no authorization code.",
                )
                .as_bytes(),
            )
            .await;
    }
}
