//! Graph beta `identityGovernance/roleManagementAlerts` (governance §3.1), read-only: the
//! alerts (the list requires `$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'`),
//! one alert, `$expand` of `alertDefinition`, `alertConfiguration`, `alertIncidents` (or
//! `*`), an alert's incidents, the definitions and configurations (optionally filtered on
//! `scopeId`/`scopeType` with `eq`/`ne`), paged by `@odata.nextLink`; and who may read
//! them (the scopes are checked in `route`).

use serde_json::{json, Value};

use super::alert_catalog::{
    alert_id, configuration_json, definition_json, find, Definition, DEFINITIONS,
};
use super::alert_incidents::incidents;
use super::common::Ctx;
use crate::http::{decode_token, encode_token, page, parse_expand, select, url_with_query, Resp};
use crate::state::{Plane, Target, Tenant};
use crate::time::fmt_time;

const META: &str =
    "https://graph.microsoft.com/beta/$metadata#identityGovernance/roleManagementAlerts";

/// Who may read alerts: "only Global Administrator, Privileged Role Administrator, Global
/// Reader, Security Administrator and Security Reader" [DOC], active (assigned or
/// activated) at the tenant.
const READERS: [(&str, &str); 5] = [
    (
        "62e90394-69f5-4237-9190-012177145e10",
        "Global Administrator",
    ),
    (
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "Privileged Role Administrator",
    ),
    ("f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Global Reader"),
    (
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
        "Security Administrator",
    ),
    ("5d6b6bb7-de71-4623-b4af-96380a352509", "Security Reader"),
];

fn require_reader(t: &Tenant, me: &str) -> Result<(), Resp> {
    // An application reads with its app roles (checked at the route), not a directory role.
    if t.scenario.is_application(me) {
        return Ok(());
    }
    let reader = |role: &str| {
        READERS.iter().any(|(id, name)| {
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

fn bad(message: &str) -> Resp {
    Resp::graph_error(400, "BadRequest", message)
}

/// `$filter` clauses `field eq|ne 'value'` joined by `and`: (field, equal, value).
fn clauses(filter: &str) -> Option<Vec<(String, bool, String)>> {
    let mut out = vec![];
    for c in filter.split(" and ").flat_map(|c| c.split(" AND ")) {
        let c = c
            .trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .trim();
        let mut words = c.splitn(3, ' ');
        let (field, op, value) = (words.next()?, words.next()?, words.next()?);
        let equal = match op.to_ascii_lowercase().as_str() {
            "eq" => true,
            "ne" => false,
            _ => return None,
        };
        let value = value.trim().strip_prefix('\'')?.strip_suffix('\'')?;
        out.push((field.to_string(), equal, value.replace("''", "'")));
    }
    Some(out)
}

/// The alerts' mandatory filter: exactly `scopeId eq '/'` and `scopeType eq
/// 'DirectoryRole'`; anything else is the documented 400.
fn check_scope_filter(filter: Option<&str>) -> Result<(), Resp> {
    const RULE: &str = "The $filter must be scopeId eq '/' and scopeType eq 'DirectoryRole': alerts are listed per scope.";
    let parsed = filter.and_then(clauses).ok_or_else(|| bad(RULE))?;
    let get = |k: &str| {
        parsed
            .iter()
            .find(|(f, eq, _)| *eq && f.eq_ignore_ascii_case(k))
    };
    let ok = parsed.len() == 2
        && get("scopeId").is_some_and(|(_, _, v)| v == "/")
        && get("scopeType").is_some_and(|(_, _, v)| v.eq_ignore_ascii_case("DirectoryRole"));
    if ok {
        Ok(())
    } else {
        Err(bad(RULE))
    }
}

/// The optional `scopeId`/`scopeType` filter of definitions and configurations.
fn matches_scope(filter: Option<&str>, item: &Value) -> Result<bool, Resp> {
    let Some(f) = filter else { return Ok(true) };
    let parsed = clauses(f).ok_or_else(|| {
        bad("Invalid $filter: use scopeId or scopeType with eq or ne, joined by and.")
    })?;
    let mut keep = true;
    for (field, equal, value) in parsed {
        let key = match field.to_ascii_lowercase().as_str() {
            "scopeid" => "scopeId",
            "scopetype" => "scopeType",
            _ => {
                return Err(bad(&format!(
                    "The property '{field}' cannot be used in $filter."
                )))
            }
        };
        let same = item[key]
            .as_str()
            .is_some_and(|x| x.eq_ignore_ascii_case(&value));
        keep &= same == equal;
    }
    Ok(keep)
}

/// Which navigation properties `$expand` asks for: (definition, configuration, incidents).
fn expansions(ctx: &Ctx) -> Result<(bool, bool, bool), Resp> {
    let mut out = (false, false, false);
    for e in parse_expand(ctx.req.q("$expand")) {
        match e.name.to_ascii_lowercase().as_str() {
            "*" => out = (true, true, true),
            "alertdefinition" => out.0 = true,
            "alertconfiguration" => out.1 = true,
            "alertincidents" => out.2 = true,
            _ => {
                return Err(bad(&format!(
                    "Could not find a property named '{}' on type 'microsoft.graph.unifiedRoleManagementAlert'.",
                    e.name
                )))
            }
        }
    }
    Ok(out)
}

/// One alert, its incidents computed now, with what `$expand` asks for.
fn alert_json(ctx: &Ctx, d: &Definition, expand: (bool, bool, bool)) -> Value {
    let t = &*ctx.tenant;
    let tenant = &t.scenario.tenant.id;
    let found = incidents(t, d);
    let id = alert_id(tenant, d.name);
    let mut v = json!({"id": id, "alertDefinitionId": id, "scopeId": "/", "scopeType": "DirectoryRole",
        "incidentCount": found.len(), "isActive": !found.is_empty(),
        "lastModifiedDateTime": "0001-01-01T08:00:00Z", "lastScannedDateTime": fmt_time(t.now())});
    if expand.0 {
        v["alertDefinition"] = definition_json(tenant, d);
    }
    if expand.1 {
        v["alertConfiguration"] = configuration_json(tenant, d);
    }
    if expand.2 {
        v["alertIncidents"] = json!(found);
    }
    v
}

/// A beta collection, paged like the other lists (`$top`, opaque `$skiptoken`).
fn collection(ctx: &Ctx, context: &str, items: Vec<Value>) -> Resp {
    let offset = match ctx.req.q("$skiptoken") {
        Some(t) => match decode_token(t) {
            Some(o) => o,
            None => return bad("The $skiptoken is not valid."),
        },
        None => 0,
    };
    let max = ctx.tenant.settings.graph_page_size.max(1);
    let size = ctx
        .req
        .q("$top")
        .and_then(|t| t.parse().ok())
        .unwrap_or(max)
        .min(max);
    let selected = items
        .into_iter()
        .map(|i| select(i, ctx.req.q("$select")))
        .collect();
    let (items, next) = page(selected, offset, size);
    let mut body = json!({"@odata.context": format!("{META}/{context}"), "value": items});
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

fn not_found(id: &str) -> Resp {
    Resp::graph_error(
        404,
        "Request_ResourceNotFound",
        &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
    )
}

/// `GET …/alerts?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'`.
pub(super) fn list(ctx: &Ctx, me: &str) -> Result<Resp, Resp> {
    require_reader(ctx.tenant, me)?;
    check_scope_filter(ctx.req.q("$filter"))?;
    let expand = expansions(ctx)?;
    let items = DEFINITIONS
        .iter()
        .map(|d| alert_json(ctx, d, expand))
        .collect();
    Ok(collection(ctx, "alerts", items))
}

/// `GET …/alerts/{id}` (with `$expand`).
pub(super) fn get(ctx: &Ctx, me: &str, id: &str) -> Result<Resp, Resp> {
    require_reader(ctx.tenant, me)?;
    let expand = expansions(ctx)?;
    let d = find(&ctx.tenant.scenario.tenant.id, id).ok_or_else(|| not_found(id))?;
    let mut v = select(alert_json(ctx, d, expand), ctx.req.q("$select"));
    v["@odata.context"] = json!(format!("{META}/alerts/$entity"));
    Ok(Resp::json(200, &v))
}

/// `GET …/alerts/{id}/alertIncidents`: polymorphic by `@odata.type`.
pub(super) fn incidents_of(ctx: &Ctx, me: &str, id: &str) -> Result<Resp, Resp> {
    require_reader(ctx.tenant, me)?;
    let d = find(&ctx.tenant.scenario.tenant.id, id).ok_or_else(|| not_found(id))?;
    let items = incidents(ctx.tenant, d);
    let full = alert_id(&ctx.tenant.scenario.tenant.id, d.name);
    Ok(collection(
        ctx,
        &format!("alerts('{full}')/alertIncidents"),
        items,
    ))
}

/// `GET …/alertDefinitions` (or one by id).
pub(super) fn definitions(ctx: &Ctx, me: &str, id: Option<&String>) -> Result<Resp, Resp> {
    listed(ctx, me, id, "alertDefinitions", definition_json)
}

/// `GET …/alertConfigurations` (or one by id).
pub(super) fn configurations(ctx: &Ctx, me: &str, id: Option<&String>) -> Result<Resp, Resp> {
    listed(ctx, me, id, "alertConfigurations", configuration_json)
}

fn listed(
    ctx: &Ctx,
    me: &str,
    id: Option<&String>,
    set: &str,
    render: fn(&str, &Definition) -> Value,
) -> Result<Resp, Resp> {
    require_reader(ctx.tenant, me)?;
    let tenant = ctx.tenant.scenario.tenant.id.clone();
    if let Some(id) = id {
        let d = find(&tenant, id).ok_or_else(|| not_found(id))?;
        let mut v = select(render(&tenant, d), ctx.req.q("$select"));
        v["@odata.context"] = json!(format!("{META}/{set}/$entity"));
        return Ok(Resp::json(200, &v));
    }
    let filter = ctx.req.q("$filter");
    let mut items = vec![];
    for d in &DEFINITIONS {
        let v = render(&tenant, d);
        if matches_scope(filter, &v)? {
            items.push(v);
        }
    }
    Ok(collection(ctx, set, items))
}
