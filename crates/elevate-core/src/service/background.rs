//! What runs on its own while the tray app lives: reminders on their own short tick (never
//! behind a slow refresh), refreshes every two minutes (every 20 seconds while a request
//! waits for a decision) each with a deadline, and what a refresh tells: ended activations
//! and decided requests.

use std::sync::Arc;
use std::time::Duration;

use super::Elevate;
use crate::model::{Assignment, Snapshot, Status};
use crate::notice::{Notice, NoticeKind, Offer};
use crate::scheduler::Due;

/// How often reminders and the tray's countdowns are looked at: a resume from sleep or a
/// clock jump is noticed within this.
const TICK: Duration = Duration::from_secs(5);
const REFRESH_EVERY: Duration = Duration::from_secs(120);
const REFRESH_PENDING_EVERY: Duration = Duration::from_secs(20);
/// A refresh that takes longer is abandoned; the next one starts on time.
const REFRESH_DEADLINE: Duration = Duration::from_secs(90);

/// Requests pending before and no longer pending now: (the assignment, approved?). A plane
/// that failed now tells nothing about its requests; requests cancelled here are not news.
pub(crate) fn decisions(
    before: &Snapshot,
    now: &Snapshot,
    cancelled: &[String],
) -> Vec<(Assignment, bool)> {
    before
        .assignments
        .iter()
        .filter(|a| a.status == Status::PendingApproval)
        .filter(|was| {
            let still = now
                .assignments
                .iter()
                .any(|a| a.key == was.key && a.status == Status::PendingApproval);
            let plane_failed = now.failures.iter().any(|f| f.plane == was.plane);
            !still && !plane_failed && !cancelled.contains(&was.key)
        })
        .map(|was| {
            let active = now
                .assignments
                .iter()
                .any(|a| a.key == was.key && a.status == Status::Active);
            (was.clone(), active)
        })
        .collect()
}

/// The notice for a reminder or an end.
pub(crate) fn due_notice(due: &Due) -> Notice {
    match due {
        Due::Expiring {
            key,
            label,
            minutes_left,
            late,
            ..
        } => {
            let body = if *late {
                "This reminder is late (the computer was asleep). Extend keeps access without a gap."
            } else {
                "Extend keeps access without a gap."
            };
            Notice::new(
                NoticeKind::Reminder,
                format!("{label} expires in {} min", (*minutes_left).max(1)),
                body,
            )
            .on(Some(key))
            .offering(Offer::Extend)
        }
        Due::Expired { key, label } => Notice::new(
            NoticeKind::Expired,
            format!("{label} has ended"),
            "Activate it again from Elevate when you need it.",
        )
        .on(Some(key)),
        Due::Starting {
            key,
            label,
            minutes_left,
            late,
            ..
        } => Notice::new(
            NoticeKind::Starting,
            format!("{label} starts in {} min", (*minutes_left).max(1)),
            if *late {
                "This reminder is late (the computer was asleep). Cancel it from the tray if it is no longer needed."
            } else {
                "The scheduled activation starts then. Cancel it from the tray if it is no longer needed."
            },
        )
        .on(Some(key)),
        Due::Started { key, label } => Notice::new(
            NoticeKind::Started,
            format!("{label} has started"),
            "The scheduled activation is active now.",
        )
        .on(Some(key)),
    }
}

/// Runs `work` in a task of its own (a panic there ends that piece of work, not the loop that
/// started it) and abandons it after `deadline`; None when it failed or was abandoned.
pub(crate) async fn within<T: Send + 'static>(
    deadline: Duration,
    what: &str,
    work: impl std::future::Future<Output = T> + Send + 'static,
) -> Option<T> {
    let task = tokio::spawn(work);
    let abort = task.abort_handle();
    match tokio::time::timeout(deadline, task).await {
        Ok(Ok(out)) => Some(out),
        Ok(Err(e)) => {
            tracing::error!("{what} failed: {e}");
            None
        }
        Err(_) => {
            abort.abort();
            tracing::warn!(
                "{what} took more than {} s; it was abandoned",
                deadline.as_secs()
            );
            None
        }
    }
}

impl Elevate {
    /// The tray app's life after start: the reminder tick (first, so nothing the first
    /// refresh does can hold it back), a first refresh, favorites at start, then the refresh
    /// loop, until the runtime ends.
    pub async fn run(self: Arc<Self>) {
        self.run_every(TICK, REFRESH_EVERY, REFRESH_PENDING_EVERY)
            .await
    }

    /// `run` with other periods (tests).
    pub async fn run_every(
        self: Arc<Self>,
        tick: Duration,
        every: Duration,
        pending_every: Duration,
    ) {
        let ticker = self.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(tick);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                ticker.tick();
            }
        });
        self.refresh().await;
        // After the first refresh, so the first look does not slow the first list down.
        tokio::spawn(self.clone().approvals_loop());
        tokio::spawn(self.clone().reviews_loop());
        self.auto_activate().await;
        let mut last = tokio::time::Instant::now();
        loop {
            tokio::time::sleep(tick).await;
            let wait = if self.has_pending() {
                pending_every
            } else {
                every
            };
            if last.elapsed() < wait {
                continue;
            }
            last = tokio::time::Instant::now();
            let me = self.clone();
            within(
                REFRESH_DEADLINE,
                "a refresh",
                async move { me.refresh().await },
            )
            .await;
        }
    }
}
