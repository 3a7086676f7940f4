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
