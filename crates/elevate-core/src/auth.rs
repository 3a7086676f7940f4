//! Sign-in with the `oauth2` crate: interactive (system browser, PKCE S256, loopback redirect
//! on 127.0.0.1, `state` checked, single use, time-out) and device code. One refresh token per
//! client, redeemed per resource (Graph, ARM); access tokens cached in memory and refreshed
//! early under a double-checked lock; the newest refresh token always stored. Step-up: sign
//! in again with a `claims` challenge merged with the `cp1` capability.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

use oauth2::basic::{
    BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenResponse,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, CsrfToken, DeviceAuthorizationUrl,
    PkceCodeChallenge, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    StandardDeviceAuthorizationResponse, StandardRevocableToken, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use ts_rs::TS;

use crate::config::Resolved;
use crate::error::Error;
use crate::http::Http;
use crate::model::Plane;
use crate::secret::{Secret, SecretStore};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    Graph,
    Arm,
}

impl Resource {
    pub fn plane_label(self) -> &'static str {
        match self {
            Resource::Graph => "Entra roles and PIM for Groups",
            Resource::Arm => "Azure resources",
        }
    }
}

/// Opens a URL in the user's browser (or, in tests, an HTTP client acting as one).
pub trait Opener: Send + Sync {
    fn open(&self, url: &str) -> Result<(), Error>;
}

/// Waits for the opener on a thread of its own, so that a long-lived app (the tray) does not
/// keep it as a zombie process.
fn reap(mut child: std::process::Child) {
    std::thread::spawn(move || {
        let _ = child.wait();
    });
}

/// The platform's URL opener, for the CLI (the app uses the Tauri opener plugin).
pub struct SystemOpener;

impl Opener for SystemOpener {
    fn open(&self, url: &str) -> Result<(), Error> {
        // $BROWSER, as many command-line tools honour it, wins over the platform default.
        if let Some(browser) = std::env::var_os("BROWSER").filter(|b| !b.is_empty()) {
            return std::process::Command::new(&browser)
                .arg(url)
                .stdin(std::process::Stdio::null())
                .spawn()
                .map(reap)
                .map_err(|e| {
                    Error::Unsupported(format!(
                        "cannot start $BROWSER ({}): {e}",
                        browser.to_string_lossy()
                    ))
                });
        }
        let (cmd, args): (&str, Vec<&str>) = if cfg!(target_os = "windows") {
            ("rundll32", vec!["url.dll,FileProtocolHandler", url])
        } else if cfg!(target_os = "macos") {
            ("open", vec![url])
        } else {
            ("xdg-open", vec![url])
        };
        std::process::Command::new(cmd)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map(reap)
            .map_err(|e| {
                Error::Unsupported(format!(
                    "cannot open a browser ({cmd}: {e}); use device code sign-in instead"
                ))
            })
    }
}

/// Who is signed in: no secrets, safe to show and to store in plain files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Identity {
    pub tenant_id: String,
    pub object_id: String,
    pub username: String,
    pub name: String,
}

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

type EntraClient<HasAuth, HasDevice, HasToken> = oauth2::Client<
    EntraTokenError,
    BasicTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    HasAuth,
    HasDevice,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    HasToken,
>;

fn url_err(e: impl std::fmt::Display) -> Error {
    Error::InvalidInput(format!("invalid sign-in URL: {e}"))
}

fn client(
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

/// Reads (without verifying: it came straight from the token endpoint) a JWT's claims.
fn jwt_claims(token: &str) -> Value {
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

fn identity_from(token: &BasicTokenResponse) -> Option<Identity> {
    let c = jwt_claims(token.access_token().secret());
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

fn token_error(plane: Option<Plane>, e: RequestTokenError<Error, EntraTokenError>) -> Error {
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

/// What a device-code sign-in asks the user to do.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DeviceCodePrompt {
    pub user_code: String,
    pub verification_uri: String,
    pub expires_in_secs: u64,
}

struct Cached {
    token: Secret,
    expires: Instant,
}

/// Refresh early: a token with less than this left is renewed before use.
const EARLY: Duration = Duration::from_secs(300);

/// One signed-in account (tenant + user), with its clients and tokens.
pub struct Session {
    pub cfg: Resolved,
    http: Http,
    store: Arc<dyn SecretStore>,
    opener: Arc<dyn Opener>,
    identity: StdMutex<Option<Identity>>,
    slots: HashMap<Resource, tokio::sync::Mutex<Option<Cached>>>,
    /// Refresh tokens not yet persisted anywhere else (memory-only stores keep them too).
    pub interactive_timeout: Duration,
    data_dir: Option<PathBuf>,
}

impl Session {
    pub fn new(
        cfg: Resolved,
        http: Http,
        store: Arc<dyn SecretStore>,
        opener: Arc<dyn Opener>,
    ) -> Session {
        let slots = [Resource::Graph, Resource::Arm]
            .into_iter()
            .map(|r| (r, tokio::sync::Mutex::new(None)))
            .collect();
        Session {
            cfg,
            http,
            store,
            opener,
            identity: StdMutex::new(None),
            slots,
            interactive_timeout: Duration::from_secs(300),
            data_dir: None,
        }
    }

    /// Remembers the signed-in identity in `dir/accounts.json` (no secrets) so the next start
    /// knows which refresh tokens to look for.
    pub fn with_data_dir(mut self, dir: PathBuf) -> Session {
        if let Some(id) = load_accounts(&dir)
            .into_iter()
            .find(|a| a.tenant_id == self.cfg.tenant || self.cfg.tenant == "organizations")
        {
            *self.identity.lock().unwrap_or_else(|p| p.into_inner()) = Some(id);
        }
        self.data_dir = Some(dir);
        self
    }

    pub fn identity(&self) -> Option<Identity> {
        self.identity
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn http(&self) -> &Http {
        &self.http
    }

    pub fn store(&self) -> &dyn SecretStore {
        &*self.store
    }

    fn client_id(&self, resource: Resource) -> &str {
        match resource {
            Resource::Graph => &self.cfg.client_id,
            Resource::Arm => &self.cfg.arm_client_id,
        }
    }

    fn key(&self, client_id: &str) -> Option<String> {
        let id = self.identity()?;
        Some(format!("{}:{}:{}", id.tenant_id, id.object_id, client_id))
    }

    fn oauth_http(
        &self,
    ) -> impl Fn(
        oauth2::HttpRequest,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<oauth2::HttpResponse, Error>> + Send>,
    > + '_ {
        move |req| {
            let http = self.http.clone();
            Box::pin(async move { http.oauth(req).await })
        }
    }

    /// Stores what a token response brings: the identity and the newest refresh token.
    fn remember(&self, client_id: &str, token: &BasicTokenResponse) -> Result<(), Error> {
        if let Some(id) = identity_from(token) {
            let changed = self.identity().as_ref() != Some(&id);
            *self.identity.lock().unwrap_or_else(|p| p.into_inner()) = Some(id.clone());
            if changed {
                if let Some(dir) = &self.data_dir {
                    let mut all = load_accounts(dir);
                    all.retain(|a| !(a.tenant_id == id.tenant_id && a.object_id == id.object_id));
                    all.insert(0, id);
                    save_accounts(dir, &all)?;
                }
            }
        }
        if let (Some(rt), Some(key)) = (token.refresh_token(), self.key(client_id)) {
            self.store.set(&key, &Secret::new(rt.secret().clone()))?;
        }
        Ok(())
    }

    async fn cache(&self, resource: Resource, token: &BasicTokenResponse) {
        let lifetime = token.expires_in().unwrap_or(Duration::from_secs(3600));
        if let Some(slot) = self.slots.get(&resource) {
            *slot.lock().await = Some(Cached {
                token: Secret::new(token.access_token().secret().clone()),
                expires: Instant::now() + lifetime,
            });
        }
    }

    /// An access token for `resource`, from the cache while it has more than five minutes
    /// left, else from the refresh token. With `claims`, the cache is bypassed and the claims
    /// are requested; when that needs a person, the browser opens once.
    pub async fn token(&self, resource: Resource, claims: Option<&str>) -> Result<Secret, Error> {
        let slot = self
            .slots
            .get(&resource)
            .ok_or_else(|| Error::Unsupported("unknown resource".into()))?;
        if claims.is_none() {
            if let Some(c) = slot
                .lock()
                .await
                .as_ref()
                .filter(|c| c.expires > Instant::now() + EARLY)
            {
                return Ok(c.token.clone());
            }
        }
        // Double-checked: one refresh per resource at a time; the waiters then find it cached.
        let mut guard = slot.lock().await;
        if claims.is_none() {
            if let Some(c) = guard
                .as_ref()
                .filter(|c| c.expires > Instant::now() + EARLY)
            {
                return Ok(c.token.clone());
            }
        }
        let plane = if resource == Resource::Arm {
            Plane::AzureResource
        } else {
            Plane::EntraRole
        };
        let client_id = self.client_id(resource).to_string();
        let rt = match self.key(&client_id) {
            Some(key) => self.store.get(&key)?,
            None => None,
        };
        let Some(rt) = rt else {
            if claims.is_some() {
                drop(guard);
                return self.step_up(resource, claims).await;
            }
            return Err(Error::SignInRequired(match (resource, self.identity()) {
                (Resource::Arm, Some(_)) if self.cfg.arm_client_id != self.cfg.client_id => "Azure resources need their own sign-in (a separate client): sign in again to add them.".into(),
                _ => "You are not signed in: sign in to Elevate first.".into(),
            }));
        };
        let client = client(&self.cfg, &client_id)?;
        let refresh = RefreshToken::new(rt.expose().to_string());
        let mut req = client.exchange_refresh_token(&refresh);
        for s in scopes(&self.cfg, resource) {
            req = req.add_scope(Scope::new(s));
        }
        req = req.add_scope(Scope::new("offline_access".into()));
        if claims.is_some() {
            req = req.add_extra_param("claims", merge_claims(claims));
        }
        let result = req.request_async(&self.oauth_http()).await;
        match result {
            Ok(token) => {
                self.remember(&client_id, &token)?;
                let lifetime = token.expires_in().unwrap_or(Duration::from_secs(3600));
                let secret = Secret::new(token.access_token().secret().clone());
                *guard = Some(Cached {
                    token: secret.clone(),
                    expires: Instant::now() + lifetime,
                });
                Ok(secret)
            }
            Err(e) => {
                let err = token_error(Some(plane), e);
                if claims.is_some() && matches!(err, Error::SignInRequired(_)) {
                    drop(guard);
                    return self.step_up(resource, claims).await;
                }
                Err(err)
            }
        }
    }

    /// Interactive sign-in for one resource with a claims challenge (step-up).
    async fn step_up(&self, resource: Resource, claims: Option<&str>) -> Result<Secret, Error> {
        let hint = self.identity().map(|i| i.username);
        let token = self.interactive(resource, claims, hint.as_deref()).await?;
        Ok(Secret::new(token.access_token().secret().clone()))
    }

    /// Signs in through the browser: Graph first, then ARM (one more browser round only when
    /// ARM uses another client). A plane whose consent fails is reported, not fatal.
    pub async fn sign_in(&self, login_hint: Option<&str>) -> Result<(Identity, Vec<Error>), Error> {
        self.sign_in_with(login_hint, false).await
    }

    /// Drops every cached access token (another account, or none, is next).
    async fn forget_tokens(&self) {
        for slot in self.slots.values() {
            *slot.lock().await = None;
        }
    }

    /// Signs in another account: the browser asks which one (`prompt=select_account`).
    pub async fn sign_in_another(&self) -> Result<(Identity, Vec<Error>), Error> {
        self.sign_in_with(None, true).await
    }

    /// The accounts signed in on this machine (no secrets), most recent first.
    pub fn accounts(&self) -> Vec<Identity> {
        self.data_dir
            .as_deref()
            .map(load_accounts)
            .unwrap_or_default()
            .into_iter()
            .filter(|a| a.tenant_id == self.cfg.tenant || self.cfg.tenant == "organizations")
            .collect()
    }

    /// Uses another known account; its refresh token is looked up in the secret store
    /// at the next call, so a missing one shows as "sign in required", not a crash.
    pub async fn switch_account(&self, object_id: &str) -> Result<Identity, Error> {
        let id = self
            .accounts()
            .into_iter()
            .find(|a| a.object_id == object_id)
            .ok_or_else(|| {
                Error::InvalidInput("That account is no longer known here; sign in with it.".into())
            })?;
        self.forget_tokens().await;
        *self.identity.lock().unwrap_or_else(|p| p.into_inner()) = Some(id.clone());
        if let Some(dir) = &self.data_dir {
            let mut all = load_accounts(dir);
            all.retain(|a| a.object_id != id.object_id || a.tenant_id != id.tenant_id);
            all.insert(0, id.clone());
            save_accounts(dir, &all)?;
        }
        Ok(id)
    }

    async fn sign_in_with(
        &self,
        login_hint: Option<&str>,
        select_account: bool,
    ) -> Result<(Identity, Vec<Error>), Error> {
        if select_account {
            self.forget_tokens().await;
        }
        self.interactive_with(Resource::Graph, None, login_hint, select_account)
            .await?;
        let identity = self
            .identity()
            .ok_or_else(|| Error::SignInRequired("the sign-in returned no identity".into()))?;
        let mut problems = vec![];
        let arm = if self.cfg.arm_client_id == self.cfg.client_id {
            self.token(Resource::Arm, None).await.map(|_| ())
        } else {
            self.interactive(Resource::Arm, None, Some(&identity.username))
                .await
                .map(|_| ())
        };
        if let Err(e) = arm {
            problems.push(e);
        }
        Ok((identity, problems))
    }

    async fn interactive(
        &self,
        resource: Resource,
        claims: Option<&str>,
        login_hint: Option<&str>,
    ) -> Result<BasicTokenResponse, Error> {
        self.interactive_with(resource, claims, login_hint, false)
            .await
    }

    async fn interactive_with(
        &self,
        resource: Resource,
        claims: Option<&str>,
        login_hint: Option<&str>,
        select_account: bool,
    ) -> Result<BasicTokenResponse, Error> {
        let client_id = self.client_id(resource).to_string();
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| Error::io("opening the sign-in listener on 127.0.0.1", e))?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::io("sign-in listener", e))?
            .port();
        // Entra ignores the port of http://localhost redirects [DOC]; we listen on 127.0.0.1.
        let redirect = format!("http://localhost:{port}");
        let client = client(&self.cfg, &client_id)?
            .set_redirect_uri(RedirectUrl::new(redirect).map_err(url_err)?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut auth = client
            .authorize_url(CsrfToken::new_random)
            .set_pkce_challenge(challenge);
        for s in scopes(&self.cfg, resource) {
            auth = auth.add_scope(Scope::new(s));
        }
        for s in ["openid", "profile", "offline_access"] {
            auth = auth.add_scope(Scope::new(s.into()));
        }
        if let Some(h) = login_hint {
            auth = auth.add_extra_param("login_hint", h.to_string());
        }
        if select_account {
            auth = auth.add_extra_param("prompt", "select_account");
        }
        if claims.is_some() {
            auth = auth.add_extra_param("claims", merge_claims(claims));
        }
        let (url, state) = auth.url();
        self.opener.open(url.as_str())?;
        let code = wait_for_code(&listener, state.secret(), self.interactive_timeout).await?;
        let plane = if resource == Resource::Arm {
            Plane::AzureResource
        } else {
            Plane::EntraRole
        };
        let token = client
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(verifier)
            .request_async(&self.oauth_http())
            .await
            .map_err(|e| token_error(Some(plane), e))?;
        self.remember(&client_id, &token)?;
        self.cache(resource, &token).await;
        Ok(token)
    }

    /// Device code sign-in (headless): `prompt` shows the code; this returns once the person
    /// has signed in, or with the reason it failed (declined, expired).
    pub async fn sign_in_device(
        &self,
        prompt: impl Fn(&DeviceCodePrompt),
    ) -> Result<Identity, Error> {
        let client = client(&self.cfg, &self.cfg.client_id)?;
        let mut req = client.exchange_device_code();
        for s in scopes(&self.cfg, Resource::Graph).into_iter().chain([
            "openid".into(),
            "profile".into(),
            "offline_access".into(),
        ]) {
            req = req.add_scope(Scope::new(s));
        }
        let details: StandardDeviceAuthorizationResponse = req
            .request_async(&self.oauth_http())
            .await
            .map_err(|e| token_error(None, e))?;
        prompt(&DeviceCodePrompt {
            user_code: details.user_code().secret().clone(),
            verification_uri: details.verification_uri().to_string(),
            expires_in_secs: details.expires_in().as_secs(),
        });
        let token = client
            .exchange_device_access_token(&details)
            .request_async(&self.oauth_http(), tokio::time::sleep, None)
            .await
            .map_err(|e| match e {
                RequestTokenError::ServerResponse(r) => match r.error() {
                    oauth2::DeviceCodeErrorResponseType::ExpiredToken => Error::SignInRequired(
                        "The code expired before sign-in completed; start again.".into(),
                    ),
                    oauth2::DeviceCodeErrorResponseType::AccessDenied => {
                        Error::SignInRequired("The sign-in was declined.".into())
                    }
                    other => {
                        let text = serde_json::to_value(other)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default();
                        if text == "authorization_declined" {
                            Error::SignInRequired("The sign-in was declined.".into())
                        } else {
                            Error::SignInRequired(format!("Device sign-in failed: {text}"))
                        }
                    }
                },
                RequestTokenError::Request(e) => e,
                RequestTokenError::Parse(e, _) => {
                    Error::Network(format!("unexpected token response: {e}"))
                }
                RequestTokenError::Other(e) => Error::Network(e),
            })?;
        self.remember(&self.cfg.client_id, &token)?;
        self.cache(Resource::Graph, &token).await;
        self.identity()
            .ok_or_else(|| Error::SignInRequired("the sign-in returned no identity".into()))
    }

    /// Forgets the cached access token of `resource` (the service rejected it: expired early,
    /// revoked, clock skew); the next call redeems the refresh token.
    pub async fn invalidate(&self, resource: Resource) {
        if let Some(slot) = self.slots.get(&resource) {
            *slot.lock().await = None;
        }
    }

    /// Removes this account's refresh tokens (both clients) and cached tokens.
    pub async fn sign_out(&self) -> Result<(), Error> {
        let mut ids = vec![self.cfg.client_id.clone()];
        if self.cfg.arm_client_id != self.cfg.client_id {
            ids.push(self.cfg.arm_client_id.clone());
        }
        for id in ids {
            if let Some(key) = self.key(&id) {
                self.store.delete(&key)?;
            }
        }
        self.forget_tokens().await;
        if let (Some(dir), Some(me)) = (&self.data_dir, self.identity()) {
            let mut all = load_accounts(dir);
            all.retain(|a| !(a.tenant_id == me.tenant_id && a.object_id == me.object_id));
            save_accounts(dir, &all)?;
        }
        *self.identity.lock().unwrap_or_else(|p| p.into_inner()) = None;
        Ok(())
    }
}

/// Known accounts (no secrets), most recent first.
pub fn load_accounts(dir: &std::path::Path) -> Vec<Identity> {
    std::fs::read(dir.join("accounts.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

fn save_accounts(dir: &std::path::Path, all: &[Identity]) -> Result<(), Error> {
    let bytes = serde_json::to_vec_pretty(all).map_err(|e| Error::InvalidInput(e.to_string()))?;
    crate::store::write_atomic(&dir.join("accounts.json"), &bytes)
}

const DONE_PAGE: &str = "<!doctype html><meta charset=\"utf-8\"><title>Elevate</title><style>body{font:16px system-ui,sans-serif;margin:4em auto;max-width:28em;text-align:center}</style><h1>Signed in to Elevate</h1><p>You can close this tab and go back to Elevate.</p>";

fn page(status: &str, title: &str, text: &str) -> String {
    let body = format!("<!doctype html><meta charset=\"utf-8\"><title>Elevate</title><style>body{{font:16px system-ui,sans-serif;margin:4em auto;max-width:28em;text-align:center}}</style><h1>{title}</h1><p>{text}</p>");
    format!("HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n{body}", body.len())
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Waits for the browser's redirect to the loopback listener. Requests without our `state`
/// are answered and ignored (never accepted), so a stray or forged request cannot complete
/// the sign-in; the first matching one ends the wait (single use).
async fn wait_for_code(
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

#[cfg(test)]
mod tests {
    use super::*;

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
