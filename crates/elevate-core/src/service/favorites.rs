//! Favorites: star and unstar (popup), add and remove by name (elevatectl), one favorite
//! from the tray, all of them at once (elevatectl, and unattended at start) with one summary.
//! Every request sent is recorded in the history.

use std::sync::Arc;

use super::{resolve, Elevate, Input, Target};
use crate::app::ActivationForm;
use crate::error::Error;
use crate::favorites::{activate_favorites, summary, FavoriteOutcome, FavoriteResult, Mode};
use crate::history::HistoryRecord;
use crate::model::{Assignment, Plane, Status};
use crate::notice::{Notice, NoticeKind, Offer};
use crate::pim::RequestState;
use crate::store::Favorite;

/// What a favorite is called: the role or group, and for Azure roles the scope too.
pub fn favorite_label(a: &Assignment) -> String {
    if a.plane == Plane::AzureResource {
        format!("{} on {}", a.label(), a.scope.display_name)
    } else {
        a.label()
    }
}

impl Elevate {
    pub fn favorites(&self) -> Result<Vec<Favorite>, Error> {
        let (favorites, notice) = self.data.load_favorites()?;
        if let Some(n) = notice {
            self.warn(n);
        }
        Ok(favorites)
    }

    /// Saves `target` as a favorite with `input` (replacing one for the same assignment).
    pub async fn add_favorite(
        self: &Arc<Self>,
        target: &Target,
        input: &Input,
    ) -> Result<Favorite, Error> {
        input.check()?;
        // A favorite that the rules would refuse at every use is refused when saved.
        self.pim
            .justification()
            .check_text(input.justification.as_deref())?;
        let all = self.lookup().await?;
        let a = resolve(&all, target, &[Status::Eligible])?;
        let duration = input.with_favorite(None)?.duration.map(crate::policy::iso);
        let fav = Favorite {
            key: a.key.clone(),
            label: favorite_label(&a),
            justification: input.justification.clone(),
            ticket_number: input.ticket_number.clone(),
            ticket_system: input.ticket_system.clone(),
            duration,
        };
        self.data.upsert_favorite(fav.clone())?;
        self.republish();
        Ok(fav)
    }

    /// Removes the one favorite whose label starts with `query` (or whose key it is).
    pub fn remove_favorite(&self, query: &str, scope: Option<&str>) -> Result<Favorite, Error> {
        let q = query.trim().to_lowercase();
        let favs = self.favorites()?;
        let hits: Vec<&Favorite> = favs
            .iter()
            .filter(|f| f.label.to_lowercase().starts_with(&q) || f.key.to_lowercase() == q)
            .filter(|f| {
                scope.is_none_or(|s| {
                    let s = s.to_lowercase();
                    f.key.to_lowercase().ends_with(&s) || f.label.to_lowercase().contains(&s)
                })
            })
            .collect();
        match hits.as_slice() {
            [one] => {
                self.data.remove_favorite(&one.key)?;
                self.republish();
                Ok((*one).clone())
            }
            [] => Err(Error::InvalidInput(format!(
                "No favorite matches '{query}'."
            ))),
            many => Err(Error::InvalidInput(format!(
                "'{query}' matches several favorites: {}",
                many.iter()
                    .map(|f| f.label.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The popup's star: adds the form's assignment with what the form holds, or removes it.
    pub async fn toggle_favorite(self: &Arc<Self>, form: &ActivationForm) -> Result<(), Error> {
        if self.favorites()?.iter().any(|f| f.key == form.key) {
            self.data.remove_favorite(&form.key)?;
            self.republish();
            return Ok(());
        }
        self.add_favorite(&Target::key(form.key.clone()), &Input::from(form))
            .await
            .map(|_| ())
    }

    /// The view again, with the favorites as saved now (no network).
    pub(super) fn republish(&self) {
        let favorites = self.favorites().unwrap_or_default();
        self.publish_with(true, move |view| {
            if let Some(v) = view.as_mut() {
                v.favorites = favorites;
                v.focus = None;
            }
        });
    }

    /// Every favorite that is eligible and neither active nor pending, in one go.
    pub async fn activate_favorites(
        self: &Arc<Self>,
        mode: Mode,
    ) -> Result<Vec<FavoriteOutcome>, Error> {
        let mut favorites = self.favorites()?;
        if mode == Mode::Unattended {
            favorites.extend(self.autostart_bundles().await);
        }
        self.activate_these(&favorites, mode).await
    }

    async fn activate_these(
        self: &Arc<Self>,
        favorites: &[Favorite],
        mode: Mode,
    ) -> Result<Vec<FavoriteOutcome>, Error> {
        if favorites.is_empty() {
            return Ok(vec![]);
        }
        let all = self.lookup().await?;
        let view = self.cached().unwrap_or_else(|| crate::app::View {
            account: None,
            snapshot: Default::default(),
            favorites: vec![],
            refreshed_at: 0,
            activating: vec![],
            focus: None,
            notices: vec![],
            approvals: Default::default(),
            reviews: Default::default(),
            facts: Default::default(),
            from_cache: false,
        });
        let mut snapshot = view.snapshot;
        snapshot.assignments = all.clone();
        let defaults = self.config().defaults;
        let (send, held) = self.hold_tier0(favorites, &all);
        let mut outcomes = activate_favorites(&self.pim, &send, &snapshot, &defaults, mode).await;
        for (fav, a) in held {
            outcomes.push(self.held_tier0(fav, a, mode).await);
        }
        outcomes.sort_by_key(|o| favorites.iter().position(|f| f.key == o.key));
        for o in &outcomes {
            let fav = favorites.iter().find(|f| f.key == o.key);
            let (outcome, request_id, error) = match &o.result {
                FavoriteResult::Sent { state, request_id } => (
                    serde_json::to_value(state)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    request_id.clone(),
                    None,
                ),
                FavoriteResult::Failed { error } => {
                    (error.code.clone(), None, Some(error.message.clone()))
                }
                _ => continue,
            };
            self.append(HistoryRecord {
                time: self.clock.now(),
                action: "activate".into(),
                key: o.key.clone(),
                label: o.label.clone(),
                outcome,
                request_id,
                justification: fav.and_then(|f| f.justification.clone()),
                duration: fav.and_then(|f| f.duration.clone()),
                error,
                prev: String::new(),
                v: None,
            });
        }
        if self.background {
            self.refresh().await;
        }
        for o in &outcomes {
            if let FavoriteResult::Sent { state, .. } = o.result {
                if let Some(a) = all.iter().find(|a| a.key == o.key) {
                    if state != RequestState::PendingApproval {
                        self.follow(a, state);
                    }
                }
            }
        }
        Ok(outcomes)
    }

    /// Tier 0 favorites are never sent from a favorite: they need the user's confirmation in
    /// the popup. Splits `favorites` into those to send and the held Tier 0 eligible ones.
    fn hold_tier0<'a>(
        &self,
        favorites: &'a [Favorite],
        all: &[Assignment],
    ) -> (Vec<Favorite>, Vec<(&'a Favorite, Assignment)>) {
        let tiers = self.config().tiers;
        let (mut send, mut held) = (vec![], vec![]);
        for f in favorites {
            let busy = all
                .iter()
                .any(|a| a.key == f.key && a.status != Status::Eligible);
            match all
                .iter()
                .find(|a| a.key == f.key && a.status == Status::Eligible)
            {
                Some(a) if !busy && crate::tier::tier_of(a, &tiers) == crate::tier::Tier::Tier0 => {
                    held.push((f, a.clone()))
                }
                _ => send.push(f.clone()),
            }
        }
        (send, held)
    }

    /// A held Tier 0 favorite: what else it needs from a person first (an approver, a
    /// step-up), else the confirmation.
    async fn held_tier0(&self, fav: &Favorite, mut a: Assignment, mode: Mode) -> FavoriteOutcome {
        if a.policy.is_none() {
            a.policy = self.pim.policy(&a).await.ok();
        }
        let other = a
            .policy
            .as_ref()
            .and_then(|_| crate::favorites::needs_person(&a, fav, mode));
        FavoriteOutcome {
            key: fav.key.clone(),
            label: fav.label.clone(),
            result: FavoriteResult::NeedsYou {
                reason: other.unwrap_or_else(|| {
                    "Tier 0 (it can take over the tenant): confirm it in Elevate's popup".into()
                }),
            },
        }
    }

    /// One click on a favorite in the tray: activates it with what it saved. When it needs
    /// something it did not save, the popup opens on it instead (never a silent failure).
    pub async fn activate_favorite(self: &Arc<Self>, key: &str) -> Result<(), Error> {
        let fav = self
            .favorites()?
            .into_iter()
            .find(|f| f.key == key)
            .ok_or_else(|| Error::InvalidInput("That favorite was removed.".into()))?;
        let outcomes = self
            .activate_these(std::slice::from_ref(&fav), Mode::Interactive)
            .await?;
        for o in &outcomes {
            let on =
                |kind, title: String, body: String| Notice::new(kind, title, body).on(Some(&o.key));
            match &o.result {
                FavoriteResult::NeedsYou { .. } => self.open_on(Some(&o.key)),
                FavoriteResult::Sent {
                    state: RequestState::PendingApproval,
                    ..
                } => self.shell.notify(on(
                    NoticeKind::Pending,
                    format!("{} waits for approval", o.label),
                    "Elevate follows the request and tells you the decision.".into(),
                )),
                FavoriteResult::Sent { .. } => {}
                FavoriteResult::AlreadyActive | FavoriteResult::AlreadyPending => {
                    self.shell.notify(on(
                        NoticeKind::Favorites,
                        format!("{} is already active or requested", o.label),
                        "Nothing was sent.".into(),
                    ))
                }
                FavoriteResult::Unavailable { reason } => self.shell.notify(
                    on(
                        NoticeKind::Failed,
                        format!("Could not activate {}", o.label),
                        reason.clone(),
                    )
                    .offering(Offer::Handle),
                ),
                FavoriteResult::Failed { error } => {
                    let mut n = on(
                        NoticeKind::Failed,
                        format!("Could not activate {}", o.label),
                        error.message.clone(),
                    )
                    .offering(Offer::Handle);
                    n.error = Some(error.clone());
                    self.shell.notify(n)
                }
            }
        }
        Ok(())
    }

    /// At start, with "favorites at start" on: one go over the favorites (nothing needing a
    /// person is sent), one summary. Once per start, at the first refresh with someone signed in.
    pub async fn auto_activate(self: &Arc<Self>) {
        if !self.config().auto_activate_favorites || self.session().identity().is_none() {
            return;
        }
        {
            let mut live = super::lock(&self.live);
            if live.auto_done {
                return;
            }
            live.auto_done = true;
        }
        let outcomes = match self.activate_favorites(Mode::Unattended).await {
            Ok(o) if o.is_empty() => return,
            Ok(o) => o,
            Err(e) => {
                self.shell.notify(
                    Notice::new(
                        NoticeKind::Failed,
                        "Favorites were not activated",
                        e.to_string(),
                    )
                    .offering(Offer::Handle),
                );
                return;
            }
        };
        let needs_you = outcomes.iter().find(|o| {
            matches!(
                o.result,
                FavoriteResult::NeedsYou { .. } | FavoriteResult::Failed { .. }
            )
        });
        let (title, body) = summary(&outcomes);
        let offer = if needs_you.is_some() {
            Offer::Handle
        } else {
            Offer::Nothing
        };
        self.shell.notify(
            Notice::new(NoticeKind::Favorites, title, body)
                .on(needs_you.map(|o| o.key.as_str()))
                .offering(offer),
        );
    }
}
