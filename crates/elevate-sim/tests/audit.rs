//! The directory audit log of PIM events as they happen (`GET /v1.0/auditLogs/directoryAudits`):
//! the rows of an activation, an approval, a denial, a cancel, a deactivation and an expiry on
//! each plane, in Graph's shape, and the demo's seeded history. Querying is in audit_query.rs.

mod audit_support;
mod common;

use audit_support::*;
use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn an_activation_is_logged_requested_then_completed_in_graphs_shape() {
    let sim = start().await;
    let alex = sim.graph_token().await;
    let mut body = sim.entra_activation(SECURITY_ADMIN, "PT1H", Some("Rotate the keys"));
    body["ticketInfo"] = json!({"ticketNumber": "CHG-7", "ticketSystem": "ServiceNow"});
    let (s, req) = sim.graph("POST", ENTRA_REQUESTS, &alex, Some(body)).await;
    assert_eq!(s, 201, "{req}");
    let id = req["id"].as_str().expect("id");

    let reader = audit_token(&sim, "alex@contoso.example").await;
    let (s, page) = audit(&sim, &reader, &[("$filter", &about(id))]).await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(
        page["@odata.context"],
        "https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits"
    );
    let rows = value(&page);
    assert_eq!(
        names(&rows),
        [
            "Add member to role completed (PIM activation)",
            "Add member to role requested (PIM activation)"
        ],
        "newest first"
    );
    for row in &rows {
        assert!(row["id"].as_str().is_some_and(|i| i.starts_with("PIM_")));
        assert_eq!(row["category"], "RoleManagement");
        assert_eq!(row["loggedByService"], "PIM");
        assert_eq!(row["result"], "success");
        assert_eq!(row["resultReason"], "Rotate the keys");
        assert_eq!(row["initiatedBy"]["app"], Value::Null);
        assert_eq!(row["initiatedBy"]["user"]["id"], ALEX);
        assert_eq!(row["initiatedBy"]["user"]["displayName"], "Alex Wilber");
        assert_eq!(
            row["initiatedBy"]["user"]["userPrincipalName"],
            "alex@contoso.example"
        );
        let when = row["activityDateTime"].as_str().expect("time");
        assert!(when.ends_with('Z') && when.contains('.'), "{when}");
        assert!(chrono::DateTime::parse_from_rfc3339(when).is_ok());
        let types: Vec<&str> = row["targetResources"]
            .as_array()
            .expect("targets")
            .iter()
            .map(|t| t["type"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(types, ["Role", "Request", "User", "Directory", "Other"]);
        let role = of_type(row, "Role");
        assert_eq!(
            (role["id"].as_str(), role["displayName"].as_str()),
            (Some(SECURITY_ADMIN), Some("Security Administrator"))
        );
        assert!(role["modifiedProperties"]
            .as_array()
            .expect("props")
            .iter()
            .any(|p| p["displayName"] == "TemplateId"));
        assert_eq!(of_type(row, "Request")["id"], id);
        assert_eq!(of_type(row, "User")["id"], ALEX);
        assert_eq!(of_type(row, "User")["displayName"], "Alex Wilber");
        assert_eq!(detail(row, "RequestId"), Some(id));
        assert_eq!(detail(row, "Justification"), Some("Rotate the keys"));
        assert_eq!(detail(row, "TicketNumber"), Some("CHG-7"));
        assert!(detail(row, "StartTime").is_some());
    }
    assert_eq!(rows[0]["operationType"], "Update");
    assert_eq!(rows[1]["operationType"], "Add");
    assert_eq!(
        rows[0]["correlationId"], rows[1]["correlationId"],
        "one request, one correlation"
    );

    // One record by id, and the filter on its correlation id.
    let rid = rows[0]["id"].as_str().expect("id");
    let (s, one) = sim
        .graph("GET", &format!("{AUDIT}/{rid}"), &reader, None)
        .await;
    assert_eq!(
        (s, &one["activityDisplayName"]),
        (200, &rows[0]["activityDisplayName"])
    );
    let corr = rows[0]["correlationId"].as_str().expect("correlation");
    let filter = format!("correlationId eq '{corr}'");
    assert_eq!(rows_len(&sim, &reader, &filter).await, 2);
    let (s, _) = sim
        .graph("GET", &format!("{AUDIT}/PIM_nothing"), &reader, None)
        .await;
    assert_eq!(s, 404);
    assert!(sim.count("graph.directoryAudits").await >= 3);

    // isValidationOnly logs nothing.
    let mut check = sim.entra_activation(USER_ADMIN, "PT1H", Some("just checking"));
    check["isValidationOnly"] = json!(true);
    let (s, _) = sim.graph("POST", ENTRA_REQUESTS, &alex, Some(check)).await;
    assert_eq!(s, 201);
    let filter = "startswith(activityDisplayName,'Add member') and initiatedBy/user/id eq '7c4f2a1e-9d3b-4e8a-b5c6-0f1e2d3c4b5a'";
    let mine = all_rows(&sim, &reader, filter).await;
    assert!(mine.iter().all(|r| r["resultReason"] != "just checking"));
}

#[tokio::test]
async fn an_approval_is_logged_with_the_approver_as_initiator() {
    let sim = start().await;
    let alex = sim.graph_token().await;
    let (_, req) = sim
        .graph(
            "POST",
            ENTRA_REQUESTS,
            &alex,
            Some(sim.entra_activation(PRA, "PT1H", Some("db migration"))),
        )
        .await;
    let id = req["id"].as_str().expect("id").to_string();
    let megan = sim.token_as("megan@contoso.example", GRAPH_SCOPES).await;
    let (_, approval) = sim
        .graph_beta("GET", &format!("{ROLE_APPROVALS}/{id}"), &megan, None)
        .await;
    let step = approval["steps"][0]["id"].as_str().expect("step");
    let (s, body) = sim
        .graph_beta(
            "PATCH",
            &format!("{ROLE_APPROVALS}/{id}/steps/{step}"),
            &megan,
            Some(json!({"reviewResult": "Approve", "justification": "Go ahead"})),
        )
        .await;
    assert_eq!(s, 204, "{body}");

    let reader = audit_token(&sim, "alex@contoso.example").await;
    let (s, page) = audit(
        &sim,
        &reader,
        &[
            ("$filter", &about(&id)),
            ("$orderby", "activityDateTime asc"),
        ],
    )
    .await;
    assert_eq!(s, 200, "{page}");
    let rows = value(&page);
    assert_eq!(
        names(&rows),
        [
            "Add member to role requested (PIM activation)",
            "Add member to role approval requested (PIM activation)",
            "Add member to role request approved (PIM activation)",
            "Add member to role completed (PIM activation)"
        ]
    );
    let initiators: Vec<&str> = rows
        .iter()
        .map(|r| r["initiatedBy"]["user"]["id"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(initiators, [ALEX, ALEX, MEGAN, ALEX]);
    assert_eq!(rows[2]["initiatedBy"]["user"]["displayName"], "Megan Bowen");
    assert_eq!(rows[2]["resultReason"], "Go ahead", "the approver's words");
    assert_eq!(of_type(&rows[2], "User")["id"], ALEX, "the principal");
    assert!(rows
        .iter()
        .all(|r| r["correlationId"] == rows[0]["correlationId"]));
}

#[tokio::test]
async fn a_denial_is_logged_and_nothing_completes() {
    let sim = start().await;
    let id = pending_request(
        &sim,
        json!({"user": LEE, "plane": "entra", "role": CA_ADMIN, "justification": "Review the policies"}),
    )
    .await;
    let alex = sim.graph_token().await;
    let (_, approval) = sim
        .graph_beta("GET", &format!("{ROLE_APPROVALS}/{id}"), &alex, None)
        .await;
    let step = approval["steps"][0]["id"].as_str().expect("step");
    let (s, body) = sim
        .graph_beta(
            "PATCH",
            &format!("{ROLE_APPROVALS}/{id}/steps/{step}"),
            &alex,
            Some(json!({"reviewResult": "Deny", "justification": "Not now"})),
        )
        .await;
    assert_eq!(s, 204, "{body}");
    let reader = audit_token(&sim, "alex@contoso.example").await;
    let rows = all_rows(&sim, &reader, &about(&id)).await;
    assert_eq!(
        names(&rows),
        [
            "Add member to role request denied (PIM activation)",
            "Add member to role approval requested (PIM activation)",
            "Add member to role requested (PIM activation)"
        ]
    );
    assert_eq!(rows[0]["initiatedBy"]["user"]["id"], ALEX);
    assert_eq!(rows[0]["resultReason"], "Not now");
    assert_eq!(
        rows[2]["initiatedBy"]["user"]["userPrincipalName"],
        "lee@contoso.example"
    );
    assert_eq!(rows[2]["resultReason"], "Review the policies");
}

#[tokio::test]
async fn group_and_azure_requests_carry_their_category_and_targets() {
    let sim = start().await;
    let graph = sim.graph_token().await;
    let body = json!({"accessId": "member", "principalId": ALEX, "groupId": SOC, "action": "selfActivate",
        "scheduleInfo": {"startDateTime": null, "expiration": {"type": "afterDuration", "duration": "PT2H"}}, "justification": "triage"});
    let (s, group_req) = sim.graph("POST", GROUP_REQUESTS, &graph, Some(body)).await;
    assert_eq!(s, 201, "{group_req}");
    let group_id = group_req["id"].as_str().expect("id");
    let arm = sim.arm_token().await;
    let name = uuid::Uuid::new_v4().to_string();
    let body = json!({"properties": {"principalId": ALEX, "roleDefinitionId": format!("{DEV}/providers/Microsoft.Authorization/roleDefinitions/{CONTRIBUTOR}"),
        "requestType": "SelfActivate", "justification": "deploy", "scheduleInfo": {"expiration": {"type": "AfterDuration", "duration": "PT1H"}}}});
    let (s, created) = sim
        .arm(
            "PUT",
            &format!("{DEV}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{name}?{API}"),
            &arm,
            Some(body),
        )
        .await;
    assert_eq!(s, 201, "{created}");

    let reader = audit_token(&sim, "alex@contoso.example").await;
    let group_rows = all_rows(
        &sim,
        &reader,
        &format!("category eq 'GroupManagement' and {}", about(group_id)),
    )
    .await;
    assert_eq!(group_rows.len(), 2);
    for row in &group_rows {
        assert_eq!(row["category"], "GroupManagement");
        assert_eq!(row["targetResources"][0]["type"], "Group");
        assert_eq!(of_type(row, "Group")["id"], SOC);
        assert_eq!(of_type(row, "Group")["displayName"], "SOC Analysts");
        assert_eq!(of_type(row, "Directory")["id"], Value::Null);
        assert_eq!(detail(row, "AccessId"), Some("member"));
    }
    let azure_rows = all_rows(&sim, &reader, &about(&name)).await;
    assert_eq!(
        names(&azure_rows),
        [
            "Add member to role completed (PIM activation)",
            "Add member to role requested (PIM activation)"
        ]
    );
    for row in &azure_rows {
        assert_eq!(row["category"], "ResourceManagement");
        let types: Vec<&str> = row["targetResources"]
            .as_array()
            .expect("targets")
            .iter()
            .map(|t| t["type"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(types, ["Role", "Request", "User", "Other"]);
        assert_eq!(of_type(row, "Role")["displayName"], "Contributor");
        assert_eq!(of_type(row, "Other")["id"], DEV);
        assert_eq!(of_type(row, "Other")["displayName"], "Contoso Development");
        assert_eq!(row["resultReason"], "deploy");
    }
}

#[tokio::test]
async fn cancel_deactivation_and_expiry_are_logged() {
    let sim = start().await;
    let alex = sim.graph_token().await;
    let (_, pra) = sim
        .graph(
            "POST",
            ENTRA_REQUESTS,
            &alex,
            Some(sim.entra_activation(PRA, "PT1H", Some("oops"))),
        )
        .await;
    let pra = pra["id"].as_str().expect("id").to_string();
    let (s, _) = sim
        .graph(
            "POST",
            &format!("{ENTRA_REQUESTS}/{pra}/cancel"),
            &alex,
            None,
        )
        .await;
    assert_eq!(s, 204);
    let (s, _) = sim
        .graph(
            "POST",
            ENTRA_REQUESTS,
            &alex,
            Some(sim.entra_activation(USER_ADMIN, "PT1H", Some("reset a password"))),
        )
        .await;
    assert_eq!(s, 201);
    sim.control("POST", "clock", json!({"advance": "PT6M"}))
        .await;
    let off = json!({"action": "selfDeactivate", "principalId": ALEX, "roleDefinitionId": USER_ADMIN, "directoryScopeId": "/"});
    let (s, done) = sim.graph("POST", ENTRA_REQUESTS, &alex, Some(off)).await;
    assert_eq!(s, 201, "{done}");
    let off_id = done["id"].as_str().expect("id").to_string();
    let lee = pending_request(
        &sim,
        json!({"user": LEE, "plane": "entra", "role": CA_ADMIN, "justification": "later"}),
    )
    .await;
    let asked = now(&sim).await;
    sim.control("POST", "clock", json!({"advance": "PT25H"}))
        .await;

    let reader = audit_token(&sim, "alex@contoso.example").await;
    assert_eq!(
        names(&all_rows(&sim, &reader, &about(&pra)).await)[0],
        "Add member to role canceled (PIM activation)"
    );
    let off_rows = all_rows(&sim, &reader, &about(&off_id)).await;
    let mut off_names = names(&off_rows);
    off_names.sort();
    assert_eq!(
        off_names,
        [
            "Remove member from role completed (PIM deactivate)",
            "Remove member from role requested (PIM deactivate)"
        ]
    );
    assert!(off_rows.iter().all(|r| r["operationType"] == "Delete"));
    let expired = all_rows(
        &sim,
        &reader,
        "activityDisplayName eq 'PIM activation request expired'",
    )
    .await;
    assert_eq!(expired.len(), 1, "{expired:?}");
    assert_eq!(of_type(&expired[0], "Request")["id"], lee.as_str());
    assert_eq!(expired[0]["result"], "failure");
    let at =
        chrono::DateTime::parse_from_rfc3339(expired[0]["activityDateTime"].as_str().expect("t"))
            .expect("time");
    let expected = asked + chrono::Duration::hours(24);
    assert!(
        (at.with_timezone(&chrono::Utc) - expected)
            .num_seconds()
            .abs()
            < 5,
        "expired 24 hours after the request"
    );
}

#[tokio::test]
async fn the_demo_starts_with_a_few_days_of_history() {
    let sim = start().await;
    let reader = audit_token(&sim, "alex@contoso.example").await;
    let seeded = all_rows(&sim, &reader, "loggedByService eq 'PIM'").await;
    assert!((6..=12).contains(&seeded.len()), "{:?}", names(&seeded));
    let started = now(&sim).await;
    for r in &seeded {
        let t = chrono::DateTime::parse_from_rfc3339(r["activityDateTime"].as_str().expect("t"))
            .expect("time");
        let age = started - t.with_timezone(&chrono::Utc);
        assert!(
            age > chrono::Duration::hours(12) && age < chrono::Duration::days(6),
            "{r}"
        );
    }
    let mut categories: Vec<&str> = seeded
        .iter()
        .filter_map(|r| r["category"].as_str())
        .collect();
    categories.sort();
    categories.dedup();
    assert_eq!(
        categories,
        ["GroupManagement", "ResourceManagement", "RoleManagement"]
    );
    for user in [ALEX, MEGAN, LEE] {
        assert!(
            seeded
                .iter()
                .any(|r| r["initiatedBy"]["user"]["id"] == user),
            "{user} initiated something"
        );
    }
    let all_names = names(&seeded);
    for name in [
        "Add member to role request approved (PIM activation)",
        "Add member to role request denied (PIM activation)",
        "Add member to role completed (PIM activation)",
    ] {
        assert!(all_names.contains(&name), "{name}");
    }
    // The same scenario seeds the same rows.
    let again = start().await;
    let token = audit_token(&again, "alex@contoso.example").await;
    let ids = |v: &[Value]| v.iter().map(|r| r["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&all_rows(&again, &token, "").await), ids(&seeded));
}
