//! The Azure Activity Log's role-assignment events (`Microsoft.Authorization`) of each
//! subscription the account can see, as audit rows: who asked for which role where, as ARM
//! recorded it. Subscription-scoped only, and its `$filter` takes a time range plus one field
//! [SPEC]; a subscription whose log the account may not read is skipped and named.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::auth::Resource;
use crate::error::Error;
use crate::model::Plane;
use crate::parse;

use super::{AuditEvent, Pim};

const VERSION: &str = "api-version=2015-04-01";

fn text(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

/// Whether an operation is PIM's (a schedule request), not any role assignment write.
fn is_pim(op: &str) -> bool {
    let op = op.to_ascii_lowercase();
    op.contains("scheduleRequests".to_ascii_lowercase().as_str())
        || op.contains("roleassignmentapprovals")
}

/// One Activity Log event as an audit row; `None` for events that are not PIM's.
pub fn activity_event(v: &Value, subscription: &str) -> Option<AuditEvent> {
    let op = text(&v["operationName"]["value"])?;
    if !is_pim(&op) {
        return None;
    }
    let time = parse::time(&v["eventTimestamp"])?;
    let scope = text(&v["resourceId"])
        .map(|r| {
            match r
                .to_ascii_lowercase()
                .find("/providers/microsoft.authorization/")
            {
                Some(i) if i > 0 => r[..i].to_string(),
                _ => r,
            }
        })
        .unwrap_or_else(|| subscription.to_string());
    let props = &v["properties"];
    Some(AuditEvent {
        source: "activity log".into(),
        time,
        activity: text(&v["operationName"]["localizedValue"]).unwrap_or(op),
        plane: Some(Plane::AzureResource),
        target: scope,
        principal: None,
        initiated_by: text(&v["caller"]),
        result: text(&v["status"]["value"])
            .or_else(|| text(&v["status"]["localizedValue"]))
            .unwrap_or_else(|| "unknown".into()),
        justification: text(&props["justification"]),
        request_id: text(&v["correlationId"]),
    })
}

impl Pim {
    /// PIM's role-assignment events in every readable subscription's Activity Log between
    /// `since` and `until`, and the subscriptions that could not be read (with why).
    pub async fn activity_log(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<(Vec<AuditEvent>, Vec<String>), Error> {
        self.renewing(Resource::Arm, || async {
            let token = self.session.token(Resource::Arm, None).await?;
            let first = self
                .get(&self.arm("/subscriptions?api-version=2022-12-01"), &token, Plane::AzureResource)
                .await?;
            let subs = self.follow(first, &token, Plane::AzureResource).await?;
            let filter = format!(
                "eventTimestamp ge '{}' and eventTimestamp le '{}' and resourceProvider eq 'Microsoft.Authorization'",
                since.format("%Y-%m-%dT%H:%M:%SZ"),
                until.format("%Y-%m-%dT%H:%M:%SZ")
            );
            let filter = percent_encoding::utf8_percent_encode(&filter, percent_encoding::NON_ALPHANUMERIC);
            let (mut events, mut skipped) = (vec![], vec![]);
            for s in &subs {
                let Some(id) = text(&s["id"]) else { continue };
                let name = text(&s["displayName"]).unwrap_or_else(|| id.clone());
                let url = self.arm(&format!(
                    "{id}/providers/microsoft.insights/eventtypes/management/values?{VERSION}&$filter={filter}"
                ));
                let page = match self.get(&url, &token, Plane::AzureResource).await {
                    Ok(first) => self.follow(first, &token, Plane::AzureResource).await,
                    Err(e) => Err(e),
                };
                match page {
                    Ok(items) => events.extend(items.iter().filter_map(|v| activity_event(v, &name))),
                    Err(e) if e.service().is_some_and(|x| x.status == 403) => {
                        skipped.push(format!("{name}: reading its Activity Log needs Reader (or Monitoring Reader) on the subscription"));
                    }
                    Err(e) => skipped.push(format!("{name}: {e}")),
                }
            }
            Ok((events, skipped))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The fields the spec's Activity Log example carries [SPEC].
    #[test]
    fn a_schedule_request_write_reads_and_other_writes_do_not() {
        let v = json!({"caller": "ada@contoso.com", "correlationId": "c-1", "eventTimestamp": "2026-11-20T09:14:03.51Z",
            "operationName": {"value": "Microsoft.Authorization/roleAssignmentScheduleRequests/write", "localizedValue": "Create role assignment schedule request"},
            "resourceId": "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/r1",
            "status": {"value": "Succeeded", "localizedValue": "Succeeded"}, "subStatus": {"value": "Created"}});
        let e = activity_event(&v, "Prod").expect("reads");
        assert_eq!(e.source, "activity log");
        assert_eq!(e.target, "/subscriptions/s1/resourceGroups/rg");
        assert_eq!(e.initiated_by.as_deref(), Some("ada@contoso.com"));
        assert_eq!(e.result, "Succeeded");
        assert_eq!(e.activity, "Create role assignment schedule request");
        let mut plain = v.clone();
        plain["operationName"]["value"] = json!("Microsoft.Authorization/roleAssignments/write");
        assert!(activity_event(&plain, "Prod").is_none());
        assert!(activity_event(&json!({"operationName": {"value": "x"}}), "Prod").is_none());
    }
}
