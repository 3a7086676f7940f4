//! The settings window: created when opened, destroyed when closed (like the popup).

use elevate_core::app::{Settings, SettingsView};
use elevate_core::Error;
use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindowBuilder};
use tauri_plugin_autostart::ManagerExt;

pub const LABEL: &str = "settings";

pub fn open(app: &AppHandle) -> tauri::Result<()> {
    if let Some(window) = app.get_webview_window(LABEL) {
        window.show()?;
        return window.set_focus();
    }
    let demo = app.state::<crate::Launch>().demo;
    let title = if demo {
        "Elevate settings (demo)"
    } else {
        "Elevate settings"
    };
    let window = WebviewWindowBuilder::new(app, LABEL, WebviewUrl::App("settings.html".into()))
        .title(title)
        .inner_size(480.0, 640.0)
        .resizable(true)
        .build()?;
    window.set_focus()
}

pub fn close(app: &AppHandle) -> Result<(), Error> {
    match app.get_webview_window(LABEL) {
        Some(w) => w
            .destroy()
            .map_err(|e| Error::io("closing the settings", std::io::Error::other(e.to_string()))),
        None => Ok(()),
    }
}

pub async fn view(app: &AppHandle) -> Result<SettingsView, Error> {
    let state = crate::actions::ready(app).await?;
    let config = state
        .config
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let session = state.pim.session();
    let resolved = &session.cfg;
    // What the running session uses differs from the file: a restart applies it.
    let restart_needed = !state.demo
        && (config
            .tenant_id
            .as_deref()
            .is_some_and(|t| t != resolved.tenant)
            || config.cloud != resolved.cloud);
    Ok(SettingsView {
        settings: Settings::from_config(&config),
        account: session.identity(),
        accounts: session.accounts(),
        demo: state.demo,
        config_path: state.config_path.as_ref().map(|p| p.display().to_string()),
        restart_needed,
    })
}

/// Saves, applies start-at-login through the OS (autostart entry), and refreshes the tray.
pub async fn save(app: &AppHandle, settings: &Settings) -> Result<SettingsView, Error> {
    let state = crate::actions::ready(app).await?;
    let before = state
        .config
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let after = state.save_settings(settings)?;
    if after.start_at_login != before.start_at_login {
        let autolaunch = app.autolaunch();
        let done = if after.start_at_login {
            autolaunch.enable()
        } else {
            autolaunch.disable()
        };
        if let Err(e) = done {
            return Err(Error::Unsupported(format!(
                "The settings were saved, but start at login could not be changed: {e}"
            )));
        }
    }
    if after.keep_popup_warm != before.keep_popup_warm {
        crate::popup::warm(app, after.keep_popup_warm);
    }
    let _ = crate::actions::refresh(app).await;
    view(app).await
}
