//! Export and import of the settings file through the service: a round trip into an empty
//! data directory gives the same favorites, bundles and settings; a bad or secret-carrying
//! file changes nothing on disk; a dry run writes nothing; this machine's settings stay unless
//! asked, and what the organisation fixes stays even then.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use elevate_core::config::Config;
use elevate_core::portable::Change;
use elevate_core::service::SettingsChange;
use elevate_core::shell::RecordingShell;
use elevate_core::store::{DataDir, Favorite};
use elevate_core::Elevate;
use elevate_sim::{Scenario, SimServer};

const CONFIG: &str = r#"
tenant_id = "contoso.onmicrosoft.com"
reminders = [30, 10]
start_at_login = true
[defaults]
justification = "Routine administration of mail"
duration = "PT2H"
[justification]
min_length = 12
ticket_pattern = '(INC|CHG)\d+'
[network]
proxy = "http://proxy.contoso.example:3128/"
[[bundles]]
name = "Mail"
items = [{plane = "entraRole", name = "Exchange Administrator"}]
"#;

fn fav(key: &str, j: &str) -> Favorite {
    Favorite {
        key: key.into(),
        label: format!("Role {key}"),
        justification: Some(j.into()),
        ticket_number: Some("INC1".into()),
        ticket_system: None,
        duration: Some("PT1H".into()),
    }
}

struct Machine {
    dir: PathBuf,
}

impl Machine {
    fn new(config: Option<&str>, favorites: &[Favorite]) -> Machine {
        let dir = std::env::temp_dir().join(format!("elevate-portable-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("dir");
        if let Some(c) = config {
            std::fs::write(dir.join("config.toml"), c).expect("config");
        }
        if !favorites.is_empty() {
            DataDir(dir.clone())
                .save_favorites(favorites)
                .expect("favorites");
        }
        Machine { dir }
    }

    fn open(&self, sim: &SimServer, policy: Option<&str>) -> Arc<Elevate> {
        let mut env = common::sim_env(sim, &self.dir, Some(self.dir.join("config.toml")), false);
        if let Some(p) = policy {
            env.policy =
                elevate_core::managed::Policy::from_json(p, "test policy").expect("policy");
        }
        Elevate::open(env, Arc::new(RecordingShell::default())).expect("open")
    }

    fn files(&self) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
        let read = |p: &Path| std::fs::read(p).ok();
        (
            read(&self.dir.join("config.toml")),
            read(&self.dir.join("favorites.json")),
        )
    }
}

impl Drop for Machine {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn sim() -> SimServer {
    SimServer::start(
        Scenario::builtin("demo").expect("demo"),
        elevate_sim::Settings::default(),
    )
    .await
    .expect("sim")
}

#[tokio::test]
async fn a_round_trip_into_an_empty_machine_gives_the_same_favorites_bundles_and_settings() {
    let sim = sim().await;
    let old = Machine::new(
        Some(CONFIG),
        &[
            fav("a", "patch the mail servers"),
            fav("b", "rotate the keys"),
        ],
    );
    let e = old.open(&sim, None);
    let (text, notes) = e.export_settings().expect("export");
    assert!(notes.is_empty(), "{notes:?}");
    assert!(text.contains("\"format\": \"elevate-settings\"") && text.contains("\"version\": 1"));

    let new = Machine::new(None, &[]);
    let n = new.open(&sim, None);
    let dry = n.import_settings(&text, false, true).expect("dry run");
    assert!(dry.dry_run);
    assert_eq!(new.files(), (None, None), "a dry run writes nothing");
    let report = n.import_settings(&text, false, false).expect("import");
    assert_eq!(
        report.settings,
        SettingsChange::Replaced,
        "a new machine takes the file's settings"
    );
    assert_eq!(dry.favorites, report.favorites);
    assert!(report.favorites.iter().all(|i| i.change == Change::Added));
    assert_eq!(report.bundles.len(), 1);
    assert_eq!(n.user_config(), e.user_config());
    assert_eq!(
        n.favorites().expect("favorites"),
        e.favorites().expect("favorites")
    );
    // What was written is what a restart reads.
    let (file, _) = Config::load(&new.dir.join("config.toml")).expect("load");
    assert_eq!(file, e.user_config());
    assert_eq!(
        new.open(&sim, None).favorites().expect("favorites").len(),
        2
    );
    // Again: nothing changes.
    let again = n.import_settings(&text, false, false).expect("again");
    assert_eq!(again.settings, SettingsChange::Unchanged);
    assert!(again
        .favorites
        .iter()
        .all(|i| i.change == Change::Unchanged));
}

#[tokio::test]
async fn a_bad_or_secret_carrying_file_changes_nothing_on_disk() {
    let sim = sim().await;
    let source = Machine::new(Some(CONFIG), &[fav("a", "patch the mail servers")]);
    let (text, _) = source.open(&sim, None).export_settings().expect("export");
    let m = Machine::new(Some("reminders = [5]\n"), &[fav("z", "my own favorite")]);
    let e = m.open(&sim, None);
    let before = m.files();
    let mut doc: serde_json::Value = serde_json::from_str(&text).expect("json");
    let bad = |change: &dyn Fn(&mut serde_json::Value)| {
        let mut d = doc.clone();
        change(&mut d);
        d.to_string()
    };
    for (file, words) in [
        (bad(&|d| d["version"] = 7.into()), "version 7"),
        (
            bad(&|d| d["config"]["reminders"] = "often".into()),
            "config.reminders",
        ),
        (
            bad(&|d| d["config"]["justification"]["ticket_pattern"] = "(".into()),
            "ticket_pattern",
        ),
        (
            bad(&|d| d["accessToken"] = "abc".into()),
            "looks like a secret at accessToken",
        ),
        ("not json".to_string(), "not JSON"),
    ] {
        let err = e.import_settings(&file, true, false).expect_err(words);
        assert_eq!(err.code(), "invalidInput");
        assert!(err.to_string().contains(words), "{err}");
        assert_eq!(m.files(), before, "nothing written for {words}");
    }
    assert_eq!(
        e.favorites().expect("favorites"),
        vec![fav("z", "my own favorite")]
    );
    doc["favorites"][0]["key"] = "z".into();
    doc["favorites"][0]["label"] = "Role z".into();
    let report = e
        .import_settings(&doc.to_string(), false, false)
        .expect("import");
    assert_eq!(
        report.settings,
        SettingsChange::Kept,
        "this machine has settings of its own"
    );
    assert_eq!(report.favorites[0].change, Change::Replaced);
    assert_eq!(e.user_config().reminders, vec![5]);
    assert_eq!(
        e.user_config().bundles.len(),
        1,
        "bundles merged all the same"
    );
}

#[tokio::test]
async fn replace_settings_keeps_what_the_organisation_fixes() {
    let sim = sim().await;
    let source = Machine::new(Some(CONFIG), &[]);
    let (text, _) = source.open(&sim, None).export_settings().expect("export");
    let m = Machine::new(Some("reminders = [5]\nstart_at_login = false\n"), &[]);
    let e = m.open(&sim, Some(r#"{"start_at_login": false}"#));
    let report = e.import_settings(&text, true, false).expect("import");
    assert_eq!(report.settings, SettingsChange::Replaced);
    assert_eq!(report.locked, ["startAtLogin"]);
    let mine = e.user_config();
    assert_eq!(mine.reminders, vec![30, 10]);
    assert!(
        !mine.start_at_login,
        "the user's own value stays under the policy"
    );
    assert_eq!(mine.justification.min_length, 12);
}
