//! The last view kept on disk by the tray: painted at the next start before any request,
//! marked as from the cache, never acted on, kept only from a complete refresh, and removed
//! at sign-out. Against elevate-sim over HTTP.

mod common;

use std::sync::Arc;

use elevate_core::shell::RecordingShell;
use elevate_core::Elevate;
use elevate_sim::{Scenario, SimServer};

async fn tray(sim: &SimServer, dir: &std::path::Path) -> (Arc<Elevate>, Arc<RecordingShell>) {
    let env = common::sim_env(sim, dir, None, true);
    let shell = Arc::new(RecordingShell::default());
    (Elevate::open(env, shell.clone()).expect("open"), shell)
}

#[tokio::test]
async fn the_next_start_paints_the_last_view_before_any_request_and_never_acts_on_it() {
    let scenario = Scenario::builtin("demo").expect("demo");
    let settings = elevate_sim::Settings {
        auto_sign_in: Some(scenario.default_user.clone()),
        ..Default::default()
    };
    let sim = SimServer::start(scenario, settings).await.expect("sim");
    let dir = std::env::temp_dir().join(format!("elevate-view-cache-{}", uuid::Uuid::new_v4()));
    let (first, _) = tray(&sim, &dir).await;
    first.sign_in().await.expect("sign in");
    let fresh = first.refresh().await;
    assert!(
        fresh.snapshot.failures.is_empty(),
        "{:?}",
        fresh.snapshot.failures
    );
    assert!(!fresh.from_cache);
    assert!(
        elevate_core::view_cache::path(&dir).exists(),
        "kept on disk"
    );
    let text = std::fs::read_to_string(elevate_core::view_cache::path(&dir)).expect("read");
    assert!(!text.contains("eyJ"), "no token in the cache");

    // The next start, with no token in memory: the view is there before any request.
    let before = sim.sim().lock().total_requests();
    let (second, _) = tray(&sim, &dir).await;
    let painted = second.cached().expect("painted from the cache");
    assert!(painted.from_cache);
    assert_eq!(painted.snapshot.assignments, fresh.snapshot.assignments);
    assert_eq!(painted.refreshed_at, fresh.refreshed_at);
    assert_eq!(painted.facts, fresh.facts);
    assert_eq!(
        sim.sim().lock().total_requests(),
        before,
        "no request to paint"
    );

    // Acting looks at the tenant, never at the cache: without a token that is an error.
    let err = second.lookup().await.expect_err("not signed in");
    assert_eq!(err.code(), "signInRequired");
    // A refresh that failed replaces the painted view but not the kept one.
    assert!(!second.cached().expect("view").from_cache);
    let (third, _) = tray(&sim, &dir).await;
    assert!(third.cached().is_some_and(|v| v.from_cache), "still kept");

    // Signing out removes it.
    first.sign_out().await.expect("sign out");
    assert!(!elevate_core::view_cache::path(&dir).exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn elevatectl_neither_paints_nor_keeps_a_cache() {
    let scenario = Scenario::builtin("demo").expect("demo");
    let settings = elevate_sim::Settings {
        auto_sign_in: Some(scenario.default_user.clone()),
        ..Default::default()
    };
    let sim = SimServer::start(scenario, settings).await.expect("sim");
    let dir = std::env::temp_dir().join(format!("elevate-view-cache-{}", uuid::Uuid::new_v4()));
    let env = common::sim_env(&sim, &dir, None, false);
    let cli = Elevate::open(env, Arc::new(RecordingShell::default())).expect("open");
    cli.sign_in().await.expect("sign in");
    cli.refresh().await;
    assert!(!elevate_core::view_cache::path(&dir).exists());
    let _ = std::fs::remove_dir_all(&dir);
}
