//! `elevatectl bundle list|create|delete|activate|deactivate`: a few lines over the core's
//! bundle use cases; one line (or one JSON object) per member, the worst exit code wins.

use std::sync::Arc;

use clap::Subcommand;
use elevate_core::bundle::{BundleItem, BundleResult};
use elevate_core::{Elevate, Error};

use crate::args::ActivationArgs;
use crate::output::{self, OK};

#[derive(Subcommand)]
pub enum BundleCommand {
    /// The bundles, their members and the strictest rules of the members.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Save a bundle: NAME then items PLANE:NAME[@SCOPE] (entra:"Security Administrator",
    /// group:"SOC Analysts (owner)", azure:Contributor@/subscriptions/…).
    Create {
        name: String,
        #[arg(required = true)]
        items: Vec<String>,
    },
    /// Delete a bundle.
    Delete { name: String },
    /// Activate every member with one justification (the strictest rules asked once).
    Activate {
        name: String,
        #[command(flatten)]
        input: ActivationArgs,
        #[arg(long)]
        json: bool,
    },
    /// Deactivate every active member.
    Deactivate {
        name: String,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(e: &Arc<Elevate>, action: BundleCommand) -> Result<u8, Error> {
    match action {
        BundleCommand::List { json } => {
            let views = e.bundle_views().await?;
            if output::wants_data(json) {
                output::print_data(&views);
            } else if views.is_empty() {
                println!("No bundles yet: elevatectl bundle create NAME entra:ROLE group:GROUP azure:ROLE@SCOPE");
            } else {
                for v in views {
                    let items: Vec<String> = v
                        .bundle
                        .items
                        .iter()
                        .zip(&v.keys)
                        .map(|(i, k)| {
                            let at = i
                                .scope
                                .as_deref()
                                .map(|s| format!(" at {s}"))
                                .unwrap_or_default();
                            let missing = if k.is_none() {
                                " (not eligible now)"
                            } else {
                                ""
                            };
                            format!("{}{at}{missing}", i.label())
                        })
                        .collect();
                    let r = &v.requirements;
                    let mut rules = vec![];
                    if r.justification {
                        rules.push("justification".to_string());
                    }
                    if r.ticket {
                        rules.push("ticket".to_string());
                    }
                    if let Some(m) = &r.max_duration {
                        rules.push(format!("at most {m}"));
                    }
                    println!(
                        "{}: {}  [{}]",
                        v.bundle.name,
                        items.join(", "),
                        rules.join(", ")
                    );
                }
            }
            Ok(OK)
        }
        BundleCommand::Create { name, items } => {
            let items = items
                .iter()
                .map(|i| BundleItem::parse(i))
                .collect::<Result<Vec<_>, _>>()?;
            let b = e.save_bundle(elevate_core::bundle::Bundle {
                name,
                items,
                justification: None,
                ticket: None,
                duration: None,
                autostart: false,
            })?;
            output::say(format!(
                "Saved the bundle {} ({} items).",
                b.name,
                b.items.len()
            ));
            Ok(OK)
        }
        BundleCommand::Delete { name } => {
            let b = e.delete_bundle(&name)?;
            output::say(format!("Deleted the bundle {}.", b.name));
            Ok(OK)
        }
        BundleCommand::Activate { name, input, json } => {
            let results = e.activate_bundle(&name, &input.input()).await?;
            Ok(report(&results, json))
        }
        BundleCommand::Deactivate { name, json } => {
            let results = e.deactivate_bundle(&name).await?;
            Ok(report(&results, json))
        }
    }
}

/// One line per member (or the JSON array); the worst exit code of the members.
fn report(results: &[BundleResult], json: bool) -> u8 {
    if output::wants_data(json) {
        output::print_data(&results);
    } else {
        for r in results {
            match (&r.outcome, &r.error) {
                (Some(o), _) => println!("{}  {}", r.label, elevate_core::service::state_word(o)),
                (_, Some(err)) => println!("{}  failed: {}", r.label, err.message),
                _ => println!("{}", r.label),
            }
        }
    }
    results
        .iter()
        .map(|r| match (&r.outcome, &r.error) {
            (Some(o), _) => output::exit_code_of(o.state),
            (_, Some(err)) => output::exit_code_for(&err.code),
            _ => OK,
        })
        .max()
        .unwrap_or(OK)
}
