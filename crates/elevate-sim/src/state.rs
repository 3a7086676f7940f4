//! The tenant's live state and the PIM rules, shared by the Graph and ARM faces.

use std::collections::BTreeMap;

use chrono::Duration;

use crate::scenario::{Policy, Scenario};
use crate::time::{parse_duration, SimClock, Time};

/// The minimum time an activation must be active before it can be deactivated [DOC].
pub const MIN_ACTIVE: i64 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plane {
    Entra,
    Group,
    Azure,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Entra { role: String, dir_scope: String },
    Group { group: String, access: String },
    Azure { scope: String, role: String },
}

impl Target {
    pub fn plane(&self) -> Plane {
        match self {
            Target::Entra { .. } => Plane::Entra,
            Target::Group { .. } => Plane::Group,
            Target::Azure { .. } => Plane::Azure,
        }
    }

    /// Same role at the same scope (ARM scopes and GUIDs compare case-insensitively).
    pub fn same(&self, other: &Target) -> bool {
        match (self, other) {
            (
                Target::Entra {
                    role: a,
                    dir_scope: s,
                },
                Target::Entra {
                    role: b,
                    dir_scope: t,
                },
            ) => a.eq_ignore_ascii_case(b) && s.eq_ignore_ascii_case(t),
            (
                Target::Group {
                    group: a,
                    access: x,
                },
                Target::Group {
                    group: b,
                    access: y,
                },
            ) => a.eq_ignore_ascii_case(b) && x.eq_ignore_ascii_case(y),
            (Target::Azure { scope: s, role: a }, Target::Azure { scope: t, role: b }) => {
                a.eq_ignore_ascii_case(b)
                    && s.trim_end_matches('/')
                        .eq_ignore_ascii_case(t.trim_end_matches('/'))
            }
            _ => false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Eligibility {
    pub id: String,
    pub schedule_id: String,
    pub principal: String,
    pub target: Target,
    pub start: Time,
    pub end: Option<Time>,
}

#[derive(Debug, Clone)]
pub struct Active {
    pub id: String,
    pub schedule_id: String,
    pub principal: String,
    pub target: Target,
    pub start: Option<Time>,
    pub end: Option<Time>,
    /// `Activated` through PIM, or `Assigned` (permanent / admin-assigned).
    pub activated: bool,
    pub eligibility: Option<String>,
    pub eligibility_schedule: Option<String>,
    pub request: Option<String>,
    /// Provisioning delay: listed only from this instant on.
    pub visible_from: Time,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    SelfActivate,
    SelfDeactivate,
    SelfExtend,
    SelfRenew,
}

impl Action {
    /// Graph spells them camelCase, ARM PascalCase; both are accepted in any case.
    pub fn parse(s: &str) -> Option<Action> {
        match s.to_ascii_lowercase().as_str() {
            "selfactivate" => Some(Action::SelfActivate),
            "selfdeactivate" => Some(Action::SelfDeactivate),
            "selfextend" => Some(Action::SelfExtend),
            "selfrenew" => Some(Action::SelfRenew),
            _ => None,
        }
    }
    pub fn graph(self) -> &'static str {
        match self {
            Action::SelfActivate => "selfActivate",
            Action::SelfDeactivate => "selfDeactivate",
            Action::SelfExtend => "selfExtend",
            Action::SelfRenew => "selfRenew",
        }
    }
    pub fn arm(self) -> &'static str {
        match self {
            Action::SelfActivate => "SelfActivate",
            Action::SelfDeactivate => "SelfDeactivate",
            Action::SelfExtend => "SelfExtend",
            Action::SelfRenew => "SelfRenew",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Request {
    pub id: String,
    pub action: Action,
    pub principal: String,
    pub target: Target,
    pub status: String,
    pub created: Time,
    pub completed: Option<Time>,
    pub justification: Option<String>,
    pub ticket_number: Option<String>,
    pub ticket_system: Option<String>,
    pub start: Time,
    /// What the caller sent: (type, duration, endDateTime).
    pub expiration_type: String,
    pub duration: Option<Duration>,
    pub end: Option<Time>,
    pub approval_id: Option<String>,
    pub target_schedule_id: String,
    pub linked_eligibility: Option<String>,
}

impl Request {
    pub fn is_pending(&self) -> bool {
        matches!(
            self.status.as_str(),
            "PendingApproval" | "PendingAdminDecision" | "PendingProvisioning" | "Granted"
        ) && self.completed.is_none()
    }
}

/// A refusal in the documented shape: HTTP status, Microsoft code, message.
#[derive(Debug, Clone, PartialEq)]
pub struct PimError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl PimError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> PimError {
        PimError {
            status,
            code: code.into(),
            message: message.into(),
        }
    }
    pub fn rules(rules: &[&str]) -> PimError {
        let list = rules
            .iter()
            .map(|r| format!("\"{r}\""))
            .collect::<Vec<_>>()
            .join(",");
        PimError::new(
            400,
            "RoleAssignmentRequestPolicyValidationFailed",
            format!("The following policy rules failed: [{list}]"),
        )
    }
}

/// What an activation request carries, once parsed from Graph's or ARM's body.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    pub action: Option<Action>,
    pub principal: String,
    pub target: Option<Target>,
    pub justification: Option<String>,
    pub ticket_number: Option<String>,
    pub ticket_system: Option<String>,
    pub start: Option<Time>,
    pub expiration_type: Option<String>,
    pub duration: Option<Duration>,
    pub end: Option<Time>,
    pub linked_eligibility: Option<String>,
    /// ARM's request name (a GUID chosen by the client).
    pub name: Option<String>,
}

/// Who is calling, from the access token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: String,
    pub mfa: bool,
    pub acrs: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub graph_page_size: usize,
    pub arm_page_size: usize,
    /// Wrap Graph PIM errors as `UnknownError` with the real JSON in `message` [OBS].
    pub wrap_graph_errors: bool,
    /// Complete /authorize without a person, as this user (None: show the sign-in page).
    pub auto_sign_in: Option<String>,
    /// Whether automatic sign-ins count as MFA.
    pub auto_mfa: bool,
    pub device_code_interval: u64,
    pub device_code_lifetime: i64,
    pub token_lifetime: i64,
    /// Seconds between a granted request and the assignment showing up in the lists.
    pub provisioning_delay: i64,
    /// Seconds more before the access is effective (`/me/memberOf`, ARM permissions):
    /// the propagation delay users report after PIM already lists the activation.
    pub effective_delay: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            graph_page_size: 50,
            arm_page_size: 50,
            wrap_graph_errors: false,
            auto_sign_in: None,
            auto_mfa: true,
            device_code_interval: 5,
            device_code_lifetime: 900,
            token_lifetime: 3600,
            provisioning_delay: 0,
            effective_delay: 0,
        }
    }
}

pub struct Tenant {
    pub scenario: Scenario,
    pub clock: SimClock,
    pub settings: Settings,
    pub eligibilities: Vec<Eligibility>,
    pub actives: Vec<Active>,
    pub requests: Vec<Request>,
    /// Azure policies by (scope, role), from the scenario's grants.
    pub azure_policies: BTreeMap<(String, String), String>,
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn days(d: f64) -> Duration {
    Duration::seconds((d * 86_400.0) as i64)
}

impl Tenant {
    pub fn new(scenario: Scenario, settings: Settings, clock: SimClock) -> Tenant {
        let now = clock.now();
        let mut t = Tenant {
            scenario,
            clock,
            settings,
            eligibilities: vec![],
            actives: vec![],
            requests: vec![],
            azure_policies: BTreeMap::new(),
        };
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

    /// Applies the passage of (sim) time: expiries, scheduled starts, provisioning.
    pub fn tick(&mut self) {
        let now = self.now();
        self.actives.retain(|a| a.end.is_none_or(|e| e > now));
        for r in &mut self.requests {
            if r.status == "Granted" && r.completed.is_none() && r.start <= now {
                r.status = "Provisioned".into();
                r.completed = Some(r.start);
            }
        }
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
            .unwrap_or(Policy {
                max_duration: "PT8H".into(),
                justification: true,
                ticket: false,
                mfa: false,
                approval: false,
                auth_context: None,
            })
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
        let eligibility = self
            .eligibilities_of(&caller.user, target.plane())
            .find(|e| e.target.same(&target) && e.end.is_none_or(|end| end > start))
            .cloned()
            .ok_or_else(|| PimError::rules(&["EligibilityRule"]))?;
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
        };
        if policy.approval {
            req.status = "PendingApproval".into();
            req.approval_id = Some(new_id());
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
        };
        self.requests.push(req.clone());
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
        let req = Request {
            id: sub.name.unwrap_or_else(new_id),
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
            approval_id: Some(new_id()),
            target_schedule_id: existing.map(|a| a.schedule_id).unwrap_or_else(new_id),
            linked_eligibility: None,
        };
        self.requests.push(req.clone());
        Ok(req)
    }

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
        Ok(out)
    }

    /// An approver's decision on a pending request (by request id or approval id).
    pub fn decide(&mut self, id: &str, approve: bool) -> Result<Request, PimError> {
        self.tick();
        let now = self.now();
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
        if !approve {
            let r = &mut self.requests[idx];
            r.status = if req.status == "PendingAdminDecision" {
                "AdminDenied"
            } else {
                "Denied"
            }
            .into();
            r.completed = Some(now);
            return Ok(r.clone());
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
        Ok(r.clone())
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
