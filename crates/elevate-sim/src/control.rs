//! Test and demo controls under `/_sim/` (the server listens on loopback only), and the
//! simulator's own web pages: index, approvals, device-code verification. Requests made on a
//! user's behalf (`POST /_sim/requests`) are in `requests`.

mod requests;

use chrono::Duration;
use serde_json::{json, Value};

use crate::http::{html_escape, Req, Resp};
use crate::state::Plane;
use crate::time::{fmt_time, parse_duration, parse_time};
use crate::{Fault, Inner, Sim};

fn ok(v: Value) -> Resp {
    Resp::json(200, &v)
}

fn bad(msg: &str) -> Resp {
    Resp::json(
        400,
        &json!({"error": {"code": "BadRequest", "message": msg}}),
    )
}

pub fn handle(sim: &Sim, req: &Req) -> Resp {
    let path = req.path.trim_end_matches('/');
    let segs: Vec<&str> = path
        .trim_start_matches("/_sim")
        .trim_start_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let mut inner = sim.lock();
    let method = req.method.as_str();
    match (method, segs.as_slice()) {
        ("GET", []) => {
            drop(inner);
            index(sim)
        }
        ("POST", ["reset"]) => {
            inner.reset();
            ok(json!({"reset": true}))
        }
        ("GET", ["clock"]) => ok(json!({"now": fmt_time(inner.tenant.now())})),
        // The `az` stand-in's sign-in: a person's token from Azure CLI's client.
        ("POST", ["az", "token"]) => {
            let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
            let user = body["user"]
                .as_str()
                .map(str::to_string)
                .or_else(|| inner.tenant.settings.auto_sign_in.clone())
                .unwrap_or_else(|| inner.tenant.scenario.default_user.clone());
            let resource = body["resource"].as_str().unwrap_or_default().to_string();
            let inner = &mut *inner;
            match inner.auth.az_token(&inner.tenant, &user, &resource) {
                Ok(v) => ok(v),
                Err(r) => r,
            }
        }
        // Where the managed identity endpoints are and App Service's header value.
        ("GET", ["identity"]) => {
            let base = sim.base().to_string();
            ok(json!({
                "imdsEndpoint": format!("{base}/metadata/identity/oauth2/token"),
                "identityEndpoint": format!("{base}/msi/token"),
                "identityHeader": inner.auth.identity_header,
                "claimsSeen": inner.auth.claims_seen,
            }))
        }
        ("POST", ["clock"]) => {
            let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
                return bad("expected JSON {\"set\": time} or {\"advance\": \"PT10M\" | seconds}");
            };
            if let Some(at) = body["set"].as_str() {
                match parse_time(at) {
                    Some(t) => inner.tenant.clock.set(t),
                    None => return bad("set: not an RFC 3339 time"),
                }
            }
            match &body["advance"] {
                Value::String(s) => match parse_duration(s) {
                    Some(d) => inner.tenant.clock.advance(d),
                    None => return bad("advance: not an ISO-8601 duration"),
                },
                Value::Number(n) => inner.tenant.clock.advance(Duration::milliseconds(
                    (n.as_f64().unwrap_or(0.0) * 1000.0) as i64,
                )),
                _ => {}
            }
            inner.tenant.tick();
            ok(json!({"now": fmt_time(inner.tenant.now())}))
        }
        ("GET", ["settings"]) => ok(settings_json(&inner)),
        ("POST", ["settings"]) => {
            let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
                return bad("expected a JSON object");
            };
            let default_user = inner.tenant.scenario.default_user.clone();
            let s = &mut inner.tenant.settings;
            if let Some(v) = body["pageSize"].as_u64() {
                s.graph_page_size = v.max(1) as usize;
                s.arm_page_size = v.max(1) as usize;
            }
            if let Some(v) = body["graphPageSize"].as_u64() {
                s.graph_page_size = v.max(1) as usize;
            }
            if let Some(v) = body["armPageSize"].as_u64() {
                s.arm_page_size = v.max(1) as usize;
            }
            if let Some(v) = body["wrapGraphErrors"].as_bool() {
                s.wrap_graph_errors = v;
            }
            match &body["autoSignIn"] {
                Value::Bool(true) => s.auto_sign_in = Some(default_user),
                Value::Bool(false) => s.auto_sign_in = None,
                Value::String(u) => {
                    let Some(user) = inner.tenant.scenario.users.iter().find(|x| {
                        x.id.eq_ignore_ascii_case(u)
                            || x.user_principal_name.eq_ignore_ascii_case(u)
                    }) else {
                        return bad("autoSignIn: unknown user");
                    };
                    inner.tenant.settings.auto_sign_in = Some(user.id.clone());
                }
                _ => {}
            }
            let s = &mut inner.tenant.settings;
            if let Some(v) = body["autoMfa"].as_bool() {
                s.auto_mfa = v;
            }
            if let Some(v) = body["deviceCodeInterval"].as_u64() {
                s.device_code_interval = v;
            }
            if let Some(v) = body["deviceCodeLifetime"].as_i64() {
                s.device_code_lifetime = v;
            }
            if let Some(v) = body["tokenLifetime"].as_i64() {
                s.token_lifetime = v;
            }
            if let Some(v) = body["provisioningDelay"].as_i64() {
                s.provisioning_delay = v;
            }
            if let Some(v) = body["effectiveDelay"].as_i64() {
                s.effective_delay = v;
            }
            match &body["withheldScopes"] {
                Value::Array(list) => {
                    let Some(names) = list.iter().map(Value::as_str).collect::<Option<Vec<_>>>()
                    else {
                        return bad("withheldScopes: a list of scope names");
                    };
                    s.withheld_scopes = names.into_iter().map(str::to_string).collect();
                }
                Value::String(list) => {
                    s.withheld_scopes = list
                        .split([' ', ','])
                        .filter(|n| !n.is_empty())
                        .map(str::to_string)
                        .collect();
                }
                Value::Null => {}
                _ => return bad("withheldScopes: a list of scope names"),
            }
            ok(settings_json(&inner))
        }
        ("GET", ["faults"]) => ok(json!(inner.faults)),
        ("POST", ["faults"]) => {
            let parsed: Result<Vec<Fault>, _> = serde_json::from_slice::<Vec<Fault>>(&req.body)
                .or_else(|_| serde_json::from_slice::<Fault>(&req.body).map(|f| vec![f]));
            match parsed {
                Ok(f) => {
                    inner.faults.extend(f);
                    ok(json!(inner.faults))
                }
                Err(e) => bad(&format!("a fault is {{route, kind: throttle|unavailable|status|delay|reset|lostAfterCommit, status?, retryAfter?, delayMs?, times?}}: {e}")),
            }
        }
        ("DELETE", ["faults"]) => {
            inner.faults.clear();
            ok(json!([]))
        }
        ("POST", ["latency"]) => {
            let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
                return bad("expected {\"ms\": n}");
            };
            inner.latency_ms = body["ms"].as_u64().unwrap_or(0);
            ok(json!({"ms": inner.latency_ms}))
        }
        ("GET", ["counters"]) => {
            ok(json!({"total": inner.total_requests(), "routes": inner.counters}))
        }
        ("DELETE", ["counters"]) => {
            inner.counters.clear();
            inner.log.clear();
            ok(json!({"total": 0}))
        }
        ("GET", ["requests"]) => ok(json!(inner.log)),
        ("POST", ["requests"]) => requests::create(&mut inner, req),
        ("GET", ["tokens"]) => ok(json!(inner.auth.issued)),
        ("GET", ["activations"]) => {
            let now = inner.tenant.now();
            let items: Vec<Value> = inner.tenant.actives.iter().filter(|a| a.end.is_none_or(|e| e > now)).map(|a| json!({
                "id": a.id, "principalId": a.principal, "target": format!("{:?}", a.target), "activated": a.activated,
                "start": a.start.map(fmt_time), "end": a.end.map(fmt_time)})).collect();
            ok(json!(items))
        }
        ("GET", ["approvals"]) => ok(json!(pending(&inner))),
        ("GET", ["approve"]) => approvals_page(&inner),
        ("POST", ["approve"]) => {
            let form = req.form();
            let get = |k: &str| {
                form.iter()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let _ = inner
                .tenant
                .decide(&get("id"), get("decision") == "approve");
            Resp::redirect("/_sim/approve")
        }
        ("POST", ["approvals", id, decision @ ("approve" | "deny")]) => {
            match inner.tenant.decide(id, *decision == "approve") {
                Ok(r) => ok(json!({"id": r.id, "status": r.status})),
                Err(e) => Resp::json(
                    e.status,
                    &json!({"error": {"code": e.code, "message": e.message}}),
                ),
            }
        }
        ("POST", ["device", code, decision @ ("approve" | "decline")]) => {
            let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
            let user = body["user"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| inner.tenant.scenario.default_user.clone());
            let mfa = body["mfa"].as_bool().unwrap_or(true);
            if inner
                .auth
                .decide_device(code, &user, mfa, *decision == "approve")
            {
                ok(json!({"userCode": code, "decision": decision}))
            } else {
                Resp::json(
                    404,
                    &json!({"error": {"code": "NotFound", "message": "no pending device code with that user code"}}),
                )
            }
        }
        ("GET", ["device"]) => ok(json!(inner
            .auth
            .devices
            .iter()
            .map(|d| json!({"userCode": d.user_code, "status": format!("{:?}", d.status)}))
            .collect::<Vec<_>>())),
        ("POST", ["revoke"]) => {
            let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
            let n = inner.auth.revoke_user(body["user"].as_str());
            ok(json!({"revoked": n}))
        }
        _ => Resp::json(
            404,
            &json!({"error": {"code": "NotFound", "message": format!("no control {method} {path}")}}),
        ),
    }
}

fn settings_json(inner: &Inner) -> Value {
    let s = &inner.tenant.settings;
    json!({"graphPageSize": s.graph_page_size, "armPageSize": s.arm_page_size, "wrapGraphErrors": s.wrap_graph_errors,
        "autoSignIn": s.auto_sign_in, "autoMfa": s.auto_mfa, "deviceCodeInterval": s.device_code_interval,
        "deviceCodeLifetime": s.device_code_lifetime, "tokenLifetime": s.token_lifetime, "provisioningDelay": s.provisioning_delay, "effectiveDelay": s.effective_delay,
        "withheldScopes": s.withheld_scopes})
}

fn describe_target(inner: &Inner, t: &crate::state::Target) -> String {
    let sc = &inner.tenant.scenario;
    match t {
        crate::state::Target::Entra { role, dir_scope } => {
            let name = sc
                .role_definitions
                .iter()
                .find(|r| &r.id == role)
                .map(|r| r.display_name.as_str())
                .unwrap_or(role);
            format!("{name} ({dir_scope})")
        }
        crate::state::Target::Group { group, access } => {
            let name = sc
                .groups
                .iter()
                .find(|g| &g.id == group)
                .map(|g| g.display_name.as_str())
                .unwrap_or(group);
            format!("{name} ({access})")
        }
        crate::state::Target::Azure { scope, role } => {
            let name = sc
                .azure_role_definitions
                .iter()
                .find(|r| r.id.eq_ignore_ascii_case(role))
                .map(|r| r.display_name.as_str())
                .unwrap_or(role);
            format!("{name} at {scope}")
        }
    }
}

fn pending(inner: &Inner) -> Vec<Value> {
    inner.tenant.requests.iter().filter(|r| matches!(r.status.as_str(), "PendingApproval" | "PendingAdminDecision")).map(|r| {
        let who = inner.tenant.user(&r.principal).map(|u| u.display_name.clone()).unwrap_or_default();
        json!({"id": r.id, "approvalId": r.approval_id, "status": r.status, "action": r.action.graph(), "principal": who,
            "target": describe_target(inner, &r.target), "justification": r.justification,
            "plane": match r.target.plane() { Plane::Entra => "entraRole", Plane::Group => "group", Plane::Azure => "azureResource" }})
    }).collect()
}

fn approvals_page(inner: &Inner) -> Resp {
    // The page decides as an administrator; it names an approver other than the demo's user.
    let sc = &inner.tenant.scenario;
    let approver = sc
        .users
        .iter()
        .find(|u| u.approver && u.id != sc.default_user)
        .or_else(|| sc.users.iter().find(|u| u.approver))
        .map(|u| u.display_name.clone())
        .unwrap_or_else(|| "an approver".into());
    let rows: String = pending(inner).iter().map(|p| format!(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><form method=\"post\"><input type=\"hidden\" name=\"id\" value=\"{}\">\
         <button name=\"decision\" value=\"approve\">Approve</button> <button name=\"decision\" value=\"deny\">Deny</button></form></td></tr>",
        html_escape(p["principal"].as_str().unwrap_or("")), html_escape(p["target"].as_str().unwrap_or("")),
        html_escape(p["action"].as_str().unwrap_or("")), html_escape(p["justification"].as_str().unwrap_or("")),
        html_escape(p["id"].as_str().unwrap_or("")))).collect();
    Resp::html(200, format!("<!doctype html><meta charset=\"utf-8\"><title>Approvals</title><style>body{{font:15px system-ui;margin:2em}}td,th{{padding:.3em .8em;text-align:left}}</style>\
        <h1>Pending approvals</h1><p>Acting as {}.</p><table><tr><th>Requestor</th><th>Role</th><th>Action</th><th>Justification</th><th></th></tr>{}</table>{}",
        html_escape(&approver), rows, if rows.is_empty() { "<p>Nothing waits for a decision.</p>" } else { "" }))
}

/// The device-code verification page (`verification_uri`): enter the code, pick a user.
pub fn device_page(inner: &mut Inner, req: &Req) -> Resp {
    if req.method == "POST" {
        let form = req.form();
        let get = |k: &str| {
            form.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let approve = get("decision") == "continue";
        let user = get("user");
        let done = inner
            .auth
            .decide_device(&get("code"), &user, get("mfa") == "on", approve);
        let msg = match (done, approve) {
            (false, _) => "That code is not valid or has already been used.",
            (true, true) => "You have signed in to the application on your device. You may now close this window.",
            (true, false) => "You declined the sign-in.",
        };
        return Resp::html(
            if done { 200 } else { 400 },
            format!(
                "<!doctype html><meta charset=\"utf-8\"><title>Device sign-in</title><p>{msg}</p>"
            ),
        );
    }
    let users: String = inner
        .tenant
        .scenario
        .users
        .iter()
        .map(|u| {
            format!(
                "<option value=\"{}\">{} ({})</option>",
                html_escape(&u.id),
                html_escape(&u.display_name),
                html_escape(&u.user_principal_name)
            )
        })
        .collect();
    Resp::html(200, format!("<!doctype html><meta charset=\"utf-8\"><title>Enter code</title><style>body{{font:15px system-ui;max-width:30em;margin:3em auto}}</style>\
        <h1>Enter code</h1><form method=\"post\"><p><input name=\"code\" autofocus placeholder=\"Code\"></p><p><select name=\"user\">{users}</select></p>\
        <p><label><input type=\"checkbox\" name=\"mfa\" checked> Multi-factor authentication completed</label></p>\
        <button name=\"decision\" value=\"continue\">Continue</button> <button name=\"decision\" value=\"decline\">Decline</button></form>"))
}

pub fn index(sim: &Sim) -> Resp {
    let base = sim.base().to_string();
    let inner = sim.lock();
    let t = &inner.tenant.scenario.tenant;
    Resp::html(200, format!("<!doctype html><meta charset=\"utf-8\"><title>elevate-sim</title><style>body{{font:15px system-ui;margin:2em}}code{{background:#eee;padding:.1em .3em}}</style>\
        <h1>elevate-sim: {name}</h1><p>Tenant <code>{id}</code>, scenario <code>{scenario}</code>, sim time {now}.</p>\
        <ul><li>Sign-in: <code>{base}/login</code></li><li>Graph: <code>{base}/graph</code></li><li>ARM: <code>{base}/arm</code></li></ul>\
        <p><a href=\"/_sim/approve\">Pending approvals</a> · <a href=\"/login/devicelogin\">Device code sign-in</a> · <a href=\"/_sim/counters\">Request counters</a></p>",
        name = html_escape(&t.display_name), id = t.id, scenario = html_escape(&inner.tenant.scenario.name), now = fmt_time(inner.tenant.now())))
}
