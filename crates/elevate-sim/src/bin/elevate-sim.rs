//! `elevate-sim --scenario demo --port 8400`: the simulated tenant as a standalone server,
//! on 127.0.0.1 only.

use clap::Parser;
use elevate_sim::{Scenario, ServeOptions, Settings, SimServer, TestCa, TlsIdentity};

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
    /// Serve HTTPS with a certificate from a certificate authority made now, whose
    /// certificate is written to DIR/ca.pem (trust it with SSL_CERT_FILE=DIR/ca.pem).
    #[arg(long, value_name = "DIR")]
    tls_ca_out: Option<std::path::PathBuf>,
    /// The CA's name, as TLS checks will show it as the issuer.
    #[arg(long, default_value = "Elevate Test CA")]
    tls_ca_name: String,
    /// The host name the sim's URLs carry (and its certificate names besides localhost and
    /// 127.0.0.1); it still listens on 127.0.0.1 only.
    #[arg(long)]
    host: Option<String>,
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
    let tls = match &args.tls_ca_out {
        None => None,
        Some(dir) => match make_ca(dir, &args.tls_ca_name, args.host.as_deref()) {
            Ok(id) => Some(id),
            Err(e) => {
                eprintln!(
                    "elevate-sim: cannot make the TLS certificate in {}: {e}",
                    dir.display()
                );
                return std::process::ExitCode::from(1);
            }
        },
    };
    let options = ServeOptions {
        port: args.port,
        tls,
        host: args.host.clone(),
    };
    let server = match SimServer::start_with(scenario, settings, options).await {
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

/// A CA made now (its certificate written to `dir/ca.pem`) and the server's certificate.
fn make_ca(dir: &std::path::Path, name: &str, host: Option<&str>) -> std::io::Result<TlsIdentity> {
    std::fs::create_dir_all(dir)?;
    let ca = TestCa::new(name)?;
    std::fs::write(dir.join("ca.pem"), ca.pem())?;
    let mut names = vec!["localhost", "127.0.0.1"];
    names.extend(host);
    ca.issue(&names)
}
