//! `/token`: redeeming an authorization code, refreshing (with rotation and claims
//! challenges), and handing device-code polls to the device flow and client-credentials
//! grants to `apps`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::common::{oauth_error, parse_claims};
use super::grants::Auth;
use crate::http::{Req, Resp};
use crate::state::Tenant;

impl Auth {
    pub fn token(&mut self, tenant: &Tenant, req: &Req) -> Resp {
        let form = req.form();
        let p = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        if p("grant_type") == Some("client_credentials") {
            return self.client_credentials(tenant, req);
        }
        if let Some(c) = p("claims") {
            self.claims_seen.push(c.to_string());
        }
        if p("client_secret").is_some() || p("client_assertion").is_some() {
            return oauth_error(401, "invalid_client", 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.");
        }
        let client = p("client_id").unwrap_or_default().to_string();
        let scopes: Vec<String> = p("scope")
            .unwrap_or_default()
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        match p("grant_type").unwrap_or_default() {
            "authorization_code" => {
                let code_value = p("code").unwrap_or_default();
                let now = tenant.now();
                let Some(code) = self.codes.get_mut(code_value) else {
                    return oauth_error(
                        400,
                        "invalid_grant",
                        70000,
                        "The provided authorization code is invalid.",
                    );
                };
                if code.used {
                    return oauth_error(400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.");
                }
                code.used = true;
                if code.expires <= now {
                    return oauth_error(400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity.");
                }
                if !code.session.client.eq_ignore_ascii_case(&client) {
                    return oauth_error(
                        400,
                        "invalid_grant",
                        70000,
                        "The code was issued to another client.",
                    );
                }
                if p("redirect_uri") != Some(code.redirect_uri.as_str()) {
                    return oauth_error(400, "invalid_grant", 50011, "The redirect URI does not match the one used to obtain the authorization code.");
                }
                let verifier = p("code_verifier").unwrap_or_default();
                if B64.encode(Sha256::digest(verifier.as_bytes())) != code.challenge {
                    return oauth_error(400, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.");
                }
                let code = code.clone();
                let requested = if scopes.is_empty() {
                    code.scopes.clone()
                } else {
                    scopes
                };
                let offline = code.scopes.iter().any(|s| s == "offline_access");
                let openid = code.scopes.iter().any(|s| s == "openid");
                match self.issue(tenant, &code.session, &requested, offline, openid) {
                    Ok(body) => Resp::json(200, &body),
                    Err(e) => e,
                }
            }
            "refresh_token" => {
                let token = p("refresh_token").unwrap_or_default();
                let Some(rt) = self.refresh.get(token).cloned() else {
                    return oauth_error(
                        400,
                        "invalid_grant",
                        9002313,
                        "Invalid request. The refresh token is malformed or not valid.",
                    );
                };
                if rt.revoked {
                    return oauth_error(400, "invalid_grant", 50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed.");
                }
                if !rt.session.client.eq_ignore_ascii_case(&client) {
                    return oauth_error(
                        400,
                        "invalid_grant",
                        70000,
                        "The refresh token was issued to another client.",
                    );
                }
                let (acrs, caps) = match parse_claims(p("claims")) {
                    Ok(c) => c,
                    Err(e) => return oauth_error(400, "invalid_request", 90014, &e),
                };
                if acrs.iter().any(|a| !rt.session.acrs.contains(a)) {
                    return oauth_error(400, "interaction_required", 50076, "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication or satisfy an authentication context to access this resource. Retry the /authorize request with the same claims.");
                }
                let mut session = rt.session.clone();
                // Without a claims request, the new token carries no acrs (a plain refresh).
                session.acrs = acrs;
                if !caps.is_empty() {
                    session.capabilities = caps;
                }
                let rotated = self.issue(tenant, &session, &scopes, true, false);
                match rotated {
                    Ok(mut body) => {
                        // The refresh token keeps the sign-in's satisfied contexts.
                        if let Some(new_rt) = body["refresh_token"].as_str() {
                            if let Some(entry) = self.refresh.get_mut(new_rt) {
                                entry.session.acrs = rt.session.acrs.clone();
                            }
                        }
                        body["id_token"] = Value::Null;
                        if let Value::Object(m) = &mut body {
                            m.remove("id_token");
                        }
                        Resp::json(200, &body)
                    }
                    Err(e) => e,
                }
            }
            "urn:ietf:params:oauth:grant-type:device_code" => {
                self.poll_device(tenant, p("device_code").unwrap_or_default(), &client)
            }
            other => oauth_error(
                400,
                "unsupported_grant_type",
                70003,
                &format!("The app requested an unsupported grant type '{other}'."),
            ),
        }
    }
}
