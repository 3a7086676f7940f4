//! Administrators against elevate-sim over HTTP: assign and remove on groups (as the group's
//! owner), Entra roles (after activating Privileged Role Administrator) and Azure roles (after
//! activating User Access Administrator with its step-up); the policy's admin rules refused
//! before sending; the admin error catalogue in words; users by UPN, name or id.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use elevate_core::admin::{Kind, Span};
use elevate_core::config::Config;
use elevate_core::model::{Access, Plane};
use elevate_core::service::{AssignInput, Input, Target};
use elevate_core::shell::RecordingShell;
use elevate_core::{Elevate, Error};
use elevate_sim::{Scenario, SimServer};

const DEV: &str = "/subscriptions/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
const PROD: &str = "/subscriptions/5f2a1c3e-7b4d-4e6f-8a9b-0c1d2e3f4a5b";

async fn admin() -> (SimServer, Arc<Elevate>, PathBuf) {
    let scenario = Scenario::builtin("demo").expect("demo");
    let settings = elevate_sim::Settings {
        auto_sign_in: Some(scenario.default_user.clone()),
        ..Default::default()
    };
    let sim = SimServer::start(scenario, settings).await.expect("sim");
    let dir = std::env::temp_dir().join(format!("elevate-admin-{}", uuid::Uuid::new_v4()));
    Config::default()
        .save(&dir.join("config.toml"))
        .expect("config");
    let env = common::sim_env(&sim, &dir, Some(dir.join("config.toml")), false);
    let e = Elevate::open(env, Arc::new(RecordingShell::default())).expect("open");
    e.sign_in().await.expect("sign in");
    (sim, e, dir)
}

fn ask(user: &str, role: &str, span: Option<Span>) -> AssignInput {
    AssignInput {
        user: user.into(),
        role: role.into(),
        plane: None,
        scope: None,
        access: None,
        kind: Kind::Eligible,
        span,
        justification: Some("on-call rota".into()),
    }
}

fn justified() -> Input {
    Input {
        justification: Some("administer PIM".into()),
        duration: Some("1h".into()),
        ..Input::default()
    }
}

#[tokio::test]
async fn a_group_owner_assigns_and_removes_with_the_rules_checked_first() {
    let (sim, e, dir) = admin().await;
    let member = AssignInput {
        access: Some(Access::Member),
        ..ask(
            "lee@contoso.example",
            "Platform Engineers",
            Some(Span::For(chrono::Duration::days(30))),
        )
    };
    let creates = || {
        sim.sim()
            .lock()
            .count("graph.group.eligibilityScheduleRequests.create")
    };
    // The policy requires an end and allows at most P365D: refused before sending.
    for span in [Span::Permanent, Span::For(chrono::Duration::days(400))] {
        let refused = e
            .assign(&AssignInput {
                span: Some(span),
                ..member.clone()
            })
            .await
            .expect_err("refused by the admin rules");
        assert!(
            matches!(refused, Error::PolicyRefused { .. }),
            "{refused:?}"
        );
    }
    assert_eq!(creates(), 0, "nothing sent");
    let done = e.assign(&member).await.expect("assign");
    assert_eq!(done.plane, Plane::Group);
    assert_eq!(done.outcome.status, "Provisioned");
    assert_eq!(done.user.display_name, "Lee Gu");
    let again = e.assign(&member).await.expect_err("exists");
    assert!(again.to_string().contains("already assigned"), "{again}");
    let gone = e.remove(&member).await.expect("remove");
    assert_eq!(gone.outcome.status, "Revoked");
    let absent = e.remove(&member).await.expect_err("absent");
    assert!(absent.to_string().contains("nothing to remove"), "{absent}");
    let actions: Vec<String> = e
        .history()
        .expect("history")
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(actions.iter().filter(|a| *a == "assign").count(), 2);
    assert_eq!(actions.iter().filter(|a| *a == "remove").count(), 2);
    // Not an owner of that group, no admin role: said with the role that is missing.
    let soc = AssignInput {
        access: Some(Access::Member),
        ..ask(
            "lee@contoso.example",
            "SOC Analysts",
            Some(Span::For(chrono::Duration::days(30))),
        )
    };
    let denied = e.assign(&soc).await.expect_err("403");
    assert!(
        denied.to_string().contains("Privileged Role Administrator"),
        "{denied}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn entra_roles_need_an_active_admin_role_and_users_are_found_by_name() {
    let (sim, e, dir) = admin().await;
    let reader = ask("Lee Gu", "Security Reader", Some(Span::Permanent));
    let denied = e.assign(&reader).await.expect_err("not an admin yet");
    assert!(
        denied.to_string().contains("Privileged Role Administrator"),
        "{denied}"
    );
    // Alex activates Privileged Role Administrator; an approver approves it.
    let done = e
        .activate_confirmed(
            &Target::name("Privileged Role Administrator", None),
            &justified(),
            elevate_core::service::Confirmation::Tier0,
        )
        .await
        .expect("request");
    let id = done.outcome.request_id.expect("request id");
    sim.sim().lock().tenant.decide(&id, true).expect("approved");
    // The light policy allows a permanent eligibility; the user by display name.
    let ok = e.assign(&reader).await.expect("assign");
    assert_eq!(
        ok.user.user_principal_name.as_deref(),
        Some("lee@contoso.example")
    );
    assert_eq!(ok.outcome.status, "Provisioned");
    // The standard policy does not: refused before sending, the rule named.
    let before = sim
        .sim()
        .lock()
        .count("graph.roleEligibilityScheduleRequests.create");
    let refused = e
        .assign(&ask(
            "lee@contoso.example",
            "User Administrator",
            Some(Span::Permanent),
        ))
        .await
        .expect_err("permanent refused");
    assert!(refused.to_string().contains("permanent"), "{refused}");
    assert_eq!(
        sim.sim()
            .lock()
            .count("graph.roleEligibilityScheduleRequests.create"),
        before
    );
    // Without --duration: the policy's maximum.
    let max = e
        .assign(&ask(
            "2b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b",
            "User Administrator",
            None,
        ))
        .await
        .expect("the maximum");
    assert_eq!(max.user.display_name, "Megan Bowen");
    for (who, why) in [
        ("nobody@contoso.example", "No user"),
        ("Zed", "No user named"),
    ] {
        let err = e
            .assign(&ask(who, "Security Reader", Some(Span::Permanent)))
            .await
            .expect_err(who);
        assert!(
            matches!(err, Error::InvalidInput(_)) && err.to_string().contains(why),
            "{err}"
        );
    }
    let role = e
        .assign(&ask("lee@contoso.example", "Wizard", None))
        .await
        .expect_err("no role");
    assert!(role.to_string().contains("elevatectl roles"), "{role}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn azure_roles_need_owner_or_user_access_administrator_at_the_scope() {
    let (_sim, e, dir) = admin().await;
    let reader = AssignInput {
        scope: Some(format!("{DEV}/resourceGroups/rg-compute-dev")),
        ..ask(
            "lee@contoso.example",
            "Reader",
            Some(Span::For(chrono::Duration::days(90))),
        )
    };
    let denied = e.assign(&reader).await.expect_err("not yet");
    assert!(
        denied.to_string().contains("User Access Administrator"),
        "{denied}"
    );
    e.activate(
        &Target::name("User Access Administrator", Some(DEV)),
        &justified(),
    )
    .await
    .expect("activate with its step-up");
    let done = e.assign(&reader).await.expect("assign");
    assert_eq!(done.plane, Plane::AzureResource);
    assert_eq!(done.outcome.status, "Provisioned");
    e.remove(&reader).await.expect("remove");
    let prod = AssignInput {
        scope: Some(PROD.into()),
        ..reader.clone()
    };
    let denied = e.assign(&prod).await.expect_err("not at Prod");
    assert!(
        denied.to_string().contains("User Access Administrator"),
        "{denied}"
    );
    let no_scope = AssignInput {
        plane: Some(Plane::AzureResource),
        scope: None,
        ..reader
    };
    assert!(matches!(
        e.assign(&no_scope).await,
        Err(Error::InvalidInput(_))
    ));
    let _ = std::fs::remove_dir_all(dir);
}
