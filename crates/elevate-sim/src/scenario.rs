//! Scenarios are data: who the users are, what they are eligible for, the policies. `demo`
//! ships as `scenarios/demo.json`, `posture` as `scenarios/posture.json` (a tenant built to
//! fail known posture checks, listed in its `description`); `large` is generated (2,000
//! eligibilities over 300 subscriptions and 50 groups) for the benchmarks.

use std::collections::BTreeMap;

use serde::Deserialize;

mod reviews;
pub use reviews::{AccessReviewSeed, ReviewSeedDecision};

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    /// What the scenario is for, line by line (the posture scenario lists what it fails).
    #[serde(default)]
    pub description: Vec<String>,
    pub tenant: Tenant,
    pub users: Vec<User>,
    /// The person the demo signs in as when nobody picks one.
    pub default_user: String,
    /// Client apps and the resources they may get tokens for; empty means any client may
    /// get any resource.
    #[serde(default)]
    pub clients: Vec<Client>,
    pub policies: BTreeMap<String, Policy>,
    pub role_definitions: Vec<RoleDefinition>,
    #[serde(default)]
    pub administrative_units: Vec<Named>,
    #[serde(default)]
    pub groups: Vec<GroupDefinition>,
    #[serde(default)]
    pub azure_scopes: Vec<AzureScope>,
    #[serde(default)]
    pub azure_role_definitions: Vec<AzureRoleDefinition>,
    #[serde(default)]
    pub eligibilities: Vec<Grant>,
    /// Permanently active (admin-assigned) assignments.
    #[serde(default)]
    pub assignments: Vec<Grant>,
    /// Access review series and their current instance (`scenario/reviews.rs`).
    #[serde(default)]
    pub access_reviews: Vec<AccessReviewSeed>,
    /// Confidential apps that sign in as themselves (client credentials): automation.
    #[serde(default)]
    pub app_registrations: Vec<AppRegistration>,
    /// Managed identities the IMDS and App Service endpoints give tokens for.
    #[serde(default)]
    pub managed_identities: Vec<ManagedIdentity>,
}

impl Scenario {
    /// `oid` is an application's service principal (an app registration or a managed
    /// identity): its app roles, checked where delegated scopes are, decide what it may read.
    pub fn is_application(&self, oid: &str) -> bool {
        self.app_registrations
            .iter()
            .any(|a| a.object_id.eq_ignore_ascii_case(oid))
            || self
                .managed_identities
                .iter()
                .any(|m| m.object_id.eq_ignore_ascii_case(oid))
    }
}

/// An app registration with its service principal, credentials and granted app roles.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppRegistration {
    pub app_id: String,
    pub display_name: String,
    /// The service principal's object id (`oid` of its tokens).
    pub object_id: String,
    /// Client secret values (what `client_secret` must be).
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Certificates (PEM, public part only) whose keys may sign client assertions; each
    /// with its SHA-1 thumbprint in hex as the portal shows it (checked at load).
    #[serde(default)]
    pub certificates: Vec<AppCertificate>,
    /// Application permissions an administrator granted (the `roles` claim), for Graph.
    #[serde(default)]
    pub graph_roles: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppCertificate {
    pub thumbprint: String,
    pub pem: String,
}

/// A managed identity: system-assigned (one per machine) or user-assigned (by client id).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ManagedIdentity {
    pub client_id: String,
    pub object_id: String,
    pub display_name: String,
    pub system_assigned: bool,
    #[serde(default)]
    pub graph_roles: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tenant {
    pub id: String,
    pub display_name: String,
    pub domain: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct User {
    pub id: String,
    pub display_name: String,
    pub user_principal_name: String,
    /// Approves every request whose policy needs approval (Graph's and ARM's approver APIs);
    /// their own requests stay undecidable for them.
    #[serde(default)]
    pub approver: bool,
    /// The last sign-in (`signInActivity`): a number of days before the tenant starts, an
    /// ISO-8601 duration before it (`P120D`) or an RFC 3339 instant. None: never signed in.
    #[serde(default)]
    pub last_sign_in: Option<RelTime>,
}

/// A scenario instant: days before the tenant starts (`120`), an ISO-8601 duration before
/// it (`"P120D"`) or an RFC 3339 instant (`"2026-01-01T00:00:00Z"`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum RelTime {
    DaysAgo(f64),
    Text(String),
}

impl RelTime {
    /// The instant, for a tenant starting at `now`; None when the text parses as neither.
    pub fn at(&self, now: crate::time::Time) -> Option<crate::time::Time> {
        match self {
            RelTime::DaysAgo(d) => Some(now - chrono::Duration::seconds((d * 86_400.0) as i64)),
            RelTime::Text(t) => crate::time::parse_time(t)
                .or_else(|| crate::time::parse_duration(t).map(|d| now - d)),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Client {
    pub id: String,
    pub name: String,
    pub graph: bool,
    pub arm: bool,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Policy {
    /// ISO-8601, e.g. `PT8H`.
    pub max_duration: String,
    #[serde(default)]
    pub justification: bool,
    #[serde(default)]
    pub ticket: bool,
    #[serde(default)]
    pub mfa: bool,
    #[serde(default)]
    pub approval: bool,
    /// Approvers must give a justification with their decision (the approval stage's
    /// `isApproverJustificationRequired`).
    #[serde(default)]
    pub approver_justification: bool,
    /// Conditional Access authentication context claim value (`c1`...).
    #[serde(default)]
    pub auth_context: Option<String>,
    /// The longest eligibility an administrator may assign (`Expiration_Admin_Eligibility`
    /// `maximumDuration`), ISO-8601.
    #[serde(default = "p365d")]
    pub admin_eligibility_max: String,
    /// Permanent eligibilities allowed (`Expiration_Admin_Eligibility` not
    /// `isExpirationRequired`).
    #[serde(default)]
    pub admin_permanent_eligible: bool,
    /// The longest active assignment an administrator may make (`Expiration_Admin_Assignment`).
    #[serde(default = "p180d")]
    pub admin_assignment_max: String,
    /// Permanent active assignments allowed.
    #[serde(default)]
    pub admin_permanent_active: bool,
    /// Active assignments need a justification (`Enablement_Admin_Assignment`).
    #[serde(default = "yes")]
    pub admin_justification: bool,
}

fn p365d() -> String {
    "P365D".into()
}

fn p180d() -> String {
    "P180D".into()
}

fn yes() -> bool {
    true
}

impl Default for Policy {
    /// A tenant's default when a scenario names no policy: 8 hours, justification.
    fn default() -> Policy {
        Policy {
            max_duration: "PT8H".into(),
            justification: true,
            ticket: false,
            mfa: false,
            approval: false,
            approver_justification: false,
            auth_context: None,
            admin_eligibility_max: p365d(),
            admin_permanent_eligible: false,
            admin_assignment_max: p180d(),
            admin_permanent_active: false,
            admin_justification: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleDefinition {
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub policy: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Named {
    pub id: String,
    pub display_name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GroupDefinition {
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub member_policy: Option<String>,
    #[serde(default)]
    pub owner_policy: Option<String>,
    /// `isAssignableToRole` (default true: a PIM-managed, role-assignable group).
    #[serde(default)]
    pub is_assignable_to_role: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AzureScope {
    /// `/providers/Microsoft.Management/managementGroups/x`, `/subscriptions/x`, ...
    pub id: String,
    pub display_name: String,
    /// `managementgroup`, `subscription`, `resourcegroup` or `resource`.
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AzureRoleDefinition {
    /// The role definition GUID.
    pub id: String,
    pub display_name: String,
    /// Actions the role allows (`*`, `*/read`, ...), for the permissions API.
    #[serde(default)]
    pub actions: Vec<String>,
}

/// One eligibility or permanent assignment. Exactly one of `entraRole`, `group`,
/// `azureRole` names the target.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Grant {
    pub user: String,
    #[serde(default)]
    pub entra_role: Option<String>,
    /// `/` or `/administrativeUnits/{id}`.
    #[serde(default)]
    pub directory_scope: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    /// `member` or `owner`.
    #[serde(default)]
    pub access: Option<String>,
    #[serde(default)]
    pub azure_role: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    /// For Azure grants: the policy of this role at this scope.
    #[serde(default)]
    pub policy: Option<String>,
    #[serde(default)]
    pub started_days_ago: Option<f64>,
    /// None: never ends.
    #[serde(default)]
    pub ends_in_days: Option<f64>,
    /// An active assignment made outside PIM (directly in the directory): its schedule has
    /// `createdUsing` and `createdDateTime` null, and the `RolesAssignedOutsidePim` alert
    /// names it. Assignments are otherwise created through PIM, `startedDaysAgo` days ago.
    #[serde(default)]
    pub outside_pim: bool,
}

impl Scenario {
    /// A built-in scenario by name.
    pub fn builtin(name: &str) -> Result<Scenario, String> {
        match name {
            "demo" => Scenario::from_json(include_str!("../scenarios/demo.json")),
            "posture" => Scenario::from_json(include_str!("../scenarios/posture.json")),
            "large" => Ok(Scenario::large(300, 50, 2000)),
            other => Err(format!(
                "unknown scenario '{other}': use 'demo', 'posture', 'large' or the path of a scenario JSON file"
            )),
        }
    }

    /// A built-in name, or a path to a JSON file.
    pub fn load(name_or_path: &str) -> Result<Scenario, String> {
        if name_or_path.ends_with(".json") || name_or_path.contains('/') {
            let text = std::fs::read_to_string(name_or_path)
                .map_err(|e| format!("cannot read scenario {name_or_path}: {e}"))?;
            Scenario::from_json(&text)
        } else {
            Scenario::builtin(name_or_path)
        }
    }

    pub fn from_json(text: &str) -> Result<Scenario, String> {
        let scenario: Scenario =
            serde_json::from_str(text).map_err(|e| format!("invalid scenario: {e}"))?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Every reference resolves, every policy parses: a bad scenario fails at load, loudly.
    pub fn validate(&self) -> Result<(), String> {
        let has_user = |id: &str| self.users.iter().any(|u| u.id == id);
        if !has_user(&self.default_user) {
            return Err(format!("defaultUser {} is not a user", self.default_user));
        }
        for (name, p) in &self.policies {
            if crate::time::parse_duration(&p.max_duration).is_none() {
                return Err(format!(
                    "policy {name}: maxDuration {} is not an ISO-8601 duration",
                    p.max_duration
                ));
            }
            for d in [&p.admin_eligibility_max, &p.admin_assignment_max] {
                if crate::time::parse_duration(d).is_none() {
                    return Err(format!(
                        "policy {name}: admin maximum {d} is not an ISO-8601 duration"
                    ));
                }
            }
        }
        for u in &self.users {
            let now = chrono::Utc::now();
            if u.last_sign_in.as_ref().is_some_and(|t| t.at(now).is_none()) {
                return Err(format!(
                    "user {}: lastSignIn is neither days, an ISO-8601 duration nor an RFC 3339 instant",
                    u.user_principal_name
                ));
            }
        }
        let policy_ok =
            |p: &Option<String>| p.as_ref().is_none_or(|p| self.policies.contains_key(p));
        for r in &self.role_definitions {
            if !policy_ok(&r.policy) {
                return Err(format!("role {}: unknown policy", r.display_name));
            }
        }
        for g in &self.groups {
            if !policy_ok(&g.member_policy) || !policy_ok(&g.owner_policy) {
                return Err(format!("group {}: unknown policy", g.display_name));
            }
        }
        for (i, g) in self
            .eligibilities
            .iter()
            .chain(&self.assignments)
            .enumerate()
        {
            if !has_user(&g.user) {
                return Err(format!("grant #{i}: unknown user {}", g.user));
            }
            if !policy_ok(&g.policy) {
                return Err(format!("grant #{i}: unknown policy"));
            }
            let targets = [
                g.entra_role.is_some(),
                g.group.is_some(),
                g.azure_role.is_some(),
            ];
            if targets.iter().filter(|t| **t).count() != 1 {
                return Err(format!(
                    "grant #{i}: name exactly one of entraRole, group, azureRole"
                ));
            }
            if let Some(role) = &g.entra_role {
                if !self.role_definitions.iter().any(|r| &r.id == role) {
                    return Err(format!("grant #{i}: unknown role definition {role}"));
                }
                if let Some(au) = g
                    .directory_scope
                    .as_deref()
                    .and_then(|s| s.strip_prefix("/administrativeUnits/"))
                {
                    if !self.administrative_units.iter().any(|a| a.id == au) {
                        return Err(format!("grant #{i}: unknown administrative unit {au}"));
                    }
                }
            }
            if let Some(group) = &g.group {
                if !self.groups.iter().any(|x| &x.id == group) {
                    return Err(format!("grant #{i}: unknown group {group}"));
                }
                if !matches!(g.access.as_deref(), Some("member") | Some("owner")) {
                    return Err(format!("grant #{i}: access must be member or owner"));
                }
            }
            if let Some(role) = &g.azure_role {
                if !self.azure_role_definitions.iter().any(|r| &r.id == role) {
                    return Err(format!("grant #{i}: unknown Azure role {role}"));
                }
                let scope = g.scope.as_deref().unwrap_or_default();
                if !self
                    .azure_scopes
                    .iter()
                    .any(|s| s.id.eq_ignore_ascii_case(scope))
                {
                    return Err(format!("grant #{i}: unknown Azure scope {scope}"));
                }
            }
        }
        self.validate_reviews()
    }

    /// The generated benchmark tenant: `eligible` eligibilities for one user across
    /// `subscriptions` subscriptions (each with two resource groups) and `groups` groups.
    pub fn large(subscriptions: usize, groups: usize, eligible: usize) -> Scenario {
        let mut demo = Scenario::builtin("demo").expect("the demo scenario is valid");
        let user = demo.default_user.clone();
        demo.name = "large".into();
        demo.eligibilities.clear();
        demo.assignments.clear();
        demo.access_reviews.clear();
        demo.groups.clear();
        demo.azure_scopes.retain(|s| s.kind == "managementgroup");
        for g in 0..groups {
            demo.groups.push(GroupDefinition {
                id: guid("group", g),
                display_name: format!("PIM Group {g:02}"),
                description: format!("Generated group {g}"),
                member_policy: None,
                owner_policy: None,
                is_assignable_to_role: None,
            });
        }
        for s in 0..subscriptions {
            let sub = format!("/subscriptions/{}", guid("sub", s));
            demo.azure_scopes.push(AzureScope {
                id: sub.clone(),
                display_name: format!("sub-{s:03}"),
                kind: "subscription".into(),
            });
            for r in 0..2 {
                demo.azure_scopes.push(AzureScope {
                    id: format!("{sub}/resourceGroups/rg-{s:03}-{r}"),
                    display_name: format!("rg-{s:03}-{r}"),
                    kind: "resourcegroup".into(),
                });
            }
        }
        let entra_roles: Vec<String> = demo.role_definitions.iter().map(|r| r.id.clone()).collect();
        let az_roles: Vec<String> = demo
            .azure_role_definitions
            .iter()
            .map(|r| r.id.clone())
            .collect();
        let az_scopes: Vec<String> = demo.azure_scopes.iter().map(|s| s.id.clone()).collect();
        let mut eligibilities = Vec::with_capacity(eligible);
        for role in &entra_roles {
            eligibilities.push(Grant {
                user: user.clone(),
                entra_role: Some(role.clone()),
                ..Grant::default()
            });
        }
        for g in 0..groups {
            for access in ["member", "owner"] {
                eligibilities.push(Grant {
                    user: user.clone(),
                    group: Some(guid("group", g)),
                    access: Some(access.into()),
                    ..Grant::default()
                });
            }
        }
        // The rest are Azure roles, spread over every scope (management group, subscriptions,
        // resource groups) so that per-subscription crawling would be expensive.
        let mut i = 0;
        while eligibilities.len() < eligible {
            let scope = &az_scopes[i % az_scopes.len()];
            let role = &az_roles[(i / az_scopes.len()) % az_roles.len()];
            eligibilities.push(Grant {
                user: user.clone(),
                azure_role: Some(role.clone()),
                scope: Some(scope.clone()),
                ..Grant::default()
            });
            i += 1;
        }
        demo.eligibilities = eligibilities;
        demo
    }
}

/// A stable GUID-shaped id for generated objects.
pub fn guid(kind: &str, n: usize) -> String {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(format!("{kind}:{n}").as_bytes());
    let x: String = h.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-4{}-8{}-{}",
        &x[0..8],
        &x[8..12],
        &x[13..16],
        &x[17..20],
        &x[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_is_valid_and_rich_enough() {
        let s = Scenario::builtin("demo").expect("demo");
        let me = &s.default_user;
        let mine: Vec<_> = s.eligibilities.iter().filter(|g| &g.user == me).collect();
        assert!(mine.iter().filter(|g| g.entra_role.is_some()).count() >= 10);
        assert!(mine.iter().filter(|g| g.group.is_some()).count() >= 4);
        assert!(mine.iter().filter(|g| g.azure_role.is_some()).count() >= 8);
        assert!(s.users.iter().any(|u| u.approver));
        assert!(!s.assignments.is_empty());
    }

    #[test]
    fn demo_others_request_on_every_plane_where_approval_is_needed() {
        let s = Scenario::builtin("demo").expect("demo");
        let t = crate::state::Tenant::new(
            s.clone(),
            crate::Settings::default(),
            crate::time::SimClock::default(),
        );
        for user in s.users.iter().filter(|u| u.id != s.default_user) {
            for plane in [
                crate::state::Plane::Entra,
                crate::state::Plane::Group,
                crate::state::Plane::Azure,
            ] {
                assert!(
                    t.eligibilities_of(&user.id, plane)
                        .any(|e| t.policy_for(&e.target).approval),
                    "{} on {plane:?}",
                    user.display_name
                );
            }
        }
        assert!(s.users.iter().filter(|u| u.approver).count() >= 2);
        assert!(s.policies.values().any(|p| p.approver_justification));
    }

    #[test]
    fn large_has_the_benchmark_shape() {
        let s = Scenario::builtin("large").expect("large");
        assert_eq!(s.eligibilities.len(), 2000);
        assert_eq!(
            s.azure_scopes
                .iter()
                .filter(|x| x.kind == "subscription")
                .count(),
            300
        );
        assert_eq!(s.groups.len(), 50);
        s.validate().expect("valid");
    }

    #[test]
    fn bad_references_are_refused_with_the_reason() {
        let mut s = Scenario::builtin("demo").expect("demo");
        s.eligibilities[0].user = "nobody".into();
        assert!(s
            .validate()
            .expect_err("invalid")
            .contains("unknown user nobody"));
    }
}
