//! `elevatectl`: the scriptable face of elevate-core. Sub-commands arrive with the CLI issue;
//! for now it reports its version and refuses anything else with exit code 2 (bad usage).

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--version") | Some("-V") | Some("version") => {
            let info = elevate_core::app::AppInfo::new("tenant");
            println!("elevatectl {}", info.version);
            ExitCode::SUCCESS
        }
        Some("--help") | Some("-h") | None => {
            println!("elevatectl: just-in-time privileged access for Microsoft Entra\n\nUSAGE: elevatectl --version");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("elevatectl: unknown command '{other}'. Run 'elevatectl --help' for the commands this build knows.");
            ExitCode::from(2)
        }
    }
}
