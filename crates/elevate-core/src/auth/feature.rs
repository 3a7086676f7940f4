//! Incremental consent: a feature that needs more than activation (the audit log) asks for its
//! own scopes the first time it is used, with the same refresh token, and keeps that token
//! apart from the activation tokens. A scope nobody consented to is said as that (with the
//! scope names and who can grant them), never as a sign-in failure.

use chrono::Utc;
use oauth2::{RefreshToken, Scope, TokenResponse};

use super::oauth::{client, token_error};
use super::session::{expiry, Cached, Session, EARLY};
use super::types::Resource;
use crate::error::Error;
use crate::model::Plane;
use crate::secret::Secret;

impl Session {
    /// An access token for `resource` carrying `extra` scopes besides Elevate's own.
    pub async fn token_with_scopes(
        &self,
        resource: Resource,
        extra: &[&str],
    ) -> Result<Secret, Error> {
        if self.credential.is_some() {
            // Azure CLI, client credentials and managed identities have no incremental
            // consent: the token carries what was granted (app roles for an application).
            return self.token(resource, None).await;
        }
        let prefix = match resource {
            Resource::Graph => self.cfg.endpoints.graph_resource.clone(),
            Resource::Arm => self.cfg.endpoints.arm_resource.clone(),
        };
        let wanted: Vec<String> = extra.iter().map(|s| format!("{prefix}{s}")).collect();
        let key = format!("{resource:?}:{}", wanted.join(" "));
        let mut cache = self.feature_tokens.lock().await;
        if let Some(c) = cache.get(&key).filter(|c| c.expires > Utc::now() + EARLY) {
            return Ok(c.token.clone());
        }
        let client_id = self.client_id(resource).to_string();
        let rt = self.refresh_token(&client_id)?.ok_or_else(|| {
            Error::SignInRequired("You are not signed in: sign in to Elevate first.".into())
        })?;
        let oauth = client(&self.cfg, &client_id)?;
        let refresh = RefreshToken::new(rt.expose().to_string());
        let mut req = oauth.exchange_refresh_token(&refresh);
        for s in &wanted {
            req = req.add_scope(Scope::new(s.clone()));
        }
        req = req.add_scope(Scope::new("offline_access".into()));
        let plane = if resource == Resource::Arm {
            Plane::AzureResource
        } else {
            Plane::EntraRole
        };
        let token = req.request_async(&self.oauth_http()).await.map_err(|e| match token_error(Some(plane), e) {
            Error::Consent { .. } | Error::SignInRequired(_) => Error::Consent {
                plane,
                message: format!(
                    "This needs the permissions {} for the sign-in app, which nobody has consented to in this tenant: an administrator can grant them (admin consent), then try again.",
                    extra.join(" and ")
                ),
            },
            other => other,
        })?;
        if let Err(e) = self.remember(&client_id, &token) {
            self.warn(format!("The renewed sign-in could not be saved in the {} ({e}); it is kept in memory until Elevate ends.", self.store.describe()));
        }
        // What the service granted: a scope left out is as good as refused.
        if let Some(granted) = token.scopes() {
            let granted: Vec<String> = granted
                .iter()
                .map(|s| s.to_string().to_ascii_lowercase())
                .collect();
            let missing: Vec<&str> = extra
                .iter()
                .filter(|s| !granted.iter().any(|g| g.ends_with(&s.to_ascii_lowercase())))
                .copied()
                .collect();
            if !missing.is_empty() {
                return Err(Error::Consent {
                    plane,
                    message: format!(
                        "The sign-in app was not granted {}: an administrator must consent to it (admin consent) before this works.",
                        missing.join(" and ")
                    ),
                });
            }
        }
        let lifetime = token
            .expires_in()
            .unwrap_or(std::time::Duration::from_secs(3600));
        let secret = Secret::new(token.access_token().secret().clone());
        cache.insert(
            key,
            Cached {
                token: secret.clone(),
                expires: expiry(lifetime),
            },
        );
        Ok(secret)
    }
}
