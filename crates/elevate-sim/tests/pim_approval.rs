//! PIM requests that wait: the auth-context challenge, approval and an approver's decision,
//! and cancelling or denying a pending request (but not a completed one).

mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn auth_context_then_approval_then_decision() {
    let sim = start().await;
    let token = sim.graph_token().await;
    let body = sim.entra_activation(GLOBAL_ADMIN, "PT1H", Some("change window"));
    let (s, err) = sim
        .graph("POST", ENTRA_REQUESTS, &token, Some(body.clone()))
        .await;
    assert_eq!(
        (s, err["error"]["code"].as_str()),
        (400, Some("RoleAssignmentRequestAcrsValidationFailed"))
    );
    let msg = rules_of(&err);
    let claims = msg.split("&claims=").nth(1).expect("claims in the message");
    let decoded = percent_encoding::percent_decode_str(claims)
        .decode_utf8()
        .expect("utf8");
    let parsed: Value = serde_json::from_str(&decoded).expect("claims JSON");
    assert_eq!(parsed["access_token"]["acrs"]["value"], "c1");

    let stepped = sim
        .sign_in(ELEVATE_CLIENT, GRAPH_SCOPES, &[("claims", &decoded)])
        .await;
    let stepped = stepped["access_token"].as_str().expect("at");
    let (s, req) = sim
        .graph("POST", ENTRA_REQUESTS, stepped, Some(body.clone()))
        .await;
    assert_eq!(
        (s, req["status"].as_str()),
        (201, Some("PendingApproval")),
        "a 201 that is not yet access"
    );
    assert!(req["approvalId"].is_string());
    let (_, active) = sim.graph("GET", ENTRA_ACTIVE, stepped, None).await;
    assert!(!active["value"]
        .as_array()
        .expect("v")
        .iter()
        .any(|a| a["roleDefinitionId"] == GLOBAL_ADMIN));
    let (_, again) = sim
        .graph("POST", ENTRA_REQUESTS, stepped, Some(body.clone()))
        .await;
    assert_eq!(again["error"]["code"], "PendingRoleAssignmentRequest");
    let pending = sim.control("GET", "approvals", json!(null)).await;
    assert_eq!(pending.as_array().map(Vec::len), Some(1));

    let id = req["id"].as_str().expect("id");
    let decided = sim
        .control("POST", &format!("approvals/{id}/approve"), json!(null))
        .await;
    assert_eq!(decided["status"], "Provisioned");
    let (_, active) = sim.graph("GET", ENTRA_ACTIVE, stepped, None).await;
    assert!(active["value"]
        .as_array()
        .expect("v")
        .iter()
        .any(|a| a["roleDefinitionId"] == GLOBAL_ADMIN));
    let (_, got) = sim
        .graph("GET", &format!("{ENTRA_REQUESTS}/{id}"), stepped, None)
        .await;
    assert_eq!(got["status"], "Provisioned");
}

#[tokio::test]
async fn pending_requests_can_be_cancelled_or_denied_but_not_after_completion() {
    let sim = start().await;
    let token = sim.graph_token().await;
    // Privileged Role Administrator needs approval (no auth context).
    let pra = "e8611ab8-c189-46e8-94e1-60213ab1f814";
    let (_, req) = sim
        .graph(
            "POST",
            ENTRA_REQUESTS,
            &token,
            Some(sim.entra_activation(pra, "PT1H", Some("x"))),
        )
        .await;
    assert_eq!(req["status"], "PendingApproval");
    let id = req["id"].as_str().expect("id");
    assert_eq!(
        sim.graph(
            "POST",
            &format!("{ENTRA_REQUESTS}/{id}/cancel"),
            &token,
            None
        )
        .await
        .0,
        204
    );
    let (_, got) = sim
        .graph("GET", &format!("{ENTRA_REQUESTS}/{id}"), &token, None)
        .await;
    assert_eq!(got["status"], "Canceled");
    assert_eq!(
        sim.graph(
            "POST",
            &format!("{ENTRA_REQUESTS}/{id}/cancel"),
            &token,
            None
        )
        .await
        .0,
        400
    );

    let (_, req) = sim
        .graph(
            "POST",
            ENTRA_REQUESTS,
            &token,
            Some(sim.entra_activation(pra, "PT1H", Some("x"))),
        )
        .await;
    let id = req["id"].as_str().expect("id");
    assert_eq!(
        sim.control("POST", &format!("approvals/{id}/deny"), json!(null))
            .await["status"],
        "Denied"
    );
    let (_, mine) = sim.graph("GET", "/roleManagement/directory/roleAssignmentScheduleRequests/filterByCurrentUser(on='principal')", &token, None).await;
    let statuses: Vec<&str> = mine["value"]
        .as_array()
        .expect("v")
        .iter()
        .filter_map(|r| r["status"].as_str())
        .collect();
    assert_eq!(statuses, vec!["Canceled", "Denied"]);
}
