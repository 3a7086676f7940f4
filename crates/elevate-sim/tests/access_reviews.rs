//! Access reviews on Graph v1.0: the reviewer's `filterByCurrentUser(on='reviewer')` listings
//! (series with their documented scopes, instances, decision items, stages of a multi-stage
//! review), a decision (204) and `batchRecordDecisions` (204) with their refusals (missing
//! scope, not a reviewer, justification required, instance not in progress), paging, and the
//! tenant-wide listing of every series, which needs a reader role.

mod common;

use common::*;
use serde_json::{json, Value};

const DEFS: &str = "/identityGovernance/accessReviews/definitions";
const MINE: &str = "filterByCurrentUser(on='reviewer')";
const PRA_REVIEW: &str = "a7c1e0d2-3b4f-4c5d-8e6f-1a2b3c4d5e01";
const SOC_REVIEW: &str = "a7c1e0d2-3b4f-4c5d-8e6f-1a2b3c4d5e02";
const AZURE_REVIEW: &str = "a7c1e0d2-3b4f-4c5d-8e6f-1a2b3c4d5e03";
const GA_REVIEW: &str = "a7c1e0d2-3b4f-4c5d-8e6f-1a2b3c4d5e04";
const ENDED_REVIEW: &str = "a7c1e0d2-3b4f-4c5d-8e6f-1a2b3c4d5e05";
const READ: &str = "openid offline_access https://graph.microsoft.com/AccessReview.Read.All";
const WRITE: &str = "openid offline_access https://graph.microsoft.com/AccessReview.ReadWrite.All";

/// The sim on `scenario`, Alex signed in automatically.
async fn start_scenario(scenario: elevate_sim::Scenario) -> Sim {
    let settings = elevate_sim::Settings {
        auto_sign_in: Some(ALEX.into()),
        ..Default::default()
    };
    let server = elevate_sim::SimServer::start(scenario, settings)
        .await
        .expect("start sim");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    Sim { server, http }
}

/// Whether the directory audit log holds a record of `service`.
fn audited_by(sim: &Sim, service: &str) -> bool {
    sim.server
        .sim()
        .lock()
        .tenant
        .audit
        .events()
        .any(|e| e.record["loggedByService"] == service)
}

async fn token(sim: &Sim, upn: &str, scopes: &str) -> String {
    sim.token_as(upn, scopes).await
}

/// The single instance of `def` as the reviewer sees it.
async fn instance_of(sim: &Sim, t: &str, def: &str) -> Value {
    let (s, b) = sim
        .graph("GET", &format!("{DEFS}/{def}/instances/{MINE}"), t, None)
        .await;
    assert_eq!(s, 200, "{b}");
    value(&b).into_iter().next().expect("an instance")
}

async fn decisions_of(sim: &Sim, t: &str, def: &str, inst: &str) -> Vec<Value> {
    let (s, b) = sim
        .graph(
            "GET",
            &format!("{DEFS}/{def}/instances/{inst}/decisions/{MINE}"),
            t,
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    value(&b)
}

#[tokio::test]
async fn the_reviewer_lists_series_instances_and_decisions_with_the_documented_shapes() {
    let sim = start().await;
    let t = token(&sim, "alex@contoso.example", READ).await;
    let (s, b) = sim.graph("GET", &format!("{DEFS}/{MINE}"), &t, None).await;
    assert_eq!(s, 200, "{b}");
    let defs = value(&b);
    let ids: Vec<&str> = defs.iter().filter_map(|d| d["id"].as_str()).collect();
    assert!(
        ids.contains(&PRA_REVIEW) && ids.contains(&SOC_REVIEW) && ids.contains(&ENDED_REVIEW),
        "{ids:?}"
    );
    assert!(!ids.contains(&GA_REVIEW), "Megan reviews that one");
    assert!(!ids.contains(&AZURE_REVIEW), "Azure role reviews are ARM's");
    let pra = find(&defs, PRA_REVIEW).expect("PRA review");
    assert_eq!(
        pra["scope"]["query"],
        format!("/roleManagement/directory/roleDefinitions/{PRA}").as_str()
    );
    assert_eq!(
        pra["scope"]["@odata.type"],
        "#microsoft.graph.accessReviewQueryScope"
    );
    assert_eq!(pra["settings"]["justificationRequiredOnApproval"], true);
    assert_eq!(pra["status"], "InProgress");
    let soc = find(&defs, SOC_REVIEW).expect("SOC review");
    assert_eq!(
        soc["scope"]["query"],
        format!("/groups/{SOC}/transitiveMembers").as_str()
    );

    let inst = instance_of(&sim, &t, PRA_REVIEW).await;
    assert_eq!(inst["status"], "InProgress");
    assert!(inst["endDateTime"].is_string() && inst["startDateTime"].is_string());
    let items = decisions_of(&sim, &t, PRA_REVIEW, inst["id"].as_str().expect("id")).await;
    assert_eq!(items.len(), 2);
    let megan = items
        .iter()
        .find(|d| d["principal"]["id"] == MEGAN)
        .expect("Megan under review");
    assert_eq!(megan["decision"], "NotReviewed");
    assert_eq!(megan["recommendation"], "Approve");
    assert_eq!(megan["justification"], Value::Null);
    assert_eq!(megan["principal"]["displayName"], "Megan Bowen");
    assert_eq!(
        megan["target"]["userPrincipalName"],
        "megan@contoso.example"
    );
    assert_eq!(
        megan["resource"]["displayName"],
        "Privileged Role Administrator"
    );
    assert_eq!(megan["accessReviewId"], inst["id"]);
    // The ended one: listed, Completed.
    let ended = instance_of(&sim, &t, ENDED_REVIEW).await;
    assert_eq!(ended["status"], "Completed");
    // `$filter` on decisions is `eq` only [DOC].
    let (s, b) = sim
        .graph(
            "GET",
            &format!("{DEFS}/{PRA_REVIEW}/instances/{}/decisions/{MINE}?$filter=decision eq 'NotReviewed'", inst["id"].as_str().expect("id")),
            &t,
            None,
        )
        .await;
    assert_eq!((s, value(&b).len()), (200, 2), "{b}");
}

#[tokio::test]
async fn a_decision_is_recorded_with_204_read_back_and_audited() {
    let sim = start().await;
    let t = token(&sim, "alex@contoso.example", WRITE).await;
    let inst = instance_of(&sim, &t, SOC_REVIEW).await;
    let inst_id = inst["id"].as_str().expect("id");
    let items = decisions_of(&sim, &t, SOC_REVIEW, inst_id).await;
    let lee = items
        .iter()
        .find(|d| d["principal"]["id"] == LEE)
        .expect("Lee");
    let url = format!(
        "{DEFS}/{SOC_REVIEW}/instances/{inst_id}/decisions/{}",
        lee["id"].as_str().expect("id")
    );
    let (s, b) = sim
        .graph(
            "PATCH",
            &url,
            &t,
            Some(json!({"decision": "dontknow", "justification": "Not my team"})),
        )
        .await;
    assert_eq!(s, 204, "{b}");
    let after = decisions_of(&sim, &t, SOC_REVIEW, inst_id).await;
    let lee = after
        .iter()
        .find(|d| d["principal"]["id"] == LEE)
        .expect("Lee");
    assert_eq!(lee["decision"], "DontKnow");
    assert_eq!(lee["justification"], "Not my team");
    assert_eq!(lee["reviewedBy"]["id"], ALEX);
    assert!(lee["reviewedDateTime"].is_string());
    assert!(
        audited_by(&sim, "Access Reviews"),
        "the decision is in the audit log"
    );
    // An unknown decision value.
    let (s, b) = sim
        .graph("PATCH", &url, &t, Some(json!({"decision": "Maybe"})))
        .await;
    assert_eq!(s, 400, "{b}");
    assert!(
        rules_of(&b).contains("Approve, Deny, NotReviewed or DontKnow"),
        "{b}"
    );
}

#[tokio::test]
async fn the_rules_refuse_a_read_scope_a_non_reviewer_a_missing_justification_and_an_ended_instance(
) {
    let sim = start().await;
    let read = token(&sim, "alex@contoso.example", READ).await;
    let write = token(&sim, "alex@contoso.example", WRITE).await;
    let inst = instance_of(&sim, &read, PRA_REVIEW).await;
    let inst_id = inst["id"].as_str().expect("id");
    let items = decisions_of(&sim, &read, PRA_REVIEW, inst_id).await;
    let url = format!(
        "{DEFS}/{PRA_REVIEW}/instances/{inst_id}/decisions/{}",
        items[0]["id"].as_str().expect("id")
    );
    // Deciding needs AccessReview.ReadWrite.All.
    let (s, b) = sim
        .graph("PATCH", &url, &read, Some(json!({"decision": "Deny"})))
        .await;
    assert_eq!(s, 403, "{b}");
    assert!(rules_of(&b).contains("AccessReview.ReadWrite.All"), "{b}");
    // Listing needs an AccessReview scope at all.
    let plain = sim.graph_token().await;
    let (s, b) = sim
        .graph("GET", &format!("{DEFS}/{MINE}"), &plain, None)
        .await;
    assert_eq!(s, 403, "{b}");
    assert!(rules_of(&b).contains("AccessReview.Read.All"), "{b}");
    // Approving here needs words.
    let (s, b) = sim
        .graph(
            "PATCH",
            &url,
            &write,
            Some(json!({"decision": "Approve", "justification": "  "})),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    assert!(
        rules_of(&b).contains("justificationRequiredOnApproval"),
        "{b}"
    );
    let (s, _) = sim
        .graph(
            "PATCH",
            &url,
            &write,
            Some(json!({"decision": "Approve", "justification": "Still on call"})),
        )
        .await;
    assert_eq!(s, 204);
    // Lee reviews nothing: his listing is empty and he may not decide.
    let lee = token(&sim, "lee@contoso.example", WRITE).await;
    let (s, b) = sim
        .graph("GET", &format!("{DEFS}/{MINE}"), &lee, None)
        .await;
    assert_eq!((s, value(&b).len()), (200, 0), "{b}");
    let (s, b) = sim
        .graph("PATCH", &url, &lee, Some(json!({"decision": "Deny"})))
        .await;
    assert_eq!(s, 403, "{b}");
    assert!(rules_of(&b).contains("not a reviewer"), "{b}");
    let (s, _) = sim
        .graph(
            "GET",
            &format!("{DEFS}/{PRA_REVIEW}/instances/{inst_id}/decisions/{MINE}"),
            &lee,
            None,
        )
        .await;
    assert_eq!(s, 403);
    // The ended review takes no decision.
    let ended = instance_of(&sim, &write, ENDED_REVIEW).await;
    let ended_id = ended["id"].as_str().expect("id");
    let ended_items = decisions_of(&sim, &write, ENDED_REVIEW, ended_id).await;
    let (s, b) = sim
        .graph(
            "PATCH",
            &format!(
                "{DEFS}/{ENDED_REVIEW}/instances/{ended_id}/decisions/{}",
                ended_items[0]["id"].as_str().expect("id")
            ),
            &write,
            Some(json!({"decision": "Deny", "justification": "left"})),
        )
        .await;
    assert_eq!(s, 409, "{b}");
    assert!(rules_of(&b).contains("InProgress"), "{b}");
    // Time passing closes a review.
    sim.control("POST", "clock", json!({"advance": "P4D"}))
        .await;
    let write = token(&sim, "alex@contoso.example", WRITE).await;
    let (s, b) = sim
        .graph("PATCH", &url, &write, Some(json!({"decision": "Deny"})))
        .await;
    assert_eq!(s, 409, "{b}");
}

#[tokio::test]
async fn batch_record_decisions_decides_by_principal_or_all_with_204() {
    let sim = start().await;
    let t = token(&sim, "alex@contoso.example", WRITE).await;
    let inst = instance_of(&sim, &t, SOC_REVIEW).await;
    let inst_id = inst["id"].as_str().expect("id");
    let url = format!("{DEFS}/{SOC_REVIEW}/instances/{inst_id}/batchRecordDecisions");
    let (s, b) = sim
        .graph(
            "POST",
            &url,
            &t,
            Some(
                json!({"decision": "Deny", "justification": "left the team", "principalId": MEGAN}),
            ),
        )
        .await;
    assert_eq!(s, 204, "{b}");
    let items = decisions_of(&sim, &t, SOC_REVIEW, inst_id).await;
    let by = |id: &str| {
        items
            .iter()
            .find(|d| d["principal"]["id"] == id)
            .map(|d| d["decision"].clone())
    };
    assert_eq!(by(MEGAN), Some(json!("Deny")));
    assert_eq!(by(LEE), Some(json!("NotReviewed")));
    let (s, _) = sim
        .graph(
            "POST",
            &url,
            &t,
            Some(json!({"decision": "Approve", "justification": "ok"})),
        )
        .await;
    assert_eq!(s, 204);
    let items = decisions_of(&sim, &t, SOC_REVIEW, inst_id).await;
    assert!(
        items.iter().all(|d| d["decision"] == "Approve"),
        "{items:?}"
    );
}

#[tokio::test]
async fn decision_items_page_with_top_and_next_links() {
    let mut scenario = elevate_sim::Scenario::builtin("demo").expect("demo");
    let review = &mut scenario.access_reviews[1];
    for _ in 0..6 {
        review
            .decisions
            .push(elevate_sim::scenario::ReviewSeedDecision {
                principal: LEE.into(),
                recommendation: None,
            });
    }
    let sim = start_scenario(scenario).await;
    let t = token(&sim, "alex@contoso.example", READ).await;
    let inst = instance_of(&sim, &t, SOC_REVIEW).await;
    let first = format!(
        "{}/v1.0{DEFS}/{SOC_REVIEW}/instances/{}/decisions/{MINE}?$top=3",
        sim.server.graph_url(),
        inst["id"].as_str().expect("id")
    );
    let (items, pages) = sim.all_pages(&first, &t).await;
    assert_eq!((items.len(), pages), (8, 3));
}

#[tokio::test]
async fn a_multi_stage_review_lists_its_stages_and_takes_decisions_on_the_current_one() {
    let mut scenario = elevate_sim::Scenario::builtin("demo").expect("demo");
    let mut seed = scenario.access_reviews[0].clone();
    seed.id = "a7c1e0d2-3b4f-4c5d-8e6f-1a2b3c4d5e99".into();
    seed.display_name = "Two stages".into();
    seed.stages = 2;
    seed.started_days_ago = 1.0;
    seed.ends_in_days = 9.0;
    seed.scope_form = Some("eligible".into());
    scenario.access_reviews.push(seed.clone());
    let sim = start_scenario(scenario).await;
    let t = token(&sim, "alex@contoso.example", WRITE).await;
    let (_, b) = sim
        .graph("GET", &format!("{DEFS}/{}", seed.id), &t, None)
        .await;
    assert_eq!(b["stageSettings"].as_array().map(Vec::len), Some(2), "{b}");
    assert!(
        b["scope"]["query"]
            .as_str()
            .is_some_and(|q| q.contains("roleEligibilityScheduleInstances")),
        "{b}"
    );
    let inst = instance_of(&sim, &t, &seed.id).await;
    let inst_id = inst["id"].as_str().expect("id");
    let (s, b) = sim
        .graph(
            "GET",
            &format!("{DEFS}/{}/instances/{inst_id}/stages/{MINE}", seed.id),
            &t,
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let stages = value(&b);
    let status: Vec<&str> = stages.iter().filter_map(|s| s["status"].as_str()).collect();
    assert_eq!(status, ["InProgress", "NotStarted"]);
    let (first, second) = (
        stages[0]["id"].as_str().expect("id"),
        stages[1]["id"].as_str().expect("id"),
    );
    let (_, b) = sim
        .graph(
            "GET",
            &format!(
                "{DEFS}/{}/instances/{inst_id}/stages/{first}/decisions/{MINE}",
                seed.id
            ),
            &t,
            None,
        )
        .await;
    let items = value(&b);
    assert_eq!(items.len(), 2);
    let url = |stage: &str, id: &Value| {
        format!(
            "{DEFS}/{}/instances/{inst_id}/stages/{stage}/decisions/{}",
            seed.id,
            id.as_str().unwrap_or_default()
        )
    };
    let (s, b) = sim
        .graph(
            "PATCH",
            &url(first, &items[0]["id"]),
            &t,
            Some(json!({"decision": "Deny", "justification": "x"})),
        )
        .await;
    assert_eq!(s, 204, "{b}");
    let (s, b) = sim
        .graph(
            "PATCH",
            &url(second, &items[1]["id"]),
            &t,
            Some(json!({"decision": "Deny"})),
        )
        .await;
    assert_eq!(s, 409, "the second stage has not started: {b}");
}

#[tokio::test]
async fn every_series_is_listed_for_a_reader_and_refused_otherwise() {
    let sim = start().await;
    // Alex holds Security Reader (assigned in the demo).
    let alex = token(&sim, "alex@contoso.example", READ).await;
    let (s, b) = sim.graph("GET", DEFS, &alex, None).await;
    assert_eq!(s, 200, "{b}");
    let all = value(&b);
    assert!(find(&all, GA_REVIEW).is_some(), "Megan's too");
    let ga = find(&all, GA_REVIEW).expect("GA review");
    assert_eq!(
        ga["scope"]["@odata.type"],
        "#microsoft.graph.principalResourceMembershipsScope"
    );
    assert_eq!(
        ga["scope"]["resourceScopes"][0]["query"],
        format!("/roleManagement/directory/roleDefinitions/{GLOBAL_ADMIN}").as_str()
    );
    let lee = token(&sim, "lee@contoso.example", READ).await;
    let (s, b) = sim.graph("GET", DEFS, &lee, None).await;
    assert_eq!(s, 403, "{b}");
    assert_eq!(b["error"]["code"], "Authorization_RequestDenied");
}
