//! The ARM Activity Log (governance §2.3): the events a role assignment (or eligibility)
//! schedule request PUT leaves in the subscription that contains its scope (`Started`, then
//! `Succeeded` or `Failed`, one correlation id, the caller's UPN as `caller`), rendered as
//! `EventData` [SPEC `activityLogs_API.json`]; and `GET /subscriptions/{sub}/providers/
//! microsoft.insights/eventtypes/management/values` reading them back, newest first, with the
//! restricted `$filter` (`activity_filter`), `$select` and `nextLink` paging.
//!
//! Who may read a subscription's log: a caller with an effective Azure role at the
//! subscription, above it (a management group) or within it (a resource group or a
//! resource). The real service asks for `Microsoft.Insights/eventtypes/values/read` at the
//! subscription; any role stands for it here [INF], else 403 `AuthorizationFailed`.
//! Management-group scopes have no subscription, so their requests leave no event here.

use chrono::Duration;
use serde_json::{json, Value};

use super::activity_filter::{self, Filter};
use super::common::{known_scope, list, Ctx};
use super::subscriptions::has_role_around;
use crate::http::{select, Resp};
use crate::state::{ActivityEvent, ACTIVITY_RETENTION_DAYS};
use crate::time::fmt_time;

const PROVIDER: &str = "Microsoft.Authorization";

/// The subscription GUID of a scope under `/subscriptions/{guid}`.
fn subscription_of(scope: &str) -> Option<String> {
    let mut segs = scope.trim_start_matches('/').split('/');
    match (segs.next(), segs.next()) {
        (Some(s), Some(id)) if s.eq_ignore_ascii_case("subscriptions") && !id.is_empty() => {
            Some(id.to_string())
        }
        _ => None,
    }
}

fn resource_group_of(scope: &str) -> String {
    let segs: Vec<&str> = scope.trim_start_matches('/').split('/').collect();
    segs.windows(2)
        .find(|w| w[0].eq_ignore_ascii_case("resourceGroups"))
        .map(|w| w[1].to_string())
        .unwrap_or_default()
}

fn localized(value: &str, localized: &str) -> Value {
    json!({"value": value, "localizedValue": localized})
}

/// The HTTP status as the Activity Log's `subStatus` spells it.
fn sub_status(code: u16) -> (String, String) {
    let name = match code {
        200 => "OK",
        201 => "Created",
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        429 => "TooManyRequests",
        _ => "InternalServerError",
    };
    let words = match name {
        "BadRequest" => "Bad Request".to_string(),
        "NotFound" => "Not Found".to_string(),
        "TooManyRequests" => "Too Many Requests".to_string(),
        "InternalServerError" => "Internal Server Error".to_string(),
        other => other.to_string(),
    };
    (name.into(), format!("{words} (HTTP Status Code: {code})"))
}

/// Records a schedule request PUT on `scope` (`set`: `roleAssignmentScheduleRequests` or
/// `roleEligibilityScheduleRequests`) with its outcome.
pub(super) fn record(
    ctx: &mut Ctx,
    scope: &str,
    name: &str,
    set: &str,
    result: &Result<Resp, Resp>,
) {
    let Some(sub) = subscription_of(scope) else {
        return;
    };
    let t = &mut *ctx.tenant;
    let known = t
        .scenario
        .azure_scopes
        .iter()
        .any(|s| s.id.eq_ignore_ascii_case(&format!("/subscriptions/{sub}")));
    if !known {
        return;
    }
    let resp = match result {
        Ok(r) | Err(r) => r,
    };
    let me = ctx.token.user.clone();
    let caller = t
        .user(&me)
        .map(|u| u.user_principal_name.clone())
        .unwrap_or_else(|| me.clone());
    let now = t.now();
    let tenant = t.scenario.tenant.id.clone();
    let action = format!("{PROVIDER}/{set}/write");
    let what = if set.starts_with("roleEligibility") {
        "Create role eligibility schedule request"
    } else {
        "Create role assignment schedule request"
    };
    let resource_id = format!("{scope}/providers/{PROVIDER}/{set}/{name}");
    let correlation = uuid::Uuid::new_v4().to_string();
    let operation = uuid::Uuid::new_v4().to_string();
    let client_request = uuid::Uuid::new_v4().to_string();
    let request_body = String::from_utf8_lossy(&ctx.req.body).to_string();
    let ok = resp.status < 300;
    let (code, code_words) = sub_status(resp.status);
    let ticks = now.timestamp_micros() * 10 + 621_355_968_000_000_000;
    let event = |begin: bool| {
        let id = uuid::Uuid::new_v4().to_string();
        let (status, level) = match (begin, ok) {
            (true, _) => ("Started", "Informational"),
            (false, true) => ("Succeeded", "Informational"),
            (false, false) => ("Failed", "Error"),
        };
        let mut properties = json!({"eventCategory": "Administrative", "entity": resource_id, "message": action,
            "hierarchy": format!("{tenant}/{sub}")});
        if begin {
            properties["requestbody"] = json!(request_body);
        } else {
            properties["statusCode"] = json!(code);
            properties["serviceRequestId"] = json!(uuid::Uuid::new_v4().to_string());
            if ok {
                properties["responseBody"] = json!(String::from_utf8_lossy(&resp.body));
            } else {
                properties["statusMessage"] = json!(String::from_utf8_lossy(&resp.body));
            }
        }
        let sub_status = if begin {
            localized("", "")
        } else {
            localized(&code, &code_words)
        };
        json!({
            "authorization": {"action": action, "scope": resource_id},
            "caller": caller, "channels": "Operation",
            "claims": {"http://schemas.microsoft.com/identity/claims/objectidentifier": me, "name": caller,
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": caller},
            "correlationId": correlation, "description": "", "eventDataId": id,
            "eventName": if begin { localized("BeginRequest", "Begin request") } else { localized("EndRequest", "End request") },
            "category": localized("Administrative", "Administrative"),
            "httpRequest": {"clientRequestId": client_request, "clientIpAddress": "127.0.0.1", "method": "PUT"},
            "id": format!("{resource_id}/events/{id}/ticks/{ticks}"),
            "level": level, "resourceGroupName": resource_group_of(scope),
            "resourceProviderName": localized(PROVIDER, "Microsoft Authorization"),
            "resourceId": resource_id,
            "resourceType": localized(&format!("{PROVIDER}/{set}"), &format!("{PROVIDER}/{set}")),
            "operationId": operation, "operationName": localized(&action, what),
            "properties": properties, "status": localized(status, status), "subStatus": sub_status,
            "eventTimestamp": fmt_time(now), "submissionTimestamp": fmt_time(now),
            "subscriptionId": sub, "tenantId": tenant})
    };
    let (begin, end) = (event(true), event(false));
    t.activity.push(now, &sub, begin);
    t.activity.push(now, &sub, end);
}

fn keeps(f: &Filter, e: &ActivityEvent) -> bool {
    let r = &e.record;
    let eq = |a: &Value, b: &str| a.as_str().is_some_and(|x| x.eq_ignore_ascii_case(b));
    e.at >= f.from
        && e.at <= f.to
        && match &f.narrow {
            None => true,
            Some(("resourceGroupName", v)) => eq(&r["resourceGroupName"], v),
            Some(("resourceUri", v)) => eq(&r["resourceId"], v),
            Some(("resourceProvider", v)) => eq(&r["resourceProviderName"]["value"], v),
            Some((_, v)) => eq(&r["correlationId"], v),
        }
}

/// `GET /subscriptions/{sub}/providers/microsoft.insights/eventtypes/management/values`.
pub(super) fn list_events(ctx: &Ctx, me: &str, subscription: &str) -> Result<Resp, Resp> {
    let t = &*ctx.tenant;
    let scope = format!("/subscriptions/{subscription}");
    known_scope(t, &scope)?;
    if !has_role_around(t, me, &scope) {
        let client = t
            .user(me)
            .map(|u| u.user_principal_name.clone())
            .unwrap_or_else(|| me.to_string());
        return Err(Resp::arm_error(
            403,
            "AuthorizationFailed",
            &format!("The client '{client}' with object id '{me}' does not have authorization to perform action 'microsoft.insights/eventtypes/values/read' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials."),
        ));
    }
    let filter = activity_filter::parse(ctx.req.q("$filter"))?;
    let oldest = t.now() - Duration::days(ACTIVITY_RETENTION_DAYS);
    let sub = subscription.to_ascii_lowercase();
    let mut events: Vec<&ActivityEvent> = t
        .activity
        .events()
        .filter(|e| e.subscription == sub && e.at >= oldest && keeps(&filter, e))
        .collect();
    events.sort_by_key(|e| std::cmp::Reverse((e.at, e.seq)));
    let wanted = ctx.req.q("$select").map(str::to_string);
    Ok(list(ctx, events, |e| {
        select(e.record.clone(), wanted.as_deref())
    }))
}
