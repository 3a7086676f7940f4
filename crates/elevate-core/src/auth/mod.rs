//! Sign-in with the `oauth2` crate: interactive (system browser, PKCE S256, loopback redirect
//! on 127.0.0.1, `state` checked, single use, time-out) and device code. One refresh token per
//! client, redeemed per resource (Graph, ARM); access tokens cached in memory and refreshed
//! early under a double-checked lock; the newest refresh token always stored. Step-up: sign
//! in again with a `claims` challenge merged with the `cp1` capability.

mod accounts;
mod loopback;
mod oauth;
mod opener;
mod session;
mod signin;
mod types;

pub use accounts::load_accounts;
pub use oauth::{acrs_claims, merge_claims, scopes, EntraTokenError};
pub use opener::{Opener, SystemOpener};
pub use session::Session;
pub use types::{DeviceCodePrompt, Identity, Resource};

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::Value;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::loopback::*;
    use super::*;
    use crate::error::Error;

    #[test]
    fn claims_are_merged_with_cp1() {
        let merged: Value =
            serde_json::from_str(&merge_claims(Some(&acrs_claims("c1")))).expect("json");
        assert_eq!(merged["access_token"]["acrs"]["value"], "c1");
        assert_eq!(merged["access_token"]["xms_cc"]["values"][0], "cp1");
        let only: Value = serde_json::from_str(&merge_claims(None)).expect("json");
        assert_eq!(only["access_token"]["xms_cc"]["values"][0], "cp1");
    }

    #[tokio::test]
    async fn the_loopback_listener_ignores_forged_state_and_accepts_one_code() {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let waiter = tokio::spawn(async move {
            wait_for_code(&listener, "s3cret-state", Duration::from_secs(10)).await
        });
        let get = |path: String| async move {
            let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .expect("connect");
            s.write_all(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes())
                .await
                .expect("write");
            let mut out = String::new();
            s.read_to_string(&mut out).await.expect("read");
            out
        };
        let forged = get("/?code=evil&state=other".into()).await;
        assert!(forged.starts_with("HTTP/1.1 400"));
        let good = get("/?code=the-code&state=s3cret-state".into()).await;
        assert!(good.contains("You can close this tab"));
        assert_eq!(waiter.await.expect("join").expect("code"), "the-code");
    }

    #[tokio::test]
    async fn the_loopback_listener_times_out_with_a_clear_error() {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
        let err = wait_for_code(&listener, "x", Duration::from_millis(50))
            .await
            .expect_err("timeout");
        assert!(
            matches!(err, Error::SignInRequired(ref m) if m.contains("not completed")),
            "{err}"
        );
    }
}
