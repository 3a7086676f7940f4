//! The reviewer's use cases, written once for the popup, elevatectl and MCP: list the access
//! review decisions waiting for me (Graph and ARM), record one (refused before the network
//! when a rule the item carries says no; recorded in the history), and, while the tray runs,
//! look every `poll_seconds`, telling once (also across restarts) when a review assigned to
//! me opens and when one is about to close.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::{lock, Elevate};
use crate::error::Error;
use crate::history::HistoryRecord;
use crate::notice::{Notice, NoticeKind, Offer};
use crate::pim::MyReviews;
use crate::planner::MAX_JUSTIFICATION;
use crate::review::{ReviewDecided, ReviewDecision, ReviewItem, ReviewsView};

/// A review is "about to close" this long before its end.
pub const CLOSING_SOON_HOURS: i64 = 24;
/// How long a told review is remembered (reviews last weeks; quarterly series recur).
const TOLD_KEPT_DAYS: i64 = 120;
/// The longest wait between two looks after failures.
const MAX_BACKOFF_SECS: u64 = 60 * 60;
/// A look that takes longer is abandoned.
const POLL_DEADLINE: std::time::Duration = std::time::Duration::from_secs(120);
const SEEN_FILE: &str = "reviews-seen.json";

/// "due in 3 days", "due in 5 h", "ended".
pub fn time_to_review(due: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match due {
        None => "no end date".into(),
        Some(d) if d <= now => "ended".into(),
        Some(d) => {
            let hours = (d - now).num_hours();
            if hours >= 48 {
                format!("due in {} days", (hours + 12) / 24)
            } else if hours >= 1 {
                format!("due in {hours} h")
            } else {
                format!("due in {} min", (d - now).num_minutes().max(1))
            }
        }
    }
}

/// One review instance with decisions waiting for me: (first item, how many).
fn instances(items: &[ReviewItem]) -> Vec<(&ReviewItem, usize)> {
    let mut out: Vec<(&ReviewItem, usize)> = vec![];
    for it in items {
        match out
            .iter_mut()
            .find(|(f, _)| f.instance_id == it.instance_id)
        {
            Some((_, n)) => *n += 1,
            None => out.push((it, 1)),
        }
    }
    out
}

fn decisions_word(n: usize) -> String {
    if n == 1 {
        "1 decision".into()
    } else {
        format!("{n} decisions")
    }
}

impl Elevate {
    pub fn reviews_enabled(&self) -> bool {
        lock(&self.config).reviews.enabled.unwrap_or(self.demo)
    }

    /// One look at the decisions waiting for me.
    pub async fn pending_reviews(&self) -> Result<MyReviews, Error> {
        self.pim.my_reviews().await
    }

    /// The section as last looked at.
    pub fn reviews_view(&self) -> ReviewsView {
        let mut v = lock(&self.live).reviews.clone();
        v.enabled = self.reviews_enabled();
        v
    }

    /// A fresh look (the popup's Reviews view when it opens): lists, keeps and publishes it.
    pub async fn look_at_reviews(&self) -> ReviewsView {
        let now = self.clock.now();
        match self.pending_reviews().await {
            Ok(found) => self.keep_reviews(found, now),
            Err(e) => {
                let mut live = lock(&self.live);
                live.reviews.failures = [
                    crate::review::ReviewApi::Graph,
                    crate::review::ReviewApi::Arm,
                ]
                .into_iter()
                .map(|api| crate::review::ReviewFailure {
                    api,
                    error: (&e).into(),
                })
                .collect();
            }
        }
        self.publish_reviews();
        self.reviews_view()
    }

    fn keep_reviews(&self, found: MyReviews, now: DateTime<Utc>) {
        let mut live = lock(&self.live);
        live.reviews.items = found.items;
        live.reviews.failures = found.failures;
        live.reviews.checked_at = Some(now.timestamp_millis());
    }

    /// Puts the reviews into the current view and publishes it.
    fn publish_reviews(&self) {
        self.publish_with(false, |_| {});
    }

    /// The tray's reviews loop: a look every `poll_seconds` (at least 30) while turned on,
    /// doubled after each failure up to an hour. Each look has a deadline.
    pub async fn reviews_loop(self: Arc<Self>) {
        let mut failures: u32 = 0;
        loop {
            if self.reviews_enabled() {
                let me = self.clone();
                let look = super::background::within(POLL_DEADLINE, "a reviews look", async move {
                    me.poll_reviews().await
                });
                match look.await {
                    Some(Ok(true)) => failures = 0,
                    Some(Ok(false)) | Some(Err(_)) | None => failures += 1,
                }
            }
            let every = u64::from(lock(&self.config).reviews.poll_seconds.max(30));
            let wait = (every.saturating_mul(1 << failures.min(7))).min(MAX_BACKOFF_SECS);
            tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
        }
    }

    /// The tray's look: lists, tells each review that opened and each about to close once
    /// (remembered on disk), publishes. Returns whether both APIs answered.
    pub async fn poll_reviews(self: &Arc<Self>) -> Result<bool, Error> {
        if !self.reviews_enabled() {
            return Ok(true);
        }
        let found = self.pending_reviews().await?;
        let now = self.clock.now();
        let all_answered = found.failures.is_empty();
        let mut seen = self.load_seen_reviews();
        let cutoff = (now - Duration::days(TOLD_KEPT_DAYS)).timestamp();
        seen.retain(|_, at| *at >= cutoff);
        let mut told = vec![];
        for (first, n) in instances(&found.items) {
            let opened = format!("opened:{}", first.instance_id.to_ascii_lowercase());
            let closing = format!("closing:{}", first.instance_id.to_ascii_lowercase());
            let soon = first
                .due
                .is_some_and(|d| d > now && d - now <= Duration::hours(CLOSING_SOON_HOURS));
            if soon && !seen.contains_key(&closing) {
                seen.insert(closing, now.timestamp());
                seen.entry(opened).or_insert(now.timestamp());
                told.push(
                    Notice::new(
                        NoticeKind::ReviewClosing,
                        format!("Review closing soon: {}", first.review_name),
                        format!(
                            "{} still to make, {}.",
                            decisions_word(n),
                            time_to_review(first.due, now)
                        ),
                    )
                    .on(Some(&first.key))
                    .offering(Offer::Handle),
                );
            } else if let std::collections::btree_map::Entry::Vacant(slot) = seen.entry(opened) {
                slot.insert(now.timestamp());
                told.push(
                    Notice::new(
                        NoticeKind::ReviewOpened,
                        format!("Access review for you: {}", first.review_name),
                        format!(
                            "{} to make ({}), {}.",
                            decisions_word(n),
                            first.target(),
                            time_to_review(first.due, now)
                        ),
                    )
                    .on(Some(&first.key))
                    .offering(Offer::Handle),
                );
            }
        }
        if !told.is_empty() {
            self.save_seen_reviews(&seen);
        }
        self.keep_reviews(found, now);
        self.publish_reviews();
        for n in told {
            self.shell.notify(n);
        }
        Ok(all_answered)
    }

    fn seen_reviews_path(&self) -> std::path::PathBuf {
        self.data.0.join(SEEN_FILE)
    }

    /// The reviews told already (`opened:{instance}`, `closing:{instance}` → when). Unreadable:
    /// empty (at worst a review is told twice), and said.
    fn load_seen_reviews(&self) -> BTreeMap<String, i64> {
        let path = self.seen_reviews_path();
        let Ok(bytes) = std::fs::read(&path) else {
            return BTreeMap::new();
        };
        match serde_json::from_slice(&bytes) {
            Ok(seen) => seen,
            Err(e) => {
                let aside = crate::store::move_aside(&path)
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|_| "nowhere".into());
                self.warn(format!("{} could not be read ({e}); it was moved to {aside}: reviews may be told again", path.display()));
                BTreeMap::new()
            }
        }
    }

    fn save_seen_reviews(&self, seen: &BTreeMap<String, i64>) {
        let saved = serde_json::to_vec(seen)
            .map_err(|e| Error::InvalidInput(e.to_string()))
            .and_then(|bytes| crate::store::write_atomic(&self.seen_reviews_path(), &bytes));
        if let Err(e) = saved {
            tracing::warn!("the told reviews could not be saved: {e}");
        }
    }

    /// The item `id` names (key or decision id): from the last look, else from a fresh one.
    pub async fn find_review(&self, id: &str) -> Result<ReviewItem, Error> {
        let id = id.trim();
        if id.is_empty() {
            return Err(Error::InvalidInput(
                "Name the decision to record: its id as `elevatectl reviews list` shows it.".into(),
            ));
        }
        if let Some(it) = lock(&self.live).reviews.items.iter().find(|i| i.named(id)) {
            return Ok(it.clone());
        }
        let found = self.pending_reviews().await?;
        if let Some(it) = found.items.iter().find(|i| i.named(id)) {
            return Ok(it.clone());
        }
        let failed: Vec<&str> = found.failures.iter().map(|f| f.api.label()).collect();
        let also = if failed.is_empty() {
            String::new()
        } else {
            format!(" ({} could not be listed)", failed.join(", "))
        };
        Err(Error::InvalidInput(format!(
            "No access review decision waiting for you has the id '{id}'{also}: it may be decided already, its review may have ended, or it is not yours to review. `elevatectl reviews list` shows them."
        )))
    }

    /// Records my decision on `id` with `justification`. Refused before sending: a decision
    /// other than approve, deny or don't know; a justification the review requires to approve
    /// and missing; a review that has ended. Recorded in the history; the view follows.
    pub async fn decide_review(
        self: &Arc<Self>,
        id: &str,
        decision: ReviewDecision,
        justification: Option<&str>,
    ) -> Result<ReviewDecided, Error> {
        if decision == ReviewDecision::NotReviewed {
            return Err(Error::InvalidInput(
                "Choose a decision: approve, deny or don't know.".into(),
            ));
        }
        let justification = justification.unwrap_or("").trim().to_string();
        if justification.chars().count() > MAX_JUSTIFICATION {
            return Err(Error::InvalidInput(format!(
                "The justification has {} characters; keep it to {MAX_JUSTIFICATION}.",
                justification.chars().count()
            )));
        }
        let it = self.find_review(id).await?;
        if it.justification_required
            && decision == ReviewDecision::Approve
            && justification.is_empty()
        {
            return Err(Error::PolicyRefused {
                rule: "justificationRequiredOnApproval".into(),
                message: format!(
                    "“{}” requires a justification to approve (its justificationRequiredOnApproval setting): give one (--justification) and try again.",
                    it.review_name
                ),
            });
        }
        let now = self.clock.now();
        if let Some(due) = it.due.filter(|d| *d <= now) {
            return Err(Error::PolicyRefused {
                rule: "reviewInProgress".into(),
                message: format!(
                    "The review “{}” ended on {}: decisions can only be recorded while a review is in progress.",
                    it.review_name,
                    due.format("%Y-%m-%d %H:%M UTC")
                ),
            });
        }
        let out = self.pim.decide_review(&it, decision, &justification).await;
        self.record_review(&it, decision, &justification, &out);
        out?;
        {
            let mut live = lock(&self.live);
            live.reviews.items.retain(|x| x.key != it.key);
        }
        self.publish_reviews();
        Ok(ReviewDecided {
            key: it.key.clone(),
            decision,
            message: format!(
                "Recorded “{}” for {} in “{}”.",
                decision.words(),
                it.label(),
                it.review_name
            ),
        })
    }

    fn record_review(
        &self,
        it: &ReviewItem,
        decision: ReviewDecision,
        justification: &str,
        out: &Result<(), Error>,
    ) {
        let (outcome, error) = match out {
            Ok(()) => ("recorded".to_string(), None),
            Err(e) => (e.code().to_string(), Some(e.to_string())),
        };
        self.append(HistoryRecord {
            time: self.clock.now(),
            action: format!("review: {}", decision.words()),
            key: it.key.clone(),
            label: format!("{} (review “{}”)", it.label(), it.review_name),
            outcome,
            request_id: Some(it.decision_id.clone()),
            justification: Some(justification.to_string()).filter(|j| !j.is_empty()),
            duration: None,
            error,
            prev: String::new(),
            v: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::time_to_review;
    use chrono::{Duration, TimeZone, Utc};

    #[test]
    fn time_left_reads_in_days_hours_or_minutes() {
        let now = Utc
            .with_ymd_and_hms(2026, 11, 1, 12, 0, 0)
            .single()
            .expect("time");
        assert_eq!(
            time_to_review(Some(now + Duration::days(3)), now),
            "due in 3 days"
        );
        assert_eq!(
            time_to_review(Some(now + Duration::hours(5)), now),
            "due in 5 h"
        );
        assert_eq!(
            time_to_review(Some(now + Duration::minutes(20)), now),
            "due in 20 min"
        );
        assert_eq!(
            time_to_review(Some(now - Duration::minutes(1)), now),
            "ended"
        );
        assert_eq!(time_to_review(None, now), "no end date");
    }
}
