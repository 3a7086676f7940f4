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

pub(super) fn save_accounts(dir: &std::path::Path, all: &[Identity]) -> Result<(), Error> {
    let bytes = serde_json::to_vec_pretty(all).map_err(|e| Error::InvalidInput(e.to_string()))?;
    crate::store::write_atomic(&dir.join("accounts.json"), &bytes)
}
