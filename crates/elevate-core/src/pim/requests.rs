//! The writes: activate (with auth-context step-up and reconciliation after a lost answer),
//! extend, deactivate, cancel, and what the last request carried.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::auth::{acrs_claims, merge_challenges};
use crate::error::Error;
use crate::http::Request;
use crate::model::{Access, Assignment, Plane};
use crate::parse;
use crate::planner::Plan;
use crate::policy::iso;
use crate::secret::Secret;

use super::common::*;
use super::outcome::{classify, RequestOutcome, RequestState};
use super::Pim;

impl Pim {
    /// Activates an eligible assignment as planned. Acquires an authentication context
    /// before the first attempt when the policy has one, steps up once on an ACRS challenge,
    /// answers one 401 claims challenge (MFA on an ARM write, CAE) with the claims merged
    /// into what was asked, renews a refused token once, and after a lost answer reconciles
    /// before any retry: never two activations for one call.
    pub async fn activate(&self, a: &Assignment, plan: &Plan) -> Result<RequestOutcome, Error> {
        let resource = Self::resource(a);
        let mut claims = plan.auth_context.as_deref().map(acrs_claims);
        let mut stepped = claims.is_some();
        let mut challenged = false;
        let mut renewed = false;
        loop {
            let token = self.session.token(resource, claims.as_deref()).await?;
            match self.send_activation(a, plan, &token).await {
                Err(Error::Service(s)) if !stepped && s.code.contains("AcrsValidationFailed") => {
                    claims = Some(merge_challenges(
                        claims.as_deref(),
                        &s.claims.clone().unwrap_or_else(|| {
                            acrs_claims(plan.auth_context.as_deref().unwrap_or("c1"))
                        }),
                    ));
                    stepped = true;
                }
                Err(Error::Service(s)) if !challenged && s.status == 401 && s.claims.is_some() => {
                    // The transport noted the challenge too; the next token merges it once.
                    challenged = true;
                    claims = Some(merge_challenges(
                        claims.as_deref(),
                        s.claims.as_deref().unwrap_or("{}"),
                    ));
                }
                Err(e) if !renewed && token_rejected(&e) => {
                    // Not processed (401): a fresh token, then the same request once more.
                    renewed = true;
                    self.session.invalidate(resource).await;
                }
                other => return other,
            }
        }
    }

    pub(super) fn schedule(plan: &Plan, graph: bool) -> Value {
        let exp_type = if graph {
            "afterDuration"
        } else {
            "AfterDuration"
        };
        let mut info = json!({"expiration": {"type": exp_type, "duration": iso(plan.duration)}});
        if let Some(start) = plan.start {
            info["startDateTime"] =
                json!(start.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
        }
        info
    }

    pub(super) fn ticket(plan: &Plan) -> Value {
        json!({"ticketNumber": plan.ticket_number, "ticketSystem": plan.ticket_system})
    }

    pub(super) async fn send_activation(
        &self,
        a: &Assignment,
        plan: &Plan,
        token: &Secret,
    ) -> Result<RequestOutcome, Error> {
        let me = self.me()?;
        match a.plane {
            Plane::AzureResource => {
                let body = json!({"properties": {
                    "principalId": me, "roleDefinitionId": format!("{}/providers/Microsoft.Authorization/roleDefinitions/{}", a.scope.id, a.id),
                    "requestType": "SelfActivate", "justification": plan.justification, "ticketInfo": Self::ticket(plan),
                    "scheduleInfo": Self::schedule(plan, false), "linkedRoleEligibilityScheduleId": a.eligibility_schedule_id}});
                self.arm_request(a, &body, token).await
            }
            Plane::EntraRole => {
                let body = json!({"action": "selfActivate", "principalId": me, "roleDefinitionId": a.id, "directoryScopeId": a.scope.id,
                    "justification": plan.justification, "ticketInfo": Self::ticket(plan), "scheduleInfo": Self::schedule(plan, true)});
                self.graph_request(a, ENTRA_REQUESTS, &body, token, "selfActivate")
                    .await
            }
            Plane::Group => {
                let body = json!({"action": "selfActivate", "principalId": me, "groupId": a.id, "accessId": a.access.map(Access::as_str).unwrap_or("member"),
                    "justification": plan.justification, "ticketInfo": Self::ticket(plan), "scheduleInfo": Self::schedule(plan, true)});
                self.graph_request(a, GROUP_REQUESTS, &body, token, "selfActivate")
                    .await
            }
        }
    }

    /// Extends an activation without a gap: a new activation of the same eligibility that
    /// starts when the current one ends (`selfExtend` is a request to an administrator, not
    /// an extension of an activation; see the README). Returns `Scheduled`.
    pub async fn extend(
        &self,
        active: &Assignment,
        eligible: &Assignment,
        plan: &Plan,
    ) -> Result<RequestOutcome, Error> {
        if active.key != eligible.key || active.status != crate::model::Status::Active {
            return Err(Error::InvalidInput(format!(
                "{} is not the active form of {}.",
                active.label(),
                eligible.label()
            )));
        }
        let Some(end) = active.end_date_time else {
            return Err(Error::InvalidInput(format!(
                "{} does not expire; there is nothing to extend.",
                active.label()
            )));
        };
        let mut plan = plan.clone();
        plan.start = Some(end.max(self.clock.now()));
        self.activate(eligible, &plan).await
    }

    /// What the last activation request for `a` carried (justification, ticket, duration), so
    /// that Extend can ask for "the same again" even when it was made elsewhere.
    pub async fn last_activation(
        &self,
        a: &Assignment,
    ) -> Result<Option<crate::planner::ActivationInput>, Error> {
        self.renewing(Self::resource(a), || self.last_activation_once(a))
            .await
    }

    async fn last_activation_once(
        &self,
        a: &Assignment,
    ) -> Result<Option<crate::planner::ActivationInput>, Error> {
        let token = self.session.token(Self::resource(a), None).await?;
        let (items, props): (Vec<Value>, bool) = match a.plane {
            Plane::AzureResource => {
                let url = self.arm(&format!("{}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests?{API}&$filter=asRequestor()", a.scope.id));
                let first = self.get(&url, &token, a.plane).await?;
                (self.follow(first, &token, a.plane).await?, true)
            }
            Plane::EntraRole | Plane::Group => {
                let collection = if a.plane == Plane::EntraRole {
                    ENTRA_REQUESTS
                } else {
                    GROUP_REQUESTS
                };
                let first = self
                    .get(
                        &self.graph(&format!("{collection}/filterByCurrentUser(on='principal')")),
                        &token,
                        a.plane,
                    )
                    .await?;
                (self.follow(first, &token, a.plane).await?, false)
            }
        };
        let same = |r: &Value| -> bool {
            let p = if props { &r["properties"] } else { r };
            let action = p["action"]
                .as_str()
                .or(p["requestType"].as_str())
                .unwrap_or_default();
            if !action.eq_ignore_ascii_case("selfActivate") {
                return false;
            }
            match a.plane {
                Plane::EntraRole => {
                    p["roleDefinitionId"]
                        .as_str()
                        .is_some_and(|x| x.eq_ignore_ascii_case(&a.id))
                        && p["directoryScopeId"].as_str() == Some(a.scope.id.as_str())
                }
                Plane::Group => {
                    p["groupId"]
                        .as_str()
                        .is_some_and(|x| x.eq_ignore_ascii_case(&a.id))
                        && p["accessId"].as_str().map(str::to_ascii_lowercase)
                            == a.access.map(|x| x.as_str().to_string())
                }
                Plane::AzureResource => {
                    p["roleDefinitionId"]
                        .as_str()
                        .is_some_and(|x| parse::role_guid(x) == a.id.to_ascii_lowercase())
                        && p["scope"]
                            .as_str()
                            .is_some_and(|x| x.eq_ignore_ascii_case(&a.scope.id))
                }
            }
        };
        let created = |r: &Value| {
            parse::time(if props {
                &r["properties"]["createdOn"]
            } else {
                &r["createdDateTime"]
            })
        };
        let Some(last) = items.iter().filter(|r| same(r)).max_by_key(|r| created(r)) else {
            return Ok(None);
        };
        let p = if props { &last["properties"] } else { last };
        Ok(Some(crate::planner::ActivationInput {
            justification: p["justification"].as_str().map(str::to_string),
            ticket_number: p["ticketInfo"]["ticketNumber"].as_str().map(str::to_string),
            ticket_system: p["ticketInfo"]["ticketSystem"].as_str().map(str::to_string),
            duration: p["scheduleInfo"]["expiration"]["duration"]
                .as_str()
                .and_then(|d| crate::policy::parse_duration(d).ok()),
            start: None,
        }))
    }

    /// Deactivates an active (activated) assignment. The five-minute rule is checked by the
    /// caller with `planner::check_deactivation` before calling.
    pub async fn deactivate(&self, a: &Assignment) -> Result<RequestOutcome, Error> {
        self.renewing(Self::resource(a), || self.deactivate_once(a))
            .await
    }

    async fn deactivate_once(&self, a: &Assignment) -> Result<RequestOutcome, Error> {
        crate::planner::check_deactivation(a, self.clock.now())?;
        let me = self.me()?;
        let token = self.session.token(Self::resource(a), None).await?;
        match a.plane {
            Plane::AzureResource => {
                let body = json!({"properties": {"principalId": me, "roleDefinitionId": format!("{}/providers/Microsoft.Authorization/roleDefinitions/{}", a.scope.id, a.id), "requestType": "SelfDeactivate"}});
                self.arm_request(a, &body, &token).await
            }
            Plane::EntraRole => {
                let body = json!({"action": "selfDeactivate", "principalId": me, "roleDefinitionId": a.id, "directoryScopeId": a.scope.id});
                self.graph_request(a, ENTRA_REQUESTS, &body, &token, "selfDeactivate")
                    .await
            }
            Plane::Group => {
                let body = json!({"action": "selfDeactivate", "principalId": me, "groupId": a.id, "accessId": a.access.map(Access::as_str).unwrap_or("member")});
                self.graph_request(a, GROUP_REQUESTS, &body, &token, "selfDeactivate")
                    .await
            }
        }
    }

    /// Cancels a pending request (approval or scheduled start).
    pub async fn cancel(&self, a: &Assignment) -> Result<RequestOutcome, Error> {
        self.renewing(Self::resource(a), || self.cancel_once(a))
            .await
    }

    async fn cancel_once(&self, a: &Assignment) -> Result<RequestOutcome, Error> {
        let id = a.request_id.clone().ok_or_else(|| {
            Error::InvalidInput(format!("{} has no pending request to cancel.", a.label()))
        })?;
        let token = self.session.token(Self::resource(a), None).await?;
        let url = match a.plane {
            Plane::AzureResource => self.arm(&format!("{}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{id}/cancel?{API}", a.scope.id)),
            Plane::EntraRole => self.graph(&format!("{ENTRA_REQUESTS}/{id}/cancel")),
            Plane::Group => self.graph(&format!("{GROUP_REQUESTS}/{id}/cancel")),
        };
        let req = Request {
            method: reqwest::Method::POST,
            url: &url,
            token: Some(&token),
            json: None,
            form: None,
            headers: &[],
            replayable: false,
        };
        let resp = self.session.http().send(&req).await?;
        if !resp.ok() {
            return Err(resp.into_error(Some(a.plane)));
        }
        Ok(RequestOutcome {
            state: RequestState::Canceled,
            request_id: Some(id),
            status: "Canceled".into(),
            reconciled: false,
        })
    }

    pub(super) fn outcome(
        &self,
        status: &str,
        start: Option<DateTime<Utc>>,
        id: Option<String>,
        reconciled: bool,
        plane: Plane,
    ) -> Result<RequestOutcome, Error> {
        match classify(status, start, self.clock.now()) {
            Ok(state) => Ok(RequestOutcome {
                state,
                request_id: id,
                status: status.to_string(),
                reconciled,
            }),
            Err(other) => Err(Error::Service(Box::new(crate::error::ServiceError {
                plane: Some(plane),
                status: 200,
                code: format!("Request{}", capitalize(&other)),
                message: format!("The request ended as {other}."),
                rules: vec![],
                request_id: id,
                claims: None,
                explained: false,
            }))),
        }
    }

    /// ARM: PUT with a GUID chosen here. After a lost answer, GET by that GUID tells whether
    /// it was committed; a retry reuses the GUID, which the service refuses as a duplicate.
    /// ARM: PUT under a request name (a GUID) of our own, so the request has one identity
    /// whatever happens. An uncertain attempt (no answer, 5xx, 408, 429) is followed by a
    /// GET of that name, retried on its own; only when the service says it has no such
    /// request is the same PUT sent again. "Already exists" after an uncertain attempt is ours.
    pub(super) async fn arm_request(
        &self,
        a: &Assignment,
        body: &Value,
        token: &Secret,
    ) -> Result<RequestOutcome, Error> {
        let name = uuid::Uuid::new_v4().to_string();
        let url = self.arm(&format!(
            "{}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{name}?{API}",
            a.scope.id
        ));
        let put = Request::with_json(reqwest::Method::PUT, &url, token, body);
        let start = body["properties"]["scheduleInfo"]["startDateTime"]
            .as_str()
            .and_then(|s| parse::time(&json!(s)));
        let found = |v: &Value, reconciled: bool| {
            self.outcome(
                v["properties"]["status"].as_str().unwrap_or("Accepted"),
                start,
                Some(name.clone()),
                reconciled,
                a.plane,
            )
        };
        let mut uncertain = false;
        for attempt in 0..WRITE_ATTEMPTS {
            let sent = self.session.http().send(&put).await;
            match Sent::of(sent, a.plane) {
                Sent::Done(v) => return found(&v, uncertain),
                Sent::Refused(e) if uncertain && already_exists(&e) => {
                    return match self.look_up_arm(&url, token).await {
                        Looked::Found(v) => found(&v, true),
                        _ => Ok(exists_outcome()),
                    };
                }
                Sent::Refused(e) => return Err(e),
                Sent::Uncertain(wait) => {
                    uncertain = true;
                    match self.look_up_arm(&url, token).await {
                        Looked::Found(v) => return found(&v, true),
                        Looked::Failed(e) => return Err(unknown_outcome(a, &e)),
                        Looked::Absent if attempt + 1 < WRITE_ATTEMPTS => pause(wait).await,
                        Looked::Absent => {}
                    }
                }
            }
        }
        Err(Error::Network(format!("The request for {} got no answer {WRITE_ATTEMPTS} times and was not made; try again later.", a.label())))
    }

    /// The ARM request by its name, the lookup retried on its own (never the PUT).
    async fn look_up_arm(&self, url: &str, token: &Secret) -> Looked {
        let mut last = None;
        for attempt in 0..LOOKUP_ATTEMPTS {
            match self.session.http().send(&Request::get(url, token)).await {
                Ok(resp) if resp.ok() => match resp.json() {
                    Ok(v) => return Looked::Found(v),
                    Err(e) => last = Some(e),
                },
                Ok(resp) if resp.status == 404 => return Looked::Absent,
                Ok(resp) => last = Some(resp.into_error(Some(Plane::AzureResource))),
                Err(e) => last = Some(e),
            }
            if attempt + 1 < LOOKUP_ATTEMPTS {
                pause(None).await;
            }
        }
        Looked::Failed(last.unwrap_or_else(|| Error::Network("no answer".into())))
    }

    /// Graph: POST. An uncertain attempt is followed by a look at my requests for this target
    /// and action made since just before it was sent (by the service's clock), retried on its
    /// own; only when it is surely not there is the POST sent again. "Already exists" after an
    /// uncertain attempt is ours.
    pub(super) async fn graph_request(
        &self,
        a: &Assignment,
        collection: &str,
        body: &Value,
        token: &Secret,
        action: &str,
    ) -> Result<RequestOutcome, Error> {
        let url = self.graph(collection);
        let post = Request::with_json(reqwest::Method::POST, &url, token, body);
        let start = body["scheduleInfo"]["startDateTime"]
            .as_str()
            .and_then(|s| parse::time(&json!(s)));
        // The service's clock when it knows it (createdDateTime is the service's), with a
        // margin; ours with a wider one before any answer told the skew.
        let since = match self.session.http().server_now() {
            Some(now) => now - chrono::Duration::minutes(2),
            None => self.clock.now() - chrono::Duration::minutes(15),
        };
        let found = |v: &Value, reconciled: bool| {
            self.outcome(
                v["status"].as_str().unwrap_or("Granted"),
                start,
                v["id"].as_str().map(str::to_string),
                reconciled,
                a.plane,
            )
        };
        let justification = body["justification"].as_str();
        let mut uncertain = false;
        for attempt in 0..WRITE_ATTEMPTS {
            let sent = self.session.http().send(&post).await;
            match Sent::of(sent, a.plane) {
                Sent::Done(v) => return found(&v, uncertain),
                Sent::Refused(e) if uncertain && already_exists(&e) => {
                    return match self
                        .find_graph_request(a, collection, action, since, justification, token)
                        .await
                    {
                        Looked::Found(v) => found(&v, true),
                        _ => Ok(exists_outcome()),
                    };
                }
                Sent::Refused(e) => return Err(e),
                Sent::Uncertain(wait) => {
                    uncertain = true;
                    match self
                        .find_graph_request(a, collection, action, since, justification, token)
                        .await
                    {
                        Looked::Found(v) => return found(&v, true),
                        Looked::Failed(e) => return Err(unknown_outcome(a, &e)),
                        Looked::Absent if attempt + 1 < WRITE_ATTEMPTS => pause(wait).await,
                        Looked::Absent => {}
                    }
                }
            }
        }
        Err(Error::Network(format!("The request for {} got no answer {WRITE_ATTEMPTS} times and was not made; try again later.", a.label())))
    }

    /// My newest request for `a`'s target and `action` made since `since` (with the same
    /// justification), the list read again on a failure.
    pub(super) async fn find_graph_request(
        &self,
        a: &Assignment,
        collection: &str,
        action: &str,
        since: DateTime<Utc>,
        justification: Option<&str>,
        token: &Secret,
    ) -> Looked {
        let url = self.graph(&format!("{collection}/filterByCurrentUser(on='principal')"));
        let mut last = None;
        let mut items = None;
        for attempt in 0..LOOKUP_ATTEMPTS {
            let listed = async {
                let first = self.get(&url, token, a.plane).await?;
                self.follow(first, token, a.plane).await
            };
            match listed.await {
                Ok(list) => {
                    items = Some(list);
                    break;
                }
                Err(e) => last = Some(e),
            }
            if attempt + 1 < LOOKUP_ATTEMPTS {
                pause(None).await;
            }
        }
        let Some(items) = items else {
            return Looked::Failed(last.unwrap_or_else(|| Error::Network("no answer".into())));
        };
        let mine = items.into_iter().rev().find(|r| {
            let same_target = match a.plane {
                Plane::EntraRole => {
                    r["roleDefinitionId"]
                        .as_str()
                        .is_some_and(|x| x.eq_ignore_ascii_case(&a.id))
                        && r["directoryScopeId"].as_str() == Some(a.scope.id.as_str())
                }
                _ => {
                    r["groupId"]
                        .as_str()
                        .is_some_and(|x| x.eq_ignore_ascii_case(&a.id))
                        && r["accessId"].as_str().is_some_and(|x| {
                            Some(x.to_ascii_lowercase()) == a.access.map(|v| v.as_str().to_string())
                        })
                }
            };
            same_target
                && r["action"]
                    .as_str()
                    .is_some_and(|x| x.eq_ignore_ascii_case(action))
                && r["justification"].as_str() == justification
                && parse::time(&r["createdDateTime"]).is_some_and(|t| t >= since)
        });
        match mine {
            Some(v) => Looked::Found(v),
            None => Looked::Absent,
        }
    }
}

/// How many times a write is sent at most (each after its lookup said it is not there).
pub(super) const WRITE_ATTEMPTS: usize = 3;
/// How many times a lookup after an uncertain write is tried.
const LOOKUP_ATTEMPTS: usize = 4;

/// What one attempt of a write came to.
pub(super) enum Sent {
    Done(Value),
    /// The service refused: nothing was done.
    Refused(Error),
    /// Maybe done (no answer, 5xx, 408, or 429, which a gateway can send after the work);
    /// the `Retry-After` to honour before sending again.
    Uncertain(Option<std::time::Duration>),
}

impl Sent {
    pub(super) fn of(sent: Result<crate::http::Response, Error>, plane: Plane) -> Sent {
        match sent {
            Ok(resp) if resp.ok() => match resp.json() {
                Ok(v) => Sent::Done(v),
                // A 2xx we cannot read: the work was done; the lookup finds it.
                Err(_) => Sent::Uncertain(None),
            },
            Ok(resp) if resp.status >= 500 || matches!(resp.status, 408 | 429) => {
                Sent::Uncertain(crate::http::retry_after(&resp.headers))
            }
            Ok(resp) => Sent::Refused(resp.into_error(Some(plane))),
            Err(Error::Network(_)) => Sent::Uncertain(None),
            Err(e) => Sent::Refused(e),
        }
    }
}

/// What a lookup after an uncertain write found.
pub(super) enum Looked {
    Found(Value),
    Absent,
    Failed(Error),
}

fn already_exists(e: &Error) -> bool {
    e.service().is_some_and(|s| {
        matches!(
            s.code.as_str(),
            "RoleAssignmentExists" | "PendingRoleAssignmentRequest" | "RoleAssignmentRequestExists"
        )
    })
}

/// "Already exists" right after our uncertain attempt, and the lookup cannot show it yet:
/// it is ours, being provisioned.
fn exists_outcome() -> RequestOutcome {
    RequestOutcome {
        state: RequestState::Provisioning,
        request_id: None,
        status: "Exists".into(),
        reconciled: true,
    }
}

fn unknown_outcome(a: &Assignment, e: &Error) -> Error {
    Error::Network(format!(
        "The request for {} may or may not have been made: the answer was lost and looking it up failed ({e}). Refresh to see whether it is active or pending before trying again.",
        a.label()
    ))
}

/// Waits before sending a write again: `Retry-After` when given (at most 30 s), else a moment.
pub(super) async fn pause(wait: Option<std::time::Duration>) {
    let wait = wait.unwrap_or(std::time::Duration::from_millis(300));
    tokio::time::sleep(wait.min(std::time::Duration::from_secs(30))).await;
}
