//! Policy rules (Graph `rules`, ARM `effectiveRules`) → [`PolicySummary`], and durations.

use chrono::Duration;
use serde_json::Value;

use crate::error::Error;
use crate::model::PolicySummary;

fn is(rule: &Value, id: &str) -> bool {
    rule["id"]
        .as_str()
        .is_some_and(|r| r.eq_ignore_ascii_case(id))
}

/// Reads the end-user assignment rules; Graph and ARM share rule ids.
pub fn summarize(rules: &[Value]) -> PolicySummary {
    let mut p = PolicySummary::default();
    for rule in rules {
        if is(rule, "Expiration_EndUser_Assignment") {
            p.max_duration = rule["maximumDuration"].as_str().map(str::to_string);
        } else if is(rule, "Enablement_EndUser_Assignment") {
            for r in rule["enabledRules"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                match r.to_ascii_lowercase().as_str() {
                    "justification" => p.justification = true,
                    "ticketing" => p.ticket = true,
                    "multifactorauthentication" => p.mfa = true,
                    _ => {}
                }
            }
        } else if is(rule, "Approval_EndUser_Assignment") {
            p.approval = rule["setting"]["isApprovalRequired"]
                .as_bool()
                .unwrap_or(false);
            p.approver_justification = rule["setting"]["approvalStages"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|st| st["isApproverJustificationRequired"].as_bool() == Some(true));
        } else if is(rule, "AuthenticationContext_EndUser_Assignment")
            && rule["isEnabled"].as_bool().unwrap_or(false)
        {
            p.auth_context = rule["claimValue"]
                .as_str()
                .filter(|c| !c.is_empty())
                .map(str::to_string);
        }
    }
    p
}

/// The longest duration Elevate reads: ten years. Policies and schedules stay far below it;
/// anything longer is a typo or hostile input, refused rather than overflowing.
pub const MAX_DURATION_DAYS: i64 = 3650;

/// Parses ISO-8601 (`PT8H`, `P1D`, `PT1H30M`) and the short forms people type
/// (`90m`, `2h`, `1h30m`, `45min`), up to [`MAX_DURATION_DAYS`]. Never panics.
pub fn parse_duration(text: &str) -> Result<Duration, Error> {
    let max_secs = MAX_DURATION_DAYS * 86_400;
    let too_long = || {
        Error::InvalidInput(format!(
            "'{}' is longer than the longest duration Elevate accepts ({MAX_DURATION_DAYS} days).",
            text.trim()
        ))
    };
    let t = text.trim();
    let bad = || {
        Error::InvalidInput(format!(
            "'{text}' is not a duration: use 90m, 2h, 1h30m or ISO-8601 like PT2H"
        ))
    };
    let upper = t.to_ascii_uppercase();
    if let Some(rest) = upper.strip_prefix('P') {
        let (days, time) = match rest.split_once('T') {
            Some((d, t)) => (d, t),
            None => (rest, ""),
        };
        let mut secs = 0f64;
        let mut any = false;
        let mut take = |part: &str, units: &[(char, f64)]| -> Result<(), Error> {
            let mut num = String::new();
            for c in part.chars() {
                if c.is_ascii_digit() || c == '.' {
                    num.push(c);
                } else {
                    let (_, mult) = units.iter().find(|(u, _)| *u == c).ok_or_else(bad)?;
                    secs += num.parse::<f64>().map_err(|_| bad())? * mult;
                    num.clear();
                    any = true;
                }
            }
            if num.is_empty() {
                Ok(())
            } else {
                Err(bad())
            }
        };
        take(days, &[('W', 604_800.0), ('D', 86_400.0)])?;
        take(time, &[('H', 3600.0), ('M', 60.0), ('S', 1.0)])?;
        if !any {
            return Err(bad());
        }
        if !secs.is_finite() || secs > max_secs as f64 {
            return Err(too_long());
        }
        return Ok(Duration::seconds(secs.round() as i64));
    }
    let lower = t.to_ascii_lowercase().replace(' ', "");
    let mut secs = 0i64;
    let mut num = String::new();
    let mut chars = lower.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let mut unit = c.to_string();
        while let Some(n) = chars.peek().filter(|n| n.is_ascii_alphabetic()) {
            unit.push(*n);
            chars.next();
        }
        let mult = match unit.as_str() {
            "d" | "day" | "days" => 86_400,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
            "m" | "min" | "mins" | "minute" | "minutes" => 60,
            _ => return Err(bad()),
        };
        let n: i64 = num
            .parse()
            .map_err(|_| if num.is_empty() { bad() } else { too_long() })?;
        num.clear();
        secs = n
            .checked_mul(mult)
            .and_then(|v| secs.checked_add(v))
            .filter(|v| *v <= max_secs)
            .ok_or_else(too_long)?;
        any = true;
    }
    if !num.is_empty() {
        // A bare number means minutes.
        let n: i64 = num.parse().map_err(|_| too_long())?;
        secs = n
            .checked_mul(60)
            .and_then(|v| secs.checked_add(v))
            .filter(|v| *v <= max_secs)
            .ok_or_else(too_long)?;
        any = true;
    }
    if !any || secs <= 0 {
        return Err(bad());
    }
    Ok(Duration::seconds(secs))
}

/// The shortest ISO-8601 form: `PT8H`, `PT1H30M`, `P1D`.
pub fn iso(d: Duration) -> String {
    let mut secs = d.num_seconds().max(0);
    let days = secs / 86_400;
    secs %= 86_400;
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    let mut out = String::from("P");
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if h + m + s > 0 || days == 0 {
        out.push('T');
        if h > 0 {
            out.push_str(&format!("{h}H"));
        }
        if m > 0 {
            out.push_str(&format!("{m}M"));
        }
        if s > 0 || h + m == 0 {
            out.push_str(&format!("{s}S"));
        }
    }
    out
}

/// "2 h", "1 h 30 min", "45 min": for people.
pub fn human(d: Duration) -> String {
    let mins = d.num_minutes().max(0);
    let (h, m) = (mins / 60, mins % 60);
    match (h, m) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn durations_people_type() {
        for (t, mins) in [
            ("90m", 90),
            ("2h", 120),
            ("1h30m", 90),
            ("PT2H", 120),
            ("pt45m", 45),
            ("P1D", 1440),
            ("45", 45),
            ("1 hour", 60),
        ] {
            assert_eq!(parse_duration(t).expect(t).num_minutes(), mins, "{t}");
        }
        for bad in ["", "soon", "P", "PT", "2x", "-5m", "0m"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(iso(Duration::minutes(90)), "PT1H30M");
        assert_eq!(human(Duration::minutes(90)), "1 h 30 min");
    }

    #[test]
    fn huge_durations_are_refused_with_the_limit_named_never_a_panic() {
        for huge in [
            "P200000000000D",
            "200000000000d",
            "99999999999999999999m",
            "P1e308D",
            "PT9999999999999999H",
            "3651d",
        ] {
            let err = parse_duration(huge).expect_err(huge);
            assert!(
                err.to_string().contains("3650 days") || err.to_string().contains("not a duration"),
                "{huge}: {err}"
            );
        }
        assert_eq!(parse_duration("3650d").expect("the limit").num_days(), 3650);
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_or_is_refused_without_panicking(text in "\\PC{0,24}") {
            if let Ok(d) = parse_duration(&text) {
                proptest::prop_assert!(d > Duration::zero() && d <= Duration::days(MAX_DURATION_DAYS));
            }
        }

        #[test]
        fn duration_shaped_text_round_trips_through_iso(n in 0u64..20_000_000_000, unit in "(d|h|m|min|hours|PT|P)") {
            let text = match unit.as_str() { "PT" => format!("PT{n}M"), "P" => format!("P{n}D"), u => format!("{n}{u}") };
            if let Ok(d) = parse_duration(&text) {
                let again = parse_duration(&iso(d)).expect("iso parses");
                proptest::prop_assert_eq!(again, d);
            }
        }
    }

    #[test]
    fn the_documented_policy_reads_as_a_summary() {
        let rules = vec![
            json!({"@odata.type":"#microsoft.graph.unifiedRoleManagementPolicyExpirationRule","id":"Expiration_Admin_Assignment","maximumDuration":"P180D"}),
            json!({"@odata.type":"#microsoft.graph.unifiedRoleManagementPolicyExpirationRule","id":"Expiration_EndUser_Assignment","isExpirationRequired":true,"maximumDuration":"PT8H"}),
            json!({"id":"Enablement_EndUser_Assignment","enabledRules":["MultiFactorAuthentication","Justification"]}),
            json!({"id":"Approval_EndUser_Assignment","setting":{"isApprovalRequired":false}}),
            json!({"id":"AuthenticationContext_EndUser_Assignment","isEnabled":false,"claimValue":null}),
        ];
        let p = summarize(&rules);
        assert_eq!(
            p,
            PolicySummary {
                max_duration: Some("PT8H".into()),
                justification: true,
                ticket: false,
                mfa: true,
                approval: false,
                auth_context: None,
                approver_justification: false,
            }
        );
        let arm = vec![
            json!({"id":"Enablement_EndUser_Assignment","ruleType":"RoleManagementPolicyEnablementRule","enabledRules":["Ticketing"]}),
            json!({"id":"AuthenticationContext_EndUser_Assignment","ruleType":"RoleManagementPolicyAuthenticationContextRule","isEnabled":true,"claimValue":"c2"}),
        ];
        let p = summarize(&arm);
        assert!(p.ticket && p.auth_context.as_deref() == Some("c2"));
    }
}
