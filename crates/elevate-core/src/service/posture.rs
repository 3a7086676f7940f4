//! The posture report use case: gather the tenant's facts as far as the account may read them,
//! judge the alerts and the checklist, with the break-glass accounts from the settings (and
//! any given for this run) excepted.

use super::Elevate;
use crate::error::Error;
use crate::pim::Progress;
use crate::posture::{evaluate, Options, Report};

impl Elevate {
    /// The posture report. `break_glass` adds to the settings' list for this run only.
    pub async fn posture(
        &self,
        break_glass: &[String],
        progress: Progress<'_>,
    ) -> Result<Report, Error> {
        let who = match self.session().resolve_identity().await? {
            Some(who) => who,
            // An application (client credentials, managed identity) reads the tenant as itself.
            None if self.session().app_only() => crate::auth::Identity {
                tenant_id: self.session().cfg.tenant.clone(),
                object_id: String::new(),
                username: String::new(),
                name: String::new(),
            },
            None => {
                return Err(Error::SignInRequired(
                    "You are not signed in: sign in to Elevate first (elevatectl login).".into(),
                ))
            }
        };
        let mut options = Options {
            break_glass: self.config().posture.break_glass,
        };
        options.break_glass.extend(
            break_glass
                .iter()
                .map(|b| b.trim().to_string())
                .filter(|b| !b.is_empty()),
        );
        let tenant = match who.username.split_once('@') {
            Some((_, domain)) => format!("{domain} ({})", who.tenant_id),
            None => who.tenant_id.clone(),
        };
        let facts = self
            .pim
            .posture_facts(&tenant, self.clock.now(), progress)
            .await;
        Ok(evaluate(&facts, &options))
    }
}
