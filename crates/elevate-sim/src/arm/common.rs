//! What every ARM handler shares: the request context, PIM errors in ARM's shape, scope
//! containment and existence, `asTarget()` checks, paging, and policy names.

use serde_json::{json, Value};

use crate::auth::TokenInfo;
use crate::http::{decode_token, encode_token, page, url_with_query, Req, Resp};
use crate::state::{PimError, Tenant};

pub struct Ctx<'a> {
    pub tenant: &'a mut Tenant,
    pub token: &'a TokenInfo,
    pub base: &'a str,
    pub req: &'a Req,
}

pub(super) fn pim_error(e: PimError) -> Resp {
    Resp::arm_error(e.status, &e.code, &e.message)
}

/// Ancestor-or-self, case-insensitively; management groups contain every subscription.
pub(super) fn covers(outer: &str, inner: &str) -> bool {
    // Byte-wise without allocating: a large tenant's listing calls this per item.
    let (o, i) = (outer.as_bytes(), inner.as_bytes());
    let starts = |s: &[u8], p: &[u8]| s.len() >= p.len() && s[..p.len()].eq_ignore_ascii_case(p);
    let contains = |s: &[u8], p: &[u8]| s.windows(p.len()).any(|w| w.eq_ignore_ascii_case(p));
    o.is_empty()
        || (starts(i, o) && (i.len() == o.len() || i[o.len()] == b'/'))
        || (contains(o, b"/managementgroups/") && starts(i, b"/subscriptions/"))
}

/// One page of `items`; only the page is rendered (a large tenant's listing would otherwise
/// spend its time building JSON it throws away, and that time would count in `make bench`).
pub(super) fn list<T>(ctx: &Ctx, items: Vec<T>, render: impl Fn(T) -> Value) -> Resp {
    let offset = match ctx.req.q("$skiptoken") {
        Some(tok) => match decode_token(tok) {
            Some(o) => o,
            None => {
                return Resp::arm_error(400, "InvalidSkipToken", "The $skiptoken is not valid.")
            }
        },
        None => 0,
    };
    let (items, next) = page(items, offset, ctx.tenant.settings.arm_page_size);
    let items: Vec<Value> = items.into_iter().map(render).collect();
    let mut body = json!({"value": items});
    if let Some(next) = next {
        let mut query: Vec<(String, String)> = ctx
            .req
            .query
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("$skiptoken"))
            .cloned()
            .collect();
        query.push(("$skiptoken".into(), encode_token(next)));
        body["nextLink"] = json!(url_with_query(ctx.base, &ctx.req.path, &query));
    }
    Resp::json(200, &body)
}

/// Listing needs `asTarget()` (or a filter on the caller) without read rights at the scope [OBS].
pub(super) fn check_as_target(ctx: &Ctx) -> Result<(), Resp> {
    let f = ctx
        .req
        .q("$filter")
        .unwrap_or_default()
        .to_ascii_lowercase()
        .replace(' ', "");
    let me = ctx.token.user.to_ascii_lowercase();
    if f == "astarget()"
        || f == format!("assignedto('{me}')")
        || f == format!("principalideq'{me}'")
        || f == "asrequestor()"
    {
        Ok(())
    } else {
        Err(Resp::arm_error(400, "InsufficientPermissions", &format!("The requestor {} does not have permissions for this request. Please use $filter=asTarget() to filter on the requestor's assignments.", ctx.token.user)))
    }
}

pub(super) fn known_scope(t: &Tenant, scope: &str) -> Result<(), Resp> {
    if scope.is_empty()
        || t.scenario
            .azure_scopes
            .iter()
            .any(|s| s.id.eq_ignore_ascii_case(scope) || covers(scope, &s.id))
    {
        return Ok(());
    }
    if scope.to_ascii_lowercase().starts_with("/subscriptions/") {
        let sub: String = scope.split('/').take(3).collect::<Vec<_>>().join("/");
        if !t
            .scenario
            .azure_scopes
            .iter()
            .any(|s| s.id.eq_ignore_ascii_case(&sub))
        {
            return Err(Resp::arm_error(
                404,
                "SubscriptionNotFound",
                &format!(
                    "The subscription '{}' could not be found.",
                    sub.trim_start_matches("/subscriptions/")
                ),
            ));
        }
    }
    Err(Resp::arm_error(
        404,
        "ResourceNotFound",
        &format!("The scope '{scope}' was not found."),
    ))
}

pub(super) fn policy_guid(scope: &str, role: &str) -> String {
    crate::scenario::guid(
        &format!(
            "armpolicy:{}:{}",
            scope.to_ascii_lowercase(),
            role.to_ascii_lowercase()
        ),
        0,
    )
}

#[cfg(test)]
mod tests {
    use super::covers;

    #[test]
    fn covers_is_ancestor_or_self_in_any_case() {
        let sub = "/subscriptions/S1";
        assert!(covers("", sub));
        assert!(covers(sub, "/subscriptions/s1"));
        assert!(covers(sub, "/SUBSCRIPTIONS/s1/resourceGroups/rg"));
        assert!(!covers(sub, "/subscriptions/s10"));
        assert!(!covers("/subscriptions/s1/resourceGroups/rg", sub));
        assert!(covers(
            "/providers/Microsoft.Management/managementGroups/mg",
            sub
        ));
        assert!(!covers("/", sub));
    }
}
