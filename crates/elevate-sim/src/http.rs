//! Requests and responses as the simulator sees them, independent of the HTTP library, so
//! `$batch` can run inner requests through the same code as outer ones.

use serde_json::{json, Value};

#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    /// Percent-decoded path, without the query.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A query option, matching `$name` case-insensitively (OData allows `$FILTER`).
    pub fn q(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Result<Value, Resp> {
        if self.body.is_empty() {
            return Err(Resp::graph_error(
                400,
                "BadRequest",
                "A request body is required.",
            ));
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            Resp::graph_error(
                400,
                "BadRequest",
                &format!("The request body is not valid JSON: {e}"),
            )
        })
    }

    pub fn form(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(&self.body).into_owned().collect()
    }

    pub fn bearer(&self) -> Option<&str> {
        let value = self.header("authorization")?;
        let (scheme, token) = value.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then_some(token.trim())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(status: u16, value: &Value) -> Resp {
        Resp {
            status,
            headers: vec![(
                "content-type".into(),
                "application/json; odata.metadata=minimal".into(),
            )],
            body: serde_json::to_vec(value).unwrap_or_default(),
        }
    }

    pub fn empty(status: u16) -> Resp {
        Resp {
            status,
            headers: vec![],
            body: vec![],
        }
    }

    pub fn html(status: u16, html: String) -> Resp {
        Resp {
            status,
            headers: vec![("content-type".into(), "text/html; charset=utf-8".into())],
            body: html.into_bytes(),
        }
    }

    pub fn redirect(location: &str) -> Resp {
        Resp {
            status: 302,
            headers: vec![("location".into(), location.into())],
            body: vec![],
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Resp {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Graph's envelope: `{"error":{"code","message","innerError":{date, request-id, client-request-id}}}`.
    pub fn graph_error(status: u16, code: &str, message: &str) -> Resp {
        let request_id = uuid::Uuid::new_v4().to_string();
        Resp::json(
            status,
            &json!({"error": {"code": code, "message": message, "innerError": {
                "date": crate::time::fmt_time(chrono::Utc::now()),
                "request-id": request_id, "client-request-id": request_id}}}),
        )
        .with_header("request-id", &request_id)
    }

    /// ARM's CloudError: `{"error":{"code","message"}}`.
    pub fn arm_error(status: u16, code: &str, message: &str) -> Resp {
        Resp::json(
            status,
            &json!({"error": {"code": code, "message": message}}),
        )
        .with_header("x-ms-request-id", &uuid::Uuid::new_v4().to_string())
    }

    pub fn body_json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// A page of a collection, with the next link when more remain. `offset` comes from the
/// opaque skip token the previous page handed out.
pub fn page<T>(items: Vec<T>, offset: usize, size: usize) -> (Vec<T>, Option<usize>) {
    let size = size.max(1);
    let end = (offset + size).min(items.len());
    let next = (end < items.len()).then_some(end);
    (items.into_iter().skip(offset).take(size).collect(), next)
}

/// Skip tokens are opaque to clients (the contract says never to build them).
pub fn encode_token(offset: usize) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("skip:{offset}"))
}

pub fn decode_token(token: &str) -> Option<usize> {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("skip:")?
        .parse()
        .ok()
}

/// Builds a URL with the given query, percent-encoded.
pub fn url_with_query(base: &str, path: &str, query: &[(String, String)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in query {
        ser.append_pair(k, v);
    }
    let q = ser.finish();
    if q.is_empty() {
        format!("{base}{path}")
    } else {
        format!("{base}{path}?{q}")
    }
}

/// Keeps only the `$select`ed top-level properties (plus `@odata.*` and `id`).
pub fn select(mut item: Value, select: Option<&str>) -> Value {
    let Some(select) = select else { return item };
    let wanted: Vec<&str> = select
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if wanted.is_empty() {
        return item;
    }
    if let Value::Object(map) = &mut item {
        map.retain(|k, _| {
            k == "id" || k.starts_with('@') || wanted.iter().any(|w| w.eq_ignore_ascii_case(k))
        });
    }
    item
}

/// One `$expand` entry: `name` or `name($select=a,b;$expand=x)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Expand {
    pub name: String,
    pub select: Option<String>,
    pub expand: Option<String>,
}

pub fn parse_expand(value: Option<&str>) -> Vec<Expand> {
    let Some(value) = value else { return vec![] };
    // Split on commas that are not inside parentheses.
    let mut parts = vec![];
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in value.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&value[start..]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let p = p.trim();
            match p.split_once('(') {
                Some((name, rest)) => {
                    let inner = rest.strip_suffix(')').unwrap_or(rest);
                    let mut e = Expand {
                        name: name.trim().into(),
                        select: None,
                        expand: None,
                    };
                    for opt in split_options(inner) {
                        if let Some((k, v)) = opt.split_once('=') {
                            match k.trim().to_ascii_lowercase().as_str() {
                                "$select" => e.select = Some(v.trim().into()),
                                "$expand" => e.expand = Some(v.trim().into()),
                                _ => {}
                            }
                        }
                    }
                    e
                }
                None => Expand {
                    name: p.into(),
                    select: None,
                    expand: None,
                },
            }
        })
        .collect()
}

fn split_options(inner: &str) -> Vec<&str> {
    let mut out = vec![];
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in inner.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ';' if depth == 0 => {
                out.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&inner[start..]);
    out
}

/// `a eq 'x' and b eq 'y'` → [(a, x), (b, y)]; enough for the filters PIM requires.
pub fn parse_eq_filter(filter: &str) -> Option<Vec<(String, String)>> {
    let mut out = vec![];
    for clause in split_and(filter) {
        let clause = clause.trim().trim_start_matches('(').trim_end_matches(')');
        let lower = clause.to_ascii_lowercase();
        let idx = lower.find(" eq ")?;
        let key = clause[..idx].trim().to_string();
        let value = clause[idx + 4..].trim();
        let value = value
            .strip_prefix('\'')
            .and_then(|v| v.strip_suffix('\''))
            .unwrap_or(value);
        out.push((key, value.replace("''", "'")));
    }
    Some(out)
}

fn split_and(filter: &str) -> Vec<&str> {
    let lower = filter.to_ascii_lowercase();
    let mut out = vec![];
    let mut start = 0;
    let mut in_quote = false;
    let bytes = lower.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            in_quote = !in_quote;
        } else if !in_quote && lower[i..].starts_with(" and ") {
            out.push(&filter[start..i]);
            start = i + 5;
            i += 5;
            continue;
        }
        i += 1;
    }
    out.push(&filter[start..]);
    out
}

/// `id in ('a','b')` → [a, b].
pub fn parse_in_filter(filter: &str, field: &str) -> Option<Vec<String>> {
    let lower = filter.to_ascii_lowercase();
    let prefix = format!("{} in (", field.to_ascii_lowercase());
    let rest = filter.get(lower.find(&prefix)? + prefix.len()..)?;
    let list = rest.split(')').next()?;
    Some(
        list.split(',')
            .map(|v| v.trim().trim_matches('\'').to_string())
            .filter(|v| !v.is_empty())
            .collect(),
    )
}

pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expand_with_nested_options() {
        let e = parse_expand(Some("roleDefinition($select=id,displayName),principal"));
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].name, "roleDefinition");
        assert_eq!(e[0].select.as_deref(), Some("id,displayName"));
        assert_eq!(e[1].name, "principal");
        let p = parse_expand(Some("policy($expand=rules)"));
        assert_eq!(p[0].expand.as_deref(), Some("rules"));
    }

    #[test]
    fn filters() {
        let f = parse_eq_filter(
            "scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq 'x'",
        )
        .expect("f");
        assert_eq!(
            f,
            vec![
                ("scopeId".into(), "/".into()),
                ("scopeType".into(), "DirectoryRole".into()),
                ("roleDefinitionId".into(), "x".into())
            ]
        );
        assert_eq!(
            parse_in_filter("id in ('a', 'b')", "id"),
            Some(vec!["a".to_string(), "b".to_string()])
        );
        assert_eq!(decode_token(&encode_token(40)), Some(40));
        assert_eq!(decode_token("garbage"), None);
    }
}
