//! Draws the core's tray model: the icon for its state, the tooltip, the menu. A model of the
//! same shape updates the menu's texts in place (countdowns) instead of rebuilding it, and
//! the icon is set only when the state changes. Menu clicks go to `dispatch`.

use std::sync::Mutex;

use elevate_core::intent::Intent;
use elevate_core::tray_model::{Entry, TrayModel, TrayState};
use tauri::image::Image;
use tauri::menu::{IsMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Runtime};

use crate::launch::TRAY_ID;

/// The icon for each state, embedded so the app never depends on files beside it.
pub fn icon(state: TrayState) -> tauri::Result<Image<'static>> {
    let bytes: &'static [u8] = match state {
        TrayState::Idle => include_bytes!("../../icons/tray/idle.png"),
        TrayState::Active => include_bytes!("../../icons/tray/active.png"),
        TrayState::Pending => include_bytes!("../../icons/tray/pending.png"),
        TrayState::ToApprove => include_bytes!("../../icons/tray/approve.png"),
        TrayState::Expiring => include_bytes!("../../icons/tray/expiring.png"),
    };
    Image::from_bytes(bytes)
}

/// What is drawn now: the model, and the menu's text items in the model's order.
struct Drawn<R: Runtime> {
    model: TrayModel,
    items: Vec<MenuItem<R>>,
    submenus: Vec<Submenu<R>>,
}

struct Tray<R: Runtime>(Mutex<Option<Drawn<R>>>);

fn append<R: Runtime>(
    app: &AppHandle<R>,
    entries: &[Entry],
    items: &mut Vec<MenuItem<R>>,
    submenus: &mut Vec<Submenu<R>>,
) -> tauri::Result<Vec<Box<dyn IsMenuItem<R>>>> {
    let mut out: Vec<Box<dyn IsMenuItem<R>>> = vec![];
    for e in entries {
        match e {
            Entry::Item {
                label,
                intent,
                enabled,
            } => {
                let item = MenuItem::with_id(app, intent.id(), label, *enabled, None::<&str>)?;
                items.push(item.clone());
                out.push(Box::new(item));
            }
            Entry::Separator => out.push(Box::new(PredefinedMenuItem::separator(app)?)),
            Entry::Submenu { label, entries } => {
                let inner = append(app, entries, items, submenus)?;
                let refs: Vec<&dyn IsMenuItem<R>> = inner.iter().map(|b| b.as_ref()).collect();
                let sub = Submenu::with_items(app, label, true, &refs)?;
                submenus.push(sub.clone());
                out.push(Box::new(sub));
            }
        }
    }
    Ok(out)
}

fn labels(entries: &[Entry], items: &mut Vec<String>, submenus: &mut Vec<String>) {
    for e in entries {
        match e {
            Entry::Item { label, .. } => items.push(label.clone()),
            Entry::Separator => {}
            Entry::Submenu { label, entries } => {
                labels(entries, items, submenus);
                submenus.push(label.clone());
            }
        }
    }
}

fn build<R: Runtime>(app: &AppHandle<R>, model: &TrayModel) -> tauri::Result<(Menu<R>, Drawn<R>)> {
    let (mut items, mut submenus) = (vec![], vec![]);
    let top = append(app, &model.entries, &mut items, &mut submenus)?;
    let refs: Vec<&dyn IsMenuItem<R>> = top.iter().map(|b| b.as_ref()).collect();
    let menu = Menu::with_items(app, &refs)?;
    Ok((
        menu,
        Drawn {
            model: model.clone(),
            items,
            submenus,
        },
    ))
}

/// Creates the tray icon with the "starting" model.
pub fn install<R: Runtime>(app: &AppHandle<R>, model: &TrayModel) -> tauri::Result<()> {
    let (menu, drawn) = build(app, model)?;
    app.manage(Tray::<R>(Mutex::new(Some(drawn))));
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon(model.state)?)
        .tooltip(&model.tooltip)
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| {
            if let Some(intent) = Intent::parse(event.id().as_ref()) {
                crate::dispatch::run(app, intent);
            }
        })
        .on_tray_icon_event(|tray, event| {
            // Windows and macOS report left clicks; open the popup there.
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                crate::dispatch::run(tray.app_handle(), Intent::Open(None));
            }
        })
        .build(app)?;
    Ok(())
}

/// Draws `model`: texts in place when only they changed, else a new menu.
pub fn draw<R: Runtime>(app: &AppHandle<R>, model: &TrayModel) -> tauri::Result<()> {
    let (Some(tray), Some(state)) = (app.tray_by_id(TRAY_ID), app.try_state::<Tray<R>>()) else {
        return Ok(());
    };
    let mut drawn = state.0.lock().unwrap_or_else(|p| p.into_inner());
    let old_state = drawn.as_ref().map(|d| d.model.state);
    match drawn.as_mut() {
        Some(d) if d.model.same_shape(model) => {
            let (mut items, mut subs) = (vec![], vec![]);
            labels(&model.entries, &mut items, &mut subs);
            let (mut was_items, mut was_subs) = (vec![], vec![]);
            labels(&d.model.entries, &mut was_items, &mut was_subs);
            for ((item, text), was) in d.items.iter().zip(&items).zip(&was_items) {
                if text != was {
                    item.set_text(text)?;
                }
            }
            for ((sub, text), was) in d.submenus.iter().zip(&subs).zip(&was_subs) {
                if text != was {
                    sub.set_text(text)?;
                }
            }
            d.model = model.clone();
        }
        _ => {
            let (menu, fresh) = build(app, model)?;
            tray.set_menu(Some(menu))?;
            *drawn = Some(fresh);
        }
    }
    if old_state != Some(model.state) {
        tray.set_icon(Some(icon(model.state)?))?;
    }
    tray.set_tooltip(Some(&model.tooltip))?;
    Ok(())
}
