//! Looks for a new version as the core's plan says (`Elevate::update_plan`: the
//! organisation's policy, then `[updates]`), at start and then daily, through
//! tauri-plugin-updater; says once per version that it is there, with "Install and restart";
//! installs on that button. The plugin refuses a download whose signature does not match the
//! public key in tauri.conf.json (and, with `requireSignedVersion`, an older signed build
//! announced as newer). A failed look is logged, never a notice: it was not asked for.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use elevate_core::notice::{Notice, NoticeKind, Offer};
use elevate_core::Elevate;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_updater::{Update, UpdaterExt};

/// A day between looks.
const EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// The update found and not installed yet, and the last version told.
#[derive(Default)]
pub struct Found {
    update: Mutex<Option<Update>>,
    told: Mutex<Option<String>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// At start, then every day, while the app runs.
pub async fn watch<R: Runtime>(app: AppHandle<R>, e: Arc<Elevate>) {
    loop {
        look(&app, &e).await;
        tokio::time::sleep(EVERY).await;
    }
}

/// One look; tells the user when a version not told before is there.
pub async fn look<R: Runtime>(app: &AppHandle<R>, e: &Elevate) {
    let plan = e.update_plan(!cfg!(debug_assertions));
    let Some(feed) = plan.feed else {
        tracing::info!("{}", plan.why);
        return;
    };
    // reqwest in the plugin takes the process's rustls provider: ring, as everywhere else.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let updater = match app
        .updater_builder()
        .endpoints(vec![feed.clone()])
        .and_then(|b| b.build())
    {
        Ok(u) => u,
        Err(err) => {
            tracing::warn!("the updater could not be set up for {feed}: {err}");
            return;
        }
    };
    match updater.check().await {
        Ok(Some(update)) => {
            let version = update.version.clone();
            let current = update.current_version.clone();
            let found = app.state::<Found>();
            *lock(&found.update) = Some(update);
            let mut told = lock(&found.told);
            if told.as_deref() == Some(version.as_str()) {
                return;
            }
            *told = Some(version.clone());
            drop(told);
            e.tell(
                Notice::new(
                    NoticeKind::UpdateAvailable,
                    format!("Elevate {version} is available"),
                    format!("You have {current}. Installing checks its signature, then Elevate restarts."),
                )
                .offering(Offer::Update),
            );
        }
        Ok(None) => tracing::info!("Elevate is up to date ({feed})"),
        Err(err) => tracing::warn!("looking for updates at {feed} failed: {err}"),
    }
}

/// Installs the update found (the notice's button), then restarts; a failure is a notice.
pub async fn install<R: Runtime>(app: &AppHandle<R>, e: &Elevate) {
    let update = lock(&app.state::<Found>().update).take();
    let Some(update) = update else {
        e.tell(
            Notice::new(
                NoticeKind::Failed,
                "No update to install",
                "Elevate found none, or installed it already; it looks again at the next start.",
            )
            .offering(Offer::Nothing),
        );
        return;
    };
    let version = update.version.clone();
    match update.download_and_install(|_, _| {}, || {}).await {
        Ok(()) => {
            tracing::info!("Elevate {version} installed; restarting");
            app.restart();
        }
        Err(err) => e.tell(
            Notice::new(
                NoticeKind::Failed,
                format!("Elevate {version} was not installed"),
                format!("{err}. Nothing changed; the release page has the installer."),
            )
            .offering(Offer::Nothing),
        ),
    }
}
