//! What the policy imposes, as checks every front end shares: the effective configuration,
//! tenant, cloud and client ids at start, sign-in methods, the settings a save may not
//! change, activation limits (refused before sending) and MCP. Each refusal is
//! `Error::PolicyRefused` with a `managed.<key>` rule and "set by your organisation".

use chrono::Duration;

use super::{ManagedView, Policy, SignInMethod};
use crate::app::Settings;
use crate::config::{Cloud, Config, Defaults, Resolved};
use crate::error::Error;
use crate::planner::Plan;
use crate::policy::{human, iso, parse_duration};

/// A tenant ID (GUID) or a domain: the shape the settings window accepts too.
pub(super) fn tenant_shaped(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 256
        && t.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "-.".contains(ch))
}

/// A client id is a GUID.
pub(super) fn client_id(key: &str, text: &str) -> Result<String, String> {
    uuid::Uuid::parse_str(text)
        .map(|_| text.to_string())
        .map_err(|_| format!("{key} must be an application (client) ID, a GUID"))
}

/// A proxy URL (http, https or socks5, a host, no credentials: a policy is readable by
/// all), or `direct`: no proxy whatever the environment says.
pub(super) fn proxy(text: &str) -> Result<String, String> {
    if text.eq_ignore_ascii_case("direct") {
        return Ok("direct".into());
    }
    let url = url::Url::parse(text).map_err(|_| format!("proxy '{text}' is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https" | "socks5" | "socks5h") {
        return Err(format!(
            "proxy '{text}' must be an http://, https:// or socks5:// URL"
        ));
    }
    if url.host().is_none() {
        return Err(format!("proxy '{text}' has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("proxy must not carry a user name or password".into());
    }
    Ok(text.to_string())
}

fn refuse(rule: &str, message: String) -> Error {
    Error::PolicyRefused {
        rule: format!("managed.{rule}"),
        message,
    }
}

fn cloud_name(c: Cloud) -> String {
    serde_json::to_value(c)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn blank_none(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl Policy {
    /// Whether `method` may be used to sign in; called where a sign-in method is chosen.
    pub fn allows_sign_in(&self, method: SignInMethod) -> Result<(), Error> {
        match &self.sign_in_methods {
            Some(allowed) if !allowed.contains(&method) => Err(refuse(
                "sign_in_methods",
                format!(
                    "Signing in with {} is not allowed, {}: use {}.",
                    method.as_str(),
                    self.by_organisation(),
                    allowed
                        .iter()
                        .map(|m| m.as_str())
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            )),
            _ => Ok(()),
        }
    }

    pub fn tenant_allowed(&self, tenant: &str) -> bool {
        self.allowed_tenants
            .as_ref()
            .is_none_or(|l| l.iter().any(|t| t.eq_ignore_ascii_case(tenant.trim())))
    }

    pub fn check_tenant(&self, tenant: &str) -> Result<(), Error> {
        if self.tenant_allowed(tenant) {
            return Ok(());
        }
        let allowed = self.allowed_tenants.clone().unwrap_or_default().join(", ");
        Err(refuse(
            "allowed_tenants",
            format!(
                "Tenant '{tenant}' is not allowed: the tenants allowed are {allowed}, {}.",
                self.by_organisation()
            ),
        ))
    }

    pub fn check_cloud(&self, cloud: Cloud) -> Result<(), Error> {
        match &self.allowed_clouds {
            Some(l) if !l.contains(&cloud) => Err(refuse(
                "allowed_clouds",
                format!(
                    "The {} cloud is not allowed: the clouds allowed are {}, {}.",
                    cloud_name(cloud),
                    l.iter()
                        .map(|c| cloud_name(*c))
                        .collect::<Vec<_>>()
                        .join(", "),
                    self.by_organisation()
                ),
            )),
            _ => Ok(()),
        }
    }

    /// The effective configuration: the user's, overlaid by the policy (the file on disk
    /// keeps the user's own values).
    pub fn overlay(&self, user: &Config) -> Config {
        let mut c = user.clone();
        if let Some(tenants) = &self.allowed_tenants {
            let mine = c.tenant_id.as_deref().filter(|t| self.tenant_allowed(t));
            c.tenant_id = Some(mine.unwrap_or(&tenants[0]).to_string());
        }
        if let Some(clouds) = &self.allowed_clouds {
            if !clouds.contains(&c.cloud) {
                c.cloud = clouds[0];
            }
        }
        if let Some(id) = &self.client_id {
            c.client_id = Some(id.clone());
            c.arm_client_id = None;
        }
        if let Some(id) = &self.arm_client_id {
            c.arm_client_id = Some(id.clone());
        }
        if let Some(on) = self.start_at_login {
            c.start_at_login = on;
        }
        if let Some(on) = self.auto_activate_favorites {
            c.auto_activate_favorites = on;
        }
        if let Some(max) = self.max_duration {
            if parse_duration(&c.defaults.duration).is_ok_and(|d| d > max) {
                c.defaults.duration = iso(max);
            }
        }
        c
    }

    /// What a session connects with: the effective configuration with the environment,
    /// then the tenant asked for (`elevatectl login --tenant`). A tenant or cloud the policy
    /// does not allow is refused here, before any request; the policy's client ids beat
    /// the environment's. The built-in demo tenant is local and exempt.
    pub fn resolve(
        &self,
        effective: &Config,
        vars: &dyn Fn(&str) -> Option<String>,
        tenant: Option<&str>,
        demo: bool,
    ) -> Result<Resolved, Error> {
        let mut r = effective.resolve(vars)?;
        if let Some(t) = tenant {
            r.tenant = t.to_string();
        }
        if demo {
            return Ok(r);
        }
        self.check_tenant(&r.tenant)?;
        self.check_cloud(r.cloud)?;
        if let Some(id) = &self.client_id {
            r.client_id = id.clone();
            r.arm_client_id = self.arm_client_id.clone().unwrap_or_else(|| id.clone());
        } else if let Some(id) = &self.arm_client_id {
            r.arm_client_id = id.clone();
        }
        Ok(r)
    }

    /// The settings (by their field name in `Settings`) the policy fixes.
    pub fn locked(&self) -> Vec<&'static str> {
        let mut out = vec![];
        if self.allowed_tenants.as_ref().is_some_and(|l| l.len() == 1) {
            out.push("tenantId");
        }
        if self.allowed_clouds.as_ref().is_some_and(|l| l.len() == 1) {
            out.push("cloud");
        }
        if self.start_at_login.is_some() {
            out.push("startAtLogin");
        }
        if self.auto_activate_favorites.is_some() {
            out.push("autoActivateFavorites");
        }
        out
    }

    pub fn view(&self) -> ManagedView {
        ManagedView {
            locked: self.locked().into_iter().map(str::to_string).collect(),
            allowed_tenants: self.allowed_tenants.clone().unwrap_or_default(),
            allowed_clouds: self
                .allowed_clouds
                .iter()
                .flatten()
                .map(|c| cloud_name(*c))
                .collect(),
            max_duration: self.max_duration.map(iso),
            source: self.source.clone(),
            problem: self.problem.clone(),
        }
    }

    /// Refuses a save that changes what the policy fixes (`current`: the effective
    /// settings shown), a tenant or cloud it does not allow, or a default duration above
    /// its maximum; the message names the setting.
    pub fn check_settings(&self, current: &Settings, wanted: &Settings) -> Result<(), Error> {
        let by = self.by_organisation();
        let locked = |name: &str, changed: bool| {
            if changed {
                Err(refuse(
                    name,
                    format!("{name} is {by} and cannot be changed here."),
                ))
            } else {
                Ok(())
            }
        };
        let same_tenant = blank_none(&wanted.tenant_id).map(|t| t.to_ascii_lowercase())
            == blank_none(&current.tenant_id).map(|t| t.to_ascii_lowercase());
        if self.locked().contains(&"tenantId") {
            locked("Tenant", !same_tenant)?;
        } else if let Some(t) = blank_none(&wanted.tenant_id) {
            self.check_tenant(&t)?;
        }
        if let Ok(cloud) = Cloud::parse(&wanted.cloud) {
            if self.locked().contains(&"cloud") {
                locked("Cloud", wanted.cloud != current.cloud)?;
            }
            self.check_cloud(cloud)?;
        }
        if let Some(on) = self.start_at_login {
            locked("Start at login", wanted.start_at_login != on)?;
        }
        if let Some(on) = self.auto_activate_favorites {
            locked(
                "Activate favorites at start",
                wanted.auto_activate_favorites != on,
            )?;
        }
        if let (Some(max), Ok(d)) = (
            self.max_duration,
            parse_duration(wanted.default_duration.trim()),
        ) {
            if d > max {
                return Err(refuse(
                    "max_duration",
                    format!(
                        "Default duration {} is above the maximum, {} ({by}).",
                        human(d),
                        human(max)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// What a save writes: the user's own values stay in the file for what the policy fixes.
    pub fn keep_user_values(&self, before: &Config, after: &mut Config) {
        if self.start_at_login.is_some() {
            after.start_at_login = before.start_at_login;
        }
        if self.auto_activate_favorites.is_some() {
            after.auto_activate_favorites = before.auto_activate_favorites;
        }
        let locked = self.locked();
        if locked.contains(&"tenantId") {
            after.tenant_id = before.tenant_id.clone();
        }
        if locked.contains(&"cloud") {
            after.cloud = before.cloud;
        }
    }

    /// The longest activation allowed: `d` or the policy's maximum, whichever is lower.
    pub fn cap(&self, d: Duration) -> Duration {
        self.max_duration.map_or(d, |m| d.min(m))
    }

    /// Before planning an activation of `label`: a duration asked above the maximum is
    /// refused; the default is lowered to it.
    pub fn limit(
        &self,
        label: &str,
        wanted: Option<Duration>,
        defaults: &Defaults,
    ) -> Result<Defaults, Error> {
        let mut out = defaults.clone();
        let Some(max) = self.max_duration else {
            return Ok(out);
        };
        if let Some(d) = wanted.filter(|d| *d > max) {
            return Err(refuse(
                "max_duration",
                format!(
                    "{label} can be activated for at most {} ({}), {}; you asked for {}. Ask for {} or less.",
                    human(max),
                    iso(max),
                    self.by_organisation(),
                    human(d),
                    human(max)
                ),
            ));
        }
        if parse_duration(&defaults.duration).map_or(true, |d| d > max) {
            out.duration = iso(max);
        }
        Ok(out)
    }

    /// After planning, before sending: the ticket and justification rules.
    pub fn check_plan(&self, label: &str, plan: &Plan) -> Result<(), Error> {
        let by = self.by_organisation();
        if self.ticket_required && plan.ticket_number.is_none() {
            return Err(refuse(
                "ticket_required",
                format!("{label} needs a ticket number, {by}: give one (and its ticket system), or set a default ticket."),
            ));
        }
        let j = plan.justification.as_deref().unwrap_or("").trim();
        let n = j.chars().count();
        let min = self.justification_min_length as usize;
        if n < min {
            return Err(refuse(
                "justification_min_length",
                if n == 0 {
                    format!("{label} needs a justification of at least {min} characters, {by}: give one, or set a default justification.")
                } else {
                    format!(
                        "The justification has {n} characters; at least {min} are needed, {by}."
                    )
                },
            ));
        }
        if let Some(p) = &self.justification_pattern {
            if !p.matches(j) {
                return Err(refuse(
                    "justification_pattern",
                    format!("The justification must match the pattern {}, {by}.", p.text),
                ));
            }
        }
        Ok(())
    }

    /// Whether MCP (AI agents over `elevatectl mcp`) may run.
    pub fn check_mcp(&self) -> Result<(), Error> {
        if self.mcp_enabled == Some(false) {
            return Err(refuse(
                "mcp_enabled",
                format!(
                    "MCP (AI agents over elevatectl mcp) is turned off, {}.",
                    self.by_organisation()
                ),
            ));
        }
        Ok(())
    }

    /// Whether the policy's MCP allow list names a role (by name or label); no list: any.
    pub fn mcp_allows(&self, name: &str, label: &str) -> bool {
        self.mcp_allow.as_ref().is_none_or(|l| {
            l.iter()
                .any(|n| n.eq_ignore_ascii_case(name) || n.eq_ignore_ascii_case(label))
        })
    }
}
