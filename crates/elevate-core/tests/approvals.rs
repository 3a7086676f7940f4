//! The approver's side against elevate-sim over HTTP, per plane and per rule: list, decide,
//! someone deciding first (409), own and extend requests refused before the network, the
//! policy's approver justification, 24-hour expiry, a lost answer reconciled, the ARM batch
//! fallback, a plane whose consent is missing, and the tray's notices with a recording shell.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use elevate_core::approval::{Decidable, DecisionState, RequestKind, Verdict};
use elevate_core::config::Config;
use elevate_core::intent::Intent;
use elevate_core::model::Plane;
use elevate_core::notice::{NoticeKind, Offer};
use elevate_core::shell::RecordingShell;
use elevate_core::tray_model::TrayState;
use elevate_core::{Elevate, Error};
use elevate_sim::{Scenario, SimServer};
use serde_json::{json, Value};

const MEGAN: &str = "2b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b";
const LEE: &str = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a";
const SOC: &str = "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e";
const PROD: &str = "/subscriptions/5f2a1c3e-7b4d-4e6f-8a9b-0c1d2e3f4a5b";

struct Approver {
    sim: SimServer,
    e: Arc<Elevate>,
    shell: Arc<RecordingShell>,
    dir: PathBuf,
}

impl Approver {
    /// Alex (the demo user, an approver) signed in; approvals on; `background` as the tray.
    async fn new(background: bool) -> Approver {
        let scenario = Scenario::builtin("demo").expect("demo");
        let settings = elevate_sim::Settings {
            auto_sign_in: Some(scenario.default_user.clone()),
            ..Default::default()
        };
        let sim = SimServer::start(scenario, settings).await.expect("sim");
        let dir = std::env::temp_dir().join(format!("elevate-approvals-{}", uuid::Uuid::new_v4()));
        Approver::open(sim, dir, background).await
    }

    async fn open(sim: SimServer, dir: PathBuf, background: bool) -> Approver {
        let (e, shell) = elevate_on(&sim, &dir, background).await;
        Approver { sim, e, shell, dir }
    }

    /// Another user's request, made through the sim's control.
    async fn request(&self, body: Value) -> Value {
        let resp = reqwest::Client::new()
            .post(format!("{}/_sim/requests", self.sim.base_url()))
            .json(&body)
            .send()
            .await
            .expect("control");
        let status = resp.status();
        let v: Value = resp.json().await.expect("json");
        assert!(status.is_success(), "{v}");
        v
    }

    async fn control(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        reqwest::Client::new()
            .request(method, format!("{}/_sim/{path}", self.sim.base_url()))
            .json(&body)
            .send()
            .await
            .expect("control")
            .json()
            .await
            .unwrap_or(Value::Null)
    }

    fn count(&self, key: &str) -> u64 {
        self.sim.sim().lock().count(key)
    }

    fn fault(&self, f: Value) {
        let fault: elevate_sim::Fault = serde_json::from_value(f).expect("fault");
        self.sim.sim().lock().faults.push(fault);
    }

    /// The requester's activations (by user id) as the sim holds them.
    async fn actives_of(&self, user: &str) -> usize {
        let all = self
            .control(reqwest::Method::GET, "activations", Value::Null)
            .await;
        all.as_array()
            .map(|a| a.iter().filter(|x| x["principalId"] == user).count())
            .unwrap_or(0)
    }
}

/// An Elevate (approvals on, signed in) on `sim` with its data in `dir`: a second one on the
/// same directory is the app after a restart.
async fn elevate_on(
    sim: &SimServer,
    dir: &std::path::Path,
    background: bool,
) -> (Arc<Elevate>, Arc<RecordingShell>) {
    let mut config = Config::default();
    config.approvals.enabled = Some(true);
    config.save(&dir.join("config.toml")).expect("config");
    let env = common::sim_env(sim, dir, Some(dir.join("config.toml")), background);
    let shell = Arc::new(RecordingShell::default());
    let e = Elevate::open(env, shell.clone()).expect("open");
    e.sign_in().await.expect("sign in");
    (e, shell)
}

impl Drop for Approver {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn an_entra_request_from_another_user_is_listed_whole_and_approved() {
    let t = Approver::new(false).await;
    let made = t
        .request(
            json!({"user": LEE, "plane": "entra", "role": "Conditional Access Administrator",
            "justification": "CA policy change CHG-7", "duration": "PT2H"}),
        )
        .await;
    let pending = t.e.pending_approvals(&[]).await.expect("list");
    assert!(pending.failures.is_empty(), "{:?}", pending.failures);
    let a = pending
        .items
        .iter()
        .find(|a| a.request_id == made["id"].as_str().expect("present"))
        .expect("listed");
    assert_eq!(a.plane, Plane::EntraRole);
    assert_eq!(a.requester.name(), "Lee Gu");
    assert_eq!(a.name, "Conditional Access Administrator");
    assert_eq!(a.justification.as_deref(), Some("CA policy change CHG-7"));
    assert_eq!(a.duration.as_deref(), Some("PT2H"));
    assert_eq!(a.decidable, Decidable::Yes);
    assert!(a.expires.is_some());
    let before = t.actives_of(LEE).await;
    let d =
        t.e.decide(&a.key, Verdict::Approve, Some("change approved in CAB"))
            .await
            .expect("decide");
    assert_eq!(d.state, DecisionState::Recorded, "{}", d.message);
    assert_eq!(t.count("graph.roleAssignmentApprovals.decide"), 1);
    assert_eq!(t.actives_of(LEE).await, before + 1, "Lee's access starts");
    let h = t.e.history().expect("history");
    let last = h.last().expect("recorded");
    assert_eq!(last.action, "approve");
    assert_eq!(last.outcome, "recorded");
    assert_eq!(
        last.justification.as_deref(),
        Some("change approved in CAB")
    );
    // Decided: it no longer waits; deciding again says it was decided, by whom.
    assert!(t
        .e
        .pending_approvals(&[])
        .await
        .expect("present")
        .items
        .iter()
        .all(|x| x.key != a.key));
    let again =
        t.e.decide(made["id"].as_str().expect("present"), Verdict::Deny, None)
            .await
            .expect("a result");
    assert_eq!(again.state, DecisionState::AlreadyDecided);
    assert!(
        again.message.contains("already approved by you"),
        "{}",
        again.message
    );
}

#[tokio::test]
async fn another_approver_first_is_a_result_not_an_error() {
    let t = Approver::new(false).await;
    let made = t
        .request(json!({"user": MEGAN, "plane": "azure", "role": "Owner", "scope": PROD, "justification": "deploy"}))
        .await;
    let a =
        t.e.pending_approvals(&[Plane::AzureResource])
            .await
            .expect("present")
            .items
            .remove(0);
    assert_eq!(a.requester.name(), "Megan Bowen");
    // The approver's list is looked at; then the administrator decides in "the portal".
    let cached = a.clone();
    let approval = made["approvalId"]
        .as_str()
        .expect("present")
        .rsplit('/')
        .next()
        .expect("present")
        .to_string();
    t.control(
        reqwest::Method::POST,
        &format!("approvals/{}/deny", made["id"].as_str().expect("present")),
        Value::Null,
    )
    .await;
    let d =
        t.e.pim()
            .decide(&cached, Verdict::Approve, "ok")
            .await
            .expect("a result");
    assert_eq!(d.state, DecisionState::AlreadyDecided, "{}", d.message);
    assert_eq!(d.result.as_deref(), Some("denied"));
    assert!(d.message.contains("already denied"), "{}", d.message);
    assert_eq!(cached.approval_id, approval.to_ascii_lowercase());
    // Asked afresh (elevatectl), by key or by the bare approval id: the same answer.
    for id in [a.key.clone(), approval.clone()] {
        let d =
            t.e.decide(&id, Verdict::Approve, Some("ok"))
                .await
                .expect("a result");
        assert_eq!(
            d.state,
            DecisionState::AlreadyDecided,
            "{id}: {}",
            d.message
        );
        assert!(
            d.message.contains("already denied by Administrator"),
            "{}",
            d.message
        );
    }
    let unknown =
        t.e.decide("0000-not-a-request", Verdict::Approve, None)
            .await;
    assert!(
        matches!(unknown, Err(Error::InvalidInput(_))),
        "{unknown:?}"
    );
    assert_eq!(
        t.count("arm.roleAssignmentApprovals.decide"),
        0,
        "nothing sent: the stage said it"
    );
}

#[tokio::test]
async fn a_conflict_on_the_decision_itself_reads_who_decided() {
    let t = Approver::new(false).await;
    let made = t
        .request(json!({"user": LEE, "plane": "entra", "role": "Conditional Access Administrator", "justification": "x"}))
        .await;
    let a =
        t.e.pending_approvals(&[Plane::EntraRole])
            .await
            .expect("present")
            .items
            .remove(0);
    // The PATCH is held back; meanwhile the administrator decides: the PATCH meets a 409.
    t.fault(
        json!({"route": "graph.roleAssignmentApprovals.decide", "kind": "delay", "delayMs": 1500}),
    );
    let e = t.e.clone();
    let pending = a.clone();
    let deciding = tokio::spawn(async move { e.pim().decide(&pending, Verdict::Deny, "no").await });
    while t.count("graph.roleAssignmentApprovals.decide") == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let id = made["id"].as_str().expect("present").to_string();
    t.sim
        .sim()
        .lock()
        .tenant
        .decide(&id, true)
        .expect("admin decides");
    let d = deciding.await.expect("task").expect("a result");
    assert_eq!(d.state, DecisionState::AlreadyDecided, "{}", d.message);
    assert_eq!(d.result.as_deref(), Some("approved"));
    assert_eq!(t.count("graph.roleAssignmentApprovals.decide"), 1);
}

#[tokio::test]
async fn own_and_extend_requests_are_refused_before_anything_is_sent() {
    let t = Approver::new(false).await;
    // Alex asks for a role that needs approval: his own request is listed to him as an approver.
    let mine = t
        .request(json!({"user": "alex@contoso.example", "plane": "entra", "role": "Privileged Role Administrator",
            "justification": "mine"}))
        .await;
    t.request(
        json!({"user": LEE, "plane": "entra", "role": "Conditional Access Administrator",
        "action": "selfExtend", "justification": "need longer"}),
    )
    .await;
    let pending =
        t.e.pending_approvals(&[Plane::EntraRole])
            .await
            .expect("present");
    let own = pending
        .items
        .iter()
        .find(|a| a.request_id == mine["id"].as_str().expect("present"))
        .expect("own listed");
    assert_eq!(own.decidable, Decidable::OwnRequest);
    let ext = pending
        .items
        .iter()
        .find(|a| a.kind == RequestKind::Extend)
        .expect("extend listed");
    assert_eq!(ext.decidable, Decidable::PortalOnly);
    let e1 =
        t.e.decide(&own.key, Verdict::Approve, Some("x"))
            .await
            .expect_err("own");
    assert!(e1.to_string().contains("your own request"), "{e1}");
    let e2 =
        t.e.decide(&ext.key, Verdict::Approve, Some("x"))
            .await
            .expect_err("extend");
    assert!(matches!(e2, Error::Unsupported(_)), "{e2:?}");
    // Where it can be decided: the portal's approvals page of its plane.
    assert_eq!(
        t.e.portal_url(ext),
        "https://portal.azure.com/#view/Microsoft_Azure_PIMCommon/ApproveRequestMenuBlade/~/aadmigratedroles"
    );
    assert!(e2.to_string().contains("portal"), "{e2}");
    assert_eq!(t.count("graph.roleAssignmentApprovals.decide"), 0);
    assert_eq!(t.count("graph.roleAssignmentApprovals.get"), 0);
}

#[tokio::test]
async fn the_policy_asks_the_approver_for_words_on_groups_and_azure() {
    let t = Approver::new(false).await;
    t.request(json!({"user": LEE, "plane": "group", "group": SOC, "access": "owner", "justification": "incident 42"}))
        .await;
    t.request(json!({"user": LEE, "plane": "azure", "role": "Contributor",
        "scope": format!("{PROD}/resourceGroups/rg-security-prod"), "justification": "rotate keys"}))
        .await;
    let pending = t.e.pending_approvals(&[]).await.expect("present");
    for plane in [Plane::Group, Plane::AzureResource] {
        let a = pending
            .items
            .iter()
            .find(|a| a.plane == plane)
            .expect("listed");
        assert_eq!(a.approver_justification, Some(true), "{plane:?}");
        let refused =
            t.e.decide(&a.key, Verdict::Approve, Some("  "))
                .await
                .expect_err("words needed");
        assert!(
            matches!(refused, Error::PolicyRefused { .. }),
            "{refused:?}"
        );
        assert!(refused.to_string().contains("justification"), "{refused}");
    }
    assert_eq!(
        t.count("graph.group.assignmentApprovals.decide"),
        0,
        "refused before the network"
    );
    let group = pending
        .items
        .iter()
        .find(|a| a.plane == Plane::Group)
        .expect("present");
    assert_eq!(group.label(), "SOC Analysts (owner)");
    let d =
        t.e.decide(&group.key, Verdict::Approve, Some("on call tonight"))
            .await
            .expect("decide");
    assert_eq!(d.state, DecisionState::Recorded);
    let azure = pending
        .items
        .iter()
        .find(|a| a.plane == Plane::AzureResource)
        .expect("present");
    let d =
        t.e.decide(
            &azure.key,
            Verdict::Deny,
            Some("use the break-glass runbook"),
        )
        .await
        .expect("decide");
    assert_eq!(d.state, DecisionState::Recorded);
    assert_eq!(t.count("arm.roleAssignmentApprovals.decide"), 1);
}

#[tokio::test]
async fn arm_decides_through_the_portals_batch_when_the_direct_route_is_missing() {
    let t = Approver::new(false).await;
    t.request(json!({"user": MEGAN, "plane": "azure", "role": "Owner", "scope": PROD, "justification": "deploy"}))
        .await;
    let a =
        t.e.pending_approvals(&[Plane::AzureResource])
            .await
            .expect("present")
            .items
            .remove(0);
    t.fault(
        json!({"route": "arm.roleAssignmentApprovals.decide", "kind": "status", "status": 404}),
    );
    let before = t.actives_of(MEGAN).await;
    let d =
        t.e.decide(&a.key, Verdict::Approve, Some("release 7"))
            .await
            .expect("decide");
    assert_eq!(d.state, DecisionState::Recorded, "{}", d.message);
    assert_eq!(t.count("arm.batch"), 1);
    assert_eq!(t.actives_of(MEGAN).await, before + 1);
}

#[tokio::test]
async fn a_lost_answer_is_reconciled_and_the_decision_sent_once() {
    let t = Approver::new(false).await;
    t.request(json!({"user": LEE, "plane": "entra", "role": "Conditional Access Administrator", "justification": "x"}))
        .await;
    let a =
        t.e.pending_approvals(&[Plane::EntraRole])
            .await
            .expect("present")
            .items
            .remove(0);
    t.fault(json!({"route": "graph.roleAssignmentApprovals.decide", "kind": "lostAfterCommit"}));
    let d =
        t.e.decide(&a.key, Verdict::Approve, Some("ok"))
            .await
            .expect("decide");
    assert_eq!(d.state, DecisionState::Recorded, "{}", d.message);
    assert!(
        d.message.contains("confirmed after a lost answer"),
        "{}",
        d.message
    );
    assert_eq!(
        t.count("graph.roleAssignmentApprovals.decide"),
        1,
        "never sent twice"
    );
}

#[tokio::test]
async fn a_request_left_24_hours_expires() {
    let t = Approver::new(false).await;
    t.request(json!({"user": LEE, "plane": "entra", "role": "Conditional Access Administrator", "justification": "x"}))
        .await;
    let a =
        t.e.pending_approvals(&[Plane::EntraRole])
            .await
            .expect("present")
            .items
            .remove(0);
    t.sim
        .sim()
        .lock()
        .tenant
        .clock
        .advance(chrono::Duration::hours(25));
    assert!(t
        .e
        .pending_approvals(&[Plane::EntraRole])
        .await
        .expect("present")
        .items
        .is_empty());
    let d =
        t.e.pim()
            .decide(&a, Verdict::Approve, "late")
            .await
            .expect("a result");
    assert_eq!(d.state, DecisionState::Expired, "{}", d.message);
    assert!(d.message.contains("24 hours"), "{}", d.message);
}

#[tokio::test]
async fn a_plane_without_consent_says_so_and_the_others_are_listed() {
    let t = Approver::new(false).await;
    t.control(
        reqwest::Method::POST,
        "settings",
        json!({"withheldScopes": ["PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup"]}),
    )
    .await;
    t.e.session()
        .invalidate(elevate_core::auth::Resource::Graph)
        .await;
    t.request(json!({"user": LEE, "plane": "entra", "role": "Conditional Access Administrator", "justification": "x"}))
        .await;
    let pending = t.e.pending_approvals(&[]).await.expect("list");
    let failed: Vec<Plane> = pending.failures.iter().map(|f| f.plane).collect();
    assert_eq!(failed, vec![Plane::Group]);
    assert!(
        pending.failures[0]
            .error
            .message
            .contains("PrivilegedAssignmentSchedule"),
        "{:?}",
        pending.failures
    );
    assert!(
        pending.items.iter().any(|a| a.plane == Plane::EntraRole),
        "Entra still works"
    );
}

#[tokio::test]
async fn the_tray_tells_a_new_request_once_even_after_a_restart_and_approves_from_the_notice() {
    let t = Approver::new(true).await;
    t.e.refresh().await;
    t.request(json!({"user": LEE, "plane": "entra", "role": "Conditional Access Administrator", "justification": "x"}))
        .await;
    assert!(t.e.poll_approvals().await.expect("poll"));
    let told = t.shell.notices_of(NoticeKind::ToApprove);
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].offer, Offer::Decide);
    assert!(told[0].title.contains("Lee Gu"), "{}", told[0].title);
    assert_eq!(
        t.shell.last_tray().expect("tray").state,
        TrayState::ToApprove
    );
    assert_eq!(t.shell.last_view().expect("view").approvals.items.len(), 1);
    t.e.poll_approvals().await.expect("poll");
    assert_eq!(
        t.shell.notices_of(NoticeKind::ToApprove).len(),
        1,
        "told once"
    );
    // A restart on the same data: not told again.
    let key = told[0].key.clone().expect("key");
    let (e2, shell2) = elevate_on(&t.sim, &t.dir, true).await;
    e2.refresh().await;
    e2.poll_approvals().await.expect("poll");
    assert!(
        shell2.notices_of(NoticeKind::ToApprove).is_empty(),
        "not told after a restart"
    );
    // The notice's Approve: decided at once, said, and the section empties.
    let action = told[0].intent("approve").expect("approve offered");
    assert_eq!(action, Intent::Approve(key.clone()));
    e2.perform(&action).await;
    assert!(
        shell2.notices_of(NoticeKind::Failed).is_empty(),
        "{:?}",
        shell2.notices_of(NoticeKind::Failed)
    );
    assert_eq!(shell2.notices_of(NoticeKind::Decided).len(), 1);
    let view = shell2.last_view().expect("view");
    assert!(view.approvals.items.is_empty());
    assert_eq!(view.approvals.decided[0].key, key);
    assert_ne!(
        shell2.last_tray().expect("tray").state,
        TrayState::ToApprove
    );
    assert_eq!(t.count("graph.roleAssignmentApprovals.decide"), 1);
}

#[tokio::test]
async fn a_request_that_needs_my_words_opens_the_popup_on_it() {
    let t = Approver::new(true).await;
    t.e.refresh().await;
    t.request(json!({"user": LEE, "plane": "group", "group": SOC, "access": "owner", "justification": "incident"}))
        .await;
    t.e.poll_approvals().await.expect("poll");
    let told = t.shell.notices_of(NoticeKind::ToApprove);
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].offer, Offer::Handle, "no one-click decision");
    let key = told[0].key.clone().expect("present");
    let opened = t.shell.popups_opened();
    t.e.perform(&Intent::Approve(key.clone())).await;
    assert_eq!(t.shell.popups_opened(), opened + 1);
    assert_eq!(
        t.e.view_for_popup().await.focus.as_deref(),
        Some(key.as_str())
    );
    assert_eq!(t.count("graph.group.assignmentApprovals.decide"), 0);
}

/// The tray's Refresh starts a refresh and an approvals look together. Whichever publishes
/// last, the view and the tray keep what the look found: a refresh that read the approvals
/// before the look stored them must not draw over them (this once left the icon idle while
/// the "to approve" notice was out).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_racing_an_approvals_look_never_hides_the_request() {
    let t = Approver::new(true).await;
    t.e.refresh().await;
    for round in 0..40 {
        let made = t
            .request(json!({"user": LEE, "plane": "entra", "role": "Conditional Access Administrator", "justification": "x"}))
            .await;
        let (a, b) = (t.e.clone(), t.e.clone());
        let refresh = tokio::spawn(async move { a.refresh().await });
        let look = tokio::spawn(async move { b.poll_approvals().await });
        refresh.await.expect("refresh");
        look.await.expect("look").expect("poll");
        let view = t.e.cached().expect("view");
        assert_eq!(
            view.approvals.items.len(),
            1,
            "round {round}: the stored view"
        );
        assert_eq!(
            t.shell.last_view().expect("view").approvals.items.len(),
            1,
            "round {round}: the last view published"
        );
        assert_eq!(
            t.shell.last_tray().expect("tray").state,
            TrayState::ToApprove,
            "round {round}: the tray"
        );
        // Denied, so the next round's request is new to the look.
        t.e.decide(
            made["id"].as_str().expect("id"),
            Verdict::Deny,
            Some("round over"),
        )
        .await
        .expect("deny");
        assert!(t.e.cached().expect("view").approvals.items.is_empty());
    }
}
