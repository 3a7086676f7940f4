//! The service layer: every use case of Elevate, written once. `Elevate` is opened once from
//! the configuration and the environment and owns the session, the PIM client, the stores,
//! the clock, the reminder schedule and the current view. The tray's commands, menu and
//! notification actions, `elevatectl` and its MCP server are adapters of a few lines over it;
//! what the core needs from a desktop goes through [`Shell`].

mod accounts;
mod activate;
mod admin;
mod after;
mod agent;
mod approvals;
mod background;
mod bundles;
mod doctor;
mod env;
mod favorites;
mod history;
mod intents;
mod list;
mod palette;
mod portable;
mod posture;
mod resolve;
mod reviews;
mod scopes;
mod settings;
mod signin;
mod view_cache;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::app::View;
use crate::config::Config;
use crate::error::Error;
use crate::notice::{Notice, NoticeKind, Offer};
use crate::os::Clock;
use crate::pim::Pim;
use crate::scheduler::Scheduler;
use crate::secret::SecretStore;
use crate::shell::Shell;
use crate::store::DataDir;
use crate::tray_model::{TrayContext, TrayModel};

pub use activate::{Confirmation, Done, Input, TIER0_RULE};
pub use admin::{AdminDone, AssignInput};
pub use after::Origin;
pub use approvals::{plane_of_key, time_to_decide};
pub use env::{Env, Secrets};
pub use favorites::favorite_label;
pub use history::{state_word, AuditReport, HistoryView};
pub use list::{Filter, Followed, Waiting};
pub use portable::{ImportReport, SettingsChange};
pub use resolve::{resolve, Target};
pub use reviews::{time_to_review, CLOSING_SOON_HOURS};
pub use scopes::{strictly_under, ScopeChoices, ScopeReason};
pub use settings::Saved;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What the running app tracks besides the view.
#[derive(Default)]
struct Live {
    /// Granted activations whose access is being checked ("activating…").
    activating: BTreeSet<String>,
    /// Requests cancelled here: their end is not news.
    cancelled: Vec<String>,
    /// The item the popup opens on next.
    focus: Option<String>,
    /// "Sign in needed" was said since the last refresh that worked.
    signin_told: bool,
    /// Favorites at start were done (or found nothing to do) since the start.
    auto_done: bool,
    /// What was said with `warn`, for the popup (the latest few).
    notices: Vec<String>,
    /// The requests waiting for my decision, as last looked at.
    approvals: crate::approval::ApprovalsView,
    /// The access review decisions waiting for me, as last looked at.
    reviews: crate::review::ReviewsView,
    /// Activations an AI agent asked for, until their watch ends (see `after`).
    by_agent: BTreeSet<String>,
}

/// How many notices the popup keeps.
const NOTICES_KEPT: usize = 5;

pub struct Elevate {
    pim: Arc<Pim>,
    data: DataDir,
    store: Arc<dyn SecretStore>,
    history: crate::history::History,
    clock: Arc<dyn Clock>,
    shell: Arc<dyn Shell>,
    config: Mutex<Config>,
    config_path: Option<PathBuf>,
    scheduler: Mutex<Scheduler>,
    view: Mutex<Option<View>>,
    tray: Mutex<Option<TrayModel>>,
    live: Mutex<Live>,
    demo: bool,
    /// A long-running front end (the tray): follows "ready" and decisions in the background,
    /// and acts on the view it has. A one-shot one (elevatectl, MCP) looks afresh each time.
    background: bool,
    _keep_alive: Option<Box<dyn std::any::Any + Send + Sync>>,
    /// Wakes the approvals poller at once (a "to approve" notice clicked, Refresh, turned on).
    approvals_wake: tokio::sync::Notify,
    /// The organisation's managed settings; `config` is the user's own, under it.
    managed: crate::managed::Policy,
}

impl Elevate {
    /// The one set-up path: config (a corrupt file is moved aside and said), data directory,
    /// secret store (memory only when the OS has none, and said), session and PIM client.
    pub fn open(env: Env, shell: Arc<dyn Shell>) -> Result<Arc<Elevate>, Error> {
        let mut notices = vec![];
        let config = match &env.config_path {
            Some(p) => {
                let (c, notice) = Config::load(p)?;
                notices.extend(notice);
                c
            }
            None => Config::default(),
        };
        let (store, notice) = env.secret_store();
        notices.extend(notice);
        notices.extend(crate::auth::check_accounts(&env.data.0));
        notices.extend(crate::tier::bad_overrides(&config.tiers));
        // A justification rule that cannot be checked is refused at start, never ignored.
        let rules = config
            .justification
            .rules()
            .map_err(|e| match &env.config_path {
                Some(p) => Error::InvalidInput(format!("{}: {e}", p.display())),
                None => e,
            })?;
        // The organisation's policy beats the user's settings; a tenant or cloud it does not
        // allow is refused here, before any request.
        let managed = env.policy.clone();
        notices.extend(managed.problem.clone());
        let resolved = managed.resolve(
            &managed.overlay(&config),
            &*env.vars,
            env.tenant.as_deref(),
            env.demo,
        )?;
        // The policy's proxy beats the environment and the user's `[network]`.
        let network = crate::network::Network::resolve(
            &*env.vars,
            &config.network,
            crate::network::PolicyProxy::of(&managed).as_ref(),
        )?;
        let session = crate::auth::Session::new(
            resolved,
            crate::http::Http::with_network(network)?,
            store.clone(),
            env.opener.clone(),
        )
        .with_data_dir(env.data.0.clone());
        let session = signin::with_credential(session, &*env.vars, &managed)?;
        let mut pim = Pim::new(Arc::new(session), env.clock.clone());
        pim.policy_ttl =
            std::time::Duration::from_secs(u64::from(config.policy_cache_minutes) * 60);
        pim.managed = managed.clone();
        pim.set_justification(rules);
        let history = crate::history::History::new(&env.data.0, store.clone());
        if let Err(e) = history.records() {
            if history.path().exists() {
                if let Ok(aside) = crate::store::move_aside(history.path()) {
                    notices.push(format!(
                        "{} could not be read ({e}); it was moved to {} and a new history starts",
                        history.path().display(),
                        aside.display()
                    ));
                }
            }
        }
        let elevate = Arc::new(Elevate {
            pim: Arc::new(pim),
            data: env.data,
            history,
            store,
            clock: env.clock,
            shell,
            scheduler: Mutex::new(Scheduler::new(&config.reminders)),
            config: Mutex::new(config),
            config_path: env.config_path,
            view: Mutex::new(None),
            tray: Mutex::new(None),
            live: Mutex::default(),
            demo: env.demo,
            background: env.background,
            _keep_alive: env.keep_alive,
            approvals_wake: tokio::sync::Notify::new(),
            managed,
        });
        for n in notices {
            elevate.warn(n);
        }
        elevate.paint_from_cache();
        Ok(elevate)
    }

    pub fn pim(&self) -> &Pim {
        &self.pim
    }

    pub fn session(&self) -> &crate::auth::Session {
        self.pim.session()
    }

    pub fn data(&self) -> &DataDir {
        &self.data
    }

    pub fn clock(&self) -> &dyn Clock {
        &*self.clock
    }

    pub fn demo(&self) -> bool {
        self.demo
    }

    /// The secret store in words ("the OS secret store", "memory only").
    pub fn secret_store(&self) -> &dyn SecretStore {
        &*self.store
    }

    /// The effective configuration: the user's settings overlaid by the organisation's.
    pub fn config(&self) -> Config {
        self.managed.overlay(&lock(&self.config))
    }

    /// The user's own settings, as in the file.
    pub fn user_config(&self) -> Config {
        lock(&self.config).clone()
    }

    /// The organisation's managed settings (every check a front end needs is on it).
    pub fn managed(&self) -> &crate::managed::Policy {
        &self.managed
    }

    pub fn config_path(&self) -> Option<&std::path::Path> {
        self.config_path.as_deref()
    }

    /// Shows a notice the front end raised itself (a window that failed to open).
    pub fn tell(&self, notice: Notice) {
        self.shell.notify(notice);
    }

    /// Says something the user must know once: a notification (and a line on the terminal).
    pub(crate) fn warn(&self, message: String) {
        tracing::warn!("{message}");
        {
            let mut live = lock(&self.live);
            if live.notices.contains(&message) {
                return; // said already
            }
            live.notices.push(message.clone());
            let over = live.notices.len().saturating_sub(NOTICES_KEPT);
            live.notices.drain(..over);
        }
        self.shell
            .notify(Notice::new(NoticeKind::Warning, "Elevate", message));
    }

    /// The latest view, if any.
    pub fn cached(&self) -> Option<View> {
        lock(&self.view).clone()
    }

    /// The view for a popup that just opened: the latest one (refreshing first when there is
    /// none), carrying the item to open on, which it takes.
    pub async fn view_for_popup(self: &Arc<Self>) -> View {
        let mut view = match self.cached() {
            Some(v) => v,
            None => self.refresh().await,
        };
        view.focus = lock(&self.live).focus.take();
        view
    }

    /// Opens the popup, on `key`'s form when given.
    pub fn open_on(&self, key: Option<&str>) {
        lock(&self.live).focus = key.map(str::to_string);
        if key.is_some() {
            // A popup that is already open learns it from the view; a new one asks for it.
            if let Some(mut v) = self.cached() {
                v.focus = key.map(str::to_string);
                self.shell.publish(&v);
            }
        }
        self.shell.open_popup();
    }

    /// Stores and publishes a view, then brings the tray up to date.
    fn publish(&self, view: View) {
        self.publish_with(true, move |v| *v = Some(view));
    }

    /// Changes the stored view, publishes it and brings the tray up to date. The sections
    /// the background loops own (approvals, reviews, what is activating) are read from
    /// `live` under the view's lock: a view a refresh built before a loop's last look must
    /// not hide what that look found, and views go out in the order they were stored.
    pub(crate) fn publish_with(&self, force_tray: bool, change: impl FnOnce(&mut Option<View>)) {
        let published = {
            let mut guard = lock(&self.view);
            change(&mut guard);
            guard.as_mut().map(|v| {
                v.approvals = self.approvals_view();
                v.reviews = self.reviews_view();
                v.activating = lock(&self.live).activating.iter().cloned().collect();
                self.shell.publish(v);
            })
        };
        if published.is_some() {
            self.update_tray(force_tray);
        }
    }

    /// The tray for the current view and time; drawn only when it changed. The tray's lock is
    /// held from reading the view to drawing: the refresh, approvals and reviews loops each
    /// update the view, and a model computed earlier must never be drawn over a later one.
    pub(crate) fn update_tray(&self, force: bool) {
        let mut shown = lock(&self.tray);
        let model = {
            let view = lock(&self.view);
            match view.as_ref() {
                None => TrayModel::starting(self.demo),
                Some(v) => {
                    let lead = lock(&self.config)
                        .reminders
                        .iter()
                        .max()
                        .copied()
                        .unwrap_or(15);
                    let accounts = self.session().accounts();
                    let bundles: Vec<String> = lock(&self.config)
                        .bundles
                        .iter()
                        .map(|b| b.name.clone())
                        .collect();
                    TrayModel::build(
                        v,
                        &TrayContext {
                            now: self.clock.now(),
                            lead_minutes: lead,
                            demo: self.demo,
                            accounts: &accounts,
                            bundles: &bundles,
                        },
                    )
                }
            }
        };
        if force || shown.as_ref() != Some(&model) {
            self.shell.set_tray(&model);
            *shown = Some(model);
        }
    }

    /// The tray as last drawn.
    pub fn tray(&self) -> Option<TrayModel> {
        lock(&self.tray).clone()
    }

    /// Refreshes: lists the three planes, follows the reminder schedule, tells what ended
    /// and what was decided, publishes the view and updates the tray.
    pub async fn refresh(self: &Arc<Self>) -> View {
        // A view from the disk cache is no "before": what changed while Elevate was not
        // running is not told as if it had just happened.
        let before = self.cached().filter(|v| !v.from_cache);
        let snapshot = self.pim.refresh().await;
        for w in self.session().take_warnings() {
            self.warn(w);
        }
        let now = self.clock.now();
        let ended = lock(&self.scheduler).update(&snapshot.assignments, now);
        let decisions = match &before {
            Some(before) => {
                let cancelled = std::mem::take(&mut lock(&self.live).cancelled);
                background::decisions(&before.snapshot, &snapshot, &cancelled)
            }
            None => vec![],
        };
        let favorites = match self.data.load_favorites() {
            Ok((f, notice)) => {
                if let Some(n) = notice {
                    self.warn(n);
                }
                f
            }
            Err(e) => {
                tracing::warn!("favorites: {e}");
                vec![]
            }
        };
        // One lock at a time: a guard taken inside the struct literal would live until the
        // end of the statement, and a second one would deadlock.
        let (activating, notices) = {
            let live = lock(&self.live);
            (
                live.activating.iter().cloned().collect(),
                live.notices.clone(),
            )
        };
        let approvals = self.approvals_view();
        let reviews = self.reviews_view();
        let facts = self.facts(&snapshot.assignments);
        let view = View {
            account: self.session().identity(),
            snapshot,
            favorites,
            refreshed_at: now.timestamp_millis(),
            activating,
            focus: None,
            notices,
            approvals,
            reviews,
            facts,
            from_cache: false,
        };
        self.publish(view.clone());
        self.keep_on_disk(&view);
        self.sign_in_notice(&view);
        for due in ended {
            self.shell.notify(background::due_notice(&due));
        }
        for (assignment, approved) in decisions {
            let label = assignment.label();
            if approved {
                self.shell.notify(
                    Notice::new(
                        NoticeKind::Approved,
                        format!("{label} approved"),
                        "The request was approved; Elevate tells you when the access works.",
                    )
                    .on(Some(&assignment.key)),
                );
                if let Some(a) =
                    view.snapshot.assignments.iter().find(|a| {
                        a.key == assignment.key && a.status == crate::model::Status::Active
                    })
                {
                    self.watch_ready(a.clone());
                }
            } else {
                self.shell.notify(
                    Notice::new(
                        NoticeKind::Ended,
                        format!("{label}: request ended without access"),
                        "The request was denied, expired or cancelled elsewhere.",
                    )
                    .on(Some(&assignment.key)),
                );
            }
        }
        view
    }

    /// Each assignment's tier (the table under the config's `[tiers]`) and frecency (from
    /// the local history), computed once per refresh for every front end.
    fn facts(
        &self,
        assignments: &[crate::model::Assignment],
    ) -> std::collections::BTreeMap<String, crate::app::ItemFacts> {
        let tiers = self.config().tiers;
        let frecency = match self.history.records() {
            Ok(records) => crate::frecency::scores(&records, self.clock.now()),
            Err(e) => {
                tracing::warn!("frecency: the history could not be read: {e}");
                Default::default()
            }
        };
        assignments
            .iter()
            .map(|a| {
                let facts = crate::app::ItemFacts {
                    tier: crate::tier::tier_of(a, &tiers),
                    frecency: frecency.get(&a.key).copied().unwrap_or(0),
                };
                (a.key.clone(), facts)
            })
            .collect()
    }

    /// Says once that a sign-in is needed (with a button), until a refresh works again.
    fn sign_in_notice(&self, view: &View) {
        let failures = &view.snapshot.failures;
        let needed =
            !failures.is_empty() && failures.iter().all(|f| f.error.code == "signInRequired");
        let tell = {
            let mut live = lock(&self.live);
            let tell = needed && !live.signin_told;
            live.signin_told = needed;
            tell
        };
        if tell {
            self.shell.notify(
                Notice::new(
                    NoticeKind::SignInNeeded,
                    "Sign in to Elevate",
                    "Your assignments cannot be listed until you sign in.",
                )
                .offering(Offer::SignIn),
            );
        }
    }

    /// Reminders due now, and the tray when the time moved it (entering the reminder window
    /// turns the icon to "expiring"; countdowns move).
    pub fn tick(&self) {
        let due = lock(&self.scheduler).due(self.clock.now());
        for d in due {
            self.shell.notify(background::due_notice(&d));
        }
        self.update_tray(false);
    }

    /// Whether a request waits for a decision (then the view refreshes more often).
    pub fn has_pending(&self) -> bool {
        lock(&self.view).as_ref().is_some_and(|v| {
            v.snapshot
                .assignments
                .iter()
                .any(|a| a.status == crate::model::Status::PendingApproval)
        })
    }

    /// Marks `key` as activating (true) or done (false); publishes when it changed.
    fn set_activating(&self, key: &str, on: bool) -> bool {
        let changed = {
            let mut live = lock(&self.live);
            if on {
                live.activating.insert(key.to_string())
            } else {
                live.activating.remove(key)
            }
        };
        if changed {
            self.publish_with(true, |_| {});
        }
        changed
    }
}
