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
}
