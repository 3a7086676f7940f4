//! The posture reads of governance §3.2 that the admin listings lack: the tenant-wide
//! `GET /roleManagement/directory/roleAssignmentSchedules` (`$filter`, `$expand=principal,
//! roleDefinition($select=…)`), and PIM for Groups' `eligibilitySchedules` /
//! `assignmentSchedules`, which require `$filter=groupId eq '…'` or `principalId eq '…'`.

use serde_json::{json, Value};

use super::admin::{can_read_directory, filtered, ENTRA_EXPANDS};
use super::common::Ctx;
use super::render::listing;
use crate::http::{parse_eq_filter, Resp};
use crate::state::{Active, Eligibility, Plane, Target, Tenant};
use crate::time::{fmt_time, Time};

fn opt_time(t: Option<Time>) -> Value {
    t.map(|t| json!(fmt_time(t))).unwrap_or(Value::Null)
}

/// `scheduleInfo` with `noExpiration` or `afterDateTime` (what a schedule reads back).
fn schedule_info(start: Option<Time>, end: Option<Time>) -> Value {
    let (kind, end) = match end {
        Some(e) => ("afterDateTime", json!(fmt_time(e))),
        None => ("noExpiration", Value::Null),
    };
    json!({"startDateTime": opt_time(start), "recurrence": null,
        "expiration": {"type": kind, "endDateTime": end, "duration": null}})
}

/// A unifiedRoleAssignmentSchedule [DOC element, governance §3.2]. An assignment made
/// outside PIM has `createdUsing` and `createdDateTime` null.
fn entra_assignment_schedule(t: &Tenant, a: &Active) -> Value {
    let Target::Entra { role, dir_scope } = &a.target else {
        return Value::Null;
    };
    let (using, created) = t.schedule_origin(a);
    let start = a.start.or_else(|| t.assignment_created(a));
    json!({"@odata.type": "#microsoft.graph.unifiedRoleAssignmentSchedule", "id": a.schedule_id, "principalId": a.principal,
        "roleDefinitionId": role, "directoryScopeId": dir_scope, "appScopeId": null, "createdUsing": using,
        "createdDateTime": opt_time(created), "modifiedDateTime": null, "status": "Provisioned",
        "assignmentType": if a.activated { "Activated" } else { "Assigned" }, "memberType": "Direct",
        "scheduleInfo": schedule_info(start, a.end)})
}

/// `GET /roleManagement/directory/roleAssignmentSchedules`: every principal's active
/// assignments (assigned and activated), gated like the other tenant-wide listings.
pub(super) fn entra_assignment_schedules(ctx: &Ctx, me: &str) -> Result<Resp, Resp> {
    can_read_directory(ctx, me)?;
    let t = &*ctx.tenant;
    let items = t
        .all_actives(Plane::Entra)
        .map(|a| entra_assignment_schedule(t, a))
        .collect();
    listing(
        ctx,
        filtered(ctx, items)?,
        ENTRA_EXPANDS,
        "unifiedRoleAssignmentSchedule",
    )
}

fn group_eligibility_schedule(e: &Eligibility) -> Value {
    let Target::Group { group, access } = &e.target else {
        return Value::Null;
    };
    json!({"@odata.type": "#microsoft.graph.privilegedAccessGroupEligibilitySchedule", "id": e.schedule_id,
        "createdDateTime": fmt_time(e.start), "modifiedDateTime": null, "createdUsing": e.schedule_id, "status": "Provisioned",
        "scheduleInfo": schedule_info(Some(e.start), e.end), "accessId": access, "principalId": e.principal,
        "memberType": "direct", "groupId": group})
}

fn group_assignment_schedule(t: &Tenant, a: &Active) -> Value {
    let Target::Group { group, access } = &a.target else {
        return Value::Null;
    };
    let (using, created) = t.schedule_origin(a);
    let start = a.start.or_else(|| t.assignment_created(a));
    json!({"@odata.type": "#microsoft.graph.privilegedAccessGroupAssignmentSchedule", "id": a.schedule_id,
        "createdDateTime": opt_time(created), "modifiedDateTime": null, "createdUsing": using, "status": "Provisioned",
        "scheduleInfo": schedule_info(start, a.end), "accessId": access, "principalId": a.principal,
        "assignmentType": if a.activated { "activated" } else { "assigned" }, "memberType": "direct", "groupId": group})
}

/// `GET …/group/eligibilitySchedules` or `…/assignmentSchedules`. The `$filter` on groupId
/// or principalId is required [DOC]. Who may read: the principal itself, the group's owner
/// or an Entra administrator, or anyone holding an active tenant-wide directory role (the
/// readers a posture report runs as, as for the tenant-wide role listings) [INF].
pub(super) fn group_schedules(ctx: &Ctx, me: &str, eligible: bool) -> Result<Resp, Resp> {
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
    let t = &*ctx.tenant;
    let own = principal
        .as_deref()
        .is_some_and(|p| p.eq_ignore_ascii_case(me));
    let admin = match &group {
        Some(g) => t.may_admin(
            me,
            &Target::Group {
                group: g.clone(),
                access: "member".into(),
            },
        ),
        None => t.is_entra_admin(me),
    };
    if !own && !admin {
        can_read_directory(ctx, me)?;
    }
    let (items, kind): (Vec<Value>, _) = if eligible {
        (
            t.all_eligibilities(Plane::Group)
                .map(group_eligibility_schedule)
                .collect(),
            "privilegedAccessGroupEligibilitySchedule",
        )
    } else {
        (
            t.all_actives(Plane::Group)
                .map(|a| group_assignment_schedule(t, a))
                .collect(),
            "privilegedAccessGroupAssignmentSchedule",
        )
    };
    listing(ctx, filtered(ctx, items)?, &["group", "principal"], kind)
}
