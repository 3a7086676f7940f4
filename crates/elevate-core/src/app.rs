//! Facts about the running build that every front end shows the same way.

use serde::Serialize;
use ts_rs::TS;

/// What the popup's footer and `elevatectl --version` show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AppInfo {
    pub name: String,
    pub version: String,
    /// `demo` when running on the built-in simulated tenant, `tenant` otherwise.
    pub mode: String,
}

impl AppInfo {
    pub fn new(mode: &str) -> Self {
        AppInfo {
            name: "Elevate".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            mode: mode.to_owned(),
        }
    }
}

/// What the popup sends to activate: the assignment's key and what the user typed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ActivationForm {
    pub key: String,
    #[serde(default)]
    pub justification: Option<String>,
    #[serde(default)]
    pub ticket_number: Option<String>,
    #[serde(default)]
    pub ticket_system: Option<String>,
    /// `90m`, `2h` or ISO-8601; None: the default (lower of the user's default and the maximum).
    #[serde(default)]
    pub duration: Option<String>,
    /// The user confirmed activating a Tier 0 role (the popup's second click).
    #[serde(default)]
    pub confirm_tier0: bool,
    /// A later start (`22:00`, `2026-12-01T22:00`, RFC 3339, `+2h`); None: now.
    #[serde(default)]
    pub start: Option<String>,
    /// For an Azure role: the scope to activate at (its own or a child); None: its own.
    #[serde(default)]
    pub scope: Option<String>,
}

impl ActivationForm {
    pub fn input(&self) -> Result<crate::planner::ActivationInput, crate::Error> {
        Ok(crate::planner::ActivationInput {
            justification: self.justification.clone(),
            ticket_number: self.ticket_number.clone(),
            ticket_system: self.ticket_system.clone(),
            duration: self
                .duration
                .as_deref()
                .filter(|d| !d.trim().is_empty())
                .map(crate::policy::parse_duration)
                .transpose()?,
            start: None,
        })
    }
}

/// The popup's whole view: who is signed in, the assignments, and the planes that failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct View {
    pub account: Option<crate::auth::Identity>,
    pub snapshot: crate::model::Snapshot,
    /// Saved favorites (key, label, justification, ticket, duration).
    pub favorites: Vec<crate::store::Favorite>,
    /// Unix milliseconds of the snapshot.
    #[ts(type = "number")]
    pub refreshed_at: i64,
    /// Keys of activations granted but not yet usable ("activating…"), see `ready`.
    pub activating: Vec<String>,
    /// An assignment the popup should open its form on (a favorite that needs input).
    pub focus: Option<String>,
    /// What the user must know, said once as a notification and kept here for the popup:
    /// a file moved aside, a session kept in memory only (the latest few, oldest first).
    pub notices: Vec<String>,
    /// Requests from others waiting for my decision.
    pub approvals: crate::approval::ApprovalsView,
    /// Access review decisions waiting for me.
    pub reviews: crate::review::ReviewsView,
    /// Per assignment key: its privilege tier and frecency (see [`ItemFacts`]).
    pub facts: std::collections::BTreeMap<String, ItemFacts>,
    /// Painted from the last view kept on disk (`view_cache`) while the first refresh runs:
    /// the popup says how old it is until a fresh view replaces it.
    pub from_cache: bool,
}

/// What the core knows of an assignment beyond the tenant's answer, computed once for every
/// front end: its privilege tier (the table and the config's `[tiers]`) and its frecency
/// (how recently and often I activated it; higher first, 0 when never).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ItemFacts {
    pub tier: crate::tier::Tier,
    pub frecency: u32,
}

/// Several assignments activated with one justification/ticket/duration (multi-select).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BatchForm {
    pub keys: Vec<String>,
    #[serde(default)]
    pub justification: Option<String>,
    #[serde(default)]
    pub ticket_number: Option<String>,
    #[serde(default)]
    pub ticket_system: Option<String>,
    #[serde(default)]
    pub duration: Option<String>,
    /// The user confirmed activating the Tier 0 roles among `keys`.
    #[serde(default)]
    pub confirm_tier0: bool,
    /// A later start for every item; None: now.
    #[serde(default)]
    pub start: Option<String>,
}

impl BatchForm {
    pub fn input(&self) -> Result<crate::planner::ActivationInput, crate::Error> {
        ActivationForm {
            key: String::new(),
            justification: self.justification.clone(),
            ticket_number: self.ticket_number.clone(),
            ticket_system: self.ticket_system.clone(),
            duration: self.duration.clone(),
            confirm_tier0: self.confirm_tier0,
            start: self.start.clone(),
            scope: None,
        }
        .input()
    }
}

/// One item's result in a batch: the outcome, or the error in the one IPC shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BatchItem {
    pub key: String,
    pub outcome: Option<crate::pim::RequestOutcome>,
    pub error: Option<crate::payload::ErrorPayload>,
}

/// What the settings window shows and saves. Secrets never appear here.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Settings {
    /// `organizations`, a tenant GUID or a domain.
    pub tenant_id: Option<String>,
    /// `public`, `usgov`, `china` or `custom`.
    pub cloud: String,
    pub default_justification: Option<String>,
    pub default_ticket_system: Option<String>,
    pub default_ticket_number: Option<String>,
    /// `90m`, `2h` or ISO-8601.
    pub default_duration: String,
    /// Minutes before expiry, e.g. `[15, 5]`.
    pub reminders: Vec<u32>,
    pub start_at_login: bool,
    pub auto_activate_favorites: bool,
    pub keep_popup_warm: bool,
    /// Show requests waiting for my decision (and poll for them).
    #[serde(default)]
    pub approvals: bool,
}

/// The limits the settings window enforces (and says).
pub const MAX_REMINDERS: usize = 4;
pub const MAX_REMINDER_MINUTES: u32 = 240;

fn blank_none(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl Settings {
    pub fn from_config(c: &crate::config::Config) -> Settings {
        Settings {
            tenant_id: c.tenant_id.clone(),
            cloud: serde_json::to_value(c.cloud)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_else(|| "public".into()),
            default_justification: c.defaults.justification.clone(),
            default_ticket_system: c.defaults.ticket_system.clone(),
            default_ticket_number: c.defaults.ticket_number.clone(),
            default_duration: c.defaults.duration.clone(),
            reminders: c.reminders.clone(),
            start_at_login: c.start_at_login,
            auto_activate_favorites: c.auto_activate_favorites,
            keep_popup_warm: c.keep_popup_warm,
            approvals: c.approvals.enabled.unwrap_or(false),
        }
    }

    /// Checks every field and writes them into `c`; on error `c` is untouched and the
    /// message names the field and the limit.
    pub fn apply(&self, c: &mut crate::config::Config) -> Result<(), crate::Error> {
        use crate::Error::InvalidInput;
        let cloud = crate::config::Cloud::parse(&self.cloud)?;
        let duration = self.default_duration.trim();
        let parsed = crate::policy::parse_duration(duration).map_err(|_| {
            InvalidInput(format!(
                "Default duration '{duration}' is not a duration: write 90m, 2h or PT1H30M."
            ))
        })?;
        if parsed < chrono::Duration::minutes(5) || parsed > chrono::Duration::hours(24) {
            return Err(InvalidInput(
                "Default duration must be between 5 minutes and 24 hours (the policy maximum still applies).".into(),
            ));
        }
        let mut reminders = self.reminders.clone();
        reminders.sort_unstable_by(|a, b| b.cmp(a));
        reminders.dedup();
        if reminders.len() > MAX_REMINDERS
            || reminders
                .iter()
                .any(|m| *m == 0 || *m > MAX_REMINDER_MINUTES)
        {
            return Err(InvalidInput(format!(
                "Reminders: up to {MAX_REMINDERS} lead times, each from 1 to {MAX_REMINDER_MINUTES} minutes before expiry."
            )));
        }
        let tenant = blank_none(&self.tenant_id);
        if let Some(t) = &tenant {
            let ok = t
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "-.".contains(ch));
            if !ok || t.len() > 256 {
                return Err(InvalidInput(format!(
                    "Tenant '{t}' is neither a tenant ID (GUID) nor a domain like contoso.onmicrosoft.com."
                )));
            }
        }
        c.tenant_id = tenant;
        c.cloud = cloud;
        c.defaults.justification = blank_none(&self.default_justification);
        c.defaults.ticket_system = blank_none(&self.default_ticket_system);
        c.defaults.ticket_number = blank_none(&self.default_ticket_number);
        c.defaults.duration = duration.to_string();
        c.reminders = reminders;
        c.start_at_login = self.start_at_login;
        c.auto_activate_favorites = self.auto_activate_favorites;
        c.keep_popup_warm = self.keep_popup_warm;
        if c.approvals.enabled.is_some() || self.approvals {
            c.approvals.enabled = Some(self.approvals);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn settings_round_trip_and_refuse_bad_values_without_touching_the_config() {
        let mut c = Config::default();
        let mut s = Settings::from_config(&c);
        s.reminders = vec![5, 30, 5];
        s.default_duration = "2h".into();
        s.default_justification = Some("  ".into());
        s.auto_activate_favorites = true;
        s.apply(&mut c).expect("valid");
        assert_eq!(c.reminders, vec![30, 5]);
        assert_eq!(c.defaults.duration, "2h");
        assert_eq!(c.defaults.justification, None);
        assert!(c.auto_activate_favorites);
        let before = c.clone();
        for bad in [
            Settings {
                reminders: vec![0],
                ..s.clone()
            },
            Settings {
                reminders: vec![1, 2, 3, 4, 5],
                ..s.clone()
            },
            Settings {
                default_duration: "soon".into(),
                ..s.clone()
            },
            Settings {
                default_duration: "2m".into(),
                ..s.clone()
            },
            Settings {
                cloud: "mars".into(),
                ..s.clone()
            },
            Settings {
                tenant_id: Some("a b".into()),
                ..s.clone()
            },
        ] {
            let err = bad.apply(&mut c).expect_err("refused");
            assert!(!err.to_string().is_empty());
            assert_eq!(c, before, "a refused save changes nothing");
        }
    }
}

/// The settings window's whole view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SettingsView {
    pub settings: Settings,
    pub account: Option<crate::auth::Identity>,
    /// Every account signed in on this machine for this tenant.
    pub accounts: Vec<crate::auth::Identity>,
    pub demo: bool,
    /// Where the settings are saved.
    pub config_path: Option<String>,
    /// Tenant and cloud apply at the next start.
    pub restart_needed: bool,
    /// What the organisation's policy sets (shown locked) and allows.
    pub managed: crate::managed::ManagedView,
}

/// Events the app emits to its webviews: `view` carries a View, `error` an ErrorPayload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum UiEvent {
    View,
    Error,
}

impl UiEvent {
    /// The event's name on the wire (what `listen` takes).
    pub fn name(self) -> &'static str {
        match self {
            UiEvent::View => "view",
            UiEvent::Error => "error",
        }
    }
}
