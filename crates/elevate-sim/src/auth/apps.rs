//! Tokens for what is not a person at a browser: the client-credentials grant (a client
//! secret or a certificate-signed client assertion) [DOC v2-oauth2-client-creds-grant-flow],
//! the managed identity endpoints of IMDS (api-version 2018-02-01, `Metadata: true`) and App
//! Service (2019-08-01, `X-IDENTITY-HEADER`), both giving app-only tokens whose `roles` are the
//! app roles granted in the scenario; and a person's token for the `az` stand-in (Azure CLI's
//! first-party client, Graph limited to what that client is preauthorized for).

use chrono::Duration;
use serde_json::{json, Value};

use super::assertion;
use super::common::oauth_error;
use super::grants::Auth;
use super::scopes::{split_scope, Resource};
use crate::http::{Req, Resp};
use crate::state::Tenant;

/// Azure CLI's first-party client id.
pub const AZ_CLIENT: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/// `resource` (`https://management.azure.com/`, `https://graph.microsoft.com`) → Resource.
fn resource_of(resource: &str) -> Option<Resource> {
    let r = resource.trim();
    if r.is_empty() {
        return None;
    }
    split_scope(&format!("{}/.default", r.trim_end_matches('/'))).map(|(r, _)| r)
}

impl Auth {
    /// An app-only access token for `oid` (the service principal), with `roles` for Graph.
    fn app_token(
        &mut self,
        tenant: &Tenant,
        app_id: &str,
        oid: &str,
        resource: Resource,
        graph_roles: &[String],
    ) -> (String, i64) {
        let now = tenant.now();
        let lifetime = tenant.settings.token_lifetime;
        let exp = now + Duration::seconds(lifetime);
        let mut claims = json!({
            "aud": resource.audience(),
            "iss": format!("https://sts.windows.net/{}/", tenant.scenario.tenant.id),
            "iat": now.timestamp(), "nbf": now.timestamp(), "exp": exp.timestamp(),
            "tid": tenant.scenario.tenant.id, "oid": oid, "sub": oid,
            "appid": app_id, "idtyp": "app", "ver": "1.0",
        });
        if resource == Resource::Graph && !graph_roles.is_empty() {
            claims["roles"] = json!(graph_roles);
        }
        let token = self.sign(&claims);
        self.note_issued(&token);
        (token, exp.timestamp())
    }

    /// `grant_type=client_credentials` at `/token`.
    pub(super) fn client_credentials(&mut self, tenant: &Tenant, req: &Req) -> Resp {
        let form = req.form();
        let p = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let client = p("client_id").unwrap_or_default();
        let Some(app) = tenant
            .scenario
            .app_registrations
            .iter()
            .find(|a| a.app_id.eq_ignore_ascii_case(client))
            .cloned()
        else {
            return oauth_error(400, "unauthorized_client", 700016, &format!("Application with identifier '{client}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", tenant.scenario.tenant.display_name));
        };
        let scope = p("scope").unwrap_or_default();
        if !scope.trim().ends_with("/.default") || scope.trim().contains(' ') {
            return oauth_error(400, "invalid_scope", 1002012, &format!("The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."));
        }
        let Some((resource, _)) = split_scope(scope.trim()) else {
            return oauth_error(
                400,
                "invalid_scope",
                70011,
                "The provided value for the input parameter 'scope' is not valid.",
            );
        };
        match (p("client_secret"), p("client_assertion")) {
            (Some(secret), None) => {
                if !app.secrets.iter().any(|s| s == secret) {
                    return oauth_error(401, "invalid_client", 7000215, &format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.", app.app_id));
                }
            }
            (None, Some(a)) => {
                if p("client_assertion_type")
                    != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                {
                    return oauth_error(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_assertion_type'.");
                }
                if let Err((code, text)) =
                    assertion::verify(a, &app, &req.path, tenant.now().timestamp())
                {
                    return oauth_error(401, "invalid_client", code, &text);
                }
            }
            (Some(_), Some(_)) => {
                return oauth_error(400, "invalid_request", 90015, "Only one client credential may be presented: a client secret or a client assertion.")
            }
            (None, None) => {
                return oauth_error(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
            }
        }
        if let Some(c) = p("claims") {
            self.claims_seen.push(c.to_string());
        }
        let (token, _) = self.app_token(
            tenant,
            &app.app_id,
            &app.object_id,
            resource,
            &app.graph_roles,
        );
        let lifetime = tenant.settings.token_lifetime;
        Resp::json(
            200,
            &json!({"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token}),
        )
    }

    /// The IMDS (`appservice == false`) or App Service token endpoint.
    pub fn managed_identity(&mut self, tenant: &Tenant, req: &Req, appservice: bool) -> Resp {
        let err = |status: u16, error: &str, text: &str| {
            Resp::json(status, &json!({"error": error, "error_description": text}))
        };
        if appservice {
            if req.header("x-identity-header") != Some(self.identity_header.as_str()) {
                return Resp::json(
                    401,
                    &json!({"statusCode": 401, "message": "Unauthorized: the X-IDENTITY-HEADER header is missing or wrong."}),
                );
            }
            if req.q("api-version") != Some("2019-08-01") {
                return err(400, "invalid_request", "api-version must be 2019-08-01.");
            }
        } else {
            if req.header("metadata") != Some("true") {
                return err(
                    400,
                    "invalid_request",
                    "Required metadata header not specified",
                );
            }
            if req.q("api-version") != Some("2018-02-01") {
                return err(
                    400,
                    "invalid_request",
                    "Invalid or missing api-version (2018-02-01).",
                );
            }
        }
        let Some(resource) = req.q("resource").and_then(resource_of) else {
            return err(
                400,
                "invalid_resource",
                "AADSTS500011: The resource principal named was not found in the tenant.",
            );
        };
        let wanted = req.q("client_id");
        let mi = tenant
            .scenario
            .managed_identities
            .iter()
            .find(|m| match &wanted {
                Some(c) => m.client_id.eq_ignore_ascii_case(c),
                None => m.system_assigned,
            })
            .cloned();
        let Some(mi) = mi else {
            return err(400, "invalid_request", "Identity not found");
        };
        let (token, exp) = self.app_token(
            tenant,
            &mi.client_id,
            &mi.object_id,
            resource,
            &mi.graph_roles,
        );
        let lifetime = tenant.settings.token_lifetime;
        let resource_uri = resource.audience();
        Resp::json(
            200,
            &if appservice {
                json!({"access_token": token, "expires_on": exp.to_string(), "resource": resource_uri, "token_type": "Bearer", "client_id": mi.client_id})
            } else {
                json!({"access_token": token, "client_id": mi.client_id, "expires_in": lifetime.to_string(), "expires_on": exp.to_string(),
                       "ext_expires_in": lifetime.to_string(), "not_before": tenant.now().timestamp().to_string(), "resource": resource_uri, "token_type": "Bearer"})
            },
        )
    }

    /// A person's token as `az account get-access-token --resource R` gets it (Azure CLI's
    /// client): ARM with `user_impersonation`, Graph only `User.Read` (Azure CLI is not
    /// preauthorized for the PIM scopes [OBS azure-cli#22775]).
    pub fn az_token(&mut self, tenant: &Tenant, user: &str, resource: &str) -> Result<Value, Resp> {
        let Some(resource) = resource_of(resource) else {
            return Err(Resp::json(400, &json!({"error": "resource is required"})));
        };
        let Some(u) = tenant.user(user).or_else(|| {
            tenant
                .scenario
                .users
                .iter()
                .find(|x| x.user_principal_name.eq_ignore_ascii_case(user))
        }) else {
            return Err(Resp::json(
                404,
                &json!({"error": format!("no user {user}")}),
            ));
        };
        let now = tenant.now();
        let exp = now + Duration::seconds(tenant.settings.token_lifetime);
        let scp = match resource {
            Resource::Graph => "User.Read",
            Resource::Arm => "user_impersonation",
        };
        let claims = json!({
            "aud": resource.audience(),
            "iss": format!("https://sts.windows.net/{}/", tenant.scenario.tenant.id),
            "iat": now.timestamp(), "nbf": now.timestamp(), "exp": exp.timestamp(),
            "tid": tenant.scenario.tenant.id, "oid": u.id, "sub": u.id,
            "name": u.display_name, "upn": u.user_principal_name,
            "appid": AZ_CLIENT, "scp": scp,
            "amr": if tenant.settings.auto_mfa { json!(["pwd", "mfa"]) } else { json!(["pwd"]) },
            "ver": "1.0",
        });
        let token = self.sign(&claims);
        self.note_issued(&token);
        Ok(
            json!({"accessToken": token, "expiresOn": exp.timestamp(), "tenant": tenant.scenario.tenant.id}),
        )
    }
}
