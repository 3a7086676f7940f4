//! Activating favorites in one go: at login (unattended) and from `elevatectl favorites
//! activate` or the tray. Each favorite gets one result; nothing is retried in a loop, and
//! a favorite that needs a person is reported, never pushed through.

use serde::Serialize;
use ts_rs::TS;

use crate::config::Defaults;
use crate::error::Error;
use crate::model::{Assignment, Snapshot, Status};
use crate::payload::ErrorPayload;
use crate::pim::{Pim, RequestState};
use crate::planner::ActivationInput;
use crate::store::Favorite;

impl Favorite {
    /// The saved input (the duration parsed; a bad saved duration is an error).
    pub fn input(&self) -> Result<ActivationInput, Error> {
        Ok(ActivationInput {
            justification: self.justification.clone(),
            ticket_number: self.ticket_number.clone(),
            ticket_system: self.ticket_system.clone(),
            duration: self
                .duration
                .as_deref()
                .filter(|d| !d.trim().is_empty())
                .map(crate::policy::parse_duration)
                .transpose()?,
            start: None,
        })
    }
}

/// Who is at the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// At login: no one to approve a step-up prompt or to decide to bother an approver.
    Unattended,
    /// The user asked for it: requests needing approval are sent, step-up may prompt.
    Interactive,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase", tag = "result")]
#[ts(export)]
pub enum FavoriteResult {
    /// Sent now; `state` says whether it is active, provisioning, scheduled or pending.
    Sent {
        state: RequestState,
        request_id: Option<String>,
    },
    AlreadyActive,
    AlreadyPending,
    /// Not sent: a person must act (`reason` says what and where).
    NeedsYou {
        reason: String,
    },
    /// The assignment is not (or no longer) eligible, or its plane could not be listed.
    Unavailable {
        reason: String,
    },
    Failed {
        error: ErrorPayload,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FavoriteOutcome {
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub result: FavoriteResult,
}

/// What the needs-a-person checks find in a policy, before anything is sent.
pub(crate) fn needs_person(a: &Assignment, fav: &Favorite, mode: Mode) -> Option<String> {
    let p = a.policy.as_ref()?;
    if mode == Mode::Unattended {
        if let Some(c) = &p.auth_context {
            return Some(format!(
                "needs a fresh sign-in for authentication context {c}"
            ));
        }
        if p.approval {
            return Some("needs an approver: send the request yourself".into());
        }
    }
    if p.justification
        && fav
            .justification
            .as_deref()
            .is_none_or(|j| j.trim().is_empty())
    {
        return Some("needs a justification, and the favorite has none saved".into());
    }
    if p.ticket
        && fav
            .ticket_number
            .as_deref()
            .is_none_or(|t| t.trim().is_empty())
    {
        return Some("needs a ticket number, and the favorite has none saved".into());
    }
    None
}

/// Activates every favorite that is eligible and neither active nor pending.
pub async fn activate_favorites(
    pim: &Pim,
    favorites: &[Favorite],
    snapshot: &Snapshot,
    defaults: &Defaults,
    mode: Mode,
) -> Vec<FavoriteOutcome> {
    futures::future::join_all(
        favorites
            .iter()
            .map(|fav| one(pim, fav, snapshot, defaults, mode)),
    )
    .await
}

async fn one(
    pim: &Pim,
    fav: &Favorite,
    snapshot: &Snapshot,
    defaults: &Defaults,
    mode: Mode,
) -> FavoriteOutcome {
    {
        let has = |s: Status| {
            snapshot
                .assignments
                .iter()
                .find(|a| a.key == fav.key && a.status == s)
        };
        let result = if has(Status::Active).is_some() {
            FavoriteResult::AlreadyActive
        } else if has(Status::PendingApproval).is_some() {
            FavoriteResult::AlreadyPending
        } else if let Some(a) = has(Status::Eligible) {
            activate_one(pim, a, fav, defaults, mode).await
        } else {
            let failed = snapshot
                .failures
                .iter()
                .find(|f| fav.key.starts_with(plane_prefix(f.plane)));
            FavoriteResult::Unavailable {
                reason: match failed {
                    Some(f) => format!("{} could not be listed: {}", f.plane.label(), f.error.message),
                    None => "no longer eligible: remove it from your favorites or ask for the eligibility again".into(),
                },
            }
        };
        FavoriteOutcome {
            key: fav.key.clone(),
            label: fav.label.clone(),
            result,
        }
    }
}

fn plane_prefix(plane: crate::model::Plane) -> &'static str {
    crate::model::Assignment::key_prefix(plane)
}

async fn activate_one(
    pim: &Pim,
    a: &Assignment,
    fav: &Favorite,
    defaults: &Defaults,
    mode: Mode,
) -> FavoriteResult {
    let mut a = a.clone();
    if a.policy.is_none() {
        match pim.policy(&a).await {
            Ok(p) => a.policy = Some(p),
            Err(e) => return FavoriteResult::Failed { error: (&e).into() },
        }
    }
    if let Some(reason) = needs_person(&a, fav, mode) {
        return FavoriteResult::NeedsYou { reason };
    }
    let sent = async {
        let plan = pim.plan(&a, &fav.input()?, defaults).await?;
        pim.activate(&a, &plan).await
    }
    .await;
    match sent {
        Ok(o) => FavoriteResult::Sent {
            state: o.state,
            request_id: o.request_id,
        },
        // The planner's refusals name what is missing: a person must fix the favorite.
        Err(Error::PolicyRefused { message, .. }) => FavoriteResult::NeedsYou { reason: message },
        Err(e) => FavoriteResult::Failed { error: (&e).into() },
    }
}

/// One notification's worth: a title and a body listing what happened.
pub fn summary(outcomes: &[FavoriteOutcome]) -> (String, String) {
    let mut active = vec![];
    let mut pending = vec![];
    let mut attention = vec![];
    for o in outcomes {
        match &o.result {
            FavoriteResult::Sent { state, .. } => match state {
                RequestState::PendingApproval => pending.push(o.label.clone()),
                _ => active.push(o.label.clone()),
            },
            FavoriteResult::AlreadyActive => {}
            FavoriteResult::AlreadyPending => pending.push(format!("{} (already)", o.label)),
            FavoriteResult::NeedsYou { reason } | FavoriteResult::Unavailable { reason } => {
                attention.push(format!("{}: {reason}", o.label))
            }
            FavoriteResult::Failed { error } => {
                attention.push(format!("{}: {}", o.label, error.message))
            }
        }
    }
    let title = match (active.len(), pending.len(), attention.len()) {
        (0, 0, 0) => "Favorites: nothing to activate".to_string(),
        (a, p, n) => {
            let mut parts = vec![];
            if a > 0 {
                parts.push(format!("{a} activated"));
            }
            if p > 0 {
                parts.push(format!("{p} pending approval"));
            }
            if n > 0 {
                parts.push(format!("{n} need you"));
            }
            format!("Favorites: {}", parts.join(", "))
        }
    };
    let mut body = vec![];
    if !active.is_empty() {
        body.push(format!("Activated: {}.", active.join(", ")));
    }
    if !pending.is_empty() {
        body.push(format!("Pending approval: {}.", pending.join(", ")));
    }
    if !attention.is_empty() {
        body.push(format!("Needs you: {}.", attention.join("; ")));
    }
    if body.is_empty() {
        body.push("Every favorite is already active.".into());
    }
    (title, body.join("\n"))
}
