//! `/authorize`: the authorization-code request (PKCE S256, loopback redirect, claims), the
//! sign-in page a person sees, and its error page.

use chrono::Duration;

use super::common::{append_query, is_loopback_redirect, parse_claims, random_token};
use super::grants::{Auth, Code, Session};
use crate::http::{html_escape, Req, Resp};
use crate::state::Tenant;

impl Auth {
    pub fn authorize(&mut self, tenant: &Tenant, req: &Req, form: bool) -> Resp {
        let params: Vec<(String, String)> = if form { req.form() } else { req.query.clone() };
        let p = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let client = p("client_id").unwrap_or_default();
        if client.is_empty()
            || (!tenant.scenario.clients.is_empty()
                && !tenant
                    .scenario
                    .clients
                    .iter()
                    .any(|c| c.id.eq_ignore_ascii_case(client)))
        {
            return error_page(
                700016,
                &format!(
                    "Application with identifier '{client}' was not found in the directory '{}'.",
                    tenant.scenario.tenant.display_name
                ),
            );
        }
        let redirect = p("redirect_uri").unwrap_or_default();
        if !is_loopback_redirect(redirect) {
            return error_page(50011, &format!("The redirect URI '{redirect}' specified in the request does not match the redirect URIs configured for the application (only http://localhost loopback is registered)."));
        }
        let state = p("state").unwrap_or_default();
        let fail = |error: &str, code: u32, desc: &str| {
            Resp::redirect(&append_query(
                redirect,
                &[
                    ("error", error),
                    ("error_description", &format!("AADSTS{code}: {desc}")),
                    ("state", state),
                ],
            ))
        };
        if p("response_type") != Some("code") {
            return fail(
                "unsupported_response_type",
                70005,
                "response_type must be 'code'.",
            );
        }
        let challenge = p("code_challenge").unwrap_or_default();
        if challenge.is_empty()
            || !p("code_challenge_method").is_some_and(|m| m.eq_ignore_ascii_case("S256"))
        {
            return fail(
                "invalid_request",
                9002325,
                "Proof Key for Code Exchange (S256) is required.",
            );
        }
        let (acrs, caps) = match parse_claims(p("claims")) {
            Ok(c) => c,
            Err(e) => return fail("invalid_request", 90014, &e),
        };
        let scopes: Vec<String> = p("scope")
            .unwrap_or_default()
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        // A person's decision arrives as the sign-in page's form; a test's through auto sign-in.
        let decision = if form {
            match p("decision") {
                Some("continue") => Some((
                    p("user").unwrap_or_default().to_string(),
                    p("mfa") == Some("on"),
                )),
                _ => {
                    return fail(
                        "access_denied",
                        65004,
                        "The user declined to consent to access the app.",
                    )
                }
            }
        } else if let Some(auto) = &tenant.settings.auto_sign_in {
            let user = p("login_hint")
                .and_then(|h| {
                    tenant
                        .scenario
                        .users
                        .iter()
                        .find(|u| u.user_principal_name.eq_ignore_ascii_case(h))
                })
                .map(|u| u.id.clone())
                .unwrap_or_else(|| auto.clone());
            Some((user, tenant.settings.auto_mfa))
        } else if p("prompt") == Some("none") {
            return fail(
                "login_required",
                50058,
                "A silent sign-in request was sent but no user is signed in.",
            );
        } else {
            None
        };
        let Some((user, mfa)) = decision else {
            return sign_in_page(tenant, &params, p("login_hint"), &scopes, &acrs);
        };
        let Some(user) = tenant.scenario.users.iter().find(|u| {
            u.id.eq_ignore_ascii_case(&user) || u.user_principal_name.eq_ignore_ascii_case(&user)
        }) else {
            return fail(
                "access_denied",
                50034,
                "The user account does not exist in this directory.",
            );
        };
        let code = random_token("code.");
        self.note_issued(&code);
        self.codes.insert(
            code.clone(),
            Code {
                session: Session {
                    user: user.id.clone(),
                    client: client.to_string(),
                    mfa,
                    acrs,
                    capabilities: caps,
                },
                redirect_uri: redirect.to_string(),
                challenge: challenge.to_string(),
                scopes,
                expires: tenant.now() + Duration::minutes(10),
                used: false,
            },
        );
        Resp::redirect(&append_query(
            redirect,
            &[
                ("code", &code),
                ("state", state),
                ("session_state", &uuid::Uuid::new_v4().to_string()),
            ],
        ))
    }
}

fn error_page(code: u32, message: &str) -> Resp {
    Resp::html(400, format!("<!doctype html><title>Sign in error</title><h1>Sorry, but we're having trouble signing you in.</h1><p>AADSTS{code}: {}</p>", html_escape(message)))
}

fn sign_in_page(
    tenant: &Tenant,
    params: &[(String, String)],
    hint: Option<&str>,
    scopes: &[String],
    acrs: &[String],
) -> Resp {
    let hidden: String = params
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "user" | "mfa" | "decision"))
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                html_escape(k),
                html_escape(v)
            )
        })
        .collect();
    let users: String = tenant
        .scenario
        .users
        .iter()
        .map(|u| {
            let checked = hint.is_some_and(|h| h.eq_ignore_ascii_case(&u.user_principal_name)) || (hint.is_none() && u.id == tenant.scenario.default_user);
            format!(
                "<label><input type=\"radio\" name=\"user\" value=\"{}\"{}> {} <small>{}</small></label><br>",
                html_escape(&u.id),
                if checked { " checked" } else { "" },
                html_escape(&u.display_name),
                html_escape(&u.user_principal_name)
            )
        })
        .collect();
    let scope_list: String = scopes
        .iter()
        .map(|s| format!("<li>{}</li>", html_escape(s)))
        .collect();
    let ac = if acrs.is_empty() {
        String::new()
    } else {
        format!(
            "<p>This sign-in satisfies authentication context <b>{}</b>.</p>",
            html_escape(&acrs.join(", "))
        )
    };
    Resp::html(200, format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign in to {tenant}</title>\
         <style>body{{font:15px system-ui,sans-serif;max-width:34em;margin:3em auto;padding:0 1em}}button{{font:inherit;padding:.4em 1.2em}}</style></head>\
         <body><h1>Sign in to {tenant}</h1><p>elevate-sim: a simulated Microsoft Entra tenant.</p>\
         <form method=\"post\">{hidden}<fieldset><legend>Pick an account</legend>{users}</fieldset>\
         <p><label><input type=\"checkbox\" name=\"mfa\" checked> Multi-factor authentication completed</label></p>{ac}\
         <p>The app asks for:</p><ul>{scope_list}</ul>\
         <button name=\"decision\" value=\"continue\" type=\"submit\">Accept and continue</button> \
         <button name=\"decision\" value=\"cancel\" type=\"submit\">Cancel</button></form></body></html>",
        tenant = html_escape(&tenant.scenario.tenant.display_name)
    ))
}
