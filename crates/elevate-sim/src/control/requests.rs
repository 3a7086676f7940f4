//! `POST /_sim/requests`: a request from any scenario user, sent through the normal
//! submission path (eligibility and policy rules apply), so that approvers have something to
//! decide. `selfExtend` / `selfRenew` are filed straight to approval (`PendingApproval`).

use serde_json::{json, Value};

use crate::http::{Req, Resp};
use crate::state::{Action, Caller, Plane, Request, Submission, Target, Tenant};
use crate::time::{parse_duration, parse_time};
use crate::Inner;

fn error(status: u16, code: &str, message: &str) -> Resp {
    Resp::json(
        status,
        &json!({"error": {"code": code, "message": message}}),
    )
}

fn bad(code: &str, message: &str) -> Resp {
    error(400, code, message)
}

/// `{"user", "plane": "entra"|"group"|"azure", "role", "group", "access", "scope", "action",
/// "justification", "ticketNumber", "ticketSystem", "duration", "start"}` →
/// `{"id", "approvalId", "status", "plane"}`; `approvalId` as the plane's API gives it (ARM:
/// the full `/providers/Microsoft.Authorization/roleAssignmentApprovals/{guid}` path).
pub(super) fn create(inner: &mut Inner, req: &Req) -> Resp {
    let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
        return bad(
            "BadRequest",
            "expected a JSON object: {\"user\", \"plane\", \"role\" | \"group\", ...}",
        );
    };
    let t = &mut inner.tenant;
    t.tick();
    let s = |k: &str| body[k].as_str().map(str::trim).filter(|v| !v.is_empty());
    let Some(user_ref) = s("user") else {
        return bad(
            "BadRequest",
            "user: a user id or userPrincipalName is required",
        );
    };
    let Some(user) = t
        .scenario
        .users
        .iter()
        .find(|u| {
            u.id.eq_ignore_ascii_case(user_ref)
                || u.user_principal_name.eq_ignore_ascii_case(user_ref)
        })
        .map(|u| u.id.clone())
    else {
        return bad(
            "UnknownUser",
            &format!("user: no user '{user_ref}' in the scenario"),
        );
    };
    let target = match target(t, &body) {
        Ok(target) => target,
        Err(resp) => return resp,
    };
    let action = match s("action") {
        None => Action::SelfActivate,
        Some(a) => match Action::parse(a) {
            Some(a @ (Action::SelfActivate | Action::SelfExtend | Action::SelfRenew)) => a,
            _ => {
                return bad(
                    "BadRequest",
                    &format!("action: '{a}' is not selfActivate, selfExtend or selfRenew"),
                )
            }
        },
    };
    let policy = t.policy_for(&target);
    let max = parse_duration(&policy.max_duration).unwrap_or_else(|| chrono::Duration::hours(1));
    let duration = match s("duration") {
        None => max.min(chrono::Duration::hours(1)),
        Some(d) => match parse_duration(d) {
            Some(d) => d,
            None => {
                return bad(
                    "BadRequest",
                    &format!("duration: '{d}' is not an ISO-8601 duration"),
                )
            }
        },
    };
    let start = match s("start") {
        None => None,
        Some(v) => match parse_time(v) {
            Some(v) => Some(v),
            None => {
                return bad(
                    "BadRequest",
                    &format!("start: '{v}' is not an RFC 3339 time"),
                )
            }
        },
    };
    let sub = Submission {
        action: Some(action),
        principal: user.clone(),
        target: Some(target),
        justification: s("justification").map(str::to_string),
        ticket_number: s("ticketNumber").map(str::to_string),
        ticket_system: s("ticketSystem").map(str::to_string),
        start,
        expiration_type: Some("afterDuration".into()),
        duration: Some(duration),
        ..Submission::default()
    };
    // The user signed in with MFA and satisfied any authentication context the policy asks.
    let caller = Caller {
        user,
        mfa: true,
        acrs: policy.auth_context.into_iter().collect(),
    };
    let result = match action {
        Action::SelfActivate => t.submit(&caller, sub),
        _ => t.file_for_approval(sub),
    };
    match result {
        Ok(r) => Resp::json(200, &created(&r)),
        Err(e) => error(e.status, &e.code, &e.message),
    }
}

fn created(r: &Request) -> Value {
    let (plane, approval) = match r.target.plane() {
        Plane::Entra => ("entra", r.approval_id.clone()),
        Plane::Group => ("group", r.approval_id.clone()),
        Plane::Azure => (
            "azure",
            r.approval_id
                .as_ref()
                .map(|a| format!("/providers/Microsoft.Authorization/roleAssignmentApprovals/{a}")),
        ),
    };
    json!({"id": r.id, "approvalId": approval, "status": r.status, "plane": plane})
}

/// The target named by `plane` and `role` / `group` + `access` / `scope` (ids or display names).
fn target(t: &Tenant, body: &Value) -> Result<Target, Resp> {
    let s = |k: &str| body[k].as_str().map(str::trim).filter(|v| !v.is_empty());
    let sc = &t.scenario;
    match s("plane").map(str::to_ascii_lowercase).as_deref() {
        Some("entra") => {
            let role_ref = s("role").ok_or_else(|| {
                bad(
                    "BadRequest",
                    "role: a role definition id or display name is required",
                )
            })?;
            let role = sc
                .role_definitions
                .iter()
                .find(|r| {
                    r.id.eq_ignore_ascii_case(role_ref)
                        || r.display_name.eq_ignore_ascii_case(role_ref)
                })
                .ok_or_else(|| {
                    bad(
                        "UnknownRole",
                        &format!("role: no directory role '{role_ref}'"),
                    )
                })?;
            Ok(Target::Entra {
                role: role.id.clone(),
                dir_scope: s("scope").unwrap_or("/").to_string(),
            })
        }
        Some("group") => {
            let group_ref = s("group").ok_or_else(|| {
                bad(
                    "BadRequest",
                    "group: a group id or display name is required",
                )
            })?;
            let group = sc
                .groups
                .iter()
                .find(|g| {
                    g.id.eq_ignore_ascii_case(group_ref)
                        || g.display_name.eq_ignore_ascii_case(group_ref)
                })
                .ok_or_else(|| bad("UnknownGroup", &format!("group: no group '{group_ref}'")))?;
            let access = s("access").unwrap_or("member").to_ascii_lowercase();
            if !matches!(access.as_str(), "member" | "owner") {
                return Err(bad(
                    "BadRequest",
                    &format!("access: '{access}' is not member or owner"),
                ));
            }
            Ok(Target::Group {
                group: group.id.clone(),
                access,
            })
        }
        Some("azure") => {
            let role_ref = s("role").ok_or_else(|| {
                bad(
                    "BadRequest",
                    "role: an Azure role definition id or display name is required",
                )
            })?;
            let role_id = role_ref.rsplit('/').next().unwrap_or(role_ref);
            let role = sc
                .azure_role_definitions
                .iter()
                .find(|r| {
                    r.id.eq_ignore_ascii_case(role_id)
                        || r.display_name.eq_ignore_ascii_case(role_ref)
                })
                .ok_or_else(|| bad("UnknownRole", &format!("role: no Azure role '{role_ref}'")))?;
            let scope_ref = s("scope")
                .ok_or_else(|| bad("BadRequest", "scope: an Azure scope id is required"))?;
            let scope = sc
                .azure_scopes
                .iter()
                .find(|x| x.id.eq_ignore_ascii_case(scope_ref.trim_end_matches('/')))
                .ok_or_else(|| {
                    bad(
                        "UnknownScope",
                        &format!("scope: no Azure scope '{scope_ref}'"),
                    )
                })?;
            Ok(Target::Azure {
                scope: scope.id.clone(),
                role: role.id.clone(),
            })
        }
        other => Err(bad(
            "BadRequest",
            &format!(
                "plane: '{}' is not entra, group or azure",
                other.unwrap_or_default()
            ),
        )),
    }
}
