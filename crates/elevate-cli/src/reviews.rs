//! `elevatectl reviews`: the access review decisions waiting for me, and recording one, as
//! thin adapters over the service (which checks the rules, sends and records).

use std::sync::Arc;

use chrono::Utc;
use clap::{ArgGroup, Subcommand};
use elevate_core::review::ReviewDecision;
use elevate_core::service::time_to_review;
use elevate_core::{Elevate, Error};
use serde_json::json;

use crate::output::{self, grid, OK, SERVICE};

#[derive(Subcommand)]
pub enum ReviewsCommand {
    /// The decisions waiting for you in access reviews (Entra roles, groups, Azure roles).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Record your decision on one item (its ID as `reviews list` shows it).
    #[command(group(ArgGroup::new("decision").required(true).args(["approve", "deny", "dont_know"])))]
    Decide {
        id: String,
        /// Keep the access.
        #[arg(long)]
        approve: bool,
        /// Remove the access.
        #[arg(long)]
        deny: bool,
        /// Say you cannot tell.
        #[arg(long)]
        dont_know: bool,
        /// Your reason; required to approve when the review asks for one.
        #[arg(long, short)]
        justification: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(e: &Arc<Elevate>, cmd: Option<ReviewsCommand>) -> Result<u8, Error> {
    match cmd.unwrap_or(ReviewsCommand::List { json: false }) {
        ReviewsCommand::List { json } => list(e, json).await,
        ReviewsCommand::Decide {
            id,
            approve,
            deny,
            dont_know: _,
            justification,
            json,
        } => {
            let decision = if approve {
                ReviewDecision::Approve
            } else if deny {
                ReviewDecision::Deny
            } else {
                ReviewDecision::DontKnow
            };
            let d = e
                .decide_review(&id, decision, justification.as_deref())
                .await?;
            if output::wants_data(json) {
                output::print_data(&d);
            } else {
                output::say(d.message);
            }
            Ok(OK)
        }
    }
}

async fn list(e: &Arc<Elevate>, json: bool) -> Result<u8, Error> {
    let mine = e.pending_reviews().await?;
    if output::wants_data(json) {
        output::print_data(&json!({"reviews": mine.items, "failures": mine.failures}));
    } else if mine.items.is_empty() {
        println!("No access review waits for your decision.");
    } else {
        let now = Utc::now();
        let rows: Vec<Vec<String>> = mine
            .items
            .iter()
            .map(|i| {
                vec![
                    i.key.clone(),
                    i.review_name.clone(),
                    i.principal.name().to_string(),
                    i.target(),
                    i.recommendation.clone().unwrap_or_else(|| "-".into()),
                    time_to_review(i.due, now),
                    if i.justification_required {
                        "justification to approve".into()
                    } else {
                        String::new()
                    },
                ]
            })
            .collect();
        println!(
            "{}",
            grid(
                &[
                    "ID",
                    "REVIEW",
                    "WHO",
                    "ACCESS",
                    "RECOMMENDED",
                    "DUE",
                    "NOTE"
                ],
                &rows
            )
        );
    }
    for f in &mine.failures {
        output::say(format!("{}: {}", f.api.label(), f.error.message));
    }
    Ok(if mine.failures.is_empty() {
        OK
    } else {
        SERVICE
    })
}
