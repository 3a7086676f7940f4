//! The access reviews a scenario starts with (`accessReviews`): each series with its target
//! (an Entra role, a group's members or an Azure role at a scope), its reviewers, its current
//! instance's window, its stages and the principals under review; and their validation.

use serde::Deserialize;

use super::Scenario;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccessReviewSeed {
    /// The definition (series) id; instance, stage and decision ids derive from it.
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub description: String,
    /// Exactly one of `entraRole`, `group`, `azureRole` (with `scope`) names what is reviewed.
    #[serde(default)]
    pub entra_role: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub azure_role: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    /// How an Entra role review writes its scope: `all` (default: `/roleManagement/directory/
    /// roleDefinitions/{id}`), `eligible`, `active` or `principalResourceMemberships`.
    #[serde(default)]
    pub scope_form: Option<String>,
    /// User ids.
    pub reviewers: Vec<String>,
    /// `settings.justificationRequiredOnApproval`.
    #[serde(default)]
    pub justification_required: bool,
    pub started_days_ago: f64,
    /// Negative: the instance has ended (Completed).
    pub ends_in_days: f64,
    /// More than one: a multi-stage review, the window split evenly between the stages.
    #[serde(default = "one")]
    pub stages: u32,
    #[serde(default)]
    pub decisions: Vec<ReviewSeedDecision>,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReviewSeedDecision {
    /// The user whose access is reviewed.
    pub principal: String,
    /// `Approve`, `Deny` or `NotAvailable` (default).
    #[serde(default)]
    pub recommendation: Option<String>,
}

const SCOPE_FORMS: [&str; 4] = ["all", "eligible", "active", "principalResourceMemberships"];

impl Scenario {
    /// Every review names known users, one known target and a sensible window.
    pub(super) fn validate_reviews(&self) -> Result<(), String> {
        let has_user = |id: &str| self.users.iter().any(|u| u.id == id);
        for r in &self.access_reviews {
            let what = format!("access review {}", r.display_name);
            let targets = [
                r.entra_role.is_some(),
                r.group.is_some(),
                r.azure_role.is_some(),
            ];
            if targets.iter().filter(|t| **t).count() != 1 {
                return Err(format!(
                    "{what}: name exactly one of entraRole, group, azureRole"
                ));
            }
            if let Some(role) = &r.entra_role {
                if !self.role_definitions.iter().any(|d| &d.id == role) {
                    return Err(format!("{what}: unknown role definition {role}"));
                }
            }
            if let Some(group) = &r.group {
                if !self.groups.iter().any(|g| &g.id == group) {
                    return Err(format!("{what}: unknown group {group}"));
                }
            }
            if let Some(role) = &r.azure_role {
                if !self.azure_role_definitions.iter().any(|d| &d.id == role) {
                    return Err(format!("{what}: unknown Azure role {role}"));
                }
                let scope = r.scope.as_deref().unwrap_or_default();
                if !self
                    .azure_scopes
                    .iter()
                    .any(|s| s.id.eq_ignore_ascii_case(scope))
                {
                    return Err(format!("{what}: unknown Azure scope {scope}"));
                }
            }
            if let Some(f) = &r.scope_form {
                if !SCOPE_FORMS.contains(&f.as_str()) {
                    return Err(format!(
                        "{what}: scopeForm must be one of {}",
                        SCOPE_FORMS.join(", ")
                    ));
                }
            }
            if r.reviewers.is_empty() || r.reviewers.iter().any(|u| !has_user(u)) {
                return Err(format!("{what}: reviewers must be known users"));
            }
            if let Some(d) = r.decisions.iter().find(|d| !has_user(&d.principal)) {
                return Err(format!("{what}: unknown principal {}", d.principal));
            }
            if r.stages == 0 || r.started_days_ago < 0.0 || -r.ends_in_days > r.started_days_ago {
                return Err(format!(
                    "{what}: at least one stage, and the window must start before it ends"
                ));
            }
        }
        Ok(())
    }
}
