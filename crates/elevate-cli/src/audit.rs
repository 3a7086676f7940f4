//! `elevatectl audit`: PIM events from the tenant's audit log merged with this machine's
//! history (a thin adapter over the service), and the `--since` parser both the CLI and MCP use.

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use elevate_core::model::Plane;
use elevate_core::pim::AuditQuery;
use elevate_core::{Elevate, Error};

use crate::output::{self, grid, plane_name, OK, SERVICE};

/// `7d`: a whole number of days from 1 to 3,650 (the short form people type for days).
pub fn days(text: &str) -> Option<Duration> {
    text.trim()
        .strip_suffix('d')
        .and_then(|n| n.trim().parse::<i64>().ok())
        .filter(|n| (1..=3650).contains(n))
        .map(Duration::days)
}

/// `7d`, `24h`, `90m`, `PT12H`, `2026-11-01` or an RFC 3339 time, into an instant before `now`.
pub fn since(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, Error> {
    let t = text.trim();
    if let Some(d) = days(t) {
        return Ok(now - d);
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return Ok(at.with_timezone(&Utc));
    }
    if let Ok(day) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        if let Some(midnight) = day.and_hms_opt(0, 0, 0) {
            return Ok(midnight.and_utc());
        }
    }
    match elevate_core::policy::parse_duration(t) {
        Ok(d) => Ok(now - d),
        Err(_) => Err(Error::InvalidInput(format!(
            "--since '{t}': write a time span (7d, 24h, 90m) or a date (2026-11-01); the tenant keeps 30 days"
        ))),
    }
}

pub async fn run(
    e: &Arc<Elevate>,
    since_text: &str,
    user: Option<String>,
    role: Option<String>,
    plane: Option<Plane>,
    json: bool,
) -> Result<u8, Error> {
    let now = e.clock().now();
    let q = AuditQuery {
        since: Some(since(since_text, now)?),
        user,
        role,
        plane,
    };
    let report = e.audit(&q).await;
    if output::wants_data(json) {
        output::print_data(&report);
    } else if report.events.is_empty() {
        println!("No PIM events in this window.");
    } else {
        let rows: Vec<Vec<String>> = report
            .events
            .iter()
            .map(|ev| {
                vec![
                    ev.time.format("%Y-%m-%d %H:%M").to_string(),
                    ev.source.clone(),
                    ev.plane.map(plane_name).unwrap_or("-").into(),
                    ev.activity.clone(),
                    ev.target.clone(),
                    ev.initiated_by.clone().unwrap_or_else(|| "-".into()),
                    ev.result.clone(),
                    ev.justification.clone().unwrap_or_default(),
                ]
            })
            .collect();
        println!(
            "{}",
            grid(
                &[
                    "TIME (UTC)",
                    "SOURCE",
                    "PLANE",
                    "WHAT",
                    "ROLE OR GROUP",
                    "BY",
                    "RESULT",
                    "JUSTIFICATION"
                ],
                &rows
            )
        );
    }
    for note in &report.notes {
        output::say(note);
    }
    if let Some(err) = &report.tenant_error {
        output::say(format!(
            "The tenant's audit log could not be read: {} (only this machine's history is shown)",
            err.message
        ));
        return Ok(SERVICE);
    }
    Ok(OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_reads_spans_and_dates_and_names_the_forms_it_takes() {
        let now = DateTime::parse_from_rfc3339("2026-11-29T12:00:00Z")
            .expect("t")
            .with_timezone(&Utc);
        assert_eq!(since("7d", now).expect("d"), now - Duration::days(7));
        assert_eq!(since("24h", now).expect("h"), now - Duration::hours(24));
        assert_eq!(
            since("2026-11-01", now).expect("date").to_rfc3339(),
            "2026-11-01T00:00:00+00:00"
        );
        assert_eq!(
            since("2026-11-20T08:00:00Z", now)
                .expect("rfc")
                .to_rfc3339(),
            "2026-11-20T08:00:00+00:00"
        );
        let err = since("last week", now).expect_err("refused");
        assert!(err.to_string().contains("7d"), "{err}");
        assert!(since("0d", now).is_err());
    }
}
