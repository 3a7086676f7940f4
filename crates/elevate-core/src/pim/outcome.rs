//! What a request came to: its state, as Elevate reads Microsoft's request statuses.

use chrono::{DateTime, Utc};
use serde::Serialize;
use ts_rs::TS;

/// What happened to an activation request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum RequestState {
    /// Provisioned: the assignment is active.
    Active,
    /// Granted, being provisioned: show "activating…" until it is in the active list.
    Provisioning,
    /// Granted for a later start.
    Scheduled,
    /// Waiting for an approver: not access yet.
    PendingApproval,
    /// Deactivated.
    Revoked,
    /// A pending request was cancelled.
    Canceled,
    /// Nothing was sent: the assignment is already active.
    AlreadyActive,
    /// Nothing was sent: a request for it already waits for approval (or starts).
    AlreadyPending,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RequestOutcome {
    pub state: RequestState,
    /// Graph request id or ARM request name (a GUID).
    pub request_id: Option<String>,
    /// Microsoft's status, as sent.
    pub status: String,
    /// True when the answer was lost and the request was found afterwards.
    pub reconciled: bool,
}

/// Maps a request status per the reference's classification [INF]: `Provisioned` is success,
/// `Granted` is success when it starts later, pending states need a person or time.
pub fn classify(
    status: &str,
    start: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<RequestState, String> {
    match status.to_ascii_lowercase().as_str() {
        "provisioned" | "schedulecreated" => Ok(RequestState::Active),
        "granted" | "accepted" | "adminapproved" => Ok(
            if start.is_some_and(|s| s > now + chrono::Duration::seconds(60)) {
                RequestState::Scheduled
            } else {
                RequestState::Provisioning
            },
        ),
        "pendingprovisioning"
        | "pendingschedulecreation"
        | "provisioningstarted"
        | "pendingevaluation"
        | "pendingexternalprovisioning" => Ok(RequestState::Provisioning),
        "pendingapproval" | "pendingadmindecision" | "pendingapprovalprovisioning" => {
            Ok(RequestState::PendingApproval)
        }
        "revoked" => Ok(RequestState::Revoked),
        "canceled" => Ok(RequestState::Canceled),
        other => Err(other.to_string()),
    }
}
