//! The reviewer's calls: the access review decisions waiting for me on Graph v1.0
//! (`filterByCurrentUser(on='reviewer')`: series, instances, stages of a multi-stage review,
//! decision items, every page followed) and on ARM (2021-12-01-preview,
//! `assignedToMeToReview()`), and recording one decision. Graph asks for AccessReview.Read.All
//! the first time reviews are listed and for AccessReview.ReadWrite.All only to decide;
//! refusals are said in plain words (which permission, which role, which rule).

use serde_json::{json, Value};

use crate::auth::Resource;
use crate::error::{Error, ServiceError};
use crate::http::Request;
use crate::model::Plane;
use crate::review::{self, ReviewApi, ReviewDecision, ReviewFailure, ReviewItem};
use crate::secret::Secret;

use super::Pim;

/// Listing my reviews on Graph, least privileged [DOC, reference §0].
pub const REVIEW_READ: [&str; 1] = ["AccessReview.Read.All"];
/// Recording a decision on Graph.
pub const REVIEW_WRITE: [&str; 1] = ["AccessReview.ReadWrite.All"];
const DEFS: &str = "/identityGovernance/accessReviews/definitions";
const MINE: &str = "filterByCurrentUser(on='reviewer')";
/// The largest page Graph serves [DOC].
const TOP: &str = "$top=100";
const ARM_DEFS: &str = "/providers/Microsoft.Authorization/accessReviewScheduleDefinitions";
const ARM_API: &str = "api-version=2021-12-01-preview";
const ARM_MINE: &str = "$filter=assignedToMeToReview()";

/// What one look found: the decisions waiting for me, and the APIs that failed and why.
#[derive(Debug, Clone, Default)]
pub struct MyReviews {
    pub items: Vec<ReviewItem>,
    pub failures: Vec<ReviewFailure>,
}

fn explained(s: &ServiceError, message: String) -> Error {
    Error::Service(Box::new(ServiceError {
        message,
        explained: true,
        ..s.clone()
    }))
}

/// A refusal of a listing in words.
fn explain_list(e: Error, api: ReviewApi) -> Error {
    let Some(s) = e.service() else { return e };
    let code = s.code.to_ascii_lowercase();
    if s.status == 403 && code == "permissionscopenotgranted" {
        return explained(s, "Listing your access reviews needs the permission AccessReview.Read.All for the sign-in app: an administrator can grant it (admin consent).".into());
    }
    if s.status == 403 && api == ReviewApi::Arm {
        return explained(
            s,
            format!(
                "Azure Resource Manager refused to list your Azure role reviews: {}",
                s.message
            ),
        );
    }
    e
}

/// A refusal of a decision in words, naming the review.
fn explain_decision(e: Error, it: &ReviewItem) -> Error {
    let Some(s) = e.service() else { return e };
    let m = s.message.to_ascii_lowercase();
    let review = &it.review_name;
    if s.status == 403 && s.code.eq_ignore_ascii_case("PermissionScopeNotGranted") {
        return explained(s, "Recording a review decision needs the permission AccessReview.ReadWrite.All for the sign-in app: an administrator can grant it (admin consent).".into());
    }
    if s.status == 403 {
        return explained(s, format!("You are not a reviewer of “{review}”: only the reviewers it names may record its decisions."));
    }
    if matches!(s.status, 400 | 409)
        && (m.contains("progress") || m.contains("not active") || m.contains("completed"))
    {
        return explained(s, format!("The review “{review}” is no longer in progress: decisions can only be recorded while a review is in progress."));
    }
    if s.status == 400 && m.contains("justification") {
        return explained(s, format!("“{review}” requires a justification to approve (its justificationRequiredOnApproval setting): give one and try again."));
    }
    e
}

impl Pim {
    /// Every review decision waiting for me, Graph and ARM at once; an API that fails
    /// (consent missing, no access) is reported alone and the other is listed. Soonest due first.
    pub async fn my_reviews(&self) -> Result<MyReviews, Error> {
        self.me()?;
        let (graph, arm) = tokio::join!(self.graph_reviews(), self.arm_reviews());
        let mut out = MyReviews::default();
        for (api, result) in [(ReviewApi::Graph, graph), (ReviewApi::Arm, arm)] {
            match result {
                Ok(items) => out.items.extend(items),
                Err(e) => out.failures.push(ReviewFailure {
                    api,
                    error: (&e).into(),
                }),
            }
        }
        out.items
            .retain(|i| i.decision == ReviewDecision::NotReviewed);
        out.items.sort_by(|a, b| {
            a.due
                .cmp(&b.due)
                .then(a.review_name.cmp(&b.review_name))
                .then(a.principal.name().cmp(b.principal.name()))
        });
        Ok(out)
    }

    async fn graph_pages(&self, path: &str, token: &Secret) -> Result<Vec<Value>, Error> {
        let join = if path.contains('?') { '&' } else { '?' };
        let first = self
            .get(
                &self.graph(&format!("{path}{join}{TOP}")),
                token,
                Plane::EntraRole,
            )
            .await?;
        self.follow(first, token, Plane::EntraRole).await
    }

    async fn graph_reviews(&self) -> Result<Vec<ReviewItem>, Error> {
        self.renewing(Resource::Graph, || async {
            let token = self
                .session
                .token_with_scopes(Resource::Graph, &REVIEW_READ)
                .await?;
            let mut out = vec![];
            for def in self.graph_pages(&format!("{DEFS}/{MINE}"), &token).await? {
                let Some(series) = review::graph_series(&def) else {
                    continue;
                };
                let instances = self
                    .graph_pages(&format!("{DEFS}/{}/instances/{MINE}", series.id), &token)
                    .await?;
                for inst in instances.iter().filter_map(review::instance) {
                    if !inst.in_progress() {
                        continue;
                    }
                    let base = format!("{DEFS}/{}/instances/{}", series.id, inst.id);
                    let stages: Vec<Option<String>> = if series.multi_stage {
                        self.graph_pages(&format!("{base}/stages/{MINE}"), &token)
                            .await?
                            .iter()
                            .filter(|s| {
                                s["status"]
                                    .as_str()
                                    .is_some_and(|x| x.eq_ignore_ascii_case("InProgress"))
                            })
                            .filter_map(|s| s["id"].as_str().map(|i| Some(i.to_string())))
                            .collect()
                    } else {
                        vec![None]
                    };
                    for stage in stages {
                        let path = match &stage {
                            Some(st) => format!("{base}/stages/{st}/decisions/{MINE}"),
                            None => format!("{base}/decisions/{MINE}"),
                        };
                        out.extend(
                            self.graph_pages(&path, &token)
                                .await?
                                .iter()
                                .filter_map(|d| {
                                    review::item(
                                        d,
                                        ReviewApi::Graph,
                                        &series,
                                        &inst,
                                        stage.as_deref(),
                                    )
                                }),
                        );
                    }
                }
            }
            Ok(out)
        })
        .await
        .map_err(|e| explain_list(e, ReviewApi::Graph))
    }

    async fn arm_pages(
        &self,
        path: &str,
        query: &str,
        token: &Secret,
    ) -> Result<Vec<Value>, Error> {
        let url = self.arm(&format!("{path}?{ARM_API}{query}"));
        let first = self.get(&url, token, Plane::AzureResource).await?;
        self.follow(first, token, Plane::AzureResource).await
    }

    async fn arm_reviews(&self) -> Result<Vec<ReviewItem>, Error> {
        self.renewing(Resource::Arm, || async {
            let token = self.session.token(Resource::Arm, None).await?;
            let mine = format!("&{ARM_MINE}");
            let mut out = vec![];
            for def in self.arm_pages(ARM_DEFS, &mine, &token).await? {
                let Some(series) = review::arm_series(&def) else {
                    continue;
                };
                let base = format!("{ARM_DEFS}/{}/instances", series.id);
                for inst in self
                    .arm_pages(&base, &mine, &token)
                    .await?
                    .iter()
                    .filter_map(review::instance)
                {
                    if !inst.in_progress() {
                        continue;
                    }
                    let path = format!("{base}/{}/decisions", inst.id);
                    out.extend(
                        self.arm_pages(&path, &mine, &token)
                            .await?
                            .iter()
                            .filter_map(|d| review::item(d, ReviewApi::Arm, &series, &inst, None)),
                    );
                }
            }
            Ok(out)
        })
        .await
        .map_err(|e| explain_list(e, ReviewApi::Arm))
    }

    /// Records `decision` on `it` with `justification` (empty: none sent). A decision is a
    /// PATCH of the same values: sending it again does no harm, so a lost answer is retried.
    pub async fn decide_review(
        &self,
        it: &ReviewItem,
        decision: ReviewDecision,
        justification: &str,
    ) -> Result<(), Error> {
        let mut body = json!({"decision": decision.wire()});
        if !justification.is_empty() {
            body["justification"] = json!(justification);
        }
        let (resource, url, body, plane) = match it.api {
            ReviewApi::Graph => {
                let stage = it
                    .stage_id
                    .as_ref()
                    .map(|s| format!("/stages/{s}"))
                    .unwrap_or_default();
                let url = self.graph(&format!(
                    "{DEFS}/{}/instances/{}{stage}/decisions/{}",
                    it.review_id, it.instance_id, it.decision_id
                ));
                (Resource::Graph, url, body, Plane::EntraRole)
            }
            ReviewApi::Arm => {
                let url = self.arm(&format!(
                    "{ARM_DEFS}/{}/instances/{}/decisions/{}?{ARM_API}",
                    it.review_id, it.instance_id, it.decision_id
                ));
                (
                    Resource::Arm,
                    url,
                    json!({"properties": body}),
                    Plane::AzureResource,
                )
            }
        };
        self.renewing(resource, || async {
            let token = match resource {
                Resource::Graph => {
                    self.session
                        .token_with_scopes(Resource::Graph, &REVIEW_WRITE)
                        .await?
                }
                Resource::Arm => self.session.token(Resource::Arm, None).await?,
            };
            let req = Request {
                replayable: true,
                ..Request::with_json(reqwest::Method::PATCH, &url, &token, &body)
            };
            let resp = self.session.http().send(&req).await?;
            if !resp.ok() {
                return Err(resp.into_error(Some(plane)));
            }
            Ok(())
        })
        .await
        .map_err(|e| explain_decision(e, it))
    }
}
