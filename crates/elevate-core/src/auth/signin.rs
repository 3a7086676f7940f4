//! Signing in: interactive (system browser, PKCE, loopback redirect), another account,
//! switching accounts, and the device code flow.

use oauth2::{
    AuthorizationCode, CsrfToken, PkceCodeChallenge, RedirectUrl, RequestTokenError, Scope,
    StandardDeviceAuthorizationResponse,
};

use super::accounts::*;
use super::loopback::*;
use super::oauth::*;
use super::session::*;
use super::types::*;
use crate::error::Error;
use crate::model::Plane;

impl Session {
    /// Signs in through the browser: Graph first, then ARM (one more browser round only when
    /// ARM uses another client). A plane whose consent fails is reported, not fatal.
    pub async fn sign_in(&self, login_hint: Option<&str>) -> Result<(Identity, Vec<Error>), Error> {
        self.sign_in_with(login_hint, false).await
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

    pub(super) async fn sign_in_with(
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

    pub(super) async fn interactive(
        &self,
        resource: Resource,
        claims: Option<&str>,
        login_hint: Option<&str>,
    ) -> Result<EntraToken, Error> {
        self.interactive_with(resource, claims, login_hint, false)
            .await
    }

    pub(super) async fn interactive_with(
        &self,
        resource: Resource,
        claims: Option<&str>,
        login_hint: Option<&str>,
        select_account: bool,
    ) -> Result<EntraToken, Error> {
        let client_id = self.client_id(resource).to_string();
        let loopback = bind().await?;
        let port = loopback.port;
        // Entra ignores the port of http://localhost redirects [DOC]; we listen on both
        // loopback addresses `localhost` may name.
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
        let code = wait_for_code(loopback, state.secret(), self.interactive_timeout).await?;
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
}
