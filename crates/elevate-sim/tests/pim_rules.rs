//! PIM activation rules over HTTP: policy rules, the activate/exists/five-minute/deactivate
//! cycle, expiry and validation-only requests on the sim clock, and back-to-back activations.

mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn policy_rules_are_enforced_and_named() {
    let sim = start().await;
    let token = sim.graph_token().await;
    // User Administrator: PT8H, justification, MFA.
    let (s, body) = sim
        .graph(
            "POST",
            ENTRA_REQUESTS,
            &token,
            Some(sim.entra_activation(USER_ADMIN, "PT2H", None)),
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (400, Some("RoleAssignmentRequestPolicyValidationFailed"))
    );
    assert_eq!(
        rules_of(&body),
        r#"The following policy rules failed: ["JustificationRule"]"#
    );
    let (_, body) = sim
        .graph(
            "POST",
            ENTRA_REQUESTS,
            &token,
            Some(sim.entra_activation(USER_ADMIN, "PT9H", None)),
        )
        .await;
    assert_eq!(
        rules_of(&body),
        r#"The following policy rules failed: ["ExpirationRule","JustificationRule"]"#
    );
    // Security Administrator needs a ticket.
    let (_, body) = sim
        .graph(
            "POST",
            ENTRA_REQUESTS,
            &token,
            Some(sim.entra_activation(SECURITY_ADMIN, "PT1H", Some("incident"))),
        )
        .await;
    assert_eq!(
        rules_of(&body),
        r#"The following policy rules failed: ["TicketingRule"]"#
    );
    let mut ok = sim.entra_activation(SECURITY_ADMIN, "PT1H", Some("incident"));
    ok["ticketInfo"] = json!({"ticketNumber": "INC-1", "ticketSystem": "ServiceNow"});
    let (s, body) = sim.graph("POST", ENTRA_REQUESTS, &token, Some(ok)).await;
    assert_eq!(
        (s, body["status"].as_str()),
        (201, Some("Provisioned")),
        "{body}"
    );
    assert_eq!(body["ticketInfo"]["ticketNumber"], "INC-1");
    // MFA: a sign-in without MFA fails MfaRule.
    sim.control("POST", "settings", json!({"autoMfa": false}))
        .await;
    let no_mfa = sim.graph_token().await;
    let (_, body) = sim
        .graph(
            "POST",
            ENTRA_REQUESTS,
            &no_mfa,
            Some(sim.entra_activation(USER_ADMIN, "PT1H", Some("x"))),
        )
        .await;
    assert_eq!(
        rules_of(&body),
        r#"The following policy rules failed: ["MfaRule"]"#
    );
    // Not eligible.
    let (_, body) = sim
        .graph(
            "POST",
            ENTRA_REQUESTS,
            &token,
            Some(sim.entra_activation("11111111-1111-1111-1111-111111111111", "PT1H", Some("x"))),
        )
        .await;
    assert_eq!(
        rules_of(&body),
        r#"The following policy rules failed: ["EligibilityRule"]"#
    );
    // Someone else's principalId.
    let mut other = sim.entra_activation(USER_ADMIN, "PT1H", Some("x"));
    other["principalId"] = json!("2b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b");
    assert_eq!(
        sim.graph("POST", ENTRA_REQUESTS, &token, Some(other))
            .await
            .0,
        403
    );
}

#[tokio::test]
async fn activate_then_exists_then_five_minute_rule_then_deactivate() {
    let sim = start().await;
    let token = sim.graph_token().await;
    let (s, req) = sim
        .graph(
            "POST",
            ENTRA_REQUESTS,
            &token,
            Some(sim.entra_activation(USER_ADMIN, "PT2H", Some("work"))),
        )
        .await;
    assert_eq!((s, req["status"].as_str()), (201, Some("Provisioned")));
    let (_, active) = sim.graph("GET", ENTRA_ACTIVE, &token, None).await;
    let mine: Vec<&Value> = active["value"]
        .as_array()
        .expect("v")
        .iter()
        .filter(|a| a["roleDefinitionId"] == USER_ADMIN)
        .collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["assignmentType"], "Activated");
    let (_, body) = sim
        .graph(
            "POST",
            ENTRA_REQUESTS,
            &token,
            Some(sim.entra_activation(USER_ADMIN, "PT2H", Some("again"))),
        )
        .await;
    assert_eq!(body["error"]["code"], "RoleAssignmentExists");

    let deactivate = json!({"action": "selfDeactivate", "principalId": ALEX, "roleDefinitionId": USER_ADMIN, "directoryScopeId": "/"});
    let (s, body) = sim
        .graph("POST", ENTRA_REQUESTS, &token, Some(deactivate.clone()))
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (400, Some("ActiveDurationTooShort"))
    );
    sim.control("POST", "clock", json!({"advance": "PT6M"}))
        .await;
    let (s, body) = sim
        .graph("POST", ENTRA_REQUESTS, &token, Some(deactivate.clone()))
        .await;
    assert_eq!(
        (s, body["status"].as_str()),
        (201, Some("Revoked")),
        "{body}"
    );
    let (_, active) = sim.graph("GET", ENTRA_ACTIVE, &token, None).await;
    assert!(!active["value"]
        .as_array()
        .expect("v")
        .iter()
        .any(|a| a["roleDefinitionId"] == USER_ADMIN));
    let (_, body) = sim
        .graph("POST", ENTRA_REQUESTS, &token, Some(deactivate))
        .await;
    assert_eq!(body["error"]["code"], "RoleAssignmentDoesNotExist");
}

#[tokio::test]
async fn activations_expire_on_the_sim_clock_and_validation_only_keeps_nothing() {
    let sim = start().await;
    let token = sim.graph_token().await;
    let mut check = sim.entra_activation(INTUNE_ADMIN, "PT1H", Some("check"));
    check["isValidationOnly"] = json!(true);
    let (s, body) = sim.graph("POST", ENTRA_REQUESTS, &token, Some(check)).await;
    assert_eq!((s, body["isValidationOnly"].as_bool()), (201, Some(true)));
    let (_, active) = sim.graph("GET", ENTRA_ACTIVE, &token, None).await;
    assert!(!active["value"]
        .as_array()
        .expect("v")
        .iter()
        .any(|a| a["roleDefinitionId"] == INTUNE_ADMIN));

    let (s, _) = sim
        .graph(
            "POST",
            ENTRA_REQUESTS,
            &token,
            Some(sim.entra_activation(INTUNE_ADMIN, "PT1H", Some("now"))),
        )
        .await;
    assert_eq!(s, 201);
    sim.control("POST", "clock", json!({"advance": "PT59M"}))
        .await;
    let token = sim.graph_token().await;
    let (_, active) = sim.graph("GET", ENTRA_ACTIVE, &token, None).await;
    assert!(active["value"]
        .as_array()
        .expect("v")
        .iter()
        .any(|a| a["roleDefinitionId"] == INTUNE_ADMIN));
    sim.control("POST", "clock", json!({"advance": "PT2M"}))
        .await;
    let (_, active) = sim.graph("GET", ENTRA_ACTIVE, &token, None).await;
    assert!(
        !active["value"]
            .as_array()
            .expect("v")
            .iter()
            .any(|a| a["roleDefinitionId"] == INTUNE_ADMIN),
        "expired after an hour"
    );
}

#[tokio::test]
async fn eligibilities_end_on_the_sim_clock() {
    let sim = start().await;
    let token = sim.graph_token().await;
    let (_, eligible) = sim.graph("GET", ENTRA_ELIGIBLE, &token, None).await;
    let reader = eligible["value"]
        .as_array()
        .expect("v")
        .iter()
        .find(|e| e["roleDefinitionId"] == GLOBAL_READER)
        .cloned()
        .expect("global reader");
    assert!(
        reader["endDateTime"].is_string(),
        "the eligibility ending within 14 days"
    );
    sim.control("POST", "clock", json!({"advance": "P10D"}))
        .await;
    let token = sim.graph_token().await;
    let (_, eligible) = sim.graph("GET", ENTRA_ELIGIBLE, &token, None).await;
    assert!(!eligible["value"]
        .as_array()
        .expect("v")
        .iter()
        .any(|e| e["roleDefinitionId"] == GLOBAL_READER));
}

#[tokio::test]
async fn a_new_activation_can_start_at_the_end_of_the_current_one() {
    let sim = start().await;
    let token = sim.graph_token().await;
    let (_, first) = sim
        .graph(
            "POST",
            ENTRA_REQUESTS,
            &token,
            Some(sim.entra_activation(USER_ADMIN, "PT1H", Some("a"))),
        )
        .await;
    let (_, active) = sim.graph("GET", ENTRA_ACTIVE, &token, None).await;
    let end = active["value"]
        .as_array()
        .expect("v")
        .iter()
        .find(|a| a["roleDefinitionId"] == USER_ADMIN)
        .expect("active")["endDateTime"]
        .clone();
    assert_eq!(first["status"], "Provisioned");
    let mut next = sim.entra_activation(USER_ADMIN, "PT1H", Some("b"));
    next["scheduleInfo"]["startDateTime"] = end.clone();
    let (s, second) = sim.graph("POST", ENTRA_REQUESTS, &token, Some(next)).await;
    assert_eq!(
        (s, second["status"].as_str()),
        (201, Some("Granted")),
        "{second}"
    );
    sim.control("POST", "clock", json!({"advance": "PT61M"}))
        .await;
    let token = sim.graph_token().await;
    let (_, active) = sim.graph("GET", ENTRA_ACTIVE, &token, None).await;
    let mine: Vec<&Value> = active["value"]
        .as_array()
        .expect("v")
        .iter()
        .filter(|a| a["roleDefinitionId"] == USER_ADMIN)
        .collect();
    assert_eq!(
        mine.len(),
        1,
        "the scheduled activation took over without a gap"
    );
    assert_eq!(mine[0]["startDateTime"], end);
    // selfExtend is a request to an administrator, not an instant extension.
    let extend = json!({"action": "selfExtend", "principalId": ALEX, "roleDefinitionId": USER_ADMIN, "directoryScopeId": "/", "justification": "more",
        "scheduleInfo": {"expiration": {"type": "afterDuration", "duration": "PT1H"}}});
    let (s, body) = sim
        .graph("POST", ENTRA_REQUESTS, &token, Some(extend))
        .await;
    assert_eq!(
        (s, body["status"].as_str()),
        (201, Some("PendingAdminDecision"))
    );
}
