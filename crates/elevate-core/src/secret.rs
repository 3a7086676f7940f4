//! Secrets: a newtype that never shows itself (redacted Debug, no Serialize), and the
//! stores that keep refresh tokens: the OS secret store through `keyring`, a sealed variant
//! for stores with a small size limit (Windows Credential Manager: 2,560 bytes), and memory
//! only when no secret store is available.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

use crate::error::Error;

/// A token or key. It cannot be printed, logged or serialised by accident: `Debug` shows
/// `Secret(***)` and there is no `Serialize` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    /// The value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

pub trait SecretStore: Send + Sync {
    fn get(&self, account: &str) -> Result<Option<Secret>, Error>;
    fn set(&self, account: &str, secret: &Secret) -> Result<(), Error>;
    fn delete(&self, account: &str) -> Result<(), Error>;
    /// What the user is told the session lives in.
    fn describe(&self) -> &'static str;
    /// False for the memory fallback: the user must know the session will not survive.
    fn persistent(&self) -> bool {
        true
    }
}

/// The OS secret store: Secret Service on Linux, Keychain on macOS, Credential Manager on Windows.
pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    pub fn new(service: &str) -> KeyringStore {
        KeyringStore {
            service: service.to_string(),
        }
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry, Error> {
        keyring::Entry::new(&self.service, account)
            .map_err(|e| Error::SecretStore(format!("secret store: {e}")))
    }

    /// Writes, reads and deletes a probe entry: a store that is present but locked fails here.
    /// The entry's name is this probe's own, so processes starting together never see each
    /// other's probe (one deleting the entry another is reading).
    pub fn probe(&self) -> Result<(), Error> {
        let probe = Secret::new("probe");
        let name = format!("elevate-probe-{}", uuid::Uuid::new_v4());
        self.set(&name, &probe)?;
        let back = self.get(&name);
        self.delete(&name)?;
        let back = back?;
        if back.as_ref() != Some(&probe) {
            return Err(Error::SecretStore(
                "the secret store did not return what was stored".into(),
            ));
        }
        Ok(())
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, account: &str) -> Result<Option<Secret>, Error> {
        match self.entry(account)?.get_password() {
            Ok(v) => Ok(Some(Secret::new(v))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(Error::SecretStore(format!(
                "reading from the secret store: {e}"
            ))),
        }
    }
    fn set(&self, account: &str, secret: &Secret) -> Result<(), Error> {
        self.entry(account)?
            .set_password(secret.expose())
            .map_err(|e| Error::SecretStore(format!("writing to the secret store: {e}")))
    }
    fn delete(&self, account: &str) -> Result<(), Error> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(Error::SecretStore(format!(
                "deleting from the secret store: {e}"
            ))),
        }
    }
    fn describe(&self) -> &'static str {
        if cfg!(target_os = "windows") {
            "Windows Credential Manager"
        } else if cfg!(target_os = "macos") {
            "macOS Keychain"
        } else {
            "Secret Service"
        }
    }
}

/// Secrets larger than the inner store allows: a random key goes into the inner store and
/// the token, sealed with it (ChaCha20-Poly1305), into a file beside the data. The file alone
/// reveals nothing; the store alone holds only the key.
pub struct SealedStore<S: SecretStore> {
    inner: S,
    dir: PathBuf,
    /// Secrets up to this many bytes go to the inner store as they are.
    limit: usize,
}

const SEALED: &str = "sealed:v1:";

impl<S: SecretStore> SealedStore<S> {
    pub fn new(inner: S, dir: PathBuf, limit: usize) -> SealedStore<S> {
        SealedStore { inner, dir, limit }
    }

    fn path(&self, account: &str) -> PathBuf {
        use sha2::{Digest, Sha256};
        let name: String = Sha256::digest(account.as_bytes())
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect();
        self.dir.join(format!("{name}.sealed"))
    }
}

impl<S: SecretStore> SecretStore for SealedStore<S> {
    fn get(&self, account: &str) -> Result<Option<Secret>, Error> {
        let Some(stored) = self.inner.get(account)? else {
            return Ok(None);
        };
        let Some(key) = stored.expose().strip_prefix(SEALED) else {
            return Ok(Some(stored));
        };
        let key = B64.decode(key).map_err(|_| {
            Error::SecretStore("the sealing key in the secret store is damaged".into())
        })?;
        let blob = match std::fs::read(self.path(account)) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("reading the sealed token", e)),
        };
        if blob.len() < 12 || key.len() != 32 {
            return Err(Error::SecretStore(
                "the sealed token is damaged; sign in again".into(),
            ));
        }
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&key));
        let plain = cipher
            .decrypt(Nonce::from_slice(&blob[..12]), &blob[12..])
            .map_err(|_| {
                Error::SecretStore("the sealed token does not match its key; sign in again".into())
            })?;
        Ok(Some(Secret::new(String::from_utf8(plain).map_err(
            |_| Error::SecretStore("the sealed token is damaged".into()),
        )?)))
    }

    fn set(&self, account: &str, secret: &Secret) -> Result<(), Error> {
        if secret.expose().len() <= self.limit {
            let _ = std::fs::remove_file(self.path(account));
            return self.inner.set(account, secret);
        }
        let key: [u8; 32] = rand::random();
        let nonce: [u8; 12] = rand::random();
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&key));
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), secret.expose().as_bytes())
            .map_err(|_| Error::SecretStore("sealing failed".into()))?;
        let mut blob = nonce.to_vec();
        blob.extend(sealed);
        crate::store::write_atomic(&self.path(account), &blob)?;
        self.inner.set(
            account,
            &Secret::new(format!("{SEALED}{}", B64.encode(key))),
        )
    }

    fn delete(&self, account: &str) -> Result<(), Error> {
        let _ = std::fs::remove_file(self.path(account));
        self.inner.delete(account)
    }

    fn describe(&self) -> &'static str {
        self.inner.describe()
    }
}

/// No secret store: the session lives in memory only and the user is told so.
#[derive(Default)]
pub struct MemoryStore(Mutex<HashMap<String, Secret>>);

impl SecretStore for MemoryStore {
    fn get(&self, account: &str) -> Result<Option<Secret>, Error> {
        Ok(self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(account)
            .cloned())
    }
    fn set(&self, account: &str, secret: &Secret) -> Result<(), Error> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(account.to_string(), secret.clone());
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<(), Error> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(account);
        Ok(())
    }
    fn describe(&self) -> &'static str {
        "memory only (no secret store available)"
    }
    fn persistent(&self) -> bool {
        false
    }
}

/// The platform's secret store when it works; otherwise memory, with the reason to show.
pub fn open_default(service: &str, data_dir: PathBuf) -> (Box<dyn SecretStore>, Option<String>) {
    let keyring = KeyringStore::new(service);
    match keyring.probe() {
        Ok(()) => {
            if cfg!(target_os = "windows") {
                // Credential Manager holds 2,560 bytes; refresh tokens can be larger.
                (Box::new(SealedStore::new(keyring, data_dir, 1200)), None)
            } else {
                (Box::new(keyring), None)
            }
        }
        Err(e) => (
            Box::new(MemoryStore::default()),
            Some(format!("No usable secret store ({e}). Your session is kept in memory only: you will need to sign in again after Elevate restarts.")),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug() {
        let s = Secret::new("rt.very-secret-value");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some(Secret(***))");
        assert_eq!(s.expose(), "rt.very-secret-value");
    }

    #[test]
    fn sealed_store_keeps_large_tokens_in_a_file_and_only_the_key_in_the_store() {
        let dir = std::env::temp_dir().join(format!("elevate-sealed-{}", uuid::Uuid::new_v4()));
        let store = SealedStore::new(MemoryStore::default(), dir.clone(), 64);
        let big = Secret::new("x".repeat(5000));
        store.set("acct", &big).expect("set");
        let inner = store.inner.get("acct").expect("get").expect("some");
        assert!(
            inner.expose().starts_with(SEALED) && inner.expose().len() < 100,
            "only a key in the limited store"
        );
        let file = std::fs::read(store.path("acct")).expect("sealed file");
        assert!(
            !String::from_utf8_lossy(&file).contains("xxxxxxxx"),
            "the file is sealed"
        );
        assert_eq!(store.get("acct").expect("get"), Some(big));
        let small = Secret::new("small");
        store.set("acct", &small).expect("set small");
        assert!(!store.path("acct").exists());
        assert_eq!(store.get("acct").expect("get"), Some(small));
        store.delete("acct").expect("delete");
        assert_eq!(store.get("acct").expect("get"), None);
        let _ = std::fs::remove_dir_all(dir);
    }
}
