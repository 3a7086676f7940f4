//! elevatectl and the user's justification rules: a vague justification is refused with the
//! rule's message on stderr and exit code 3 (refused by policy) before any request reaches
//! the tenant (elevate-sim, counting); a rule that is not a regular expression is exit 2,
//! naming its key.

use std::path::{Path, PathBuf};
use std::process::Command;

use elevate_sim::{Scenario, SimServer};

const ELEVATE_CLIENT: &str = "3b6f2d8e-5c1a-4f0b-9e7d-2a4c6b8e0f13";

fn elevatectl(sim: &SimServer, dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_elevatectl"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
        .env("ELEVATE_CONFIG", dir.join("config.toml"))
        .env("ELEVATE_DATA_DIR", dir.join("data"))
        .env("ELEVATE_CLOUD", "custom")
        .env("ELEVATE_TENANT_ID", sim.sim().tenant_id())
        .env("ELEVATE_CLIENT_ID", ELEVATE_CLIENT)
        .env("ELEVATE_LOGIN_URL", sim.login_url())
        .env("ELEVATE_GRAPH_URL", sim.graph_url())
        .env("ELEVATE_ARM_URL", sim.arm_url())
        .output()
        .expect("run elevatectl")
}

async fn sim_and_dir() -> (SimServer, PathBuf) {
    let scenario = Scenario::builtin("demo").expect("demo");
    let sim = SimServer::start(scenario, elevate_sim::Settings::default())
        .await
        .expect("sim");
    let dir = std::env::temp_dir().join(format!("elevatectl-justify-{}", std::process::id()));
    let dir = dir.join(sim.sim().tenant_id());
    std::fs::create_dir_all(dir.join("data")).expect("dir");
    (sim, dir)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_vague_justification_exits_3_with_the_rule_and_nothing_sent() {
    let (sim, dir) = sim_and_dir().await;
    std::fs::write(dir.join("config.toml"), "").expect("config");
    let out = elevatectl(
        &sim,
        &dir,
        &[
            "activate",
            "User Administrator",
            "-j",
            "BAU",
            "--duration",
            "1h",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(
            "elevatectl: 'BAU' says nothing about why: name the change, incident or task"
        ),
        "{stderr}"
    );
    assert_eq!(
        sim.sim().lock().total_requests(),
        0,
        "refused before the network"
    );

    std::fs::write(
        dir.join("config.toml"),
        "[justification]\nticket_pattern = \"(INC\"\n",
    )
    .expect("config");
    let out = elevatectl(
        &sim,
        &dir,
        &["activate", "User Administrator", "-j", "patching"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("[justification] ticket_pattern '(INC' is not a regular expression"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
