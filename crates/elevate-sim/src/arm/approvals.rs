//! The approver side on ARM: schedule requests waiting for the caller
//! (`$filter=asApprover()`), the `roleAssignmentApprovals` resource (api-version
//! 2021-01-01-preview: list, get, stages, one stage) and an approver's decision (PUT or PATCH
//! of a stage: 200 with the stage). The portal's `/batch` wrapper is in `crate::batch`.

use serde_json::{json, Value};

use super::common::{covers, known_scope, list, pim_error, Ctx};
use super::render::request;
use crate::http::Resp;
use crate::state::{parse_decision, Plane, Request, Target, Tenant, ADMIN_REVIEWER};
use crate::time::fmt_time;

/// The caller approves these requests (any scope at or below `scope`; all at the root).
pub(super) fn requests_as_approver(ctx: &Ctx, me: &str, scope: &str) -> Result<Resp, Resp> {
    known_scope(ctx.tenant, scope)?;
    let t = &*ctx.tenant;
    let items: Vec<_> = t
        .approver_requests(me, Plane::Azure)
        .filter(|r| matches!(&r.target, Target::Azure { scope: s, .. } if covers(scope, s)))
        .collect();
    Ok(list(ctx, items, |r| request(t, r)))
}

fn approval_path(scope: &str, guid: &str) -> String {
    format!("{scope}/providers/Microsoft.Authorization/roleAssignmentApprovals/{guid}")
}

fn reviewer(t: &Tenant, by: Option<&str>) -> Value {
    let (id, name, upn) = match by.and_then(|b| t.user(b)) {
        Some(u) => (
            u.id.clone(),
            u.display_name.clone(),
            u.user_principal_name.clone(),
        ),
        None => (
            ADMIN_REVIEWER.0.to_string(),
            ADMIN_REVIEWER.1.to_string(),
            format!("admin@{}", t.scenario.tenant.domain),
        ),
    };
    json!({"principalId": id, "principalType": "user", "principalName": name, "userPrincipalName": upn})
}

/// The approval's single stage; its id is the approval's GUID [OBS]. ARM reads back
/// `Approve`/`Deny`/`NotReviewed`, unlike Graph [SPEC].
fn stage(t: &Tenant, me: &str, r: &Request, scope: &str) -> Value {
    let guid = r.approval_id.clone().unwrap_or_default();
    let (result, at, by, justification) = match &r.review {
        Some(rv) => (
            if rv.approved { "Approve" } else { "Deny" },
            json!(fmt_time(rv.at)),
            reviewer(t, rv.by.as_deref()),
            json!(rv.justification),
        ),
        None => ("NotReviewed", Value::Null, Value::Null, Value::Null),
    };
    json!({"id": format!("{}/stages/{guid}", approval_path(scope, &guid)), "name": guid,
        "type": "Microsoft.Authorization/roleAssignmentApprovals/stages",
        "properties": {"displayName": null, "status": r.step_status().as_str(), "assignedToMe": t.assigned_to(me, r),
            "reviewResult": result, "justification": justification, "reviewedDateTime": at, "reviewedBy": by}})
}

fn approval_object(t: &Tenant, me: &str, r: &Request, scope: &str) -> Value {
    let guid = r.approval_id.clone().unwrap_or_default();
    json!({"id": approval_path(scope, &guid), "name": guid, "type": "Microsoft.Authorization/roleAssignmentApprovals",
        "properties": {"stages": [stage(t, me, r, scope)]}})
}

fn find<'a>(ctx: &'a Ctx, me: &str, id: &str) -> Result<&'a Request, Resp> {
    ctx.tenant.approval(me, Plane::Azure, id).map_err(pim_error)
}

fn check_stage(r: &Request, stage_id: &str) -> Result<(), Resp> {
    if r.approval_id
        .as_deref()
        .is_some_and(|a| a.eq_ignore_ascii_case(stage_id))
    {
        Ok(())
    } else {
        Err(Resp::arm_error(
            404,
            "RoleAssignmentApprovalStageNotFound",
            &format!("The approval stage '{stage_id}' does not exist."),
        ))
    }
}

/// `GET roleAssignmentApprovals?$filter=asApprover()|asCreatedBy()|asTarget()`.
pub(super) fn approvals(ctx: &Ctx, me: &str, scope: &str) -> Result<Resp, Resp> {
    known_scope(ctx.tenant, scope)?;
    let t = &*ctx.tenant;
    let filter = ctx
        .req
        .q("$filter")
        .unwrap_or_default()
        .replace(' ', "")
        .to_ascii_lowercase();
    let in_scope =
        |r: &&Request| matches!(&r.target, Target::Azure { scope: s, .. } if covers(scope, s));
    let items: Vec<&Request> = match filter.as_str() {
        "asapprover()" => t.approver_requests(me, Plane::Azure).filter(in_scope).collect(),
        "ascreatedby()" | "astarget()" => t
            .requests_of(me, Plane::Azure)
            .filter(|r| r.approval_id.is_some())
            .filter(in_scope)
            .collect(),
        _ => return Err(Resp::arm_error(400, "InvalidFilter", "Use $filter=asApprover(), asCreatedBy() or asTarget() to list role assignment approvals.")),
    };
    Ok(list(ctx, items, |r| approval_object(t, me, r, scope)))
}

/// `GET roleAssignmentApprovals/{id}`.
pub(super) fn approval(ctx: &Ctx, me: &str, scope: &str, id: &str) -> Result<Resp, Resp> {
    let r = find(ctx, me, id)?;
    Ok(Resp::json(200, &approval_object(ctx.tenant, me, r, scope)))
}

/// `GET roleAssignmentApprovals/{id}/stages`.
pub(super) fn stages(ctx: &Ctx, me: &str, scope: &str, id: &str) -> Result<Resp, Resp> {
    let r = find(ctx, me, id)?;
    Ok(Resp::json(
        200,
        &json!({"value": [stage(ctx.tenant, me, r, scope)]}),
    ))
}

/// `GET roleAssignmentApprovals/{id}/stages/{stageId}`.
pub(super) fn one_stage(
    ctx: &Ctx,
    me: &str,
    scope: &str,
    id: &str,
    stage_id: &str,
) -> Result<Resp, Resp> {
    let r = find(ctx, me, id)?;
    check_stage(r, stage_id)?;
    Ok(Resp::json(200, &stage(ctx.tenant, me, r, scope)))
}

/// `PUT|PATCH roleAssignmentApprovals/{id}/stages/{stageId}` with
/// `{"properties":{"reviewResult":"Approve"|"Deny","justification"}}` (the SPEC's body; the
/// unwrapped form the docs print is accepted too): 200 with the stage.
pub(super) fn decide(
    ctx: &mut Ctx,
    me: &str,
    scope: &str,
    id: &str,
    stage_id: &str,
) -> Result<Resp, Resp> {
    let guid = {
        let r = find(ctx, me, id)?;
        check_stage(r, stage_id)?;
        r.approval_id.clone().unwrap_or_default()
    };
    let body = ctx.req.json().map_err(|_| {
        Resp::arm_error(
            400,
            "InvalidRequestContent",
            "The request content was invalid and could not be deserialized.",
        )
    })?;
    let p = if body["properties"].is_object() {
        &body["properties"]
    } else {
        &body
    };
    let (approve, justification) = parse_decision(&p["reviewResult"], &p["justification"])
        .map_err(|m| Resp::arm_error(400, "InvalidRequestContent", &m))?;
    let r = ctx
        .tenant
        .review(me, Plane::Azure, &guid, approve, justification)
        .map_err(pim_error)?;
    Ok(Resp::json(200, &stage(ctx.tenant, me, &r, scope)))
}
