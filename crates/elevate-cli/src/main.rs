//! `elevatectl`: Elevate from scripts and terminals, on the same core, config, favorites and
//! history as the tray app. Exit codes: 0 done, 1 pending approval, 2 bad usage or input,
//! 3 refused by policy before sending, 4 the service refused or failed, 5 sign-in needed.

mod admin;
mod after;
mod approvals;
mod args;
mod audit;
mod bundles;
mod confirm;
mod doctor;
mod mcp;
mod ops;
mod output;
mod posture;
mod reviews;
mod settings;
mod signin;
mod terminal;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = args::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("elevatectl: cannot start: {e}");
            return ExitCode::from(4);
        }
    };
    let verbose = args.verbose;
    match runtime.block_on(ops::run(args)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("elevatectl: {}", output::describe(&e, verbose));
            ExitCode::from(output::exit_code(&e))
        }
    }
}
