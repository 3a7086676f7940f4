//! The approver's calls: the requests waiting for me on each plane (Graph
//! `filterByCurrentUser(on='approver')`, ARM `asApprover()`), and a decision on one, sent once
//! and reconciled by reading the approval again after a lost answer (a second PATCH after a
//! lost one would meet "already decided", by us).

use serde_json::{json, Value};

use crate::approval::{self, Approval, Decidable, Decided, Step, Verdict};
use crate::auth::Resource;
use crate::error::Error;
use crate::http::Request;
use crate::model::{Plane, PlaneFailure};
use crate::secret::Secret;

use super::common::{failure, API};
use super::decision::{already, expired_result, recorded, settled};
use super::requests::{pause, Sent, WRITE_ATTEMPTS};
use super::Pim;

const ENTRA_APPROVER: &str = "/roleManagement/directory/roleAssignmentScheduleRequests/filterByCurrentUser(on='approver')?$filter=status%20eq%20'PendingApproval'&$expand=roleDefinition,principal";
const GROUP_APPROVER: &str = "/identityGovernance/privilegedAccess/group/assignmentScheduleRequests/filterByCurrentUser(on='approver')?$filter=status%20eq%20'PendingApproval'&$expand=group,principal";
/// The approval resource's only api-version in the spec repository [SPEC].
const APPROVAL_API: &str = "api-version=2021-01-01-preview";

/// What the approver's lists found: the approvals, and the planes that failed and why.
#[derive(Debug, Clone, Default)]
pub struct Pending {
    pub items: Vec<Approval>,
    pub failures: Vec<PlaneFailure>,
}

/// ARM answers that mean "this way of deciding does not exist here", not "no": the portal's
/// `/batch` form is tried next [OBS: pimctl].
fn route_missing(e: &Error) -> bool {
    e.service().is_some_and(|s| {
        matches!(s.status, 404 | 405)
            || matches!(
                s.code.as_str(),
                "InvalidResourceType"
                    | "NoRegisteredProviderFound"
                    | "InvalidApiVersionParameter"
                    | "MissingApiVersionParameter"
                    | "UnsupportedApiVersion"
            )
    })
}

/// Graph's answer to a navigation it does not have (`stages` on one version, `steps` on the
/// other): a 404, or a 400 naming the segment.
fn segment_missing(e: &Error) -> bool {
    e.service().is_some_and(|s| {
        s.status == 404 || (s.status == 400 && s.message.to_ascii_lowercase().contains("segment"))
    })
}

fn conflict(e: &Error) -> bool {
    e.service().is_some_and(|s| s.status == 409)
}

fn expired(e: &Error) -> bool {
    e.service().is_some_and(|s| {
        let m = s.message.to_ascii_lowercase();
        s.code.eq_ignore_ascii_case("RequestExpired")
            || m.contains("expired")
            || m.contains("timed out")
    })
}

impl Pim {
    fn graph_beta(&self, path: &str) -> String {
        format!("{}/beta{path}", self.session.cfg.endpoints.graph)
    }

    /// Every request waiting for my decision, the three planes at once; a plane that fails
    /// (consent missing, no access) is reported alone and the others are listed.
    pub async fn pending_approvals(&self, planes: &[Plane]) -> Result<Pending, Error> {
        let me = self.me()?;
        let want = |p: Plane| planes.contains(&p);
        let (entra, group, azure) = tokio::join!(
            async {
                if want(Plane::EntraRole) {
                    Some(
                        self.graph_approvals(Plane::EntraRole, ENTRA_APPROVER, &me)
                            .await,
                    )
                } else {
                    None
                }
            },
            async {
                if want(Plane::Group) {
                    Some(
                        self.graph_approvals(Plane::Group, GROUP_APPROVER, &me)
                            .await,
                    )
                } else {
                    None
                }
            },
            async {
                if want(Plane::AzureResource) {
                    Some(self.arm_approvals(&me).await)
                } else {
                    None
                }
            },
        );
        let mut out = Pending::default();
        for (plane, result) in [
            (Plane::EntraRole, entra),
            (Plane::Group, group),
            (Plane::AzureResource, azure),
        ] {
            match result {
                Some(Ok(items)) => out.items.extend(items),
                Some(Err(e)) => out.failures.push(failure(plane, &e)),
                None => {}
            }
        }
        for a in &mut out.items {
            // Unknown when the policy cannot be read (an approver needs no admin role).
            a.approver_justification = match self.policy(&a.target()).await {
                Ok(p) => Some(p.approver_justification),
                Err(e) => {
                    tracing::debug!("policy of {} not readable: {e}", a.label());
                    None
                }
            };
        }
        out.items
            .sort_by(|a, b| a.created.cmp(&b.created).then(a.key.cmp(&b.key)));
        Ok(out)
    }

    async fn graph_approvals(
        &self,
        plane: Plane,
        path: &str,
        me: &str,
    ) -> Result<Vec<Approval>, Error> {
        self.renewing(Resource::Graph, || async {
            let token = self.session.token(Resource::Graph, None).await?;
            let first = self.get(&self.graph(path), &token, plane).await?;
            let items = self.follow(first, &token, plane).await?;
            Ok(items
                .iter()
                .filter_map(|i| approval::graph(i, plane, me))
                .collect())
        })
        .await
    }

    async fn arm_approvals(&self, me: &str) -> Result<Vec<Approval>, Error> {
        self.renewing(Resource::Arm, || async {
            let token = self.session.token(Resource::Arm, None).await?;
            let url = self.arm(&format!(
                "/providers/Microsoft.Authorization/roleAssignmentScheduleRequests?{API}&$filter=asApprover()"
            ));
            let first = self.get(&url, &token, Plane::AzureResource).await?;
            let items = self.follow(first, &token, Plane::AzureResource).await?;
            Ok(items
                .iter()
                .filter_map(|i| approval::azure(i, me))
                .collect())
        })
        .await
    }

    /// The approval's own URL on its plane.
    fn approval_url(&self, a: &Approval) -> String {
        match a.plane {
            Plane::EntraRole => self.graph_beta(&format!(
                "/roleManagement/directory/roleAssignmentApprovals/{}",
                a.approval_id
            )),
            Plane::Group => self.graph(&format!(
                "/identityGovernance/privilegedAccess/group/assignmentApprovals/{}",
                a.approval_id
            )),
            Plane::AzureResource => self.arm(&format!(
                "/providers/Microsoft.Authorization/roleAssignmentApprovals/{}?{APPROVAL_API}",
                a.approval_id
            )),
        }
    }

    /// Where the decision goes: Entra beta `steps`, groups v1.0 `stages`, ARM `stages`.
    fn step_url(&self, a: &Approval, step: &str) -> String {
        match a.plane {
            Plane::EntraRole => format!("{}/steps/{step}", self.approval_url(a)),
            Plane::Group => format!("{}/stages/{step}", self.approval_url(a)),
            Plane::AzureResource => self.arm(&format!(
                "/providers/Microsoft.Authorization/roleAssignmentApprovals/{}/stages/{step}?{APPROVAL_API}",
                a.approval_id
            )),
        }
    }

    fn resource_of(a: &Approval) -> Resource {
        if a.plane == Plane::AzureResource {
            Resource::Arm
        } else {
            Resource::Graph
        }
    }

    async fn read_steps(&self, a: &Approval, token: &Secret) -> Result<Vec<Step>, Error> {
        let body = self.get(&self.approval_url(a), token, a.plane).await?;
        Ok(approval::steps(&body))
    }

    /// A request no longer waiting for me, looked up by its id (or key): who decided it, or
    /// that it expired. None when no plane knows it as an approval. Graph roles and groups
    /// share the request id as the approval id; ARM names approvals by their GUID.
    pub async fn look_up_settled(&self, id: &str, verdict: Verdict) -> Option<Decided> {
        let (planes, bare) = match id.split_once(':') {
            Some((prefix, rest)) => {
                let plane = Plane::ALL.into_iter().find(|p| {
                    crate::model::Assignment::key_prefix(*p)
                        .trim_end_matches(':')
                        .eq_ignore_ascii_case(prefix)
                })?;
                (vec![plane], rest.to_string())
            }
            None => (Plane::ALL.to_vec(), id.to_string()),
        };
        if bare.is_empty() || !bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return None;
        }
        for plane in planes {
            let probe = Approval {
                key: format!(
                    "{}{}",
                    crate::model::Assignment::key_prefix(plane),
                    bare.to_ascii_lowercase()
                ),
                plane,
                request_id: bare.clone(),
                approval_id: bare.clone(),
                requester: approval::Requester {
                    id: String::new(),
                    display_name: None,
                    user_principal_name: None,
                },
                name: format!("request {bare}"),
                target_id: String::new(),
                access: None,
                scope: crate::model::Scope {
                    id: String::new(),
                    display_name: String::new(),
                    kind: String::new(),
                },
                kind: approval::RequestKind::Other,
                justification: None,
                ticket_number: None,
                ticket_system: None,
                created: None,
                start: None,
                duration: None,
                end: None,
                expires: None,
                decidable: Decidable::Yes,
                approver_justification: None,
            };
            let Ok(token) = self.session.token(Self::resource_of(&probe), None).await else {
                continue;
            };
            if let Ok(steps) = self.read_steps(&probe, &token).await {
                if steps.is_empty() || steps.iter().any(Step::open) {
                    continue;
                }
                // Decided by me earlier (another window, another run): say so.
                let me = self.me().ok();
                let steps: Vec<Step> = steps
                    .into_iter()
                    .map(|mut st| {
                        if me.is_some()
                            && st.reviewed_by_id.as_deref().map(str::to_ascii_lowercase)
                                == me.as_deref().map(str::to_ascii_lowercase)
                        {
                            st.reviewed_by = Some("you".into());
                        }
                        st
                    })
                    .collect();
                if let Ok(d) = settled(&probe, verdict, &steps, false) {
                    return Some(d);
                }
            }
        }
        None
    }

    /// Approves or denies. Own and extend/renew requests are refused before the network;
    /// someone deciding first (409, or a step already reviewed) is [`DecisionState::AlreadyDecided`].
    pub async fn decide(
        &self,
        a: &Approval,
        verdict: Verdict,
        justification: &str,
    ) -> Result<Decided, Error> {
        match a.decidable {
            Decidable::OwnRequest => {
                return Err(Error::InvalidInput(format!(
                    "{} is your own request: approvers cannot decide their own requests; another approver must.",
                    a.label()
                )))
            }
            Decidable::PortalOnly => {
                return Err(Error::Unsupported(format!(
                    "{} is a request to {} an assignment: Microsoft's approval API cannot decide those; approve or deny it in the Azure portal (PIM > Approve requests).",
                    a.label(),
                    if a.kind == approval::RequestKind::Renew { "renew" } else { "extend" }
                )))
            }
            Decidable::Yes => {}
        }
        if a.approver_justification == Some(true) && justification.trim().is_empty() {
            return Err(Error::PolicyRefused {
                rule: "ApproverJustificationRule".into(),
                message: format!(
                    "The policy of {} asks the approver for a justification: write one and decide again.",
                    a.label()
                ),
            });
        }
        self.renewing(Self::resource_of(a), || {
            self.decide_once(a, verdict, justification)
        })
        .await
    }

    async fn decide_once(
        &self,
        a: &Approval,
        verdict: Verdict,
        justification: &str,
    ) -> Result<Decided, Error> {
        let token = self.session.token(Self::resource_of(a), None).await?;
        let steps = self.read_steps(a, &token).await?;
        let Some(step) = steps.iter().find(|s| s.assigned_to_me && s.open()).cloned() else {
            return settled(a, verdict, &steps, false);
        };
        let body = match a.plane {
            Plane::AzureResource => {
                json!({"properties": {"reviewResult": verdict.wire(), "justification": justification}})
            }
            _ => json!({"reviewResult": verdict.wire(), "justification": justification}),
        };
        let mut uncertain = false;
        for attempt in 0..WRITE_ATTEMPTS {
            match self.send_decision(a, &step.id, &body, &token).await {
                Sent::Done(_) => return Ok(recorded(a, verdict, uncertain)),
                Sent::Refused(e) if conflict(&e) => {
                    // Who decided first, when the approval says so.
                    let steps = self.read_steps(a, &token).await.unwrap_or_default();
                    return settled(a, verdict, &steps, uncertain)
                        .or_else(|_| Ok(already(a, verdict, None, None)));
                }
                Sent::Refused(e) if expired(&e) => return Ok(expired_result(a, verdict)),
                Sent::Refused(e) => return Err(e),
                Sent::Uncertain(wait) => {
                    uncertain = true;
                    match self.read_steps(a, &token).await {
                        Ok(steps) => {
                            let still = steps.iter().any(|s| s.id == step.id && s.open());
                            if !still {
                                return settled(a, verdict, &steps, true);
                            }
                            if attempt + 1 < WRITE_ATTEMPTS {
                                pause(wait).await;
                            }
                        }
                        Err(e) => {
                            return Err(Error::Network(format!(
                                "The decision on {} may or may not have been recorded: the answer was lost and reading the approval failed ({e}). Refresh the approvals before deciding again.",
                                a.label()
                            )))
                        }
                    }
                }
            }
        }
        Err(Error::Network(format!(
            "The decision on {} got no answer {WRITE_ATTEMPTS} times and was not recorded; try again later.",
            a.label()
        )))
    }

    /// One attempt of the decision: Graph PATCH (groups: `stages`, then beta `steps` when v1.0
    /// has no such segment); ARM PUT, then the portal's `/batch` form when the direct route
    /// is missing.
    async fn send_decision(&self, a: &Approval, step: &str, body: &Value, token: &Secret) -> Sent {
        let http = self.session.http();
        match a.plane {
            Plane::EntraRole => {
                let url = self.step_url(a, step);
                Sent::of(
                    http.send(&Request::with_json(
                        reqwest::Method::PATCH,
                        &url,
                        token,
                        body,
                    ))
                    .await,
                    a.plane,
                )
            }
            Plane::Group => {
                let url = self.step_url(a, step);
                match Sent::of(
                    http.send(&Request::with_json(
                        reqwest::Method::PATCH,
                        &url,
                        token,
                        body,
                    ))
                    .await,
                    a.plane,
                ) {
                    Sent::Refused(e) if segment_missing(&e) => {
                        let beta = self.graph_beta(&format!(
                            "/identityGovernance/privilegedAccess/group/assignmentApprovals/{}/steps/{step}",
                            a.approval_id
                        ));
                        Sent::of(
                            http.send(&Request::with_json(
                                reqwest::Method::PATCH,
                                &beta,
                                token,
                                body,
                            ))
                            .await,
                            a.plane,
                        )
                    }
                    other => other,
                }
            }
            Plane::AzureResource => {
                let url = self.step_url(a, step);
                match Sent::of(
                    http.send(&Request::with_json(reqwest::Method::PUT, &url, token, body))
                        .await,
                    a.plane,
                ) {
                    Sent::Refused(e) if route_missing(&e) => {
                        self.arm_batch_decision(a, step, body, token).await
                    }
                    other => other,
                }
            }
        }
    }

    /// The portal's way [OBS]: the stage PUT inside ARM `/batch`; the inner status decides.
    async fn arm_batch_decision(
        &self,
        a: &Approval,
        step: &str,
        body: &Value,
        token: &Secret,
    ) -> Sent {
        let inner = format!(
            "/providers/Microsoft.Authorization/roleAssignmentApprovals/{}/stages/{step}?{APPROVAL_API}",
            a.approval_id
        );
        let batch = json!({"requests": [{"httpMethod": "PUT", "name": uuid::Uuid::new_v4().to_string(), "url": inner, "content": body}]});
        let url = self.arm("/batch?api-version=2020-06-01");
        match Sent::of(
            self.session
                .http()
                .send(&Request::with_json(
                    reqwest::Method::POST,
                    &url,
                    token,
                    &batch,
                ))
                .await,
            Plane::AzureResource,
        ) {
            Sent::Done(out) => {
                let r = &out["responses"][0];
                let status = r["httpStatusCode"].as_u64().unwrap_or(0) as u16;
                if (200..300).contains(&status) {
                    Sent::Done(r["content"].clone())
                } else if status >= 500 || status == 0 || matches!(status, 408 | 429) {
                    Sent::Uncertain(None)
                } else {
                    let bytes = serde_json::to_vec(&r["content"]).unwrap_or_default();
                    Sent::Refused(crate::http::parse_error(
                        status,
                        &bytes,
                        None,
                        None,
                        Some(Plane::AzureResource),
                    ))
                }
            }
            other => other,
        }
    }
}
