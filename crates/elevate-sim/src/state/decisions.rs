//! What happens to a request after it is submitted: the caller cancels it, or a decision
//! (an approver's, checked in `approvals`, or the administrator control's) is applied to it.

use chrono::Duration;

use super::approvals::expired;
use super::audit::{AuditActivity, Initiator};
use super::common::new_id;
use super::model::{Action, Active, PimError, Request, Review};
use super::tenant::Tenant;

impl Tenant {
    pub fn cancel(&mut self, user: &str, id: &str) -> Result<Request, PimError> {
        self.tick();
        let now = self.now();
        let req = self
            .requests
            .iter_mut()
            .find(|r| r.id.eq_ignore_ascii_case(id) && r.principal == user)
            .ok_or_else(|| {
                PimError::new(
                    404,
                    "RoleAssignmentRequestNotFound",
                    format!("The request {id} was not found."),
                )
            })?;
        if !req.is_pending() {
            return Err(PimError::new(
                400,
                "InvalidRequestState",
                format!("The request cannot be cancelled in state {}.", req.status),
            ));
        }
        req.status = "Canceled".into();
        req.completed = Some(now);
        let rid = req.id.clone();
        let out = req.clone();
        self.actives
            .retain(|a| a.request.as_deref() != Some(rid.as_str()));
        self.audit(AuditActivity::Canceled, &out, Initiator::Requester);
        Ok(out)
    }

    /// The administrator control's decision on a pending request (by request id, approval
    /// id or an ARM approval's full path). Approver decisions go through `Tenant::review`.
    pub fn decide(&mut self, id: &str, approve: bool) -> Result<Request, PimError> {
        self.decide_by(id, approve, None, None)
    }

    /// Records a decision (`by`: the approving user, None for the administrator control) and
    /// applies it: approving grants the activation (or extends it), denying ends the request.
    pub(super) fn decide_by(
        &mut self,
        id: &str,
        approve: bool,
        by: Option<String>,
        justification: Option<String>,
    ) -> Result<Request, PimError> {
        self.tick();
        let now = self.now();
        let id = id.rsplit('/').next().unwrap_or(id);
        let idx = self
            .requests
            .iter()
            .position(|r| {
                r.id.eq_ignore_ascii_case(id)
                    || r.approval_id
                        .as_deref()
                        .is_some_and(|a| a.eq_ignore_ascii_case(id))
            })
            .ok_or_else(|| {
                PimError::new(404, "NotFound", format!("No request or approval {id}."))
            })?;
        let req = self.requests[idx].clone();
        if req.status == "TimedOut" {
            return Err(expired());
        }
        if !matches!(
            req.status.as_str(),
            "PendingApproval" | "PendingAdminDecision"
        ) {
            return Err(PimError::new(
                400,
                "InvalidRequestState",
                format!("The request is {}, not waiting for a decision.", req.status),
            ));
        }
        let decider = match &by {
            Some(user) => Initiator::User(user.clone()),
            None => Initiator::Admin,
        };
        self.requests[idx].review = Some(Review {
            approved: approve,
            by,
            at: now,
            justification,
        });
        if !approve {
            let r = &mut self.requests[idx];
            r.status = if req.status == "PendingAdminDecision" {
                "AdminDenied"
            } else {
                "Denied"
            }
            .into();
            r.completed = Some(now);
            let out = r.clone();
            self.audit(AuditActivity::Denied, &out, decider);
            return Ok(out);
        }
        let duration = req.duration.unwrap_or_else(|| Duration::hours(1));
        match req.action {
            Action::SelfActivate | Action::SelfRenew => {
                let start = req.start.max(now);
                let elig = self
                    .eligibilities
                    .iter()
                    .find(|e| e.principal == req.principal && e.target.same(&req.target))
                    .cloned();
                let mut end = start + duration;
                if let Some(e) = elig.as_ref().and_then(|e| e.end) {
                    end = end.min(e);
                }
                self.actives.push(Active {
                    id: new_id(),
                    schedule_id: req.target_schedule_id.clone(),
                    principal: req.principal.clone(),
                    target: req.target.clone(),
                    start: Some(start),
                    end: Some(end),
                    activated: req.action == Action::SelfActivate,
                    eligibility: elig.as_ref().map(|e| e.id.clone()),
                    eligibility_schedule: elig.map(|e| e.schedule_id),
                    request: Some(req.id.clone()),
                    visible_from: now + Duration::seconds(self.settings.provisioning_delay),
                });
            }
            Action::SelfExtend => {
                if let Some(a) = self
                    .actives
                    .iter_mut()
                    .find(|a| a.principal == req.principal && a.target.same(&req.target))
                {
                    a.end = Some(a.end.unwrap_or(now).max(now) + duration);
                }
            }
            Action::SelfDeactivate => {}
        }
        let r = &mut self.requests[idx];
        r.status = "Provisioned".into();
        r.completed = Some(now);
        let out = r.clone();
        self.audit(AuditActivity::Approved, &out, decider);
        self.audit(AuditActivity::Completed, &out, Initiator::Requester);
        Ok(out)
    }
}
