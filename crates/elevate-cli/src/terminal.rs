//! elevatectl's shell: no tray and no popup; what the core must tell goes to stderr (stdout
//! stays the command's output, and the MCP protocol's).

use elevate_core::app::View;
use elevate_core::notice::{Notice, NoticeKind};
use elevate_core::shell::Shell;
use elevate_core::tray_model::TrayModel;

pub struct TerminalShell;

impl Shell for TerminalShell {
    fn publish(&self, _: &View) {}
    fn notify(&self, notice: Notice) {
        match notice.kind {
            NoticeKind::Warning => eprintln!("elevatectl: note: {}", notice.body),
            _ => eprintln!("elevatectl: {}: {}", notice.title, notice.body),
        }
    }
    fn open_popup(&self) {}
    fn set_tray(&self, _: &TrayModel) {}
}
