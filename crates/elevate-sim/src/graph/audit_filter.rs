//! The `$filter` grammar of `auditLogs/directoryAudits`: what reference §2.1 documents and
//! peers use, clauses joined by `and` (parenthesised or not), anything else a 400 naming the
//! clause. Parsing gives [`Clause`]s; [`Clause::matches`] tests one audit event.
//!
//! ```text
//! filter   = clause *( " and " clause )
//! clause   = "(" filter ")"
//!          / string-property " eq " quoted
//!          / "activityDateTime " ("eq" / "ge" / "le" / "gt" / "lt") " " time
//!          / "startswith(" starts-property "," quoted ")"
//!          / "targetResources/any(" v ":" v "/" ("id" / "displayName") " eq " quoted ")"
//! string-property = loggedByService / category / activityDisplayName / correlationId / id
//!          / initiatedBy/user/id / initiatedBy/user/displayName / initiatedBy/user/userPrincipalName
//!          / initiatedBy/app/appId / initiatedBy/app/displayName
//! starts-property = activityDisplayName / initiatedBy/user/displayName
//!          / initiatedBy/user/userPrincipalName
//! quoted   = "'" text "'"          ; '' inside is a quote
//! time     = RFC 3339, bare (as documented) or quoted
//! ```
//!
//! Names and operators are matched case-insensitively, and so are the string values.

use serde_json::Value;

use crate::http::Resp;
use crate::state::AuditEvent;
use crate::time::{parse_time, Time};

/// String properties `eq` accepts, with their JSON pointer in the record.
const EQ_PROPERTIES: [(&str, &str); 10] = [
    ("loggedByService", "/loggedByService"),
    ("category", "/category"),
    ("activityDisplayName", "/activityDisplayName"),
    ("correlationId", "/correlationId"),
    ("id", "/id"),
    ("initiatedBy/user/id", "/initiatedBy/user/id"),
    (
        "initiatedBy/user/displayName",
        "/initiatedBy/user/displayName",
    ),
    (
        "initiatedBy/user/userPrincipalName",
        "/initiatedBy/user/userPrincipalName",
    ),
    ("initiatedBy/app/appId", "/initiatedBy/app/appId"),
    (
        "initiatedBy/app/displayName",
        "/initiatedBy/app/displayName",
    ),
];

/// String properties `startswith` accepts.
const STARTS_PROPERTIES: [&str; 3] = [
    "activityDisplayName",
    "initiatedBy/user/displayName",
    "initiatedBy/user/userPrincipalName",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeOp {
    Eq,
    Ge,
    Le,
    Gt,
    Lt,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    /// A JSON pointer equals the value (case-insensitive).
    Eq(&'static str, String),
    /// A JSON pointer's value starts with the prefix (case-insensitive).
    StartsWith(&'static str, String),
    Time(TimeOp, Time),
    /// Some target resource's `id` (or `displayName`) equals the value.
    AnyTarget(&'static str, String),
}

impl Clause {
    pub fn matches(&self, e: &AuditEvent) -> bool {
        let text = |ptr: &str| e.record.pointer(ptr).and_then(Value::as_str);
        match self {
            Clause::Eq(ptr, want) => text(ptr).is_some_and(|v| v.eq_ignore_ascii_case(want)),
            Clause::StartsWith(ptr, prefix) => {
                text(ptr).is_some_and(|v| v.to_lowercase().starts_with(&prefix.to_lowercase()))
            }
            Clause::Time(op, t) => match op {
                TimeOp::Eq => e.at == *t,
                TimeOp::Ge => e.at >= *t,
                TimeOp::Le => e.at <= *t,
                TimeOp::Gt => e.at > *t,
                TimeOp::Lt => e.at < *t,
            },
            Clause::AnyTarget(field, want) => {
                e.record["targetResources"]
                    .as_array()
                    .is_some_and(|targets| {
                        targets.iter().any(|t| {
                            t[*field]
                                .as_str()
                                .is_some_and(|v| v.eq_ignore_ascii_case(want))
                        })
                    })
            }
        }
    }
}

fn unsupported(what: &str) -> Resp {
    Resp::graph_error(
        400,
        "BadRequest",
        &format!("Invalid filter clause: '{what}' is not supported on directoryAudits. Supported: eq on loggedByService, category, activityDisplayName, correlationId, id, initiatedBy/user/id|displayName|userPrincipalName, initiatedBy/app/appId|displayName; activityDateTime eq|ge|le|gt|lt; startswith(activityDisplayName,'...'); targetResources/any(t:t/id eq '...'); joined by 'and'."),
    )
}

/// Parses a `$filter` (None or blank: no clauses).
pub fn parse(filter: Option<&str>) -> Result<Vec<Clause>, Resp> {
    let mut out = vec![];
    if let Some(f) = filter.map(str::trim).filter(|f| !f.is_empty()) {
        parse_into(f, &mut out)?;
    }
    Ok(out)
}

fn parse_into(filter: &str, out: &mut Vec<Clause>) -> Result<(), Resp> {
    for part in split_top(filter)? {
        let part = part.trim();
        match unwrap_parens(part) {
            Some(inner) => parse_into(inner, out)?,
            None => out.push(clause(part)?),
        }
    }
    Ok(())
}

/// `( ... )` around the whole text: its inside.
fn unwrap_parens(s: &str) -> Option<&str> {
    let inner = s.strip_prefix('(')?.strip_suffix(')')?;
    let (mut depth, mut quoted) = (0i32, false);
    for c in inner.chars() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth -= 1;
                if depth < 0 {
                    return None;
                }
            }
            _ => {}
        }
    }
    (depth == 0).then_some(inner)
}

/// Splits on ` and ` outside quotes and parentheses; `or` and `not` there are refused.
fn split_top(filter: &str) -> Result<Vec<&str>, Resp> {
    let lower = filter.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let (mut parts, mut start, mut depth, mut quoted) = (vec![], 0usize, 0i32, false);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted => depth -= 1,
            _ if !quoted && depth == 0 => {
                let rest = &lower[i..];
                if rest.starts_with(" and ") {
                    parts.push(&filter[start..i]);
                    i += 5;
                    start = i;
                    continue;
                }
                if rest.starts_with(" or ") {
                    return Err(unsupported("or"));
                }
                if (i == 0 || bytes[i - 1] == b' ' || bytes[i - 1] == b'(')
                    && (rest.starts_with("not ") || rest.starts_with("not("))
                {
                    return Err(unsupported("not"));
                }
            }
            _ => {}
        }
        i += 1;
    }
    if quoted || depth != 0 {
        return Err(unsupported(filter));
    }
    parts.push(&filter[start..]);
    Ok(parts)
}

/// `'text'` with `''` for a quote.
fn quoted(s: &str) -> Option<String> {
    let inner = s.trim().strip_prefix('\'')?.strip_suffix('\'')?;
    let mut chars = inner.chars();
    let mut out = String::new();
    while let Some(c) = chars.next() {
        // A quote inside must be doubled.
        if c == '\'' && chars.next() != Some('\'') {
            return None;
        }
        out.push(c);
    }
    Some(out)
}

fn clause(text: &str) -> Result<Clause, Resp> {
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("startswith(") {
        return starts_with(text).ok_or_else(|| unsupported(text));
    }
    if lower.starts_with("targetresources/any(") {
        return any_target(text).ok_or_else(|| unsupported(text));
    }
    let mut words = text.splitn(3, char::is_whitespace);
    let (Some(prop), Some(op), Some(value)) = (words.next(), words.next(), words.next()) else {
        return Err(unsupported(text));
    };
    let op = op.to_ascii_lowercase();
    if prop.eq_ignore_ascii_case("activityDateTime") {
        let op = match op.as_str() {
            "eq" => TimeOp::Eq,
            "ge" => TimeOp::Ge,
            "le" => TimeOp::Le,
            "gt" => TimeOp::Gt,
            "lt" => TimeOp::Lt,
            _ => return Err(unsupported(text)),
        };
        let value = value.trim();
        let raw = quoted(value).unwrap_or_else(|| value.to_string());
        let t = parse_time(&raw).ok_or_else(|| {
            Resp::graph_error(
                400,
                "BadRequest",
                &format!("Invalid filter clause: '{raw}' is not an RFC 3339 date and time (e.g. 2026-11-01T00:00:00Z)."),
            )
        })?;
        return Ok(Clause::Time(op, t));
    }
    let Some((_, ptr)) = EQ_PROPERTIES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(prop))
    else {
        return Err(unsupported(text));
    };
    match (op.as_str(), quoted(value)) {
        ("eq", Some(v)) => Ok(Clause::Eq(ptr, v)),
        _ => Err(unsupported(text)),
    }
}

/// `startswith(activityDisplayName,'Add member')`.
fn starts_with(text: &str) -> Option<Clause> {
    let inner = text.get("startswith(".len()..)?.strip_suffix(')')?;
    let (prop, value) = inner.split_once(',')?;
    let name = STARTS_PROPERTIES
        .iter()
        .find(|p| p.eq_ignore_ascii_case(prop.trim()))?;
    let ptr = EQ_PROPERTIES.iter().find(|(n, _)| n == name)?.1;
    Some(Clause::StartsWith(ptr, quoted(value)?))
}

/// `targetResources/any(t:t/id eq 'x')` (any variable name, spaces allowed).
fn any_target(text: &str) -> Option<Clause> {
    let inner = text
        .get("targetresources/any(".len()..)?
        .strip_suffix(')')?;
    let (var, body) = inner.split_once(':')?;
    let var = var.trim();
    if var.is_empty() || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let body = body.trim();
    let rest = body.strip_prefix(var)?.strip_prefix('/')?;
    let mut words = rest.splitn(3, char::is_whitespace);
    let (field, op, value) = (words.next()?, words.next()?, words.next()?);
    if !op.eq_ignore_ascii_case("eq") {
        return None;
    }
    let field = match field.to_ascii_lowercase().as_str() {
        "id" => "id",
        "displayname" => "displayName",
        _ => return None,
    };
    Some(Clause::AnyTarget(field, quoted(value)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(f: &str) -> Vec<Clause> {
        parse(Some(f)).unwrap_or_else(|e| panic!("{f}: {:?}", e.body_json()))
    }

    #[test]
    fn the_documented_clauses_parse() {
        let c = ok("loggedByService eq 'PIM' and activityDateTime ge 2026-11-01T00:00:00Z and (category eq 'GroupManagement')");
        assert_eq!(c.len(), 3);
        assert_eq!(c[0], Clause::Eq("/loggedByService", "PIM".into()));
        assert!(matches!(c[1], Clause::Time(TimeOp::Ge, _)));
        assert_eq!(c[2], Clause::Eq("/category", "GroupManagement".into()));
        assert_eq!(
            ok("activityDateTime le '2026-11-01T00:00:00.5Z'").len(),
            1,
            "quoted times are accepted too"
        );
        assert_eq!(
            ok("startswith(activityDisplayName, 'Add member')"),
            vec![Clause::StartsWith(
                "/activityDisplayName",
                "Add member".into()
            )]
        );
        assert_eq!(
            ok("targetResources/any(x: x/id eq 'abc')"),
            vec![Clause::AnyTarget("id", "abc".into())]
        );
        assert_eq!(
            ok("initiatedBy/user/userPrincipalName eq 'o''brien@x'"),
            vec![Clause::Eq(
                "/initiatedBy/user/userPrincipalName",
                "o'brien@x".into()
            )]
        );
        assert_eq!(
            ok("activityDisplayName eq 'a and b'").len(),
            1,
            "'and' inside quotes is text"
        );
    }

    #[test]
    fn anything_else_is_refused_naming_it() {
        for f in [
            "result eq 'success'",
            "category eq 'A' or category eq 'B'",
            "not (category eq 'A')",
            "category ne 'A'",
            "contains(activityDisplayName,'role')",
            "targetResources/any(t:t/type eq 'Role')",
            "category eq 'unterminated",
            "activityDateTime ge yesterday",
        ] {
            let e = parse(Some(f)).expect_err(f);
            assert_eq!(e.status, 400, "{f}");
            let body = e.body_json();
            assert_eq!(body["error"]["code"], "BadRequest", "{f}");
            assert!(
                body["error"]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("not supported") || m.contains("RFC 3339")),
                "{f}: {body}"
            );
        }
    }
}
