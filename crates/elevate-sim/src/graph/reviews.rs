//! Access reviews on Graph v1.0 (reference §5.1): the routes under
//! `identityGovernance/accessReviews/definitions` with their scopes, the reviewer's
//! `filterByCurrentUser(on='reviewer')` listings (series, instances, stages, decision items,
//! single- and multi-stage), a decision (PATCH, 204) and `batchRecordDecisions` (204), and
//! the tenant-wide listing of every series, which needs a reader role. Azure role reviews
//! are ARM's (`arm::reviews`), never listed here.

use serde_json::{json, Value};

use super::common::{collection, pim_error, Ctx};
use crate::http::{parse_eq_filter, Resp};
use crate::state::{
    parse_review_decision, window_status, AccessReview, Plane, ReviewDecision, ReviewTarget,
    ReviewVerdict, Target, Tenant,
};
use crate::time::{fmt_time, Time};

const READ: &[&str] = &[
    "AccessReview.Read.All",
    "AccessReview.ReadWrite.All",
    "AccessReview.ReadWrite.Membership",
];
const WRITE: &[&str] = &[
    "AccessReview.ReadWrite.All",
    "AccessReview.ReadWrite.Membership",
];

/// Built-in roles that may list every access review (template ids) [DOC, INF].
const READER_ROLES: [&str; 6] = [
    "62e90394-69f5-4237-9190-012177145e10", // Global Administrator
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451", // Global Reader
    "5d6b6bb7-de71-4623-b4af-96380a352509", // Security Reader
    "194ae4cb-b126-40b2-bd5b-6091b380977d", // Security Administrator
    "45d8d3c5-c802-45c6-b32a-1d70b5e1e86e", // Identity Governance Administrator
    "fe930be7-5e62-47db-91af-98c3a49a38b1", // User Administrator
];

#[derive(Debug, Clone, PartialEq)]
pub enum ReviewRoute {
    /// Every series of the tenant (administrators and readers).
    AllDefinitions,
    MyDefinitions,
    Definition(String),
    MyInstances(String),
    MyStages {
        def: String,
        inst: String,
    },
    MyDecisions {
        def: String,
        inst: String,
        stage: Option<String>,
    },
    Decide {
        def: String,
        inst: String,
        stage: Option<String>,
        id: String,
    },
    Batch {
        def: String,
        inst: String,
    },
}

impl ReviewRoute {
    pub fn key(&self) -> &'static str {
        match self {
            ReviewRoute::AllDefinitions => "graph.accessReviews.definitions.all",
            ReviewRoute::MyDefinitions | ReviewRoute::Definition(_) => {
                "graph.accessReviews.definitions"
            }
            ReviewRoute::MyInstances(_) | ReviewRoute::MyStages { .. } => {
                "graph.accessReviews.instances"
            }
            ReviewRoute::MyDecisions { .. } => "graph.accessReviews.decisions",
            ReviewRoute::Decide { .. } => "graph.accessReviews.decide",
            ReviewRoute::Batch { .. } => "graph.accessReviews.batchRecordDecisions",
        }
    }

    /// Any one suffices [DOC, reference §0, §5.1].
    pub fn scopes(&self) -> &'static [&'static str] {
        match self {
            ReviewRoute::Decide { .. } | ReviewRoute::Batch { .. } => WRITE,
            _ => READ,
        }
    }
}

fn bad(message: &str) -> Resp {
    Resp::graph_error(400, "BadRequest", message)
}

/// `filterByCurrentUser(on='reviewer')`: Some(Ok) for it, Some(Err) for another `on`, None
/// when `seg` is not that function.
fn reviewer_fn(seg: &str) -> Option<Result<(), Resp>> {
    let rest = seg.strip_prefix("filterbycurrentuser")?;
    let arg = rest
        .strip_prefix("(on=")
        .and_then(|r| r.strip_suffix(')'))
        .map(|a| a.trim_matches('\''));
    Some(match arg {
        Some("reviewer") => Ok(()),
        other => Err(bad(&format!(
            "filterByCurrentUser: the value '{}' of parameter 'on' is not supported on access reviews; use on='reviewer'.",
            other.unwrap_or_default()
        ))),
    })
}

/// The route of a path under `identityGovernance/accessReviews` (`segs` as sent, `l` in
/// lower case, both from the version on); None for other paths.
pub fn route(method: &str, segs: &[&str], l: &[&str]) -> Option<Result<ReviewRoute, Resp>> {
    if l.len() < 2 || l[0] != "identitygovernance" || l[1] != "accessreviews" {
        return None;
    }
    let id = |i: usize| segs[i].to_string();
    let fbcu = |i: usize| reviewer_fn(l[i]);
    let get = method == "GET";
    let r = match &l[2..] {
        ["definitions"] if get => Ok(ReviewRoute::AllDefinitions),
        ["definitions", _] if get && fbcu(3).is_some() => {
            fbcu(3).map_or(Err(bad("filterByCurrentUser")), |r| r.map(|_| ReviewRoute::MyDefinitions))
        }
        ["definitions", _] if get => Ok(ReviewRoute::Definition(id(3))),
        ["definitions", _, "instances", _] if get && fbcu(5).is_some() => {
            fbcu(5).map_or(Err(bad("filterByCurrentUser")), |r| r.map(|_| ReviewRoute::MyInstances(id(3))))
        }
        ["definitions", _, "instances", _, "stages", _] if get && fbcu(7).is_some() => fbcu(7)
            .map_or(Err(bad("filterByCurrentUser")), |r| {
                r.map(|_| ReviewRoute::MyStages { def: id(3), inst: id(5) })
            }),
        ["definitions", _, "instances", _, "decisions", _] if get && fbcu(7).is_some() => fbcu(7)
            .map_or(Err(bad("filterByCurrentUser")), |r| {
                r.map(|_| ReviewRoute::MyDecisions { def: id(3), inst: id(5), stage: None })
            }),
        ["definitions", _, "instances", _, "stages", _, "decisions", _] if get && fbcu(9).is_some() => fbcu(9)
            .map_or(Err(bad("filterByCurrentUser")), |r| {
                r.map(|_| ReviewRoute::MyDecisions { def: id(3), inst: id(5), stage: Some(id(7)) })
            }),
        ["definitions", _, "instances", _, "decisions", _] if method == "PATCH" => {
            Ok(ReviewRoute::Decide { def: id(3), inst: id(5), stage: None, id: id(7) })
        }
        ["definitions", _, "instances", _, "stages", _, "decisions", _] if method == "PATCH" => {
            Ok(ReviewRoute::Decide { def: id(3), inst: id(5), stage: Some(id(7)), id: id(9) })
        }
        ["definitions", _, "instances", _, "batchrecorddecisions"] if method == "POST" => {
            Ok(ReviewRoute::Batch { def: id(3), inst: id(5) })
        }
        ["definitions", _, "instances", ..] if get => Err(Resp::graph_error(
            403,
            "Forbidden",
            "Listing every instance or decision of a review needs an administrator role; use filterByCurrentUser(on='reviewer').",
        )),
        _ => Err(Resp::graph_error(
            405,
            "Request_BadRequest",
            &format!("The {method} method is not allowed on this access review resource (or the segment is unknown)."),
        )),
    };
    Some(r)
}

/// What a series reviews on Graph: (id, display name, decision `resource.type`).
fn resource(t: &Tenant, r: &AccessReview) -> (String, String, &'static str) {
    match &r.target {
        ReviewTarget::EntraRole(id) => (
            id.clone(),
            t.scenario
                .role_definitions
                .iter()
                .find(|d| d.id.eq_ignore_ascii_case(id))
                .map(|d| d.display_name.clone())
                .unwrap_or_default(),
            "directoryRole",
        ),
        ReviewTarget::Group(id) => (
            id.clone(),
            t.scenario
                .groups
                .iter()
                .find(|g| g.id.eq_ignore_ascii_case(id))
                .map(|g| g.display_name.clone())
                .unwrap_or_default(),
            "group",
        ),
        ReviewTarget::Azure { role, .. } => (role.clone(), String::new(), "azureRole"),
    }
}

fn query_scope(query: String) -> Value {
    json!({"@odata.type": "#microsoft.graph.accessReviewQueryScope", "query": query,
        "queryType": "MicrosoftGraph", "queryRoot": null})
}

/// The definition's `scope` as documented (GD access-review scope concept, "Example 12").
fn scope(r: &AccessReview) -> Value {
    match &r.target {
        ReviewTarget::EntraRole(role) => match r.scope_form.as_str() {
            "eligible" => query_scope(format!("/roleManagement/directory/roleEligibilityScheduleInstances?$expand=principal&$filter=(isof(principal,'microsoft.graph.user') and roleDefinitionId eq '{role}')")),
            "active" => query_scope(format!("/roleManagement/directory/roleAssignmentScheduleInstances?$expand=principal&$filter=(assignmentType eq 'Assigned' and isof(principal,'microsoft.graph.user') and roleDefinitionId eq '{role}')")),
            "principalResourceMemberships" => json!({
                "@odata.type": "#microsoft.graph.principalResourceMembershipsScope",
                "principalScopes": [query_scope("/users".into())],
                "resourceScopes": [query_scope(format!("/roleManagement/directory/roleDefinitions/{role}"))],
            }),
            _ => query_scope(format!("/roleManagement/directory/roleDefinitions/{role}")),
        },
        ReviewTarget::Group(g) => query_scope(format!("/groups/{g}/transitiveMembers")),
        ReviewTarget::Azure { scope, role } => query_scope(format!("{scope}/providers/Microsoft.Authorization/roleDefinitions/{role}")),
    }
}

fn reviewers(r: &AccessReview) -> Value {
    Value::Array(
        r.reviewers
            .iter()
            .map(|u| json!({"query": format!("/users/{u}"), "queryType": "MicrosoftGraph", "queryRoot": null}))
            .collect(),
    )
}

fn definition(t: &Tenant, r: &AccessReview, now: Time) -> Value {
    let days = (r.instance.end - r.instance.start).num_days().max(1);
    let stage_settings: Vec<Value> = r
        .instance
        .stages
        .iter()
        .enumerate()
        .filter(|_| r.multi_stage())
        .map(|(i, _)| {
            json!({"stageId": (i + 1).to_string(), "durationInDays": days / r.instance.stages.len() as i64,
                "recommendationsEnabled": true, "decisionsThatWillMoveToNextStage": ["NotReviewed", "Approve"],
                "dependsOn": if i == 0 { json!([]) } else { json!([i.to_string()]) }, "reviewers": reviewers(r)})
        })
        .collect();
    json!({
        "id": r.id, "displayName": r.display_name, "status": r.status(now),
        "createdDateTime": fmt_time(r.created), "lastModifiedDateTime": fmt_time(r.created),
        "descriptionForAdmins": r.description, "descriptionForReviewers": r.description,
        "createdBy": {"id": r.reviewers.first(), "displayName": r.reviewers.first().and_then(|u| t.user(u)).map(|u| u.display_name.clone()),
            "userPrincipalName": r.reviewers.first().and_then(|u| t.user(u)).map(|u| u.user_principal_name.clone())},
        "scope": scope(r), "instanceEnumerationScope": null,
        "reviewers": reviewers(r), "fallbackReviewers": [], "backupReviewers": [],
        "settings": {"mailNotificationsEnabled": true, "reminderNotificationsEnabled": true,
            "justificationRequiredOnApproval": r.justification_required, "defaultDecisionEnabled": false,
            "defaultDecision": "None", "instanceDurationInDays": days, "autoApplyDecisionsEnabled": false,
            "recommendationsEnabled": true, "recurrence": {"pattern": {"type": "absoluteMonthly", "interval": 3},
            "range": {"type": "noEnd", "startDate": r.instance.start.format("%Y-%m-%d").to_string()}}},
        "stageSettings": stage_settings,
    })
}

fn stage(r: &AccessReview, i: usize, now: Time) -> Value {
    let s = &r.instance.stages[i];
    json!({"id": s.id, "startDateTime": fmt_time(s.start), "endDateTime": fmt_time(s.end),
        "status": window_status(s.start, s.end, now), "reviewers": reviewers(r), "fallbackReviewers": []})
}

fn instance(ctx: &Ctx, r: &AccessReview, now: Time) -> Value {
    let mut v = json!({"id": r.instance.id, "startDateTime": fmt_time(r.instance.start),
        "endDateTime": fmt_time(r.instance.end), "status": r.status(now), "scope": scope(r),
        "reviewers": reviewers(r), "fallbackReviewers": []});
    let expand = ctx
        .req
        .q("$expand")
        .unwrap_or_default()
        .to_ascii_lowercase();
    if expand.split(',').any(|e| e.trim().starts_with("stages")) {
        v["stages"] = (0..r.instance.stages.len())
            .map(|i| stage(r, i, now))
            .collect();
    }
    v
}

fn identity(t: &Tenant, id: Option<&str>) -> Value {
    match id {
        Some(id) => {
            let u = t.user(id);
            json!({"id": id, "displayName": u.map(|u| u.display_name.clone()),
                "userPrincipalName": u.map(|u| u.user_principal_name.clone())})
        }
        // Not reviewed yet: Graph prints an empty identity [DOC example].
        None => {
            json!({"id": "00000000-0000-0000-0000-000000000000", "displayName": "", "userPrincipalName": ""})
        }
    }
}

fn decision_item(t: &Tenant, r: &AccessReview, d: &ReviewDecision) -> Value {
    let (rid, rname, rtype) = resource(t, r);
    let u = t.user(&d.principal);
    let resource_link = match &r.target {
        ReviewTarget::Group(g) => format!("https://graph.microsoft.com/v1.0/groups/{g}"),
        _ => format!(
            "https://graph.microsoft.com/v1.0/roleManagement/directory/roleDefinitions/{rid}"
        ),
    };
    json!({
        "id": d.id, "accessReviewId": r.instance.id,
        "reviewedDateTime": d.reviewed_at.map(fmt_time), "decision": d.decision,
        "justification": d.justification, "recommendation": d.recommendation,
        "applyResult": "New", "applyDescription": null, "appliedDateTime": null, "appliedBy": null,
        "principalLink": format!("https://graph.microsoft.com/v1.0/users/{}", d.principal),
        "resourceLink": resource_link,
        "reviewedBy": identity(t, d.reviewed_by.as_deref()),
        "resource": {"id": rid, "displayName": rname, "type": rtype},
        "target": {"@odata.type": "#microsoft.graph.accessReviewInstanceDecisionItemUserTarget",
            "userId": d.principal, "userDisplayName": u.map(|u| u.display_name.clone()),
            "userPrincipalName": u.map(|u| u.user_principal_name.clone())},
        "principal": {"@odata.type": "#microsoft.graph.userIdentity", "id": d.principal,
            "displayName": u.map(|u| u.display_name.clone()), "userPrincipalName": u.map(|u| u.user_principal_name.clone())},
    })
}

/// Graph's series: Entra roles and groups (Azure role reviews are ARM's).
fn on_graph(r: &AccessReview) -> bool {
    !matches!(r.target, ReviewTarget::Azure { .. })
}

fn find<'a>(t: &'a Tenant, def: &str) -> Result<&'a AccessReview, Resp> {
    t.access_review(def).filter(|r| on_graph(r)).ok_or_else(|| {
        Resp::graph_error(
            404,
            "NotFound",
            &format!("The access review '{def}' does not exist."),
        )
    })
}

/// The caller holds a reader role tenant-wide (assigned, or activated and propagated).
fn require_reader(t: &Tenant, me: &str) -> Result<(), Resp> {
    let holds = t.effective_of(me, Plane::Entra).any(|a| {
        matches!(&a.target, Target::Entra { role, dir_scope }
            if dir_scope == "/" && READER_ROLES.iter().any(|r| r.eq_ignore_ascii_case(role)))
    });
    if holds {
        Ok(())
    } else {
        Err(Resp::graph_error(
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        ))
    }
}

pub(super) fn handle(ctx: &mut Ctx, me: &str, route: &ReviewRoute) -> Result<Resp, Resp> {
    let now = ctx.tenant.now();
    let t = &*ctx.tenant;
    match route {
        ReviewRoute::AllDefinitions => {
            require_reader(t, me)?;
            let items = t
                .reviews
                .iter()
                .filter(|r| on_graph(r))
                .map(|r| definition(t, r, now))
                .collect();
            Ok(collection(
                ctx,
                "identityGovernance/accessReviews/definitions",
                items,
            ))
        }
        ReviewRoute::MyDefinitions => {
            let items = t
                .reviews_of(me)
                .filter(|r| on_graph(r))
                .map(|r| definition(t, r, now))
                .collect();
            Ok(collection(
                ctx,
                "Collection(accessReviewScheduleDefinition)",
                items,
            ))
        }
        ReviewRoute::Definition(def) => {
            let r = find(t, def)?;
            if !r.reviews(me) {
                require_reader(t, me)?;
            }
            Ok(Resp::json(200, &definition(t, r, now)))
        }
        ReviewRoute::MyInstances(def) => {
            let r = find(t, def)?;
            let items = if r.reviews(me) {
                vec![instance(ctx, r, now)]
            } else {
                vec![]
            };
            Ok(collection(ctx, "Collection(accessReviewInstance)", items))
        }
        ReviewRoute::MyStages { def, inst } => {
            find(t, def)?;
            let r = t
                .reviewed_instance(me, def, inst)
                .map_err(|e| pim_error(t, e))?;
            let items = (0..r.instance.stages.len())
                .map(|i| stage(r, i, now))
                .collect();
            Ok(collection(ctx, "Collection(accessReviewStage)", items))
        }
        ReviewRoute::MyDecisions { def, inst, stage } => {
            find(t, def)?;
            let r = t
                .reviewed_instance(me, def, inst)
                .map_err(|e| pim_error(t, e))?;
            let index = match stage {
                Some(s) => r.stage_index(s).ok_or_else(|| {
                    Resp::graph_error(
                        404,
                        "NotFound",
                        &format!("The access review stage '{s}' does not exist."),
                    )
                })?,
                None => r.current_stage(now),
            };
            let clauses = match ctx.req.q("$filter") {
                Some(f) => Some(parse_eq_filter(f).ok_or_else(|| {
                    bad("Only 'eq' filters joined by 'and' are supported on decisions.")
                })?),
                None => None,
            };
            let items = r
                .instance
                .decisions
                .iter()
                .filter(|d| d.stage == index)
                .map(|d| decision_item(t, r, d))
                .filter(|v| {
                    clauses.as_ref().is_none_or(|c| {
                        c.iter().all(|(k, want)| {
                            v[k.as_str()]
                                .as_str()
                                .is_some_and(|x| x.eq_ignore_ascii_case(want))
                        })
                    })
                })
                .collect();
            Ok(collection(
                ctx,
                "Collection(accessReviewInstanceDecisionItem)",
                items,
            ))
        }
        ReviewRoute::Decide {
            def,
            inst,
            stage,
            id,
        } => {
            find(t, def)?;
            let body = ctx.req.json()?;
            let decision = parse_review_decision(&body["decision"]).map_err(|m| bad(&m))?;
            let verdict = ReviewVerdict {
                decision,
                justification: body["justification"].as_str().map(str::to_string),
            };
            let want = id.to_ascii_lowercase();
            let recorded = ctx
                .tenant
                .record_review(
                    me,
                    def,
                    inst,
                    stage.as_deref(),
                    &|d| d.id.eq_ignore_ascii_case(&want),
                    verdict,
                )
                .map_err(|e| pim_error(ctx.tenant, e))?;
            if recorded.is_empty() {
                return Err(Resp::graph_error(
                    404,
                    "NotFound",
                    &format!(
                        "The decision item '{id}' does not exist in this instance (or stage)."
                    ),
                ));
            }
            Ok(Resp::empty(204))
        }
        ReviewRoute::Batch { def, inst } => {
            let (rid, _, _) = resource(t, find(t, def)?);
            let body = ctx.req.json()?;
            let decision = parse_review_decision(&body["decision"]).map_err(|m| bad(&m))?;
            let principal = body["principalId"].as_str().map(str::to_ascii_lowercase);
            let resource_id = body["resourceId"].as_str().map(str::to_ascii_lowercase);
            if resource_id
                .as_ref()
                .is_some_and(|r| *r != rid.to_ascii_lowercase())
            {
                return Ok(Resp::empty(204));
            }
            let verdict = ReviewVerdict {
                decision,
                justification: body["justification"].as_str().map(str::to_string),
            };
            let pick = move |d: &ReviewDecision| {
                principal
                    .as_ref()
                    .is_none_or(|p| d.principal.eq_ignore_ascii_case(p))
            };
            ctx.tenant
                .record_review(me, def, inst, None, &pick, verdict)
                .map_err(|e| pim_error(ctx.tenant, e))?;
            Ok(Resp::empty(204))
        }
    }
}
