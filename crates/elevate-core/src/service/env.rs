//! Where an `Elevate` comes from: the config file, the data directory, the environment
//! variables, the secret store, the clock, the browser opener and the organisation's policy.
//! `Env::from_process` is the real machine's; the demo and the tests build their own.

use std::path::PathBuf;
use std::sync::Arc;

use crate::auth::{Opener, SystemOpener};
use crate::config::Config;
use crate::error::Error;
use crate::os::{Clock, SystemClock};
use crate::secret::{self, MemoryStore, SecretStore};
use crate::store::DataDir;

/// Where refresh tokens are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secrets {
    /// The OS secret store, or memory (with a notice) when there is none.
    Platform,
    /// Memory only, by design (the demo, tests).
    Memory,
}

pub type Vars = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

pub struct Env {
    /// The settings file; None: defaults only, nothing saved.
    pub config_path: Option<PathBuf>,
    pub data: DataDir,
    /// Environment variables (`ELEVATE_*`, `AZURE_TENANT_ID`).
    pub vars: Vars,
    /// A tenant that overrides the configured one (`elevatectl login --tenant`).
    pub tenant: Option<String>,
    pub secrets: Secrets,
    pub clock: Arc<dyn Clock>,
    pub opener: Arc<dyn Opener>,
    /// Running on the built-in demo tenant.
    pub demo: bool,
    /// A long-running front end (see `Elevate::background`).
    pub background: bool,
    /// The organisation's managed settings (`managed::load_system()` on a real machine).
    pub policy: crate::managed::Policy,
    /// Kept alive as long as the `Elevate` (the demo's embedded tenant).
    pub keep_alive: Option<Box<dyn std::any::Any + Send + Sync>>,
}

impl Env {
    /// This machine: `ELEVATE_CONFIG` or the platform's config file, `ELEVATE_DATA_DIR` or the
    /// platform's data directory, the process environment, the OS secret store.
    pub fn from_process() -> Result<Env, Error> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let config_path = var("ELEVATE_CONFIG")
            .map(PathBuf::from)
            .or_else(Config::default_path);
        let data = var("ELEVATE_DATA_DIR")
            .map(|d| DataDir(PathBuf::from(d)))
            .or_else(DataDir::platform)
            .ok_or_else(|| {
                Error::Unsupported(
                    "There is no data directory (HOME is not set): set ELEVATE_DATA_DIR.".into(),
                )
            })?;
        Ok(Env {
            config_path,
            data,
            vars: Arc::new(move |k: &str| var(k)),
            tenant: None,
            secrets: Secrets::Platform,
            clock: Arc::new(SystemClock),
            opener: Arc::new(SystemOpener),
            demo: false,
            background: false,
            policy: crate::managed::load_system(),
            keep_alive: None,
        })
    }

    pub(crate) fn secret_store(&self) -> (Arc<dyn SecretStore>, Option<String>) {
        match self.secrets {
            Secrets::Memory => (Arc::new(MemoryStore::default()), None),
            Secrets::Platform => {
                let (store, notice) = secret::open_default("elevate", self.data.0.clone());
                (Arc::from(store), notice)
            }
        }
    }
}
