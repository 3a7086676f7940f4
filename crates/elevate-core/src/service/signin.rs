//! Which sign-in this `Elevate` uses and what it may do with it: the method from `--auth`
//! (given to the core as `ELEVATE_AUTH`), its credential built from the `AZURE_*` variables,
//! the summary front ends show (`whoami`, `doctor`), and PIM self-service refused for an
//! application before anything is sent.

use super::Elevate;
use crate::auth::{AuthMethod, Credential, Session, SignInSummary};
use crate::error::Error;

/// The session with the credential `ELEVATE_AUTH` names (browser and device code: as it is),
/// when the organisation's policy allows that method (refused before anything is read or sent).
pub(super) fn with_credential(
    session: Session,
    vars: &dyn Fn(&str) -> Option<String>,
    policy: &crate::managed::Policy,
) -> Result<Session, Error> {
    let Some(method) = vars("ELEVATE_AUTH").filter(|m| !m.trim().is_empty()) else {
        return Ok(session);
    };
    if let Some(m) = crate::managed::SignInMethod::parse(&method) {
        policy.allows_sign_in(m)?;
    }
    let method = AuthMethod::parse(&method)?;
    Ok(match Credential::from_env(method, vars, &session.cfg)? {
        Some(c) => session.with_credential(c),
        None => session,
    })
}

impl Elevate {
    /// How this Elevate signs in: method, client id (Elevate's default or one's own), cloud,
    /// tenant, and who (the user, or none for an application). No secrets.
    pub async fn sign_in_summary(&self) -> SignInSummary {
        self.session().sign_in_summary().await
    }

    /// PIM self-service (activate, deactivate, extend, cancel) needs a user: an application
    /// (client credentials, managed identity) is refused here, before the network.
    pub fn refuse_app_only(&self, what: &str) -> Result<(), Error> {
        self.session().refuse_app_only(what)
    }
}
