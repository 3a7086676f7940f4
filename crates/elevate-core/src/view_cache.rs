//! The last view on disk (`view-cache.json`), so a popup opened at start paints at once,
//! marked as from the cache ("updated N min ago") until the first refresh lands. It holds
//! what the tenant listed (roles, scopes, schedules, policy summaries) and the computed
//! tiers, never a token or anything from the secret store, and it belongs to one account in
//! one tenant: another account's cache is never shown, and signing out removes it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::app::ItemFacts;
use crate::auth::Identity;
use crate::error::Error;
use crate::model::{Assignment, Snapshot};

const FILE: &str = "view-cache.json";
/// Bumped when the shape changes: an older file is ignored, never misread.
const FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cached {
    format: u32,
    tenant_id: String,
    object_id: String,
    /// Unix milliseconds of the refresh it comes from.
    refreshed_at: i64,
    assignments: Vec<Assignment>,
    facts: BTreeMap<String, ItemFacts>,
}

/// What the cache gives back for the signed-in account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedView {
    pub refreshed_at: i64,
    pub snapshot: Snapshot,
    pub facts: BTreeMap<String, ItemFacts>,
}

pub fn path(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

/// The cached view of `who`, if there is one for that account and tenant. A file that
/// cannot be read is ignored (the refresh replaces it): a cache is never worth a notice.
pub fn load(dir: &Path, who: &Identity) -> Option<CachedView> {
    let bytes = std::fs::read(path(dir)).ok()?;
    let c: Cached = match serde_json::from_slice(&bytes) {
        Ok(c) => c,
        Err(e) => {
            tracing::debug!("the view cache is not readable ({e}); it is ignored");
            return None;
        }
    };
    let mine = c.format == FORMAT
        && c.tenant_id.eq_ignore_ascii_case(&who.tenant_id)
        && c.object_id.eq_ignore_ascii_case(&who.object_id);
    mine.then_some(CachedView {
        refreshed_at: c.refreshed_at,
        snapshot: Snapshot {
            assignments: c.assignments,
            failures: vec![],
        },
        facts: c.facts,
    })
}

/// Keeps a complete refresh of `who` (one where a plane failed is not kept: the cache
/// would then show less than the account has).
pub fn save(
    dir: &Path,
    who: &Identity,
    refreshed_at: i64,
    snapshot: &Snapshot,
    facts: &BTreeMap<String, ItemFacts>,
) -> Result<(), Error> {
    if !snapshot.failures.is_empty() {
        return Ok(());
    }
    let c = Cached {
        format: FORMAT,
        tenant_id: who.tenant_id.clone(),
        object_id: who.object_id.clone(),
        refreshed_at,
        assignments: snapshot.assignments.clone(),
        facts: facts.clone(),
    };
    let bytes = serde_json::to_vec(&c).map_err(|e| Error::Unsupported(e.to_string()))?;
    crate::store::write_atomic(&path(dir), &bytes)
}

/// Removes the cache (signing out, switching account).
pub fn clear(dir: &Path) {
    let p = path(dir);
    if p.exists() {
        if let Err(e) = std::fs::remove_file(&p) {
            tracing::warn!("the view cache {} could not be removed: {e}", p.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Plane, Scope, Status};

    fn me(tenant: &str, object: &str) -> Identity {
        Identity {
            tenant_id: tenant.into(),
            object_id: object.into(),
            username: "alex@contoso.example".into(),
            name: "Alex".into(),
        }
    }

    fn snapshot() -> Snapshot {
        Snapshot {
            assignments: vec![Assignment {
                key: "entra:r:/".into(),
                plane: Plane::EntraRole,
                name: "Security Reader".into(),
                id: "r".into(),
                access: None,
                scope: Scope {
                    id: "/".into(),
                    display_name: "Directory".into(),
                    kind: "directory".into(),
                },
                status: Status::Eligible,
                assignment_type: None,
                member_type: Some("Direct".into()),
                start_date_time: None,
                end_date_time: None,
                eligibility_schedule_id: None,
                request_id: None,
                policy: None,
            }],
            failures: vec![],
        }
    }

    fn temp() -> PathBuf {
        std::env::temp_dir().join(format!("elevate-view-cache-{}", uuid::Uuid::new_v4()))
    }

    #[test]
    fn a_cache_is_given_back_to_its_account_only() {
        let dir = temp();
        let alex = me("t1", "o1");
        save(&dir, &alex, 42, &snapshot(), &BTreeMap::new()).expect("save");
        let back = load(&dir, &alex).expect("mine");
        assert_eq!((back.refreshed_at, back.snapshot), (42, snapshot()));
        assert!(load(&dir, &me("t1", "o2")).is_none(), "another account");
        assert!(load(&dir, &me("t2", "o1")).is_none(), "another tenant");
        clear(&dir);
        assert!(load(&dir, &alex).is_none(), "cleared");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_incomplete_refresh_is_not_kept_and_a_bad_file_is_ignored() {
        let dir = temp();
        let alex = me("t1", "o1");
        let mut partial = snapshot();
        partial.failures.push(crate::model::PlaneFailure {
            plane: Plane::Group,
            error: crate::payload::ErrorPayload {
                code: "forbidden".into(),
                message: "no".into(),
            },
        });
        save(&dir, &alex, 1, &partial, &BTreeMap::new()).expect("skipped");
        assert!(load(&dir, &alex).is_none());
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(path(&dir), b"{not json").expect("write");
        assert!(load(&dir, &alex).is_none());
        std::fs::write(path(&dir), br#"{"format": 99}"#).expect("write");
        assert!(load(&dir, &alex).is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
