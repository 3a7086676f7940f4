//! The PIM audit against elevate-sim over HTTP: the tenant's log (scopes asked for when first
//! used) merged with the local history, filters, a missing reader role said as that with the
//! local part still shown, then an activated reader role giving access; a missing consent.

mod common;

use std::sync::Arc;

use elevate_core::config::Config;
use elevate_core::model::Plane;
use elevate_core::pim::AuditQuery;
use elevate_core::service::{Input, Target};
use elevate_core::shell::RecordingShell;
use elevate_core::Elevate;
use elevate_sim::{Scenario, SimServer};

const SECURITY_READER: &str = "5d6b6bb7-de71-4623-b4af-96380a352509";

async fn signed_in(scenario: Scenario) -> (SimServer, Arc<Elevate>, std::path::PathBuf) {
    let settings = elevate_sim::Settings {
        auto_sign_in: Some(scenario.default_user.clone()),
        ..Default::default()
    };
    let sim = SimServer::start(scenario, settings).await.expect("sim");
    let dir = std::env::temp_dir().join(format!("elevate-audit-{}", uuid::Uuid::new_v4()));
    Config::default()
        .save(&dir.join("config.toml"))
        .expect("config");
    let env = common::sim_env(&sim, &dir, Some(dir.join("config.toml")), false);
    let e = Elevate::open(env, Arc::new(RecordingShell::default())).expect("open");
    e.sign_in().await.expect("sign in");
    (sim, e, dir)
}

fn week() -> AuditQuery {
    AuditQuery::default()
}

#[tokio::test]
async fn tenant_events_and_the_local_history_merge_newest_first_each_with_its_source() {
    let (sim, e, dir) = signed_in(Scenario::builtin("demo").expect("demo")).await;
    let input = Input {
        justification: Some("audit test".into()),
        duration: Some("1h".into()),
        ..Input::default()
    };
    e.activate(&Target::name("User Administrator", None), &input)
        .await
        .expect("activate");
    let report = e.audit(&week()).await;
    assert!(report.tenant_error.is_none(), "{:?}", report.tenant_error);
    let tenant: Vec<_> = report
        .events
        .iter()
        .filter(|x| x.source == "tenant")
        .collect();
    let local: Vec<_> = report
        .events
        .iter()
        .filter(|x| x.source == "local")
        .collect();
    assert!(tenant.iter().any(
        |x| x.activity == "Add member to role completed (PIM activation)"
            && x.target == "User Administrator"
            && x.justification.as_deref() == Some("audit test")
    ));
    assert!(local
        .iter()
        .any(|x| x.activity == "activate" && x.target == "User Administrator"));
    // The demo's days of history: Megan's Owner request, approved by Alex, on Azure.
    assert!(tenant.iter().any(|x| x.plane == Some(Plane::AzureResource)
        && x.activity.contains("approved")
        && x.target.starts_with("Owner on ")));
    let times: Vec<_> = report.events.iter().map(|x| x.time).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert_eq!(
        sim.sim().lock().count("graph.directoryAudits"),
        1,
        "one page here"
    );
    // Filters: a role on one plane, a user.
    let owner = e
        .audit(&AuditQuery {
            role: Some("owner".into()),
            plane: Some(Plane::AzureResource),
            ..week()
        })
        .await;
    assert!(!owner.events.is_empty());
    assert!(owner.events.iter().all(
        |x| x.plane == Some(Plane::AzureResource) && x.target.to_lowercase().contains("owner")
    ));
    let megan = e
        .audit(&AuditQuery {
            user: Some("megan".into()),
            ..week()
        })
        .await;
    assert!(!megan.events.is_empty());
    assert!(megan.events.iter().all(|x| x.source == "tenant"));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn without_a_reader_role_the_tenant_part_says_which_roles_and_activating_one_opens_it() {
    let mut scenario = Scenario::builtin("demo").expect("demo");
    scenario
        .assignments
        .retain(|g| g.entra_role.as_deref() != Some(SECURITY_READER));
    let (_sim, e, dir) = signed_in(scenario).await;
    let input = Input {
        justification: Some("read the audit".into()),
        duration: Some("1h".into()),
        ..Input::default()
    };
    e.activate(&Target::name("Helpdesk Administrator", None), &input)
        .await
        .expect("activate");
    let refused = e.audit(&week()).await;
    let err = refused.tenant_error.expect("no reader role");
    assert_eq!(err.code, "Authorization_RequestDenied");
    assert!(
        err.message.contains("Reports Reader") && err.message.contains("Global Reader"),
        "{}",
        err.message
    );
    assert!(
        refused.events.iter().any(|x| x.source == "local"),
        "the local history is still shown"
    );
    e.activate(&Target::name("Global Reader", None), &input)
        .await
        .expect("activate the reader role");
    let report = e.audit(&week()).await;
    assert!(report.tenant_error.is_none(), "{:?}", report.tenant_error);
    assert!(report.events.iter().any(|x| x.source == "tenant"));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_scope_nobody_consented_to_is_named_and_nothing_else_breaks() {
    let (sim, e, dir) = signed_in(Scenario::builtin("demo").expect("demo")).await;
    sim.sim().lock().tenant.settings.withheld_scopes = vec!["AuditLog.Read.All".into()];
    let report = e.audit(&week()).await;
    let err = report.tenant_error.expect("no consent");
    assert_eq!(err.code, "consent", "{err:?}");
    assert!(err.message.contains("AuditLog.Read.All"), "{}", err.message);
    assert_eq!(
        sim.sim().lock().count("graph.directoryAudits"),
        0,
        "refused before the call"
    );
    // Activation's own tokens are untouched.
    assert!(e.refresh().await.snapshot.failures.is_empty());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn role_definitions_ask_for_their_read_scope_when_first_listed() {
    let (sim, e, dir) = signed_in(Scenario::builtin("demo").expect("demo")).await;
    let (roles, failures) = e.role_definitions(&[]).await;
    assert!(failures.is_empty(), "{failures:?}");
    for (plane, name) in [
        (Plane::EntraRole, "Global Administrator"),
        (Plane::Group, "Owner"),
        (Plane::AzureResource, "Contributor"),
    ] {
        assert!(
            roles.iter().any(|r| r.plane == plane && r.name == name),
            "{plane:?} {name}"
        );
    }
    assert_eq!(sim.sim().lock().count("graph.roleDefinitions"), 1);
    let _ = std::fs::remove_dir_all(dir);
}
