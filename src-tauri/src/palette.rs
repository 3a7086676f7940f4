//! The command palette: its window (created when the global shortcut is pressed, destroyed
//! when it closes, like the popup) and the shortcut itself, registered from the config's
//! `[palette] hotkey` through tauri-plugin-global-shortcut (on X11: a key grab on the root
//! window, so it works whichever window has the focus).

use elevate_core::Error;
use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindowBuilder};
use tauri_plugin_global_shortcut::{GlobalShortcutExt, Shortcut, ShortcutState};

pub const LABEL: &str = "palette";
const WIDTH: f64 = 560.0;
const HEIGHT: f64 = 380.0;

fn ui_error(what: &str, err: impl std::fmt::Display) -> Error {
    Error::io(what, std::io::Error::other(err.to_string()))
}

/// The window's title: what the desktop tests look for.
pub fn title(demo: bool) -> &'static str {
    if demo {
        "Elevate palette (demo)"
    } else {
        "Elevate palette"
    }
}

/// Shows the palette (a new one each time: it starts from an empty search) with the focus.
pub fn open<R: Runtime>(app: &AppHandle<R>) -> Result<(), Error> {
    let shown = (|| {
        if let Some(window) = app.get_webview_window(LABEL) {
            window.show()?;
            return window.set_focus();
        }
        let demo = app.state::<crate::launch::Launch>().demo;
        WebviewWindowBuilder::new(app, LABEL, WebviewUrl::App("palette.html".into()))
            .title(title(demo))
            .inner_size(WIDTH, HEIGHT)
            .resizable(false)
            .decorations(false)
            .skip_taskbar(true)
            .always_on_top(true)
            .center()
            .focused(true)
            .build()?
            .set_focus()
    })();
    shown.map_err(|e| ui_error("opening the palette", e))
}

pub fn close<R: Runtime>(app: &AppHandle<R>) -> Result<(), Error> {
    match app.get_webview_window(LABEL) {
        Some(w) => w.destroy().map_err(|e| ui_error("closing the palette", e)),
        None => Ok(()),
    }
}

/// The shortcut a config's text names; `None` when it is empty (no shortcut).
pub fn shortcut(text: &str) -> Result<Option<Shortcut>, Error> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<Shortcut>().map(Some).map_err(|e| {
        Error::InvalidInput(format!(
            "The palette shortcut '{text}' is not one: write it like Ctrl+Alt+E ({e})."
        ))
    })
}

/// Replaces the registered shortcut with `text`'s: pressing it opens the palette.
pub fn register<R: Runtime>(app: &AppHandle<R>, text: &str) -> Result<(), Error> {
    let shortcuts = app.global_shortcut();
    shortcuts
        .unregister_all()
        .map_err(|e| ui_error("changing the palette shortcut", e))?;
    let Some(key) = shortcut(text)? else {
        return Ok(());
    };
    shortcuts
        .on_shortcut(key, |app, _, event| {
            if event.state == ShortcutState::Pressed {
                if let Err(e) = open(app) {
                    tracing::error!("{e}");
                }
            }
        })
        .map_err(|e| {
            Error::Unsupported(format!(
                "The palette shortcut {text} could not be registered (another application may hold it): {e}"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tauri_plugin_global_shortcut::{Code, Modifiers};

    #[test]
    fn the_config_names_the_shortcut_the_plugin_registers() {
        let default = elevate_core::config::Config::default().palette.hotkey;
        assert_eq!(
            shortcut(&default).expect("the default parses"),
            Some(Shortcut::new(
                Some(Modifiers::CONTROL | Modifiers::ALT),
                Code::KeyE
            ))
        );
        assert_eq!(shortcut("  ").expect("empty"), None, "empty: no shortcut");
        let err = shortcut("Ctrl+Nope").expect_err("refused");
        assert!(err.to_string().contains("Ctrl+Alt+E"), "{err}");
    }
}
