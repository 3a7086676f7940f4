//! elevate-core against elevate-sim over HTTP: activation and deactivation, policy rules,
//! approval and auth-context step-up, batches, extension, and "the same again".

mod common;

use common::*;
use elevate_core::config::Defaults;
use elevate_core::model::{Assignment, AssignmentType, Status};
use elevate_core::pim::RequestState;
use elevate_core::planner::ActivationInput;
use elevate_core::Error;

#[tokio::test]
async fn policy_rules_are_refused_before_any_request() {
    let rig = rig().await.signed_in().await;
    let snap = rig.pim.refresh().await;
    rig.reset_counters();
    let d = Defaults::default();
    let user_admin = find(&snap.assignments, "User Administrator", Status::Eligible);
    let err = rig
        .pim
        .plan(user_admin, &ActivationInput::default(), &d)
        .await
        .expect_err("justification");
    assert!(
        matches!(&err, Error::PolicyRefused { rule, .. } if rule == "JustificationRule"),
        "{err}"
    );
    let sec = find(
        &snap.assignments,
        "Security Administrator",
        Status::Eligible,
    );
    let err = rig
        .pim
        .plan(sec, &input("incident"), &d)
        .await
        .expect_err("ticket");
    assert!(matches!(&err, Error::PolicyRefused { rule, .. } if rule == "TicketingRule"));
    let long = ActivationInput {
        duration: Some(chrono::Duration::hours(9)),
        ..input("x")
    };
    let err = rig
        .pim
        .plan(user_admin, &long, &d)
        .await
        .expect_err("duration");
    assert!(err.to_string().contains("at most 8 h (PT8H)"), "{err}");
    // Azure: the policy is fetched lazily (one read), and still nothing is written.
    let contributor = snap
        .assignments
        .iter()
        .find(|a| a.name == "Contributor" && a.scope.display_name == "Contoso Production")
        .expect("c");
    let err = rig
        .pim
        .plan(contributor, &input("deploy"), &d)
        .await
        .expect_err("ticket on prod");
    assert!(matches!(&err, Error::PolicyRefused { rule, .. } if rule == "TicketingRule"));
    assert_eq!(rig.count("graph.roleAssignmentScheduleRequests.create"), 0);
    assert_eq!(rig.count("arm.roleAssignmentScheduleRequests.put"), 0);
    assert_eq!(rig.count("arm.roleManagementPolicyAssignments"), 1);
}

#[tokio::test]
async fn activate_then_deactivate_after_the_five_minute_minimum() {
    let rig = rig().await.signed_in().await;
    let snap = rig.pim.refresh().await;
    let ua = find(&snap.assignments, "User Administrator", Status::Eligible);
    let plan = rig
        .pim
        .plan(ua, &input("user admin work"), &Defaults::default())
        .await
        .expect("plan");
    let out = rig.pim.activate(ua, &plan).await.expect("activate");
    assert_eq!(out.state, RequestState::Active);
    let snap = rig.pim.refresh().await;
    let active = find(&snap.assignments, "User Administrator", Status::Active);
    assert_eq!(active.assignment_type, Some(AssignmentType::Activated));
    rig.reset_counters();
    let err = rig.pim.deactivate(active).await.expect_err("too soon");
    assert!(
        matches!(&err, Error::PolicyRefused { rule, .. } if rule == "ActiveDurationTooShort"),
        "{err}"
    );
    assert_eq!(rig.total(), 0, "refused before the network");
    rig.advance(6);
    let out = rig.pim.deactivate(active).await.expect("deactivate");
    assert_eq!(out.state, RequestState::Revoked);
    assert_eq!(rig.activations("fe930be7"), 0);
}

#[tokio::test]
async fn approval_with_auth_context_is_pending_not_success_and_can_be_cancelled() {
    let rig = rig().await.signed_in().await;
    let snap = rig.pim.refresh().await;
    let ga = find(&snap.assignments, "Global Administrator", Status::Eligible);
    let plan = rig
        .pim
        .plan(ga, &input("change window"), &Defaults::default())
        .await
        .expect("plan");
    assert_eq!(plan.auth_context.as_deref(), Some("c1"));
    let opened_before = rig.opened.lock().expect("l").len();
    let out = rig.pim.activate(ga, &plan).await.expect("activate");
    assert_eq!(
        out.state,
        RequestState::PendingApproval,
        "a 201 with PendingApproval is pending"
    );
    let opened = rig.opened.lock().expect("l").clone();
    assert_eq!(
        opened.len(),
        opened_before + 1,
        "one step-up sign-in, before the first attempt"
    );
    assert!(
        opened
            .last()
            .is_some_and(|u| u.contains("claims=") && u.contains("acrs") && u.contains("cp1")),
        "{opened:?}"
    );
    assert_eq!(
        rig.count("graph.roleAssignmentScheduleRequests.create"),
        1,
        "no failed first attempt"
    );
    let snap = rig.pim.refresh().await;
    let pending = find(
        &snap.assignments,
        "Global Administrator",
        Status::PendingApproval,
    );
    assert_eq!(pending.request_id, out.request_id);
    let cancelled = rig.pim.cancel(pending).await.expect("cancel");
    assert_eq!(cancelled.state, RequestState::Canceled);
    let snap = rig.pim.refresh().await;
    assert!(!snap
        .assignments
        .iter()
        .any(|a| a.status == Status::PendingApproval));
}

#[tokio::test]
async fn an_acrs_challenge_steps_up_and_retries_once() {
    let rig = rig().await.signed_in().await;
    let snap = rig.pim.refresh().await;
    let uaa = snap
        .assignments
        .iter()
        .find(|a| a.name == "User Access Administrator")
        .expect("uaa");
    let mut plan = rig
        .pim
        .plan(uaa, &input("access review"), &Defaults::default())
        .await
        .expect("plan");
    plan.auth_context = None; // as if the cached policy did not know about the context yet
    let out = rig
        .pim
        .activate(uaa, &plan)
        .await
        .expect("activate after step-up");
    assert_eq!(out.state, RequestState::Active);
    assert_eq!(
        rig.count("arm.roleAssignmentScheduleRequests.put"),
        2,
        "the refused attempt, then one retry"
    );
    assert!(rig
        .opened
        .lock()
        .expect("l")
        .last()
        .is_some_and(|u| u.contains("c2")));
}

#[tokio::test]
async fn batch_activation_gives_a_result_per_item() {
    let rig = rig().await.signed_in().await;
    let snap = rig.pim.refresh().await;
    let items: Vec<Assignment> = [
        "User Administrator",
        "Security Administrator",
        "Cloud Ops Break-glass (member)",
    ]
    .iter()
    .map(|n| find(&snap.assignments, n, Status::Eligible).clone())
    .collect();
    let results = rig
        .pim
        .activate_many(&items, &input("batch"), &Defaults::default())
        .await;
    assert_eq!(results.len(), 3);
    assert!(results[0]
        .as_ref()
        .is_ok_and(|o| o.state == RequestState::Active));
    assert!(
        matches!(&results[1], Err(Error::PolicyRefused { rule, .. }) if rule == "TicketingRule")
    );
    assert!(results[2]
        .as_ref()
        .is_ok_and(|o| o.state == RequestState::Active));
}

#[tokio::test]
async fn extend_schedules_a_gapless_activation_at_the_current_end() {
    let rig = rig().await.signed_in().await;
    let snap = rig.pim.refresh().await;
    let ua = find(&snap.assignments, "User Administrator", Status::Eligible).clone();
    let plan = rig
        .pim
        .plan(&ua, &input("first"), &Defaults::default())
        .await
        .expect("plan");
    rig.pim.activate(&ua, &plan).await.expect("activate");
    let snap = rig.pim.refresh().await;
    let active = find(&snap.assignments, "User Administrator", Status::Active).clone();
    let out = rig.pim.extend(&active, &ua, &plan).await.expect("extend");
    assert_eq!(out.state, RequestState::Scheduled);
    rig.advance(61);
    let snap = rig.pim.refresh().await;
    let again = find(&snap.assignments, "User Administrator", Status::Active);
    assert_eq!(again.start_date_time, active.end_date_time, "no gap");
    let permanent = find(&snap.assignments, "Security Reader", Status::Active);
    assert!(rig.pim.extend(permanent, permanent, &plan).await.is_err());
}

#[tokio::test]
async fn the_last_activation_gives_the_same_justification_and_duration_again() {
    let rig = rig().await.signed_in().await;
    let snap = rig.pim.refresh().await;
    let ua = find(&snap.assignments, "User Administrator", Status::Eligible).clone();
    assert!(rig
        .pim
        .last_activation(&ua)
        .await
        .expect("lookup")
        .is_none());
    let input = ActivationInput {
        justification: Some("quarterly access review".into()),
        duration: Some(chrono::Duration::minutes(45)),
        ..Default::default()
    };
    let plan = rig
        .pim
        .plan(&ua, &input, &Defaults::default())
        .await
        .expect("plan");
    rig.pim.activate(&ua, &plan).await.expect("activate");
    let last = rig
        .pim
        .last_activation(&ua)
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(
        last.justification.as_deref(),
        Some("quarterly access review")
    );
    assert_eq!(last.duration, Some(chrono::Duration::minutes(45)));
    let dev = snap
        .assignments
        .iter()
        .find(|a| a.name == "Contributor" && a.scope.display_name == "Contoso Development")
        .expect("c")
        .clone();
    let plan = rig
        .pim
        .plan(
            &dev,
            &ActivationInput {
                justification: Some("deploy".into()),
                ..Default::default()
            },
            &Defaults::default(),
        )
        .await
        .expect("plan");
    rig.pim.activate(&dev, &plan).await.expect("activate");
    assert_eq!(
        rig.pim
            .last_activation(&dev)
            .await
            .expect("lookup")
            .expect("found")
            .justification
            .as_deref(),
        Some("deploy")
    );
}
