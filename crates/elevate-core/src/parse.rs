//! Graph and ARM list items → the model. The typed wire shapes (`wire`) are read straight
//! from the bytes on a refresh; the `Value` entry points below are the same code for callers
//! that hold a parsed body. Enums are parsed case-insensitively (the docs show both `Direct`
//! and `direct`); null end dates mean permanent.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::model::{Access, Assignment, AssignmentType, Plane, Scope, Status};
use crate::wire::{ArmItem, ArmProperties, GraphItem, Named, Obj, ScheduleInfo, Text};

pub fn time(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str().and_then(rfc3339)
}

fn rfc3339(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn when(t: &Text) -> Option<DateTime<Utc>> {
    t.get().and_then(rfc3339)
}

fn member_type(t: &Text) -> Option<String> {
    // Normalised to the documented capitalised form.
    t.get().map(|m| match m.to_ascii_lowercase().as_str() {
        "direct" => "Direct".to_string(),
        "group" => "Group".to_string(),
        "inherited" => "Inherited".to_string(),
        other => other.to_string(),
    })
}

fn display_name(o: &Obj<Named>) -> Option<&str> {
    o.get().and_then(|n| n.display_name.get())
}

fn entra_scope(dir_scope: &str, expanded: &Obj<Named>) -> Scope {
    if dir_scope == "/" {
        return Scope {
            id: "/".into(),
            display_name: "Directory".into(),
            kind: "directory".into(),
        };
    }
    let name = display_name(expanded)
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

fn status(active: bool) -> Status {
    if active {
        Status::Active
    } else {
        Status::Eligible
    }
}

fn assignment_type(active: bool, t: &Text) -> Option<AssignmentType> {
    active.then(|| {
        if t.is("Activated") {
            AssignmentType::Activated
        } else {
            AssignmentType::Permanent
        }
    })
}

/// An Entra eligibility or assignment instance (with `$expand=roleDefinition`).
pub fn entra(item: &Value, active: bool) -> Option<Assignment> {
    entra_item(&GraphItem::deserialize(item).ok()?, active)
}

/// `entra` on the typed item.
pub fn entra_item(item: &GraphItem, active: bool) -> Option<Assignment> {
    let role = item.role_definition_id.owned()?;
    let dir_scope = item
        .directory_scope_id
        .owned()
        .unwrap_or_else(|| "/".into());
    let name = display_name(&item.role_definition)
        .map(str::to_string)
        .unwrap_or_else(|| role.clone());
    Some(Assignment {
        key: Assignment::key_for(Plane::EntraRole, &role, None, &dir_scope),
        plane: Plane::EntraRole,
        name,
        id: role,
        access: None,
        scope: entra_scope(&dir_scope, &item.directory_scope),
        status: status(active),
        assignment_type: assignment_type(active, &item.assignment_type),
        member_type: member_type(&item.member_type),
        start_date_time: when(&item.start_date_time),
        end_date_time: when(&item.end_date_time),
        eligibility_schedule_id: item.role_eligibility_schedule_id.owned(),
        request_id: None,
        policy: None,
    })
}

/// A PIM for Groups eligibility or assignment instance (with `$expand=group`).
pub fn group(item: &Value, active: bool) -> Option<Assignment> {
    group_item(&GraphItem::deserialize(item).ok()?, active)
}

/// `group` on the typed item.
pub fn group_item(item: &GraphItem, active: bool) -> Option<Assignment> {
    let group = item.group_id.owned()?;
    let access = Access::parse(item.access_id.get().unwrap_or("member"))?;
    let name = display_name(&item.group)
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
        status: status(active),
        assignment_type: assignment_type(active, &item.assignment_type),
        member_type: member_type(&item.member_type),
        start_date_time: when(&item.start_date_time),
        end_date_time: when(&item.end_date_time),
        eligibility_schedule_id: item.eligibility_schedule_id.owned(),
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
    azure_item(&ArmItem::deserialize(item).ok()?, active)
}

/// `azure` on the typed item.
pub fn azure_item(item: &ArmItem, active: bool) -> Option<Assignment> {
    let p: &ArmProperties = item.properties.get()?;
    let scope_id = p.scope.owned()?;
    let role = role_guid(p.role_definition_id.get()?);
    let exp = p.expanded_properties.get();
    let name = exp
        .and_then(|e| display_name(&e.role_definition))
        .map(str::to_string)
        .unwrap_or_else(|| role.clone());
    let exp_scope = exp.and_then(|e| e.scope.get());
    let scope_name = exp_scope
        .and_then(|s| s.display_name.get())
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| scope_id.rsplit('/').next().unwrap_or(&scope_id).to_string());
    let kind = exp_scope
        .and_then(|s| s.kind.get())
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
        status: status(active),
        assignment_type: assignment_type(active, &p.assignment_type),
        member_type: member_type(&p.member_type),
        start_date_time: when(&p.start_date_time),
        end_date_time: when(&p.end_date_time),
        eligibility_schedule_id: p
            .role_eligibility_schedule_id
            .owned()
            .or_else(|| p.linked_role_eligibility_schedule_id.owned()),
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

fn is_pending(t: &Text) -> bool {
    t.is("PendingApproval") || t.is("PendingAdminDecision")
}

fn schedule_start(s: &Obj<ScheduleInfo>) -> Option<DateTime<Utc>> {
    s.get().and_then(|s| when(&s.start_date_time))
}

fn graph_base(item: &GraphItem, plane: Plane) -> Option<Assignment> {
    match plane {
        Plane::EntraRole => entra_item(item, false),
        Plane::Group => group_item(item, false),
        Plane::AzureResource => None,
    }
}

fn rename(a: &mut Assignment, names: &dyn Fn(&str) -> Option<String>) {
    if let Some(n) = names(&a.id) {
        a.name = n.clone();
        if a.plane == Plane::Group {
            a.scope.display_name = n;
        }
    }
}

/// A pending Graph request (Entra or group), as an assignment waiting for approval.
pub fn pending_graph(
    item: &Value,
    plane: Plane,
    names: &dyn Fn(&str) -> Option<String>,
) -> Option<Assignment> {
    pending_graph_item(&GraphItem::deserialize(item).ok()?, plane, names)
}

/// `pending_graph` on the typed item.
pub fn pending_graph_item(
    item: &GraphItem,
    plane: Plane,
    names: &dyn Fn(&str) -> Option<String>,
) -> Option<Assignment> {
    if !is_pending(&item.status) {
        return None;
    }
    let mut a = graph_base(item, plane)?;
    rename(&mut a, names);
    a.status = Status::PendingApproval;
    a.request_id = item.id.owned();
    a.start_date_time = schedule_start(&item.schedule_info);
    a.end_date_time = None;
    Some(a)
}

/// A pending ARM request.
pub fn pending_azure(item: &Value) -> Option<Assignment> {
    pending_azure_item(&ArmItem::deserialize(item).ok()?)
}

/// `pending_azure` on the typed item.
pub fn pending_azure_item(item: &ArmItem) -> Option<Assignment> {
    let p = item.properties.get()?;
    if !is_pending(&p.status) {
        return None;
    }
    let mut a = azure_item(item, false)?;
    a.status = Status::PendingApproval;
    a.request_id = item.name.owned();
    a.start_date_time = schedule_start(&p.schedule_info);
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
    now: DateTime<Utc>,
) -> Option<Assignment> {
    scheduled_graph_item(&GraphItem::deserialize(item).ok()?, plane, names, now)
}

/// `scheduled_graph` on the typed item.
pub fn scheduled_graph_item(
    item: &GraphItem,
    plane: Plane,
    names: &dyn Fn(&str) -> Option<String>,
    now: DateTime<Utc>,
) -> Option<Assignment> {
    if !item.action.is("selfActivate") || !may_be_scheduled(item.status.get()?) {
        return None;
    }
    let start = schedule_start(&item.schedule_info).filter(|s| *s > now)?;
    let mut a = graph_base(item, plane)?;
    rename(&mut a, names);
    a.status = Status::Scheduled;
    a.request_id = item.id.owned();
    a.start_date_time = Some(start);
    a.end_date_time = scheduled_end(start, &item.schedule_info);
    Some(a)
}

/// An ARM self-activation granted for a start after `now`.
pub fn scheduled_azure(item: &Value, now: DateTime<Utc>) -> Option<Assignment> {
    scheduled_azure_item(&ArmItem::deserialize(item).ok()?, now)
}

/// `scheduled_azure` on the typed item.
pub fn scheduled_azure_item(item: &ArmItem, now: DateTime<Utc>) -> Option<Assignment> {
    let p = item.properties.get()?;
    if !p.request_type.is("SelfActivate") || !may_be_scheduled(p.status.get()?) {
        return None;
    }
    let start = schedule_start(&p.schedule_info).filter(|s| *s > now)?;
    let mut a = azure_item(item, false)?;
    a.status = Status::Scheduled;
    a.request_id = item.name.owned();
    a.start_date_time = Some(start);
    a.end_date_time = scheduled_end(start, &p.schedule_info);
    Some(a)
}

/// The end a scheduled request asks for: its `endDateTime`, else start + duration.
fn scheduled_end(start: DateTime<Utc>, info: &Obj<ScheduleInfo>) -> Option<DateTime<Utc>> {
    let exp = info.get()?.expiration.get()?;
    when(&exp.end_date_time).or_else(|| {
        exp.duration
            .get()
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
