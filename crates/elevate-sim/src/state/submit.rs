//! Self-service requests: the PIM rules for activating, deactivating, extending and
//! renewing, checked in the documented error catalogue's terms.

use chrono::Duration;

use super::approvals::approval_id_for;
use super::audit::{AuditActivity, Initiator};
use super::common::new_id;
use super::model::{Action, Active, Caller, PimError, Plane, Request, Submission, Target};
use super::tenant::Tenant;
use crate::scenario::Policy;
use crate::time::{parse_duration, Time};

/// The minimum time an activation must be active before it can be deactivated [DOC].
pub const MIN_ACTIVE: i64 = 5;

impl Tenant {
    /// Handles a self-service request of any plane. The checks follow the documented
    /// error catalogue; their order (auth context first) is inferred.
    pub fn submit(&mut self, caller: &Caller, sub: Submission) -> Result<Request, PimError> {
        self.tick();
        let now = self.now();
        let action = sub.action.ok_or_else(|| {
            PimError::new(
                400,
                "InvalidRequest",
                "The action is missing or not supported.",
            )
        })?;
        let target = sub.target.clone().ok_or_else(|| {
            PimError::new(400, "InvalidRequest", "The role and scope are required.")
        })?;
        if !sub.principal.eq_ignore_ascii_case(&caller.user) {
            return Err(PimError::new(
                403,
                "AuthorizationFailed",
                "Self-service requests must name the signed-in user as principalId.",
            ));
        }
        if let Some(name) = &sub.name {
            if self
                .requests
                .iter()
                .any(|r| r.id.eq_ignore_ascii_case(name))
            {
                return Err(PimError::new(
                    400,
                    "RoleAssignmentRequestExists",
                    "A role assignment request with this name already exists.",
                ));
            }
        }
        let policy = self.policy_for(&target);
        match action {
            Action::SelfActivate => self.activate(caller, sub, target, policy, now),
            Action::SelfDeactivate => self.deactivate(caller, sub, target, now),
            Action::SelfExtend | Action::SelfRenew => {
                if target.plane() == Plane::Group {
                    return Err(PimError::new(
                        400,
                        "InvalidRequest",
                        format!(
                            "The action '{}' is not supported for groups.",
                            action.graph()
                        ),
                    ));
                }
                self.extend_or_renew(caller, sub, action, target, policy, now)
            }
        }
    }

    fn activate(
        &mut self,
        caller: &Caller,
        sub: Submission,
        target: Target,
        policy: Policy,
        now: Time,
    ) -> Result<Request, PimError> {
        let start = sub.start.map(|s| s.max(now)).unwrap_or(now);
        // The eligibility itself, else (Azure) one at an ancestor scope: ARM activates a role
        // eligible at a management group or subscription at a child scope too.
        let usable = |e: &&super::model::Eligibility| e.end.is_none_or(|end| end > start);
        let eligibility = self
            .eligibilities_of(&caller.user, target.plane())
            .filter(usable)
            .find(|e| e.target.same(&target))
            .or_else(|| {
                self.eligibilities_of(&caller.user, target.plane())
                    .filter(usable)
                    .filter(|e| e.target.contains(&target))
                    .max_by_key(|e| match &e.target {
                        Target::Azure { scope, .. } => scope.len(),
                        _ => 0,
                    })
            })
            .cloned()
            .ok_or_else(|| PimError::rules(&["EligibilityRule"]))?;
        // At a child scope, the eligibility's policy governs.
        let policy = if eligibility.target.same(&target) {
            policy
        } else {
            self.policy_for(&eligibility.target)
        };
        if let Some(claim) = &policy.auth_context {
            if !caller.acrs.iter().any(|a| a == claim) {
                // As observed on ARM: this JSON, URL-component encoded, after `&claims=` [OBS].
                let claims = format!("{{\"access_token\":{{\"acrs\":{{\"essential\":true, \"value\":\"{claim}\"}}}}}}");
                const COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
                    .remove(b'-')
                    .remove(b'_')
                    .remove(b'.')
                    .remove(b'~');
                let encoded = percent_encoding::utf8_percent_encode(&claims, COMPONENT).to_string();
                return Err(PimError::new(
                    400,
                    "RoleAssignmentRequestAcrsValidationFailed",
                    format!("The role assignment request requires authentication context {claim}. Reauthenticate with the claims challenge and retry: &claims={encoded}"),
                ));
            }
        }
        let max = parse_duration(&policy.max_duration).unwrap_or_else(|| Duration::hours(8));
        let exp_type = sub
            .expiration_type
            .clone()
            .unwrap_or_else(|| "afterDuration".into());
        let requested = match exp_type.to_ascii_lowercase().as_str() {
            "afterduration" => sub.duration,
            "afterdatetime" => sub.end.map(|e| e - start),
            "noexpiration" => None,
            _ => Some(max), // notSpecified: the policy maximum
        };
        let mut failed = vec![];
        match requested {
            Some(d) if d > max || d <= Duration::zero() => failed.push("ExpirationRule"),
            None => failed.push("ExpirationRule"),
            _ => {}
        }
        if policy.justification
            && sub
                .justification
                .as_deref()
                .is_none_or(|j| j.trim().is_empty())
        {
            failed.push("JustificationRule");
        }
        if policy.ticket
            && sub
                .ticket_number
                .as_deref()
                .is_none_or(|t| t.trim().is_empty())
        {
            failed.push("TicketingRule");
        }
        if policy.mfa && !caller.mfa {
            failed.push("MfaRule");
        }
        let duration = requested.unwrap_or(max);
        let mut end = start + duration;
        if let Some(elig_end) = eligibility.end {
            end = end.min(elig_end);
        }
        // Already active over the requested window, or already asked for.
        if self.actives.iter().any(|a| {
            a.principal == caller.user
                && a.target.same(&target)
                && a.end.is_none_or(|e| e > start)
                && a.start.is_none_or(|s| s < end)
        }) {
            return Err(PimError::new(
                400,
                "RoleAssignmentExists",
                "The Role assignment already exists.",
            ));
        }
        if self
            .requests
            .iter()
            .any(|r| r.principal == caller.user && r.target.same(&target) && r.is_pending())
        {
            return Err(PimError::new(
                400,
                "PendingRoleAssignmentRequest",
                "There already exists a pending role assignment request for this role and scope.",
            ));
        }
        if !failed.is_empty() {
            return Err(PimError::rules(&failed));
        }
        let id = sub.name.clone().unwrap_or_else(new_id);
        let schedule_id = new_id();
        let mut req = Request {
            id: id.clone(),
            action: Action::SelfActivate,
            principal: caller.user.clone(),
            target: target.clone(),
            status: String::new(),
            created: now,
            completed: None,
            justification: sub.justification,
            ticket_number: sub.ticket_number,
            ticket_system: sub.ticket_system,
            start,
            expiration_type: exp_type,
            duration: Some(duration),
            end: sub.end,
            approval_id: None,
            target_schedule_id: schedule_id.clone(),
            linked_eligibility: Some(eligibility.schedule_id.clone()),
            review: None,
        };
        if policy.approval {
            req.status = "PendingApproval".into();
            req.approval_id = Some(approval_id_for(&req.target, &id));
        } else {
            let delay = Duration::seconds(self.settings.provisioning_delay);
            let scheduled = start > now + Duration::seconds(60);
            req.status = if scheduled || delay > Duration::zero() {
                "Granted"
            } else {
                "Provisioned"
            }
            .into();
            if req.status == "Provisioned" {
                req.completed = Some(now);
            }
            self.actives.push(Active {
                id: new_id(),
                schedule_id,
                principal: caller.user.clone(),
                target,
                start: Some(start),
                end: Some(end),
                activated: true,
                eligibility: Some(eligibility.id),
                eligibility_schedule: Some(eligibility.schedule_id),
                request: Some(id),
                visible_from: now + delay,
            });
        }
        self.requests.push(req.clone());
        self.audit(AuditActivity::Requested, &req, Initiator::Requester);
        if req.approval_id.is_some() {
            self.audit(AuditActivity::ApprovalRequested, &req, Initiator::Requester);
        } else if req.status == "Provisioned" {
            self.audit(AuditActivity::Completed, &req, Initiator::Requester);
        }
        Ok(req)
    }

    fn deactivate(
        &mut self,
        caller: &Caller,
        sub: Submission,
        target: Target,
        now: Time,
    ) -> Result<Request, PimError> {
        let idx = self
            .actives
            .iter()
            .position(|a| {
                a.principal == caller.user
                    && a.target.same(&target)
                    && a.activated
                    && a.start.is_none_or(|s| s <= now)
            })
            .ok_or_else(|| {
                PimError::new(
                    400,
                    "RoleAssignmentDoesNotExist",
                    "The Role assignment does not exist.",
                )
            })?;
        let active = &self.actives[idx];
        if let Some(start) = active.start {
            if now - start < Duration::minutes(MIN_ACTIVE) {
                return Err(PimError::new(
                    400,
                    "ActiveDurationTooShort",
                    "The Active duration is too short. Miniumum Required is 5 minutes.",
                ));
            }
        }
        let active = self.actives.remove(idx);
        let req = Request {
            id: sub.name.unwrap_or_else(new_id),
            action: Action::SelfDeactivate,
            principal: caller.user.clone(),
            target,
            status: "Revoked".into(),
            created: now,
            completed: Some(now),
            justification: sub.justification,
            ticket_number: sub.ticket_number,
            ticket_system: sub.ticket_system,
            start: now,
            expiration_type: "noExpiration".into(),
            duration: None,
            end: None,
            approval_id: None,
            target_schedule_id: active.schedule_id,
            linked_eligibility: active.eligibility_schedule,
            review: None,
        };
        self.requests.push(req.clone());
        self.audit(AuditActivity::Requested, &req, Initiator::Requester);
        self.audit(AuditActivity::Completed, &req, Initiator::Requester);
        Ok(req)
    }

    /// selfExtend / selfRenew: a request to an administrator (PendingAdminDecision), as
    /// documented for assignments; it is not an instant extension of an activation.
    fn extend_or_renew(
        &mut self,
        caller: &Caller,
        sub: Submission,
        action: Action,
        target: Target,
        policy: Policy,
        now: Time,
    ) -> Result<Request, PimError> {
        let existing = self
            .actives
            .iter()
            .find(|a| a.principal == caller.user && a.target.same(&target))
            .cloned();
        match (action, &existing) {
            (Action::SelfExtend, None) => {
                return Err(PimError::new(
                    400,
                    "RoleAssignmentDoesNotExist",
                    "The Role assignment does not exist.",
                ))
            }
            (Action::SelfExtend, Some(a)) if a.end.is_none_or(|e| e - now > Duration::days(14)) => {
                return Err(PimError::new(
                    400,
                    "InvalidRequest",
                    "Only assignments that expire within 14 days can be extended.",
                ))
            }
            (Action::SelfRenew, Some(_)) => {
                return Err(PimError::new(
                    400,
                    "RoleAssignmentExists",
                    "The Role assignment already exists.",
                ))
            }
            _ => {}
        }
        if policy.justification
            && sub
                .justification
                .as_deref()
                .is_none_or(|j| j.trim().is_empty())
        {
            return Err(PimError::rules(&["JustificationRule"]));
        }
        let id = sub.name.unwrap_or_else(new_id);
        let req = Request {
            approval_id: Some(approval_id_for(&target, &id)),
            id,
            action,
            principal: caller.user.clone(),
            target,
            status: "PendingAdminDecision".into(),
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
            target_schedule_id: existing.map(|a| a.schedule_id).unwrap_or_else(new_id),
            linked_eligibility: None,
            review: None,
        };
        self.requests.push(req.clone());
        self.audit(AuditActivity::Requested, &req, Initiator::Requester);
        Ok(req)
    }
}
