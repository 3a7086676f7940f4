//! Elevate's tray app: the tray, the popup window and thin command adapters over
//! elevate-core. Logic belongs in the core, not here.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod actions;
mod commands;
mod notify;
mod popup;
mod settings;
mod state;
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
                // Started by the OS at login (the autostart entry passes it): no popup.
                "--autostart" => {}
                _ => {}
            }
        }
        launch
    }
}

/// Connects to the tenant (or starts the demo one), then keeps the view fresh: a refresh every
/// two minutes, countdowns updated every 30 seconds.
async fn start(app: tauri::AppHandle, demo: bool) {
    use tauri::Manager;
    let state = if demo {
        state::AppState::demo().await
    } else {
        state::AppState::configured()
    };
    let state = match state {
        Ok(s) => std::sync::Arc::new(s),
        Err(e) => {
            eprintln!("elevate: {e}");
            return;
        }
    };
    let warm = state
        .config
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .keep_popup_warm;
    if demo {
        // Before the state is published, so a popup opened meanwhile shows "loading", not a
        // "Sign in" button that flips. The demo tenant answers a browser at once; one that
        // has not come back in 20 s leaves the demo signed out, with the Sign in button.
        let signing_in = state.sign_in_demo();
        match tokio::time::timeout(std::time::Duration::from_secs(20), signing_in).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("elevate: demo sign-in: {e}"),
            Err(_) => eprintln!("elevate: demo sign-in: the browser did not come back in 20 s"),
        }
    }
    let _ = app.state::<actions::Core>().0.set(state);
    if warm {
        popup::warm(&app, true);
    }
    let _ = actions::refresh(&app).await;
    actions::auto_activate(&app).await;
    // A short tick re-evaluates the wall-clock deadlines (so a resume from sleep or a clock
    // jump is noticed within seconds); the countdowns move every 30 s, a refresh every 2 min.
    let mut ticks = 0u32;
    let mut shown = None;
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        ticks += 1;
        if let Some(state) = app.state::<actions::Core>().0.get() {
            for due in state.due() {
                notify::due(&app, &due);
            }
            // Entering the reminder window turns the icon to "expiring" without a refresh.
            let now = state.tray_state();
            if shown != Some(now) {
                tray::set_state(&app, now);
                shown = Some(now);
            }
        }
        // Every 2 minutes, or every 20 seconds while a request waits for a decision.
        let pending = app
            .state::<actions::Core>()
            .0
            .get()
            .is_some_and(|s| s.has_pending());
        if ticks.is_multiple_of(24) || (pending && ticks.is_multiple_of(4)) {
            let _ = actions::refresh(&app).await;
        } else if ticks.is_multiple_of(6) {
            tray::tick(&app);
        }
    }
}

fn main() {
    // GTK 3 on X11 sets up GLX when it opens the display, which loads the GL driver (with
    // Mesa, LLVM): about 55 MiB for the lifetime of a tray app that draws no GL itself. The
    // webview renders in its own process, and its UI side draws without GDK's GL. Anyone who
    // wants it back sets GDK_GL themselves. Done before any thread exists.
    #[cfg(target_os = "linux")]
    if std::env::var_os("GDK_GL").is_none() {
        std::env::set_var("GDK_GL", "disable");
    }
    let launch = Launch::from_args(std::env::args().skip(1));
    let open_popup = launch.open_popup;
    let demo = launch.demo;
    let app = tauri::Builder::default()
        // First: a second launch hands over to this one and opens its popup.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Err(err) = popup::open(app) {
                eprintln!("elevate: could not open the popup: {err}");
            }
        }))
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec!["--autostart"]),
        ))
        .manage(launch)
        .manage(actions::Core::default())
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::close_popup,
            commands::view,
            commands::refresh,
            commands::activate,
            commands::deactivate,
            commands::cancel,
            commands::sign_in,
            commands::toggle_favorite,
            commands::activate_many,
            commands::open_settings,
            commands::close_settings,
            commands::settings_get,
            commands::settings_save,
            commands::sign_out,
            commands::switch_account,
            commands::add_account
        ])
        .setup(move |app| {
            // The tray first (it is what the user waits for); the tenant connects behind it.
            tray::install(app.handle())?;
            if open_popup {
                popup::open(app.handle())?;
            }
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move { start(handle, demo).await });
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
