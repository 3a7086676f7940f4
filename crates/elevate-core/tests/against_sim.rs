//! elevate-core against elevate-sim over HTTP: sign-in, refresh, policy, activation,
//! step-up, faults and reconciliation, secrets.

mod common;

use std::sync::Arc;

use common::*;
use elevate_core::config::Defaults;
use elevate_core::model::{Assignment, AssignmentType, Plane, Status};
use elevate_core::pim::RequestState;
use elevate_core::planner::ActivationInput;
use elevate_core::secret::{MemoryStore, SealedStore, SecretStore};
use elevate_core::Error;
use elevate_sim::Scenario;
use serde_json::json;

fn find<'a>(all: &'a [Assignment], name: &str, status: Status) -> &'a Assignment {
    all.iter()
        .find(|a| a.label() == name && a.status == status)
        .unwrap_or_else(|| {
            panic!(
                "{name} ({status:?}) not in {:?}",
                all.iter()
                    .map(|a| (a.label(), a.status))
                    .collect::<Vec<_>>()
            )
        })
}

fn input(j: &str) -> ActivationInput {
    ActivationInput {
        justification: Some(j.into()),
        duration: Some(chrono::Duration::hours(1)),
        ..Default::default()
    }
}

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

#[tokio::test]
async fn device_code_sign_in_completes_when_the_person_approves() {
    let rig = rig().await;
    // A person approves this one (no auto sign-in), while the client polls.
    rig.settings(|s| {
        s.device_code_interval = 1;
        s.auto_sign_in = None;
    });
    let sim = rig.sim.sim().clone();
    let approver = tokio::spawn(async move {
        for _ in 0..50 {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let code = sim.lock().auth.devices.first().map(|d| d.user_code.clone());
            if let Some(code) = code {
                let user = sim.lock().tenant.scenario.default_user.clone();
                sim.lock().auth.decide_device(&code, &user, true, true);
                return true;
            }
        }
        false
    });
    let prompted = std::sync::Mutex::new(None);
    let id = rig
        .pim
        .session()
        .sign_in_device(|p| *prompted.lock().expect("l") = Some(p.clone()))
        .await
        .expect("device sign-in");
    assert!(approver.await.expect("join"));
    assert_eq!(id.username, "alex@contoso.example");
    let p = prompted.lock().expect("l").clone().expect("prompted");
    assert!(p.verification_uri.ends_with("/login/devicelogin") && p.user_code.len() == 9);
}

#[tokio::test]
async fn secrets_stay_out_of_files_and_logs_and_sign_out_removes_them() {
    let dir = std::env::temp_dir().join(format!("elevate-secrets-{}", uuid::Uuid::new_v4()));
    let store: Arc<dyn SecretStore> =
        Arc::new(SealedStore::new(MemoryStore::default(), dir.clone(), 16));
    let rig = rig_with(
        Scenario::builtin("demo").expect("demo"),
        ELEVATE_CLIENT,
        ELEVATE_CLIENT,
        store.clone(),
    )
    .await
    .signed_in()
    .await;
    let snap = rig.pim.refresh().await;
    let id = rig.pim.session().identity().expect("identity");
    let key = format!("{}:{}:{ELEVATE_CLIENT}", id.tenant_id, id.object_id);
    let rt = store
        .get(&key)
        .expect("get")
        .expect("a refresh token is stored");
    let at = rig
        .pim
        .session()
        .token(elevate_core::auth::Resource::Graph, None)
        .await
        .expect("token");
    // Nothing under the data dirs holds a token in plaintext.
    for root in [&dir, &rig.data] {
        for entry in walk(root) {
            let bytes = std::fs::read(&entry).expect("read");
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains(rt.expose()) && !text.contains(at.expose()),
                "{} holds a token",
                entry.display()
            );
        }
    }
    // Debug output of everything the UI or a log could see is token-free.
    let shown = format!("{snap:?} {id:?} {rt:?} {at:?} {:?}", json_of(&snap));
    assert!(!shown.contains(rt.expose()) && !shown.contains(at.expose()));
    rig.pim.session().sign_out().await.expect("sign out");
    assert_eq!(store.get(&key).expect("get"), None);
    assert!(walk(&dir).is_empty(), "the sealed file is gone");
    let err = rig
        .pim
        .session()
        .token(elevate_core::auth::Resource::Graph, None)
        .await
        .expect_err("signed out");
    assert!(matches!(err, Error::SignInRequired(_)));
}

fn walk(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    if let Ok(rd) = std::fs::read_dir(root) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[tokio::test]
async fn concurrent_callers_share_one_refresh() {
    let rig = rig().await.signed_in().await;
    // A new session over the same store and data dir: empty cache, refresh token stored.
    let cfg = rig.pim.session().cfg.clone();
    let http = elevate_core::http::Http::new().expect("http");
    let session = Arc::new(
        elevate_core::auth::Session::new(
            cfg,
            http,
            rig.store.clone(),
            Arc::new(SimBrowser {
                opened: rig.opened.clone(),
            }),
        )
        .with_data_dir(rig.data.clone()),
    );
    rig.reset_counters();
    let calls = (0..10).map(|_| {
        let s = session.clone();
        async move { s.token(elevate_core::auth::Resource::Graph, None).await }
    });
    let tokens = futures::future::join_all(calls).await;
    assert!(tokens.iter().all(|t| t.is_ok()));
    assert_eq!(
        rig.count("login.token"),
        1,
        "one refresh for ten concurrent callers"
    );
    assert!(
        rig.opened.lock().expect("l").len() == 1,
        "no browser needed: only the first sign-in opened one"
    );
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

/// The "ready" check waits for the access itself, not only the listing: with a propagation
/// delay in the sim, every plane reports Waiting until memberOf / ARM permissions show it.
#[tokio::test]
async fn ready_only_once_the_access_is_effective_on_every_plane() {
    use elevate_core::ready::{Readiness, ReadyOptions, ReadyOutcome};
    let rig = rig().await.signed_in().await;
    rig.settings(|s| s.effective_delay = 600);
    let snap = rig.pim.refresh().await;
    let picks = [
        find(&snap.assignments, "User Administrator", Status::Eligible).clone(),
        snap.assignments
            .iter()
            .find(|a| {
                a.plane == Plane::Group
                    && a.id == "3d4e5f6a-7b8c-4d9e-8f0a-2b3c4d5e6f7a"
                    && a.status == Status::Eligible
            })
            .expect("Platform Engineers member")
            .clone(),
        find(
            &snap.assignments,
            "Virtual Machine Contributor",
            Status::Eligible,
        )
        .clone(),
    ];
    for a in &picks {
        let before = rig.pim.readiness(a).await.expect("readiness");
        assert!(
            matches!(&before, Readiness::Waiting { reason } if reason.contains("not listed")),
            "{}: {before:?}",
            a.label()
        );
        let plan = rig
            .pim
            .plan(a, &input("ready check"), &Defaults::default())
            .await
            .expect("plan");
        rig.pim.activate(a, &plan).await.expect("activate");
        let listed = rig.pim.readiness(a).await.expect("readiness");
        assert!(
            matches!(&listed, Readiness::Waiting { reason } if reason.starts_with("listed as active")),
            "{}: listed but not effective: {listed:?}",
            a.label()
        );
    }
    // Times out with the reason while the access has not propagated.
    let quick = ReadyOptions {
        first_poll: std::time::Duration::from_millis(20),
        max_poll: std::time::Duration::from_millis(40),
        timeout: std::time::Duration::from_millis(150),
    };
    let out = rig.pim.wait_ready(&picks[2], quick).await;
    assert!(
        matches!(&out, ReadyOutcome::TimedOut { reason } if reason.contains("permissions")),
        "{out:?}"
    );
    rig.advance(11);
    for a in &picks {
        let out = rig.pim.wait_ready(a, quick).await;
        assert_eq!(out, ReadyOutcome::Ready { verified: true }, "{}", a.label());
    }
}

/// An activation that goes away while being watched ends the watch ("gone") instead of
/// waiting for the time-out.
#[tokio::test]
async fn a_watch_ends_when_the_activation_goes() {
    use elevate_core::ready::{ReadyOptions, ReadyOutcome};
    let rig = rig().await.signed_in().await;
    let snap = rig.pim.refresh().await;
    rig.settings(|s| s.effective_delay = 600);
    let ua = find(&snap.assignments, "User Administrator", Status::Eligible).clone();
    let plan = rig
        .pim
        .plan(&ua, &input("gone"), &Defaults::default())
        .await
        .expect("plan");
    rig.pim.activate(&ua, &plan).await.expect("activate");
    let pim = Arc::new(rig.pim);
    let watch = {
        let pim = pim.clone();
        let ua = ua.clone();
        tokio::spawn(async move {
            pim.wait_ready(
                &ua,
                ReadyOptions {
                    first_poll: std::time::Duration::from_millis(30),
                    max_poll: std::time::Duration::from_millis(30),
                    timeout: std::time::Duration::from_secs(20),
                },
            )
            .await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    rig.sim
        .sim()
        .lock()
        .tenant
        .clock
        .advance(chrono::Duration::minutes(6));
    let active = pim
        .refresh()
        .await
        .assignments
        .into_iter()
        .find(|a| a.key == ua.key && a.status == Status::Active)
        .expect("active");
    // Still not effective (600 s lag counts from the start, 6 min have passed).
    pim.deactivate(&active).await.expect("deactivate");
    let out = tokio::time::timeout(std::time::Duration::from_secs(10), watch)
        .await
        .expect("the watch ends")
        .expect("join");
    assert_eq!(out, ReadyOutcome::Gone);
}

/// Favorites at login: the plain one is activated, the active one is left alone, and those
/// that need a person (approval, step-up, a missing justification) are reported, not sent.
#[tokio::test]
async fn favorites_at_login_activate_what_they_can_and_report_the_rest() {
    use elevate_core::favorites::{activate_favorites, summary, FavoriteResult, Mode};
    use elevate_core::store::Favorite;
    let rig = rig().await.signed_in().await;
    let snap = rig.pim.refresh().await;
    let fav = |a: &Assignment, j: Option<&str>| Favorite {
        key: a.key.clone(),
        label: a.label(),
        justification: j.map(str::to_string),
        ticket_number: None,
        ticket_system: None,
        duration: Some("PT1H".into()),
    };
    let entra = |pred: &dyn Fn(&elevate_core::model::PolicySummary) -> bool| {
        snap.assignments
            .iter()
            .find(|a| {
                a.plane == Plane::EntraRole
                    && a.status == Status::Eligible
                    && a.scope.id == "/"
                    && a.policy.as_ref().is_some_and(pred)
            })
            .expect("a role with that policy")
            .clone()
    };
    let approval = entra(&|p| p.approval && p.auth_context.is_none());
    let step_up = entra(&|p| p.auth_context.is_some());
    let plain = find(&snap.assignments, "User Administrator", Status::Eligible).clone();
    let no_reason = find(
        &snap.assignments,
        "Exchange Administrator",
        Status::Eligible,
    )
    .clone();
    assert!(no_reason
        .policy
        .as_ref()
        .is_some_and(|p| p.justification && !p.ticket));
    // One already active before login.
    let active = find(
        &snap.assignments,
        "Helpdesk Administrator",
        Status::Eligible,
    )
    .clone();
    let plan = rig
        .pim
        .plan(&active, &input("earlier"), &Defaults::default())
        .await
        .expect("plan");
    rig.pim.activate(&active, &plan).await.expect("activate");
    let favorites = vec![
        fav(&plain, Some("daily ops")),
        fav(&active, Some("daily ops")),
        fav(&approval, Some("daily ops")),
        fav(&step_up, Some("daily ops")),
        fav(&no_reason, None),
    ];
    let snap = rig.pim.refresh().await;
    rig.reset_counters();
    let out = activate_favorites(
        &rig.pim,
        &favorites,
        &snap,
        &Defaults::default(),
        Mode::Unattended,
    )
    .await;
    let results: Vec<&FavoriteResult> = out.iter().map(|o| &o.result).collect();
    assert!(
        matches!(
            results[0],
            FavoriteResult::Sent {
                state: RequestState::Active,
                ..
            }
        ),
        "{results:?}"
    );
    assert_eq!(results[1], &FavoriteResult::AlreadyActive);
    for (i, needle) in [
        (2, "approver"),
        (3, "authentication context"),
        (4, "justification"),
    ] {
        assert!(
            matches!(results[i], FavoriteResult::NeedsYou { reason } if reason.contains(needle)),
            "{i}: {:?}",
            results[i]
        );
    }
    assert_eq!(
        rig.count("graph.roleAssignmentScheduleRequests.create"),
        1,
        "only the plain favorite was sent"
    );
    let (title, body) = summary(&out);
    assert_eq!(title, "Favorites: 1 activated, 3 need you");
    assert!(
        body.contains("User Administrator") && body.contains("approver"),
        "{body}"
    );
    // Run again (a second login): nothing is sent twice.
    let snap = rig.pim.refresh().await;
    let again = activate_favorites(
        &rig.pim,
        &favorites[..2],
        &snap,
        &Defaults::default(),
        Mode::Unattended,
    )
    .await;
    assert!(
        again
            .iter()
            .all(|o| o.result == FavoriteResult::AlreadyActive),
        "{again:?}"
    );
}
