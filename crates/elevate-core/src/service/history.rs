//! The local activation history: every request any front end makes is recorded here, once,
//! by the use case that made it; `history` and `verify` read it back.

use super::Elevate;
use crate::error::Error;
use crate::history::{HistoryRecord, Verification};
use crate::model::Assignment;
use crate::pim::RequestOutcome;
use crate::planner::Plan;

/// The word a history line uses for a request's state (`active`, `pendingApproval`, …).
pub fn state_word(o: &RequestOutcome) -> String {
    serde_json::to_value(o.state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

impl Elevate {
    /// Appends one record; a history that cannot be written is said, never fatal.
    pub(crate) fn record(
        &self,
        action: &str,
        a: &Assignment,
        out: &Result<RequestOutcome, Error>,
        plan: Option<&Plan>,
    ) {
        let (outcome, request_id, error) = match out {
            Ok(o) => (state_word(o), o.request_id.clone(), None),
            Err(e) => (e.code().to_string(), None, Some(e.to_string())),
        };
        self.append(HistoryRecord {
            time: self.clock.now(),
            action: action.into(),
            key: a.key.clone(),
            label: a.label(),
            outcome,
            request_id,
            justification: plan.and_then(|p| p.justification.clone()),
            duration: plan.map(|p| crate::policy::iso(p.duration)),
            error,
            prev: String::new(),
            v: None,
        });
    }

    pub(crate) fn append(&self, record: HistoryRecord) {
        if let Err(e) = self.history.append(record) {
            self.warn(format!("The activation history could not be written: {e}"));
        }
    }

    pub fn history(&self) -> Result<Vec<HistoryRecord>, Error> {
        self.history.records()
    }

    pub fn verify_history(&self) -> Result<Verification, Error> {
        self.history.verify()
    }

    /// The popup's History: the last `days` days of my events (the tenant's where I may read
    /// them), newest first, with the local chain's state.
    pub async fn history_view(&self, days: i64) -> HistoryView {
        let me = self.session().identity();
        let q = crate::pim::AuditQuery {
            since: Some(
                self.clock.now()
                    - chrono::Duration::days(days.clamp(1, crate::pim::RETENTION_DAYS)),
            ),
            user: me.map(|i| i.username),
            ..Default::default()
        };
        let report = self.audit(&q).await;
        let (verification, verification_error) = match self.verify_history() {
            Ok(v) => (Some(v), None),
            Err(e) => (None, Some((&e).into())),
        };
        HistoryView {
            events: report.events,
            tenant_error: report.tenant_error,
            verification,
            verification_error,
        }
    }

    /// My PIM events: the tenant's audit log (when I may read it) merged with this machine's
    /// history, newest first, each saying where it came from. The tenant's part failing
    /// (a role or consent missing) still gives the local part, with the error.
    pub async fn audit(&self, q: &crate::pim::AuditQuery) -> AuditReport {
        let now = self.clock.now();
        let tenant = self.pim.audit(q, now).await;
        let me = self.session().identity();
        let since = q.since.unwrap_or(now - chrono::Duration::days(7));
        let ids: Vec<String> = me
            .iter()
            .flat_map(|i| [i.object_id.clone(), i.username.clone()])
            .collect();
        let mut events: Vec<crate::pim::AuditEvent> = self
            .history()
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.time >= since)
            .map(|r| crate::pim::AuditEvent {
                source: "local".into(),
                time: r.time,
                activity: r.action,
                plane: super::plane_of_key(&r.key),
                target: r.label,
                principal: None,
                initiated_by: me.as_ref().map(|i| i.username.clone()),
                result: r.outcome,
                justification: r.justification,
                request_id: r.request_id,
            })
            .filter(|e| crate::pim::audit_matches(e, q, &ids))
            .collect();
        let error = match tenant {
            Ok(t) => {
                events.extend(t);
                None
            }
            Err(e) => Some((&e).into()),
        };
        // Azure's own record of the schedule requests, where the account may read it. The
        // window ends a little after now: the filter has whole seconds, and clocks differ.
        let mut notes = vec![];
        if q.plane
            .is_none_or(|p| p == crate::model::Plane::AzureResource)
        {
            match self
                .pim
                .activity_log(since, now + chrono::Duration::minutes(5))
                .await
            {
                Ok((azure, skipped)) => {
                    events.extend(
                        azure
                            .into_iter()
                            .filter(|e| crate::pim::audit_matches(e, q, &ids)),
                    );
                    notes.extend(skipped.into_iter().map(|s| format!("Activity Log of {s}")));
                }
                Err(e) => notes.push(format!("The Azure Activity Log could not be read: {e}")),
            }
        }
        events.sort_by_key(|e| std::cmp::Reverse(e.time));
        AuditReport {
            events,
            tenant_error: error,
            notes,
        }
    }
}

/// The popup's History view: my events, local and from the tenant, and the local chain's state.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HistoryView {
    pub events: Vec<crate::pim::AuditEvent>,
    /// Why the tenant's part is missing (no reader role, no consent), if it is.
    pub tenant_error: Option<crate::payload::ErrorPayload>,
    /// The local history's hash chain: verified, or where it breaks.
    pub verification: Option<crate::history::Verification>,
    /// Why the chain could not be checked, if it could not.
    pub verification_error: Option<crate::payload::ErrorPayload>,
}

/// What `audit` found.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditReport {
    pub events: Vec<crate::pim::AuditEvent>,
    /// Why the tenant's audit log could not be read (the local events are still there).
    pub tenant_error: Option<crate::payload::ErrorPayload>,
    /// Subscriptions whose Activity Log could not be read, and why.
    pub notes: Vec<String>,
}
