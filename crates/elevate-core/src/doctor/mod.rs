//! The connection check (`elevatectl doctor`, the settings window's "Check connection"): the
//! report's shape (typed for the UI), its verdict and its text. For each endpoint of the
//! configured cloud it holds the proxy decision, DNS, TCP, TLS (issuer named, so TLS inspection
//! shows), HTTP and the clock against the server's `Date`; the checks are in [`probe`]. Nothing
//! secret goes in: proxy credentials are never shown, no token is sent.

pub mod probe;

use serde::Serialize;
use ts_rs::TS;

use crate::config::{Cloud, Resolved, DEFAULT_ARM_CLIENT_ID, DEFAULT_CLIENT_ID};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum CheckStatus {
    Ok,
    Warn,
    Fail,
    /// Not tried: an earlier step failed, or it does not apply (no TLS on http://).
    Skipped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum CheckKind {
    Proxy,
    Dns,
    Tcp,
    Tls,
    Http,
    Clock,
}

impl CheckKind {
    pub fn word(self) -> &'static str {
        match self {
            CheckKind::Proxy => "proxy",
            CheckKind::Dns => "dns",
            CheckKind::Tcp => "tcp",
            CheckKind::Tls => "tls",
            CheckKind::Http => "http",
            CheckKind::Clock => "clock",
        }
    }
}

/// One check of one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Check {
    pub kind: CheckKind,
    pub status: CheckStatus,
    /// What was found, in words.
    pub detail: String,
    /// What to do, when it failed or warns.
    pub fix: Option<String>,
    /// How long it took, when timed.
    pub millis: Option<u32>,
}

impl Check {
    pub fn ok(kind: CheckKind, detail: impl Into<String>) -> Check {
        Check {
            kind,
            status: CheckStatus::Ok,
            detail: detail.into(),
            fix: None,
            millis: None,
        }
    }
    pub fn fail(kind: CheckKind, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            kind,
            status: CheckStatus::Fail,
            detail: detail.into(),
            fix: Some(fix.into()),
            millis: None,
        }
    }
    pub fn warn(kind: CheckKind, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            status: CheckStatus::Warn,
            ..Check::fail(kind, detail, fix)
        }
    }
    pub fn skipped(kind: CheckKind, detail: impl Into<String>) -> Check {
        Check {
            status: CheckStatus::Skipped,
            ..Check::ok(kind, detail)
        }
    }
    pub fn timed(mut self, started: std::time::Instant) -> Check {
        self.millis = Some(u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX));
        self
    }
}

/// One endpoint of the cloud and its checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct EndpointReport {
    /// "Sign-in", "Microsoft Graph", "Azure Resource Manager", "Device sign-in page".
    pub name: String,
    /// The URL fetched (a harmless GET, no token).
    pub url: String,
    pub checks: Vec<Check>,
}

/// The whole report: what is configured, then each endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DoctorReport {
    pub version: String,
    /// When it ran (RFC 3339, this machine's clock).
    pub checked_at: String,
    pub cloud: String,
    pub tenant: String,
    pub client_id: String,
    pub arm_client_id: String,
    /// Whose trust store decides (the system's, or only SSL_CERT_FILE/SSL_CERT_DIR).
    pub trust_store: String,
    /// The proxies and exemptions in force, credentials hidden.
    pub proxy: String,
    pub endpoints: Vec<EndpointReport>,
    /// No check failed.
    pub ok: bool,
    /// The report as text to copy (what `elevatectl doctor` prints).
    pub text: String,
}

impl DoctorReport {
    /// The failed checks as "Sign-in: dns".
    pub fn failures(&self) -> Vec<String> {
        self.endpoints
            .iter()
            .flat_map(|e| {
                e.checks
                    .iter()
                    .filter(|c| c.status == CheckStatus::Fail)
                    .map(move |c| format!("{}: {}", e.name, c.kind.word()))
            })
            .collect()
    }

    /// The copyable text report (also in `text`).
    pub fn render(&self) -> String {
        let mut out = format!(
            "Elevate {} connection check, {}\nCloud: {}   Tenant: {}\nClient id: {}\nARM client id: {}\nTrust store: {}\nProxy: {}\n",
            self.version,
            self.checked_at,
            self.cloud,
            self.tenant,
            self.client_id,
            self.arm_client_id,
            self.trust_store,
            self.proxy
        );
        for e in &self.endpoints {
            out.push_str(&format!("\n{}  {}\n", e.name, e.url));
            for c in &e.checks {
                let status = match c.status {
                    CheckStatus::Ok => "ok",
                    CheckStatus::Warn => "WARN",
                    CheckStatus::Fail => "FAIL",
                    CheckStatus::Skipped => "-",
                };
                let ms = c.millis.map(|m| format!(" ({m} ms)")).unwrap_or_default();
                out.push_str(&format!(
                    "  {status:<5} {:<6} {}{ms}\n",
                    c.kind.word(),
                    c.detail
                ));
                if let Some(fix) = &c.fix {
                    out.push_str(&format!("        → {fix}\n"));
                }
            }
        }
        let failures = self.failures();
        if failures.is_empty() {
            out.push_str("\nResult: every check passed.\n");
        } else {
            out.push_str(&format!(
                "\nResult: {} failed ({}).\n",
                if failures.len() == 1 {
                    "1 check".to_string()
                } else {
                    format!("{} checks", failures.len())
                },
                failures.join(", ")
            ));
        }
        out
    }
}

/// The client id with who it is.
pub fn client_words(id: &str) -> String {
    match id {
        DEFAULT_CLIENT_ID => format!("{id} (Microsoft Graph Command Line Tools, the default)"),
        DEFAULT_ARM_CLIENT_ID => format!("{id} (Azure CLI, the default for Azure resources)"),
        _ => format!("{id} (your organisation's registration)"),
    }
}

/// The endpoints a sign-in and the three planes use, with a harmless GET each.
pub fn endpoints(cfg: &Resolved) -> Vec<(String, String)> {
    let e = &cfg.endpoints;
    let device = match cfg.cloud {
        Cloud::Public => "https://microsoft.com/devicelogin".to_string(),
        Cloud::Usgov => "https://microsoft.com/deviceloginus".to_string(),
        Cloud::China => "https://microsoft.com/deviceloginchina".to_string(),
        Cloud::Custom => format!("{}/devicelogin", e.login),
    };
    vec![
        (
            "Sign-in".into(),
            format!(
                "{}/{}/v2.0/.well-known/openid-configuration",
                e.login, cfg.tenant
            ),
        ),
        (
            "Microsoft Graph".into(),
            format!("{}/v1.0/organization", e.graph),
        ),
        (
            "Azure Resource Manager".into(),
            format!("{}/providers?api-version=2021-04-01", e.arm),
        ),
        ("Device sign-in page".into(), device),
    ]
}

/// Whose trust store decides, in words.
pub fn trust_store_words() -> String {
    if cfg!(any(target_os = "windows", target_os = "macos")) {
        return "the system's (through the OS certificate verifier)".into();
    }
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (var("SSL_CERT_FILE"), var("SSL_CERT_DIR")) {
        (None, None) => "the system's CA certificates".into(),
        (file, dir) => {
            let named: Vec<String> = [("SSL_CERT_FILE", file), ("SSL_CERT_DIR", dir)]
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| format!("{k}={v}")))
                .collect();
            format!(
                "only {} (set, it replaces the system's CA certificates)",
                named.join(" and ")
            )
        }
    }
}

/// Checks every endpoint of `cfg` through `http` (its trust and proxy), all at once.
pub async fn run(cfg: &Resolved, http: &crate::http::Http) -> DoctorReport {
    let list = endpoints(cfg);
    let endpoints: Vec<EndpointReport> = futures::future::join_all(
        list.iter()
            .map(|(name, url)| probe::endpoint(http, name, url)),
    )
    .await;
    let ok = endpoints
        .iter()
        .all(|e| e.checks.iter().all(|c| c.status != CheckStatus::Fail));
    let mut report = DoctorReport {
        version: env!("CARGO_PKG_VERSION").into(),
        checked_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        cloud: match cfg.cloud {
            Cloud::Public => "public".into(),
            Cloud::Usgov => "usgov".into(),
            Cloud::China => "china".into(),
            Cloud::Custom => "custom".into(),
        },
        tenant: cfg.tenant.clone(),
        client_id: client_words(&cfg.client_id),
        arm_client_id: client_words(&cfg.arm_client_id),
        trust_store: trust_store_words(),
        proxy: http.network().describe(),
        endpoints,
        ok,
        text: String::new(),
    };
    report.text = report.render();
    report
}
