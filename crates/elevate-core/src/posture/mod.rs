//! The posture report's domain: what was read from the tenant ([`Facts`]: schedules, policies,
//! alerts, sign-ins, activations, access reviews, each readable or not with the reason), the
//! findings computed from it ([`Report`]), and their renderings. Nothing here talks to the
//! network: `pim::posture` gathers the facts, `service::posture` runs the whole.

mod alerts;
mod checks;
mod controls;
mod html;
mod render;
mod roles;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::{Access, Plane, PolicySummary};
use crate::pim::AuditEvent;

pub use checks::evaluate;
pub use controls::{controls_of, Control};
pub use html::html;
pub use render::{markdown, table};
pub use roles::{is_critical, is_privileged, GLOBAL_ADMIN, SECURITY_ADMIN};

/// A source that was read, or why it could not be (the reason is shown as evidence).
pub type Readable<T> = Result<T, String>;

/// What kind of principal holds a grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PrincipalKind {
    User,
    Group,
    ServicePrincipal,
    Unknown,
}

/// One eligible or active assignment of anyone in the tenant, on any plane.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    pub plane: Plane,
    /// Role definition id (Entra, Azure) or group id.
    pub role_id: String,
    /// The role's template id (Entra), or the ARM role GUID.
    pub template_id: Option<String>,
    pub role_name: String,
    /// `/` for the directory, the group id, or the ARM scope.
    pub scope: String,
    pub access: Option<Access>,
    pub principal_id: String,
    pub principal_name: String,
    pub principal_upn: Option<String>,
    pub principal_kind: PrincipalKind,
    pub eligible: bool,
    /// None: never expires.
    pub end: Option<DateTime<Utc>>,
    /// When the schedule was created, when the service says.
    pub created: Option<DateTime<Utc>>,
    /// An active assignment whose schedule no PIM request created (`createdUsing` null) [INF].
    pub outside_pim: bool,
}

impl Grant {
    pub fn permanent(&self) -> bool {
        self.end.is_none()
    }

    /// `Ada (ada@contoso.com)`.
    pub fn who(&self) -> String {
        match &self.principal_upn {
            Some(u) if !u.eq_ignore_ascii_case(&self.principal_name) => {
                format!("{} ({u})", self.principal_name)
            }
            _ => self.principal_name.clone(),
        }
    }

    /// `Global Administrator`, `Owner on Sub A`, `Finance Admins (owner)`.
    pub fn what(&self) -> String {
        match (self.plane, self.access) {
            (Plane::Group, Some(a)) => format!("{} ({})", self.role_name, a.as_str()),
            (Plane::AzureResource, _) => format!("{} on {}", self.role_name, self.scope),
            _ => self.role_name.clone(),
        }
    }
}

/// The activation rules of one role (or group access) at one scope.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RolePolicy {
    pub plane: Plane,
    pub role_id: String,
    pub template_id: Option<String>,
    pub role_name: String,
    pub scope: String,
    pub access: Option<Access>,
    pub rules: PolicySummary,
}

/// One incident of a PIM alert (the alerts API's own words).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Incident {
    pub assignee: Option<String>,
    pub role: Option<String>,
    pub detail: Option<String>,
}

/// One PIM alert as the alerts API reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    /// The definition name: `TooManyGlobalAdminsAssignedToTenantAlert`...
    pub name: String,
    pub display_name: String,
    pub severity: String,
    pub active: bool,
    pub incidents: Vec<Incident>,
}

/// An access review series and the role (or group) ids its scope covers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewSeries {
    pub name: String,
    pub status: String,
    pub role_ids: Vec<String>,
}

/// Everything the checks read. A source that could not be read is an `Err` with the reason,
/// and the checks that need it say "unknown" with that reason.
#[derive(Debug, Clone)]
pub struct Facts {
    pub tenant: String,
    pub now: DateTime<Utc>,
    /// The grants of every plane that could be read.
    pub grants: Vec<Grant>,
    /// Per plane: read, or why not.
    pub planes: HashMap<Plane, Readable<()>>,
    pub policies: Readable<Vec<RolePolicy>>,
    pub alerts: Readable<Vec<Alert>>,
    /// Last sign-in per user id (None: never signed in).
    pub sign_ins: Readable<HashMap<String, Option<DateTime<Utc>>>>,
    /// The tenant's PIM audit events of the last 30 days (the audit log's retention).
    pub audit: Readable<Vec<AuditEvent>>,
    pub reviews: Readable<Vec<ReviewSeries>>,
}

impl Facts {
    /// Facts with nothing read yet (each source says so).
    pub fn empty(tenant: &str, now: DateTime<Utc>) -> Facts {
        fn not<T>() -> Readable<T> {
            Err("not read".to_string())
        }
        Facts {
            tenant: tenant.into(),
            now,
            grants: vec![],
            planes: HashMap::new(),
            policies: not(),
            alerts: not(),
            sign_ins: not(),
            audit: not(),
            reviews: not(),
        }
    }
}

/// Who counts as break-glass (emergency access): excluded from the permanent-assignment and
/// Global Administrator checks. UPNs or object ids, compared case-insensitively.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub break_glass: Vec<String>,
}

impl Options {
    pub fn is_break_glass(&self, g: &Grant) -> bool {
        self.break_glass.iter().any(|b| {
            b.eq_ignore_ascii_case(&g.principal_id)
                || g.principal_upn
                    .as_deref()
                    .is_some_and(|u| b.eq_ignore_ascii_case(u))
        })
    }
}

/// pass / warn / fail / unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    Fail,
    Warn,
    Unknown,
    Pass,
}

impl Status {
    pub fn word(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Unknown => "unknown",
        }
    }
}

/// How a finding was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Method {
    /// Graph's PIM alerts API.
    AlertsApi,
    /// Computed here from schedules, policies, sign-ins and audit data.
    Computed,
}

impl Method {
    pub fn words(self) -> &'static str {
        match self {
            Method::AlertsApi => "PIM alerts API",
            Method::Computed => "computed from schedules, policies and audit data",
        }
    }
}

/// Alerts (what PIM itself warns about) or checklist (the deployment checklist).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Section {
    Alert,
    Checklist,
}

/// One line of evidence: who holds what, and why it counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    pub principal: Option<String>,
    pub role: Option<String>,
    pub detail: String,
}

/// One alert or checklist item, judged.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Stable id: `too-many-global-admins`, `mfa-on-activation`...
    pub id: &'static str,
    pub section: Section,
    pub title: &'static str,
    pub status: Status,
    pub method: Method,
    /// One sentence: what was found.
    pub summary: String,
    pub evidence: Vec<Evidence>,
    /// What to do about it (empty when it passes).
    pub fix: String,
    pub controls: Vec<Control>,
}

/// How many findings of each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub unknown: usize,
}

/// The size of what was read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub eligible: usize,
    pub active: usize,
    pub principals: usize,
    pub permanent: usize,
}

/// The posture report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub tenant: String,
    pub generated: DateTime<Utc>,
    pub counts: Counts,
    pub totals: Totals,
    pub findings: Vec<Finding>,
    /// What could not be read, and why (each also shows on the findings it left unknown).
    pub gaps: Vec<String>,
}

impl Report {
    /// A one-line verdict: `3 failing, 1 to watch, 6 passing, 1 unknown`.
    pub fn headline(&self) -> String {
        let c = &self.counts;
        format!(
            "{} failing, {} to watch, {} passing, {} unknown",
            c.fail, c.warn, c.pass, c.unknown
        )
    }
}
