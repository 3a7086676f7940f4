//! One signed-in account and its tokens: a refresh token per client in the secret store,
//! access tokens per resource cached in memory and renewed early under a double-checked lock,
//! step-up with a claims challenge, sign-out.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

use oauth2::{RefreshToken, Scope, TokenResponse};

use super::accounts::*;
use super::oauth::*;
use super::opener::*;
use super::types::*;
use crate::config::Resolved;
use crate::error::Error;
use crate::http::Http;
use crate::model::Plane;
use crate::secret::{Secret, SecretStore};

pub(super) struct Cached {
    pub(super) token: Secret,
    /// Wall-clock time: an `Instant` stands still while the machine sleeps (Linux, macOS),
    /// so after a wake an expired token would look fresh.
    pub(super) expires: DateTime<Utc>,
}

/// Refresh early: a token with less than this left is renewed before use.
pub(super) const EARLY: chrono::Duration = chrono::Duration::minutes(5);

/// When a token issued now for `lifetime` expires: capped at a day, whatever `expires_in`
/// says (a huge value must not overflow).
pub(super) fn expiry(lifetime: Duration) -> DateTime<Utc> {
    let capped = lifetime.min(Duration::from_secs(24 * 3600));
    Utc::now() + chrono::Duration::from_std(capped).unwrap_or(chrono::Duration::hours(1))
}

/// One signed-in account (tenant + user), with its clients and tokens.
pub struct Session {
    pub cfg: Resolved,
    pub(super) http: Http,
    pub(super) store: Arc<dyn SecretStore>,
    pub(super) opener: Arc<dyn Opener>,
    pub(super) identity: StdMutex<Option<Identity>>,
    pub(super) slots: HashMap<Resource, tokio::sync::Mutex<Option<Cached>>>,
    /// Refresh tokens not yet persisted anywhere else (memory-only stores keep them too).
    pub interactive_timeout: Duration,
    pub(super) data_dir: Option<PathBuf>,
    /// Refresh tokens the secret store refused, by store key: used before the stored ones.
    pub(super) unsaved: StdMutex<HashMap<String, Secret>>,
    /// What the user must be told (taken by the service).
    pub(super) warnings: StdMutex<Vec<String>>,
    /// Tokens with a feature's extra scopes (audit...), by resource and scope list.
    pub(super) feature_tokens: tokio::sync::Mutex<HashMap<String, Cached>>,
    /// Azure CLI, client credentials or managed identity instead of Elevate's own
    /// browser / device-code refresh tokens (`credential.rs`).
    pub(super) credential: Option<Arc<super::credential::Credential>>,
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
            unsaved: StdMutex::default(),
            warnings: StdMutex::default(),
            feature_tokens: tokio::sync::Mutex::default(),
            credential: None,
        }
    }

    /// Gets tokens from `credential` (Azure CLI, client credentials, managed identity); the
    /// accounts remembered from browser sign-ins are not this session's.
    pub fn with_credential(mut self, credential: super::credential::Credential) -> Session {
        *self.identity.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.credential = Some(Arc::new(credential));
        self
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

    pub(super) fn warn(&self, message: String) {
        tracing::warn!("{message}");
        self.warnings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(message);
    }

    /// What happened that the user must be told, since the last call.
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut *self.warnings.lock().unwrap_or_else(|p| p.into_inner()))
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

    pub(super) fn client_id(&self, resource: Resource) -> &str {
        match resource {
            Resource::Graph => &self.cfg.client_id,
            Resource::Arm => &self.cfg.arm_client_id,
        }
    }

    pub(super) fn key(&self, client_id: &str) -> Option<String> {
        let id = self.identity()?;
        Some(format!("{}:{}:{}", id.tenant_id, id.object_id, client_id))
    }

    pub(super) fn oauth_http(
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
    pub(super) fn remember(&self, client_id: &str, token: &EntraToken) -> Result<(), Error> {
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
            let rt = Secret::new(rt.secret().clone());
            let saved = self.store.set(&key, &rt);
            let mut unsaved = self.unsaved.lock().unwrap_or_else(|p| p.into_inner());
            match saved {
                Ok(()) => {
                    unsaved.remove(&key);
                }
                Err(e) => {
                    // Keep the session working: the newest refresh token stays in memory (the
                    // stored one may be spent by the rotation) and the user is told.
                    unsaved.insert(key, rt);
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    pub(super) async fn cache(&self, resource: Resource, token: &EntraToken) {
        let lifetime = token.expires_in().unwrap_or(Duration::from_secs(3600));
        if let Some(slot) = self.slots.get(&resource) {
            *slot.lock().await = Some(Cached {
                token: Secret::new(token.access_token().secret().clone()),
                expires: expiry(lifetime),
            });
        }
    }

    /// The refresh token of this account for `client_id`: one the store refused (kept in
    /// memory) first, else the stored one.
    pub(super) fn refresh_token(&self, client_id: &str) -> Result<Option<Secret>, Error> {
        let Some(key) = self.key(client_id) else {
            return Ok(None);
        };
        let held = self
            .unsaved
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .cloned();
        match held {
            Some(rt) => Ok(Some(rt)),
            None => self.store.get(&key),
        }
    }

    /// An access token for `resource`, from the cache while it has more than five minutes
    /// left, else from the refresh token. With `claims`, the cache is bypassed and the claims
    /// are requested; when that needs a person, the browser opens once.
    pub async fn token(&self, resource: Resource, claims: Option<&str>) -> Result<Secret, Error> {
        // A claims challenge a service sent (CAE, MFA on ARM writes) joins what is asked.
        let claims = self.with_pending_challenge(resource, claims);
        let claims = claims.as_deref();
        if let Some(cred) = self.credential.clone() {
            return self.credential_token(&cred, resource, claims).await;
        }
        let slot = self
            .slots
            .get(&resource)
            .ok_or_else(|| Error::Unsupported("unknown resource".into()))?;
        if claims.is_none() {
            if let Some(c) = slot
                .lock()
                .await
                .as_ref()
                .filter(|c| c.expires > Utc::now() + EARLY)
            {
                return Ok(c.token.clone());
            }
        }
        // Double-checked: one refresh per resource at a time; the waiters then find it cached.
        let mut guard = slot.lock().await;
        if claims.is_none() {
            if let Some(c) = guard.as_ref().filter(|c| c.expires > Utc::now() + EARLY) {
                return Ok(c.token.clone());
            }
        }
        let plane = if resource == Resource::Arm {
            Plane::AzureResource
        } else {
            Plane::EntraRole
        };
        let client_id = self.client_id(resource).to_string();
        let Some(rt) = self.refresh_token(&client_id)? else {
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
                if let Err(e) = self.remember(&client_id, &token) {
                    // The access token is good: use it, and say that the sign-in may not last.
                    self.warn(format!("The renewed sign-in could not be saved in the {} ({e}); it is kept in memory until Elevate ends.", self.store.describe()));
                }
                let lifetime = token.expires_in().unwrap_or(Duration::from_secs(3600));
                let secret = Secret::new(token.access_token().secret().clone());
                *guard = Some(Cached {
                    token: secret.clone(),
                    expires: expiry(lifetime),
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
    pub(super) async fn step_up(
        &self,
        resource: Resource,
        claims: Option<&str>,
    ) -> Result<Secret, Error> {
        let hint = self.identity().map(|i| i.username);
        let token = self.interactive(resource, claims, hint.as_deref()).await?;
        Ok(Secret::new(token.access_token().secret().clone()))
    }

    /// Opens a URL in the user's browser (the same opener sign-in uses).
    pub fn open_url(&self, url: &str) -> Result<(), Error> {
        self.opener.open(url)
    }

    /// Drops every cached access token (another account, or none, is next).
    pub(super) async fn forget_tokens(&self) {
        for slot in self.slots.values() {
            *slot.lock().await = None;
        }
        self.feature_tokens.lock().await.clear();
    }

    /// Forgets the cached access token of `resource` (the service rejected it: expired early,
    /// revoked, clock skew); the next call redeems the refresh token.
    pub async fn invalidate(&self, resource: Resource) {
        if let Some(slot) = self.slots.get(&resource) {
            *slot.lock().await = None;
        }
        self.feature_tokens.lock().await.clear();
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
