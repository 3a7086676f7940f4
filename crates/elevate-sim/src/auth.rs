//! Entra ID v2.0 sign-in as documented: /authorize (PKCE S256, loopback redirect, claims),
//! /token (authorization_code, refresh_token with rotation, device_code) and /devicecode.
//! Access tokens are HS256 JWTs with one audience each (Graph or ARM).

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use chrono::Duration;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::http::{html_escape, Req, Resp};
use crate::state::Tenant;
use crate::time::Time;

pub const GRAPH_AUD: &str = "https://graph.microsoft.com";
pub const ARM_AUD: &str = "https://management.core.windows.net/";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Graph,
    Arm,
}

impl Resource {
    pub fn audience(self) -> &'static str {
        match self {
            Resource::Graph => GRAPH_AUD,
            Resource::Arm => ARM_AUD,
        }
    }
}

/// Splits `https://graph.microsoft.com/RoleManagement.Read.Directory` into its resource and
/// scope name. OIDC scopes (`openid`, `profile`, `offline_access`) have no resource.
pub fn split_scope(scope: &str) -> Option<(Resource, String)> {
    const GRAPH: [&str; 3] = [
        "https://graph.microsoft.com/",
        "00000003-0000-0000-c000-000000000000/",
        "https://graph.microsoft.us/",
    ];
    const ARM: [&str; 4] = [
        "https://management.azure.com/",
        "https://management.core.windows.net/",
        "797f4846-ba00-4fd7-ba43-dac1f8f63013/",
        "https://management.core.windows.net//",
    ];
    let lower = scope.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "openid" | "profile" | "offline_access" | "email"
    ) {
        return None;
    }
    for p in ARM.iter().rev() {
        if lower.starts_with(p) {
            return Some((
                Resource::Arm,
                scope[p.len()..].trim_start_matches('/').to_string(),
            ));
        }
    }
    for p in GRAPH {
        if lower.starts_with(p) {
            return Some((Resource::Graph, scope[p.len()..].to_string()));
        }
    }
    // A bare scope name means Microsoft Graph.
    Some((Resource::Graph, scope.to_string()))
}

/// The delegated scopes a `.default` request is granted (everything consented for the app).
fn default_scopes(resource: Resource) -> Vec<String> {
    match resource {
        Resource::Arm => vec!["user_impersonation".into()],
        Resource::Graph => [
            "User.Read",
            "RoleManagement.ReadWrite.Directory",
            "RoleAssignmentSchedule.ReadWrite.Directory",
            "RoleEligibilitySchedule.Read.Directory",
            "RoleManagementPolicy.Read.Directory",
            "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
            "PrivilegedEligibilitySchedule.Read.AzureADGroup",
            "RoleManagementPolicy.Read.AzureADGroup",
            "Group.Read.All",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
    }
}

#[derive(Debug, Clone)]
struct Session {
    user: String,
    client: String,
    mfa: bool,
    /// Authentication contexts satisfied in this sign-in.
    acrs: Vec<String>,
    capabilities: Vec<String>,
}

#[derive(Debug, Clone)]
struct Code {
    session: Session,
    redirect_uri: String,
    challenge: String,
    scopes: Vec<String>,
    expires: Time,
    used: bool,
}

#[derive(Debug, Clone)]
struct RefreshToken {
    session: Session,
    revoked: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DeviceStatus {
    Pending,
    Approved { user: String, mfa: bool },
    Declined,
}

#[derive(Debug, Clone)]
pub struct DeviceCode {
    pub device_code: String,
    pub user_code: String,
    pub client: String,
    pub scopes: Vec<String>,
    pub expires: Time,
    pub interval: u64,
    pub last_poll: Option<std::time::Instant>,
    pub status: DeviceStatus,
}

pub struct Auth {
    key: [u8; 32],
    codes: HashMap<String, Code>,
    refresh: HashMap<String, RefreshToken>,
    pub devices: Vec<DeviceCode>,
}

impl Default for Auth {
    fn default() -> Self {
        Auth {
            key: rand::random(),
            codes: HashMap::new(),
            refresh: HashMap::new(),
            devices: vec![],
        }
    }
}

/// The claims of a valid access token.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub user: String,
    pub audience: String,
    pub scopes: Vec<String>,
    pub mfa: bool,
    pub acrs: Vec<String>,
    pub expires: i64,
}

fn random_token(prefix: &str) -> String {
    let bytes: [u8; 24] = rand::random();
    format!("{prefix}{}", B64.encode(bytes))
}

/// The documented token-endpoint error body. Clients branch on `error`, never the text.
pub fn oauth_error(status: u16, error: &str, code: u32, description: &str) -> Resp {
    let trace = uuid::Uuid::new_v4().to_string();
    let corr = uuid::Uuid::new_v4().to_string();
    let now = chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
    Resp::json(
        status,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {description}\r\nTrace ID: {trace}\r\nCorrelation ID: {corr}\r\nTimestamp: {now}"),
            "error_codes": [code],
            "timestamp": now,
            "trace_id": trace,
            "correlation_id": corr,
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
        }),
    )
}

fn is_loopback_redirect(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("http://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host
        .rsplit_once(':')
        .map(|(h, p)| {
            if p.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                host
            }
        })
        .unwrap_or(host);
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

fn append_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{}", ser.finish())
}

/// The `acrs` values and client capabilities requested in a `claims` JSON parameter.
fn parse_claims(claims: Option<&str>) -> Result<(Vec<String>, Vec<String>), String> {
    let Some(claims) = claims.filter(|c| !c.trim().is_empty()) else {
        return Ok((vec![], vec![]));
    };
    let v: Value = serde_json::from_str(claims)
        .map_err(|e| format!("the claims parameter is not valid JSON: {e}"))?;
    let at = &v["access_token"];
    let mut acrs = vec![];
    match &at["acrs"] {
        Value::Object(o) => {
            if let Some(s) = o.get("value").and_then(Value::as_str) {
                acrs.push(s.to_string());
            }
            if let Some(list) = o.get("values").and_then(Value::as_array) {
                acrs.extend(list.iter().filter_map(Value::as_str).map(str::to_string));
            }
        }
        Value::Null => {}
        _ => return Err("claims.access_token.acrs must be an object".into()),
    }
    let caps = at["xms_cc"]["values"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Ok((acrs, caps))
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

    fn sign(&self, claims: &Value) -> String {
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
        Ok(TokenInfo {
            user: claims["oid"].as_str().unwrap_or_default().to_string(),
            audience: claims["aud"].as_str().unwrap_or_default().to_string(),
            scopes: claims["scp"]
                .as_str()
                .unwrap_or_default()
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            mfa: list(&claims["amr"]).iter().any(|a| a == "mfa"),
            acrs: list(&claims["acrs"]),
            expires: exp,
        })
    }

    fn issue(
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
            body["refresh_token"] = json!(rt);
        }
        if openid {
            body["id_token"] = json!(self.sign(&json!({
                "aud": session.client, "iss": format!("https://login.microsoftonline.com/{}/v2.0", tenant.scenario.tenant.id),
                "iat": now.timestamp(), "exp": exp.timestamp(), "tid": tenant.scenario.tenant.id, "oid": user.id,
                "name": user.display_name, "preferred_username": user.user_principal_name,
            })));
        }
        Ok(body)
    }

    // --- /authorize ---------------------------------------------------------------------
    pub fn authorize(&mut self, tenant: &Tenant, req: &Req, form: bool) -> Resp {
        let params: Vec<(String, String)> = if form { req.form() } else { req.query.clone() };
        let p = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let client = p("client_id").unwrap_or_default();
        if client.is_empty()
            || (!tenant.scenario.clients.is_empty()
                && !tenant
                    .scenario
                    .clients
                    .iter()
                    .any(|c| c.id.eq_ignore_ascii_case(client)))
        {
            return error_page(
                700016,
                &format!(
                    "Application with identifier '{client}' was not found in the directory '{}'.",
                    tenant.scenario.tenant.display_name
                ),
            );
        }
        let redirect = p("redirect_uri").unwrap_or_default();
        if !is_loopback_redirect(redirect) {
            return error_page(50011, &format!("The redirect URI '{redirect}' specified in the request does not match the redirect URIs configured for the application (only http://localhost loopback is registered)."));
        }
        let state = p("state").unwrap_or_default();
        let fail = |error: &str, code: u32, desc: &str| {
            Resp::redirect(&append_query(
                redirect,
                &[
                    ("error", error),
                    ("error_description", &format!("AADSTS{code}: {desc}")),
                    ("state", state),
                ],
            ))
        };
        if p("response_type") != Some("code") {
            return fail(
                "unsupported_response_type",
                70005,
                "response_type must be 'code'.",
            );
        }
        let challenge = p("code_challenge").unwrap_or_default();
        if challenge.is_empty()
            || !p("code_challenge_method").is_some_and(|m| m.eq_ignore_ascii_case("S256"))
        {
            return fail(
                "invalid_request",
                9002325,
                "Proof Key for Code Exchange (S256) is required.",
            );
        }
        let (acrs, caps) = match parse_claims(p("claims")) {
            Ok(c) => c,
            Err(e) => return fail("invalid_request", 90014, &e),
        };
        let scopes: Vec<String> = p("scope")
            .unwrap_or_default()
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        // A person's decision arrives as the sign-in page's form; a test's through auto sign-in.
        let decision = if form {
            match p("decision") {
                Some("continue") => Some((
                    p("user").unwrap_or_default().to_string(),
                    p("mfa") == Some("on"),
                )),
                _ => {
                    return fail(
                        "access_denied",
                        65004,
                        "The user declined to consent to access the app.",
                    )
                }
            }
        } else if let Some(auto) = &tenant.settings.auto_sign_in {
            let user = p("login_hint")
                .and_then(|h| {
                    tenant
                        .scenario
                        .users
                        .iter()
                        .find(|u| u.user_principal_name.eq_ignore_ascii_case(h))
                })
                .map(|u| u.id.clone())
                .unwrap_or_else(|| auto.clone());
            Some((user, tenant.settings.auto_mfa))
        } else if p("prompt") == Some("none") {
            return fail(
                "login_required",
                50058,
                "A silent sign-in request was sent but no user is signed in.",
            );
        } else {
            None
        };
        let Some((user, mfa)) = decision else {
            return sign_in_page(tenant, &params, p("login_hint"), &scopes, &acrs);
        };
        let Some(user) = tenant.scenario.users.iter().find(|u| {
            u.id.eq_ignore_ascii_case(&user) || u.user_principal_name.eq_ignore_ascii_case(&user)
        }) else {
            return fail(
                "access_denied",
                50034,
                "The user account does not exist in this directory.",
            );
        };
        let code = random_token("code.");
        self.codes.insert(
            code.clone(),
            Code {
                session: Session {
                    user: user.id.clone(),
                    client: client.to_string(),
                    mfa,
                    acrs,
                    capabilities: caps,
                },
                redirect_uri: redirect.to_string(),
                challenge: challenge.to_string(),
                scopes,
                expires: tenant.now() + Duration::minutes(10),
                used: false,
            },
        );
        Resp::redirect(&append_query(
            redirect,
            &[
                ("code", &code),
                ("state", state),
                ("session_state", &uuid::Uuid::new_v4().to_string()),
            ],
        ))
    }

    // --- /token -------------------------------------------------------------------------
    pub fn token(&mut self, tenant: &Tenant, req: &Req) -> Resp {
        let form = req.form();
        let p = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
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

    // --- device code --------------------------------------------------------------------
    pub fn device_code(&mut self, tenant: &Tenant, req: &Req, verification_uri: &str) -> Resp {
        let form = req.form();
        let p = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let client = p("client_id").unwrap_or_default();
        if client.is_empty() {
            return oauth_error(
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'client_id'.",
            );
        }
        if !tenant.scenario.clients.is_empty()
            && !tenant
                .scenario
                .clients
                .iter()
                .any(|c| c.id.eq_ignore_ascii_case(client))
        {
            return oauth_error(
                400,
                "unauthorized_client",
                700016,
                &format!("Application with identifier '{client}' was not found in the directory."),
            );
        }
        let alphabet = b"BCDFGHJKLMNPQRSTVWXZ23456789";
        let user_code: String = (0..9)
            .map(|_| alphabet[rand::random_range(0..alphabet.len())] as char)
            .collect();
        let dc = DeviceCode {
            device_code: random_token("dc."),
            user_code: user_code.clone(),
            client: client.to_string(),
            scopes: p("scope")
                .unwrap_or_default()
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            expires: tenant.now() + Duration::seconds(tenant.settings.device_code_lifetime),
            interval: tenant.settings.device_code_interval,
            last_poll: None,
            status: DeviceStatus::Pending,
        };
        let body = json!({
            "device_code": dc.device_code, "user_code": user_code, "verification_uri": verification_uri,
            "expires_in": tenant.settings.device_code_lifetime, "interval": dc.interval,
            "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."),
        });
        self.devices.push(dc);
        Resp::json(200, &body)
    }

    fn poll_device(&mut self, tenant: &Tenant, device_code: &str, client: &str) -> Resp {
        let now = tenant.now();
        let Some(dc) = self
            .devices
            .iter_mut()
            .find(|d| d.device_code == device_code)
        else {
            return oauth_error(
                400,
                "bad_verification_code",
                70019,
                "The device code is not valid.",
            );
        };
        if !dc.client.eq_ignore_ascii_case(client) {
            return oauth_error(
                400,
                "bad_verification_code",
                70019,
                "The device code was issued to another client.",
            );
        }
        if dc.expires <= now {
            return oauth_error(400, "expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired.");
        }
        // Auto sign-in approves a device code at its first poll, as that user (tests, demo).
        if dc.status == DeviceStatus::Pending {
            if let Some(user) = &tenant.settings.auto_sign_in {
                dc.status = DeviceStatus::Approved {
                    user: user.clone(),
                    mfa: tenant.settings.auto_mfa,
                };
            }
        }
        let polled_at = std::time::Instant::now();
        let too_fast = dc.last_poll.is_some_and(|t| {
            polled_at.duration_since(t) < std::time::Duration::from_secs(dc.interval)
        });
        dc.last_poll = Some(polled_at);
        match dc.status.clone() {
            DeviceStatus::Declined => oauth_error(
                400,
                "authorization_declined",
                70018,
                "The user declined the sign-in.",
            ),
            DeviceStatus::Pending if too_fast => {
                // RFC 8628: slow down adds 5 seconds to the interval.
                dc.interval += 5;
                oauth_error(
                    400,
                    "slow_down",
                    70016,
                    "The client is polling too quickly; slow down.",
                )
            }
            DeviceStatus::Pending => oauth_error(
                400,
                "authorization_pending",
                70016,
                "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
            ),
            DeviceStatus::Approved { user, mfa } => {
                let scopes = dc.scopes.clone();
                let session = Session {
                    user,
                    client: client.to_string(),
                    mfa,
                    acrs: vec![],
                    capabilities: vec![],
                };
                self.devices.retain(|d| d.device_code != device_code);
                let offline = scopes.iter().any(|s| s == "offline_access");
                let openid = scopes.iter().any(|s| s == "openid");
                match self.issue(tenant, &session, &scopes, offline, openid) {
                    Ok(body) => Resp::json(200, &body),
                    Err(e) => e,
                }
            }
        }
    }

    /// The person at the verification page (or a test) completes or declines a device code.
    pub fn decide_device(&mut self, user_code: &str, user: &str, mfa: bool, approve: bool) -> bool {
        let code = user_code.replace('-', "").to_ascii_uppercase();
        match self
            .devices
            .iter_mut()
            .find(|d| d.user_code == code && d.status == DeviceStatus::Pending)
        {
            Some(dc) => {
                dc.status = if approve {
                    DeviceStatus::Approved {
                        user: user.to_string(),
                        mfa,
                    }
                } else {
                    DeviceStatus::Declined
                };
                true
            }
            None => false,
        }
    }
}

fn error_page(code: u32, message: &str) -> Resp {
    Resp::html(400, format!("<!doctype html><title>Sign in error</title><h1>Sorry, but we're having trouble signing you in.</h1><p>AADSTS{code}: {}</p>", html_escape(message)))
}

fn sign_in_page(
    tenant: &Tenant,
    params: &[(String, String)],
    hint: Option<&str>,
    scopes: &[String],
    acrs: &[String],
) -> Resp {
    let hidden: String = params
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "user" | "mfa" | "decision"))
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                html_escape(k),
                html_escape(v)
            )
        })
        .collect();
    let users: String = tenant
        .scenario
        .users
        .iter()
        .map(|u| {
            let checked = hint.is_some_and(|h| h.eq_ignore_ascii_case(&u.user_principal_name)) || (hint.is_none() && u.id == tenant.scenario.default_user);
            format!(
                "<label><input type=\"radio\" name=\"user\" value=\"{}\"{}> {} <small>{}</small></label><br>",
                html_escape(&u.id),
                if checked { " checked" } else { "" },
                html_escape(&u.display_name),
                html_escape(&u.user_principal_name)
            )
        })
        .collect();
    let scope_list: String = scopes
        .iter()
        .map(|s| format!("<li>{}</li>", html_escape(s)))
        .collect();
    let ac = if acrs.is_empty() {
        String::new()
    } else {
        format!(
            "<p>This sign-in satisfies authentication context <b>{}</b>.</p>",
            html_escape(&acrs.join(", "))
        )
    };
    Resp::html(200, format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign in to {tenant}</title>\
         <style>body{{font:15px system-ui,sans-serif;max-width:34em;margin:3em auto;padding:0 1em}}button{{font:inherit;padding:.4em 1.2em}}</style></head>\
         <body><h1>Sign in to {tenant}</h1><p>elevate-sim: a simulated Microsoft Entra tenant.</p>\
         <form method=\"post\">{hidden}<fieldset><legend>Pick an account</legend>{users}</fieldset>\
         <p><label><input type=\"checkbox\" name=\"mfa\" checked> Multi-factor authentication completed</label></p>{ac}\
         <p>The app asks for:</p><ul>{scope_list}</ul>\
         <button name=\"decision\" value=\"continue\" type=\"submit\">Accept and continue</button> \
         <button name=\"decision\" value=\"cancel\" type=\"submit\">Cancel</button></form></body></html>",
        tenant = html_escape(&tenant.scenario.tenant.display_name)
    ))
}

#[cfg(test)]
mod tests {
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
