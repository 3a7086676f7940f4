//! Azure Resource Manager, Microsoft.Authorization api-version 2020-10-01: schedule
//! instances (tenant root and scoped, `asTarget()`), schedule requests (PUT by GUID, GET,
//! cancel), policy assignments with effectiveRules, policies, and permissions.

use serde_json::{json, Value};

use crate::auth::TokenInfo;
use crate::http::{decode_token, encode_token, page, parse_eq_filter, url_with_query, Req, Resp};
use crate::state::{
    Action, Active, Caller, Eligibility, PimError, Plane, Request, Submission, Target, Tenant,
};
use crate::time::{fmt_duration, fmt_time, parse_duration, parse_time, Time};

const PROVIDER: &str = "/providers/microsoft.authorization/";
const API_VERSIONS: &[&str] = &[
    "2020-10-01",
    "2020-10-01-preview",
    "2022-04-01",
    "2022-04-01-preview",
    "2024-02-01-preview",
    "2024-09-01-preview",
    "2015-07-01",
];

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Eligible { scope: String },
    Active { scope: String },
    RequestPut { scope: String, name: String },
    RequestGet { scope: String, name: String },
    RequestList { scope: String },
    RequestCancel { scope: String, name: String },
    PolicyAssignments { scope: String },
    Policy { scope: String, name: String },
    Permissions { scope: String },
    RoleDefinition { scope: String, name: String },
}

impl Route {
    pub fn key(&self) -> &'static str {
        match self {
            Route::Eligible { .. } => "arm.roleEligibilityScheduleInstances",
            Route::Active { .. } => "arm.roleAssignmentScheduleInstances",
            Route::RequestPut { .. } => "arm.roleAssignmentScheduleRequests.put",
            Route::RequestGet { .. } => "arm.roleAssignmentScheduleRequests.get",
            Route::RequestList { .. } => "arm.roleAssignmentScheduleRequests.list",
            Route::RequestCancel { .. } => "arm.roleAssignmentScheduleRequests.cancel",
            Route::PolicyAssignments { .. } => "arm.roleManagementPolicyAssignments",
            Route::Policy { .. } => "arm.roleManagementPolicies",
            Route::Permissions { .. } => "arm.permissions",
            Route::RoleDefinition { .. } => "arm.roleDefinitions.get",
        }
    }
}

pub fn route(method: &str, path: &str, req: &Req) -> Result<Route, Resp> {
    let lower = path.to_ascii_lowercase();
    let Some(idx) = lower.rfind(PROVIDER) else {
        return Err(Resp::arm_error(
            404,
            "InvalidResourceType",
            "The resource type could not be found in the namespace.",
        ));
    };
    let scope = path[..idx].trim_end_matches('/').to_string();
    let rest: Vec<&str> = path[idx + PROVIDER.len()..]
        .trim_end_matches('/')
        .split('/')
        .collect();
    let rest_l: Vec<String> = rest.iter().map(|s| s.to_ascii_lowercase()).collect();
    let rl: Vec<&str> = rest_l.iter().map(String::as_str).collect();
    match req.q("api-version") {
        None => {
            return Err(Resp::arm_error(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            ))
        }
        Some(v) if !API_VERSIONS.contains(&v) => {
            return Err(Resp::arm_error(
                400,
                "InvalidApiVersionParameter",
                &format!(
                    "The api-version '{v}' is invalid. The supported versions are '{}'.",
                    API_VERSIONS.join(",")
                ),
            ))
        }
        _ => {}
    }
    let r = match (method, rl.as_slice()) {
        ("GET", ["roleeligibilityscheduleinstances"]) => Route::Eligible { scope },
        ("GET", ["roleassignmentscheduleinstances"]) => Route::Active { scope },
        ("GET", ["roleassignmentschedulerequests"]) => Route::RequestList { scope },
        ("PUT", ["roleassignmentschedulerequests", _]) => Route::RequestPut { scope, name: rest[1].to_string() },
        ("GET", ["roleassignmentschedulerequests", _]) => Route::RequestGet { scope, name: rest[1].to_string() },
        ("POST", ["roleassignmentschedulerequests", _, "cancel"]) => Route::RequestCancel { scope, name: rest[1].to_string() },
        ("GET", ["rolemanagementpolicyassignments"]) => Route::PolicyAssignments { scope },
        ("GET", ["rolemanagementpolicies", _]) => Route::Policy { scope, name: rest[1].to_string() },
        ("GET", ["permissions"]) => Route::Permissions { scope },
        ("GET", ["roledefinitions", _]) => Route::RoleDefinition { scope, name: rest[1].to_string() },
        (_, [..]) if rl.first().is_some_and(|c| c.starts_with("role") || *c == "permissions") => {
            return Err(Resp::arm_error(405, "MethodNotAllowed", &format!("The method {method} is not allowed here.")))
        }
        _ => return Err(Resp::arm_error(404, "InvalidResourceType", &format!("The resource type '{}' could not be found in the namespace 'Microsoft.Authorization'.", rest.first().unwrap_or(&"")))),
    };
    Ok(r)
}

pub fn authorize(token: Result<TokenInfo, &'static str>) -> Result<TokenInfo, Resp> {
    let info = match token {
        Ok(i) => i,
        Err("missing") => {
            return Err(Resp::arm_error(
                401,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing.",
            ))
        }
        Err("expired") => {
            return Err(Resp::arm_error(
                401,
                "ExpiredAuthenticationToken",
                "The access token expiry UTC time is earlier than current UTC time.",
            ))
        }
        Err(_) => {
            return Err(Resp::arm_error(
                401,
                "InvalidAuthenticationToken",
                "The access token is invalid.",
            ))
        }
    };
    if !matches!(
        info.audience.trim_end_matches('/'),
        "https://management.core.windows.net" | "https://management.azure.com"
    ) {
        return Err(Resp::arm_error(401, "InvalidAuthenticationTokenAudience", "The access token has been obtained for wrong audience or resource. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.azure.com/'."));
    }
    if !info.scopes.iter().any(|s| s == "user_impersonation") {
        return Err(Resp::arm_error(
            403,
            "AuthorizationFailed",
            "The access token does not carry the user_impersonation scope.",
        ));
    }
    Ok(info)
}

pub struct Ctx<'a> {
    pub tenant: &'a mut Tenant,
    pub token: &'a TokenInfo,
    pub base: &'a str,
    pub req: &'a Req,
}

fn pim_error(e: PimError) -> Resp {
    Resp::arm_error(e.status, &e.code, &e.message)
}

/// Ancestor-or-self, case-insensitively; management groups contain every subscription.
fn covers(outer: &str, inner: &str) -> bool {
    let (o, i) = (outer.to_ascii_lowercase(), inner.to_ascii_lowercase());
    o.is_empty()
        || i == o
        || i.starts_with(&format!("{o}/"))
        || (o.contains("/managementgroups/") && i.starts_with("/subscriptions/"))
}

fn scope_info(t: &Tenant, scope: &str) -> Value {
    let s = t
        .scenario
        .azure_scopes
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(scope));
    json!({"id": scope, "displayName": s.map(|s| s.display_name.clone()).unwrap_or_default(), "type": s.map(|s| s.kind.clone()).unwrap_or_default()})
}

fn role_def_id(scope: &str, role: &str) -> String {
    format!("{scope}/providers/Microsoft.Authorization/roleDefinitions/{role}")
}

fn role_info(t: &Tenant, scope: &str, role: &str) -> Value {
    let name = t
        .scenario
        .azure_role_definitions
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(role))
        .map(|r| r.display_name.clone())
        .unwrap_or_default();
    json!({"id": role_def_id(scope, role), "displayName": name, "type": "BuiltInRole"})
}

fn principal_info(t: &Tenant, id: &str) -> Value {
    let u = t.user(id);
    json!({"id": id, "displayName": u.map(|u| u.display_name.clone()), "email": u.map(|u| u.user_principal_name.clone()), "type": "User"})
}

fn opt_time(t: Option<Time>) -> Value {
    t.map(|t| json!(fmt_time(t))).unwrap_or(Value::Null)
}

fn eligible(t: &Tenant, e: &Eligibility) -> Value {
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

fn active(t: &Tenant, a: &Active) -> Value {
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

fn request(t: &Tenant, r: &Request) -> Value {
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
        "requestType": r.action.arm(), "status": r.status, "approvalId": r.approval_id,
        "scheduleInfo": {"startDateTime": fmt_time(r.start), "expiration": {"type": exp_type, "endDateTime": if exp_type == "AfterDateTime" { opt_time(r.end) } else { Value::Null }, "duration": duration}},
        "ticketInfo": {"ticketNumber": r.ticket_number, "ticketSystem": r.ticket_system}, "justification": r.justification,
        "requestorId": r.principal, "createdOn": fmt_time(r.created), "condition": null, "conditionVersion": null,
        "linkedRoleEligibilityScheduleId": r.linked_eligibility,
        "expandedProperties": {"scope": scope_info(t, scope), "roleDefinition": role_info(t, scope, role), "principal": principal_info(t, &r.principal)}},
        "name": r.id, "id": format!("{scope}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{}", r.id),
        "type": "Microsoft.Authorization/roleAssignmentScheduleRequests"})
}

/// One page of `items`; only the page is rendered (a large tenant's listing would otherwise
/// spend its time building JSON it throws away, and that time would count in `make bench`).
fn list<T>(ctx: &Ctx, items: Vec<T>, render: impl Fn(T) -> Value) -> Resp {
    let offset = match ctx.req.q("$skiptoken") {
        Some(tok) => match decode_token(tok) {
            Some(o) => o,
            None => {
                return Resp::arm_error(400, "InvalidSkipToken", "The $skiptoken is not valid.")
            }
        },
        None => 0,
    };
    let (items, next) = page(items, offset, ctx.tenant.settings.arm_page_size);
    let items: Vec<Value> = items.into_iter().map(render).collect();
    let mut body = json!({"value": items});
    if let Some(next) = next {
        let mut query: Vec<(String, String)> = ctx
            .req
            .query
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("$skiptoken"))
            .cloned()
            .collect();
        query.push(("$skiptoken".into(), encode_token(next)));
        body["nextLink"] = json!(url_with_query(ctx.base, &ctx.req.path, &query));
    }
    Resp::json(200, &body)
}

/// Listing needs `asTarget()` (or a filter on the caller) without read rights at the scope [OBS].
fn check_as_target(ctx: &Ctx) -> Result<(), Resp> {
    let f = ctx
        .req
        .q("$filter")
        .unwrap_or_default()
        .to_ascii_lowercase()
        .replace(' ', "");
    let me = ctx.token.user.to_ascii_lowercase();
    if f == "astarget()"
        || f == format!("assignedto('{me}')")
        || f == format!("principalideq'{me}'")
        || f == "asrequestor()"
    {
        Ok(())
    } else {
        Err(Resp::arm_error(400, "InsufficientPermissions", &format!("The requestor {} does not have permissions for this request. Please use $filter=asTarget() to filter on the requestor's assignments.", ctx.token.user)))
    }
}

fn known_scope(t: &Tenant, scope: &str) -> Result<(), Resp> {
    if scope.is_empty()
        || t.scenario
            .azure_scopes
            .iter()
            .any(|s| s.id.eq_ignore_ascii_case(scope) || covers(scope, &s.id))
    {
        return Ok(());
    }
    if scope.to_ascii_lowercase().starts_with("/subscriptions/") {
        let sub: String = scope.split('/').take(3).collect::<Vec<_>>().join("/");
        if !t
            .scenario
            .azure_scopes
            .iter()
            .any(|s| s.id.eq_ignore_ascii_case(&sub))
        {
            return Err(Resp::arm_error(
                404,
                "SubscriptionNotFound",
                &format!(
                    "The subscription '{}' could not be found.",
                    sub.trim_start_matches("/subscriptions/")
                ),
            ));
        }
    }
    Err(Resp::arm_error(
        404,
        "ResourceNotFound",
        &format!("The scope '{scope}' was not found."),
    ))
}

fn policy_guid(scope: &str, role: &str) -> String {
    crate::scenario::guid(
        &format!(
            "armpolicy:{}:{}",
            scope.to_ascii_lowercase(),
            role.to_ascii_lowercase()
        ),
        0,
    )
}

fn caller(t: &TokenInfo) -> Caller {
    Caller {
        user: t.user.clone(),
        mfa: t.mfa,
        acrs: t.acrs.clone(),
    }
}

pub fn handle(route: &Route, ctx: &mut Ctx) -> Resp {
    match handle_inner(route, ctx) {
        Ok(r) | Err(r) => r,
    }
}

fn handle_inner(route: &Route, ctx: &mut Ctx) -> Result<Resp, Resp> {
    ctx.tenant.tick();
    let me = ctx.token.user.clone();
    Ok(match route {
        Route::Eligible { scope } | Route::Active { scope } => {
            known_scope(ctx.tenant, scope)?;
            check_as_target(ctx)?;
            let t = &*ctx.tenant;
            let related = |s: &str| covers(scope, s) || covers(s, scope);
            if matches!(route, Route::Eligible { .. }) {
                let items: Vec<_> = t
                    .eligibilities_of(&me, Plane::Azure)
                    .filter(|e| matches!(&e.target, Target::Azure { scope: s, .. } if related(s)))
                    .collect();
                list(ctx, items, |e| eligible(t, e))
            } else {
                let items: Vec<_> = t
                    .actives_of(&me, Plane::Azure)
                    .filter(|a| matches!(&a.target, Target::Azure { scope: s, .. } if related(s)))
                    .collect();
                list(ctx, items, |a| active(t, a))
            }
        }
        Route::RequestList { scope } => {
            known_scope(ctx.tenant, scope)?;
            check_as_target(ctx)?;
            let t = &*ctx.tenant;
            let items: Vec<_> = t
                .requests_of(&me, Plane::Azure)
                .filter(|r| matches!(&r.target, Target::Azure { scope: s, .. } if covers(scope, s)))
                .collect();
            list(ctx, items, |r| request(t, r))
        }
        Route::RequestGet { name, .. } => {
            let t = &*ctx.tenant;
            let r = t
                .requests_of(&me, Plane::Azure)
                .find(|r| r.id.eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    Resp::arm_error(
                        404,
                        "RoleAssignmentScheduleRequestNotFound",
                        &format!("The role assignment schedule request '{name}' does not exist."),
                    )
                })?;
            Resp::json(200, &request(t, r))
        }
        Route::RequestCancel { name, .. } => {
            ctx.tenant.cancel(&me, name).map_err(pim_error)?;
            Resp::empty(200)
        }
        Route::RequestPut { scope, name } => {
            if uuid::Uuid::parse_str(name).is_err() {
                return Err(Resp::arm_error(
                    400,
                    "InvalidRoleAssignmentScheduleRequestName",
                    &format!("The request name '{name}' is not a valid GUID."),
                ));
            }
            known_scope(ctx.tenant, scope)?;
            let body = ctx.req.json().map_err(|_| {
                Resp::arm_error(
                    400,
                    "InvalidRequestContent",
                    "The request content was invalid and could not be deserialized.",
                )
            })?;
            let p = &body["properties"];
            let bad = |m: String| Resp::arm_error(400, "InvalidRequestContent", &m);
            let request_type = p["requestType"].as_str().unwrap_or_default();
            let action = Action::parse(request_type);
            if action.is_none() {
                return Err(if request_type.to_ascii_lowercase().starts_with("admin") {
                    Resp::arm_error(403, "AuthorizationFailed", "The client does not have authorization to perform administrator requests at this scope.")
                } else {
                    bad(format!("The requestType '{request_type}' is not valid."))
                });
            }
            let role_full = p["roleDefinitionId"].as_str().unwrap_or_default();
            let role = role_full.rsplit('/').next().unwrap_or_default();
            if uuid::Uuid::parse_str(role).is_err() {
                return Err(bad(
                    "properties.roleDefinitionId must be the role definition's full ID.".into(),
                ));
            }
            let info = &p["scheduleInfo"];
            let mut sub = Submission {
                action,
                principal: p["principalId"].as_str().unwrap_or_default().to_string(),
                target: Some(Target::Azure {
                    scope: scope.clone(),
                    role: role.to_string(),
                }),
                justification: p["justification"].as_str().map(str::to_string),
                ticket_number: p["ticketInfo"]["ticketNumber"].as_str().map(str::to_string),
                ticket_system: p["ticketInfo"]["ticketSystem"].as_str().map(str::to_string),
                expiration_type: info["expiration"]["type"].as_str().map(str::to_string),
                linked_eligibility: p["linkedRoleEligibilityScheduleId"]
                    .as_str()
                    .map(str::to_string),
                name: Some(name.clone()),
                ..Submission::default()
            };
            if let Some(s) = info["startDateTime"].as_str() {
                sub.start = Some(
                    parse_time(s)
                        .ok_or_else(|| bad(format!("Cannot parse startDateTime '{s}'.")))?,
                );
            }
            if let Some(d) = info["expiration"]["duration"].as_str() {
                sub.duration = Some(parse_duration(d).ok_or_else(|| {
                    bad(format!(
                        "The duration '{d}' is not a valid ISO-8601 duration."
                    ))
                })?);
            }
            if let Some(e) = info["expiration"]["endDateTime"].as_str() {
                sub.end = Some(
                    parse_time(e).ok_or_else(|| bad(format!("Cannot parse endDateTime '{e}'.")))?,
                );
            }
            if sub.principal.is_empty() {
                return Err(bad("properties.principalId is required.".into()));
            }
            let r = ctx
                .tenant
                .submit(&caller(ctx.token), sub)
                .map_err(pim_error)?;
            Resp::json(201, &request(ctx.tenant, &r))
        }
        Route::PolicyAssignments { scope } => {
            known_scope(ctx.tenant, scope)?;
            let t = &*ctx.tenant;
            let role_filter = ctx
                .req
                .q("$filter")
                .and_then(parse_eq_filter)
                .and_then(|c| {
                    c.into_iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("roleDefinitionId"))
                        .map(|(_, v)| v)
                });
            let mut items = vec![];
            for def in &t.scenario.azure_role_definitions {
                let full = role_def_id(scope, &def.id);
                if role_filter.as_ref().is_some_and(|f| {
                    !f.eq_ignore_ascii_case(&full)
                        && !f
                            .to_ascii_lowercase()
                            .ends_with(&def.id.to_ascii_lowercase())
                }) {
                    continue;
                }
                let policy = t.policy_for(&Target::Azure {
                    scope: scope.clone(),
                    role: def.id.clone(),
                });
                let pguid = policy_guid(scope, &def.id);
                let policy_id = format!(
                    "{scope}/providers/Microsoft.Authorization/roleManagementPolicies/{pguid}"
                );
                let name = format!("{pguid}_{}", def.id);
                items.push(json!({"properties": {"scope": scope, "roleDefinitionId": full, "policyId": policy_id,
                    "effectiveRules": crate::policy::arm_rules(&policy),
                    "policyAssignmentProperties": {"scope": scope_info(t, scope), "roleDefinition": role_info(t, scope, &def.id),
                        "policy": {"id": policy_id, "lastModifiedBy": null, "lastModifiedDateTime": null}}},
                    "name": name, "type": "Microsoft.Authorization/RoleManagementPolicyAssignment",
                    "id": format!("{scope}/providers/Microsoft.Authorization/roleManagementPolicyAssignments/{name}")}));
            }
            list(ctx, items, |v| v)
        }
        Route::Policy { scope, name } => {
            let t = &*ctx.tenant;
            let def = t
                .scenario
                .azure_role_definitions
                .iter()
                .find(|d| policy_guid(scope, &d.id).eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    Resp::arm_error(
                        404,
                        "RoleManagementPolicyNotFound",
                        &format!("The role management policy '{name}' does not exist."),
                    )
                })?;
            let policy = t.policy_for(&Target::Azure {
                scope: scope.clone(),
                role: def.id.clone(),
            });
            Resp::json(
                200,
                &json!({"properties": {"scope": scope, "displayName": "Default", "description": "Default", "isOrganizationDefault": false,
                "lastModifiedBy": null, "lastModifiedDateTime": null, "rules": crate::policy::arm_rules(&policy), "effectiveRules": crate::policy::arm_rules(&policy),
                "policyProperties": {"scope": scope_info(t, scope)}},
                "name": name, "id": format!("{scope}/providers/Microsoft.Authorization/roleManagementPolicies/{name}"), "type": "Microsoft.Authorization/RoleManagementPolicies"}),
            )
        }
        Route::RoleDefinition { scope, name } => {
            known_scope(ctx.tenant, scope)?;
            let def = ctx
                .tenant
                .scenario
                .azure_role_definitions
                .iter()
                .find(|d| d.id.eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    Resp::arm_error(
                        404,
                        "RoleDefinitionDoesNotExist",
                        "The specified role definition with ID '{name}' does not exist."
                            .replace("{name}", name)
                            .as_str(),
                    )
                })?;
            Resp::json(
                200,
                &json!({"properties": {"roleName": def.display_name, "type": "BuiltInRole", "description": def.display_name,
                    "assignableScopes": ["/"], "permissions": [{"actions": def.actions, "notActions": [], "dataActions": [], "notDataActions": []}]},
                    "id": format!("/providers/Microsoft.Authorization/roleDefinitions/{}", def.id), "type": "Microsoft.Authorization/roleDefinitions", "name": def.id}),
            )
        }
        Route::Permissions { scope } => {
            known_scope(ctx.tenant, scope)?;
            let t = &*ctx.tenant;
            let mut actions: Vec<String> = vec![];
            for a in t.effective_of(&me, Plane::Azure) {
                if let Target::Azure { scope: s, role } = &a.target {
                    if covers(s, scope) {
                        if let Some(def) = t
                            .scenario
                            .azure_role_definitions
                            .iter()
                            .find(|d| d.id.eq_ignore_ascii_case(role))
                        {
                            actions.extend(def.actions.iter().cloned());
                        }
                    }
                }
            }
            actions.sort();
            actions.dedup();
            Resp::json(
                200,
                &json!({"value": if actions.is_empty() { json!([]) } else { json!([{"actions": actions, "notActions": [], "dataActions": [], "notDataActions": []}]) }}),
            )
        }
    })
}
