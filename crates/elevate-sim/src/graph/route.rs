//! Graph routing and access: maps `/v1.0/...` (and the approval and PIM alert routes of `/beta/...`) to a
//! [`Route`], names each route's counter key and accepted delegated scopes (any one of a list,
//! or all of a list), and checks a token's audience and scopes for it.

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
    /// `filterByCurrentUser(on='approver')` on role assignment schedule requests.
    EntraRequestsApprover,
    /// Beta `roleAssignmentApprovals/{id}`, its `steps`, one step, a decision on a step.
    EntraApproval(String),
    EntraApprovalSteps(String),
    EntraApprovalStep(String, String),
    EntraApprovalDecide(String, String),
    /// `filterByCurrentUser(on='approver')` on group assignment schedule requests.
    GroupRequestsApprover,
    /// Group `assignmentApprovals/{id}` (v1.0 `stages`, beta `steps`), its stages, one stage,
    /// a decision (v1.0 `stages/{id}` or `steps/{id}`), and beta's approver listing.
    GroupApproval {
        id: String,
        beta: bool,
    },
    GroupApprovalStages {
        id: String,
        beta: bool,
    },
    GroupApprovalStage {
        id: String,
        stage: String,
        beta: bool,
    },
    GroupApprovalDecide(String, String),
    GroupApprovalsApprover {
        beta: bool,
    },
    /// `auditLogs/directoryAudits` and one record of it.
    DirectoryAudits,
    DirectoryAudit(String),
    /// The administrator's side: `roleEligibilityScheduleRequests` (POST, GET one), the
    /// tenant-wide role eligibility schedules and instances and role assignment instances,
    /// group `eligibilityScheduleRequests` (POST), group instances by `$filter`.
    EntraEligibilityRequestCreate,
    EntraEligibilityRequest(String),
    EntraEligibleAll,
    EntraEligibilitySchedules,
    EntraActiveAll,
    GroupEligibilityRequestCreate,
    GroupEligibleAll,
    GroupActiveAll,
    /// `/users` (`$filter`, `$select`) and `/users/{id or userPrincipalName}`.
    Users,
    User(String),
    /// Access reviews under `identityGovernance/accessReviews` (`reviews`).
    AccessReview(super::reviews::ReviewRoute),
    /// Posture reads (governance §3.2): tenant-wide `roleAssignmentSchedules`, group
    /// `eligibilitySchedules` / `assignmentSchedules` (`$filter` on groupId or principalId).
    EntraAssignmentSchedules,
    GroupEligibilitySchedules,
    GroupAssignmentSchedules,
    /// Beta `identityGovernance/roleManagementAlerts` (governance §3.1): alerts (the list
    /// with its mandatory scope filter, one by id), an alert's incidents, definitions and
    /// configurations (list, one by id).
    Alerts,
    Alert(String),
    AlertIncidents(String),
    AlertDefinitions,
    AlertDefinition(String),
    AlertConfigurations,
    AlertConfiguration(String),
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
            Route::EntraRequestsApprover => "graph.roleAssignmentScheduleRequests.approver",
            Route::EntraApproval(_)
            | Route::EntraApprovalSteps(_)
            | Route::EntraApprovalStep(..) => "graph.roleAssignmentApprovals.get",
            Route::EntraApprovalDecide(..) => "graph.roleAssignmentApprovals.decide",
            Route::GroupRequestsApprover => "graph.group.assignmentScheduleRequests.approver",
            Route::GroupApproval { .. }
            | Route::GroupApprovalStages { .. }
            | Route::GroupApprovalStage { .. } => "graph.group.assignmentApprovals.get",
            Route::GroupApprovalDecide(..) => "graph.group.assignmentApprovals.decide",
            Route::GroupApprovalsApprover { .. } => "graph.group.assignmentApprovals.approver",
            Route::DirectoryAudits | Route::DirectoryAudit(_) => "graph.directoryAudits",
            Route::EntraEligibilityRequestCreate => "graph.roleEligibilityScheduleRequests.create",
            Route::EntraEligibilityRequest(_) => "graph.roleEligibilityScheduleRequests.get",
            Route::EntraEligibleAll => "graph.roleEligibilityScheduleInstances.all",
            Route::EntraEligibilitySchedules => "graph.roleEligibilitySchedules",
            Route::EntraActiveAll => "graph.roleAssignmentScheduleInstances.all",
            Route::GroupEligibilityRequestCreate => {
                "graph.group.eligibilityScheduleRequests.create"
            }
            Route::GroupEligibleAll => "graph.group.eligibilityScheduleInstances.all",
            Route::GroupActiveAll => "graph.group.assignmentScheduleInstances.all",
            Route::Users | Route::User(_) => "graph.users",
            Route::AccessReview(r) => r.key(),
            Route::EntraAssignmentSchedules => "graph.roleAssignmentSchedules",
            Route::GroupEligibilitySchedules => "graph.group.eligibilitySchedules",
            Route::GroupAssignmentSchedules => "graph.group.assignmentSchedules",
            Route::Alerts | Route::Alert(_) => "graph.roleManagementAlerts.alerts",
            Route::AlertIncidents(_) => "graph.roleManagementAlerts.alertIncidents",
            Route::AlertDefinitions | Route::AlertDefinition(_) => {
                "graph.roleManagementAlerts.alertDefinitions"
            }
            Route::AlertConfigurations | Route::AlertConfiguration(_) => {
                "graph.roleManagementAlerts.alertConfigurations"
            }
        }
    }

    /// The delegated scopes that are all needed (on top of [`Route::scopes`]).
    fn all_scopes(&self) -> &'static [&'static str] {
        match self {
            // "AuditLog.Read.All and Directory.Read.All": both [DOC, reference §0, §2.1].
            Route::DirectoryAudits | Route::DirectoryAudit(_) => {
                &["AuditLog.Read.All", "Directory.Read.All"]
            }
            _ => &[],
        }
    }

    /// The delegated scopes that each give access (any one suffices) [DOC].
    fn scopes(&self) -> &'static [&'static str] {
        match self {
            Route::AccessReview(r) => r.scopes(),
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
            Route::EntraEligible
            | Route::EntraEligibilityRequest(_)
            | Route::EntraEligibleAll
            | Route::EntraEligibilitySchedules => &[
                "RoleEligibilitySchedule.Read.Directory",
                "RoleEligibilitySchedule.ReadWrite.Directory",
                "RoleManagement.Read.Directory",
                "RoleManagement.Read.All",
                "RoleManagement.ReadWrite.Directory",
            ],
            Route::EntraActive
            | Route::EntraActiveAll
            | Route::EntraAssignmentSchedules
            | Route::EntraRequestsMine
            | Route::EntraRequest(_) => &[
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
            Route::GroupEligible | Route::GroupEligibleAll | Route::GroupEligibilitySchedules => &[
                "PrivilegedEligibilitySchedule.Read.AzureADGroup",
                "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
                "PrivilegedAccess.Read.AzureADGroup",
                "PrivilegedAccess.ReadWrite.AzureADGroup",
            ],
            Route::GroupActive
            | Route::GroupActiveAll
            | Route::GroupAssignmentSchedules
            | Route::GroupRequestsMine
            | Route::GroupRequest(_) => &[
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
            Route::Batch | Route::DirectoryAudits | Route::DirectoryAudit(_) => &[],
            // GD rbacapplication-post-roleeligibilityschedulerequests-permissions [DOC].
            Route::EntraEligibilityRequestCreate => &[
                "RoleEligibilitySchedule.ReadWrite.Directory",
                "RoleManagement.ReadWrite.Directory",
            ],
            Route::GroupEligibilityRequestCreate => &[
                "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
                "PrivilegedAccess.ReadWrite.AzureADGroup",
            ],
            // Admin consent; reading needs one of them [OBS, governance §0].
            Route::Alerts
            | Route::Alert(_)
            | Route::AlertIncidents(_)
            | Route::AlertDefinitions
            | Route::AlertDefinition(_)
            | Route::AlertConfigurations
            | Route::AlertConfiguration(_) => &[
                "RoleManagementAlert.Read.Directory",
                "RoleManagementAlert.ReadWrite.Directory",
            ],
            // Other users' profiles: not User.Read [DOC, user-list permissions].
            Route::Users | Route::User(_) => {
                &["User.ReadBasic.All", "User.Read.All", "Directory.Read.All"]
            }
            // ReadWrite is the least privilege listed; there is no Read [DOC, reference §0].
            Route::EntraRequestsApprover => &[
                "RoleAssignmentSchedule.ReadWrite.Directory",
                "RoleManagement.ReadWrite.Directory",
            ],
            Route::EntraApproval(_)
            | Route::EntraApprovalSteps(_)
            | Route::EntraApprovalStep(..) => &[
                "RoleAssignmentSchedule.Read.Directory",
                "RoleAssignmentSchedule.ReadWrite.Directory",
                "RoleManagement.Read.Directory",
                "RoleManagement.Read.All",
                "RoleManagement.ReadWrite.Directory",
            ],
            Route::EntraApprovalDecide(..) => &[
                "RoleAssignmentSchedule.ReadWrite.Directory",
                "RoleManagement.ReadWrite.Directory",
            ],
            Route::GroupRequestsApprover
            | Route::GroupApproval { .. }
            | Route::GroupApprovalStages { .. }
            | Route::GroupApprovalStage { .. }
            | Route::GroupApprovalsApprover { .. } => &[
                "PrivilegedAssignmentSchedule.Read.AzureADGroup",
                "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
                "PrivilegedAccess.Read.AzureADGroup",
                "PrivilegedAccess.ReadWrite.AzureADGroup",
            ],
            Route::GroupApprovalDecide(..) => &[
                "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
                "PrivilegedAccess.ReadWrite.AzureADGroup",
            ],
        }
    }
}

/// Whose objects `filterByCurrentUser` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum On {
    Principal,
    Approver,
}

/// `filterByCurrentUser(on='principal'|'approver')`, with or without quotes; None if not that
/// function. "Only `principal` and `approver` are currently supported" [DOC].
fn current_user_fn(seg: &str) -> Option<Result<On, Resp>> {
    let lower = seg.to_ascii_lowercase();
    let rest = lower.strip_prefix("filterbycurrentuser")?;
    let arg = rest.strip_prefix("(on=").and_then(|r| r.strip_suffix(')'));
    Some(match arg.map(|a| a.trim_matches('\'')) {
        Some("principal") => Ok(On::Principal),
        Some("approver") => Ok(On::Approver),
        other => Err(Resp::graph_error(
            400,
            "BadRequest",
            &format!(
                "filterByCurrentUser: the value '{}' of parameter 'on' is not supported; only 'principal' and 'approver' are.",
                other.unwrap_or_default()
            ),
        )),
    })
}

/// For schedule instances, only `on='principal'` means anything.
fn principal_only(seg: &str) -> Option<Result<(), Resp>> {
    current_user_fn(seg).map(|r| match r? {
        On::Principal => Ok(()),
        On::Approver => Err(Resp::graph_error(
            400,
            "BadRequest",
            "filterByCurrentUser(on='approver') is not supported on schedule instances; use on='principal'.",
        )),
    })
}

/// The beta routes the simulator serves: the approval objects (reference §1.1 B, §1.2).
fn beta_route(method: &str, segs: &[&str], l: &[&str]) -> Result<Route, Resp> {
    let id = |i: usize| segs[i].to_string();
    let r = match (method, l) {
        ("GET", ["rolemanagement", "directory", "roleassignmentapprovals", _]) => Route::EntraApproval(id(3)),
        ("GET", ["rolemanagement", "directory", "roleassignmentapprovals", _, "steps"]) => Route::EntraApprovalSteps(id(3)),
        ("GET", ["rolemanagement", "directory", "roleassignmentapprovals", _, "steps", _]) => Route::EntraApprovalStep(id(3), id(5)),
        ("PATCH", ["rolemanagement", "directory", "roleassignmentapprovals", _, "steps", _]) => Route::EntraApprovalDecide(id(3), id(5)),
        ("GET", ["identitygovernance", "privilegedaccess", "group", "assignmentapprovals", f]) if f.starts_with("filterbycurrentuser") => {
            match current_user_fn(f) {
                Some(Ok(On::Approver)) => Route::GroupApprovalsApprover { beta: true },
                Some(Err(e)) => return Err(e),
                _ => return Err(Resp::graph_error(400, "BadRequest", "assignmentApprovals/filterByCurrentUser supports on='approver' only.")),
            }
        }
        ("GET", ["identitygovernance", "privilegedaccess", "group", "assignmentapprovals", _]) => Route::GroupApproval { id: id(4), beta: true },
        ("GET", ["identitygovernance", "privilegedaccess", "group", "assignmentapprovals", _, "steps"]) => Route::GroupApprovalStages { id: id(4), beta: true },
        ("GET", ["identitygovernance", "privilegedaccess", "group", "assignmentapprovals", _, "steps", _]) => Route::GroupApprovalStage { id: id(4), stage: id(6), beta: true },
        ("PATCH", ["identitygovernance", "privilegedaccess", "group", "assignmentapprovals", _, "steps", _]) => Route::GroupApprovalDecide(id(4), id(6)),
        ("GET", ["identitygovernance", "rolemanagementalerts", "alerts"]) => Route::Alerts,
        ("GET", ["identitygovernance", "rolemanagementalerts", "alerts", _]) => Route::Alert(id(3)),
        ("GET", ["identitygovernance", "rolemanagementalerts", "alerts", _, "alertincidents"]) => Route::AlertIncidents(id(3)),
        ("GET", ["identitygovernance", "rolemanagementalerts", "alertdefinitions"]) => Route::AlertDefinitions,
        ("GET", ["identitygovernance", "rolemanagementalerts", "alertdefinitions", _]) => Route::AlertDefinition(id(3)),
        ("GET", ["identitygovernance", "rolemanagementalerts", "alertconfigurations"]) => Route::AlertConfigurations,
        ("GET", ["identitygovernance", "rolemanagementalerts", "alertconfigurations", _]) => Route::AlertConfiguration(id(3)),
        // Refresh, dismiss, configure and remediate change the tenant: not simulated.
        (_, ["identitygovernance", "rolemanagementalerts", ..]) => {
            return Err(Resp::graph_error(400, "BadRequest", &format!("{method} on roleManagementAlerts is not supported by the simulator (read-only alerts).")))
        }
        (_, ["rolemanagement", "directory", "roleassignmentapprovals", ..]) | (_, ["identitygovernance", "privilegedaccess", "group", "assignmentapprovals", ..]) => {
            return Err(Resp::graph_error(405, "Request_BadRequest", &format!("The {method} method is not allowed on this resource.")))
        }
        _ => {
            return Err(Resp::graph_error(
                400,
                "BadRequest",
                &format!("Resource not found for the segment '{}'. (The simulator serves beta only for approvals and roleManagementAlerts.)", segs.first().unwrap_or(&"")),
            ))
        }
    };
    Ok(r)
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
    let (beta, rest) = match (path.strip_prefix("/v1.0/"), path.strip_prefix("/beta/")) {
        (Some(rest), _) => (false, rest),
        (None, Some(rest)) => (true, rest),
        (None, None) => {
            return Err(Resp::graph_error(
                400,
                "BadRequest",
                "Invalid version: use /v1.0 (or /beta for approvals).",
            ))
        }
    };
    let segs: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let lower: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    if beta {
        return beta_route(method, &segs, &l);
    }
    let get = method == "GET";
    let post = method == "POST";
    let patch = method == "PATCH";
    let wrong = || {
        Resp::graph_error(
            405,
            "Request_BadRequest",
            &format!("The {method} method is not allowed on this resource."),
        )
    };
    if let Some(r) = super::reviews::route(method, &segs, &l) {
        return r.map(Route::AccessReview);
    }
    let r = match l.as_slice() {
        ["me"] if get => Route::Me,
        ["me", "memberof"] | ["me", "transitivememberof"] if get => Route::MemberOf,
        ["$batch"] if post => Route::Batch,
        ["rolemanagement", "directory", "roledefinitions"] if get => Route::RoleDefinitions,
        ["rolemanagement", "directory", "roledefinitions", _] if get => Route::RoleDefinition(segs[3].to_string()),
        ["rolemanagement", "directory", "roleeligibilityscheduleinstances", f] if get => match principal_only(f) {
            Some(r) => r.map(|_| Route::EntraEligible)?,
            None => return Err(Resp::graph_error(403, "Forbidden", "Listing every eligibility needs an administrator role; use filterByCurrentUser(on='principal').")),
        },
        ["rolemanagement", "directory", "roleassignmentscheduleinstances", f] if get => match principal_only(f) {
            Some(r) => r.map(|_| Route::EntraActive)?,
            None => return Err(Resp::graph_error(403, "Forbidden", "Listing every assignment needs an administrator role; use filterByCurrentUser(on='principal').")),
        },
        ["rolemanagement", "directory", "roleeligibilityscheduleinstances"] if get => Route::EntraEligibleAll,
        ["rolemanagement", "directory", "roleeligibilityschedules"] if get => Route::EntraEligibilitySchedules,
        ["rolemanagement", "directory", "roleassignmentscheduleinstances"] if get => Route::EntraActiveAll,
        ["rolemanagement", "directory", "roleassignmentschedules"] if get => Route::EntraAssignmentSchedules,
        ["identitygovernance", "privilegedaccess", "group", "eligibilityschedules"] if get => Route::GroupEligibilitySchedules,
        ["identitygovernance", "privilegedaccess", "group", "assignmentschedules"] if get => Route::GroupAssignmentSchedules,
        ["rolemanagement", "directory", "roleeligibilityschedulerequests"] if post => Route::EntraEligibilityRequestCreate,
        ["rolemanagement", "directory", "roleeligibilityschedulerequests", _] if get => Route::EntraEligibilityRequest(segs[3].to_string()),
        ["identitygovernance", "privilegedaccess", "group", "eligibilityschedulerequests"] if post => Route::GroupEligibilityRequestCreate,
        ["identitygovernance", "privilegedaccess", "group", "eligibilityscheduleinstances"] if get => Route::GroupEligibleAll,
        ["identitygovernance", "privilegedaccess", "group", "assignmentscheduleinstances"] if get => Route::GroupActiveAll,
        ["users"] if get => Route::Users,
        ["users", _] if get => Route::User(segs[1].to_string()),
        ["rolemanagement", "directory", "roleassignmentschedulerequests"] if post => Route::EntraRequestCreate,
        ["rolemanagement", "directory", "roleassignmentschedulerequests", f] if get => match current_user_fn(f) {
            Some(r) => match r? {
                On::Principal => Route::EntraRequestsMine,
                On::Approver => Route::EntraRequestsApprover,
            },
            None => Route::EntraRequest(segs[3].to_string()),
        },
        ["rolemanagement", "directory", "roleassignmentschedulerequests", _, "cancel"] if post => Route::EntraRequestCancel(segs[3].to_string()),
        ["identitygovernance", "privilegedaccess", "group", "eligibilityscheduleinstances", f] if get => match principal_only(f) {
            Some(r) => r.map(|_| Route::GroupEligible)?,
            None => return Err(not_found()),
        },
        ["identitygovernance", "privilegedaccess", "group", "assignmentscheduleinstances", f] if get => match principal_only(f) {
            Some(r) => r.map(|_| Route::GroupActive)?,
            None => return Err(not_found()),
        },
        ["identitygovernance", "privilegedaccess", "group", "assignmentschedulerequests"] if post => Route::GroupRequestCreate,
        ["identitygovernance", "privilegedaccess", "group", "assignmentschedulerequests", f] if get => match current_user_fn(f) {
            Some(r) => match r? {
                On::Principal => Route::GroupRequestsMine,
                On::Approver => Route::GroupRequestsApprover,
            },
            None => Route::GroupRequest(segs[4].to_string()),
        },
        // In PCTL's v1.0 SDK metadata [OBS]; documented on beta.
        ["identitygovernance", "privilegedaccess", "group", "assignmentapprovals", f] if get && f.starts_with("filterbycurrentuser") => match current_user_fn(f) {
            Some(Ok(On::Approver)) => Route::GroupApprovalsApprover { beta: false },
            Some(Err(e)) => return Err(e),
            _ => return Err(Resp::graph_error(400, "BadRequest", "assignmentApprovals/filterByCurrentUser supports on='approver' only.")),
        },
        ["identitygovernance", "privilegedaccess", "group", "assignmentapprovals", _] if get => Route::GroupApproval { id: segs[4].to_string(), beta: false },
        ["identitygovernance", "privilegedaccess", "group", "assignmentapprovals", _, "stages" | "steps"] if get => Route::GroupApprovalStages { id: segs[4].to_string(), beta: false },
        ["identitygovernance", "privilegedaccess", "group", "assignmentapprovals", _, "stages" | "steps", _] if get => Route::GroupApprovalStage { id: segs[4].to_string(), stage: segs[6].to_string(), beta: false },
        // v1.0: PCTL PATCHes `stages/{id}`, the doc text prints `steps/{id}`: both [DOC conflict].
        ["identitygovernance", "privilegedaccess", "group", "assignmentapprovals", _, "stages" | "steps", _] if patch => Route::GroupApprovalDecide(segs[4].to_string(), segs[6].to_string()),
        // "The roleAssignmentApprovals APIs are only available in /beta" [DOC].
        ["rolemanagement", "directory", "roleassignmentapprovals", ..] => return Err(not_found()),
        ["identitygovernance", "privilegedaccess", "group", "assignmentschedulerequests", _, "cancel"] if post => Route::GroupRequestCancel(segs[4].to_string()),
        ["groups"] if get => Route::Groups,
        ["groups", _] if get => Route::Group(segs[1].to_string()),
        ["policies", "rolemanagementpolicyassignments"] if get => Route::Policies,
        ["auditlogs", "directoryaudits"] if get => Route::DirectoryAudits,
        ["auditlogs", "directoryaudits", _] if get => Route::DirectoryAudit(segs[2].to_string()),
        ["me"] | ["$batch"] | ["rolemanagement", ..] | ["identitygovernance", ..] | ["groups", ..] | ["policies", ..] | ["auditlogs", "directoryaudits", ..] | ["users", ..] => return Err(wrong()),
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
        return Err(scope_not_granted(&accepted.join(",")));
    }
    let missing: Vec<&str> = route
        .all_scopes()
        .iter()
        .filter(|a| !info.scopes.iter().any(|s| a.eq_ignore_ascii_case(s)))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(scope_not_granted(&missing.join(",")));
    }
    Ok(info)
}

/// The observed wrapped 403 for a delegated scope the token lacks.
pub(super) fn scope_not_granted(scopes: &str) -> Resp {
    let inner = json!({"errorCode": "PermissionScopeNotGranted", "message": format!("Authorization failed due to missing permission scope {scopes}."), "instanceAnnotations": []});
    Resp::graph_error(403, "UnknownError", &inner.to_string())
}
