//! `elevatectl settings export [FILE|-]` and `settings import FILE [--dry-run]
//! [--replace-settings]`: a few lines over the core's export and import (favorites, bundles
//! and settings in one file, no secrets), with `--json` for the import's report.

use std::sync::Arc;

use clap::Subcommand;
use elevate_core::portable::Change;
use elevate_core::service::SettingsChange;
use elevate_core::{Elevate, Error};

use crate::output::{self, OK};

#[derive(Subcommand)]
pub enum SettingsCommand {
    /// Write favorites, bundles and settings to one file (no secrets), for a new machine.
    Export {
        /// The file to write; `-` or none: standard output.
        file: Option<String>,
    },
    /// Read a file `settings export` wrote: favorites and bundles merged by name; the
    /// settings replaced when this machine has none yet, or with --replace-settings.
    Import {
        /// The file to read; `-`: standard input.
        file: String,
        /// Say what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Replace this machine's settings with the file's (what the organisation fixes stays).
        #[arg(long)]
        replace_settings: bool,
        #[arg(long)]
        json: bool,
    },
}

fn word(c: Change) -> &'static str {
    match c {
        Change::Added => "added",
        Change::Replaced => "replaced",
        Change::Unchanged => "unchanged",
    }
}

pub fn run(e: &Arc<Elevate>, action: SettingsCommand) -> Result<u8, Error> {
    match action {
        SettingsCommand::Export { file } => {
            let (text, notes) = e.export_settings()?;
            match file.as_deref().filter(|f| *f != "-") {
                Some(path) => {
                    elevate_core::store::write_atomic(std::path::Path::new(path), text.as_bytes())?;
                    output::say(format!(
                        "Settings, favorites and bundles written to {path}."
                    ));
                }
                None => print!("{text}"),
            }
            for n in notes {
                output::say(format!("Note: {n}."));
            }
            Ok(OK)
        }
        SettingsCommand::Import {
            file,
            dry_run,
            replace_settings,
            json,
        } => {
            let text = if file == "-" {
                std::io::read_to_string(std::io::stdin())
                    .map_err(|err| Error::io("reading standard input", err))?
            } else {
                std::fs::read_to_string(&file)
                    .map_err(|err| Error::io(format!("reading {file}"), err))?
            };
            let report = e.import_settings(&text, replace_settings, dry_run)?;
            if output::wants_data(json) {
                output::print_data(&report);
                return Ok(OK);
            }
            let verb = if dry_run { "would be" } else { "were" };
            match report.settings {
                SettingsChange::Replaced => println!("Settings: {verb} replaced by the file's."),
                SettingsChange::Unchanged => println!("Settings: the same as the file's."),
                SettingsChange::Kept => println!(
                    "Settings: this machine's kept (they differ from the file's; --replace-settings takes the file's)."
                ),
            }
            if !report.locked.is_empty() {
                println!(
                    "Set by your organisation, kept as they are: {}.",
                    report.locked.join(", ")
                );
            }
            for (what, items) in [("Favorite", &report.favorites), ("Bundle", &report.bundles)] {
                for i in items {
                    println!("{what} {}: {}", i.name, word(i.change));
                }
            }
            if dry_run {
                println!("Dry run: nothing was written.");
            }
            Ok(OK)
        }
    }
}
