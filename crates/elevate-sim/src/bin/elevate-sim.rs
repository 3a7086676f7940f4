//! `elevate-sim --scenario demo --port 8400`: the simulated tenant as a standalone server,
//! on 127.0.0.1 only.

use clap::Parser;
use elevate_sim::{Scenario, Settings, SimServer};

#[derive(Parser)]
#[command(
    version,
    about = "A simulated Microsoft Entra tenant (sign-in, Graph PIM, ARM PIM) on 127.0.0.1"
)]
struct Args {
    /// `demo`, `large`, or the path of a scenario JSON file.
    #[arg(long, default_value = "demo")]
    scenario: String,
    /// TCP port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 8400)]
    port: u16,
    /// Items per page for Graph and ARM lists.
    #[arg(long)]
    page_size: Option<usize>,
    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Complete sign-ins without the sign-in page, as the scenario's default user.
    #[arg(long)]
    auto_sign_in: bool,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let scenario = match Scenario::load(&args.scenario) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("elevate-sim: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let mut settings = Settings::default();
    if let Some(n) = args.page_size {
        settings.graph_page_size = n.max(1);
        settings.arm_page_size = n.max(1);
    }
    if args.auto_sign_in {
        settings.auto_sign_in = Some(scenario.default_user.clone());
    }
    let tenant = scenario.tenant.id.clone();
    let server = match SimServer::start_on(scenario, settings, args.port).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("elevate-sim: cannot listen on 127.0.0.1:{}: {e}", args.port);
            return std::process::ExitCode::from(1);
        }
    };
    server.sim().lock().latency_ms = args.latency_ms;
    println!(
        "elevate-sim: scenario '{}' on {}",
        args.scenario,
        server.base_url()
    );
    println!("  point Elevate at it with:");
    println!("  ELEVATE_CLOUD=custom ELEVATE_TENANT_ID={tenant} \\");
    println!(
        "  ELEVATE_LOGIN_URL={} ELEVATE_GRAPH_URL={} ELEVATE_ARM_URL={}",
        server.login_url(),
        server.graph_url(),
        server.arm_url()
    );
    println!(
        "  approvals: {}/_sim/approve   device sign-in: {}/login/devicelogin",
        server.base_url(),
        server.base_url()
    );
    let _ = tokio::signal::ctrl_c().await;
    server.stop().await;
    std::process::ExitCode::SUCCESS
}
