//! Helpers shared by the sign-in endpoints: random opaque tokens, the documented OAuth
//! error body, loopback redirect checks, query building and the `claims` parameter.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use serde_json::{json, Value};

use crate::http::Resp;

pub(super) fn random_token(prefix: &str) -> String {
    let bytes: [u8; 24] = rand::random();
    format!("{prefix}{}", B64.encode(bytes))
}

/// The documented token-endpoint error body. Clients branch on `error`, never the text.
pub fn oauth_error(status: u16, error: &str, code: u32, description: &str) -> Resp {
    let trace = uuid::Uuid::new_v4().to_string();
    let corr = uuid::Uuid::new_v4().to_string();
    let now = chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
    Resp::json(
        status,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {description}\r\nTrace ID: {trace}\r\nCorrelation ID: {corr}\r\nTimestamp: {now}"),
            "error_codes": [code],
            "timestamp": now,
            "trace_id": trace,
            "correlation_id": corr,
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
        }),
    )
}

pub(super) fn is_loopback_redirect(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("http://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host
        .rsplit_once(':')
        .map(|(h, p)| {
            if p.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                host
            }
        })
        .unwrap_or(host);
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

pub(super) fn append_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{}", ser.finish())
}

/// The `acrs` values and client capabilities requested in a `claims` JSON parameter.
pub(super) fn parse_claims(claims: Option<&str>) -> Result<(Vec<String>, Vec<String>), String> {
    let Some(claims) = claims.filter(|c| !c.trim().is_empty()) else {
        return Ok((vec![], vec![]));
    };
    let v: Value = serde_json::from_str(claims)
        .map_err(|e| format!("the claims parameter is not valid JSON: {e}"))?;
    let at = &v["access_token"];
    let mut acrs = vec![];
    match &at["acrs"] {
        Value::Object(o) => {
            if let Some(s) = o.get("value").and_then(Value::as_str) {
                acrs.push(s.to_string());
            }
            if let Some(list) = o.get("values").and_then(Value::as_array) {
                acrs.extend(list.iter().filter_map(Value::as_str).map(str::to_string));
            }
        }
        Value::Null => {}
        _ => return Err("claims.access_token.acrs must be an object".into()),
    }
    let caps = at["xms_cc"]["values"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Ok((acrs, caps))
}
