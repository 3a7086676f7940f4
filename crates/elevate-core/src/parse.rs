//! Graph and ARM bodies → the model. Enums are parsed case-insensitively (the docs show
//! both `Direct` and `direct`); null end dates mean permanent.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::model::{Access, Assignment, AssignmentType, Plane, Scope, Status};

pub fn time(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn s(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn eq(v: &Value, want: &str) -> bool {
    v.as_str().is_some_and(|x| x.eq_ignore_ascii_case(want))
}

fn member_type(v: &Value) -> Option<String> {
    // Normalised to the documented capitalised form.
    v.as_str().map(|m| match m.to_ascii_lowercase().as_str() {
        "direct" => "Direct".to_string(),
        "group" => "Group".to_string(),
        "inherited" => "Inherited".to_string(),
        other => other.to_string(),
    })
}

fn entra_scope(dir_scope: &str, expanded: &Value) -> Scope {
    if dir_scope == "/" {
        return Scope {
            id: "/".into(),
            display_name: "Directory".into(),
            kind: "directory".into(),
        };
    }
    let name = expanded["displayName"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| dir_scope.to_string());
    let kind = if dir_scope
        .to_ascii_lowercase()
        .starts_with("/administrativeunits/")
    {
        "administrativeUnit"
    } else {
        "directory"
    };
    Scope {
        id: dir_scope.to_string(),
        display_name: name,
        kind: kind.into(),
    }
}

/// An Entra eligibility or assignment instance (with `$expand=roleDefinition`).
pub fn entra(item: &Value, active: bool) -> Option<Assignment> {
    let role = s(&item["roleDefinitionId"])?;
    let dir_scope = s(&item["directoryScopeId"]).unwrap_or_else(|| "/".into());
    let name = item["roleDefinition"]["displayName"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| role.clone());
    let assignment_type = active.then(|| {
        if eq(&item["assignmentType"], "Activated") {
            AssignmentType::Activated
        } else {
            AssignmentType::Permanent
        }
    });
    Some(Assignment {
        key: Assignment::key_for(Plane::EntraRole, &role, None, &dir_scope),
        plane: Plane::EntraRole,
        name,
        id: role,
        access: None,
        scope: entra_scope(&dir_scope, &item["directoryScope"]),
        status: if active {
            Status::Active
        } else {
            Status::Eligible
        },
        assignment_type,
        member_type: member_type(&item["memberType"]),
        start_date_time: time(&item["startDateTime"]),
        end_date_time: time(&item["endDateTime"]),
        eligibility_schedule_id: s(&item["roleEligibilityScheduleId"]),
        request_id: None,
        policy: None,
    })
}

/// A PIM for Groups eligibility or assignment instance (with `$expand=group`).
pub fn group(item: &Value, active: bool) -> Option<Assignment> {
    let group = s(&item["groupId"])?;
    let access = Access::parse(item["accessId"].as_str().unwrap_or("member"))?;
    let name = item["group"]["displayName"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| group.clone());
    Some(Assignment {
        key: Assignment::key_for(Plane::Group, &group, Some(access), &group),
        plane: Plane::Group,
        name: name.clone(),
        id: group.clone(),
        access: Some(access),
        scope: Scope {
            id: group,
            display_name: name,
            kind: "group".into(),
        },
        status: if active {
            Status::Active
        } else {
            Status::Eligible
        },
        assignment_type: active.then(|| {
            if eq(&item["assignmentType"], "activated") {
                AssignmentType::Activated
            } else {
                AssignmentType::Permanent
            }
        }),
        member_type: member_type(&item["memberType"]),
        start_date_time: time(&item["startDateTime"]),
        end_date_time: time(&item["endDateTime"]),
        eligibility_schedule_id: s(&item["eligibilityScheduleId"]),
        request_id: None,
        policy: None,
    })
}

/// The GUID at the end of an ARM role definition id.
pub fn role_guid(role_definition_id: &str) -> String {
    role_definition_id
        .rsplit('/')
        .next()
        .unwrap_or(role_definition_id)
        .to_ascii_lowercase()
}

/// An ARM eligibility or assignment schedule instance (with `expandedProperties`).
pub fn azure(item: &Value, active: bool) -> Option<Assignment> {
    let p = &item["properties"];
    let scope_id = s(&p["scope"])?;
    let role_full = s(&p["roleDefinitionId"])?;
    let role = role_guid(&role_full);
    let exp = &p["expandedProperties"];
    let name = exp["roleDefinition"]["displayName"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| role.clone());
    let scope_name = exp["scope"]["displayName"]
        .as_str()
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| scope_id.rsplit('/').next().unwrap_or(&scope_id).to_string());
    let kind = exp["scope"]["type"]
        .as_str()
        .map(str::to_ascii_lowercase)
        .unwrap_or_else(|| scope_kind(&scope_id).into());
    Some(Assignment {
        key: Assignment::key_for(Plane::AzureResource, &role, None, &scope_id),
        plane: Plane::AzureResource,
        name,
        id: role,
        access: None,
        scope: Scope {
            id: scope_id,
            display_name: scope_name,
            kind,
        },
        status: if active {
            Status::Active
        } else {
            Status::Eligible
        },
        assignment_type: active.then(|| {
            if eq(&p["assignmentType"], "Activated") {
                AssignmentType::Activated
            } else {
                AssignmentType::Permanent
            }
        }),
        member_type: member_type(&p["memberType"]),
        start_date_time: time(&p["startDateTime"]),
        end_date_time: time(&p["endDateTime"]),
        eligibility_schedule_id: s(&p["roleEligibilityScheduleId"])
            .or_else(|| s(&p["linkedRoleEligibilityScheduleId"])),
        request_id: None,
        policy: None,
    })
}

/// The kind of an ARM scope from its shape.
pub fn scope_kind(scope: &str) -> &'static str {
    let l = scope.to_ascii_lowercase();
    let parts: Vec<&str> = l.trim_matches('/').split('/').collect();
    if l.contains("/managementgroups/") {
        "managementgroup"
    } else if parts.len() == 2 && parts[0] == "subscriptions" {
        "subscription"
    } else if parts.len() == 4 && parts[2] == "resourcegroups" {
        "resourcegroup"
    } else if parts.len() > 4 {
        "resource"
    } else {
        "unknown"
    }
}

/// A pending Graph request (Entra or group), as an assignment waiting for approval.
pub fn pending_graph(
    item: &Value,
    plane: Plane,
    names: &dyn Fn(&str) -> Option<String>,
) -> Option<Assignment> {
    if !matches!(
        item["status"]
            .as_str()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("pendingapproval" | "pendingadmindecision")
    ) {
        return None;
    }
    let mut a = match plane {
        Plane::EntraRole => entra(item, false)?,
        Plane::Group => group(item, false)?,
        Plane::AzureResource => return None,
    };
    if let Some(n) = names(&a.id) {
        a.name = n.clone();
        if plane == Plane::Group {
            a.scope.display_name = n;
        }
    }
    a.status = Status::PendingApproval;
    a.request_id = s(&item["id"]);
    a.start_date_time = time(&item["scheduleInfo"]["startDateTime"]);
    a.end_date_time = None;
    Some(a)
}

/// A pending ARM request.
pub fn pending_azure(item: &Value) -> Option<Assignment> {
    let status = item["properties"]["status"].as_str()?.to_ascii_lowercase();
    if !matches!(status.as_str(), "pendingapproval" | "pendingadmindecision") {
        return None;
    }
    let mut a = azure(item, false)?;
    a.status = Status::PendingApproval;
    a.request_id = s(&item["name"]);
    a.start_date_time = time(&item["properties"]["scheduleInfo"]["startDateTime"]);
    a.end_date_time = None;
    Some(a)
}

/// Whether a request status is one a granted activation with a later start can carry (the
/// contract lists `Granted`; `Accepted`, `ScheduleCreated` and the pending-schedule states
/// are tolerated, and `Provisioned` too: a service may provision the schedule at once).
fn may_be_scheduled(status: &str) -> bool {
    matches!(
        status.to_ascii_lowercase().as_str(),
        "granted"
            | "accepted"
            | "adminapproved"
            | "schedulecreated"
            | "pendingschedulecreation"
            | "pendingprovisioning"
            | "provisioned"
    )
}

/// A Graph self-activation granted for a start after `now`, as a scheduled assignment.
pub fn scheduled_graph(
    item: &Value,
    plane: Plane,
    names: &dyn Fn(&str) -> Option<String>,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Assignment> {
    if !item["action"]
        .as_str()
        .is_some_and(|a| a.eq_ignore_ascii_case("selfActivate"))
        || !may_be_scheduled(item["status"].as_str()?)
    {
        return None;
    }
    let start = time(&item["scheduleInfo"]["startDateTime"]).filter(|s| *s > now)?;
    let mut a = match plane {
        Plane::EntraRole => entra(item, false)?,
        Plane::Group => group(item, false)?,
        Plane::AzureResource => return None,
    };
    if let Some(n) = names(&a.id) {
        a.name = n.clone();
        if plane == Plane::Group {
            a.scope.display_name = n;
        }
    }
    a.status = Status::Scheduled;
    a.request_id = s(&item["id"]);
    a.start_date_time = Some(start);
    a.end_date_time = scheduled_end(start, &item["scheduleInfo"]["expiration"]);
    Some(a)
}

/// An ARM self-activation granted for a start after `now`.
pub fn scheduled_azure(item: &Value, now: chrono::DateTime<chrono::Utc>) -> Option<Assignment> {
    let p = &item["properties"];
    if !p["requestType"]
        .as_str()
        .is_some_and(|a| a.eq_ignore_ascii_case("SelfActivate"))
        || !may_be_scheduled(p["status"].as_str()?)
    {
        return None;
    }
    let start = time(&p["scheduleInfo"]["startDateTime"]).filter(|s| *s > now)?;
    let mut a = azure(item, false)?;
    a.status = Status::Scheduled;
    a.request_id = s(&item["name"]);
    a.start_date_time = Some(start);
    a.end_date_time = scheduled_end(start, &p["scheduleInfo"]["expiration"]);
    Some(a)
}

/// The end a scheduled request asks for: its `endDateTime`, else start + duration.
fn scheduled_end(
    start: chrono::DateTime<chrono::Utc>,
    exp: &Value,
) -> Option<chrono::DateTime<chrono::Utc>> {
    time(&exp["endDateTime"]).or_else(|| {
        exp["duration"]
            .as_str()
            .and_then(|d| crate::policy::parse_duration(d).ok())
            .map(|d| start + d)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documented_entra_examples_parse() {
        let eligible = json!({"@odata.type":"#microsoft.graph.unifiedRoleEligibilityScheduleInstance","id":"8MYk","principalId":"071c","roleDefinitionId":"8424c6f0-a189-499e-bbd0-26c1753c96d4","directoryScopeId":"/","appScopeId":null,"startDateTime":"2022-04-12T14:44:50.287Z","endDateTime":"2024-04-10T00:00:00Z","memberType":"Direct","roleEligibilityScheduleId":"77f71919-62f3-4d0c-9f88-0a0391b665cd"});
        let a = entra(&eligible, false).expect("parses");
        assert_eq!(a.status, Status::Eligible);
        assert_eq!(
            a.name, "8424c6f0-a189-499e-bbd0-26c1753c96d4",
            "the id when no name was expanded"
        );
        assert_eq!(
            a.end_date_time.map(|t| t.to_rfc3339()),
            Some("2024-04-10T00:00:00+00:00".into())
        );
        let permanent = json!({"id":"lAPp","principalId":"3fbd","roleDefinitionId":"62e90394-69f5-4237-9190-012177145e10","directoryScopeId":"/","appScopeId":null,"startDateTime":null,"endDateTime":null,"assignmentType":"Assigned","memberType":"Direct"});
        let p = entra(&permanent, true).expect("parses");
        assert_eq!(
            (p.assignment_type, p.end_date_time),
            (Some(AssignmentType::Permanent), None)
        );
    }

    #[test]
    fn enums_parse_in_any_case() {
        let g = json!({"groupId":"g1","accessId":"OWNER","assignmentType":"Activated","memberType":"direct","group":{"displayName":"SOC"}});
        let a = group(&g, true).expect("parses");
        assert_eq!(
            (a.access, a.assignment_type, a.member_type.as_deref()),
            (
                Some(Access::Owner),
                Some(AssignmentType::Activated),
                Some("Direct")
            )
        );
        assert_eq!(a.label(), "SOC (owner)");
        let e = json!({"roleDefinitionId":"r","directoryScopeId":"/","assignmentType":"activated","memberType":"GROUP"});
        let a = entra(&e, true).expect("parses");
        assert_eq!(
            (a.assignment_type, a.member_type.as_deref()),
            (Some(AssignmentType::Activated), Some("Group"))
        );
    }

    #[test]
    fn documented_arm_example_parses() {
        let item = json!({"properties":{"scope":"/subscriptions/dfa2a084-766f-4003-8ae1-c4aeb893a99f","roleDefinitionId":"/subscriptions/dfa2a084-766f-4003-8ae1-c4aeb893a99f/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c","principalId":"a3bb","principalType":"User","status":"Provisioned","roleEligibilityScheduleId":"/subscriptions/x/providers/Microsoft.Authorization/RoleEligibilitySchedules/b147","startDateTime":"2020-09-10T00:32:36.86Z","endDateTime":"2021-09-10T00:31:41.477Z","memberType":"Direct","expandedProperties":{"scope":{"id":"/subscriptions/dfa2a084-766f-4003-8ae1-c4aeb893a99f","displayName":"Pay-As-You-Go","type":"subscription"},"roleDefinition":{"id":"/subscriptions/dfa2a084-766f-4003-8ae1-c4aeb893a99f/providers/Microsoft.Authorization/roleDefinitions/c8d4ff99-41c3-41a8-9f60-21dfdad59608","displayName":"Contributor","type":"BuiltInRole"}}},"name":"21e4","type":"Microsoft.Authorization/RoleEligibilityScheduleInstances"});
        let a = azure(&item, false).expect("parses");
        assert_eq!(
            (
                a.name.as_str(),
                a.scope.display_name.as_str(),
                a.scope.kind.as_str()
            ),
            ("Contributor", "Pay-As-You-Go", "subscription")
        );
        assert_eq!(a.id, "b24988ac-6180-42a0-ab88-20f7382dd24c");
        assert_eq!(
            scope_kind("/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"),
            "resource"
        );
        assert_eq!(
            scope_kind("/providers/Microsoft.Management/managementGroups/mg"),
            "managementgroup"
        );
    }
}
