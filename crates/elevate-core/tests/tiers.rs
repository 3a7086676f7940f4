//! Privilege tiers, the palette and frecency through the service layer against elevate-sim:
//! a Tier 0 activation is refused before sending without the user's confirmation and sent
//! with it; the palette asks for what is missing; the view carries tiers and frecency.

mod common;

use std::sync::Arc;

use elevate_core::config::Config;
use elevate_core::palette::{PaletteAction, PaletteField, PaletteRequest};
use elevate_core::pim::RequestState;
use elevate_core::service::{Confirmation, Input, Target, TIER0_RULE};
use elevate_core::shell::RecordingShell;
use elevate_core::tier::Tier;
use elevate_core::{Elevate, Error};
use elevate_sim::{Scenario, SimServer};

const APP_ADMIN: &str = "entraRole:9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3:/";
const USER_ADMIN: &str = "entraRole:fe930be7-5e62-47db-91af-98c3a49a38b1:/";
const HELPDESK: &str =
    "entraRole:729827e3-9c14-49f7-bb1b-9608f156bbb8:/administrativeUnits/6e5d4c3b-2a1f-4e0d-9c8b-7a6f5e4d3c2b";

struct Svc {
    sim: SimServer,
    e: Arc<Elevate>,
}

async fn signed_in(config: Config) -> Svc {
    let scenario = Scenario::builtin("demo").expect("demo");
    let settings = elevate_sim::Settings {
        auto_sign_in: Some(scenario.default_user.clone()),
        ..Default::default()
    };
    let sim = SimServer::start(scenario, settings).await.expect("sim");
    let dir = std::env::temp_dir().join(format!("elevate-tiers-{}", uuid::Uuid::new_v4()));
    config.save(&dir.join("config.toml")).expect("config");
    let env = common::sim_env(&sim, &dir, Some(dir.join("config.toml")), false);
    let e = Elevate::open(env, Arc::new(RecordingShell::default())).expect("open");
    e.sign_in().await.expect("sign in");
    Svc { sim, e }
}

impl Svc {
    fn creates(&self) -> u64 {
        self.sim
            .sim()
            .lock()
            .count("graph.roleAssignmentScheduleRequests.create")
    }
}

fn justified(j: &str) -> Input {
    Input {
        justification: Some(j.into()),
        ..Input::default()
    }
}

#[tokio::test]
async fn tier0_is_refused_without_confirmation_and_sent_with_it() {
    let s = signed_in(Config::default()).await;
    let target = Target::key(APP_ADMIN);
    let err =
        s.e.activate(&target, &justified("rotate a secret"))
            .await
            .expect_err("refused");
    assert!(
        matches!(&err, Error::PolicyRefused { rule, message } if rule == TIER0_RULE && message.contains("Application Administrator is Tier 0")),
        "{err}"
    );
    assert_eq!(s.creates(), 0, "refused before sending");
    assert!(s.e.history().expect("history").is_empty());
    let done =
        s.e.activate_confirmed(&target, &justified("rotate a secret"), Confirmation::Tier0)
            .await
            .expect("confirmed");
    assert_eq!(done.outcome.state, RequestState::Active);
    assert_eq!(s.creates(), 1);
    // Tier 1 needs nothing more; a batch refuses its Tier 0 items one by one.
    let many =
        s.e.activate_many(
            &[
                USER_ADMIN.to_string(),
                "entraRole:158c047a-c907-4556-b7ef-446551a6b5f7:/".into(),
            ],
            &justified("batch"),
            Confirmation::None,
        )
        .await
        .expect("batch");
    assert_eq!(
        many[0].outcome.as_ref().map(|o| o.state),
        Some(RequestState::Active)
    );
    assert!(many[1].error.is_some(), "{many:?}");
}

#[tokio::test]
async fn the_config_overrides_tiers_and_the_view_carries_them_with_frecency() {
    let mut config = Config::default();
    config.tiers.insert("Helpdesk Administrator".into(), 0);
    config.tiers.insert("Application Administrator".into(), 2);
    let s = signed_in(config).await;
    let view = s.e.refresh().await;
    let tier = |key: &str| view.facts.get(key).map(|f| f.tier);
    assert_eq!(tier(HELPDESK), Some(Tier::Tier0));
    assert_eq!(tier(APP_ADMIN), Some(Tier::Tier2));
    assert_eq!(tier(USER_ADMIN), Some(Tier::Tier1));
    assert!(
        view.facts.values().all(|f| f.frecency == 0),
        "no history yet"
    );
    // Now Helpdesk is the one asking for a confirmation; Application Administrator is not.
    let err =
        s.e.activate(&Target::key(HELPDESK), &Input::default())
            .await
            .expect_err("overridden to Tier 0");
    assert!(matches!(&err, Error::PolicyRefused { rule, .. } if rule == TIER0_RULE));
    s.e.activate(
        &Target::key(APP_ADMIN),
        &justified("rotate the app secrets"),
    )
    .await
    .expect("overridden to Tier 2");
    let view = s.e.refresh().await;
    let app = view.facts.get(APP_ADMIN).expect("facts");
    assert_eq!(app.frecency, 100, "one activation just now");
    // The palette lists it first, active, offering extend and deactivate.
    let items = s.e.palette_items().await;
    assert_eq!(items[0].id, APP_ADMIN);
    assert!(items[0].can.deactivate && items[0].can.extend);
}

#[tokio::test]
async fn the_palette_asks_for_what_the_core_requires_then_activates() {
    let s = signed_in(Config::default()).await;
    let req = |justification: Option<&str>, confirm: bool| PaletteRequest {
        id: APP_ADMIN.into(),
        action: PaletteAction::Activate,
        justification: justification.map(str::to_string),
        ticket_number: None,
        duration: None,
        confirm_tier0: confirm,
    };
    let first = s.e.palette_run(&req(None, false)).await.expect("asks");
    assert_eq!(first.state, None);
    assert_eq!(
        first.needs,
        [PaletteField::ConfirmTier0, PaletteField::Justification]
    );
    let second = s.e.palette_run(&req(None, true)).await.expect("asks");
    assert_eq!(second.needs, [PaletteField::Justification]);
    assert_eq!(s.creates(), 0);
    let done =
        s.e.palette_run(&req(Some("palette"), true))
            .await
            .expect("activated");
    assert_eq!(done.state, Some(RequestState::Active));
    let out =
        s.e.palette_run(&PaletteRequest {
            action: PaletteAction::Extend,
            ..req(None, false)
        })
        .await;
    // Extending right away is the service's answer (a new request from the current end).
    assert!(
        out.is_ok() || matches!(out, Err(Error::Service(_))),
        "{out:?}"
    );
}

#[tokio::test]
async fn an_agent_may_activate_tier0_only_when_the_config_allows_it() {
    let s = signed_in(Config::default()).await;
    let target = Target::name("Application Administrator", None);
    let err =
        s.e.activate_for_agent(&target, &justified("agent"))
            .await
            .expect_err("refused");
    assert!(
        matches!(&err, Error::PolicyRefused { rule, message } if rule == "AgentTier0" && message.contains("allow_tier0")),
        "{err}"
    );
    assert_eq!(s.creates(), 0);
    let mut config = Config::default();
    config.mcp.allow_tier0 = true;
    let s = signed_in(config).await;
    let done =
        s.e.activate_for_agent(&target, &justified("agent"))
            .await
            .expect("allowed");
    assert_eq!(done.outcome.state, RequestState::Active);
}
