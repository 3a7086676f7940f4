//! What the PIM client's parts share: the endpoints' paths and API version, the policy cache
//! key, and how a failed call is classified.

use std::time::Instant;

use crate::error::Error;
use crate::model::{Access, Assignment, Plane, PlaneFailure, PolicySummary};
use crate::payload::ErrorPayload;

pub(super) const API: &str = "api-version=2020-10-01";
pub(super) const ENTRA_ELIGIBLE: &str = "/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')";
pub(super) const ENTRA_ACTIVE: &str =
    "/roleManagement/directory/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')";
pub(super) const ENTRA_REQUESTS: &str = "/roleManagement/directory/roleAssignmentScheduleRequests";
pub(super) const GROUP_ELIGIBLE: &str = "/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances/filterByCurrentUser(on='principal')";
pub(super) const GROUP_ACTIVE: &str = "/identityGovernance/privilegedAccess/group/assignmentScheduleInstances/filterByCurrentUser(on='principal')";
pub(super) const GROUP_REQUESTS: &str =
    "/identityGovernance/privilegedAccess/group/assignmentScheduleRequests";
pub(super) const ROLE_EXPAND: &str = "$expand=roleDefinition($select=id,displayName)";
pub(super) const GROUP_EXPAND: &str = "$expand=group($select=id,displayName)";
pub(super) const PENDING: &str = "$filter=status%20eq%20'PendingApproval'";
/// Requests granted (for a later start, when their start is after now: "scheduled").
pub(super) const GRANTED: &str = "$filter=status%20eq%20'Granted'";

pub(super) fn policy_key(a: &Assignment) -> String {
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
pub(super) fn token_rejected(e: &Error) -> bool {
    e.service()
        .is_some_and(|s| s.status == 401 && s.claims.is_none())
}

pub(super) fn rejected(failures: &[PlaneFailure]) -> bool {
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

pub(super) fn failure(plane: Plane, e: &Error) -> PlaneFailure {
    PlaneFailure {
        plane,
        error: ErrorPayload::from(e),
    }
}

pub(super) fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

pub(super) struct CachedPolicy {
    pub(super) policy: PolicySummary,
    pub(super) at: Instant,
}
