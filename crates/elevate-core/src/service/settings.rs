//! The settings: what the settings window shows, and saving them (checked first, nothing
//! changes on error; reminders apply at once, tenant and cloud at the next start). What the
//! organisation's policy fixes is shown locked and refused on save; the file keeps the
//! user's own values under it.

use super::{lock, Elevate};
use crate::app::{Settings, SettingsView};
use crate::config::Config;
use crate::error::Error;

/// What a save changed that the desktop must apply itself (start at login, a warm popup).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub before: Config,
    pub after: Config,
}

impl Elevate {
    pub fn settings_view(&self) -> SettingsView {
        let config = self.config();
        let session = self.session();
        let resolved = &session.cfg;
        // What the running session uses differs from the file: a restart applies it.
        let restart_needed = !self.demo
            && (config
                .tenant_id
                .as_deref()
                .is_some_and(|t| t != resolved.tenant)
                || config.cloud != resolved.cloud);
        SettingsView {
            settings: Settings {
                approvals: self.approvals_enabled(),
                ..Settings::from_config(&config)
            },
            account: session.identity(),
            accounts: session.accounts(),
            demo: self.demo,
            config_path: self.config_path.as_ref().map(|p| p.display().to_string()),
            restart_needed,
            managed: self.managed.view(),
        }
    }

    /// Checks, writes, then applies the settings.
    pub fn save_settings(&self, settings: &Settings) -> Result<Saved, Error> {
        let before = self.config();
        self.managed
            .check_settings(&Settings::from_config(&before), settings)?;
        let mine = self.user_config();
        let mut written = mine.clone();
        settings.apply(&mut written)?;
        self.managed.keep_user_values(&mine, &mut written);
        if let Some(path) = &self.config_path {
            written.save(path)?;
        }
        let after = self.managed.overlay(&written);
        lock(&self.scheduler).set_leads(&after.reminders, self.clock.now());
        *lock(&self.config) = written;
        if after.approvals.enabled != before.approvals.enabled {
            if !self.approvals_enabled() {
                lock(&self.live).approvals = Default::default();
            }
            self.wake_approvals();
        }
        self.update_tray(false);
        Ok(Saved { before, after })
    }
}
