//! PIM over Graph's surface: lists and paging with `$expand`, token audience and scope
//! checks, groups, policies, `$batch`, and wrapped error shapes.

mod common;

use common::*;
use serde_json::{json, Value};

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
