//! Frecency: how recently and how often I activated each assignment, from the local history,
//! as one score per key that the popup and the palette sort by (higher first). Each request
//! that got somewhere (active, pending, scheduled…) counts 100 points, halved every week of
//! age; requests older than 90 days, refusals and failures count nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::history::HistoryRecord;

/// A week: a request's weight halves every `HALF_LIFE_HOURS`.
const HALF_LIFE_HOURS: f64 = 24.0 * 7.0;
/// Older requests count nothing.
const HORIZON_DAYS: i64 = 90;
/// What one request made just now is worth.
const POINTS: f64 = 100.0;

/// The outcomes of a request that was granted or is on its way (not an error code).
fn got_somewhere(outcome: &str) -> bool {
    matches!(
        outcome,
        "active" | "provisioning" | "scheduled" | "pendingApproval" | "alreadyActive"
    )
}

/// The score of every key with a counted request; keys without one are absent (score 0).
pub fn scores(records: &[HistoryRecord], now: DateTime<Utc>) -> BTreeMap<String, u32> {
    let mut sums: BTreeMap<String, f64> = BTreeMap::new();
    for r in records {
        if !matches!(r.action.as_str(), "activate" | "extend") || !got_somewhere(&r.outcome) {
            continue;
        }
        let age = now - r.time;
        if age > chrono::Duration::days(HORIZON_DAYS) {
            continue;
        }
        let hours = age.num_minutes().max(0) as f64 / 60.0;
        *sums.entry(r.key.clone()).or_default() += POINTS * 0.5f64.powf(hours / HALF_LIFE_HOURS);
    }
    sums.into_iter()
        .map(|(k, v)| (k, v.round() as u32))
        .filter(|(_, v)| *v > 0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn rec(key: &str, action: &str, outcome: &str, at: DateTime<Utc>) -> HistoryRecord {
        HistoryRecord {
            time: at,
            action: action.into(),
            key: key.into(),
            label: key.into(),
            outcome: outcome.into(),
            request_id: None,
            justification: None,
            duration: None,
            error: None,
            prev: String::new(),
            v: None,
        }
    }

    #[test]
    fn recent_beats_old_and_frequent_beats_rare() {
        let now = Utc::now();
        let days = |d: i64| now - Duration::days(d);
        let records = vec![
            // Often, but a month ago.
            rec("old", "activate", "active", days(30)),
            rec("old", "activate", "active", days(31)),
            rec("old", "activate", "active", days(32)),
            // Once, yesterday.
            rec("recent", "activate", "active", days(1)),
            // Four times this week, one of them an extension.
            rec("daily", "activate", "active", days(1)),
            rec("daily", "activate", "pendingApproval", days(2)),
            rec("daily", "extend", "active", days(3)),
            rec("daily", "activate", "active", days(4)),
            // What did not get anywhere, was not an activation, or is too old, counts nothing.
            rec("refused", "activate", "policy", days(0)),
            rec("gone", "deactivate", "revoked", days(0)),
            rec("ancient", "activate", "active", days(120)),
        ];
        let s = scores(&records, now);
        let get = |k: &str| s.get(k).copied().unwrap_or(0);
        assert!(get("daily") > get("recent"), "{s:?}");
        assert!(get("recent") > get("old"), "{s:?}");
        assert!(get("old") > 0);
        assert_eq!(get("refused") + get("gone") + get("ancient"), 0, "{s:?}");
        assert!(
            !s.contains_key("refused"),
            "keys without a score are absent"
        );
        // One request made now is worth 100; a week later, half.
        let fresh = scores(&[rec("k", "activate", "active", now)], now);
        assert_eq!(fresh.get("k"), Some(&100));
        let week = scores(&[rec("k", "activate", "active", days(7))], now);
        assert_eq!(week.get("k"), Some(&50));
    }

    #[test]
    fn a_clock_behind_the_record_counts_it_as_new() {
        let now = Utc::now();
        let s = scores(
            &[rec("k", "activate", "active", now + Duration::hours(2))],
            now,
        );
        assert_eq!(s.get("k"), Some(&100));
    }
}
