//! `elevatectl posture`: the posture report (a thin adapter over the service) written as a
//! table, JSON/YAML, Markdown or one standalone HTML page, with progress on a terminal.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use elevate_core::posture::{html, markdown, table, Status};
use elevate_core::{Elevate, Error};

use crate::args::PostureFormat;
use crate::output::{self, OK, POLICY};

pub async fn run(
    e: &Arc<Elevate>,
    format: Option<PostureFormat>,
    out: Option<PathBuf>,
    break_glass: &[String],
    strict: bool,
) -> Result<u8, Error> {
    // Progress goes to a terminal only: a pipe or a log gets the report alone.
    let tty = std::io::stderr().is_terminal();
    let progress = move |line: &str| {
        if tty {
            eprint!("\r\x1b[2K{line}");
        }
    };
    let report = e.posture(break_glass, &progress).await?;
    if tty {
        eprint!("\r\x1b[2K");
    }
    let format = format.unwrap_or(if output::wants_data(false) {
        PostureFormat::Json
    } else {
        PostureFormat::Table
    });
    let text = match format {
        PostureFormat::Table => table(&report),
        PostureFormat::Md => markdown(&report),
        PostureFormat::Html => html(&report),
        PostureFormat::Json if out.is_some() => {
            serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
        }
        PostureFormat::Json => {
            output::print_data(&report);
            String::new()
        }
    };
    match &out {
        Some(path) => {
            std::fs::write(path, &text).map_err(|err| {
                Error::InvalidInput(format!(
                    "The report could not be written to {}: {err}. Choose a writable path with --out.",
                    path.display()
                ))
            })?;
            output::say(format!(
                "{} — written to {}",
                report.headline(),
                path.display()
            ));
        }
        None if !text.is_empty() => print!("{text}"),
        None => {}
    }
    let failing = report.findings.iter().any(|f| f.status == Status::Fail);
    Ok(if strict && failing { POLICY } else { OK })
}
