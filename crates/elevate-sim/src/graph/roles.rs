//! Directory roles: role definitions, the caller's eligible and active role schedule
//! instances, and role assignment schedule requests (list, get, create).

use serde_json::{json, Value};

use super::common::{collection, my_request, pim_error, Ctx};
use super::render::{
    entra_active, entra_eligible, entra_request, expand, listing, role_definition,
};
use super::requests::{submission, submit};
use crate::http::{parse_eq_filter, parse_in_filter, select, Resp};
use crate::state::{is_admin_action, AdminLevel, Plane, Target};

/// `GET /roleManagement/directory/roleDefinitions`.
pub(super) fn definitions(ctx: &Ctx) -> Result<Resp, Resp> {
    let t = &*ctx.tenant;
    let mut items: Vec<Value> = t
        .scenario
        .role_definitions
        .iter()
        .filter_map(|r| role_definition(t, &r.id))
        .collect();
    if let Some(f) = ctx.req.q("$filter") {
        if let Some(ids) = parse_in_filter(f, "id") {
            items.retain(|i| {
                ids.iter()
                    .any(|id| i["id"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(id)))
            });
        }
    }
    Ok(collection(
        ctx,
        "roleManagement/directory/roleDefinitions",
        items,
    ))
}

/// `GET /roleManagement/directory/roleDefinitions/{id}`.
pub(super) fn definition(ctx: &Ctx, id: &str) -> Result<Resp, Resp> {
    let v = role_definition(ctx.tenant, id).ok_or_else(|| {
        Resp::graph_error(
            404,
            "Request_ResourceNotFound",
            &format!("Resource '{id}' does not exist."),
        )
    })?;
    Ok(Resp::json(200, &select(v, ctx.req.q("$select"))))
}

/// The caller's eligible role schedule instances.
pub(super) fn eligible(ctx: &Ctx, me: &str) -> Result<Resp, Resp> {
    let items = ctx
        .tenant
        .eligibilities_of(me, Plane::Entra)
        .map(entra_eligible)
        .collect();
    listing(
        ctx,
        items,
        &["roledefinition", "principal", "directoryscope", "appscope"],
        "unifiedRoleEligibilityScheduleInstance",
    )
}

/// The caller's active role schedule instances.
pub(super) fn active(ctx: &Ctx, me: &str) -> Result<Resp, Resp> {
    let items = ctx
        .tenant
        .actives_of(me, Plane::Entra)
        .map(entra_active)
        .collect();
    listing(
        ctx,
        items,
        &[
            "roledefinition",
            "principal",
            "directoryscope",
            "appscope",
            "activatedusing",
        ],
        "unifiedRoleAssignmentScheduleInstance",
    )
}

/// The caller's role assignment schedule requests, with `$expand` and an `eq` `$filter`.
pub(super) fn requests_mine(ctx: &Ctx, me: &str) -> Result<Resp, Resp> {
    let t = &*ctx.tenant;
    let mut items = vec![];
    for r in t.requests_of(me, Plane::Entra) {
        let mut v = entra_request(r);
        expand(
            t,
            ctx.req,
            &mut v,
            &[
                "roledefinition",
                "principal",
                "directoryscope",
                "appscope",
                "activatedusing",
                "targetschedule",
            ],
            "unifiedRoleAssignmentScheduleRequest",
        )?;
        items.push(v);
    }
    if let Some(f) = ctx.req.q("$filter") {
        if let Some(clauses) = parse_eq_filter(f) {
            items.retain(|i| {
                clauses.iter().all(|(k, v)| {
                    i[k.as_str()]
                        .as_str()
                        .is_some_and(|x| x.eq_ignore_ascii_case(v))
                })
            });
        }
    }
    Ok(collection(
        ctx,
        "Collection(unifiedRoleAssignmentScheduleRequest)",
        items,
    ))
}

/// One of the caller's role assignment schedule requests.
pub(super) fn request(ctx: &Ctx, me: &str, id: &str) -> Result<Resp, Resp> {
    let r = match my_request(ctx.tenant, me, Plane::Entra, id) {
        Ok(r) => r,
        Err(e) => return super::admin::assignment_request(ctx, me, Plane::Entra, id).ok_or(e),
    };
    let mut v = entra_request(r);
    v["@odata.context"] = json!("https://graph.microsoft.com/v1.0/$metadata#roleManagement/directory/roleAssignmentScheduleRequests/$entity");
    Ok(Resp::json(200, &v))
}

/// `POST /roleManagement/directory/roleAssignmentScheduleRequests` (admin actions: `admin`).
pub(super) fn create_request(ctx: &mut Ctx) -> Result<Resp, Resp> {
    let body = ctx.req.json()?;
    if is_admin_action(body["action"].as_str().unwrap_or_default()) {
        return super::admin::entra_create(ctx, AdminLevel::Assignment);
    }
    super::requests::refuse_app_only(ctx.token, &body)?;
    let mut sub = submission(&body)?;
    let role = body["roleDefinitionId"].as_str().unwrap_or_default();
    let scope = body["directoryScopeId"]
        .as_str()
        .or(body["appScopeId"].as_str().map(|_| "/"));
    let Some(scope) = scope else {
        return Err(Resp::graph_error(
            400,
            "BadRequest",
            "Either directoryScopeId or appScopeId is required.",
        ));
    };
    if role.is_empty() {
        return Err(Resp::graph_error(
            400,
            "BadRequest",
            "The property 'roleDefinitionId' is required.",
        ));
    }
    sub.target = Some(Target::Entra {
        role: role.to_string(),
        dir_scope: scope.to_string(),
    });
    let r = submit(ctx, &body, sub).map_err(|e| pim_error(ctx.tenant, e))?;
    let mut v = entra_request(&r);
    v["isValidationOnly"] = json!(body["isValidationOnly"].as_bool().unwrap_or(false));
    v["@odata.context"] = json!("https://graph.microsoft.com/v1.0/$metadata#roleManagement/directory/roleAssignmentScheduleRequests/$entity");
    Ok(Resp::json(201, &v))
}
