//! Owns when a scheduled activation starts: parsing what the user typed for `--start`, the
//! popup's start field and MCP's `start` (a time of day in the local timezone, a local date
//! and time, an RFC 3339 time or a relative span), and the rules a start must keep (in the
//! future; before the eligibility ends), checked before anything is sent.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

use crate::error::Error;
use crate::model::Assignment;

/// How far back "now" may be and still count as now (a form filled a moment ago).
const SLACK_SECONDS: i64 = 60;

const FORMS: &str =
    "give a time of day (22:00), a local date and time (2026-12-01T22:00), an RFC 3339 time (2026-12-01T22:00:00Z) or a span from now (+2h, +90m)";

/// Parses `text` as a start relative to `now` in the timezone `tz`:
/// - `22:00` (or `22:00:30`): that time today, or tomorrow when it has passed today;
/// - `2026-12-01T22:00` or `2026-12-01 22:00` (seconds optional): a local date and time;
/// - an RFC 3339 time with `Z` or an offset;
/// - `+2h`, `+90m`, `+1d`, `+PT2H`: from now.
///
/// A start in the past is refused, naming the rule.
pub fn parse_start<Tz: TimeZone>(
    text: &str,
    now: DateTime<Utc>,
    tz: &Tz,
) -> Result<DateTime<Utc>, Error> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Error::InvalidInput(format!("the start is empty: {FORMS}.")));
    }
    let at = if let Some(span) = t.strip_prefix('+') {
        let d = crate::policy::parse_duration(span.trim())
            .map_err(|_| Error::InvalidInput(format!("'{t}' is not a span from now: {FORMS}.")))?;
        if d <= Duration::zero() {
            return Err(past(t, now));
        }
        now + d
    } else if let Ok(time) = parse_time_of_day(t) {
        let today = now.with_timezone(tz).date_naive();
        let mut at = local(tz, today.and_time(time), t)?;
        if at <= now {
            let tomorrow = today.succ_opt().unwrap_or(today);
            at = local(tz, tomorrow.and_time(time), t)?;
        }
        at
    } else if let Ok(fixed) = DateTime::parse_from_rfc3339(t) {
        fixed.with_timezone(&Utc)
    } else if let Some(naive) = parse_local(t) {
        local(tz, naive, t)?
    } else {
        return Err(Error::InvalidInput(format!(
            "'{t}' is not a start time: {FORMS}."
        )));
    };
    if at + Duration::seconds(SLACK_SECONDS) < now {
        return Err(past(t, now));
    }
    Ok(at)
}

/// [`parse_start`] in the machine's timezone.
pub fn parse_start_local(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, Error> {
    parse_start(text, now, &chrono::Local)
}

fn past(t: &str, now: DateTime<Utc>) -> Error {
    Error::InvalidInput(format!(
        "the start '{t}' is in the past (rule: a scheduled start must be later than now, {}); give a later time, or no start to activate now.",
        now.format("%Y-%m-%d %H:%M UTC")
    ))
}

fn parse_time_of_day(t: &str) -> Result<NaiveTime, ()> {
    NaiveTime::parse_from_str(t, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M:%S"))
        .map_err(|_| ())
}

fn parse_local(t: &str) -> Option<NaiveDateTime> {
    for f in [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, f) {
            return Some(n);
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d").ok().map(|d| {
        d.and_hms_opt(0, 0, 0)
            .expect("midnight exists on every date")
    })
}

/// A local wall-clock time as an instant: the earlier of two when the clocks go back; one
/// that does not exist (the clocks go forward) is refused with what to do.
fn local<Tz: TimeZone>(tz: &Tz, naive: NaiveDateTime, t: &str) -> Result<DateTime<Utc>, Error> {
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|d| d.with_timezone(&Utc))
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "'{t}' does not exist in the local timezone (the clocks go forward then); give a time an hour later or an RFC 3339 time."
            ))
        })
}

/// Refuses a start the eligibility does not cover (it ends before then), before sending.
pub fn check_start(a: &Assignment, start: DateTime<Utc>) -> Result<(), Error> {
    if let Some(end) = a
        .end_date_time
        .filter(|_| a.status == crate::model::Status::Eligible)
    {
        if start >= end {
            return Err(Error::PolicyRefused {
                rule: "EligibilityRule".into(),
                message: format!(
                    "{} can be activated until {} (the eligibility ends then); a start at {} is after it. Pick an earlier start.",
                    a.label(),
                    end.format("%Y-%m-%d %H:%M UTC"),
                    start.format("%Y-%m-%d %H:%M UTC")
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 20, 0, 0)
            .single()
            .expect("valid")
    }

    #[test]
    fn each_form_parses() {
        let cet = FixedOffset::east_opt(3600).expect("offset");
        // 22:00 CET today is 21:00 UTC, after 20:00 UTC.
        assert_eq!(
            parse_start("22:00", now(), &cet).expect("time of day"),
            Utc.with_ymd_and_hms(2026, 11, 30, 21, 0, 0).unwrap()
        );
        // 20:30 CET has passed (19:30 UTC): tomorrow.
        assert_eq!(
            parse_start("20:30", now(), &cet).expect("tomorrow"),
            Utc.with_ymd_and_hms(2026, 12, 1, 19, 30, 0).unwrap()
        );
        assert_eq!(
            parse_start("2026-12-01T22:00", now(), &cet).expect("local"),
            Utc.with_ymd_and_hms(2026, 12, 1, 21, 0, 0).unwrap()
        );
        assert_eq!(
            parse_start("2026-12-01T22:00:00Z", now(), &cet).expect("rfc3339"),
            Utc.with_ymd_and_hms(2026, 12, 1, 22, 0, 0).unwrap()
        );
        assert_eq!(
            parse_start("+2h", now(), &cet).expect("span"),
            now() + Duration::hours(2)
        );
        assert_eq!(
            parse_start("+PT90M", now(), &cet).expect("iso span"),
            now() + Duration::minutes(90)
        );
    }

    #[test]
    fn the_past_and_nonsense_are_refused_with_the_rule() {
        let utc = Utc;
        let e = parse_start("2026-11-29T10:00:00Z", now(), &utc).expect_err("past");
        assert!(e.to_string().contains("must be later than now"), "{e}");
        let e = parse_start("tonight", now(), &utc).expect_err("nonsense");
        assert!(e.to_string().contains("22:00"), "{e}");
        assert!(parse_start("+0m", now(), &utc).is_err());
        assert!(parse_start("", now(), &utc).is_err());
    }
}
