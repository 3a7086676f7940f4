//! Elevate's tray app: the tray, the popup window and thin command adapters over
//! elevate-core. Logic belongs in the core, not here.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod popup;
mod tray;

use tauri::RunEvent;

/// Process-wide settings read once from the command line.
pub struct Launch {
    /// Run on the built-in demo tenant.
    pub demo: bool,
    /// Open the popup as soon as the tray is up (used by `make demo` and the tests).
    pub open_popup: bool,
}

impl Launch {
    fn from_args(args: impl Iterator<Item = String>) -> Self {
        let mut launch = Launch {
            demo: false,
            open_popup: false,
        };
        for arg in args {
            match arg.as_str() {
                "--demo" => launch.demo = true,
                "--open" => launch.open_popup = true,
                _ => {}
            }
        }
        launch
    }
}

fn main() {
    let launch = Launch::from_args(std::env::args().skip(1));
    let open_popup = launch.open_popup;
    let app = tauri::Builder::default()
        .manage(launch)
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::close_popup
        ])
        .setup(move |app| {
            tray::install(app.handle())?;
            if open_popup {
                popup::open(app.handle())?;
            }
            Ok(())
        })
        .build(tauri::generate_context!())
        .unwrap_or_else(|err| {
            eprintln!("elevate: could not start: {err}");
            std::process::exit(1);
        });

    app.run(|_app, event| {
        // A tray app outlives its windows: closing the popup must not quit. `Quit` in the
        // tray menu exits with an explicit code, which is let through.
        if let RunEvent::ExitRequested {
            code: None, api, ..
        } = event
        {
            api.prevent_exit();
        }
    });
}
