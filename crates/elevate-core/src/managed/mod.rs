//! Managed settings: what an administrator sets and locks (Linux `/etc/elevate/policy.json`,
//! Windows `HKLM\Software\Policies\Elevate`, macOS managed preferences). This module owns
//! the keys, their parsing (one flat map of keys whatever the source, refused whole when
//! anything in it is wrong), the safe defaults a refused policy leaves in force, and every
//! check the front ends share: the effective configuration (user settings overlaid by the
//! policy), locked settings, tenant/cloud/client ids, sign-in methods, activation limits and
//! MCP. Where the policy is read from is [`source`].

mod rules;
pub mod source;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use chrono::Duration;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::config::Cloud;

pub use source::load_system;

/// How one sign-in method is named in the policy, `--auth` and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignInMethod {
    Browser,
    DeviceCode,
    AzureCli,
    ClientSecret,
    ClientCertificate,
    ManagedIdentity,
}

impl SignInMethod {
    pub const ALL: [SignInMethod; 6] = [
        SignInMethod::Browser,
        SignInMethod::DeviceCode,
        SignInMethod::AzureCli,
        SignInMethod::ClientSecret,
        SignInMethod::ClientCertificate,
        SignInMethod::ManagedIdentity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SignInMethod::Browser => "browser",
            SignInMethod::DeviceCode => "device-code",
            SignInMethod::AzureCli => "azure-cli",
            SignInMethod::ClientSecret => "client-secret",
            SignInMethod::ClientCertificate => "client-certificate",
            SignInMethod::ManagedIdentity => "managed-identity",
        }
    }

    pub fn parse(text: &str) -> Option<SignInMethod> {
        let t = text.trim();
        SignInMethod::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(t))
    }
}

/// What kind of value a key takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `true`/`false` (a DWORD 1/0 in the registry).
    Bool,
    /// A whole number (a DWORD in the registry).
    Number,
    /// A string (REG_SZ).
    Text,
    /// A non-empty list of strings (a subkey of numbered values in the registry).
    List,
}

/// Every key of the policy, its kind and what it does: the README, the ADMX/ADML and the
/// .mobileconfig document exactly these (a test checks it).
pub const KEYS: &[(&str, Kind, &str)] = &[
    ("allowed_tenants", Kind::List, "Tenants (GUID or domain) Elevate may sign in to; the first is used when the user chose none or another."),
    ("allowed_clouds", Kind::List, "Clouds allowed: public, usgov, china, custom."),
    ("client_id", Kind::Text, "The app registration (client id) used for sign-in, for Graph and, unless arm_client_id is set, ARM."),
    ("arm_client_id", Kind::Text, "A separate client id for Azure Resource Manager."),
    ("sign_in_methods", Kind::List, "Sign-in methods allowed: browser, device-code, azure-cli, client-secret, client-certificate, managed-identity."),
    ("start_at_login", Kind::Bool, "Start Elevate at login (locked on or off)."),
    ("auto_activate_favorites", Kind::Bool, "Activate favorites at start (locked on or off)."),
    ("max_duration", Kind::Text, "The longest activation anyone may ask for (ISO-8601 like PT4H, or 90m, 2h)."),
    ("ticket_required", Kind::Bool, "Every activation needs a ticket number."),
    ("justification_min_length", Kind::Number, "The fewest characters a justification may have (0 to 500; above 0 a justification is required)."),
    ("justification_pattern", Kind::Text, "A regular expression every justification must match (e.g. ^(INC|CHG)[0-9]+)."),
    ("mcp_enabled", Kind::Bool, "Whether `elevatectl mcp` (AI agents) may run at all."),
    ("mcp_allow", Kind::List, "The only role or group names an AI agent may activate or deactivate (the user may narrow it further)."),
    ("proxy", Kind::Text, "The proxy every request goes through (http://, https:// or socks5:// URL), or direct for none; beats HTTPS_PROXY and the user's setting."),
    ("no_proxy", Kind::Text, "Hosts, domains or CIDRs reached without the proxy, comma-separated (like NO_PROXY)."),
];

/// One value as a source gives it, before it is checked against its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Bool(bool),
    Number(i64),
    Text(String),
    List(Vec<String>),
}

/// A justification pattern, compiled once; compared by its text.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub text: String,
    regex: regex::Regex,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Pattern {
    pub fn new(text: &str) -> Result<Pattern, String> {
        let regex = regex::RegexBuilder::new(text)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| format!("justification_pattern is not a regular expression: {e}"))?;
        Ok(Pattern {
            text: text.to_string(),
            regex,
        })
    }

    pub fn matches(&self, s: &str) -> bool {
        self.regex.is_match(s)
    }
}

/// The administrator's settings. Every field unset: nothing is managed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policy {
    pub allowed_tenants: Option<Vec<String>>,
    pub allowed_clouds: Option<Vec<Cloud>>,
    pub client_id: Option<String>,
    pub arm_client_id: Option<String>,
    pub sign_in_methods: Option<Vec<SignInMethod>>,
    pub start_at_login: Option<bool>,
    pub auto_activate_favorites: Option<bool>,
    pub max_duration: Option<Duration>,
    pub ticket_required: bool,
    pub justification_min_length: u32,
    pub justification_pattern: Option<Pattern>,
    pub mcp_enabled: Option<bool>,
    pub mcp_allow: Option<Vec<String>>,
    pub proxy: Option<String>,
    pub no_proxy: Option<String>,
    /// Where it came from ("/etc/elevate/policy.json"), said in every refusal.
    pub source: Option<String>,
    /// Why the source was refused, when these are the safe defaults.
    pub problem: Option<String>,
}

fn want<'a>(key: &str, kind: Kind, v: &'a Entry) -> Result<&'a Entry, String> {
    let ok = matches!(
        (kind, v),
        (Kind::Bool, Entry::Bool(_))
            | (Kind::Bool, Entry::Number(0 | 1))
            | (Kind::Number, Entry::Number(_))
            | (Kind::Text, Entry::Text(_))
            | (Kind::List, Entry::List(_))
    );
    if ok {
        Ok(v)
    } else {
        let what = match kind {
            Kind::Bool => "true or false",
            Kind::Number => "a whole number",
            Kind::Text => "a string",
            Kind::List => "a list of strings",
        };
        Err(format!("{key} must be {what}"))
    }
}

fn as_bool(v: &Entry) -> bool {
    matches!(v, Entry::Bool(true) | Entry::Number(1))
}

fn as_text(key: &str, v: &Entry) -> Result<String, String> {
    match v {
        Entry::Text(t) if !t.trim().is_empty() && t.len() <= 2048 => Ok(t.trim().to_string()),
        Entry::Text(_) => Err(format!("{key} is empty or too long")),
        _ => Err(format!("{key} must be a string")),
    }
}

fn as_list(key: &str, v: &Entry) -> Result<Vec<String>, String> {
    let Entry::List(items) = v else {
        return Err(format!("{key} must be a list of strings"));
    };
    let items: Vec<String> = items.iter().map(|s| s.trim().to_string()).collect();
    if items.is_empty() || items.len() > 256 {
        return Err(format!(
            "{key} must name at least one value (and at most 256)"
        ));
    }
    if items.iter().any(|s| s.is_empty() || s.len() > 256) {
        return Err(format!("{key} has an empty or too long value"));
    }
    Ok(items)
}

impl Policy {
    /// Builds a policy from a source's entries. Names starting with `_` or `Payload`
    /// (comments, a profile's own keys) are skipped; an unknown key, a value of the wrong
    /// kind or out of range refuses the whole policy (a typo must never go unnoticed).
    pub fn from_entries(entries: &[(String, Entry)], source: &str) -> Result<Policy, String> {
        let mut p = Policy {
            source: Some(source.to_string()),
            ..Policy::default()
        };
        let mut seen = BTreeSet::new();
        for (name, value) in entries {
            if name.starts_with('_') || name.starts_with("Payload") {
                continue;
            }
            let key = name.to_ascii_lowercase();
            let Some((key, kind, _)) = KEYS.iter().find(|(k, _, _)| *k == key) else {
                return Err(format!(
                    "unknown key '{}' (known: {})",
                    name.chars().take(64).collect::<String>(),
                    KEYS.iter().map(|k| k.0).collect::<Vec<_>>().join(", ")
                ));
            };
            if !seen.insert(*key) {
                return Err(format!("{key} is given twice"));
            }
            p.set(key, want(key, *kind, value)?)?;
        }
        Ok(p)
    }

    fn set(&mut self, key: &str, v: &Entry) -> Result<(), String> {
        match key {
            "allowed_tenants" => {
                let list = as_list(key, v)?;
                if let Some(bad) = list.iter().find(|t| !rules::tenant_shaped(t)) {
                    return Err(format!(
                        "allowed_tenants: '{bad}' is neither a tenant ID (GUID) nor a domain"
                    ));
                }
                self.allowed_tenants = Some(list);
            }
            "allowed_clouds" => {
                let clouds = as_list(key, v)?
                    .iter()
                    .map(|c| Cloud::parse(c).map_err(|e| format!("allowed_clouds: {e}")))
                    .collect::<Result<Vec<_>, _>>()?;
                self.allowed_clouds = Some(clouds);
            }
            "client_id" => self.client_id = Some(rules::client_id(key, &as_text(key, v)?)?),
            "arm_client_id" => self.arm_client_id = Some(rules::client_id(key, &as_text(key, v)?)?),
            "sign_in_methods" => {
                let methods = as_list(key, v)?
                    .iter()
                    .map(|m| {
                        SignInMethod::parse(m).ok_or_else(|| {
                            format!("sign_in_methods: unknown method '{m}' (use browser, device-code, azure-cli, client-secret, client-certificate or managed-identity)")
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                self.sign_in_methods = Some(methods);
            }
            "start_at_login" => self.start_at_login = Some(as_bool(v)),
            "auto_activate_favorites" => self.auto_activate_favorites = Some(as_bool(v)),
            "max_duration" => {
                let text = as_text(key, v)?;
                let d = crate::policy::parse_duration(&text)
                    .map_err(|e| format!("max_duration: {e}"))?;
                if d < Duration::minutes(5) || d > Duration::days(366) {
                    return Err("max_duration must be between 5 minutes and a year".into());
                }
                self.max_duration = Some(d);
            }
            "ticket_required" => self.ticket_required = as_bool(v),
            "justification_min_length" => match v {
                Entry::Number(n) if (0..=crate::planner::MAX_JUSTIFICATION as i64).contains(n) => {
                    self.justification_min_length = *n as u32
                }
                _ => return Err("justification_min_length must be from 0 to 500".into()),
            },
            "justification_pattern" => {
                self.justification_pattern = Some(Pattern::new(&as_text(key, v)?)?)
            }
            "mcp_enabled" => self.mcp_enabled = Some(as_bool(v)),
            "mcp_allow" => self.mcp_allow = Some(as_list(key, v)?),
            "proxy" => self.proxy = Some(rules::proxy(&as_text(key, v)?)?),
            "no_proxy" => self.no_proxy = Some(as_text(key, v)?),
            _ => return Err(format!("unknown key '{key}'")),
        }
        Ok(())
    }

    /// Parses a policy.json: one JSON object of the keys above.
    pub fn from_json(text: &str, source: &str) -> Result<Policy, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        let serde_json::Value::Object(map) = value else {
            return Err("the policy must be a JSON object of keys".into());
        };
        let mut entries = Vec::with_capacity(map.len());
        for (k, v) in map {
            let entry = match v {
                serde_json::Value::Bool(b) => Entry::Bool(b),
                serde_json::Value::Number(n) => match n.as_i64() {
                    Some(i) => Entry::Number(i),
                    None => return Err(format!("{k} must be a whole number")),
                },
                serde_json::Value::String(s) => Entry::Text(s),
                serde_json::Value::Array(items) => Entry::List(
                    items
                        .into_iter()
                        .map(|i| match i {
                            serde_json::Value::String(s) => Ok(s),
                            _ => Err(format!("{k} must be a list of strings")),
                        })
                        .collect::<Result<_, _>>()?,
                ),
                serde_json::Value::Null | serde_json::Value::Object(_) => {
                    return Err(format!("{k} must be a plain value, not null or an object"))
                }
            };
            entries.push((k, entry));
        }
        Policy::from_entries(&entries, source)
    }

    /// The safe defaults while a policy source is refused: the most restrictive reading,
    /// never the user's wider choice. MCP off, no favorites at start, and only the sign-in
    /// methods a person completes themselves.
    pub fn safe(source: &str, problem: &str) -> Policy {
        Policy {
            sign_in_methods: Some(vec![SignInMethod::Browser, SignInMethod::DeviceCode]),
            auto_activate_favorites: Some(false),
            mcp_enabled: Some(false),
            source: Some(source.to_string()),
            problem: Some(problem.to_string()),
            ..Policy::default()
        }
    }

    /// Whether anything is managed.
    pub fn is_empty(&self) -> bool {
        Policy {
            source: None,
            problem: None,
            ..self.clone()
        } == Policy::default()
    }

    /// The proxy the organisation sets for every request (a URL, or `direct`), which beats
    /// the environment and the user's settings; the network layer reads it.
    pub fn proxy(&self) -> Option<&str> {
        self.proxy.as_deref()
    }

    /// The hosts the organisation exempts from the proxy (comma-separated, like NO_PROXY).
    pub fn no_proxy(&self) -> Option<&str> {
        self.no_proxy.as_deref()
    }

    /// " (set by your organisation in /etc/elevate/policy.json)" for messages.
    pub fn by_organisation(&self) -> String {
        match &self.source {
            Some(s) => format!("set by your organisation ({s})"),
            None => "set by your organisation".into(),
        }
    }
}

/// What the settings window shows of the policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ManagedView {
    /// The settings (by their field name in `Settings`) the organisation set: shown
    /// disabled with "Set by your organisation".
    pub locked: Vec<String>,
    /// Tenants the organisation allows (empty: any).
    pub allowed_tenants: Vec<String>,
    /// Clouds the organisation allows (empty: any).
    pub allowed_clouds: Vec<String>,
    /// The longest activation the organisation allows, e.g. `PT4H`.
    pub max_duration: Option<String>,
    /// Where the policy comes from; None: no policy.
    pub source: Option<String>,
    /// Why the policy was refused (the safe defaults are in force).
    pub problem: Option<String>,
}
