//! Access reviews: the series built from the scenario, each with one current instance, its
//! stages and decision items; who reviews what; the status that follows the clock; and a
//! reviewer's decision with its rules (reviewers only, `InProgress` only, a known decision,
//! the justification `justificationRequiredOnApproval` asks for), recorded in the audit log.

use chrono::Duration;
use serde_json::json;

use super::audit::fmt_audit_time;
use super::common::new_id;
use super::model::PimError;
use super::tenant::Tenant;
use crate::scenario::{guid, AccessReviewSeed};
use crate::time::Time;

/// What a series reviews.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewTarget {
    EntraRole(String),
    /// The members of a group.
    Group(String),
    Azure {
        scope: String,
        role: String,
    },
}

#[derive(Debug, Clone)]
pub struct AccessReview {
    pub id: String,
    pub display_name: String,
    pub description: String,
    pub target: ReviewTarget,
    /// `all`, `eligible`, `active` or `principalResourceMemberships` (Entra roles).
    pub scope_form: String,
    pub reviewers: Vec<String>,
    pub justification_required: bool,
    pub created: Time,
    pub instance: ReviewInstance,
}

#[derive(Debug, Clone)]
pub struct ReviewInstance {
    pub id: String,
    pub start: Time,
    pub end: Time,
    /// One per stage, in order; a single-stage review has one.
    pub stages: Vec<ReviewStage>,
    pub decisions: Vec<ReviewDecision>,
}

#[derive(Debug, Clone)]
pub struct ReviewStage {
    pub id: String,
    pub start: Time,
    pub end: Time,
}

#[derive(Debug, Clone)]
pub struct ReviewDecision {
    pub id: String,
    /// The stage (index) the item belongs to.
    pub stage: usize,
    pub principal: String,
    pub recommendation: String,
    /// `NotReviewed`, `Approve`, `Deny`, `DontKnow`.
    pub decision: String,
    pub justification: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<Time>,
}

/// `NotStarted`, `InProgress` or `Completed` for a window at `now`.
pub fn window_status(start: Time, end: Time, now: Time) -> &'static str {
    if now < start {
        "NotStarted"
    } else if now >= end {
        "Completed"
    } else {
        "InProgress"
    }
}

/// The decision values [DOC], case-insensitively, in their documented casing.
pub fn parse_review_decision(v: &serde_json::Value) -> Result<&'static str, String> {
    const ALL: [&str; 4] = ["Approve", "Deny", "NotReviewed", "DontKnow"];
    match v.as_str() {
        Some(s) => ALL
            .into_iter()
            .find(|d| d.eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("Invalid value '{s}' for property 'decision': use Approve, Deny, NotReviewed or DontKnow.")
            }),
        None => Err("The property 'decision' is required: Approve, Deny, NotReviewed or DontKnow.".into()),
    }
}

fn days(d: f64) -> Duration {
    Duration::seconds((d * 86_400.0) as i64)
}

impl AccessReview {
    pub fn from_seed(s: &AccessReviewSeed, now: Time) -> AccessReview {
        let target = match (&s.entra_role, &s.group, &s.azure_role) {
            (Some(r), _, _) => ReviewTarget::EntraRole(r.clone()),
            (_, Some(g), _) => ReviewTarget::Group(g.clone()),
            _ => ReviewTarget::Azure {
                scope: s.scope.clone().unwrap_or_default(),
                role: s.azure_role.clone().unwrap_or_default(),
            },
        };
        let start = now - days(s.started_days_ago);
        let end = now + days(s.ends_in_days);
        let n = s.stages.max(1) as i32;
        let span = (end - start) / n;
        let stages: Vec<ReviewStage> = (0..n)
            .map(|i| ReviewStage {
                id: guid(&format!("review-stage:{}", s.id), i as usize),
                start: start + span * i,
                end: if i == n - 1 {
                    end
                } else {
                    start + span * (i + 1)
                },
            })
            .collect();
        let mut decisions = vec![];
        for (stage, _) in stages.iter().enumerate() {
            for (i, d) in s.decisions.iter().enumerate() {
                decisions.push(ReviewDecision {
                    id: guid(&format!("review-decision:{}:{stage}", s.id), i),
                    stage,
                    principal: d.principal.clone(),
                    recommendation: d
                        .recommendation
                        .clone()
                        .unwrap_or_else(|| "NotAvailable".into()),
                    decision: "NotReviewed".into(),
                    justification: None,
                    reviewed_by: None,
                    reviewed_at: None,
                });
            }
        }
        AccessReview {
            id: s.id.clone(),
            display_name: s.display_name.clone(),
            description: s.description.clone(),
            target,
            scope_form: s.scope_form.clone().unwrap_or_else(|| "all".into()),
            reviewers: s.reviewers.clone(),
            justification_required: s.justification_required,
            created: start - Duration::days(1),
            instance: ReviewInstance {
                id: guid(&format!("review-instance:{}", s.id), 0),
                start,
                end,
                stages,
                decisions,
            },
        }
    }

    pub fn reviews(&self, user: &str) -> bool {
        self.reviewers.iter().any(|r| r.eq_ignore_ascii_case(user))
    }

    pub fn status(&self, now: Time) -> &'static str {
        window_status(self.instance.start, self.instance.end, now)
    }

    pub fn multi_stage(&self) -> bool {
        self.instance.stages.len() > 1
    }

    /// The stage whose window holds `now` (the last one once the review ended).
    pub fn current_stage(&self, now: Time) -> usize {
        self.instance
            .stages
            .iter()
            .position(|s| now < s.end)
            .unwrap_or(self.instance.stages.len().saturating_sub(1))
    }

    pub fn stage_index(&self, id: &str) -> Option<usize> {
        self.instance
            .stages
            .iter()
            .position(|s| s.id.eq_ignore_ascii_case(id))
    }
}

fn not_found(what: &str, id: &str) -> PimError {
    PimError::new(
        404,
        "NotFound",
        format!("The {what} '{id}' does not exist."),
    )
}

/// What a reviewer asks to record.
pub struct ReviewVerdict {
    pub decision: &'static str,
    pub justification: Option<String>,
}

impl Tenant {
    pub(super) fn seed_reviews(&mut self) {
        let now = self.now();
        self.reviews = self
            .scenario
            .access_reviews
            .iter()
            .map(|s| AccessReview::from_seed(s, now))
            .collect();
    }

    /// The series `me` reviews.
    pub fn reviews_of<'a>(&'a self, me: &'a str) -> impl Iterator<Item = &'a AccessReview> + 'a {
        self.reviews.iter().filter(move |r| r.reviews(me))
    }

    pub fn access_review(&self, id: &str) -> Option<&AccessReview> {
        self.reviews.iter().find(|r| r.id.eq_ignore_ascii_case(id))
    }

    /// The series `def` with instance `inst`, which `me` reviews: 404 for an unknown one,
    /// 403 for one `me` does not review.
    pub fn reviewed_instance(
        &self,
        me: &str,
        def: &str,
        inst: &str,
    ) -> Result<&AccessReview, PimError> {
        let r = self
            .access_review(def)
            .ok_or_else(|| not_found("access review", def))?;
        if !r.instance.id.eq_ignore_ascii_case(inst) {
            return Err(not_found("access review instance", inst));
        }
        if !r.reviews(me) {
            return Err(PimError::new(
                403,
                "Forbidden",
                format!("The calling user {me} is not a reviewer of the access review instance '{inst}'; only its reviewers may read or record its decisions."),
            ));
        }
        Ok(r)
    }

    /// Records `verdict` on the items `pick` selects in instance `inst` of `def` (one
    /// decision, or a batch), checking the rules first; returns the ids recorded.
    pub fn record_review(
        &mut self,
        me: &str,
        def: &str,
        inst: &str,
        stage: Option<&str>,
        pick: &dyn Fn(&ReviewDecision) -> bool,
        verdict: ReviewVerdict,
    ) -> Result<Vec<String>, PimError> {
        let now = self.now();
        let r = self.reviewed_instance(me, def, inst)?;
        let status = r.status(now);
        if status != "InProgress" {
            return Err(PimError::new(
                409,
                "Conflict",
                format!("The access review instance '{inst}' is {status}: decisions can only be recorded while it is InProgress."),
            ));
        }
        let current = r.current_stage(now);
        let stage = match stage {
            Some(s) => {
                let i = r
                    .stage_index(s)
                    .ok_or_else(|| not_found("access review stage", s))?;
                if i != current {
                    return Err(PimError::new(
                        409,
                        "Conflict",
                        format!("The stage '{s}' is not in progress: decisions can only be recorded on the current stage."),
                    ));
                }
                i
            }
            None => current,
        };
        let blank = verdict
            .justification
            .as_deref()
            .is_none_or(|j| j.trim().is_empty());
        if r.justification_required && verdict.decision == "Approve" && blank {
            return Err(PimError::new(
                400,
                "BadRequest",
                "A justification is required to approve in this access review (justificationRequiredOnApproval).",
            ));
        }
        let ids: Vec<String> = r
            .instance
            .decisions
            .iter()
            .filter(|d| d.stage == stage && pick(d))
            .map(|d| d.id.clone())
            .collect();
        let name = r.display_name.clone();
        let def_id = r.id.clone();
        let Some(review) = self.reviews.iter_mut().find(|x| x.id == def_id) else {
            return Err(not_found("access review", def));
        };
        for d in review
            .instance
            .decisions
            .iter_mut()
            .filter(|d| ids.contains(&d.id))
        {
            d.decision = verdict.decision.into();
            d.justification = verdict.justification.clone();
            d.reviewed_by = Some(me.to_string());
            d.reviewed_at = Some(now);
        }
        if !ids.is_empty() {
            self.audit_review(me, &name, &def_id, verdict.decision, ids.len(), now);
        }
        Ok(ids)
    }

    /// One `directoryAudit` record of the Access Reviews service for a decision.
    fn audit_review(
        &mut self,
        me: &str,
        name: &str,
        def_id: &str,
        decision: &str,
        count: usize,
        at: Time,
    ) {
        let user = self.user(me);
        let record = json!({
            "id": format!("AccessReviews_{}", new_id()),
            "category": "AccessReviews",
            "correlationId": new_id(),
            "result": "success",
            "resultReason": "",
            "activityDisplayName": format!("{decision} decision"),
            "activityDateTime": fmt_audit_time(at),
            "loggedByService": "Access Reviews",
            "operationType": "Update",
            "initiatedBy": {"app": null, "user": {"id": me,
                "displayName": user.map(|u| u.display_name.clone()),
                "userPrincipalName": user.map(|u| u.user_principal_name.clone()), "ipAddress": null}},
            "targetResources": [{"id": def_id, "displayName": name, "type": "AccessReview",
                "userPrincipalName": null, "groupType": null, "modifiedProperties": []}],
            "additionalDetails": [{"key": "DecisionCount", "value": count.to_string()}],
        });
        self.audit.push(at, record);
    }
}
