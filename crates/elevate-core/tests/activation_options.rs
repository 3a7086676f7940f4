//! Activation options against elevate-sim: a scheduled start (listed as scheduled, reminded
//! before it starts and when it starts, cancellable, refused in the past), activation at a
//! narrower Azure scope (the request goes to the child scope, linked to the ancestor's
//! eligibility), and bundles across the three planes (one failing member reported, the others
//! done; deactivated together).

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use elevate_core::bundle::{Bundle, BundleItem};
use elevate_core::model::{Access, Plane, Status};
use elevate_core::notice::NoticeKind;
use elevate_core::pim::RequestState;
use elevate_core::service::{Input, ScopeReason, Target};
use elevate_core::shell::RecordingShell;
use elevate_core::tray_model::Entry;
use elevate_core::{Elevate, Error};
use elevate_sim::{Scenario, SimServer};

const SUB_PROD: &str = "/subscriptions/5f2a1c3e-7b4d-4e6f-8a9b-0c1d2e3f4a5b";
const SUB_DEV: &str = "/subscriptions/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
const MG: &str = "/providers/Microsoft.Management/managementGroups/contoso-platform";

struct Svc {
    sim: SimServer,
    e: Arc<Elevate>,
    shell: Arc<RecordingShell>,
    dir: PathBuf,
}

impl Svc {
    async fn signed_in(background: bool) -> Svc {
        let scenario = Scenario::builtin("demo").expect("demo");
        let settings = elevate_sim::Settings {
            auto_sign_in: Some(scenario.default_user.clone()),
            ..Default::default()
        };
        let sim = SimServer::start(scenario, settings).await.expect("sim");
        let dir = std::env::temp_dir().join(format!("elevate-options-{}", uuid::Uuid::new_v4()));
        let env = common::sim_env(&sim, &dir, Some(dir.join("config.toml")), background);
        let shell = Arc::new(RecordingShell::default());
        let e = Elevate::open(env, shell.clone()).expect("open");
        e.sign_in().await.expect("sign in");
        Svc { sim, e, shell, dir }
    }

    fn advance(&self, minutes: i64) {
        let mut inner = self.sim.sim().lock();
        inner
            .tenant
            .clock
            .advance(chrono::Duration::minutes(minutes));
        inner.tenant.tick();
    }

    fn creates(&self) -> u64 {
        let inner = self.sim.sim().lock();
        inner.count("graph.roleAssignmentScheduleRequests.create")
            + inner.count("arm.roleAssignmentScheduleRequests.put")
    }
}

fn input(j: &str, start: Option<&str>) -> Input {
    Input {
        justification: Some(j.into()),
        duration: Some("1h".into()),
        start: start.map(str::to_string),
        ..Input::default()
    }
}

#[tokio::test]
async fn a_scheduled_activation_is_listed_reminded_and_starts_when_the_clock_passes_it() {
    let s = Svc::signed_in(true).await;
    s.e.refresh().await;
    let ua = Target::name("User Administrator", None);
    let done =
        s.e.activate(&ua, &input("change window CHG-9", Some("+2h")))
            .await
            .expect("scheduled");
    assert_eq!(done.outcome.state, RequestState::Scheduled);
    let view = s.e.refresh().await;
    let scheduled = view
        .snapshot
        .assignments
        .iter()
        .find(|a| a.key == done.assignment.key && a.status == Status::Scheduled)
        .expect("listed as scheduled");
    let start = scheduled.start_date_time.expect("with its start");
    let wanted = s.e.clock().now() + chrono::Duration::hours(2);
    assert!(
        (start - wanted).num_seconds().abs() < 120,
        "{start} vs {wanted}"
    );
    // Asking again sends nothing: it already starts.
    let again =
        s.e.activate(&ua, &input("change window CHG-9", Some("+2h")))
            .await
            .expect("again");
    assert_eq!(again.outcome.state, RequestState::AlreadyPending);
    // 15 minutes before the start: a reminder; at the start: "has started", then active.
    s.advance(106);
    s.e.tick();
    let starting = s.shell.notices_of(NoticeKind::Starting);
    assert_eq!(starting.len(), 1, "{starting:?}");
    assert!(starting[0].title.contains("starts in"), "{:?}", starting[0]);
    s.advance(15);
    s.e.tick();
    assert_eq!(s.shell.notices_of(NoticeKind::Started).len(), 1);
    let view = s.e.refresh().await;
    assert!(view
        .snapshot
        .assignments
        .iter()
        .any(|a| a.key == done.assignment.key && a.status == Status::Active));
    assert_eq!(
        s.shell.notices_of(NoticeKind::Started).len(),
        1,
        "said once"
    );
}

#[tokio::test]
async fn a_scheduled_azure_activation_can_be_cancelled_and_the_past_is_refused_before_sending() {
    let s = Svc::signed_in(false).await;
    let before = s.creates();
    let err =
        s.e.activate(
            &Target::name("Exchange Administrator", None),
            &input("x", Some("2020-01-01T00:00:00Z")),
        )
        .await
        .expect_err("past");
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains("must be later than now")),
        "{err}"
    );
    assert_eq!(s.creates(), before, "nothing sent");
    let contributor = Target::name("Contributor", Some(SUB_DEV));
    let done =
        s.e.activate(&contributor, &input("tonight's window", Some("+3h")))
            .await
            .expect("scheduled on ARM");
    assert_eq!(done.outcome.state, RequestState::Scheduled);
    let listed = s.e.assignments(Default::default()).await.expect("list");
    assert!(listed
        .iter()
        .any(|a| a.key == done.assignment.key && a.status == Status::Scheduled));
    let cancelled =
        s.e.cancel(&Target::key(done.assignment.key.clone()))
            .await
            .expect("cancel");
    assert_eq!(cancelled.outcome.state, RequestState::Canceled);
    let listed = s.e.assignments(Default::default()).await.expect("list");
    assert!(!listed.iter().any(|a| a.status == Status::Scheduled));
}

#[tokio::test]
async fn a_role_eligible_at_a_management_group_is_activated_at_a_child_scope() {
    let s = Svc::signed_in(false).await;
    let rg = format!("{SUB_PROD}/resourceGroups/rg-web-prod");
    let all = s.e.assignments(Default::default()).await.expect("list");
    let reader = all
        .iter()
        .find(|a| a.name == "Reader" && a.status == Status::Eligible)
        .expect("Reader at the management group")
        .clone();
    assert_eq!(reader.scope.id, MG);
    let choices = s.e.scope_choices(&reader.key).await.expect("choices");
    assert_eq!(choices.reason, ScopeReason::Eligibility);
    assert_eq!(choices.selected, MG);
    for id in [SUB_PROD, SUB_DEV, rg.as_str()] {
        assert!(
            choices.scopes.iter().any(|c| c.id.eq_ignore_ascii_case(id)),
            "{id} offered"
        );
    }
    assert!(choices.scopes.iter().any(|c| c.kind == "resource"));
    let done =
        s.e.activate(
            &Target::name("Reader", Some(&rg)),
            &input("read the web logs", None),
        )
        .await
        .expect("at the child scope");
    assert_eq!(done.assignment.scope.id, rg);
    {
        let inner = s.sim.sim().lock();
        let req = inner.tenant.requests.last().expect("recorded");
        match &req.target {
            elevate_sim::state::Target::Azure { scope, .. } => {
                assert!(scope.eq_ignore_ascii_case(&rg), "sent at {scope}")
            }
            other => panic!("not an ARM request: {other:?}"),
        }
        assert!(
            req.linked_eligibility.is_some(),
            "linked to the eligibility"
        );
        assert!(inner.log.iter().any(|l| l.method == "PUT"
            && l.path.to_ascii_lowercase().contains(&format!(
                "{}/providers/microsoft.authorization/roleassignmentschedulerequests",
                rg.to_ascii_lowercase()
            ))));
    }
    // Next time the picker preselects the scope last used.
    let choices = s.e.scope_choices(&reader.key).await.expect("choices");
    assert_eq!(
        (choices.reason, choices.selected.as_str()),
        (ScopeReason::LastUsed, rg.as_str())
    );
    // A scope outside the eligibility is refused before sending.
    let owner = all
        .iter()
        .find(|a| a.name == "Owner" && a.status == Status::Eligible)
        .expect("Owner on Production");
    let before = s.creates();
    let err =
        s.e.activate(
            &Target::key(owner.key.clone()),
            &Input {
                scope: Some(SUB_DEV.into()),
                ..input("deploy the web app", None)
            },
        )
        .await
        .expect_err("outside");
    assert!(err.to_string().contains("ScopeOutsideEligibility"), "{err}");
    assert_eq!(s.creates(), before);
}

#[tokio::test]
async fn a_bundle_across_three_planes_reports_each_member_and_deactivates_together() {
    let s = Svc::signed_in(true).await;
    s.e.refresh().await;
    let item = |plane, name: &str, scope: Option<&str>, access| BundleItem {
        plane,
        name: name.into(),
        scope: scope.map(str::to_string),
        access,
    };
    s.e.save_bundle(Bundle {
        name: "Incident response".into(),
        items: vec![
            item(Plane::EntraRole, "Security Administrator", None, None),
            item(Plane::Group, "SOC Analysts", None, Some(Access::Member)),
            item(Plane::AzureResource, "Contributor", Some(SUB_DEV), None),
            item(Plane::EntraRole, "Not A Role Of Mine", None, None),
        ],
        justification: None,
        ticket: None,
        duration: None,
        autostart: false,
    })
    .expect("saved");
    let (file, _) = elevate_core::config::Config::load(&s.dir.join("config.toml")).expect("config");
    assert_eq!(file.bundles.len(), 1, "in the config file");
    let tray = s.e.tray().expect("tray");
    assert!(tray
        .entries
        .iter()
        .any(|e| matches!(e, Entry::Submenu { label, .. } if label == "Bundles")));
    let views = s.e.bundle_views().await.expect("views");
    assert!(
        views[0].requirements.ticket,
        "Security Administrator wants a ticket"
    );
    // The strictest rule is asked once, before anything is sent.
    let before = s.creates();
    let err =
        s.e.activate_bundle("incident response", &input("SEC-12 phishing", None))
            .await
            .expect_err("no ticket");
    assert!(
        matches!(&err, Error::PolicyRefused { rule, .. } if rule == "TicketingRule"),
        "{err}"
    );
    assert_eq!(s.creates(), before);
    let results =
        s.e.activate_bundle(
            "Incident response",
            &Input {
                ticket_number: Some("SEC-12".into()),
                ..input("SEC-12 phishing", None)
            },
        )
        .await
        .expect("bundle");
    assert_eq!(results.len(), 4);
    for r in &results[..3] {
        assert!(r.error.is_none(), "{r:?}");
        assert!(r.outcome.is_some(), "{r:?}");
    }
    assert!(results[3].error.is_some(), "the missing member is reported");
    s.advance(6);
    s.e.refresh().await;
    let off =
        s.e.deactivate_bundle("Incident response")
            .await
            .expect("off");
    let revoked = off
        .iter()
        .filter(|r| {
            r.outcome
                .as_ref()
                .is_some_and(|o| o.state == RequestState::Revoked)
        })
        .count();
    assert_eq!(revoked, 3, "{off:?}");
    let listed = s.e.refresh().await;
    for name in ["Security Administrator", "SOC Analysts", "Contributor"] {
        assert!(
            !listed.snapshot.assignments.iter().any(|a| a.name == name
                && a.status == Status::Active
                && a.assignment_type == Some(elevate_core::model::AssignmentType::Activated)),
            "{name} deactivated"
        );
    }
    s.e.delete_bundle("Incident response").expect("deleted");
    assert!(s.e.bundles().is_empty());
}
