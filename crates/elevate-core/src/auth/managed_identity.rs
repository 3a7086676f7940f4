//! The managed identity credential: App Service's endpoint when `IDENTITY_ENDPOINT` and
//! `IDENTITY_HEADER` are set (api-version 2019-08-01, header `X-IDENTITY-HEADER`), else the
//! Azure Instance Metadata Service (`http://169.254.169.254/metadata/identity/oauth2/token`,
//! api-version 2018-02-01, header `Metadata: true`) [DOC how-to-use-vm-token,
//! app-service managed-identity]. `AZURE_CLIENT_ID` picks a user-assigned identity
//! (`client_id=`). `ELEVATE_IMDS_ENDPOINT` (or azure-identity's
//! `AZURE_POD_IDENTITY_AUTHORITY_HOST`) points IMDS elsewhere, for tests. These endpoints
//! are on the machine or link-local: they are reached directly, never through a proxy.

use std::time::Duration;

use chrono::Utc;
use serde_json::Value;

use super::credential::{epoch, resource_uri, AccessToken};
use super::types::Resource;
use crate::config::Resolved;
use crate::error::Error;
use crate::secret::Secret;

pub const IMDS_TOKEN_URL: &str = "http://169.254.169.254/metadata/identity/oauth2/token";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Imds { url: String },
    AppService { url: String, header: Secret },
}

pub struct ManagedIdentity {
    pub source: Source,
    /// A user-assigned identity's client id; None: the system-assigned one.
    pub client_id: Option<String>,
    client: reqwest::Client,
}

fn http_url(name: &str, url: &str) -> Result<String, Error> {
    let u = url::Url::parse(url.trim()).map_err(|_| {
        Error::InvalidInput(format!(
            "{name} must be an http:// or https:// URL: '{url}'"
        ))
    })?;
    if !matches!(u.scheme(), "http" | "https") || u.host().is_none() {
        return Err(Error::InvalidInput(format!(
            "{name} must be an http:// or https:// URL: '{url}'"
        )));
    }
    Ok(url.trim().to_string())
}

impl ManagedIdentity {
    pub fn from_env(vars: &dyn Fn(&str) -> Option<String>) -> Result<ManagedIdentity, Error> {
        let get = |k: &str| vars(k).filter(|v| !v.trim().is_empty());
        let source = match (get("IDENTITY_ENDPOINT"), get("IDENTITY_HEADER")) {
            (Some(url), Some(header)) => Source::AppService {
                url: http_url("IDENTITY_ENDPOINT", &url)?,
                header: Secret::new(header),
            },
            _ => Source::Imds {
                url: match (
                    get("ELEVATE_IMDS_ENDPOINT"),
                    get("AZURE_POD_IDENTITY_AUTHORITY_HOST"),
                ) {
                    (Some(u), _) => http_url("ELEVATE_IMDS_ENDPOINT", &u)?,
                    (None, Some(host)) => format!(
                        "{}/metadata/identity/oauth2/token",
                        http_url("AZURE_POD_IDENTITY_AUTHORITY_HOST", &host)?.trim_end_matches('/')
                    ),
                    (None, None) => IMDS_TOKEN_URL.to_string(),
                },
            },
        };
        ManagedIdentity::new(source, get("AZURE_CLIENT_ID"))
    }

    pub fn new(source: Source, client_id: Option<String>) -> Result<ManagedIdentity, Error> {
        // Never through a proxy (the endpoint is on this machine or the host), TLS as everywhere.
        let client = crate::network::Network::direct()
            .client_builder()?
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(20))
            .user_agent(concat!("Elevate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Network(format!("cannot create the HTTP client: {e}")))?;
        Ok(ManagedIdentity {
            source,
            client_id,
            client,
        })
    }

    fn which(&self) -> String {
        match &self.client_id {
            Some(c) => format!("user-assigned managed identity {c}"),
            None => "system-assigned managed identity".to_string(),
        }
    }

    pub async fn get_token(
        &self,
        cfg: &Resolved,
        resource: Resource,
    ) -> Result<AccessToken, Error> {
        let uri = resource_uri(cfg, resource);
        let (url, api, what) = match &self.source {
            Source::Imds { url } => (url.clone(), "2018-02-01", "IMDS"),
            Source::AppService { url, .. } => (url.clone(), "2019-08-01", "App Service"),
        };
        let mut query: Vec<(&str, String)> = vec![("api-version", api.into()), ("resource", uri)];
        if let Some(c) = &self.client_id {
            query.push(("client_id", c.clone()));
        }
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let mut req = self.client.get(&url).query(&query);
            req = match &self.source {
                Source::Imds { .. } => req.header("Metadata", "true"),
                Source::AppService { header, .. } => {
                    req.header("X-IDENTITY-HEADER", header.expose())
                }
            };
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) => {
                    return Err(Error::Network(format!(
                        "The managed identity endpoint ({what}, {url}) cannot be reached ({}): Elevate is not running on an Azure VM, App Service or other host with a managed identity; choose another --auth",
                        if e.is_timeout() { "timed out" } else { "no connection" }
                    )))
                }
            };
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            // IMDS asks for retries on 404 (not ready), 410 (updating), 429 and 5xx [DOC].
            if matches!(status, 404 | 410 | 429 | 500..=599) && attempt < 3 {
                tokio::time::sleep(Duration::from_millis(400 * u64::from(attempt))).await;
                continue;
            }
            if !(200..300).contains(&status) {
                let said = body["error_description"]
                    .as_str()
                    .or(body["message"].as_str())
                    .or(body["error"].as_str())
                    .unwrap_or("no details")
                    .to_string();
                let lower = said.to_ascii_lowercase();
                if status == 400
                    && (lower.contains("identity not found")
                        || lower.contains("no managed identity"))
                {
                    return Err(Error::SignInRequired(format!(
                        "This machine has no {}: assign one to it in the Azure portal, or set AZURE_CLIENT_ID to the client id of a user-assigned identity it has ({what} said: {said})",
                        self.which()
                    )));
                }
                return Err(Error::SignInRequired(format!(
                    "The managed identity endpoint ({what}) refused to give a token for {} ({status}: {said})",
                    self.which()
                )));
            }
            return parse_mi_token(&body);
        }
    }
}

/// The token answer of IMDS and App Service: `expires_on` as seconds since the epoch (a string
/// in IMDS, either in App Service), else `expires_in`.
pub fn parse_mi_token(body: &Value) -> Result<AccessToken, Error> {
    let token = body["access_token"]
        .as_str()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            Error::Network("the managed identity endpoint answered without an access token".into())
        })?;
    let num = |v: &Value| match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    let expires = num(&body["expires_on"])
        .and_then(epoch)
        .or_else(|| {
            num(&body["expires_in"])
                .map(|s| Utc::now() + chrono::Duration::seconds(s.clamp(60, 86_400)))
        })
        .unwrap_or_else(|| Utc::now() + chrono::Duration::hours(1));
    Ok(AccessToken {
        token: Secret::new(token),
        expires,
        tenant: None,
    })
}
