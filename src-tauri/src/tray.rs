//! The tray icon and its menu. On Linux a click on the icon never reaches the app, so the
//! menu carries every action: active assignments (Deactivate, Extend), pending requests
//! (Cancel), Open, Refresh, the account and Quit. The menu is rebuilt when the state changes;
//! countdowns are updated in place.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::Utc;
use elevate_core::app::View;
use elevate_core::model::{AssignmentType, Status};
use elevate_core::tray::TrayState;
use tauri::{
    image::Image,
    menu::{Menu, MenuItem, PredefinedMenuItem, Submenu},
    tray::TrayIconBuilder,
    AppHandle, Manager, Wry,
};

pub const TRAY_ID: &str = "elevate";
const MENU_OPEN: &str = "open";
const MENU_REFRESH: &str = "refresh";
const MENU_QUIT: &str = "quit";

/// A countdown menu item, its assignment's label and end.
type Countdown = (MenuItem<Wry>, String, Option<chrono::DateTime<Utc>>);

/// Countdown items by assignment key, to update their text without a rebuild.
#[derive(Default)]
pub struct Countdowns(Mutex<HashMap<String, Countdown>>);

/// The icon for each state, embedded so the app never depends on files beside it.
pub fn icon(state: TrayState) -> tauri::Result<Image<'static>> {
    let bytes: &'static [u8] = match state {
        TrayState::Idle => include_bytes!("../../icons/tray/idle.png"),
        TrayState::Active => include_bytes!("../../icons/tray/active.png"),
        TrayState::Pending => include_bytes!("../../icons/tray/pending.png"),
        TrayState::Expiring => include_bytes!("../../icons/tray/expiring.png"),
    };
    Image::from_bytes(bytes)
}

fn time_left(end: Option<chrono::DateTime<Utc>>) -> String {
    match end {
        None => "permanent".into(),
        Some(e) => {
            let mins = (e - Utc::now()).num_minutes().max(0);
            if mins >= 60 {
                format!("{} h {:02} min left", mins / 60, mins % 60)
            } else {
                format!("{mins} min left")
            }
        }
    }
}

/// What the menu shows besides the view.
#[derive(Default)]
pub struct Extras {
    pub demo: bool,
    /// Other accounts signed in on this machine (for "Switch to").
    pub accounts: Vec<elevate_core::auth::Identity>,
}

fn menu(app: &AppHandle, view: Option<&View>, extras: &Extras) -> tauri::Result<Menu<Wry>> {
    let demo = extras.demo;
    let menu = Menu::new(app)?;
    let countdowns = app.state::<Countdowns>();
    let mut handles = countdowns.0.lock().unwrap_or_else(|p| p.into_inner());
    handles.clear();
    if let Some(view) = view {
        // Favorites first: one click activates with what they saved.
        for f in &view.favorites {
            let busy = view
                .snapshot
                .assignments
                .iter()
                .any(|a| a.key == f.key && a.status != Status::Eligible);
            menu.append(&MenuItem::with_id(
                app,
                format!("fav:{}", f.key),
                format!("★ {}", f.label),
                !busy,
                None::<&str>,
            )?)?;
        }
        if !view.favorites.is_empty() {
            menu.append(&PredefinedMenuItem::separator(app)?)?;
        }
        let mut any = false;
        for a in view.snapshot.assignments.iter().filter(|a| {
            a.status == Status::Active && a.assignment_type == Some(AssignmentType::Activated)
        }) {
            any = true;
            let label = if view.activating.contains(&a.key) {
                format!("{} · activating…", a.label())
            } else {
                format!("{} · {}", a.label(), time_left(a.end_date_time))
            };
            let countdown =
                MenuItem::with_id(app, format!("info:{}", a.key), &label, false, None::<&str>)?;
            let sub = Submenu::with_items(
                app,
                &label,
                true,
                &[
                    &countdown,
                    &MenuItem::with_id(
                        app,
                        format!("extend:{}", a.key),
                        "Extend",
                        true,
                        None::<&str>,
                    )?,
                    &MenuItem::with_id(
                        app,
                        format!("deactivate:{}", a.key),
                        "Deactivate",
                        true,
                        None::<&str>,
                    )?,
                ],
            )?;
            handles.insert(a.key.clone(), (countdown, a.label(), a.end_date_time));
            menu.append(&sub)?;
        }
        for a in view
            .snapshot
            .assignments
            .iter()
            .filter(|a| a.status == Status::PendingApproval)
        {
            any = true;
            let label = format!("{} · waiting for approval", a.label());
            let sub = Submenu::with_items(
                app,
                &label,
                true,
                &[&MenuItem::with_id(
                    app,
                    format!("cancel:{}", a.key),
                    "Cancel request",
                    true,
                    None::<&str>,
                )?],
            )?;
            menu.append(&sub)?;
        }
        if !any {
            menu.append(&MenuItem::with_id(
                app,
                "none",
                "Nothing active",
                false,
                None::<&str>,
            )?)?;
        }
        menu.append(&PredefinedMenuItem::separator(app)?)?;
    }
    menu.append(&MenuItem::with_id(
        app,
        MENU_OPEN,
        "Open Elevate…",
        true,
        None::<&str>,
    )?)?;
    menu.append(&MenuItem::with_id(
        app,
        MENU_REFRESH,
        "Refresh",
        true,
        None::<&str>,
    )?)?;
    menu.append(&MenuItem::with_id(
        app,
        "settings",
        "Settings…",
        true,
        None::<&str>,
    )?)?;
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    match view.and_then(|v| v.account.as_ref()) {
        Some(id) => {
            let who = if demo {
                format!("Demo tenant: {}", id.username)
            } else {
                format!("Signed in as {}", id.username)
            };
            let account = Submenu::with_id(app, "account", who, true)?;
            for other in extras
                .accounts
                .iter()
                .filter(|a| a.object_id != id.object_id)
            {
                account.append(&MenuItem::with_id(
                    app,
                    format!("switch:{}", other.object_id),
                    format!("Switch to {}", other.username),
                    true,
                    None::<&str>,
                )?)?;
            }
            account.append(&MenuItem::with_id(
                app,
                "signin-other",
                "Sign in with another account…",
                true,
                None::<&str>,
            )?)?;
            account.append(&MenuItem::with_id(
                app,
                "signout",
                "Sign out",
                true,
                None::<&str>,
            )?)?;
            menu.append(&account)?;
        }
        None => {
            menu.append(&MenuItem::with_id(
                app,
                "signin",
                "Sign in…",
                true,
                None::<&str>,
            )?)?;
        }
    }
    menu.append(&MenuItem::with_id(
        app,
        MENU_QUIT,
        "Quit Elevate",
        true,
        None::<&str>,
    )?)?;
    Ok(menu)
}

pub fn install(app: &AppHandle) -> tauri::Result<()> {
    app.manage(Countdowns::default());
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon(TrayState::Idle)?)
        .tooltip("Elevate: starting")
        .menu(&menu(app, None, &Extras::default())?)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| crate::actions::on_menu(app, event.id().as_ref()))
        .on_tray_icon_event(|tray, event| {
            // Windows and macOS report left clicks; open the popup there.
            if let tauri::tray::TrayIconEvent::Click {
                button: tauri::tray::MouseButton::Left,
                button_state: tauri::tray::MouseButtonState::Up,
                ..
            } = event
            {
                if let Err(err) = crate::popup::open(tray.app_handle()) {
                    eprintln!("elevate: could not open the popup: {err}");
                }
            }
        })
        .build(app)?;
    Ok(())
}

/// Rebuilds the menu and sets the icon and tooltip from the latest view.
pub fn update(
    app: &AppHandle,
    view: &View,
    app_state: &crate::state::AppState,
) -> tauri::Result<()> {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return Ok(());
    };
    let demo = app_state.demo;
    let extras = Extras {
        demo,
        accounts: app_state.pim.session().accounts(),
    };
    tray.set_menu(Some(menu(app, Some(view), &extras)?))?;
    tray.set_icon(Some(icon(app_state.tray_state())?))?;
    let active: Vec<String> = view
        .snapshot
        .assignments
        .iter()
        .filter(|a| {
            a.status == Status::Active && a.assignment_type == Some(AssignmentType::Activated)
        })
        .map(|a| format!("{}: {}", a.label(), time_left(a.end_date_time)))
        .collect();
    let name = if demo { "Elevate (demo)" } else { "Elevate" };
    let tip = if active.is_empty() {
        format!("{name}: nothing active")
    } else {
        format!("{name}\n{}", active.join("\n"))
    };
    tray.set_tooltip(Some(tip))?;
    Ok(())
}

/// Sets the icon for `state` (the menu stays as it is).
pub fn set_state(app: &AppHandle, state: TrayState) {
    if let (Some(tray), Ok(image)) = (app.tray_by_id(TRAY_ID), icon(state)) {
        let _ = tray.set_icon(Some(image));
    }
}

/// Updates the countdown texts in place (no rebuild).
pub fn tick(app: &AppHandle) {
    let countdowns = app.state::<Countdowns>();
    let handles = countdowns.0.lock().unwrap_or_else(|p| p.into_inner());
    for (item, label, end) in handles.values() {
        let _ = item.set_text(format!("{label} · {}", time_left(*end)));
    }
}

pub const MENU_IDS: (&str, &str, &str) = (MENU_OPEN, MENU_REFRESH, MENU_QUIT);
