//! What tray menu items and commands do, over elevate-core: refresh, activate, deactivate,
//! extend, cancel; each ends with a refresh so the tray and the popup follow.

use std::sync::Arc;
use std::time::Duration;

use elevate_core::app::{ActivationForm, BatchForm, BatchItem, View};
use elevate_core::favorites::{activate_favorites, FavoriteOutcome, FavoriteResult, Mode};
use elevate_core::model::{Assignment, Status};
use elevate_core::pim::{RequestOutcome, RequestState};
use elevate_core::ready::{ReadyOptions, ReadyOutcome};
use elevate_core::{Error, ErrorPayload};
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::OnceCell;

use crate::state::AppState;

/// The state once ready (the demo tenant starts in the background after the tray is up).
#[derive(Default)]
pub struct Core(pub OnceCell<Arc<AppState>>);

pub async fn ready(app: &AppHandle) -> Result<Arc<AppState>, Error> {
    let core = app.state::<Core>();
    for _ in 0..300 {
        if let Some(s) = core.0.get() {
            return Ok(s.clone());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(Error::Unsupported(
        "Elevate is still starting; try again in a moment.".into(),
    ))
}

/// Refreshes, then updates the tray and tells the popup.
pub async fn refresh(app: &AppHandle) -> Result<View, Error> {
    let state = ready(app).await?;
    let (view, ended, decisions) = state.refresh().await;
    let _ = crate::tray::update(app, &view, &state);
    let _ = app.emit("view", &view);
    sign_in_notice(app, &state, &view);
    for due in ended {
        crate::notify::due(app, &due);
    }
    for (label, approved) in decisions {
        if approved {
            crate::notify::message(
                app,
                &format!("{label} approved"),
                "The request was approved; Elevate tells you when the access works.",
            );
            if let Some(a) = view
                .snapshot
                .assignments
                .iter()
                .find(|a| a.label() == label && a.status == Status::Active)
            {
                watch_ready(app, a.clone());
            }
        } else {
            crate::notify::message(
                app,
                &format!("{label}: request ended without access"),
                "The request was denied, expired or cancelled elsewhere.",
            );
        }
    }
    Ok(view)
}

fn find(view: &Option<View>, key: &str, status: Status) -> Result<Assignment, Error> {
    view.as_ref()
        .and_then(|v| {
            v.snapshot
                .assignments
                .iter()
                .find(|a| a.key == key && a.status == status)
                .cloned()
        })
        .ok_or_else(|| {
            Error::InvalidInput(
                "That assignment is no longer listed; refresh and try again.".into(),
            )
        })
}

pub async fn activate(app: &AppHandle, form: &ActivationForm) -> Result<RequestOutcome, Error> {
    let state = ready(app).await?;
    let a = find(&state.cached(), &form.key, Status::Eligible)?;
    let plan = state
        .pim
        .plan(&a, &form.input()?, &state.defaults())
        .await?;
    let out = state.pim.activate(&a, &plan).await;
    let _ = refresh(app).await;
    if let Ok(o) = &out {
        after_request(app, &a, o.state);
    }
    out
}

/// Multi-select: every picked assignment with the same input, concurrently; one result each.
pub async fn activate_many(app: &AppHandle, form: &BatchForm) -> Result<Vec<BatchItem>, Error> {
    let state = ready(app).await?;
    let input = form.input()?;
    let view = state.cached();
    let mut found = vec![];
    let mut results = vec![];
    for key in &form.keys {
        match find(&view, key, Status::Eligible) {
            Ok(a) => found.push(a),
            Err(e) => results.push(BatchItem {
                key: key.clone(),
                outcome: None,
                error: Some((&e).into()),
            }),
        }
    }
    let outs = state
        .pim
        .activate_many(&found, &input, &state.defaults())
        .await;
    let _ = refresh(app).await;
    for (a, out) in found.iter().zip(outs) {
        if let Ok(o) = &out {
            after_request(app, a, o.state);
        }
        results.push(BatchItem {
            key: a.key.clone(),
            error: out.as_ref().err().map(ErrorPayload::from),
            outcome: out.ok(),
        });
    }
    Ok(results)
}

/// After a request was granted: "activating…" until the access works, then "ready".
fn after_request(app: &AppHandle, a: &Assignment, state: RequestState) {
    match state {
        RequestState::Active | RequestState::Provisioning => watch_ready(app, a.clone()),
        RequestState::PendingApproval => crate::notify::show(
            app,
            &format!("{} waits for approval", a.label()),
            "Elevate follows the request and tells you the decision.",
            Some(&a.key),
            crate::notify::Offer::Nothing,
        ),
        _ => {}
    }
}

/// Follows an activation until its access is usable, then says so (or why not).
pub fn watch_ready(app: &AppHandle, a: Assignment) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let Ok(state) = ready(&app).await else { return };
        if !state.set_activating(&a.key, true) {
            return; // already watched
        }
        if let Some(v) = state.cached() {
            let _ = app.emit("view", &v);
            let _ = crate::tray::update(&app, &v, &state);
        }
        let out = state.pim.wait_ready(&a, ReadyOptions::default()).await;
        state.set_activating(&a.key, false);
        let _ = refresh(&app).await;
        let label = a.label();
        use crate::notify::{show, Offer};
        match out {
            ReadyOutcome::Ready { verified: true } => show(
                &app,
                &format!("{label} is ready"),
                "Elevate checked that the access is in effect.",
                Some(&a.key),
                Offer::Nothing,
            ),
            ReadyOutcome::Ready { verified: false } => show(
                &app,
                &format!("{label} is active"),
                "It is listed as active; no API tells whether it has reached every service yet.",
                Some(&a.key),
                Offer::Nothing,
            ),
            ReadyOutcome::TimedOut { reason } => show(
                &app,
                &format!("{label} is still not in effect"),
                &format!("After 30 minutes: {reason}. Sign out and in again in the service you use, or check the request in the Entra portal."),
                Some(&a.key),
                Offer::Handle,
            ),
            ReadyOutcome::Gone => {}
        }
    });
}

/// Says once that a sign-in is needed (with a button), until a refresh works again.
fn sign_in_notice(app: &AppHandle, state: &AppState, view: &View) {
    let needed = !view.snapshot.failures.is_empty()
        && view
            .snapshot
            .failures
            .iter()
            .all(|f| f.error.code == "signInRequired");
    if state.sign_in_notice(needed) {
        crate::notify::show(
            app,
            "Sign in to Elevate",
            "Your assignments cannot be listed until you sign in.",
            None,
            crate::notify::Offer::SignIn,
        );
    }
}

/// Opens the popup, on the form of `key` when given.
pub fn open_on(app: &AppHandle, key: Option<&str>) {
    if let (Some(key), Some(state)) = (key, app.state::<Core>().0.get()) {
        state.set_focus(Some(key.to_string()));
    }
    if let Err(err) = crate::popup::open(app) {
        eprintln!("elevate: could not open the popup: {err}");
    }
    if let Some(key) = key {
        let _ = app.emit("focus", key);
    }
}

pub async fn deactivate(app: &AppHandle, key: &str) -> Result<RequestOutcome, Error> {
    let state = ready(app).await?;
    let a = find(&state.cached(), key, Status::Active)?;
    let out = state.pim.deactivate(&a).await;
    let _ = refresh(app).await;
    out
}

pub async fn extend(app: &AppHandle, key: &str) -> Result<RequestOutcome, Error> {
    let state = ready(app).await?;
    let view = state.cached();
    let active = find(&view, key, Status::Active)?;
    let eligible = find(&view, key, Status::Eligible)?;
    // The same again: the last request's justification, ticket and duration (within policy).
    let mut input = state
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
        .and_then(|m| elevate_core::policy::parse_duration(m).ok());
    if let (Some(d), Some(max)) = (input.duration, max) {
        input.duration = Some(d.min(max));
    }
    let plan = state.pim.plan(&eligible, &input, &state.defaults()).await?;
    let out = state.pim.extend(&active, &eligible, &plan).await;
    let _ = refresh(app).await;
    out
}

/// Adds `form.key` to the favorites with what the form holds, or removes it when it is one.
pub async fn toggle_favorite(app: &AppHandle, form: &ActivationForm) -> Result<View, Error> {
    let state = ready(app).await?;
    let (favorites, _) = state.data.load_favorites()?;
    if favorites.iter().any(|f| f.key == form.key) {
        state.data.remove_favorite(&form.key)?;
    } else {
        let a = find(&state.cached(), &form.key, Status::Eligible)?;
        let label = if a.plane == elevate_core::model::Plane::AzureResource {
            format!("{} on {}", a.label(), a.scope.display_name)
        } else {
            a.label()
        };
        let duration = form.input()?.duration.map(elevate_core::policy::iso);
        state.data.upsert_favorite(elevate_core::store::Favorite {
            key: form.key.clone(),
            label,
            justification: form.justification.clone(),
            ticket_number: form.ticket_number.clone(),
            ticket_system: form.ticket_system.clone(),
            duration,
        })?;
    }
    refresh(app).await
}

/// One click on a favorite in the tray: activates it with what it saved. When it needs
/// something it did not save, the popup opens on it instead (never a silent failure).
pub async fn activate_favorite(app: &AppHandle, key: &str) -> Result<(), Error> {
    let state = ready(app).await?;
    let (favorites, _) = state.data.load_favorites()?;
    let fav = favorites
        .into_iter()
        .find(|f| f.key == key)
        .ok_or_else(|| Error::InvalidInput("That favorite was removed.".into()))?;
    let view = state.cached().ok_or_else(|| {
        Error::InvalidInput("Nothing is listed yet; refresh and try again.".into())
    })?;
    let outcomes = activate_favorites(
        &state.pim,
        std::slice::from_ref(&fav),
        &view.snapshot,
        &state.defaults(),
        Mode::Interactive,
    )
    .await;
    let _ = refresh(app).await;
    report_favorites(app, &view, &outcomes, false);
    Ok(())
}

/// At start, with "auto-activate favorites" on: one go over the favorites, one summary.
/// Runs once per start, at the first refresh with someone signed in.
pub async fn auto_activate(app: &AppHandle) {
    let Ok(state) = ready(app).await else { return };
    let Some(view) = state.cached() else { return };
    if view.account.is_none() || !state.auto_activation_due() {
        return;
    }
    let Ok((favorites, _)) = state.data.load_favorites() else {
        return;
    };
    if favorites.is_empty() || view.account.is_none() {
        return;
    }
    let outcomes = activate_favorites(
        &state.pim,
        &favorites,
        &view.snapshot,
        &state.defaults(),
        Mode::Unattended,
    )
    .await;
    let _ = refresh(app).await;
    report_favorites(app, &view, &outcomes, true);
}

/// Notifies what a go over favorites did; starts the ready checks of what was granted.
fn report_favorites(app: &AppHandle, view: &View, outcomes: &[FavoriteOutcome], summary: bool) {
    use crate::notify::{show, Offer};
    for o in outcomes {
        if let FavoriteResult::Sent {
            state: RequestState::Active | RequestState::Provisioning,
            ..
        } = o.result
        {
            if let Some(a) = view.snapshot.assignments.iter().find(|a| a.key == o.key) {
                watch_ready(app, a.clone());
            }
        }
    }
    let needs_you = outcomes.iter().find(|o| {
        matches!(
            o.result,
            FavoriteResult::NeedsYou { .. } | FavoriteResult::Failed { .. }
        )
    });
    if summary {
        let (title, body) = elevate_core::favorites::summary(outcomes);
        let offer = if needs_you.is_some() {
            Offer::Handle
        } else {
            Offer::Nothing
        };
        show(app, &title, &body, needs_you.map(|o| o.key.as_str()), offer);
        return;
    }
    // A single favorite from the tray.
    for o in outcomes {
        match &o.result {
            FavoriteResult::NeedsYou { .. } => open_on(app, Some(&o.key)),
            FavoriteResult::Sent {
                state: RequestState::PendingApproval,
                ..
            } => show(
                app,
                &format!("{} waits for approval", o.label),
                "Elevate follows the request and tells you the decision.",
                Some(&o.key),
                Offer::Nothing,
            ),
            FavoriteResult::Sent { .. } => {}
            FavoriteResult::AlreadyActive | FavoriteResult::AlreadyPending => show(
                app,
                &format!("{} is already active or requested", o.label),
                "Nothing was sent.",
                Some(&o.key),
                Offer::Nothing,
            ),
            FavoriteResult::Unavailable { reason } => show(
                app,
                &format!("Could not activate {}", o.label),
                reason,
                Some(&o.key),
                Offer::Handle,
            ),
            FavoriteResult::Failed { error } => show(
                app,
                &format!("Could not activate {}", o.label),
                &error.message,
                Some(&o.key),
                Offer::Handle,
            ),
        }
    }
}

/// Signs in through the system browser, then refreshes. A plane whose consent fails is
/// reported by the refresh like any failing plane.
pub async fn sign_in(app: &AppHandle) -> Result<View, Error> {
    let state = ready(app).await?;
    state.pim.session().sign_in(None).await?;
    let view = refresh(app).await;
    auto_activate(app).await;
    view
}

/// Signs out: the refresh tokens leave the secret store; the view empties.
pub async fn sign_out(app: &AppHandle) -> Result<View, Error> {
    let state = ready(app).await?;
    state.pim.session().sign_out().await?;
    refresh(app).await
}

pub async fn switch_account(app: &AppHandle, object_id: &str) -> Result<View, Error> {
    let state = ready(app).await?;
    state.pim.session().switch_account(object_id).await?;
    state.pim.clear_policy_cache();
    refresh(app).await
}

/// Signs in another account (the browser asks which) and uses it.
pub async fn add_account(app: &AppHandle) -> Result<View, Error> {
    let state = ready(app).await?;
    state.pim.session().sign_in_another().await?;
    state.pim.clear_policy_cache();
    refresh(app).await
}

pub async fn cancel(app: &AppHandle, key: &str) -> Result<RequestOutcome, Error> {
    let state = ready(app).await?;
    let a = find(&state.cached(), key, Status::PendingApproval)?;
    state.cancelled_here(key);
    let out = state.pim.cancel(&a).await;
    let _ = refresh(app).await;
    out
}

pub fn on_menu(app: &AppHandle, id: &str) {
    let (open, refresh_id, quit) = crate::tray::MENU_IDS;
    let app = app.clone();
    let id = id.to_string();
    if id == quit {
        app.exit(0);
        return;
    }
    if id == open {
        if let Err(err) = crate::popup::open(&app) {
            eprintln!("elevate: could not open the popup: {err}");
        }
        return;
    }
    if id == "settings" {
        if let Err(err) = crate::settings::open(&app) {
            eprintln!("elevate: could not open the settings: {err}");
        }
        return;
    }
    tauri::async_runtime::spawn(async move {
        let result = if id == refresh_id {
            refresh(&app).await.map(|_| ())
        } else if let Some(key) = id.strip_prefix("deactivate:") {
            deactivate(&app, key).await.map(|_| ())
        } else if let Some(key) = id.strip_prefix("extend:") {
            extend(&app, key).await.map(|_| ())
        } else if let Some(key) = id.strip_prefix("cancel:") {
            cancel(&app, key).await.map(|_| ())
        } else if let Some(key) = id.strip_prefix("fav:") {
            activate_favorite(&app, key).await
        } else if let Some(object_id) = id.strip_prefix("switch:") {
            switch_account(&app, object_id).await.map(|_| ())
        } else if id == "signin" {
            sign_in(&app).await.map(|_| ())
        } else if id == "signin-other" {
            add_account(&app).await.map(|_| ())
        } else if id == "signout" {
            sign_out(&app).await.map(|_| ())
        } else {
            Ok(())
        };
        if let Err(e) = result {
            // The popup may be closed: a notification carries the reason, the popup too.
            let _ = app.emit("error", elevate_core::ErrorPayload::from(&e));
            let key = id.split_once(':').map(|(_, k)| k);
            crate::notify::show(
                &app,
                "Elevate could not do that",
                &e.to_string(),
                key,
                crate::notify::Offer::Handle,
            );
        }
    });
}
