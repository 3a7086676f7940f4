//! Access reviews assigned to me against elevate-sim over HTTP: the decisions waiting for me
//! on Graph and ARM (paged, multi-stage), each decision, each refusal (a scope not consented,
//! not a reviewer, the justification a review requires, a review no longer in progress: before
//! the network where the item says so, explained where the service says so), and the tray's
//! notices when a review opens and when it is about to close, told once across restarts.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use elevate_core::config::Config;
use elevate_core::notice::{NoticeKind, Offer};
use elevate_core::review::{ReviewApi, ReviewDecision, ReviewKind};
use elevate_core::shell::RecordingShell;
use elevate_core::{Elevate, Error};
use elevate_sim::scenario::ReviewSeedDecision;
use elevate_sim::{Scenario, SimServer};

const MEGAN: &str = "2b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b";
const LEE: &str = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a";
const PRA_REVIEW: &str = "a7c1e0d2-3b4f-4c5d-8e6f-1a2b3c4d5e01";
const SOC_REVIEW: &str = "a7c1e0d2-3b4f-4c5d-8e6f-1a2b3c4d5e02";
const AZURE_REVIEW: &str = "a7c1e0d2-3b4f-4c5d-8e6f-1a2b3c4d5e03";

struct Reviewer {
    sim: SimServer,
    e: Arc<Elevate>,
    shell: Arc<RecordingShell>,
    dir: PathBuf,
}

impl Drop for Reviewer {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Reviewer {
    async fn new(
        scenario: Scenario,
        settings: elevate_sim::Settings,
        background: bool,
    ) -> Reviewer {
        let settings = elevate_sim::Settings {
            auto_sign_in: Some(scenario.default_user.clone()),
            ..settings
        };
        let sim = SimServer::start(scenario, settings).await.expect("sim");
        let dir = std::env::temp_dir().join(format!("elevate-reviews-{}", uuid::Uuid::new_v4()));
        let (e, shell) = elevate_on(&sim, &dir, background).await;
        Reviewer { sim, e, shell, dir }
    }

    async fn demo() -> Reviewer {
        Reviewer::new(demo(), elevate_sim::Settings::default(), false).await
    }

    fn count(&self, key: &str) -> u64 {
        self.sim.sim().lock().count(key)
    }

    /// The decision the sim holds for `principal` in series `def` (the first stage's).
    fn decision_of(&self, def: &str, principal: &str) -> (String, Option<String>) {
        let s = self.sim.sim().lock();
        let r = s.tenant.access_review(def).expect("review");
        let d = r
            .instance
            .decisions
            .iter()
            .find(|d| d.principal == principal)
            .expect("decision");
        (d.decision.clone(), d.justification.clone())
    }

    fn withhold(&self, scopes: &[&str]) {
        self.sim.sim().lock().tenant.settings.withheld_scopes =
            scopes.iter().map(|s| s.to_string()).collect();
    }
}

fn demo() -> Scenario {
    Scenario::builtin("demo").expect("demo")
}

/// An Elevate (reviews on, signed in) on `sim` with its data in `dir`: a second one on the
/// same directory is the app after a restart.
async fn elevate_on(
    sim: &SimServer,
    dir: &std::path::Path,
    background: bool,
) -> (Arc<Elevate>, Arc<RecordingShell>) {
    let mut config = Config::default();
    config.reviews.enabled = Some(true);
    config.save(&dir.join("config.toml")).expect("config");
    let env = common::sim_env(sim, dir, Some(dir.join("config.toml")), background);
    let shell = Arc::new(RecordingShell::default());
    let e = Elevate::open(env, shell.clone()).expect("open");
    e.sign_in().await.expect("sign in");
    (e, shell)
}

#[tokio::test]
async fn my_pending_decisions_are_listed_across_graph_and_arm_soonest_first() {
    let t = Reviewer::demo().await;
    let mine = t.e.pending_reviews().await.expect("list");
    assert!(mine.failures.is_empty(), "{:?}", mine.failures);
    let names: Vec<(String, String)> = mine
        .items
        .iter()
        .map(|i| (i.review_name.clone(), i.principal.name().to_string()))
        .collect();
    assert_eq!(mine.items.len(), 5, "{names:?}");
    // Soonest due first: the PRA review ends in 3 days.
    assert_eq!(mine.items[0].review_id, PRA_REVIEW);
    let pra = &mine.items[0];
    assert_eq!(
        (pra.api, pra.kind, pra.pim),
        (ReviewApi::Graph, ReviewKind::EntraRole, true)
    );
    assert!(pra.justification_required);
    assert_eq!(pra.resource, "Privileged Role Administrator");
    assert_eq!(pra.instance_status, "InProgress");
    assert!(pra.due.is_some());
    assert_eq!(pra.decision, ReviewDecision::NotReviewed);
    assert_eq!(pra.justification, None);
    let soc = mine
        .items
        .iter()
        .find(|i| i.review_id == SOC_REVIEW)
        .expect("SOC");
    assert_eq!((soc.kind, soc.pim), (ReviewKind::Group, false));
    assert!(!soc.justification_required);
    let azure = mine
        .items
        .iter()
        .find(|i| i.review_id == AZURE_REVIEW)
        .expect("Azure");
    assert_eq!(
        (azure.api, azure.kind),
        (ReviewApi::Arm, ReviewKind::AzureRole)
    );
    assert_eq!(azure.target(), "Contributor on rg-security-prod");
    assert_eq!(azure.principal.name(), "Lee Gu");
    assert_eq!(azure.recommendation.as_deref(), Some("Approve"));
    // Megan's review and the ended one are not mine to decide now.
    assert!(mine.items.iter().all(|i| i.review_name.contains(':')
        || i.api == ReviewApi::Arm
        || i.review_id == SOC_REVIEW));
    assert!(!names
        .iter()
        .any(|(n, _)| n.contains("Global Administrator") || n.contains("last quarter")));
}

#[tokio::test]
async fn approve_deny_and_dont_know_are_recorded_on_both_apis_and_in_the_history() {
    let t = Reviewer::demo().await;
    let mine = t.e.pending_reviews().await.expect("list");
    let find = |def: &str, who: &str| {
        mine.items
            .iter()
            .find(|i| i.review_id == def && i.principal.id == who)
            .expect("item")
            .clone()
    };
    let pra = find(PRA_REVIEW, MEGAN);
    let d =
        t.e.decide_review(
            &pra.key,
            ReviewDecision::Approve,
            Some("Still runs the on-call rota"),
        )
        .await
        .expect("approve");
    assert_eq!(d.decision, ReviewDecision::Approve);
    assert!(d.message.contains("Megan Bowen"), "{}", d.message);
    assert_eq!(
        t.decision_of(PRA_REVIEW, MEGAN),
        ("Approve".into(), Some("Still runs the on-call rota".into()))
    );
    // By the bare decision id, without a justification where none is required.
    let soc = find(SOC_REVIEW, LEE);
    t.e.decide_review(&soc.decision_id, ReviewDecision::Deny, None)
        .await
        .expect("deny");
    assert_eq!(t.decision_of(SOC_REVIEW, LEE).0, "Deny");
    let azure = find(AZURE_REVIEW, LEE);
    t.e.decide_review(&azure.key, ReviewDecision::DontKnow, Some("not my area"))
        .await
        .expect("don't know");
    assert_eq!(
        t.decision_of(AZURE_REVIEW, LEE),
        ("DontKnow".into(), Some("not my area".into()))
    );
    assert_eq!(t.count("graph.accessReviews.decide"), 2);
    assert_eq!(t.count("arm.accessReviewDecisions.patch"), 1);
    // Decided items leave the list; each decision is in the history.
    let left = t.e.pending_reviews().await.expect("list");
    assert_eq!(left.items.len(), 2);
    assert!(t.e.reviews_view().items.iter().all(|i| i.key != pra.key));
    let history = t.e.history().expect("history");
    let reviews: Vec<_> = history
        .iter()
        .filter(|r| r.action.starts_with("review:"))
        .collect();
    assert_eq!(reviews.len(), 3);
    assert!(
        reviews.iter().all(|r| r.outcome == "recorded"),
        "{reviews:?}"
    );
    // Not reviewed is no decision.
    let e =
        t.e.decide_review(&left.items[0].key, ReviewDecision::NotReviewed, None)
            .await
            .expect_err("refused");
    assert!(matches!(e, Error::InvalidInput(_)), "{e}");
}

#[tokio::test]
async fn a_required_justification_is_refused_before_the_network_with_the_rule_named() {
    let t = Reviewer::demo().await;
    let mine = t.e.pending_reviews().await.expect("list");
    let pra = mine
        .items
        .iter()
        .find(|i| i.review_id == PRA_REVIEW)
        .expect("PRA");
    for blank in [None, Some("   ")] {
        let e =
            t.e.decide_review(&pra.key, ReviewDecision::Approve, blank)
                .await
                .expect_err("refused");
        match e {
            Error::PolicyRefused { rule, message } => {
                assert_eq!(rule, "justificationRequiredOnApproval");
                assert!(message.contains("requires a justification"), "{message}");
            }
            other => panic!("{other}"),
        }
    }
    assert_eq!(t.count("graph.accessReviews.decide"), 0, "nothing sent");
    // Denying needs no words here.
    t.e.decide_review(&pra.key, ReviewDecision::Deny, None)
        .await
        .expect("deny");
}

#[tokio::test]
async fn missing_consent_is_said_listing_asks_read_only_and_deciding_asks_write() {
    let t = Reviewer::demo().await;
    // Without ReadWrite consent, listing still works: it asks AccessReview.Read.All only.
    t.withhold(&["AccessReview.ReadWrite.All"]);
    let mine = t.e.pending_reviews().await.expect("list");
    assert!(mine.failures.is_empty(), "{:?}", mine.failures);
    let soc = mine
        .items
        .iter()
        .find(|i| i.review_id == SOC_REVIEW)
        .expect("SOC");
    let e =
        t.e.decide_review(&soc.key, ReviewDecision::Deny, None)
            .await
            .expect_err("no consent");
    assert_eq!(e.code(), "consent");
    assert!(e.to_string().contains("AccessReview.ReadWrite.All"), "{e}");
    assert_eq!(t.count("graph.accessReviews.decide"), 0);
    // ARM needs no Graph consent: the Azure review is still decided.
    let azure = mine
        .items
        .iter()
        .find(|i| i.api == ReviewApi::Arm)
        .expect("azure");
    t.e.decide_review(&azure.key, ReviewDecision::Approve, Some("ok"))
        .await
        .expect("ARM decides");
    // Without Read consent, Graph fails alone, in words, and ARM's are still listed.
    let t = Reviewer::demo().await;
    t.withhold(&["AccessReview.Read.All"]);
    let mine = t.e.pending_reviews().await.expect("list");
    assert_eq!(mine.failures.len(), 1, "{:?}", mine.failures);
    assert_eq!(mine.failures[0].api, ReviewApi::Graph);
    assert!(
        mine.failures[0]
            .error
            .message
            .contains("AccessReview.Read.All"),
        "{:?}",
        mine.failures
    );
    assert_eq!(mine.items.len(), 1, "the Azure review");
}

#[tokio::test]
async fn not_a_reviewer_any_more_is_said_as_that() {
    let t = Reviewer::demo().await;
    let mine = t.e.look_at_reviews().await;
    let soc = mine
        .items
        .iter()
        .find(|i| i.review_id == SOC_REVIEW)
        .expect("SOC")
        .clone();
    let azure = mine
        .items
        .iter()
        .find(|i| i.api == ReviewApi::Arm)
        .expect("azure")
        .clone();
    {
        let mut s = t.sim.sim().lock();
        for r in s.tenant.reviews.iter_mut() {
            r.reviewers = vec![MEGAN.into()];
        }
    }
    for it in [soc, azure] {
        let e =
            t.e.decide_review(&it.key, ReviewDecision::Deny, Some("x"))
                .await
                .expect_err("not a reviewer");
        assert!(e.service().is_some_and(|s| s.status == 403), "{e}");
        assert!(e.to_string().contains("not a reviewer"), "{e}");
    }
}

#[tokio::test]
async fn a_review_that_ended_is_refused_before_sending_or_explained_when_the_service_says_so() {
    let t = Reviewer::demo().await;
    let mine = t.e.look_at_reviews().await;
    let pra = mine
        .items
        .iter()
        .find(|i| i.review_id == PRA_REVIEW)
        .expect("PRA")
        .clone();
    let soc = mine
        .items
        .iter()
        .find(|i| i.review_id == SOC_REVIEW)
        .expect("SOC")
        .clone();
    // The service ends the SOC review early (stopped): the item still looks open here.
    {
        let mut s = t.sim.sim().lock();
        let now = s.tenant.now();
        let r = s
            .tenant
            .reviews
            .iter_mut()
            .find(|r| r.id == SOC_REVIEW)
            .expect("SOC");
        r.instance.end = now - chrono::Duration::minutes(1);
    }
    let e =
        t.e.decide_review(&soc.key, ReviewDecision::Deny, None)
            .await
            .expect_err("ended");
    assert!(e.service().is_some_and(|s| s.status == 409), "{e}");
    assert!(e.to_string().contains("no longer in progress"), "{e}");
    // The PRA review's end passes: known here, nothing sent.
    t.sim
        .sim()
        .lock()
        .tenant
        .clock
        .advance(chrono::Duration::days(4));
    let before = t.count("graph.accessReviews.decide");
    let e =
        t.e.decide_review(&pra.key, ReviewDecision::Deny, None)
            .await
            .expect_err("ended");
    assert!(
        matches!(&e, Error::PolicyRefused { rule, .. } if rule == "reviewInProgress"),
        "{e}"
    );
    assert_eq!(t.count("graph.accessReviews.decide"), before);
}

#[tokio::test]
async fn every_page_is_followed_on_both_apis_and_stages_are_read() {
    let mut scenario = demo();
    for r in scenario.access_reviews.iter_mut() {
        if r.id == SOC_REVIEW || r.id == AZURE_REVIEW {
            for _ in 0..120 {
                r.decisions.push(ReviewSeedDecision {
                    principal: LEE.into(),
                    recommendation: None,
                });
            }
        }
    }
    let mut two = scenario.access_reviews[0].clone();
    two.id = "a7c1e0d2-3b4f-4c5d-8e6f-1a2b3c4d5e99".into();
    two.display_name = "Helpdesk: two stages".into();
    two.stages = 2;
    two.started_days_ago = 1.0;
    two.ends_in_days = 9.0;
    two.justification_required = false;
    scenario.access_reviews.push(two.clone());
    let settings = elevate_sim::Settings {
        arm_page_size: 25,
        ..Default::default()
    };
    let t = Reviewer::new(scenario, settings, false).await;
    let mine = t.e.pending_reviews().await.expect("list");
    assert!(mine.failures.is_empty(), "{:?}", mine.failures);
    let of = |def: &str| mine.items.iter().filter(|i| i.review_id == def).count();
    assert_eq!(of(SOC_REVIEW), 122);
    assert_eq!(of(AZURE_REVIEW), 121);
    assert!(
        t.count("graph.accessReviews.decisions") >= 4,
        "pages followed"
    );
    assert!(
        t.count("arm.accessReviewDecisions.mine") >= 5,
        "ARM pages followed"
    );
    let staged: Vec<_> = mine
        .items
        .iter()
        .filter(|i| i.review_id == two.id)
        .collect();
    assert_eq!(staged.len(), 2);
    assert!(staged.iter().all(|i| i.stage_id.is_some()));
    t.e.decide_review(&staged[0].key, ReviewDecision::Deny, None)
        .await
        .expect("decided on the stage");
}

#[tokio::test]
async fn the_tray_tells_a_review_that_opens_and_one_about_to_close_once_even_after_a_restart() {
    let t = Reviewer::new(demo(), elevate_sim::Settings::default(), true).await;
    t.e.refresh().await;
    assert!(t.e.poll_reviews().await.expect("poll"));
    let opened = t.shell.notices_of(NoticeKind::ReviewOpened);
    assert_eq!(opened.len(), 3, "one per review: {opened:?}");
    assert!(opened
        .iter()
        .all(|n| n.offer == Offer::Handle
            && n.key.as_deref().is_some_and(|k| k.starts_with("review:"))));
    let pra = opened
        .iter()
        .find(|n| n.title.contains("Privileged Role Administrator"))
        .expect("PRA told");
    assert!(
        pra.body.contains("2 decisions") && pra.body.contains("due in 3 days"),
        "{}",
        pra.body
    );
    assert_eq!(t.shell.last_view().expect("view").reviews.items.len(), 5);
    // The tray has one entry for them, opening the popup's Reviews view.
    let tray = t.shell.last_tray().expect("tray");
    assert!(tray.tooltip.contains("5 to review"), "{}", tray.tooltip);
    let menu = format!("{:?}", tray.entries);
    assert!(
        menu.contains("Access reviews (5)…") && menu.contains("review:"),
        "{menu}"
    );
    t.e.poll_reviews().await.expect("poll");
    assert_eq!(
        t.shell.notices_of(NoticeKind::ReviewOpened).len(),
        3,
        "told once"
    );
    assert!(t.shell.notices_of(NoticeKind::ReviewClosing).is_empty());
    // A restart on the same data: not told again.
    let (e2, shell2) = elevate_on(&t.sim, &t.dir, true).await;
    e2.refresh().await;
    e2.poll_reviews().await.expect("poll");
    assert!(shell2.notices_of(NoticeKind::ReviewOpened).is_empty());
    // Two and a half days later the PRA review ends within a day: told once.
    t.sim
        .sim()
        .lock()
        .tenant
        .clock
        .advance(chrono::Duration::hours(60));
    e2.poll_reviews().await.expect("poll");
    e2.poll_reviews().await.expect("poll");
    let closing = shell2.notices_of(NoticeKind::ReviewClosing);
    assert_eq!(closing.len(), 1, "{closing:?}");
    assert!(
        closing[0].title.contains("Privileged Role Administrator"),
        "{}",
        closing[0].title
    );
    assert!(
        closing[0].body.contains("2 decisions still to make"),
        "{}",
        closing[0].body
    );
    // Turned off: nothing is looked at.
    let before = t.count("graph.accessReviews.definitions");
    let mut config = e2.config();
    config.reviews.enabled = Some(false);
    config.save(&t.dir.join("config.toml")).expect("config");
    let (e3, _) = elevate_on_config(&t.sim, &t.dir).await;
    assert!(e3.poll_reviews().await.expect("poll"));
    assert_eq!(t.count("graph.accessReviews.definitions"), before);
}

/// An Elevate on `dir` with the config file as it is.
async fn elevate_on_config(
    sim: &SimServer,
    dir: &std::path::Path,
) -> (Arc<Elevate>, Arc<RecordingShell>) {
    let env = common::sim_env(sim, dir, Some(dir.join("config.toml")), true);
    let shell = Arc::new(RecordingShell::default());
    let e = Elevate::open(env, shell.clone()).expect("open");
    (e, shell)
}
