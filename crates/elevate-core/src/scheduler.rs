//! Expiry reminders. Deadlines are wall-clock instants, re-evaluated on every tick (and so
//! after the machine resumes or the clock jumps): a reminder that was slept through fires on
//! wake, saying it is late or that access already ended, and none fires twice. The schedule
//! follows every refresh, so activations made elsewhere (the portal) get reminders too.
//! Scheduled activations (a later start) are reminded the same lead times before they start,
//! and once when they start.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use ts_rs::TS;

use crate::model::{Assignment, AssignmentType, Status};

/// A reminder counts as on time within this much of its deadline.
const ON_TIME: i64 = 90;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase", tag = "kind")]
#[ts(export)]
pub enum Due {
    /// `minutes_left` before the end; `late` when the deadline passed unnoticed (sleep).
    Expiring {
        key: String,
        label: String,
        minutes_left: i64,
        lead_minutes: i64,
        late: bool,
    },
    /// The activation ended (noticed at or after its end).
    Expired { key: String, label: String },
    /// A scheduled activation starts in `minutes_left`.
    Starting {
        key: String,
        label: String,
        minutes_left: i64,
        lead_minutes: i64,
        late: bool,
    },
    /// A scheduled activation's start came: it is (becoming) active.
    Started { key: String, label: String },
}

/// The `fired` marker of "started" (lead times are positive, start leads negative).
const STARTED: i64 = i64::MIN;

#[derive(Debug, Clone)]
struct Tracked {
    label: String,
    end: DateTime<Utc>,
}

#[derive(Debug, Default)]
pub struct Scheduler {
    /// Lead times in minutes, largest first.
    leads: Vec<i64>,
    tracked: HashMap<String, Tracked>,
    /// Scheduled activations by key: `end` is their start.
    starting: HashMap<String, Tracked>,
    /// (key, end, lead) already reminded; (key, end, 0) for "expired".
    fired: HashSet<(String, i64, i64)>,
}

impl Scheduler {
    pub fn new(leads_minutes: &[u32]) -> Scheduler {
        let mut leads: Vec<i64> = leads_minutes
            .iter()
            .map(|m| i64::from(*m))
            .filter(|m| *m > 0)
            .collect();
        leads.sort_unstable_by(|a, b| b.cmp(a));
        leads.dedup();
        Scheduler {
            leads,
            ..Scheduler::default()
        }
    }

    /// New lead times (settings saved). Lead times already passed for what is tracked do
    /// not fire: a reminder "30 min before" added with 10 min left would only be noise.
    pub fn set_leads(&mut self, leads_minutes: &[u32], now: DateTime<Utc>) {
        let fired = std::mem::take(&mut self.fired);
        let tracked = std::mem::take(&mut self.tracked);
        *self = Scheduler::new(leads_minutes);
        self.fired = fired;
        for (key, t) in &tracked {
            for lead in &self.leads {
                if t.end - chrono::Duration::minutes(*lead) <= now {
                    self.fired.insert((key.clone(), t.end.timestamp(), *lead));
                }
            }
        }
        self.tracked = tracked;
    }

    /// Follows a refresh: every activated assignment with an end is tracked; one that is gone
    /// before its end (deactivated) is dropped silently, one gone at or after its end expired.
    pub fn update(&mut self, assignments: &[Assignment], now: DateTime<Utc>) -> Vec<Due> {
        let mut seen = HashMap::new();
        for a in assignments {
            if a.status == Status::Active && a.assignment_type == Some(AssignmentType::Activated) {
                if let Some(end) = a.end_date_time {
                    seen.insert(
                        a.key.clone(),
                        Tracked {
                            label: a.label(),
                            end,
                        },
                    );
                }
            }
        }
        let mut out = vec![];
        let mut starting = HashMap::new();
        for a in assignments {
            if let (Status::Scheduled, Some(start)) = (a.status, a.start_date_time) {
                starting.insert(
                    a.key.clone(),
                    Tracked {
                        label: a.label(),
                        end: start,
                    },
                );
            }
        }
        // A scheduled one now active has started; one gone before its start was cancelled.
        for (key, t) in &self.starting {
            if !starting.contains_key(key)
                && seen.contains_key(key)
                && self.fired.insert((key.clone(), t.end.timestamp(), STARTED))
            {
                out.push(Due::Started {
                    key: key.clone(),
                    label: t.label.clone(),
                });
            }
        }
        self.starting = starting;
        for (key, t) in &self.tracked {
            if !seen.contains_key(key)
                && t.end <= now + Duration::seconds(ON_TIME)
                && self.fired.insert((key.clone(), t.end.timestamp(), 0))
            {
                out.push(Due::Expired {
                    key: key.clone(),
                    label: t.label.clone(),
                });
            }
        }
        // An extension shows as the same key with a later end: new deadlines, new reminders.
        self.tracked = seen;
        out
    }

    /// What is due now. Several leads passed at once (a long sleep) give one reminder, the
    /// most urgent, marked late; the others are skipped, never sent afterwards.
    pub fn due(&mut self, now: DateTime<Utc>) -> Vec<Due> {
        let mut out = vec![];
        let mut expired = vec![];
        for (key, t) in &self.tracked {
            let end_ts = t.end.timestamp();
            if now >= t.end {
                if self.fired.insert((key.clone(), end_ts, 0)) {
                    out.push(Due::Expired {
                        key: key.clone(),
                        label: t.label.clone(),
                    });
                }
                expired.push(key.clone());
                continue;
            }
            let passed: Vec<i64> = self
                .leads
                .iter()
                .copied()
                .filter(|lead| now >= t.end - Duration::minutes(*lead))
                .collect();
            let Some(&most_urgent) = passed.last() else {
                continue;
            };
            let fresh: Vec<i64> = passed
                .iter()
                .copied()
                .filter(|l| !self.fired.contains(&(key.clone(), end_ts, *l)))
                .collect();
            if fresh.is_empty() {
                continue;
            }
            for l in &passed {
                self.fired.insert((key.clone(), end_ts, *l));
            }
            let deadline = t.end - Duration::minutes(most_urgent);
            let late = fresh.len() > 1 || (now - deadline).num_seconds() > ON_TIME;
            out.push(Due::Expiring {
                key: key.clone(),
                label: t.label.clone(),
                minutes_left: (t.end - now).num_minutes().max(0),
                lead_minutes: most_urgent,
                late,
            });
        }
        for key in expired {
            self.tracked.remove(&key);
        }
        out.extend(self.due_starts(now));
        out.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        out
    }
}

impl Scheduler {
    /// Start reminders: the most urgent lead passed before a scheduled start (late after a
    /// sleep), and "started" once the start has come.
    fn due_starts(&mut self, now: DateTime<Utc>) -> Vec<Due> {
        let mut out = vec![];
        let mut started = vec![];
        for (key, t) in &self.starting {
            let ts = t.end.timestamp();
            if now >= t.end {
                if self.fired.insert((key.clone(), ts, STARTED)) {
                    out.push(Due::Started {
                        key: key.clone(),
                        label: t.label.clone(),
                    });
                }
                started.push(key.clone());
                continue;
            }
            let passed: Vec<i64> = self
                .leads
                .iter()
                .copied()
                .filter(|lead| now >= t.end - Duration::minutes(*lead))
                .collect();
            let Some(&most_urgent) = passed.last() else {
                continue;
            };
            let fresh = passed
                .iter()
                .filter(|l| !self.fired.contains(&(key.clone(), ts, -**l)))
                .count();
            if fresh == 0 {
                continue;
            }
            for l in &passed {
                self.fired.insert((key.clone(), ts, -*l));
            }
            let deadline = t.end - Duration::minutes(most_urgent);
            out.push(Due::Starting {
                key: key.clone(),
                label: t.label.clone(),
                minutes_left: (t.end - now).num_minutes().max(0),
                lead_minutes: most_urgent,
                late: fresh > 1 || (now - deadline).num_seconds() > ON_TIME,
            });
        }
        for key in started {
            self.starting.remove(&key);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Plane, Scope};

    fn active(key: &str, end: DateTime<Utc>) -> Assignment {
        Assignment {
            key: key.into(),
            plane: Plane::EntraRole,
            name: key.into(),
            id: key.into(),
            access: None,
            scope: Scope {
                id: "/".into(),
                display_name: "Directory".into(),
                kind: "directory".into(),
            },
            status: Status::Active,
            assignment_type: Some(AssignmentType::Activated),
            member_type: None,
            start_date_time: None,
            end_date_time: Some(end),
            eligibility_schedule_id: None,
            request_id: None,
            policy: None,
        }
    }

    #[test]
    fn new_lead_times_apply_without_firing_what_has_passed() {
        let t0 = Utc::now();
        let mut s = Scheduler::new(&[5]);
        s.update(&[active("ua", t0 + Duration::minutes(20))], t0);
        // 20 min left: a 30-min lead has passed (silent), a 10-min lead is still ahead.
        s.set_leads(&[30, 10], t0);
        assert!(s.due(t0 + Duration::minutes(1)).is_empty());
        let at10 = s.due(t0 + Duration::minutes(10));
        assert!(
            matches!(
                at10.as_slice(),
                [Due::Expiring {
                    lead_minutes: 10,
                    ..
                }]
            ),
            "{at10:?}"
        );
        // The old 5-min lead is gone.
        assert!(s.due(t0 + Duration::minutes(15)).is_empty());
    }

    #[test]
    fn each_lead_fires_once_on_time() {
        let t0 = Utc::now();
        let mut s = Scheduler::new(&[15, 5]);
        s.update(&[active("ua", t0 + Duration::minutes(30))], t0);
        assert!(s.due(t0).is_empty());
        assert!(s.due(t0 + Duration::minutes(14)).is_empty());
        let at15 = s.due(t0 + Duration::minutes(15));
        assert!(
            matches!(
                at15.as_slice(),
                [Due::Expiring {
                    lead_minutes: 15,
                    late: false,
                    minutes_left: 15,
                    ..
                }]
            ),
            "{at15:?}"
        );
        assert!(s.due(t0 + Duration::minutes(16)).is_empty(), "never twice");
        let at25 = s.due(t0 + Duration::minutes(25));
        assert!(matches!(
            at25.as_slice(),
            [Due::Expiring {
                lead_minutes: 5,
                late: false,
                ..
            }]
        ));
        let end = s.due(t0 + Duration::minutes(30));
        assert!(matches!(end.as_slice(), [Due::Expired { .. }]));
        assert!(s.due(t0 + Duration::minutes(31)).is_empty());
    }

    #[test]
    fn a_sleep_through_both_leads_gives_one_late_reminder_then_expiry() {
        let t0 = Utc::now();
        let mut s = Scheduler::new(&[5, 15]);
        s.update(&[active("ua", t0 + Duration::minutes(30))], t0);
        let woke = s.due(t0 + Duration::minutes(27));
        assert!(
            matches!(
                woke.as_slice(),
                [Due::Expiring {
                    lead_minutes: 5,
                    late: true,
                    minutes_left: 3,
                    ..
                }]
            ),
            "{woke:?}"
        );
        assert!(s.due(t0 + Duration::minutes(28)).is_empty());
        // Slept past the end: only "expired".
        let mut s = Scheduler::new(&[15, 5]);
        s.update(&[active("ga", t0 + Duration::minutes(30))], t0);
        let woke = s.due(t0 + Duration::minutes(45));
        assert!(matches!(woke.as_slice(), [Due::Expired { .. }]), "{woke:?}");
    }

    #[test]
    fn extension_reschedules_and_deactivation_cancels() {
        let t0 = Utc::now();
        let mut s = Scheduler::new(&[15]);
        s.update(&[active("ua", t0 + Duration::minutes(20))], t0);
        assert_eq!(s.due(t0 + Duration::minutes(5)).len(), 1);
        // Extended: a new end gets its own reminder.
        s.update(
            &[active("ua", t0 + Duration::minutes(80))],
            t0 + Duration::minutes(6),
        );
        assert!(s.due(t0 + Duration::minutes(10)).is_empty());
        assert_eq!(s.due(t0 + Duration::minutes(65)).len(), 1);
        // Deactivated before its end: no "expired".
        let gone = s.update(&[], t0 + Duration::minutes(66));
        assert!(gone.is_empty());
        assert!(s.due(t0 + Duration::minutes(90)).is_empty());
    }

    #[test]
    fn an_activation_gone_at_its_end_is_reported_expired_once() {
        let t0 = Utc::now();
        let mut s = Scheduler::new(&[15]);
        s.update(&[active("ua", t0 + Duration::minutes(20))], t0);
        let out = s.update(&[], t0 + Duration::minutes(21));
        assert!(matches!(out.as_slice(), [Due::Expired { .. }]));
        assert!(s.update(&[], t0 + Duration::minutes(22)).is_empty());
        assert!(s.due(t0 + Duration::minutes(23)).is_empty());
    }
}
