//! Access, refresh and ID tokens: minting them (HS256 JWTs with one audience each),
//! verifying an access token into its [`TokenInfo`], and revoking refresh tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use chrono::Duration;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use super::common::{oauth_error, random_token};
use super::grants::{Auth, RefreshToken, Session};
use super::scopes::{default_scopes, split_scope, Resource, GRAPH_AUD};
use crate::http::Resp;
use crate::state::Tenant;
use crate::time::Time;

/// The claims of a valid access token.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub user: String,
    pub audience: String,
    pub scopes: Vec<String>,
    pub mfa: bool,
    pub acrs: Vec<String>,
    pub expires: i64,
    /// When it was issued (`iat`): Continuous Access Evaluation's `nbf` challenge compares it.
    pub issued: i64,
    /// An application's token (client credentials, managed identity): no user, no `scp`;
    /// its granted app roles (`roles`) stand where delegated scopes would.
    pub app_only: bool,
}

impl Auth {
    pub fn revoke_user(&mut self, user: Option<&str>) -> usize {
        let mut n = 0;
        for rt in self.refresh.values_mut() {
            if user.is_none_or(|u| rt.session.user.eq_ignore_ascii_case(u)) && !rt.revoked {
                rt.revoked = true;
                n += 1;
            }
        }
        n
    }

    pub(super) fn sign(&self, claims: &Value) -> String {
        let header = B64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = B64.encode(serde_json::to_vec(claims).unwrap_or_default());
        let input = format!("{header}.{payload}");
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length works");
        mac.update(input.as_bytes());
        format!("{input}.{}", B64.encode(mac.finalize().into_bytes()))
    }

    /// Verifies signature and lifetime; the caller checks audience and scopes.
    pub fn verify(&self, token: &str, now: Time) -> Result<TokenInfo, &'static str> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("malformed");
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length works");
        mac.update(format!("{h}.{p}").as_bytes());
        let sig = B64.decode(s).map_err(|_| "malformed")?;
        mac.verify_slice(&sig).map_err(|_| "signature")?;
        let claims: Value = serde_json::from_slice(&B64.decode(p).map_err(|_| "malformed")?)
            .map_err(|_| "malformed")?;
        let exp = claims["exp"].as_i64().unwrap_or(0);
        if exp <= now.timestamp() {
            return Err("expired");
        }
        let list = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        let app_only = claims["idtyp"].as_str() == Some("app");
        Ok(TokenInfo {
            user: claims["oid"].as_str().unwrap_or_default().to_string(),
            audience: claims["aud"].as_str().unwrap_or_default().to_string(),
            scopes: if app_only {
                list(&claims["roles"])
            } else {
                claims["scp"]
                    .as_str()
                    .unwrap_or_default()
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            },
            mfa: list(&claims["amr"]).iter().any(|a| a == "mfa"),
            acrs: list(&claims["acrs"]),
            expires: exp,
            issued: claims["iat"].as_i64().unwrap_or(0),
            app_only,
        })
    }

    pub(super) fn issue(
        &mut self,
        tenant: &Tenant,
        session: &Session,
        requested: &[String],
        offline: bool,
        openid: bool,
    ) -> Result<Value, Resp> {
        let now = tenant.now();
        // The token is for the resource of the first resource scope [DOC].
        let resource_scopes: Vec<(Resource, String)> =
            requested.iter().filter_map(|s| split_scope(s)).collect();
        let resource = resource_scopes
            .first()
            .map(|(r, _)| *r)
            .unwrap_or(Resource::Graph);
        if let Some(client) = tenant
            .scenario
            .clients
            .iter()
            .find(|c| c.id.eq_ignore_ascii_case(&session.client))
        {
            let allowed = match resource {
                Resource::Graph => client.graph,
                Resource::Arm => client.arm,
            };
            if !allowed {
                return Err(oauth_error(
                    400,
                    "invalid_grant",
                    65002,
                    &format!(
                        "Consent between first party application '{}' and first party resource '{}' must be configured via preauthorization - applications owned and operated by Microsoft must get approval from the API owner before requesting tokens for that API.",
                        client.id,
                        resource.audience()
                    ),
                ));
            }
        }
        let mut scopes: Vec<String> = vec![];
        for (r, name) in &resource_scopes {
            if *r != resource {
                continue;
            }
            if name.eq_ignore_ascii_case(".default") {
                scopes.extend(default_scopes(resource));
            } else {
                scopes.push(name.clone());
            }
        }
        if scopes.is_empty() {
            scopes = if resource == Resource::Graph {
                vec!["User.Read".into(), "openid".into(), "profile".into()]
            } else {
                default_scopes(resource)
            };
        }
        scopes.dedup();
        // Scopes the administrator never consented to are not granted (`withheldScopes`).
        let withheld = &tenant.settings.withheld_scopes;
        scopes.retain(|s| !withheld.iter().any(|w| w.eq_ignore_ascii_case(s)));
        let user = tenant.user(&session.user).cloned().ok_or_else(|| {
            oauth_error(
                400,
                "invalid_grant",
                50034,
                "The user account does not exist in this directory.",
            )
        })?;
        let exp = now + Duration::seconds(tenant.settings.token_lifetime);
        let mut claims = json!({
            "aud": resource.audience(),
            "iss": format!("https://sts.windows.net/{}/", tenant.scenario.tenant.id),
            "iat": now.timestamp(), "nbf": now.timestamp(), "exp": exp.timestamp(),
            "tid": tenant.scenario.tenant.id, "oid": user.id, "sub": user.id,
            "name": user.display_name, "preferred_username": user.user_principal_name, "upn": user.user_principal_name,
            "appid": session.client, "scp": scopes.join(" "),
            "amr": if session.mfa { json!(["pwd", "mfa"]) } else { json!(["pwd"]) },
            "ver": "1.0",
        });
        if !session.acrs.is_empty() {
            claims["acrs"] = json!(session.acrs);
        }
        if !session.capabilities.is_empty() {
            claims["xms_cc"] = json!(session.capabilities);
        }
        let mut body = json!({
            "token_type": "Bearer",
            "scope": scopes.iter().map(|s| match resource { Resource::Graph => format!("{GRAPH_AUD}/{s}"), Resource::Arm => format!("https://management.azure.com/{s}") }).collect::<Vec<_>>().join(" "),
            "expires_in": tenant.settings.token_lifetime,
            "ext_expires_in": tenant.settings.token_lifetime,
            "access_token": self.sign(&claims),
        });
        if offline {
            let rt = random_token("rt.");
            self.refresh.insert(
                rt.clone(),
                RefreshToken {
                    session: session.clone(),
                    revoked: false,
                },
            );
            self.note_issued(&rt);
            body["refresh_token"] = json!(rt);
        }
        if openid {
            body["id_token"] = json!(self.sign(&json!({
                "aud": session.client, "iss": format!("https://login.microsoftonline.com/{}/v2.0", tenant.scenario.tenant.id),
                "iat": now.timestamp(), "exp": exp.timestamp(), "tid": tenant.scenario.tenant.id, "oid": user.id,
                "name": user.display_name, "preferred_username": user.user_principal_name,
            })));
        }
        for k in ["access_token", "id_token"] {
            if let Some(t) = body[k].as_str().map(str::to_string) {
                self.note_issued(&t);
            }
        }
        Ok(body)
    }
}
