//! `/users` for clients that resolve a person by UPN, object id or display name:
//! `GET /users` with `$filter` (`eq` on `id`, `userPrincipalName`, `mail`, `displayName`;
//! `startswith(displayName|userPrincipalName|mail,'…')`; clauses joined by `or`), `$select`,
//! `$top`, and `GET /users/{id or userPrincipalName}`; `signInActivity` only when `$select`
//! names it [DOC], and then only with `AuditLog.Read.All` in the token.

use serde_json::{json, Value};

use super::common::{collection, Ctx};
use super::route::scope_not_granted;
use crate::http::{select, Resp};
use crate::scenario::User;
use crate::time::fmt_time;

/// `$select` names `signInActivity`: the token must carry `AuditLog.Read.All` (else the
/// wrapped 403 of a missing scope) [DOC: "returned only on $select"; the scope INF].
fn wants_sign_ins(ctx: &Ctx) -> Result<bool, Resp> {
    let wanted = ctx.req.q("$select").is_some_and(|s| {
        s.split(',')
            .any(|f| f.trim().eq_ignore_ascii_case("signInActivity"))
    });
    if wanted
        && !ctx
            .token
            .scopes
            .iter()
            .any(|s| s.eq_ignore_ascii_case("AuditLog.Read.All"))
    {
        return Err(scope_not_granted("AuditLog.Read.All"));
    }
    Ok(wanted)
}

/// Adds `signInActivity` (null when the user never signed in).
fn with_sign_ins(ctx: &Ctx, u: &User, mut v: Value) -> Value {
    v["signInActivity"] = match ctx.tenant.last_sign_in(&u.id) {
        Some(at) => {
            json!({"lastSignInDateTime": fmt_time(at), "lastSignInRequestId": null,
            "lastNonInteractiveSignInDateTime": fmt_time(at), "lastNonInteractiveSignInRequestId": null,
            "lastSuccessfulSignInDateTime": fmt_time(at), "lastSuccessfulSignInRequestId": null})
        }
        None => Value::Null,
    };
    v
}

/// The default property set Graph returns for a user.
fn user_json(u: &User) -> Value {
    json!({"businessPhones": [], "displayName": u.display_name, "givenName": null, "jobTitle": null,
        "mail": u.user_principal_name, "mobilePhone": null, "officeLocation": null, "preferredLanguage": null,
        "surname": null, "userPrincipalName": u.user_principal_name, "id": u.id})
}

fn unsupported(clause: &str) -> Resp {
    Resp::graph_error(
        400,
        "Request_UnsupportedQuery",
        &format!("Unsupported or invalid query filter clause specified: '{clause}'."),
    )
}

fn unquote(v: &str) -> Option<String> {
    let v = v.trim();
    v.strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .map(|v| v.replace("''", "'"))
}

/// One clause as (field, value, prefix match).
fn clause(c: &str) -> Option<(String, String, bool)> {
    let c = c.trim();
    let lower = c.to_ascii_lowercase();
    if let Some(args) = lower
        .strip_prefix("startswith(")
        .and_then(|_| c[11..].strip_suffix(')'))
    {
        let (field, value) = args.split_once(',')?;
        return Some((field.trim().to_string(), unquote(value)?, true));
    }
    let idx = lower.find(" eq ")?;
    Some((c[..idx].trim().to_string(), unquote(&c[idx + 4..])?, false))
}

fn field_of<'a>(u: &'a User, field: &str) -> Option<&'a str> {
    Some(match field.to_ascii_lowercase().as_str() {
        "id" => &u.id,
        "userprincipalname" | "mail" => &u.user_principal_name,
        "displayname" => &u.display_name,
        _ => return None,
    })
}

/// `GET /users`.
pub(super) fn list(ctx: &Ctx) -> Result<Resp, Resp> {
    let sign_ins = wants_sign_ins(ctx)?;
    let users = &ctx.tenant.scenario.users;
    let mut keep: Vec<&User> = users.iter().collect();
    if let Some(f) = ctx.req.q("$filter") {
        let mut clauses = vec![];
        for c in f.split(" or ") {
            let parsed = clause(c).ok_or_else(|| unsupported(c))?;
            if users
                .first()
                .is_some_and(|u| field_of(u, &parsed.0).is_none())
            {
                return Err(unsupported(c));
            }
            clauses.push(parsed);
        }
        keep.retain(|u| {
            clauses.iter().any(|(field, value, prefix)| {
                let have = field_of(u, field).unwrap_or_default().to_ascii_lowercase();
                let want = value.to_ascii_lowercase();
                if *prefix {
                    have.starts_with(&want)
                } else {
                    have == want
                }
            })
        });
    }
    let items = keep
        .into_iter()
        .map(|u| match sign_ins {
            true => with_sign_ins(ctx, u, user_json(u)),
            false => user_json(u),
        })
        .collect();
    Ok(collection(ctx, "users", items))
}

/// `GET /users/{id or userPrincipalName}`.
pub(super) fn get(ctx: &Ctx, id: &str) -> Result<Resp, Resp> {
    let sign_ins = wants_sign_ins(ctx)?;
    let id = percent_encoding::percent_decode_str(id).decode_utf8_lossy();
    let u = ctx
        .tenant
        .scenario
        .users
        .iter()
        .find(|u| u.id.eq_ignore_ascii_case(&id) || u.user_principal_name.eq_ignore_ascii_case(&id))
        .ok_or_else(|| {
            Resp::graph_error(
                404,
                "Request_ResourceNotFound",
                &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
            )
        })?;
    let mut v = user_json(u);
    if sign_ins {
        v = with_sign_ins(ctx, u, v);
    }
    v["@odata.context"] = json!("https://graph.microsoft.com/v1.0/$metadata#users/$entity");
    Ok(Resp::json(200, &select(v, ctx.req.q("$select"))))
}
