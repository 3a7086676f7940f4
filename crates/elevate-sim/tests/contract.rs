//! Contract tests: every documented example body in the reference has its counterpart from
//! the simulator with the same field names (exact casing) and JSON types.

mod common;

use common::*;
use serde_json::{json, Value};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("fixture json")
}

/// Every field of the documented body exists in `actual` with the same JSON type (null
/// matches anything, since the documented fields are nullable), and no field differs from a
/// documented one only by case.
fn assert_shape(doc: &Value, actual: &Value, path: &str) {
    match doc {
        Value::Object(d) => {
            let a = actual
                .as_object()
                .unwrap_or_else(|| panic!("{path}: expected an object, got {actual}"));
            for (k, dv) in d {
                for ak in a.keys() {
                    assert!(
                        !(ak.eq_ignore_ascii_case(k) && ak != k),
                        "{path}: field '{ak}' must be spelled '{k}'"
                    );
                }
                let av = a.get(k).unwrap_or_else(|| {
                    panic!(
                        "{path}.{k} is missing; the sim has {:?}",
                        a.keys().collect::<Vec<_>>()
                    )
                });
                if dv.is_null() || av.is_null() {
                    continue;
                }
                assert_shape(dv, av, &format!("{path}.{k}"));
            }
        }
        Value::Array(d) => {
            let a = actual
                .as_array()
                .unwrap_or_else(|| panic!("{path}: expected an array, got {actual}"));
            if let Some(first) = d.first() {
                for (i, item) in a.iter().enumerate() {
                    assert_shape(first, item, &format!("{path}[{i}]"));
                }
            }
        }
        Value::String(_) => assert!(
            actual.is_string(),
            "{path}: expected a string, got {actual}"
        ),
        Value::Number(_) => assert!(
            actual.is_number(),
            "{path}: expected a number, got {actual}"
        ),
        Value::Bool(_) => assert!(
            actual.is_boolean(),
            "{path}: expected a boolean, got {actual}"
        ),
        Value::Null => {}
    }
}

#[tokio::test]
async fn graph_entra_instances_and_requests_match_the_documented_shapes() {
    let sim = start().await;
    let token = sim.graph_token().await;
    let (s, eligible) = sim.graph("GET", ENTRA_ELIGIBLE, &token, None).await;
    assert_eq!(s, 200);
    assert!(eligible["@odata.context"]
        .as_str()
        .is_some_and(|c| c.contains("$metadata")));
    let items = eligible["value"].as_array().expect("value");
    assert!(items.len() >= 10);
    for item in items {
        assert_shape(
            &fixture("graph_entra_eligible_instance.json"),
            item,
            "eligible",
        );
    }
    let (_, active) = sim.graph("GET", ENTRA_ACTIVE, &token, None).await;
    let permanent = active["value"]
        .as_array()
        .expect("value")
        .iter()
        .find(|a| a["assignmentType"] == "Assigned")
        .expect("a permanent assignment");
    assert_shape(
        &fixture("graph_entra_active_instance.json"),
        permanent,
        "active",
    );
    assert!(
        permanent["endDateTime"].is_null(),
        "permanent assignments have no end"
    );

    let (s, created) = sim
        .graph(
            "POST",
            ENTRA_REQUESTS,
            &token,
            Some(sim.entra_activation(USER_ADMIN, "PT2H", Some("contract test"))),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    assert_shape(
        &fixture("graph_entra_request_created.json"),
        &created,
        "request",
    );
    assert_eq!(
        created["scheduleInfo"]["expiration"]["type"], "afterDuration",
        "responses echo camelCase"
    );
    assert_eq!(created["action"], "selfActivate");
}

#[tokio::test]
async fn graph_group_instances_and_requests_match_the_documented_shapes() {
    let sim = start().await;
    let token = sim.graph_token().await;
    let (_, eligible) = sim.graph("GET", GROUP_ELIGIBLE, &token, None).await;
    let items = eligible["value"].as_array().expect("value");
    assert!(items.len() >= 4);
    for item in items {
        assert_shape(
            &fixture("graph_group_eligible_instance.json"),
            item,
            "group eligible",
        );
    }
    let body = json!({"accessId": "member", "principalId": ALEX, "groupId": BREAK_GLASS, "action": "selfActivate",
        "scheduleInfo": {"startDateTime": null, "expiration": {"type": "afterDuration", "duration": "PT2H"}}, "justification": "contract"});
    let (s, created) = sim.graph("POST", GROUP_REQUESTS, &token, Some(body)).await;
    assert_eq!(s, 201, "{created}");
    assert_shape(
        &fixture("graph_group_request_created.json"),
        &created,
        "group request",
    );
}

#[tokio::test]
async fn graph_policy_assignments_match_the_documented_shape() {
    let sim = start().await;
    let token = sim.graph_token().await;
    let path = format!("/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '{GLOBAL_ADMIN}'&$expand=policy($expand=rules)");
    let (s, body) = sim.graph("GET", &path, &token, None).await;
    assert_eq!(s, 200, "{body}");
    let item = &body["value"][0];
    assert_shape(
        &fixture("graph_policy_assignment.json"),
        item,
        "policy assignment",
    );
    let rules = item["policy"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), 17, "the documented policy has 17 rules");
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    for id in [
        "Expiration_EndUser_Assignment",
        "Enablement_EndUser_Assignment",
        "Approval_EndUser_Assignment",
        "AuthenticationContext_EndUser_Assignment",
    ] {
        assert!(ids.contains(&id), "{id}");
    }
    assert!(item["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("DirectoryRole_") && id.ends_with(GLOBAL_ADMIN)));
}

#[tokio::test]
async fn arm_instances_and_requests_match_the_documented_shapes() {
    let sim = start().await;
    let token = sim.arm_token().await;
    let (s, eligible) = sim
        .arm(
            "GET",
            &format!("{ARM_ELIGIBLE}?{API}&$filter=asTarget()"),
            &token,
            None,
        )
        .await;
    assert_eq!(s, 200, "{eligible}");
    for item in eligible["value"].as_array().expect("value") {
        assert_shape(&fixture("arm_eligible_instance.json"), item, "arm eligible");
    }
    let name = uuid::Uuid::new_v4();
    let body = json!({"properties": {"principalId": ALEX, "roleDefinitionId": format!("{DEV}/providers/Microsoft.Authorization/roleDefinitions/{CONTRIBUTOR}"),
        "requestType": "SelfActivate", "justification": "contract", "scheduleInfo": {"expiration": {"type": "AfterDuration", "duration": "PT8H"}}}});
    let (s, created) = sim.arm("PUT", &format!("{DEV}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{name}?{API}"), &token, Some(body)).await;
    assert_eq!(s, 201, "{created}");
    assert_shape(
        &fixture("arm_request_created.json"),
        &created,
        "arm request",
    );
    assert_eq!(created["name"], json!(name.to_string()));
}

#[tokio::test]
async fn error_envelopes_match_the_documented_shapes() {
    let sim = start().await;
    let (s, body) = sim
        .token_form(&[
            ("grant_type", "authorization_code"),
            ("client_id", ELEVATE_CLIENT),
            ("code", "nope"),
        ])
        .await;
    assert_eq!(s, 400);
    assert_shape(&fixture("oauth_error.json"), &body, "oauth error");
    assert!(body["error_description"]
        .as_str()
        .is_some_and(|d| d.starts_with("AADSTS")));

    let (s, body, _) = sim
        .call(
            "GET",
            &format!("{}/v1.0/me", sim.server.graph_url()),
            None,
            None,
        )
        .await;
    assert_eq!(s, 401);
    assert_shape(&fixture("graph_error.json"), &body, "graph error");

    let token = sim.arm_token().await;
    let (s, body) = sim.arm("GET", ARM_ELIGIBLE, &token, None).await;
    assert_eq!(s, 400);
    assert_shape(&fixture("arm_error.json"), &body, "arm error");
    assert_eq!(body["error"]["code"], "MissingApiVersionParameter");

    let url = format!(
        "{}/{}/oauth2/v2.0/devicecode",
        sim.server.login_url(),
        sim.tenant()
    );
    let resp = sim
        .http
        .post(url)
        .form(&[("client_id", ELEVATE_CLIENT), ("scope", GRAPH_SCOPES)])
        .send()
        .await
        .expect("devicecode");
    assert_eq!(resp.status(), 200);
    assert_shape(
        &fixture("device_code.json"),
        &resp.json().await.expect("json"),
        "device code",
    );
}

#[test]
fn the_shape_check_rejects_missing_fields_wrong_types_and_casing() {
    let doc = json!({"memberType": "Direct", "when": {"start": "x"}, "n": 1});
    let caught =
        |actual: Value| std::panic::catch_unwind(|| assert_shape(&doc, &actual, "t")).is_err();
    assert!(!caught(
        json!({"memberType": "direct", "when": {"start": "y"}, "n": 2})
    ));
    assert!(
        caught(json!({"when": {"start": "y"}, "n": 2})),
        "missing field"
    );
    assert!(
        caught(json!({"memberType": 1, "when": {"start": "y"}, "n": 2})),
        "wrong type"
    );
    assert!(
        caught(json!({"memberType": "d", "MemberType": "d", "when": {"start": "y"}, "n": 2})),
        "casing"
    );
    assert!(
        caught(json!({"memberType": "d", "when": {"Start": "y"}, "n": 2})),
        "nested"
    );
}

#[tokio::test]
async fn approver_side_matches_the_documented_shapes() {
    let sim = start().await;
    let pending = |body: Value| {
        let sim = &sim;
        async move {
            let (s, r) = sim.request_as(body).await;
            assert_eq!(s, 200, "{r}");
            r
        }
    };
    let entra =
        pending(json!({"user": LEE, "plane": "entra", "role": CA_ADMIN, "justification": "x"}))
            .await;
    let group = pending(json!({"user": LEE, "plane": "group", "group": SOC, "access": "owner", "justification": "x"})).await;
    let azure = pending(
        json!({"user": LEE, "plane": "azure", "role": OWNER, "scope": PROD, "justification": "x"}),
    )
    .await;
    let megan = sim.token_as("megan@contoso.example", GRAPH_SCOPES).await;
    // ED's element of filterByCurrentUser(on='approver') [DOC].
    let (_, list) = sim
        .graph("GET", "/roleManagement/directory/roleAssignmentScheduleRequests/filterByCurrentUser(on='approver')?$filter=status eq 'PendingApproval'", &megan, None)
        .await;
    assert_shape(
        &fixture("graph_approver_request.json"),
        &list["value"][0],
        "approver request",
    );
    // ED's beta approval with its step [DOC].
    let id = entra["id"].as_str().expect("id");
    let (_, approval) = sim
        .graph_beta(
            "GET",
            &format!("/roleManagement/directory/roleAssignmentApprovals/{id}"),
            &megan,
            None,
        )
        .await;
    assert_shape(
        &fixture("graph_role_approval.json"),
        &approval,
        "role approval",
    );
    // GD's group approval (v1.0 `stages`) [DOC].
    let (_, approvals) = sim
        .graph("GET", "/identityGovernance/privilegedAccess/group/assignmentApprovals/filterByCurrentUser(on='approver')", &megan, None)
        .await;
    assert_eq!(approvals["value"][0]["id"], group["id"]);
    assert_shape(
        &fixture("graph_group_approval.json"),
        &approvals["value"][0],
        "group approval",
    );
    // The SPEC's approval resource, after a decision; and the portal's batch answer [OBS].
    let arm = sim.token_as("megan@contoso.example", ARM_SCOPES).await;
    let guid = azure["approvalId"]
        .as_str()
        .and_then(|a| a.rsplit('/').next())
        .expect("guid");
    let stage = format!("/providers/Microsoft.Authorization/roleAssignmentApprovals/{guid}/stages/{guid}?{APPROVAL_API}");
    let batch = json!({"requests": [{"httpMethod": "PUT", "name": "n1", "url": stage, "content": {"properties": {"reviewResult": "Approve", "justification": "OK"}}}]});
    let (s, out) = sim
        .arm("POST", "/batch?api-version=2020-06-01", &arm, Some(batch))
        .await;
    assert_eq!(s, 200);
    assert_shape(&fixture("arm_batch_response.json"), &out, "arm batch");
    let (_, approval) = sim
        .arm(
            "GET",
            &format!(
                "/providers/Microsoft.Authorization/roleAssignmentApprovals/{guid}?{APPROVAL_API}"
            ),
            &arm,
            None,
        )
        .await;
    assert_shape(&fixture("arm_approval.json"), &approval, "arm approval");
}
