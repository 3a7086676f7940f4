//! Runs the built elevatectl against an elevate-sim, with its config and data in a directory
//! of its own and no secret store (nothing here signs in).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use elevate_sim::{Scenario, SimServer};

const ELEVATE_CLIENT: &str = "3b6f2d8e-5c1a-4f0b-9e7d-2a4c6b8e0f13";

pub fn elevatectl(sim: &SimServer, dir: &Path, args: &[&str]) -> std::process::Output {
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

pub async fn sim_and_dir() -> (SimServer, PathBuf) {
    let scenario = Scenario::builtin("demo").expect("demo");
    let sim = SimServer::start(scenario, elevate_sim::Settings::default())
        .await
        .expect("sim");
    let dir = std::env::temp_dir().join(format!("elevatectl-test-{}", std::process::id()));
    let dir = dir.join(sim.sim().tenant_id());
    std::fs::create_dir_all(dir.join("data")).expect("dir");
    (sim, dir)
}
