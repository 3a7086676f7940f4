//! ARM's JSON shapes of the simulated objects: eligible and active schedule instances and
//! schedule requests, with their expanded scope, role definition and principal.

use serde_json::{json, Value};

use crate::state::{Active, Eligibility, Request, Target, Tenant};
use crate::time::{fmt_duration, fmt_time, Time};

pub(super) fn scope_info(t: &Tenant, scope: &str) -> Value {
    let s = t.azure_scope(scope);
    json!({"id": scope, "displayName": s.map(|s| s.display_name.clone()).unwrap_or_default(), "type": s.map(|s| s.kind.clone()).unwrap_or_default()})
}

pub(super) fn role_def_id(scope: &str, role: &str) -> String {
    format!("{scope}/providers/Microsoft.Authorization/roleDefinitions/{role}")
}

pub(super) fn role_info(t: &Tenant, scope: &str, role: &str) -> Value {
    let name = t
        .azure_role(role)
        .map(|r| r.display_name.clone())
        .unwrap_or_default();
    json!({"id": role_def_id(scope, role), "displayName": name, "type": "BuiltInRole"})
}

pub(super) fn principal_info(t: &Tenant, id: &str) -> Value {
    let u = t.user(id);
    json!({"id": id, "displayName": u.map(|u| u.display_name.clone()), "email": u.map(|u| u.user_principal_name.clone()), "type": "User"})
}

fn opt_time(t: Option<Time>) -> Value {
    t.map(|t| json!(fmt_time(t))).unwrap_or(Value::Null)
}

pub(super) fn eligible(t: &Tenant, e: &Eligibility) -> Value {
    let Target::Azure { scope, role } = &e.target else {
        return Value::Null;
    };
    json!({"properties": {
        "roleEligibilityScheduleId": format!("{scope}/providers/Microsoft.Authorization/roleEligibilitySchedules/{}", e.schedule_id),
        "scope": scope, "roleDefinitionId": role_def_id(scope, role), "principalId": e.principal, "principalType": "User", "status": "Provisioned",
        "startDateTime": fmt_time(e.start), "endDateTime": opt_time(e.end), "memberType": "Direct", "createdOn": fmt_time(e.start),
        "condition": null, "conditionVersion": null,
        "expandedProperties": {"scope": scope_info(t, scope), "roleDefinition": role_info(t, scope, role), "principal": principal_info(t, &e.principal)}},
        "name": e.id, "id": format!("{scope}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances/{}", e.id),
        "type": "Microsoft.Authorization/roleEligibilityScheduleInstances"})
}

pub(super) fn active(t: &Tenant, a: &Active) -> Value {
    let Target::Azure { scope, role } = &a.target else {
        return Value::Null;
    };
    let elig_schedule = a
        .eligibility_schedule
        .as_ref()
        .map(|s| format!("{scope}/providers/Microsoft.Authorization/roleEligibilitySchedules/{s}"));
    let elig_instance = a.eligibility.as_ref().map(|s| {
        format!("{scope}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances/{s}")
    });
    json!({"properties": {
        "roleAssignmentScheduleId": format!("{scope}/providers/Microsoft.Authorization/roleAssignmentSchedules/{}", a.schedule_id),
        "originRoleAssignmentId": format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{}", a.id),
        "scope": scope, "roleDefinitionId": role_def_id(scope, role), "principalId": a.principal, "principalType": "User",
        "status": "Provisioned", "startDateTime": opt_time(a.start), "endDateTime": opt_time(a.end),
        "linkedRoleEligibilityScheduleId": elig_schedule, "linkedRoleEligibilityScheduleInstanceId": elig_instance,
        "assignmentType": if a.activated { "Activated" } else { "Assigned" }, "memberType": "Direct", "createdOn": opt_time(a.start),
        "condition": null, "conditionVersion": null,
        "expandedProperties": {"scope": scope_info(t, scope), "roleDefinition": role_info(t, scope, role), "principal": principal_info(t, &a.principal)}},
        "name": a.id, "id": format!("{scope}/providers/Microsoft.Authorization/roleAssignmentScheduleInstances/{}", a.id),
        "type": "Microsoft.Authorization/roleAssignmentScheduleInstances"})
}

pub(super) fn request(t: &Tenant, r: &Request) -> Value {
    let Target::Azure { scope, role } = &r.target else {
        return Value::Null;
    };
    let exp_type = match r.expiration_type.to_ascii_lowercase().as_str() {
        "afterdatetime" => "AfterDateTime",
        "noexpiration" => "NoExpiration",
        _ => "AfterDuration",
    };
    let duration = if exp_type == "AfterDuration" {
        r.duration
            .map(|d| json!(fmt_duration(d)))
            .unwrap_or(Value::Null)
    } else {
        Value::Null
    };
    json!({"properties": {
        "targetRoleAssignmentScheduleId": r.target_schedule_id, "targetRoleAssignmentScheduleInstanceId": null,
        "scope": scope, "roleDefinitionId": role_def_id(scope, role), "principalId": r.principal, "principalType": "User",
        "requestType": r.action.arm(), "status": r.status,
        "approvalId": r.approval_id.as_ref().map(|a| format!("/providers/Microsoft.Authorization/roleAssignmentApprovals/{a}")),
        "scheduleInfo": {"startDateTime": fmt_time(r.start), "expiration": {"type": exp_type, "endDateTime": if exp_type == "AfterDateTime" { opt_time(r.end) } else { Value::Null }, "duration": duration}},
        "ticketInfo": {"ticketNumber": r.ticket_number, "ticketSystem": r.ticket_system}, "justification": r.justification,
        "requestorId": r.principal, "createdOn": fmt_time(r.created), "condition": null, "conditionVersion": null,
        "linkedRoleEligibilityScheduleId": r.linked_eligibility,
        "expandedProperties": {"scope": scope_info(t, scope), "roleDefinition": role_info(t, scope, role), "principal": principal_info(t, &r.principal)}},
        "name": r.id, "id": format!("{scope}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{}", r.id),
        "type": "Microsoft.Authorization/roleAssignmentScheduleRequests"})
}
