//! The posture report against elevate-sim over HTTP, on the `posture` scenario (a tenant built
//! to fail known items): each known failure found with its evidence, the alerts API used when
//! readable and the computed checks when its consent is withheld, break-glass exceptions from
//! the settings, an account without a reader role getting "unknown" with the reason, and the
//! Azure Activity Log's rows in the audit.

mod common;

use std::sync::Arc;

use elevate_core::config::Config;
use elevate_core::posture::{Method, Report, Status};
use elevate_core::service::{Input, Target};
use elevate_core::shell::RecordingShell;
use elevate_core::Elevate;
use elevate_sim::{Scenario, Settings, SimServer};

async fn signed_in(
    user: Option<&str>,
    settings: Settings,
    config: Config,
) -> (SimServer, Arc<Elevate>, std::path::PathBuf) {
    let scenario = Scenario::builtin("posture").expect("posture scenario");
    let who = match user {
        Some(upn) => scenario
            .users
            .iter()
            .find(|u| u.user_principal_name == upn)
            .map(|u| u.id.clone())
            .expect("user in scenario"),
        None => scenario.default_user.clone(),
    };
    let settings = Settings {
        auto_sign_in: Some(who),
        ..settings
    };
    let sim = SimServer::start(scenario, settings).await.expect("sim");
    let dir = std::env::temp_dir().join(format!("elevate-posture-{}", uuid::Uuid::new_v4()));
    config.save(&dir.join("config.toml")).expect("config");
    let env = common::sim_env(&sim, &dir, Some(dir.join("config.toml")), false);
    let e = Elevate::open(env, Arc::new(RecordingShell::default())).expect("open");
    e.sign_in().await.expect("sign in");
    (sim, e, dir)
}

async fn report(e: &Elevate, break_glass: &[String]) -> Report {
    let lines = std::sync::Mutex::new(Vec::<String>::new());
    let progress = |l: &str| lines.lock().expect("lock").push(l.to_string());
    let r = e.posture(break_glass, &progress).await.expect("report");
    let said = lines.lock().expect("lock").clone();
    assert!(
        said.iter().any(|l| l.contains("PIM group")),
        "progress: {said:?}"
    );
    r
}

fn find<'a>(r: &'a Report, id: &str) -> &'a elevate_core::posture::Finding {
    r.findings.iter().find(|f| f.id == id).expect("finding")
}

fn names(r: &Report, id: &str) -> String {
    find(r, id)
        .evidence
        .iter()
        .map(|e| format!("{:?} {:?} {}", e.principal, e.role, e.detail))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn the_tenant_built_to_fail_fails_its_known_items_with_evidence() {
    let (_sim, e, dir) = signed_in(None, Settings::default(), Config::default()).await;
    let r = report(&e, &[]).await;
    let status = |id| find(&r, id).status;
    // Alerts: read from the alerts API (the account is a Global Reader).
    for id in [
        "too-many-global-admins",
        "roles-assigned-outside-pim",
        "no-mfa-on-activation",
    ] {
        assert_eq!(find(&r, id).method, Method::AlertsApi, "{id}");
        assert_eq!(status(id), Status::Fail, "{id}: {}", find(&r, id).summary);
    }
    assert!(names(&r, "roles-assigned-outside-pim").contains("Break Glass"));
    assert!(names(&r, "no-mfa-on-activation").contains("Exchange Administrator"));
    // Checklist: computed from schedules and policies.
    assert_eq!(status("approval-critical"), Status::Fail);
    let approval = names(&r, "approval-critical");
    assert!(
        approval.contains("Global Administrator") && approval.contains("Security Administrator"),
        "{approval}"
    );
    assert_eq!(status("max-activation"), Status::Fail);
    assert!(names(&r, "max-activation").contains("PT10H"));
    assert_eq!(status("mfa-on-activation"), Status::Fail);
    assert_eq!(status("justification-ticket"), Status::Fail);
    assert!(names(&r, "justification-ticket").contains("User Administrator"));
    assert_eq!(status("eligible-expiry"), Status::Fail);
    let expiry = names(&r, "eligible-expiry");
    assert!(
        expiry.contains("jordan@fabrikam.example") && expiry.contains("morgan@fabrikam.example"),
        "{expiry}"
    );
    assert_eq!(status("permanent-active"), Status::Fail);
    let permanent = names(&r, "permanent-active");
    assert!(permanent.contains("avery@fabrikam.example"), "{permanent}");
    assert!(
        permanent.contains("breakglass@fabrikam.example"),
        "not excepted unless named: {permanent}"
    );
    assert!(r.totals.eligible > 0 && r.totals.active > 0);
    assert!(r.counts.fail >= 9, "{}", r.headline());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn break_glass_accounts_in_the_settings_are_excepted() {
    let mut config = Config::default();
    config.posture.break_glass = vec!["BREAKGLASS@fabrikam.example".into()];
    let (_sim, e, dir) = signed_in(None, Settings::default(), config).await;
    let r = report(&e, &[]).await;
    let permanent = names(&r, "permanent-active");
    assert!(!permanent.contains("breakglass@"), "{permanent}");
    assert!(find(&r, "permanent-active")
        .summary
        .contains("1 break-glass excepted"));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn without_consent_to_the_alerts_api_the_alerts_are_computed_and_still_fail() {
    let settings = Settings {
        withheld_scopes: vec![
            "RoleManagementAlert.Read.Directory".into(),
            "RoleManagementAlert.ReadWrite.Directory".into(),
        ],
        ..Settings::default()
    };
    let (_sim, e, dir) = signed_in(None, settings, Config::default()).await;
    let r = report(&e, &["breakglass@fabrikam.example".into()]).await;
    let ga = find(&r, "too-many-global-admins");
    assert_eq!(ga.method, Method::Computed);
    assert_eq!(ga.status, Status::Fail, "{}", ga.summary);
    assert!(ga.summary.starts_with("6 principal(s)"), "{}", ga.summary);
    let outside = find(&r, "roles-assigned-outside-pim");
    assert_eq!(outside.method, Method::Computed);
    assert_eq!(outside.status, Status::Fail);
    assert!(names(&r, "roles-assigned-outside-pim").contains("breakglass@"));
    assert_eq!(find(&r, "no-mfa-on-activation").status, Status::Fail);
    assert_eq!(find(&r, "stale-eligible").status, Status::Fail);
    assert!(names(&r, "stale-eligible").contains("sam@fabrikam.example"));
    assert!(
        r.gaps
            .iter()
            .any(|g| g.starts_with("PIM alerts") && g.contains("RoleManagementAlert")),
        "{:?}",
        r.gaps
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn an_account_without_a_reader_role_gets_unknowns_that_say_why() {
    let (_sim, e, dir) = signed_in(
        Some("casey@fabrikam.example"),
        Settings::default(),
        Config::default(),
    )
    .await;
    let r = report(&e, &[]).await;
    for id in ["permanent-active", "too-many-global-admins"] {
        let f = find(&r, id);
        assert_eq!(f.status, Status::Unknown, "{id}: {}", f.summary);
        assert!(f.summary.contains("reader role"), "{}", f.summary);
    }
    assert!(!r.gaps.is_empty());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn the_audit_shows_azure_activity_log_rows_where_readable() {
    let (_sim, e, dir) = signed_in(None, Settings::default(), Config::default()).await;
    let input = Input {
        justification: Some("deploy hotfix".into()),
        duration: Some("1h".into()),
        ..Input::default()
    };
    e.activate(&Target::name("Contributor", None), &input)
        .await
        .expect("activate Contributor");
    let audit = e.audit(&elevate_core::pim::AuditQuery::default()).await;
    let azure: Vec<_> = audit
        .events
        .iter()
        .filter(|x| x.source == "activity log")
        .collect();
    assert!(
        !azure.is_empty(),
        "events: {:?} notes: {:?}",
        audit.events,
        audit.notes
    );
    assert!(
        azure
            .iter()
            .all(|x| x.initiated_by.as_deref() == Some("riley@fabrikam.example")),
        "{azure:?}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
