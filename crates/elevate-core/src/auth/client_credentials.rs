//! The client-credentials grant (an application, no user) with a client secret or a client
//! certificate: `POST {authority}/{tenant}/oauth2/v2.0/token` with `grant_type=client_credentials`
//! and `scope={resource}/.default` [DOC v2-oauth2-client-creds-grant-flow]. For automation of
//! admin, audit and posture; PIM self-activation needs a user and is refused app-only before
//! the network (in the service). Entra's refusals keep their AADSTS code, said in plain words.

use chrono::Utc;

use super::certificate::Certificate;
use super::credential::{need, resource_uri, AccessToken, AuthMethod};
use super::oauth::EntraTokenError;
use super::types::Resource;
use crate::config::{check_endpoint, Resolved};
use crate::error::{Error, ServiceError};
use crate::http::{Http, Request};
use crate::secret::Secret;

pub struct ClientSecret {
    pub client_id: String,
    tenant: String,
    authority: Option<String>,
    secret: Secret,
}

pub struct ClientCertificate {
    pub client_id: String,
    tenant: String,
    authority: Option<String>,
    certificate: Certificate,
}

/// `AZURE_AUTHORITY_HOST` (e.g. `https://login.microsoftonline.us`), checked like any endpoint.
fn authority(vars: &dyn Fn(&str) -> Option<String>) -> Result<Option<String>, Error> {
    match vars("AZURE_AUTHORITY_HOST").filter(|v| !v.trim().is_empty()) {
        Some(h) => {
            let h = h.trim().trim_end_matches('/').to_string();
            check_endpoint("AZURE_AUTHORITY_HOST", &h)?;
            Ok(Some(h))
        }
        None => Ok(None),
    }
}

fn client_id(
    vars: &dyn Fn(&str) -> Option<String>,
    method: AuthMethod,
    cfg: &Resolved,
) -> Result<String, Error> {
    need(
        vars,
        "AZURE_CLIENT_ID",
        method,
        "the application (client) id of the app registration",
    )
    .or_else(|e| {
        // A client id of one's own in the settings serves too; the first-party default
        // cannot (it has no secret).
        if cfg.client_id != crate::config::DEFAULT_CLIENT_ID {
            Ok(cfg.client_id.clone())
        } else {
            Err(e)
        }
    })
}

impl ClientSecret {
    pub fn from_env(
        vars: &dyn Fn(&str) -> Option<String>,
        tenant: String,
        cfg: &Resolved,
    ) -> Result<ClientSecret, Error> {
        let m = AuthMethod::ClientSecret;
        Ok(ClientSecret {
            client_id: client_id(vars, m, cfg)?,
            secret: Secret::new(need(
                vars,
                "AZURE_CLIENT_SECRET",
                m,
                "the client secret's value",
            )?),
            tenant,
            authority: authority(vars)?,
        })
    }

    pub fn new(client_id: &str, tenant: &str, secret: Secret) -> ClientSecret {
        ClientSecret {
            client_id: client_id.into(),
            tenant: tenant.into(),
            authority: None,
            secret,
        }
    }

    pub async fn get_token(
        &self,
        http: &Http,
        cfg: &Resolved,
        resource: Resource,
        claims: Option<&str>,
    ) -> Result<AccessToken, Error> {
        let form = vec![(
            "client_secret".to_string(),
            self.secret.expose().to_string(),
        )];
        request(
            http,
            cfg,
            self.authority.as_deref(),
            &self.tenant,
            &self.client_id,
            resource,
            claims,
            form,
        )
        .await
    }
}

impl ClientCertificate {
    pub fn from_env(
        vars: &dyn Fn(&str) -> Option<String>,
        tenant: String,
        cfg: &Resolved,
    ) -> Result<ClientCertificate, Error> {
        let m = AuthMethod::ClientCertificate;
        let path = need(
            vars,
            "AZURE_CLIENT_CERTIFICATE_PATH",
            m,
            "a PEM file with the certificate and its private key",
        )?;
        let password = vars("AZURE_CLIENT_CERTIFICATE_PASSWORD");
        Ok(ClientCertificate {
            client_id: client_id(vars, m, cfg)?,
            certificate: Certificate::load(std::path::Path::new(&path), password.as_deref())?,
            tenant,
            authority: authority(vars)?,
        })
    }

    pub fn new(client_id: &str, tenant: &str, certificate: Certificate) -> ClientCertificate {
        ClientCertificate {
            client_id: client_id.into(),
            tenant: tenant.into(),
            authority: None,
            certificate,
        }
    }

    pub fn thumbprint(&self) -> String {
        self.certificate.thumbprint()
    }

    pub async fn get_token(
        &self,
        http: &Http,
        cfg: &Resolved,
        resource: Resource,
        claims: Option<&str>,
    ) -> Result<AccessToken, Error> {
        let url = token_url(cfg, self.authority.as_deref(), &self.tenant);
        let assertion = self
            .certificate
            .assertion(&self.client_id, &url, Utc::now())?;
        let form = vec![
            (
                "client_assertion_type".to_string(),
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_string(),
            ),
            (
                "client_assertion".to_string(),
                assertion.expose().to_string(),
            ),
        ];
        request(
            http,
            cfg,
            self.authority.as_deref(),
            &self.tenant,
            &self.client_id,
            resource,
            claims,
            form,
        )
        .await
    }
}

fn token_url(cfg: &Resolved, authority: Option<&str>, tenant: &str) -> String {
    match authority {
        Some(a) => format!("{a}/{tenant}/oauth2/v2.0/token"),
        None => cfg.endpoints.token_url(tenant),
    }
}

#[allow(clippy::too_many_arguments)]
async fn request(
    http: &Http,
    cfg: &Resolved,
    authority: Option<&str>,
    tenant: &str,
    client_id: &str,
    resource: Resource,
    claims: Option<&str>,
    mut form: Vec<(String, String)>,
) -> Result<AccessToken, Error> {
    let url = token_url(cfg, authority, tenant);
    let scope = format!(
        "{}/.default",
        resource_uri(cfg, resource).trim_end_matches('/')
    );
    form.extend([
        ("grant_type".to_string(), "client_credentials".to_string()),
        ("client_id".to_string(), client_id.to_string()),
        ("scope".to_string(), scope),
    ]);
    if let Some(c) = claims {
        // A claims challenge (CAE) goes to the token endpoint as is [DOC claims-challenge].
        form.push(("claims".to_string(), c.to_string()));
    }
    let req = Request {
        method: reqwest::Method::POST,
        url: &url,
        token: None,
        json: None,
        form: Some(&form),
        headers: &[],
        replayable: true,
    };
    let resp = http.send(&req).await?;
    let v = resp.json().unwrap_or(serde_json::Value::Null);
    if !resp.ok() {
        let err: EntraTokenError = serde_json::from_value(v).unwrap_or(EntraTokenError {
            error: format!("HTTP {}", resp.status),
            error_description: None,
            error_codes: vec![],
        });
        return Err(explain_token_error(&err, resp.status, client_id, tenant));
    }
    let token = v["access_token"]
        .as_str()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            Error::Network("the token endpoint answered without an access token".into())
        })?;
    let lifetime = v["expires_in"]
        .as_i64()
        .or_else(|| v["expires_in"].as_str().and_then(|s| s.parse().ok()))
        .unwrap_or(3600)
        .clamp(60, 24 * 3600);
    Ok(AccessToken {
        token: Secret::new(token),
        expires: Utc::now() + chrono::Duration::seconds(lifetime),
        tenant: Some(tenant.to_string()),
    })
}

/// Entra's refusal of a client-credentials request in plain words; the code stays `AADSTS…`.
pub fn explain_token_error(
    err: &EntraTokenError,
    status: u16,
    client_id: &str,
    tenant: &str,
) -> Error {
    let code = err.error_codes.first().copied();
    let said = err
        .error_description
        .as_deref()
        .and_then(|d| d.lines().next())
        .unwrap_or(&err.error)
        .to_string();
    let message = match code {
        Some(7000215) => "The client secret was refused (invalid client secret): AZURE_CLIENT_SECRET must be the secret's Value (not its Secret ID) of an unexpired secret of this app registration; create a new one under Certificates & secrets if needed".to_string(),
        Some(7000222) => "The client secret has expired: create a new one under the app registration's Certificates & secrets and set AZURE_CLIENT_SECRET".to_string(),
        Some(700016) => format!("There is no application {client_id} in tenant {tenant}: check AZURE_CLIENT_ID and AZURE_TENANT_ID"),
        Some(700027) | Some(700023) | Some(500511) => "The client assertion was refused: the certificate in AZURE_CLIENT_CERTIFICATE_PATH is not one registered on this app (upload its public part under Certificates & secrets), or its key does not match it".to_string(),
        Some(90002) | Some(900023) => format!("There is no tenant '{tenant}': check AZURE_TENANT_ID"),
        Some(7000218) => "The token endpoint wants a client secret or certificate: set AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH".to_string(),
        Some(70011) => "The application asked for a scope it cannot have: an app-only token takes {resource}/.default and the app roles an administrator granted".to_string(),
        _ => format!("The application could not sign in: {said}"),
    };
    Error::Service(Box::new(ServiceError {
        plane: None,
        status,
        code: code
            .map(|c| format!("AADSTS{c}"))
            .unwrap_or_else(|| err.error.clone()),
        message,
        rules: vec![],
        request_id: None,
        claims: None,
        explained: true,
    }))
}
