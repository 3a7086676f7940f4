//! The approver side on ARM: `asApprover()` request listing, the `roleAssignmentApprovals`
//! resource (api-version 2021-01-01-preview) and its stages, decisions with PIM's refusals,
//! and the portal's `/batch` form when the direct decision fails.

mod common;

use common::*;
use serde_json::{json, Value};

const AS_APPROVER: &str = "/providers/Microsoft.Authorization/roleAssignmentScheduleRequests?api-version=2020-10-01&$filter=asApprover()";
const APPROVALS: &str = "/providers/Microsoft.Authorization/roleAssignmentApprovals";

fn owner_of_prod(user: &str) -> Value {
    json!({"user": user, "plane": "azure", "role": OWNER, "scope": PROD, "justification": "hotfix"})
}

/// A pending request made through `_sim/requests`: (request name, approval GUID).
async fn pending(sim: &Sim, body: Value) -> (String, String) {
    let (s, r) = sim.request_as(body).await;
    assert_eq!(
        (s, r["status"].as_str()),
        (200, Some("PendingApproval")),
        "{r}"
    );
    let approval = r["approvalId"].as_str().expect("approvalId");
    let guid = approval.rsplit('/').next().expect("guid").to_string();
    (r["id"].as_str().expect("id").to_string(), guid)
}

fn stage_url(guid: &str) -> String {
    format!("{APPROVALS}/{guid}/stages/{guid}?{APPROVAL_API}")
}

#[tokio::test]
async fn arm_approver_lists_reads_the_stage_and_approves_or_denies() {
    let sim = start().await;
    let (name, guid) = pending(&sim, owner_of_prod("lee@contoso.example")).await;
    let megan = sim.token_as("megan@contoso.example", ARM_SCOPES).await;
    let (s, list) = sim.arm("GET", AS_APPROVER, &megan, None).await;
    assert_eq!(s, 200, "{list}");
    let items = list["value"].as_array().cloned().unwrap_or_default();
    let item = items
        .iter()
        .find(|i| i["name"] == name.as_str())
        .expect("Lee's request waits for Megan");
    let p = &item["properties"];
    assert_eq!(p["status"], "PendingApproval");
    assert_eq!(p["approvalId"], format!("{APPROVALS}/{guid}").as_str());
    assert_ne!(guid, name, "the approval has a GUID of its own");
    assert_eq!(
        (p["requestType"].as_str(), p["principalId"].as_str()),
        (Some("SelfActivate"), Some(LEE))
    );
    assert_eq!(p["justification"], "hotfix");
    assert_eq!(p["scheduleInfo"]["expiration"]["duration"], "PT1H");
    assert!(p["createdOn"].is_string() && p["ticketInfo"].is_object());
    let e = &p["expandedProperties"];
    assert_eq!(
        e["principal"],
        json!({"id": LEE, "displayName": "Lee Gu", "email": "lee@contoso.example", "type": "User"})
    );
    assert_eq!(e["roleDefinition"]["displayName"], "Owner");
    assert_eq!(e["scope"]["displayName"], "Contoso Production");

    let (s, approval) = sim
        .arm(
            "GET",
            &format!("{APPROVALS}/{guid}?{APPROVAL_API}"),
            &megan,
            None,
        )
        .await;
    assert_eq!(s, 200, "{approval}");
    assert_eq!(approval["id"], format!("{APPROVALS}/{guid}").as_str());
    assert_eq!(
        (approval["name"].as_str(), approval["type"].as_str()),
        (
            Some(guid.as_str()),
            Some("Microsoft.Authorization/roleAssignmentApprovals")
        )
    );
    let stage = &approval["properties"]["stages"][0];
    assert_eq!(stage["name"], guid.as_str());
    assert_eq!(
        stage["id"],
        format!("{APPROVALS}/{guid}/stages/{guid}").as_str()
    );
    assert_eq!(
        stage["type"],
        "Microsoft.Authorization/roleAssignmentApprovals/stages"
    );
    assert_eq!(
        (
            stage["properties"]["status"].as_str(),
            stage["properties"]["reviewResult"].as_str(),
            stage["properties"]["assignedToMe"].as_bool()
        ),
        (Some("InProgress"), Some("NotReviewed"), Some(true))
    );
    let (s, body) = sim
        .arm("GET", &format!("{APPROVALS}/{guid}?{API}"), &megan, None)
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (400, Some("InvalidApiVersionParameter"))
    );
    let (_, stages) = sim
        .arm(
            "GET",
            &format!("{APPROVALS}/{guid}/stages?{APPROVAL_API}"),
            &megan,
            None,
        )
        .await;
    assert_eq!(stages["value"][0]["name"], guid.as_str());
    assert_eq!(sim.arm("GET", &stage_url(&guid), &megan, None).await.0, 200);
    assert_eq!(
        sim.arm(
            "GET",
            &format!("{PROD}{APPROVALS}/{guid}?{APPROVAL_API}"),
            &megan,
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(
        sim.arm(
            "GET",
            &stage_url(&uuid::Uuid::new_v4().to_string()),
            &megan,
            None
        )
        .await
        .0,
        404
    );
    let other_stage = format!("{APPROVALS}/{guid}/stages/{name}?{APPROVAL_API}");
    assert_eq!(sim.arm("GET", &other_stage, &megan, None).await.0, 404);

    let (s, stage) = sim
        .arm(
            "PUT",
            &stage_url(&guid),
            &megan,
            Some(json!({"properties": {"reviewResult": "Approve", "justification": "go"}})),
        )
        .await;
    assert_eq!(s, 200, "{stage}");
    let sp = &stage["properties"];
    assert_eq!(
        (
            sp["reviewResult"].as_str(),
            sp["status"].as_str(),
            sp["justification"].as_str()
        ),
        (Some("Approve"), Some("Completed"), Some("go"))
    );
    assert_eq!(
        sp["reviewedBy"],
        json!({"principalId": MEGAN, "principalType": "user", "principalName": "Megan Bowen", "userPrincipalName": "megan@contoso.example"})
    );
    assert!(sp["reviewedDateTime"].is_string());
    let lee = sim.token_as("lee@contoso.example", ARM_SCOPES).await;
    let path = format!(
        "{PROD}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{name}?{API}"
    );
    assert_eq!(
        sim.arm("GET", &path, &lee, None).await.1["properties"]["status"],
        "Provisioned"
    );
    let (_, active) = sim
        .arm(
            "GET",
            &format!("{ARM_ACTIVE}?{API}&$filter=asTarget()"),
            &lee,
            None,
        )
        .await;
    assert!(active["value"]
        .as_array()
        .expect("v")
        .iter()
        .any(|a| a["properties"]["roleDefinitionId"]
            .as_str()
            .is_some_and(|r| r.ends_with(OWNER))));
    let (s, body) = sim
        .arm(
            "PUT",
            &stage_url(&guid),
            &megan,
            Some(json!({"properties": {"reviewResult": "Deny"}})),
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (409, Some("ApprovalAlreadyCompleted"))
    );

    // Megan's own request: refused to her, denied by Alex (PATCH, the unwrapped body).
    let (_, guid) = pending(&sim, owner_of_prod(MEGAN)).await;
    let (s, body) = sim
        .arm(
            "PATCH",
            &stage_url(&guid),
            &megan,
            Some(json!({"properties": {"reviewResult": "Approve"}})),
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (403, Some("SelfApprovalNotAllowed"))
    );
    let alex = sim.arm_token().await;
    let (s, stage) = sim
        .arm(
            "PATCH",
            &stage_url(&guid),
            &alex,
            Some(json!({"reviewResult": "Deny", "justification": "not today"})),
        )
        .await;
    assert_eq!(
        (s, stage["properties"]["reviewResult"].as_str()),
        (200, Some("Deny")),
        "{stage}"
    );
    assert_eq!(
        sim.arm(
            "PUT",
            &stage_url(&guid),
            &alex,
            Some(json!({"properties": {}}))
        )
        .await
        .0,
        400
    );
    assert_eq!(
        sim.arm(
            "GET",
            &format!("{APPROVALS}/{guid}?{APPROVAL_API}"),
            &lee,
            None
        )
        .await
        .0,
        403
    );
    let (_, mine) = sim
        .arm(
            "GET",
            &format!("{APPROVALS}?{APPROVAL_API}&$filter=asApprover()"),
            &alex,
            None,
        )
        .await;
    assert_eq!(mine["value"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn arm_refuses_extend_requires_the_approver_justification_and_expires() {
    let sim = start().await;
    let megan = sim.token_as("megan@contoso.example", ARM_SCOPES).await;
    let mut renew = owner_of_prod(LEE);
    renew["action"] = json!("selfRenew");
    let (_, guid) = pending(&sim, renew).await;
    let (s, body) = sim
        .arm(
            "PUT",
            &stage_url(&guid),
            &megan,
            Some(json!({"properties": {"reviewResult": "Approve"}})),
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (400, Some("ExtendRenewApprovalNotSupported"))
    );
    assert!(rules_of(&body).contains("not supported by the Microsoft ARM API"));
    let (_, list) = sim.arm("GET", AS_APPROVER, &megan, None).await;
    assert!(list["value"]
        .as_array()
        .expect("v")
        .iter()
        .any(|i| i["properties"]["requestType"] == "SelfRenew"));

    let contributor =
        format!("{RG_SECURITY}/providers/Microsoft.Authorization/roleDefinitions/{CONTRIBUTOR}");
    let (_, policies) = sim
        .arm("GET", &format!("{RG_SECURITY}/providers/Microsoft.Authorization/roleManagementPolicyAssignments?{API}&$filter=roleDefinitionId eq '{contributor}'"), &megan, None)
        .await;
    let rules = policies["value"][0]["properties"]["effectiveRules"]
        .as_array()
        .cloned()
        .expect("rules");
    let rule = rules
        .iter()
        .find(|r| r["id"] == "Approval_EndUser_Assignment")
        .expect("rule");
    assert_eq!(
        rule["setting"]["approvalStages"][0]["isApproverJustificationRequired"],
        true
    );
    let (_, guid) = pending(&sim, json!({"user": LEE, "plane": "azure", "role": "Contributor", "scope": RG_SECURITY, "justification": "incident"})).await;
    let (s, body) = sim
        .arm(
            "PUT",
            &stage_url(&guid),
            &megan,
            Some(json!({"properties": {"reviewResult": "Approve"}})),
        )
        .await;
    assert_eq!(s, 400, "{body}");
    assert!(rules_of(&body).contains("isApproverJustificationRequired"));
    let (s, _) = sim
        .arm(
            "PUT",
            &stage_url(&guid),
            &megan,
            Some(
                json!({"properties": {"reviewResult": "Approve", "justification": "incident 42"}}),
            ),
        )
        .await;
    assert_eq!(s, 200);

    let (name, guid) = pending(&sim, owner_of_prod(MEGAN)).await;
    sim.control("POST", "clock", json!({"advance": "P1DT1M"}))
        .await;
    let alex = sim.arm_token().await;
    let (_, list) = sim.arm("GET", AS_APPROVER, &alex, None).await;
    let item = list["value"]
        .as_array()
        .expect("v")
        .iter()
        .find(|i| i["name"] == name.as_str())
        .cloned()
        .expect("listed");
    assert_eq!(item["properties"]["status"], "TimedOut");
    let (_, stage) = sim.arm("GET", &stage_url(&guid), &alex, None).await;
    assert_eq!(stage["properties"]["status"], "Expired");
    let (s, body) = sim
        .arm(
            "PUT",
            &stage_url(&guid),
            &alex,
            Some(json!({"properties": {"reviewResult": "Approve"}})),
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (400, Some("ApprovalExpired"))
    );
}

#[tokio::test]
async fn arm_batch_decides_when_the_direct_call_fails() {
    let sim = start().await;
    let (name, guid) = pending(&sim, owner_of_prod(LEE)).await;
    let megan = sim.token_as("megan@contoso.example", ARM_SCOPES).await;
    sim.control("POST", "faults", json!({"route": "arm.roleAssignmentApprovals.decide", "kind": "status", "status": 400, "times": 3}))
        .await;
    let decision = json!({"properties": {"reviewResult": "Approve", "justification": "via batch"}});
    let (s, _) = sim
        .arm("PUT", &stage_url(&guid), &megan, Some(decision.clone()))
        .await;
    assert_eq!(s, 400, "the direct call fails");
    let batch = |content: Value| {
        json!({"requests": [{"httpMethod": "PUT", "name": uuid::Uuid::new_v4().to_string(),
            "url": format!("{APPROVALS}/{guid}/stages/{guid}?{APPROVAL_API}"), "content": content}]})
    };
    let (s, out) = sim
        .arm(
            "POST",
            "/batch?api-version=2020-06-01",
            &megan,
            Some(batch(decision.clone())),
        )
        .await;
    assert_eq!(s, 200, "{out}");
    let r = &out["responses"][0];
    assert_eq!(
        (r["httpStatusCode"].as_u64(), r["contentLength"].as_u64()),
        (Some(204), Some(0)),
        "{out}"
    );
    assert!(r["name"].is_string() && r.get("content").is_none());
    let lee = sim.token_as("lee@contoso.example", ARM_SCOPES).await;
    let path = format!(
        "{PROD}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{name}?{API}"
    );
    assert_eq!(
        sim.arm("GET", &path, &lee, None).await.1["properties"]["status"],
        "Provisioned"
    );
    assert_eq!(
        (
            sim.count("arm.batch").await,
            sim.count("arm.batch.roleAssignmentApprovals.decide").await,
            sim.count("arm.roleAssignmentApprovals.decide").await
        ),
        (1, 1, 1)
    );

    let (_, out) = sim
        .arm(
            "POST",
            "/batch?api-version=2020-06-01",
            &megan,
            Some(batch(decision)),
        )
        .await;
    let r = &out["responses"][0];
    assert_eq!(r["httpStatusCode"], 409);
    assert_eq!(r["content"]["error"]["code"], "ApprovalAlreadyCompleted");
    let (s, body) = sim
        .arm(
            "POST",
            "/batch?api-version=2020-10-01",
            &megan,
            Some(batch(json!({}))),
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (400, Some("InvalidApiVersionParameter"))
    );
    let (s, _, _) = sim
        .call(
            "POST",
            &format!("{}/batch?api-version=2020-06-01", sim.server.arm_url()),
            None,
            Some(batch(json!({}))),
        )
        .await;
    assert_eq!(s, 401);
}
