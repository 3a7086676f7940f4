//! Local stores: the data directory and the favorites (JSON). Writes are atomic (temp file +
//! rename); a corrupt file is moved aside, defaults load, and the caller gets a notice. The
//! activation history is `history`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::Utc;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::Error;

/// Writes `bytes` to `path` through a temp file in the same directory and a rename, so a
/// crash never leaves a half-written file. The file is private to the user on Unix.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        uuid::Uuid::new_v4()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(format!("writing {}", path.display()), e));
    }
    Ok(())
}

/// Moves a file that cannot be read to `<name>.corrupt-<time>` beside it.
pub fn move_aside(path: &Path) -> Result<PathBuf, Error> {
    let stamp = Utc::now().format("%Y%m%dT%H%M%S");
    let aside = path.with_file_name(format!(
        "{}.corrupt-{stamp}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file")
    ));
    std::fs::rename(path, &aside)
        .map_err(|e| Error::io(format!("moving {} aside", path.display()), e))?;
    Ok(aside)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Favorite {
    /// The assignment key (see `Assignment::key`).
    pub key: String,
    /// What the user sees, e.g. "Security Administrator" or "Contributor on Production".
    pub label: String,
    #[serde(default)]
    pub justification: Option<String>,
    #[serde(default)]
    pub ticket_number: Option<String>,
    #[serde(default)]
    pub ticket_system: Option<String>,
    /// ISO-8601; None: the default duration.
    #[serde(default)]
    pub duration: Option<String>,
}

/// Where Elevate keeps its files: `~/.local/share/elevate` and the like, or a test dir.
#[derive(Debug, Clone)]
pub struct DataDir(pub PathBuf);

impl DataDir {
    pub fn platform() -> Option<DataDir> {
        dirs::data_dir().map(|d| DataDir(d.join("elevate")))
    }
    pub fn favorites_path(&self) -> PathBuf {
        self.0.join("favorites.json")
    }

    /// Favorites; a corrupt file is moved aside and the notice says where.
    pub fn load_favorites(&self) -> Result<(Vec<Favorite>, Option<String>), Error> {
        let path = self.favorites_path();
        match std::fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(f) => Ok((f, None)),
                Err(e) => {
                    let aside = move_aside(&path)?;
                    Ok((vec![], Some(format!("{} could not be read ({e}); it was moved to {} and no favorites are loaded", path.display(), aside.display()))))
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((vec![], None)),
            Err(e) => Err(Error::io(format!("reading {}", path.display()), e)),
        }
    }

    pub fn save_favorites(&self, favorites: &[Favorite]) -> Result<(), Error> {
        let bytes =
            serde_json::to_vec_pretty(favorites).map_err(|e| Error::InvalidInput(e.to_string()))?;
        write_atomic(&self.favorites_path(), &bytes)
    }

    /// Adds or replaces (same key) a favorite.
    pub fn upsert_favorite(&self, fav: Favorite) -> Result<Vec<Favorite>, Error> {
        let (mut all, _) = self.load_favorites()?;
        all.retain(|f| f.key != fav.key);
        all.push(fav);
        self.save_favorites(&all)?;
        Ok(all)
    }

    pub fn remove_favorite(&self, key: &str) -> Result<bool, Error> {
        let (mut all, _) = self.load_favorites()?;
        let before = all.len();
        all.retain(|f| f.key != key);
        self.save_favorites(&all)?;
        Ok(all.len() != before)
    }

    /// The requests to approve already told (key → when first seen), so a restart does not
    /// tell them again. Unreadable: empty (at worst a request is told twice), and said.
    pub fn seen_approvals_path(&self) -> PathBuf {
        self.0.join("approvals-seen.json")
    }

    pub fn load_seen_approvals(&self) -> (BTreeMap<String, i64>, Option<String>) {
        let path = self.seen_approvals_path();
        match std::fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(seen) => (seen, None),
                Err(e) => {
                    let aside = move_aside(&path)
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|_| "nowhere".into());
                    (BTreeMap::new(), Some(format!("{} could not be read ({e}); it was moved to {aside}: requests to approve may be told again", path.display())))
                }
            },
            Err(_) => (BTreeMap::new(), None),
        }
    }

    pub fn save_seen_approvals(&self, seen: &BTreeMap<String, i64>) -> Result<(), Error> {
        let bytes = serde_json::to_vec(seen).map_err(|e| Error::InvalidInput(e.to_string()))?;
        write_atomic(&self.seen_approvals_path(), &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp() -> DataDir {
        let dir = std::env::temp_dir().join(format!("elevate-store-{}", uuid::Uuid::new_v4()));
        DataDir(dir)
    }

    #[test]
    fn corrupt_favorites_are_moved_aside_not_lost() {
        let d = temp();
        std::fs::create_dir_all(&d.0).expect("dir");
        std::fs::write(d.favorites_path(), b"{ not json").expect("write");
        let (favs, notice) = d.load_favorites().expect("load");
        assert!(favs.is_empty());
        let notice = notice.expect("a notice");
        assert!(notice.contains("moved to"), "{notice}");
        let kept: Vec<_> = std::fs::read_dir(&d.0)
            .expect("ls")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".corrupt-"))
            .collect();
        assert_eq!(kept.len(), 1);
        assert_eq!(std::fs::read(kept[0].path()).expect("read"), b"{ not json");
        let _ = std::fs::remove_dir_all(&d.0);
    }

    #[test]
    fn favorites_upsert_by_key() {
        let d = temp();
        let fav = Favorite {
            key: "k".into(),
            label: "A".into(),
            justification: None,
            ticket_number: None,
            ticket_system: None,
            duration: None,
        };
        d.upsert_favorite(fav.clone()).expect("add");
        let all = d
            .upsert_favorite(Favorite {
                label: "B".into(),
                ..fav
            })
            .expect("replace");
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].label, "B");
        assert!(d.remove_favorite("k").expect("remove"));
        assert!(!d.remove_favorite("k").expect("remove again"));
        let _ = std::fs::remove_dir_all(&d.0);
    }
}
