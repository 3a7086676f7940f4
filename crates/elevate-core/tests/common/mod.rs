//! Test rig: an embedded elevate-sim over real HTTP, a browser stand-in that follows the
//! sign-in redirect to the loopback listener (the OS edge), and a clock that follows the sim.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use elevate_core::auth::{Opener, Session};
use elevate_core::config::{Cloud, Endpoints, Resolved};
use elevate_core::http::{Http, RetryPolicy};
use elevate_core::model::{Assignment, Status};
use elevate_core::os::Clock;
use elevate_core::pim::Pim;
use elevate_core::planner::ActivationInput;
use elevate_core::secret::{MemoryStore, SecretStore};
use elevate_core::Error;
use elevate_sim::{Scenario, Settings, SimServer};
use serde_json::{json, Value};

pub const ELEVATE_CLIENT: &str = "3b6f2d8e-5c1a-4f0b-9e7d-2a4c6b8e0f13";

/// Acts as the user's browser: GET the authorize URL, follow its redirect to the loopback.
pub struct SimBrowser {
    pub opened: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Opener for SimBrowser {
    fn open(&self, url: &str) -> Result<(), Error> {
        self.opened.lock().expect("lock").push(url.to_string());
        let url = url.to_string();
        tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client");
            let resp = http.get(&url).send().await.expect("authorize");
            if let Some(loc) = resp.headers().get("location").and_then(|l| l.to_str().ok()) {
                let _ = http
                    .get(loc.replace("://localhost:", "://127.0.0.1:"))
                    .send()
                    .await;
            }
        });
        Ok(())
    }
}

/// Time as the simulated tenant sees it.
pub struct SimClock(pub Arc<elevate_sim::Sim>);

impl Clock for SimClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.lock().tenant.now()
    }
}

pub struct Rig {
    pub sim: SimServer,
    pub pim: Pim,
    pub store: Arc<dyn SecretStore>,
    pub opened: Arc<std::sync::Mutex<Vec<String>>>,
    pub data: PathBuf,
}

/// The service's environment on `sim`: its endpoints, tokens in memory, the sim's clock, the
/// browser stand-in, data (and, when given, the config file) in `dir`.
pub fn sim_env(
    sim: &SimServer,
    dir: &std::path::Path,
    config: Option<PathBuf>,
    background: bool,
) -> elevate_core::service::Env {
    let vars: Vec<(String, String)> = vec![
        ("ELEVATE_CLOUD".into(), "custom".into()),
        ("ELEVATE_TENANT_ID".into(), sim.sim().tenant_id()),
        ("ELEVATE_CLIENT_ID".into(), ELEVATE_CLIENT.into()),
        ("ELEVATE_LOGIN_URL".into(), sim.login_url()),
        ("ELEVATE_GRAPH_URL".into(), sim.graph_url()),
        ("ELEVATE_ARM_URL".into(), sim.arm_url()),
    ];
    elevate_core::service::Env {
        config_path: config,
        data: elevate_core::store::DataDir(dir.to_path_buf()),
        vars: Arc::new(move |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())),
        tenant: None,
        secrets: elevate_core::service::Secrets::Memory,
        clock: Arc::new(SimClock(sim.sim().clone())),
        opener: Arc::new(SimBrowser {
            opened: Default::default(),
        }),
        demo: false,
        background,
        policy: Default::default(),
        keep_alive: None,
    }
}

pub fn resolved(sim: &SimServer, client: &str, arm_client: &str) -> Resolved {
    Resolved {
        tenant: sim.sim().tenant_id(),
        client_id: client.into(),
        arm_client_id: arm_client.into(),
        cloud: Cloud::Custom,
        endpoints: Endpoints::custom(&sim.login_url(), &sim.graph_url(), &sim.arm_url())
            .expect("endpoints"),
    }
}

pub async fn rig() -> Rig {
    rig_with(
        Scenario::builtin("demo").expect("demo"),
        ELEVATE_CLIENT,
        ELEVATE_CLIENT,
        Arc::new(MemoryStore::default()),
    )
    .await
}

pub async fn rig_with(
    scenario: Scenario,
    client: &str,
    arm_client: &str,
    store: Arc<dyn SecretStore>,
) -> Rig {
    let settings = Settings {
        auto_sign_in: Some(scenario.default_user.clone()),
        ..Settings::default()
    };
    let sim = SimServer::start(scenario, settings).await.expect("sim");
    let http = Http::new().expect("http").with_retry(RetryPolicy {
        max_attempts: 4,
        base_delay: std::time::Duration::from_millis(20),
        max_delay: std::time::Duration::from_secs(5),
    });
    let opened = Arc::new(std::sync::Mutex::new(vec![]));
    let data = std::env::temp_dir().join(format!("elevate-core-test-{}", uuid::Uuid::new_v4()));
    let session = Session::new(
        resolved(&sim, client, arm_client),
        http,
        store.clone(),
        Arc::new(SimBrowser {
            opened: opened.clone(),
        }),
    )
    .with_data_dir(data.clone());
    let pim = Pim::new(Arc::new(session), Arc::new(SimClock(sim.sim().clone())));
    Rig {
        sim,
        pim,
        store,
        opened,
        data,
    }
}

impl Rig {
    pub async fn signed_in(self) -> Rig {
        let (_, problems) = self.pim.session().sign_in(None).await.expect("sign in");
        assert!(problems.is_empty(), "{problems:?}");
        self
    }

    pub fn count(&self, route: &str) -> u64 {
        self.sim.sim().lock().count(route)
    }

    pub fn total(&self) -> u64 {
        self.sim.sim().lock().total_requests()
    }

    pub fn reset_counters(&self) {
        let mut s = self.sim.sim().lock();
        s.counters.clear();
        s.log.clear();
    }

    pub fn fault(&self, f: Value) {
        let fault: elevate_sim::Fault = serde_json::from_value(f).expect("fault");
        self.sim.sim().lock().faults.push(fault);
    }

    pub fn advance(&self, minutes: i64) {
        self.sim
            .sim()
            .lock()
            .tenant
            .clock
            .advance(chrono::Duration::minutes(minutes));
    }

    pub fn activations(&self, needle: &str) -> usize {
        let s = self.sim.sim().lock();
        let now = s.tenant.now();
        s.tenant
            .actives
            .iter()
            .filter(|a| {
                a.activated
                    && a.end.is_none_or(|e| e > now)
                    && format!("{:?}", a.target).contains(needle)
            })
            .count()
    }

    pub fn settings(&self, f: impl FnOnce(&mut Settings)) {
        f(&mut self.sim.sim().lock().tenant.settings);
    }
}

pub fn json_of(v: impl serde::Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(json!(null))
}

/// The assignment labelled `name` with `status`; panics with the whole list otherwise.
pub fn find<'a>(all: &'a [Assignment], name: &str, status: Status) -> &'a Assignment {
    all.iter()
        .find(|a| a.label() == name && a.status == status)
        .unwrap_or_else(|| {
            panic!(
                "{name} ({status:?}) not in {:?}",
                all.iter()
                    .map(|a| (a.label(), a.status))
                    .collect::<Vec<_>>()
            )
        })
}

/// An activation input with this justification, for one hour.
pub fn input(j: &str) -> ActivationInput {
    ActivationInput {
        justification: Some(j.into()),
        duration: Some(chrono::Duration::hours(1)),
        ..Default::default()
    }
}
