//! The writes: activate (with auth-context step-up and reconciliation after a lost answer),
//! extend, deactivate, cancel, and what the last request carried.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::auth::acrs_claims;
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
    /// and after a lost answer reconciles before any retry: never two activations for one call.
    pub async fn activate(&self, a: &Assignment, plan: &Plan) -> Result<RequestOutcome, Error> {
        let resource = Self::resource(a);
        let mut claims = plan.auth_context.as_deref().map(acrs_claims);
        let mut stepped = claims.is_some();
        let mut renewed = false;
        loop {
            let token = self.session.token(resource, claims.as_deref()).await?;
            match self.send_activation(a, plan, &token).await {
                Err(e) if !renewed && token_rejected(&e) => {
                    // Not processed (401): a fresh token, then the same request once more.
                    renewed = true;
                    self.session.invalidate(resource).await;
                }
                Err(Error::Service(s))
                    if !stepped
                        && (s.code.contains("AcrsValidationFailed")
                            || (s.status == 401 && s.claims.is_some())) =>
                {
                    claims = Some(s.claims.clone().unwrap_or_else(|| {
                        acrs_claims(plan.auth_context.as_deref().unwrap_or("c1"))
                    }));
                    stepped = true;
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
            }))),
        }
    }

    /// ARM: PUT with a GUID chosen here. After a lost answer, GET by that GUID tells whether
    /// it was committed; a retry reuses the GUID, which the service refuses as a duplicate.
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
        let mut reconciled = false;
        for _ in 0..2 {
            match self.session.http().send(&put).await {
                Ok(resp) if resp.ok() => {
                    let v = resp.json()?;
                    return self.outcome(
                        v["properties"]["status"].as_str().unwrap_or("Accepted"),
                        start,
                        Some(name),
                        reconciled,
                        a.plane,
                    );
                }
                Ok(resp) if resp.status < 500 => return Err(resp.into_error(Some(a.plane))),
                Ok(_) | Err(Error::Network(_)) => {
                    // Lost or failed answer: was it committed?
                    reconciled = true;
                    let get = Request::get(&url, token);
                    if let Ok(resp) = self.session.http().send(&get).await {
                        if resp.ok() {
                            let v = resp.json()?;
                            return self.outcome(
                                v["properties"]["status"].as_str().unwrap_or("Accepted"),
                                start,
                                Some(name),
                                true,
                                a.plane,
                            );
                        }
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(Error::Network(format!("The request for {} got no answer twice and could not be found; check its state before trying again.", a.label())))
    }

    /// Graph: POST; after a lost answer, look for the request (or the activation) before
    /// sending again.
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
        let sent_at = self.clock.now() - chrono::Duration::minutes(2);
        for attempt in 0..2 {
            match self.session.http().send(&post).await {
                Ok(resp) if resp.ok() => {
                    let v = resp.json()?;
                    return self.outcome(
                        v["status"].as_str().unwrap_or("Granted"),
                        start,
                        v["id"].as_str().map(str::to_string),
                        attempt > 0,
                        a.plane,
                    );
                }
                Ok(resp) if resp.status < 500 => return Err(resp.into_error(Some(a.plane))),
                Ok(_) | Err(Error::Network(_)) => {
                    if let Some(found) = self
                        .find_graph_request(a, collection, action, sent_at, token)
                        .await
                    {
                        return self.outcome(
                            found["status"].as_str().unwrap_or("Granted"),
                            start,
                            found["id"].as_str().map(str::to_string),
                            true,
                            a.plane,
                        );
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(Error::Network(format!("The request for {} got no answer twice and could not be found; check its state before trying again.", a.label())))
    }

    pub(super) async fn find_graph_request(
        &self,
        a: &Assignment,
        collection: &str,
        action: &str,
        since: DateTime<Utc>,
        token: &Secret,
    ) -> Option<Value> {
        let url = self.graph(&format!("{collection}/filterByCurrentUser(on='principal')"));
        let first = self.get(&url, token, a.plane).await.ok()?;
        let items = self.follow(first, token, a.plane).await.ok()?;
        items.into_iter().rev().find(|r| {
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
                && parse::time(&r["createdDateTime"]).is_some_and(|t| t >= since)
        })
    }
}
