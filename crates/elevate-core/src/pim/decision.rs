//! How a decision on an approval ended, in one line for the user: recorded (perhaps confirmed
//! after a lost answer), decided first by someone else (who, when the approval says), or
//! expired; and what an approval with no open step of mine means.

use crate::approval::{self, Approval, Decided, DecisionState, Step, Verdict};
use crate::error::Error;

pub(super) fn recorded(a: &Approval, verdict: Verdict, reconciled: bool) -> Decided {
    let after = if reconciled {
        " (confirmed after a lost answer)"
    } else {
        ""
    };
    Decided {
        key: a.key.clone(),
        verdict,
        state: DecisionState::Recorded,
        result: Some(verdict.past().into()),
        by: None,
        message: format!(
            "{}'s {} of {} {}{after}.",
            a.requester.name(),
            a.kind.label(),
            a.label(),
            verdict.past()
        ),
    }
}

/// "Lee Gu's activation of SOC Analysts (owner)", or "Request 9f2b…" when only its id is known.
fn subject(a: &Approval) -> String {
    if a.requester.id.is_empty() {
        format!("Request {}", a.request_id)
    } else {
        format!(
            "{}'s {} of {}",
            a.requester.name(),
            a.kind.label(),
            a.label()
        )
    }
}

pub(super) fn already(
    a: &Approval,
    verdict: Verdict,
    result: Option<String>,
    by: Option<String>,
) -> Decided {
    let what = match (&result, &by) {
        (Some(r), Some(b)) => format!("already {r} by {b}"),
        (Some(r), None) => format!("already {r} by another approver"),
        _ => "already decided by another approver".to_string(),
    };
    Decided {
        key: a.key.clone(),
        verdict,
        state: DecisionState::AlreadyDecided,
        message: format!("{}: {what}; nothing to do.", subject(a)),
        result,
        by,
    }
}

pub(super) fn expired_result(a: &Approval, verdict: Verdict) -> Decided {
    Decided {
        key: a.key.clone(),
        verdict,
        state: DecisionState::Expired,
        result: None,
        by: None,
        message: format!(
            "{} expired: requests wait {} hours for an approver; they must ask again.",
            subject(a),
            approval::APPROVAL_WINDOW_HOURS
        ),
    }
}

/// No open step of mine: someone decided, it expired, or it was never mine. After our own
/// uncertain attempt, a step now showing our verdict is ours.
pub(super) fn settled(
    a: &Approval,
    verdict: Verdict,
    steps: &[Step],
    ours_maybe: bool,
) -> Result<Decided, Error> {
    if let Some(done) = steps
        .iter()
        .find(|s| matches!(s.result.as_str(), "approved" | "denied"))
    {
        if ours_maybe && done.result == verdict.past() {
            return Ok(recorded(a, verdict, true));
        }
        return Ok(already(
            a,
            verdict,
            Some(done.result.clone()),
            done.reviewed_by.clone(),
        ));
    }
    if steps.iter().any(|s| s.status == "expired") {
        return Ok(expired_result(a, verdict));
    }
    if steps.iter().any(|s| s.status == "completed") {
        return Ok(already(a, verdict, None, None));
    }
    Err(Error::InvalidInput(format!(
        "No review step of {}'s request for {} is assigned to you: you are not (or no longer) one of its approvers.",
        a.requester.name(),
        a.label()
    )))
}
