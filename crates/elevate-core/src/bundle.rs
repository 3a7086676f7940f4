//! Owns what a bundle is: a named set of assignments across the three planes (`[[bundles]]`
//! in the config, each item named by plane, role or group name, scope and access the way a
//! person names them), the strictest rules of its members (asked once), and one result per
//! item of activating or deactivating it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::{Access, Assignment, Plane, PolicySummary};
use crate::payload::ErrorPayload;
use crate::pim::RequestOutcome;

/// `[[bundles]] name = "Incident response"`, `items = [{plane = "entraRole", name = "…"}, …]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Bundle {
    pub name: String,
    pub items: Vec<BundleItem>,
    /// Saved for activation at start (and used when none is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    /// Activated with the favorites at start ("favorites at start" on).
    #[serde(default)]
    pub autostart: bool,
}

/// One member: `plane` and `name` (role or group), `scope` (an Azure scope id or name, a
/// child of an eligibility's scope too), `access` for groups (member when absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BundleItem {
    pub plane: Plane,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<Access>,
}

impl BundleItem {
    /// How the item is named to a person and to name resolution: "SOC Analysts (member)",
    /// "Contributor".
    pub fn label(&self) -> String {
        match (self.plane, self.access) {
            (Plane::Group, a) => {
                format!("{} ({})", self.name, a.unwrap_or(Access::Member).as_str())
            }
            _ => self.name.clone(),
        }
    }

    /// Parses `PLANE:NAME[@SCOPE]` as elevatectl takes it: `entra:Security Administrator`,
    /// `group:SOC Analysts` (member) or `group:SOC Analysts (owner)`,
    /// `azure:Contributor@/subscriptions/…` (a scope id or display name).
    pub fn parse(text: &str) -> Result<BundleItem, crate::Error> {
        let bad = || {
            crate::Error::InvalidInput(format!(
                "'{text}' is not a bundle item: write PLANE:NAME[@SCOPE] with PLANE entra, group or azure (e.g. entra:\"Security Administrator\", group:\"SOC Analysts (owner)\", azure:Contributor@/subscriptions/…)."
            ))
        };
        let (plane, rest) = text.split_once(':').ok_or_else(bad)?;
        let plane = match plane.trim().to_ascii_lowercase().as_str() {
            "entra" | "entrarole" => Plane::EntraRole,
            "group" => Plane::Group,
            "azure" | "azureresource" => Plane::AzureResource,
            _ => return Err(bad()),
        };
        let (name, scope) = match rest.split_once('@') {
            Some((n, s)) if plane == Plane::AzureResource => (n, Some(s.trim().to_string())),
            _ => (rest, None),
        };
        let mut name = name.trim().to_string();
        let mut access = None;
        if plane == Plane::Group {
            for a in [Access::Owner, Access::Member] {
                let suffix = format!("({})", a.as_str());
                if name.to_ascii_lowercase().ends_with(&suffix) {
                    name = name[..name.len() - suffix.len()].trim().to_string();
                    access = Some(a);
                }
            }
            access = access.or(Some(Access::Member));
        }
        if name.is_empty() {
            return Err(bad());
        }
        Ok(BundleItem {
            plane,
            name,
            scope: scope.filter(|s| !s.is_empty()),
            access,
        })
    }

    /// The item that names `a` (a group's access and an Azure role's scope kept).
    pub fn of(a: &Assignment) -> BundleItem {
        BundleItem {
            plane: a.plane,
            name: a.name.clone(),
            scope: (a.plane == Plane::AzureResource).then(|| a.scope.id.clone()),
            access: a.access,
        }
    }
}

/// The strictest rules of a bundle's members, asked once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Requirements {
    pub justification: bool,
    pub ticket: bool,
    /// The shortest maximum duration among the members (ISO-8601).
    pub max_duration: Option<String>,
    /// Members that need an approver (sent, then pending).
    pub approval: Vec<String>,
}

impl Requirements {
    pub fn of(members: &[(String, Option<PolicySummary>)]) -> Requirements {
        let mut r = Requirements::default();
        let mut shortest: Option<chrono::Duration> = None;
        for (label, p) in members {
            let Some(p) = p else { continue };
            r.justification |= p.justification;
            r.ticket |= p.ticket;
            if p.approval {
                r.approval.push(label.clone());
            }
            if let Some(m) = p
                .max_duration
                .as_deref()
                .and_then(|m| crate::policy::parse_duration(m).ok())
            {
                shortest = Some(shortest.map_or(m, |s| s.min(m)));
            }
        }
        r.max_duration = shortest.map(crate::policy::iso);
        r
    }
}

/// A bundle as the popup shows it: its members resolved where they could be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BundleView {
    pub bundle: Bundle,
    /// Per item: the assignment key it names now, None when none matches.
    pub keys: Vec<Option<String>>,
    pub requirements: Requirements,
}

/// What one item of a bundle came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BundleResult {
    pub label: String,
    pub key: Option<String>,
    pub outcome: Option<RequestOutcome>,
    pub error: Option<ErrorPayload>,
}

/// Checks a bundle's name and items before it is saved.
pub fn check(b: &Bundle) -> Result<(), crate::Error> {
    if b.name.trim().is_empty() {
        return Err(crate::Error::InvalidInput(
            "a bundle needs a name (like \"Incident response\").".into(),
        ));
    }
    if b.items.is_empty() {
        return Err(crate::Error::InvalidInput(format!(
            "the bundle '{}' has no items: name at least one role or group.",
            b.name
        )));
    }
    if let Some(d) = b.duration.as_deref().filter(|d| !d.trim().is_empty()) {
        crate::policy::parse_duration(d)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_strictest_rules_win() {
        let p = |j, t, m: &str, a| PolicySummary {
            max_duration: Some(m.into()),
            justification: j,
            ticket: t,
            approval: a,
            ..PolicySummary::default()
        };
        let r = Requirements::of(&[
            ("A".into(), Some(p(true, false, "PT8H", false))),
            ("B".into(), Some(p(false, true, "PT2H", true))),
            ("C".into(), None),
        ]);
        assert!(r.justification && r.ticket);
        assert_eq!(r.max_duration.as_deref(), Some("PT2H"));
        assert_eq!(r.approval, vec!["B".to_string()]);
    }

    #[test]
    fn items_parse_from_the_command_line() {
        let g = BundleItem::parse("group:SOC Analysts (owner)").expect("group");
        assert_eq!(
            (g.name.as_str(), g.access),
            ("SOC Analysts", Some(Access::Owner))
        );
        let a = BundleItem::parse("azure:Contributor@/subscriptions/x").expect("azure");
        assert_eq!(a.scope.as_deref(), Some("/subscriptions/x"));
        assert!(BundleItem::parse("Contributor").is_err());
        assert!(BundleItem::parse("cloud:X").is_err());
    }

    #[test]
    fn bundles_read_from_toml() {
        let b: Bundle = toml::from_str(
            r#"name = "Incident response"
items = [{plane = "entraRole", name = "Security Administrator"},
         {plane = "group", name = "SOC Analysts", access = "member"},
         {plane = "azureResource", name = "Contributor", scope = "/subscriptions/x"}]"#,
        )
        .expect("parses");
        assert_eq!(b.items.len(), 3);
        assert_eq!(b.items[1].label(), "SOC Analysts (member)");
        assert!(!b.autostart);
    }
}
