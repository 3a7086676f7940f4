use super::*;

fn fav(key: &str, j: &str) -> Favorite {
    Favorite {
        key: key.into(),
        label: format!("Role {key}"),
        justification: Some(j.into()),
        ticket_number: None,
        ticket_system: None,
        duration: Some("PT1H".into()),
    }
}

fn config() -> Config {
    let mut c: Config = toml::from_str(
        r#"
tenant_id = "contoso.onmicrosoft.com"
reminders = [30, 5]
[defaults]
justification = "Routine administration"
[justification]
min_length = 12
ticket_pattern = '(INC|CHG)\d+'
[[bundles]]
name = "Mail"
items = [{plane = "entraRole", name = "Exchange Administrator"}]
"#,
    )
    .expect("toml");
    c.network.proxy = Some("http://me:hunter2@proxy.contoso.example:3128".into());
    c
}

fn text(doc: &Document) -> String {
    serde_json::to_string_pretty(doc).expect("json")
}

#[test]
fn export_then_read_gives_the_same_settings_without_the_proxy_password() {
    let now = Utc::now();
    let (doc, notes) = export(&config(), &[fav("a", "patching")], now).expect("export");
    assert_eq!(notes.len(), 1, "{notes:?}");
    let written = text(&doc);
    assert!(!written.contains("hunter2"), "{written}");
    assert!(written.contains("\"format\": \"elevate-settings\""));
    let back = read(&written).expect("read");
    let mut expected = config();
    expected.bundles = vec![];
    expected.network.proxy = Some("http://proxy.contoso.example:3128/".into());
    assert_eq!(back.config, expected);
    assert_eq!(back.bundles, config().bundles);
    assert_eq!(back.favorites, vec![fav("a", "patching")]);
}

fn doc_with(change: impl FnOnce(&mut Value)) -> String {
    let (doc, _) = export(&Config::default(), &[fav("a", "patching")], Utc::now()).expect("export");
    let mut v = serde_json::to_value(doc).expect("value");
    change(&mut v);
    v.to_string()
}

fn error_of(text: &str) -> String {
    read(text).expect_err("refused").to_string()
}

#[test]
fn a_wrong_format_version_or_setting_is_refused_naming_it() {
    assert!(error_of("[]").contains("JSON object"));
    assert!(error_of(&doc_with(|v| v["format"] = "other".into()))
        .contains("not an Elevate settings file"));
    let e = error_of(&doc_with(|v| v["version"] = 2.into()));
    assert!(
        e.contains("version 2") && e.contains("reads version 1"),
        "{e}"
    );
    let e = error_of(&doc_with(|v| v["config"]["reminders"] = "soon".into()));
    assert!(e.starts_with("config.reminders:"), "{e}");
    let e = error_of(&doc_with(|v| v["config"]["no_such_key"] = 1.into()));
    assert!(e.contains("config.no_such_key is not a setting"), "{e}");
    let e = error_of(&doc_with(|v| {
        v["config"]["justification"]["refuse_patterns"] = serde_json::json!(["("])
    }));
    assert!(e.contains("refuse_patterns[0]"), "{e}");
    let e = error_of(&doc_with(|v| v["favorites"][0]["duration"] = "soon".into()));
    assert!(e.contains("favorite 'Role a'"), "{e}");
}

#[test]
fn secret_looking_fields_and_values_are_refused() {
    let e = error_of(&doc_with(|v| v["config"]["client_secret"] = "abc".into()));
    assert!(
        e.contains("looks like a secret at config.client_secret"),
        "{e}"
    );
    let e = error_of(&doc_with(|v| v["refreshToken"] = "abc".into()));
    assert!(e.contains("at refreshToken"), "{e}");
    let jwt = format!("eyJhbGciOiJSUzI1NiJ9.{}.sig", "a".repeat(40));
    let e = error_of(&doc_with(|v| {
        v["favorites"][0]["justification"] = jwt.into()
    }));
    assert!(e.contains("favorites[0].justification"), "{e}");
    let e = error_of(&doc_with(|v| {
        v["config"]["network"]["proxy"] = "http://u:p@proxy.example".into()
    }));
    assert!(e.contains("config.network.proxy"), "{e}");
}

#[test]
fn merging_by_name_says_what_changes() {
    let (all, items) = merge_favorites(
        &[fav("a", "patching"), fav("b", "deploy")],
        &[
            fav("a", "patching"),
            fav("b", "rotate keys"),
            fav("c", "audit"),
        ],
    );
    assert_eq!(all.len(), 3);
    let changes: Vec<Change> = items.iter().map(|i| i.change).collect();
    assert_eq!(
        changes,
        [Change::Unchanged, Change::Replaced, Change::Added]
    );
    assert_eq!(all[1].justification.as_deref(), Some("rotate keys"));
}

proptest::proptest! {
    #[test]
    fn reading_any_text_never_panics(text in "\\PC{0,200}") {
        let _ = read(&text);
    }

    #[test]
    fn reading_any_json_in_the_envelope_never_panics(
        config in proptest::collection::btree_map("[a-z_]{1,12}", "[a-z0-9 ]{0,8}", 0..4),
        favorites in proptest::collection::vec(("[a-z]{0,5}", "[a-z ]{0,8}", proptest::option::of("[A-Z0-9]{0,6}")), 0..3),
    ) {
        let doc = serde_json::json!({
            "format": FORMAT, "version": VERSION, "exportedAt": "2026-11-29T00:00:00Z",
            "config": config,
            "favorites": favorites.iter().map(|(k, l, d)| serde_json::json!({"key": k, "label": l, "duration": d})).collect::<Vec<_>>(),
            "bundles": [],
        });
        let _ = read(&doc.to_string());
    }
}
