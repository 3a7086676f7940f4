//! OS services behind small traits, so the core runs in tests without a desktop.

use chrono::{DateTime, Utc};

/// Wall-clock time. Tests that advance a simulated tenant's clock pass one that follows it.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
