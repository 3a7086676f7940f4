//! After an activation is ready, against elevate-sim over HTTP: the `[[after]]` commands that
//! follow the role run once with their output in a notice and the history (a bundle's once for
//! the whole bundle; a role no command follows runs nothing; a command past its time limit is
//! stopped and said; a hostile role name arrives as one literal argument), a one-shot front end
//! runs them after waiting for ready, an agent's activation only those that allow it; and the
//! portal opens in a private window of a fake browser (a real script recording its argv),
//! configured or found on PATH.
#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use elevate_core::after::AfterCommand;
use elevate_core::config::Config;
use elevate_core::intent::Intent;
use elevate_core::model::Status;
use elevate_core::notice::{Notice, NoticeKind};
use elevate_core::portal::PrivateBrowser;
use elevate_core::service::{Input, Origin, Target};
use elevate_core::shell::RecordingShell;
use elevate_core::Elevate;
use elevate_sim::{Scenario, SimServer};

const HOSTILE: &str = "User Administrator; rm -rf ~ $(touch pwned) `id` \"'";

struct Svc {
    sim: SimServer,
    e: Arc<Elevate>,
    shell: Arc<RecordingShell>,
    dir: PathBuf,
}

impl Drop for Svc {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A directory of its own for the test's files.
fn temp_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("elevate-after-{what}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

/// An executable script `name` in `dir` with `body` after the shebang.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// A program that appends its name (from the environment), argc and each argument to `log`,
/// then prints a line.
fn recorder(dir: &Path, log: &Path) -> PathBuf {
    script(
        dir,
        "record",
        &format!(
            "{{\n  echo \"name=$ELEVATE_AFTER\"\n  echo \"argc=$#\"\n  for a in \"$@\"; do echo \"arg=$a\"; done\n  echo ---\n}} >> '{}'\necho 'token refreshed'",
            log.display()
        ),
    )
}

fn command(name: &str, program: &Path, args: &[&str], roles: &[&str]) -> AfterCommand {
    AfterCommand {
        name: name.into(),
        program: program.display().to_string(),
        args: args.iter().map(|s| s.to_string()).collect(),
        roles: roles.iter().map(|s| s.to_string()).collect(),
        ..AfterCommand::default()
    }
}

fn with_after(after: Vec<AfterCommand>) -> Config {
    Config {
        after,
        ..Config::default()
    }
}

/// The runs recorded in `log`, each as its lines.
fn runs(log: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.split("---\n")
        .filter(|r| !r.is_empty())
        .map(|r| r.lines().map(str::to_string).collect())
        .collect()
}

impl Svc {
    /// Alex signed in on the demo tenant (a role renamed to `HOSTILE` when asked), with
    /// `config`; `background` as the tray.
    async fn open(config: Config, background: bool, hostile: bool) -> Svc {
        let mut scenario = Scenario::builtin("demo").expect("demo");
        if hostile {
            let ua = scenario
                .role_definitions
                .iter_mut()
                .find(|r| r.display_name == "User Administrator")
                .expect("User Administrator");
            ua.display_name = HOSTILE.into();
        }
        let settings = elevate_sim::Settings {
            auto_sign_in: Some(scenario.default_user.clone()),
            ..Default::default()
        };
        let sim = SimServer::start(scenario, settings).await.expect("sim");
        let dir = temp_dir("svc");
        config.save(&dir.join("config.toml")).expect("config");
        let env = common::sim_env(&sim, &dir, Some(dir.join("config.toml")), background);
        let shell = Arc::new(RecordingShell::default());
        let e = Elevate::open(env, shell.clone()).expect("open");
        e.sign_in().await.expect("sign in");
        Svc { sim, e, shell, dir }
    }

    async fn activate(&self, name: &str) -> elevate_core::service::Done {
        let input = Input {
            justification: Some("after-activation test".into()),
            duration: Some("1h".into()),
            ..Input::default()
        };
        self.e
            .activate(&Target::name(name, None), &input)
            .await
            .expect("activate")
    }

    /// Waits (bounded) for a notice of `kind` on `key`.
    async fn notice(&self, kind: NoticeKind, key: &str) -> Notice {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(n) = self
                .shell
                .notices_of(kind)
                .into_iter()
                .find(|n| n.key.as_deref() == Some(key))
            {
                return n;
            }
            assert!(
                Instant::now() < deadline,
                "no {kind:?} notice on {key}: {:?}",
                self.shell.notices()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn tenant(&self) -> String {
        self.sim.sim().tenant_id()
    }
}

#[tokio::test]
async fn after_activation_commands_run_once_with_their_output() {
    let files = temp_dir("files");
    let log = files.join("calls.log");
    let record = recorder(&files, &log);
    let config = with_after(vec![
        command(
            "az token",
            &record,
            &[
                "account",
                "get-access-token",
                "--tenant",
                "{tenant}",
                "--role={role}",
                "{scope}",
            ],
            &["User Administrator"],
        ),
        command(
            "exchange only",
            &record,
            &["{role}"],
            &["Exchange Administrator"],
        ),
    ]);
    let s = Svc::open(config, true, false).await;
    let done = s.activate("User Administrator").await;
    let key = done.assignment.key.clone();

    let ready = s.notice(NoticeKind::Ready, &key).await;
    assert_eq!(
        ready.intent("portal-private"),
        Some(Intent::OpenPortalPrivate(key.clone())),
        "the ready notice offers the portal in a private window"
    );
    let after = s.notice(NoticeKind::After, &key).await;
    assert_eq!(after.title, "After User Administrator: done");
    assert_eq!(after.body, "az token: done (exit 0): token refreshed");
    let tenant = s.tenant();
    assert_eq!(
        runs(&log),
        vec![vec![
            "name=az token".to_string(),
            "argc=6".into(),
            "arg=account".into(),
            "arg=get-access-token".into(),
            "arg=--tenant".into(),
            format!("arg={tenant}"),
            "arg=--role=User Administrator".into(),
            "arg=/".into(),
        ]]
    );
    // Refreshes are not activations: nothing runs again.
    s.e.refresh_all().await;
    s.e.refresh_all().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(runs(&log).len(), 1, "once per activation");
    assert_eq!(s.shell.notices_of(NoticeKind::After).len(), 1);
    let history = s.e.history().expect("history");
    let rec = history
        .iter()
        .find(|r| r.action == "after")
        .expect("an after record");
    assert_eq!(
        (rec.key.as_str(), rec.outcome.as_str()),
        (key.as_str(), "ok")
    );
    assert!(s.e.verify_history().expect("verify").problem.is_none());

    // A role no command follows runs nothing.
    let other = s.activate("Exchange Administrator").await;
    let _ = s.notice(NoticeKind::After, &other.assignment.key).await;
    let all = runs(&log);
    assert_eq!(
        all.len(),
        2,
        "only the command that follows Exchange Administrator"
    );
    assert_eq!(all[1][0], "name=exchange only");

    // The active item's tray submenu offers the portal in a private window too.
    let tray = s.shell.last_tray().expect("tray");
    assert!(tray.intents().contains(&Intent::OpenPortalPrivate(key)));
    let _ = std::fs::remove_dir_all(&files);
}

#[tokio::test]
async fn a_role_no_command_follows_runs_nothing() {
    let files = temp_dir("files");
    let log = files.join("calls.log");
    let record = recorder(&files, &log);
    let config = with_after(vec![command(
        "only exchange",
        &record,
        &["x"],
        &["Exchange Administrator"],
    )]);
    let s = Svc::open(config, true, false).await;
    let done = s.activate("User Administrator").await;
    let _ = s.notice(NoticeKind::Ready, &done.assignment.key).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(runs(&log).is_empty());
    assert!(s.shell.notices_of(NoticeKind::After).is_empty());
    let _ = std::fs::remove_dir_all(&files);
}

#[tokio::test]
async fn a_command_past_its_time_limit_is_stopped_and_reported() {
    let files = temp_dir("files");
    let sleeper = script(&files, "sleeper", "echo 'getting a token'\nexec sleep 30");
    let config = with_after(vec![AfterCommand {
        timeout_seconds: 1,
        ..command("slow", &sleeper, &[], &["*"])
    }]);
    let s = Svc::open(config, true, false).await;
    let started = Instant::now();
    let done = s.activate("User Administrator").await;
    let after = s.notice(NoticeKind::After, &done.assignment.key).await;
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "stopped at its limit"
    );
    assert_eq!(after.title, "After User Administrator: 1 of 1 failed");
    assert_eq!(
        after.body,
        "slow: failed (timed out after 1 s, stopped): getting a token"
    );
    let history = s.e.history().expect("history");
    assert!(history
        .iter()
        .any(|r| r.action == "after" && r.outcome == "timedOut"));
    let _ = std::fs::remove_dir_all(&files);
}

#[tokio::test]
async fn a_hostile_role_name_arrives_as_one_literal_argument() {
    let files = temp_dir("files");
    let log = files.join("calls.log");
    let record = recorder(&files, &log);
    let config = with_after(vec![command(
        "literal",
        &record,
        &["{role}", "--role={role}"],
        &["*"],
    )]);
    let s = Svc::open(config, true, true).await;
    let done = s.activate(HOSTILE).await;
    let after = s.notice(NoticeKind::After, &done.assignment.key).await;
    assert!(
        after.body.starts_with("literal: done (exit 0)"),
        "{}",
        after.body
    );
    assert_eq!(
        runs(&log),
        vec![vec![
            "name=literal".to_string(),
            "argc=2".into(),
            format!("arg={HOSTILE}"),
            format!("arg=--role={HOSTILE}"),
        ]]
    );
    let cwd = std::env::current_dir().expect("cwd");
    assert!(!cwd.join("pwned").exists(), "no shell ran the name");
    let _ = std::fs::remove_dir_all(&files);
}

/// elevatectl's `--wait` and `after run`, and an agent's activation (one-shot front ends).
#[tokio::test]
async fn one_shot_front_ends_run_them_after_ready_and_agents_only_when_allowed() {
    let files = temp_dir("files");
    let log = files.join("calls.log");
    let record = recorder(&files, &log);
    let config = with_after(vec![
        command("for people", &record, &["{plane}"], &["User Administrator"]),
        AfterCommand {
            run_after_mcp: true,
            ..command(
                "for agents too",
                &record,
                &["{tenant}"],
                &["User Administrator"],
            )
        },
    ]);
    let s = Svc::open(config, false, false).await;
    let done = s.activate("User Administrator").await;
    let agent =
        s.e.after_activation(&done, Origin::Agent, Duration::from_secs(20))
            .await;
    let names: Vec<&str> = agent.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["for agents too"]);
    let user =
        s.e.after_activation(&done, Origin::User, Duration::from_secs(20))
            .await;
    assert!(user.iter().all(|o| o.ok()), "{user:?}");
    assert_eq!(user.len(), 2);
    assert_eq!(runs(&log).len(), 3);
    assert!(
        s.shell.notices_of(NoticeKind::After).is_empty(),
        "elevatectl prints them itself"
    );

    let (a, again) =
        s.e.run_after_now(&Target::name("User Administrator", None))
            .await
            .expect("after run");
    assert_eq!((a.status, again.len()), (Status::Active, 2));
    let err =
        s.e.run_after_now(&Target::name("Exchange Administrator", None))
            .await
            .expect_err("not active, or nothing follows it");
    assert!(!err.to_string().is_empty());
    let _ = std::fs::remove_dir_all(&files);
}

#[tokio::test]
async fn the_portal_opens_in_a_private_window_for_the_tenant() {
    let files = temp_dir("browser");
    let log = files.join("browser.log");
    let fake = recorder(&files, &log);
    let config = Config {
        browser: elevate_core::portal::BrowserConfig {
            private: vec![fake.display().to_string(), "--private-window".into()],
        },
        ..Config::default()
    };
    let s = Svc::open(config, true, false).await;
    let done = s.activate("User Administrator").await;
    s.e.perform(&Intent::OpenPortalPrivate(done.assignment.key.clone()))
        .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while runs(&log).is_empty() {
        assert!(Instant::now() < deadline, "the browser never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let run = &runs(&log)[0];
    assert_eq!(run[1], "argc=2");
    assert_eq!(run[2], "arg=--private-window");
    let tenant = s.tenant();
    assert!(
        run[3].starts_with(&format!("arg=https://portal.azure.com/#@{tenant}/")),
        "{run:?}"
    );
    assert!(s.shell.notices_of(NoticeKind::Failed).is_empty());
    let _ = std::fs::remove_dir_all(&files);
}

/// No browser configured: a known browser on PATH, with its private-window flag.
#[tokio::test]
async fn a_browser_on_path_gets_its_private_flag() {
    let files = temp_dir("path");
    let log = files.join("firefox.log");
    let record = recorder(&files, &log);
    std::fs::rename(&record, files.join("firefox")).expect("rename");
    let b = PrivateBrowser::detect(None, Some(files.as_os_str())).expect("found on PATH");
    b.open("https://portal.azure.com/#@contoso.example/home")
        .expect("open");
    let deadline = Instant::now() + Duration::from_secs(10);
    while runs(&log).is_empty() {
        assert!(Instant::now() < deadline, "the browser never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        runs(&log)[0][2..],
        [
            "arg=--private-window".to_string(),
            "arg=https://portal.azure.com/#@contoso.example/home".into()
        ]
    );
    let _ = std::fs::remove_dir_all(&files);
}

#[tokio::test]
async fn a_bad_after_entry_stops_the_config_load_naming_the_key() {
    let dir = temp_dir("config");
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        "[[after]]\nname = \"az\"\nprogram = \"az\"\nargs = [\"{tenant_id}\"]\nroles = [\"*\"]\n",
    )
    .expect("write");
    let err = Config::load(&path).expect_err("refused");
    let text = err.to_string();
    assert!(
        text.contains("after[0].args[0]") && text.contains("{tenant}"),
        "{text}"
    );
    assert!(path.exists(), "the file is left as it is");
    std::fs::write(
        &path,
        "[[after]]\nname = \"az\"\nprogram = \"az\"\nroles = [\"*\"]\ntimeout_seconds = 3600\n",
    )
    .expect("write");
    let text = Config::load(&path).expect_err("refused").to_string();
    assert!(text.contains("after[0].timeout_seconds"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A command that follows a bundle runs once, after every member granted in the go is ready.
#[tokio::test]
async fn a_bundle_command_runs_once_after_the_whole_bundle_is_ready() {
    use elevate_core::bundle::{Bundle, BundleItem};
    use elevate_core::model::Plane;
    let files = temp_dir("files");
    let log = files.join("calls.log");
    let record = recorder(&files, &log);
    let item = |name: &str| BundleItem {
        plane: Plane::EntraRole,
        name: name.into(),
        scope: None,
        access: None,
    };
    let config = Config {
        bundles: vec![Bundle {
            name: "Pair".into(),
            items: vec![item("User Administrator"), item("Exchange Administrator")],
            justification: None,
            ticket: None,
            duration: None,
            autostart: false,
        }],
        after: vec![AfterCommand {
            bundles: vec!["pair".into()],
            ..command("bundle", &record, &["{bundle}"], &[])
        }],
        ..Config::default()
    };
    let s = Svc::open(config, true, false).await;
    let input = Input {
        justification: Some("bundle test".into()),
        duration: Some("1h".into()),
        ..Input::default()
    };
    let results = s.e.activate_bundle("Pair", &input).await.expect("bundle");
    assert!(results.iter().all(|r| r.error.is_none()), "{results:?}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while s.shell.notices_of(NoticeKind::After).is_empty() {
        assert!(Instant::now() < deadline, "{:?}", s.shell.notices());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let all = runs(&log);
    assert_eq!(all.len(), 1, "once for the bundle, not per member");
    assert_eq!(all[0][2], "arg=Pair");
    assert_eq!(
        s.shell.notices_of(NoticeKind::After)[0].title,
        "After Pair: done"
    );
    let _ = std::fs::remove_dir_all(&files);
}
