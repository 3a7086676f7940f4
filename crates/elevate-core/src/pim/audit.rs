//! The tenant's PIM audit: Graph `auditLogs/directoryAudits` filtered on the PIM service
//! (`loggedByService eq 'PIM'`: a category filter would miss group and Azure events) and a
//! time window within the 30 days Entra keeps, every page followed. The scopes it needs
//! (AuditLog.Read.All and Directory.Read.All) are asked for here, the first time, not at sign-in.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use crate::auth::Resource;
use crate::error::Error;
use crate::model::Plane;
use crate::parse;

use super::Pim;

/// What Graph needs to read the audit log, least privileged [DOC].
pub const AUDIT_SCOPES: [&str; 2] = ["AuditLog.Read.All", "Directory.Read.All"];
/// How far back Entra keeps audit data [DOC].
pub const RETENTION_DAYS: i64 = 30;

/// One PIM event, from the tenant's audit log or the local history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AuditEvent {
    /// `tenant` (the audit log) or `local` (this machine's history).
    pub source: String,
    #[ts(type = "string")]
    pub time: DateTime<Utc>,
    /// What happened: `Add member to role completed (PIM activation)`, or a local action.
    pub activity: String,
    pub plane: Option<Plane>,
    /// The role or group (with its scope for Azure roles).
    pub target: String,
    /// Who it was for (the principal), when known.
    pub principal: Option<String>,
    /// Who did it (the requester, or the approver on an approval).
    pub initiated_by: Option<String>,
    /// `success`, `failure`, or a local outcome (`active`, `recorded`, an error code).
    pub result: String,
    pub justification: Option<String>,
    pub request_id: Option<String>,
}

/// Which events: since when, whose, which role, which plane.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub since: Option<DateTime<Utc>>,
    /// UPN, display name or object id; matches who did it or whom it was for.
    pub user: Option<String>,
    /// Part of a role or group name.
    pub role: Option<String>,
    pub plane: Option<Plane>,
}

fn text(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

/// The plane of an event from its category [DOC].
fn plane_of(category: &str) -> Option<Plane> {
    match category.to_ascii_lowercase().as_str() {
        "rolemanagement" => Some(Plane::EntraRole),
        "groupmanagement" => Some(Plane::Group),
        "resourcemanagement" => Some(Plane::AzureResource),
        _ => None,
    }
}

fn category_of(plane: Plane) -> &'static str {
    match plane {
        Plane::EntraRole => "RoleManagement",
        Plane::Group => "GroupManagement",
        Plane::AzureResource => "ResourceManagement",
    }
}

/// A `directoryAudit` record; its target resources are picked by `type`, never by index.
pub fn event(v: &Value) -> Option<AuditEvent> {
    let time = parse::time(&v["activityDateTime"])?;
    let activity = text(&v["activityDisplayName"])?;
    let targets = v["targetResources"].as_array().cloned().unwrap_or_default();
    let of_type = |kinds: &[&str]| {
        targets.iter().find(|t| {
            t["type"]
                .as_str()
                .is_some_and(|k| kinds.iter().any(|x| k.eq_ignore_ascii_case(x)))
        })
    };
    let target = of_type(&["Role", "Group"])
        .and_then(|t| text(&t["displayName"]).or_else(|| text(&t["id"])))
        .unwrap_or_default();
    let scope = of_type(&["Other"])
        .and_then(|t| text(&t["displayName"]))
        .filter(|_| {
            plane_of(v["category"].as_str().unwrap_or_default()) == Some(Plane::AzureResource)
        });
    let user = &v["initiatedBy"]["user"];
    let details = v["additionalDetails"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let detail = |k: &str| {
        details
            .iter()
            .find(|d| d["key"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(k)))
            .and_then(|d| text(&d["value"]))
    };
    Some(AuditEvent {
        source: "tenant".into(),
        time,
        activity,
        plane: plane_of(v["category"].as_str().unwrap_or_default()),
        target: match scope {
            Some(s) => format!("{target} on {s}"),
            None => target,
        },
        principal: of_type(&["User"])
            .and_then(|t| text(&t["displayName"]).or_else(|| text(&t["id"]))),
        initiated_by: text(&user["userPrincipalName"])
            .or_else(|| text(&user["displayName"]))
            .or_else(|| text(&v["initiatedBy"]["app"]["displayName"])),
        result: text(&v["result"]).unwrap_or_else(|| "unknown".into()),
        justification: text(&v["resultReason"]).or_else(|| detail("Justification")),
        request_id: of_type(&["Request"])
            .and_then(|t| text(&t["id"]))
            .or_else(|| detail("RequestId")),
    })
}

/// Whether `e` matches the query's user and role (compared case-insensitively).
pub fn matches(e: &AuditEvent, q: &AuditQuery, ids: &[String]) -> bool {
    let has = |hay: &Option<String>, needle: &str| {
        hay.as_deref().is_some_and(|h| {
            h.to_ascii_lowercase()
                .contains(&needle.to_ascii_lowercase())
        })
    };
    let user_ok = q.user.as_deref().is_none_or(|u| {
        has(&e.initiated_by, u)
            || has(&e.principal, u)
            || ids.iter().any(|i| i.eq_ignore_ascii_case(u))
    });
    let role_ok = q.role.as_deref().is_none_or(|r| {
        e.target
            .to_ascii_lowercase()
            .contains(&r.to_ascii_lowercase())
    });
    let plane_ok = q.plane.is_none_or(|p| e.plane == Some(p));
    user_ok && role_ok && plane_ok
}

impl Pim {
    /// The tenant's PIM events for `q`, newest first. `since` is clamped to the 30 days kept.
    pub async fn audit(
        &self,
        q: &AuditQuery,
        now: DateTime<Utc>,
    ) -> Result<Vec<AuditEvent>, Error> {
        let oldest = now - Duration::days(RETENTION_DAYS);
        let since = q.since.unwrap_or(now - Duration::days(7)).max(oldest);
        let mut filter = format!(
            "loggedByService eq 'PIM' and activityDateTime ge {}",
            since.format("%Y-%m-%dT%H:%M:%SZ")
        );
        if let Some(p) = q.plane {
            filter.push_str(&format!(" and category eq '{}'", category_of(p)));
        }
        let filter =
            percent_encoding::utf8_percent_encode(&filter, percent_encoding::NON_ALPHANUMERIC);
        let url = self.graph(&format!(
            "/auditLogs/directoryAudits?$filter={filter}&$orderby=activityDateTime%20desc&$top=100"
        ));
        let items = self
            .renewing(Resource::Graph, || async {
                let token = self
                    .session
                    .token_with_scopes(Resource::Graph, &AUDIT_SCOPES)
                    .await?;
                let first = self.get(&url, &token, Plane::EntraRole).await?;
                self.follow(first, &token, Plane::EntraRole).await
            })
            .await
            .map_err(explain)?;
        let mut out: Vec<AuditEvent> = items
            .iter()
            .filter_map(event)
            .filter(|e| matches(e, q, &[]))
            .collect();
        out.sort_by_key(|e| std::cmp::Reverse(e.time));
        Ok(out)
    }
}

/// The audit log's refusals in words: which role or consent is missing, and what to do.
fn explain(e: Error) -> Error {
    match e.service() {
        Some(s) if s.status == 403 && s.code.eq_ignore_ascii_case("Authorization_RequestDenied") => {
            Error::Service(Box::new(crate::error::ServiceError {
                message: "Reading the tenant's PIM audit log needs an Entra role: Reports Reader, Security Reader, Global Reader or Security Administrator. Activate one (e.g. `elevatectl activate \"Global Reader\"`) and try again; your own history is still shown.".into(),
                explained: true,
                ..s.clone()
            }))
        }
        _ => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The reference's illustrative record (documented schema, observed fixture shape).
    #[test]
    fn a_documented_record_reads_by_target_type_not_index() {
        let v = json!({"id":"PIM_2b1e","category":"RoleManagement","result":"success","resultReason":"Need to rotate keys","loggedByService":"PIM",
            "activityDisplayName":"Add member to role completed (PIM activation)","activityDateTime":"2026-11-20T09:14:03.51Z","operationType":"Update",
            "initiatedBy":{"app":null,"user":{"id":"071cc716","displayName":"Ada","userPrincipalName":"ada@contoso.com"}},
            "targetResources":[{"type":"Other"},{"id":"911bab8a","type":"Request"},{"id":"071cc716","displayName":"Ada","type":"User"},
                               {"id":"62e90394","displayName":"Global Administrator","type":"Role"},{"type":"Directory"}],
            "additionalDetails":[{"key":"StartTime","value":"2026-11-20T09:14:02Z"},{"key":"RequestId","value":"911bab8a"}]});
        let e = event(&v).expect("reads");
        assert_eq!(e.target, "Global Administrator");
        assert_eq!(e.plane, Some(Plane::EntraRole));
        assert_eq!(e.request_id.as_deref(), Some("911bab8a"));
        assert_eq!(e.initiated_by.as_deref(), Some("ada@contoso.com"));
        assert_eq!(e.justification.as_deref(), Some("Need to rotate keys"));
        let q = AuditQuery {
            user: Some("ADA".into()),
            role: Some("global".into()),
            ..Default::default()
        };
        assert!(matches(&e, &q, &[]));
        let other = AuditQuery {
            role: Some("Exchange".into()),
            ..Default::default()
        };
        assert!(!matches(&e, &other, &[]));
        assert!(!matches(
            &e,
            &AuditQuery {
                plane: Some(Plane::Group),
                ..Default::default()
            },
            &[]
        ));
        // No time or activity: not an event.
        assert!(event(&json!({"activityDisplayName": "x"})).is_none());
    }
}
