//! The administrator's side on Graph: `roleEligibilityScheduleRequests` (POST, GET one),
//! `adminAssign` / `adminRemove` on `roleAssignmentScheduleRequests` and on the group
//! `eligibilityScheduleRequests` / `assignmentScheduleRequests`, their JSON shapes, and the
//! tenant-wide listings an administrator reads back (role eligibility schedules and
//! instances, role assignment instances, group instances by `groupId` / `principalId`).

use serde_json::{json, Value};

use super::common::{pim_error, Ctx};
use super::render::{entra_active, entra_eligible, group_active, group_eligible, listing};
use crate::http::{parse_eq_filter, Resp};
use crate::state::{
    AdminAction, AdminLevel, AdminRequest, AdminSubmission, Eligibility, PimError, Plane, Target,
};
use crate::time::{fmt_duration, fmt_time};

const META: &str = "https://graph.microsoft.com/v1.0/$metadata#";

fn denied() -> Resp {
    Resp::graph_error(
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
}

/// A state refusal in Graph's terms: a missing principal or group is Graph's
/// `Request_ResourceNotFound` (as a 400: the body names it) [INF].
fn refusal(ctx: &Ctx, e: PimError, id: &str) -> Resp {
    match e.code.as_str() {
        "PrincipalNotFound" | "GroupNotFound" => Resp::graph_error(
            400,
            "Request_ResourceNotFound",
            &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
        ),
        _ => pim_error(ctx.tenant, e),
    }
}

fn parse(body: &Value) -> Result<AdminSubmission, Resp> {
    AdminSubmission::from_json(body, "action").map_err(|m| Resp::graph_error(400, "BadRequest", &m))
}

/// Runs an administrator's request for `target` after checking the caller may.
fn run(
    ctx: &mut Ctx,
    body: &Value,
    level: AdminLevel,
    target: Target,
) -> Result<AdminRequest, Resp> {
    let sub = parse(body)?;
    let me = ctx.token.user.clone();
    if !ctx.tenant.may_admin(&me, &target) {
        return Err(denied());
    }
    let validate_only = body["isValidationOnly"].as_bool().unwrap_or(false);
    let missing = match &target {
        Target::Group { group, .. } if ctx.tenant.user(&sub.principal).is_some() => group.clone(),
        _ => sub.principal.clone(),
    };
    ctx.tenant
        .admin_submit(&me, level, target, sub, validate_only)
        .map_err(|e| refusal(ctx, e, &missing))
}

fn schedule_info(r: &AdminRequest) -> Value {
    if r.action == AdminAction::Remove {
        return Value::Null;
    }
    let duration = match (r.expiration_type.as_str(), r.duration) {
        ("afterDuration", Some(d)) => json!(fmt_duration(d)),
        _ => Value::Null,
    };
    let end = match (r.expiration_type.as_str(), r.end) {
        ("afterDateTime", Some(e)) => json!(fmt_time(e)),
        _ => Value::Null,
    };
    json!({"startDateTime": fmt_time(r.start), "recurrence": null,
        "expiration": {"type": r.expiration_type, "endDateTime": end, "duration": duration}})
}

fn target_schedule(r: &AdminRequest) -> Value {
    match r.action {
        AdminAction::Assign => json!(r.target_schedule_id),
        AdminAction::Remove => Value::Null,
    }
}

/// A unifiedRoleEligibilityScheduleRequest or unifiedRoleAssignmentScheduleRequest.
fn entra_json(r: &AdminRequest) -> Value {
    let Target::Entra { role, dir_scope } = &r.target else {
        return Value::Null;
    };
    let set = match r.level {
        AdminLevel::Eligibility => "roleEligibilityScheduleRequests",
        AdminLevel::Assignment => "roleAssignmentScheduleRequests",
    };
    json!({"@odata.context": format!("{META}roleManagement/directory/{set}/$entity"),
        "id": r.id, "status": r.status, "createdDateTime": fmt_time(r.created), "completedDateTime": fmt_time(r.created),
        "approvalId": null, "customData": null, "action": r.action.graph(), "principalId": r.principal,
        "roleDefinitionId": role, "directoryScopeId": dir_scope, "appScopeId": null, "isValidationOnly": r.validation_only,
        "targetScheduleId": target_schedule(r), "justification": r.justification,
        "createdBy": {"application": null, "device": null, "user": {"displayName": null, "id": r.requestor}},
        "scheduleInfo": schedule_info(r), "ticketInfo": {"ticketNumber": r.ticket_number, "ticketSystem": r.ticket_system}})
}

/// A privilegedAccessGroupEligibilityScheduleRequest or …AssignmentScheduleRequest.
fn group_json(r: &AdminRequest) -> Value {
    let Target::Group { group, access } = &r.target else {
        return Value::Null;
    };
    let set = match r.level {
        AdminLevel::Eligibility => "eligibilityScheduleRequests",
        AdminLevel::Assignment => "assignmentScheduleRequests",
    };
    json!({"@odata.context": format!("{META}identityGovernance/privilegedAccess/group/{set}/$entity"),
        "id": r.id, "status": r.status, "completedDateTime": fmt_time(r.created), "createdDateTime": fmt_time(r.created),
        "approvalId": null, "customData": null, "createdBy": {"user": {"id": r.requestor}}, "action": r.action.graph(),
        "isValidationOnly": r.validation_only, "justification": r.justification, "scheduleInfo": schedule_info(r),
        "ticketInfo": {"ticketNumber": r.ticket_number, "ticketSystem": r.ticket_system}, "accessId": access,
        "principalId": r.principal, "groupId": group, "targetScheduleId": target_schedule(r)})
}

/// `POST …/roleEligibilityScheduleRequests` and the admin actions of
/// `POST …/roleAssignmentScheduleRequests`.
pub(super) fn entra_create(ctx: &mut Ctx, level: AdminLevel) -> Result<Resp, Resp> {
    let body = ctx.req.json()?;
    let role = body["roleDefinitionId"].as_str().unwrap_or_default();
    let scope = body["directoryScopeId"]
        .as_str()
        .or(body["appScopeId"].as_str().map(|_| "/"));
    let (Some(scope), false) = (scope, role.is_empty()) else {
        return Err(Resp::graph_error(
            400,
            "BadRequest",
            "roleDefinitionId and one of directoryScopeId or appScopeId are required.",
        ));
    };
    let target = Target::Entra {
        role: role.to_string(),
        dir_scope: scope.to_string(),
    };
    let r = run(ctx, &body, level, target)?;
    Ok(Resp::json(201, &entra_json(&r)))
}

/// `POST …/group/eligibilityScheduleRequests` and the admin actions of
/// `POST …/group/assignmentScheduleRequests`. `adminRemove` needs no `scheduleInfo` (the
/// docs mark it required with no exemption; the simulator accepts it either way).
pub(super) fn group_create(ctx: &mut Ctx, level: AdminLevel) -> Result<Resp, Resp> {
    let body = ctx.req.json()?;
    let group = body["groupId"].as_str().unwrap_or_default();
    let access = body["accessId"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if group.is_empty() || !matches!(access.as_str(), "member" | "owner") {
        return Err(Resp::graph_error(
            400,
            "BadRequest",
            "groupId and accessId ('member' or 'owner') are required.",
        ));
    }
    let target = Target::Group {
        group: group.to_string(),
        access,
    };
    let r = run(ctx, &body, level, target)?;
    Ok(Resp::json(201, &group_json(&r)))
}

/// An administrator's request by id, for its requestor, its principal or an administrator.
fn visible<'a>(
    ctx: &'a Ctx,
    me: &str,
    id: &str,
    plane: Plane,
    level: AdminLevel,
) -> Option<&'a AdminRequest> {
    let t = &*ctx.tenant;
    t.admin_request(id).filter(|r| {
        r.target.plane() == plane
            && r.level == level
            && (r.requestor == me || r.principal == me || t.may_admin(me, &r.target))
    })
}

/// `GET …/roleEligibilityScheduleRequests/{id}`.
pub(super) fn eligibility_request(ctx: &Ctx, me: &str, id: &str) -> Result<Resp, Resp> {
    let r = visible(ctx, me, id, Plane::Entra, AdminLevel::Eligibility).ok_or_else(|| {
        Resp::graph_error(
            404,
            "Request_ResourceNotFound",
            &format!("Resource '{id}' does not exist."),
        )
    })?;
    Ok(Resp::json(200, &entra_json(r)))
}

/// An administrator's `roleAssignmentScheduleRequests` / group `assignmentScheduleRequests`
/// entry by id (the GET of one request falls back to it).
pub(super) fn assignment_request(ctx: &Ctx, me: &str, plane: Plane, id: &str) -> Option<Resp> {
    let r = visible(ctx, me, id, plane, AdminLevel::Assignment)?;
    Some(Resp::json(
        200,
        &match plane {
            Plane::Group => group_json(r),
            _ => entra_json(r),
        },
    ))
}

/// Keeps the items whose fields match every `eq` clause of `$filter` (case-insensitively).
pub(super) fn filtered(ctx: &Ctx, items: Vec<Value>) -> Result<Vec<Value>, Resp> {
    let Some(f) = ctx.req.q("$filter") else {
        return Ok(items);
    };
    let clauses = parse_eq_filter(f).ok_or_else(|| {
        Resp::graph_error(
            400,
            "BadRequest",
            "Invalid $filter: use field eq 'value' clauses joined by and.",
        )
    })?;
    Ok(items
        .into_iter()
        .filter(|i| {
            clauses.iter().all(|(k, v)| {
                i[k.as_str()]
                    .as_str()
                    .is_some_and(|x| x.eq_ignore_ascii_case(v))
            })
        })
        .collect())
}

/// Reading every principal's directory role schedules needs an active directory role
/// (Global Reader, Security Reader, Privileged Role Administrator...) [INF].
pub(super) fn can_read_directory(ctx: &Ctx, me: &str) -> Result<(), Resp> {
    let reads = ctx
        .tenant
        .effective_of(me, Plane::Entra)
        .any(|a| matches!(&a.target, Target::Entra { dir_scope, .. } if dir_scope == "/"));
    if reads {
        Ok(())
    } else {
        Err(denied())
    }
}

fn entra_schedule(e: &Eligibility) -> Value {
    let Target::Entra { role, dir_scope } = &e.target else {
        return Value::Null;
    };
    let (kind, end) = match e.end {
        Some(end) => ("afterDateTime", json!(fmt_time(end))),
        None => ("noExpiration", Value::Null),
    };
    json!({"@odata.type": "#microsoft.graph.unifiedRoleEligibilitySchedule", "id": e.schedule_id, "principalId": e.principal,
        "roleDefinitionId": role, "directoryScopeId": dir_scope, "appScopeId": null, "createdUsing": e.schedule_id,
        "createdDateTime": fmt_time(e.start), "modifiedDateTime": null, "status": "Provisioned", "memberType": "Direct",
        "scheduleInfo": {"startDateTime": fmt_time(e.start), "recurrence": null,
            "expiration": {"type": kind, "endDateTime": end, "duration": null}}})
}

pub(super) const ENTRA_EXPANDS: &[&str] =
    &["roledefinition", "principal", "directoryscope", "appscope"];

/// `GET …/roleEligibilityScheduleInstances` or `…/roleEligibilitySchedules` (every
/// principal; `$filter=principalId eq '…' and roleDefinitionId eq '…'`).
pub(super) fn entra_eligible_all(ctx: &Ctx, me: &str, schedules: bool) -> Result<Resp, Resp> {
    can_read_directory(ctx, me)?;
    let all = ctx.tenant.all_eligibilities(Plane::Entra);
    let (items, kind) = if schedules {
        (
            all.map(entra_schedule).collect(),
            "unifiedRoleEligibilitySchedule",
        )
    } else {
        (
            all.map(entra_eligible).collect(),
            "unifiedRoleEligibilityScheduleInstance",
        )
    };
    listing(ctx, filtered(ctx, items)?, ENTRA_EXPANDS, kind)
}

/// `GET …/roleAssignmentScheduleInstances` (every principal, `$filter` as above).
pub(super) fn entra_active_all(ctx: &Ctx, me: &str) -> Result<Resp, Resp> {
    can_read_directory(ctx, me)?;
    let items = ctx
        .tenant
        .all_actives(Plane::Entra)
        .map(entra_active)
        .collect();
    listing(
        ctx,
        filtered(ctx, items)?,
        ENTRA_EXPANDS,
        "unifiedRoleAssignmentScheduleInstance",
    )
}

/// `GET …/group/eligibilityScheduleInstances` or `…/assignmentScheduleInstances` with the
/// required `$filter` on `groupId` or `principalId`: one's own rows, or a group one
/// administers (an Entra administrator: any).
pub(super) fn group_all(ctx: &Ctx, me: &str, eligible: bool) -> Result<Resp, Resp> {
    let clauses = ctx
        .req
        .q("$filter")
        .and_then(parse_eq_filter)
        .unwrap_or_default();
    let get = |k: &str| {
        clauses
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    let (group, principal) = (get("groupId"), get("principalId"));
    if group.is_none() && principal.is_none() {
        return Err(Resp::graph_error(
            400,
            "BadRequest",
            "A $filter on groupId or principalId is required.",
        ));
    }
    let own = principal
        .as_deref()
        .is_some_and(|p| p.eq_ignore_ascii_case(me));
    let allowed = own
        || match &group {
            Some(g) => ctx.tenant.may_admin(
                me,
                &Target::Group {
                    group: g.clone(),
                    access: "member".into(),
                },
            ),
            None => ctx.tenant.is_entra_admin(me),
        };
    if !allowed {
        return Err(denied());
    }
    let t = &*ctx.tenant;
    let (items, kind): (Vec<Value>, _) = if eligible {
        (
            t.all_eligibilities(Plane::Group)
                .map(group_eligible)
                .collect(),
            "privilegedAccessGroupEligibilityScheduleInstance",
        )
    } else {
        (
            t.all_actives(Plane::Group).map(group_active).collect(),
            "privilegedAccessGroupAssignmentScheduleInstance",
        )
    };
    listing(ctx, filtered(ctx, items)?, &["group", "principal"], kind)
}
