//! The user's justification rules (`[justification]`) against elevate-sim: a vague, too
//! short or refused-pattern justification and a missing ticket reference are refused with
//! the rule named and nothing sent, whether activated, extended, in a batch or a bundle; a
//! good one activates; a pattern that is not a regular expression stops the start.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use elevate_core::justification::{MIN_LENGTH_RULE, PATTERN_RULE, TICKET_RULE, VAGUE_RULE};
use elevate_core::service::{Input, Target};
use elevate_core::shell::RecordingShell;
use elevate_core::{Elevate, Error};
use elevate_sim::{Scenario, SimServer};

struct Svc {
    sim: SimServer,
    dir: PathBuf,
}

impl Svc {
    async fn start() -> Svc {
        let scenario = Scenario::builtin("demo").expect("demo");
        let settings = elevate_sim::Settings {
            auto_sign_in: Some(scenario.default_user.clone()),
            ..Default::default()
        };
        let sim = SimServer::start(scenario, settings).await.expect("sim");
        let dir = std::env::temp_dir().join(format!("elevate-justify-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("dir");
        Svc { sim, dir }
    }

    /// Elevate (signed in) with `config` as the config file's text.
    async fn open(&self, config: &str) -> Arc<Elevate> {
        let e = self.try_open(config).expect("open");
        e.sign_in().await.expect("sign in");
        e
    }

    fn try_open(&self, config: &str) -> Result<Arc<Elevate>, Error> {
        let path = self.dir.join("config.toml");
        std::fs::write(&path, config).expect("config");
        let env = common::sim_env(&self.sim, &self.dir, Some(path), false);
        Elevate::open(env, Arc::new(RecordingShell::default()))
    }

    /// Activation requests that reached the tenant, every plane.
    fn sent(&self) -> u64 {
        let s = self.sim.sim().lock();
        s.counters
            .iter()
            .filter(|(k, _)| k.ends_with(".create") || k.ends_with(".put"))
            .map(|(_, n)| *n)
            .sum()
    }

    fn requests(&self) -> u64 {
        self.sim.sim().lock().total_requests()
    }
}

impl Drop for Svc {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn input(j: &str) -> Input {
    Input {
        justification: Some(j.into()),
        duration: Some("1h".into()),
        ..Input::default()
    }
}

fn user_admin() -> Target {
    Target::name("User Administrator", None)
}

fn refused(err: Error, rule: &str) -> String {
    match err {
        Error::PolicyRefused { rule: r, message } => {
            assert_eq!(r, rule, "{message}");
            assert!(
                message.contains("config.toml"),
                "the message says where the rule is: {message}"
            );
            message
        }
        other => panic!("expected {rule}, got {other:?}"),
    }
}

#[tokio::test]
async fn a_vague_justification_is_refused_by_default_before_any_request() {
    let s = Svc::start().await;
    let e = s.open("").await;
    let before = s.requests();
    for vague in ["BAU", "admin", " needed. ", "N/A", "x", "-"] {
        let err = e
            .activate(&user_admin(), &input(vague))
            .await
            .expect_err(vague);
        let message = refused(err, VAGUE_RULE);
        assert!(message.contains("says nothing about why"), "{message}");
        assert!(message.contains("name the change, incident or task"));
    }
    let err = e
        .activate(&user_admin(), &input("BAU"))
        .await
        .expect_err("vague");
    assert_eq!(err.code(), "policy");
    assert_eq!(
        s.requests(),
        before,
        "refused before the network: not even a lookup"
    );
    // Multi-select and saving a favorite the same.
    let err = e
        .activate_many(
            &["any".to_string()],
            &input("admin"),
            elevate_core::service::Confirmation::None,
        )
        .await
        .expect_err("batch");
    refused(err, VAGUE_RULE);
    let err = e
        .add_favorite(&user_admin(), &input("bau"))
        .await
        .expect_err("favorite");
    refused(err, VAGUE_RULE);
    assert_eq!(s.requests(), before);
    // A good one activates.
    e.activate(&user_admin(), &input("Patch the mail servers"))
        .await
        .expect("activated");
    assert_eq!(s.sent(), 1);
}

#[tokio::test]
async fn too_short_and_refused_patterns_name_their_rule() {
    let s = Svc::start().await;
    let e = s
        .open("[justification]\nmin_length = 15\nrefuse_patterns = [\"^urgent\", \"see above\"]\n")
        .await;
    let err = e
        .activate(&user_admin(), &input("patching"))
        .await
        .expect_err("short");
    let message = refused(err, MIN_LENGTH_RULE);
    assert!(
        message.contains("8 characters") && message.contains("at least 15"),
        "{message}"
    );
    let err = e
        .activate(&user_admin(), &input("URGENT patch the servers now"))
        .await
        .expect_err("pattern");
    let message = refused(err, PATTERN_RULE);
    assert!(message.contains("'^urgent'"), "{message}");
    assert_eq!(s.sent(), 0);
    // The vague list can be turned off; the minimum still holds.
    let e = s
        .open("[justification]\nrefuse_vague = false\nmin_length = 3\n")
        .await;
    e.activate(&user_admin(), &input("BAU"))
        .await
        .expect("vague allowed when turned off");
    assert_eq!(s.sent(), 1);
}

#[tokio::test]
async fn a_required_ticket_pattern_is_met_by_the_ticket_number_or_the_text() {
    let s = Svc::start().await;
    let e = s
        .open("[justification]\nticket_pattern = '(INC|CHG)\\d+'\n")
        .await;
    let err = e
        .activate(&user_admin(), &input("Patch the mail servers"))
        .await
        .expect_err("no ticket");
    let message = refused(err, TICKET_RULE);
    assert!(
        message.contains("User Administrator needs a ticket reference matching '(INC|CHG)\\d+'"),
        "{message}"
    );
    assert_eq!(s.sent(), 0, "nothing sent");
    let with_number = Input {
        ticket_number: Some("inc4711".into()),
        ..input("Patch the mail servers")
    };
    e.activate(&user_admin(), &with_number)
        .await
        .expect("the ticket number matches (case-insensitively)");
    assert_eq!(s.sent(), 1);
    e.activate(
        &Target::name("Global Reader", None),
        &input("Read the sign-in logs for CHG1234"),
    )
    .await
    .expect("the justification names the ticket");
    assert_eq!(s.sent(), 2);
}

#[tokio::test]
async fn extend_and_bundles_go_through_the_rules() {
    let s = Svc::start().await;
    let bundle = "[[bundles]]\nname = \"Mail\"\nitems = [{plane = \"entraRole\", name = \"User Administrator\"}]\n";
    let e = s.open(bundle).await;
    e.activate(&user_admin(), &input("Patch the mail servers"))
        .await
        .expect("activated");
    assert_eq!(s.sent(), 1);
    // Stricter rules now: the last request's justification (22 characters) is too short.
    let e = s
        .open(&format!("[justification]\nmin_length = 40\n{bundle}"))
        .await;
    let err = e.extend(&user_admin()).await.expect_err("extend refused");
    refused(err, MIN_LENGTH_RULE);
    let err = e
        .activate_bundle("Mail", &input("work"))
        .await
        .expect_err("bundle refused");
    refused(err, VAGUE_RULE);
    assert_eq!(s.sent(), 1, "nothing more was sent");
}

#[tokio::test]
async fn a_pattern_that_is_not_a_regular_expression_stops_the_start_naming_its_key() {
    let s = Svc::start().await;
    let err = s
        .try_open("[justification]\nrefuse_patterns = [\"ok\", \"(unclosed\"]\n")
        .err()
        .expect("refused");
    let text = err.to_string();
    assert!(
        text.contains("[justification] refuse_patterns[1] '(unclosed' is not a regular expression")
            && text.contains("config.toml"),
        "{text}"
    );
    assert_eq!(s.requests(), 0);
}
