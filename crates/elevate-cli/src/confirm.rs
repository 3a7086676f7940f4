//! The Tier 0 confirmation on the command line. The core refuses a Tier 0 activation without
//! the user's yes; here the yes is `--yes`, or an answer to a y/N question when both stdin
//! and stderr are a terminal. Without either the core's refusal stands (exit 3, the rule
//! named), so a script never activates a Tier 0 role by accident.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use elevate_core::service::{Confirmation, Done, Input, Target, TIER0_RULE};
use elevate_core::{Elevate, Error};

/// Activates `target`, asking for the Tier 0 confirmation on a terminal when `--yes` was not given.
pub async fn activate(
    e: &Arc<Elevate>,
    target: &Target,
    input: &Input,
    yes: bool,
) -> Result<Done, Error> {
    let first = e
        .activate_confirmed(target, input, Confirmation::given(yes))
        .await;
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    match first {
        Err(Error::PolicyRefused { rule, message })
            if rule == TIER0_RULE && !yes && interactive =>
        {
            if ask(&format!("{message}\nActivate it now? [y/N] ")) {
                e.activate_confirmed(target, input, Confirmation::Tier0)
                    .await
            } else {
                Err(Error::PolicyRefused {
                    rule,
                    message: "Not confirmed: nothing was sent.".into(),
                })
            }
        }
        other => other,
    }
}

/// Asks on stderr, reads one line from stdin: yes only for `y` or `yes`.
fn ask(question: &str) -> bool {
    let mut err = std::io::stderr();
    let _ = write!(err, "{question}");
    let _ = err.flush();
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return false;
    }
    matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}
