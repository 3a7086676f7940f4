//! Role assignment schedule requests: the caller's list (`asTarget()`), one by name,
//! cancelling, and the self-service PUT by GUID that submits an activation (the admin
//! request types go to `admin`).

use super::common::{check_as_target, covers, known_scope, list, pim_error, Ctx};
use super::render::request;
use crate::auth::TokenInfo;
use crate::http::Resp;
use crate::state::{field, is_admin_action, Action, AdminLevel, Caller, Plane, Submission, Target};
use crate::time::{parse_duration, parse_time};

/// The caller's requests at or below `scope`.
pub(super) fn list_mine(ctx: &Ctx, me: &str, scope: &str) -> Result<Resp, Resp> {
    known_scope(ctx.tenant, scope)?;
    check_as_target(ctx)?;
    let t = &*ctx.tenant;
    let items: Vec<_> = t
        .requests_of(me, Plane::Azure)
        .filter(|r| matches!(&r.target, Target::Azure { scope: s, .. } if covers(scope, s)))
        .collect();
    Ok(list(ctx, items, |r| request(t, r)))
}

/// One of the caller's requests by name.
pub(super) fn get(ctx: &Ctx, me: &str, name: &str) -> Result<Resp, Resp> {
    let t = &*ctx.tenant;
    let r = t
        .requests_of(me, Plane::Azure)
        .find(|r| r.id.eq_ignore_ascii_case(name));
    let Some(r) = r else {
        return super::admin::get(ctx, me, name, AdminLevel::Assignment).ok_or_else(|| {
            Resp::arm_error(
                404,
                "RoleAssignmentScheduleRequestNotFound",
                &format!("The role assignment schedule request '{name}' does not exist."),
            )
        });
    };
    Ok(Resp::json(200, &request(t, r)))
}

/// Cancels one of the caller's pending requests.
pub(super) fn cancel(ctx: &mut Ctx, me: &str, name: &str) -> Result<Resp, Resp> {
    ctx.tenant.cancel(me, name).map_err(pim_error)?;
    Ok(Resp::empty(200))
}

/// `PUT .../roleAssignmentScheduleRequests/{guid}`: a self-service request.
pub(super) fn put(ctx: &mut Ctx, scope: &str, name: &str) -> Result<Resp, Resp> {
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
    let request_type = field(field(&body, "properties"), "requestType")
        .as_str()
        .unwrap_or_default();
    if ctx.token.app_only && request_type.to_ascii_lowercase().starts_with("self") {
        return Err(Resp::arm_error(
            400,
            "InvalidRequestContent",
            &format!("The requestType '{request_type}' acts for the signed-in user; an application token (app-only) has no user to act for."),
        ));
    }
    if is_admin_action(request_type) {
        return super::admin::put(ctx, scope, name, AdminLevel::Assignment);
    }
    let action = Action::parse(request_type);
    if action.is_none() {
        return Err(bad(format!(
            "The requestType '{request_type}' is not valid."
        )));
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
            scope: scope.to_string(),
            role: role.to_string(),
        }),
        justification: p["justification"].as_str().map(str::to_string),
        ticket_number: p["ticketInfo"]["ticketNumber"].as_str().map(str::to_string),
        ticket_system: p["ticketInfo"]["ticketSystem"].as_str().map(str::to_string),
        expiration_type: info["expiration"]["type"].as_str().map(str::to_string),
        linked_eligibility: p["linkedRoleEligibilityScheduleId"]
            .as_str()
            .map(str::to_string),
        name: Some(name.to_string()),
        ..Submission::default()
    };
    if let Some(s) = info["startDateTime"].as_str() {
        sub.start =
            Some(parse_time(s).ok_or_else(|| bad(format!("Cannot parse startDateTime '{s}'.")))?);
    }
    if let Some(d) = info["expiration"]["duration"].as_str() {
        sub.duration = Some(parse_duration(d).ok_or_else(|| {
            bad(format!(
                "The duration '{d}' is not a valid ISO-8601 duration."
            ))
        })?);
    }
    if let Some(e) = info["expiration"]["endDateTime"].as_str() {
        sub.end =
            Some(parse_time(e).ok_or_else(|| bad(format!("Cannot parse endDateTime '{e}'.")))?);
    }
    if sub.principal.is_empty() {
        return Err(bad("properties.principalId is required.".into()));
    }
    let r = ctx
        .tenant
        .submit(&caller(ctx.token), sub)
        .map_err(pim_error)?;
    Ok(Resp::json(201, &request(ctx.tenant, &r)))
}

fn caller(t: &TokenInfo) -> Caller {
    Caller {
        user: t.user.clone(),
        mfa: t.mfa,
        acrs: t.acrs.clone(),
    }
}
