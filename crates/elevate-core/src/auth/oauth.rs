//! The OAuth parts: the Entra client (`oauth2` crate) with Entra's error body, the scopes per
//! resource, claims challenges merged with `cp1`, the identity read from the ID token, and
//! token errors in plain words.

use oauth2::basic::{
    BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, ClientId, DeviceAuthorizationUrl, RequestTokenError, StandardRevocableToken,
    TokenUrl,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::types::*;
use crate::config::Resolved;
use crate::error::Error;
use crate::model::Plane;

/// Entra's token error body, with `error_codes` (the `oauth2` crate's standard type drops it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EntraTokenError {
    pub error: String,
    #[serde(default)]
    pub error_description: Option<String>,
    #[serde(default)]
    pub error_codes: Vec<u64>,
}

impl std::fmt::Display for EntraTokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let first = self
            .error_description
            .as_deref()
            .and_then(|d| d.lines().next())
            .unwrap_or("");
        write!(f, "{}: {first}", self.error)
    }
}

impl oauth2::ErrorResponse for EntraTokenError {}

/// What a token response brings besides the standard fields: the ID token, where the user's
/// identity is read from (never from an access token, which is the resource's to read).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IdTokenFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

impl oauth2::ExtraTokenFields for IdTokenFields {}

/// A token response of Entra's token endpoint.
pub type EntraToken = oauth2::StandardTokenResponse<IdTokenFields, BasicTokenType>;

pub(super) type EntraClient<HasAuth, HasDevice, HasToken> = oauth2::Client<
    EntraTokenError,
    EntraToken,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    HasAuth,
    HasDevice,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    HasToken,
>;

pub(super) fn url_err(e: impl std::fmt::Display) -> Error {
    Error::InvalidInput(format!("invalid sign-in URL: {e}"))
}

pub(super) fn client(
    cfg: &Resolved,
    client_id: &str,
) -> Result<EntraClient<oauth2::EndpointSet, oauth2::EndpointSet, oauth2::EndpointSet>, Error> {
    let e = &cfg.endpoints;
    Ok(EntraClient::new(ClientId::new(client_id.to_string()))
        .set_auth_type(AuthType::RequestBody)
        .set_auth_uri(AuthUrl::new(e.authorize_url(&cfg.tenant)).map_err(url_err)?)
        .set_token_uri(TokenUrl::new(e.token_url(&cfg.tenant)).map_err(url_err)?)
        .set_device_authorization_url(
            DeviceAuthorizationUrl::new(e.device_code_url(&cfg.tenant)).map_err(url_err)?,
        ))
}

/// The delegated scopes Elevate asks for, least privileged [DOC].
pub fn scopes(cfg: &Resolved, resource: Resource) -> Vec<String> {
    match resource {
        Resource::Graph => {
            let g = &cfg.endpoints.graph_resource;
            [
                "User.Read",
                "RoleEligibilitySchedule.Read.Directory",
                "RoleAssignmentSchedule.ReadWrite.Directory",
                "RoleManagementPolicy.Read.Directory",
                "PrivilegedEligibilitySchedule.Read.AzureADGroup",
                "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
                "RoleManagementPolicy.Read.AzureADGroup",
            ]
            .iter()
            .map(|s| format!("{g}{s}"))
            .collect()
        }
        Resource::Arm => vec![format!("{}user_impersonation", cfg.endpoints.arm_resource)],
    }
}

/// Merges a claims challenge with the `cp1` client capability [DOC].
pub fn merge_claims(challenge: Option<&str>) -> String {
    let mut v: Value = challenge
        .and_then(|c| serde_json::from_str(c).ok())
        .unwrap_or_else(|| serde_json::json!({}));
    if !v["access_token"].is_object() {
        v["access_token"] = serde_json::json!({});
    }
    v["access_token"]["xms_cc"] = serde_json::json!({"values": ["cp1"]});
    v.to_string()
}

/// The claims challenge for an authentication context (acquired before the first attempt).
pub fn acrs_claims(claim_value: &str) -> String {
    serde_json::json!({"access_token": {"acrs": {"essential": true, "value": claim_value}}})
        .to_string()
}

/// Merges a new claims challenge into the claims already asked for (a deeper object wins
/// key by key), so that a step-up keeps what an earlier one asked.
pub fn merge_challenges(earlier: Option<&str>, new: &str) -> String {
    fn merge(a: &mut Value, b: &Value) {
        match (a, b) {
            (Value::Object(a), Value::Object(b)) => {
                for (k, v) in b {
                    merge(a.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
            (a, b) => *a = b.clone(),
        }
    }
    let mut v: Value = earlier
        .and_then(|c| serde_json::from_str(c).ok())
        .unwrap_or_else(|| serde_json::json!({}));
    match serde_json::from_str::<Value>(new) {
        Ok(n) => merge(&mut v, &n),
        Err(_) => return earlier.unwrap_or(new).to_string(),
    }
    v.to_string()
}

/// Reads (without verifying: it came straight from the token endpoint over TLS) a JWT's claims.
pub(super) fn jwt_claims(token: &str) -> Value {
    use base64::Engine;
    token
        .split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p.trim_end_matches('='))
                .ok()
        })
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null)
}

/// The signed-in user from the ID token of a sign-in (an access token is never read: its
/// format belongs to the resource and may be encrypted).
pub(super) fn identity_from(token: &EntraToken) -> Option<Identity> {
    let c = jwt_claims(token.extra_fields().id_token.as_deref()?);
    Some(Identity {
        tenant_id: c["tid"].as_str()?.to_string(),
        object_id: c["oid"].as_str()?.to_string(),
        username: c["preferred_username"]
            .as_str()
            .or(c["upn"].as_str())
            .or(c["unique_name"].as_str())
            .unwrap_or_default()
            .to_string(),
        name: c["name"].as_str().unwrap_or_default().to_string(),
    })
}

pub(super) fn token_error(
    plane: Option<Plane>,
    e: RequestTokenError<Error, EntraTokenError>,
) -> Error {
    match e {
        RequestTokenError::ServerResponse(r) => {
            let detail = r
                .error_description
                .as_deref()
                .and_then(|d| d.lines().next())
                .unwrap_or(&r.error)
                .to_string();
            match (r.error.as_str(), plane) {
                // AADSTS65002 / 65001: the client may not get this resource at all.
                ("invalid_grant" | "invalid_client" | "consent_required" | "unauthorized_client", Some(plane)) if r.error_codes.iter().any(|c| matches!(c, 65001 | 65002 | 650057)) => {
                    Error::Consent { plane, message: format!("{} is unavailable: the sign-in app cannot get access to it ({detail}). Configure a separate client for it or a registered app (see the README).", plane.label()) }
                }
                ("interaction_required" | "invalid_grant" | "login_required" | "consent_required", _) => Error::SignInRequired(format!("Sign in again: {detail}")),
                _ => Error::SignInRequired(format!("Sign-in failed ({}): {detail}", r.error)),
            }
        }
        RequestTokenError::Request(e) => e,
        RequestTokenError::Parse(e, _) => Error::Network(format!(
            "the token endpoint answered something that is not a token response: {e}"
        )),
        RequestTokenError::Other(e) => Error::Network(e),
    }
}
