//! Owns export and import of the settings file (favorites, bundles and settings, for a new
//! machine; see `crate::portable` for the document). Import checks the whole file first, then
//! merges favorites and bundles by name, replaces the settings only when asked or when this
//! machine has none of its own yet, keeps what the organisation's policy fixes, and writes
//! each file atomically; a dry run reports the same and writes nothing.

use serde::Serialize;

use super::{lock, Elevate};
use crate::config::Config;
use crate::error::Error;
use crate::portable::{self, Item};

/// What an import does to the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SettingsChange {
    /// The file's settings replace this machine's.
    Replaced,
    /// The same as this machine's.
    Unchanged,
    /// They differ and this machine's stay (`--replace-settings` takes the file's).
    Kept,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub dry_run: bool,
    pub settings: SettingsChange,
    /// The settings the organisation fixes: this machine's values are kept for them.
    pub locked: Vec<String>,
    pub favorites: Vec<Item>,
    pub bundles: Vec<Item>,
}

impl Elevate {
    /// The settings file's text (pretty JSON) and what was left out of it, in words.
    pub fn export_settings(&self) -> Result<(String, Vec<String>), Error> {
        let (doc, notes) =
            portable::export(&self.user_config(), &self.favorites()?, self.clock.now())?;
        let text = serde_json::to_string_pretty(&doc)
            .map_err(|e| Error::InvalidInput(format!("cannot write the settings: {e}")))?;
        Ok((text + "\n", notes))
    }

    /// Imports a settings file's `text`; see the module's comment.
    pub fn import_settings(
        &self,
        text: &str,
        replace_settings: bool,
        dry_run: bool,
    ) -> Result<ImportReport, Error> {
        let incoming = portable::read(text)?;
        let mine = self.user_config();
        let (favorites, favorite_items) =
            portable::merge_favorites(&self.favorites()?, &incoming.favorites);
        let (bundles, bundle_items) = portable::merge_bundles(&mine.bundles, &incoming.bundles);
        let settings_only = Config {
            bundles: vec![],
            ..mine.clone()
        };
        // A machine with no settings of its own yet (a new one) takes the file's.
        let take = replace_settings || settings_only == Config::default();
        let settings = if incoming.config == settings_only {
            SettingsChange::Unchanged
        } else if take {
            SettingsChange::Replaced
        } else {
            SettingsChange::Kept
        };
        let mut written = if settings == SettingsChange::Replaced {
            incoming.config.clone()
        } else {
            settings_only
        };
        let mut locked = vec![];
        if settings == SettingsChange::Replaced {
            self.managed.keep_user_values(&mine, &mut written);
            locked = self
                .managed
                .locked()
                .into_iter()
                .map(str::to_string)
                .collect();
        }
        written.bundles = bundles;
        let rules = written.justification.rules()?;
        let report = ImportReport {
            dry_run,
            settings,
            locked,
            favorites: favorite_items,
            bundles: bundle_items,
        };
        if dry_run {
            return Ok(report);
        }
        match &self.config_path {
            Some(path) => written.save(path)?,
            None if written != mine => return Err(Error::Unsupported(
                "there is no configuration file to import the settings into: set ELEVATE_CONFIG"
                    .into(),
            )),
            None => {}
        }
        self.data.save_favorites(&favorites)?;
        tracing::info!(
            "imported settings: {:?}, {} favorites, {} bundles",
            report.settings,
            report.favorites.len(),
            report.bundles.len()
        );
        let after = self.managed.overlay(&written);
        lock(&self.scheduler).set_leads(&after.reminders, self.clock.now());
        self.pim.set_justification(rules);
        *lock(&self.config) = written;
        self.republish();
        self.update_tray(true);
        Ok(report)
    }
}
