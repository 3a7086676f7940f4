//! What every Graph handler shares: the request context, PIM errors in Graph's shape,
//! OData paging of a collection, and looking up one of the caller's requests (or one the
//! caller approves).

use serde_json::{json, Value};

use crate::auth::TokenInfo;
use crate::http::{decode_token, encode_token, page, select, url_with_query, Req, Resp};
use crate::state::{PimError, Plane, Request, Tenant};

pub struct Ctx<'a> {
    pub tenant: &'a mut Tenant,
    pub token: &'a TokenInfo,
    /// `http://127.0.0.1:port/graph`, for next links.
    pub base: &'a str,
    pub req: &'a Req,
}

pub(super) fn pim_error(tenant: &Tenant, e: PimError) -> Resp {
    if tenant.settings.wrap_graph_errors {
        let inner = json!({"errorCode": e.code, "message": e.message, "instanceAnnotations": []});
        Resp::graph_error(e.status, "UnknownError", &inner.to_string())
    } else {
        Resp::graph_error(e.status, &e.code, &e.message)
    }
}

pub(super) fn collection(ctx: &Ctx, context: &str, items: Vec<Value>) -> Resp {
    let offset = match ctx.req.q("$skiptoken") {
        Some(t) => match decode_token(t) {
            Some(o) => o,
            None => return Resp::graph_error(400, "BadRequest", "The $skiptoken is not valid."),
        },
        None => 0,
    };
    let size = ctx
        .req
        .q("$top")
        .and_then(|t| t.parse().ok())
        .unwrap_or(ctx.tenant.settings.graph_page_size)
        .min(ctx.tenant.settings.graph_page_size.max(1));
    let selected = items
        .into_iter()
        .map(|i| select(i, ctx.req.q("$select")))
        .collect();
    let (items, next) = page(selected, offset, size);
    let mut body = json!({"@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#{context}"), "value": items});
    if let Some(next) = next {
        let mut query: Vec<(String, String)> = ctx
            .req
            .query
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("$skiptoken"))
            .cloned()
            .collect();
        query.push(("$skiptoken".into(), encode_token(next)));
        body["@odata.nextLink"] = json!(url_with_query(ctx.base, &ctx.req.path, &query));
    }
    Resp::json(200, &body)
}

/// One of the caller's requests by id (or one the caller approves), or Graph's 404.
pub(super) fn my_request<'a>(
    t: &'a Tenant,
    me: &'a str,
    plane: Plane,
    id: &str,
) -> Result<&'a Request, Resp> {
    t.requests
        .iter()
        .filter(|r| r.target.plane() == plane)
        .filter(|r| r.principal == me || t.approves(me, r))
        .find(|r| r.id.eq_ignore_ascii_case(id))
        .ok_or_else(|| {
            Resp::graph_error(
                404,
                "Request_ResourceNotFound",
                &format!("Resource '{id}' does not exist."),
            )
        })
}
