//! Helpers for the audit log tests (tests/audit*.rs): an audit-scoped token, one page or
//! every page of `auditLogs/directoryAudits`, and picking parts of a record.
#![allow(dead_code)]

use serde_json::{json, Value};

use crate::common::Sim;

pub const AUDIT: &str = "/auditLogs/directoryAudits";
pub const AUDIT_SCOPES: &str = "openid offline_access https://graph.microsoft.com/AuditLog.Read.All https://graph.microsoft.com/Directory.Read.All";
pub const SECURITY_READER: &str = "5d6b6bb7-de71-4623-b4af-96380a352509";

/// `?k=v&...`, encoded.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    format!("?{}", ser.finish())
}

pub async fn audit_token(sim: &Sim, upn: &str) -> String {
    sim.token_as(upn, AUDIT_SCOPES).await
}

/// One page of the audit log.
pub async fn audit(sim: &Sim, token: &str, pairs: &[(&str, &str)]) -> (u16, Value) {
    sim.graph("GET", &format!("{AUDIT}{}", query(pairs)), token, None)
        .await
}

/// Every row matching `filter` (all pages), newest first.
pub async fn all_rows(sim: &Sim, token: &str, filter: &str) -> Vec<Value> {
    let url = format!(
        "{}/v1.0{AUDIT}{}",
        sim.server.graph_url(),
        query(&[("$filter", filter)])
    );
    sim.all_pages(&url, token).await.0
}

pub fn names(rows: &[Value]) -> Vec<&str> {
    rows.iter()
        .map(|r| r["activityDisplayName"].as_str().unwrap_or_default())
        .collect()
}

pub fn of_type<'a>(row: &'a Value, kind: &str) -> &'a Value {
    row["targetResources"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["type"] == kind))
        .unwrap_or_else(|| panic!("no {kind} target in {row}"))
}

pub fn detail<'a>(row: &'a Value, key: &str) -> Option<&'a str> {
    row["additionalDetails"]
        .as_array()?
        .iter()
        .find(|d| d["key"] == key)?["value"]
        .as_str()
}

pub fn about(request: &str) -> String {
    format!("targetResources/any(t:t/id eq '{request}')")
}

pub async fn now(sim: &Sim) -> chrono::DateTime<chrono::Utc> {
    let clock = sim.control("GET", "clock", json!(null)).await;
    chrono::DateTime::parse_from_rfc3339(clock["now"].as_str().expect("now"))
        .expect("time")
        .with_timezone(&chrono::Utc)
}

pub fn iso(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub async fn rows_len(sim: &Sim, token: &str, filter: &str) -> usize {
    all_rows(sim, token, filter).await.len()
}
