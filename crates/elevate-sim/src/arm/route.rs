//! ARM routing and access: maps a `.../providers/Microsoft.Authorization/...` path (with a
//! supported `api-version`: 2020-10-01 and friends, `2021-01-01-preview` for approvals) or
//! `/batch` to a [`Route`], names its counter key, and checks a token. Every ARM route needs
//! `user_impersonation` only; what a caller may do is the role's business (RBAC), not a scope's.

use crate::auth::TokenInfo;
use crate::http::{Req, Resp};

const PROVIDER: &str = "/providers/microsoft.authorization/";
const API_VERSIONS: &[&str] = &[
    "2020-10-01",
    "2020-10-01-preview",
    "2022-04-01",
    "2022-04-01-preview",
    "2024-02-01-preview",
    "2024-09-01-preview",
    "2015-07-01",
];
/// `roleAssignmentApprovals` exists in this version only [SPEC].
const APPROVAL_VERSIONS: &[&str] = &["2021-01-01-preview"];
/// The `/batch` endpoint the portal calls [OBS].
const BATCH_VERSIONS: &[&str] = &["2020-06-01", "2015-11-01"];
/// `GET /subscriptions` (Microsoft.Resources) [SPEC].
const SUBSCRIPTION_VERSIONS: &[&str] = &["2022-12-01", "2020-01-01"];
/// The Activity Log (`microsoft.insights/eventtypes/management/values`) [SPEC].
const ACTIVITY_LOG_VERSIONS: &[&str] = &["2015-04-01"];

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Eligible {
        scope: String,
    },
    Active {
        scope: String,
    },
    RequestPut {
        scope: String,
        name: String,
    },
    RequestGet {
        scope: String,
        name: String,
    },
    RequestList {
        scope: String,
    },
    RequestCancel {
        scope: String,
        name: String,
    },
    PolicyAssignments {
        scope: String,
    },
    Policy {
        scope: String,
        name: String,
    },
    Permissions {
        scope: String,
    },
    RoleDefinition {
        scope: String,
        name: String,
    },
    RoleDefinitions {
        scope: String,
    },
    /// `roleAssignmentScheduleRequests?$filter=asApprover()`.
    RequestListApprover {
        scope: String,
    },
    ApprovalList {
        scope: String,
    },
    Approval {
        scope: String,
        id: String,
    },
    ApprovalStages {
        scope: String,
        id: String,
    },
    ApprovalStage {
        scope: String,
        id: String,
        stage: String,
    },
    /// PUT or PATCH of a stage: an approver's decision.
    ApprovalDecide {
        scope: String,
        id: String,
        stage: String,
    },
    /// `POST /batch?api-version=2020-06-01`.
    Batch,
    /// An administrator's `roleEligibilityScheduleRequests/{guid}`: PUT and GET.
    EligibilityRequestPut {
        scope: String,
        name: String,
    },
    EligibilityRequestGet {
        scope: String,
        name: String,
    },
    /// `GET /subscriptions`: the subscriptions the caller has a role at, under or above.
    Subscriptions,
    /// A management group's descendants, a subscription's resource groups, resources.
    ChildScopes(super::scopes::Listing),
    /// `GET /subscriptions/{sub}/providers/microsoft.insights/eventtypes/management/values`.
    ActivityLog {
        subscription: String,
    },
    /// Access reviews assigned to me (`reviews`).
    AccessReview(super::reviews::ArmReviewRoute),
}

impl Route {
    pub fn key(&self) -> &'static str {
        match self {
            Route::Eligible { .. } => "arm.roleEligibilityScheduleInstances",
            Route::Active { .. } => "arm.roleAssignmentScheduleInstances",
            Route::RequestPut { .. } => "arm.roleAssignmentScheduleRequests.put",
            Route::RequestGet { .. } => "arm.roleAssignmentScheduleRequests.get",
            Route::RequestList { .. } => "arm.roleAssignmentScheduleRequests.list",
            Route::RequestCancel { .. } => "arm.roleAssignmentScheduleRequests.cancel",
            Route::PolicyAssignments { .. } => "arm.roleManagementPolicyAssignments",
            Route::Policy { .. } => "arm.roleManagementPolicies",
            Route::Permissions { .. } => "arm.permissions",
            Route::RoleDefinition { .. } => "arm.roleDefinitions.get",
            Route::RoleDefinitions { .. } => "arm.roleDefinitions.list",
            Route::RequestListApprover { .. } => "arm.roleAssignmentScheduleRequests.approver",
            Route::ApprovalList { .. } => "arm.roleAssignmentApprovals.list",
            Route::Approval { .. } | Route::ApprovalStages { .. } | Route::ApprovalStage { .. } => {
                "arm.roleAssignmentApprovals.get"
            }
            Route::ApprovalDecide { .. } => "arm.roleAssignmentApprovals.decide",
            Route::Batch => "arm.batch",
            Route::AccessReview(r) => r.key(),
            Route::EligibilityRequestPut { .. } => "arm.roleEligibilityScheduleRequests.put",
            Route::EligibilityRequestGet { .. } => "arm.roleEligibilityScheduleRequests.get",
            Route::Subscriptions => "arm.subscriptions",
            Route::ChildScopes(_) => "arm.childScopes",
            Route::ActivityLog { .. } => "arm.activityLog",
        }
    }

    fn versions(&self) -> &'static [&'static str] {
        match self {
            Route::ApprovalList { .. }
            | Route::Approval { .. }
            | Route::ApprovalStages { .. }
            | Route::ApprovalStage { .. }
            | Route::ApprovalDecide { .. } => APPROVAL_VERSIONS,
            Route::Batch => BATCH_VERSIONS,
            Route::AccessReview(_) => super::reviews::REVIEW_VERSIONS,
            Route::Subscriptions => SUBSCRIPTION_VERSIONS,
            Route::ChildScopes(super::scopes::Listing::Descendants { .. }) => {
                super::scopes::DESCENDANT_VERSIONS
            }
            Route::ChildScopes(_) => super::scopes::RESOURCE_VERSIONS,
            Route::ActivityLog { .. } => ACTIVITY_LOG_VERSIONS,
            _ => API_VERSIONS,
        }
    }
}

pub fn route(method: &str, path: &str, req: &Req) -> Result<Route, Resp> {
    let r = match_route(method, path, req)?;
    let versions = r.versions();
    match req.q("api-version") {
        None => Err(Resp::arm_error(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )),
        Some(v) if !versions.contains(&v) => Err(Resp::arm_error(
            400,
            "InvalidApiVersionParameter",
            &format!(
                "The api-version '{v}' is invalid. The supported versions are '{}'.",
                versions.join(",")
            ),
        )),
        _ => Ok(r),
    }
}

fn match_route(method: &str, path: &str, req: &Req) -> Result<Route, Resp> {
    let lower = path.to_ascii_lowercase();
    if lower.trim_end_matches('/') == "/batch" {
        return match method {
            "POST" => Ok(Route::Batch),
            _ => Err(Resp::arm_error(
                405,
                "MethodNotAllowed",
                &format!("The method {method} is not allowed here."),
            )),
        };
    }
    if let Some(r) = monitor_or_subscriptions(method, path)? {
        return Ok(r);
    }
    let Some(idx) = lower.rfind(PROVIDER) else {
        return Err(Resp::arm_error(
            404,
            "InvalidResourceType",
            "The resource type could not be found in the namespace.",
        ));
    };
    let scope = path[..idx].trim_end_matches('/').to_string();
    let rest: Vec<&str> = path[idx + PROVIDER.len()..]
        .trim_end_matches('/')
        .split('/')
        .collect();
    let rest_l: Vec<String> = rest.iter().map(|s| s.to_ascii_lowercase()).collect();
    let rl: Vec<&str> = rest_l.iter().map(String::as_str).collect();
    let as_approver = req
        .q("$filter")
        .is_some_and(|f| f.replace(' ', "").eq_ignore_ascii_case("asApprover()"));
    let id = |i: usize| rest[i].to_string();
    if let Some(r) = super::reviews::route(method, &scope, &rest, &rl, req) {
        return r.map(Route::AccessReview);
    }
    let r = match (method, rl.as_slice()) {
        ("GET", ["roleeligibilityscheduleinstances"]) => Route::Eligible { scope },
        ("GET", ["roleassignmentscheduleinstances"]) => Route::Active { scope },
        ("GET", ["roleassignmentschedulerequests"]) if as_approver => Route::RequestListApprover { scope },
        ("GET", ["roleassignmentschedulerequests"]) => Route::RequestList { scope },
        ("PUT", ["roleassignmentschedulerequests", _]) => Route::RequestPut { scope, name: id(1) },
        ("GET", ["roleassignmentschedulerequests", _]) => Route::RequestGet { scope, name: id(1) },
        ("PUT", ["roleeligibilityschedulerequests", _]) => Route::EligibilityRequestPut { scope, name: id(1) },
        ("GET", ["roleeligibilityschedulerequests", _]) => Route::EligibilityRequestGet { scope, name: id(1) },
        ("POST", ["roleassignmentschedulerequests", _, "cancel"]) => Route::RequestCancel { scope, name: id(1) },
        ("GET", ["rolemanagementpolicyassignments"]) => Route::PolicyAssignments { scope },
        ("GET", ["rolemanagementpolicies", _]) => Route::Policy { scope, name: id(1) },
        ("GET", ["permissions"]) => Route::Permissions { scope },
        ("GET", ["roledefinitions", _]) => Route::RoleDefinition { scope, name: id(1) },
        ("GET", ["roledefinitions"]) => Route::RoleDefinitions { scope },
        ("GET", ["roleassignmentapprovals"]) => Route::ApprovalList { scope },
        ("GET", ["roleassignmentapprovals", _]) => Route::Approval { scope, id: id(1) },
        ("GET", ["roleassignmentapprovals", _, "stages"]) => Route::ApprovalStages { scope, id: id(1) },
        ("GET", ["roleassignmentapprovals", _, "stages", _]) => Route::ApprovalStage { scope, id: id(1), stage: id(3) },
        ("PUT" | "PATCH", ["roleassignmentapprovals", _, "stages", _]) => Route::ApprovalDecide { scope, id: id(1), stage: id(3) },
        (_, [..]) if rl.first().is_some_and(|c| c.starts_with("role") || *c == "permissions") => {
            return Err(Resp::arm_error(405, "MethodNotAllowed", &format!("The method {method} is not allowed here.")))
        }
        _ => return Err(Resp::arm_error(404, "InvalidResourceType", &format!("The resource type '{}' could not be found in the namespace 'Microsoft.Authorization'.", rest.first().unwrap_or(&"")))),
    };
    Ok(r)
}

/// `/subscriptions` and a subscription's Activity Log, outside Microsoft.Authorization.
fn monitor_or_subscriptions(method: &str, path: &str) -> Result<Option<Route>, Resp> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let lower: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    let r = match l.as_slice() {
        ["subscriptions"] => Route::Subscriptions,
        _ if super::scopes::route(path).is_some() => {
            Route::ChildScopes(super::scopes::route(path).expect("matched above"))
        }
        ["subscriptions", _, "providers", "microsoft.insights", "eventtypes", "management", "values"] => {
            Route::ActivityLog {
                subscription: segs[1].to_string(),
            }
        }
        _ => return Ok(None),
    };
    if method != "GET" {
        return Err(Resp::arm_error(
            405,
            "MethodNotAllowed",
            &format!("The method {method} is not allowed here."),
        ));
    }
    Ok(Some(r))
}

pub fn authorize(token: Result<TokenInfo, &'static str>) -> Result<TokenInfo, Resp> {
    let info = match token {
        Ok(i) => i,
        Err("missing") => {
            return Err(Resp::arm_error(
                401,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing.",
            ))
        }
        Err("expired") => {
            return Err(Resp::arm_error(
                401,
                "ExpiredAuthenticationToken",
                "The access token expiry UTC time is earlier than current UTC time.",
            ))
        }
        Err(_) => {
            return Err(Resp::arm_error(
                401,
                "InvalidAuthenticationToken",
                "The access token is invalid.",
            ))
        }
    };
    if !matches!(
        info.audience.trim_end_matches('/'),
        "https://management.core.windows.net" | "https://management.azure.com"
    ) {
        return Err(Resp::arm_error(401, "InvalidAuthenticationTokenAudience", "The access token has been obtained for wrong audience or resource. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.azure.com/'."));
    }
    // An application's token has no scopes: Azure RBAC decides what it may do.
    if !info.app_only && !info.scopes.iter().any(|s| s == "user_impersonation") {
        return Err(Resp::arm_error(
            403,
            "AuthorizationFailed",
            "The access token does not carry the user_impersonation scope.",
        ));
    }
    Ok(info)
}
