//! Activate, activate several, extend, deactivate and cancel: the guards (asking for what
//! already holds succeeds and says so), the input rules (refused before sending), the
//! request, the history record and, in the tray, the follow-up ("activating…", "ready",
//! "waits for approval").

use std::sync::Arc;

use serde::Deserialize;

use super::{resolve, Elevate, Target};
use crate::app::BatchItem;
use crate::error::Error;
use crate::model::{Assignment, Status};
use crate::notice::{Notice, NoticeKind, Offer};
use crate::pim::{RequestOutcome, RequestState};
use crate::planner::ActivationInput;
use crate::ready::{ReadyOptions, ReadyOutcome};
use crate::store::Favorite;

/// What the user typed (the popup's form, elevatectl's flags, an MCP call); all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Input {
    #[serde(default)]
    pub justification: Option<String>,
    #[serde(default)]
    pub ticket_number: Option<String>,
    #[serde(default)]
    pub ticket_system: Option<String>,
    /// `90m`, `2h` or ISO-8601; None: the default (lower of the user's and the maximum).
    #[serde(default)]
    pub duration: Option<String>,
    /// A later start (`22:00`, `2026-12-01T22:00`, RFC 3339, `+2h`); None: now.
    #[serde(default)]
    pub start: Option<String>,
    /// An Azure scope under the eligibility's to activate at (least privilege); None: its own.
    #[serde(default)]
    pub scope: Option<String>,
}

fn given(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl Input {
    /// Checks what can be checked without the assignment (the duration's form).
    pub fn check(&self) -> Result<(), Error> {
        if let Some(d) = given(&self.duration) {
            crate::policy::parse_duration(&d)?;
        }
        Ok(())
    }

    /// What was given, else what the favorite saved; the duration parsed.
    pub fn with_favorite(&self, fav: Option<&Favorite>) -> Result<ActivationInput, Error> {
        let saved = fav.map(|f| Input {
            justification: f.justification.clone(),
            ticket_number: f.ticket_number.clone(),
            ticket_system: f.ticket_system.clone(),
            duration: f.duration.clone(),
            ..Input::default()
        });
        let pick = |mine: &Option<String>, theirs: fn(&Input) -> &Option<String>| {
            given(mine).or_else(|| saved.as_ref().and_then(|s| given(theirs(s))))
        };
        Ok(ActivationInput {
            justification: pick(&self.justification, |i| &i.justification),
            ticket_number: pick(&self.ticket_number, |i| &i.ticket_number),
            ticket_system: pick(&self.ticket_system, |i| &i.ticket_system),
            duration: pick(&self.duration, |i| &i.duration)
                .map(|d| crate::policy::parse_duration(&d))
                .transpose()?,
            start: None,
        })
    }
}

impl From<&crate::app::ActivationForm> for Input {
    fn from(f: &crate::app::ActivationForm) -> Input {
        Input {
            justification: f.justification.clone(),
            ticket_number: f.ticket_number.clone(),
            ticket_system: f.ticket_system.clone(),
            duration: f.duration.clone(),
            start: f.start.clone(),
            scope: f.scope.clone(),
        }
    }
}

/// The user's explicit yes to activating a Tier 0 role: the popup's and the palette's
/// confirm button, elevatectl's `--yes` (or its prompt), an MCP config that allows Tier 0.
/// Without it the use case refuses a Tier 0 activation before sending (rule `Tier0Confirmation`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Confirmation {
    #[default]
    None,
    Tier0,
}

impl Confirmation {
    pub fn given(yes: bool) -> Confirmation {
        if yes {
            Confirmation::Tier0
        } else {
            Confirmation::None
        }
    }
}

/// The rule a Tier 0 activation without confirmation is refused under.
pub const TIER0_RULE: &str = "Tier0Confirmation";

/// A request made (or found unnecessary), and for which assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    pub assignment: Assignment,
    pub outcome: RequestOutcome,
}

fn already(state: RequestState) -> RequestOutcome {
    RequestOutcome {
        state,
        request_id: None,
        status: String::new(),
        reconciled: false,
    }
}

impl Elevate {
    /// The assignments to act on: the tray acts on the view it shows; a one-shot front end
    /// (elevatectl, MCP) looks afresh. Nobody signed in, or nothing listable, is an error.
    pub async fn lookup(self: &Arc<Self>) -> Result<Vec<Assignment>, Error> {
        self.refuse_app_only("Acting on your own assignments")?;
        if self.session().identity().is_none() {
            // The Azure CLI credential says who it is through /me.
            self.session().resolve_identity().await?;
        }
        if self.session().identity().is_none() {
            return Err(Error::SignInRequired("You are not signed in.".into()));
        }
        // The tray's current view, unless it is the disk cache's (never acted on).
        let view = match self.cached() {
            Some(v) if self.background && !v.from_cache => v,
            _ => self.refresh().await,
        };
        if view.snapshot.assignments.is_empty() {
            if let Some(f) = view.snapshot.failures.first() {
                return Err(match f.error.code.as_str() {
                    "signInRequired" => Error::SignInRequired(f.error.message.clone()),
                    _ => Error::Network(f.error.message.clone()),
                });
            }
        }
        Ok(view.snapshot.assignments)
    }

    pub(crate) fn favorite(&self, key: &str) -> Option<Favorite> {
        self.data
            .load_favorites()
            .ok()
            .and_then(|(f, _)| f.into_iter().find(|f| f.key == key))
    }

    /// Activates what `target` names. Already active or already pending is success with
    /// that state (nothing is sent); input that breaks a rule is refused before sending, and
    /// so is a Tier 0 role (see [`Elevate::activate_confirmed`]).
    pub async fn activate(self: &Arc<Self>, target: &Target, input: &Input) -> Result<Done, Error> {
        self.activate_confirmed(target, input, Confirmation::None)
            .await
    }

    /// [`Elevate::activate`] with what the user confirmed: a Tier 0 role is sent only with
    /// [`Confirmation::Tier0`].
    pub async fn activate_confirmed(
        self: &Arc<Self>,
        target: &Target,
        input: &Input,
        confirmation: Confirmation,
    ) -> Result<Done, Error> {
        self.refuse_app_only("activate")?;
        input.check()?;
        self.start_of(input)?;
        self.pim
            .justification()
            .check_text(input.justification.as_deref())?;
        let all = self.lookup().await?;
        let a = self.pick(
            &all,
            target,
            input.scope.as_deref(),
            &[Status::Eligible, Status::Active, Status::PendingApproval],
        )?;
        if let Some(state) = holds(&all, &a.key) {
            return Ok(Done {
                assignment: a,
                outcome: already(state),
            });
        }
        let out = self.send_activation(&a, input, confirmation).await;
        if out.is_ok() {
            self.remember_scope(&all, &a);
        }
        if self.background {
            self.refresh().await;
        }
        let outcome = out?;
        self.follow(&a, outcome.state);
        Ok(Done {
            assignment: a,
            outcome,
        })
    }

    /// Refuses a Tier 0 activation the user did not confirm, naming the rule.
    pub(crate) fn check_tier(
        &self,
        a: &Assignment,
        confirmation: Confirmation,
    ) -> Result<(), Error> {
        let tier = crate::tier::tier_of(a, &self.config().tiers);
        if tier != crate::tier::Tier::Tier0 || confirmation == Confirmation::Tier0 {
            return Ok(());
        }
        Err(Error::PolicyRefused {
            rule: TIER0_RULE.into(),
            message: format!(
                "{} is Tier 0 (it can take over the tenant): activating it needs your explicit confirmation (the confirm button in Elevate, or --yes with elevatectl).",
                a.label()
            ),
        })
    }

    /// Plans (refusing before sending), sends and records one activation.
    async fn send_activation(
        &self,
        a: &Assignment,
        input: &Input,
        confirmation: Confirmation,
    ) -> Result<RequestOutcome, Error> {
        self.check_tier(a, confirmation)?;
        let mut parsed = input.with_favorite(self.favorite(&a.key).as_ref())?;
        parsed.start = self.start_of(input)?;
        if let Some(start) = parsed.start {
            crate::start::check_start(a, start)?;
        }
        let defaults = self.config().defaults;
        let plan = self.pim.plan(a, &parsed, &defaults).await?;
        let out = self.pim.activate(a, &plan).await;
        self.record("activate", a, &out, Some(&plan));
        out
    }

    /// Multi-select: every key with the same input, concurrently; one result each. Tier 0
    /// items are refused (each its own result) unless `confirmation` says yes.
    pub async fn activate_many(
        self: &Arc<Self>,
        keys: &[String],
        input: &Input,
        confirmation: Confirmation,
    ) -> Result<Vec<BatchItem>, Error> {
        input.check()?;
        self.pim
            .justification()
            .check_text(input.justification.as_deref())?;
        let all = self.lookup().await?;
        let runs = keys.iter().map(|key| {
            let all = &all;
            async move {
                let a = resolve(all, &Target::key(key.clone()), &[Status::Eligible])?;
                if let Some(state) = holds(all, &a.key) {
                    return Ok((a, already(state)));
                }
                let out = self.send_activation(&a, input, confirmation).await?;
                Ok::<_, Error>((a, out))
            }
        });
        let results = futures::future::join_all(runs).await;
        if self.background {
            self.refresh().await;
        }
        Ok(keys
            .iter()
            .zip(results)
            .map(|(key, r)| match r {
                Ok((a, outcome)) => {
                    self.follow(&a, outcome.state);
                    BatchItem {
                        key: key.clone(),
                        outcome: Some(outcome),
                        error: None,
                    }
                }
                Err(e) => BatchItem {
                    key: key.clone(),
                    outcome: None,
                    error: Some((&e).into()),
                },
            })
            .collect())
    }

    /// Extends an activation without a gap: a new activation of the same eligibility from
    /// the current end, with the last request's justification, ticket and duration (capped
    /// at the policy's maximum).
    pub async fn extend(self: &Arc<Self>, target: &Target) -> Result<Done, Error> {
        self.refuse_app_only("extend")?;
        let all = self.lookup().await?;
        let active = resolve(&all, target, &[Status::Active])?;
        let eligible = resolve(&all, &Target::key(active.key.clone()), &[Status::Eligible])
            .map_err(|_| {
                Error::InvalidInput(format!(
                    "{} is not activated from an eligibility (it is permanent): there is nothing to extend.",
                    active.label()
                ))
            })?;
        let mut input = self
            .pim
            .last_activation(&eligible)
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        let max = eligible
            .policy
            .as_ref()
            .and_then(|p| p.max_duration.as_deref())
            .and_then(|m| crate::policy::parse_duration(m).ok());
        if let (Some(d), Some(max)) = (input.duration, max) {
            input.duration = Some(d.min(max));
        }
        input.duration = input.duration.map(|d| self.managed.cap(d));
        let defaults = self.config().defaults;
        let plan = self.pim.plan(&eligible, &input, &defaults).await?;
        let out = self.pim.extend(&active, &eligible, &plan).await;
        self.record("extend", &eligible, &out, Some(&plan));
        if self.background {
            self.refresh().await;
        }
        Ok(Done {
            assignment: active,
            outcome: out?,
        })
    }

    pub async fn deactivate(self: &Arc<Self>, target: &Target) -> Result<Done, Error> {
        self.refuse_app_only("deactivate")?;
        let all = self.lookup().await?;
        let a = resolve(&all, target, &[Status::Active])?;
        let out = self.pim.deactivate(&a).await;
        self.record("deactivate", &a, &out, None);
        if self.background {
            self.refresh().await;
        }
        Ok(Done {
            assignment: a,
            outcome: out?,
        })
    }

    /// Cancels a pending request (by the assignment's key or name, or the request id).
    pub async fn cancel(self: &Arc<Self>, target: &Target) -> Result<Done, Error> {
        let all = self.lookup().await?;
        let a = resolve(&all, target, &[Status::PendingApproval, Status::Scheduled])?;
        super::lock(&self.live).cancelled.push(a.key.clone());
        let out = self.pim.cancel(&a).await;
        self.record("cancel", &a, &out, None);
        if self.background {
            self.refresh().await;
        }
        Ok(Done {
            assignment: a,
            outcome: out?,
        })
    }

    /// After a request: "activating…" until the access works (then "ready"), or a notice
    /// that it waits for approval. Only where something runs long enough to follow it.
    pub(crate) fn follow(self: &Arc<Self>, a: &Assignment, state: RequestState) {
        if !self.background {
            return;
        }
        match state {
            RequestState::Active | RequestState::Provisioning => self.watch_ready(a.clone()),
            RequestState::PendingApproval => self.shell.notify(
                Notice::new(
                    NoticeKind::Pending,
                    format!("{} waits for approval", a.label()),
                    "Elevate follows the request and tells you the decision.",
                )
                .on(Some(&a.key)),
            ),
            _ => {}
        }
    }

    /// Follows an activation until its access is usable, then says so (or why not).
    pub(crate) fn watch_ready(self: &Arc<Self>, a: Assignment) {
        let me = self.clone();
        tokio::spawn(async move {
            if !me.set_activating(&a.key, true) {
                return; // already watched
            }
            let out = me.pim.wait_ready(&a, ReadyOptions::default()).await;
            me.set_activating(&a.key, false);
            me.refresh().await;
            let label = a.label();
            let ready = matches!(out, ReadyOutcome::Ready { .. });
            let notice = match out {
                ReadyOutcome::Ready { verified: true } => Notice::new(
                    NoticeKind::Ready,
                    format!("{label} is ready"),
                    "Elevate checked that the access is in effect. Tools that got a token before keep the old rights until they get a new one: open the portal in a private window, or sign in again there.",
                )
                .offering(Offer::Portal),
                ReadyOutcome::Ready { verified: false } => Notice::new(
                    NoticeKind::Active,
                    format!("{label} is active"),
                    "It is listed as active; no API tells whether it has reached every service yet.",
                )
                .offering(Offer::Portal),
                ReadyOutcome::TimedOut { reason } => Notice::new(
                    NoticeKind::NotInEffect,
                    format!("{label} is still not in effect"),
                    format!("After 30 minutes: {reason}. Sign out and in again in the service you use, or check the request in the Entra portal."),
                )
                .offering(Offer::Handle),
                ReadyOutcome::Gone => {
                    super::lock(&me.live).by_agent.remove(&a.key);
                    return;
                }
            };
            me.shell.notify(notice.on(Some(&a.key)));
            if ready {
                me.after_watched(&a).await;
            } else {
                super::lock(&me.live).by_agent.remove(&a.key);
            }
        });
    }
}

/// Whether the assignment `key` is already active or pending: asking again is not news.
fn holds(all: &[Assignment], key: &str) -> Option<RequestState> {
    let has = |s: Status| all.iter().any(|a| a.key == key && a.status == s);
    if has(Status::Active) {
        Some(RequestState::AlreadyActive)
    } else if has(Status::PendingApproval) || has(Status::Scheduled) {
        Some(RequestState::AlreadyPending)
    } else {
        None
    }
}

impl From<&crate::app::BatchForm> for Input {
    fn from(f: &crate::app::BatchForm) -> Input {
        Input {
            justification: f.justification.clone(),
            ticket_number: f.ticket_number.clone(),
            ticket_system: f.ticket_system.clone(),
            duration: f.duration.clone(),
            start: f.start.clone(),
            ..Input::default()
        }
    }
}
