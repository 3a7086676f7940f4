//! The PIM data model: planes and targets, eligibilities, active assignments, requests, their
//! actions and reviews, the documented error shape, and what a submission and a caller carry.

use chrono::Duration;

use crate::time::Time;

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

impl Target {
    /// An Azure role at a strictly narrower scope under this one (a management group
    /// contains every subscription here), for activation at a child scope.
    pub fn contains(&self, other: &Target) -> bool {
        match (self, other) {
            (Target::Azure { scope: s, role: a }, Target::Azure { scope: t, role: b }) => {
                let (s, t) = (
                    s.trim_end_matches('/').to_ascii_lowercase(),
                    t.trim_end_matches('/').to_ascii_lowercase(),
                );
                a.eq_ignore_ascii_case(b)
                    && s != t
                    && (t.starts_with(&format!("{s}/"))
                        || (s.contains("/managementgroups/") && t.starts_with("/subscriptions/")))
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
    /// The decision on it, once an approver (or the administrator control) made one.
    pub review: Option<Review>,
}

/// An approver's decision, or the sim's administrator control's (`by` is then None).
#[derive(Debug, Clone)]
pub struct Review {
    pub approved: bool,
    pub by: Option<String>,
    pub at: Time,
    pub justification: Option<String>,
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
