//! The Activity Log's `$filter`, which "is very restricted" [SPEC]: `eventTimestamp ge '…'
//! and eventTimestamp le '…'`, optionally with one of `resourceGroupName`, `resourceUri`,
//! `resourceProvider` or `correlationId` `eq '…'`; "No other syntax is allowed" (a 400
//! naming the rule).

use crate::http::Resp;
use crate::time::{parse_time, Time};

/// The rule, as a refusal names it.
pub(super) const RULE: &str = "The $filter is restricted to: eventTimestamp ge '<start>' and eventTimestamp le '<end>', optionally followed by exactly one of resourceGroupName, resourceUri, resourceProvider or correlationId eq '<value>'. No other syntax is allowed.";

/// A parsed filter: the time range and the one optional narrowing clause.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Filter {
    pub from: Time,
    pub to: Time,
    /// (field as documented, value).
    pub narrow: Option<(&'static str, String)>,
}

fn refuse(detail: &str) -> Resp {
    Resp::arm_error(400, "BadRequest", &format!("{detail} {RULE}"))
}

fn unquote(v: &str) -> Option<String> {
    let v = v.trim();
    v.strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .map(|v| v.replace("''", "'"))
}

/// Splits on ` and ` outside quotes.
fn split_and(filter: &str) -> Vec<String> {
    let mut out = vec![];
    let mut cur = String::new();
    let mut quoted = false;
    let chars: Vec<char> = filter.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            quoted = !quoted;
        }
        let rest: String = chars[i..chars.len().min(i + 5)].iter().collect();
        if !quoted && rest.eq_ignore_ascii_case(" and ") {
            out.push(std::mem::take(&mut cur));
            i += 5;
            continue;
        }
        cur.push(c);
        i += 1;
    }
    out.push(cur);
    out
}

pub(super) fn parse(filter: Option<&str>) -> Result<Filter, Resp> {
    let filter = filter
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .ok_or_else(|| refuse("The $filter parameter is required."))?;
    let (mut from, mut to, mut narrow) = (None, None, None);
    for clause in split_and(filter) {
        let words: Vec<&str> = clause.trim().splitn(3, ' ').collect();
        let [field, op, value] = words.as_slice() else {
            return Err(refuse(&format!(
                "The clause '{}' is not supported.",
                clause.trim()
            )));
        };
        let (field_l, op_l) = (field.to_ascii_lowercase(), op.to_ascii_lowercase());
        let bad = || refuse(&format!("The clause '{}' is not supported.", clause.trim()));
        match (field_l.as_str(), op_l.as_str()) {
            ("eventtimestamp", "ge" | "le") => {
                let text = unquote(value).unwrap_or_else(|| value.trim().to_string());
                let at = parse_time(&text).ok_or_else(|| {
                    refuse(&format!("'{text}' is not an ISO 8601 date and time."))
                })?;
                let slot = if op_l == "ge" { &mut from } else { &mut to };
                if slot.replace(at).is_some() {
                    return Err(bad());
                }
            }
            (_, "eq") => {
                let name = match field_l.as_str() {
                    "resourcegroupname" => "resourceGroupName",
                    "resourceuri" => "resourceUri",
                    "resourceprovider" => "resourceProvider",
                    "correlationid" => "correlationId",
                    _ => return Err(bad()),
                };
                let v = unquote(value).ok_or_else(bad)?;
                if narrow.replace((name, v)).is_some() {
                    return Err(refuse(
                        "Only one of resourceGroupName, resourceUri, resourceProvider or correlationId may be given.",
                    ));
                }
            }
            _ => return Err(bad()),
        }
    }
    let (Some(from), Some(to)) = (from, to) else {
        return Err(refuse(
            "Both eventTimestamp ge and eventTimestamp le are required.",
        ));
    };
    if to < from {
        return Err(refuse("The end of the time range is before its start."));
    }
    Ok(Filter { from, to, narrow })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RANGE: &str =
        "eventTimestamp ge '2026-11-01T00:00:00Z' and eventTimestamp le '2026-11-20T00:00:00Z'";

    #[test]
    fn the_documented_forms_parse() {
        let f = parse(Some(RANGE)).expect("range");
        assert_eq!(f.narrow, None);
        let with = format!("{RANGE} and resourceProvider eq 'Microsoft.Authorization'");
        let f = parse(Some(&with)).expect("provider");
        assert_eq!(
            f.narrow,
            Some(("resourceProvider", "Microsoft.Authorization".to_string()))
        );
    }

    #[test]
    fn anything_else_is_refused() {
        for f in [
            "",
            "eventTimestamp ge '2026-11-01T00:00:00Z'",
            &format!("{RANGE} and caller eq 'x'"),
            &format!("{RANGE} and resourceProvider ne 'x'"),
            &format!("{RANGE} and resourceProvider eq 'a' and correlationId eq 'b'"),
            &format!("{RANGE} or resourceProvider eq 'a'"),
            "eventTimestamp ge 'yesterday' and eventTimestamp le '2026-11-20T00:00:00Z'",
        ] {
            assert!(parse(Some(f)).is_err(), "{f}");
        }
    }
}
