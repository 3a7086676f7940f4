//! PIM behaviour over HTTP: lists and paging, policy rules, approval, auth context, the
//! five-minute rule, expiry, cancel, groups, policies, batch, token checks, ARM.

mod common;

use common::*;
use serde_json::{json, Value};

fn rules_of(body: &Value) -> String {
    body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn graph_lists_page_with_next_links_and_expand_role_names() {
    let sim = start().await;
    sim.control("POST", "settings", json!({"pageSize": 3}))
        .await;
    let token = sim.graph_token().await;
    let url = format!(
        "{}/v1.0{ENTRA_ELIGIBLE}?$expand=roleDefinition($select=id,displayName)",
        sim.server.graph_url()
    );
    let (items, pages) = sim.all_pages(&url, &token).await;
    assert_eq!(items.len(), 13, "every eligible directory role of Alex");
    assert!(pages >= 5, "page size 3 forces paging ({pages} pages)");
    let names: Vec<&str> = items
        .iter()
        .filter_map(|i| i["roleDefinition"]["displayName"].as_str())
        .collect();
    assert!(names.contains(&"Global Administrator") && names.contains(&"Helpdesk Administrator"));
    assert!(
        items
            .iter()
            .all(|i| i["roleDefinition"].get("rolePermissions").is_none()),
        "nested $select keeps it small"
    );
    assert!(items
        .iter()
        .any(|i| i["directoryScopeId"]
            == "/administrativeUnits/6e5d4c3b-2a1f-4e0d-9c8b-7a6f5e4d3c2b"));
    let (s, body) = sim
        .graph(
            "GET",
            &format!("{ENTRA_ELIGIBLE}?$expand=nonsense"),
            &token,
            None,
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (400, Some("BadRequest"))
    );
    let (s, _) = sim.graph("GET", "/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='everyone')", &token, None).await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn tokens_are_checked_for_audience_and_scope() {
    let sim = start().await;
    let arm = sim.arm_token().await;
    let (s, body) = sim.graph("GET", "/me", &arm, None).await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (401, Some("InvalidAuthenticationToken"))
    );
    let graph = sim.graph_token().await;
    let (s, body) = sim
        .arm(
            "GET",
            &format!("{ARM_ELIGIBLE}?{API}&$filter=asTarget()"),
            &graph,
            None,
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (401, Some("InvalidAuthenticationTokenAudience"))
    );
    // A token with only User.Read cannot list PIM: 403 in the observed wrapped shape.
    let narrow = sim
        .sign_in(
            ELEVATE_CLIENT,
            "openid https://graph.microsoft.com/User.Read",
            &[],
        )
        .await;
    let narrow = narrow["access_token"].as_str().expect("at");
    assert_eq!(sim.graph("GET", "/me", narrow, None).await.0, 200);
    let (s, body) = sim.graph("GET", ENTRA_ELIGIBLE, narrow, None).await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (403, Some("UnknownError"))
    );
    let inner: Value = serde_json::from_str(body["error"]["message"].as_str().expect("msg"))
        .expect("wrapped JSON");
    assert_eq!(inner["errorCode"], "PermissionScopeNotGranted");
    // Expired tokens are refused on the sim clock.
    sim.control("POST", "clock", json!({"advance": "PT2H"}))
        .await;
    let (s, body) = sim.graph("GET", "/me", &graph, None).await;
    assert_eq!(s, 401);
    assert!(rules_of(&body).contains("expired"));
}

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

#[tokio::test]
async fn groups_list_with_names_activate_and_refuse_self_extend() {
    let sim = start().await;
    let token = sim.graph_token().await;
    let (_, eligible) = sim
        .graph(
            "GET",
            &format!("{GROUP_ELIGIBLE}?$expand=group"),
            &token,
            None,
        )
        .await;
    let items = eligible["value"].as_array().expect("v");
    assert_eq!(items.len(), 6);
    assert!(items
        .iter()
        .any(|i| i["group"]["displayName"] == "Cloud Ops Break-glass" && i["accessId"] == "owner"));
    let body = json!({"accessId": "member", "principalId": ALEX, "groupId": BREAK_GLASS, "action": "selfActivate", "justification": "on call",
        "scheduleInfo": {"expiration": {"type": "afterDuration", "duration": "PT2H"}}});
    let (s, req) = sim
        .graph("POST", GROUP_REQUESTS, &token, Some(body.clone()))
        .await;
    assert_eq!((s, req["status"].as_str()), (201, Some("Provisioned")));
    let (_, active) = sim
        .graph(
            "GET",
            &format!("{GROUP_ACTIVE}?$expand=group"),
            &token,
            None,
        )
        .await;
    assert!(active["value"]
        .as_array()
        .expect("v")
        .iter()
        .any(|a| a["groupId"] == BREAK_GLASS && a["assignmentType"] == "activated"));
    let (_, groups) = sim
        .graph(
            "GET",
            &format!("/groups?$filter=id in ('{BREAK_GLASS}')"),
            &token,
            None,
        )
        .await;
    assert_eq!(groups["value"][0]["displayName"], "Cloud Ops Break-glass");
    let mut extend = body;
    extend["action"] = json!("selfExtend");
    assert_eq!(
        sim.graph("POST", GROUP_REQUESTS, &token, Some(extend))
            .await
            .0,
        400
    );
    let (_, member_of) = sim.graph("GET", "/me/memberOf", &token, None).await;
    assert!(
        member_of["value"]
            .as_array()
            .expect("v")
            .iter()
            .any(|g| g["id"] == BREAK_GLASS),
        "the ready check can see the membership"
    );
}

#[tokio::test]
async fn policies_need_the_documented_filter_and_carry_the_rules() {
    let sim = start().await;
    let token = sim.graph_token().await;
    let (s, _) = sim
        .graph(
            "GET",
            "/policies/roleManagementPolicyAssignments",
            &token,
            None,
        )
        .await;
    assert_eq!(s, 400, "the filter on scopeId and scopeType is required");
    let (_, body) = sim.graph("GET", "/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'&$expand=policy($expand=rules)", &token, None).await;
    let items = body["value"].as_array().expect("v");
    assert_eq!(items.len(), 14, "one per role definition");
    let ga = items
        .iter()
        .find(|i| i["roleDefinitionId"] == GLOBAL_ADMIN)
        .expect("GA");
    let rule = |id: &str| {
        ga["policy"]["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .expect(id)
    };
    assert_eq!(
        rule("Expiration_EndUser_Assignment")["maximumDuration"],
        "PT2H"
    );
    assert_eq!(
        rule("Approval_EndUser_Assignment")["setting"]["isApprovalRequired"],
        true
    );
    assert_eq!(
        rule("AuthenticationContext_EndUser_Assignment")["claimValue"],
        "c1"
    );
    assert_eq!(
        rule("Enablement_EndUser_Assignment")["enabledRules"],
        json!(["MultiFactorAuthentication", "Justification"])
    );
    let (_, groups) = sim.graph("GET", &format!("/policies/roleManagementPolicyAssignments?$filter=scopeId eq '{BREAK_GLASS}' and scopeType eq 'Group' and roleDefinitionId eq 'owner'&$expand=policy($expand=rules)"), &token, None).await;
    let owner = &groups["value"][0];
    assert!(owner["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("Group_") && id.ends_with("_owner")));
}

#[tokio::test]
async fn batch_answers_each_item_with_its_own_status_including_an_inner_429() {
    let sim = start().await;
    let token = sim.graph_token().await;
    sim.control("POST", "faults", json!({"route": "graph.roleAssignmentScheduleInstances", "kind": "throttle", "retryAfter": 3})).await;
    let body = json!({"requests": [
        {"id": "1", "method": "GET", "url": ENTRA_ELIGIBLE},
        {"id": "2", "method": "GET", "url": ENTRA_ACTIVE},
        {"id": "3", "method": "GET", "url": "/me"}]});
    let (s, out) = sim.graph("POST", "/$batch", &token, Some(body)).await;
    assert_eq!(s, 200);
    let by_id = |id: &str| {
        out["responses"]
            .as_array()
            .expect("r")
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .expect(id)
    };
    assert_eq!(by_id("1")["status"], 200);
    assert_eq!(by_id("2")["status"], 429);
    assert_eq!(by_id("2")["headers"]["retry-after"], "3");
    assert_eq!(
        by_id("3")["body"]["userPrincipalName"],
        "alex@contoso.example"
    );
    let many: Vec<Value> = (0..21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/me"}))
        .collect();
    assert_eq!(
        sim.graph("POST", "/$batch", &token, Some(json!({"requests": many})))
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn graph_errors_can_come_wrapped_as_unknown_error() {
    let sim = start().await;
    sim.control("POST", "settings", json!({"wrapGraphErrors": true}))
        .await;
    let token = sim.graph_token().await;
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
        (400, Some("UnknownError"))
    );
    let inner: Value = serde_json::from_str(body["error"]["message"].as_str().expect("msg"))
        .expect("JSON in message");
    assert_eq!(
        inner["errorCode"],
        "RoleAssignmentRequestPolicyValidationFailed"
    );
}

#[tokio::test]
async fn arm_root_listing_pages_and_needs_as_target() {
    let sim = start().await;
    sim.control("POST", "settings", json!({"armPageSize": 4}))
        .await;
    let token = sim.arm_token().await;
    let url = format!(
        "{}{ARM_ELIGIBLE}?{API}&$filter=asTarget()",
        sim.server.arm_url()
    );
    let (items, pages) = sim.all_pages(&url, &token).await;
    assert_eq!(items.len(), 10);
    assert_eq!(pages, 3);
    let kinds: Vec<&str> = items
        .iter()
        .filter_map(|i| i["properties"]["expandedProperties"]["scope"]["type"].as_str())
        .collect();
    for k in [
        "managementgroup",
        "subscription",
        "resourcegroup",
        "resource",
    ] {
        assert!(kinds.contains(&k), "{k}");
    }
    let (s, body) = sim
        .arm("GET", &format!("{ARM_ELIGIBLE}?{API}"), &token, None)
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (400, Some("InsufficientPermissions"))
    );
    let (s, body) = sim
        .arm(
            "GET",
            &format!("{ARM_ELIGIBLE}?api-version=2019-01-01&$filter=asTarget()"),
            &token,
            None,
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (400, Some("InvalidApiVersionParameter"))
    );
    let (_, scoped) = sim
        .arm(
            "GET",
            &format!("{PROD}{ARM_ELIGIBLE}?{API}&$filter=asTarget()"),
            &token,
            None,
        )
        .await;
    assert!(scoped["value"].as_array().expect("v").iter().all(|i| {
        let s = i["properties"]["scope"].as_str().unwrap_or_default();
        s.starts_with(PROD) || s.contains("managementGroups")
    }));
    let (s, _) = sim.arm("GET", &format!("/subscriptions/00000000-0000-0000-0000-000000000000{ARM_ELIGIBLE}?{API}&$filter=asTarget()"), &token, None).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn arm_activation_by_guid_duplicate_get_cancel_and_policies() {
    let sim = start().await;
    let token = sim.arm_token().await;
    let put = |role: &str, scope: &str, duration: &str, justification: Option<&str>| {
        json!({"properties": {"principalId": ALEX, "roleDefinitionId": format!("{scope}/providers/Microsoft.Authorization/roleDefinitions/{role}"),
            "requestType": "SelfActivate", "justification": justification, "scheduleInfo": {"expiration": {"type": "AfterDuration", "duration": duration}}}})
    };
    let name = uuid::Uuid::new_v4().to_string();
    let path = format!(
        "{DEV}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{name}?{API}"
    );
    let (s, body) = sim
        .arm(
            "PUT",
            &path,
            &token,
            Some(put(CONTRIBUTOR, DEV, "PT9H", Some("x"))),
        )
        .await;
    assert_eq!(
        (s, rules_of(&body)),
        (
            400,
            r#"The following policy rules failed: ["ExpirationRule"]"#.to_string()
        )
    );
    let (s, body) = sim
        .arm(
            "PUT",
            &path,
            &token,
            Some(put(CONTRIBUTOR, DEV, "PT8H", Some("deploy"))),
        )
        .await;
    assert_eq!(
        (s, body["properties"]["status"].as_str()),
        (201, Some("Provisioned")),
        "{body}"
    );
    let other = format!(
        "{DEV}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{}?{API}",
        uuid::Uuid::new_v4()
    );
    let (_, dup) = sim
        .arm(
            "PUT",
            &path,
            &token,
            Some(put(CONTRIBUTOR, DEV, "PT8H", Some("deploy"))),
        )
        .await;
    assert_eq!(
        dup["error"]["code"], "RoleAssignmentRequestExists",
        "the same GUID twice"
    );
    let (_, exists) = sim
        .arm(
            "PUT",
            &other,
            &token,
            Some(put(CONTRIBUTOR, DEV, "PT8H", Some("deploy"))),
        )
        .await;
    assert_eq!(exists["error"]["code"], "RoleAssignmentExists");
    let (s, got) = sim.arm("GET", &path, &token, None).await;
    assert_eq!(
        (s, got["properties"]["requestType"].as_str()),
        (200, Some("SelfActivate"))
    );
    let (_, active) = sim
        .arm(
            "GET",
            &format!("{ARM_ACTIVE}?{API}&$filter=asTarget()"),
            &token,
            None,
        )
        .await;
    assert!(active["value"]
        .as_array()
        .expect("v")
        .iter()
        .any(|a| a["properties"]["assignmentType"] == "Activated"));
    assert!(
        active["value"]
            .as_array()
            .expect("v")
            .iter()
            .any(|a| a["properties"]["assignmentType"] == "Assigned"),
        "the permanent Reader"
    );

    // Owner on Production needs approval; cancel it.
    let owner_name = uuid::Uuid::new_v4().to_string();
    let owner_path = format!(
        "{PROD}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{owner_name}"
    );
    let (_, pending) = sim
        .arm(
            "PUT",
            &format!("{owner_path}?{API}"),
            &token,
            Some(put(OWNER, PROD, "PT1H", Some("break fix"))),
        )
        .await;
    assert_eq!(pending["properties"]["status"], "PendingApproval");
    assert_eq!(
        sim.arm("POST", &format!("{owner_path}/cancel?{API}"), &token, None)
            .await
            .0,
        200
    );

    let (_, pol) = sim.arm("GET", &format!("{PROD}/providers/Microsoft.Authorization/roleManagementPolicyAssignments?{API}&$filter=roleDefinitionId eq '{PROD}/providers/Microsoft.Authorization/roleDefinitions/{OWNER}'"), &token, None).await;
    let items = pol["value"].as_array().expect("v");
    assert_eq!(items.len(), 1);
    let rules = items[0]["properties"]["effectiveRules"]
        .as_array()
        .expect("rules");
    let exp = rules
        .iter()
        .find(|r| {
            r["ruleType"] == "RoleManagementPolicyExpirationRule"
                && r["id"] == "Expiration_EndUser_Assignment"
        })
        .expect("exp");
    assert_eq!(exp["maximumDuration"], "PT1H");
    let policy_id = items[0]["properties"]["policyId"]
        .as_str()
        .expect("policyId");
    let (s, policy) = sim
        .arm("GET", &format!("{policy_id}?{API}"), &token, None)
        .await;
    assert_eq!(s, 200, "{policy}");
    assert!(policy["properties"]["rules"]
        .as_array()
        .is_some_and(|r| !r.is_empty()));
}

#[tokio::test]
async fn arm_auth_context_carries_the_claims_in_the_message() {
    let sim = start().await;
    let token = sim.arm_token().await;
    let uaa = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
    let body = json!({"properties": {"principalId": ALEX, "roleDefinitionId": format!("{DEV}/providers/Microsoft.Authorization/roleDefinitions/{uaa}"),
        "requestType": "SelfActivate", "justification": "access review", "scheduleInfo": {"expiration": {"type": "AfterDuration", "duration": "PT1H"}}}});
    let path = format!(
        "{DEV}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{}?{API}",
        uuid::Uuid::new_v4()
    );
    let (s, err) = sim.arm("PUT", &path, &token, Some(body.clone())).await;
    assert_eq!(
        (s, err["error"]["code"].as_str()),
        (400, Some("RoleAssignmentRequestAcrsValidationFailed"))
    );
    assert!(
        rules_of(&err).contains("&claims=%7B%22access_token%22"),
        "{}",
        rules_of(&err)
    );
}
