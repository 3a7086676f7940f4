//! Sign-in behaviour over HTTP: PKCE, single-use codes, expiry, rotation, revocation,
//! device code, consent per resource, claims → acrs, loopback-only redirects.

mod common;

use common::*;
use elevate_sim::Settings;
use serde_json::json;

#[tokio::test]
async fn authorization_code_with_pkce_yields_a_graph_token_with_the_documented_claims() {
    let sim = start().await;
    let body = sim.sign_in(ELEVATE_CLIENT, GRAPH_SCOPES, &[]).await;
    assert_eq!(body["token_type"], "Bearer");
    assert!(
        body["refresh_token"].is_string(),
        "offline_access gives a refresh token"
    );
    assert!(body["id_token"].is_string(), "openid gives an id token");
    let claims = jwt_claims(body["access_token"].as_str().expect("at"));
    assert_eq!(claims["aud"], "https://graph.microsoft.com");
    assert_eq!(claims["oid"], ALEX);
    assert_eq!(claims["tid"], json!(sim.tenant()));
    assert_eq!(claims["preferred_username"], "alex@contoso.example");
    assert!(claims["scp"]
        .as_str()
        .is_some_and(|s| s.contains("RoleAssignmentSchedule.ReadWrite.Directory")));
    assert!(claims["exp"]
        .as_i64()
        .is_some_and(|e| e > claims["iat"].as_i64().unwrap_or(0)));
    assert!(
        claims.get("acrs").is_none(),
        "no acrs unless claims asked for one"
    );
}

#[tokio::test]
async fn one_token_per_resource_the_first_scope_wins() {
    let sim = start().await;
    let body = sim.sign_in(ELEVATE_CLIENT, ARM_SCOPES, &[]).await;
    let claims = jwt_claims(body["access_token"].as_str().expect("at"));
    assert_eq!(claims["aud"], "https://management.core.windows.net/");
    assert_eq!(claims["scp"], "user_impersonation");
}

#[tokio::test]
async fn codes_are_single_use_verified_and_expire() {
    let sim = start().await;
    let p = pkce();
    let code = sim.code(ELEVATE_CLIENT, GRAPH_SCOPES, &p, &[]).await;
    let (s, body) = sim
        .redeem(ELEVATE_CLIENT, &code, "a-wrong-verifier", GRAPH_SCOPES)
        .await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(body["error_codes"], json!([501481]));
    let (s, body) = sim
        .redeem(ELEVATE_CLIENT, &code, &p.verifier, GRAPH_SCOPES)
        .await;
    assert_eq!(
        (s, body["error_codes"].clone()),
        (400, json!([54005])),
        "a code is spent even by a failed redemption"
    );

    let p = pkce();
    let code = sim.code(ELEVATE_CLIENT, GRAPH_SCOPES, &p, &[]).await;
    sim.control("POST", "clock", json!({"advance": "PT11M"}))
        .await;
    let (s, body) = sim
        .redeem(ELEVATE_CLIENT, &code, &p.verifier, GRAPH_SCOPES)
        .await;
    assert_eq!((s, body["error_codes"].clone()), (400, json!([70008])));

    let (s, body) = sim
        .token_form(&[
            ("grant_type", "authorization_code"),
            ("client_id", ELEVATE_CLIENT),
            ("code", "x"),
            ("client_secret", "s"),
        ])
        .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (401, Some("invalid_client")),
        "public clients send no secret"
    );
}

#[tokio::test]
async fn authorize_refuses_missing_pkce_and_non_loopback_redirects() {
    let sim = start().await;
    let p = pkce();
    let url = sim
        .authorize_url(ELEVATE_CLIENT, GRAPH_SCOPES, &p, &[])
        .replace("code_challenge_method=S256", "code_challenge_method=plain");
    let resp = sim.http.get(url).send().await.expect("authorize");
    assert_eq!(resp.status(), 302);
    let q = query_of(resp.headers()["location"].to_str().expect("loc"));
    assert_eq!(param(&q, "error").as_deref(), Some("invalid_request"));
    assert_eq!(param(&q, "state").as_deref(), Some("st-123"));

    let url = sim
        .authorize_url(ELEVATE_CLIENT, GRAPH_SCOPES, &p, &[])
        .replace("localhost%3A51234", "evil.example");
    let resp = sim.http.get(url).send().await.expect("authorize");
    assert_eq!(resp.status(), 400, "never redirect to an unregistered URI");
    assert!(resp
        .text()
        .await
        .unwrap_or_default()
        .contains("AADSTS50011"));

    let url = sim.authorize_url(
        "00000000-0000-0000-0000-000000000000",
        GRAPH_SCOPES,
        &p,
        &[],
    );
    let resp = sim.http.get(url).send().await.expect("authorize");
    assert_eq!(resp.status(), 400);
    assert!(resp
        .text()
        .await
        .unwrap_or_default()
        .contains("AADSTS700016"));
}

#[tokio::test]
async fn the_sign_in_page_is_served_when_nobody_is_auto_signed_in_and_its_form_completes() {
    let sim = start_with(Settings::default()).await;
    let p = pkce();
    let url = sim.authorize_url(
        ELEVATE_CLIENT,
        GRAPH_SCOPES,
        &p,
        &[("login_hint", "megan@contoso.example")],
    );
    let resp = sim.http.get(&url).send().await.expect("authorize");
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.expect("html");
    assert!(html.contains("Megan Bowen") && html.contains("Accept and continue"));
    let mut form = query_of(&url);
    form.push(("user".into(), "2b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b".into()));
    form.push(("mfa".into(), "on".into()));
    form.push(("decision".into(), "continue".into()));
    let resp = sim
        .http
        .post(url.split('?').next().expect("base"))
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 302);
    let code = param(
        &query_of(resp.headers()["location"].to_str().expect("loc")),
        "code",
    )
    .expect("code");
    let (s, body) = sim
        .redeem(ELEVATE_CLIENT, &code, &p.verifier, GRAPH_SCOPES)
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        jwt_claims(body["access_token"].as_str().expect("at"))["preferred_username"],
        "megan@contoso.example"
    );

    // Cancel → access_denied; prompt=none without a session → login_required.
    form.retain(|(k, _)| k != "decision");
    form.push(("decision".into(), "cancel".into()));
    let resp = sim
        .http
        .post(url.split('?').next().expect("base"))
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(
        param(
            &query_of(resp.headers()["location"].to_str().expect("loc")),
            "error"
        )
        .as_deref(),
        Some("access_denied")
    );
    let resp = sim
        .http
        .get(sim.authorize_url(ELEVATE_CLIENT, GRAPH_SCOPES, &p, &[("prompt", "none")]))
        .send()
        .await
        .expect("authorize");
    assert_eq!(
        param(
            &query_of(resp.headers()["location"].to_str().expect("loc")),
            "error"
        )
        .as_deref(),
        Some("login_required")
    );
}

#[tokio::test]
async fn refresh_tokens_rotate_redeem_per_resource_and_can_be_revoked() {
    let sim = start().await;
    let first = sim.sign_in(ELEVATE_CLIENT, GRAPH_SCOPES, &[]).await;
    let rt = first["refresh_token"].as_str().expect("rt").to_string();
    let (s, arm) = sim
        .token_form(&[
            ("grant_type", "refresh_token"),
            ("client_id", ELEVATE_CLIENT),
            ("refresh_token", &rt),
            (
                "scope",
                "https://management.azure.com/user_impersonation offline_access",
            ),
        ])
        .await;
    assert_eq!(s, 200, "{arm}");
    assert_eq!(
        jwt_claims(arm["access_token"].as_str().expect("at"))["aud"],
        "https://management.core.windows.net/"
    );
    let rotated = arm["refresh_token"].as_str().expect("new rt");
    assert_ne!(rotated, rt, "each use returns a new refresh token");
    let (s, _) = sim
        .token_form(&[
            ("grant_type", "refresh_token"),
            ("client_id", ELEVATE_CLIENT),
            ("refresh_token", rotated),
            ("scope", GRAPH_SCOPES),
        ])
        .await;
    assert_eq!(s, 200);

    sim.control("POST", "revoke", json!({"user": ALEX})).await;
    let (s, body) = sim
        .token_form(&[
            ("grant_type", "refresh_token"),
            ("client_id", ELEVATE_CLIENT),
            ("refresh_token", rotated),
            ("scope", GRAPH_SCOPES),
        ])
        .await;
    assert_eq!(
        (s, body["error"].as_str(), body["error_codes"].clone()),
        (400, Some("invalid_grant"), json!([50173]))
    );
}

#[tokio::test]
async fn a_first_party_client_gets_graph_but_not_arm() {
    let sim = start().await;
    sim.sign_in(GRAPH_PS_CLIENT, GRAPH_SCOPES, &[]).await;
    let p = pkce();
    let code = sim.code(GRAPH_PS_CLIENT, ARM_SCOPES, &p, &[]).await;
    let (s, body) = sim
        .redeem(GRAPH_PS_CLIENT, &code, &p.verifier, ARM_SCOPES)
        .await;
    assert_eq!((s, body["error_codes"].clone()), (400, json!([65002])));
}

#[tokio::test]
async fn claims_with_an_authentication_context_put_acrs_in_the_token() {
    let sim = start().await;
    let claims =
        r#"{"access_token":{"xms_cc":{"values":["cp1"]},"acrs":{"essential":true,"value":"c1"}}}"#;
    let body = sim
        .sign_in(ELEVATE_CLIENT, GRAPH_SCOPES, &[("claims", claims)])
        .await;
    let c = jwt_claims(body["access_token"].as_str().expect("at"));
    assert_eq!(c["acrs"], json!(["c1"]));
    assert_eq!(c["xms_cc"], json!(["cp1"]));
    // A refresh asking for a context the sign-in satisfied keeps it; another one needs interaction.
    let rt = body["refresh_token"].as_str().expect("rt");
    let (s, again) = sim
        .token_form(&[
            ("grant_type", "refresh_token"),
            ("client_id", ELEVATE_CLIENT),
            ("refresh_token", rt),
            ("scope", GRAPH_SCOPES),
            ("claims", claims),
        ])
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        jwt_claims(again["access_token"].as_str().expect("at"))["acrs"],
        json!(["c1"])
    );
    let c2 = r#"{"access_token":{"acrs":{"essential":true,"value":"c2"}}}"#;
    let (s, body) = sim
        .token_form(&[
            ("grant_type", "refresh_token"),
            ("client_id", ELEVATE_CLIENT),
            ("refresh_token", rt),
            ("scope", GRAPH_SCOPES),
            ("claims", c2),
        ])
        .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("interaction_required"))
    );
}

#[tokio::test]
async fn device_code_pending_slow_down_approved_declined_expired() {
    let sim = start_with(Settings {
        device_code_interval: 0,
        ..Settings::default()
    })
    .await;
    let dc = sim.device_start().await;
    assert!(dc["verification_uri"]
        .as_str()
        .is_some_and(|u| u.ends_with("/login/devicelogin")));
    let (s, b) = sim.device_poll(&dc).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (400, Some("authorization_pending"))
    );
    sim.control(
        "POST",
        &format!("device/{}/approve", dc["user_code"].as_str().expect("uc")),
        json!({}),
    )
    .await;
    let (s, b) = sim.device_poll(&dc).await;
    assert_eq!(s, 200, "{b}");
    assert!(b["access_token"].is_string() && b["refresh_token"].is_string());

    let dc = sim.device_start().await;
    sim.control(
        "POST",
        &format!("device/{}/decline", dc["user_code"].as_str().expect("uc")),
        json!({}),
    )
    .await;
    assert_eq!(
        sim.device_poll(&dc).await.1["error"],
        "authorization_declined"
    );

    let dc = sim.device_start().await;
    sim.control("POST", "clock", json!({"advance": "PT16M"}))
        .await;
    assert_eq!(sim.device_poll(&dc).await.1["error"], "expired_token");

    sim.control("POST", "settings", json!({"deviceCodeInterval": 5}))
        .await;
    let dc = sim.device_start().await;
    assert_eq!(dc["interval"], 5);
    assert_eq!(
        sim.device_poll(&dc).await.1["error"],
        "authorization_pending"
    );
    assert_eq!(
        sim.device_poll(&dc).await.1["error"],
        "slow_down",
        "polling faster than the interval"
    );
}
