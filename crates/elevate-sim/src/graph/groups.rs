//! PIM for Groups and group objects: the caller's eligible and active group schedule
//! instances, group assignment schedule requests (list, get, create), and `/groups`.

use serde_json::{json, Value};

use super::common::{collection, my_request, pim_error, Ctx};
use super::render::{group_active, group_eligible, group_object, group_request, listing};
use super::requests::{submission, submit};
use crate::http::{parse_eq_filter, parse_in_filter, select, Resp};
use crate::state::{is_admin_action, AdminLevel, Plane, Target};

/// The caller's eligible group schedule instances.
pub(super) fn eligible(ctx: &Ctx, me: &str) -> Result<Resp, Resp> {
    let items = ctx
        .tenant
        .eligibilities_of(me, Plane::Group)
        .map(group_eligible)
        .collect();
    listing(
        ctx,
        items,
        &["group", "principal"],
        "privilegedAccessGroupEligibilityScheduleInstance",
    )
}

/// The caller's active group schedule instances.
pub(super) fn active(ctx: &Ctx, me: &str) -> Result<Resp, Resp> {
    let items = ctx
        .tenant
        .actives_of(me, Plane::Group)
        .map(group_active)
        .collect();
    listing(
        ctx,
        items,
        &["group", "principal", "activatedusing"],
        "privilegedAccessGroupAssignmentScheduleInstance",
    )
}

/// The caller's group assignment schedule requests.
pub(super) fn requests_mine(ctx: &Ctx, me: &str) -> Result<Resp, Resp> {
    let items = ctx
        .tenant
        .requests_of(me, Plane::Group)
        .map(group_request)
        .collect();
    listing(
        ctx,
        items,
        &["group", "principal", "activatedusing", "targetschedule"],
        "privilegedAccessGroupAssignmentScheduleRequest",
    )
}

/// One of the caller's group assignment schedule requests.
pub(super) fn request(ctx: &Ctx, me: &str, id: &str) -> Result<Resp, Resp> {
    let r = match my_request(ctx.tenant, me, Plane::Group, id) {
        Ok(r) => r,
        Err(e) => return super::admin::assignment_request(ctx, me, Plane::Group, id).ok_or(e),
    };
    Ok(Resp::json(200, &group_request(r)))
}

/// `POST /identityGovernance/privilegedAccess/group/assignmentScheduleRequests`.
pub(super) fn create_request(ctx: &mut Ctx) -> Result<Resp, Resp> {
    let body = ctx.req.json()?;
    if is_admin_action(body["action"].as_str().unwrap_or_default()) {
        return super::admin::group_create(ctx, AdminLevel::Assignment);
    }
    super::requests::refuse_app_only(ctx.token, &body)?;
    let mut sub = submission(&body)?;
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
    sub.target = Some(Target::Group {
        group: group.to_string(),
        access,
    });
    let r = submit(ctx, &body, sub).map_err(|e| pim_error(ctx.tenant, e))?;
    let mut v = group_request(&r);
    v["@odata.type"] = json!("https://graph.microsoft.com/v1.0/$metadata#identityGovernance/privilegedAccess/group/assignmentScheduleRequests/$entity");
    Ok(Resp::json(201, &v))
}

/// `GET /groups`, with an `id in (...)` or `isAssignableToRole eq true|false` `$filter`.
pub(super) fn list(ctx: &Ctx) -> Result<Resp, Resp> {
    let t = &*ctx.tenant;
    let ids = ctx.req.q("$filter").and_then(|f| parse_in_filter(f, "id"));
    let assignable = ctx
        .req
        .q("$filter")
        .and_then(parse_eq_filter)
        .and_then(|c| {
            c.into_iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("isAssignableToRole"))
        })
        .map(|(_, v)| v.eq_ignore_ascii_case("true"));
    let items: Vec<Value> = t
        .scenario
        .groups
        .iter()
        .filter(|g| {
            ids.as_ref()
                .is_none_or(|ids| ids.iter().any(|i| i.eq_ignore_ascii_case(&g.id)))
        })
        .filter(|g| assignable.is_none_or(|a| g.is_assignable_to_role.unwrap_or(true) == a))
        .filter_map(|g| group_object(t, &g.id))
        .collect();
    Ok(collection(ctx, "groups", items))
}

/// `GET /groups/{id}`.
pub(super) fn get(ctx: &Ctx, id: &str) -> Result<Resp, Resp> {
    let g = group_object(ctx.tenant, id).ok_or_else(|| Resp::graph_error(404, "Request_ResourceNotFound", &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present.")))?;
    Ok(Resp::json(200, &select(g, ctx.req.q("$select"))))
}
