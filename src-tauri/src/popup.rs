//! The popup window. It is created when opened and destroyed when closed: a hidden
//! webview still costs about 300 MiB, and a tray app lives all day. With "keep popup warm"
//! on, it is created hidden at start and hidden on close instead, for an instant open.

use elevate_core::Error;
use tauri::{
    AppHandle, LogicalPosition, Manager, Runtime, WebviewUrl, WebviewWindow, WebviewWindowBuilder,
};

use crate::slot::Slot;

pub const LABEL: &str = "popup";
const WIDTH: f64 = 400.0;
const HEIGHT: f64 = 560.0;
const MARGIN: f64 = 12.0;

fn keep_warm<R: Runtime>(app: &AppHandle<R>) -> bool {
    Slot::get(app).is_some_and(|e| e.config().keep_popup_warm)
}

fn ui_error(what: &str, err: tauri::Error) -> Error {
    Error::io(what, std::io::Error::other(err.to_string()))
}

fn build<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<WebviewWindow<R>> {
    let demo = app.state::<crate::launch::Launch>().demo;
    let window = WebviewWindowBuilder::new(app, LABEL, WebviewUrl::App("index.html".into()))
        .title(if demo { "Elevate (demo)" } else { "Elevate" })
        .inner_size(WIDTH, HEIGHT)
        .resizable(false)
        .decorations(false)
        .skip_taskbar(true)
        .always_on_top(true)
        .visible(false)
        .build()?;
    // Windows and macOS popups close when they lose the focus, like the system's own.
    // Linux panels hand the focus around when their menus close, so there Esc or ✕ close it.
    #[cfg(any(target_os = "windows", target_os = "macos"))]
    {
        let handle = app.clone();
        window.on_window_event(move |event| {
            if let tauri::WindowEvent::Focused(false) = event {
                let _ = close(&handle);
            }
        });
    }
    Ok(window)
}

/// Near the tray icon where the platform reports its rectangle (Windows, macOS); else the
/// top right corner, where Linux panels and the macOS menu bar keep their trays.
fn place<R: Runtime>(app: &AppHandle<R>, window: &WebviewWindow<R>) -> tauri::Result<()> {
    let Some(monitor) = window.current_monitor()?.or(window.primary_monitor()?) else {
        return Ok(());
    };
    let scale = monitor.scale_factor();
    let size = monitor.size().to_logical::<f64>(scale);
    let origin = monitor.position().to_logical::<f64>(scale);
    let icon = app
        .tray_by_id(crate::launch::TRAY_ID)
        .and_then(|t| t.rect().ok().flatten());
    let (x, y) = match icon {
        Some(rect) => {
            let p = rect.position.to_logical::<f64>(scale);
            let s = rect.size.to_logical::<f64>(scale);
            let x = (p.x + s.width / 2.0 - WIDTH / 2.0)
                .clamp(origin.x + MARGIN, origin.x + size.width - WIDTH - MARGIN);
            // Taskbar at the bottom (Windows): above the icon; menu bar at the top: below.
            let y = if p.y > origin.y + size.height / 2.0 {
                p.y - HEIGHT - MARGIN
            } else {
                p.y + s.height + MARGIN
            };
            (x, y)
        }
        None => (
            origin.x + (size.width - WIDTH - MARGIN).max(0.0),
            origin.y + MARGIN,
        ),
    };
    window.set_position(LogicalPosition::new(x, y))
}

/// Shows the popup, creating its webview if needed, and gives it the focus.
pub fn open<R: Runtime>(app: &AppHandle<R>) -> Result<(), Error> {
    let shown = (|| {
        let window = match app.get_webview_window(LABEL) {
            Some(w) => w,
            None => build(app)?,
        };
        place(app, &window)?;
        window.show()?;
        window.unminimize()?;
        window.set_focus()
    })();
    shown.map_err(|e| ui_error("opening the popup", e))
}

/// Creates the hidden popup now (keep warm on), or destroys a hidden one (off).
pub fn warm<R: Runtime>(app: &AppHandle<R>, on: bool) {
    match (on, app.get_webview_window(LABEL)) {
        (true, None) => {
            if let Err(e) = build(app) {
                tracing::warn!("could not prepare the popup: {e}");
            }
        }
        (false, Some(w)) if !w.is_visible().unwrap_or(true) => {
            let _ = w.destroy();
        }
        _ => {}
    }
}

/// Destroys the popup so its webview processes exit; hides it when kept warm.
pub fn close<R: Runtime>(app: &AppHandle<R>) -> Result<(), Error> {
    let Some(window) = app.get_webview_window(LABEL) else {
        return Ok(());
    };
    let done = if keep_warm(app) {
        window.hide()
    } else {
        window.destroy()
    };
    done.map_err(|e| ui_error("closing the popup", e))
}
