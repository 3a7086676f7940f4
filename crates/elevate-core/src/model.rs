//! One model of an assignment across the three planes. Its JSON form is the stable shape
//! `elevatectl list --json` prints and the popup receives.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Plane {
    EntraRole,
    Group,
    AzureResource,
}

impl Plane {
    pub const ALL: [Plane; 3] = [Plane::EntraRole, Plane::Group, Plane::AzureResource];

    pub fn label(self) -> &'static str {
        match self {
            Plane::EntraRole => "Entra roles",
            Plane::Group => "PIM for Groups",
            Plane::AzureResource => "Azure resources",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Access {
    Member,
    Owner,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Member => "member",
            Access::Owner => "owner",
        }
    }
    pub fn parse(s: &str) -> Option<Access> {
        match s.to_ascii_lowercase().as_str() {
            "member" => Some(Access::Member),
            "owner" => Some(Access::Owner),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Scope {
    /// `/`, `/administrativeUnits/{id}`, a group id, or an ARM scope.
    pub id: String,
    pub display_name: String,
    /// `directory`, `administrativeUnit`, `group`, `managementgroup`, `subscription`,
    /// `resourcegroup` or `resource`.
    #[serde(rename = "type")]
    #[ts(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Status {
    Eligible,
    Active,
    PendingApproval,
    /// Granted for a later start (`startDateTime` in the future): not access yet; cancellable.
    Scheduled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum AssignmentType {
    /// Activated through PIM: it ends.
    Activated,
    /// Permanent or admin-assigned.
    Permanent,
}

/// What the policy requires to activate, as far as a self-service client needs to know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PolicySummary {
    /// ISO-8601, e.g. `PT8H`.
    pub max_duration: Option<String>,
    pub justification: bool,
    pub ticket: bool,
    pub mfa: bool,
    pub approval: bool,
    /// The Conditional Access authentication context claim (`c1`...), when required.
    pub auth_context: Option<String>,
    /// Whether an approver must give a justification (`isApproverJustificationRequired`).
    #[serde(default)]
    pub approver_justification: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Assignment {
    /// Stable identity of (plane, role or group, access, scope): favorites refer to it.
    pub key: String,
    pub plane: Plane,
    /// Role or group display name (the id when no name could be resolved).
    pub name: String,
    /// Role definition id (a GUID, for Entra and Azure) or group id.
    pub id: String,
    pub access: Option<Access>,
    pub scope: Scope,
    pub status: Status,
    pub assignment_type: Option<AssignmentType>,
    pub member_type: Option<String>,
    #[ts(type = "string | null")]
    pub start_date_time: Option<DateTime<Utc>>,
    #[ts(type = "string | null")]
    pub end_date_time: Option<DateTime<Utc>>,
    /// The eligibility schedule this is (or can be) activated from.
    pub eligibility_schedule_id: Option<String>,
    /// For a pending request: its id (Graph) or name (ARM), to cancel it.
    pub request_id: Option<String>,
    pub policy: Option<PolicySummary>,
}

impl Assignment {
    /// How the keys of a plane begin (`entraRole:`, `group:`, `azureResource:`).
    pub fn key_prefix(plane: Plane) -> &'static str {
        match plane {
            Plane::EntraRole => "entraRole:",
            Plane::Group => "group:",
            Plane::AzureResource => "azureResource:",
        }
    }

    pub fn key_for(plane: Plane, id: &str, access: Option<Access>, scope: &str) -> String {
        match plane {
            Plane::EntraRole => format!("entraRole:{}:{}", id.to_ascii_lowercase(), scope),
            Plane::Group => format!(
                "group:{}:{}",
                id.to_ascii_lowercase(),
                access.map(Access::as_str).unwrap_or("member")
            ),
            Plane::AzureResource => format!(
                "azureResource:{}:{}",
                id.to_ascii_lowercase(),
                scope.to_ascii_lowercase()
            ),
        }
    }

    /// The display name with access for groups: "Finance App Admins (owner)".
    pub fn label(&self) -> String {
        match self.access {
            Some(a) => format!("{} ({})", self.name, a.as_str()),
            None => self.name.clone(),
        }
    }

    pub fn is_active(&self) -> bool {
        self.status == Status::Active
    }
}

/// The result of a full refresh: everything, plus the planes that failed and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, Default)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Snapshot {
    pub assignments: Vec<Assignment>,
    pub failures: Vec<PlaneFailure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PlaneFailure {
    pub plane: Plane,
    pub error: crate::payload::ErrorPayload,
}
