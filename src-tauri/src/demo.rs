//! The built-in demo tenant (cargo feature `demo`, on by default): an elevate-sim inside the
//! app on 127.0.0.1, tokens in memory, the tenant's clock as the app's clock (it can be
//! advanced from `/_sim/clock`), favorites and settings apart from a real tenant's.

use std::sync::Arc;

use elevate_core::os::Clock;
use elevate_core::service::{Env, Secrets};
use elevate_core::shell::Shell;
use elevate_core::store::DataDir;
use elevate_core::{Elevate, Error};

/// The demo tenant's registered client (both planes).
const DEMO_CLIENT: &str = "3b6f2d8e-5c1a-4f0b-9e7d-2a4c6b8e0f13";

struct DemoClock(Arc<elevate_sim::Sim>);

impl Clock for DemoClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.lock().tenant.now()
    }
}

/// Where the demo keeps its favorites, settings and history.
pub fn data_dir() -> DataDir {
    DataDir::platform()
        .map(|d| DataDir(d.0.join("demo")))
        .unwrap_or_else(|| DataDir(std::env::temp_dir().join("elevate-demo")))
}

/// Starts the demo tenant (`ELEVATE_DEMO_SCENARIO` picks another scenario, e.g. `large` for
/// the bench) and opens the service on it, signed out.
pub async fn open(shell: Arc<dyn Shell>, data: DataDir) -> Result<Arc<Elevate>, Error> {
    let name = std::env::var("ELEVATE_DEMO_SCENARIO").unwrap_or_else(|_| "demo".into());
    let scenario = elevate_sim::Scenario::builtin(&name).map_err(Error::InvalidInput)?;
    let settings = elevate_sim::Settings {
        auto_sign_in: Some(scenario.default_user.clone()),
        device_code_interval: 1,
        ..Default::default()
    };
    let sim = elevate_sim::SimServer::start(scenario, settings)
        .await
        .map_err(|e| Error::io("starting the demo tenant", e))?;
    let vars: Vec<(&str, String)> = vec![
        ("ELEVATE_CLOUD", "custom".into()),
        ("ELEVATE_TENANT_ID", sim.sim().tenant_id()),
        ("ELEVATE_CLIENT_ID", DEMO_CLIENT.into()),
        ("ELEVATE_LOGIN_URL", sim.login_url()),
        ("ELEVATE_GRAPH_URL", sim.graph_url()),
        ("ELEVATE_ARM_URL", sim.arm_url()),
    ];
    let vars: Vec<(String, String)> = vars.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    tracing::info!(
        "demo tenant at {} (approvals: {}/_sim/approve)",
        sim.base_url(),
        sim.base_url()
    );
    let clock = Arc::new(DemoClock(sim.sim().clone()));
    let env = Env {
        config_path: Some(data.0.join("config.toml")),
        data,
        vars: Arc::new(move |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())),
        tenant: None,
        secrets: Secrets::Memory,
        clock,
        opener: Arc::new(elevate_core::auth::SystemOpener),
        demo: true,
        background: true,
        // The machine's policy applies to the demo too (its tenant and cloud are exempt).
        policy: elevate_core::managed::load_system(),
        keep_alive: Some(Box::new(sim)),
    };
    Elevate::open(env, shell)
}

/// The demo's sign-in is the real one: the system browser opens the demo tenant's authorize
/// page (which signs the demo user in at once), PKCE and state are checked on the loopback
/// redirect. Only where no browser can be started does it fall back to the device code flow,
/// which the demo tenant approves by itself. Done before the service is published, so a popup
/// opened meanwhile shows "loading", not a "Sign in" button that flips.
pub async fn sign_in(e: &Arc<Elevate>) {
    let session = e.session();
    let signing_in = async {
        match session.sign_in(None).await {
            Ok(_) => Ok(()),
            Err(Error::Unsupported(why)) => {
                tracing::info!("{why}; signing in to the demo tenant with a device code");
                session.sign_in_device(|_| {}).await.map(|_| ())
            }
            Err(err) => Err(err),
        }
    };
    match tokio::time::timeout(std::time::Duration::from_secs(20), signing_in).await {
        Ok(Ok(())) => {}
        Ok(Err(err)) => tracing::warn!("demo sign-in: {err}"),
        Err(_) => tracing::warn!("demo sign-in: the browser did not come back in 20 s"),
    }
}
