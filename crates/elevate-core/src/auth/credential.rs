//! Which credential gets Elevate its tokens. The sign-in method comes from `--auth` (passed
//! in as `ELEVATE_AUTH`) and the values from the variables azure-identity users already set
//! (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`, `AZURE_CLIENT_CERTIFICATE_PATH`,
//! `AZURE_AUTHORITY_HOST`; `IDENTITY_ENDPOINT`/`IDENTITY_HEADER` for App Service). Browser and
//! device code keep the refresh-token flow of [`super::Session`]; the others are a
//! [`Credential`] the session asks for one access token per resource. Everything wrong that
//! can be known before the network (a missing variable, an unreadable certificate) is said here.

use chrono::{DateTime, Utc};

use super::azure_cli::AzureCli;
use super::client_credentials::{ClientCertificate, ClientSecret};
use super::managed_identity::ManagedIdentity;
use super::types::Resource;
use crate::config::Resolved;
use crate::error::Error;
use crate::http::Http;
use crate::secret::Secret;

/// How Elevate signs in (`--auth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMethod {
    /// The system browser (PKCE, loopback redirect); the default.
    #[default]
    Browser,
    DeviceCode,
    /// Reuses `az`'s sign-in (`az account get-access-token`).
    AzureCli,
    ClientSecret,
    ClientCertificate,
    ManagedIdentity,
}

impl AuthMethod {
    pub const ALL: [AuthMethod; 6] = [
        AuthMethod::Browser,
        AuthMethod::DeviceCode,
        AuthMethod::AzureCli,
        AuthMethod::ClientSecret,
        AuthMethod::ClientCertificate,
        AuthMethod::ManagedIdentity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Browser => "browser",
            AuthMethod::DeviceCode => "device-code",
            AuthMethod::AzureCli => "azure-cli",
            AuthMethod::ClientSecret => "client-secret",
            AuthMethod::ClientCertificate => "client-certificate",
            AuthMethod::ManagedIdentity => "managed-identity",
        }
    }

    pub fn parse(text: &str) -> Result<AuthMethod, Error> {
        let t = text.trim().to_ascii_lowercase().replace('_', "-");
        AuthMethod::ALL
            .into_iter()
            .find(|m| m.as_str() == t)
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "unknown sign-in method '{text}': use one of {}",
                    AuthMethod::ALL.map(AuthMethod::as_str).join(", ")
                ))
            })
    }

    /// An application signs in, not a person: no PIM self-service.
    pub fn app_only(self) -> bool {
        matches!(
            self,
            AuthMethod::ClientSecret | AuthMethod::ClientCertificate | AuthMethod::ManagedIdentity
        )
    }

    /// Elevate's own refresh-token flow (browser, device code).
    pub fn interactive(self) -> bool {
        matches!(self, AuthMethod::Browser | AuthMethod::DeviceCode)
    }
}

/// An access token from a credential, held only in memory.
pub struct AccessToken {
    pub token: Secret,
    pub expires: DateTime<Utc>,
    /// The tenant the credential says the token is for (`az` reports it).
    pub tenant: Option<String>,
}

/// A credential other than Elevate's own browser / device-code sign-in.
pub enum Credential {
    AzureCli(AzureCli),
    ClientSecret(ClientSecret),
    ClientCertificate(Box<ClientCertificate>),
    ManagedIdentity(ManagedIdentity),
}

/// The resource URI a credential asks for (`https://graph.microsoft.com`,
/// `https://management.azure.com/`), as azure-identity's `resource` argument.
pub fn resource_uri(cfg: &Resolved, resource: Resource) -> String {
    match resource {
        Resource::Graph => cfg
            .endpoints
            .graph_resource
            .trim_end_matches('/')
            .to_string(),
        Resource::Arm => cfg.endpoints.arm_resource.clone(),
    }
}

/// `AZURE_*` first, then what Elevate's own variables and settings say.
pub(super) fn need(
    vars: &dyn Fn(&str) -> Option<String>,
    name: &str,
    method: AuthMethod,
    what: &str,
) -> Result<String, Error> {
    vars(name)
        .filter(|v| !v.trim().is_empty())
        .map(|v| v.trim().to_string())
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "--auth {} needs {name} ({what}); set it, or choose another sign-in method",
                method.as_str()
            ))
        })
}

impl Credential {
    /// The credential for `method`; None for browser and device code. Refuses, before any
    /// network, what cannot work (a missing variable, no tenant, an unreadable certificate).
    pub fn from_env(
        method: AuthMethod,
        vars: &dyn Fn(&str) -> Option<String>,
        cfg: &Resolved,
    ) -> Result<Option<Credential>, Error> {
        let specific_tenant = || -> Result<String, Error> {
            if matches!(
                cfg.tenant.as_str(),
                "organizations" | "common" | "consumers"
            ) {
                return Err(Error::InvalidInput(format!(
                    "--auth {} needs a tenant: set AZURE_TENANT_ID (or ELEVATE_TENANT_ID, or tenant_id in the settings) to the tenant's id or domain",
                    method.as_str()
                )));
            }
            Ok(cfg.tenant.clone())
        };
        Ok(Some(match method {
            AuthMethod::Browser | AuthMethod::DeviceCode => return Ok(None),
            AuthMethod::AzureCli => Credential::AzureCli(AzureCli::new(
                Some(cfg.tenant.clone()).filter(|t| t != "organizations" && t != "common"),
            )),
            AuthMethod::ClientSecret => {
                Credential::ClientSecret(ClientSecret::from_env(vars, specific_tenant()?, cfg)?)
            }
            AuthMethod::ClientCertificate => Credential::ClientCertificate(Box::new(
                ClientCertificate::from_env(vars, specific_tenant()?, cfg)?,
            )),
            AuthMethod::ManagedIdentity => {
                Credential::ManagedIdentity(ManagedIdentity::from_env(vars)?)
            }
        }))
    }

    pub fn method(&self) -> AuthMethod {
        match self {
            Credential::AzureCli(_) => AuthMethod::AzureCli,
            Credential::ClientSecret(_) => AuthMethod::ClientSecret,
            Credential::ClientCertificate(_) => AuthMethod::ClientCertificate,
            Credential::ManagedIdentity(_) => AuthMethod::ManagedIdentity,
        }
    }

    /// The application (client) id the tokens are issued to, when Elevate knows it.
    pub fn client_id(&self) -> Option<String> {
        match self {
            Credential::AzureCli(_) => Some(crate::config::DEFAULT_ARM_CLIENT_ID.to_string()),
            Credential::ClientSecret(c) => Some(c.client_id.clone()),
            Credential::ClientCertificate(c) => Some(c.client_id.clone()),
            Credential::ManagedIdentity(m) => m.client_id.clone(),
        }
    }

    /// One access token for `resource`. `claims` (a claims challenge) is passed on where the
    /// credential can take it; where it cannot, a fresh token is fetched or the fix is said.
    pub async fn get_token(
        &self,
        http: &Http,
        cfg: &Resolved,
        resource: Resource,
        claims: Option<&str>,
    ) -> Result<AccessToken, Error> {
        match self {
            Credential::AzureCli(c) => c.get_token(cfg, resource, claims).await,
            Credential::ClientSecret(c) => c.get_token(http, cfg, resource, claims).await,
            Credential::ClientCertificate(c) => c.get_token(http, cfg, resource, claims).await,
            Credential::ManagedIdentity(m) => m.get_token(cfg, resource).await,
        }
    }
}

/// Seconds since the epoch as a time; a value that is no time is None.
pub(super) fn epoch(secs: i64) -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp(secs, 0)
}
