//! The service layer against elevate-sim over HTTP, with a recording shell in place of the
//! desktop: what the tray would show and notify, tested without one.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use elevate_core::app::Settings;
use elevate_core::intent::Intent;
use elevate_core::model::{Plane, Status};
use elevate_core::notice::{NoticeKind, Offer};
use elevate_core::pim::RequestState;
use elevate_core::service::{Confirmation, Input, Target};
use elevate_core::shell::RecordingShell;
use elevate_core::store::{DataDir, Favorite};
use elevate_core::tray_model::TrayState;
use elevate_core::{Elevate, Error};
use elevate_sim::{Scenario, SimServer};

const USER_ADMIN: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";
const SECURITY_ADMIN: &str = "194ae4cb-b126-40b2-bd5b-6091b380977d";

fn entra_key(id: &str) -> String {
    format!("entraRole:{id}:/")
}

struct Svc {
    sim: SimServer,
    e: Arc<Elevate>,
    shell: Arc<RecordingShell>,
    dir: PathBuf,
}

impl Svc {
    /// A tray-like service (background on) or an elevatectl-like one, not signed in.
    async fn open(background: bool) -> Svc {
        Svc::open_with(background, None).await
    }

    /// With a config file written before the service opens.
    async fn open_with(background: bool, config: Option<elevate_core::config::Config>) -> Svc {
        let scenario = Scenario::builtin("demo").expect("demo");
        let settings = elevate_sim::Settings {
            auto_sign_in: Some(scenario.default_user.clone()),
            ..Default::default()
        };
        let sim = SimServer::start(scenario, settings).await.expect("sim");
        let dir = std::env::temp_dir().join(format!("elevate-service-{}", uuid::Uuid::new_v4()));
        if let Some(c) = config {
            c.save(&dir.join("config.toml")).expect("config");
        }
        let env = common::sim_env(&sim, &dir, Some(dir.join("config.toml")), background);
        let shell = Arc::new(RecordingShell::default());
        let e = Elevate::open(env, shell.clone()).expect("open");
        Svc { sim, e, shell, dir }
    }

    async fn signed_in(background: bool) -> Svc {
        let s = Svc::open(background).await;
        s.e.sign_in().await.expect("sign in");
        s
    }

    fn advance(&self, minutes: i64) {
        self.sim
            .sim()
            .lock()
            .tenant
            .clock
            .advance(chrono::Duration::minutes(minutes));
    }

    fn creates(&self) -> u64 {
        self.sim
            .sim()
            .lock()
            .count("graph.roleAssignmentScheduleRequests.create")
    }

    fn history_actions(&self) -> Vec<String> {
        self.e
            .history()
            .expect("history")
            .into_iter()
            .map(|r| r.action)
            .collect()
    }
}

fn justified(j: &str, duration: &str) -> Input {
    Input {
        justification: Some(j.into()),
        duration: Some(duration.into()),
        ..Input::default()
    }
}

#[tokio::test]
async fn asking_again_for_what_holds_succeeds_and_sends_nothing() {
    let s = Svc::signed_in(false).await;
    let target = Target::name("user administrator", None);
    let first =
        s.e.activate(&target, &justified("incident 7", "1h"))
            .await
            .expect("activate");
    assert_eq!(first.outcome.state, RequestState::Active);
    let again =
        s.e.activate(&target, &justified("incident 7", "1h"))
            .await
            .expect("again");
    assert_eq!(again.outcome.state, RequestState::AlreadyActive);
    assert_eq!(s.creates(), 1, "nothing sent the second time");
    // A role with approval: pending, then "already pending" (asking again needs no
    // confirmation: nothing is sent).
    let pra = Target::name("Privileged Role Administrator", None);
    let sent =
        s.e.activate_confirmed(&pra, &justified("rotation", "1h"), Confirmation::Tier0)
            .await
            .expect("request");
    assert_eq!(sent.outcome.state, RequestState::PendingApproval);
    let again =
        s.e.activate(&pra, &justified("rotation", "1h"))
            .await
            .expect("again");
    assert_eq!(again.outcome.state, RequestState::AlreadyPending);
    assert_eq!(s.creates(), 2);
    // Only requests that were sent are history.
    assert_eq!(s.history_actions(), ["activate", "activate"]);
    assert_eq!(s.e.verify_history().expect("verify").first_bad_line, None);
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_sent_with_the_rule_named() {
    let s = Svc::signed_in(false).await;
    let ua = Target::name("User Administrator", None);
    let cases: Vec<(Input, &str, &str)> = vec![
        (Input::default(), "policy", "requires a justification"),
        (
            justified("patch the servers", "9h"),
            "policy",
            "at most 8 h",
        ),
        (
            justified("BAU", "1h"),
            "policy",
            "'BAU' says nothing about why",
        ),
        (
            justified("patch the servers", "soon"),
            "invalidInput",
            "not a duration",
        ),
        (
            justified("patch the servers", "P200000000000D"),
            "invalidInput",
            "",
        ),
    ];
    for (input, code, words) in cases {
        let err = s.e.activate(&ua, &input).await.expect_err("refused");
        assert_eq!(err.code(), code, "{err}");
        assert!(err.to_string().contains(words), "{err}");
    }
    let err =
        s.e.activate(
            &Target::name("Security Administrator", None),
            &justified("incident", "1h"),
        )
        .await
        .expect_err("needs a ticket");
    assert_eq!(err.code(), "policy");
    assert_eq!(s.creates(), 0);
    assert!(s.history_actions().is_empty());
}

#[tokio::test]
async fn a_reminder_at_its_lead_time_then_extend_from_its_button() {
    let s = Svc::signed_in(true).await;
    let key = entra_key(USER_ADMIN);
    s.e.activate(&Target::key(key.clone()), &justified("maintenance", "1h"))
        .await
        .expect("activate");
    s.shell.take();
    s.e.tick();
    assert!(
        s.shell.notices_of(NoticeKind::Reminder).is_empty(),
        "not yet"
    );
    assert_eq!(s.e.tray().expect("tray").state, TrayState::Active);
    s.advance(46);
    s.e.tick();
    let reminders = s.shell.notices_of(NoticeKind::Reminder);
    assert_eq!(reminders.len(), 1, "{reminders:?}");
    let reminder = &reminders[0];
    assert_eq!(reminder.offer, Offer::Extend);
    assert_eq!(s.e.tray().expect("tray").state, TrayState::Expiring);
    // The next tick says nothing new.
    s.e.tick();
    assert_eq!(s.shell.notices_of(NoticeKind::Reminder).len(), 1);
    // The user presses Extend on the notification.
    let intent = reminder.intent("extend").expect("extend button");
    assert_eq!(intent, Intent::Extend(key.clone()));
    s.e.perform(&intent).await;
    assert_eq!(
        s.shell.notices_of(NoticeKind::Extended).len(),
        1,
        "{:?}",
        s.shell.notices()
    );
    assert!(s.shell.notices_of(NoticeKind::Failed).is_empty());
    assert_eq!(s.history_actions(), ["activate", "extend"]);
    let extend = s.e.history().expect("history").pop().expect("record");
    assert_eq!(
        extend.justification.as_deref(),
        Some("maintenance"),
        "the same again"
    );
}

#[tokio::test]
async fn an_activation_ended_by_time_is_said_once_and_leaves_the_tray() {
    let s = Svc::signed_in(true).await;
    let key = entra_key(USER_ADMIN);
    s.e.activate(&Target::key(key.clone()), &justified("maintenance", "1h"))
        .await
        .expect("activate");
    let tray = s.e.tray().expect("tray");
    assert!(tray.intents().contains(&Intent::Deactivate(key.clone())));
    assert!(
        tray.tooltip.contains("User Administrator"),
        "{}",
        tray.tooltip
    );
    s.shell.take();
    s.advance(61);
    s.e.refresh().await;
    s.e.tick();
    s.e.refresh().await;
    let ended = s.shell.notices_of(NoticeKind::Expired);
    assert_eq!(ended.len(), 1, "{ended:?}");
    assert_eq!(ended[0].key.as_deref(), Some(key.as_str()));
    let tray = s.e.tray().expect("tray");
    assert!(!tray.intents().contains(&Intent::Deactivate(key)));
    assert_eq!(tray.state, TrayState::Idle);
}

#[tokio::test]
async fn an_activation_removed_elsewhere_leaves_the_tray_and_reminds_nothing() {
    let s = Svc::signed_in(true).await;
    let key = entra_key(USER_ADMIN);
    s.e.activate(&Target::key(key.clone()), &justified("maintenance", "1h"))
        .await
        .expect("activate");
    s.sim
        .sim()
        .lock()
        .tenant
        .actives
        .retain(|a| !(a.activated && format!("{:?}", a.target).contains(USER_ADMIN)));
    s.shell.take();
    s.e.refresh().await;
    assert!(!s
        .e
        .tray()
        .expect("tray")
        .intents()
        .contains(&Intent::Deactivate(key)));
    s.advance(50);
    s.e.tick();
    assert!(s.shell.notices_of(NoticeKind::Reminder).is_empty());
}

#[tokio::test]
async fn favorites_at_start_send_what_they_can_and_one_summary_names_what_needs_you() {
    let s = Svc::open(true).await;
    let mut settings = s.e.settings_view().settings;
    settings.auto_activate_favorites = true;
    s.e.save_settings(&settings).expect("save");
    let fav = |id: &str, label: &str, j: Option<&str>| Favorite {
        key: entra_key(id),
        label: label.into(),
        justification: j.map(str::to_string),
        ticket_number: None,
        ticket_system: None,
        duration: Some("PT1H".into()),
    };
    DataDir(s.dir.clone())
        .save_favorites(&[
            fav(USER_ADMIN, "User Administrator", Some("daily admin")),
            fav(SECURITY_ADMIN, "Security Administrator", Some("soc")),
        ])
        .expect("favorites");
    s.e.sign_in().await.expect("sign in");
    let summaries = s.shell.notices_of(NoticeKind::Favorites);
    assert_eq!(summaries.len(), 1, "{:?}", s.shell.notices());
    let summary = &summaries[0];
    assert!(
        summary.title.contains("1 activated") && summary.title.contains("1 need you"),
        "{}",
        summary.title
    );
    assert!(summary.body.contains("ticket"), "{}", summary.body);
    assert_eq!(summary.offer, Offer::Handle);
    assert_eq!(
        summary.key.as_deref(),
        Some(entra_key(SECURITY_ADMIN).as_str())
    );
    assert_eq!(s.creates(), 1);
    assert_eq!(s.history_actions(), ["activate"]);
    // Once per start: signing in again sends nothing more.
    s.e.sign_in().await.expect("again");
    assert_eq!(s.shell.notices_of(NoticeKind::Favorites).len(), 1);
}

#[tokio::test]
async fn a_tray_favorite_that_needs_input_opens_the_popup_on_it() {
    let s = Svc::signed_in(true).await;
    let key = entra_key(USER_ADMIN);
    DataDir(s.dir.clone())
        .save_favorites(&[Favorite {
            key: key.clone(),
            label: "User Administrator".into(),
            justification: None,
            ticket_number: None,
            ticket_system: None,
            duration: None,
        }])
        .expect("favorites");
    s.e.refresh().await;
    assert!(s
        .e
        .tray()
        .expect("tray")
        .intents()
        .contains(&Intent::ActivateFavorite(key.clone())));
    s.shell.take();
    s.e.perform(&Intent::ActivateFavorite(key.clone())).await;
    assert_eq!(s.shell.popups_opened(), 1);
    assert_eq!(s.shell.last_view().and_then(|v| v.focus), Some(key.clone()));
    assert_eq!(s.creates(), 0);
    // The popup that opens takes the item once.
    assert_eq!(s.e.view_for_popup().await.focus, Some(key));
    assert_eq!(s.e.view_for_popup().await.focus, None);
}

#[tokio::test]
async fn a_failed_plane_is_listed_and_the_others_work() {
    let s = Svc::signed_in(true).await;
    s.sim.sim().lock().faults.push(
        serde_json::from_value(
            serde_json::json!({"route": "arm.*", "kind": "status", "status": 500, "times": 50}),
        )
        .expect("fault"),
    );
    let view = s.e.refresh().await;
    assert!(view
        .snapshot
        .failures
        .iter()
        .any(|f| f.plane == Plane::AzureResource));
    assert!(view
        .snapshot
        .assignments
        .iter()
        .any(|a| a.plane == Plane::EntraRole));
    assert!(s.shell.notices_of(NoticeKind::SignInNeeded).is_empty());
    assert!(s.e.tray().is_some());
}

#[tokio::test]
async fn sign_in_needed_is_said_once_with_a_button() {
    let s = Svc::open(true).await;
    s.e.refresh().await;
    s.e.refresh().await;
    let told = s.shell.notices_of(NoticeKind::SignInNeeded);
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].intent("signin"), Some(Intent::SignIn));
    let tray = s.e.tray().expect("tray");
    assert!(tray.intents().contains(&Intent::SignIn));
    let err =
        s.e.activate(&Target::name("User Administrator", None), &Input::default())
            .await
            .expect_err("signed out");
    assert!(matches!(err, Error::SignInRequired(_)), "{err}");
}

#[tokio::test]
async fn settings_are_checked_saved_and_applied_to_the_reminders() {
    let s = Svc::signed_in(true).await;
    let view = s.e.settings_view();
    let bad = Settings {
        reminders: vec![0],
        ..view.settings.clone()
    };
    assert_eq!(
        s.e.save_settings(&bad).expect_err("refused").code(),
        "invalidInput"
    );
    let good = Settings {
        reminders: vec![30],
        ..view.settings
    };
    s.e.save_settings(&good).expect("saved");
    let text = std::fs::read_to_string(s.dir.join("config.toml")).expect("written");
    assert!(text.contains("reminders = [30]"), "{text}");
    // A 30-minute lead: "expiring" 30 minutes before the end.
    s.e.activate(
        &Target::name("User Administrator", None),
        &justified("patch the servers", "1h"),
    )
    .await
    .expect("activate");
    s.advance(31);
    s.e.tick();
    assert_eq!(s.e.tray().expect("tray").state, TrayState::Expiring);
    assert_eq!(s.shell.notices_of(NoticeKind::Reminder).len(), 1);
    let _ = Status::Active;
}

#[tokio::test]
async fn a_refused_token_is_renewed_once_for_every_call_not_only_refresh_and_activate() {
    let s = Svc::signed_in(false).await;
    let ua = Target::name("User Administrator", None);
    s.e.activate(&ua, &justified("patch the servers", "1h"))
        .await
        .expect("activate");
    s.advance(6);
    let fault = |route: &str| -> elevate_sim::Fault {
        serde_json::from_value(
            serde_json::json!({"route": route, "kind": "status", "status": 401, "times": 1}),
        )
        .expect("fault")
    };
    s.sim
        .sim()
        .lock()
        .faults
        .push(fault("graph.roleAssignmentScheduleRequests.create"));
    let done =
        s.e.deactivate(&ua)
            .await
            .expect("deactivated after one renewal");
    assert_eq!(done.outcome.state, RequestState::Revoked);
    // The policy look-up too.
    s.e.pim().clear_policy_cache();
    s.e.lookup().await.expect("listed");
    s.sim
        .sim()
        .lock()
        .faults
        .push(fault("graph.policyAssignments"));
    let (_, policy) = s.e.policy(&ua).await.expect("policy after one renewal");
    assert!(policy.justification);
}

#[tokio::test]
async fn an_agent_is_bounded_by_the_config_before_anything_is_sent() {
    let mut config = elevate_core::config::Config::default();
    config.mcp.allow = vec![
        "user administrator".into(),
        "Privileged Role Administrator".into(),
    ];
    config.defaults.justification = Some("a default agents never get".into());
    let s2 = Svc::open_with(false, Some(config)).await;
    s2.e.sign_in().await.expect("sign in");
    let ua = Target::name("User Administrator", None);
    let err =
        s2.e.activate_for_agent(&ua, &Input::default())
            .await
            .expect_err("own justification");
    assert!(err.to_string().contains("own justification"), "{err}");
    let err =
        s2.e.activate_for_agent(
            &Target::name("Exchange Administrator", None),
            &justified("patch the servers", "1h"),
        )
        .await
        .expect_err("not allowed");
    assert!(err.to_string().contains("[mcp] allow"), "{err}");
    let err =
        s2.e.activate_for_agent(
            &Target::name("Privileged Role Administrator", None),
            &justified("patch the servers", "1h"),
        )
        .await
        .expect_err("approval");
    assert!(err.to_string().contains("allow_approval"), "{err}");
    assert_eq!(s2.creates(), 0);
    let done =
        s2.e.activate_for_agent(&ua, &justified("agent task", "1h"))
            .await
            .expect("allowed");
    assert_eq!(done.outcome.state, RequestState::Active);
}

#[tokio::test]
async fn reminders_fire_while_a_refresh_hangs() {
    let s = Svc::signed_in(true).await;
    s.e.activate(
        &Target::name("User Administrator", None),
        &justified("patch the servers", "1h"),
    )
    .await
    .expect("activate");
    // Fast periods; every request from now on takes 30 s to answer.
    let e = s.e.clone();
    let running = tokio::spawn(e.run_every(
        std::time::Duration::from_millis(50),
        std::time::Duration::from_millis(100),
        std::time::Duration::from_millis(100),
    ));
    s.sim.sim().lock().faults.push(
        serde_json::from_value(
            serde_json::json!({"route": "*", "kind": "delay", "delayMs": 30000, "times": 1000}),
        )
        .expect("fault"),
    );
    s.advance(46);
    // A reminder comes while the refreshes hang (a loop that waited on them would be silent
    // for 30 s; this waits at most 20).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while s.shell.notices_of(NoticeKind::Reminder).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "no reminder while the refresh hangs"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    running.abort();
}
