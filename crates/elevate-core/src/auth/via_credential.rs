//! The session's side of credentials and claims challenges: tokens from a [`Credential`]
//! (cached in memory only, never stored), the user read from `/me` when a credential has no ID
//! token, what is in use (method, client id) for `whoami` and `doctor`, and the one
//! claims-challenge path: a challenge any service sent joins the next token request for it,
//! which bypasses the cache.

use chrono::Utc;
use serde::Serialize;
use ts_rs::TS;

use super::credential::{AuthMethod, Credential};
use super::oauth::merge_challenges;
use super::session::{Cached, Session, EARLY};
use super::types::{Identity, Resource};
use crate::error::Error;
use crate::http::Request;
use crate::secret::Secret;

/// How this session signs in, without secrets: safe to show and to print.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SignInSummary {
    /// `browser`, `device-code`, `azure-cli`, `client-secret`, `client-certificate`,
    /// `managed-identity`.
    pub method: String,
    /// The application (client) id tokens are issued to for Graph, when known.
    pub client_id: Option<String>,
    /// The client id for Azure Resource Manager, when another than `clientId`.
    pub arm_client_id: Option<String>,
    /// Whether `clientId` is Elevate's first-party default (Microsoft Graph Command Line Tools)
    /// or one configured for this tenant or cloud.
    pub default_client: bool,
    /// `public`, `usgov`, `china` or `custom`.
    pub cloud: String,
    pub tenant: String,
    /// An application signs in: no PIM self-service.
    pub app_only: bool,
    pub user: Option<Identity>,
}

impl Session {
    pub(super) fn credential(&self) -> Option<&Credential> {
        self.credential.as_deref()
    }

    /// The sign-in method in use.
    pub fn method(&self) -> Option<AuthMethod> {
        self.credential().map(Credential::method)
    }

    /// An application, not a person, signs in (client credentials, managed identity).
    pub fn app_only(&self) -> bool {
        self.method().is_some_and(AuthMethod::app_only)
    }

    /// `claims` merged with the challenge the resource's service sent last (taken).
    pub(super) fn with_pending_challenge(
        &self,
        resource: Resource,
        claims: Option<&str>,
    ) -> Option<String> {
        let base = match resource {
            Resource::Graph => &self.cfg.endpoints.graph,
            Resource::Arm => &self.cfg.endpoints.arm,
        };
        match (claims, self.http.take_challenge(base)) {
            (c, None) => c.map(str::to_string),
            (c, Some(pending)) => Some(merge_challenges(c, &pending)),
        }
    }

    /// After a failed call to `resource`: a 401 means nothing was processed, so the caller may
    /// run it once more. A claims challenge was noted by the transport (the next token asks
    /// for it and bypasses the cache); any other 401 drops the cached token. False: not a 401.
    pub async fn renew_after(&self, resource: Resource, e: &Error) -> bool {
        let Some(s) = e.service().filter(|s| s.status == 401) else {
            return false;
        };
        if let Some(c) = &s.claims {
            // Also when the error came from elsewhere than the transport (a `$batch` item).
            let base = match resource {
                Resource::Graph => self.cfg.endpoints.graph.clone(),
                Resource::Arm => self.cfg.endpoints.arm.clone(),
            };
            let _ = self.http.take_challenge(&base);
            self.pending_claims(resource, c).await;
        } else {
            self.invalidate(resource).await;
        }
        true
    }

    /// Drops the cached token of `resource` and asks the next one with `claims`.
    async fn pending_claims(&self, resource: Resource, claims: &str) {
        self.invalidate(resource).await;
        self.http.push_challenge(
            match resource {
                Resource::Graph => &self.cfg.endpoints.graph,
                Resource::Arm => &self.cfg.endpoints.arm,
            },
            claims,
        );
    }

    /// A token from the credential, cached in memory while it has more than five minutes
    /// left (never with `claims`). A person's credential (Azure CLI) has no ID token: who it
    /// is comes from `/me`.
    pub(super) async fn credential_token(
        &self,
        cred: &Credential,
        resource: Resource,
        claims: Option<&str>,
    ) -> Result<Secret, Error> {
        let slot = self
            .slots
            .get(&resource)
            .ok_or_else(|| Error::Unsupported("unknown resource".into()))?;
        let mut guard = slot.lock().await;
        if claims.is_none() {
            if let Some(c) = guard.as_ref().filter(|c| c.expires > Utc::now() + EARLY) {
                return Ok(c.token.clone());
            }
        }
        let got = cred
            .get_token(&self.http, &self.cfg, resource, claims)
            .await?;
        *guard = Some(Cached {
            token: got.token.clone(),
            expires: got.expires.min(Utc::now() + chrono::Duration::hours(24)),
        });
        drop(guard);
        if !cred.method().app_only() && self.identity().is_none() {
            let graph = (resource == Resource::Graph).then(|| got.token.clone());
            self.load_me(graph, got.tenant.clone()).await?;
        }
        Ok(got.token)
    }

    /// Reads the signed-in user from Graph's `/me` (with `graph`, or a new Graph token).
    pub(super) async fn load_me(
        &self,
        graph: Option<Secret>,
        tenant: Option<String>,
    ) -> Result<Identity, Error> {
        let token = match graph {
            Some(t) => t,
            None => match self.credential() {
                Some(c) => {
                    c.get_token(&self.http, &self.cfg, Resource::Graph, None)
                        .await?
                        .token
                }
                None => {
                    return Err(Error::SignInRequired(
                        "You are not signed in: sign in to Elevate first.".into(),
                    ))
                }
            },
        };
        let url = format!(
            "{}/v1.0/me?$select=id,displayName,userPrincipalName",
            self.cfg.endpoints.graph
        );
        let resp = self.http.send(&Request::get(&url, &token)).await?;
        if !resp.ok() {
            let e = resp.into_error(Some(crate::model::Plane::EntraRole));
            return Err(Error::SignInRequired(format!(
                "Elevate could not read who is signed in (Microsoft Graph /me): {e}"
            )));
        }
        let v = resp.json()?;
        let id = Identity {
            tenant_id: tenant.unwrap_or_else(|| self.cfg.tenant.clone()),
            object_id: v["id"]
                .as_str()
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    Error::SignInRequired("Microsoft Graph /me answered without an id".into())
                })?
                .to_string(),
            username: v["userPrincipalName"].as_str().unwrap_or_default().into(),
            name: v["displayName"].as_str().unwrap_or_default().into(),
        };
        *self.identity.lock().unwrap_or_else(|p| p.into_inner()) = Some(id.clone());
        Ok(id)
    }

    /// Who is signed in, finding out from the credential when it has not said yet (Azure
    /// CLI). None for an application (app-only) or nobody signed in.
    pub async fn resolve_identity(&self) -> Result<Option<Identity>, Error> {
        if let Some(id) = self.identity() {
            return Ok(Some(id));
        }
        match self.method() {
            Some(m) if !m.app_only() => {
                self.token(Resource::Graph, None).await?;
                Ok(self.identity())
            }
            _ => Ok(None),
        }
    }

    /// What signs in and with which client: method, client ids, cloud, tenant, user.
    pub async fn sign_in_summary(&self) -> SignInSummary {
        let method = self.method().unwrap_or_default();
        let (client_id, arm) = match self.credential() {
            Some(c) => (c.client_id(), None),
            None => (
                Some(self.cfg.client_id.clone()),
                Some(self.cfg.arm_client_id.clone()).filter(|a| *a != self.cfg.client_id),
            ),
        };
        let user = self.resolve_identity().await.ok().flatten();
        SignInSummary {
            method: method.as_str().into(),
            default_client: client_id.as_deref() == Some(crate::config::DEFAULT_CLIENT_ID),
            client_id,
            arm_client_id: arm,
            cloud: format!("{:?}", self.cfg.cloud).to_ascii_lowercase(),
            tenant: self.cfg.tenant.clone(),
            app_only: method.app_only(),
            user,
        }
    }

    /// Refuses PIM self-service for an application, before anything is sent.
    pub fn refuse_app_only(&self, what: &str) -> Result<(), Error> {
        if !self.app_only() {
            return Ok(());
        }
        Err(Error::InvalidInput(format!(
            "{what} is PIM self-service for the signed-in user, and --auth {} signs in an application, which has no eligible assignments of its own: Microsoft's selfActivate/selfDeactivate requests need a user. Sign in as a person (--auth browser, device-code or azure-cli) to {what}; with an application, use admin commands (assign, remove), audit and posture",
            self.method().unwrap_or_default().as_str()
        )))
    }
}
