//! The [`Tenant`]: its live state built from a scenario, the passage of time, the policy of
//! a target, and the caller-scoped views (eligibilities, actives, effective access, requests).

use std::collections::BTreeMap;

use chrono::Duration;

use super::activity::ActivityLog;
use super::admin_model::AdminRequest;
use super::audit::{AuditActivity, AuditLog, Initiator};
use super::common::new_id;
use super::model::{Active, Eligibility, Plane, Request, Target};
use super::posture::Posture;
use super::settings::Settings;
use crate::scenario::{Policy, Scenario};
use crate::time::{SimClock, Time};

pub struct Tenant {
    pub scenario: Scenario,
    pub clock: SimClock,
    pub settings: Settings,
    pub eligibilities: Vec<Eligibility>,
    pub actives: Vec<Active>,
    pub requests: Vec<Request>,
    /// Administrators' assign and remove requests (`state::admin`).
    pub admin_requests: Vec<AdminRequest>,
    /// Azure policies by (scope, role), from the scenario's grants.
    pub azure_policies: BTreeMap<(String, String), String>,
    /// The directory audit log of PIM events (seeded with a few days of history).
    pub audit: AuditLog,
    /// Sign-ins and where assignments came from (`state::posture`).
    pub posture: Posture,
    /// The ARM Activity Log of the subscriptions (`state::activity`).
    pub activity: ActivityLog,
    /// Access review series with their current instance (`state::reviews`).
    pub reviews: Vec<super::reviews::AccessReview>,
    /// The scenario's Azure scopes and role definitions by lower-case id, so rendering a
    /// large tenant's listing is not a search per item (see `azure_scope`).
    scope_index: std::collections::HashMap<String, usize>,
    role_index: std::collections::HashMap<String, usize>,
}

fn days(d: f64) -> Duration {
    Duration::seconds((d * 86_400.0) as i64)
}

fn index<'a>(ids: impl Iterator<Item = &'a str>) -> std::collections::HashMap<String, usize> {
    let mut out = std::collections::HashMap::new();
    for (i, id) in ids.enumerate() {
        out.entry(id.to_ascii_lowercase()).or_insert(i);
    }
    out
}

impl Tenant {
    /// The scenario's Azure scope `id` (any case): through the index, checked, else a search
    /// (a test may have changed the scenario after the tenant was built).
    pub fn azure_scope(&self, id: &str) -> Option<&crate::scenario::AzureScope> {
        let scopes = &self.scenario.azure_scopes;
        self.scope_index
            .get(&id.to_ascii_lowercase())
            .and_then(|i| scopes.get(*i))
            .filter(|s| s.id.eq_ignore_ascii_case(id))
            .or_else(|| scopes.iter().find(|s| s.id.eq_ignore_ascii_case(id)))
    }

    /// The scenario's Azure role definition `id` (any case), as `azure_scope` finds scopes.
    pub fn azure_role(&self, id: &str) -> Option<&crate::scenario::AzureRoleDefinition> {
        let roles = &self.scenario.azure_role_definitions;
        self.role_index
            .get(&id.to_ascii_lowercase())
            .and_then(|i| roles.get(*i))
            .filter(|r| r.id.eq_ignore_ascii_case(id))
            .or_else(|| roles.iter().find(|r| r.id.eq_ignore_ascii_case(id)))
    }

    pub fn new(scenario: Scenario, settings: Settings, clock: SimClock) -> Tenant {
        let now = clock.now();
        let mut t = Tenant {
            scenario,
            clock,
            settings,
            eligibilities: vec![],
            actives: vec![],
            requests: vec![],
            admin_requests: vec![],
            azure_policies: BTreeMap::new(),
            audit: AuditLog::default(),
            posture: Posture::default(),
            activity: ActivityLog::default(),
            reviews: vec![],
            scope_index: Default::default(),
            role_index: Default::default(),
        };
        t.scope_index = index(t.scenario.azure_scopes.iter().map(|s| s.id.as_str()));
        t.role_index = index(
            t.scenario
                .azure_role_definitions
                .iter()
                .map(|r| r.id.as_str()),
        );
        let grants = t.scenario.eligibilities.clone();
        for g in grants {
            let target = Self::grant_target(&g);
            if let (Target::Azure { scope, role }, Some(p)) = (&target, &g.policy) {
                t.azure_policies.insert(
                    (scope.to_ascii_lowercase(), role.to_ascii_lowercase()),
                    p.clone(),
                );
            }
            t.eligibilities.push(Eligibility {
                id: new_id(),
                schedule_id: new_id(),
                principal: g.user.clone(),
                target,
                start: now - days(g.started_days_ago.unwrap_or(30.0)),
                end: g.ends_in_days.map(|d| now + days(d)),
            });
        }
        let assignments = t.scenario.assignments.clone();
        for g in assignments {
            let target = Self::grant_target(&g);
            let id = new_id();
            t.actives.push(Active {
                id: id.clone(),
                schedule_id: id,
                principal: g.user.clone(),
                target,
                start: None,
                end: g.ends_in_days.map(|d| now + days(d)),
                activated: false,
                eligibility: None,
                eligibility_schedule: None,
                request: None,
                visible_from: now - Duration::days(365),
            });
        }
        t.posture = Posture::build(&t.scenario, &t.actives, now);
        t.seed_audit();
        t.seed_reviews();
        t
    }

    fn grant_target(g: &crate::scenario::Grant) -> Target {
        if let Some(role) = &g.entra_role {
            Target::Entra {
                role: role.clone(),
                dir_scope: g.directory_scope.clone().unwrap_or_else(|| "/".into()),
            }
        } else if let Some(group) = &g.group {
            Target::Group {
                group: group.clone(),
                access: g.access.clone().unwrap_or_else(|| "member".into()),
            }
        } else {
            Target::Azure {
                scope: g.scope.clone().unwrap_or_default(),
                role: g.azure_role.clone().unwrap_or_default(),
            }
        }
    }

    pub fn now(&self) -> Time {
        self.clock.now()
    }

    /// Applies the passage of (sim) time: expiries, scheduled starts, provisioning, and
    /// approvals nobody decided within 24 hours.
    pub fn tick(&mut self) {
        let now = self.now();
        self.actives.retain(|a| a.end.is_none_or(|e| e > now));
        let mut provisioned = vec![];
        for r in &mut self.requests {
            if r.status == "Granted" && r.completed.is_none() && r.start <= now {
                r.status = "Provisioned".into();
                r.completed = Some(r.start);
                provisioned.push(r.clone());
            }
        }
        for r in provisioned {
            let id = format!("PIM_{}", new_id());
            let at = r.start;
            self.audit_at(AuditActivity::Completed, &r, Initiator::Requester, at, id);
        }
        self.expire_approvals();
    }

    pub fn policy_for(&self, target: &Target) -> Policy {
        let name = match target {
            Target::Entra { role, .. } => self
                .scenario
                .role_definitions
                .iter()
                .find(|r| r.id.eq_ignore_ascii_case(role))
                .and_then(|r| r.policy.clone()),
            Target::Group { group, access } => self
                .scenario
                .groups
                .iter()
                .find(|g| g.id.eq_ignore_ascii_case(group))
                .and_then(|g| {
                    if access == "owner" {
                        g.owner_policy.clone()
                    } else {
                        g.member_policy.clone()
                    }
                }),
            Target::Azure { scope, role } => self
                .azure_policies
                .get(&(scope.to_ascii_lowercase(), role.to_ascii_lowercase()))
                .cloned(),
        };
        name.and_then(|n| self.scenario.policies.get(&n).cloned())
            .or_else(|| self.scenario.policies.get("default").cloned())
            .unwrap_or_default()
    }

    pub fn eligibilities_of<'a>(
        &'a self,
        user: &'a str,
        plane: Plane,
    ) -> impl Iterator<Item = &'a Eligibility> + 'a {
        let now = self.now();
        self.eligibilities.iter().filter(move |e| {
            e.principal == user
                && e.target.plane() == plane
                && e.start <= now
                && e.end.is_none_or(|end| end > now)
        })
    }

    pub fn actives_of<'a>(
        &'a self,
        user: &'a str,
        plane: Plane,
    ) -> impl Iterator<Item = &'a Active> + 'a {
        let now = self.now();
        self.actives.iter().filter(move |a| {
            a.principal == user
                && a.target.plane() == plane
                && a.visible_from <= now
                && a.start.is_none_or(|s| s <= now)
                && a.end.is_none_or(|e| e > now)
        })
    }

    /// The active assignments whose access has propagated (what memberOf and ARM
    /// permissions reflect).
    pub fn effective_of<'a>(
        &'a self,
        user: &'a str,
        plane: Plane,
    ) -> impl Iterator<Item = &'a Active> + 'a {
        let lag = chrono::Duration::seconds(self.settings.effective_delay);
        let now = self.now();
        self.actives_of(user, plane)
            .filter(move |a| a.visible_from + lag <= now && a.start.is_none_or(|s| s + lag <= now))
    }

    pub fn requests_of<'a>(
        &'a self,
        user: &'a str,
        plane: Plane,
    ) -> impl Iterator<Item = &'a Request> + 'a {
        self.requests
            .iter()
            .filter(move |r| r.principal == user && r.target.plane() == plane)
    }

    pub fn user(&self, id: &str) -> Option<&crate::scenario::User> {
        self.scenario
            .users
            .iter()
            .find(|u| u.id.eq_ignore_ascii_case(id))
    }
}
