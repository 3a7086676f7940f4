//! What tray menu items and commands do, over elevate-core: refresh, activate, deactivate,
//! extend, cancel; each ends with a refresh so the tray and the popup follow.

use std::sync::Arc;
use std::time::Duration;

use elevate_core::app::{ActivationForm, View};
use elevate_core::model::{Assignment, Status};
use elevate_core::pim::RequestOutcome;
use elevate_core::Error;
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
    let _ = crate::tray::update(app, &view, state.tray_state(), state.demo);
    let _ = app.emit("view", &view);
    for due in ended {
        crate::notify::due(app, &due);
    }
    for (label, approved) in decisions {
        if approved {
            crate::notify::message(
                app,
                &format!("{label} approved"),
                "The request was approved and the access is active.",
            );
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
    let plan = state.pim.plan(&a, &form.input()?, &state.defaults).await?;
    let out = state.pim.activate(&a, &plan).await;
    let _ = refresh(app).await;
    out
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
    let plan = state.pim.plan(&eligible, &input, &state.defaults).await?;
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

/// One click on a favorite in the tray: activates it with what it saved. When the policy
/// needs something it did not save, the popup opens on it instead (never a silent failure).
pub async fn activate_favorite(app: &AppHandle, key: &str) -> Result<(), Error> {
    let state = ready(app).await?;
    let (favorites, _) = state.data.load_favorites()?;
    let fav = favorites
        .into_iter()
        .find(|f| f.key == key)
        .ok_or_else(|| Error::InvalidInput("That favorite was removed.".into()))?;
    let view = state.cached();
    if view.as_ref().is_some_and(|v| {
        v.snapshot
            .assignments
            .iter()
            .any(|a| a.key == key && matches!(a.status, Status::Active | Status::PendingApproval))
    }) {
        crate::notify::message(
            app,
            &format!("{} is already active or requested", fav.label),
            "Nothing was sent.",
        );
        return Ok(());
    }
    let a = find(&view, key, Status::Eligible)?;
    let form = ActivationForm {
        key: key.into(),
        justification: fav.justification,
        ticket_number: fav.ticket_number,
        ticket_system: fav.ticket_system,
        duration: fav.duration,
    };
    let plan = match state.pim.plan(&a, &form.input()?, &state.defaults).await {
        Ok(p) => p,
        Err(Error::PolicyRefused { .. }) => {
            crate::popup::open(app).map_err(|e| Error::Unsupported(e.to_string()))?;
            let _ = app.emit("focus", key);
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let out = state.pim.activate(&a, &plan).await;
    let _ = refresh(app).await;
    let out = out?;
    let what = match out.state {
        elevate_core::pim::RequestState::PendingApproval => "waits for approval",
        elevate_core::pim::RequestState::Scheduled => "is scheduled",
        elevate_core::pim::RequestState::Provisioning => "is being provisioned",
        _ => "is active",
    };
    crate::notify::message(
        app,
        &format!("{} {what}", fav.label),
        "Activated from your favorites.",
    );
    Ok(())
}

/// Signs in through the system browser, then refreshes. A plane whose consent fails is
/// reported by the refresh like any failing plane.
pub async fn sign_in(app: &AppHandle) -> Result<View, Error> {
    let state = ready(app).await?;
    state.pim.session().sign_in(None).await?;
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
        } else {
            Ok(())
        };
        if let Err(e) = result {
            // Shown where the user looks next: the popup, with the reason.
            let _ = app.emit("error", elevate_core::ErrorPayload::from(&e));
            eprintln!("elevate: {e}");
        }
    });
}
