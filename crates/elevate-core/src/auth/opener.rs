//! Opening the sign-in page in the user's browser (`$BROWSER`, else the system's), behind a
//! trait so tests act as the browser.

use crate::error::Error;

/// Opens a URL in the user's browser (or, in tests, an HTTP client acting as one).
pub trait Opener: Send + Sync {
    fn open(&self, url: &str) -> Result<(), Error>;
}

/// Waits for the opener on a thread of its own, so that a long-lived app (the tray) does not
/// keep it as a zombie process.
pub(super) fn reap(mut child: std::process::Child) {
    std::thread::spawn(move || {
        let _ = child.wait();
    });
}

/// The platform's URL opener, for the CLI (the app uses the Tauri opener plugin).
pub struct SystemOpener;

impl Opener for SystemOpener {
    fn open(&self, url: &str) -> Result<(), Error> {
        // $BROWSER, as many command-line tools honour it, wins over the platform default.
        if let Some(browser) = std::env::var_os("BROWSER").filter(|b| !b.is_empty()) {
            return std::process::Command::new(&browser)
                .arg(url)
                .stdin(std::process::Stdio::null())
                .spawn()
                .map(reap)
                .map_err(|e| {
                    Error::Unsupported(format!(
                        "cannot start $BROWSER ({}): {e}",
                        browser.to_string_lossy()
                    ))
                });
        }
        let (cmd, args): (&str, Vec<&str>) = if cfg!(target_os = "windows") {
            ("rundll32", vec!["url.dll,FileProtocolHandler", url])
        } else if cfg!(target_os = "macos") {
            ("open", vec![url])
        } else {
            ("xdg-open", vec![url])
        };
        std::process::Command::new(cmd)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map(reap)
            .map_err(|e| {
                Error::Unsupported(format!(
                    "cannot open a browser ({cmd}: {e}); use device code sign-in instead"
                ))
            })
    }
}
