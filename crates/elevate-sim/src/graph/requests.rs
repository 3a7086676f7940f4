//! The write side shared by directory roles and groups: parsing a request body's schedule,
//! justification and ticket, submitting (or only validating) it, and cancelling a request.

use serde_json::Value;

use super::common::{pim_error, Ctx};
use crate::auth::TokenInfo;
use crate::http::Resp;
use crate::state::{Action, Caller, PimError, Request, Submission};
use crate::time::{parse_duration, parse_time};

/// Parses the common request body parts (schedule, justification, ticket).
/// Self-service actions (`selfActivate`...) act for the signed-in user: an application's
/// token (app-only) has none, and is refused.
pub(super) fn refuse_app_only(t: &TokenInfo, body: &Value) -> Result<(), Resp> {
    let action = body["action"].as_str().unwrap_or_default();
    if t.app_only && action.to_ascii_lowercase().starts_with("self") {
        return Err(Resp::graph_error(
            403,
            "Forbidden",
            &format!("The action '{action}' acts for the signed-in user; an application token (app-only) has no user to act for."),
        ));
    }
    Ok(())
}

pub(super) fn submission(body: &Value) -> Result<Submission, Resp> {
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
pub(super) fn submit(ctx: &mut Ctx, body: &Value, sub: Submission) -> Result<Request, PimError> {
    let validate_only = body["isValidationOnly"].as_bool().unwrap_or(false);
    // Time passes first, so what it does (expiries and their audit rows) is kept.
    ctx.tenant.tick();
    let (n_req, n_act) = (ctx.tenant.requests.len(), ctx.tenant.actives.len());
    let mark = ctx.tenant.audit.mark();
    let result = ctx.tenant.submit(&caller(ctx.token), sub);
    if validate_only {
        ctx.tenant.requests.truncate(n_req);
        ctx.tenant.actives.truncate(n_act);
        ctx.tenant.audit.forget_since(mark);
    }
    result
}

/// Cancels one of the caller's pending requests (directory role or group).
pub(super) fn cancel(ctx: &mut Ctx, me: &str, id: &str) -> Result<Resp, Resp> {
    ctx.tenant
        .cancel(me, id)
        .map_err(|e| pim_error(ctx.tenant, e))?;
    Ok(Resp::empty(204))
}
