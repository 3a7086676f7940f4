//! elevate-core against elevate-sim over HTTP: faults and reconciliation (throttling and
//! unavailability retried, a reset write reconciled, a lost response after commit).

mod common;

use common::*;
use elevate_core::config::Defaults;
use elevate_core::model::{Plane, Status};
use elevate_core::pim::RequestState;
use serde_json::json;

#[tokio::test]
async fn throttling_and_unavailability_are_retried_with_retry_after() {
    let rig = rig().await.signed_in().await;
    rig.fault(json!({"route": "graph.batch", "kind": "throttle", "retryAfter": 1}));
    rig.fault(
        json!({"route": "arm.roleAssignmentScheduleInstances", "kind": "unavailable", "times": 2}),
    );
    let started = std::time::Instant::now();
    let snap = rig.pim.refresh().await;
    assert!(snap.failures.is_empty(), "{:?}", snap.failures);
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "Retry-After was honoured"
    );
    assert_eq!(rig.count("arm.roleAssignmentScheduleInstances"), 3);
    // Inner 429 in a batch: that item alone is sent again.
    rig.fault(json!({"route": "graph.group.eligibilityScheduleInstances", "kind": "throttle", "retryAfter": 0}));
    let snap = rig.pim.refresh().await;
    assert!(snap.failures.is_empty(), "{:?}", snap.failures);
    assert_eq!(
        snap.assignments
            .iter()
            .filter(|a| a.plane == Plane::Group && a.status == Status::Eligible)
            .count(),
        6
    );
}

#[tokio::test]
async fn a_connection_reset_on_a_write_is_reconciled_then_retried_once() {
    let rig = rig().await.signed_in().await;
    let snap = rig.pim.refresh().await;
    let ua = find(&snap.assignments, "User Administrator", Status::Eligible);
    let plan = rig
        .pim
        .plan(ua, &input("x"), &Defaults::default())
        .await
        .expect("plan");
    rig.reset_counters();
    rig.fault(json!({"route": "graph.roleAssignmentScheduleRequests.create", "kind": "reset"}));
    let out = rig.pim.activate(ua, &plan).await.expect("activate");
    assert_eq!(out.state, RequestState::Active);
    assert_eq!(rig.activations("fe930be7"), 1);
    assert_eq!(
        rig.count("graph.roleAssignmentScheduleRequests.list"),
        1,
        "looked before sending again"
    );
    assert_eq!(
        rig.count("graph.roleAssignmentScheduleRequests.create"),
        2,
        "the reset one, then one retry"
    );
}

#[tokio::test]
async fn a_lost_response_after_commit_gives_exactly_one_activation() {
    let rig = rig().await.signed_in().await;
    let snap = rig.pim.refresh().await;
    let ua = find(&snap.assignments, "User Administrator", Status::Eligible);
    let plan = rig
        .pim
        .plan(ua, &input("x"), &Defaults::default())
        .await
        .expect("plan");
    rig.fault(
        json!({"route": "graph.roleAssignmentScheduleRequests.create", "kind": "lostAfterCommit"}),
    );
    let out = rig.pim.activate(ua, &plan).await.expect("activate");
    assert!(out.reconciled);
    assert_eq!(out.state, RequestState::Active);
    assert_eq!(rig.activations("fe930be7"), 1);
    assert_eq!(
        rig.count("graph.roleAssignmentScheduleRequests.create"),
        1,
        "not sent twice"
    );

    let dev = snap
        .assignments
        .iter()
        .find(|a| a.name == "Contributor" && a.scope.display_name == "Contoso Development")
        .expect("c");
    let plan = rig
        .pim
        .plan(dev, &input("deploy"), &Defaults::default())
        .await
        .expect("plan");
    rig.fault(
        json!({"route": "arm.roleAssignmentScheduleRequests.put", "kind": "lostAfterCommit"}),
    );
    let out = rig.pim.activate(dev, &plan).await.expect("activate");
    assert!(out.reconciled);
    assert_eq!(rig.activations("b24988ac"), 1);
    assert_eq!(rig.count("arm.roleAssignmentScheduleRequests.put"), 1);
    assert_eq!(rig.count("arm.roleAssignmentScheduleRequests.get"), 1);
}
