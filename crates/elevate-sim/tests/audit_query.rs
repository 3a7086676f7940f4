//! Querying the audit log (`GET /v1.0/auditLogs/directoryAudits`): `$filter`, `$orderby`,
//! paging, the 30-day retention, the two scopes and the reader role it needs, and the 400s.

mod audit_support;
mod common;

use audit_support::*;
use common::*;
use elevate_sim::{Scenario, Settings, SimServer};
use serde_json::{json, Value};

#[tokio::test]
async fn pages_follow_next_links_over_a_stable_snapshot() {
    let sim = start().await;
    let reader = audit_token(&sim, "alex@contoso.example").await;
    let filter = "loggedByService eq 'PIM'";
    let (s, everything) = audit(&sim, &reader, &[("$filter", filter)]).await;
    assert_eq!(s, 200);
    let all = value(&everything);
    assert!(all.len() > 4 && everything["@odata.nextLink"].is_null());

    let (_, first) = audit(&sim, &reader, &[("$filter", filter), ("$top", "4")]).await;
    assert_eq!(value(&first).len(), 4);
    let next = first["@odata.nextLink"].as_str().expect("next link");
    assert!(
        next.contains("$skiptoken=") || next.contains("%24skiptoken="),
        "{next}"
    );
    // A new event between pages does not shift them.
    let alex = sim.graph_token().await;
    let (s, _) = sim
        .graph(
            "POST",
            ENTRA_REQUESTS,
            &alex,
            Some(sim.entra_activation(GLOBAL_READER, "PT1H", None)),
        )
        .await;
    assert_eq!(s, 201);
    let (rest, pages) = sim.all_pages(next, &reader).await;
    assert!(pages >= 1);
    let mut paged = value(&first);
    paged.extend(rest);
    let ids = |v: &[Value]| v.iter().map(|r| r["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&paged), ids(&all));
    let times: Vec<&str> = paged
        .iter()
        .map(|r| r["activityDateTime"].as_str().unwrap_or_default())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    // Without the snapshot, the new rows are there.
    assert_eq!(rows_len(&sim, &reader, filter).await, all.len() + 2);
    // The sim's page size caps $top.
    sim.control("POST", "settings", json!({"graphPageSize": 3}))
        .await;
    let (_, small) = audit(&sim, &reader, &[("$top", "50")]).await;
    assert_eq!(value(&small).len(), 3);
    let (s, bad) = audit(&sim, &reader, &[("$skiptoken", "garbage")]).await;
    assert_eq!(
        (s, bad["error"]["code"].as_str()),
        (400, Some("BadRequest"))
    );
}

#[tokio::test]
async fn filters_select_by_time_initiator_prefix_category_and_target() {
    let sim = start().await;
    let reader = audit_token(&sim, "alex@contoso.example").await;
    let started = now(&sim).await;
    let alex = sim.graph_token().await;
    let (_, req) = sim
        .graph(
            "POST",
            ENTRA_REQUESTS,
            &alex,
            Some(sim.entra_activation(GLOBAL_READER, "PT1H", None)),
        )
        .await;
    let id = req["id"].as_str().expect("id");

    let recent = format!(
        "activityDateTime ge {}",
        iso(started - chrono::Duration::minutes(5))
    );
    let new_rows = all_rows(&sim, &reader, &recent).await;
    assert_eq!(new_rows.len(), 2, "only this activation is that recent");
    assert!(new_rows.iter().all(|r| of_type(r, "Request")["id"] == id));
    let quoted = format!(
        "loggedByService eq 'PIM' and activityDateTime ge '{}'",
        iso(started - chrono::Duration::minutes(5))
    );
    assert_eq!(rows_len(&sim, &reader, &quoted).await, 2);
    let cutoff = started - chrono::Duration::days(2);
    let old = all_rows(
        &sim,
        &reader,
        &format!("activityDateTime le {}", iso(cutoff)),
    )
    .await;
    assert!(!old.is_empty());
    assert!(old.iter().all(|r| {
        chrono::DateTime::parse_from_rfc3339(r["activityDateTime"].as_str().unwrap_or_default())
            .is_ok_and(|t| t <= cutoff)
    }));
    let window = format!(
        "activityDateTime ge {} and activityDateTime le {}",
        iso(started - chrono::Duration::days(30)),
        iso(started - chrono::Duration::minutes(5))
    );
    let all = all_rows(&sim, &reader, "loggedByService eq 'PIM'").await;
    assert_eq!(rows_len(&sim, &reader, &window).await, all.len() - 2);

    for (filter, check) in [
        (
            format!("initiatedBy/user/id eq '{MEGAN}'"),
            "/initiatedBy/user/id",
        ),
        (
            "initiatedBy/user/userPrincipalName eq 'LEE@contoso.example'".to_string(),
            "/initiatedBy/user/userPrincipalName",
        ),
        (
            "startswith(activityDisplayName,'Add member to role approval')".to_string(),
            "/activityDisplayName",
        ),
        ("category eq 'ResourceManagement'".to_string(), "/category"),
    ] {
        let found = all_rows(&sim, &reader, &filter).await;
        assert!(!found.is_empty(), "{filter}");
        assert!(found.len() < all.len(), "{filter} narrows");
        for r in &found {
            let v = r.pointer(check).and_then(Value::as_str).unwrap_or_default();
            let ok = match check {
                "/initiatedBy/user/id" => v == MEGAN,
                "/initiatedBy/user/userPrincipalName" => v == "lee@contoso.example",
                "/activityDisplayName" => {
                    v == "Add member to role approval requested (PIM activation)"
                }
                _ => v == "ResourceManagement",
            };
            assert!(ok, "{filter}: {r}");
        }
    }
    let by_target = all_rows(
        &sim,
        &reader,
        &format!("targetResources/any(x: x/id eq '{ALEX}')"),
    )
    .await;
    assert!(by_target.iter().any(|r| of_type(r, "Request")["id"] == id));
    assert!(by_target.iter().all(|r| r["targetResources"]
        .as_array()
        .is_some_and(|t| t.iter().any(|t| t["id"] == ALEX))));
    assert!(all_rows(
        &sim,
        &reader,
        "activityDisplayName eq 'PIM activation request expired'"
    )
    .await
    .is_empty());
}

#[tokio::test]
async fn only_the_last_30_days_are_returned() {
    let sim = start().await;
    let reader = audit_token(&sim, "alex@contoso.example").await;
    let before = all_rows(&sim, &reader, "loggedByService eq 'PIM'").await;
    assert!(!before.is_empty(), "the demo has history");
    sim.control("POST", "clock", json!({"advance": "P27D"}))
        .await;
    let reader = audit_token(&sim, "alex@contoso.example").await;
    let later = all_rows(&sim, &reader, "loggedByService eq 'PIM'").await;
    assert!(
        !later.is_empty() && later.len() < before.len(),
        "older than 30 days is gone"
    );
    sim.control("POST", "clock", json!({"advance": "P4D"}))
        .await;
    let alex = sim.graph_token().await;
    let (s, _) = sim
        .graph(
            "POST",
            ENTRA_REQUESTS,
            &alex,
            Some(sim.entra_activation(USER_ADMIN, "PT1H", Some("a month later"))),
        )
        .await;
    assert_eq!(s, 201);
    let reader = audit_token(&sim, "alex@contoso.example").await;
    let now_rows = all_rows(&sim, &reader, "").await;
    assert_eq!(now_rows.len(), 2, "{:?}", names(&now_rows));
    assert!(now_rows
        .iter()
        .all(|r| r["resultReason"] == "a month later"));
}

#[tokio::test]
async fn both_scopes_are_required() {
    let sim = start().await;
    let cases = [
        (
            GRAPH_SCOPES.to_string(),
            "AuditLog.Read.All,Directory.Read.All",
        ),
        (
            "openid https://graph.microsoft.com/AuditLog.Read.All".to_string(),
            "Directory.Read.All",
        ),
        (
            "openid https://graph.microsoft.com/Directory.Read.All".to_string(),
            "AuditLog.Read.All",
        ),
    ];
    for (scopes, missing) in cases {
        let token = sim.token_as("alex@contoso.example", &scopes).await;
        let (s, body) = audit(&sim, &token, &[]).await;
        assert_eq!(
            (s, body["error"]["code"].as_str()),
            (403, Some("UnknownError")),
            "{scopes}: {body}"
        );
        let inner: Value =
            serde_json::from_str(body["error"]["message"].as_str().expect("message"))
                .expect("wrapped");
        assert_eq!(inner["errorCode"], "PermissionScopeNotGranted");
        assert_eq!(
            inner["message"],
            format!("Authorization failed due to missing permission scope {missing}.")
        );
    }
    // An administrator who never consented to one of them: the token lacks it.
    sim.control(
        "POST",
        "settings",
        json!({"withheldScopes": ["Directory.Read.All"]}),
    )
    .await;
    let token = audit_token(&sim, "alex@contoso.example").await;
    assert_eq!(audit(&sim, &token, &[]).await.0, 403);
    sim.control("POST", "settings", json!({"withheldScopes": []}))
        .await;
    let token = audit_token(&sim, "alex@contoso.example").await;
    assert_eq!(audit(&sim, &token, &[]).await.0, 200);
    assert_eq!(sim.count("graph.directoryAudits").await, 5);
}

#[tokio::test]
async fn a_reader_role_is_required_and_activating_one_gives_access() {
    let sim = start().await;
    let megan = audit_token(&sim, "megan@contoso.example").await;
    let (s, body) = audit(&sim, &megan, &[]).await;
    assert_eq!(s, 403, "{body}");
    assert_eq!(body["error"]["code"], "Authorization_RequestDenied");
    assert_eq!(
        body["error"]["message"],
        "Insufficient privileges to complete the operation."
    );

    // Alex without his permanent Security Reader: refused until he activates Global Reader.
    let mut scenario = Scenario::builtin("demo").expect("demo");
    scenario
        .assignments
        .retain(|g| g.entra_role.as_deref() != Some(SECURITY_READER));
    let server = SimServer::start(
        scenario,
        Settings {
            auto_sign_in: Some(ALEX.into()),
            ..Settings::default()
        },
    )
    .await
    .expect("start sim");
    let sim = Sim {
        server,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
    };
    let reader = audit_token(&sim, "alex@contoso.example").await;
    let (s, body) = audit(&sim, &reader, &[]).await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (403, Some("Authorization_RequestDenied"))
    );
    let alex = sim.graph_token().await;
    let (s, req) = sim
        .graph(
            "POST",
            ENTRA_REQUESTS,
            &alex,
            Some(sim.entra_activation(GLOBAL_READER, "PT1H", None)),
        )
        .await;
    assert_eq!(s, 201, "{req}");
    let (s, page) = audit(&sim, &reader, &[("$top", "2")]).await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(
        of_type(&value(&page)[0], "Role")["displayName"],
        "Global Reader",
        "his own activation is the newest row"
    );
}

#[tokio::test]
async fn unsupported_filters_and_orderings_are_refused() {
    let sim = start().await;
    let reader = audit_token(&sim, "alex@contoso.example").await;
    for (k, v, named) in [
        ("$filter", "result eq 'success'", "result eq 'success'"),
        ("$filter", "category eq 'A' or category eq 'B'", "'or'"),
        (
            "$filter",
            "contains(activityDisplayName,'role')",
            "contains(",
        ),
        ("$filter", "category ne 'RoleManagement'", "category ne"),
        ("$orderby", "category desc", "category desc"),
        ("$top", "lots", "lots"),
    ] {
        let (s, body) = audit(&sim, &reader, &[(k, v)]).await;
        assert_eq!(s, 400, "{k}={v}: {body}");
        assert_eq!(body["error"]["code"], "BadRequest");
        let msg = body["error"]["message"].as_str().unwrap_or_default();
        assert!(msg.contains(named), "{k}={v}: {msg}");
    }
}
