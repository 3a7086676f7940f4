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
}
