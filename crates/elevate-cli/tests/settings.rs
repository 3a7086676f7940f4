//! elevatectl settings export and import: the file written on one machine is imported on an
//! empty one (dry run first, JSON report), a bad file exits 2 naming what is wrong.

mod common;

use common::{elevatectl, sim_and_dir};

#[tokio::test(flavor = "multi_thread")]
async fn export_then_import_on_an_empty_machine_with_a_dry_run_first() {
    let (sim, dir) = sim_and_dir().await;
    std::fs::write(
        dir.join("config.toml"),
        "reminders = [20]\n[justification]\nmin_length = 12\n[[bundles]]\nname = \"Mail\"\nitems = [{plane = \"entraRole\", name = \"Exchange Administrator\"}]\n",
    )
    .expect("config");
    std::fs::write(
        dir.join("data").join("favorites.json"),
        r#"[{"key": "entraRole:x:/", "label": "Exchange Administrator", "justification": "mail flow changes"}]"#,
    )
    .expect("favorites");
    let file = dir.join("elevate-settings.json");
    let out = elevatectl(
        &sim,
        &dir,
        &["settings", "export", file.to_str().expect("path")],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let other = dir.join("new-machine");
    std::fs::create_dir_all(other.join("data")).expect("dir");
    let path = file.to_str().expect("path");
    let out = elevatectl(
        &sim,
        &other,
        &["settings", "import", path, "--dry-run", "--json"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["dryRun"], true);
    assert_eq!(report["settings"], "replaced");
    assert_eq!(report["favorites"][0]["change"], "added");
    assert_eq!(report["bundles"][0]["name"], "Mail");
    assert!(
        !other.join("config.toml").exists(),
        "a dry run writes nothing"
    );
    let out = elevatectl(&sim, &other, &["settings", "import", path]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Bundle Mail: added"), "{stdout}");
    let written = std::fs::read_to_string(other.join("config.toml")).expect("written");
    assert!(
        written.contains("min_length = 12") && written.contains("Mail"),
        "{written}"
    );

    std::fs::write(&file, r#"{"format": "elevate-settings", "version": 9}"#).expect("bad");
    let out = elevatectl(&sim, &other, &["settings", "import", path]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("version 9"), "{stderr}");
    assert_eq!(sim.sim().lock().total_requests(), 0, "no network");
    let _ = std::fs::remove_dir_all(&dir);
}
