//! The app's state: one PIM client (on the demo tenant or the configured one), the latest
//! view, and what the tray shows. Logic stays in elevate-core; this wires it to the app.

use std::sync::{Arc, Mutex};

use chrono::{Duration, Utc};
use elevate_core::app::View;
use elevate_core::auth::Session;
use elevate_core::config::{Config, Defaults};
use elevate_core::http::Http;
use elevate_core::model::{AssignmentType, Status};
use elevate_core::os::{Clock, SystemClock};
use elevate_core::pim::Pim;
use elevate_core::scheduler::{Due, Scheduler};
use elevate_core::secret::{self, MemoryStore, SecretStore};
use elevate_core::store::DataDir;
use elevate_core::tray::TrayState;
use elevate_core::Error;

/// The demo's time is the demo tenant's (its clock can be advanced from `/_sim/clock`).
struct DemoClock(Arc<elevate_sim::Sim>);

impl Clock for DemoClock {
    fn now(&self) -> chrono::DateTime<Utc> {
        self.0.lock().tenant.now()
    }
}

pub struct AppState {
    pub pim: Arc<Pim>,
    pub data: DataDir,
    pub clock: Arc<dyn Clock>,
    pub scheduler: Mutex<Scheduler>,
    pub view: Mutex<Option<View>>,
    cancelled: Mutex<Vec<String>>,
    /// Granted activations whose access is being checked ("activating…").
    activating: Mutex<std::collections::BTreeSet<String>>,
    /// The item the popup opens on next (taken by the `view` command).
    focus: Mutex<Option<String>>,
    /// The settings, and where they are saved.
    pub config: Mutex<Config>,
    pub config_path: Option<std::path::PathBuf>,
    /// Whether "sign in needed" was said since the last refresh that worked.
    signin_told: std::sync::atomic::AtomicBool,
    auto_done: std::sync::atomic::AtomicBool,
    pub demo: bool,
    /// Keeps the embedded demo tenant alive for the app's lifetime.
    _sim: Option<elevate_sim::SimServer>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The demo tenant's registered client (both planes).
const DEMO_CLIENT: &str = "3b6f2d8e-5c1a-4f0b-9e7d-2a4c6b8e0f13";

impl AppState {
    /// Demo: an embedded elevate-sim on 127.0.0.1, tokens in memory. Signed out until
    /// [`AppState::sign_in_demo`].
    pub async fn demo() -> Result<AppState, Error> {
        // `large` (2,000 assignments) for `make bench`; the demo scenario otherwise.
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
        let env = |k: &str| match k {
            "ELEVATE_CLOUD" => Some("custom".to_string()),
            "ELEVATE_TENANT_ID" => Some(sim.sim().tenant_id()),
            "ELEVATE_CLIENT_ID" => Some(DEMO_CLIENT.to_string()),
            "ELEVATE_LOGIN_URL" => Some(sim.login_url()),
            "ELEVATE_GRAPH_URL" => Some(sim.graph_url()),
            "ELEVATE_ARM_URL" => Some(sim.arm_url()),
            _ => None,
        };
        let resolved = Config::default().resolve(&env)?;
        let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
        let session = Session::new(
            resolved,
            Http::new()?,
            store,
            Arc::new(elevate_core::auth::SystemOpener),
        );
        eprintln!(
            "elevate: demo tenant at {} (approvals: {}/_sim/approve)",
            sim.base_url(),
            sim.base_url()
        );
        let clock: Arc<dyn Clock> = Arc::new(DemoClock(sim.sim().clone()));
        let pim = Pim::new(Arc::new(session), clock.clone());
        // The demo keeps its favorites and settings apart from a real tenant's.
        let data = DataDir::platform()
            .map(|d| DataDir(d.0.join("demo")))
            .unwrap_or_else(|| DataDir(std::env::temp_dir().join("elevate-demo")));
        let config_path = data.0.join("config.toml");
        let (config, notice) = Config::load(&config_path)?;
        if let Some(n) = notice {
            eprintln!("elevate: {n}");
        }
        Ok(AppState {
            pim: Arc::new(pim),
            data,
            clock,
            scheduler: Mutex::new(Scheduler::new(&config.reminders)),
            view: Mutex::new(None),
            cancelled: Mutex::new(vec![]),
            activating: Mutex::default(),
            focus: Mutex::default(),
            config: Mutex::new(config),
            config_path: Some(config_path),
            signin_told: Default::default(),
            auto_done: Default::default(),
            demo: true,
            _sim: Some(sim),
        })
    }

    /// The demo's sign-in is the real one: the system browser opens the demo tenant's
    /// authorize page (which signs the demo user in at once), PKCE and state are checked on
    /// the loopback redirect. Only where no browser can be started does it fall back to the
    /// device code flow, which the demo tenant approves by itself.
    pub async fn sign_in_demo(&self) -> Result<(), Error> {
        let session = self.pim.session();
        match session.sign_in(None).await {
            Ok(_) => Ok(()),
            Err(Error::Unsupported(why)) => {
                eprintln!("elevate: {why}; signing in to the demo tenant with a device code");
                session.sign_in_device(|_| {}).await.map(|_| ())
            }
            Err(e) => Err(e),
        }
    }

    /// The configured tenant, tokens in the OS secret store.
    pub fn configured() -> Result<AppState, Error> {
        let config_path = Config::default_path();
        let (config, notice) = match &config_path {
            Some(p) => Config::load(p)?,
            None => (Config::default(), None),
        };
        if let Some(n) = notice {
            eprintln!("elevate: {n}");
        }
        let env = |k: &str| std::env::var(k).ok();
        let resolved = config.resolve(&env)?;
        let data =
            DataDir::platform().ok_or_else(|| Error::Unsupported("no data directory".into()))?;
        let (store, _) = secret::open_default("elevate", data.0.clone());
        let session = Session::new(
            resolved,
            Http::new()?,
            Arc::from(store),
            Arc::new(elevate_core::auth::SystemOpener),
        )
        .with_data_dir(data.0.clone());
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let pim = Pim::new(Arc::new(session), clock.clone());
        Ok(AppState {
            pim: Arc::new(pim),
            data,
            clock,
            scheduler: Mutex::new(Scheduler::new(&config.reminders)),
            view: Mutex::new(None),
            cancelled: Mutex::new(vec![]),
            activating: Mutex::default(),
            focus: Mutex::default(),
            config: Mutex::new(config),
            config_path,
            signin_told: Default::default(),
            auto_done: Default::default(),
            demo: false,
            _sim: None,
        })
    }

    /// Refreshes; returns the view, what the schedule says ended meanwhile, and the
    /// decisions on requests that were pending (label, approved).
    pub async fn refresh(&self) -> (View, Vec<Due>, Vec<(String, bool)>) {
        let before = self.cached();
        let snapshot = self.pim.refresh().await;
        let now = self.clock.now();
        let ended = self
            .scheduler
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .update(&snapshot.assignments, now);
        let mut decisions = vec![];
        if let Some(before) = &before {
            let cancelled =
                std::mem::take(&mut *self.cancelled.lock().unwrap_or_else(|p| p.into_inner()));
            for was in before
                .snapshot
                .assignments
                .iter()
                .filter(|a| a.status == Status::PendingApproval)
            {
                let still = snapshot
                    .assignments
                    .iter()
                    .any(|a| a.key == was.key && a.status == Status::PendingApproval);
                // A plane that failed this time tells nothing about its requests.
                let plane_failed = snapshot.failures.iter().any(|f| f.plane == was.plane);
                if still || plane_failed || cancelled.contains(&was.key) {
                    continue;
                }
                let active = snapshot
                    .assignments
                    .iter()
                    .any(|a| a.key == was.key && a.status == Status::Active);
                decisions.push((was.label(), active));
            }
        }
        let favorites = self
            .data
            .load_favorites()
            .map(|(f, _)| f)
            .unwrap_or_default();
        let view = View {
            account: self.pim.session().identity(),
            snapshot,
            favorites,
            refreshed_at: now.timestamp_millis(),
            activating: lock(&self.activating).iter().cloned().collect(),
            focus: None,
        };
        *self.view.lock().unwrap_or_else(|p| p.into_inner()) = Some(view.clone());
        (view, ended, decisions)
    }

    /// Marks `key` as activating (true) or done (false); returns whether it changed.
    pub fn set_activating(&self, key: &str, on: bool) -> bool {
        let mut set = lock(&self.activating);
        let changed = if on {
            set.insert(key.to_string())
        } else {
            set.remove(key)
        };
        drop(set);
        if changed {
            if let Some(v) = lock(&self.view).as_mut() {
                v.activating = lock(&self.activating).iter().cloned().collect();
            }
        }
        changed
    }

    /// The user's defaults (justification, ticket, duration), as last saved.
    pub fn defaults(&self) -> Defaults {
        lock(&self.config).defaults.clone()
    }

    /// Saves new settings: checked first (nothing changes on error), then written, then
    /// applied (reminders at once; tenant and cloud at the next start).
    pub fn save_settings(&self, settings: &elevate_core::app::Settings) -> Result<Config, Error> {
        let mut next = lock(&self.config).clone();
        settings.apply(&mut next)?;
        if let Some(path) = &self.config_path {
            next.save(path)?;
        }
        lock(&self.scheduler).set_leads(&next.reminders, self.clock.now());
        *lock(&self.config) = next.clone();
        Ok(next)
    }

    /// Whether favorites are to be activated now: on, and not yet done since the start.
    pub fn auto_activation_due(&self) -> bool {
        lock(&self.config).auto_activate_favorites
            && !self
                .auto_done
                .swap(true, std::sync::atomic::Ordering::SeqCst)
    }

    /// Whether to tell "sign in needed" now: once per episode.
    pub fn sign_in_notice(&self, needed: bool) -> bool {
        use std::sync::atomic::Ordering;
        if needed {
            !self.signin_told.swap(true, Ordering::SeqCst)
        } else {
            self.signin_told.store(false, Ordering::SeqCst);
            false
        }
    }

    pub fn set_focus(&self, key: Option<String>) {
        *lock(&self.focus) = key;
    }

    pub fn take_focus(&self) -> Option<String> {
        lock(&self.focus).take()
    }

    /// Requests the user cancelled here: their end is not news.
    pub fn cancelled_here(&self, key: &str) {
        self.cancelled
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(key.to_string());
    }

    /// Whether a request waits for a decision (then the view refreshes more often).
    pub fn has_pending(&self) -> bool {
        self.view
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_some_and(|v| {
                v.snapshot
                    .assignments
                    .iter()
                    .any(|a| a.status == Status::PendingApproval)
            })
    }

    /// Reminders due now.
    pub fn due(&self) -> Vec<Due> {
        self.scheduler
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .due(self.clock.now())
    }

    pub fn cached(&self) -> Option<View> {
        self.view.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// What a glance at the tray must tell, from the latest view.
    pub fn tray_state(&self) -> TrayState {
        // Runs every tick: read the view in place rather than cloning it.
        let guard = self.view.lock().unwrap_or_else(|p| p.into_inner());
        let Some(view) = guard.as_ref() else {
            return TrayState::Idle;
        };
        let now = self.clock.now();
        let lead = lock(&self.config)
            .reminders
            .iter()
            .max()
            .copied()
            .unwrap_or(15);
        let soon = now + Duration::minutes(i64::from(lead));
        TrayState::most_urgent(
            view.snapshot
                .assignments
                .iter()
                .filter_map(|a| match a.status {
                    Status::PendingApproval => Some(TrayState::Pending),
                    Status::Active if a.assignment_type == Some(AssignmentType::Activated) => {
                        Some(if a.end_date_time.is_some_and(|e| e <= soon) {
                            TrayState::Expiring
                        } else {
                            TrayState::Active
                        })
                    }
                    _ => None,
                }),
        )
    }
}
