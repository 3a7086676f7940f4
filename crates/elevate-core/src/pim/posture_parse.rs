//! Reading the posture report's sources from the wire: Graph role and group schedules, ARM
//! schedule instances, alerts with their polymorphic incidents, and access review series.
//! Tolerant: a field the service leaves out is unknown, never a failure; an item without
//! what identifies it is skipped.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::model::{Access, Plane};
use crate::parse;
use crate::posture::{Alert, Grant, Incident, PrincipalKind, ReviewSeries};

fn text(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

fn kind_of(odata_type: &str) -> PrincipalKind {
    let t = odata_type.to_ascii_lowercase();
    if t.ends_with("user") {
        PrincipalKind::User
    } else if t.ends_with("group") {
        PrincipalKind::Group
    } else if t.ends_with("serviceprincipal") {
        PrincipalKind::ServicePrincipal
    } else {
        PrincipalKind::Unknown
    }
}

/// The end of a Graph `scheduleInfo`: `noExpiration` → none; `afterDateTime` → its date;
/// `afterDuration` → start + duration. An unreadable expiration counts as none only when the
/// type says so; otherwise the end date if there is one.
pub fn schedule_end(info: &Value) -> Option<DateTime<Utc>> {
    let exp = &info["expiration"];
    let kind = exp["type"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if kind == "noexpiration" {
        return None;
    }
    if let Some(end) = parse::time(&exp["endDateTime"]) {
        return Some(end);
    }
    let start = parse::time(&info["startDateTime"])?;
    let d = crate::policy::parse_duration(exp["duration"].as_str()?).ok()?;
    Some(start + d)
}

/// A Graph directory role schedule (`roleEligibilitySchedules` / `roleAssignmentSchedules`),
/// with `principal` and `roleDefinition` expanded when the service did.
pub fn entra_grant(v: &Value, eligible: bool) -> Option<Grant> {
    let role_id = text(&v["roleDefinitionId"])?;
    let principal_id = text(&v["principalId"]).or_else(|| text(&v["principal"]["id"]))?;
    if text(&v["status"]).is_some_and(|s| {
        ["revoked", "canceled", "failed"].contains(&s.to_ascii_lowercase().as_str())
    }) {
        return None;
    }
    let p = &v["principal"];
    let def = &v["roleDefinition"];
    Some(Grant {
        plane: Plane::EntraRole,
        template_id: text(&def["templateId"]),
        role_name: text(&def["displayName"]).unwrap_or_else(|| role_id.clone()),
        role_id,
        scope: text(&v["directoryScopeId"]).unwrap_or_else(|| "/".into()),
        access: None,
        principal_name: text(&p["displayName"]).unwrap_or_else(|| principal_id.clone()),
        principal_upn: text(&p["userPrincipalName"]),
        principal_kind: kind_of(p["@odata.type"].as_str().unwrap_or_default()),
        principal_id,
        eligible,
        end: schedule_end(&v["scheduleInfo"]),
        created: parse::time(&v["createdDateTime"]),
        // Present and null: no PIM request made it [INF]. Absent: this service does not say.
        outside_pim: !eligible && v.get("createdUsing").is_some_and(Value::is_null),
    })
}

/// A PIM for Groups schedule; `group` names the group when the caller knows it.
pub fn group_grant(v: &Value, eligible: bool, group: &str) -> Option<Grant> {
    let group_id = text(&v["groupId"])?;
    let principal_id = text(&v["principalId"]).or_else(|| text(&v["principal"]["id"]))?;
    let p = &v["principal"];
    let access = match v["accessId"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_lowercase()
        .as_str()
    {
        "owner" => Access::Owner,
        _ => Access::Member,
    };
    Some(Grant {
        plane: Plane::Group,
        template_id: None,
        role_name: text(&v["group"]["displayName"]).unwrap_or_else(|| group.to_string()),
        role_id: group_id.clone(),
        scope: group_id,
        access: Some(access),
        principal_name: text(&p["displayName"]).unwrap_or_else(|| principal_id.clone()),
        principal_upn: text(&p["userPrincipalName"]),
        principal_kind: kind_of(p["@odata.type"].as_str().unwrap_or_default()),
        principal_id,
        eligible,
        end: schedule_end(&v["scheduleInfo"]),
        created: parse::time(&v["createdDateTime"]),
        outside_pim: false,
    })
}

/// An ARM schedule instance (`properties` with `expandedProperties`).
pub fn arm_grant(v: &Value, eligible: bool) -> Option<Grant> {
    let p = &v["properties"];
    let x = &p["expandedProperties"];
    let role_full = text(&p["roleDefinitionId"])?;
    let principal_id = text(&p["principalId"])?;
    let guid = parse::role_guid(&role_full);
    let scope = text(&p["scope"])
        .or_else(|| text(&x["scope"]["id"]))
        .unwrap_or_default();
    let kind = match p["principalType"]
        .as_str()
        .or(x["principal"]["type"].as_str())
    {
        Some(t) if t.eq_ignore_ascii_case("user") => PrincipalKind::User,
        Some(t) if t.eq_ignore_ascii_case("group") => PrincipalKind::Group,
        Some(t) if t.eq_ignore_ascii_case("serviceprincipal") => PrincipalKind::ServicePrincipal,
        _ => PrincipalKind::Unknown,
    };
    Some(Grant {
        plane: Plane::AzureResource,
        template_id: Some(guid.clone()),
        role_name: text(&x["roleDefinition"]["displayName"]).unwrap_or(guid),
        role_id: role_full,
        scope: text(&x["scope"]["displayName"]).unwrap_or(scope),
        access: None,
        principal_name: text(&x["principal"]["displayName"])
            .unwrap_or_else(|| principal_id.clone()),
        principal_upn: text(&x["principal"]["email"]),
        principal_kind: kind,
        principal_id,
        eligible,
        end: parse::time(&p["endDateTime"]),
        created: parse::time(&p["createdOn"]),
        outside_pim: false,
    })
}

/// A PIM alert from `roleManagementAlerts/alerts` with its definition and incidents expanded.
pub fn alert(v: &Value) -> Option<Alert> {
    let id = text(&v["alertDefinitionId"]).or_else(|| text(&v["id"]))?;
    // `DirectoryRole_{tenantId}_{DefinitionName}` [DOC].
    let name = id.rsplit('_').next().unwrap_or(&id).to_string();
    let def = &v["alertDefinition"];
    let incidents = v["alertIncidents"]
        .as_array()
        .into_iter()
        .flatten()
        .map(incident)
        .collect();
    Some(Alert {
        display_name: text(&def["displayName"]).unwrap_or_else(|| name.clone()),
        severity: text(&def["severityLevel"]).unwrap_or_else(|| "unknown".into()),
        active: v["isActive"].as_bool().unwrap_or(false),
        name,
        incidents,
    })
}

/// One incident; its fields depend on its `@odata.type` [DOC], so each is read if present.
pub fn incident(v: &Value) -> Incident {
    let assignee = match (
        text(&v["assigneeDisplayName"]),
        text(&v["assigneeUserPrincipalName"]),
    ) {
        (Some(n), Some(u)) => Some(format!("{n} ({u})")),
        (n, u) => n.or(u).or_else(|| text(&v["assigneeId"])),
    };
    let day = |k: &str| parse::time(&v[k]).map(|t| t.format("%Y-%m-%d").to_string());
    let detail = if let Some(d) = day("lastSignInDateTime") {
        Some(format!("last sign-in {d}"))
    } else if let Some(d) = day("lastActivationDateTime") {
        Some(format!("last activation {d}"))
    } else if let Some(n) = v["activationCount"].as_i64() {
        Some(format!("{n} activations in a row"))
    } else if let Some(d) = day("assignmentCreatedDateTime") {
        Some(format!("assigned {d}"))
    } else {
        text(&v["tenantLicenseStatus"]).map(|s| format!("license: {s}"))
    };
    Incident {
        assignee,
        role: text(&v["roleDisplayName"]),
        detail,
    }
}

/// The role ids in an access review scope query: `/roleManagement/directory/roleDefinitions/{id}`
/// or `roleDefinitionId eq '{id}'` [DOC].
pub fn role_ids_in(query: &str) -> Vec<String> {
    let mut out = vec![];
    let lower = query.to_ascii_lowercase();
    for marker in ["/roledefinitions/", "roledefinitionid eq '"] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(marker) {
            let start = from + i + marker.len();
            let id: String = query[start..]
                .chars()
                .take_while(|c| c.is_ascii_hexdigit() || *c == '-')
                .collect();
            if !id.is_empty() && !out.iter().any(|o: &String| o.eq_ignore_ascii_case(&id)) {
                out.push(id);
            }
            from = start;
        }
    }
    out
}

/// An access review series (`accessReviewScheduleDefinition`), with the roles its scope covers.
pub fn review_series(v: &Value) -> Option<ReviewSeries> {
    let name = text(&v["displayName"]).or_else(|| text(&v["id"]))?;
    let mut queries = vec![v["scope"]["query"].as_str().unwrap_or_default().to_string()];
    for k in ["resourceScopes", "principalScopes"] {
        for s in v["scope"][k].as_array().into_iter().flatten() {
            queries.push(s["query"].as_str().unwrap_or_default().to_string());
        }
    }
    if let Some(s) = v["instanceEnumerationScope"]["query"].as_str() {
        queries.push(s.to_string());
    }
    let mut role_ids: Vec<String> = vec![];
    for q in &queries {
        for id in role_ids_in(q) {
            if !role_ids.iter().any(|r| r.eq_ignore_ascii_case(&id)) {
                role_ids.push(id);
            }
        }
    }
    Some(ReviewSeries {
        name,
        status: text(&v["status"]).unwrap_or_default(),
        role_ids,
    })
}

/// The principal kind of an ARM or Graph `@odata.type` (for tests and the fetchers).
pub fn principal_kind(t: &str) -> PrincipalKind {
    kind_of(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The reference's documented `roleAssignmentSchedules` element, and its twin with
    /// `createdUsing: null` (an assignment made outside PIM [INF]).
    #[test]
    fn documented_schedules_read_with_and_without_a_pim_request() {
        let v = json!({"id":"95c690fb","principalId":"071cc716","roleDefinitionId":"fdd7a751","directoryScopeId":"/","appScopeId":null,
            "createdUsing":"95c690fb","createdDateTime":"2022-04-11T11:50:06.343Z","modifiedDateTime":null,"status":"Provisioned",
            "assignmentType":"Assigned","memberType":"Direct",
            "scheduleInfo":{"startDateTime":"2022-04-11T11:50:06.343Z","recurrence":null,"expiration":{"type":"noExpiration","endDateTime":null,"duration":null}}});
        let g = entra_grant(&v, false).expect("reads");
        assert!(g.permanent());
        assert!(!g.outside_pim);
        assert_eq!(g.role_name, "fdd7a751", "no expansion: the id stands in");
        let mut twin = v.clone();
        twin["createdUsing"] = Value::Null;
        twin["createdDateTime"] = Value::Null;
        assert!(entra_grant(&twin, false).expect("reads").outside_pim);
        // Absent (a service that does not send it) is not evidence of anything.
        let mut absent = v.clone();
        absent
            .as_object_mut()
            .expect("object")
            .remove("createdUsing");
        assert!(!entra_grant(&absent, false).expect("reads").outside_pim);
        // Eligibility is never "outside PIM".
        assert!(!entra_grant(&twin, true).expect("reads").outside_pim);
        assert!(entra_grant(&json!({"principalId": "x"}), true).is_none());
    }

    #[test]
    fn expirations_of_each_documented_type() {
        let at = |e: Value| {
            schedule_end(&json!({"startDateTime": "2026-11-01T00:00:00Z", "expiration": e}))
        };
        assert_eq!(at(json!({"type": "noExpiration"})), None);
        assert_eq!(
            at(json!({"type": "afterDateTime", "endDateTime": "2027-05-01T00:00:00Z"}))
                .map(|t| t.to_rfc3339()),
            Some("2027-05-01T00:00:00+00:00".into())
        );
        assert_eq!(
            at(json!({"type": "AfterDuration", "duration": "P180D"}))
                .map(|t| t.format("%Y-%m-%d").to_string()),
            Some("2027-04-30".into())
        );
    }

    #[test]
    fn the_documented_alert_reads_its_name_and_polymorphic_incidents() {
        let v = json!({"id":"DirectoryRole_3b0e753b_TooManyGlobalAdminsAssignedToTenantAlert","alertDefinitionId":"DirectoryRole_3b0e753b_TooManyGlobalAdminsAssignedToTenantAlert",
            "scopeId":"/","scopeType":"DirectoryRole","incidentCount":7,"isActive":true,
            "alertDefinition":{"displayName":"There are too many global administrators","severityLevel":"low","isRemediatable":true},
            "alertIncidents":[{"@odata.type":"#microsoft.graph.tooManyGlobalAdminsAssignedToTenantAlertIncident","id":"60caa50f",
              "assigneeId":"60caa50f","assigneeDisplayName":"MOD Administrator","assigneeUserPrincipalName":"admin@M365x.onmicrosoft.com"},
              {"@odata.type":"#microsoft.graph.staleSignInAlertIncident","assigneeDisplayName":"Lee","roleDisplayName":"Global Administrator","lastSignInDateTime":"2026-01-02T00:00:00Z"}]});
        let a = alert(&v).expect("reads");
        assert_eq!(a.name, "TooManyGlobalAdminsAssignedToTenantAlert");
        assert!(a.active);
        assert_eq!(a.severity, "low");
        assert_eq!(
            a.incidents[0].assignee.as_deref(),
            Some("MOD Administrator (admin@M365x.onmicrosoft.com)")
        );
        assert_eq!(
            a.incidents[1].detail.as_deref(),
            Some("last sign-in 2026-01-02")
        );
    }

    #[test]
    fn review_scopes_name_their_roles_in_each_documented_form() {
        let id = "62e90394-69f5-4237-9190-012177145e10";
        for q in [
            format!("/roleManagement/directory/roleDefinitions/{id}"),
            format!("/roleManagement/directory/roleEligibilityScheduleInstances?$expand=principal&$filter=(isof(principal,'microsoft.graph.user') and roleDefinitionId eq '{id}')"),
            format!("/roleManagement/directory/roleAssignmentScheduleInstances?$expand=principal&$filter=(assignmentType eq 'Assigned' and roleDefinitionId eq '{id}')"),
        ] {
            assert_eq!(role_ids_in(&q), vec![id.to_string()], "{q}");
        }
        let series = review_series(&json!({"displayName": "GA review", "status": "InProgress",
            "scope": {"@odata.type": "#microsoft.graph.principalResourceMembershipsScope",
                      "resourceScopes": [{"query": format!("/roleManagement/directory/roleDefinitions/{id}")}]}}))
        .expect("reads");
        assert_eq!(series.role_ids, vec![id.to_string()]);
        assert!(role_ids_in("/groups/abc/transitiveMembers").is_empty());
    }

    #[test]
    fn an_arm_instance_reads_its_role_guid_and_principal() {
        let v = json!({"properties": {"principalId": "p1", "principalType": "User", "scope": "/subscriptions/s1",
            "roleDefinitionId": "/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
            "endDateTime": null, "assignmentType": "Assigned",
            "expandedProperties": {"principal": {"displayName": "Ada", "email": "ada@contoso.com", "type": "User"},
              "roleDefinition": {"displayName": "Owner"}, "scope": {"id": "/subscriptions/s1", "displayName": "Prod"}}}});
        let g = arm_grant(&v, false).expect("reads");
        assert_eq!(
            g.template_id.as_deref(),
            Some("8e3af657-a8ff-443c-a75c-2fe8c4bcb635")
        );
        assert_eq!(g.what(), "Owner on Prod");
        assert!(g.permanent());
        assert_eq!(g.principal_kind, PrincipalKind::User);
    }
}
