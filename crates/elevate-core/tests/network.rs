//! Networks against the sim: HTTPS with a CA made in the test and trusted only through the
//! system store (SSL_CERT_FILE), a certificate from an unknown CA refused with its issuer
//! named, every request (sign-in included) through HTTPS_PROXY with NO_PROXY exemptions, and
//! the doctor's report on a healthy setup and on three broken ones.

mod common;
mod net_support;

use std::sync::Arc;

use elevate_core::doctor::{CheckKind, CheckStatus, DoctorReport};
use elevate_core::http::{Http, Request};
use elevate_core::secret::Secret;
use elevate_core::service::{Env, Filter};
use elevate_core::shell::RecordingShell;
use elevate_core::Elevate;
use elevate_sim::{SimServer, TestCa};
use net_support::{closed_port, https_sim, trust_store, TestProxy, TrustingBrowser, INSPECTION_CA};

fn data_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("elevate-net-data-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&d).expect("dir");
    d
}

/// The service on `sim` with extra variables (over the sim's own) and the trusting browser.
fn open(
    sim: &SimServer,
    extra: &[(&str, String)],
    names: Vec<(String, std::net::SocketAddr)>,
) -> Arc<Elevate> {
    let mut env: Env = common::sim_env(sim, &data_dir(), None, false);
    let base = env.vars.clone();
    let extra: Vec<(String, String)> = extra
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    env.vars = Arc::new(move |k: &str| {
        extra
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .or_else(|| base(k))
    });
    env.opener = Arc::new(TrustingBrowser { names });
    Elevate::open(env, Arc::new(RecordingShell::default())).expect("open")
}

fn check<'a>(
    r: &'a DoctorReport,
    endpoint: &str,
    kind: CheckKind,
) -> &'a elevate_core::doctor::Check {
    r.endpoints
        .iter()
        .find(|e| e.name == endpoint)
        .and_then(|e| e.checks.iter().find(|c| c.kind == kind))
        .unwrap_or_else(|| panic!("{endpoint} {kind:?} not in\n{}", r.text))
}

#[tokio::test]
async fn https_works_with_the_ca_in_the_system_store_only() {
    trust_store();
    let sim = https_sim("localhost", None).await;
    let e = open(&sim, &[], vec![]);
    e.sign_in().await.expect("sign-in over HTTPS");
    let list = e
        .assignments(Filter::default())
        .await
        .expect("list over HTTPS");
    assert!(!list.is_empty());
}

#[tokio::test]
async fn a_certificate_from_an_unknown_ca_is_refused_with_its_issuer_named() {
    trust_store();
    let rogue = TestCa::new("Rogue Inspection CA").expect("ca");
    let sim = https_sim("localhost", Some(&rogue)).await;
    let http = Http::new().expect("http");
    let url = format!("{}/v1.0/me", sim.graph_url());
    let token = Secret::new("t");
    let err = http
        .send(&Request::get(&url, &token))
        .await
        .expect_err("untrusted");
    let text = err.to_string();
    assert!(
        text.contains(
            "TLS: certificate issued by Rogue Inspection CA is not trusted by this system"
        ),
        "{text}"
    );
    // Sign-in's own calls (the device code and token requests) go through the same client.
    let e = open(&sim, &[], vec![]);
    let err = e.sign_in_device(|_| {}).await.expect_err("sign-in refused");
    assert!(
        err.to_string()
            .contains("TLS: certificate issued by Rogue Inspection CA"),
        "{err}"
    );
    assert_eq!(
        sim.sim().lock().total_requests(),
        0,
        "nothing reached the sim"
    );
}

#[tokio::test]
async fn every_request_goes_through_https_proxy_and_no_proxy_exempts() {
    trust_store();
    let sim = https_sim("sim.invalid", None).await;
    let names = vec![("sim.invalid".to_string(), sim.addr)];
    let proxy = TestProxy::start(names.clone()).await;
    let e = open(&sim, &[("HTTPS_PROXY", proxy.url())], names.clone());
    e.sign_in().await.expect("sign-in through the proxy");
    e.assignments(Filter::default())
        .await
        .expect("list through the proxy");
    let seen = proxy.seen();
    let port = sim.addr.port();
    assert!(!seen.is_empty(), "the proxy saw nothing");
    assert!(
        seen.iter()
            .all(|l| l == &format!("CONNECT sim.invalid:{port} HTTP/1.1")),
        "{seen:?}"
    );
    let token_calls = sim.sim().lock().count("login.token");
    assert!(token_calls > 0, "the sign-in's token calls were made");

    // NO_PROXY (lower case too) exempts ARM: it goes direct (and this name has no address
    // outside the proxy), while Graph still passes through the proxy.
    let arm = format!("https://arm.sim.invalid:{port}/arm");
    let proxy2 = TestProxy::start(vec![
        ("sim.invalid".to_string(), sim.addr),
        ("arm.sim.invalid".to_string(), sim.addr),
    ])
    .await;
    let e = open(
        &sim,
        &[
            ("https_proxy", proxy2.url()),
            ("no_proxy", "arm.sim.invalid".into()),
            ("ELEVATE_ARM_URL", arm),
        ],
        names,
    );
    e.sign_in().await.expect("sign-in through the proxy");
    let report = e.doctor().await;
    assert!(
        check(&report, "Azure Resource Manager", CheckKind::Proxy)
            .detail
            .contains("no_proxy lists 'arm.sim.invalid'"),
        "{}",
        report.text
    );
    assert!(
        proxy2.seen().iter().all(|l| !l.contains("arm.sim.invalid")),
        "{:?}",
        proxy2.seen()
    );
    assert!(proxy2
        .seen()
        .iter()
        .any(|l| l.contains("CONNECT sim.invalid")));
}

#[tokio::test]
async fn doctor_on_a_healthy_setup_over_http_and_over_https() {
    trust_store();
    // HTTP: the plain loopback sim.
    let sim = SimServer::start(
        elevate_sim::Scenario::builtin("demo").expect("demo"),
        elevate_sim::Settings::default(),
    )
    .await
    .expect("sim");
    let report = open(&sim, &[], vec![]).doctor().await;
    assert!(report.ok, "{}", report.text);
    assert_eq!(report.endpoints.len(), 4);
    assert_eq!(
        check(&report, "Sign-in", CheckKind::Tls).status,
        CheckStatus::Skipped
    );
    assert!(check(&report, "Sign-in", CheckKind::Dns)
        .detail
        .contains("127.0.0.1"));
    assert_eq!(
        check(&report, "Microsoft Graph", CheckKind::Clock).status,
        CheckStatus::Ok
    );
    assert!(report.text.contains("Result: every check passed."));

    // HTTPS: the issuer is named, so TLS inspection shows.
    let sim = https_sim("localhost", None).await;
    let report = open(&sim, &[], vec![]).doctor().await;
    assert!(report.ok, "{}", report.text);
    for name in [
        "Sign-in",
        "Microsoft Graph",
        "Azure Resource Manager",
        "Device sign-in page",
    ] {
        let tls = check(&report, name, CheckKind::Tls);
        assert_eq!(tls.status, CheckStatus::Ok, "{}", report.text);
        assert!(
            tls.detail.contains(&format!("issued by {INSPECTION_CA}")),
            "{}",
            tls.detail
        );
        assert!(
            tls.detail.contains("TLS 1.3") && tls.detail.contains("expires"),
            "{}",
            tls.detail
        );
        assert_eq!(
            check(&report, name, CheckKind::Http).status,
            CheckStatus::Ok
        );
    }
    let json = serde_json::to_value(&report).expect("json");
    assert_eq!(json["endpoints"][0]["checks"][0]["kind"], "proxy");
    assert!(report
        .client_id
        .contains("your organisation's registration"));
}

#[tokio::test]
async fn doctor_names_a_wrong_dns_name() {
    trust_store();
    let sim = https_sim("localhost", None).await;
    let report = open(
        &sim,
        &[(
            "ELEVATE_LOGIN_URL",
            "https://nonexistent.invalid/login".into(),
        )],
        vec![],
    )
    .doctor()
    .await;
    assert!(!report.ok);
    let dns = check(&report, "Sign-in", CheckKind::Dns);
    assert_eq!(dns.status, CheckStatus::Fail, "{}", report.text);
    assert!(
        dns.detail
            .contains("nonexistent.invalid could not be resolved"),
        "{}",
        dns.detail
    );
    assert!(dns
        .fix
        .as_deref()
        .unwrap_or_default()
        .contains("ELEVATE_LOGIN_URL"));
    assert_eq!(
        check(&report, "Sign-in", CheckKind::Http).status,
        CheckStatus::Skipped
    );
    assert_eq!(
        check(&report, "Microsoft Graph", CheckKind::Http).status,
        CheckStatus::Ok
    );
    assert!(report.failures().contains(&"Sign-in: dns".to_string()));
}

#[tokio::test]
async fn doctor_names_the_issuer_of_a_certificate_from_an_unknown_ca() {
    trust_store();
    let rogue = TestCa::new("Rogue Inspection CA").expect("ca");
    let sim = https_sim("localhost", Some(&rogue)).await;
    let report = open(&sim, &[], vec![]).doctor().await;
    assert!(!report.ok);
    let tls = check(&report, "Microsoft Graph", CheckKind::Tls);
    assert_eq!(tls.status, CheckStatus::Fail, "{}", report.text);
    assert!(
        tls.detail.starts_with(
            "TLS: certificate issued by Rogue Inspection CA is not trusted by this system"
        ),
        "{}",
        tls.detail
    );
    assert!(tls
        .fix
        .as_deref()
        .unwrap_or_default()
        .contains("trust store"));
    assert_eq!(
        check(&report, "Microsoft Graph", CheckKind::Tcp).status,
        CheckStatus::Ok
    );
}

#[tokio::test]
async fn doctor_names_a_proxy_that_is_down() {
    trust_store();
    let sim = https_sim("sim.invalid", None).await;
    let port = closed_port().await;
    let report = open(
        &sim,
        &[(
            "HTTPS_PROXY",
            format!("http://user:s3cret@127.0.0.1:{port}"),
        )],
        vec![],
    )
    .doctor()
    .await;
    assert!(!report.ok);
    let proxy = check(&report, "Sign-in", CheckKind::Proxy);
    assert!(
        proxy.detail.contains(&format!(
            "http://127.0.0.1:{port} (with credentials) (from HTTPS_PROXY)"
        )),
        "{}",
        proxy.detail
    );
    let tcp = check(&report, "Sign-in", CheckKind::Tcp);
    assert_eq!(tcp.status, CheckStatus::Fail, "{}", report.text);
    assert!(
        tcp.detail.contains("does not accept connections"),
        "{}",
        tcp.detail
    );
    assert!(tcp
        .fix
        .as_deref()
        .unwrap_or_default()
        .contains("HTTPS_PROXY"));
    let text = report.text.clone() + &serde_json::to_string(&report).expect("json");
    assert!(
        !text.contains("s3cret") && !text.contains("user:"),
        "no secret in the report"
    );
}

#[tokio::test]
async fn the_policy_proxy_beats_https_proxy_and_the_settings() {
    trust_store();
    let sim = https_sim("sim.invalid", None).await;
    let names = vec![("sim.invalid".to_string(), sim.addr)];
    let proxy = TestProxy::start(names.clone()).await;
    let dead = closed_port().await;
    let mut env: Env = common::sim_env(&sim, &data_dir(), None, false);
    let base = env.vars.clone();
    let dead_url = format!("http://127.0.0.1:{dead}");
    env.vars = Arc::new(move |k: &str| match k {
        "HTTPS_PROXY" => Some(dead_url.clone()),
        other => base(other),
    });
    env.opener = Arc::new(TrustingBrowser { names });
    let policy = format!(r#"{{"proxy": "{}"}}"#, proxy.url());
    env.policy = elevate_core::managed::Policy::from_json(&policy, "test policy").expect("policy");
    let e = Elevate::open(env, Arc::new(RecordingShell::default())).expect("open");
    e.sign_in_device(|_| {})
        .await
        .expect("sign-in through the policy's proxy");
    assert!(!proxy.seen().is_empty());
    let report = e.doctor().await;
    assert!(report.ok, "{}", report.text);
    assert!(
        report.proxy.contains("from your organisation's policy"),
        "{}",
        report.proxy
    );
}
