//! What follows an activation once it is ready: the `[[after]]` commands that follow the role
//! run once (a bundle's once every member of the go is ready; an AI agent's activation only
//! those that say `run_after_mcp`), their outcome told in a notice and kept in the history;
//! and the portal opened on an item, in a private browser window when asked.

use std::sync::Arc;
use std::time::Duration;

use super::{lock, resolve, Done, Elevate, Target};
use crate::after::{self, AfterCommand, Context, Outcome};
use crate::error::Error;
use crate::history::HistoryRecord;
use crate::model::{Assignment, Status};
use crate::notice::{Notice, NoticeKind, Offer};
use crate::pim::RequestState;
use crate::portal::{portal_url, PrivateBrowser};
use crate::ready::{ReadyOptions, ReadyOutcome};

/// Who asked for the activation a command would follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The user (the tray, the popup, elevatectl).
    User,
    /// An AI agent over MCP: only commands with `run_after_mcp = true`.
    Agent,
}

impl Elevate {
    /// The configured commands that follow `a` (by role), for an activation from `origin`.
    pub fn after_commands(&self, a: &Assignment, origin: Origin) -> Vec<AfterCommand> {
        self.config()
            .after
            .into_iter()
            .filter(|c| c.follows_role(a) && (origin == Origin::User || c.run_after_mcp))
            .collect()
    }

    /// The tenant the placeholders and the portal name: the configured one, else the
    /// signed-in account's (when the config says `organizations`).
    fn tenant(&self) -> String {
        let session = self.session();
        let t = session.cfg.tenant.clone();
        match t.as_str() {
            "organizations" | "common" => session.identity().map(|i| i.tenant_id).unwrap_or(t),
            _ => t,
        }
    }

    /// Runs `commands` one after another for `a` (and `bundle`); each outcome goes to the
    /// history, and, where something follows in the background, into one notice.
    pub async fn run_after(
        &self,
        a: &Assignment,
        bundle: Option<&str>,
        commands: &[AfterCommand],
    ) -> Vec<Outcome> {
        let cx = Context::of(a, &self.tenant(), bundle);
        let mut outcomes = vec![];
        for c in commands {
            let out = after::run(c, &cx).await;
            self.append(HistoryRecord {
                time: self.clock.now(),
                action: "after".into(),
                key: a.key.clone(),
                label: bundle.map_or_else(|| a.label(), str::to_string),
                outcome: out.word().into(),
                request_id: None,
                justification: None,
                duration: None,
                error: Some(out.summary()),
                prev: String::new(),
                v: None,
            });
            outcomes.push(out);
        }
        if self.background && !outcomes.is_empty() {
            self.shell.notify(after_notice(a, bundle, &outcomes));
        }
        outcomes
    }

    /// Called when the watch of an activation says it is ready: its commands, once.
    pub(crate) async fn after_watched(self: &Arc<Self>, a: &Assignment) {
        let origin = if lock(&self.live).by_agent.remove(&a.key) {
            Origin::Agent
        } else {
            Origin::User
        };
        let commands = self.after_commands(a, origin);
        if !commands.is_empty() {
            self.run_after(a, None, &commands).await;
        }
    }

    /// `elevatectl after run`: the commands that follow an active assignment, now.
    pub async fn run_after_now(
        self: &Arc<Self>,
        target: &Target,
    ) -> Result<(Assignment, Vec<Outcome>), Error> {
        let all = self.lookup().await?;
        let a = resolve(&all, target, &[Status::Active])?;
        let commands = self.after_commands(&a, Origin::User);
        if commands.is_empty() {
            return Err(Error::InvalidInput(format!(
                "No after-activation command follows {}: add one under [[after]] in the config file (roles = [\"{}\"] or [\"*\"]).",
                a.label(),
                a.name
            )));
        }
        let outcomes = self.run_after(&a, None, &commands).await;
        Ok((a, outcomes))
    }

    /// For a one-shot front end (elevatectl `--wait`, an agent's activation): once `done` is
    /// in effect (waiting at most `timeout`), the commands that follow it from `origin`.
    /// Nothing when none follows or the activation is not granted.
    pub async fn after_activation(
        self: &Arc<Self>,
        done: &Done,
        origin: Origin,
        timeout: Duration,
    ) -> Vec<Outcome> {
        let commands = self.after_commands(&done.assignment, origin);
        let granted = matches!(
            done.outcome.state,
            RequestState::Active | RequestState::Provisioning
        );
        if commands.is_empty() || !granted || self.background {
            // The tray's own watch runs them when the access is ready.
            return vec![];
        }
        let opts = ReadyOptions {
            timeout,
            ..ReadyOptions::default()
        };
        match self.pim.wait_ready(&done.assignment, opts).await {
            ReadyOutcome::Ready { .. } => self.run_after(&done.assignment, None, &commands).await,
            ReadyOutcome::TimedOut { reason } => commands
                .iter()
                .map(|c| {
                    not_run(
                        c,
                        format!("the access was not in effect in time ({reason})"),
                    )
                })
                .collect(),
            ReadyOutcome::Gone => commands
                .iter()
                .map(|c| not_run(c, "the activation ended".into()))
                .collect(),
        }
    }

    /// Marks an agent's activation of `key`: its watch runs only `run_after_mcp` commands.
    pub(crate) fn mark_agent(&self, key: &str) {
        lock(&self.live).by_agent.insert(key.to_string());
    }

    /// After a bundle's go in the tray: the commands that follow the bundle, once every
    /// member granted in this go is ready.
    pub(crate) fn after_bundle(
        self: &Arc<Self>,
        bundle: &str,
        granted: Vec<Assignment>,
        origin: Origin,
    ) {
        let commands: Vec<AfterCommand> = self
            .config()
            .after
            .into_iter()
            .filter(|c| c.follows_bundle(bundle) && (origin == Origin::User || c.run_after_mcp))
            .collect();
        let Some(first) = granted.first().cloned() else {
            return;
        };
        if commands.is_empty() || !self.background {
            return;
        }
        let me = self.clone();
        let bundle = bundle.to_string();
        tokio::spawn(async move {
            let waits = granted
                .iter()
                .map(|a| me.pim.wait_ready(a, ReadyOptions::default()));
            let all = futures::future::join_all(waits).await;
            if all.iter().all(|o| matches!(o, ReadyOutcome::Ready { .. })) {
                me.run_after(&first, Some(&bundle), &commands).await;
            } else {
                tracing::info!(%bundle, "not every member became ready: its after-activation commands do not run");
            }
        });
    }

    /// Opens the portal on `target` (any of its states), in a fresh private window when
    /// `private`; the URL opened.
    pub async fn open_portal(
        self: &Arc<Self>,
        target: &Target,
        private: bool,
    ) -> Result<String, Error> {
        let all = self.lookup().await?;
        let a = resolve(
            &all,
            target,
            &[
                Status::Active,
                Status::Eligible,
                Status::PendingApproval,
                Status::Scheduled,
            ],
        )?;
        self.open_portal_on(&a, private)?;
        Ok(portal_url(self.session().cfg.cloud, &self.tenant(), &a))
    }

    /// The portal on `a`, in a private window when `private`.
    pub fn open_portal_on(&self, a: &Assignment, private: bool) -> Result<(), Error> {
        let url = portal_url(self.session().cfg.cloud, &self.tenant(), a);
        if private {
            PrivateBrowser::find(&self.config().browser)?.open(&url)
        } else {
            self.session().open_url(&url)
        }
    }

    /// The tray's "Open portal (private window)" on an item of the view.
    pub(crate) fn portal_from_tray(&self, key: &str) -> Result<(), Error> {
        let a = self
            .cached()
            .and_then(|v| v.snapshot.assignments.into_iter().find(|a| a.key == key))
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "{key} is not in the list any more: refresh and try again."
                ))
            })?;
        self.open_portal_on(&a, true)
    }
}

fn not_run(c: &AfterCommand, why: String) -> Outcome {
    Outcome {
        name: c.name.clone(),
        ended: after::Ended::NotRun(why),
        stdout: String::new(),
        stderr: String::new(),
    }
}

/// "After Owner on prod": one line per command.
fn after_notice(a: &Assignment, bundle: Option<&str>, outcomes: &[Outcome]) -> Notice {
    let what = match bundle {
        Some(b) => b.to_string(),
        None if a.scope.display_name.is_empty() || a.scope.id == "/" => a.label(),
        None => format!("{} on {}", a.label(), a.scope.display_name),
    };
    let failed = outcomes.iter().filter(|o| !o.ok()).count();
    let title = match failed {
        0 => format!("After {what}: done"),
        n => format!("After {what}: {n} of {} failed", outcomes.len()),
    };
    let body: Vec<String> = outcomes.iter().map(Outcome::summary).collect();
    Notice::new(NoticeKind::After, title, body.join("\n"))
        .on(Some(&a.key))
        .offering(if failed > 0 {
            Offer::Handle
        } else {
            Offer::Nothing
        })
}
