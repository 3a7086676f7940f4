//! The approver's use cases, written once for the tray, the popup, elevatectl and MCP: list
//! the requests waiting for me, decide one (recorded in the history), and, while the tray
//! runs, look for new ones, telling each once (also across restarts) with Approve and Deny
//! where nothing else is needed, and the popup on it where the policy wants my words.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{lock, Elevate};
use crate::approval::{Approval, ApprovalsView, Decidable, Decided, Verdict};
use crate::error::Error;
use crate::history::HistoryRecord;
use crate::model::Plane;
use crate::notice::{Notice, NoticeKind, Offer};
use crate::pim::Pending;
use crate::planner::MAX_JUSTIFICATION;

/// How long a told request is remembered: past its 24 hours, with a margin.
const TOLD_KEPT_HOURS: i64 = 48;
/// How many of my decisions the popup shows.
const DECIDED_KEPT: usize = 10;
/// The longest wait between two looks after failures.
const MAX_BACKOFF_SECS: u64 = 15 * 60;
/// A look that takes longer is abandoned.
const POLL_DEADLINE: std::time::Duration = std::time::Duration::from_secs(90);

/// The plane an approval key (or `--plane` word) names.
pub fn plane_of_key(key: &str) -> Option<Plane> {
    let k = key.to_ascii_lowercase();
    Plane::ALL
        .into_iter()
        .find(|p| k.starts_with(&crate::model::Assignment::key_prefix(*p).to_ascii_lowercase()))
}

/// "23 h left", "40 min left", "expired".
pub fn time_to_decide(a: &Approval, now: DateTime<Utc>) -> String {
    match a.expires {
        None => "time left unknown".into(),
        Some(e) if e <= now => "expired".into(),
        Some(e) => {
            let mins = (e - now).num_minutes();
            if mins >= 60 {
                format!("{} h left to decide", mins / 60)
            } else {
                format!("{mins} min left to decide")
            }
        }
    }
}

/// The notification for a request that arrived.
pub(crate) fn arrived_notice(a: &Approval, now: DateTime<Utc>) -> Notice {
    let mut parts = vec![];
    match (&a.duration, a.end) {
        (Some(d), _) => parts.push(match crate::policy::parse_duration(d) {
            Ok(d) => format!("for {}", crate::policy::human(d)),
            Err(_) => format!("for {d}"),
        }),
        (None, Some(end)) => parts.push(format!("until {}", end.format("%Y-%m-%d %H:%M UTC"))),
        _ => {}
    }
    if let Some(start) = a.start.filter(|s| *s > now + chrono::Duration::minutes(5)) {
        parts.push(format!("from {}", start.format("%Y-%m-%d %H:%M UTC")));
    }
    if let Some(j) = &a.justification {
        parts.push(format!("“{j}”"));
    }
    if let Some(t) = &a.ticket_number {
        parts.push(format!("ticket {t}"));
    }
    parts.push(time_to_decide(a, now));
    let (offer, extra) = match (a.decidable, a.approver_justification) {
        (Decidable::PortalOnly, _) => (
            Offer::Handle,
            " Extend and renew requests are approved in the Azure portal.",
        ),
        (_, Some(true)) => (Offer::Handle, " The policy asks you for a justification."),
        _ => (Offer::Decide, ""),
    };
    Notice::new(
        NoticeKind::ToApprove,
        format!("To approve: {} · {}", a.requester.name(), a.label()),
        format!(
            "{} asks for {}: {}.{extra}",
            a.requester.name(),
            a.kind.label(),
            parts.join(" · ")
        ),
    )
    .on(Some(&a.key))
    .offering(offer)
}

impl Elevate {
    pub fn approvals_enabled(&self) -> bool {
        lock(&self.config).approvals.enabled.unwrap_or(self.demo)
    }

    /// Whether `key` names a request waiting for me (as last looked at).
    pub fn is_approval(&self, key: &str) -> bool {
        lock(&self.live)
            .approvals
            .items
            .iter()
            .any(|a| a.key == key)
    }

    /// The portal's "Approve requests" page for the plane of an approval (extend and renew
    /// requests are decided there only).
    pub fn portal_url(&self, a: &Approval) -> String {
        let blade = match a.plane {
            Plane::EntraRole => "aadmigratedroles",
            Plane::Group => "aadgroup",
            Plane::AzureResource => "azurerbac",
        };
        format!(
            "{}/#view/Microsoft_Azure_PIMCommon/ApproveRequestMenuBlade/~/{blade}",
            self.session().cfg.cloud.portal()
        )
    }

    /// Opens the portal's approvals page for `key` in the browser.
    pub async fn open_in_portal(&self, key: &str) -> Result<(), Error> {
        let a = self.find_approval(key).await?;
        self.session().open_url(&self.portal_url(&a))
    }

    /// Refresh as the user asks for it (the tray's Refresh, the popup's): the assignments,
    /// and the approvals at once.
    pub async fn refresh_all(self: &Arc<Self>) -> crate::app::View {
        self.wake_approvals();
        self.refresh().await
    }

    /// Makes the approvals poller look now.
    pub fn wake_approvals(&self) {
        self.approvals_wake.notify_one();
    }

    /// The tray's approvals loop: a look every `poll_seconds` (at least 10) while turned on,
    /// doubled after each failure up to 15 minutes, and at once when woken. Each look has a
    /// deadline; a hung one is abandoned.
    pub async fn approvals_loop(self: Arc<Self>) {
        let mut failures: u32 = 0;
        let mut last: Option<tokio::time::Instant> = None;
        loop {
            let every = u64::from(lock(&self.config).approvals.poll_seconds.max(10));
            let wait = std::time::Duration::from_secs(
                (every.saturating_mul(1 << failures.min(7))).min(MAX_BACKOFF_SECS),
            );
            let due = last.map_or(tokio::time::Duration::ZERO, |l| {
                wait.saturating_sub(l.elapsed())
            });
            tokio::select! {
                _ = tokio::time::sleep(due) => {}
                _ = self.approvals_wake.notified() => {}
            }
            if !self.approvals_enabled() {
                last = Some(tokio::time::Instant::now());
                continue;
            }
            last = Some(tokio::time::Instant::now());
            let me = self.clone();
            let look = super::background::within(POLL_DEADLINE, "an approvals look", async move {
                me.poll_approvals().await
            });
            match look.await {
                Some(Ok(true)) => failures = 0,
                Some(Ok(false)) | Some(Err(_)) | None => failures += 1,
            }
        }
    }

    /// One look at the requests waiting for me on `planes` (all when empty).
    pub async fn pending_approvals(&self, planes: &[Plane]) -> Result<Pending, Error> {
        let planes = if planes.is_empty() {
            &Plane::ALL[..]
        } else {
            planes
        };
        self.pim.pending_approvals(planes).await
    }

    /// The section as the popup shows it now.
    pub fn approvals_view(&self) -> ApprovalsView {
        let mut v = lock(&self.live).approvals.clone();
        v.enabled = self.approvals_enabled();
        v
    }

    /// The tray's look: lists, tells each new request once, remembers what it told (on
    /// disk), publishes. Returns whether every plane answered.
    pub async fn poll_approvals(self: &Arc<Self>) -> Result<bool, Error> {
        if !self.approvals_enabled() {
            return Ok(true);
        }
        let pending = self.pending_approvals(&[]).await;
        let pending = match pending {
            Ok(p) => p,
            Err(e) => {
                lock(&self.live).approvals.failures = Plane::ALL
                    .iter()
                    .map(|p| crate::model::PlaneFailure {
                        plane: *p,
                        error: (&e).into(),
                    })
                    .collect();
                self.publish_approvals();
                return Err(e);
            }
        };
        let now = self.clock.now();
        let (mut seen, notice) = self.data.load_seen_approvals();
        if let Some(n) = notice {
            self.warn(n);
        }
        let cutoff = (now - chrono::Duration::hours(TOLD_KEPT_HOURS)).timestamp();
        seen.retain(|_, at| *at >= cutoff);
        let mut told = vec![];
        for a in &pending.items {
            if a.decidable == Decidable::OwnRequest || seen.contains_key(&a.key) {
                continue;
            }
            seen.insert(a.key.clone(), now.timestamp());
            told.push(arrived_notice(a, now));
        }
        if !told.is_empty() {
            if let Err(e) = self.data.save_seen_approvals(&seen) {
                tracing::warn!("the told approvals could not be saved: {e}");
            }
        }
        let all_answered = pending.failures.is_empty();
        {
            let mut live = lock(&self.live);
            live.approvals.items = pending.items;
            live.approvals.failures = pending.failures;
            live.approvals.checked_at = Some(now.timestamp_millis());
        }
        self.publish_approvals();
        for n in told {
            self.shell.notify(n);
        }
        Ok(all_answered)
    }

    /// Puts the approvals into the current view and publishes it (the tray follows).
    fn publish_approvals(&self) {
        self.publish_with(false, |_| {});
    }

    /// The approval `id` names (key, request id or approval id): from the last look, else
    /// from a fresh one on its plane.
    pub async fn find_approval(&self, id: &str) -> Result<Approval, Error> {
        let id = id.trim();
        if id.is_empty() {
            return Err(Error::InvalidInput(
                "Name the request to decide: its id as `elevatectl approvals list` shows it."
                    .into(),
            ));
        }
        if let Some(a) = lock(&self.live)
            .approvals
            .items
            .iter()
            .find(|a| a.named(id))
        {
            return Ok(a.clone());
        }
        let planes: Vec<Plane> = plane_of_key(id).into_iter().collect();
        let pending = self.pending_approvals(&planes).await?;
        if let Some(a) = pending.items.into_iter().find(|a| a.named(id)) {
            return Ok(a);
        }
        let failed: Vec<&str> = pending.failures.iter().map(|f| f.plane.label()).collect();
        let also = if failed.is_empty() {
            String::new()
        } else {
            format!(" ({} could not be listed)", failed.join(", "))
        };
        Err(Error::InvalidInput(format!(
            "No request waiting for your decision has the id '{id}'{also}: it may be decided already, expired, or not yours to approve. `elevatectl approvals list` shows them."
        )))
    }

    /// Approves or denies `id` with my justification; recorded in the history; the section
    /// follows. Someone deciding first is a result, not an error.
    pub async fn decide(
        self: &Arc<Self>,
        id: &str,
        verdict: Verdict,
        justification: Option<&str>,
    ) -> Result<Decided, Error> {
        let justification = justification.unwrap_or("").trim().to_string();
        if justification.chars().count() > MAX_JUSTIFICATION {
            return Err(Error::InvalidInput(format!(
                "The justification has {} characters; PIM accepts at most {MAX_JUSTIFICATION}.",
                justification.chars().count()
            )));
        }
        let a = match self.find_approval(id).await {
            Ok(a) => a,
            Err(e @ Error::InvalidInput(_)) => {
                // Not waiting any more: say who decided it (or that it expired) when a plane
                // knows it; otherwise the error names what to do.
                return match self.pim.look_up_settled(id, verdict).await {
                    Some(d) => Ok(d),
                    None => Err(e),
                };
            }
            Err(e) => return Err(e),
        };
        let out = self.pim.decide(&a, verdict, &justification).await;
        self.record_decision(&a, verdict, &justification, &out);
        if let Ok(d) = &out {
            {
                let mut live = lock(&self.live);
                live.approvals.items.retain(|x| x.key != a.key);
                live.approvals.decided.retain(|x| x.key != d.key);
                live.approvals.decided.insert(0, d.clone());
                live.approvals.decided.truncate(DECIDED_KEPT);
            }
            self.publish_approvals();
        }
        out
    }

    /// A notification's or the menu's Approve/Deny: decides at once when nothing more is
    /// needed; opens the popup on the request when the policy wants my justification.
    pub async fn decide_from_notice(
        self: &Arc<Self>,
        key: &str,
        verdict: Verdict,
    ) -> Result<(), Error> {
        let a = self.find_approval(key).await?;
        if a.approver_justification == Some(true) || a.decidable != Decidable::Yes {
            self.open_on(Some(&a.key));
            return Ok(());
        }
        match self.decide(&a.key, verdict, None).await {
            Ok(d) => {
                self.shell.notify(
                    Notice::new(
                        NoticeKind::Decided,
                        format!("{} · {}", a.requester.name(), a.label()),
                        d.message,
                    )
                    .on(Some(&a.key)),
                );
                Ok(())
            }
            Err(Error::PolicyRefused { .. }) => {
                self.open_on(Some(&a.key));
                Ok(())
            }
            Err(e)
                if e.service().is_some_and(|s| {
                    s.status == 400 && s.message.to_ascii_lowercase().contains("justification")
                }) =>
            {
                // The policy wants my words after all (it could not be read before).
                self.open_on(Some(&a.key));
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    fn record_decision(
        &self,
        a: &Approval,
        verdict: Verdict,
        justification: &str,
        out: &Result<Decided, Error>,
    ) {
        let (outcome, error) = match out {
            Ok(d) => (
                serde_json::to_value(d.state)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                None,
            ),
            Err(e) => (e.code().to_string(), Some(e.to_string())),
        };
        self.append(HistoryRecord {
            time: self.clock.now(),
            action: match verdict {
                Verdict::Approve => "approve",
                Verdict::Deny => "deny",
            }
            .into(),
            key: a.key.clone(),
            label: format!("{} for {}", a.label(), a.requester.name()),
            outcome,
            request_id: Some(a.request_id.clone()),
            justification: Some(justification.to_string()).filter(|j| !j.is_empty()),
            duration: a.duration.clone(),
            error,
            prev: String::new(),
            v: None,
        });
    }
}
