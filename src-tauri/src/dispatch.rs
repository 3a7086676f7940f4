//! Carries out an intent from the tray menu or a notification button: opening a window or
//! quitting is the desktop's; everything else is the service's `perform`.

use elevate_core::intent::Intent;
use elevate_core::notice::{Notice, NoticeKind, Offer};
use tauri::{AppHandle, Runtime};

use crate::slot::Slot;

pub fn run<R: Runtime>(app: &AppHandle<R>, intent: Intent) {
    let shown = match &intent {
        Intent::Quit => {
            app.exit(0);
            return;
        }
        Intent::Settings => crate::settings::open(app),
        Intent::Info(_) | Intent::Dismiss => return,
        // Before the service is open only the popup can be shown.
        Intent::Open(None) if Slot::get(app).is_none() => crate::popup::open(app),
        _ => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                match Slot::ready(&app).await {
                    Ok(e) => e.perform(&intent).await,
                    Err(err) => tracing::warn!("{}: {err}", intent.id()),
                }
            });
            return;
        }
    };
    if let Err(err) = shown {
        tracing::error!("{}: {err}", intent.id());
        if let Some(e) = Slot::get(app) {
            let mut notice = Notice::new(
                NoticeKind::Failed,
                "Elevate could not do that",
                err.to_string(),
            )
            .offering(Offer::Nothing);
            notice.error = Some((&err).into());
            e.tell(notice);
        }
    }
}
