//! elevate-sim: a stateful simulated Entra tenant that speaks the documented Microsoft
//! contract: sign-in (`/login/{tenant}/oauth2/v2.0/...`), Microsoft Graph v1.0 (`/graph/v1.0/...`)
//! and Azure Resource Manager (`/arm/...`), with test controls under `/_sim/`.
//!
//! Embed it with [`SimServer::start`] (127.0.0.1, port 0) or run the `elevate-sim` binary.

pub mod arm;
pub mod auth;
mod batch;
mod control;
pub mod graph;
pub mod http;
mod policy;
pub mod scenario;
pub mod server;
pub mod state;
pub mod time;
pub mod tls;

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use serde_json::json;

pub use http::{Req, Resp};
pub use scenario::Scenario;
pub use server::{ServeOptions, SimServer};
pub use state::Settings;
pub use tls::{TestCa, TlsIdentity};

use auth::Auth;
use state::Tenant;
use time::SimClock;

/// What happens to a request a fault matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FaultKind {
    /// 429 with `Retry-After`.
    Throttle,
    /// 503, with `Retry-After` when given.
    Unavailable,
    /// Any status (`status`).
    Status,
    /// Waits `delayMs`, then answers normally.
    Delay,
    /// Closes the connection (RST) without answering and without doing anything.
    Reset,
    /// Does the work (a write is committed), then closes the connection without answering.
    LostAfterCommit,
    /// Does the work (a write is committed), then answers `status` (default 503) with an
    /// error envelope, as a gateway that timed out after the service committed would.
    StatusAfterCommit,
    /// A 401 claims challenge (`WWW-Authenticate: Bearer error="insufficient_claims",
    /// claims="<base64 of claims>"`) to a token that does not satisfy `claims`: `acrs`
    /// values the token must carry (MFA on an ARM write: `{"access_token":{"acrs":
    /// {"essential":true,"values":["p1"]}}}`), or `nbf`, a time (seconds) the token must be
    /// issued at or after (Continuous Access Evaluation after a revocation). A token that
    /// satisfies them passes and the fault stays.
    ClaimsChallenge,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    /// A route key (`graph.roleAssignmentScheduleRequests.create`), a prefix (`arm.*`) or `*`.
    pub route: String,
    pub kind: FaultKind,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub retry_after: Option<u64>,
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// How many matching requests it hits; then it is gone.
    #[serde(default = "one")]
    pub times: u32,
    /// For `claimsChallenge`: the claims JSON the token must satisfy.
    #[serde(default)]
    pub claims: Option<String>,
}

fn one() -> u32 {
    1
}

impl Fault {
    fn matches(&self, key: &str) -> bool {
        self.route == "*"
            || self.route == key
            || self
                .route
                .strip_suffix('*')
                .is_some_and(|p| key.starts_with(p))
    }

    /// A claims challenge the presented token already satisfies does not fire.
    fn satisfied_by(&self, token: Option<&auth::TokenInfo>) -> bool {
        if self.kind != FaultKind::ClaimsChallenge {
            return false;
        }
        let Some(t) = token else { return false };
        let v: serde_json::Value = self
            .claims
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok())
            .unwrap_or_default();
        let at = &v["access_token"];
        let mut acrs: Vec<&str> = at["acrs"]["values"]
            .as_array()
            .map(|l| l.iter().filter_map(|x| x.as_str()).collect())
            .unwrap_or_default();
        acrs.extend(at["acrs"]["value"].as_str());
        let nbf = at["nbf"]["value"]
            .as_str()
            .and_then(|x| x.parse::<i64>().ok())
            .or(at["nbf"]["value"].as_i64());
        if acrs.is_empty() && nbf.is_none() {
            return false;
        }
        acrs.iter().all(|a| t.acrs.iter().any(|x| x == a)) && nbf.is_none_or(|n| t.issued >= n)
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    pub route: String,
    pub status: u16,
}

pub struct Inner {
    pub tenant: Tenant,
    pub auth: Auth,
    pub faults: Vec<Fault>,
    pub counters: BTreeMap<String, u64>,
    pub log: Vec<LoggedRequest>,
    /// Added to every request (not to `/_sim`), in milliseconds.
    pub latency_ms: u64,
    scenario: Scenario,
}

/// What the server does with a request.
pub enum Outcome {
    Respond(Resp),
    Reset,
}

pub struct Sim {
    inner: Mutex<Inner>,
    base: std::sync::OnceLock<String>,
}

const LOG_LIMIT: usize = 10_000;

impl Sim {
    pub fn new(scenario: Scenario, settings: Settings) -> Sim {
        let tenant = Tenant::new(scenario.clone(), settings, SimClock::default());
        Sim {
            inner: Mutex::new(Inner {
                tenant,
                auth: Auth::default(),
                faults: vec![],
                counters: BTreeMap::new(),
                log: vec![],
                latency_ms: 0,
                scenario,
            }),
            base: std::sync::OnceLock::new(),
        }
    }

    /// Direct access for embedding code and tests (the same state `/_sim` controls).
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn set_base(&self, base: String) {
        let _ = self.base.set(base);
    }

    pub fn base(&self) -> &str {
        self.base
            .get()
            .map(String::as_str)
            .unwrap_or("http://127.0.0.1")
    }

    pub fn tenant_id(&self) -> String {
        self.lock().tenant.scenario.tenant.id.clone()
    }

    /// Handles one HTTP request.
    pub async fn handle(&self, req: Req) -> Outcome {
        if req.path == "/_sim" || req.path.starts_with("/_sim/") {
            return Outcome::Respond(control::handle(self, &req));
        }
        let (key, early) = self.classify(&req);
        let (fault, latency) = {
            let mut inner = self.lock();
            *inner.counters.entry(key.to_string()).or_default() += 1;
            let now = inner.tenant.now();
            let presented = req.bearer().and_then(|t| inner.auth.verify(t, now).ok());
            let fault = inner
                .faults
                .iter_mut()
                .find(|f| f.matches(key) && f.times > 0 && !f.satisfied_by(presented.as_ref()))
                .map(|f| {
                    f.times -= 1;
                    f.clone()
                });
            inner.faults.retain(|f| f.times > 0);
            (fault, inner.latency_ms)
        };
        let delay = latency
            + fault
                .as_ref()
                .filter(|f| f.kind == FaultKind::Delay)
                .and_then(|f| f.delay_ms)
                .unwrap_or(0);
        if delay > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
        }
        if let Some(f) = &fault {
            if let Some(resp) = fault_response(f, key) {
                self.record(&req, key, resp.status);
                return Outcome::Respond(resp);
            }
            if f.kind == FaultKind::Reset {
                self.record(&req, key, 0);
                return Outcome::Reset;
            }
        }
        let resp = match early {
            Some(resp) => resp,
            None if key == "graph.batch" => self.graph_batch(&req),
            None if key == "arm.batch" => self.arm_batch(&req),
            None => self.dispatch(&req),
        };
        self.record(&req, key, resp.status);
        match &fault {
            Some(f) if f.kind == FaultKind::LostAfterCommit => return Outcome::Reset,
            Some(f) if f.kind == FaultKind::StatusAfterCommit => {
                let status = f.status.unwrap_or(503);
                let r = if key.starts_with("arm.") {
                    Resp::arm_error(
                        status,
                        "InjectedFault",
                        &format!("Injected status {status} after the work was done."),
                    )
                } else {
                    Resp::graph_error(
                        status,
                        "InjectedFault",
                        &format!("Injected status {status} after the work was done."),
                    )
                };
                return Outcome::Respond(match f.retry_after {
                    Some(s) => r.with_header("retry-after", &s.to_string()),
                    None => r,
                });
            }
            _ => {}
        }
        Outcome::Respond(resp)
    }

    fn record(&self, req: &Req, key: &str, status: u16) {
        let mut inner = self.lock();
        if inner.log.len() >= LOG_LIMIT {
            inner.log.drain(..LOG_LIMIT / 2);
        }
        inner.log.push(LoggedRequest {
            method: req.method.clone(),
            path: req.path.clone(),
            route: key.to_string(),
            status,
        });
    }

    /// The route key of a request, or the error response when it matches no route.
    fn classify(&self, req: &Req) -> (&'static str, Option<Resp>) {
        if let Some(rest) = req.path.strip_prefix("/graph") {
            return match graph::route(&req.method, rest) {
                Ok(r) => (r.key(), None),
                Err(resp) => ("graph.unknown", Some(resp)),
            };
        }
        if let Some(rest) = req.path.strip_prefix("/arm") {
            return match arm::route(&req.method, rest, req) {
                Ok(r) => (r.key(), None),
                Err(resp) => ("arm.unknown", Some(resp)),
            };
        }
        if let Some(rest) = req.path.strip_prefix("/login") {
            let key = login_key(rest);
            return (
                key,
                (key == "login.unknown").then(|| Resp::html(404, "<h1>Not found</h1>".into())),
            );
        }
        if req.path == "/" {
            return ("index", Some(control::index(self)));
        }
        // The managed identity endpoints (IMDS on 169.254.169.254, App Service's local one).
        if req
            .path
            .eq_ignore_ascii_case("/metadata/identity/oauth2/token")
        {
            return ("imds.token", None);
        }
        if req
            .path
            .trim_end_matches('/')
            .eq_ignore_ascii_case("/msi/token")
        {
            return ("appservice.token", None);
        }
        (
            "unknown",
            Some(Resp::json(
                404,
                &json!({"error": {"code": "NotFound", "message": format!("No route for {}.", req.path)}}),
            )),
        )
    }

    fn dispatch(&self, req: &Req) -> Resp {
        let base = self.base().to_string();
        let mut guard = self.lock();
        let inner = &mut *guard;
        let now = inner.tenant.now();
        if let Some(rest) = req.path.strip_prefix("/graph") {
            let route = match graph::route(&req.method, rest) {
                Ok(r) => r,
                Err(resp) => return resp,
            };
            let token = req
                .bearer()
                .map(|t| inner.auth.verify(t, now))
                .unwrap_or(Err("missing"));
            let info = match graph::authorize(&route, token) {
                Ok(i) => i,
                Err(resp) => return resp,
            };
            let mut r = req.clone();
            r.path = rest.to_string();
            let graph_base = format!("{base}/graph");
            return graph::handle(
                &route,
                &mut graph::Ctx {
                    tenant: &mut inner.tenant,
                    token: &info,
                    base: &graph_base,
                    req: &r,
                },
            );
        }
        if let Some(rest) = req.path.strip_prefix("/arm") {
            let route = match arm::route(&req.method, rest, req) {
                Ok(r) => r,
                Err(resp) => return resp,
            };
            let token = req
                .bearer()
                .map(|t| inner.auth.verify(t, now))
                .unwrap_or(Err("missing"));
            let info = match arm::authorize(token) {
                Ok(i) => i,
                Err(resp) => return resp,
            };
            let mut r = req.clone();
            r.path = rest.to_string();
            let arm_base = format!("{base}/arm");
            return arm::handle(
                &route,
                &mut arm::Ctx {
                    tenant: &mut inner.tenant,
                    token: &info,
                    base: &arm_base,
                    req: &r,
                },
            );
        }
        if !req.path.starts_with("/login") && !req.path.starts_with("/graph") {
            let appservice = req
                .path
                .trim_end_matches('/')
                .eq_ignore_ascii_case("/msi/token");
            if appservice
                || req
                    .path
                    .eq_ignore_ascii_case("/metadata/identity/oauth2/token")
            {
                inner.tenant.tick();
                return inner.auth.managed_identity(&inner.tenant, req, appservice);
            }
        }
        if let Some(rest) = req.path.strip_prefix("/login") {
            inner.tenant.tick();
            return match login_key(rest) {
                "login.authorize" => inner
                    .auth
                    .authorize(&inner.tenant, req, req.method == "POST"),
                "login.token" => inner.auth.token(&inner.tenant, req),
                "login.devicecode" => {
                    let uri = format!("{base}/login/devicelogin");
                    inner.auth.device_code(&inner.tenant, req, &uri)
                }
                "login.devicelogin" => control::device_page(inner, req),
                _ => Resp::html(404, "<h1>Not found</h1>".into()),
            };
        }
        Resp::json(
            404,
            &json!({"error": {"code": "NotFound", "message": "No route."}}),
        )
    }
}

fn login_key(rest: &str) -> &'static str {
    let segs: Vec<String> = rest
        .trim_matches('/')
        .split('/')
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    match s.as_slice() {
        [_, "oauth2", "v2.0", "authorize"] => "login.authorize",
        [_, "oauth2", "v2.0", "token"] => "login.token",
        [_, "oauth2", "v2.0", "devicecode"] => "login.devicecode",
        ["devicelogin"] | [_, "oauth2", "deviceauth"] => "login.devicelogin",
        _ => "login.unknown",
    }
}

fn fault_response(f: &Fault, key: &str) -> Option<Resp> {
    let arm = key.starts_with("arm.");
    let err = |status: u16, code: &str, msg: &str| {
        if arm {
            Resp::arm_error(status, code, msg)
        } else {
            Resp::graph_error(status, code, msg)
        }
    };
    match f.kind {
        FaultKind::ClaimsChallenge => {
            use base64::Engine;
            let claims = f.claims.clone().unwrap_or_else(|| "{}".into());
            let b64 = base64::engine::general_purpose::STANDARD.encode(claims);
            let message = if arm {
                "The access token does not satisfy the claims this operation requires (multi-factor authentication on Azure Resource Manager writes): get a new token with the claims challenge."
            } else {
                "Continuous access evaluation resulted in challenge with result: InteractionRequired and code: TokenIssuedBeforeRevocationTimestamp"
            };
            Some(err(401, "InvalidAuthenticationToken", message).with_header(
                "www-authenticate",
                &format!("Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", error=\"insufficient_claims\", claims=\"{b64}\""),
            ))
        }
        FaultKind::Throttle => {
            let secs = f.retry_after.unwrap_or(1);
            Some(
                err(
                    429,
                    "TooManyRequests",
                    "Too many requests; retry after the time in Retry-After.",
                )
                .with_header("retry-after", &secs.to_string()),
            )
        }
        FaultKind::Unavailable => {
            let r = err(
                503,
                "ServiceUnavailable",
                "The service is temporarily unavailable.",
            );
            Some(match f.retry_after {
                Some(s) => r.with_header("retry-after", &s.to_string()),
                None => r,
            })
        }
        FaultKind::Status => {
            let status = f.status.unwrap_or(500);
            let r = err(
                status,
                "InjectedFault",
                &format!("Injected status {status}."),
            );
            Some(match f.retry_after {
                Some(s) => r.with_header("retry-after", &s.to_string()),
                None => r,
            })
        }
        FaultKind::Delay
        | FaultKind::Reset
        | FaultKind::LostAfterCommit
        | FaultKind::StatusAfterCommit => None,
    }
}

impl Inner {
    /// Back to the scenario's initial state: tenant, tokens, faults, counters, log.
    pub fn reset(&mut self) {
        let settings = self.tenant.settings.clone();
        self.tenant = Tenant::new(self.scenario.clone(), settings, SimClock::default());
        self.auth = Auth::default();
        self.faults.clear();
        self.counters.clear();
        self.log.clear();
        self.latency_ms = 0;
    }

    pub fn total_requests(&self) -> u64 {
        self.counters.values().sum()
    }

    pub fn count(&self, key: &str) -> u64 {
        self.counters.get(key).copied().unwrap_or(0)
    }
}
