//! The administrator's rules for creating an eligible or active assignment, read from the
//! policy (`Expiration_Admin_Eligibility`, `Expiration_Admin_Assignment`,
//! `Enablement_Admin_Assignment`) and checked before anything is sent; and the schedule an
//! admin request carries. Graph and ARM share the rule ids.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::{json, Value};

use crate::error::Error;
use crate::policy::{iso, parse_duration};

/// Eligible (can be activated) or active (assigned now).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    Eligible,
    Active,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Eligible => "eligible",
            Kind::Active => "active",
        }
    }
}

/// How long the assignment lasts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    /// `--duration P180D`.
    For(Duration),
    /// `--until 2027-06-01`.
    Until(DateTime<Utc>),
    /// `--permanent`.
    Permanent,
}

/// The policy's rules for administrators, for one kind of assignment.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminRules {
    /// Whether an end is required (no permanent assignment).
    pub expiration_required: bool,
    /// The longest allowed, ISO-8601.
    pub maximum: Option<String>,
    pub justification: bool,
    pub ticket: bool,
}

fn is(rule: &Value, id: &str) -> bool {
    rule["id"]
        .as_str()
        .is_some_and(|r| r.eq_ignore_ascii_case(id))
}

/// The admin rules for `kind` among a policy's rules (absent rules allow anything).
pub fn rules(all: &[Value], kind: Kind) -> AdminRules {
    let expiration = match kind {
        Kind::Eligible => "Expiration_Admin_Eligibility",
        Kind::Active => "Expiration_Admin_Assignment",
    };
    let mut r = AdminRules::default();
    for rule in all {
        if is(rule, expiration) {
            r.expiration_required = rule["isExpirationRequired"].as_bool().unwrap_or(false);
            r.maximum = rule["maximumDuration"].as_str().map(str::to_string);
        } else if is(rule, "Enablement_Admin_Assignment") && kind == Kind::Active {
            for x in rule["enabledRules"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                match x.to_ascii_lowercase().as_str() {
                    "justification" => r.justification = true,
                    "ticketing" => r.ticket = true,
                    _ => {}
                }
            }
        }
    }
    r
}

/// Checks `span` and the justification against the rules, before the network; the error names
/// the rule and what to do.
pub fn check(
    r: &AdminRules,
    kind: Kind,
    span: &Span,
    justification: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let refuse = |rule: &str, message: String| {
        Err(Error::PolicyRefused {
            rule: rule.into(),
            message,
        })
    };
    if r.justification && justification.trim().is_empty() {
        return refuse(
            "JustificationRule",
            "The policy requires a justification for this assignment: add --justification.".into(),
        );
    }
    let max = r.maximum.as_deref().and_then(|m| parse_duration(m).ok());
    let length = match span {
        Span::Permanent if r.expiration_required => {
            return refuse(
                "ExpirationRule",
                format!(
                    "The policy does not allow a permanent {} assignment here: give --duration or --until (at most {}).",
                    kind.word(),
                    r.maximum.as_deref().unwrap_or("the policy's maximum")
                ),
            )
        }
        Span::Permanent => return Ok(()),
        Span::For(d) => *d,
        Span::Until(end) => *end - now,
    };
    if length <= Duration::zero() {
        return refuse(
            "ExpirationRule",
            "The end is in the past: give a later --until or a --duration.".into(),
        );
    }
    if let (Some(max), true) = (max, r.expiration_required) {
        if length > max + Duration::minutes(1) {
            return refuse(
                "ExpirationRule",
                format!(
                    "The policy allows a {} assignment for at most {} ({}); this asks for {}.",
                    kind.word(),
                    r.maximum.as_deref().unwrap_or_default(),
                    crate::policy::human(max),
                    crate::policy::human(length)
                ),
            );
        }
    }
    Ok(())
}

/// The `scheduleInfo` of an admin request; ARM spells the expiration type in PascalCase.
pub fn schedule(span: &Span, now: DateTime<Utc>, arm: bool) -> Value {
    let start = now.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let (graph_type, arm_type) = match span {
        Span::For(_) => ("afterDuration", "AfterDuration"),
        Span::Until(_) => ("afterDateTime", "AfterDateTime"),
        Span::Permanent => ("noExpiration", "NoExpiration"),
    };
    let mut expiration = json!({"type": if arm { arm_type } else { graph_type }});
    match span {
        Span::For(d) => expiration["duration"] = json!(iso(*d)),
        Span::Until(end) => {
            expiration["endDateTime"] = json!(end.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        }
        Span::Permanent => {}
    }
    json!({"startDateTime": start, "expiration": expiration})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-29T12:00:00Z")
            .expect("t")
            .with_timezone(&Utc)
    }

    /// The documented samples (reference §3): P365D eligibility, P180D assignment, justification.
    fn documented() -> Vec<Value> {
        vec![
            json!({"id":"Expiration_Admin_Eligibility","isExpirationRequired":true,"maximumDuration":"P365D"}),
            json!({"id":"Expiration_Admin_Assignment","isExpirationRequired":true,"maximumDuration":"P180D"}),
            json!({"id":"Enablement_Admin_Assignment","enabledRules":["Justification"]}),
        ]
    }

    #[test]
    fn the_documented_rules_refuse_permanent_too_long_and_unjustified() {
        let e = rules(&documented(), Kind::Eligible);
        assert!(e.expiration_required && e.maximum.as_deref() == Some("P365D"));
        let a = rules(&documented(), Kind::Active);
        assert!(a.justification && a.maximum.as_deref() == Some("P180D"));
        let refused =
            check(&e, Kind::Eligible, &Span::Permanent, "x", now()).expect_err("permanent");
        assert!(refused.to_string().contains("permanent"), "{refused}");
        assert!(check(
            &e,
            Kind::Eligible,
            &Span::For(Duration::days(365)),
            "",
            now()
        )
        .is_ok());
        let long = check(
            &e,
            Kind::Eligible,
            &Span::For(Duration::days(400)),
            "",
            now(),
        )
        .expect_err("long");
        assert!(long.to_string().contains("P365D"), "{long}");
        let late = Span::Until(now() + Duration::days(200));
        assert!(
            check(&a, Kind::Active, &late, "why", now()).is_err(),
            "above P180D"
        );
        assert!(
            check(&a, Kind::Active, &Span::For(Duration::days(30)), " ", now()).is_err(),
            "no justification"
        );
        assert!(check(
            &a,
            Kind::Active,
            &Span::Until(now() - Duration::days(1)),
            "why",
            now()
        )
        .is_err());
        // No rules: anything goes, permanent included.
        assert!(check(
            &AdminRules::default(),
            Kind::Eligible,
            &Span::Permanent,
            "",
            now()
        )
        .is_ok());
    }

    #[test]
    fn schedules_carry_an_explicit_type_in_each_planes_casing() {
        let g = schedule(&Span::For(Duration::days(180)), now(), false);
        assert_eq!(
            g["expiration"],
            json!({"type": "afterDuration", "duration": "P180D"})
        );
        let a = schedule(&Span::Permanent, now(), true);
        assert_eq!(a["expiration"], json!({"type": "NoExpiration"}));
        let u = schedule(&Span::Until(now() + Duration::days(1)), now(), true);
        assert_eq!(u["expiration"]["type"], "AfterDateTime");
        assert_eq!(u["startDateTime"], "2026-11-29T12:00:00Z");
    }
}
