//! The approver side of PIM: who approves a request (scenario users with `approver: true`, for
//! every request whose policy needs approval), the requests waiting for an approver, an
//! approver's decision with PIM's refusals (not an approver, self-approval, extend/renew,
//! expired, already decided, approver justification), the 24-hour expiry, and extend/renew
//! requests filed for approval by the `_sim/requests` control.

use chrono::Duration;

use super::audit::{AuditActivity, Initiator};
use super::common::new_id;
use super::model::{Action, PimError, Plane, Request, Submission, Target};
use super::tenant::Tenant;

/// An approval nobody decides within this many hours expires ("isn't configurable") [DOC].
pub const APPROVAL_WINDOW_HOURS: i64 = 24;

/// Who `reviewedBy` names when the administrator control (`/_sim/approvals/{id}/approve`,
/// the `/_sim/approve` page) decided: an administrator, not one of the scenario's users.
pub const ADMIN_REVIEWER: (&str, &str) = (
    "ad000000-0000-4000-8000-000000000001",
    "Administrator (elevate-sim control)",
);

/// An approval step's (stage's) state, as Graph and ARM spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    InProgress,
    Completed,
    Expired,
}

impl StepStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::InProgress => "InProgress",
            StepStatus::Completed => "Completed",
            StepStatus::Expired => "Expired",
        }
    }
}

/// The approval id of a new request: Graph's equals the request id [DOC]; ARM's is a GUID of
/// its own, given as `/providers/Microsoft.Authorization/roleAssignmentApprovals/{guid}` [OBS].
pub(super) fn approval_id_for(target: &Target, request_id: &str) -> String {
    match target.plane() {
        Plane::Azure => new_id(),
        Plane::Entra | Plane::Group => request_id.to_string(),
    }
}

pub(super) fn expired() -> PimError {
    PimError::new(
        400,
        "ApprovalExpired",
        format!("The request expired after {APPROVAL_WINDOW_HOURS} hours without a decision; it can no longer be approved or denied."),
    )
}

impl Request {
    pub fn step_status(&self) -> StepStatus {
        match self.status.as_str() {
            "PendingApproval" | "PendingAdminDecision" => StepStatus::InProgress,
            "TimedOut" => StepStatus::Expired,
            _ => StepStatus::Completed,
        }
    }

    /// The Entra (beta) approval step's id: a GUID of its own, stable for the request.
    pub fn step_id(&self) -> String {
        crate::scenario::guid(
            &format!("approval-step:{}", self.id.to_ascii_lowercase()),
            0,
        )
    }
}

impl Tenant {
    /// A scenario user marked `approver`.
    pub fn is_approver(&self, user: &str) -> bool {
        self.user(user).is_some_and(|u| u.approver)
    }

    /// `user` is an approver of `r`: an approver, and `r` went to approval under its policy.
    /// The requester may be one too (the decision is then refused as self-approval).
    pub fn approves(&self, user: &str, r: &Request) -> bool {
        r.approval_id.is_some() && self.is_approver(user) && self.policy_for(&r.target).approval
    }

    /// `assignedToMe`: the approval is assigned to `user` (never the requester's own).
    pub fn assigned_to(&self, user: &str, r: &Request) -> bool {
        self.approves(user, r) && !r.principal.eq_ignore_ascii_case(user)
    }

    /// Every request of `plane` that `user` approves, in any state, oldest first; the
    /// user's own are included (whether Graph lists them is undocumented).
    pub fn approver_requests<'a>(
        &'a self,
        user: &'a str,
        plane: Plane,
    ) -> impl Iterator<Item = &'a Request> + 'a {
        self.requests
            .iter()
            .filter(move |r| r.target.plane() == plane && self.approves(user, r))
    }

    /// The request behind approval `id` of `plane`, for a caller who approves it or asked
    /// for it: 404 when there is none, 403 for anybody else.
    pub fn approval(&self, user: &str, plane: Plane, id: &str) -> Result<&Request, PimError> {
        let r = self
            .requests
            .iter()
            .find(|r| {
                r.target.plane() == plane
                    && r.approval_id
                        .as_deref()
                        .is_some_and(|a| a.eq_ignore_ascii_case(id))
            })
            .ok_or_else(|| {
                PimError::new(
                    404,
                    "ApprovalNotFound",
                    format!("The approval '{id}' does not exist."),
                )
            })?;
        if !self.approves(user, r) && !r.principal.eq_ignore_ascii_case(user) {
            return Err(not_an_approver(user, id));
        }
        Ok(r)
    }

    /// An approver's decision on approval `id` of `plane`. The checks, in order: the
    /// approval exists (404), the caller approves it (403), it is not the caller's own
    /// request (403), it is not an extend/renew request (400: not supported by the APIs),
    /// it has not expired (400), nobody decided it yet (409), the approver's justification
    /// when the policy requires one (400). Then it runs the administrator's decision logic.
    pub fn review(
        &mut self,
        user: &str,
        plane: Plane,
        id: &str,
        approve: bool,
        justification: Option<String>,
    ) -> Result<Request, PimError> {
        self.tick();
        let req = self.approval(user, plane, id)?.clone();
        if !self.approves(user, &req) {
            return Err(not_an_approver(user, id));
        }
        if req.principal.eq_ignore_ascii_case(user) {
            return Err(PimError::new(
                403,
                "SelfApprovalNotAllowed",
                "Approvers are not able to approve their own requests.",
            ));
        }
        if matches!(req.action, Action::SelfExtend | Action::SelfRenew) {
            let api = if plane == Plane::Azure {
                "Microsoft ARM API"
            } else {
                "Microsoft Graph API"
            };
            return Err(PimError::new(
                400,
                "ExtendRenewApprovalNotSupported",
                format!("Approval for extend and renew requests is currently not supported by the {api}; use the Azure portal."),
            ));
        }
        if req.status == "TimedOut" {
            return Err(expired());
        }
        if req.status != "PendingApproval" {
            return Err(already_decided(user, &req));
        }
        let policy = self.policy_for(&req.target);
        let justification = justification.filter(|j| !j.trim().is_empty());
        if policy.approver_justification && justification.is_none() {
            return Err(PimError::new(
                400,
                "RoleAssignmentRequestPolicyValidationFailed",
                "The following policy rules failed: [\"Approval_EndUser_Assignment\"]. The approval stage requires a justification from the approver (isApproverJustificationRequired).",
            ));
        }
        self.decide_by(&req.id, approve, Some(user.to_string()), justification)
    }

    /// Requests waiting for approval longer than the 24-hour window expire. The final status
    /// is `TimedOut` on every plane: it is in ARM's status enum, and the reference guesses an
    /// expired ARM request ends so [INF]; Graph's final status is undocumented (reference §7,
    /// gap 4), so Graph shows the same value. The approval step reads `Expired` [DOC enum].
    pub(super) fn expire_approvals(&mut self) {
        let now = self.now();
        let window = Duration::hours(APPROVAL_WINDOW_HOURS);
        let mut expired = vec![];
        for r in &mut self.requests {
            if r.status == "PendingApproval" && r.completed.is_none() && now - r.created >= window {
                r.status = "TimedOut".into();
                r.completed = Some(r.created + window);
                expired.push(r.clone());
            }
        }
        for r in expired {
            let at = r.created + window;
            let id = format!("PIM_{}", new_id());
            self.audit_at(AuditActivity::Expired, &r, Initiator::Requester, at, id);
        }
    }

    /// An extend or renew request from `sub.principal`, filed straight to approval
    /// (`PendingApproval`) so that approvers see one: the target must need approval, the user
    /// must be eligible for it or hold it, and nothing may be pending for it already.
    pub fn file_for_approval(&mut self, sub: Submission) -> Result<Request, PimError> {
        self.tick();
        let now = self.now();
        let user = sub.principal.clone();
        let action = sub
            .action
            .filter(|a| matches!(a, Action::SelfExtend | Action::SelfRenew))
            .ok_or_else(|| {
                PimError::new(
                    400,
                    "InvalidRequest",
                    "Only selfExtend and selfRenew requests are filed for approval this way.",
                )
            })?;
        let target = sub.target.clone().ok_or_else(|| {
            PimError::new(400, "InvalidRequest", "The role and scope are required.")
        })?;
        let policy = self.policy_for(&target);
        if !policy.approval {
            return Err(PimError::new(
                400,
                "ApprovalNotRequired",
                "The policy of this role does not require approval, so nobody would approve the request.",
            ));
        }
        let holds = self
            .eligibilities_of(&user, target.plane())
            .any(|e| e.target.same(&target))
            || self
                .actives
                .iter()
                .any(|a| a.principal == user && a.target.same(&target));
        if !holds {
            return Err(PimError::rules(&["EligibilityRule"]));
        }
        if self
            .requests
            .iter()
            .any(|r| r.principal == user && r.target.same(&target) && r.is_pending())
        {
            return Err(PimError::new(
                400,
                "PendingRoleAssignmentRequest",
                "There already exists a pending role assignment request for this role and scope.",
            ));
        }
        if policy.justification
            && sub
                .justification
                .as_deref()
                .is_none_or(|j| j.trim().is_empty())
        {
            return Err(PimError::rules(&["JustificationRule"]));
        }
        let id = new_id();
        let schedule = self
            .actives
            .iter()
            .find(|a| a.principal == user && a.target.same(&target))
            .map(|a| a.schedule_id.clone())
            .unwrap_or_else(new_id);
        let req = Request {
            approval_id: Some(approval_id_for(&target, &id)),
            id,
            action,
            principal: user,
            target,
            status: "PendingApproval".into(),
            created: now,
            completed: None,
            justification: sub.justification,
            ticket_number: sub.ticket_number,
            ticket_system: sub.ticket_system,
            start: sub.start.unwrap_or(now),
            expiration_type: sub
                .expiration_type
                .unwrap_or_else(|| "afterDuration".into()),
            duration: sub.duration,
            end: sub.end,
            target_schedule_id: schedule,
            linked_eligibility: None,
            review: None,
        };
        self.requests.push(req.clone());
        self.audit(AuditActivity::Requested, &req, Initiator::Requester);
        Ok(req)
    }
}

/// The decision in a body: `reviewResult` (`Approve` or `Deny`, any case; the read values
/// `Approved`/`Denied` are not accepted, as documented) and an optional justification.
pub fn parse_decision(
    result: &serde_json::Value,
    justification: &serde_json::Value,
) -> Result<(bool, Option<String>), String> {
    let approve = match result.as_str() {
        Some(r) if r.eq_ignore_ascii_case("approve") => true,
        Some(r) if r.eq_ignore_ascii_case("deny") => false,
        Some(other) => {
            return Err(format!(
                "Invalid value '{other}' for property 'reviewResult': use 'Approve' or 'Deny'."
            ))
        }
        None => return Err("The property 'reviewResult' is required: 'Approve' or 'Deny'.".into()),
    };
    Ok((approve, justification.as_str().map(str::to_string)))
}

fn not_an_approver(user: &str, id: &str) -> PimError {
    PimError::new(
        403,
        "AuthorizationFailed",
        format!("The user {user} is not an approver of the approval '{id}'."),
    )
}

fn already_decided(user: &str, r: &Request) -> PimError {
    let by_other = |verb: &str, by: Option<&str>| {
        if by.is_some_and(|b| b.eq_ignore_ascii_case(user)) {
            format!("The request has already been {verb} by you in this approval stage.")
        } else {
            format!(
                "The request has already been {verb} by another approver in the same approval stage."
            )
        }
    };
    let message = match &r.review {
        Some(rv) if rv.approved => by_other("approved", rv.by.as_deref()),
        Some(rv) => by_other("denied", rv.by.as_deref()),
        None if r.status == "Canceled" => {
            "The request was canceled by the requestor; it can no longer be approved or denied."
                .to_string()
        }
        None => format!(
            "The request is {}; it is no longer waiting for approval.",
            r.status
        ),
    };
    PimError::new(409, "ApprovalAlreadyCompleted", message)
}
