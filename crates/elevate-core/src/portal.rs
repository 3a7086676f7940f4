//! Owns opening the Azure portal for an item in a fresh private browser window: the portal
//! URL for the item's plane and tenant in the configured cloud, and the browser that opens it
//! (`[browser] private` in the config, else the default browser with its private-window flag,
//! else a known browser on PATH), started with the URL as one argument, never by a shell.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};

use crate::config::Cloud;
use crate::error::Error;
use crate::model::{Assignment, Plane};

/// The rule a bad `[browser]` breaks.
pub const RULE: &str = "PrivateBrowser";
/// Where the URL goes in `[browser] private` (appended when absent).
pub const URL_PLACEHOLDER: &str = "{url}";

/// `[browser] private = ["firefox", "--private-window"]`: the program and its arguments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct BrowserConfig {
    pub private: Vec<String>,
}

impl BrowserConfig {
    pub fn check(&self) -> Result<(), Error> {
        let bad = |why: &str| {
            Err(Error::PolicyRefused {
                rule: RULE.into(),
                message: format!("browser.private in the config file: {why}."),
            })
        };
        let Some(program) = self.private.first() else {
            return Ok(());
        };
        if program.trim().is_empty() || program.contains(['{', '}']) {
            return bad("the first element is the browser program (a path or a name on PATH), without placeholders, e.g. [\"firefox\", \"--private-window\"]");
        }
        if self.private.iter().any(|a| a.contains(['\0', '\n', '\r'])) {
            return bad("an argument holds NUL or a line break");
        }
        let others = self.private[1..]
            .iter()
            .filter(|a| a.contains(['{', '}']) && a.as_str() != URL_PLACEHOLDER);
        if others.count() > 0 {
            return bad("the only placeholder is \"{url}\", as a whole argument");
        }
        Ok(())
    }
}

/// The characters kept as they are in a scope's path in the portal's URL.
const PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The portal page for `a` in `tenant` (a directory's id or domain): the role's or group's
/// Entra page, or the Azure resource itself. A tenant like `organizations` is left out.
pub fn portal_url(cloud: Cloud, tenant: &str, a: &Assignment) -> String {
    let tenant = tenant.trim();
    let named = !tenant.is_empty()
        && !["organizations", "common", "consumers"].contains(&tenant)
        && tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    let at = if named {
        format!("#@{tenant}")
    } else {
        "#".into()
    };
    let base = cloud.portal();
    let enc = |s: &str| utf8_percent_encode(s, PATH).to_string();
    match a.plane {
        Plane::EntraRole => format!(
            "{base}/{at}/view/Microsoft_AAD_IAM/ActiveDirectoryMenuBlade/~/RolesAndAdministrators"
        ),
        Plane::Group => format!(
            "{base}/{at}/view/Microsoft_AAD_IAM/GroupDetailsMenuBlade/~/Overview/groupId/{}",
            enc(&a.id)
        ),
        Plane::AzureResource if a.scope.id.trim_matches('/').is_empty() => {
            format!("{base}/{at}/home")
        }
        Plane::AzureResource => format!("{base}/{at}/resource{}", enc(&a.scope.id)),
    }
}

/// A browser family and the flag that opens a private window in it.
fn private_flag(program: &str) -> Option<&'static str> {
    let name = Path::new(program)
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
    if has(&["firefox", "librewolf", "waterfox"]) {
        Some("--private-window")
    } else if has(&["msedge", "microsoft-edge", "microsoft edge"]) {
        Some("--inprivate")
    } else if has(&["chrom", "brave", "vivaldi"]) {
        Some("--incognito")
    } else if has(&["opera"]) {
        Some("--private")
    } else {
        None
    }
}

/// Browsers looked for on PATH when the default one is unknown, in order.
const ON_PATH: [&str; 9] = [
    "firefox",
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "microsoft-edge",
    "microsoft-edge-stable",
    "brave-browser",
    "msedge",
];

/// Where Windows and macOS keep the usual browsers.
const KNOWN_PATHS: [&str; 6] = [
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files\Mozilla Firefox\firefox.exe",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Firefox.app/Contents/MacOS/firefox",
];

/// A browser that opens a private window: its argv, the URL added at `{url}` or at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateBrowser {
    pub argv: Vec<String>,
}

impl PrivateBrowser {
    /// The configured one, if any.
    pub fn configured(cfg: &BrowserConfig) -> Option<PrivateBrowser> {
        (!cfg.private.is_empty()).then(|| PrivateBrowser {
            argv: cfg.private.clone(),
        })
    }

    /// The browser for this machine: the configured one, else the default browser (Linux:
    /// `xdg-settings` and its .desktop file), else a known one on PATH or in its usual place.
    pub fn find(cfg: &BrowserConfig) -> Result<PrivateBrowser, Error> {
        if let Some(b) = Self::configured(cfg) {
            return Ok(b);
        }
        let exec = if cfg!(target_os = "linux") {
            default_desktop_exec()
        } else {
            None
        };
        Self::detect(exec.as_deref(), std::env::var_os("PATH").as_deref())
            .or_else(|| {
                KNOWN_PATHS
                    .iter()
                    .find(|p| Path::new(p).is_file())
                    .and_then(|p| Self::of_program(p))
            })
            .ok_or_else(|| {
                Error::Unsupported(
                    "No browser that opens a private window was found: set `[browser] private = [\"/path/to/browser\", \"--private-window\"]` in the config file.".into(),
                )
            })
    }

    /// From a .desktop `Exec` line (field codes dropped) when it is a known browser, else the
    /// first known browser in `path` (a PATH value).
    pub fn detect(exec: Option<&str>, path: Option<&OsStr>) -> Option<PrivateBrowser> {
        if let Some(b) = exec.and_then(Self::of_exec) {
            return Some(b);
        }
        let dirs: Vec<PathBuf> = path.map(|p| std::env::split_paths(p).collect())?;
        ON_PATH.iter().find_map(|name| {
            dirs.iter()
                .map(|d| d.join(name))
                .find(|p| p.is_file())
                .and_then(|p| Self::of_program(&p.to_string_lossy()))
        })
    }

    fn of_program(program: &str) -> Option<PrivateBrowser> {
        let flag = private_flag(program)?;
        Some(PrivateBrowser {
            argv: vec![program.to_string(), flag.to_string()],
        })
    }

    /// A .desktop `Exec` value: `firefox %u`, `/usr/bin/flatpak run … org.mozilla.firefox @@u %u @@`.
    fn of_exec(exec: &str) -> Option<PrivateBrowser> {
        let words: Vec<String> = exec
            .split_whitespace()
            .map(|w| w.trim_matches('"').to_string())
            .filter(|w| !(w.starts_with('%') || w.starts_with("@@")))
            .collect();
        let flag = words.iter().rev().find_map(|w| private_flag(w))?;
        let mut argv = words;
        argv.push(flag.to_string());
        Some(PrivateBrowser { argv })
    }

    /// The argv that opens `url`: the URL is one argument, at `{url}` or last.
    pub fn command_for(&self, url: &str) -> Vec<String> {
        let mut argv: Vec<String> = self
            .argv
            .iter()
            .map(|a| {
                if a == URL_PLACEHOLDER {
                    url.to_string()
                } else {
                    a.clone()
                }
            })
            .collect();
        if !self.argv.iter().any(|a| a == URL_PLACEHOLDER) {
            argv.push(url.to_string());
        }
        argv
    }

    /// Starts the browser on `url` (not waited for; reaped on a thread of its own).
    pub fn open(&self, url: &str) -> Result<(), Error> {
        let argv = self.command_for(url);
        let (program, args) = argv
            .split_first()
            .ok_or_else(|| Error::Unsupported("no private browser configured".into()))?;
        tracing::info!(%program, "opening the portal in a private window");
        let child = std::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| {
                Error::Unsupported(format!(
                    "cannot start the browser {program}: {e}. Set `[browser] private` in the config file."
                ))
            })?;
        std::thread::spawn(move || {
            let mut child = child;
            let _ = child.wait();
        });
        Ok(())
    }
}

/// Linux: the default browser's .desktop `Exec` line (`xdg-settings get default-web-browser`).
fn default_desktop_exec() -> Option<String> {
    let out = std::process::Command::new("xdg-settings")
        .args(["get", "default-web-browser"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let file = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if file.is_empty() || file.contains('/') {
        return None;
    }
    let home = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| dirs::home_dir().map(|h| h.join(".local/share")));
    let shared = std::env::var("XDG_DATA_DIRS")
        .ok()
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "/usr/local/share:/usr/share".into());
    let dirs = home.into_iter().chain(shared.split(':').map(PathBuf::from));
    dirs.map(|d| d.join("applications").join(&file))
        .find_map(|p| std::fs::read_to_string(p).ok())
        .and_then(|text| exec_of(&text))
}

/// The `Exec` of a .desktop file's `[Desktop Entry]` group.
fn exec_of(desktop: &str) -> Option<String> {
    let mut in_entry = false;
    for line in desktop.lines().map(str::trim) {
        if line.starts_with('[') {
            in_entry = line == "[Desktop Entry]";
        } else if let Some(v) = line.strip_prefix("Exec=").filter(|_| in_entry) {
            return Some(v.to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Scope, Status};

    fn item(plane: Plane, id: &str, scope: &str) -> Assignment {
        Assignment {
            key: format!("{}{id}:{scope}", Assignment::key_prefix(plane)),
            plane,
            name: "Owner".into(),
            id: id.into(),
            access: None,
            scope: Scope {
                id: scope.into(),
                display_name: scope.into(),
                kind: "subscription".into(),
            },
            status: Status::Active,
            assignment_type: None,
            member_type: None,
            start_date_time: None,
            end_date_time: None,
            eligibility_schedule_id: None,
            request_id: None,
            policy: None,
        }
    }

    #[test]
    fn the_portal_url_names_the_tenant_and_the_item() {
        let t = "0f1e2d3c-aaaa-4bbb-8ccc-123456789abc";
        let az = item(
            Plane::AzureResource,
            "r",
            "/subscriptions/5f2a/resourceGroups/rg 1",
        );
        assert_eq!(
            portal_url(Cloud::Public, t, &az),
            format!(
                "https://portal.azure.com/#@{t}/resource/subscriptions/5f2a/resourceGroups/rg%201"
            )
        );
        let g = item(Plane::Group, "3d4e", "3d4e");
        assert!(portal_url(Cloud::Usgov, "contoso.onmicrosoft.com", &g).starts_with(
            "https://portal.azure.us/#@contoso.onmicrosoft.com/view/Microsoft_AAD_IAM/GroupDetailsMenuBlade"
        ));
        let e = item(Plane::EntraRole, "62e9", "/");
        assert!(portal_url(Cloud::China, "organizations", &e)
            .starts_with("https://portal.azure.cn/#/view/"));
        // Nothing from the tenant name breaks out of the fragment.
        assert!(!portal_url(Cloud::Public, "x/../evil?y", &e).contains("evil"));
    }

    #[test]
    fn browsers_get_their_private_flag_and_the_url_as_one_argument() {
        let b = PrivateBrowser::detect(Some("/usr/bin/firefox %u"), None).expect("firefox");
        assert_eq!(b.argv, ["/usr/bin/firefox", "--private-window"]);
        let flatpak = "/usr/bin/flatpak run --branch=stable --command=chromium org.chromium.Chromium @@u %U @@";
        let b = PrivateBrowser::detect(Some(flatpak), None).expect("flatpak");
        assert_eq!(b.argv.last().map(String::as_str), Some("--incognito"));
        assert!(!b
            .argv
            .iter()
            .any(|a| a.starts_with('%') || a.starts_with("@@")));
        let url = "https://portal.azure.com/#@t/home x";
        let cmd = PrivateBrowser {
            argv: vec!["msedge".into(), "--inprivate".into()],
        }
        .command_for(url);
        assert_eq!(cmd, ["msedge", "--inprivate", url]);
        let at = PrivateBrowser {
            argv: vec![
                "open".into(),
                "-na".into(),
                "Safari".into(),
                "{url}".into(),
                "--x".into(),
            ],
        };
        assert_eq!(at.command_for(url)[3], url);
        assert_eq!(at.command_for(url).len(), 5);
        assert_eq!(private_flag("/opt/Google Chrome"), Some("--incognito"));
        assert_eq!(private_flag("lynx"), None);
    }

    #[test]
    fn the_desktop_entry_exec_is_read_from_its_group() {
        let text = "[Desktop Entry]\nName=Firefox\nExec=firefox %u\n[Desktop Action new-private-window]\nExec=firefox --private-window %u\n";
        assert_eq!(exec_of(text).as_deref(), Some("firefox %u"));
    }

    #[test]
    fn a_bad_browser_setting_is_refused_naming_the_key() {
        for argv in [
            vec!["".to_string()],
            vec!["{url}".into()],
            vec!["ff".into(), "--x={tenant}".into()],
        ] {
            let e = BrowserConfig { private: argv }.check().expect_err("bad");
            assert!(e.to_string().contains("browser.private"), "{e}");
        }
        assert!(BrowserConfig {
            private: vec!["ff".into(), "{url}".into()]
        }
        .check()
        .is_ok());
        assert!(BrowserConfig::default().check().is_ok());
    }
}
