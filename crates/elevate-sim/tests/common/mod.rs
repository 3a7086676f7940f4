//! A small client for the simulator tests: PKCE sign-in, Graph/ARM calls, sim controls.
#![allow(dead_code)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use elevate_sim::{Scenario, Settings, SimServer};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const ELEVATE_CLIENT: &str = "3b6f2d8e-5c1a-4f0b-9e7d-2a4c6b8e0f13";
pub const GRAPH_PS_CLIENT: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
pub const ALEX: &str = "7c4f2a1e-9d3b-4e8a-b5c6-0f1e2d3c4b5a";
pub const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
pub const SECURITY_ADMIN: &str = "194ae4cb-b126-40b2-bd5b-6091b380977d";
pub const USER_ADMIN: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";
pub const INTUNE_ADMIN: &str = "3a2c62db-5318-420d-8d74-23affee5d9d5";
pub const GLOBAL_READER: &str = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";
pub const BREAK_GLASS: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
pub const PROD: &str = "/subscriptions/5f2a1c3e-7b4d-4e6f-8a9b-0c1d2e3f4a5b";
pub const DEV: &str = "/subscriptions/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
pub const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
pub const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
pub const GRAPH_SCOPES: &str = "openid profile offline_access https://graph.microsoft.com/.default";
pub const ARM_SCOPES: &str =
    "openid offline_access https://management.azure.com/user_impersonation";
pub const API: &str = "api-version=2020-10-01";
pub const MEGAN: &str = "2b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b";
pub const LEE: &str = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a";
/// Privileged Role Administrator: approval required (Alex and Megan are eligible).
pub const PRA: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
/// Conditional Access Administrator: approval required (Alex and Lee are eligible).
pub const CA_ADMIN: &str = "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9";
/// SOC Analysts: its owners' policy needs approval and the approver's justification.
pub const SOC: &str = "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e";
/// Contributor here (Lee) needs approval and the approver's justification.
pub const RG_SECURITY: &str =
    "/subscriptions/5f2a1c3e-7b4d-4e6f-8a9b-0c1d2e3f4a5b/resourceGroups/rg-security-prod";
pub const APPROVAL_API: &str = "api-version=2021-01-01-preview";

pub struct Sim {
    pub server: SimServer,
    pub http: reqwest::Client,
}

pub async fn start() -> Sim {
    start_with(Settings {
        auto_sign_in: Some(ALEX.into()),
        ..Settings::default()
    })
    .await
}

pub async fn start_with(settings: Settings) -> Sim {
    let server = SimServer::start(Scenario::builtin("demo").expect("demo"), settings)
        .await
        .expect("start sim");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    Sim { server, http }
}

pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

pub fn pkce() -> Pkce {
    let verifier = format!("verifier-{}-{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let challenge = B64.encode(Sha256::digest(verifier.as_bytes()));
    Pkce {
        verifier,
        challenge,
    }
}

pub fn query_of(location: &str) -> Vec<(String, String)> {
    let q = location.split_once('?').map(|(_, q)| q).unwrap_or("");
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

pub fn param(q: &[(String, String)], k: &str) -> Option<String> {
    q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
}

pub fn jwt_claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("jwt payload");
    serde_json::from_slice(&B64.decode(payload).expect("b64")).expect("json")
}

impl Sim {
    pub fn tenant(&self) -> String {
        self.server.sim().tenant_id()
    }

    pub fn authorize_url(
        &self,
        client: &str,
        scopes: &str,
        pkce: &Pkce,
        extra: &[(&str, &str)],
    ) -> String {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        ser.append_pair("client_id", client)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", "http://localhost:51234")
            .append_pair("response_mode", "query")
            .append_pair("scope", scopes)
            .append_pair("state", "st-123")
            .append_pair("code_challenge", &pkce.challenge)
            .append_pair("code_challenge_method", "S256");
        for (k, v) in extra {
            ser.append_pair(k, v);
        }
        format!(
            "{}/{}/oauth2/v2.0/authorize?{}",
            self.server.login_url(),
            self.tenant(),
            ser.finish()
        )
    }

    /// /authorize (auto sign-in) → the code from the loopback redirect.
    pub async fn code(
        &self,
        client: &str,
        scopes: &str,
        pkce: &Pkce,
        extra: &[(&str, &str)],
    ) -> String {
        let resp = self
            .http
            .get(self.authorize_url(client, scopes, pkce, extra))
            .send()
            .await
            .expect("authorize");
        assert_eq!(resp.status(), 302, "authorize must redirect");
        let location = resp.headers()["location"]
            .to_str()
            .expect("location")
            .to_string();
        assert!(location.starts_with("http://localhost:51234"), "{location}");
        let q = query_of(&location);
        assert_eq!(param(&q, "state").as_deref(), Some("st-123"));
        param(&q, "code").unwrap_or_else(|| panic!("no code in {location}"))
    }

    pub async fn token_form(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let url = format!(
            "{}/{}/oauth2/v2.0/token",
            self.server.login_url(),
            self.tenant()
        );
        let resp = self.http.post(url).form(form).send().await.expect("token");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn device_start(&self) -> Value {
        let url = format!(
            "{}/{}/oauth2/v2.0/devicecode",
            self.server.login_url(),
            self.tenant()
        );
        let resp = self
            .http
            .post(url)
            .form(&[("client_id", ELEVATE_CLIENT), ("scope", GRAPH_SCOPES)])
            .send()
            .await
            .expect("devicecode");
        assert_eq!(resp.status(), 200);
        resp.json().await.expect("json")
    }

    pub async fn device_poll(&self, dc: &Value) -> (u16, Value) {
        let device = dc["device_code"].as_str().expect("device_code");
        self.token_form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", ELEVATE_CLIENT),
            ("device_code", device),
        ])
        .await
    }

    pub async fn redeem(
        &self,
        client: &str,
        code: &str,
        verifier: &str,
        scope: &str,
    ) -> (u16, Value) {
        self.token_form(&[
            ("grant_type", "authorization_code"),
            ("client_id", client),
            ("code", code),
            ("redirect_uri", "http://localhost:51234"),
            ("code_verifier", verifier),
            ("scope", scope),
        ])
        .await
    }

    /// A full sign-in; returns the token response.
    pub async fn sign_in(&self, client: &str, scopes: &str, extra: &[(&str, &str)]) -> Value {
        let p = pkce();
        let code = self.code(client, scopes, &p, extra).await;
        let (status, body) = self.redeem(client, &code, &p.verifier, scopes).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    pub async fn graph_token(&self) -> String {
        self.sign_in(ELEVATE_CLIENT, GRAPH_SCOPES, &[]).await["access_token"]
            .as_str()
            .expect("token")
            .to_string()
    }

    pub async fn arm_token(&self) -> String {
        self.sign_in(ELEVATE_CLIENT, ARM_SCOPES, &[]).await["access_token"]
            .as_str()
            .expect("token")
            .to_string()
    }

    pub async fn call(
        &self,
        method: &str,
        url: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let mut req = self.http.request(method.parse().expect("method"), url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::Null),
            headers,
        )
    }

    pub async fn graph(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let (s, b, _) = self
            .call(
                method,
                &format!("{}/v1.0{path}", self.server.graph_url()),
                Some(token),
                body,
            )
            .await;
        (s, b)
    }

    pub async fn arm(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let (s, b, _) = self
            .call(
                method,
                &format!("{}{path}", self.server.arm_url()),
                Some(token),
                body,
            )
            .await;
        (s, b)
    }

    pub async fn graph_beta(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let (s, b, _) = self
            .call(
                method,
                &format!("{}/beta{path}", self.server.graph_url()),
                Some(token),
                body,
            )
            .await;
        (s, b)
    }

    /// A Graph or ARM token for another user (auto sign-in honours `login_hint`).
    pub async fn token_as(&self, upn: &str, scopes: &str) -> String {
        self.sign_in(ELEVATE_CLIENT, scopes, &[("login_hint", upn)])
            .await["access_token"]
            .as_str()
            .expect("token")
            .to_string()
    }

    /// `POST /_sim/requests`: the status and body (a request, or the error).
    pub async fn request_as(&self, body: Value) -> (u16, Value) {
        let (s, b, _) = self
            .call(
                "POST",
                &format!("{}/_sim/requests", self.server.base_url()),
                None,
                Some(body),
            )
            .await;
        (s, b)
    }

    pub async fn control(&self, method: &str, path: &str, body: Value) -> Value {
        let (s, b, _) = self
            .call(
                method,
                &format!("{}/_sim/{path}", self.server.base_url()),
                None,
                Some(body),
            )
            .await;
        assert!(s < 300, "control {path}: {s} {b}");
        b
    }

    /// A route's request counter (`GET /_sim/counters`).
    pub async fn count(&self, key: &str) -> u64 {
        self.control("GET", "counters", json!(null)).await["routes"][key]
            .as_u64()
            .unwrap_or(0)
    }

    /// Follows every next link of a Graph or ARM collection.
    pub async fn all_pages(&self, first_url: &str, token: &str) -> (Vec<Value>, usize) {
        let mut url = first_url.to_string();
        let mut items = vec![];
        let mut pages = 0;
        loop {
            let (s, b, _) = self.call("GET", &url, Some(token), None).await;
            assert_eq!(s, 200, "{url}: {b}");
            pages += 1;
            items.extend(b["value"].as_array().cloned().unwrap_or_default());
            match b["@odata.nextLink"].as_str().or(b["nextLink"].as_str()) {
                Some(next) => url = next.to_string(),
                None => return (items, pages),
            }
        }
    }

    pub fn entra_activation(
        &self,
        role: &str,
        duration: &str,
        justification: Option<&str>,
    ) -> Value {
        let mut body = json!({"action": "selfActivate", "principalId": ALEX, "roleDefinitionId": role, "directoryScopeId": "/",
            "scheduleInfo": {"startDateTime": null, "expiration": {"type": "AfterDuration", "duration": duration}}});
        if let Some(j) = justification {
            body["justification"] = json!(j);
        }
        body
    }
}

pub const ENTRA_ELIGIBLE: &str = "/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')";
pub const ENTRA_ACTIVE: &str =
    "/roleManagement/directory/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')";
pub const ENTRA_REQUESTS: &str = "/roleManagement/directory/roleAssignmentScheduleRequests";
pub const GROUP_ELIGIBLE: &str = "/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances/filterByCurrentUser(on='principal')";
pub const GROUP_ACTIVE: &str = "/identityGovernance/privilegedAccess/group/assignmentScheduleInstances/filterByCurrentUser(on='principal')";
pub const GROUP_REQUESTS: &str =
    "/identityGovernance/privilegedAccess/group/assignmentScheduleRequests";
pub const ARM_ELIGIBLE: &str =
    "/providers/Microsoft.Authorization/roleEligibilityScheduleInstances";
pub const ARM_ACTIVE: &str = "/providers/Microsoft.Authorization/roleAssignmentScheduleInstances";

/// The `error.message` of a Graph or ARM error body (where PIM names the failed rules).
pub fn rules_of(body: &Value) -> String {
    body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

// The approver side (tests/approver*.rs).
pub const ENTRA_APPROVER: &str =
    "/roleManagement/directory/roleAssignmentScheduleRequests/filterByCurrentUser(on='approver')";
pub const GROUP_APPROVER: &str = "/identityGovernance/privilegedAccess/group/assignmentScheduleRequests/filterByCurrentUser(on='approver')";
pub const PENDING: &str = "$filter=status eq 'PendingApproval'";
pub const ROLE_APPROVALS: &str = "/roleManagement/directory/roleAssignmentApprovals";
pub const GROUP_APPROVALS: &str = "/identityGovernance/privilegedAccess/group/assignmentApprovals";

pub fn value(body: &Value) -> Vec<Value> {
    body["value"].as_array().cloned().unwrap_or_default()
}

pub fn find<'a>(items: &'a [Value], id: &str) -> Option<&'a Value> {
    items.iter().find(|i| i["id"] == id)
}

/// A pending request made through `_sim/requests`; returns its id.
pub async fn pending_request(sim: &Sim, body: Value) -> String {
    let (s, r) = sim.request_as(body).await;
    assert_eq!(
        (s, r["status"].as_str()),
        (200, Some("PendingApproval")),
        "{r}"
    );
    r["id"].as_str().expect("id").to_string()
}
