//! Graph's JSON shapes of the simulated objects (role definitions, groups, users, schedule
//! instances and requests), `$expand` of their navigation properties, and expanded listings.

use serde_json::{json, Value};

use super::common::{collection, Ctx};
use crate::http::{parse_expand, select, Req, Resp};
use crate::state::{Active, Eligibility, Request, Target, Tenant};
use crate::time::{fmt_duration, fmt_time};

pub(super) fn role_definition(t: &Tenant, id: &str) -> Option<Value> {
    let r = t
        .scenario
        .role_definitions
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(id))?;
    Some(json!({
        "id": r.id, "description": r.description, "displayName": r.display_name, "isBuiltIn": true, "isEnabled": true,
        "resourceScopes": ["/"], "templateId": r.id, "version": "1",
        "rolePermissions": [{"allowedResourceActions": [format!("microsoft.directory/{}/allProperties/allTasks", r.display_name.to_ascii_lowercase().replace(' ', ""))], "condition": null}],
    }))
}

pub(super) fn group_object(t: &Tenant, id: &str) -> Option<Value> {
    let g = t
        .scenario
        .groups
        .iter()
        .find(|g| g.id.eq_ignore_ascii_case(id))?;
    Some(
        json!({"@odata.type": "#microsoft.graph.group", "id": g.id, "displayName": g.display_name, "description": g.description,
        "mailEnabled": false, "securityEnabled": true, "groupTypes": [], "isAssignableToRole": g.is_assignable_to_role.unwrap_or(true)}),
    )
}

/// A principal: a user, or a (role-assignable) group, with its `@odata.type`.
fn user_object(t: &Tenant, id: &str) -> Value {
    match t.user(id) {
        Some(u) => {
            json!({"@odata.type": "#microsoft.graph.user", "id": u.id, "displayName": u.display_name, "userPrincipalName": u.user_principal_name})
        }
        None => group_object(t, id).unwrap_or(Value::Null),
    }
}

fn directory_scope(t: &Tenant, scope: &str) -> Value {
    match scope.strip_prefix("/administrativeUnits/") {
        Some(au) => match t
            .scenario
            .administrative_units
            .iter()
            .find(|a| a.id.eq_ignore_ascii_case(au))
        {
            Some(a) => {
                json!({"@odata.type": "#microsoft.graph.administrativeUnit", "id": a.id, "displayName": a.display_name})
            }
            None => Value::Null,
        },
        None => Value::Null,
    }
}

/// Applies `$expand` to a rendered item; unknown navigation properties are a 400.
pub(super) fn expand(
    t: &Tenant,
    req: &Req,
    item: &mut Value,
    allowed: &[&str],
    type_name: &str,
) -> Result<(), Resp> {
    for e in parse_expand(req.q("$expand")) {
        let name = e.name.to_ascii_lowercase();
        if !allowed.contains(&name.as_str()) {
            return Err(Resp::graph_error(
                400,
                "BadRequest",
                &format!(
                    "Could not find a property named '{}' on type 'microsoft.graph.{type_name}'.",
                    e.name
                ),
            ));
        }
        let value = match name.as_str() {
            "roledefinition" => item["roleDefinitionId"]
                .as_str()
                .and_then(|id| role_definition(t, id))
                .unwrap_or(Value::Null),
            "principal" => item["principalId"]
                .as_str()
                .map(|id| user_object(t, id))
                .unwrap_or(Value::Null),
            "directoryscope" => item["directoryScopeId"]
                .as_str()
                .map(|s| directory_scope(t, s))
                .unwrap_or(Value::Null),
            "appscope" => Value::Null,
            "group" => item["groupId"]
                .as_str()
                .and_then(|id| group_object(t, id))
                .unwrap_or(Value::Null),
            _ => Value::Null,
        };
        let key = match name.as_str() {
            "roledefinition" => "roleDefinition",
            "directoryscope" => "directoryScope",
            "appscope" => "appScope",
            other => other,
        };
        item[key] = select(value, e.select.as_deref());
    }
    Ok(())
}

fn opt_time(t: Option<crate::time::Time>) -> Value {
    t.map(|t| json!(fmt_time(t))).unwrap_or(Value::Null)
}

pub(super) fn entra_eligible(e: &Eligibility) -> Value {
    let Target::Entra { role, dir_scope } = &e.target else {
        return Value::Null;
    };
    json!({"@odata.type": "#microsoft.graph.unifiedRoleEligibilityScheduleInstance", "id": e.id, "principalId": e.principal,
        "roleDefinitionId": role, "directoryScopeId": dir_scope, "appScopeId": null, "startDateTime": fmt_time(e.start),
        "endDateTime": opt_time(e.end), "memberType": "Direct", "roleEligibilityScheduleId": e.schedule_id})
}

pub(super) fn entra_active(a: &Active) -> Value {
    let Target::Entra { role, dir_scope } = &a.target else {
        return Value::Null;
    };
    json!({"@odata.type": "#microsoft.graph.unifiedRoleAssignmentScheduleInstance", "id": a.id, "principalId": a.principal,
        "roleDefinitionId": role, "directoryScopeId": dir_scope, "appScopeId": null, "startDateTime": opt_time(a.start),
        "endDateTime": opt_time(a.end), "assignmentType": if a.activated { "Activated" } else { "Assigned" }, "memberType": "Direct",
        "roleAssignmentOriginId": a.id, "roleAssignmentScheduleId": a.schedule_id})
}

fn schedule_info(r: &Request) -> Value {
    let exp_type = match r.expiration_type.to_ascii_lowercase().as_str() {
        "afterdatetime" => "afterDateTime",
        "noexpiration" => "noExpiration",
        "notspecified" => "notSpecified",
        _ => "afterDuration",
    };
    let (duration, end) = match exp_type {
        "afterDuration" => (
            r.duration
                .map(|d| json!(fmt_duration(d)))
                .unwrap_or(Value::Null),
            Value::Null,
        ),
        "afterDateTime" => (Value::Null, opt_time(r.end)),
        _ => (Value::Null, Value::Null),
    };
    json!({"startDateTime": fmt_time(r.start), "recurrence": null, "expiration": {"type": exp_type, "endDateTime": end, "duration": duration}})
}

pub(super) fn entra_request(r: &Request) -> Value {
    let Target::Entra { role, dir_scope } = &r.target else {
        return Value::Null;
    };
    json!({"id": r.id, "status": r.status, "createdDateTime": fmt_time(r.created), "completedDateTime": opt_time(r.completed),
        "approvalId": r.approval_id, "customData": null, "action": r.action.graph(), "principalId": r.principal,
        "roleDefinitionId": role, "directoryScopeId": dir_scope, "appScopeId": null, "isValidationOnly": false,
        "targetScheduleId": r.target_schedule_id, "justification": r.justification,
        "createdBy": {"application": null, "device": null, "user": {"displayName": null, "id": r.principal}},
        "scheduleInfo": schedule_info(r), "ticketInfo": {"ticketNumber": r.ticket_number, "ticketSystem": r.ticket_system}})
}

pub(super) fn group_eligible(e: &Eligibility) -> Value {
    let Target::Group { group, access } = &e.target else {
        return Value::Null;
    };
    json!({"@odata.type": "#microsoft.graph.privilegedAccessGroupEligibilityScheduleInstance", "id": e.id,
        "startDateTime": fmt_time(e.start), "endDateTime": opt_time(e.end), "memberType": "direct", "principalId": e.principal,
        "accessId": access, "groupId": group, "eligibilityScheduleId": e.schedule_id})
}

pub(super) fn group_active(a: &Active) -> Value {
    let Target::Group { group, access } = &a.target else {
        return Value::Null;
    };
    json!({"@odata.type": "#microsoft.graph.privilegedAccessGroupAssignmentScheduleInstance", "id": a.id,
        "startDateTime": opt_time(a.start), "endDateTime": opt_time(a.end), "accessId": access, "principalId": a.principal,
        "assignmentType": if a.activated { "activated" } else { "assigned" }, "memberType": "direct", "groupId": group,
        "assignmentScheduleId": a.schedule_id})
}

pub(super) fn group_request(r: &Request) -> Value {
    let Target::Group { group, access } = &r.target else {
        return Value::Null;
    };
    json!({"id": r.id, "status": r.status, "completedDateTime": opt_time(r.completed), "createdDateTime": fmt_time(r.created),
        "approvalId": r.approval_id, "customData": null, "createdBy": {"user": {"id": r.principal}}, "action": r.action.graph(),
        "isValidationOnly": false, "justification": r.justification, "scheduleInfo": schedule_info(r),
        "ticketInfo": {"ticketNumber": r.ticket_number, "ticketSystem": r.ticket_system}, "accessId": access,
        "principalId": r.principal, "groupId": group, "targetScheduleId": format!("{group}_{access}_{}", r.target_schedule_id)})
}

/// A collection of rendered items with `$expand` applied to each, then paged.
pub(super) fn listing(
    ctx: &Ctx,
    items: Vec<Value>,
    allowed: &[&str],
    type_name: &str,
) -> Result<Resp, Resp> {
    let mut out = Vec::with_capacity(items.len());
    for mut v in items {
        expand(ctx.tenant, ctx.req, &mut v, allowed, type_name)?;
        out.push(v);
    }
    Ok(collection(ctx, &format!("Collection({type_name})"), out))
}
