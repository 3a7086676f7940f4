//! `elevatectl approvals`: the requests waiting for my decision, and approve / deny, as thin
//! adapters over the service (which checks, sends once, reconciles and records).

use std::sync::Arc;

use chrono::Utc;
use elevate_core::approval::{Decidable, DecisionState, Verdict};
use elevate_core::service::time_to_decide;
use elevate_core::{Elevate, Error};
use serde_json::json;

use crate::args::ApprovalsCommand;
use crate::output;
use crate::output::{grid, plane_name, OK, SERVICE};

pub async fn run(e: &Arc<Elevate>, cmd: ApprovalsCommand) -> Result<u8, Error> {
    match cmd {
        ApprovalsCommand::List { plane, json } => {
            let planes: Vec<_> = plane.map(|p| p.plane()).into_iter().collect();
            let pending = e.pending_approvals(&planes).await?;
            if output::wants_data(json) {
                let failures: Vec<_> = pending
                    .failures
                    .iter()
                    .map(|f| json!({"plane": f.plane, "error": f.error}))
                    .collect();
                output::print_data(&json!({"approvals": pending.items, "failures": failures}));
            } else {
                let now = Utc::now();
                if pending.items.is_empty() {
                    println!("Nothing waits for your decision.");
                } else {
                    let rows: Vec<Vec<String>> = pending
                        .items
                        .iter()
                        .map(|a| {
                            let mut why = a.justification.clone().unwrap_or_else(|| "-".into());
                            if let Some(t) = &a.ticket_number {
                                why = format!(
                                    "{why} [{}{t}]",
                                    a.ticket_system
                                        .as_deref()
                                        .map(|s| format!("{s} "))
                                        .unwrap_or_default()
                                );
                            }
                            let note = match a.decidable {
                                Decidable::Yes if a.approver_justification == Some(true) => {
                                    "justification required"
                                }
                                Decidable::Yes => "",
                                Decidable::PortalOnly => "approve in the portal",
                                Decidable::OwnRequest => "your own request",
                            };
                            vec![
                                a.key.clone(),
                                plane_name(a.plane).into(),
                                a.requester.name().into(),
                                a.label(),
                                a.duration.clone().unwrap_or_else(|| "-".into()),
                                why,
                                time_to_decide(a, now),
                                note.into(),
                            ]
                        })
                        .collect();
                    println!(
                        "{}",
                        grid(
                            &[
                                "ID",
                                "PLANE",
                                "REQUESTER",
                                "FOR",
                                "DURATION",
                                "JUSTIFICATION",
                                "LEFT",
                                "NOTE"
                            ],
                            &rows
                        )
                    );
                }
                for f in &pending.failures {
                    output::say(format!("{}: {}", f.plane.label(), f.error.message));
                }
            }
            Ok(if pending.failures.is_empty() {
                OK
            } else {
                SERVICE
            })
        }
        ApprovalsCommand::Approve {
            id,
            justification,
            json,
        } => decide(e, &id, Verdict::Approve, justification, json).await,
        ApprovalsCommand::Deny {
            id,
            justification,
            json,
        } => decide(e, &id, Verdict::Deny, justification, json).await,
    }
}

async fn decide(
    e: &Arc<Elevate>,
    id: &str,
    verdict: Verdict,
    justification: Option<String>,
    json: bool,
) -> Result<u8, Error> {
    let d = e.decide(id, verdict, justification.as_deref()).await?;
    if output::wants_data(json) {
        output::print_data(&d);
    } else {
        output::say(d.message);
    }
    Ok(match d.state {
        DecisionState::Recorded | DecisionState::AlreadyDecided => OK,
        DecisionState::Expired => SERVICE,
    })
}
