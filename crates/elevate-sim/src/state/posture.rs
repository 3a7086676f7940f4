//! What posture reads and PIM alerts need beyond PIM's own state: each user's last sign-in
//! (`signInActivity`), where a scenario's permanent assignments came from (through PIM, or
//! outside it, and when), when an assignment was created, and when a principal last
//! activated a role (from requests and the audit log's completed activations).

use std::collections::BTreeMap;

use chrono::Duration;

use super::model::{Action, Active, Target};
use super::tenant::Tenant;
use crate::scenario::Scenario;
use crate::time::Time;

/// The activation the audit log records when a role becomes active [DOC].
const ACTIVATION_COMPLETED: &str = "Add member to role completed (PIM activation)";

/// How a scenario assignment was made.
#[derive(Debug, Clone)]
pub struct Origin {
    pub created: Time,
    pub outside_pim: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Posture {
    /// Last sign-in by user id (lower case).
    sign_ins: BTreeMap<String, Time>,
    /// The scenario's permanent assignments by active assignment id.
    origins: BTreeMap<String, Origin>,
}

impl Posture {
    /// Built when the tenant starts (`now`), from the scenario and the assignments it made
    /// (one per scenario assignment, in the same order).
    pub fn build(scenario: &Scenario, actives: &[Active], now: Time) -> Posture {
        let sign_ins = scenario
            .users
            .iter()
            .filter_map(|u| {
                let at = u.last_sign_in.as_ref()?.at(now)?;
                Some((u.id.to_ascii_lowercase(), at))
            })
            .collect();
        let origins = scenario
            .assignments
            .iter()
            .zip(actives)
            .map(|(g, a)| {
                let days = g.started_days_ago.unwrap_or(30.0);
                let created = now - Duration::seconds((days * 86_400.0) as i64);
                (
                    a.id.clone(),
                    Origin {
                        created,
                        outside_pim: g.outside_pim,
                    },
                )
            })
            .collect();
        Posture { sign_ins, origins }
    }
}

impl Tenant {
    /// The user's last sign-in, if the scenario gives one.
    pub fn last_sign_in(&self, user: &str) -> Option<Time> {
        self.posture
            .sign_ins
            .get(&user.to_ascii_lowercase())
            .copied()
    }

    /// The assignment was made outside PIM (directly in the directory).
    pub fn outside_pim(&self, a: &Active) -> bool {
        self.posture
            .origins
            .get(&a.id)
            .is_some_and(|o| o.outside_pim)
    }

    /// When the assignment was made (outside PIM too), as far as the tenant knows.
    pub fn assignment_created(&self, a: &Active) -> Option<Time> {
        if let Some(o) = self.posture.origins.get(&a.id) {
            return Some(o.created);
        }
        let by_request = a.request.as_deref().and_then(|id| {
            self.requests
                .iter()
                .find(|r| r.id.eq_ignore_ascii_case(id))
                .map(|r| r.created)
                .or_else(|| self.admin_request(id).map(|r| r.created))
        });
        by_request.or(a.start)
    }

    /// A schedule's `createdUsing` and `createdDateTime`: both null for an assignment made
    /// outside PIM [DOC example, INF meaning]; else the request that made it (a scenario
    /// assignment: its own schedule id, as in the documented element) and when.
    pub fn schedule_origin(&self, a: &Active) -> (Option<String>, Option<Time>) {
        if self.outside_pim(a) {
            return (None, None);
        }
        let using = a.request.clone().unwrap_or_else(|| a.schedule_id.clone());
        (Some(using), self.assignment_created(a))
    }

    /// When `principal` last activated `target`: a self-activation that became active, or
    /// a completed activation in the audit log (the seeded history included).
    pub fn last_activation(&self, principal: &str, target: &Target) -> Option<Time> {
        let from_requests = self
            .requests
            .iter()
            .filter(|r| {
                r.action == Action::SelfActivate
                    && r.principal.eq_ignore_ascii_case(principal)
                    && r.target.same(target)
                    && r.status == "Provisioned"
            })
            .map(|r| r.completed.unwrap_or(r.start).max(r.start))
            .max();
        let from_audit = match target {
            Target::Entra { role, .. } => self
                .audit
                .events()
                .filter(|e| {
                    e.record["activityDisplayName"] == ACTIVATION_COMPLETED
                        && has_resource(&e.record, "Role", role)
                        && has_resource(&e.record, "User", principal)
                })
                .map(|e| e.at)
                .max(),
            _ => None,
        };
        from_requests.max(from_audit)
    }
}

fn has_resource(record: &serde_json::Value, kind: &str, id: &str) -> bool {
    record["targetResources"].as_array().is_some_and(|rs| {
        rs.iter().any(|r| {
            r["type"] == kind && r["id"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(id))
        })
    })
}
