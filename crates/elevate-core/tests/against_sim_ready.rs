//! elevate-core against elevate-sim over HTTP: after an activation (ready only once the access
//! is effective, a watch that ends when the activation goes) and favorites at login.

mod common;

use std::sync::Arc;

use common::*;
use elevate_core::config::Defaults;
use elevate_core::model::{Assignment, Plane, Status};
use elevate_core::pim::RequestState;

/// The "ready" check waits for the access itself, not only the listing: with a propagation
/// delay in the sim, every plane reports Waiting until memberOf / ARM permissions show it.
#[tokio::test]
async fn ready_only_once_the_access_is_effective_on_every_plane() {
    use elevate_core::ready::{Readiness, ReadyOptions, ReadyOutcome};
    let rig = rig().await.signed_in().await;
    rig.settings(|s| s.effective_delay = 600);
    let snap = rig.pim.refresh().await;
    let picks = [
        find(&snap.assignments, "User Administrator", Status::Eligible).clone(),
        snap.assignments
            .iter()
            .find(|a| {
                a.plane == Plane::Group
                    && a.id == "3d4e5f6a-7b8c-4d9e-8f0a-2b3c4d5e6f7a"
                    && a.status == Status::Eligible
            })
            .expect("Platform Engineers member")
            .clone(),
        find(
            &snap.assignments,
            "Virtual Machine Contributor",
            Status::Eligible,
        )
        .clone(),
    ];
    for a in &picks {
        let before = rig.pim.readiness(a).await.expect("readiness");
        assert!(
            matches!(&before, Readiness::Waiting { reason } if reason.contains("not listed")),
            "{}: {before:?}",
            a.label()
        );
        let plan = rig
            .pim
            .plan(a, &input("ready check"), &Defaults::default())
            .await
            .expect("plan");
        rig.pim.activate(a, &plan).await.expect("activate");
        let listed = rig.pim.readiness(a).await.expect("readiness");
        assert!(
            matches!(&listed, Readiness::Waiting { reason } if reason.starts_with("listed as active")),
            "{}: listed but not effective: {listed:?}",
            a.label()
        );
    }
    // Times out with the reason while the access has not propagated.
    let quick = ReadyOptions {
        first_poll: std::time::Duration::from_millis(20),
        max_poll: std::time::Duration::from_millis(40),
        timeout: std::time::Duration::from_millis(150),
    };
    let out = rig.pim.wait_ready(&picks[2], quick).await;
    assert!(
        matches!(&out, ReadyOutcome::TimedOut { reason } if reason.contains("permissions")),
        "{out:?}"
    );
    rig.advance(11);
    for a in &picks {
        let out = rig.pim.wait_ready(a, quick).await;
        assert_eq!(out, ReadyOutcome::Ready { verified: true }, "{}", a.label());
    }
}

/// An activation that goes away while being watched ends the watch ("gone") instead of
/// waiting for the time-out.
#[tokio::test]
async fn a_watch_ends_when_the_activation_goes() {
    use elevate_core::ready::{ReadyOptions, ReadyOutcome};
    let rig = rig().await.signed_in().await;
    let snap = rig.pim.refresh().await;
    rig.settings(|s| s.effective_delay = 600);
    let ua = find(&snap.assignments, "User Administrator", Status::Eligible).clone();
    let plan = rig
        .pim
        .plan(&ua, &input("gone"), &Defaults::default())
        .await
        .expect("plan");
    rig.pim.activate(&ua, &plan).await.expect("activate");
    let pim = Arc::new(rig.pim);
    let watch = {
        let pim = pim.clone();
        let ua = ua.clone();
        tokio::spawn(async move {
            pim.wait_ready(
                &ua,
                ReadyOptions {
                    first_poll: std::time::Duration::from_millis(30),
                    max_poll: std::time::Duration::from_millis(30),
                    timeout: std::time::Duration::from_secs(20),
                },
            )
            .await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    rig.sim
        .sim()
        .lock()
        .tenant
        .clock
        .advance(chrono::Duration::minutes(6));
    let active = pim
        .refresh()
        .await
        .assignments
        .into_iter()
        .find(|a| a.key == ua.key && a.status == Status::Active)
        .expect("active");
    // Still not effective (600 s lag counts from the start, 6 min have passed).
    pim.deactivate(&active).await.expect("deactivate");
    let out = tokio::time::timeout(std::time::Duration::from_secs(10), watch)
        .await
        .expect("the watch ends")
        .expect("join");
    assert_eq!(out, ReadyOutcome::Gone);
}

/// Favorites at login: the plain one is activated, the active one is left alone, and those
/// that need a person (approval, step-up, a missing justification) are reported, not sent.
#[tokio::test]
async fn favorites_at_login_activate_what_they_can_and_report_the_rest() {
    use elevate_core::favorites::{activate_favorites, summary, FavoriteResult, Mode};
    use elevate_core::store::Favorite;
    let rig = rig().await.signed_in().await;
    let snap = rig.pim.refresh().await;
    let fav = |a: &Assignment, j: Option<&str>| Favorite {
        key: a.key.clone(),
        label: a.label(),
        justification: j.map(str::to_string),
        ticket_number: None,
        ticket_system: None,
        duration: Some("PT1H".into()),
    };
    let entra = |pred: &dyn Fn(&elevate_core::model::PolicySummary) -> bool| {
        snap.assignments
            .iter()
            .find(|a| {
                a.plane == Plane::EntraRole
                    && a.status == Status::Eligible
                    && a.scope.id == "/"
                    && a.policy.as_ref().is_some_and(pred)
            })
            .expect("a role with that policy")
            .clone()
    };
    let approval = entra(&|p| p.approval && p.auth_context.is_none());
    let step_up = entra(&|p| p.auth_context.is_some());
    let plain = find(&snap.assignments, "User Administrator", Status::Eligible).clone();
    let no_reason = find(
        &snap.assignments,
        "Exchange Administrator",
        Status::Eligible,
    )
    .clone();
    assert!(no_reason
        .policy
        .as_ref()
        .is_some_and(|p| p.justification && !p.ticket));
    // One already active before login.
    let active = find(
        &snap.assignments,
        "Helpdesk Administrator",
        Status::Eligible,
    )
    .clone();
    let plan = rig
        .pim
        .plan(&active, &input("earlier"), &Defaults::default())
        .await
        .expect("plan");
    rig.pim.activate(&active, &plan).await.expect("activate");
    let favorites = vec![
        fav(&plain, Some("daily ops")),
        fav(&active, Some("daily ops")),
        fav(&approval, Some("daily ops")),
        fav(&step_up, Some("daily ops")),
        fav(&no_reason, None),
    ];
    let snap = rig.pim.refresh().await;
    rig.reset_counters();
    let out = activate_favorites(
        &rig.pim,
        &favorites,
        &snap,
        &Defaults::default(),
        Mode::Unattended,
    )
    .await;
    let results: Vec<&FavoriteResult> = out.iter().map(|o| &o.result).collect();
    assert!(
        matches!(
            results[0],
            FavoriteResult::Sent {
                state: RequestState::Active,
                ..
            }
        ),
        "{results:?}"
    );
    assert_eq!(results[1], &FavoriteResult::AlreadyActive);
    for (i, needle) in [
        (2, "approver"),
        (3, "authentication context"),
        (4, "justification"),
    ] {
        assert!(
            matches!(results[i], FavoriteResult::NeedsYou { reason } if reason.contains(needle)),
            "{i}: {:?}",
            results[i]
        );
    }
    assert_eq!(
        rig.count("graph.roleAssignmentScheduleRequests.create"),
        1,
        "only the plain favorite was sent"
    );
    let (title, body) = summary(&out);
    assert_eq!(title, "Favorites: 1 activated, 3 need you");
    assert!(
        body.contains("User Administrator") && body.contains("approver"),
        "{body}"
    );
    // Run again (a second login): nothing is sent twice.
    let snap = rig.pim.refresh().await;
    let again = activate_favorites(
        &rig.pim,
        &favorites[..2],
        &snap,
        &Defaults::default(),
        Mode::Unattended,
    )
    .await;
    assert!(
        again
            .iter()
            .all(|o| o.result == FavoriteResult::AlreadyActive),
        "{again:?}"
    );
}
