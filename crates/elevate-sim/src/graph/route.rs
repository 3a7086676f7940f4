//! Graph routing and access: maps `/v1.0/...` to a [`Route`], names each route's counter key
//! and accepted delegated scopes, and checks a token's audience and scopes for it.

use serde_json::json;

use crate::auth::TokenInfo;
use crate::http::Resp;

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Me,
    MemberOf,
    RoleDefinitions,
    RoleDefinition(String),
    EntraEligible,
    EntraActive,
    EntraRequestCreate,
    EntraRequestsMine,
    EntraRequest(String),
    EntraRequestCancel(String),
    GroupEligible,
    GroupActive,
    GroupRequestCreate,
    GroupRequestsMine,
    GroupRequest(String),
    GroupRequestCancel(String),
    Groups,
    Group(String),
    Policies,
    Batch,
}

impl Route {
    pub fn key(&self) -> &'static str {
        match self {
            Route::Me => "graph.me",
            Route::MemberOf => "graph.me.memberOf",
            Route::RoleDefinitions | Route::RoleDefinition(_) => "graph.roleDefinitions",
            Route::EntraEligible => "graph.roleEligibilityScheduleInstances",
            Route::EntraActive => "graph.roleAssignmentScheduleInstances",
            Route::EntraRequestCreate => "graph.roleAssignmentScheduleRequests.create",
            Route::EntraRequestsMine => "graph.roleAssignmentScheduleRequests.list",
            Route::EntraRequest(_) => "graph.roleAssignmentScheduleRequests.get",
            Route::EntraRequestCancel(_) => "graph.roleAssignmentScheduleRequests.cancel",
            Route::GroupEligible => "graph.group.eligibilityScheduleInstances",
            Route::GroupActive => "graph.group.assignmentScheduleInstances",
            Route::GroupRequestCreate => "graph.group.assignmentScheduleRequests.create",
            Route::GroupRequestsMine => "graph.group.assignmentScheduleRequests.list",
            Route::GroupRequest(_) => "graph.group.assignmentScheduleRequests.get",
            Route::GroupRequestCancel(_) => "graph.group.assignmentScheduleRequests.cancel",
            Route::Groups | Route::Group(_) => "graph.groups",
            Route::Policies => "graph.policyAssignments",
            Route::Batch => "graph.batch",
        }
    }

    /// The delegated scopes that each give access (any one suffices) [DOC].
    fn scopes(&self) -> &'static [&'static str] {
        match self {
            Route::Me | Route::MemberOf => &[
                "User.Read",
                "User.ReadBasic.All",
                "User.Read.All",
                "Directory.Read.All",
            ],
            Route::RoleDefinitions | Route::RoleDefinition(_) => &[
                "RoleManagement.Read.Directory",
                "RoleManagement.Read.All",
                "RoleManagement.ReadWrite.Directory",
                "Directory.Read.All",
            ],
            Route::EntraEligible => &[
                "RoleEligibilitySchedule.Read.Directory",
                "RoleEligibilitySchedule.ReadWrite.Directory",
                "RoleManagement.Read.Directory",
                "RoleManagement.Read.All",
                "RoleManagement.ReadWrite.Directory",
            ],
            Route::EntraActive | Route::EntraRequestsMine | Route::EntraRequest(_) => &[
                "RoleAssignmentSchedule.Read.Directory",
                "RoleAssignmentSchedule.ReadWrite.Directory",
                "RoleManagement.Read.Directory",
                "RoleManagement.Read.All",
                "RoleManagement.ReadWrite.Directory",
            ],
            Route::EntraRequestCreate | Route::EntraRequestCancel(_) => &[
                "RoleAssignmentSchedule.ReadWrite.Directory",
                "RoleAssignmentSchedule.Remove.Directory",
                "RoleManagement.ReadWrite.Directory",
            ],
            Route::GroupEligible => &[
                "PrivilegedEligibilitySchedule.Read.AzureADGroup",
                "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
                "PrivilegedAccess.Read.AzureADGroup",
                "PrivilegedAccess.ReadWrite.AzureADGroup",
            ],
            Route::GroupActive | Route::GroupRequestsMine | Route::GroupRequest(_) => &[
                "PrivilegedAssignmentSchedule.Read.AzureADGroup",
                "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
                "PrivilegedAccess.Read.AzureADGroup",
                "PrivilegedAccess.ReadWrite.AzureADGroup",
            ],
            Route::GroupRequestCreate | Route::GroupRequestCancel(_) => &[
                "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
                "PrivilegedAccess.ReadWrite.AzureADGroup",
                "PrivilegedAssignmentSchedule.Remove.AzureADGroup",
            ],
            Route::Groups | Route::Group(_) => &[
                "Group.Read.All",
                "Directory.Read.All",
                "Group.ReadWrite.All",
                "GroupMember.Read.All",
            ],
            Route::Policies => &[
                "RoleManagementPolicy.Read.Directory",
                "RoleManagementPolicy.ReadWrite.Directory",
                "RoleManagementPolicy.Read.AzureADGroup",
                "RoleManagementPolicy.ReadWrite.AzureADGroup",
                "RoleManagement.Read.Directory",
                "RoleManagement.Read.All",
                "RoleManagement.ReadWrite.Directory",
            ],
            Route::Batch => &[],
        }
    }
}

/// `filterByCurrentUser(on='principal')`, with or without quotes; None if not that function.
fn current_user_fn(seg: &str) -> Option<Result<(), Resp>> {
    let lower = seg.to_ascii_lowercase();
    let rest = lower.strip_prefix("filterbycurrentuser")?;
    let arg = rest.strip_prefix("(on=").and_then(|r| r.strip_suffix(')'));
    Some(match arg.map(|a| a.trim_matches('\'')) {
        Some("principal") => Ok(()),
        _ => Err(Resp::graph_error(
            400,
            "BadRequest",
            "filterByCurrentUser requires the parameter on='principal'.",
        )),
    })
}

/// Maps `/v1.0/...` to a route.
pub fn route(method: &str, path: &str) -> Result<Route, Resp> {
    let not_found = || {
        Resp::graph_error(
            400,
            "BadRequest",
            &format!("Resource not found for the segment '{path}'."),
        )
    };
    let Some(rest) = path.strip_prefix("/v1.0/") else {
        return Err(Resp::graph_error(
            400,
            "BadRequest",
            "Invalid version: use /v1.0.",
        ));
    };
    let segs: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let lower: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    let get = method == "GET";
    let post = method == "POST";
    let wrong = || {
        Resp::graph_error(
            405,
            "Request_BadRequest",
            &format!("The {method} method is not allowed on this resource."),
        )
    };
    let r = match l.as_slice() {
        ["me"] if get => Route::Me,
        ["me", "memberof"] | ["me", "transitivememberof"] if get => Route::MemberOf,
        ["$batch"] if post => Route::Batch,
        ["rolemanagement", "directory", "roledefinitions"] if get => Route::RoleDefinitions,
        ["rolemanagement", "directory", "roledefinitions", _] if get => Route::RoleDefinition(segs[3].to_string()),
        ["rolemanagement", "directory", "roleeligibilityscheduleinstances", f] if get => match current_user_fn(f) {
            Some(r) => r.map(|_| Route::EntraEligible)?,
            None => return Err(Resp::graph_error(403, "Forbidden", "Listing every eligibility needs an administrator role; use filterByCurrentUser(on='principal').")),
        },
        ["rolemanagement", "directory", "roleassignmentscheduleinstances", f] if get => match current_user_fn(f) {
            Some(r) => r.map(|_| Route::EntraActive)?,
            None => return Err(Resp::graph_error(403, "Forbidden", "Listing every assignment needs an administrator role; use filterByCurrentUser(on='principal').")),
        },
        ["rolemanagement", "directory", "roleassignmentschedulerequests"] if post => Route::EntraRequestCreate,
        ["rolemanagement", "directory", "roleassignmentschedulerequests", f] if get => match current_user_fn(f) {
            Some(r) => r.map(|_| Route::EntraRequestsMine)?,
            None => Route::EntraRequest(segs[3].to_string()),
        },
        ["rolemanagement", "directory", "roleassignmentschedulerequests", _, "cancel"] if post => Route::EntraRequestCancel(segs[3].to_string()),
        ["identitygovernance", "privilegedaccess", "group", "eligibilityscheduleinstances", f] if get => match current_user_fn(f) {
            Some(r) => r.map(|_| Route::GroupEligible)?,
            None => return Err(not_found()),
        },
        ["identitygovernance", "privilegedaccess", "group", "assignmentscheduleinstances", f] if get => match current_user_fn(f) {
            Some(r) => r.map(|_| Route::GroupActive)?,
            None => return Err(not_found()),
        },
        ["identitygovernance", "privilegedaccess", "group", "assignmentschedulerequests"] if post => Route::GroupRequestCreate,
        ["identitygovernance", "privilegedaccess", "group", "assignmentschedulerequests", f] if get => match current_user_fn(f) {
            Some(r) => r.map(|_| Route::GroupRequestsMine)?,
            None => Route::GroupRequest(segs[4].to_string()),
        },
        ["identitygovernance", "privilegedaccess", "group", "assignmentschedulerequests", _, "cancel"] if post => Route::GroupRequestCancel(segs[4].to_string()),
        ["groups"] if get => Route::Groups,
        ["groups", _] if get => Route::Group(segs[1].to_string()),
        ["policies", "rolemanagementpolicyassignments"] if get => Route::Policies,
        ["me"] | ["$batch"] | ["rolemanagement", ..] | ["identitygovernance", ..] | ["groups", ..] | ["policies", ..] => return Err(wrong()),
        _ => return Err(not_found()),
    };
    Ok(r)
}

/// Checks the token for Graph: audience (401) and scopes (403, in the observed wrapped shape).
pub fn authorize(route: &Route, token: Result<TokenInfo, &'static str>) -> Result<TokenInfo, Resp> {
    let info = match token {
        Ok(info) => info,
        Err("missing") => {
            return Err(Resp::graph_error(
                401,
                "InvalidAuthenticationToken",
                "Access token is empty.",
            ))
        }
        Err("expired") => {
            return Err(Resp::graph_error(
                401,
                "InvalidAuthenticationToken",
                "Lifetime validation failed, the token is expired.",
            ))
        }
        Err(_) => {
            return Err(Resp::graph_error(
                401,
                "InvalidAuthenticationToken",
                "Access token validation failure.",
            ))
        }
    };
    if !matches!(
        info.audience.as_str(),
        crate::auth::GRAPH_AUD
            | "https://graph.microsoft.com/"
            | "00000003-0000-0000-c000-000000000000"
    ) {
        return Err(Resp::graph_error(
            401,
            "InvalidAuthenticationToken",
            "Access token validation failure. Invalid audience.",
        ));
    }
    let accepted = route.scopes();
    if !accepted.is_empty()
        && !info
            .scopes
            .iter()
            .any(|s| accepted.iter().any(|a| a.eq_ignore_ascii_case(s)))
    {
        let inner = json!({"errorCode": "PermissionScopeNotGranted", "message": format!("Authorization failed due to missing permission scope {}.", accepted.join(",")), "instanceAnnotations": []});
        return Err(Resp::graph_error(403, "UnknownError", &inner.to_string()));
    }
    Ok(info)
}
