//! Managed settings against elevate-sim: a tenant the organisation does not allow is refused
//! before any request, its maximum duration, ticket and sign-in methods are refused before
//! sending, locked settings are refused on save, and a malformed policy leaves the safe
//! defaults with a warning.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use elevate_core::app::Settings;
use elevate_core::config::Config;
use elevate_core::managed::{source, Policy};
use elevate_core::notice::NoticeKind;
use elevate_core::service::{Input, Target};
use elevate_core::shell::RecordingShell;
use elevate_core::{Elevate, Error};
use elevate_sim::{Scenario, SimServer};

const USER_ADMIN: &str = "fe930be7";

struct Svc {
    sim: SimServer,
    dir: PathBuf,
}

impl Svc {
    async fn start(config: Option<Config>) -> Svc {
        let scenario = Scenario::builtin("demo").expect("demo");
        let settings = elevate_sim::Settings {
            auto_sign_in: Some(scenario.default_user.clone()),
            ..Default::default()
        };
        let sim = SimServer::start(scenario, settings).await.expect("sim");
        let dir = std::env::temp_dir().join(format!("elevate-managed-{}", uuid::Uuid::new_v4()));
        if let Some(c) = config {
            c.save(&dir.join("config.toml")).expect("config");
        }
        Svc { sim, dir }
    }

    fn open(
        &self,
        policy: Policy,
        tenant: Option<&str>,
    ) -> (Result<Arc<Elevate>, Error>, Arc<RecordingShell>) {
        let mut env = common::sim_env(
            &self.sim,
            &self.dir,
            Some(self.dir.join("config.toml")),
            false,
        );
        env.policy = policy;
        env.tenant = tenant.map(str::to_string);
        let shell = Arc::new(RecordingShell::default());
        (Elevate::open(env, shell.clone()), shell)
    }

    fn policy(&self, json: &str) -> Policy {
        let json = json.replace("SIM_TENANT", &self.sim.sim().tenant_id());
        Policy::from_json(&json, "/etc/elevate/policy.json").expect("policy")
    }

    fn requests(&self) -> u64 {
        self.sim.sim().lock().total_requests()
    }

    fn creates(&self) -> u64 {
        self.sim
            .sim()
            .lock()
            .count("graph.roleAssignmentScheduleRequests.create")
    }

    /// How long the active `needle` was granted for, in minutes.
    fn granted_minutes(&self, needle: &str) -> Option<i64> {
        let s = self.sim.sim().lock();
        s.tenant
            .actives
            .iter()
            .find(|a| a.activated && format!("{:?}", a.target).contains(needle))
            .and_then(|a| Some((a.end? - a.start?).num_minutes()))
    }
}

fn refused(err: Error, rule: &str) -> String {
    match err {
        Error::PolicyRefused { rule: r, message } => {
            assert_eq!(r, rule, "{message}");
            assert!(message.contains("set by your organisation"), "{message}");
            message
        }
        other => panic!("expected {rule}, got {other:?}"),
    }
}

#[tokio::test]
async fn a_tenant_the_organisation_does_not_allow_is_refused_before_any_request() {
    let s = Svc::start(None).await;
    let policy = s.policy(r#"{"allowed_tenants": ["contoso.onmicrosoft.com"]}"#);
    // ELEVATE_TENANT_ID names the sim's tenant: not allowed.
    let (opened, _) = s.open(policy.clone(), None);
    let message = refused(opened.err().expect("refused"), "managed.allowed_tenants");
    assert!(message.contains("contoso.onmicrosoft.com"), "{message}");
    // `elevatectl login --tenant other` the same.
    let (opened, _) = s.open(policy, Some("other.example"));
    refused(opened.err().expect("refused"), "managed.allowed_tenants");
    assert_eq!(s.requests(), 0, "nothing reached the tenant");
    // The sim's own tenant allowed: it opens and signs in.
    let (opened, _) = s.open(s.policy(r#"{"allowed_tenants": ["SIM_TENANT"]}"#), None);
    let e = opened.expect("allowed");
    e.sign_in().await.expect("sign in");
}

#[tokio::test]
async fn the_maximum_duration_and_ticket_are_refused_before_sending() {
    let config = Config {
        defaults: elevate_core::config::Defaults {
            duration: "8h".into(),
            ..Default::default()
        },
        ..Config::default()
    };
    let s = Svc::start(Some(config)).await;
    let (opened, _) = s.open(s.policy(r#"{"max_duration": "PT1H"}"#), None);
    let e = opened.expect("open");
    e.sign_in().await.expect("sign in");
    let target = Target::name("User Administrator", None);
    let err = e
        .activate(
            &target,
            &Input {
                justification: Some("incident 7".into()),
                duration: Some("2h".into()),
                ..Input::default()
            },
        )
        .await
        .expect_err("above the maximum");
    let message = refused(err, "managed.max_duration");
    assert!(message.contains("at most 1 h"), "{message}");
    assert_eq!(s.creates(), 0, "nothing was sent");
    // No duration asked: the user's 8 h default is lowered to the organisation's hour.
    let done = e
        .activate(
            &target,
            &Input {
                justification: Some("incident 7".into()),
                ..Input::default()
            },
        )
        .await
        .expect("activated within the maximum");
    assert_eq!(s.creates(), 1);
    assert!(
        s.granted_minutes(USER_ADMIN).is_some_and(|m| m <= 60),
        "{done:?}"
    );

    // A ticket the organisation requires, on a role whose own policy does not.
    let (opened, _) = s.open(s.policy(r#"{"ticket_required": true}"#), None);
    let e = opened.expect("open");
    e.sign_in().await.expect("sign in");
    let err = e
        .activate(
            &Target::name("Global Reader", None),
            &Input {
                justification: Some("audit".into()),
                duration: Some("1h".into()),
                ..Input::default()
            },
        )
        .await
        .expect_err("ticket required");
    refused(err, "managed.ticket_required");
    assert_eq!(s.creates(), 1, "nothing more was sent");
}

#[tokio::test]
async fn a_sign_in_method_not_allowed_is_refused_before_the_browser_opens() {
    let s = Svc::start(None).await;
    let (opened, _) = s.open(s.policy(r#"{"sign_in_methods": ["device-code"]}"#), None);
    let e = opened.expect("open");
    let err = e.sign_in().await.expect_err("browser refused");
    refused(err, "managed.sign_in_methods");
    assert_eq!(s.requests(), 0);
    let err = e.add_account().await.expect_err("browser refused");
    refused(err, "managed.sign_in_methods");
}

#[tokio::test]
async fn an_app_only_method_the_policy_does_not_allow_is_refused_at_open() {
    let s = Svc::start(None).await;
    let mut env = common::sim_env(&s.sim, &s.dir, Some(s.dir.join("config.toml")), false);
    env.policy = s.policy(r#"{"sign_in_methods": ["browser"]}"#);
    let inner = env.vars.clone();
    // `--auth client-secret` with the variables azure-identity users set.
    env.vars = Arc::new(move |k: &str| match k {
        "ELEVATE_AUTH" => Some("client-secret".into()),
        "AZURE_CLIENT_SECRET" => Some("not-used".into()),
        _ => inner(k),
    });
    let err = Elevate::open(env, Arc::new(RecordingShell::default()))
        .err()
        .expect("refused");
    let message = refused(err, "managed.sign_in_methods");
    assert!(message.contains("client-secret"), "{message}");
    assert_eq!(s.requests(), 0);
}

#[tokio::test]
async fn locked_settings_are_refused_on_save_and_shown_locked() {
    let s = Svc::start(None).await;
    let (opened, _) = s.open(
        s.policy(r#"{"start_at_login": true, "auto_activate_favorites": false}"#),
        None,
    );
    let e = opened.expect("open");
    let view = e.settings_view();
    assert_eq!(
        view.managed.locked,
        vec!["startAtLogin", "autoActivateFavorites"]
    );
    assert!(
        view.settings.start_at_login,
        "the organisation's value is shown"
    );
    let err = e
        .save_settings(&Settings {
            start_at_login: false,
            ..view.settings.clone()
        })
        .expect_err("locked");
    assert!(
        err.to_string()
            .contains("Start at login is set by your organisation"),
        "{err}"
    );
    let saved = e
        .save_settings(&Settings {
            reminders: vec![30],
            ..view.settings.clone()
        })
        .expect("the rest is the user's");
    assert!(saved.after.start_at_login, "in effect: the organisation's");
    let file = Config::load(&s.dir.join("config.toml")).expect("load").0;
    assert!(!file.start_at_login, "the file keeps the user's own choice");
    assert_eq!(file.reminders, vec![30]);
}

#[tokio::test]
async fn a_malformed_policy_warns_and_keeps_the_safe_defaults() {
    let config = Config {
        auto_activate_favorites: true,
        ..Config::default()
    };
    let s = Svc::start(Some(config)).await;
    let policy = source::parsed(
        Policy::from_json("{\"mcp_enabled\": tru", "/etc/elevate/policy.json"),
        "/etc/elevate/policy.json",
    );
    let (opened, shell) = s.open(policy, None);
    let e = opened.expect("opens with the safe defaults");
    let warned = shell.notices_of(NoticeKind::Warning);
    assert!(
        warned
            .iter()
            .any(|n| n.body.contains("/etc/elevate/policy.json) was refused")),
        "{warned:?}"
    );
    assert!(
        !e.config().auto_activate_favorites,
        "never the user's wider choice"
    );
    assert!(e.user_config().auto_activate_favorites);
    e.sign_in().await.expect("a person may still sign in");
    let err = e
        .activate_for_agent(
            &Target::name("User Administrator", None),
            &Input {
                justification: Some("agent".into()),
                ..Input::default()
            },
        )
        .await
        .expect_err("MCP off");
    refused(err, "managed.mcp_enabled");
    assert_eq!(s.creates(), 0);
}

/// The samples shipped for administrators parse, and name every key the module documents.
#[test]
fn the_shipped_templates_name_every_key_and_the_sample_parses() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let read = |rel: &str| {
        std::fs::read_to_string(format!("{root}/{rel}")).unwrap_or_else(|e| panic!("{rel}: {e}"))
    };
    let sample = read("packaging/linux/policy.json");
    let p = Policy::from_json(&sample, "policy.json").expect("the sample parses");
    assert!(p.problem.is_none() && !p.is_empty());
    let json: serde_json::Value = serde_json::from_str(&sample).expect("json");
    let admx = read("packaging/windows/elevate.admx");
    let mobileconfig = read("packaging/macos/elevate.mobileconfig");
    let readme = read("README.md");
    for (key, _, _) in elevate_core::managed::KEYS {
        assert!(json.get(key).is_some(), "policy.json lacks {key}");
        assert!(
            admx.contains(&format!("valueName=\"{key}\""))
                || admx.contains(&format!("\\Elevate\\{key}\"")),
            "the ADMX lacks {key}"
        );
        assert!(
            mobileconfig.contains(&format!("<key>{key}</key>")),
            "the .mobileconfig lacks {key}"
        );
        assert!(
            readme.contains(&format!("`{key}`")),
            "the README lacks {key}"
        );
    }
}
