//! What this process is: the flags it was started with, and the id of its tray icon.

/// The tray icon's id (one icon per process).
pub const TRAY_ID: &str = "elevate";

/// Process-wide settings read once from the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Launch {
    /// Run on the built-in demo tenant.
    pub demo: bool,
    /// Open the popup as soon as the tray is up (used by `make demo` and the tests).
    pub open_popup: bool,
}

impl Launch {
    pub fn from_args(args: impl Iterator<Item = String>) -> Self {
        let mut launch = Launch::default();
        for arg in args {
            match arg.as_str() {
                "--demo" => launch.demo = true,
                "--open" => launch.open_popup = true,
                // Started by the OS at login (the autostart entry passes it): no popup.
                _ => {}
            }
        }
        launch
    }
}
