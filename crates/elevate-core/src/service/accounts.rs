//! Accounts: sign in (browser, device code), another account, switch, sign out. Each ends
//! with a refresh, so the view, the tray and the favorites at start follow. A sign-in method
//! the organisation does not allow is refused before the browser opens.

use std::sync::Arc;

use super::Elevate;
use crate::auth::{DeviceCodePrompt, Identity};
use crate::error::Error;
use crate::managed::SignInMethod;

impl Elevate {
    /// Signs in through the system browser. Problems with one plane's consent are returned
    /// (and the refresh lists that plane as unavailable); the rest works.
    pub async fn sign_in(self: &Arc<Self>) -> Result<(Identity, Vec<Error>), Error> {
        self.managed.allows_sign_in(SignInMethod::Browser)?;
        let out = self.session().sign_in(None).await?;
        self.after_sign_in().await;
        Ok(out)
    }

    /// Signs in with a device code; `prompt` shows the code.
    pub async fn sign_in_device(
        self: &Arc<Self>,
        prompt: impl Fn(&DeviceCodePrompt),
    ) -> Result<Identity, Error> {
        self.managed.allows_sign_in(SignInMethod::DeviceCode)?;
        let id = self.session().sign_in_device(prompt).await?;
        self.after_sign_in().await;
        Ok(id)
    }

    async fn after_sign_in(self: &Arc<Self>) {
        if self.background {
            self.refresh().await;
            self.auto_activate().await;
        }
    }

    /// Signs out: this account's refresh tokens leave the secret store; the view empties.
    pub async fn sign_out(self: &Arc<Self>) -> Result<Option<Identity>, Error> {
        let who = self.session().identity();
        self.session().sign_out().await?;
        crate::view_cache::clear(&self.data.0);
        if self.background {
            self.refresh().await;
        }
        Ok(who)
    }

    pub async fn switch_account(self: &Arc<Self>, object_id: &str) -> Result<(), Error> {
        self.session().switch_account(object_id).await?;
        self.pim.clear_policy_cache();
        self.refresh().await;
        Ok(())
    }

    /// Signs in another account (the browser asks which) and uses it.
    pub async fn add_account(self: &Arc<Self>) -> Result<(), Error> {
        self.managed.allows_sign_in(SignInMethod::Browser)?;
        self.session().sign_in_another().await?;
        self.pim.clear_policy_cache();
        self.refresh().await;
        Ok(())
    }
}
