//! Access reviews on ARM, api-version 2021-12-01-preview (reference §5.2): the tenant-level
//! "my approval" routes for Azure role reviews: series and instances with
//! `$filter=assignedToMeToReview()`, my decisions, a decision (PATCH, 200 with it) and
//! `acceptRecommendations` (204). Entra role and group reviews are Graph's.

use serde_json::{json, Value};

use super::common::{list, pim_error, Ctx};
use crate::http::{Req, Resp};
use crate::state::{
    parse_review_decision, AccessReview, ReviewDecision, ReviewTarget, ReviewVerdict, Tenant,
};
use crate::time::{fmt_time, Time};

/// The access review resources' versions in the spec repository [SPEC].
pub const REVIEW_VERSIONS: &[&str] = &[
    "2021-12-01-preview",
    "2021-11-16-preview",
    "2021-07-01-preview",
    "2021-03-01-preview",
];

const DEFS: &str = "/providers/Microsoft.Authorization/accessReviewScheduleDefinitions";

#[derive(Debug, Clone, PartialEq)]
pub enum ArmReviewRoute {
    MyDefinitions,
    MyInstances {
        def: String,
    },
    MyDecisions {
        def: String,
        inst: String,
    },
    Decide {
        def: String,
        inst: String,
        id: String,
    },
    AcceptRecommendations {
        def: String,
        inst: String,
    },
}

impl ArmReviewRoute {
    pub fn key(&self) -> &'static str {
        match self {
            ArmReviewRoute::MyDefinitions => "arm.accessReviewScheduleDefinitions.mine",
            ArmReviewRoute::MyInstances { .. } => "arm.accessReviewInstances.mine",
            ArmReviewRoute::MyDecisions { .. } => "arm.accessReviewDecisions.mine",
            ArmReviewRoute::Decide { .. } => "arm.accessReviewDecisions.patch",
            ArmReviewRoute::AcceptRecommendations { .. } => {
                "arm.accessReviewInstances.acceptRecommendations"
            }
        }
    }
}

fn assigned_to_me(req: &Req) -> bool {
    req.q("$filter").is_some_and(|f| {
        f.replace(' ', "")
            .eq_ignore_ascii_case("assignedToMeToReview()")
    })
}

/// The route of `…/providers/Microsoft.Authorization/accessReviewScheduleDefinitions/…`
/// (`rest` after the provider, `rl` in lower case); None for other resource types.
pub fn route(
    method: &str,
    scope: &str,
    rest: &[&str],
    rl: &[&str],
    req: &Req,
) -> Option<Result<ArmReviewRoute, Resp>> {
    if rl.first() != Some(&"accessreviewscheduledefinitions") {
        return None;
    }
    if !scope.is_empty() {
        return Some(Err(Resp::arm_error(
            403,
            "AuthorizationFailed",
            &format!("The client does not have authorization to manage access reviews at scope '{scope}'; reviewers use the tenant-level routes with $filter=assignedToMeToReview()."),
        )));
    }
    let id = |i: usize| rest[i].to_string();
    let mine = assigned_to_me(req);
    let need_filter = || {
        Err(Resp::arm_error(
            403,
            "AuthorizationFailed",
            "Listing every access review needs an administrator's access; reviewers list theirs with $filter=assignedToMeToReview().",
        ))
    };
    Some(match (method, &rl[1..]) {
        ("GET", []) if mine => Ok(ArmReviewRoute::MyDefinitions),
        ("GET", []) => need_filter(),
        ("GET", [_, "instances"]) if mine => Ok(ArmReviewRoute::MyInstances { def: id(1) }),
        ("GET", [_, "instances"]) => need_filter(),
        ("GET", [_, "instances", _, "decisions"]) => Ok(ArmReviewRoute::MyDecisions {
            def: id(1),
            inst: id(3),
        }),
        ("PATCH", [_, "instances", _, "decisions", _]) => Ok(ArmReviewRoute::Decide {
            def: id(1),
            inst: id(3),
            id: id(5),
        }),
        ("POST", [_, "instances", _, "acceptrecommendations"]) => {
            Ok(ArmReviewRoute::AcceptRecommendations {
                def: id(1),
                inst: id(3),
            })
        }
        _ => Err(Resp::arm_error(
            405,
            "MethodNotAllowed",
            &format!("The method {method} is not allowed here."),
        )),
    })
}

fn user_ref(t: &Tenant, id: &str) -> Value {
    let u = t.user(id);
    json!({"principalId": id, "principalType": "user", "principalName": u.map(|u| u.display_name.clone()),
        "userPrincipalName": u.map(|u| u.user_principal_name.clone())})
}

fn role_of(t: &Tenant, r: &AccessReview) -> Option<(String, String, String)> {
    let ReviewTarget::Azure { scope, role } = &r.target else {
        return None;
    };
    let name = t
        .scenario
        .azure_role_definitions
        .iter()
        .find(|d| d.id.eq_ignore_ascii_case(role))
        .map(|d| d.display_name.clone())
        .unwrap_or_default();
    Some((
        scope.clone(),
        format!("{scope}/providers/Microsoft.Authorization/roleDefinitions/{role}"),
        name,
    ))
}

fn definition(t: &Tenant, r: &AccessReview, now: Time) -> Value {
    let (scope, role_id, _) = role_of(t, r).unwrap_or_default();
    json!({"id": format!("{DEFS}/{}", r.id), "name": r.id, "type": "Microsoft.Authorization/accessReviewScheduleDefinitions",
        "properties": {"displayName": r.display_name, "status": r.status(now),
            "descriptionForAdmins": r.description, "descriptionForReviewers": r.description,
            "createdBy": user_ref(t, r.reviewers.first().map(String::as_str).unwrap_or_default()),
            "settings": {"mailNotificationsEnabled": true, "reminderNotificationsEnabled": true,
                "defaultDecisionEnabled": false, "justificationRequiredOnApproval": r.justification_required,
                "defaultDecision": "Approve", "autoApplyDecisionsEnabled": false, "recommendationsEnabled": true,
                "instanceDurationInDays": (r.instance.end - r.instance.start).num_days().max(1),
                "recurrence": {"pattern": {"type": "absoluteMonthly", "interval": 3},
                    "range": {"type": "noEnd", "startDate": fmt_time(r.instance.start)}}},
            "scope": {"resourceId": scope, "roleDefinitionId": role_id, "principalType": "user",
                "assignmentState": "eligible", "inactiveDuration": null},
            "reviewers": r.reviewers.iter().map(|u| json!({"principalId": u, "principalType": "user"})).collect::<Vec<_>>(),
            "reviewersType": "Assigned", "backupReviewers": [], "instances": []}})
}

fn instance(r: &AccessReview, now: Time) -> Value {
    json!({"id": format!("{DEFS}/{}/instances/{}", r.id, r.instance.id), "name": r.instance.id,
        "type": "Microsoft.Authorization/accessReviewScheduleDefinitions/instances",
        "properties": {"status": r.status(now), "startDateTime": fmt_time(r.instance.start),
            "endDateTime": fmt_time(r.instance.end), "reviewers": [], "backupReviewers": [], "reviewersType": "Assigned"}})
}

fn decision(t: &Tenant, r: &AccessReview, d: &ReviewDecision) -> Value {
    let (_, role_id, role_name) = role_of(t, r).unwrap_or_default();
    let u = t.user(&d.principal);
    json!({"id": format!("{DEFS}/{}/instances/{}/decisions/{}", r.id, r.instance.id, d.id), "name": d.id,
        "type": "Microsoft.Authorization/accessReviewScheduleDefinitions/instances/decisions",
        "properties": {
            "principal": {"type": "user", "id": d.principal, "displayName": u.map(|u| u.display_name.clone()),
                "userPrincipalName": u.map(|u| u.user_principal_name.clone())},
            "resource": {"type": "azureRole", "id": role_id, "displayName": role_name},
            "recommendation": d.recommendation, "decision": d.decision,
            "justification": d.justification.clone().unwrap_or_default(),
            "reviewedDateTime": d.reviewed_at.map(fmt_time),
            "reviewedBy": d.reviewed_by.as_deref().map(|b| user_ref(t, b)),
            "applyResult": "New", "appliedDateTime": null, "appliedBy": null}})
}

fn find<'a>(t: &'a Tenant, def: &str) -> Result<&'a AccessReview, Resp> {
    t.access_review(def)
        .filter(|r| matches!(r.target, ReviewTarget::Azure { .. }))
        .ok_or_else(|| {
            Resp::arm_error(
                404,
                "AccessReviewScheduleDefinitionNotFound",
                &format!("The access review schedule definition '{def}' was not found."),
            )
        })
}

/// ARM's codes for the state's refusals.
fn arm_error(e: crate::state::PimError) -> Resp {
    let code = match e.status {
        403 => "AuthorizationFailed",
        404 => "NotFound",
        409 => "Conflict",
        _ => "BadRequest",
    };
    pim_error(crate::state::PimError::new(e.status, code, e.message))
}

pub(super) fn handle(ctx: &mut Ctx, me: &str, route: &ArmReviewRoute) -> Result<Resp, Resp> {
    let now = ctx.tenant.now();
    let t = &*ctx.tenant;
    match route {
        ArmReviewRoute::MyDefinitions => {
            let items: Vec<&AccessReview> = t
                .reviews_of(me)
                .filter(|r| matches!(r.target, ReviewTarget::Azure { .. }))
                .collect();
            Ok(list(ctx, items, |r| definition(t, r, now)))
        }
        ArmReviewRoute::MyInstances { def } => {
            let r = find(t, def)?;
            let items: Vec<&AccessReview> = if r.reviews(me) { vec![r] } else { vec![] };
            Ok(list(ctx, items, |r| instance(r, now)))
        }
        ArmReviewRoute::MyDecisions { def, inst } => {
            find(t, def)?;
            let r = t.reviewed_instance(me, def, inst).map_err(arm_error)?;
            let stage = r.current_stage(now);
            let items: Vec<&ReviewDecision> = r
                .instance
                .decisions
                .iter()
                .filter(|d| d.stage == stage)
                .collect();
            Ok(list(ctx, items, |d| decision(t, r, d)))
        }
        ArmReviewRoute::Decide { def, inst, id } => {
            find(t, def)?;
            let body = ctx.req.json().map_err(|_| {
                Resp::arm_error(
                    400,
                    "InvalidRequestContent",
                    "The request content is not valid JSON.",
                )
            })?;
            let p = if body["properties"].is_object() {
                &body["properties"]
            } else {
                &body
            };
            let decided = parse_review_decision(&p["decision"])
                .map_err(|m| Resp::arm_error(400, "BadRequest", &m))?;
            let verdict = ReviewVerdict {
                decision: decided,
                justification: p["justification"].as_str().map(str::to_string),
            };
            let want = id.to_ascii_lowercase();
            let recorded = ctx
                .tenant
                .record_review(
                    me,
                    def,
                    inst,
                    None,
                    &|d| d.id.eq_ignore_ascii_case(&want),
                    verdict,
                )
                .map_err(arm_error)?;
            if recorded.is_empty() {
                return Err(Resp::arm_error(
                    404,
                    "NotFound",
                    &format!("The decision '{id}' was not found."),
                ));
            }
            let t = &*ctx.tenant;
            let r = find(t, def)?;
            let d = r
                .instance
                .decisions
                .iter()
                .find(|d| d.id.eq_ignore_ascii_case(id))
                .ok_or_else(|| Resp::arm_error(404, "NotFound", "The decision was not found."))?;
            Ok(Resp::json(200, &decision(t, r, d)))
        }
        ArmReviewRoute::AcceptRecommendations { def, inst } => {
            find(t, def)?;
            for wanted in ["Approve", "Deny"] {
                let verdict = ReviewVerdict {
                    decision: if wanted == "Approve" {
                        "Approve"
                    } else {
                        "Deny"
                    },
                    justification: Some("Accepted the recommendation.".into()),
                };
                let pick = move |d: &ReviewDecision| {
                    d.decision == "NotReviewed" && d.recommendation.eq_ignore_ascii_case(wanted)
                };
                ctx.tenant
                    .record_review(me, def, inst, None, &pick, verdict)
                    .map_err(arm_error)?;
            }
            Ok(Resp::empty(204))
        }
    }
}
