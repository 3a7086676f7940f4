//! Owns activating an Azure role at a narrower scope than its eligibility: which scope a
//! request names (a child of the eligibility's management group, subscription or resource
//! group, refused before sending when outside it), the child scopes a picker offers, and the
//! scope last used per eligibility (`scopes.json`), preselected next time (least privilege).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use ts_rs::TS;

use super::{resolve, Elevate, Target};
use crate::error::Error;
use crate::model::{Assignment, Plane, Scope, Status};

/// Why the picker preselects its scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ScopeReason {
    /// The scope last used to activate this role (narrower than the eligibility).
    LastUsed,
    /// The eligibility's own scope (never narrowed before).
    Eligibility,
}

/// The scopes an eligible Azure role can be activated at: its own, then every child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ScopeChoices {
    pub key: String,
    pub eligibility: Scope,
    pub scopes: Vec<Scope>,
    /// The scope id to preselect.
    pub selected: String,
    pub reason: ScopeReason,
}

/// Whether `inner` is strictly under `outer` (case-insensitive; a management group is taken
/// to contain any subscription: which ones only a listing tells).
pub fn strictly_under(outer: &str, inner: &str) -> bool {
    let (o, i) = (
        outer.trim_end_matches('/').to_ascii_lowercase(),
        inner.trim_end_matches('/').to_ascii_lowercase(),
    );
    o != i
        && (i.starts_with(&format!("{o}/"))
            || (o.contains("/managementgroups/") && i.starts_with("/subscriptions/")))
}

fn same_scope(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

fn looks_arm(scope: &str) -> bool {
    let l = scope.trim().to_ascii_lowercase();
    l.starts_with("/subscriptions/") || l.starts_with("/providers/microsoft.management/")
}

/// The eligibility `a` as an activation at `child` (the request goes there, linked to the
/// eligibility's schedule), or the rule it breaks.
fn narrowed(a: &Assignment, child: &str, known: &[Assignment]) -> Result<Assignment, Error> {
    let child = child.trim().trim_end_matches('/');
    if a.plane != Plane::AzureResource || !strictly_under(&a.scope.id, child) {
        return Err(Error::InvalidInput(format!(
            "{} is eligible at {} ({}); '{child}' is not under it (rule: ScopeOutsideEligibility). Give the eligibility's scope or one below it: `elevatectl list --plane azure` shows the scopes.",
            a.label(),
            a.scope.display_name,
            a.scope.id
        )));
    }
    let mut n = a.clone();
    let kind = crate::parse::scope_kind(child);
    let display_name = known
        .iter()
        .find(|x| same_scope(&x.scope.id, child))
        .map(|x| x.scope.display_name.clone())
        .unwrap_or_else(|| child.rsplit('/').next().unwrap_or(child).to_string());
    n.scope = Scope {
        id: child.to_string(),
        display_name,
        kind: kind.into(),
    };
    n.key = Assignment::key_for(Plane::AzureResource, &a.id, None, child);
    Ok(n)
}

/// The eligibility `a` is activated from (itself, or the ancestor it was narrowed from).
pub(super) fn eligibility_of<'a>(all: &'a [Assignment], a: &Assignment) -> Option<&'a Assignment> {
    all.iter().find(|x| {
        x.plane == a.plane
            && x.status == Status::Eligible
            && (x.key == a.key
                || (x.plane == Plane::AzureResource
                    && x.id.eq_ignore_ascii_case(&a.id)
                    && x.eligibility_schedule_id.is_some()
                    && x.eligibility_schedule_id == a.eligibility_schedule_id))
    })
}

impl Elevate {
    /// The start `input` asks for, refused when it is in the past (before anything is sent).
    pub(crate) fn start_of(
        &self,
        input: &super::Input,
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>, Error> {
        input
            .start
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| crate::start::parse_start_local(s, self.clock.now()))
            .transpose()
    }

    /// The assignment an activation acts on: `target` resolved, then moved to `scope` (the
    /// popup's picker) when narrower. A name with `--scope` below an eligibility (none at that
    /// scope itself) picks the nearest eligible ancestor.
    pub(crate) fn pick(
        &self,
        all: &[Assignment],
        target: &Target,
        scope: Option<&str>,
        statuses: &[Status],
    ) -> Result<Assignment, Error> {
        let scope = scope.map(str::trim).filter(|s| !s.is_empty());
        let a = match resolve(all, target, statuses) {
            Ok(a) => a,
            Err(e) => {
                let Target::Name {
                    name,
                    scope: Some(child),
                } = target
                else {
                    return Err(e);
                };
                if !looks_arm(child) {
                    return Err(e);
                }
                let q = name.trim().to_lowercase();
                let ancestor = all
                    .iter()
                    .filter(|a| a.plane == Plane::AzureResource && a.status == Status::Eligible)
                    .filter(|a| a.name.to_lowercase() == q || a.id.to_lowercase() == q)
                    .filter(|a| strictly_under(&a.scope.id, child))
                    .max_by_key(|a| a.scope.id.len());
                match ancestor {
                    Some(a) => return narrowed(a, child, all),
                    None => return Err(e),
                }
            }
        };
        match scope {
            Some(s) if !same_scope(s, &a.scope.id) => {
                let eligible = if a.status == Status::Eligible {
                    a
                } else {
                    resolve(all, &Target::key(a.key.clone()), &[Status::Eligible])?
                };
                narrowed(&eligible, s, all)
            }
            _ => Ok(a),
        }
    }

    fn last_scopes(&self) -> BTreeMap<String, String> {
        std::fs::read(self.data.0.join("scopes.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Remembers the scope an Azure role was last activated at, per eligibility (found in
    /// `all` by its schedule: `a` may be at a child scope).
    pub(crate) fn remember_scope(&self, all: &[Assignment], a: &Assignment) {
        if a.plane != Plane::AzureResource {
            return;
        }
        let Some(eligibility) = eligibility_of(all, a) else {
            return;
        };
        let mut map = self.last_scopes();
        if map.get(&eligibility.key) == Some(&a.scope.id) {
            return;
        }
        map.insert(eligibility.key.clone(), a.scope.id.clone());
        let path = self.data.0.join("scopes.json");
        match serde_json::to_vec_pretty(&map) {
            Ok(bytes) => {
                if let Err(e) = crate::store::write_atomic(&path, &bytes) {
                    tracing::warn!("remembering the scope: {e}");
                }
            }
            Err(e) => tracing::warn!("remembering the scope: {e}"),
        }
    }

    /// What the popup's scope picker offers for the eligible Azure role `key`: its own scope
    /// and every child scope, the last used one (else its own) preselected.
    pub async fn scope_choices(self: &Arc<Self>, key: &str) -> Result<ScopeChoices, Error> {
        let all = self.lookup().await?;
        let a = resolve(&all, &Target::key(key.to_string()), &[Status::Eligible])?;
        if a.plane != Plane::AzureResource {
            return Err(Error::InvalidInput(format!(
                "{} is not an Azure role: only Azure roles can be activated at a narrower scope.",
                a.label()
            )));
        }
        let mut scopes = vec![a.scope.clone()];
        if matches!(
            a.scope.kind.as_str(),
            "managementgroup" | "subscription" | "resourcegroup"
        ) {
            scopes.extend(self.pim.child_scopes(&a.scope.id).await?);
        }
        let last = self
            .last_scopes()
            .get(key)
            .filter(|s| !same_scope(s, &a.scope.id))
            .filter(|s| scopes.iter().any(|x| same_scope(&x.id, s)))
            .cloned();
        let (selected, reason) = match last {
            Some(s) => (s, ScopeReason::LastUsed),
            None => (a.scope.id.clone(), ScopeReason::Eligibility),
        };
        Ok(ScopeChoices {
            key: a.key.clone(),
            eligibility: a.scope.clone(),
            scopes,
            selected,
            reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_is_strict_and_case_insensitive() {
        let sub = "/subscriptions/5F2A";
        assert!(strictly_under(sub, "/subscriptions/5f2a/resourceGroups/rg"));
        assert!(!strictly_under(sub, "/subscriptions/5f2a"));
        assert!(!strictly_under(
            sub,
            "/subscriptions/5f2ab/resourceGroups/rg"
        ));
        assert!(strictly_under(
            "/providers/Microsoft.Management/managementGroups/mg",
            "/subscriptions/x"
        ));
        assert!(!strictly_under(
            "/subscriptions/x/resourceGroups/a",
            "/subscriptions/x"
        ));
    }
}
