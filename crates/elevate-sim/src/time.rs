//! The simulator's clock and ISO-8601 durations. Everything in the tenant (expiry, the
//! five-minute deactivation rule, token lifetimes, device codes) runs on this clock, which
//! tests can set and advance.

use chrono::{DateTime, Duration, SecondsFormat, Utc};

pub type Time = DateTime<Utc>;

#[derive(Debug, Clone, Default)]
pub struct SimClock {
    offset: Duration,
}

impl SimClock {
    pub fn now(&self) -> Time {
        Utc::now() + self.offset
    }
    pub fn set(&mut self, at: Time) {
        self.offset = at - Utc::now();
    }
    pub fn advance(&mut self, by: Duration) {
        self.offset += by;
    }
}

/// RFC 3339 with a `Z`, fractions only when present, as Graph and ARM print them.
pub fn fmt_time(t: Time) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

pub fn parse_time(s: &str) -> Option<Time> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Parses `PnW`, `PnDTnHnMn.nS` and their parts (case-insensitive, as services accept).
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim().to_ascii_uppercase();
    let rest = s.strip_prefix('P')?;
    if rest.is_empty() {
        return None;
    }
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return None,
        None => (rest, None),
    };
    let mut total_ms: i64 = 0;
    let mut parse_part = |part: &str, units: &[(char, i64)]| -> Option<()> {
        let mut num = String::new();
        let mut last_unit = 0usize;
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' {
                num.push(c);
                continue;
            }
            let idx = units.iter().position(|(u, _)| *u == c)?;
            if idx < last_unit || num.is_empty() {
                return None;
            }
            last_unit = idx + 1;
            let value: f64 = num.parse().ok()?;
            total_ms = total_ms.checked_add((value * units[idx].1 as f64).round() as i64)?;
            num.clear();
        }
        num.is_empty().then_some(())
    };
    parse_part(
        date,
        &[
            ('Y', 365 * 86_400_000),
            ('M', 30 * 86_400_000),
            ('W', 7 * 86_400_000),
            ('D', 86_400_000),
        ],
    )?;
    if let Some(time) = time {
        parse_part(time, &[('H', 3_600_000), ('M', 60_000), ('S', 1_000)])?;
    }
    Some(Duration::milliseconds(total_ms))
}

/// The shortest ISO-8601 form: `PT8H`, `PT1H30M`, `P1D`, `PT45S`.
pub fn fmt_duration(d: Duration) -> String {
    let mut secs = d.num_seconds().max(0);
    let days = secs / 86_400;
    secs %= 86_400;
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    let mut out = String::from("P");
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if h > 0 || m > 0 || s > 0 || days == 0 {
        out.push('T');
        if h > 0 {
            out.push_str(&format!("{h}H"));
        }
        if m > 0 {
            out.push_str(&format!("{m}M"));
        }
        if s > 0 || (h == 0 && m == 0) {
            out.push_str(&format!("{s}S"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip() {
        for (text, mins) in [
            ("PT8H", 480),
            ("PT1H30M", 90),
            ("P1D", 1440),
            ("pt5m", 5),
            ("P1DT2H", 1560),
        ] {
            let d = parse_duration(text).expect(text);
            assert_eq!(d.num_minutes(), mins, "{text}");
        }
        assert_eq!(fmt_duration(Duration::minutes(90)), "PT1H30M");
        assert_eq!(fmt_duration(Duration::hours(8)), "PT8H");
        assert_eq!(fmt_duration(Duration::days(1)), "P1D");
        for bad in ["", "P", "8H", "PT", "PTH", "PT8X", "P1H"] {
            assert!(parse_duration(bad).is_none(), "{bad} must be refused");
        }
    }

    #[test]
    fn clock_advances() {
        let mut c = SimClock::default();
        let before = c.now();
        c.advance(Duration::hours(2));
        assert!(c.now() - before >= Duration::hours(2));
        let at = parse_time("2030-01-01T00:00:00Z").expect("time");
        c.set(at);
        assert!((c.now() - at).num_seconds().abs() < 2);
        assert_eq!(fmt_time(at), "2030-01-01T00:00:00Z");
    }
}
