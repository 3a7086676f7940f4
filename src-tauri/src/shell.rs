//! The core's shell on the desktop: views go to the webviews as the `view` event, notices
//! become notifications (a failure also reaches an open popup as the `error` event), the
//! tray model is drawn, the popup opened.

use elevate_core::app::{UiEvent, View};
use elevate_core::notice::{Notice, NoticeKind};
use elevate_core::shell::Shell;
use elevate_core::tray_model::TrayModel;
use tauri::{AppHandle, Emitter, Runtime};

pub struct TauriShell<R: Runtime> {
    app: AppHandle<R>,
    /// Whether notifications and the tray are real (off in mock-runtime tests).
    desktop: bool,
}

impl<R: Runtime> TauriShell<R> {
    pub fn new(app: AppHandle<R>, desktop: bool) -> Self {
        TauriShell { app, desktop }
    }
}

impl<R: Runtime> Shell for TauriShell<R> {
    fn publish(&self, view: &View) {
        if let Err(e) = self.app.emit(UiEvent::View.name(), view) {
            tracing::warn!("could not send the view to the popup: {e}");
        }
    }

    fn notify(&self, notice: Notice) {
        if notice.kind == NoticeKind::Failed {
            if let Some(error) = &notice.error {
                let _ = self.app.emit(UiEvent::Error.name(), error);
            }
        }
        if self.desktop {
            crate::notify::show(&self.app, notice);
        }
    }

    fn open_popup(&self) {
        if let Err(e) = crate::popup::open(&self.app) {
            tracing::error!("could not open the popup: {e}");
        }
    }

    fn set_tray(&self, model: &TrayModel) {
        if !self.desktop {
            return;
        }
        if let Err(e) = crate::tray::draw(&self.app, model) {
            tracing::error!("could not draw the tray: {e}");
        }
    }
}
