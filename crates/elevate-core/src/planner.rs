//! The activation planner: checks justification, ticket and duration against the policy
//! before any request is sent (an error names the rule and the limit), and picks the
//! duration: the lower of the user's default and the policy maximum.

use chrono::{DateTime, Duration, Utc};

use crate::config::Defaults;
use crate::error::Error;
use crate::model::{Assignment, PolicySummary, Status};
use crate::policy::{human, iso, parse_duration};

/// What the user asked for; everything optional.
#[derive(Debug, Clone, Default)]
pub struct ActivationInput {
    pub justification: Option<String>,
    pub ticket_number: Option<String>,
    pub ticket_system: Option<String>,
    pub duration: Option<Duration>,
    pub start: Option<DateTime<Utc>>,
}

/// What will be sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub justification: Option<String>,
    pub ticket_number: Option<String>,
    pub ticket_system: Option<String>,
    pub duration: Duration,
    pub start: Option<DateTime<Utc>>,
    /// The authentication context to acquire before the first attempt.
    pub auth_context: Option<String>,
}

/// The longest justification PIM accepts [INF: the portal's limit].
pub const MAX_JUSTIFICATION: usize = 500;

/// PIM's own limit on a justification, checked before any rule of ours: a text over it is
/// refused whatever else is wrong with it.
pub fn check_length(j: &str) -> Result<(), Error> {
    let n = j.chars().count();
    if n > MAX_JUSTIFICATION {
        return Err(Error::InvalidInput(format!(
            "the justification has {n} characters; PIM accepts at most {MAX_JUSTIFICATION}."
        )));
    }
    Ok(())
}

fn nonempty(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

pub fn plan(
    a: &Assignment,
    policy: &PolicySummary,
    input: &ActivationInput,
    defaults: &Defaults,
) -> Result<Plan, Error> {
    if a.status != Status::Eligible {
        return Err(Error::InvalidInput(format!(
            "{} is not an eligible assignment (it is {:?}); pick the eligible one to activate.",
            a.label(),
            a.status
        )));
    }
    let label = a.label();
    let max = policy
        .max_duration
        .as_deref()
        .and_then(|m| parse_duration(m).ok());
    let wanted = match input.duration {
        Some(d) => d,
        None => {
            let default = parse_duration(&defaults.duration).unwrap_or_else(|_| Duration::hours(1));
            max.map_or(default, |m| default.min(m))
        }
    };
    if wanted <= Duration::zero() {
        return Err(Error::InvalidInput("the duration must be positive".into()));
    }
    if let Some(max) = max {
        if wanted > max {
            return Err(Error::PolicyRefused {
                rule: "ExpirationRule".into(),
                message: format!("{label} can be activated for at most {} ({}); you asked for {}. Ask for {} or less.", human(max), iso(max), human(wanted), human(max)),
            });
        }
    }
    let justification =
        nonempty(&input.justification).or_else(|| nonempty(&defaults.justification));
    if policy.justification && justification.is_none() {
        return Err(Error::PolicyRefused {
            rule: "JustificationRule".into(),
            message: format!(
                "{label} requires a justification: give one, or set a default justification."
            ),
        });
    }
    if let Some(j) = &justification {
        check_length(j)?;
    }
    let ticket_number =
        nonempty(&input.ticket_number).or_else(|| nonempty(&defaults.ticket_number));
    let ticket_system =
        nonempty(&input.ticket_system).or_else(|| nonempty(&defaults.ticket_system));
    if policy.ticket && ticket_number.is_none() {
        return Err(Error::PolicyRefused {
            rule: "TicketingRule".into(),
            message: format!("{label} requires a ticket number: give one (and its ticket system), or set a default ticket."),
        });
    }
    Ok(Plan {
        justification,
        ticket_number,
        ticket_system,
        duration: wanted,
        start: input.start,
        auth_context: policy.auth_context.clone(),
    })
}

/// Refuses a deactivation inside the five-minute minimum before any request, saying when.
pub fn check_deactivation(a: &Assignment, now: DateTime<Utc>) -> Result<(), Error> {
    if a.status != Status::Active {
        return Err(Error::InvalidInput(format!("{} is not active.", a.label())));
    }
    if a.assignment_type == Some(crate::model::AssignmentType::Permanent) {
        return Err(Error::InvalidInput(format!(
            "{} is a permanent assignment; only an administrator can remove it.",
            a.label()
        )));
    }
    if let Some(start) = a.start_date_time {
        let ready = start + Duration::minutes(5);
        if now < ready {
            let wait = (ready - now).num_seconds().max(1);
            return Err(Error::PolicyRefused {
                rule: "ActiveDurationTooShort".into(),
                message: format!(
                    "{} was activated less than 5 minutes ago; PIM allows deactivation after 5 minutes. Try again in {} s (at {}).",
                    a.label(),
                    wait,
                    ready.format("%H:%M:%S UTC")
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Plane, Scope};

    fn eligible() -> Assignment {
        Assignment {
            key: "k".into(),
            plane: Plane::EntraRole,
            name: "User Administrator".into(),
            id: "r".into(),
            access: None,
            scope: Scope {
                id: "/".into(),
                display_name: "Directory".into(),
                kind: "directory".into(),
            },
            status: Status::Eligible,
            assignment_type: None,
            member_type: None,
            start_date_time: None,
            end_date_time: None,
            eligibility_schedule_id: None,
            request_id: None,
            policy: None,
        }
    }

    fn policy() -> PolicySummary {
        PolicySummary {
            max_duration: Some("PT4H".into()),
            justification: true,
            ticket: true,
            mfa: false,
            approval: false,
            auth_context: None,
            approver_justification: false,
        }
    }

    #[test]
    fn default_duration_is_the_lower_of_default_and_maximum() {
        let defaults = Defaults {
            duration: "PT8H".into(),
            justification: Some("routine".into()),
            ticket_number: Some("T-1".into()),
            ..Defaults::default()
        };
        let p = plan(
            &eligible(),
            &policy(),
            &ActivationInput::default(),
            &defaults,
        )
        .expect("plan");
        assert_eq!(p.duration, Duration::hours(4));
        assert_eq!(p.justification.as_deref(), Some("routine"));
    }

    #[test]
    fn each_rule_is_refused_by_name_with_the_limit() {
        let d = Defaults::default();
        let err = plan(
            &eligible(),
            &policy(),
            &ActivationInput {
                duration: Some(Duration::hours(5)),
                justification: Some("x".into()),
                ticket_number: Some("1".into()),
                ..Default::default()
            },
            &d,
        )
        .expect_err("too long");
        assert!(
            matches!(&err, Error::PolicyRefused { rule, message } if rule == "ExpirationRule" && message.contains("at most 4 h (PT4H)")),
            "{err}"
        );
        let err = plan(&eligible(), &policy(), &ActivationInput::default(), &d)
            .expect_err("no justification");
        assert!(matches!(&err, Error::PolicyRefused { rule, .. } if rule == "JustificationRule"));
        let err = plan(
            &eligible(),
            &policy(),
            &ActivationInput {
                justification: Some("  ".into()),
                ..Default::default()
            },
            &d,
        )
        .expect_err("blank");
        assert!(
            matches!(&err, Error::PolicyRefused { rule, .. } if rule == "JustificationRule"),
            "whitespace is not a justification"
        );
        let err = plan(
            &eligible(),
            &policy(),
            &ActivationInput {
                justification: Some("x".into()),
                ..Default::default()
            },
            &d,
        )
        .expect_err("no ticket");
        assert!(matches!(&err, Error::PolicyRefused { rule, .. } if rule == "TicketingRule"));
        let err = plan(
            &eligible(),
            &policy(),
            &ActivationInput {
                justification: Some("x".repeat(501)),
                ticket_number: Some("1".into()),
                ..Default::default()
            },
            &d,
        )
        .expect_err("long");
        assert!(err.to_string().contains("at most 500"));
    }

    #[test]
    fn deactivation_within_five_minutes_says_when() {
        let now = Utc::now();
        let mut a = eligible();
        a.status = Status::Active;
        a.assignment_type = Some(crate::model::AssignmentType::Activated);
        a.start_date_time = Some(now - Duration::minutes(2));
        let err = check_deactivation(&a, now).expect_err("too soon");
        assert!(err.to_string().contains("Try again in 180 s"), "{err}");
        assert!(check_deactivation(&a, now + Duration::minutes(3)).is_ok());
        a.assignment_type = Some(crate::model::AssignmentType::Permanent);
        assert!(check_deactivation(&a, now + Duration::minutes(10)).is_err());
    }
}
