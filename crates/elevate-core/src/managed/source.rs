//! Where the organisation's policy is read from: Linux (and other Unixes) `/etc/elevate/policy.json`,
//! Windows `HKLM\Software\Policies\Elevate` (values and list subkeys, as the ADMX writes
//! them), macOS managed preferences for the app's bundle identifier. `ELEVATE_POLICY_FILE`
//! names a JSON file read only where the system has no policy (tests), so a user cannot lift
//! the organisation's policy with it. A source that cannot be read or parsed is refused
//! loudly and the safe defaults apply.

use std::io::Read;
use std::path::Path;

#[cfg(any(windows, target_os = "macos"))]
use super::Entry;
use super::Policy;

/// The Linux policy file.
pub const LINUX_PATH: &str = "/etc/elevate/policy.json";
/// The registry key under HKEY_LOCAL_MACHINE (Group Policy writes it).
pub const WINDOWS_KEY: &str = r"Software\Policies\Elevate";
/// The managed preferences domain on macOS: the bundle identifier.
pub const MACOS_DOMAIN: &str = "dev.elevate.Elevate";

/// The largest policy file read (a policy is a few hundred bytes).
const MAX_BYTES: u64 = 1 << 20;

/// The policy in force on this machine: the system's, else `ELEVATE_POLICY_FILE`'s, else
/// none. A refused source gives the safe defaults, its problem said in `Policy::problem`.
pub fn load_system() -> Policy {
    if let Some(p) = platform() {
        return p;
    }
    match std::env::var_os("ELEVATE_POLICY_FILE").filter(|v| !v.is_empty()) {
        Some(path) => load_file(Path::new(&path), true).unwrap_or_default(),
        None => Policy::default(),
    }
}

/// A policy.json; None when it does not exist and need not.
pub fn load_file(path: &Path, must_exist: bool) -> Option<Policy> {
    let source = path.display().to_string();
    let text = std::fs::File::open(path).and_then(|f| {
        let mut text = String::new();
        f.take(MAX_BYTES).read_to_string(&mut text).map(|_| text)
    });
    match text {
        Ok(text) => Some(parsed(Policy::from_json(&text, &source), &source)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => None,
        Err(e) => Some(refused(&source, &format!("it cannot be read ({e})"))),
    }
}

/// The policy, or the safe defaults with the reason.
pub fn parsed(result: Result<Policy, String>, source: &str) -> Policy {
    result.unwrap_or_else(|why| refused(source, &why))
}

fn refused(source: &str, why: &str) -> Policy {
    let message = format!(
        "Your organisation's policy ({source}) was refused: {why}. Elevate keeps its safe defaults (MCP off, no favorites at start, sign-in by browser or device code only) until it is fixed."
    );
    tracing::error!("{message}");
    Policy::safe(source, &message)
}

#[cfg(all(unix, not(target_os = "macos")))]
fn platform() -> Option<Policy> {
    load_file(Path::new(LINUX_PATH), false)
}

/// Group Policy's values: DWORDs (booleans, numbers), strings, and a subkey per list whose
/// values are its items. Kept minimal: it cannot be compiled on the Linux build machines.
#[cfg(windows)]
fn platform() -> Option<Policy> {
    use windows_registry::{Type, LOCAL_MACHINE};
    let source = format!(r"HKLM\{WINDOWS_KEY}");
    let key = LOCAL_MACHINE.open(WINDOWS_KEY).ok()?;
    let read = || -> Result<Vec<(String, Entry)>, String> {
        let mut out = vec![];
        for (name, value) in key.values().map_err(|e| e.to_string())? {
            let entry = match value.ty() {
                Type::U32 => {
                    Entry::Number(i64::from(u32::try_from(value).map_err(|e| e.to_string())?))
                }
                Type::String | Type::ExpandString => {
                    Entry::Text(String::try_from(value).map_err(|e| e.to_string())?)
                }
                Type::MultiString => {
                    Entry::List(Vec::<String>::try_from(value).map_err(|e| e.to_string())?)
                }
                _ => return Err(format!("{name} has a registry type Elevate does not read")),
            };
            out.push((name, entry));
        }
        for sub in key.keys().map_err(|e| e.to_string())? {
            let list = key.open(&sub).map_err(|e| e.to_string())?;
            let mut items = vec![];
            for (_, value) in list.values().map_err(|e| e.to_string())? {
                items.push(String::try_from(value).map_err(|e| e.to_string())?);
            }
            out.push((sub, Entry::List(items)));
        }
        Ok(out)
    };
    Some(parsed(
        read().and_then(|entries| Policy::from_entries(&entries, &source)),
        &source,
    ))
}

/// Managed preferences (a configuration profile of type com.apple.ManagedClient.preferences
/// for the bundle identifier): the user's, else the machine's.
#[cfg(target_os = "macos")]
fn platform() -> Option<Policy> {
    let user = std::env::var("USER").unwrap_or_default();
    let candidates = [
        format!("/Library/Managed Preferences/{user}/{MACOS_DOMAIN}.plist"),
        format!("/Library/Managed Preferences/{MACOS_DOMAIN}.plist"),
    ];
    let path = candidates.iter().find(|p| Path::new(p).exists())?;
    let read = || -> Result<Vec<(String, Entry)>, String> {
        let value = plist::Value::from_file(path).map_err(|e| e.to_string())?;
        let dict = value
            .into_dictionary()
            .ok_or("the managed preferences are not a dictionary")?;
        let mut out = vec![];
        for (name, v) in dict {
            let entry = match v {
                plist::Value::Boolean(b) => Entry::Bool(b),
                plist::Value::Integer(i) => {
                    Entry::Number(i.as_signed().ok_or(format!("{name} is out of range"))?)
                }
                plist::Value::String(s) => Entry::Text(s),
                plist::Value::Array(items) => Entry::List(
                    items
                        .into_iter()
                        .map(|i| i.into_string().ok_or(format!("{name} must list strings")))
                        .collect::<Result<_, _>>()?,
                ),
                _ => return Err(format!("{name} has a type Elevate does not read")),
            };
            out.push((name, entry));
        }
        Ok(out)
    };
    Some(parsed(
        read().and_then(|entries| Policy::from_entries(&entries, path)),
        path,
    ))
}

#[cfg(not(any(unix, windows)))]
fn platform() -> Option<Policy> {
    None
}
