//! Access reviews assigned to me, in one model across Graph (Entra roles, groups and other
//! reviews) and ARM (Azure roles): a decision item waiting for my review ([`ReviewItem`]),
//! my decision ([`ReviewDecision`]) and its result, the popup's section, and the parsing of
//! series, instances and decision items from either API. A PIM role review is recognised by
//! its series' `scope.query`. Enums and statuses are read case-insensitively; a `null` or
//! empty justification reads as none.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::parse;
use crate::payload::ErrorPayload;

/// What a review is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ReviewKind {
    /// A directory role (a PIM role review).
    EntraRole,
    /// A group's members.
    Group,
    /// An Azure role at a scope (ARM).
    AzureRole,
    /// Anything else (applications, access packages...).
    Other,
}

impl ReviewKind {
    pub fn label(self) -> &'static str {
        match self {
            ReviewKind::EntraRole => "Entra role",
            ReviewKind::Group => "group",
            ReviewKind::AzureRole => "Azure role",
            ReviewKind::Other => "other",
        }
    }
}

/// Which API the review lives in (where its decisions go).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ReviewApi {
    Graph,
    Arm,
}

impl ReviewApi {
    pub fn label(self) -> &'static str {
        match self {
            ReviewApi::Graph => "Microsoft Graph (Entra roles and groups)",
            ReviewApi::Arm => "Azure Resource Manager (Azure roles)",
        }
    }
}

/// A reviewer's decision [DOC]: `Approve`, `Deny`, `DontKnow`, `NotReviewed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ReviewDecision {
    Approve,
    Deny,
    DontKnow,
    NotReviewed,
}

impl ReviewDecision {
    /// What Graph and ARM take and print.
    pub fn wire(self) -> &'static str {
        match self {
            ReviewDecision::Approve => "Approve",
            ReviewDecision::Deny => "Deny",
            ReviewDecision::DontKnow => "DontKnow",
            ReviewDecision::NotReviewed => "NotReviewed",
        }
    }

    /// Any casing, and people's spellings (`dont-know`, `don't know`).
    pub fn parse(text: &str) -> Option<ReviewDecision> {
        let t: String = text
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        match t.as_str() {
            "approve" | "approved" => Some(ReviewDecision::Approve),
            "deny" | "denied" => Some(ReviewDecision::Deny),
            "dontknow" => Some(ReviewDecision::DontKnow),
            "notreviewed" => Some(ReviewDecision::NotReviewed),
            _ => None,
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            ReviewDecision::Approve => "approve",
            ReviewDecision::Deny => "deny",
            ReviewDecision::DontKnow => "don't know",
            ReviewDecision::NotReviewed => "not reviewed",
        }
    }
}

/// Whose access is reviewed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReviewPrincipal {
    pub id: String,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
}

impl ReviewPrincipal {
    /// The name people know: display name, else UPN, else the object id.
    pub fn name(&self) -> &str {
        self.display_name
            .as_deref()
            .or(self.user_principal_name.as_deref())
            .unwrap_or(&self.id)
    }
}

/// One decision waiting for my review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReviewItem {
    /// `review:{decisionId}`; the CLI and the popup name items by it (or the bare id).
    pub key: String,
    pub api: ReviewApi,
    pub kind: ReviewKind,
    /// A PIM role review (recognised by the series' `scope.query`).
    pub pim: bool,
    /// The series (definition) id and name.
    pub review_id: String,
    pub review_name: String,
    pub instance_id: String,
    /// The stage of a multi-stage review.
    pub stage_id: Option<String>,
    pub decision_id: String,
    pub principal: ReviewPrincipal,
    /// The role, group or application reviewed.
    pub resource: String,
    pub resource_id: Option<String>,
    /// Azure roles: the scope's name (`rg-security-prod`).
    pub scope: Option<String>,
    /// `Approve`, `Deny` or `NotAvailable`, as the service wrote it.
    pub recommendation: Option<String>,
    /// Mine so far (`notReviewed` while it waits).
    pub decision: ReviewDecision,
    pub justification: Option<String>,
    /// When the instance ends.
    #[ts(type = "string | null")]
    pub due: Option<DateTime<Utc>>,
    /// The series wants a justification to approve (`justificationRequiredOnApproval`).
    pub justification_required: bool,
    /// The instance's status: `InProgress`...
    pub instance_status: String,
}

impl ReviewItem {
    /// "Contributor on rg-security-prod", "Privileged Role Administrator".
    pub fn target(&self) -> String {
        match &self.scope {
            Some(s) => format!("{} on {s}", self.resource),
            None => self.resource.clone(),
        }
    }

    /// "Lee Gu · Privileged Role Administrator".
    pub fn label(&self) -> String {
        format!("{} · {}", self.principal.name(), self.target())
    }

    /// Whether `id` names this item: its key or its decision id.
    pub fn named(&self, id: &str) -> bool {
        let id = id.trim();
        self.key.eq_ignore_ascii_case(id) || self.decision_id.eq_ignore_ascii_case(id)
    }
}

/// What the popup sends to decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReviewForm {
    pub key: String,
    pub decision: ReviewDecision,
    #[serde(default)]
    pub justification: Option<String>,
}

/// A recorded decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReviewDecided {
    pub key: String,
    pub decision: ReviewDecision,
    /// One line for the user.
    pub message: String,
}

/// An API whose reviews could not be listed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReviewFailure {
    pub api: ReviewApi,
    pub error: ErrorPayload,
}

/// The popup's Reviews view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, Default)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReviewsView {
    /// Reviews are turned on (`[reviews] enabled`): the tray looks and tells.
    pub enabled: bool,
    /// Decisions waiting for me, the soonest due first.
    pub items: Vec<ReviewItem>,
    pub failures: Vec<ReviewFailure>,
    /// Unix milliseconds of the last look.
    #[ts(type = "number | null")]
    pub checked_at: Option<i64>,
}

/// A series, reduced to what its decision items need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub id: String,
    pub name: String,
    pub kind: ReviewKind,
    pub pim: bool,
    pub resource_id: Option<String>,
    pub justification_required: bool,
    pub multi_stage: bool,
    /// ARM: the reviewed scope's last segment.
    pub scope: Option<String>,
}

/// An instance of a series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub id: String,
    pub status: String,
    pub end: Option<DateTime<Utc>>,
}

impl Instance {
    pub fn in_progress(&self) -> bool {
        self.status.eq_ignore_ascii_case("InProgress")
    }
}

fn s(v: &Value) -> Option<String> {
    v.as_str()
        .filter(|x| !x.trim().is_empty())
        .map(str::to_string)
}

/// The id that follows `marker` in `query`, up to `/`, `?`, `'` or `)`.
fn id_after(query: &str, marker: &str) -> Option<String> {
    let lower = query.to_ascii_lowercase();
    let at = lower.find(&marker.to_ascii_lowercase())? + marker.len();
    let id: String = query[at..]
        .chars()
        .take_while(|c| !matches!(c, '/' | '?' | '\'' | ')' | '&'))
        .collect();
    (!id.is_empty()).then_some(id)
}

/// What a Graph scope reviews, from its `query` (or `resourceScopes[].query`): (kind, id, PIM?).
pub fn classify_scope(scope: &Value) -> (ReviewKind, Option<String>, bool) {
    let mut queries: Vec<String> = s(&scope["query"]).into_iter().collect();
    for r in scope["resourceScopes"].as_array().into_iter().flatten() {
        queries.extend(s(&r["query"]));
    }
    for q in &queries {
        if let Some(id) = id_after(q, "/roleManagement/directory/roleDefinitions/") {
            return (ReviewKind::EntraRole, Some(id), true);
        }
        let lower = q.to_ascii_lowercase();
        if lower.contains("/rolemanagement/directory/role") {
            if let Some(id) = id_after(q, "roleDefinitionId eq '") {
                return (ReviewKind::EntraRole, Some(id), true);
            }
        }
        if let Some(id) = id_after(q, "/providers/Microsoft.Authorization/roleDefinitions/") {
            return (ReviewKind::AzureRole, Some(id), false);
        }
        if lower.starts_with("/groups/") {
            return (ReviewKind::Group, id_after(q, "/groups/"), false);
        }
    }
    (ReviewKind::Other, None, false)
}

/// A Graph `accessReviewScheduleDefinition`.
pub fn graph_series(v: &Value) -> Option<Series> {
    let (kind, resource_id, pim) = classify_scope(&v["scope"]);
    Some(Series {
        id: s(&v["id"])?,
        name: s(&v["displayName"]).unwrap_or_else(|| "Access review".into()),
        kind,
        pim,
        resource_id,
        justification_required: v["settings"]["justificationRequiredOnApproval"]
            .as_bool()
            .unwrap_or(false),
        multi_stage: v["stageSettings"].as_array().is_some_and(|a| a.len() > 1),
        scope: None,
    })
}

/// An ARM `accessReviewScheduleDefinition` (fields under `properties`).
pub fn arm_series(v: &Value) -> Option<Series> {
    let p = &v["properties"];
    let scope = &p["scope"];
    let resource_id = s(&scope["roleDefinitionId"]).map(|r| parse::role_guid(&r));
    Some(Series {
        id: s(&v["name"])
            .or_else(|| s(&v["id"]).and_then(|i| i.rsplit('/').next().map(str::to_string)))?,
        name: s(&p["displayName"]).unwrap_or_else(|| "Access review".into()),
        kind: ReviewKind::AzureRole,
        pim: true,
        resource_id,
        justification_required: p["settings"]["justificationRequiredOnApproval"]
            .as_bool()
            .unwrap_or(false),
        multi_stage: false,
        scope: s(&scope["resourceId"]).and_then(|r| {
            r.trim_end_matches('/')
                .rsplit('/')
                .next()
                .map(str::to_string)
        }),
    })
}

/// A Graph instance, or an ARM one (fields under `properties`, id in `name`).
pub fn instance(v: &Value) -> Option<Instance> {
    let p = if v["properties"].is_object() {
        &v["properties"]
    } else {
        v
    };
    let id = if v["properties"].is_object() {
        s(&v["name"]).or_else(|| s(&v["id"]).and_then(|i| i.rsplit('/').next().map(str::to_string)))
    } else {
        s(&v["id"])
    }?;
    Some(Instance {
        id,
        status: s(&p["status"]).unwrap_or_default(),
        end: parse::time(&p["endDateTime"]),
    })
}

/// A decision item (Graph, or ARM with `properties`) of `series`' `inst`, in stage `stage`.
pub fn item(
    v: &Value,
    api: ReviewApi,
    series: &Series,
    inst: &Instance,
    stage: Option<&str>,
) -> Option<ReviewItem> {
    let arm = v["properties"].is_object();
    let p = if arm { &v["properties"] } else { v };
    let decision_id = if arm {
        s(&v["name"]).or_else(|| s(&v["id"]).and_then(|i| i.rsplit('/').next().map(str::to_string)))
    } else {
        s(&v["id"])
    }?;
    let principal = &p["principal"];
    let target = &p["target"];
    let principal = ReviewPrincipal {
        id: s(&principal["id"])
            .or_else(|| s(&target["userId"]))
            .unwrap_or_default(),
        display_name: s(&principal["displayName"]).or_else(|| s(&target["userDisplayName"])),
        user_principal_name: s(&principal["userPrincipalName"])
            .or_else(|| s(&target["userPrincipalName"])),
    };
    let resource = &p["resource"];
    Some(ReviewItem {
        key: format!("review:{}", decision_id.to_ascii_lowercase()),
        api,
        kind: series.kind,
        pim: series.pim,
        review_id: series.id.clone(),
        review_name: series.name.clone(),
        instance_id: inst.id.clone(),
        stage_id: stage.map(str::to_string),
        decision_id,
        principal,
        resource: s(&resource["displayName"]).unwrap_or_else(|| series.name.clone()),
        resource_id: s(&resource["id"])
            .map(|r| parse::role_guid(&r))
            .or_else(|| series.resource_id.clone()),
        scope: series.scope.clone(),
        recommendation: s(&p["recommendation"]),
        decision: p["decision"]
            .as_str()
            .and_then(ReviewDecision::parse)
            .unwrap_or(ReviewDecision::NotReviewed),
        justification: s(&p["justification"]),
        due: inst.end,
        justification_required: series.justification_required,
        instance_status: inst.status.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pim_reviews_are_recognised_by_the_scope_query_in_every_documented_form() {
        let role = "62e90394-69f5-4237-9190-012177145e10";
        for scope in [
            json!({"query": format!("/roleManagement/directory/roleDefinitions/{role}"), "queryType": "MicrosoftGraph"}),
            json!({"query": format!("/roleManagement/directory/roleEligibilityScheduleInstances?$expand=principal&$filter=(isof(principal,'microsoft.graph.user') and roleDefinitionId eq '{role}')")}),
            json!({"query": format!("/roleManagement/directory/roleAssignmentScheduleInstances?$expand=principal&$filter=(assignmentType eq 'Assigned' and isof(principal,'microsoft.graph.user') and roleDefinitionId eq '{role}')")}),
            json!({"@odata.type": "#microsoft.graph.principalResourceMembershipsScope",
                "principalScopes": [{"query": "/users"}],
                "resourceScopes": [{"query": format!("/roleManagement/directory/roleDefinitions/{role}")}]}),
        ] {
            assert_eq!(
                classify_scope(&scope),
                (ReviewKind::EntraRole, Some(role.to_string()), true),
                "{scope}"
            );
        }
        assert_eq!(
            classify_scope(&json!({"query": "/groups/g1/transitiveMembers"})),
            (ReviewKind::Group, Some("g1".into()), false)
        );
        assert_eq!(
            classify_scope(&json!({"query": "/servicePrincipals/x/appRoleAssignedTo"})),
            (ReviewKind::Other, None, false)
        );
    }

    #[test]
    fn decisions_read_in_any_casing_and_a_null_justification_is_none() {
        assert_eq!(
            ReviewDecision::parse("dont-know"),
            Some(ReviewDecision::DontKnow)
        );
        assert_eq!(
            ReviewDecision::parse("DONTKNOW"),
            Some(ReviewDecision::DontKnow)
        );
        assert_eq!(
            ReviewDecision::parse("approve"),
            Some(ReviewDecision::Approve)
        );
        assert_eq!(ReviewDecision::parse("maybe"), None);
        let series = graph_series(&json!({"id": "d", "displayName": "R",
            "scope": {"query": "/groups/g/transitiveMembers"},
            "settings": {"justificationRequiredOnApproval": true}}))
        .expect("series");
        let inst = instance(
            &json!({"id": "i", "status": "inprogress", "endDateTime": "2026-12-01T00:00:00Z"}),
        )
        .expect("instance");
        assert!(inst.in_progress());
        let it = item(
            &json!({"id": "D1", "decision": "notReviewed", "justification": null, "recommendation": "Approve",
                "principal": {"id": "u", "displayName": "Lee Gu"}, "resource": {"id": "g", "displayName": "SOC"}}),
            ReviewApi::Graph,
            &series,
            &inst,
            None,
        )
        .expect("item");
        assert_eq!(it.key, "review:d1");
        assert_eq!(it.decision, ReviewDecision::NotReviewed);
        assert_eq!(it.justification, None);
        assert!(it.justification_required);
        assert_eq!(it.label(), "Lee Gu · SOC");
        assert!(it.named("d1") && it.named("review:D1"));
    }
}
