//! Helpers for the posture tests (tests/alerts.rs, tests/posture_reads.rs,
//! tests/activity_log.rs): the `posture` scenario's people and roles, starting a simulator
//! on it (roles the demo shares, e.g. `PRA`, `GLOBAL_READER`, come from `common`), tokens with the scopes each feature asks for, and picking items out of lists.
#![allow(dead_code)]

use elevate_sim::{Scenario, Settings, SimServer};
use serde_json::Value;

use crate::common::Sim;

pub const TENANT: &str = "4f8e2a61-7c3b-4d59-a1e0-9b2c6d3f5a17";
pub const RILEY: &str = "c0ffee01-0000-4000-8000-000000000001";
pub const BREAKGLASS: &str = "c0ffee01-0000-4000-8000-000000000002";
pub const AVERY: &str = "c0ffee01-0000-4000-8000-000000000003";
pub const JORDAN: &str = "c0ffee01-0000-4000-8000-000000000004";
pub const MORGAN: &str = "c0ffee01-0000-4000-8000-000000000005";
pub const CASEY: &str = "c0ffee01-0000-4000-8000-000000000006";
pub const TAYLOR: &str = "c0ffee01-0000-4000-8000-000000000007";
pub const SAM: &str = "c0ffee01-0000-4000-8000-000000000008";
pub const DREW: &str = "c0ffee01-0000-4000-8000-000000000009";
pub const RILEY_UPN: &str = "riley@fabrikam.example";
pub const SAM_UPN: &str = "sam@fabrikam.example";
pub const BREAKGLASS_UPN: &str = "breakglass@fabrikam.example";

pub const GA: &str = "62e90394-69f5-4237-9190-012177145e10";
pub const SEC_ADMIN: &str = "194ae4cb-b126-40b2-bd5b-6091b380977d";
pub const EXCHANGE_ADMIN: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
pub const TIER0: &str = "d1e2f3a4-b5c6-4d7e-8f9a-0b1c2d3e4f5a";
pub const HELPDESK_TEAM: &str = "e2f3a4b5-c6d7-4e8f-9a0b-1c2d3e4f5a6b";
pub const FAB_PROD: &str = "/subscriptions/6a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d";
pub const FAB_SANDBOX: &str = "/subscriptions/7b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e";
pub const RG_APP: &str =
    "/subscriptions/6a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d/resourceGroups/rg-app-prod";

pub const ALERT_SCOPES: &str =
    "openid offline_access https://graph.microsoft.com/RoleManagementAlert.Read.Directory";
pub const ALERTS: &str = "/identityGovernance/roleManagementAlerts";
pub const SCOPE_FILTER: &str = "scopeId eq '/' and scopeType eq 'DirectoryRole'";

/// A simulator on the `posture` scenario, signing Riley in by default.
pub async fn start_posture() -> Sim {
    let settings = Settings {
        auto_sign_in: Some(RILEY.into()),
        ..Settings::default()
    };
    let server = SimServer::start(Scenario::load("posture").expect("posture"), settings)
        .await
        .expect("start sim");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    Sim { server, http }
}

/// `?k=v&...`, encoded.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    format!("?{}", ser.finish())
}

pub fn items(body: &Value) -> Vec<Value> {
    body["value"].as_array().cloned().unwrap_or_default()
}

pub fn code(body: &Value) -> String {
    body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

pub fn message(body: &Value) -> String {
    body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The strings at `key` of each item, sorted.
pub fn strings(items: &[Value], key: &str) -> Vec<String> {
    let mut v: Vec<String> = items
        .iter()
        .filter_map(|i| i[key].as_str().map(str::to_string))
        .collect();
    v.sort();
    v
}

pub fn alert_id(name: &str) -> String {
    format!("DirectoryRole_{TENANT}_{name}")
}
