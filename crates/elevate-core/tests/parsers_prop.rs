//! Property tests for everything that reads what the network or a file hands us: the Graph
//! and ARM list items, pending requests, error envelopes and claims challenges, policy rules.
//! Any input parses or is refused; none panics.

use elevate_core::http::{claims_challenge, parse_error, policy_rules};
use elevate_core::model::Plane;
use elevate_core::{parse, policy};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Any JSON, with a bias towards the keys the parsers look for.
fn any_json() -> impl Strategy<Value = Value> {
    let keys = prop_oneof![
        Just("id".to_string()),
        Just("status".to_string()),
        Just("roleDefinitionId".to_string()),
        Just("roleDefinition".to_string()),
        Just("displayName".to_string()),
        Just("directoryScopeId".to_string()),
        Just("groupId".to_string()),
        Just("accessId".to_string()),
        Just("startDateTime".to_string()),
        Just("endDateTime".to_string()),
        Just("properties".to_string()),
        Just("scope".to_string()),
        Just("expandedProperties".to_string()),
        Just("error".to_string()),
        Just("code".to_string()),
        Just("message".to_string()),
        Just("maximumDuration".to_string()),
        Just("scheduleInfo".to_string()),
        Just("expiration".to_string()),
        Just("principal".to_string()),
        Just("principalId".to_string()),
        Just("alertIncidents".to_string()),
        Just("createdUsing".to_string()),
        Just("enabledRules".to_string()),
        "[a-zA-Z@.]{1,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        "\\PC{0,40}".prop_map(Value::String),
        Just(json!("2026-11-29T12:00:00Z")),
        Just(json!("/subscriptions/1/resourceGroups/rg")),
        Just(json!("PT8H")),
        Just(json!("PendingApproval")),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn list_items_parse_or_are_skipped(item in any_json(), active in any::<bool>()) {
        for a in [parse::entra(&item, active), parse::group(&item, active), parse::azure(&item, active), parse::pending_azure(&item)].into_iter().flatten() {
            prop_assert!(!a.key.is_empty());
        }
        let names = |_: &str| Some("A group".to_string());
        let _ = parse::pending_graph(&item, Plane::EntraRole, &names);
        let _ = parse::pending_graph(&item, Plane::Group, &names);
        let _ = parse::time(&item);
    }

    #[test]
    fn posture_sources_parse_or_are_skipped(item in any_json(), eligible in any::<bool>(), text in "\\PC{0,300}") {
        use elevate_core::pim::posture_parse as wire;
        let _ = wire::entra_grant(&item, eligible);
        let _ = wire::group_grant(&item, eligible, "g");
        let _ = wire::arm_grant(&item, eligible);
        let _ = wire::alert(&item);
        let _ = wire::incident(&item);
        let _ = wire::schedule_end(&item);
        if let Some(r) = wire::review_series(&item) {
            prop_assert!(r.role_ids.iter().all(|i| !i.is_empty()));
        }
        for id in wire::role_ids_in(&text) {
            prop_assert!(!id.is_empty() && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-'));
        }
    }

    #[test]
    fn error_envelopes_always_give_a_code_and_a_message(
        status in 100u16..600,
        body in prop_oneof![any_json().prop_map(|v| v.to_string().into_bytes()), prop::collection::vec(any::<u8>(), 0..200)],
        header in proptest::option::of("\\PC{0,80}"),
    ) {
        let e = parse_error(status, &body, None, header.as_deref(), Some(Plane::AzureResource));
        prop_assert!(!e.code().is_empty());
        prop_assert!(!e.to_string().is_empty());
    }

    #[test]
    fn claims_and_rules_never_panic(message in "\\PC{0,200}", code in "\\PC{0,40}", header in proptest::option::of("\\PC{0,200}")) {
        let _ = claims_challenge(&code, &message, header.as_deref());
        let _ = policy_rules(&message);
    }

    #[test]
    fn any_policy_rules_summarise(rules in prop::collection::vec(any_json(), 0..12)) {
        let p = policy::summarize(&rules);
        if let Some(max) = p.max_duration {
            prop_assert!(!max.is_empty());
        }
    }
}
