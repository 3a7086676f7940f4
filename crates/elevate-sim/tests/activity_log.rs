//! ARM `GET /subscriptions` and the Activity Log over HTTP on the `posture` scenario
//! (governance §2.3): the subscriptions the caller has a role around, the events a
//! schedule request PUT leaves (Started, then Succeeded or Failed, by the caller's UPN),
//! the restricted `$filter`, paging, the api-version, and who may read.

mod common;
mod posture_support;

use common::*;
use posture_support::*;
use serde_json::{json, Value};

const LOG_API: &str = "api-version=2015-04-01";
const VALUES: &str = "/providers/microsoft.insights/eventtypes/management/values";

fn range() -> String {
    let now = chrono::Utc::now();
    let from = (now - chrono::Duration::days(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let to = (now + chrono::Duration::days(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    format!("eventTimestamp ge '{from}' and eventTimestamp le '{to}'")
}

async fn log(sim: &Sim, token: &str, sub: &str, filter: &str) -> (u16, Value) {
    let q = query(&[("$filter", filter)]).replacen('?', "&", 1);
    sim.arm("GET", &format!("{sub}{VALUES}?{LOG_API}{q}"), token, None)
        .await
}

fn activation(principal: &str, justification: Option<&str>) -> Value {
    let mut body = json!({"properties": {"principalId": principal,
        "roleDefinitionId": format!("{RG_APP}/providers/Microsoft.Authorization/roleDefinitions/{CONTRIBUTOR}"),
        "requestType": "SelfActivate",
        "scheduleInfo": {"expiration": {"type": "AfterDuration", "duration": "PT1H"}}}});
    if let Some(j) = justification {
        body["properties"]["justification"] = json!(j);
    }
    body
}

async fn activate(sim: &Sim, token: &str, justification: Option<&str>) -> (u16, Value) {
    let name = uuid::Uuid::new_v4();
    sim.arm(
        "PUT",
        &format!("{RG_APP}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{name}?{API}"),
        token,
        Some(activation(RILEY, justification)),
    )
    .await
}

#[tokio::test]
async fn subscriptions_the_caller_has_a_role_around() {
    let sim = start_posture().await;
    let token = sim.arm_token().await;
    for v in ["2022-12-01", "2020-01-01"] {
        let (s, b) = sim
            .arm(
                "GET",
                &format!("/subscriptions?api-version={v}"),
                &token,
                None,
            )
            .await;
        assert_eq!(s, 200, "{b}");
        let subs = items(&b);
        assert_eq!(subs.len(), 1, "{b}");
        let sub = &subs[0];
        assert_eq!(sub["id"], FAB_PROD);
        assert_eq!(
            sub["subscriptionId"],
            FAB_PROD.trim_start_matches("/subscriptions/")
        );
        assert_eq!(sub["displayName"], "Fabrikam Production");
        assert_eq!(sub["state"], "Enabled");
        assert_eq!(sub["tenantId"], TENANT);
    }
    let (s, b) = sim
        .arm("GET", &format!("/subscriptions?{API}"), &token, None)
        .await;
    assert_eq!(
        (s, code(&b).as_str()),
        (400, "InvalidApiVersionParameter"),
        "{b}"
    );
    // No Azure role at all: none.
    let sam = sim.token_as(SAM_UPN, ARM_SCOPES).await;
    let (s, b) = sim
        .arm("GET", "/subscriptions?api-version=2022-12-01", &sam, None)
        .await;
    assert_eq!((s, items(&b).len()), (200, 0), "{b}");
}

#[tokio::test]
async fn a_request_put_leaves_started_and_succeeded_events() {
    let sim = start_posture().await;
    let token = sim.arm_token().await;
    let (s, b) = log(&sim, &token, FAB_PROD, &range()).await;
    assert_eq!((s, items(&b).len()), (200, 0), "{b}");
    let (s, r) = activate(&sim, &token, Some("deploy the hotfix")).await;
    assert_eq!(s, 201, "{r}");
    let filter = format!(
        "{} and resourceProvider eq 'Microsoft.Authorization'",
        range()
    );
    let (s, b) = log(&sim, &token, FAB_PROD, &filter).await;
    assert_eq!(s, 200, "{b}");
    let events = items(&b);
    assert_eq!(events.len(), 2, "{events:?}");
    let (end, begin) = (&events[0], &events[1]);
    assert_eq!(begin["status"]["value"], "Started");
    assert_eq!(end["status"]["value"], "Succeeded");
    assert_eq!(end["subStatus"]["value"], "Created");
    assert_eq!(begin["correlationId"], end["correlationId"]);
    for e in &events {
        assert_eq!(e["caller"], RILEY_UPN);
        assert_eq!(
            e["operationName"]["value"],
            "Microsoft.Authorization/roleAssignmentScheduleRequests/write"
        );
        assert!(e["operationName"]["localizedValue"].is_string());
        assert!(e["status"]["localizedValue"].is_string());
        assert_eq!(e["resourceGroupName"], "rg-app-prod");
        assert_eq!(
            e["subscriptionId"],
            FAB_PROD.trim_start_matches("/subscriptions/")
        );
        assert!(
            e["resourceId"]
                .as_str()
                .unwrap_or_default()
                .starts_with(RG_APP),
            "{e}"
        );
        assert!(e["eventTimestamp"].is_string() && e["properties"].is_object());
    }
    assert!(begin["properties"]["requestbody"]
        .as_str()
        .unwrap_or_default()
        .contains("SelfActivate"));
    // The other narrowing clauses.
    let corr = end["correlationId"].as_str().expect("correlation");
    let resource = end["resourceId"].as_str().expect("resource");
    for clause in [
        format!("correlationId eq '{corr}'"),
        "resourceGroupName eq 'rg-app-prod'".to_string(),
        format!("resourceUri eq '{resource}'"),
    ] {
        let (s, b) = log(&sim, &token, FAB_PROD, &format!("{} and {clause}", range())).await;
        assert_eq!((s, items(&b).len()), (200, 2), "{clause}: {b}");
    }
    let (s, b) = log(
        &sim,
        &token,
        FAB_PROD,
        &format!("{} and resourceGroupName eq 'rg-other'", range()),
    )
    .await;
    assert_eq!((s, items(&b).len()), (200, 0), "{b}");
    // A time range before the events: none.
    let (s, b) = log(
        &sim,
        &token,
        FAB_PROD,
        "eventTimestamp ge '2020-01-01T00:00:00Z' and eventTimestamp le '2020-01-02T00:00:00Z'",
    )
    .await;
    assert_eq!((s, items(&b).len()), (200, 0), "{b}");
    // $select.
    let q = query(&[("$filter", &range()), ("$select", "caller,status")]).replacen('?', "&", 1);
    let (s, b) = sim
        .arm(
            "GET",
            &format!("{FAB_PROD}{VALUES}?{LOG_API}{q}"),
            &token,
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert!(items(&b)
        .iter()
        .all(|e| e["caller"].is_string() && e.get("operationName").is_none()));
}

#[tokio::test]
async fn a_refused_put_leaves_a_failed_event_and_pages_follow() {
    let sim = start_posture().await;
    let token = sim.arm_token().await;
    let (s, r) = activate(&sim, &token, None).await;
    assert_eq!(s, 400, "justification required: {r}");
    let (s, b) = log(&sim, &token, FAB_PROD, &range()).await;
    assert_eq!(s, 200, "{b}");
    let events = items(&b);
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["status"]["value"], "Failed");
    assert_eq!(events[0]["subStatus"]["value"], "BadRequest");
    assert!(events[0]["properties"]["statusMessage"]
        .as_str()
        .unwrap_or_default()
        .contains("JustificationRule"));
    // Paging, one event per page.
    sim.control("POST", "settings", json!({"armPageSize": 1}))
        .await;
    let (s, r) = activate(&sim, &token, Some("now with a reason")).await;
    assert_eq!(s, 201, "{r}");
    let q = query(&[("$filter", &range())]).replacen('?', "&", 1);
    let url = format!("{}{FAB_PROD}{VALUES}?{LOG_API}{q}", sim.server.arm_url());
    let (all, pages) = sim.all_pages(&url, &token).await;
    assert_eq!((all.len(), pages), (4, 4));
}

#[tokio::test]
async fn the_filter_grammar_is_restricted() {
    let sim = start_posture().await;
    let token = sim.arm_token().await;
    let r = range();
    for bad in [
        String::new(),
        "eventTimestamp ge '2026-01-01T00:00:00Z'".to_string(),
        format!("{r} and caller eq 'riley@fabrikam.example'"),
        format!("{r} and resourceProvider eq 'Microsoft.Authorization' and correlationId eq 'x'"),
        format!("{r} and resourceProvider ne 'Microsoft.Authorization'"),
        format!("{r} or resourceProvider eq 'Microsoft.Authorization'"),
        format!("status eq 'Failed' and {r}"),
    ] {
        let (s, b) = log(&sim, &token, FAB_PROD, &bad).await;
        assert_eq!((s, code(&b).as_str()), (400, "BadRequest"), "{bad}: {b}");
        assert!(message(&b).contains("No other syntax is allowed"), "{b}");
    }
    // Without $filter at all.
    let (s, b) = sim
        .arm(
            "GET",
            &format!("{FAB_PROD}{VALUES}?{LOG_API}"),
            &token,
            None,
        )
        .await;
    assert_eq!((s, code(&b).as_str()), (400, "BadRequest"), "{b}");
    // Only 2015-04-01.
    let q = query(&[("$filter", &r)]).replacen('?', "&", 1);
    let (s, b) = sim
        .arm("GET", &format!("{FAB_PROD}{VALUES}?{API}{q}"), &token, None)
        .await;
    assert_eq!(
        (s, code(&b).as_str()),
        (400, "InvalidApiVersionParameter"),
        "{b}"
    );
}

#[tokio::test]
async fn reading_needs_a_role_around_the_subscription() {
    let sim = start_posture().await;
    let token = sim.arm_token().await;
    // Riley has no role on the sandbox subscription.
    let (s, b) = log(&sim, &token, FAB_SANDBOX, &range()).await;
    assert_eq!((s, code(&b).as_str()), (403, "AuthorizationFailed"), "{b}");
    assert!(
        message(&b).contains(RILEY_UPN)
            && message(&b).contains("microsoft.insights/eventtypes/values/read"),
        "{b}"
    );
    let sam = sim.token_as(SAM_UPN, ARM_SCOPES).await;
    let (s, _) = log(&sim, &sam, FAB_PROD, &range()).await;
    assert_eq!(s, 403);
    // An unknown subscription.
    let (s, b) = log(
        &sim,
        &token,
        "/subscriptions/00000000-0000-4000-8000-000000000000",
        &range(),
    )
    .await;
    assert_eq!((s, code(&b).as_str()), (404, "SubscriptionNotFound"), "{b}");
}
