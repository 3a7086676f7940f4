//! The PIM client over Graph and ARM. A full refresh is the six list calls (eligible and
//! active for each plane) plus the pending requests: the Graph ones in one `$batch`, the ARM
//! ones at the tenant root with `asTarget()`, concurrently, every page followed. A plane that
//! fails degrades alone, with its error. Policies: directory roles in one call, groups in
//! `$batch`es of 20, Azure lazily per role and scope; all cached per tenant with a TTL.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use ts_rs::TS;

use crate::auth::{acrs_claims, Resource, Session};
use crate::error::Error;
use crate::http::{Request, Response};
use crate::model::{Access, Assignment, Plane, PlaneFailure, PolicySummary, Snapshot};
use crate::os::Clock;
use crate::parse;
use crate::payload::ErrorPayload;
use crate::planner::Plan;
use crate::policy::{iso, summarize};
use crate::secret::Secret;

const API: &str = "api-version=2020-10-01";
const ENTRA_ELIGIBLE: &str = "/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')";
const ENTRA_ACTIVE: &str =
    "/roleManagement/directory/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')";
const ENTRA_REQUESTS: &str = "/roleManagement/directory/roleAssignmentScheduleRequests";
const GROUP_ELIGIBLE: &str = "/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances/filterByCurrentUser(on='principal')";
const GROUP_ACTIVE: &str = "/identityGovernance/privilegedAccess/group/assignmentScheduleInstances/filterByCurrentUser(on='principal')";
const GROUP_REQUESTS: &str =
    "/identityGovernance/privilegedAccess/group/assignmentScheduleRequests";
const ROLE_EXPAND: &str = "$expand=roleDefinition($select=id,displayName)";
const GROUP_EXPAND: &str = "$expand=group($select=id,displayName)";
const PENDING: &str = "$filter=status%20eq%20'PendingApproval'";

/// What happened to an activation request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum RequestState {
    /// Provisioned: the assignment is active.
    Active,
    /// Granted, being provisioned: show "activating…" until it is in the active list.
    Provisioning,
    /// Granted for a later start.
    Scheduled,
    /// Waiting for an approver: not access yet.
    PendingApproval,
    /// Deactivated.
    Revoked,
    /// A pending request was cancelled.
    Canceled,
    /// Nothing was sent: the assignment is already active.
    AlreadyActive,
    /// Nothing was sent: a request for it already waits for approval (or starts).
    AlreadyPending,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RequestOutcome {
    pub state: RequestState,
    /// Graph request id or ARM request name (a GUID).
    pub request_id: Option<String>,
    /// Microsoft's status, as sent.
    pub status: String,
    /// True when the answer was lost and the request was found afterwards.
    pub reconciled: bool,
}

/// Maps a request status per the reference's classification [INF]: `Provisioned` is success,
/// `Granted` is success when it starts later, pending states need a person or time.
pub fn classify(
    status: &str,
    start: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<RequestState, String> {
    match status.to_ascii_lowercase().as_str() {
        "provisioned" | "schedulecreated" => Ok(RequestState::Active),
        "granted" | "accepted" | "adminapproved" => Ok(
            if start.is_some_and(|s| s > now + chrono::Duration::seconds(60)) {
                RequestState::Scheduled
            } else {
                RequestState::Provisioning
            },
        ),
        "pendingprovisioning"
        | "pendingschedulecreation"
        | "provisioningstarted"
        | "pendingevaluation"
        | "pendingexternalprovisioning" => Ok(RequestState::Provisioning),
        "pendingapproval" | "pendingadmindecision" | "pendingapprovalprovisioning" => {
            Ok(RequestState::PendingApproval)
        }
        "revoked" => Ok(RequestState::Revoked),
        "canceled" => Ok(RequestState::Canceled),
        other => Err(other.to_string()),
    }
}

struct CachedPolicy {
    policy: PolicySummary,
    at: Instant,
}

pub struct Pim {
    session: Arc<Session>,
    clock: Arc<dyn Clock>,
    policies: Mutex<HashMap<String, CachedPolicy>>,
    pub policy_ttl: Duration,
}

fn policy_key(a: &Assignment) -> String {
    match a.plane {
        Plane::EntraRole => format!("entra:{}", a.id.to_ascii_lowercase()),
        Plane::Group => format!(
            "group:{}:{}",
            a.id.to_ascii_lowercase(),
            a.access.map(Access::as_str).unwrap_or("member")
        ),
        Plane::AzureResource => format!(
            "azure:{}:{}",
            a.scope.id.to_ascii_lowercase(),
            a.id.to_ascii_lowercase()
        ),
    }
}

/// A token the service no longer accepts (not a claims challenge).
fn token_rejected(e: &Error) -> bool {
    e.service()
        .is_some_and(|s| s.status == 401 && s.claims.is_none())
}

fn rejected(failures: &[PlaneFailure]) -> bool {
    failures.iter().any(|f| {
        matches!(
            f.error.code.as_str(),
            "InvalidAuthenticationToken"
                | "ExpiredAuthenticationToken"
                | "AuthenticationFailed"
                | "Unauthorized"
        )
    })
}

fn failure(plane: Plane, e: &Error) -> PlaneFailure {
    PlaneFailure {
        plane,
        error: ErrorPayload::from(e),
    }
}

impl Pim {
    pub fn new(session: Arc<Session>, clock: Arc<dyn Clock>) -> Pim {
        Pim {
            session,
            clock,
            policies: Mutex::new(HashMap::new()),
            policy_ttl: Duration::from_secs(30 * 60),
        }
    }

    pub fn session(&self) -> &Arc<Session> {
        &self.session
    }

    pub(crate) fn graph(&self, path: &str) -> String {
        format!("{}/v1.0{path}", self.session.cfg.endpoints.graph)
    }

    pub(crate) fn arm(&self, path: &str) -> String {
        format!("{}{path}", self.session.cfg.endpoints.arm)
    }

    fn cached_policy(&self, key: &str) -> Option<PolicySummary> {
        let map = self.policies.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key)
            .filter(|c| c.at.elapsed() < self.policy_ttl)
            .map(|c| c.policy.clone())
    }

    fn put_policy(&self, key: String, policy: PolicySummary) {
        self.policies
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                key,
                CachedPolicy {
                    policy,
                    at: Instant::now(),
                },
            );
    }

    /// Forgets every cached policy (e.g. after the user asks for a fresh look).
    pub fn clear_policy_cache(&self) {
        self.policies
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    pub(crate) async fn get(
        &self,
        url: &str,
        token: &Secret,
        plane: Plane,
    ) -> Result<Value, Error> {
        let resp = self.session.http().send(&Request::get(url, token)).await?;
        if !resp.ok() {
            return Err(resp.into_error(Some(plane)));
        }
        resp.json()
    }

    /// Follows `@odata.nextLink` / `nextLink` verbatim until absent; pages may be empty.
    pub(crate) async fn follow(
        &self,
        first: Value,
        token: &Secret,
        plane: Plane,
    ) -> Result<Vec<Value>, Error> {
        let mut items = first["value"].as_array().cloned().unwrap_or_default();
        let mut next = first["@odata.nextLink"]
            .as_str()
            .or(first["nextLink"].as_str())
            .map(str::to_string);
        let mut pages = 1;
        while let Some(url) = next {
            pages += 1;
            if pages > 1000 {
                return Err(Error::Network(
                    "more than 1,000 pages: the service keeps sending next links".into(),
                ));
            }
            let page = self.get(&url, token, plane).await?;
            items.extend(page["value"].as_array().cloned().unwrap_or_default());
            next = page["@odata.nextLink"]
                .as_str()
                .or(page["nextLink"].as_str())
                .map(str::to_string);
        }
        Ok(items)
    }

    /// Runs up to 20 Graph GETs in one `$batch`; items that come back throttled or
    /// unavailable are sent again on their own (the retry policy honours Retry-After).
    async fn batch(
        &self,
        urls: &[String],
        token: &Secret,
    ) -> Result<Vec<Result<Value, Error>>, Error> {
        let requests: Vec<Value> = urls
            .iter()
            .enumerate()
            .map(|(i, u)| json!({"id": i.to_string(), "method": "GET", "url": u}))
            .collect();
        let body = json!({"requests": requests});
        let url = self.graph("/$batch");
        let resp = self
            .session
            .http()
            .send(&Request::with_json(
                reqwest::Method::POST,
                &url,
                token,
                &body,
            ))
            .await?;
        if !resp.ok() {
            return Err(resp.into_error(Some(Plane::EntraRole)));
        }
        let out = resp.json()?;
        let mut results: Vec<Option<Result<Value, Error>>> =
            (0..urls.len()).map(|_| None).collect();
        for r in out["responses"].as_array().into_iter().flatten() {
            // Responses may come back in any order [DOC]: match them by id.
            let Some(i) = r["id"]
                .as_str()
                .and_then(|s| s.parse::<usize>().ok())
                .filter(|i| *i < urls.len())
            else {
                continue;
            };
            let status = r["status"].as_u64().unwrap_or(0) as u16;
            results[i] = Some(if (200..300).contains(&status) {
                Ok(r["body"].clone())
            } else if matches!(status, 429 | 503 | 500 | 502 | 504) {
                self.get(&self.graph(&urls[i]), token, Plane::EntraRole)
                    .await
            } else {
                let bytes = serde_json::to_vec(&r["body"]).unwrap_or_default();
                Err(crate::http::parse_error(status, &bytes, None, None, None))
            });
        }
        Ok(results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| Err(Error::Network("the $batch answer lacks an item".into())))
            })
            .collect())
    }

    /// The full refresh. A plane whose token was rejected (401) is refreshed once more with a
    /// new token.
    pub async fn refresh(&self) -> Snapshot {
        let (mut graph, mut azure) = futures::join!(self.refresh_graph(), self.refresh_azure());
        if rejected(&graph.1) {
            self.session.invalidate(Resource::Graph).await;
            graph = self.refresh_graph().await;
        }
        if rejected(&azure.1) {
            self.session.invalidate(Resource::Arm).await;
            azure = self.refresh_azure().await;
        }
        let mut snap = Snapshot::default();
        for part in [graph, azure] {
            snap.assignments.extend(part.0);
            snap.failures.extend(part.1);
        }
        for a in &mut snap.assignments {
            if a.policy.is_none() {
                a.policy = self.cached_policy(&policy_key(a));
            }
        }
        snap
    }

    async fn refresh_graph(&self) -> (Vec<Assignment>, Vec<PlaneFailure>) {
        let token = match self.session.token(Resource::Graph, None).await {
            Ok(t) => t,
            Err(e) => {
                return (
                    vec![],
                    vec![failure(Plane::EntraRole, &e), failure(Plane::Group, &e)],
                )
            }
        };
        let need_entra_policies = self.cached_policy("entra:*").is_none();
        let mut urls = vec![
            format!("{ENTRA_ELIGIBLE}?{ROLE_EXPAND}"),
            format!("{ENTRA_ACTIVE}?{ROLE_EXPAND}"),
            format!("{GROUP_ELIGIBLE}?{GROUP_EXPAND}"),
            format!("{GROUP_ACTIVE}?{GROUP_EXPAND}"),
            format!("{ENTRA_REQUESTS}/filterByCurrentUser(on='principal')?{PENDING}&{ROLE_EXPAND}"),
            format!(
                "{GROUP_REQUESTS}/filterByCurrentUser(on='principal')?{PENDING}&{GROUP_EXPAND}"
            ),
        ];
        if need_entra_policies {
            urls.push("/policies/roleManagementPolicyAssignments?$filter=scopeId%20eq%20'/'%20and%20scopeType%20eq%20'DirectoryRole'&$expand=policy($expand=rules)".into());
        }
        let results = match self.batch(&urls, &token).await {
            Ok(r) => r,
            Err(e) => {
                return (
                    vec![],
                    vec![failure(Plane::EntraRole, &e), failure(Plane::Group, &e)],
                )
            }
        };
        let mut lists: Vec<Result<Vec<Value>, Error>> = vec![];
        for r in results {
            lists.push(match r {
                Ok(first) => self.follow(first, &token, Plane::EntraRole).await,
                Err(e) => Err(e),
            });
        }
        let mut out = vec![];
        let mut failures = vec![];
        // Directory roles: eligible, active, pending.
        let mut entra = vec![];
        let mut entra_err = None;
        for (i, active) in [(0, false), (1, true)] {
            match &lists[i] {
                Ok(items) => entra.extend(items.iter().filter_map(|v| parse::entra(v, active))),
                Err(e) => entra_err = entra_err.or(Some(failure(Plane::EntraRole, e))),
            }
        }
        let mut group = vec![];
        let mut group_err = None;
        for (i, active) in [(2, false), (3, true)] {
            match &lists[i] {
                Ok(items) => group.extend(items.iter().filter_map(|v| parse::group(v, active))),
                Err(e) => group_err = group_err.or(Some(failure(Plane::Group, e))),
            }
        }
        let role_names: HashMap<String, String> = entra
            .iter()
            .map(|a: &Assignment| (a.id.clone(), a.name.clone()))
            .collect();
        let group_names: HashMap<String, String> = group
            .iter()
            .map(|a: &Assignment| (a.id.clone(), a.name.clone()))
            .collect();
        if let Ok(items) = &lists[4] {
            entra.extend(items.iter().filter_map(|v| {
                parse::pending_graph(v, Plane::EntraRole, &|id| role_names.get(id).cloned())
            }));
        }
        if let Ok(items) = &lists[5] {
            group.extend(items.iter().filter_map(|v| {
                parse::pending_graph(v, Plane::Group, &|id| group_names.get(id).cloned())
            }));
        }
        if need_entra_policies {
            if let Some(Ok(items)) = lists.get(6) {
                for item in items {
                    if let Some(role) = item["roleDefinitionId"].as_str() {
                        let rules = item["policy"]["rules"]
                            .as_array()
                            .cloned()
                            .unwrap_or_default();
                        self.put_policy(
                            format!("entra:{}", role.to_ascii_lowercase()),
                            summarize(&rules),
                        );
                    }
                }
                self.put_policy("entra:*".into(), PolicySummary::default());
            }
        }
        // Independent lookups, in the same round trip.
        let for_policies = group.clone();
        futures::join!(
            self.group_policies(&for_policies, &token),
            self.resolve_group_names(&mut group, &token)
        );
        out.extend(entra);
        out.extend(group);
        failures.extend(entra_err);
        failures.extend(group_err);
        (out, failures)
    }

    /// `$expand=group` sometimes yields `group: null` [OBS]: look the names up in one call.
    async fn resolve_group_names(&self, group: &mut [Assignment], token: &Secret) {
        let mut missing: Vec<String> = group
            .iter()
            .filter(|a| a.name == a.id)
            .map(|a| a.id.clone())
            .collect();
        missing.sort();
        missing.dedup();
        if missing.is_empty() {
            return;
        }
        // 15 ids per `in` filter (kept short: the contract gives no limit), the lookups at once.
        let lookups = missing.chunks(15).map(|chunk| {
            let list = chunk
                .iter()
                .map(|id| format!("'{id}'"))
                .collect::<Vec<_>>()
                .join(",");
            let url = self.graph(&format!(
                "/groups?$filter=id%20in%20({list})&$select=id,displayName"
            ));
            async move { self.get(&url, token, Plane::Group).await }
        });
        for first in futures::future::join_all(lookups)
            .await
            .into_iter()
            .flatten()
        {
            for g in first["value"].as_array().into_iter().flatten() {
                if let (Some(id), Some(name)) = (g["id"].as_str(), g["displayName"].as_str()) {
                    for a in group.iter_mut().filter(|a| a.id.eq_ignore_ascii_case(id)) {
                        a.name = name.to_string();
                        a.scope.display_name = name.to_string();
                    }
                }
            }
        }
    }

    /// Group policies for groups not in the cache, 20 per `$batch`, the batches at once
    /// (one round trip however many groups).
    async fn group_policies(&self, group: &[Assignment], token: &Secret) {
        let mut ids: Vec<String> = group
            .iter()
            .filter(|a| self.cached_policy(&policy_key(a)).is_none())
            .map(|a| a.id.to_ascii_lowercase())
            .collect();
        ids.sort();
        ids.dedup();
        let batches = ids.chunks(20).map(|chunk| async move {
            let urls: Vec<String> = chunk
                .iter()
                .map(|g| format!("/policies/roleManagementPolicyAssignments?$filter=scopeId%20eq%20'{g}'%20and%20scopeType%20eq%20'Group'&$expand=policy($expand=rules)"))
                .collect();
            (chunk, self.batch(&urls, token).await)
        });
        for (chunk, results) in futures::future::join_all(batches).await {
            let Ok(results) = results else {
                continue;
            };
            for (g, r) in chunk.iter().zip(results) {
                let Ok(body) = r else { continue };
                for item in body["value"].as_array().into_iter().flatten() {
                    let access = item["roleDefinitionId"]
                        .as_str()
                        .unwrap_or("member")
                        .to_ascii_lowercase();
                    let rules = item["policy"]["rules"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default();
                    self.put_policy(format!("group:{g}:{access}"), summarize(&rules));
                }
            }
        }
    }

    async fn refresh_azure(&self) -> (Vec<Assignment>, Vec<PlaneFailure>) {
        let token = match self.session.token(Resource::Arm, None).await {
            Ok(t) => t,
            Err(e) => return (vec![], vec![failure(Plane::AzureResource, &e)]),
        };
        let list = |collection: &str, filter: &str| {
            self.arm(&format!(
                "/providers/Microsoft.Authorization/{collection}?{API}&$filter={filter}"
            ))
        };
        let (eligible, active, pending) = (
            list("roleEligibilityScheduleInstances", "asTarget()"),
            list("roleAssignmentScheduleInstances", "asTarget()"),
            list("roleAssignmentScheduleRequests", "asRequestor()"),
        );
        let fetch = |url: String| {
            let token = token.clone();
            async move {
                let first = self.get(&url, &token, Plane::AzureResource).await?;
                self.follow(first, &token, Plane::AzureResource).await
            }
        };
        let (e, a, p) = futures::join!(fetch(eligible), fetch(active), fetch(pending));
        let mut out = vec![];
        let mut failures = vec![];
        match (e, a) {
            (Ok(e), Ok(a)) => {
                out.extend(e.iter().filter_map(|v| parse::azure(v, false)));
                out.extend(a.iter().filter_map(|v| parse::azure(v, true)));
            }
            (Err(err), _) | (_, Err(err)) => failures.push(failure(Plane::AzureResource, &err)),
        }
        if let Ok(p) = p {
            out.extend(p.iter().filter_map(parse::pending_azure));
        }
        (out, failures)
    }

    /// The policy of one assignment: from the cache, or fetched (Azure: per role and scope).
    pub async fn policy(&self, a: &Assignment) -> Result<PolicySummary, Error> {
        let key = policy_key(a);
        if let Some(p) = self.cached_policy(&key) {
            return Ok(p);
        }
        match a.plane {
            Plane::AzureResource => {
                let token = self.session.token(Resource::Arm, None).await?;
                let role_full = format!(
                    "{}/providers/Microsoft.Authorization/roleDefinitions/{}",
                    a.scope.id, a.id
                );
                let filter = percent_encoding::utf8_percent_encode(
                    &format!("roleDefinitionId eq '{role_full}'"),
                    percent_encoding::NON_ALPHANUMERIC,
                )
                .to_string();
                let url = self.arm(&format!("{}/providers/Microsoft.Authorization/roleManagementPolicyAssignments?{API}&$filter={filter}", a.scope.id));
                let first = self.get(&url, &token, Plane::AzureResource).await?;
                let items = self.follow(first, &token, Plane::AzureResource).await?;
                // Filter client-side too: the 2020-10-01 list declares no $filter [SPEC].
                let item = items
                    .iter()
                    .find(|i| {
                        i["properties"]["roleDefinitionId"]
                            .as_str()
                            .is_some_and(|r| parse::role_guid(r) == a.id.to_ascii_lowercase())
                    })
                    .ok_or_else(|| {
                        Error::Network(format!(
                            "no policy assignment was found for {} at {}",
                            a.name, a.scope.display_name
                        ))
                    })?;
                let rules = item["properties"]["effectiveRules"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                let p = summarize(&rules);
                self.put_policy(key, p.clone());
                Ok(p)
            }
            Plane::EntraRole | Plane::Group => {
                let token = self.session.token(Resource::Graph, None).await?;
                let filter = match a.plane {
                    Plane::EntraRole => format!("scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '{}'", a.id),
                    _ => format!("scopeId eq '{}' and scopeType eq 'Group' and roleDefinitionId eq '{}'", a.id, a.access.map(Access::as_str).unwrap_or("member")),
                };
                let filter = percent_encoding::utf8_percent_encode(
                    &filter,
                    percent_encoding::NON_ALPHANUMERIC,
                )
                .to_string();
                let url = self.graph(&format!("/policies/roleManagementPolicyAssignments?$filter={filter}&$expand=policy($expand=rules)"));
                let body = self.get(&url, &token, a.plane).await?;
                let rules = body["value"][0]["policy"]["rules"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                let p = summarize(&rules);
                self.put_policy(key, p.clone());
                Ok(p)
            }
        }
    }

    /// The policy (fetched if needed) and the plan for activating `a` with `input`.
    pub async fn plan(
        &self,
        a: &Assignment,
        input: &crate::planner::ActivationInput,
        defaults: &crate::config::Defaults,
    ) -> Result<Plan, Error> {
        let policy = match &a.policy {
            Some(p) => p.clone(),
            None => self.policy(a).await?,
        };
        crate::planner::plan(a, &policy, input, defaults)
    }

    /// Plans and activates several assignments concurrently, with a result per item.
    pub async fn activate_many(
        &self,
        items: &[Assignment],
        input: &crate::planner::ActivationInput,
        defaults: &crate::config::Defaults,
    ) -> Vec<Result<RequestOutcome, Error>> {
        futures::future::join_all(items.iter().map(|a| async move {
            let plan = self.plan(a, input, defaults).await?;
            self.activate(a, &plan).await
        }))
        .await
    }

    fn me(&self) -> Result<String, Error> {
        self.session.identity().map(|i| i.object_id).ok_or_else(|| {
            Error::SignInRequired("You are not signed in: sign in to Elevate first.".into())
        })
    }

    pub(crate) fn resource(a: &Assignment) -> Resource {
        if a.plane == Plane::AzureResource {
            Resource::Arm
        } else {
            Resource::Graph
        }
    }

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

    fn schedule(plan: &Plan, graph: bool) -> Value {
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

    fn ticket(plan: &Plan) -> Value {
        json!({"ticketNumber": plan.ticket_number, "ticketSystem": plan.ticket_system})
    }

    async fn send_activation(
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

    fn outcome(
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
    async fn arm_request(
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
    async fn graph_request(
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

    async fn find_graph_request(
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

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Reads the body of a response for tests and callers that need the raw JSON.
pub fn body(resp: &Response) -> Value {
    resp.json().unwrap_or(Value::Null)
}
