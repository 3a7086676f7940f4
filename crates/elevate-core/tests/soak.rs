//! The fault soak: activations through the service against elevate-sim with seeded faults on
//! the write and on the lookups after it (429 and 503 before and after the commit, a reset, a
//! lost answer after the commit, a failing lookup, a slow lookup). Goal: every activation the
//! service reports is in the tenant once, and nothing it reports as not made is there.
//! `ELEVATE_SOAK` sets the count (200 in `make test`, more in `make soak`); `ELEVATE_SOAK_SEED`
//! the seed.

mod common;

use std::sync::Arc;

use elevate_core::service::{Input, Target};
use elevate_core::shell::QuietShell;
use elevate_core::Elevate;
use elevate_sim::{Scenario, SimServer};
use serde_json::json;

/// Roles of the demo tenant that need a justification and nothing a person must give.
const ROLES: [&str; 6] = [
    "User Administrator",
    "Exchange Administrator",
    "SharePoint Administrator",
    "Teams Administrator",
    "Intune Administrator",
    "Helpdesk Administrator",
];

const CREATE: &str = "graph.roleAssignmentScheduleRequests.create";
const LIST: &str = "graph.roleAssignmentScheduleRequests.list";

/// The faults of one activation, picked by a number.
fn faults(pick: u64) -> Vec<serde_json::Value> {
    let f = |route: &str, kind: &str, extra: serde_json::Value| {
        let mut v = json!({"route": route, "kind": kind, "times": 1});
        if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        v
    };
    match pick % 10 {
        0 => vec![f(CREATE, "throttle", json!({"retryAfter": 0}))],
        1 => vec![f(CREATE, "unavailable", json!({}))],
        2 => vec![f(CREATE, "statusAfterCommit", json!({"status": 503}))],
        3 => vec![f(
            CREATE,
            "statusAfterCommit",
            json!({"status": 429, "retryAfter": 0}),
        )],
        4 => vec![f(CREATE, "reset", json!({}))],
        5 => vec![f(CREATE, "lostAfterCommit", json!({}))],
        // The answer is lost after the commit and the first lookup fails too.
        6 => vec![
            f(CREATE, "lostAfterCommit", json!({})),
            f(LIST, "unavailable", json!({})),
        ],
        // A slow lookup after a 503 that was committed.
        7 => vec![
            f(CREATE, "statusAfterCommit", json!({"status": 504})),
            f(LIST, "delay", json!({"delayMs": 150})),
        ],
        // Two uncertain attempts in a row, the first not committed, the second committed.
        8 => vec![
            f(CREATE, "reset", json!({})),
            f(LIST, "delay", json!({"delayMs": 50})),
        ],
        _ => vec![],
    }
}

/// A small deterministic generator (the soak must be repeatable from its seed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[tokio::test]
async fn activations_reported_are_the_activations_made_under_faults() {
    let count: usize = std::env::var("ELEVATE_SOAK")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let seed: u64 = std::env::var("ELEVATE_SOAK_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let scenario = Scenario::builtin("demo").expect("demo");
    let settings = elevate_sim::Settings {
        auto_sign_in: Some(scenario.default_user.clone()),
        ..Default::default()
    };
    let sim = SimServer::start(scenario, settings).await.expect("sim");
    let dir = std::env::temp_dir().join(format!("elevate-soak-{}", uuid::Uuid::new_v4()));
    let env = common::sim_env(&sim, &dir, None, false);
    let e = Elevate::open(env, Arc::new(QuietShell)).expect("open");
    e.sign_in().await.expect("sign in");
    let made = || {
        sim.sim()
            .lock()
            .tenant
            .requests
            .iter()
            .filter(|r| matches!(r.action, elevate_sim::state::Action::SelfActivate))
            .count()
    };
    let mut rng = Lcg(seed);
    let (mut reported, mut refused, mut duplicates, mut lost) = (0, 0, 0, 0);
    for i in 0..count {
        let role = ROLES[i % ROLES.len()];
        for f in faults(rng.next()) {
            sim.sim()
                .lock()
                .faults
                .push(serde_json::from_value(f).expect("fault"));
        }
        let before = made();
        let input = Input {
            justification: Some(format!("soak {i}")),
            duration: Some("1h".into()),
            ..Input::default()
        };
        let out = e.activate(&Target::name(role, None), &input).await;
        sim.sim().lock().faults.clear();
        let delta = made() - before;
        match &out {
            Ok(_) => {
                reported += 1;
                duplicates += delta.saturating_sub(1);
                lost += usize::from(delta == 0);
            }
            Err(err) => {
                refused += 1;
                // Reported as not made (or unknown): it must not be in the tenant.
                assert_eq!(
                    delta, 0,
                    "activation {i} of {role}: {err}, yet {delta} made"
                );
            }
        }
        // Every activation ends before its role comes round again.
        sim.sim()
            .lock()
            .tenant
            .clock
            .advance(chrono::Duration::minutes(61));
    }
    eprintln!("soak: {count} activations, seed {seed}: {reported} reported made, {refused} reported not made, {duplicates} duplicates, {lost} lost; {} made in the tenant", made());
    assert_eq!((duplicates, lost), (0, 0));
    assert_eq!(
        made(),
        reported,
        "activations in the tenant = activations reported"
    );
    let _ = std::fs::remove_dir_all(dir);
}
