//! The policy's parsing, overlay, locks, refusals and safe defaults.

use chrono::Duration;

use super::*;
use crate::app::Settings;
use crate::config::{Config, Defaults};
use crate::error::Error;
use crate::planner::Plan;

const SRC: &str = "/etc/elevate/policy.json";
const TENANT: &str = "contoso.onmicrosoft.com";
const CLIENT: &str = "5a3c2e1f-0b9d-4c8e-a7f6-112233445566";

fn parse(json: &str) -> Policy {
    Policy::from_json(json, SRC).expect("a valid policy")
}

fn refused_rule(err: Error) -> String {
    match err {
        Error::PolicyRefused { rule, message } => {
            assert!(
                message.contains("set by your organisation"),
                "the message says who set it: {message}"
            );
            rule
        }
        other => panic!("expected a policy refusal, got {other:?}"),
    }
}

fn no_vars(_: &str) -> Option<String> {
    None
}

fn plan(justification: Option<&str>, ticket: Option<&str>) -> Plan {
    Plan {
        justification: justification.map(str::to_string),
        ticket_number: ticket.map(str::to_string),
        ticket_system: None,
        duration: Duration::hours(1),
        start: None,
        auth_context: None,
    }
}

#[test]
fn every_key_parses() {
    let p = parse(&format!(
        r#"{{
        "_comment": "managed by IT",
        "allowed_tenants": ["{TENANT}"],
        "allowed_clouds": ["public", "usgov"],
        "client_id": "{CLIENT}",
        "arm_client_id": "{CLIENT}",
        "sign_in_methods": ["browser", "device-code", "azure-cli", "client-secret", "client-certificate", "managed-identity"],
        "start_at_login": true,
        "auto_activate_favorites": false,
        "max_duration": "PT2H",
        "ticket_required": true,
        "justification_min_length": 10,
        "justification_pattern": "^(INC|CHG)[0-9]+",
        "mcp_enabled": true,
        "mcp_allow": ["Global Reader"],
        "proxy": "http://proxy.contoso.example:3128",
        "no_proxy": "localhost,.contoso.example"
    }}"#
    ));
    assert_eq!(p.allowed_tenants, Some(vec![TENANT.to_string()]));
    assert_eq!(p.allowed_clouds, Some(vec![Cloud::Public, Cloud::Usgov]));
    assert_eq!(p.client_id.as_deref(), Some(CLIENT));
    assert_eq!(p.arm_client_id.as_deref(), Some(CLIENT));
    assert_eq!(p.sign_in_methods.as_ref().map(Vec::len), Some(6));
    assert_eq!(p.start_at_login, Some(true));
    assert_eq!(p.auto_activate_favorites, Some(false));
    assert_eq!(p.max_duration, Some(Duration::hours(2)));
    assert!(p.ticket_required);
    assert_eq!(p.justification_min_length, 10);
    assert!(p
        .justification_pattern
        .as_ref()
        .is_some_and(|r| r.matches("INC42 disk full")));
    assert_eq!(p.mcp_enabled, Some(true));
    assert_eq!(p.mcp_allow, Some(vec!["Global Reader".to_string()]));
    assert_eq!(p.proxy(), Some("http://proxy.contoso.example:3128"));
    assert_eq!(p.no_proxy(), Some("localhost,.contoso.example"));
    assert_eq!(p.source.as_deref(), Some(SRC));
    assert!(p.problem.is_none() && !p.is_empty());
    // The test above names every key the module documents.
    for (key, _, _) in KEYS {
        assert!(
            KEYS.iter().filter(|k| k.0 == *key).count() == 1,
            "{key} once"
        );
    }
    assert!(parse("{}").is_empty());
}

#[test]
fn wrong_keys_and_values_are_refused_with_the_key_named() {
    for (json, named) in [
        (r#"{"max_duraton": "PT1H"}"#, "max_duraton"),
        (r#"{"start_at_login": "yes"}"#, "start_at_login"),
        (r#"{"allowed_tenants": []}"#, "allowed_tenants"),
        (r#"{"allowed_tenants": ["a b"]}"#, "allowed_tenants"),
        (r#"{"allowed_clouds": ["mars"]}"#, "allowed_clouds"),
        (r#"{"client_id": "not-a-guid"}"#, "client_id"),
        (
            r#"{"sign_in_methods": ["carrier-pigeon"]}"#,
            "sign_in_methods",
        ),
        (r#"{"max_duration": "soon"}"#, "max_duration"),
        (r#"{"max_duration": "PT1M"}"#, "max_duration"),
        (
            r#"{"justification_min_length": 9000}"#,
            "justification_min_length",
        ),
        (
            r#"{"justification_pattern": "(["}"#,
            "justification_pattern",
        ),
        (r#"{"mcp_allow": [1, 2]}"#, "mcp_allow"),
        (r#"{"proxy": "ftp://proxy"}"#, "proxy"),
        (r#"{"proxy": "http://user:pw@proxy:3128"}"#, "proxy"),
        (r#"{"ticket_required": null}"#, "ticket_required"),
        (r#"{"ticket_required": 2}"#, "ticket_required"),
    ] {
        let err = Policy::from_json(json, SRC).expect_err(json);
        assert!(err.contains(named), "{json}: {err}");
    }
    for bad in ["", "[]", "not json", "{\"a\":", "\"text\""] {
        assert!(Policy::from_json(bad, SRC).is_err(), "{bad}");
    }
    // Registry DWORDs stand for booleans.
    let p = Policy::from_entries(
        &[
            ("start_at_login".into(), Entry::Number(1)),
            ("mcp_enabled".into(), Entry::Number(0)),
        ],
        "HKLM",
    )
    .expect("dwords");
    assert_eq!((p.start_at_login, p.mcp_enabled), (Some(true), Some(false)));
}

#[test]
fn a_malformed_file_gives_the_safe_defaults_never_the_users_wider_choice() {
    let dir = std::env::temp_dir().join(format!("elevate-managed-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("policy.json");
    std::fs::write(&path, "{\"mcp_enabled\": true, \"start_at_login\": ").expect("write");
    let p = source::load_file(&path, true).expect("a policy");
    let problem = p.problem.clone().expect("the problem said");
    assert!(
        problem.contains("was refused") && problem.contains("policy.json"),
        "{problem}"
    );
    assert!(problem.contains("safe defaults"), "{problem}");
    // MCP off, no favorites at start, sign-in only by a person.
    assert!(p.check_mcp().is_err());
    let user = Config {
        auto_activate_favorites: true,
        ..Config::default()
    };
    assert!(!p.overlay(&user).auto_activate_favorites);
    assert!(p.allows_sign_in(SignInMethod::Browser).is_ok());
    assert!(p.allows_sign_in(SignInMethod::ClientSecret).is_err());
    assert_eq!(p.view().locked, vec!["autoActivateFavorites"]);
    assert_eq!(p.view().problem, Some(problem));
    // A missing file is no policy when optional; refused when it was named.
    let missing = dir.join("none.json");
    assert!(source::load_file(&missing, false).is_none());
    assert!(source::load_file(&missing, true)
        .and_then(|p| p.problem)
        .is_some());
    // A good file is read as such.
    std::fs::write(&path, r#"{"ticket_required": true}"#).expect("write");
    let p = source::load_file(&path, true).expect("a policy");
    assert!(p.ticket_required && p.problem.is_none());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_effective_config_is_the_users_overlaid_by_the_policy() {
    let p = parse(&format!(
        r#"{{"allowed_tenants": ["{TENANT}", "fabrikam.example"], "allowed_clouds": ["usgov"],
            "client_id": "{CLIENT}", "start_at_login": true, "auto_activate_favorites": false,
            "max_duration": "PT2H"}}"#
    ));
    let user = Config {
        tenant_id: Some("other.example".into()),
        arm_client_id: Some("mine".into()),
        start_at_login: false,
        auto_activate_favorites: true,
        defaults: Defaults {
            duration: "8h".into(),
            ..Defaults::default()
        },
        ..Config::default()
    };
    let c = p.overlay(&user);
    assert_eq!(c.tenant_id.as_deref(), Some(TENANT), "the first allowed");
    assert_eq!(c.cloud, Cloud::Usgov);
    assert_eq!(
        (c.client_id.as_deref(), c.arm_client_id.as_deref()),
        (Some(CLIENT), None)
    );
    assert!(c.start_at_login && !c.auto_activate_favorites);
    assert_eq!(c.defaults.duration, "PT2H");
    // An allowed choice of the user's stays.
    let fab = Config {
        tenant_id: Some("Fabrikam.example".into()),
        ..Config::default()
    };
    assert_eq!(
        p.overlay(&fab).tenant_id.as_deref(),
        Some("Fabrikam.example")
    );
    // No policy: the user's settings as they are.
    assert_eq!(Policy::default().overlay(&user), user);
}

#[test]
fn tenant_cloud_and_client_ids_are_resolved_under_the_policy() {
    let p = parse(&format!(
        r#"{{"allowed_tenants": ["{TENANT}"], "allowed_clouds": ["public"], "client_id": "{CLIENT}"}}"#
    ));
    let effective = p.overlay(&Config::default());
    let r = p
        .resolve(&effective, &no_vars, None, false)
        .expect("allowed");
    assert_eq!(r.tenant, TENANT);
    assert_eq!(
        (r.client_id.as_str(), r.arm_client_id.as_str()),
        (CLIENT, CLIENT)
    );
    // `--tenant other` and ELEVATE_TENANT_ID=other are refused; the policy's client id
    // beats ELEVATE_CLIENT_ID.
    let rule = refused_rule(
        p.resolve(&effective, &no_vars, Some("other.example"), false)
            .expect_err("refused"),
    );
    assert_eq!(rule, "managed.allowed_tenants");
    let vars = |k: &str| match k {
        "ELEVATE_TENANT_ID" => Some("other.example".to_string()),
        _ => None,
    };
    assert!(p.resolve(&effective, &vars, None, false).is_err());
    let vars = |k: &str| match k {
        "ELEVATE_CLIENT_ID" => Some("their-own".to_string()),
        _ => None,
    };
    let r = p.resolve(&effective, &vars, None, false).expect("ok");
    assert_eq!(r.client_id, CLIENT);
    let vars = |k: &str| match k {
        "ELEVATE_CLOUD" => Some("china".to_string()),
        _ => None,
    };
    let rule = refused_rule(
        p.resolve(&effective, &vars, None, false)
            .expect_err("cloud"),
    );
    assert_eq!(rule, "managed.allowed_clouds");
    // The built-in demo tenant is exempt.
    assert!(p.resolve(&effective, &vars, Some("demo"), true).is_ok());
}

#[test]
fn locked_settings_cannot_be_saved_and_the_file_keeps_the_users_own_values() {
    let p = parse(&format!(
        r#"{{"allowed_tenants": ["{TENANT}"], "start_at_login": true, "auto_activate_favorites": false, "max_duration": "PT4H"}}"#
    ));
    assert_eq!(
        p.locked(),
        vec!["tenantId", "startAtLogin", "autoActivateFavorites"]
    );
    let user = Config::default();
    let shown = Settings::from_config(&p.overlay(&user));
    assert!(shown.start_at_login);
    p.check_settings(&shown, &shown).expect("unchanged is fine");
    let mut other = shown.clone();
    other.reminders = vec![30];
    p.check_settings(&shown, &other)
        .expect("an unmanaged field is the user's");
    for wanted in [
        Settings {
            start_at_login: false,
            ..shown.clone()
        },
        Settings {
            auto_activate_favorites: true,
            ..shown.clone()
        },
        Settings {
            tenant_id: Some("other.example".into()),
            ..shown.clone()
        },
        Settings {
            default_duration: "8h".into(),
            ..shown.clone()
        },
    ] {
        let err = p.check_settings(&shown, &wanted).expect_err("locked");
        assert!(
            err.to_string().contains("set by your organisation"),
            "{err}"
        );
    }
    let mut written = user.clone();
    shown.apply(&mut written).expect("valid");
    p.keep_user_values(&user, &mut written);
    assert!(
        !written.start_at_login,
        "the file keeps the user's own value"
    );
    assert_eq!(written.tenant_id, None);
    // Several allowed tenants: not locked, but only those.
    let p = parse(&format!(
        r#"{{"allowed_tenants": ["{TENANT}", "b.example"]}}"#
    ));
    let shown = Settings::from_config(&p.overlay(&user));
    assert!(p.locked().is_empty());
    p.check_settings(
        &shown,
        &Settings {
            tenant_id: Some("B.example".into()),
            ..shown.clone()
        },
    )
    .expect("allowed");
}

#[test]
fn sign_in_methods_are_enforced_where_one_is_chosen() {
    let p = parse(r#"{"sign_in_methods": ["device-code"]}"#);
    assert!(p.allows_sign_in(SignInMethod::DeviceCode).is_ok());
    let err = p
        .allows_sign_in(SignInMethod::Browser)
        .expect_err("browser refused");
    assert!(err.to_string().contains("use device-code"), "{err}");
    assert_eq!(refused_rule(err), "managed.sign_in_methods");
    for m in SignInMethod::ALL {
        assert_eq!(SignInMethod::parse(m.as_str()), Some(m));
        assert!(Policy::default().allows_sign_in(m).is_ok());
    }
}

#[test]
fn activation_limits_are_refused_before_sending() {
    let p = parse(
        r#"{"max_duration": "PT2H", "ticket_required": true, "justification_min_length": 8, "justification_pattern": "^(INC|CHG)[0-9]+"}"#,
    );
    let d = Defaults::default();
    let err = p
        .limit("User Administrator", Some(Duration::hours(3)), &d)
        .expect_err("above the maximum");
    assert!(err.to_string().contains("at most 2 h"), "{err}");
    assert_eq!(refused_rule(err), "managed.max_duration");
    assert!(p.limit("X", Some(Duration::hours(2)), &d).is_ok());
    let long = Defaults {
        duration: "8h".into(),
        ..Defaults::default()
    };
    assert_eq!(p.limit("X", None, &long).expect("lowered").duration, "PT2H");
    assert_eq!(p.cap(Duration::hours(5)), Duration::hours(2));
    assert_eq!(
        refused_rule(
            p.check_plan("X", &plan(Some("INC1234 disk"), None))
                .expect_err("ticket")
        ),
        "managed.ticket_required"
    );
    assert_eq!(
        refused_rule(
            p.check_plan("X", &plan(Some("INC1"), Some("1")))
                .expect_err("short")
        ),
        "managed.justification_min_length"
    );
    assert_eq!(
        refused_rule(
            p.check_plan("X", &plan(Some("because I can"), Some("1")))
                .expect_err("pattern")
        ),
        "managed.justification_pattern"
    );
    p.check_plan("X", &plan(Some("CHG0042 rotate keys"), Some("CHG0042")))
        .expect("all rules met");
    Policy::default()
        .check_plan("X", &plan(None, None))
        .expect("no policy, no rules");
}

#[test]
fn mcp_can_be_turned_off_and_bounded() {
    let p = parse(r#"{"mcp_enabled": false}"#);
    assert_eq!(
        refused_rule(p.check_mcp().expect_err("off")),
        "managed.mcp_enabled"
    );
    let p = parse(r#"{"mcp_allow": ["Global Reader", "SOC Analysts (owner)"]}"#);
    assert!(p.check_mcp().is_ok());
    assert!(p.mcp_allows("global reader", "Global Reader"));
    assert!(p.mcp_allows("SOC Analysts", "SOC Analysts (owner)"));
    assert!(!p.mcp_allows("SOC Analysts", "SOC Analysts (member)"));
    assert!(Policy::default().mcp_allows("anything", "anything"));
}

fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
    use proptest::prelude::*;
    let key = prop_oneof![
        proptest::sample::select(KEYS.iter().map(|k| k.0.to_string()).collect::<Vec<_>>()),
        "[a-z_]{0,12}",
    ];
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<f64>().prop_map(|n| serde_json::json!(n)),
        ".{0,24}".prop_map(serde_json::Value::String),
        proptest::sample::select(vec![
            "PT2H",
            "public",
            "browser",
            "device-code",
            "direct",
            "^x",
            "(",
            "organizations",
            "http://p:1",
            "5a3c2e1f-0b9d-4c8e-a7f6-112233445566",
        ])
        .prop_map(|s| serde_json::Value::String(s.to_string())),
    ];
    leaf.prop_recursive(3, 24, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest::proptest! {
    /// Any JSON either parses or is refused with a reason; never a panic.
    #[test]
    fn any_json_parses_or_is_refused(v in json_value()) {
        let text = v.to_string();
        match Policy::from_json(&text, SRC) {
            Ok(p) => { let _ = p.view(); let _ = p.overlay(&Config::default()); }
            Err(why) => proptest::prop_assert!(!why.is_empty()),
        }
    }

    /// Any text at all, too.
    #[test]
    fn any_text_parses_or_is_refused(text in ".{0,200}") {
        if let Err(why) = Policy::from_json(&text, SRC) {
            proptest::prop_assert!(!why.is_empty());
        }
    }
}
