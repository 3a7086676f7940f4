//! Access reviews on ARM (api-version 2021-12-01-preview): the reviewer's series and instances
//! with `$filter=assignedToMeToReview()`, my decisions, a decision (200 with it) and its
//! refusals, `acceptRecommendations` (204), and the refusals of listings without the filter.

mod common;

use common::*;
use serde_json::json;

const DEFS: &str = "/providers/Microsoft.Authorization/accessReviewScheduleDefinitions";
const API: &str = "api-version=2021-12-01-preview";
const MINE: &str = "$filter=assignedToMeToReview()";
const AZURE_REVIEW: &str = "a7c1e0d2-3b4f-4c5d-8e6f-1a2b3c4d5e03";

#[tokio::test]
async fn the_reviewer_lists_and_decides_an_azure_role_review() {
    let sim = start().await;
    let t = sim.arm_token().await;
    let (s, b) = sim
        .arm("GET", &format!("{DEFS}?{API}&{MINE}"), &t, None)
        .await;
    assert_eq!(s, 200, "{b}");
    let defs = value(&b);
    assert_eq!(defs.len(), 1, "only the Azure role review: {b}");
    let d = &defs[0];
    assert_eq!(d["name"], AZURE_REVIEW);
    let p = &d["properties"];
    assert_eq!(p["scope"]["resourceId"], RG_SECURITY);
    assert_eq!(
        p["scope"]["roleDefinitionId"],
        format!("{RG_SECURITY}/providers/Microsoft.Authorization/roleDefinitions/{CONTRIBUTOR}")
            .as_str()
    );
    assert_eq!(p["reviewers"][0]["principalId"], ALEX);
    let (s, b) = sim
        .arm(
            "GET",
            &format!("{DEFS}/{AZURE_REVIEW}/instances?{API}&{MINE}"),
            &t,
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let inst = value(&b).into_iter().next().expect("instance");
    assert_eq!(inst["properties"]["status"], "InProgress");
    let inst_id = inst["name"].as_str().expect("name").to_string();
    let (s, b) = sim
        .arm(
            "GET",
            &format!("{DEFS}/{AZURE_REVIEW}/instances/{inst_id}/decisions?{API}"),
            &t,
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let items = value(&b);
    let lee = &items[0];
    let lp = &lee["properties"];
    assert_eq!(lp["principal"]["id"], LEE);
    assert_eq!(lp["principal"]["type"], "user");
    assert_eq!(lp["resource"]["type"], "azureRole");
    assert_eq!(lp["resource"]["displayName"], "Contributor");
    assert_eq!(lp["decision"], "NotReviewed");
    let url = format!(
        "{DEFS}/{AZURE_REVIEW}/instances/{inst_id}/decisions/{}?{API}",
        lee["name"].as_str().expect("name")
    );
    let (s, b) = sim
        .arm(
            "PATCH",
            &url,
            &t,
            Some(json!({"properties": {"decision": "Deny", "justification": "Moved teams"}})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["properties"]["decision"], "Deny");
    assert_eq!(b["properties"]["justification"], "Moved teams");
    assert_eq!(b["properties"]["reviewedBy"]["principalId"], ALEX);
    // Lee reviews nothing here.
    let lee_token = sim.token_as("lee@contoso.example", ARM_SCOPES).await;
    let (s, b) = sim
        .arm(
            "PATCH",
            &url,
            &lee_token,
            Some(json!({"properties": {"decision": "Approve"}})),
        )
        .await;
    assert_eq!(s, 403, "{b}");
    assert_eq!(b["error"]["code"], "AuthorizationFailed");
    let (s, b) = sim
        .arm("GET", &format!("{DEFS}?{API}&{MINE}"), &lee_token, None)
        .await;
    assert_eq!((s, value(&b).len()), (200, 0), "{b}");
    // Without the filter, or with another version: refused.
    let (s, b) = sim.arm("GET", &format!("{DEFS}?{API}"), &t, None).await;
    assert_eq!(s, 403, "{b}");
    let (s, b) = sim
        .arm(
            "GET",
            &format!("{DEFS}?api-version=2020-10-01&{MINE}"),
            &t,
            None,
        )
        .await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(b["error"]["code"], "InvalidApiVersionParameter");
    // After the end: not in progress.
    sim.control("POST", "clock", json!({"advance": "P10D"}))
        .await;
    let t = sim.arm_token().await;
    let (s, b) = sim
        .arm(
            "PATCH",
            &url,
            &t,
            Some(json!({"properties": {"decision": "Approve"}})),
        )
        .await;
    assert_eq!(s, 409, "{b}");
}

#[tokio::test]
async fn accept_recommendations_applies_them_with_204() {
    let sim = start().await;
    let t = sim.arm_token().await;
    let (_, b) = sim
        .arm(
            "GET",
            &format!("{DEFS}/{AZURE_REVIEW}/instances?{API}&{MINE}"),
            &t,
            None,
        )
        .await;
    let inst_id = value(&b)[0]["name"].as_str().expect("name").to_string();
    let (s, b) = sim
        .arm(
            "POST",
            &format!("{DEFS}/{AZURE_REVIEW}/instances/{inst_id}/acceptRecommendations?{API}"),
            &t,
            None,
        )
        .await;
    assert_eq!(s, 204, "{b}");
    let (_, b) = sim
        .arm(
            "GET",
            &format!("{DEFS}/{AZURE_REVIEW}/instances/{inst_id}/decisions?{API}"),
            &t,
            None,
        )
        .await;
    assert_eq!(
        value(&b)[0]["properties"]["decision"],
        "Approve",
        "Lee was recommended for approval"
    );
}
