//! Every credential against the simulated tenant over HTTP: client secret and certificate
//! (app-only tokens for admin/audit reads, PIM self-service refused before the network), the
//! managed identity endpoints (IMDS, App Service), the Azure CLI through an `az` stand-in on
//! PATH, each refusal in plain words; and the one claims-challenge path (MFA on an ARM write,
//! Continuous Access Evaluation on a Graph read).

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use elevate_core::auth::{AzureCli, Credential, Session};
use elevate_core::config::Defaults;
use elevate_core::http::Http;
use elevate_core::model::Plane;
use elevate_core::planner::ActivationInput;
use elevate_core::secret::MemoryStore;
use elevate_core::service::{Input, Target};
use elevate_core::shell::RecordingShell;
use elevate_core::{Elevate, Error};
use elevate_sim::{Scenario, SimServer};
use serde_json::json;

const APP: &str = "6a1e0b7c-2f3d-4c5b-8e9f-0a1b2c3d4e5f";
const SECRET: &str = "demo-secret-value-~8Q";
const USER_MI: &str = "5eed5eed-aaaa-4bbb-8ccc-dddddddddddd";

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

async fn sim() -> SimServer {
    let scenario = Scenario::builtin("demo").expect("demo");
    let settings = elevate_sim::Settings {
        auto_sign_in: Some(scenario.default_user.clone()),
        ..Default::default()
    };
    SimServer::start(scenario, settings).await.expect("sim")
}

/// An `Elevate` on `sim` with these variables over the rig's (`ELEVATE_AUTH`, `AZURE_*`).
fn open(sim: &SimServer, extra: &[(&str, String)]) -> Result<Arc<Elevate>, Error> {
    let dir = std::env::temp_dir().join(format!("elevate-cred-{}", uuid::Uuid::new_v4()));
    let mut env = common::sim_env(sim, &dir, None, false);
    let inner = env.vars.clone();
    let extra: Vec<(String, String)> = extra
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    env.vars = Arc::new(move |k: &str| {
        extra
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .or_else(|| inner(k))
    });
    Elevate::open(env, Arc::new(RecordingShell::default()))
}

fn secret_env(secret: &str) -> Vec<(&'static str, String)> {
    vec![
        ("ELEVATE_AUTH", "client-secret".into()),
        ("AZURE_CLIENT_ID", APP.into()),
        ("AZURE_CLIENT_SECRET", secret.into()),
    ]
}

/// An application reads what its app roles allow (role definitions, the audit log).
async fn reads_as_an_application(e: &Elevate) {
    let (roles, failures) = e.role_definitions(&[Plane::EntraRole]).await;
    assert!(failures.is_empty(), "{failures:?}");
    assert!(roles.iter().any(|r| r.name == "Global Administrator"));
    let report = e.audit(&Default::default()).await;
    assert!(report.tenant_error.is_none(), "{:?}", report.tenant_error);
}

#[tokio::test]
async fn a_client_secret_gets_app_only_tokens_for_admin_reads() {
    let sim = sim().await;
    let e = open(&sim, &secret_env(SECRET)).expect("open");
    let summary = e.sign_in_summary().await;
    assert_eq!(
        (
            summary.method.as_str(),
            summary.client_id.as_deref(),
            summary.app_only
        ),
        ("client-secret", Some(APP), true)
    );
    assert!(summary.user.is_none(), "an application has no user");
    reads_as_an_application(&e).await;
    // Nothing of the secret in what is shown.
    assert!(!format!("{summary:?}").contains(SECRET));
}

#[tokio::test]
async fn a_bad_client_secret_is_explained_with_its_code() {
    let sim = sim().await;
    let e = open(&sim, &secret_env("not-the-secret")).expect("open");
    let (_, failures) = e.role_definitions(&[Plane::EntraRole]).await;
    let f = failures.first().expect("a failure");
    assert_eq!(f.error.code, "AADSTS7000215");
    assert!(
        f.error.message.contains("Value") && f.error.message.contains("AZURE_CLIENT_SECRET"),
        "{}",
        f.error.message
    );
}

#[tokio::test]
async fn missing_variables_are_refused_before_the_network() {
    let sim = sim().await;
    let err = open(&sim, &[("ELEVATE_AUTH", "client-secret".into())])
        .err()
        .expect("refused");
    // (The rig's own client id in the settings serves as the app's; the secret is missing.)
    assert!(err.to_string().contains("AZURE_CLIENT_SECRET"), "{err}");
    let err = open(&sim, &[("ELEVATE_AUTH", "password".into())])
        .err()
        .expect("refused");
    assert!(err.to_string().contains("managed-identity"), "{err}");
    assert_eq!(sim.sim().lock().total_requests(), 0);
}

#[tokio::test]
async fn app_only_activation_is_refused_before_the_network() {
    let sim = sim().await;
    let e = open(&sim, &secret_env(SECRET)).expect("open");
    let input = Input {
        justification: Some("x".into()),
        ..Input::default()
    };
    let err = e
        .activate(&Target::name("User Administrator", None), &input)
        .await
        .expect_err("refused");
    assert_eq!(err.code(), "invalidInput");
    assert!(
        err.to_string().contains("needs a user") || err.to_string().contains("need a user"),
        "{err}"
    );
    for what in [
        e.deactivate(&Target::name("User Administrator", None))
            .await,
        e.extend(&Target::name("User Administrator", None)).await,
    ] {
        assert!(what.err().is_some_and(|e| e.code() == "invalidInput"));
    }
    assert_eq!(
        sim.sim().lock().total_requests(),
        0,
        "nothing was sent, not even a token request"
    );
}

#[tokio::test]
async fn a_client_certificate_signs_an_assertion_the_tenant_verifies() {
    let sim = sim().await;
    let cert = |file: &str| {
        vec![
            ("ELEVATE_AUTH", "client-certificate".to_string()),
            ("AZURE_CLIENT_ID", APP.to_string()),
            ("AZURE_CLIENT_CERTIFICATE_PATH", fixture(file)),
        ]
    };
    let e = open(&sim, &cert("app-cert-and-key.pem")).expect("open");
    reads_as_an_application(&e).await;
    // A certificate the app does not have: refused by the tenant, said as that.
    let other = open(&sim, &cert("other-cert-and-key.pem")).expect("open");
    let (_, failures) = other.role_definitions(&[Plane::EntraRole]).await;
    let f = failures.first().expect("refused");
    assert_eq!(f.error.code, "AADSTS700027");
    assert!(
        f.error.message.contains("not one registered"),
        "{}",
        f.error.message
    );
    // An encrypted key, or a PKCS#12 file: refused before the network with what to do.
    let before = sim.sim().lock().total_requests();
    let err = open(&sim, &cert("app-cert-encrypted.pem"))
        .err()
        .expect("refused");
    assert_eq!(err.code(), "unsupported");
    assert!(err.to_string().contains("openssl pkcs8"), "{err}");
    let mut pfx = cert("app-cert-and-key.pem");
    pfx[2].1 = "/tmp/cert.pfx".into();
    assert!(open(&sim, &pfx)
        .err()
        .is_some_and(|e| e.to_string().contains("pkcs12")));
    assert_eq!(sim.sim().lock().total_requests(), before);
}

#[tokio::test]
async fn managed_identities_from_imds_and_app_service() {
    let sim = sim().await;
    let base = sim.base_url();
    let imds = format!("{base}/metadata/identity/oauth2/token");
    let system = open(
        &sim,
        &[
            ("ELEVATE_AUTH", "managed-identity".into()),
            ("ELEVATE_IMDS_ENDPOINT", imds.clone()),
        ],
    )
    .expect("open");
    reads_as_an_application(&system).await;
    // A user-assigned identity by its client id (AZURE_CLIENT_ID).
    let user = open(
        &sim,
        &[
            ("ELEVATE_AUTH", "managed-identity".into()),
            ("ELEVATE_IMDS_ENDPOINT", imds.clone()),
            ("AZURE_CLIENT_ID", USER_MI.into()),
        ],
    )
    .expect("open");
    let (roles, failures) = user.role_definitions(&[Plane::EntraRole]).await;
    assert!(failures.is_empty() && !roles.is_empty(), "{failures:?}");
    assert_eq!(
        user.sign_in_summary().await.client_id.as_deref(),
        Some(USER_MI)
    );
    // One the machine does not have.
    let none = open(
        &sim,
        &[
            ("ELEVATE_AUTH", "managed-identity".into()),
            ("ELEVATE_IMDS_ENDPOINT", imds),
            (
                "AZURE_CLIENT_ID",
                "00000000-0000-4000-8000-000000000000".into(),
            ),
        ],
    )
    .expect("open");
    let (_, failures) = none.role_definitions(&[Plane::EntraRole]).await;
    let msg = &failures.first().expect("refused").error.message;
    assert!(
        msg.contains("has no user-assigned managed identity") && msg.contains("assign one"),
        "{msg}"
    );
    // App Service: IDENTITY_ENDPOINT and IDENTITY_HEADER.
    let header = sim.sim().lock().auth.identity_header.clone();
    let app_service = |h: String| {
        open(
            &sim,
            &[
                ("ELEVATE_AUTH", "managed-identity".into()),
                ("IDENTITY_ENDPOINT", format!("{base}/msi/token")),
                ("IDENTITY_HEADER", h),
            ],
        )
        .expect("open")
    };
    reads_as_an_application(&app_service(header)).await;
    let (_, failures) = app_service("wrong".into())
        .role_definitions(&[Plane::EntraRole])
        .await;
    assert!(failures
        .first()
        .is_some_and(|f| f.error.message.contains("App Service")));
}

#[tokio::test]
async fn imds_unreachable_is_said_with_what_to_do() {
    let sim = sim().await;
    // A loopback port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let e = open(
        &sim,
        &[
            ("ELEVATE_AUTH", "managed-identity".into()),
            (
                "ELEVATE_IMDS_ENDPOINT",
                format!("http://127.0.0.1:{port}/metadata/identity/oauth2/token"),
            ),
        ],
    )
    .expect("open");
    let err = e
        .session()
        .token(elevate_core::auth::Resource::Graph, None)
        .await
        .expect_err("unreachable");
    assert!(
        err.to_string().contains("cannot be reached") && err.to_string().contains("--auth"),
        "{err}"
    );
}

/// The Azure CLI through the `az` stand-in (tests/fixtures/bin/az). One test: the stand-in
/// reads its state from this process's environment.
#[tokio::test]
async fn the_azure_cli_credential_through_an_az_stand_in() {
    let sim = sim().await;
    let bin = fixture("bin");
    let path = format!("{bin}:{}", std::env::var("PATH").unwrap_or_default());
    std::env::set_var("PATH", &path);
    std::env::set_var("ELEVATE_SIM_URL", sim.base_url());
    std::env::remove_var("AZ_STANDIN_TENANT");
    std::env::remove_var("AZ_STANDIN_SLEEP");

    // Not logged in: "run az login", with the tenant.
    std::env::remove_var("AZ_STANDIN_USER");
    let e = open(&sim, &[("ELEVATE_AUTH", "azure-cli".into())]).expect("open");
    let err = e
        .session()
        .resolve_identity()
        .await
        .expect_err("not logged in");
    assert_eq!(err.code(), "signInRequired");
    assert!(err.to_string().contains("az login --tenant"), "{err}");

    // Logged in: who it is comes from /me; the Azure plane lists; tokens are not stored.
    std::env::set_var("AZ_STANDIN_USER", "alex@contoso.example");
    let e = open(&sim, &[("ELEVATE_AUTH", "azure-cli".into())]).expect("open");
    let s = e.sign_in_summary().await;
    let me = s.user.expect("a user");
    assert_eq!(
        (s.method.as_str(), me.username.as_str()),
        ("azure-cli", "alex@contoso.example")
    );
    assert!(sim.sim().lock().count("graph.me") >= 1, "from /me");
    let listed = e
        .assignments(elevate_core::service::Filter {
            plane: Some(Plane::AzureResource),
            ..Default::default()
        })
        .await
        .expect("list");
    assert!(listed.iter().any(|a| a.plane == Plane::AzureResource));
    assert!(e.secret_store().get("anything").expect("store").is_none());

    // Logged in to another tenant.
    std::env::set_var("AZ_STANDIN_TENANT", "11111111-2222-4333-8444-555555555555");
    let e = open(&sim, &[("ELEVATE_AUTH", "azure-cli".into())]).expect("open");
    let err = e.session().resolve_identity().await.expect_err("tenant");
    assert!(err.to_string().contains("not signed in to tenant"), "{err}");
    std::env::remove_var("AZ_STANDIN_TENANT");

    // Not installed, and a time-out: said as that.
    let cfg = common::resolved(&sim, common::ELEVATE_CLIENT, common::ELEVATE_CLIENT);
    let session = |program: &str, timeout: Duration| {
        let mut az = AzureCli::new(Some(cfg.tenant.clone()));
        az.program = program.into();
        az.timeout = timeout;
        Session::new(
            cfg.clone(),
            Http::new().expect("http"),
            Arc::new(MemoryStore::default()),
            Arc::new(common::SimBrowser {
                opened: Default::default(),
            }),
        )
        .with_credential(Credential::AzureCli(az))
    };
    let err = session("/nonexistent/az", Duration::from_secs(5))
        .token(elevate_core::auth::Resource::Arm, None)
        .await
        .expect_err("missing");
    assert!(err.to_string().contains("not installed"), "{err}");
    std::env::set_var("AZ_STANDIN_SLEEP", "5");
    let err = session(&format!("{bin}/az"), Duration::from_millis(500))
        .token(elevate_core::auth::Resource::Arm, None)
        .await
        .expect_err("slow");
    assert!(err.to_string().contains("did not answer within"), "{err}");
    std::env::remove_var("AZ_STANDIN_SLEEP");
}

#[tokio::test]
async fn mfa_on_an_arm_write_is_answered_through_the_claims_path() {
    let rig = common::rig().await.signed_in().await;
    let snap = rig.pim.refresh().await;
    let dev = snap
        .assignments
        .iter()
        .find(|a| a.name == "Contributor" && a.scope.display_name == "Contoso Development")
        .expect("eligible")
        .clone();
    let plan = rig
        .pim
        .plan(
            &dev,
            &ActivationInput {
                justification: Some("deploy".into()),
                ..Default::default()
            },
            &Defaults::default(),
        )
        .await
        .expect("plan");
    let p1 = r#"{"access_token":{"acrs":{"essential":true,"values":["p1"]}}}"#;
    rig.fault(json!({"route": "arm.roleAssignmentScheduleRequests.put", "kind": "claimsChallenge", "claims": p1, "times": 1}));
    let opened_before = rig.opened.lock().expect("lock").len();
    let outcome = rig
        .pim
        .activate(&dev, &plan)
        .await
        .expect("activated after the challenge");
    assert!(outcome.request_id.is_some(), "{outcome:?}");
    // The refresh token cannot satisfy MFA: one step-up in the browser, with the claims.
    let opened = rig.opened.lock().expect("lock").clone();
    assert_eq!(opened.len(), opened_before + 1);
    assert!(opened.last().is_some_and(|u| u.contains("claims=")));
    let seen = sim_claims(&rig.sim);
    assert!(
        seen.iter().any(|c| c.contains("p1") && c.contains("cp1")),
        "{seen:?}"
    );
    assert_eq!(rig.count("arm.roleAssignmentScheduleRequests.put"), 2);
}

fn sim_claims(sim: &SimServer) -> Vec<String> {
    sim.sim().lock().auth.claims_seen.clone()
}

#[tokio::test]
async fn a_cae_challenge_on_a_graph_read_renews_the_token_with_its_claims_once() {
    let rig = common::rig().await.signed_in().await;
    rig.pim.refresh().await;
    // A revocation event after the token was issued: CAE asks for a token issued since.
    rig.advance(2);
    let nbf = rig.sim.sim().lock().tenant.now().timestamp();
    let claims = format!(r#"{{"access_token":{{"nbf":{{"essential":true,"value":"{nbf}"}}}}}}"#);
    rig.fault(
        json!({"route": "graph.batch", "kind": "claimsChallenge", "claims": claims, "times": 1}),
    );
    let tokens_before = rig.count("login.token");
    let snap = rig.pim.refresh().await;
    assert!(
        snap.failures
            .iter()
            .all(|f| f.plane == Plane::AzureResource),
        "{:?}",
        snap.failures
    );
    assert!(snap.assignments.iter().any(|a| a.plane == Plane::EntraRole));
    assert!(
        rig.count("login.token") > tokens_before,
        "the cache was bypassed"
    );
    let seen = sim_claims(&rig.sim);
    assert_eq!(
        seen.iter()
            .filter(|c| c.contains("nbf") && c.contains(&nbf.to_string()) && c.contains("cp1"))
            .count(),
        1,
        "the challenge answered once, with cp1: {seen:?}"
    );
    // A renewing call (deactivate's path) meets a CAE challenge on ARM too.
    rig.advance(1);
    let nbf = rig.sim.sim().lock().tenant.now().timestamp();
    let claims = format!(r#"{{"access_token":{{"nbf":{{"essential":true,"value":"{nbf}"}}}}}}"#);
    rig.fault(json!({"route": "arm.roleAssignmentScheduleRequests.list", "kind": "claimsChallenge", "claims": claims, "times": 1}));
    let dev = snap
        .assignments
        .iter()
        .find(|a| a.name == "Contributor" && a.scope.display_name == "Contoso Development")
        .expect("eligible")
        .clone();
    rig.pim
        .last_activation(&dev)
        .await
        .expect("read after one renewal");
}
