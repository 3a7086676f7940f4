//! The approver side on Graph: requests waiting for the caller
//! (`filterByCurrentUser(on='approver')`, roles and groups), the approval objects (beta
//! `roleAssignmentApprovals` with `steps`; group `assignmentApprovals` with v1.0 `stages` or
//! beta `steps`), and an approver's decision (PATCH a step or stage: 204).

use serde_json::{json, Value};

use super::common::{collection, pim_error, Ctx};
use super::render::{entra_request, expand, group_request};
use crate::http::{parse_eq_filter, Resp};
use crate::state::{parse_decision, Plane, Request, Tenant, ADMIN_REVIEWER};
use crate::time::fmt_time;

const ENTRA_BETA: &str =
    "https://graph.microsoft.com/beta/$metadata#roleManagement/directory/roleAssignmentApprovals";

fn group_context(beta: bool) -> String {
    format!(
        "https://graph.microsoft.com/{}/$metadata#identityGovernance/privilegedAccess/group/assignmentApprovals",
        if beta { "beta" } else { "v1.0" }
    )
}

/// `filterByCurrentUser(on='approver')`: the requests of `plane` the caller approves (their
/// own included), with an `eq` `$filter` (`status eq 'PendingApproval'`) and `$expand`.
pub(super) fn requests_as_approver(ctx: &Ctx, me: &str, plane: Plane) -> Result<Resp, Resp> {
    let t = &*ctx.tenant;
    let (odata_type, allowed): (&str, &[&str]) = match plane {
        Plane::Group => (
            "privilegedAccessGroupAssignmentScheduleRequest",
            &["group", "principal", "activatedusing", "targetschedule"],
        ),
        _ => (
            "unifiedRoleAssignmentScheduleRequest",
            &[
                "roledefinition",
                "principal",
                "directoryscope",
                "appscope",
                "activatedusing",
                "targetschedule",
            ],
        ),
    };
    let clauses = ctx.req.q("$filter").and_then(parse_eq_filter);
    let mut items = vec![];
    for r in t.approver_requests(me, plane) {
        let mut v = match plane {
            Plane::Group => group_request(r),
            _ => entra_request(r),
        };
        if clauses.as_ref().is_some_and(|c| {
            !c.iter().all(|(k, want)| {
                v[k.as_str()]
                    .as_str()
                    .is_some_and(|x| x.eq_ignore_ascii_case(want))
            })
        }) {
            continue;
        }
        v["@odata.type"] = json!(format!("#microsoft.graph.{odata_type}"));
        expand(t, ctx.req, &mut v, allowed, odata_type)?;
        items.push(v);
    }
    Ok(collection(ctx, &format!("Collection({odata_type})"), items))
}

/// `reviewedBy`: the deciding user, or the administrator control.
fn reviewer(t: &Tenant, by: Option<&str>) -> Value {
    match by {
        Some(id) => {
            json!({"id": id, "displayName": t.user(id).map(|u| u.display_name.clone())})
        }
        None => json!({"id": ADMIN_REVIEWER.0, "displayName": ADMIN_REVIEWER.1}),
    }
}

/// One approval step (beta) or stage (v1.0); both have the same fields.
fn step(t: &Tenant, me: &str, r: &Request, id: &str) -> Value {
    let (result, at, by, justification) = match &r.review {
        Some(rv) => (
            if rv.approved { "Approved" } else { "Denied" },
            json!(fmt_time(rv.at)),
            reviewer(t, rv.by.as_deref()),
            rv.justification.clone().unwrap_or_default(),
        ),
        None => ("NotReviewed", Value::Null, Value::Null, String::new()),
    };
    json!({"id": id, "displayName": null, "reviewedDateTime": at, "reviewResult": result,
        "status": r.step_status().as_str(), "assignedToMe": t.assigned_to(me, r),
        "justification": justification, "reviewedBy": by})
}

/// Entra steps have an id of their own; group stages share the approval's (= request) id.
fn step_id(r: &Request, plane: Plane) -> String {
    match plane {
        Plane::Entra => r.step_id(),
        _ => r.id.clone(),
    }
}

fn find<'a>(ctx: &'a Ctx, me: &str, plane: Plane, id: &str) -> Result<&'a Request, Resp> {
    ctx.tenant
        .approval(me, plane, id)
        .map_err(|e| pim_error(ctx.tenant, e))
}

fn check_step(r: &Request, plane: Plane, stage: &str) -> Result<String, Resp> {
    let sid = step_id(r, plane);
    if sid.eq_ignore_ascii_case(stage) {
        Ok(sid)
    } else {
        Err(Resp::graph_error(
            404,
            "ApprovalStepNotFound",
            &format!(
                "The approval step '{stage}' does not exist in the approval '{}'.",
                r.id
            ),
        ))
    }
}

/// The navigation property's name: `stages` on v1.0 groups, `steps` on beta.
fn nav(plane: Plane, beta: bool) -> &'static str {
    if plane == Plane::Group && !beta {
        "stages"
    } else {
        "steps"
    }
}

fn context(plane: Plane, beta: bool) -> String {
    match plane {
        Plane::Group => group_context(beta),
        _ => ENTRA_BETA.to_string(),
    }
}

/// `GET …/roleAssignmentApprovals/{id}` (beta) or `…/group/assignmentApprovals/{id}`.
pub(super) fn approval(
    ctx: &Ctx,
    me: &str,
    plane: Plane,
    id: &str,
    beta: bool,
) -> Result<Resp, Resp> {
    let r = find(ctx, me, plane, id)?;
    Ok(Resp::json(
        200,
        &approval_object(ctx, me, r, plane, beta, true),
    ))
}

fn approval_object(
    ctx: &Ctx,
    me: &str,
    r: &Request,
    plane: Plane,
    beta: bool,
    entity: bool,
) -> Value {
    let nav = nav(plane, beta);
    let ctx_url = context(plane, beta);
    let mut v = json!({"id": r.id});
    if entity {
        v["@odata.context"] = json!(format!("{ctx_url}/$entity"));
    } else {
        v["@odata.type"] = json!("#microsoft.graph.approval");
    }
    v[format!("{nav}@odata.context")] = json!(format!("{ctx_url}('{}')/{nav}", r.id));
    v[nav] = json!([step(ctx.tenant, me, r, &step_id(r, plane))]);
    v
}

/// `GET …/{id}/steps` (or `stages`).
pub(super) fn steps(ctx: &Ctx, me: &str, plane: Plane, id: &str, beta: bool) -> Result<Resp, Resp> {
    let r = find(ctx, me, plane, id)?;
    let nav = nav(plane, beta);
    Ok(Resp::json(
        200,
        &json!({"@odata.context": format!("{}('{}')/{nav}", context(plane, beta), r.id),
            "value": [step(ctx.tenant, me, r, &step_id(r, plane))]}),
    ))
}

/// `GET …/{id}/steps/{stepId}` (or `stages`).
pub(super) fn one_step(
    ctx: &Ctx,
    me: &str,
    plane: Plane,
    id: &str,
    stage: &str,
    beta: bool,
) -> Result<Resp, Resp> {
    let r = find(ctx, me, plane, id)?;
    let sid = check_step(r, plane, stage)?;
    let mut v = step(ctx.tenant, me, r, &sid);
    v["@odata.context"] = json!(format!(
        "{}('{}')/{}/$entity",
        context(plane, beta),
        r.id,
        nav(plane, beta)
    ));
    Ok(Resp::json(200, &v))
}

/// `PATCH …/{id}/steps/{stepId}` (or `stages`) with `{"reviewResult":"Approve"|"Deny",
/// "justification"}`: 204 and an empty body [DOC].
pub(super) fn decide(
    ctx: &mut Ctx,
    me: &str,
    plane: Plane,
    id: &str,
    stage: &str,
) -> Result<Resp, Resp> {
    let approval_id = {
        let r = find(ctx, me, plane, id)?;
        check_step(r, plane, stage)?;
        r.approval_id.clone().unwrap_or_default()
    };
    let body = ctx.req.json()?;
    let (approve, justification) = parse_decision(&body["reviewResult"], &body["justification"])
        .map_err(|m| Resp::graph_error(400, "BadRequest", &m))?;
    ctx.tenant
        .review(me, plane, &approval_id, approve, justification)
        .map_err(|e| pim_error(ctx.tenant, e))?;
    Ok(Resp::empty(204))
}

/// Beta `assignmentApprovals/filterByCurrentUser(on='approver')` (and its v1.0 twin): the
/// approvals of group requests the caller approves.
pub(super) fn group_approvals_as_approver(ctx: &Ctx, me: &str, beta: bool) -> Result<Resp, Resp> {
    let items = ctx
        .tenant
        .approver_requests(me, Plane::Group)
        .map(|r| approval_object(ctx, me, r, Plane::Group, beta, false))
        .collect();
    Ok(collection(ctx, "Collection(approval)", items))
}
