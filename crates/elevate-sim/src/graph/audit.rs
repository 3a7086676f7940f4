//! `GET /v1.0/auditLogs/directoryAudits` (and `/{id}`): the tenant's PIM audit events of
//! the last 30 days (reference §2.1), with `$filter` (grammar in `audit_filter`), `$orderby`
//! on `activityDateTime`, `$top`, `$select` and `@odata.nextLink` paging; and the directory
//! role the caller must hold to read them (the scopes are checked in `route`).

use serde_json::json;

use super::audit_filter::{self, Clause};
use super::common::Ctx;
use crate::http::{select, url_with_query, Resp};
use crate::state::{AuditEvent, Plane, Target, Tenant};

const CONTEXT: &str = "https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits";
/// The page size without `$top`, and the largest `$top` honoured [INF].
const MAX_PAGE: usize = 100;

/// Built-in roles that may read directory audits (template ids): Reports Reader, Security
/// Reader, Security Administrator "or higher" [DOC]; Global Reader and Global Administrator.
const READER_ROLES: [(&str, &str); 5] = [
    ("4a5d8f65-41da-4de4-8968-e035b65339cf", "Reports Reader"),
    ("5d6b6bb7-de71-4623-b4af-96380a352509", "Security Reader"),
    (
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
        "Security Administrator",
    ),
    ("f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Global Reader"),
    (
        "62e90394-69f5-4237-9190-012177145e10",
        "Global Administrator",
    ),
];

/// The caller holds one of [`READER_ROLES`] tenant-wide, assigned or activated, and the
/// access has propagated; else Graph's 403 [DOC message].
fn require_reader(t: &Tenant, me: &str) -> Result<(), Resp> {
    // An application reads with its app roles (checked at the route), not a directory role.
    if t.scenario.is_application(me) {
        return Ok(());
    }
    let reader = |role: &str| {
        READER_ROLES.iter().any(|(id, name)| {
            id.eq_ignore_ascii_case(role)
                || t.scenario.role_definitions.iter().any(|r| {
                    r.id.eq_ignore_ascii_case(role) && r.display_name.eq_ignore_ascii_case(name)
                })
        })
    };
    let holds = t.effective_of(me, Plane::Entra).any(|a| {
        matches!(&a.target, Target::Entra { role, dir_scope } if dir_scope == "/" && reader(role))
    });
    if holds {
        Ok(())
    } else {
        Err(Resp::graph_error(
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        ))
    }
}

/// `$orderby`: `activityDateTime` with `asc` (the OData default) or `desc`; without it,
/// newest first. True for descending.
fn descending(orderby: Option<&str>) -> Result<bool, Resp> {
    let Some(o) = orderby.map(str::trim).filter(|o| !o.is_empty()) else {
        return Ok(true);
    };
    let mut words = o.split_whitespace();
    let (field, dir, extra) = (words.next(), words.next(), words.next());
    match (field, dir.map(str::to_ascii_lowercase).as_deref(), extra) {
        (Some(f), None | Some("asc"), None) if f.eq_ignore_ascii_case("activityDateTime") => {
            Ok(false)
        }
        (Some(f), Some("desc"), None) if f.eq_ignore_ascii_case("activityDateTime") => Ok(true),
        _ => Err(Resp::graph_error(
            400,
            "BadRequest",
            &format!("$orderby '{o}' is not supported on directoryAudits: use 'activityDateTime desc' or 'activityDateTime asc'."),
        )),
    }
}

/// The skip token pins the page's offset and the log as it was on the first page (events
/// recorded later do not shift the pages).
fn encode_skip(offset: usize, mark: u64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("audit:{offset}:{mark}"))
}

fn decode_skip(token: &str) -> Option<(usize, u64)> {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (offset, mark) = text.strip_prefix("audit:")?.split_once(':')?;
    Some((offset.parse().ok()?, mark.parse().ok()?))
}

fn retained<'a>(t: &'a Tenant, mark: u64) -> impl Iterator<Item = &'a AuditEvent> + 'a {
    let (from, now) = (t.audit_retention_start(), t.now());
    t.audit
        .events()
        .filter(move |e| e.seq < mark && e.at >= from && e.at <= now)
}

pub(super) fn list(ctx: &Ctx, me: &str) -> Result<Resp, Resp> {
    let t = &*ctx.tenant;
    require_reader(t, me)?;
    let clauses: Vec<Clause> = audit_filter::parse(ctx.req.q("$filter"))?;
    let desc = descending(ctx.req.q("$orderby"))?;
    let (offset, mark) = match ctx.req.q("$skiptoken") {
        Some(tok) => decode_skip(tok)
            .ok_or_else(|| Resp::graph_error(400, "BadRequest", "The $skiptoken is not valid."))?,
        None => (0, t.audit.mark()),
    };
    let size = match ctx.req.q("$top") {
        None => MAX_PAGE,
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if n > 0 => n.min(MAX_PAGE),
            _ => {
                return Err(Resp::graph_error(
                    400,
                    "BadRequest",
                    &format!("Invalid $top value '{v}': a positive integer is expected."),
                ))
            }
        },
    }
    .min(t.settings.graph_page_size.max(1));
    let mut events: Vec<&AuditEvent> = retained(t, mark)
        .filter(|e| clauses.iter().all(|c| c.matches(e)))
        .collect();
    events.sort_by_key(|e| (e.at, e.seq));
    if desc {
        events.reverse();
    }
    let total = events.len();
    let page: Vec<_> = events
        .into_iter()
        .skip(offset)
        .take(size)
        .map(|e| select(e.record.clone(), ctx.req.q("$select")))
        .collect();
    let mut body = json!({"@odata.context": CONTEXT, "value": page});
    if offset + size < total {
        let mut query: Vec<(String, String)> = ctx
            .req
            .query
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("$skiptoken"))
            .cloned()
            .collect();
        query.push(("$skiptoken".into(), encode_skip(offset + size, mark)));
        body["@odata.nextLink"] = json!(url_with_query(ctx.base, &ctx.req.path, &query));
    }
    Ok(Resp::json(200, &body))
}

/// One record by id, within the retention window.
pub(super) fn get(ctx: &Ctx, me: &str, id: &str) -> Result<Resp, Resp> {
    let t = &*ctx.tenant;
    require_reader(t, me)?;
    let e = retained(t, t.audit.mark())
        .find(|e| {
            e.record["id"]
                .as_str()
                .is_some_and(|x| x.eq_ignore_ascii_case(id))
        })
        .ok_or_else(|| {
            Resp::graph_error(
                404,
                "Request_ResourceNotFound",
                &format!("Resource '{id}' does not exist."),
            )
        })?;
    let mut body = select(e.record.clone(), ctx.req.q("$select"));
    body["@odata.context"] = json!(format!("{CONTEXT}/$entity"));
    Ok(Resp::json(200, &body))
}
