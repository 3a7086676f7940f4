//! What every command needs: configuration, data dir, secret store, session and PIM client.

use std::path::PathBuf;
use std::sync::Arc;

use elevate_core::auth::{Session, SystemOpener};
use elevate_core::config::Config;
use elevate_core::http::Http;
use elevate_core::os::SystemClock;
use elevate_core::pim::Pim;
use elevate_core::secret::{self, SecretStore};
use elevate_core::store::DataDir;
use elevate_core::Error;

pub struct Context {
    pub config: Config,
    pub data: DataDir,
    pub pim: Pim,
    pub store: Arc<dyn SecretStore>,
    /// Things the user must know (a corrupt file moved aside, no secret store).
    pub notices: Vec<String>,
}

fn env(k: &str) -> Option<String> {
    std::env::var(k).ok()
}

impl Context {
    pub fn new(tenant: Option<&str>) -> Result<Context, Error> {
        let mut notices = vec![];
        let config_path = env("ELEVATE_CONFIG")
            .map(PathBuf::from)
            .or_else(Config::default_path);
        let config = match &config_path {
            Some(p) => {
                let (c, notice) = Config::load(p)?;
                notices.extend(notice);
                c
            }
            None => Config::default(),
        };
        let data = env("ELEVATE_DATA_DIR")
            .map(|d| DataDir(PathBuf::from(d)))
            .or_else(DataDir::platform)
            .ok_or_else(|| Error::Unsupported("no data directory (HOME is not set)".into()))?;
        let mut resolved = config.resolve(&env)?;
        if let Some(t) = tenant {
            resolved.tenant = t.to_string();
        }
        let (store, notice) = secret::open_default("elevate", data.0.clone());
        notices.extend(notice);
        let store: Arc<dyn SecretStore> = Arc::from(store);
        let session = Session::new(
            resolved,
            Http::new()?,
            store.clone(),
            Arc::new(SystemOpener),
        )
        .with_data_dir(data.0.clone());
        let mut pim = Pim::new(Arc::new(session), Arc::new(SystemClock));
        pim.policy_ttl =
            std::time::Duration::from_secs(u64::from(config.policy_cache_minutes) * 60);
        Ok(Context {
            config,
            data,
            pim,
            store,
            notices,
        })
    }
}
