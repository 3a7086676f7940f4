//! `elevatectl after run NAME` and `elevatectl portal NAME [--private]`: a few lines over the
//! core's after-activation commands and portal; one line (or one JSON object) per command.

use std::sync::Arc;

use clap::Subcommand;
use elevate_core::after::Outcome;
use elevate_core::service::{Done, Origin, Target};
use elevate_core::{Elevate, Error};
use serde_json::json;

use crate::output::{self, OK, SERVICE};

#[derive(Subcommand)]
pub enum AfterCommand {
    /// Run now the `[[after]]` commands that follow an active assignment (as after "ready").
    Run {
        name: String,
        /// Scope id or display name, when the name matches several.
        #[arg(long)]
        scope: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(e: &Arc<Elevate>, action: AfterCommand) -> Result<u8, Error> {
    match action {
        AfterCommand::Run { name, scope, json } => {
            let (_, outcomes) = e
                .run_after_now(&Target::name(name, scope.as_deref()))
                .await?;
            Ok(print(&outcomes, json))
        }
    }
}

/// Prints the outcomes (stdout: they are the command's output); SERVICE when one failed.
pub fn print(outcomes: &[Outcome], json: bool) -> u8 {
    if output::wants_data(json) {
        output::print_data(&outcomes.iter().map(to_json).collect::<Vec<_>>());
    } else {
        for o in outcomes {
            println!("{}", o.summary());
        }
    }
    if outcomes.iter().all(Outcome::ok) {
        OK
    } else {
        SERVICE
    }
}

/// Tells the outcomes on stderr (after `activate --wait`, whose stdout is the activation's).
pub fn tell(outcomes: &[Outcome]) {
    for o in outcomes {
        output::say(format!("after: {}", o.summary()));
    }
}

pub fn to_json(o: &Outcome) -> serde_json::Value {
    json!({
        "name": o.name,
        "ok": o.ok(),
        "status": o.status(),
        "lastLine": o.last_line(),
        "stdout": o.stdout,
        "stderr": o.stderr,
    })
}

/// How long an agent's activation waits for "ready" before the after-activation commands that
/// allow agents run (only when one does).
const AGENT_AFTER_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// An MCP activation's JSON, with the outcomes of the `[[after]]` commands the config lets
/// follow an agent (`run_after_mcp = true`; none by default). Agents cannot configure them.
pub async fn for_agent(e: &Arc<Elevate>, done: &Done) -> serde_json::Value {
    let after = e
        .after_activation(done, Origin::Agent, AGENT_AFTER_WAIT)
        .await;
    let mut value = output::outcome_json(done);
    if !after.is_empty() {
        value["after"] = after.iter().map(to_json).collect();
    }
    value
}

/// `elevatectl portal NAME`: the portal on the item, in a private window with `--private`.
pub async fn portal(
    e: &Arc<Elevate>,
    name: String,
    scope: Option<String>,
    private: bool,
) -> Result<u8, Error> {
    let url = e
        .open_portal(&Target::name(name, scope.as_deref()), private)
        .await?;
    output::say(format!(
        "Opened {url}{}",
        if private { " in a private window" } else { "" }
    ));
    Ok(OK)
}
