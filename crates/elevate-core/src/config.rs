//! Clouds, endpoints and the user's configuration (TOML in the platform config dir), with
//! environment variables overriding the file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The first-party public client that needs no app registration (Microsoft Graph Command Line
/// Tools). It gets Graph PIM scopes but probably not ARM (AADSTS65002): see the README.
pub const DEFAULT_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
/// Azure CLI, the first-party client that does get ARM tokens.
pub const DEFAULT_ARM_CLIENT_ID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    #[default]
    Public,
    Usgov,
    China,
    Custom,
}

impl Cloud {
    /// The Azure portal of the cloud (a custom cloud is taken as the public one).
    pub fn portal(self) -> &'static str {
        match self {
            Cloud::Public | Cloud::Custom => "https://portal.azure.com",
            Cloud::Usgov => "https://portal.azure.us",
            Cloud::China => "https://portal.azure.cn",
        }
    }

    pub fn parse(s: &str) -> Result<Cloud, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "public" | "global" | "azurecloud" => Ok(Cloud::Public),
            "usgov" | "usgovernment" | "azureusgovernment" => Ok(Cloud::Usgov),
            "china" | "azurechinacloud" => Ok(Cloud::China),
            "custom" => Ok(Cloud::Custom),
            other => Err(Error::InvalidInput(format!(
                "unknown cloud '{other}': use public, usgov, china or custom"
            ))),
        }
    }
}

/// Where sign-in, Graph and ARM live, and the resource identifiers scopes are named after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// e.g. `https://login.microsoftonline.com`; the client appends `/{tenant}/oauth2/v2.0/...`.
    pub login: String,
    /// e.g. `https://graph.microsoft.com`; the client appends `/v1.0/...`.
    pub graph: String,
    /// e.g. `https://management.azure.com`; the client appends `/providers/...` or a scope.
    pub arm: String,
    /// Scope prefix for Graph, e.g. `https://graph.microsoft.com/`.
    pub graph_resource: String,
    /// Scope prefix for ARM, e.g. `https://management.azure.com/`.
    pub arm_resource: String,
}

impl Endpoints {
    pub fn for_cloud(cloud: Cloud) -> Endpoints {
        let (login, graph, arm) = match cloud {
            Cloud::Public | Cloud::Custom => (
                "https://login.microsoftonline.com",
                "https://graph.microsoft.com",
                "https://management.azure.com",
            ),
            Cloud::Usgov => (
                "https://login.microsoftonline.us",
                "https://graph.microsoft.us",
                "https://management.usgovcloudapi.net",
            ),
            Cloud::China => (
                "https://login.chinacloudapi.cn",
                "https://microsoftgraph.chinacloudapi.cn",
                "https://management.chinacloudapi.cn",
            ),
        };
        Endpoints {
            login: login.into(),
            graph: graph.into(),
            arm: arm.into(),
            graph_resource: format!("{graph}/"),
            arm_resource: format!("{arm}/"),
        }
    }

    /// Custom endpoints keep the public cloud's resource identifiers (a simulator or a
    /// private endpoint in front of the public cloud) unless told otherwise.
    pub fn custom(login: &str, graph: &str, arm: &str) -> Result<Endpoints, Error> {
        let clean = |name: &str, url: &str| -> Result<String, Error> {
            let text = url.trim().trim_end_matches('/');
            check_endpoint(name, text)?;
            Ok(text.to_string())
        };
        let public = Endpoints::for_cloud(Cloud::Public);
        Ok(Endpoints {
            login: clean("ELEVATE_LOGIN_URL", login)?,
            graph: clean("ELEVATE_GRAPH_URL", graph)?,
            arm: clean("ELEVATE_ARM_URL", arm)?,
            graph_resource: public.graph_resource,
            arm_resource: public.arm_resource,
        })
    }

    pub fn authorize_url(&self, tenant: &str) -> String {
        format!("{}/{tenant}/oauth2/v2.0/authorize", self.login)
    }
    pub fn token_url(&self, tenant: &str) -> String {
        format!("{}/{tenant}/oauth2/v2.0/token", self.login)
    }
    pub fn device_code_url(&self, tenant: &str) -> String {
        format!("{}/{tenant}/oauth2/v2.0/devicecode", self.login)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", default)]
pub struct CustomEndpoints {
    pub login_url: Option<String>,
    pub graph_url: Option<String>,
    pub arm_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct Defaults {
    pub justification: Option<String>,
    pub ticket_system: Option<String>,
    pub ticket_number: Option<String>,
    /// ISO-8601 or `90m`/`2h`; the lower of this and the policy maximum is used.
    pub duration: String,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            justification: None,
            ticket_system: None,
            ticket_number: None,
            duration: "PT1H".into(),
        }
    }
}

/// What an AI agent may do over `elevatectl mcp`. Listing is always allowed; activating and
/// deactivating only what `allow` names (every eligible role when it is empty), never a role
/// needing an approver or a fresh sign-in unless allowed here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct Mcp {
    /// Role or group names (as `elevatectl list` shows them, "Group (owner)" for owners),
    /// matched case-insensitively; empty: any.
    pub allow: Vec<String>,
    /// Let an agent send requests that an approver must decide.
    pub allow_approval: bool,
    /// Let an agent start a step-up sign-in (authentication context) in the browser.
    pub allow_step_up: bool,
    /// Let an AI agent activate Tier 0 roles (those that can take over the tenant); off, an
    /// agent's Tier 0 activation is refused before sending.
    pub allow_tier0: bool,
}

/// The approver's side: off until turned on (the demo turns it on), polled while the tray
/// runs. An agent may list approvals over MCP; it decides only when `allow_mcp_decisions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct Approvals {
    /// Unset: off, except in the demo.
    pub enabled: Option<bool>,
    /// Seconds between two looks while the tray runs (at least 30; doubled after a failure,
    /// up to 15 minutes).
    pub poll_seconds: u32,
    /// Let an AI agent approve or deny over MCP (never by default).
    pub allow_mcp_decisions: bool,
}

impl Default for Approvals {
    fn default() -> Self {
        Approvals {
            enabled: None,
            poll_seconds: 120,
            allow_mcp_decisions: false,
        }
    }
}

/// The posture report: who is break-glass (emergency access), excepted from the
/// permanent-assignment, expiry and Global Administrator counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct Posture {
    /// UPNs or object ids.
    pub break_glass: Vec<String>,
}

/// Access reviews assigned to me: looked at while the tray runs (on in the demo, else off
/// until turned on), telling when one opens and when one is about to close.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct Reviews {
    /// Unset: off, except in the demo.
    pub enabled: Option<bool>,
    /// Seconds between two looks while the tray runs (at least 30; doubled after a failure,
    /// up to an hour).
    pub poll_seconds: u32,
}

impl Default for Reviews {
    fn default() -> Self {
        Reviews {
            enabled: None,
            poll_seconds: 900,
        }
    }
}

/// The command palette: a global shortcut opens it anywhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct Palette {
    /// Like `Ctrl+Alt+E` (modifiers Ctrl, Alt, Shift, Super; then one key); empty: no shortcut.
    pub hotkey: String,
}

/// The palette's shortcut unless the config says otherwise.
pub const DEFAULT_PALETTE_HOTKEY: &str = "Ctrl+Alt+E";

impl Default for Palette {
    fn default() -> Self {
        Palette {
            hotkey: DEFAULT_PALETTE_HOTKEY.into(),
        }
    }
}

/// An endpoint must be `https://`, or plain `http://` to an exact loopback host (a local
/// simulator): the URL is parsed, never matched by prefix, so `http://localhost@evil.example`
/// or `http://127.0.0.1.nip.io` (other hosts) are refused. No user info, query or fragment.
pub fn check_endpoint(name: &str, text: &str) -> Result<(), Error> {
    let bad = |why: &str| {
        Err(Error::InvalidInput(format!(
            "{name} must be an https:// URL (or http:// to 127.0.0.1, [::1] or localhost for a local simulator): '{text}' {why}."
        )))
    };
    let Ok(url) = url::Url::parse(text) else {
        return bad("is not a URL");
    };
    if !url.username().is_empty() || url.password().is_some() {
        return bad("carries a user name or password");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return bad("has a query or a fragment");
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return bad("has no host"),
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => bad("is plain http to a host that is not this machine"),
        _ => bad("is neither https nor http"),
    }
}

/// A rule broken in the file at `path`, said with the file's name.
fn in_file(path: &Path, e: Error) -> Error {
    match e {
        Error::PolicyRefused { rule, message } => Error::PolicyRefused {
            rule,
            message: format!("{}: {message} Fix it and start again.", path.display()),
        },
        other => other,
    }
}

/// The configuration file. Every field has a default, so a partial file is fine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct Config {
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    /// A separate client for ARM when the main one cannot get ARM tokens.
    pub arm_client_id: Option<String>,
    pub cloud: Cloud,
    pub custom: CustomEndpoints,
    pub defaults: Defaults,
    /// Minutes before expiry to remind.
    pub reminders: Vec<u32>,
    pub auto_activate_favorites: bool,
    pub start_at_login: bool,
    pub keep_popup_warm: bool,
    /// Minutes a cached policy stays fresh.
    pub policy_cache_minutes: u32,
    /// What AI agents may do over MCP.
    pub mcp: Mcp,
    /// Requests waiting for my decision.
    pub approvals: Approvals,
    /// The posture report's exceptions.
    pub posture: Posture,
    /// Access reviews assigned to me.
    pub reviews: Reviews,
    /// Privilege tiers over the shipped table: role name, role id, "Group (owner)" or
    /// assignment key → 0, 1 or 2 (`[tiers] "Helpdesk Administrator" = 1`).
    pub tiers: crate::tier::Overrides,
    /// The command palette.
    pub palette: Palette,
    /// The proxy (when no HTTPS_PROXY/HTTP_PROXY is set) and the hosts exempt from it.
    pub network: crate::network::NetworkConfig,
    /// The user's own justification rules, checked before sending.
    pub justification: crate::justification::JustificationConfig,
    /// Named sets of assignments across the planes, activated and deactivated together.
    pub bundles: Vec<crate::bundle::Bundle>,
    /// Commands run once an activation is ready (`[[after]]`), checked when the file loads.
    pub after: Vec<crate::after::AfterCommand>,
    /// How the portal opens in a private browser window.
    pub browser: crate::portal::BrowserConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            tenant_id: None,
            client_id: None,
            arm_client_id: None,
            cloud: Cloud::Public,
            custom: CustomEndpoints::default(),
            defaults: Defaults::default(),
            reminders: vec![15, 5],
            auto_activate_favorites: false,
            start_at_login: false,
            keep_popup_warm: false,
            policy_cache_minutes: 30,
            mcp: Mcp::default(),
            approvals: Approvals::default(),
            posture: Posture::default(),
            reviews: Reviews::default(),
            tiers: Default::default(),
            palette: Palette::default(),
            network: crate::network::NetworkConfig::default(),
            justification: Default::default(),
            bundles: vec![],
            after: vec![],
            browser: Default::default(),
        }
    }
}

/// Everything a session needs, resolved from the file and the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub tenant: String,
    pub client_id: String,
    pub arm_client_id: String,
    pub cloud: Cloud,
    pub endpoints: Endpoints,
}

impl Config {
    /// Applies `ELEVATE_*` (and `AZURE_TENANT_ID`) from `env` over the file's values.
    pub fn resolve(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<Resolved, Error> {
        let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        let cloud = match get("ELEVATE_CLOUD") {
            Some(c) => Cloud::parse(&c)?,
            None => self.cloud,
        };
        let tenant = get("ELEVATE_TENANT_ID")
            .or_else(|| get("AZURE_TENANT_ID"))
            .or_else(|| self.tenant_id.clone())
            .unwrap_or_else(|| "organizations".into());
        let client_id = get("ELEVATE_CLIENT_ID").or_else(|| self.client_id.clone());
        let arm_client_id = get("ELEVATE_ARM_CLIENT_ID").or_else(|| self.arm_client_id.clone());
        let endpoints = match cloud {
            Cloud::Custom => {
                let pick = |var: &str, file: &Option<String>| {
                    get(var).or_else(|| file.clone()).ok_or_else(|| {
                        let key = var.trim_start_matches("ELEVATE_").to_ascii_lowercase();
                        Error::InvalidInput(format!("the custom cloud needs {var}, or `{key}` under [custom] in the config file (given the way the public cloud's would be, e.g. https://login.microsoftonline.com); or choose another cloud"))
                    })
                };
                Endpoints::custom(
                    &pick("ELEVATE_LOGIN_URL", &self.custom.login_url)?,
                    &pick("ELEVATE_GRAPH_URL", &self.custom.graph_url)?,
                    &pick("ELEVATE_ARM_URL", &self.custom.arm_url)?,
                )?
            }
            other => Endpoints::for_cloud(other),
        };
        // A user-registered client serves both planes; the first-party default needs a
        // second first-party client for ARM.
        let (client_id, arm_client_id) = match (client_id, arm_client_id) {
            (Some(c), Some(a)) => (c, a),
            (Some(c), None) => (c.clone(), c),
            (None, Some(a)) => (DEFAULT_CLIENT_ID.to_string(), a),
            (None, None) => (
                DEFAULT_CLIENT_ID.to_string(),
                DEFAULT_ARM_CLIENT_ID.to_string(),
            ),
        };
        Ok(Resolved {
            tenant,
            client_id,
            arm_client_id,
            cloud,
            endpoints,
        })
    }

    pub fn default_path() -> Option<PathBuf> {
        dirs::config_dir().map(|d| d.join("elevate").join("config.toml"))
    }

    /// Loads the file; a missing file is the defaults; a corrupt one is moved aside (the
    /// returned notice says where) and the defaults load, so nothing the user wrote is lost.
    /// After-activation commands or a private browser that break a rule are an error naming
    /// the key (the file is left as it is).
    pub fn load(path: &Path) -> Result<(Config, Option<String>), Error> {
        match std::fs::read_to_string(path) {
            Ok(text) => match toml::from_str::<Config>(&text) {
                Ok(c) => {
                    c.check_commands().map_err(|e| in_file(path, e))?;
                    Ok((c, None))
                }
                Err(e) => {
                    let aside = crate::store::move_aside(path)?;
                    Ok((
                        Config::default(),
                        Some(format!(
                        "{} could not be read ({}); it was moved to {} and the defaults are in use",
                        path.display(), e.message(), aside.display()
                    )),
                    ))
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((Config::default(), None)),
            Err(e) => Err(Error::io(format!("reading {}", path.display()), e)),
        }
    }

    /// The rules of what the file makes Elevate run: `[[after]]` and `[browser]`.
    pub fn check_commands(&self) -> Result<(), Error> {
        crate::after::check(&self.after)?;
        self.browser.check()
    }

    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let text = toml::to_string_pretty(self)
            .map_err(|e| Error::InvalidInput(format!("cannot write the configuration: {e}")))?;
        crate::store::write_atomic(path, text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn sovereign_clouds_have_their_hosts() {
        let us = Endpoints::for_cloud(Cloud::Usgov);
        assert_eq!(us.graph, "https://graph.microsoft.us");
        assert_eq!(us.arm, "https://management.usgovcloudapi.net");
        let cn = Endpoints::for_cloud(Cloud::China);
        assert_eq!(cn.login, "https://login.chinacloudapi.cn");
        assert_eq!(cn.graph, "https://microsoftgraph.chinacloudapi.cn");
        assert_eq!(
            cn.token_url("t"),
            "https://login.chinacloudapi.cn/t/oauth2/v2.0/token"
        );
    }

    #[test]
    fn environment_overrides_the_file_and_tenant_falls_back_to_azure_tenant_id() {
        let file = Config {
            tenant_id: Some("file-tenant".into()),
            ..Config::default()
        };
        let r = file
            .resolve(&env(&[("AZURE_TENANT_ID", "azure-tenant")]))
            .expect("ok");
        assert_eq!(r.tenant, "azure-tenant");
        let r = file
            .resolve(&env(&[
                ("ELEVATE_TENANT_ID", "mine"),
                ("AZURE_TENANT_ID", "other"),
            ]))
            .expect("ok");
        assert_eq!(r.tenant, "mine");
        assert_eq!(
            (r.client_id.as_str(), r.arm_client_id.as_str()),
            (DEFAULT_CLIENT_ID, DEFAULT_ARM_CLIENT_ID)
        );
        let r = file
            .resolve(&env(&[("ELEVATE_CLIENT_ID", "registered")]))
            .expect("ok");
        assert_eq!(
            (r.client_id.as_str(), r.arm_client_id.as_str()),
            ("registered", "registered")
        );
    }

    #[test]
    fn endpoints_are_parsed_not_matched_by_prefix() {
        for good in [
            "https://graph.microsoft.com",
            "https://proxy.contoso.example/graph",
            "http://127.0.0.1:8400/graph",
            "http://localhost:8400",
            "http://[::1]:8400/login",
        ] {
            assert!(check_endpoint("ELEVATE_GRAPH_URL", good).is_ok(), "{good}");
        }
        for bad in [
            "http://localhost@evil.example",
            "http://localhost.evil.example",
            "http://127.0.0.1.nip.io",
            "http://127.0.0.1@evil.example:80",
            "http://evil.example/127.0.0.1",
            "https://user:pw@graph.microsoft.com",
            "https://graph.microsoft.com/?x=1",
            "ftp://127.0.0.1",
            "graph.microsoft.com",
            "",
        ] {
            let err = check_endpoint("ELEVATE_GRAPH_URL", bad).expect_err(bad);
            assert!(err.to_string().contains("ELEVATE_GRAPH_URL"), "{err}");
        }
    }

    #[test]
    fn custom_cloud_takes_base_urls_with_a_path_prefix() {
        let r = Config::default()
            .resolve(&env(&[
                ("ELEVATE_CLOUD", "custom"),
                ("ELEVATE_LOGIN_URL", "http://127.0.0.1:8400/login/"),
                ("ELEVATE_GRAPH_URL", "http://127.0.0.1:8400/graph"),
                ("ELEVATE_ARM_URL", "http://127.0.0.1:8400/arm"),
            ]))
            .expect("ok");
        assert_eq!(
            r.endpoints.token_url("t1"),
            "http://127.0.0.1:8400/login/t1/oauth2/v2.0/token"
        );
        assert_eq!(r.endpoints.graph, "http://127.0.0.1:8400/graph");
        assert_eq!(r.endpoints.graph_resource, "https://graph.microsoft.com/");
        let err = Config::default()
            .resolve(&env(&[("ELEVATE_CLOUD", "custom")]))
            .expect_err("missing urls");
        assert!(err.to_string().contains("ELEVATE_LOGIN_URL"));
        let err = Config::default()
            .resolve(&env(&[("ELEVATE_CLOUD", "mars")]))
            .expect_err("bad cloud");
        assert!(err.to_string().contains("public, usgov, china or custom"));
        let err = Endpoints::custom("http://example.com", "https://g", "https://a")
            .expect_err("plain http off loopback");
        assert!(err.to_string().contains("https://"));
    }
}
