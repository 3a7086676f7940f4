//! Microsoft Graph v1.0: the PIM endpoints for directory roles and groups, policies,
//! `/me`, `/me/memberOf`, groups and `$batch`, with OData paging, `$select`, `$expand`.

use serde_json::{json, Value};

use crate::auth::TokenInfo;
use crate::http::{
    decode_token, encode_token, page, parse_eq_filter, parse_expand, parse_in_filter, select,
    url_with_query, Req, Resp,
};
use crate::state::{
    Action, Active, Caller, Eligibility, PimError, Plane, Request, Submission, Target, Tenant,
};
use crate::time::{fmt_duration, fmt_time, parse_duration, parse_time};

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Me,
    MemberOf,
    RoleDefinitions,
    RoleDefinition(String),
    EntraEligible,
    EntraActive,
    EntraRequestCreate,
    EntraRequestsMine,
    EntraRequest(String),
    EntraRequestCancel(String),
    GroupEligible,
    GroupActive,
    GroupRequestCreate,
    GroupRequestsMine,
    GroupRequest(String),
    GroupRequestCancel(String),
    Groups,
    Group(String),
    Policies,
    Batch,
}

impl Route {
    pub fn key(&self) -> &'static str {
        match self {
            Route::Me => "graph.me",
            Route::MemberOf => "graph.me.memberOf",
            Route::RoleDefinitions | Route::RoleDefinition(_) => "graph.roleDefinitions",
            Route::EntraEligible => "graph.roleEligibilityScheduleInstances",
            Route::EntraActive => "graph.roleAssignmentScheduleInstances",
            Route::EntraRequestCreate => "graph.roleAssignmentScheduleRequests.create",
            Route::EntraRequestsMine => "graph.roleAssignmentScheduleRequests.list",
            Route::EntraRequest(_) => "graph.roleAssignmentScheduleRequests.get",
            Route::EntraRequestCancel(_) => "graph.roleAssignmentScheduleRequests.cancel",
            Route::GroupEligible => "graph.group.eligibilityScheduleInstances",
            Route::GroupActive => "graph.group.assignmentScheduleInstances",
            Route::GroupRequestCreate => "graph.group.assignmentScheduleRequests.create",
            Route::GroupRequestsMine => "graph.group.assignmentScheduleRequests.list",
            Route::GroupRequest(_) => "graph.group.assignmentScheduleRequests.get",
            Route::GroupRequestCancel(_) => "graph.group.assignmentScheduleRequests.cancel",
            Route::Groups | Route::Group(_) => "graph.groups",
            Route::Policies => "graph.policyAssignments",
            Route::Batch => "graph.batch",
        }
    }

    /// The delegated scopes that each give access (any one suffices) [DOC].
    fn scopes(&self) -> &'static [&'static str] {
        match self {
            Route::Me | Route::MemberOf => &[
                "User.Read",
                "User.ReadBasic.All",
                "User.Read.All",
                "Directory.Read.All",
            ],
            Route::RoleDefinitions | Route::RoleDefinition(_) => &[
                "RoleManagement.Read.Directory",
                "RoleManagement.Read.All",
                "RoleManagement.ReadWrite.Directory",
                "Directory.Read.All",
            ],
            Route::EntraEligible => &[
                "RoleEligibilitySchedule.Read.Directory",
                "RoleEligibilitySchedule.ReadWrite.Directory",
                "RoleManagement.Read.Directory",
                "RoleManagement.Read.All",
                "RoleManagement.ReadWrite.Directory",
            ],
            Route::EntraActive | Route::EntraRequestsMine | Route::EntraRequest(_) => &[
                "RoleAssignmentSchedule.Read.Directory",
                "RoleAssignmentSchedule.ReadWrite.Directory",
                "RoleManagement.Read.Directory",
                "RoleManagement.Read.All",
                "RoleManagement.ReadWrite.Directory",
            ],
            Route::EntraRequestCreate | Route::EntraRequestCancel(_) => &[
                "RoleAssignmentSchedule.ReadWrite.Directory",
                "RoleAssignmentSchedule.Remove.Directory",
                "RoleManagement.ReadWrite.Directory",
            ],
            Route::GroupEligible => &[
                "PrivilegedEligibilitySchedule.Read.AzureADGroup",
                "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
                "PrivilegedAccess.Read.AzureADGroup",
                "PrivilegedAccess.ReadWrite.AzureADGroup",
            ],
            Route::GroupActive | Route::GroupRequestsMine | Route::GroupRequest(_) => &[
                "PrivilegedAssignmentSchedule.Read.AzureADGroup",
                "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
                "PrivilegedAccess.Read.AzureADGroup",
                "PrivilegedAccess.ReadWrite.AzureADGroup",
            ],
            Route::GroupRequestCreate | Route::GroupRequestCancel(_) => &[
                "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
                "PrivilegedAccess.ReadWrite.AzureADGroup",
                "PrivilegedAssignmentSchedule.Remove.AzureADGroup",
            ],
            Route::Groups | Route::Group(_) => &[
                "Group.Read.All",
                "Directory.Read.All",
                "Group.ReadWrite.All",
                "GroupMember.Read.All",
            ],
            Route::Policies => &[
                "RoleManagementPolicy.Read.Directory",
                "RoleManagementPolicy.ReadWrite.Directory",
                "RoleManagementPolicy.Read.AzureADGroup",
                "RoleManagementPolicy.ReadWrite.AzureADGroup",
                "RoleManagement.Read.Directory",
                "RoleManagement.Read.All",
                "RoleManagement.ReadWrite.Directory",
            ],
            Route::Batch => &[],
        }
    }
}

/// `filterByCurrentUser(on='principal')`, with or without quotes; None if not that function.
fn current_user_fn(seg: &str) -> Option<Result<(), Resp>> {
    let lower = seg.to_ascii_lowercase();
    let rest = lower.strip_prefix("filterbycurrentuser")?;
    let arg = rest.strip_prefix("(on=").and_then(|r| r.strip_suffix(')'));
    Some(match arg.map(|a| a.trim_matches('\'')) {
        Some("principal") => Ok(()),
        _ => Err(Resp::graph_error(
            400,
            "BadRequest",
            "filterByCurrentUser requires the parameter on='principal'.",
        )),
    })
}

/// Maps `/v1.0/...` to a route.
pub fn route(method: &str, path: &str) -> Result<Route, Resp> {
    let not_found = || {
        Resp::graph_error(
            400,
            "BadRequest",
            &format!("Resource not found for the segment '{path}'."),
        )
    };
    let Some(rest) = path.strip_prefix("/v1.0/") else {
        return Err(Resp::graph_error(
            400,
            "BadRequest",
            "Invalid version: use /v1.0.",
        ));
    };
    let segs: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let lower: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    let get = method == "GET";
    let post = method == "POST";
    let wrong = || {
        Resp::graph_error(
            405,
            "Request_BadRequest",
            &format!("The {method} method is not allowed on this resource."),
        )
    };
    let r = match l.as_slice() {
        ["me"] if get => Route::Me,
        ["me", "memberof"] | ["me", "transitivememberof"] if get => Route::MemberOf,
        ["$batch"] if post => Route::Batch,
        ["rolemanagement", "directory", "roledefinitions"] if get => Route::RoleDefinitions,
        ["rolemanagement", "directory", "roledefinitions", _] if get => Route::RoleDefinition(segs[3].to_string()),
        ["rolemanagement", "directory", "roleeligibilityscheduleinstances", f] if get => match current_user_fn(f) {
            Some(r) => r.map(|_| Route::EntraEligible)?,
            None => return Err(Resp::graph_error(403, "Forbidden", "Listing every eligibility needs an administrator role; use filterByCurrentUser(on='principal').")),
        },
        ["rolemanagement", "directory", "roleassignmentscheduleinstances", f] if get => match current_user_fn(f) {
            Some(r) => r.map(|_| Route::EntraActive)?,
            None => return Err(Resp::graph_error(403, "Forbidden", "Listing every assignment needs an administrator role; use filterByCurrentUser(on='principal').")),
        },
        ["rolemanagement", "directory", "roleassignmentschedulerequests"] if post => Route::EntraRequestCreate,
        ["rolemanagement", "directory", "roleassignmentschedulerequests", f] if get => match current_user_fn(f) {
            Some(r) => r.map(|_| Route::EntraRequestsMine)?,
            None => Route::EntraRequest(segs[3].to_string()),
        },
        ["rolemanagement", "directory", "roleassignmentschedulerequests", _, "cancel"] if post => Route::EntraRequestCancel(segs[3].to_string()),
        ["identitygovernance", "privilegedaccess", "group", "eligibilityscheduleinstances", f] if get => match current_user_fn(f) {
            Some(r) => r.map(|_| Route::GroupEligible)?,
            None => return Err(not_found()),
        },
        ["identitygovernance", "privilegedaccess", "group", "assignmentscheduleinstances", f] if get => match current_user_fn(f) {
            Some(r) => r.map(|_| Route::GroupActive)?,
            None => return Err(not_found()),
        },
        ["identitygovernance", "privilegedaccess", "group", "assignmentschedulerequests"] if post => Route::GroupRequestCreate,
        ["identitygovernance", "privilegedaccess", "group", "assignmentschedulerequests", f] if get => match current_user_fn(f) {
            Some(r) => r.map(|_| Route::GroupRequestsMine)?,
            None => Route::GroupRequest(segs[4].to_string()),
        },
        ["identitygovernance", "privilegedaccess", "group", "assignmentschedulerequests", _, "cancel"] if post => Route::GroupRequestCancel(segs[4].to_string()),
        ["groups"] if get => Route::Groups,
        ["groups", _] if get => Route::Group(segs[1].to_string()),
        ["policies", "rolemanagementpolicyassignments"] if get => Route::Policies,
        ["me"] | ["$batch"] | ["rolemanagement", ..] | ["identitygovernance", ..] | ["groups", ..] | ["policies", ..] => return Err(wrong()),
        _ => return Err(not_found()),
    };
    Ok(r)
}

/// Checks the token for Graph: audience (401) and scopes (403, in the observed wrapped shape).
pub fn authorize(route: &Route, token: Result<TokenInfo, &'static str>) -> Result<TokenInfo, Resp> {
    let info = match token {
        Ok(info) => info,
        Err("missing") => {
            return Err(Resp::graph_error(
                401,
                "InvalidAuthenticationToken",
                "Access token is empty.",
            ))
        }
        Err("expired") => {
            return Err(Resp::graph_error(
                401,
                "InvalidAuthenticationToken",
                "Lifetime validation failed, the token is expired.",
            ))
        }
        Err(_) => {
            return Err(Resp::graph_error(
                401,
                "InvalidAuthenticationToken",
                "Access token validation failure.",
            ))
        }
    };
    if !matches!(
        info.audience.as_str(),
        crate::auth::GRAPH_AUD
            | "https://graph.microsoft.com/"
            | "00000003-0000-0000-c000-000000000000"
    ) {
        return Err(Resp::graph_error(
            401,
            "InvalidAuthenticationToken",
            "Access token validation failure. Invalid audience.",
        ));
    }
    let accepted = route.scopes();
    if !accepted.is_empty()
        && !info
            .scopes
            .iter()
            .any(|s| accepted.iter().any(|a| a.eq_ignore_ascii_case(s)))
    {
        let inner = json!({"errorCode": "PermissionScopeNotGranted", "message": format!("Authorization failed due to missing permission scope {}.", accepted.join(",")), "instanceAnnotations": []});
        return Err(Resp::graph_error(403, "UnknownError", &inner.to_string()));
    }
    Ok(info)
}

pub struct Ctx<'a> {
    pub tenant: &'a mut Tenant,
    pub token: &'a TokenInfo,
    /// `http://127.0.0.1:port/graph`, for next links.
    pub base: &'a str,
    pub req: &'a Req,
}

fn pim_error(tenant: &Tenant, e: PimError) -> Resp {
    if tenant.settings.wrap_graph_errors {
        let inner = json!({"errorCode": e.code, "message": e.message, "instanceAnnotations": []});
        Resp::graph_error(e.status, "UnknownError", &inner.to_string())
    } else {
        Resp::graph_error(e.status, &e.code, &e.message)
    }
}

fn collection(ctx: &Ctx, context: &str, items: Vec<Value>) -> Resp {
    let offset = match ctx.req.q("$skiptoken") {
        Some(t) => match decode_token(t) {
            Some(o) => o,
            None => return Resp::graph_error(400, "BadRequest", "The $skiptoken is not valid."),
        },
        None => 0,
    };
    let size = ctx
        .req
        .q("$top")
        .and_then(|t| t.parse().ok())
        .unwrap_or(ctx.tenant.settings.graph_page_size)
        .min(ctx.tenant.settings.graph_page_size.max(1));
    let selected = items
        .into_iter()
        .map(|i| select(i, ctx.req.q("$select")))
        .collect();
    let (items, next) = page(selected, offset, size);
    let mut body = json!({"@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#{context}"), "value": items});
    if let Some(next) = next {
        let mut query: Vec<(String, String)> = ctx
            .req
            .query
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("$skiptoken"))
            .cloned()
            .collect();
        query.push(("$skiptoken".into(), encode_token(next)));
        body["@odata.nextLink"] = json!(url_with_query(ctx.base, &ctx.req.path, &query));
    }
    Resp::json(200, &body)
}

fn role_definition(t: &Tenant, id: &str) -> Option<Value> {
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

fn group_object(t: &Tenant, id: &str) -> Option<Value> {
    let g = t
        .scenario
        .groups
        .iter()
        .find(|g| g.id.eq_ignore_ascii_case(id))?;
    Some(
        json!({"@odata.type": "#microsoft.graph.group", "id": g.id, "displayName": g.display_name, "description": g.description,
        "mailEnabled": false, "securityEnabled": true, "groupTypes": [], "isAssignableToRole": true}),
    )
}

fn user_object(t: &Tenant, id: &str) -> Value {
    match t.user(id) {
        Some(u) => {
            json!({"@odata.type": "#microsoft.graph.user", "id": u.id, "displayName": u.display_name, "userPrincipalName": u.user_principal_name})
        }
        None => Value::Null,
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
fn expand(
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

fn entra_eligible(e: &Eligibility) -> Value {
    let Target::Entra { role, dir_scope } = &e.target else {
        return Value::Null;
    };
    json!({"@odata.type": "#microsoft.graph.unifiedRoleEligibilityScheduleInstance", "id": e.id, "principalId": e.principal,
        "roleDefinitionId": role, "directoryScopeId": dir_scope, "appScopeId": null, "startDateTime": fmt_time(e.start),
        "endDateTime": opt_time(e.end), "memberType": "Direct", "roleEligibilityScheduleId": e.schedule_id})
}

fn entra_active(a: &Active) -> Value {
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

fn entra_request(r: &Request) -> Value {
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

fn group_eligible(e: &Eligibility) -> Value {
    let Target::Group { group, access } = &e.target else {
        return Value::Null;
    };
    json!({"@odata.type": "#microsoft.graph.privilegedAccessGroupEligibilityScheduleInstance", "id": e.id,
        "startDateTime": fmt_time(e.start), "endDateTime": opt_time(e.end), "memberType": "direct", "principalId": e.principal,
        "accessId": access, "groupId": group, "eligibilityScheduleId": e.schedule_id})
}

fn group_active(a: &Active) -> Value {
    let Target::Group { group, access } = &a.target else {
        return Value::Null;
    };
    json!({"@odata.type": "#microsoft.graph.privilegedAccessGroupAssignmentScheduleInstance", "id": a.id,
        "startDateTime": opt_time(a.start), "endDateTime": opt_time(a.end), "accessId": access, "principalId": a.principal,
        "assignmentType": if a.activated { "activated" } else { "assigned" }, "memberType": "direct", "groupId": group,
        "assignmentScheduleId": a.schedule_id})
}

fn group_request(r: &Request) -> Value {
    let Target::Group { group, access } = &r.target else {
        return Value::Null;
    };
    json!({"id": r.id, "status": r.status, "completedDateTime": opt_time(r.completed), "createdDateTime": fmt_time(r.created),
        "approvalId": r.approval_id, "customData": null, "createdBy": {"user": {"id": r.principal}}, "action": r.action.graph(),
        "isValidationOnly": false, "justification": r.justification, "scheduleInfo": schedule_info(r),
        "ticketInfo": {"ticketNumber": r.ticket_number, "ticketSystem": r.ticket_system}, "accessId": access,
        "principalId": r.principal, "groupId": group, "targetScheduleId": format!("{group}_{access}_{}", r.target_schedule_id)})
}

/// Parses the common request body parts (schedule, justification, ticket).
fn submission(body: &Value) -> Result<Submission, Resp> {
    let bad = |m: &str| Resp::graph_error(400, "BadRequest", m);
    let mut sub = Submission {
        principal: body["principalId"].as_str().unwrap_or_default().to_string(),
        justification: body["justification"].as_str().map(str::to_string),
        ticket_number: body["ticketInfo"]["ticketNumber"]
            .as_str()
            .map(str::to_string),
        ticket_system: body["ticketInfo"]["ticketSystem"]
            .as_str()
            .map(str::to_string),
        ..Submission::default()
    };
    let action = body["action"].as_str().unwrap_or_default();
    sub.action = Action::parse(action);
    if sub.action.is_none() {
        return Err(match action.to_ascii_lowercase().as_str() {
            "adminassign" | "adminupdate" | "adminremove" | "adminextend" | "adminrenew" => {
                Resp::graph_error(
                    403,
                    "AuthorizationFailed",
                    "The caller is not authorized to perform administrator actions.",
                )
            }
            _ => bad(&format!("Invalid value '{action}' for property 'action'.")),
        });
    }
    if sub.principal.is_empty() {
        return Err(bad("The property 'principalId' is required."));
    }
    let info = &body["scheduleInfo"];
    if let Some(s) = info["startDateTime"].as_str() {
        sub.start = Some(
            parse_time(s)
                .ok_or_else(|| bad(&format!("Cannot convert '{s}' to a DateTimeOffset.")))?,
        );
    }
    let exp = &info["expiration"];
    sub.expiration_type = exp["type"].as_str().map(str::to_string);
    if let Some(d) = exp["duration"].as_str() {
        sub.duration = Some(parse_duration(d).ok_or_else(|| {
            bad(&format!(
                "The duration '{d}' is not a valid ISO-8601 duration."
            ))
        })?);
    }
    if let Some(e) = exp["endDateTime"].as_str() {
        sub.end = Some(
            parse_time(e)
                .ok_or_else(|| bad(&format!("Cannot convert '{e}' to a DateTimeOffset.")))?,
        );
    }
    if sub.duration.is_some() && sub.end.is_some() {
        return Err(bad(
            "Specify either expiration.duration or expiration.endDateTime, not both.",
        ));
    }
    Ok(sub)
}

fn caller(t: &TokenInfo) -> Caller {
    Caller {
        user: t.user.clone(),
        mfa: t.mfa,
        acrs: t.acrs.clone(),
    }
}

/// Runs `submit`, or only validates it when `isValidationOnly` is true (nothing kept).
fn submit(ctx: &mut Ctx, body: &Value, sub: Submission) -> Result<Request, PimError> {
    let validate_only = body["isValidationOnly"].as_bool().unwrap_or(false);
    let (n_req, n_act) = (ctx.tenant.requests.len(), ctx.tenant.actives.len());
    let result = ctx.tenant.submit(&caller(ctx.token), sub);
    if validate_only {
        ctx.tenant.requests.truncate(n_req);
        ctx.tenant.actives.truncate(n_act);
    }
    result
}

pub fn handle(route: &Route, ctx: &mut Ctx) -> Resp {
    match handle_inner(route, ctx) {
        Ok(r) | Err(r) => r,
    }
}

fn handle_inner(route: &Route, ctx: &mut Ctx) -> Result<Resp, Resp> {
    ctx.tenant.tick();
    let me = ctx.token.user.clone();
    let t = &*ctx.tenant;
    Ok(match route {
        Route::Me => {
            let u = t.user(&me).ok_or_else(|| {
                Resp::graph_error(404, "Request_ResourceNotFound", "The user does not exist.")
            })?;
            let mut v = json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity", "id": u.id, "displayName": u.display_name,
                "userPrincipalName": u.user_principal_name, "mail": u.user_principal_name, "givenName": null, "surname": null, "jobTitle": null});
            v = select(v, ctx.req.q("$select"));
            Resp::json(200, &v)
        }
        Route::MemberOf => {
            let mut items = vec![];
            for a in t.effective_of(&me, Plane::Entra) {
                if let Target::Entra { role, dir_scope } = &a.target {
                    if dir_scope == "/" {
                        let name = role_definition(t, role)
                            .and_then(|r| r["displayName"].as_str().map(str::to_string))
                            .unwrap_or_default();
                        items.push(json!({"@odata.type": "#microsoft.graph.directoryRole", "id": crate::scenario::guid(role, 0), "displayName": name, "roleTemplateId": role}));
                    }
                }
            }
            for a in t.effective_of(&me, Plane::Group) {
                if let Target::Group { group, access } = &a.target {
                    if access == "member" {
                        if let Some(g) = group_object(t, group) {
                            items.push(g);
                        }
                    }
                }
            }
            collection(ctx, "directoryObjects", items)
        }
        Route::RoleDefinitions => {
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
            collection(ctx, "roleManagement/directory/roleDefinitions", items)
        }
        Route::RoleDefinition(id) => {
            let v = role_definition(t, id).ok_or_else(|| {
                Resp::graph_error(
                    404,
                    "Request_ResourceNotFound",
                    &format!("Resource '{id}' does not exist."),
                )
            })?;
            Resp::json(200, &select(v, ctx.req.q("$select")))
        }
        Route::EntraEligible => {
            let items = t
                .eligibilities_of(&me, Plane::Entra)
                .map(entra_eligible)
                .collect();
            listing(
                ctx,
                items,
                &["roledefinition", "principal", "directoryscope", "appscope"],
                "unifiedRoleEligibilityScheduleInstance",
            )?
        }
        Route::EntraActive => {
            let items = t.actives_of(&me, Plane::Entra).map(entra_active).collect();
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
            )?
        }
        Route::EntraRequestsMine => {
            let mut items = vec![];
            for r in t.requests_of(&me, Plane::Entra) {
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
            collection(
                ctx,
                "Collection(unifiedRoleAssignmentScheduleRequest)",
                items,
            )
        }
        Route::EntraRequest(id) => {
            let r = my_request(t, &me, Plane::Entra, id)?;
            let mut v = entra_request(r);
            v["@odata.context"] = json!("https://graph.microsoft.com/v1.0/$metadata#roleManagement/directory/roleAssignmentScheduleRequests/$entity");
            Resp::json(200, &v)
        }
        Route::EntraRequestCreate => {
            let body = ctx.req.json()?;
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
            Resp::json(201, &v)
        }
        Route::EntraRequestCancel(id) | Route::GroupRequestCancel(id) => {
            ctx.tenant
                .cancel(&me, id)
                .map_err(|e| pim_error(ctx.tenant, e))?;
            Resp::empty(204)
        }
        Route::GroupEligible => {
            let items = t
                .eligibilities_of(&me, Plane::Group)
                .map(group_eligible)
                .collect();
            listing(
                ctx,
                items,
                &["group", "principal"],
                "privilegedAccessGroupEligibilityScheduleInstance",
            )?
        }
        Route::GroupActive => {
            let items = t.actives_of(&me, Plane::Group).map(group_active).collect();
            listing(
                ctx,
                items,
                &["group", "principal", "activatedusing"],
                "privilegedAccessGroupAssignmentScheduleInstance",
            )?
        }
        Route::GroupRequestsMine => {
            let items = t
                .requests_of(&me, Plane::Group)
                .map(group_request)
                .collect();
            listing(
                ctx,
                items,
                &["group", "principal", "activatedusing", "targetschedule"],
                "privilegedAccessGroupAssignmentScheduleRequest",
            )?
        }
        Route::GroupRequest(id) => {
            let r = my_request(t, &me, Plane::Group, id)?;
            Resp::json(200, &group_request(r))
        }
        Route::GroupRequestCreate => {
            let body = ctx.req.json()?;
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
            Resp::json(201, &v)
        }
        Route::Groups => {
            let ids = ctx.req.q("$filter").and_then(|f| parse_in_filter(f, "id"));
            let items: Vec<Value> = t
                .scenario
                .groups
                .iter()
                .filter(|g| {
                    ids.as_ref()
                        .is_none_or(|ids| ids.iter().any(|i| i.eq_ignore_ascii_case(&g.id)))
                })
                .filter_map(|g| group_object(t, &g.id))
                .collect();
            collection(ctx, "groups", items)
        }
        Route::Group(id) => {
            let g = group_object(t, id).ok_or_else(|| Resp::graph_error(404, "Request_ResourceNotFound", &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present.")))?;
            Resp::json(200, &select(g, ctx.req.q("$select")))
        }
        Route::Policies => policies(ctx)?,
        Route::Batch => unreachable_batch(),
    })
}

/// One of the caller's requests by id, or Graph's 404.
fn my_request<'a>(t: &'a Tenant, me: &'a str, plane: Plane, id: &str) -> Result<&'a Request, Resp> {
    t.requests_of(me, plane)
        .find(|r| r.id.eq_ignore_ascii_case(id))
        .ok_or_else(|| {
            Resp::graph_error(
                404,
                "Request_ResourceNotFound",
                &format!("Resource '{id}' does not exist."),
            )
        })
}

/// A collection of rendered items with `$expand` applied to each, then paged.
fn listing(ctx: &Ctx, items: Vec<Value>, allowed: &[&str], type_name: &str) -> Result<Resp, Resp> {
    let mut out = Vec::with_capacity(items.len());
    for mut v in items {
        expand(ctx.tenant, ctx.req, &mut v, allowed, type_name)?;
        out.push(v);
    }
    Ok(collection(ctx, &format!("Collection({type_name})"), out))
}

fn unreachable_batch() -> Resp {
    Resp::graph_error(
        500,
        "InternalServerError",
        "$batch is handled by the dispatcher.",
    )
}

fn policies(ctx: &Ctx) -> Result<Resp, Resp> {
    let t = &*ctx.tenant;
    let filter = ctx.req.q("$filter").ok_or_else(|| {
        Resp::graph_error(
            400,
            "BadRequest",
            "The $filter on scopeId and scopeType is required.",
        )
    })?;
    let clauses = parse_eq_filter(filter).ok_or_else(|| {
        Resp::graph_error(
            400,
            "BadRequest",
            "Invalid $filter: use scopeId eq '...' and scopeType eq '...'.",
        )
    })?;
    let get = |k: &str| {
        clauses
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    let (Some(scope_id), Some(scope_type)) = (get("scopeId"), get("scopeType")) else {
        return Err(Resp::graph_error(
            400,
            "BadRequest",
            "The $filter on scopeId and scopeType is required.",
        ));
    };
    let role_filter = get("roleDefinitionId");
    let tenant_id = &t.scenario.tenant.id;
    let mut targets = vec![];
    match scope_type.to_ascii_lowercase().as_str() {
        "directoryrole" | "directory" => {
            if scope_id != "/" {
                return Err(Resp::graph_error(
                    400,
                    "BadRequest",
                    "For directory roles scopeId must be '/'.",
                ));
            }
            for r in &t.scenario.role_definitions {
                targets.push((
                    Target::Entra {
                        role: r.id.clone(),
                        dir_scope: "/".into(),
                    },
                    r.id.clone(),
                ));
            }
        }
        "group" => {
            if !t
                .scenario
                .groups
                .iter()
                .any(|g| g.id.eq_ignore_ascii_case(&scope_id))
            {
                return Err(Resp::graph_error(
                    404,
                    "Request_ResourceNotFound",
                    &format!("Group '{scope_id}' does not exist."),
                ));
            }
            for access in ["member", "owner"] {
                targets.push((
                    Target::Group {
                        group: scope_id.clone(),
                        access: access.into(),
                    },
                    access.to_string(),
                ));
            }
        }
        other => {
            return Err(Resp::graph_error(
                400,
                "BadRequest",
                &format!("Unsupported scopeType '{other}'."),
            ))
        }
    }
    let expands = parse_expand(ctx.req.q("$expand"));
    let policy_expand = expands
        .iter()
        .find(|e| e.name.eq_ignore_ascii_case("policy"));
    let with_rules = policy_expand.is_some_and(|e| {
        e.expand
            .as_deref()
            .is_some_and(|x| x.to_ascii_lowercase().contains("rules"))
    });
    let mut items = vec![];
    for (target, role_id) in targets {
        if role_filter
            .as_ref()
            .is_some_and(|f| !f.eq_ignore_ascii_case(&role_id))
        {
            continue;
        }
        let policy = t.policy_for(&target);
        let pguid = crate::scenario::guid(&format!("policy:{scope_id}:{role_id}"), 0);
        let (policy_id, id, kind) = match &target {
            Target::Group { group, access } => (
                format!("Group_{group}_{pguid}"),
                format!("Group_{group}_{pguid}_{access}"),
                "Group",
            ),
            _ => (
                format!("DirectoryRole_{tenant_id}_{pguid}"),
                format!("DirectoryRole_{tenant_id}_{pguid}_{role_id}"),
                "DirectoryRole",
            ),
        };
        let mut v = json!({"id": id, "policyId": policy_id, "scopeId": scope_id, "scopeType": kind, "roleDefinitionId": role_id});
        if policy_expand.is_some() {
            let mut p = json!({"id": policy_id, "displayName": kind, "description": kind, "isOrganizationDefault": false, "scopeId": scope_id,
                "scopeType": kind, "lastModifiedDateTime": null, "lastModifiedBy": {"displayName": null, "id": null}});
            if with_rules {
                p["rules"] = json!(crate::policy::graph_rules(&policy));
            }
            v["policy"] = p;
        }
        items.push(v);
    }
    Ok(collection(
        ctx,
        "policies/roleManagementPolicyAssignments(policy(rules()))",
        items,
    ))
}
