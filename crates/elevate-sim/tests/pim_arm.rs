//! PIM over Azure Resource Manager: root listings with paging and `asTarget()`, activation
//! by request GUID (duplicate, get, cancel), policies, and the auth-context claims message.

mod common;

use common::*;
use serde_json::json;

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
