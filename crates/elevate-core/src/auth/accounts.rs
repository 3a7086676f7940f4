//! The accounts signed in on this machine, `accounts.json` in the data directory (no secrets).

use super::types::*;
use crate::error::Error;

/// Known accounts (no secrets), most recent first.
pub fn load_accounts(dir: &std::path::Path) -> Vec<Identity> {
    std::fs::read(dir.join("accounts.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// A corrupt accounts file is moved aside (it holds no secrets; each account is remembered
/// again at its next sign-in); the notice says where.
pub fn check_accounts(dir: &std::path::Path) -> Option<String> {
    let path = dir.join("accounts.json");
    let bytes = std::fs::read(&path).ok()?;
    if serde_json::from_slice::<Vec<Identity>>(&bytes).is_ok() {
        return None;
    }
    let aside = crate::store::move_aside(&path).ok()?;
    Some(format!(
        "{} could not be read; it was moved to {} and each account is remembered again at its next sign-in",
        path.display(),
        aside.display()
    ))
}

pub(super) fn save_accounts(dir: &std::path::Path, all: &[Identity]) -> Result<(), Error> {
    let bytes = serde_json::to_vec_pretty(all).map_err(|e| Error::InvalidInput(e.to_string()))?;
    crate::store::write_atomic(&dir.join("accounts.json"), &bytes)
}
