//! Fault injection, latency, counters and reset, over real HTTP; and the standalone binary.

mod common;

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

#[tokio::test]
async fn throttle_and_unavailable_answer_with_retry_after_then_recover() {
    let sim = start().await;
    let token = sim.graph_token().await;
    sim.control(
        "POST",
        "faults",
        json!([
        {"route": "graph.me", "kind": "throttle", "retryAfter": 2},
        {"route": "arm.*", "kind": "unavailable", "retryAfter": 1, "times": 2}]),
    )
    .await;
    let url = format!("{}/v1.0/me", sim.server.graph_url());
    let (s, body, headers) = sim.call("GET", &url, Some(&token), None).await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (429, Some("TooManyRequests"))
    );
    assert_eq!(headers["retry-after"], "2");
    assert_eq!(
        sim.call("GET", &url, Some(&token), None).await.0,
        200,
        "a fault hits `times` requests, then it is gone"
    );
    let arm = sim.arm_token().await;
    let list = format!("{ARM_ELIGIBLE}?{API}&$filter=asTarget()");
    assert_eq!(sim.arm("GET", &list, &arm, None).await.0, 503);
    assert_eq!(sim.arm("GET", &list, &arm, None).await.0, 503);
    assert_eq!(sim.arm("GET", &list, &arm, None).await.0, 200);
}

#[tokio::test]
async fn a_reset_drops_the_connection_without_doing_anything() {
    let sim = start().await;
    let token = sim.graph_token().await;
    sim.control(
        "POST",
        "faults",
        json!({"route": "graph.roleAssignmentScheduleRequests.create", "kind": "reset"}),
    )
    .await;
    let url = format!("{}/v1.0{ENTRA_REQUESTS}", sim.server.graph_url());
    let err = sim
        .http
        .post(&url)
        .bearer_auth(&token)
        .json(&sim.entra_activation(USER_ADMIN, "PT1H", Some("x")))
        .send()
        .await;
    assert!(
        err.is_err(),
        "the client sees a broken connection, not a response"
    );
    let (_, active) = sim.graph("GET", ENTRA_ACTIVE, &token, None).await;
    assert!(
        !active["value"]
            .as_array()
            .expect("v")
            .iter()
            .any(|a| a["roleDefinitionId"] == USER_ADMIN),
        "nothing was done"
    );
}

#[tokio::test]
async fn a_response_lost_after_commit_leaves_exactly_one_activation() {
    let sim = start().await;
    let token = sim.arm_token().await;
    sim.control(
        "POST",
        "faults",
        json!({"route": "arm.roleAssignmentScheduleRequests.put", "kind": "lostAfterCommit"}),
    )
    .await;
    let name = uuid::Uuid::new_v4().to_string();
    let path = format!(
        "{DEV}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{name}?{API}"
    );
    let body = json!({"properties": {"principalId": ALEX, "roleDefinitionId": format!("{DEV}/providers/Microsoft.Authorization/roleDefinitions/{CONTRIBUTOR}"),
        "requestType": "SelfActivate", "justification": "deploy", "scheduleInfo": {"expiration": {"type": "AfterDuration", "duration": "PT1H"}}}});
    let lost = sim
        .http
        .put(format!("{}{path}", sim.server.arm_url()))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await;
    assert!(lost.is_err(), "the response never arrives");
    // The write was committed: the request can be found by its GUID, and retrying the same
    // GUID is refused rather than activating twice.
    let (s, got) = sim.arm("GET", &path, &token, None).await;
    assert_eq!(
        (s, got["properties"]["status"].as_str()),
        (200, Some("Provisioned"))
    );
    assert_eq!(
        sim.arm("PUT", &path, &token, Some(body)).await.1["error"]["code"],
        "RoleAssignmentRequestExists"
    );
    let acts = sim.control("GET", "activations", json!(null)).await;
    let contributor = acts
        .as_array()
        .expect("a")
        .iter()
        .filter(|a| {
            a["target"]
                .as_str()
                .is_some_and(|t| t.contains(CONTRIBUTOR) && t.contains(DEV))
        })
        .count();
    assert_eq!(contributor, 1);
}

#[tokio::test]
async fn latency_and_delay_are_added_and_counters_count_per_route() {
    let sim = start().await;
    let token = sim.graph_token().await;
    sim.control("DELETE", "counters", json!(null)).await;
    sim.control("POST", "latency", json!({"ms": 60})).await;
    let started = Instant::now();
    assert_eq!(sim.graph("GET", "/me", &token, None).await.0, 200);
    assert!(started.elapsed() >= Duration::from_millis(60));
    sim.control("POST", "latency", json!({"ms": 0})).await;
    sim.control(
        "POST",
        "faults",
        json!({"route": "graph.me", "kind": "delay", "delayMs": 80}),
    )
    .await;
    let started = Instant::now();
    sim.graph("GET", "/me", &token, None).await;
    assert!(started.elapsed() >= Duration::from_millis(80));
    sim.graph("GET", ENTRA_ELIGIBLE, &token, None).await;
    let counters = sim.control("GET", "counters", json!(null)).await;
    assert_eq!(counters["routes"]["graph.me"], 2);
    assert_eq!(
        counters["routes"]["graph.roleEligibilityScheduleInstances"],
        1
    );
    assert_eq!(counters["total"], 3, "controls are not counted");
    let log = sim.control("GET", "requests", json!(null)).await;
    assert_eq!(log.as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn reset_restores_the_scenario() {
    let sim = start().await;
    let token = sim.graph_token().await;
    sim.graph(
        "POST",
        ENTRA_REQUESTS,
        &token,
        Some(sim.entra_activation(USER_ADMIN, "PT1H", Some("x"))),
    )
    .await;
    sim.control(
        "POST",
        "faults",
        json!({"route": "*", "kind": "throttle", "times": 100}),
    )
    .await;
    sim.control("POST", "reset", json!(null)).await;
    assert_eq!(sim.control("GET", "faults", json!(null)).await, json!([]));
    let token = sim.graph_token().await;
    let (_, active) = sim.graph("GET", ENTRA_ACTIVE, &token, None).await;
    assert!(!active["value"]
        .as_array()
        .expect("v")
        .iter()
        .any(|a| a["roleDefinitionId"] == USER_ADMIN));
    assert_eq!(sim.graph("GET", "/me", &token, None).await.0, 200);
}

#[tokio::test]
async fn bad_controls_say_what_they_expect() {
    let sim = start().await;
    let url = format!("{}/_sim/faults", sim.server.base_url());
    let (s, body, _) = sim
        .call(
            "POST",
            &url,
            None,
            Some(json!({"route": "x", "kind": "explode"})),
        )
        .await;
    assert_eq!(s, 400);
    assert!(body["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("throttle|unavailable")));
    let (s, _, _) = sim
        .call(
            "POST",
            &format!("{}/_sim/clock", sim.server.base_url()),
            None,
            Some(json!({"advance": "soon"})),
        )
        .await;
    assert_eq!(s, 400);
}

#[test]
fn the_standalone_server_listens_on_loopback_and_reports_how_to_use_it() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_elevate-sim"))
        .args(["--scenario", "demo", "--port", "0", "--auto-sign-in"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn elevate-sim");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a line").expect("utf8");
    let url = first.split_whitespace().last().expect("url").to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");
    let hint = lines.next().expect("line").expect("utf8")
        + &lines.next().expect("line").expect("utf8")
        + &lines.next().expect("line").expect("utf8");
    assert!(
        hint.contains("ELEVATE_CLOUD=custom")
            && hint.contains(&format!("ELEVATE_GRAPH_URL={url}/graph")),
        "{hint}"
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let status = rt.block_on(async {
        reqwest::get(format!("{url}/_sim/clock"))
            .await
            .map(|r| r.status().as_u16())
    });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status.expect("reachable"), 200);

    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_elevate-sim"))
        .args(["--scenario", "nope", "--port", "0"])
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown scenario 'nope'"));
}
