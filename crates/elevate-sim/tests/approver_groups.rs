//! The approver side on Graph for PIM for Groups: requests waiting for an approver, the
//! approval's v1.0 `stages` and beta `steps` and both decision paths, the approver
//! justification a policy requires, and scopes an administrator never consented to.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn group_approvals_have_stages_on_v1_and_steps_on_beta_and_both_decision_paths() {
    let sim = start().await;
    let alex = sim.graph_token().await;
    let megan_owner = json!({"user": MEGAN, "plane": "group", "group": "Cloud Ops Break-glass", "access": "owner", "justification": "rotate"});
    let id = pending_request(&sim, megan_owner.clone()).await;
    let (s, list) = sim
        .graph(
            "GET",
            &format!("{GROUP_APPROVER}?{PENDING}&$expand=group,principal"),
            &alex,
            None,
        )
        .await;
    assert_eq!(s, 200, "{list}");
    let items = value(&list);
    let item = find(&items, &id).expect("listed");
    assert_eq!(
        (
            item["accessId"].as_str(),
            item["groupId"].as_str(),
            item["approvalId"].as_str()
        ),
        (Some("owner"), Some(BREAK_GLASS), Some(id.as_str()))
    );
    assert_eq!(item["group"]["displayName"], "Cloud Ops Break-glass");
    assert_eq!(item["principal"]["displayName"], "Megan Bowen");

    let (s, approval) = sim
        .graph("GET", &format!("{GROUP_APPROVALS}/{id}"), &alex, None)
        .await;
    assert_eq!(s, 200, "{approval}");
    assert!(approval.get("steps").is_none());
    let stage = &approval["stages"][0];
    assert_eq!(
        (stage["id"].as_str(), stage["status"].as_str()),
        (Some(id.as_str()), Some("InProgress"))
    );
    let (_, beta) = sim
        .graph_beta("GET", &format!("{GROUP_APPROVALS}/{id}"), &alex, None)
        .await;
    assert_eq!(beta["steps"][0]["id"], id.as_str());
    let (_, stages) = sim
        .graph(
            "GET",
            &format!("{GROUP_APPROVALS}/{id}/stages"),
            &alex,
            None,
        )
        .await;
    assert_eq!(stages["value"][0]["assignedToMe"], true);
    let (_, by_me) = sim
        .graph_beta(
            "GET",
            &format!("{GROUP_APPROVALS}/filterByCurrentUser(on='approver')"),
            &alex,
            None,
        )
        .await;
    assert!(value(&by_me)
        .iter()
        .any(|a| a["id"] == id.as_str() && a["steps"][0]["id"] == id.as_str()));

    // The doc text's `steps/{id}` on v1.0: deny.
    let (s, _) = sim
        .graph(
            "PATCH",
            &format!("{GROUP_APPROVALS}/{id}/steps/{id}"),
            &alex,
            Some(json!({"reviewResult": "Deny", "justification": "no"})),
        )
        .await;
    assert_eq!(s, 204);
    let (_, after) = sim
        .graph(
            "GET",
            &format!("{GROUP_APPROVALS}/{id}/stages/{id}"),
            &alex,
            None,
        )
        .await;
    assert_eq!(
        (
            after["reviewResult"].as_str(),
            after["reviewedBy"]["id"].as_str()
        ),
        (Some("Denied"), Some(ALEX))
    );
    let (s, body) = sim
        .graph(
            "PATCH",
            &format!("{GROUP_APPROVALS}/{id}/stages/{id}"),
            &alex,
            Some(json!({"reviewResult": "Approve"})),
        )
        .await;
    assert_eq!(s, 409, "{body}");
    assert!(rules_of(&body).contains("already been denied"));

    // PCTL's `stages/{id}`: approve; Megan is owner now.
    let id = pending_request(&sim, megan_owner).await;
    let megan = sim.token_as("megan@contoso.example", GRAPH_SCOPES).await;
    let (s, body) = sim
        .graph(
            "PATCH",
            &format!("{GROUP_APPROVALS}/{id}/stages/{id}"),
            &megan,
            Some(json!({"reviewResult": "Approve"})),
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (403, Some("SelfApprovalNotAllowed"))
    );
    let (s, _) = sim
        .graph(
            "PATCH",
            &format!("{GROUP_APPROVALS}/{id}/stages/{id}"),
            &alex,
            Some(json!({"reviewResult": "Approve"})),
        )
        .await;
    assert_eq!(s, 204);
    let (_, active) = sim.graph("GET", GROUP_ACTIVE, &megan, None).await;
    assert!(value(&active)
        .iter()
        .any(|a| a["groupId"] == BREAK_GLASS && a["accessId"] == "owner"));
    assert_eq!(
        sim.graph(
            "GET",
            &format!("{GROUP_APPROVALS}/{}", uuid::Uuid::new_v4()),
            &alex,
            None
        )
        .await
        .0,
        404
    );
}

#[tokio::test]
async fn approver_justification_is_required_where_the_policy_says_so() {
    let sim = start().await;
    let megan = sim.token_as("megan@contoso.example", GRAPH_SCOPES).await;
    let policy = |access: &'static str| {
        let sim = &sim;
        let megan = megan.clone();
        async move {
            let path = format!("/policies/roleManagementPolicyAssignments?$filter=scopeId eq '{SOC}' and scopeType eq 'Group' and roleDefinitionId eq '{access}'&$expand=policy($expand=rules)");
            let (_, body) = sim.graph("GET", &path, &megan, None).await;
            let rules = body["value"][0]["policy"]["rules"]
                .as_array()
                .cloned()
                .expect("rules");
            let rule = rules
                .into_iter()
                .find(|r| r["id"] == "Approval_EndUser_Assignment")
                .expect("approval rule");
            rule["setting"]["approvalStages"][0]["isApproverJustificationRequired"].clone()
        }
    };
    assert_eq!(policy("owner").await, true);
    assert_eq!(policy("member").await, false);

    let id = pending_request(&sim, json!({"user": "lee@contoso.example", "plane": "group", "group": SOC, "access": "owner", "justification": "triage"})).await;
    let url = format!("{GROUP_APPROVALS}/{id}/stages/{id}");
    for body in [
        json!({"reviewResult": "Approve"}),
        json!({"reviewResult": "Approve", "justification": "  "}),
    ] {
        let (s, err) = sim.graph("PATCH", &url, &megan, Some(body)).await;
        assert_eq!(s, 400, "{err}");
        assert!(
            rules_of(&err).contains("Approval_EndUser_Assignment")
                && rules_of(&err).contains("isApproverJustificationRequired")
        );
    }
    let (s, _) = sim
        .graph(
            "PATCH",
            &url,
            &megan,
            Some(json!({"reviewResult": "Approve", "justification": "on call this week"})),
        )
        .await;
    assert_eq!(s, 204);
    let (_, stage) = sim.graph("GET", &url, &megan, None).await;
    assert_eq!(stage["justification"], "on call this week");
    let lee = sim.token_as("lee@contoso.example", GRAPH_SCOPES).await;
    let (_, active) = sim.graph("GET", GROUP_ACTIVE, &lee, None).await;
    assert!(value(&active)
        .iter()
        .any(|a| a["groupId"] == SOC && a["accessId"] == "owner"));
}

#[tokio::test]
async fn withheld_scopes_forbid_the_group_approver_list_while_entra_works() {
    let sim = start().await;
    let set = sim
        .control(
            "POST",
            "settings",
            json!({"withheldScopes": ["PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup"]}),
        )
        .await;
    assert_eq!(
        set["withheldScopes"],
        json!(["PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup"])
    );
    let megan = sim.token_as("megan@contoso.example", GRAPH_SCOPES).await;
    let scp = jwt_claims(&megan)["scp"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        !scp.contains("PrivilegedAssignmentSchedule")
            && scp.contains("RoleAssignmentSchedule.ReadWrite.Directory"),
        "{scp}"
    );
    let (s, body) = sim
        .graph("GET", &format!("{GROUP_APPROVER}?{PENDING}"), &megan, None)
        .await;
    assert_eq!(s, 403, "{body}");
    assert!(
        rules_of(&body).contains("PermissionScopeNotGranted")
            && rules_of(&body).contains("PrivilegedAssignmentSchedule.Read.AzureADGroup")
    );
    assert_eq!(
        sim.graph("GET", &format!("{ENTRA_APPROVER}?{PENDING}"), &megan, None)
            .await
            .0,
        200
    );
    sim.control("POST", "settings", json!({"withheldScopes": []}))
        .await;
    let megan = sim.token_as("megan@contoso.example", GRAPH_SCOPES).await;
    assert_eq!(sim.graph("GET", GROUP_APPROVER, &megan, None).await.0, 200);
}
