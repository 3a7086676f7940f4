//! Sign-in with the `oauth2` crate: interactive (system browser, PKCE S256, loopback redirect
//! on 127.0.0.1, `state` checked, single use, time-out) and device code. One refresh token per
//! client, redeemed per resource (Graph, ARM); access tokens cached in memory and refreshed
//! early under a double-checked lock; the newest refresh token always stored. Step-up: sign
//! in again with a `claims` challenge merged with the `cp1` capability. Other credentials
//! (Azure CLI, client secret or certificate, managed identity) are `credential` and its
//! modules; the session asks them for one token per resource.

mod accounts;
mod azure_cli;
mod certificate;
mod client_credentials;
mod credential;
mod feature;
mod loopback;
mod managed_identity;
mod oauth;
mod opener;
mod session;
mod signin;
mod types;
mod via_credential;

pub use accounts::{check_accounts, load_accounts};
pub use azure_cli::{explain_az_error, parse_az_output, AzureCli, AZ_TIMEOUT};
pub use certificate::{pem_blocks, Certificate};
pub use client_credentials::{explain_token_error, ClientCertificate, ClientSecret};
pub use credential::{resource_uri, AccessToken, AuthMethod, Credential};
pub use loopback::redirect_query;
pub use managed_identity::{
    parse_mi_token, ManagedIdentity, Source as ManagedIdentitySource, IMDS_TOKEN_URL,
};
pub use oauth::{acrs_claims, merge_challenges, merge_claims, scopes, EntraTokenError};
pub use opener::{Opener, SystemOpener};
pub use session::Session;
pub use types::{DeviceCodePrompt, Identity, Resource};
pub use via_credential::SignInSummary;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::Value;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::loopback::*;
    use super::*;
    use crate::error::Error;

    proptest::proptest! {
        #[test]
        fn any_request_line_reads_or_yields_nothing(head in "\\PC{0,300}") {
            let first = head.lines().next().unwrap_or("");
            let pairs = redirect_query(&head);
            proptest::prop_assert!(first.contains('?') || pairs.is_empty());
        }
    }

    #[test]
    fn the_redirect_query_is_read_from_the_request_line_only() {
        let q = redirect_query(
            "GET /?code=a%20b&state=s HTTP/1.1\r\nHost: x\r\nX-Evil: ?code=c\r\n\r\n",
        );
        assert_eq!(
            q,
            vec![
                ("code".to_string(), "a b".to_string()),
                ("state".to_string(), "s".to_string())
            ]
        );
        assert!(redirect_query("").is_empty());
    }

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
    async fn the_loopback_listener_ignores_forged_state_idle_connections_and_accepts_one_code() {
        let loopback = bind().await.expect("bind");
        let port = loopback.port;
        // Both loopback families are ours: nobody else can take [::1] on this port.
        if std::net::TcpListener::bind(("::1", 0)).is_ok() {
            assert!(
                TcpListener::bind(("::1", port)).await.is_err(),
                "[::1]:{port} is taken by the sign-in"
            );
        }
        let waiter = tokio::spawn(async move {
            wait_for_code(loopback, "s3cret-state", Duration::from_secs(30)).await
        });
        // Idle connections that never send anything do not hold up the real redirect.
        let mut idle = vec![];
        for _ in 0..5 {
            idle.push(
                tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .expect("idle"),
            );
        }
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
        // (Served one by one with a 10-s read time-out, the five idle ones would use up the
        // 30-s wait before the redirect was read.)
        let good = get("/?code=the-code&state=s3cret-state".into()).await;
        assert!(good.contains("You can close this tab"));
        assert_eq!(waiter.await.expect("join").expect("code"), "the-code");
        drop(idle);
    }

    #[tokio::test]
    async fn the_loopback_listener_times_out_with_a_clear_error() {
        let loopback = bind().await.expect("bind");
        let err = wait_for_code(loopback, "x", Duration::from_millis(50))
            .await
            .expect_err("timeout");
        assert!(
            matches!(err, Error::SignInRequired(ref m) if m.contains("not completed")),
            "{err}"
        );
    }
}
