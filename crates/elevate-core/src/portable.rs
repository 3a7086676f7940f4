//! The settings file for a new machine: one versioned JSON document with the user's
//! configuration, favorites and bundles, and no secrets (tokens live in the OS secret store
//! and are never in it; a proxy's user name and password are left out). Reading one checks
//! everything before anything is written: the format and version, every setting (an error
//! names the key), the justification patterns, the favorites and bundles, and no field or
//! value that looks like a secret. Merging is by name and says what changes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::bundle::Bundle;
use crate::config::Config;
use crate::error::Error;
use crate::store::Favorite;

pub const FORMAT: &str = "elevate-settings";
pub const VERSION: u32 = 1;
/// The largest settings file read (a real one is a few kilobytes).
pub const MAX_BYTES: usize = 1 << 20;

/// The document, as read and written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    pub format: String,
    pub version: u32,
    pub exported_at: DateTime<Utc>,
    /// The configuration file's settings (config.toml's keys), bundles apart.
    pub config: Value,
    pub favorites: Vec<Favorite>,
    pub bundles: Vec<Bundle>,
}

/// What a document holds, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Portable {
    /// The settings, bundles empty.
    pub config: Config,
    pub favorites: Vec<Favorite>,
    pub bundles: Vec<Bundle>,
}

fn invalid(message: String) -> Error {
    Error::InvalidInput(message)
}

/// A proxy URL without its user name and password; `None` when it had none.
fn without_credentials(proxy: &str) -> Option<String> {
    let mut url = url::Url::parse(proxy).ok()?;
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    url.set_username("").ok()?;
    url.set_password(None).ok()?;
    Some(url.to_string())
}

/// The document for `config` (the user's own), `favorites` and the time; with what was left
/// out, in words.
pub fn export(
    config: &Config,
    favorites: &[Favorite],
    now: DateTime<Utc>,
) -> Result<(Document, Vec<String>), Error> {
    let mut notes = vec![];
    let mut c = config.clone();
    let bundles = std::mem::take(&mut c.bundles);
    if let Some(clean) = c.network.proxy.as_deref().and_then(without_credentials) {
        c.network.proxy = Some(clean);
        notes.push("the proxy's user name and password were left out".to_string());
    }
    let mut value =
        serde_json::to_value(&c).map_err(|e| invalid(format!("cannot write the settings: {e}")))?;
    if let Some(obj) = value.as_object_mut() {
        obj.remove("bundles");
    }
    Ok((
        Document {
            format: FORMAT.into(),
            version: VERSION,
            exported_at: now,
            config: value,
            favorites: favorites.to_vec(),
            bundles,
        },
        notes,
    ))
}

/// Field names that hold secrets: a settings file never has one.
const SECRET_NAMES: &[&str] = &[
    "secret",
    "password",
    "passwd",
    "token",
    "privatekey",
    "private_key",
    "credential",
    "assertion",
    "apikey",
    "api_key",
];

fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    SECRET_NAMES.iter().any(|s| n.contains(s))
}

/// A value that looks like a token, a private key or a URL with a password.
fn secret_value(text: &str) -> bool {
    let t = text.trim();
    let jwt = t.starts_with("eyJ") && t.split('.').count() == 3 && t.len() > 40;
    let pem = t.contains("-----BEGIN") && t.contains("PRIVATE KEY");
    let url_password = url::Url::parse(t).is_ok_and(|u| u.password().is_some());
    jwt || pem || url_password
}

/// The path of the first secret-looking field or value in `v`.
fn find_secret(v: &Value, path: &str) -> Option<String> {
    match v {
        Value::Object(m) => m.iter().find_map(|(k, x)| {
            let here = format!("{path}.{k}");
            if secret_name(k) {
                Some(here)
            } else {
                find_secret(x, &here)
            }
        }),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, x)| find_secret(x, &format!("{path}[{i}]"))),
        Value::String(s) if secret_value(s) => Some(path.to_string()),
        _ => None,
    }
}

/// Reads the settings one key at a time, so an error names the key.
fn read_config(value: &Value) -> Result<Config, Error> {
    let Some(obj) = value.as_object() else {
        return Err(invalid(
            "the settings file's `config` must be an object of settings".into(),
        ));
    };
    let known = serde_json::to_value(Config::default()).unwrap_or(Value::Null);
    let mut out = Map::new();
    for (k, v) in obj {
        if k == "bundles" {
            return Err(invalid(
                "config.bundles: bundles belong in the file's own `bundles` list".into(),
            ));
        }
        if known.get(k).is_none() {
            return Err(invalid(format!(
                "config.{k} is not a setting Elevate knows: remove it from the file"
            )));
        }
        let one = Value::Object(Map::from_iter([(k.clone(), v.clone())]));
        serde_json::from_value::<Config>(one).map_err(|e| invalid(format!("config.{k}: {e}")))?;
        out.insert(k.clone(), v.clone());
    }
    let config: Config =
        serde_json::from_value(Value::Object(out)).map_err(|e| invalid(format!("config: {e}")))?;
    config.justification.rules()?;
    if let Some(p) = &config.network.proxy {
        if url::Url::parse(p).is_err() && !p.eq_ignore_ascii_case("direct") {
            return Err(invalid(format!("config.network.proxy '{p}' is not a URL")));
        }
    }
    Ok(config)
}

/// Reads and checks a settings file's text; nothing is written.
pub fn read(text: &str) -> Result<Portable, Error> {
    if text.len() > MAX_BYTES {
        return Err(invalid(format!(
            "the settings file is larger than {} KiB: it is not one Elevate wrote",
            MAX_BYTES / 1024
        )));
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|e| invalid(format!("the settings file is not JSON: {e}")))?;
    let Some(obj) = value.as_object() else {
        return Err(invalid("the settings file must be a JSON object".into()));
    };
    if obj.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(invalid(format!(
            "this is not an Elevate settings file (its `format` is not \"{FORMAT}\"): export one with `elevatectl settings export`"
        )));
    }
    match obj.get("version").and_then(Value::as_u64) {
        Some(v) if v == u64::from(VERSION) => {}
        Some(v) => {
            return Err(invalid(format!(
                "the settings file is version {v}; this Elevate reads version {VERSION}: update Elevate, or export again from the same version"
            )))
        }
        None => return Err(invalid("the settings file has no `version`".into())),
    }
    if let Some(path) = find_secret(&value, "") {
        return Err(invalid(format!(
            "the settings file holds what looks like a secret at {}: a settings file never carries tokens, passwords or keys; remove it (sign in again on the new machine)",
            path.trim_start_matches('.')
        )));
    }
    let doc: Document = serde_json::from_value(value.clone())
        .map_err(|e| invalid(format!("the settings file cannot be read: {e}")))?;
    let config = read_config(&doc.config)?;
    for b in &doc.bundles {
        crate::bundle::check(b).map_err(|e| invalid(format!("bundle '{}': {e}", b.name)))?;
    }
    for f in &doc.favorites {
        if f.key.trim().is_empty() || f.label.trim().is_empty() {
            return Err(invalid(
                "a favorite in the settings file has no key or label".into(),
            ));
        }
        if let Some(d) = f.duration.as_deref() {
            crate::policy::parse_duration(d)
                .map_err(|e| invalid(format!("favorite '{}': {e}", f.label)))?;
        }
    }
    Ok(Portable {
        config,
        favorites: doc.favorites,
        bundles: doc.bundles,
    })
}

/// What an import does to one favorite or bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Change {
    Added,
    Replaced,
    Unchanged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    pub name: String,
    pub change: Change,
}

/// Merges `incoming` into `current` by `same`; one item per incoming entry.
pub fn merge<T: Clone + PartialEq>(
    current: &[T],
    incoming: &[T],
    same: impl Fn(&T, &T) -> bool,
    name: impl Fn(&T) -> String,
) -> (Vec<T>, Vec<Item>) {
    let mut out = current.to_vec();
    let mut items = vec![];
    for new in incoming {
        let change = match out.iter().position(|c| same(c, new)) {
            Some(i) if out[i] == *new => Change::Unchanged,
            Some(i) => {
                out[i] = new.clone();
                Change::Replaced
            }
            None => {
                out.push(new.clone());
                Change::Added
            }
        };
        items.push(Item {
            name: name(new),
            change,
        });
    }
    (out, items)
}

pub fn merge_favorites(current: &[Favorite], incoming: &[Favorite]) -> (Vec<Favorite>, Vec<Item>) {
    merge(
        current,
        incoming,
        |a, b| a.key == b.key,
        |f| f.label.clone(),
    )
}

pub fn merge_bundles(current: &[Bundle], incoming: &[Bundle]) -> (Vec<Bundle>, Vec<Item>) {
    merge(
        current,
        incoming,
        |a, b| a.name.trim().eq_ignore_ascii_case(b.name.trim()),
        |b| b.name.clone(),
    )
}

#[cfg(test)]
mod tests;
