//! The audit history a new tenant starts with, so the audit log is not empty in the demo:
//! a few requests of the last days, picked from the scenario's eligibilities in order (the
//! same rows, ids and offsets for the same scenario), over the three planes and several users.
//! A flow whose ingredients the scenario lacks (no approver, no such eligibility) is left out.

use chrono::Duration;

use super::audit::{AuditActivity, Initiator};
use super::model::{Action, Eligibility, Plane, Request, Review};
use super::tenant::Tenant;
use crate::scenario::guid;
use crate::time::Time;

/// One seeded request: who, what, when, and its fate.
struct Flow {
    eligibility: Eligibility,
    created: Time,
    justification: &'static str,
    /// The approver and whether they approved; None: no approval needed.
    decision: Option<(String, bool, Option<&'static str>)>,
}

impl Tenant {
    pub(super) fn seed_audit(&mut self) {
        let now = self.now();
        let me = self.scenario.default_user.clone();
        let approvers: Vec<String> = self
            .scenario
            .users
            .iter()
            .filter(|u| u.approver)
            .map(|u| u.id.clone())
            .collect();
        let needs_approval = |t: &Tenant, e: &Eligibility| t.policy_for(&e.target).approval;
        let find = |t: &Tenant, pred: &dyn Fn(&Eligibility) -> bool| {
            t.eligibilities.iter().find(|e| pred(e)).cloned()
        };
        let mut flows = vec![];
        // The default user activated a directory role three days ago, and a group two days ago.
        if let Some(e) = find(self, &|e| {
            e.principal == me && e.target.plane() == Plane::Entra && !needs_approval(self, e)
        }) {
            flows.push(Flow {
                eligibility: e,
                created: now - Duration::days(3) - Duration::minutes(47),
                justification: "Quarterly access review clean-up",
                decision: None,
            });
        }
        if let Some(e) = find(self, &|e| {
            e.principal == me && e.target.plane() == Plane::Group && !needs_approval(self, e)
        }) {
            flows.push(Flow {
                eligibility: e,
                created: now - Duration::days(2) - Duration::minutes(13),
                justification: "On call this week",
                decision: None,
            });
        }
        // Someone else's Azure request, approved (by the default user when an approver).
        let azure = find(self, &|e| {
            e.principal != me && e.target.plane() == Plane::Azure && needs_approval(self, e)
        });
        if let Some(e) = azure.clone() {
            let approver = approvers
                .iter()
                .find(|a| **a == me && **a != e.principal)
                .or_else(|| approvers.iter().find(|a| **a != e.principal));
            if let Some(a) = approver {
                flows.push(Flow {
                    created: now - Duration::days(1) - Duration::hours(2),
                    justification: "Incident 4711: scale out the production cluster",
                    decision: Some((a.clone(), true, None)),
                    eligibility: e,
                });
            }
        }
        // A third user's request, denied by another approver.
        let other = azure.map(|e| e.principal);
        if let Some(e) = find(self, &|e| {
            e.principal != me
                && Some(&e.principal) != other.as_ref()
                && e.target.plane() != Plane::Azure
                && needs_approval(self, e)
        }) {
            let approver = approvers
                .iter()
                .find(|a| **a != me && **a != e.principal)
                .or_else(|| approvers.iter().find(|a| **a != e.principal));
            if let Some(a) = approver {
                flows.push(Flow {
                    created: now - Duration::days(4) - Duration::hours(5),
                    justification: "Review the sign-in policies",
                    decision: Some((a.clone(), false, Some("Not during the change freeze"))),
                    eligibility: e,
                });
            }
        }
        let mut n = 0;
        for (i, flow) in flows.into_iter().enumerate() {
            self.seed_flow(i, flow, &mut n);
        }
    }

    fn seed_flow(&mut self, i: usize, flow: Flow, n: &mut usize) {
        let e = flow.eligibility;
        let mut req = Request {
            id: guid("audit-seed-request", i),
            action: Action::SelfActivate,
            principal: e.principal.clone(),
            target: e.target.clone(),
            status: String::new(),
            created: flow.created,
            completed: None,
            justification: Some(flow.justification.to_string()),
            ticket_number: None,
            ticket_system: None,
            start: flow.created,
            expiration_type: "afterDuration".into(),
            duration: Some(Duration::hours(1)),
            end: None,
            approval_id: None,
            target_schedule_id: guid("audit-seed-schedule", i),
            linked_eligibility: Some(e.schedule_id.clone()),
            review: None,
        };
        if self.policy_for(&e.target).ticket {
            req.ticket_number = Some(format!("CHG-{}", 1040 + i));
            req.ticket_system = Some("ServiceNow".into());
        }
        let mut log =
            |t: &mut Tenant, activity: AuditActivity, req: &Request, by: Initiator, at: Time| {
                t.audit_at(
                    activity,
                    req,
                    by,
                    at,
                    format!("PIM_{}", guid("audit-seed-event", *n)),
                );
                *n += 1;
            };
        let at = flow.created;
        log(
            self,
            AuditActivity::Requested,
            &req,
            Initiator::Requester,
            at,
        );
        let Some((approver, approved, words)) = flow.decision else {
            log(
                self,
                AuditActivity::Completed,
                &req,
                Initiator::Requester,
                at + Duration::seconds(2),
            );
            return;
        };
        log(
            self,
            AuditActivity::ApprovalRequested,
            &req,
            Initiator::Requester,
            at + Duration::seconds(1),
        );
        let decided = at + Duration::minutes(25);
        req.review = Some(Review {
            approved,
            by: Some(approver.clone()),
            at: decided,
            justification: words.map(str::to_string),
        });
        if !approved {
            log(
                self,
                AuditActivity::Denied,
                &req,
                Initiator::User(approver),
                decided,
            );
            return;
        }
        log(
            self,
            AuditActivity::Approved,
            &req,
            Initiator::User(approver),
            decided,
        );
        req.start = decided;
        log(
            self,
            AuditActivity::Completed,
            &req,
            Initiator::Requester,
            decided + Duration::seconds(1),
        );
    }
}
