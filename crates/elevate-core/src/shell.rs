//! The seam between the core and wherever it runs: what the core asks of a desktop. The tray
//! app implements it over Tauri, `elevatectl` with a terminal, and tests with
//! [`RecordingShell`], which keeps everything so a test reads like the behaviour it checks.

use std::sync::Mutex;

use crate::app::View;
use crate::notice::{Notice, NoticeKind};
use crate::tray_model::TrayModel;

pub trait Shell: Send + Sync {
    /// A new view for the popup (and anything else showing the assignments).
    fn publish(&self, view: &View);
    /// A notification the user must see.
    fn notify(&self, notice: Notice);
    /// Show the popup; the item to open it on, if any, is the published view's `focus`.
    fn open_popup(&self);
    /// Draw the tray: icon, tooltip and menu.
    fn set_tray(&self, model: &TrayModel);
}

/// A shell with no desktop: nothing is shown.
pub struct QuietShell;

impl Shell for QuietShell {
    fn publish(&self, _: &View) {}
    fn notify(&self, _: Notice) {}
    fn open_popup(&self) {}
    fn set_tray(&self, _: &TrayModel) {}
}

/// One thing the core asked of the shell.
#[derive(Debug, Clone)]
pub enum Recorded {
    Published(Box<View>),
    Notified(Notice),
    OpenedPopup,
    Tray(TrayModel),
}

/// Keeps every call, in order, for tests.
#[derive(Default)]
pub struct RecordingShell(Mutex<Vec<Recorded>>);

impl RecordingShell {
    fn all(&self) -> std::sync::MutexGuard<'_, Vec<Recorded>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Everything recorded so far, and forgets it.
    pub fn take(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.all())
    }

    pub fn notices(&self) -> Vec<Notice> {
        self.all()
            .iter()
            .filter_map(|r| match r {
                Recorded::Notified(n) => Some(n.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn notices_of(&self, kind: NoticeKind) -> Vec<Notice> {
        self.notices()
            .into_iter()
            .filter(|n| n.kind == kind)
            .collect()
    }

    pub fn last_view(&self) -> Option<View> {
        self.all().iter().rev().find_map(|r| match r {
            Recorded::Published(v) => Some((**v).clone()),
            _ => None,
        })
    }

    pub fn last_tray(&self) -> Option<TrayModel> {
        self.all().iter().rev().find_map(|r| match r {
            Recorded::Tray(t) => Some(t.clone()),
            _ => None,
        })
    }

    pub fn popups_opened(&self) -> usize {
        self.all()
            .iter()
            .filter(|r| matches!(r, Recorded::OpenedPopup))
            .count()
    }
}

impl Shell for RecordingShell {
    fn publish(&self, view: &View) {
        self.all().push(Recorded::Published(Box::new(view.clone())));
    }
    fn notify(&self, notice: Notice) {
        self.all().push(Recorded::Notified(notice));
    }
    fn open_popup(&self) {
        self.all().push(Recorded::OpenedPopup);
    }
    fn set_tray(&self, model: &TrayModel) {
        self.all().push(Recorded::Tray(model.clone()));
    }
}
