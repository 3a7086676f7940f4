//! The administrator's side on ARM: `PUT {scope}/…/roleEligibilityScheduleRequests/{guid}`
//! and the `AdminAssign` / `AdminRemove` request types of `roleAssignmentScheduleRequests`
//! (property names in any case, as a peer sends `ScheduleInfo`; the same PUT again returns
//! the stored request), reading one back by name,
//! their JSON shape, and the administrator's view of every principal's instances at a scope
//! (`$filter=atScope()` or `principalId eq '…'`).

use serde_json::{json, Value};

use super::common::{known_scope, pim_error, Ctx};
use super::render::{principal_info, role_def_id, role_info, scope_info};
use crate::http::Resp;
use crate::state::{field, AdminLevel, AdminRequest, AdminSubmission, Target, Tenant};
use crate::time::{fmt_duration, fmt_time};

const PROVIDER: &str = "/providers/Microsoft.Authorization";

fn names(level: AdminLevel) -> (&'static str, &'static str, &'static str) {
    match level {
        AdminLevel::Eligibility => (
            "roleEligibilityScheduleRequests",
            "roleEligibilitySchedules",
            "targetRoleEligibilitySchedule",
        ),
        AdminLevel::Assignment => (
            "roleAssignmentScheduleRequests",
            "roleAssignmentSchedules",
            "targetRoleAssignmentSchedule",
        ),
    }
}

/// A role eligibility (or assignment) schedule request as ARM returns it [SPEC].
pub(super) fn render(t: &Tenant, r: &AdminRequest) -> Value {
    let Target::Azure { scope, role } = &r.target else {
        return Value::Null;
    };
    let (set, schedules, target_key) = names(r.level);
    let kind = match r.expiration_type.as_str() {
        "afterDuration" => "AfterDuration",
        "afterDateTime" => "AfterDateTime",
        _ => "NoExpiration",
    };
    let duration = match (kind, r.duration) {
        ("AfterDuration", Some(d)) => json!(fmt_duration(d)),
        _ => Value::Null,
    };
    let end = match (kind, r.end) {
        ("AfterDateTime", Some(e)) => json!(fmt_time(e)),
        _ => Value::Null,
    };
    let mut props = json!({
        "scope": scope, "roleDefinitionId": role_def_id(scope, role), "principalId": r.principal, "principalType": "User",
        "requestType": r.action.arm(), "status": r.status, "approvalId": null,
        "scheduleInfo": {"startDateTime": fmt_time(r.start), "expiration": {"type": kind, "endDateTime": end, "duration": duration}},
        "ticketInfo": {"ticketNumber": r.ticket_number, "ticketSystem": r.ticket_system}, "justification": r.justification,
        "requestorId": r.requestor, "createdOn": fmt_time(r.created), "condition": null, "conditionVersion": null,
        "expandedProperties": {"scope": scope_info(t, scope), "roleDefinition": role_info(t, scope, role), "principal": principal_info(t, &r.principal)}});
    props[format!("{target_key}Id")] = json!(format!(
        "{scope}{PROVIDER}/{schedules}/{}",
        r.target_schedule_id
    ));
    props[format!("{target_key}InstanceId")] = Value::Null;
    json!({"properties": props, "name": r.id, "id": format!("{scope}{PROVIDER}/{set}/{}", r.id),
        "type": format!("Microsoft.Authorization/{set}")})
}

/// ARM's refusal of a caller without Owner or User Access Administrator at the scope.
fn not_authorized(t: &Tenant, me: &str, scope: &str, set: &str, name: &str) -> Resp {
    let client = t
        .user(me)
        .map(|u| u.user_principal_name.clone())
        .unwrap_or_else(|| me.to_string());
    Resp::arm_error(
        403,
        "AuthorizationFailed",
        &format!("The client '{client}' with object id '{me}' does not have authorization to perform action 'Microsoft.Authorization/{set}/write' over scope '{scope}{PROVIDER}/{set}/{name}' or the scope is invalid. If access was recently granted, please refresh your credentials."),
    )
}

/// `PUT {scope}/…/roleEligibilityScheduleRequests/{guid}`, or an admin request type on
/// `roleAssignmentScheduleRequests/{guid}`: 201 with the request.
pub(super) fn put(ctx: &mut Ctx, scope: &str, name: &str, level: AdminLevel) -> Result<Resp, Resp> {
    let (set, _, _) = names(level);
    if uuid::Uuid::parse_str(name).is_err() {
        let kind = if level == AdminLevel::Eligibility {
            "InvalidRoleEligibilityScheduleRequestName"
        } else {
            "InvalidRoleAssignmentScheduleRequestName"
        };
        return Err(Resp::arm_error(
            400,
            kind,
            &format!("The request name '{name}' is not a valid GUID."),
        ));
    }
    known_scope(ctx.tenant, scope)?;
    let bad = |m: &str| Resp::arm_error(400, "InvalidRequestContent", m);
    let body = ctx
        .req
        .json()
        .map_err(|_| bad("The request content was invalid and could not be deserialized."))?;
    let props = field(&body, "properties");
    let mut sub = AdminSubmission::from_json(props, "requestType").map_err(|m| bad(&m))?;
    let role_full = field(props, "roleDefinitionId")
        .as_str()
        .unwrap_or_default();
    let role = role_full.rsplit('/').next().unwrap_or_default();
    if uuid::Uuid::parse_str(role).is_err() {
        return Err(bad(
            "properties.roleDefinitionId must be the role definition's full ID.",
        ));
    }
    let target = Target::Azure {
        scope: scope.to_string(),
        role: role.to_string(),
    };
    let me = ctx.token.user.clone();
    if !ctx.tenant.may_admin(&me, &target) {
        return Err(not_authorized(ctx.tenant, &me, scope, set, name));
    }
    // PUT is idempotent: the same request again (a retry after a lost answer) gets the
    // stored one back; another body under a used name is refused.
    if let Some(prior) = ctx.tenant.admin_request(name) {
        let same = prior.level == level
            && prior.action == sub.action
            && prior.principal.eq_ignore_ascii_case(&sub.principal)
            && prior.target.same(&target);
        if same {
            return Ok(Resp::json(201, &render(ctx.tenant, prior)));
        }
    }
    sub.name = Some(name.to_string());
    let r = ctx
        .tenant
        .admin_submit(&me, level, target, sub, false)
        .map_err(pim_error)?;
    Ok(Resp::json(201, &render(ctx.tenant, &r)))
}

/// An administrator's request by name, for its requestor, its principal or an
/// administrator of its scope.
pub(super) fn get(ctx: &Ctx, me: &str, name: &str, level: AdminLevel) -> Option<Resp> {
    let t = &*ctx.tenant;
    let r = t.admin_request(name).filter(|r| {
        matches!(r.target, Target::Azure { .. })
            && r.level == level
            && (r.requestor == me || r.principal == me || t.may_admin(me, &r.target))
    })?;
    Some(Resp::json(200, &render(t, r)))
}

/// `GET …/roleEligibilityScheduleRequests/{name}`.
pub(super) fn get_eligibility(ctx: &Ctx, me: &str, name: &str) -> Result<Resp, Resp> {
    get(ctx, me, name, AdminLevel::Eligibility).ok_or_else(|| {
        Resp::arm_error(
            404,
            "RoleEligibilityScheduleRequestNotFound",
            &format!("The role eligibility schedule request '{name}' does not exist."),
        )
    })
}

/// An administrator of `scope` listing with `$filter=atScope()` or `principalId eq '…'`:
/// Some(the principal to keep, None for all); None when this is not such a listing.
pub(super) fn admin_view(ctx: &Ctx, me: &str, scope: &str) -> Option<Option<String>> {
    let f = ctx.req.q("$filter").unwrap_or_default().trim().to_string();
    let lower = f.to_ascii_lowercase().replace(' ', "");
    let principal = if lower == "atscope()" {
        None
    } else if let Some(rest) = lower.strip_prefix("principalideq") {
        Some(rest.trim_matches('\'').to_string())
    } else {
        return None;
    };
    let target = Target::Azure {
        scope: scope.to_string(),
        role: String::new(),
    };
    ctx.tenant.may_admin(me, &target).then_some(principal)
}
