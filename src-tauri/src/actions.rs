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
