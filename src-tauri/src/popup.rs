//! The popup window. It is created when opened and destroyed when closed: a hidden
//! webview still costs about 300 MiB, and a tray app lives all day.

use elevate_core::Error;
use tauri::{AppHandle, LogicalPosition, Manager, WebviewUrl, WebviewWindowBuilder};

pub const LABEL: &str = "popup";
const WIDTH: f64 = 400.0;
const HEIGHT: f64 = 560.0;
const MARGIN: f64 = 12.0;

/// Shows the popup, creating its webview if needed, and gives it the focus.
pub fn open(app: &AppHandle) -> tauri::Result<()> {
    if let Some(window) = app.get_webview_window(LABEL) {
        window.show()?;
        window.unminimize()?;
        return window.set_focus();
    }
    let window = WebviewWindowBuilder::new(app, LABEL, WebviewUrl::App("index.html".into()))
        .title("Elevate")
        .inner_size(WIDTH, HEIGHT)
        .resizable(false)
        .decorations(false)
        .skip_taskbar(true)
        .always_on_top(true)
        .visible(false)
        .build()?;
    // Near the tray: top right on Linux panels and macOS, where the tray position is not
    // reported; the tray issue refines this with the icon's rectangle where available.
    if let Some(monitor) = window.current_monitor()?.or(window.primary_monitor()?) {
        let scale = monitor.scale_factor();
        let size = monitor.size().to_logical::<f64>(scale);
        let origin = monitor.position().to_logical::<f64>(scale);
        let x = origin.x + (size.width - WIDTH - MARGIN).max(0.0);
        let y = origin.y + MARGIN;
        window.set_position(LogicalPosition::new(x, y))?;
    }
    window.show()?;
    window.set_focus()
}

/// Destroys the popup (not merely hides it) so its webview processes exit.
pub fn close(app: &AppHandle) -> Result<(), Error> {
    match app.get_webview_window(LABEL) {
        Some(window) => window
            .destroy()
            .map_err(|err| Error::io("closing the popup", std::io::Error::other(err.to_string()))),
        None => Ok(()),
    }
}
