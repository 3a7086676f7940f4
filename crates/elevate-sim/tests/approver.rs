//! The approver side on Graph for directory roles: requests waiting for an approver, the
//! beta approval steps, decisions with PIM's refusals (already decided, self-approval,
//! extend, 24-hour expiry), paging, and the `_sim/requests` control that makes other users'
//! requests.

mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn entra_approver_lists_reads_the_step_and_approves() {
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
    assert_eq!(
        req["approvalId"],
        id.as_str(),
        "Graph's approvalId is the request id"
    );

    let megan = sim.token_as("megan@contoso.example", GRAPH_SCOPES).await;
    let (s, list) = sim
        .graph(
            "GET",
            &format!("{ENTRA_APPROVER}?{PENDING}&$expand=roleDefinition,principal"),
            &megan,
            None,
        )
        .await;
    assert_eq!(s, 200, "{list}");
    let items = value(&list);
    let item = find(&items, &id).expect("Alex's request waits for Megan");
    assert_eq!(
        item["@odata.type"],
        "#microsoft.graph.unifiedRoleAssignmentScheduleRequest"
    );
    assert_eq!(item["status"], "PendingApproval");
    assert_eq!(item["approvalId"], id.as_str());
    assert_eq!(item["action"], "selfActivate");
    assert_eq!(item["createdBy"]["user"]["id"], ALEX);
    assert_eq!(item["justification"], "db migration");
    assert_eq!(item["scheduleInfo"]["expiration"]["duration"], "PT1H");
    assert_eq!(
        item["roleDefinition"]["displayName"],
        "Privileged Role Administrator"
    );
    assert_eq!(item["roleDefinition"]["templateId"], PRA);
    assert_eq!(item["principal"]["@odata.type"], "#microsoft.graph.user");
    assert_eq!(item["principal"]["displayName"], "Alex Wilber");
    assert_eq!(
        item["principal"]["userPrincipalName"],
        "alex@contoso.example"
    );

    let (s, approval) = sim
        .graph_beta("GET", &format!("{ROLE_APPROVALS}/{id}"), &megan, None)
        .await;
    assert_eq!(s, 200, "{approval}");
    assert_eq!(approval["id"], id.as_str());
    let step = &approval["steps"][0];
    assert_eq!(approval["steps"].as_array().map(Vec::len), Some(1));
    let step_id = step["id"].as_str().expect("step id").to_string();
    assert_ne!(step_id, id, "a step has an id of its own");
    assert_eq!(
        (
            step["reviewResult"].as_str(),
            step["status"].as_str(),
            step["assignedToMe"].as_bool()
        ),
        (Some("NotReviewed"), Some("InProgress"), Some(true))
    );
    assert!(step["reviewedBy"].is_null() && step["displayName"].is_null());
    let (_, steps) = sim
        .graph_beta("GET", &format!("{ROLE_APPROVALS}/{id}/steps"), &megan, None)
        .await;
    assert_eq!(steps["value"][0]["id"], step_id.as_str());
    let step_url = format!("{ROLE_APPROVALS}/{id}/steps/{step_id}");
    assert_eq!(
        sim.graph_beta("GET", &step_url, &megan, None).await.1["id"],
        step_id.as_str()
    );
    let (s, _) = sim
        .graph_beta(
            "GET",
            &format!("{ROLE_APPROVALS}/{id}/steps/{id}"),
            &megan,
            None,
        )
        .await;
    assert_eq!(s, 404);

    // Alex approves too, so his own request is listed for him, but he cannot decide it.
    let (_, mine) = sim
        .graph("GET", &format!("{ENTRA_APPROVER}?{PENDING}"), &alex, None)
        .await;
    assert_eq!(
        find(&value(&mine), &id).map(|i| i["principalId"].clone()),
        Some(json!(ALEX))
    );
    let (_, own) = sim
        .graph_beta("GET", &format!("{ROLE_APPROVALS}/{id}"), &alex, None)
        .await;
    assert_eq!(own["steps"][0]["assignedToMe"], false);
    let (s, body) = sim
        .graph_beta(
            "PATCH",
            &step_url,
            &alex,
            Some(json!({"reviewResult": "Approve", "justification": "mine"})),
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (403, Some("SelfApprovalNotAllowed"))
    );
    assert_eq!(
        rules_of(&body),
        "Approvers are not able to approve their own requests."
    );
    // Lee approves nothing.
    let lee = sim.token_as("lee@contoso.example", GRAPH_SCOPES).await;
    assert!(value(&sim.graph("GET", ENTRA_APPROVER, &lee, None).await.1).is_empty());
    assert_eq!(
        sim.graph_beta("GET", &format!("{ROLE_APPROVALS}/{id}"), &lee, None)
            .await
            .0,
        403
    );
    let (s, _) = sim
        .graph_beta(
            "PATCH",
            &step_url,
            &megan,
            Some(json!({"reviewResult": "Approved"})),
        )
        .await;
    assert_eq!(s, 400, "the read value is not a write value");
    assert_eq!(
        sim.graph_beta("PATCH", &step_url, &megan, Some(json!({})))
            .await
            .0,
        400
    );

    let (s, body) = sim
        .graph_beta(
            "PATCH",
            &step_url,
            &megan,
            Some(json!({"reviewResult": "Approve", "justification": "Trusted User"})),
        )
        .await;
    assert_eq!((s, body), (204, Value::Null));
    let (_, step) = sim.graph_beta("GET", &step_url, &megan, None).await;
    assert_eq!(
        (
            step["reviewResult"].as_str(),
            step["status"].as_str(),
            step["justification"].as_str()
        ),
        (Some("Approved"), Some("Completed"), Some("Trusted User"))
    );
    assert_eq!(step["reviewedBy"]["id"], MEGAN);
    assert_eq!(step["reviewedBy"]["displayName"], "Megan Bowen");
    assert!(step["reviewedDateTime"].is_string());
    let (_, got) = sim
        .graph("GET", &format!("{ENTRA_REQUESTS}/{id}"), &alex, None)
        .await;
    assert_eq!(got["status"], "Provisioned");
    let (_, active) = sim.graph("GET", ENTRA_ACTIVE, &alex, None).await;
    assert!(value(&active).iter().any(|a| a["roleDefinitionId"] == PRA));
    let (_, left) = sim
        .graph("GET", &format!("{ENTRA_APPROVER}?{PENDING}"), &megan, None)
        .await;
    assert!(find(&value(&left), &id).is_none());
    let (_, all) = sim.graph("GET", ENTRA_APPROVER, &megan, None).await;
    assert_eq!(
        find(&value(&all), &id).map(|i| i["status"].clone()),
        Some(json!("Provisioned"))
    );
    let (s, body) = sim
        .graph_beta(
            "PATCH",
            &step_url,
            &megan,
            Some(json!({"reviewResult": "Deny"})),
        )
        .await;
    assert_eq!(s, 409, "{body}");
    assert_eq!(sim.count("graph.roleAssignmentApprovals.decide").await, 5);
}

#[tokio::test]
async fn entra_deny_and_a_decision_taken_first_elsewhere_is_a_conflict() {
    let sim = start().await;
    let alex = sim.graph_token().await;
    let req = json!({"user": "lee@contoso.example", "plane": "entra", "role": "Conditional Access Administrator", "justification": "CA change"});
    let id = pending_request(&sim, req.clone()).await;
    let (_, approval) = sim
        .graph_beta("GET", &format!("{ROLE_APPROVALS}/{id}"), &alex, None)
        .await;
    let step = approval["steps"][0]["id"]
        .as_str()
        .expect("step")
        .to_string();
    let (s, _) = sim
        .graph_beta(
            "PATCH",
            &format!("{ROLE_APPROVALS}/{id}/steps/{step}"),
            &alex,
            Some(json!({"reviewResult": "deny", "justification": "not now"})),
        )
        .await;
    assert_eq!(s, 204);
    let (_, denied) = sim
        .graph("GET", &format!("{ENTRA_REQUESTS}/{id}"), &alex, None)
        .await;
    assert_eq!(
        denied["status"], "Denied",
        "an approver may read the request"
    );
    let (_, step_now) = sim
        .graph_beta(
            "GET",
            &format!("{ROLE_APPROVALS}/{id}/steps/{step}"),
            &alex,
            None,
        )
        .await;
    assert_eq!(step_now["reviewResult"], "Denied");
    assert!(sim
        .control("GET", "activations", json!(null))
        .await
        .as_array()
        .expect("a")
        .iter()
        .all(|a| a["principalId"] != LEE));

    // The administrator control decides first: the approver's decision is a 409.
    let id = pending_request(&sim, req).await;
    sim.control("POST", &format!("approvals/{id}/approve"), json!(null))
        .await;
    let megan = sim.token_as("megan@contoso.example", GRAPH_SCOPES).await;
    let (_, approval) = sim
        .graph_beta("GET", &format!("{ROLE_APPROVALS}/{id}"), &megan, None)
        .await;
    let step = &approval["steps"][0];
    assert_eq!(
        (step["reviewResult"].as_str(), step["status"].as_str()),
        (Some("Approved"), Some("Completed"))
    );
    assert!(step["reviewedBy"]["id"].is_string());
    let (s, body) = sim
        .graph_beta(
            "PATCH",
            &format!(
                "{ROLE_APPROVALS}/{id}/steps/{}",
                step["id"].as_str().expect("id")
            ),
            &megan,
            Some(json!({"reviewResult": "Approve"})),
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (409, Some("ApprovalAlreadyCompleted"))
    );
    assert_eq!(
        rules_of(&body),
        "The request has already been approved by another approver in the same approval stage."
    );
}

#[tokio::test]
async fn extend_and_renew_requests_cannot_be_decided_through_graph() {
    let sim = start().await;
    let megan = sim.token_as("megan@contoso.example", GRAPH_SCOPES).await;
    let (s, r) = sim.request_as(json!({"user": ALEX, "plane": "entra", "role": PRA, "action": "selfExtend", "justification": "more time"})).await;
    assert_eq!(
        (s, r["status"].as_str()),
        (200, Some("PendingApproval")),
        "{r}"
    );
    let id = r["id"].as_str().expect("id");
    let (_, list) = sim
        .graph("GET", &format!("{ENTRA_APPROVER}?{PENDING}"), &megan, None)
        .await;
    assert_eq!(
        find(&value(&list), id).map(|i| i["action"].clone()),
        Some(json!("selfExtend"))
    );
    let (_, approval) = sim
        .graph_beta("GET", &format!("{ROLE_APPROVALS}/{id}"), &megan, None)
        .await;
    let step = approval["steps"][0]["id"].as_str().expect("step");
    let (s, body) = sim
        .graph_beta(
            "PATCH",
            &format!("{ROLE_APPROVALS}/{id}/steps/{step}"),
            &megan,
            Some(json!({"reviewResult": "Approve", "justification": "ok"})),
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (400, Some("ExtendRenewApprovalNotSupported"))
    );
    assert!(rules_of(&body).contains(
        "extend and renew requests is currently not supported by the Microsoft Graph API"
    ));
}

#[tokio::test]
async fn an_undecided_request_times_out_after_24_hours() {
    let sim = start().await;
    let id = pending_request(
        &sim,
        json!({"user": LEE, "plane": "entra", "role": CA_ADMIN, "justification": "x"}),
    )
    .await;
    sim.control("POST", "clock", json!({"advance": "PT23H59M"}))
        .await;
    let megan = sim.token_as("megan@contoso.example", GRAPH_SCOPES).await;
    let (_, list) = sim
        .graph("GET", &format!("{ENTRA_APPROVER}?{PENDING}"), &megan, None)
        .await;
    assert!(
        find(&value(&list), &id).is_some(),
        "still inside the window"
    );
    sim.control("POST", "clock", json!({"advance": "PT2M"}))
        .await;
    let megan = sim.token_as("megan@contoso.example", GRAPH_SCOPES).await;
    let (_, list) = sim
        .graph("GET", &format!("{ENTRA_APPROVER}?{PENDING}"), &megan, None)
        .await;
    assert!(find(&value(&list), &id).is_none());
    let (_, all) = sim.graph("GET", ENTRA_APPROVER, &megan, None).await;
    assert_eq!(
        find(&value(&all), &id).map(|i| i["status"].clone()),
        Some(json!("TimedOut"))
    );
    let (_, approval) = sim
        .graph_beta("GET", &format!("{ROLE_APPROVALS}/{id}"), &megan, None)
        .await;
    let step = &approval["steps"][0];
    assert_eq!(
        (step["status"].as_str(), step["reviewResult"].as_str()),
        (Some("Expired"), Some("NotReviewed"))
    );
    let (s, body) = sim
        .graph_beta(
            "PATCH",
            &format!(
                "{ROLE_APPROVALS}/{id}/steps/{}",
                step["id"].as_str().expect("id")
            ),
            &megan,
            Some(json!({"reviewResult": "Approve"})),
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (400, Some("ApprovalExpired"))
    );
    assert!(rules_of(&body).contains("expired after 24 hours"));
    assert!(sim
        .control("GET", "approvals", json!(null))
        .await
        .as_array()
        .expect("a")
        .is_empty());
}

#[tokio::test]
async fn approver_lists_page_and_refuse_unsupported_on_values() {
    let sim = start().await;
    sim.control("POST", "settings", json!({"graphPageSize": 1}))
        .await;
    pending_request(
        &sim,
        json!({"user": LEE, "plane": "entra", "role": CA_ADMIN, "justification": "a"}),
    )
    .await;
    pending_request(
        &sim,
        json!({"user": MEGAN, "plane": "entra", "role": PRA, "justification": "b"}),
    )
    .await;
    let alex = sim.graph_token().await;
    let url = format!(
        "{}/v1.0{ENTRA_APPROVER}?{PENDING}&$expand=principal",
        sim.server.graph_url()
    );
    let (items, pages) = sim.all_pages(&url, &alex).await;
    assert_eq!((items.len(), pages), (2, 2));
    assert!(items.iter().all(|i| i["principal"]["id"].is_string()));
    let on = |v: &str| {
        format!("/roleManagement/directory/roleAssignmentScheduleRequests/filterByCurrentUser(on='{v}')")
    };
    assert_eq!(sim.graph("GET", &on("createdBy"), &alex, None).await.0, 400);
    assert_eq!(sim.graph("GET", &on("principal"), &alex, None).await.0, 200);
    let instances = "/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='approver')";
    assert_eq!(sim.graph("GET", instances, &alex, None).await.0, 400);
    assert_eq!(
        sim.graph("GET", &format!("{ROLE_APPROVALS}/x"), &alex, None)
            .await
            .0,
        400,
        "beta only"
    );
}

#[tokio::test]
async fn sim_requests_control_names_what_is_wrong() {
    let sim = start().await;
    let cases = [
        (
            json!({"user": "nobody@contoso.example", "plane": "entra", "role": PRA}),
            "UnknownUser",
        ),
        (
            json!({"user": LEE, "plane": "entra", "role": GLOBAL_ADMIN, "justification": "x"}),
            "RoleAssignmentRequestPolicyValidationFailed",
        ),
        (
            json!({"user": LEE, "plane": "moon", "role": PRA}),
            "BadRequest",
        ),
        (
            json!({"user": LEE, "plane": "entra", "role": "Chief Wizard"}),
            "UnknownRole",
        ),
        (
            json!({"user": LEE, "plane": "group", "group": "Nope"}),
            "UnknownGroup",
        ),
        (
            json!({"user": LEE, "plane": "azure", "role": "Owner", "scope": "/subscriptions/x"}),
            "UnknownScope",
        ),
        (
            json!({"user": LEE, "plane": "entra", "role": CA_ADMIN, "action": "selfDeactivate"}),
            "BadRequest",
        ),
        (
            json!({"user": LEE, "plane": "entra", "role": CA_ADMIN}),
            "RoleAssignmentRequestPolicyValidationFailed",
        ),
        (
            json!({"user": LEE, "plane": "entra", "role": "Helpdesk Administrator", "action": "selfExtend"}),
            "ApprovalNotRequired",
        ),
    ];
    for (body, code) in cases {
        let (s, err) = sim.request_as(body.clone()).await;
        assert_eq!(
            (s, err["error"]["code"].as_str()),
            (400, Some(code)),
            "{body}: {err}"
        );
        assert!(err["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
    let (_, err) = sim
        .request_as(
            json!({"user": LEE, "plane": "entra", "role": GLOBAL_ADMIN, "justification": "x"}),
        )
        .await;
    assert!(rules_of(&err).contains("EligibilityRule"));
    let lee_azure = json!({"user": "lee@contoso.example", "plane": "azure", "role": "Owner", "scope": PROD, "justification": "deploy"});
    let (s, r) = sim.request_as(lee_azure.clone()).await;
    assert_eq!(s, 200, "{r}");
    assert!(r["approvalId"].as_str().is_some_and(
        |a| a.starts_with("/providers/Microsoft.Authorization/roleAssignmentApprovals/")
    ));
    assert_eq!(r["plane"], "azure");
    let (s, again) = sim.request_as(lee_azure).await;
    assert_eq!(
        (s, again["error"]["code"].as_str()),
        (400, Some("PendingRoleAssignmentRequest"))
    );
    // The pending list of the administrator control is unchanged in shape.
    let pending = sim.control("GET", "approvals", json!(null)).await;
    assert_eq!(pending[0]["plane"], "azureResource");
    assert_eq!(pending[0]["principal"], "Lee Gu");
}
