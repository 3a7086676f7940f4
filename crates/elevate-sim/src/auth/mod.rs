//! Entra ID v2.0 sign-in as documented: /authorize (PKCE S256, loopback redirect, claims),
//! /token (authorization_code, refresh_token with rotation, device_code) and /devicecode.
//! Access tokens are HS256 JWTs with one audience each (Graph or ARM).
//!
//! This module owns the public surface; the parts live in `scopes` (resources and scopes),
//! `grants` (the [`Auth`] store), `common` (shared helpers), `issue` (minting and checking
//! tokens), `authorize`, `token` and `device` (the endpoints), `apps` (client credentials,
//! managed identity endpoints, the `az` stand-in's tokens) and `assertion` (client assertions
//! verified against the app's certificates).

mod apps;
mod assertion;
mod authorize;
mod common;
mod device;
mod grants;
mod issue;
mod scopes;
mod token;

pub use apps::AZ_CLIENT;
pub use assertion::{pem_certificate, rsa_public_key};
pub use common::oauth_error;
pub use grants::{Auth, DeviceCode, DeviceStatus};
pub use issue::TokenInfo;
pub use scopes::{split_scope, Resource, ARM_AUD, GRAPH_AUD};

#[cfg(test)]
mod tests {
    use super::common::{is_loopback_redirect, parse_claims};
    use super::*;

    #[test]
    fn scopes_split_by_resource() {
        assert_eq!(
            split_scope("https://graph.microsoft.com/User.Read"),
            Some((Resource::Graph, "User.Read".into()))
        );
        assert_eq!(
            split_scope("https://management.azure.com/user_impersonation"),
            Some((Resource::Arm, "user_impersonation".into()))
        );
        assert_eq!(
            split_scope("https://management.core.windows.net//.default"),
            Some((Resource::Arm, ".default".into()))
        );
        assert_eq!(split_scope("offline_access"), None);
        assert_eq!(
            split_scope("User.Read"),
            Some((Resource::Graph, "User.Read".into()))
        );
    }

    #[test]
    fn loopback_redirects_only() {
        assert!(is_loopback_redirect("http://localhost"));
        assert!(is_loopback_redirect("http://127.0.0.1:53211/callback"));
        assert!(!is_loopback_redirect("https://localhost:80"));
        assert!(!is_loopback_redirect("http://evil.example/"));
        assert!(!is_loopback_redirect("http://localhost.evil.example/"));
    }

    #[test]
    fn claims_parameter() {
        let (acrs, caps) = parse_claims(Some(r#"{"access_token":{"xms_cc":{"values":["cp1"]},"acrs":{"essential":true,"value":"c1"}}}"#)).expect("ok");
        assert_eq!(acrs, vec!["c1"]);
        assert_eq!(caps, vec!["cp1"]);
        assert!(parse_claims(Some("{not json")).is_err());
    }
}
