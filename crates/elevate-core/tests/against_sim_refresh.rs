//! elevate-core against elevate-sim over HTTP: a refresh lists every plane with names and
//! policies, follows every page, batches Graph, degrades one plane alone, and keeps the
//! request count flat.

mod common;

use std::sync::Arc;

use common::*;
use elevate_core::model::{AssignmentType, Plane, Status};
use elevate_core::secret::MemoryStore;
use elevate_core::Error;
use elevate_sim::Scenario;
use serde_json::json;

#[tokio::test]
async fn a_refresh_lists_all_three_planes_with_names_and_policies() {
    let rig = rig().await.signed_in().await;
    let snap = rig.pim.refresh().await;
    assert!(snap.failures.is_empty(), "{:?}", snap.failures);
    let count = |p: Plane, s: Status| {
        snap.assignments
            .iter()
            .filter(|a| a.plane == p && a.status == s)
            .count()
    };
    assert_eq!(count(Plane::EntraRole, Status::Eligible), 13);
    assert_eq!(count(Plane::Group, Status::Eligible), 6);
    assert_eq!(count(Plane::AzureResource, Status::Eligible), 10);
    assert_eq!(count(Plane::EntraRole, Status::Active), 1);
    let ga = find(&snap.assignments, "Global Administrator", Status::Eligible);
    let p = ga
        .policy
        .as_ref()
        .expect("directory role policies come with the refresh");
    assert_eq!(
        (
            p.max_duration.as_deref(),
            p.approval,
            p.auth_context.as_deref()
        ),
        (Some("PT2H"), true, Some("c1"))
    );
    let owner = find(
        &snap.assignments,
        "Cloud Ops Break-glass (owner)",
        Status::Eligible,
    );
    assert!(
        owner.policy.as_ref().is_some_and(|p| p.approval),
        "group policies come in a $batch"
    );
    let sr = find(&snap.assignments, "Security Reader", Status::Active);
    assert_eq!(
        (sr.assignment_type, sr.end_date_time),
        (Some(AssignmentType::Permanent), None)
    );
    assert!(
        snap.assignments.iter().all(|a| a.name != a.id),
        "every name resolved"
    );
    let kv = snap
        .assignments
        .iter()
        .find(|a| a.name == "Key Vault Administrator")
        .expect("kv");
    assert_eq!(
        (kv.scope.kind.as_str(), kv.scope.display_name.as_str()),
        ("resource", "kv-prod-secrets")
    );
    let au = snap
        .assignments
        .iter()
        .find(|a| a.name == "Helpdesk Administrator")
        .expect("au");
    assert_eq!(au.scope.kind, "administrativeUnit");
}

#[tokio::test]
async fn a_refresh_follows_every_page_and_batches_graph() {
    let rig = rig().await.signed_in().await;
    rig.settings(|s| {
        s.graph_page_size = 2;
        s.arm_page_size = 3;
    });
    rig.reset_counters();
    let snap = rig.pim.refresh().await;
    assert!(snap.failures.is_empty(), "{:?}", snap.failures);
    assert_eq!(
        snap.assignments
            .iter()
            .filter(|a| a.status == Status::Eligible)
            .count(),
        29
    );
    assert_eq!(
        rig.count("graph.batch"),
        2,
        "one batch for the lists, one for the group policies"
    );
    assert!(
        rig.count("arm.roleEligibilityScheduleInstances") >= 4,
        "10 items at 3 per page"
    );
    // A warm refresh does not fetch policies again.
    rig.reset_counters();
    rig.pim.refresh().await;
    assert_eq!(rig.count("graph.batch"), 1);
    assert_eq!(rig.count("graph.policyAssignments"), 0);
}

#[tokio::test]
async fn one_failing_plane_degrades_alone() {
    let rig = rig().await.signed_in().await;
    rig.fault(json!({"route": "arm.*", "kind": "status", "status": 500, "times": 50}));
    let snap = rig.pim.refresh().await;
    assert_eq!(snap.failures.len(), 1);
    assert_eq!(snap.failures[0].plane, Plane::AzureResource);
    assert!(
        snap.assignments.iter().any(|a| a.plane == Plane::EntraRole)
            && snap.assignments.iter().any(|a| a.plane == Plane::Group)
    );
}

#[tokio::test]
async fn first_party_defaults_name_the_unavailable_plane() {
    // Graph PowerShell's client for both planes: ARM consent fails (AADSTS65002).
    let graph_ps = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
    let rig = rig_with(
        Scenario::builtin("demo").expect("demo"),
        graph_ps,
        graph_ps,
        Arc::new(MemoryStore::default()),
    )
    .await;
    let (_, problems) = rig
        .pim
        .session()
        .sign_in(None)
        .await
        .expect("graph sign-in works");
    assert!(
        matches!(
            problems.as_slice(),
            [Error::Consent {
                plane: Plane::AzureResource,
                ..
            }]
        ),
        "{problems:?}"
    );
    assert!(problems[0]
        .to_string()
        .contains("Azure resources is unavailable"));
    let snap = rig.pim.refresh().await;
    assert_eq!(
        snap.failures.iter().map(|f| f.plane).collect::<Vec<_>>(),
        vec![Plane::AzureResource]
    );
    assert_eq!(snap.failures[0].error.code, "consent");
    assert!(snap.assignments.iter().any(|a| a.plane == Plane::EntraRole));
}

#[tokio::test]
async fn the_request_count_does_not_grow_with_subscriptions() {
    let mut counts = vec![];
    for subs in [10, 300] {
        let rig = rig_with(
            Scenario::large(subs, 20, 600),
            ELEVATE_CLIENT,
            ELEVATE_CLIENT,
            Arc::new(MemoryStore::default()),
        )
        .await
        .signed_in()
        .await;
        rig.settings(|s| {
            s.graph_page_size = 100;
            s.arm_page_size = 100;
        });
        rig.reset_counters();
        let snap = rig.pim.refresh().await;
        assert!(snap.failures.is_empty());
        assert_eq!(
            snap.assignments
                .iter()
                .filter(|a| a.status == Status::Eligible)
                .count(),
            600
        );
        counts.push(rig.total());
    }
    assert_eq!(counts[0], counts[1], "10 vs 300 subscriptions: {counts:?}");
}
