//! elevate-core against elevate-sim over HTTP: the session (device-code sign-in, secrets
//! kept out of files and logs, sign-out, one shared refresh for concurrent callers).

mod common;

use std::sync::Arc;

use common::*;
use elevate_core::secret::{MemoryStore, SealedStore, SecretStore};
use elevate_core::Error;
use elevate_sim::Scenario;

#[tokio::test]
async fn device_code_sign_in_completes_when_the_person_approves() {
    let rig = rig().await;
    // A person approves this one (no auto sign-in), while the client polls.
    rig.settings(|s| {
        s.device_code_interval = 1;
        s.auto_sign_in = None;
    });
    let sim = rig.sim.sim().clone();
    let approver = tokio::spawn(async move {
        for _ in 0..50 {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let code = sim.lock().auth.devices.first().map(|d| d.user_code.clone());
            if let Some(code) = code {
                let user = sim.lock().tenant.scenario.default_user.clone();
                sim.lock().auth.decide_device(&code, &user, true, true);
                return true;
            }
        }
        false
    });
    let prompted = std::sync::Mutex::new(None);
    let id = rig
        .pim
        .session()
        .sign_in_device(|p| *prompted.lock().expect("l") = Some(p.clone()))
        .await
        .expect("device sign-in");
    assert!(approver.await.expect("join"));
    assert_eq!(id.username, "alex@contoso.example");
    let p = prompted.lock().expect("l").clone().expect("prompted");
    assert!(p.verification_uri.ends_with("/login/devicelogin") && p.user_code.len() == 9);
}

#[tokio::test]
async fn secrets_stay_out_of_files_and_logs_and_sign_out_removes_them() {
    let dir = std::env::temp_dir().join(format!("elevate-secrets-{}", uuid::Uuid::new_v4()));
    let store: Arc<dyn SecretStore> =
        Arc::new(SealedStore::new(MemoryStore::default(), dir.clone(), 16));
    let rig = rig_with(
        Scenario::builtin("demo").expect("demo"),
        ELEVATE_CLIENT,
        ELEVATE_CLIENT,
        store.clone(),
    )
    .await
    .signed_in()
    .await;
    let snap = rig.pim.refresh().await;
    let id = rig.pim.session().identity().expect("identity");
    let key = format!("{}:{}:{ELEVATE_CLIENT}", id.tenant_id, id.object_id);
    let rt = store
        .get(&key)
        .expect("get")
        .expect("a refresh token is stored");
    let at = rig
        .pim
        .session()
        .token(elevate_core::auth::Resource::Graph, None)
        .await
        .expect("token");
    // Nothing under the data dirs holds a token in plaintext.
    for root in [&dir, &rig.data] {
        for entry in walk(root) {
            let bytes = std::fs::read(&entry).expect("read");
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains(rt.expose()) && !text.contains(at.expose()),
                "{} holds a token",
                entry.display()
            );
        }
    }
    // Debug output of everything the UI or a log could see is token-free.
    let shown = format!("{snap:?} {id:?} {rt:?} {at:?} {:?}", json_of(&snap));
    assert!(!shown.contains(rt.expose()) && !shown.contains(at.expose()));
    rig.pim.session().sign_out().await.expect("sign out");
    assert_eq!(store.get(&key).expect("get"), None);
    assert!(walk(&dir).is_empty(), "the sealed file is gone");
    let err = rig
        .pim
        .session()
        .token(elevate_core::auth::Resource::Graph, None)
        .await
        .expect_err("signed out");
    assert!(matches!(err, Error::SignInRequired(_)));
}

fn walk(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    if let Ok(rd) = std::fs::read_dir(root) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[tokio::test]
async fn concurrent_callers_share_one_refresh() {
    let rig = rig().await.signed_in().await;
    // A new session over the same store and data dir: empty cache, refresh token stored.
    let cfg = rig.pim.session().cfg.clone();
    let http = elevate_core::http::Http::new().expect("http");
    let session = Arc::new(
        elevate_core::auth::Session::new(
            cfg,
            http,
            rig.store.clone(),
            Arc::new(SimBrowser {
                opened: rig.opened.clone(),
            }),
        )
        .with_data_dir(rig.data.clone()),
    );
    rig.reset_counters();
    let calls = (0..10).map(|_| {
        let s = session.clone();
        async move { s.token(elevate_core::auth::Resource::Graph, None).await }
    });
    let tokens = futures::future::join_all(calls).await;
    assert!(tokens.iter().all(|t| t.is_ok()));
    assert_eq!(
        rig.count("login.token"),
        1,
        "one refresh for ten concurrent callers"
    );
    assert!(
        rig.opened.lock().expect("l").len() == 1,
        "no browser needed: only the first sign-in opened one"
    );
}
