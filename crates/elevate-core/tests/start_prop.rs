//! Property tests of the `--start` parser: every time of day is in the next 24 hours, every
//! span lands exactly that far ahead, an RFC 3339 time round-trips, and nothing panics.

use chrono::{Duration, FixedOffset, TimeZone, Utc};
use elevate_core::start::parse_start;
use proptest::prelude::*;

proptest! {
    #[test]
    fn a_time_of_day_is_within_the_next_day(h in 0u32..24, m in 0u32..60, now_s in 1_700_000_000i64..1_900_000_000, off in -12i32..14) {
        let tz = FixedOffset::east_opt(off * 3600).expect("offset");
        let now = Utc.timestamp_opt(now_s, 0).single().expect("now");
        let at = parse_start(&format!("{h:02}:{m:02}"), now, &tz).expect("parses");
        prop_assert!(at > now - Duration::seconds(60));
        prop_assert!(at <= now + Duration::hours(24));
        let local = at.with_timezone(&tz);
        prop_assert_eq!((chrono::Timelike::hour(&local), chrono::Timelike::minute(&local)), (h, m));
    }

    #[test]
    fn a_span_lands_that_far_ahead(mins in 1i64..100_000) {
        let now = Utc.timestamp_opt(1_800_000_000, 0).single().expect("now");
        let at = parse_start(&format!("+{mins}m"), now, &Utc).expect("parses");
        prop_assert_eq!(at, now + Duration::minutes(mins));
    }

    #[test]
    fn rfc3339_round_trips_and_the_past_is_refused(secs in -10_000_000i64..10_000_000) {
        let now = Utc.timestamp_opt(1_800_000_000, 0).single().expect("now");
        let t = now + Duration::seconds(secs);
        let r = parse_start(&t.to_rfc3339(), now, &Utc);
        if secs >= 0 {
            prop_assert_eq!(r.expect("future"), t);
        } else if secs < -60 {
            prop_assert!(r.expect_err("past").to_string().contains("must be later than now"));
        }
    }

    #[test]
    fn any_text_is_an_answer_never_a_panic(s in "\\PC{0,40}") {
        let now = Utc.timestamp_opt(1_800_000_000, 0).single().expect("now");
        let _ = parse_start(&s, now, &Utc);
    }
}
