//! The settings window (created when opened, destroyed when closed, like the popup), and
//! what a save must apply on the desktop itself: start at login and a warm popup (and, at
//! each start, start at login when the organisation's policy sets it).

use elevate_core::app::{Settings, SettingsView};
use elevate_core::Error;
use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindowBuilder};
use tauri_plugin_autostart::ManagerExt;

use crate::slot::Slot;

pub const LABEL: &str = "settings";

fn ui_error(what: &str, err: tauri::Error) -> Error {
    Error::io(what, std::io::Error::other(err.to_string()))
}

pub fn open<R: Runtime>(app: &AppHandle<R>) -> Result<(), Error> {
    let shown = (|| {
        if let Some(window) = app.get_webview_window(LABEL) {
            window.show()?;
            return window.set_focus();
        }
        let title = if app.state::<crate::launch::Launch>().demo {
            "Elevate settings (demo)"
        } else {
            "Elevate settings"
        };
        WebviewWindowBuilder::new(app, LABEL, WebviewUrl::App("settings.html".into()))
            .title(title)
            .inner_size(480.0, 640.0)
            .resizable(true)
            .build()?
            .set_focus()
    })();
    shown.map_err(|e| ui_error("opening the settings", e))
}

pub fn close<R: Runtime>(app: &AppHandle<R>) -> Result<(), Error> {
    match app.get_webview_window(LABEL) {
        Some(w) => w.destroy().map_err(|e| ui_error("closing the settings", e)),
        None => Ok(()),
    }
}

/// Start at login set by the organisation: the OS's autostart entry follows it at each start.
pub fn apply_managed<R: Runtime>(app: &AppHandle<R>, e: &elevate_core::Elevate) {
    let Some(on) = e.managed().start_at_login else {
        return;
    };
    let autolaunch = app.autolaunch();
    if autolaunch.is_enabled().ok() == Some(on) {
        return;
    }
    let done = if on {
        autolaunch.enable()
    } else {
        autolaunch.disable()
    };
    if let Err(err) = done {
        tracing::warn!("start at login (set by your organisation) could not be applied: {err}");
    }
}

/// Saves through the service, then applies start at login (the OS's autostart entry) and
/// the warm popup.
pub async fn save<R: Runtime>(
    app: &AppHandle<R>,
    settings: &Settings,
) -> Result<SettingsView, Error> {
    let e = Slot::ready(app).await?;
    let saved = e.save_settings(settings)?;
    if saved.after.start_at_login != saved.before.start_at_login {
        let autolaunch = app.autolaunch();
        let done = if saved.after.start_at_login {
            autolaunch.enable()
        } else {
            autolaunch.disable()
        };
        if let Err(err) = done {
            return Err(Error::Unsupported(format!(
                "The settings were saved, but start at login could not be changed: {err}"
            )));
        }
    }
    if saved.after.keep_popup_warm != saved.before.keep_popup_warm {
        crate::popup::warm(app, saved.after.keep_popup_warm);
    }
    Ok(e.settings_view())
}
