//! The ARM Activity Log of each subscription (governance §2.3): a bounded in-memory list of
//! events, each kept with its subscription and time; the ARM face renders the records
//! (`arm::activity`) and reads them back. Events older than [`ACTIVITY_RETENTION_DAYS`]
//! are not returned.

use std::collections::VecDeque;

use serde_json::Value;

use crate::time::Time;

/// The log keeps at most this many events; the oldest go first.
pub const ACTIVITY_LIMIT: usize = 10_000;
/// The Activity Log keeps 90 days of events [DOC, Azure Monitor].
pub const ACTIVITY_RETENTION_DAYS: i64 = 90;

#[derive(Debug, Clone)]
pub struct ActivityEvent {
    pub seq: u64,
    pub at: Time,
    /// The subscription GUID (lower case).
    pub subscription: String,
    /// The `EventData` record as ARM returns it.
    pub record: Value,
}

#[derive(Debug, Default)]
pub struct ActivityLog {
    events: VecDeque<ActivityEvent>,
    next_seq: u64,
}

impl ActivityLog {
    pub fn push(&mut self, at: Time, subscription: &str, record: Value) {
        if self.events.len() >= ACTIVITY_LIMIT {
            self.events.pop_front();
        }
        self.events.push_back(ActivityEvent {
            seq: self.next_seq,
            at,
            subscription: subscription.to_ascii_lowercase(),
            record,
        });
        self.next_seq += 1;
    }

    pub fn events(&self) -> impl Iterator<Item = &ActivityEvent> {
        self.events.iter()
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}
