//! The checks on hand-built facts: a tenant built to fail known items, one that passes, the
//! alerts API taking precedence, sources that could not be read, and the renderings.

use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::model::{Access, Plane, PolicySummary};

const PRA: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
const READER: &str = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-29T12:00:00Z")
        .expect("time")
        .with_timezone(&Utc)
}

fn grant(who: &str, role: &str, name: &str, eligible: bool, end_days: Option<i64>) -> Grant {
    Grant {
        plane: Plane::EntraRole,
        role_id: role.into(),
        template_id: Some(role.into()),
        role_name: name.into(),
        scope: "/".into(),
        access: None,
        principal_id: format!("id-{who}"),
        principal_name: who.into(),
        principal_upn: Some(format!("{who}@contoso.example")),
        principal_kind: PrincipalKind::User,
        eligible,
        end: end_days.map(|d| now() + Duration::days(d)),
        created: Some(now() - Duration::days(200)),
        outside_pim: false,
    }
}

fn policy(role: &str, name: &str, rules: PolicySummary) -> RolePolicy {
    RolePolicy {
        plane: Plane::EntraRole,
        role_id: role.into(),
        template_id: Some(role.into()),
        role_name: name.into(),
        scope: "/".into(),
        access: None,
        rules,
    }
}

fn strict() -> PolicySummary {
    PolicySummary {
        max_duration: Some("PT4H".into()),
        justification: true,
        ticket: true,
        mfa: true,
        approval: true,
        auth_context: None,
        approver_justification: false,
    }
}

fn read_all(mut f: Facts) -> Facts {
    for p in Plane::ALL {
        f.planes.insert(p, Ok(()));
    }
    f.alerts = Err("RoleManagementAlert.Read.Directory not granted".into());
    f.audit = Ok(vec![]);
    f.reviews = Ok(vec![ReviewSeries {
        name: "Quarterly GA".into(),
        status: "InProgress".into(),
        role_ids: vec![GLOBAL_ADMIN.into(), SECURITY_ADMIN.into(), PRA.into()],
    }]);
    f
}

/// A tenant that passes everything.
fn good() -> Facts {
    let mut f = read_all(Facts::empty("contoso", now()));
    f.grants = vec![
        grant("ada", GLOBAL_ADMIN, "Global Administrator", true, Some(90)),
        grant(
            "bob",
            SECURITY_ADMIN,
            "Security Administrator",
            true,
            Some(120),
        ),
        grant("bg1", GLOBAL_ADMIN, "Global Administrator", false, None),
    ];
    f.policies = Ok(vec![
        policy(GLOBAL_ADMIN, "Global Administrator", strict()),
        policy(SECURITY_ADMIN, "Security Administrator", strict()),
    ]);
    let recent = Some(now() - Duration::days(2));
    f.sign_ins = Ok(["id-ada", "id-bob", "id-bg1"]
        .iter()
        .map(|k| (k.to_string(), recent))
        .collect());
    f.audit = Ok(["ada", "bob"]
        .iter()
        .map(|w| crate::pim::AuditEvent {
            source: "tenant".into(),
            time: now() - Duration::days(3),
            activity: "Add member to role completed (PIM activation)".into(),
            plane: Some(Plane::EntraRole),
            target: if *w == "ada" {
                "Global Administrator".into()
            } else {
                "Security Administrator".into()
            },
            principal: Some(w.to_string()),
            initiated_by: Some(format!("{w}@contoso.example")),
            result: "success".into(),
            justification: None,
            request_id: None,
        })
        .collect());
    f
}

fn opts() -> Options {
    Options {
        break_glass: vec!["BG1@contoso.example".into()],
    }
}

fn get<'a>(r: &'a Report, id: &str) -> &'a Finding {
    r.findings
        .iter()
        .find(|f| f.id == id)
        .expect("finding present")
}

#[test]
fn a_well_run_tenant_passes_every_item() {
    let r = evaluate(&good(), &opts());
    for f in &r.findings {
        assert_eq!(
            f.status,
            Status::Pass,
            "{}: {} {:?}",
            f.id,
            f.summary,
            f.evidence
        );
        assert!(f.fix.is_empty());
        assert!(!f.controls.is_empty(), "{} maps to no control", f.id);
    }
    assert_eq!(r.counts.pass, r.findings.len());
    assert_eq!(r.findings.len(), 12);
    // Only the alerts API was not read: said once in the gaps.
    assert_eq!(r.gaps.len(), 1, "{:?}", r.gaps);
    assert!(r.gaps[0].contains("RoleManagementAlert"));
}

#[test]
fn the_break_glass_account_is_excepted_only_when_named() {
    let r = evaluate(&good(), &Options::default());
    assert_eq!(get(&r, "permanent-active").status, Status::Fail);
    let ev = &get(&r, "permanent-active").evidence;
    assert_eq!(ev.len(), 1);
    assert!(ev[0]
        .principal
        .as_deref()
        .is_some_and(|p| p.contains("bg1@contoso.example")));
}

#[test]
fn a_tenant_built_to_fail_fails_the_known_items_with_evidence() {
    let mut f = good();
    for i in 0..5 {
        f.grants.push(grant(
            &format!("ga{i}"),
            GLOBAL_ADMIN,
            "Global Administrator",
            true,
            Some(30),
        ));
    }
    let mut outside = grant("eve", GLOBAL_ADMIN, "Global Administrator", false, None);
    outside.outside_pim = true;
    f.grants.push(outside);
    f.grants.push(grant(
        "pat",
        PRA,
        "Privileged Role Administrator",
        true,
        None,
    ));
    f.grants
        .push(grant("rex", READER, "Global Reader", true, Some(400)));
    let loose = PolicySummary {
        max_duration: Some("PT10H".into()),
        ..PolicySummary::default()
    };
    f.policies = Ok(vec![
        policy(
            GLOBAL_ADMIN,
            "Global Administrator",
            PolicySummary {
                approval: false,
                ..strict()
            },
        ),
        policy(SECURITY_ADMIN, "Security Administrator", strict()),
        policy(PRA, "Privileged Role Administrator", loose),
        policy(
            READER,
            "Global Reader",
            PolicySummary {
                ticket: false,
                ..strict()
            },
        ),
    ]);
    if let Ok(s) = f.sign_ins.as_mut() {
        s.insert("id-pat".into(), Some(now() - Duration::days(120)));
        s.insert("id-eve".into(), None);
    }
    let r = evaluate(&f, &opts());
    let status = |id| get(&r, id).status;
    assert_eq!(status("too-many-global-admins"), Status::Fail);
    assert_eq!(status("roles-assigned-outside-pim"), Status::Fail);
    assert_eq!(status("no-mfa-on-activation"), Status::Fail);
    assert_eq!(status("stale-eligible"), Status::Fail);
    assert_eq!(status("stale-active"), Status::Fail);
    assert_eq!(status("permanent-active"), Status::Fail);
    assert_eq!(status("mfa-on-activation"), Status::Fail);
    assert_eq!(status("approval-critical"), Status::Fail);
    assert_eq!(status("max-activation"), Status::Fail);
    assert_eq!(status("eligible-expiry"), Status::Fail);
    assert_eq!(status("justification-ticket"), Status::Fail);
    // Global Reader is not privileged; PRA has no review series... it has: the series covers it.
    assert_eq!(status("access-reviews"), Status::Pass);
    let ga = get(&r, "too-many-global-admins");
    assert_eq!(ga.method, Method::Computed);
    assert!(ga.summary.starts_with("8 principal(s)"), "{}", ga.summary);
    let max = get(&r, "max-activation");
    assert_eq!(max.evidence.len(), 1);
    assert!(max.evidence[0].detail.contains("PT10H"));
    let expiry = &get(&r, "eligible-expiry").evidence;
    assert!(expiry
        .iter()
        .any(|e| e.detail == "eligible with no end date"));
    assert!(expiry
        .iter()
        .any(|e| e.detail.starts_with("eligible until")));
    let stale = &get(&r, "stale-active").evidence;
    assert!(stale.iter().any(|e| e.detail == "never signed in"));
    assert_eq!(r.counts.fail, 11);
}

#[test]
fn the_alerts_api_is_used_when_readable_and_says_so() {
    let mut f = good();
    f.alerts = Ok(vec![Alert {
        name: "TooManyGlobalAdminsAssignedToTenantAlert".into(),
        display_name: "There are too many global administrators".into(),
        severity: "low".into(),
        active: true,
        incidents: vec![Incident {
            assignee: Some("MOD Administrator".into()),
            role: None,
            detail: None,
        }],
    }]);
    let r = evaluate(&f, &opts());
    let ga = get(&r, "too-many-global-admins");
    assert_eq!(ga.method, Method::AlertsApi);
    assert_eq!(ga.status, Status::Fail);
    assert_eq!(
        ga.evidence[0].principal.as_deref(),
        Some("MOD Administrator")
    );
    // An alert the API does not list is computed as before.
    assert_eq!(get(&r, "stale-active").method, Method::Computed);
    assert!(r.gaps.is_empty());
}

#[test]
fn what_could_not_be_read_is_unknown_with_the_reason() {
    let mut f = good();
    f.policies = Err("403 Forbidden: needs a reader role".into());
    f.reviews = Err("AccessReview.Read.All not granted".into());
    f.sign_ins = Err("AuditLog.Read.All not granted".into());
    f.audit = Err("AuditLog.Read.All not granted".into());
    let r = evaluate(&f, &opts());
    for id in [
        "mfa-on-activation",
        "approval-critical",
        "max-activation",
        "justification-ticket",
        "no-mfa-on-activation",
        "access-reviews",
        "stale-active",
        "stale-eligible",
    ] {
        let x = get(&r, id);
        assert_eq!(x.status, Status::Unknown, "{id}");
        assert!(!x.fix.is_empty());
    }
    assert!(get(&r, "access-reviews")
        .summary
        .contains("AccessReview.Read.All"));
    assert!(r.gaps.iter().any(|g| g.starts_with("Policies: 403")));
    // Schedules were read: the checks on them still judge.
    assert_eq!(get(&r, "permanent-active").status, Status::Pass);
    let mut none = good();
    for p in Plane::ALL {
        none.planes.insert(p, Err("no reader role".into()));
    }
    none.grants.clear();
    let r = evaluate(&none, &opts());
    assert_eq!(get(&r, "permanent-active").status, Status::Unknown);
    assert_eq!(get(&r, "too-many-global-admins").status, Status::Unknown);
}

#[test]
fn unused_eligibility_warns_when_only_the_audit_window_can_tell() {
    let mut f = good();
    f.audit = Ok(vec![]);
    let r = evaluate(&f, &opts());
    let s = get(&r, "stale-eligible");
    assert_eq!(s.status, Status::Warn);
    assert!(s.evidence.iter().all(|e| e.detail.contains("30 days")));
}

#[test]
fn group_membership_that_carries_a_privileged_role_counts_as_privileged() {
    let mut f = good();
    let mut holder = grant(
        "Ops Admins",
        GLOBAL_ADMIN,
        "Global Administrator",
        true,
        Some(30),
    );
    holder.principal_id = "grp-1".into();
    holder.principal_kind = PrincipalKind::Group;
    holder.principal_upn = None;
    let mut member = grant("kim", "grp-1", "Ops Admins", false, None);
    member.plane = Plane::Group;
    member.access = Some(Access::Member);
    member.template_id = None;
    f.grants.extend([holder, member]);
    let r = evaluate(&f, &opts());
    let p = get(&r, "permanent-active");
    assert_eq!(p.status, Status::Fail);
    assert!(p.evidence[0]
        .role
        .as_deref()
        .is_some_and(|x| x.contains("Ops Admins (member)")));
}

#[test]
fn the_html_stands_alone_and_escapes_what_the_tenant_wrote() {
    let mut f = good();
    f.grants.push(grant(
        "<script>alert(1)</script>",
        GLOBAL_ADMIN,
        "Global Administrator",
        false,
        None,
    ));
    let r = evaluate(&f, &Options::default());
    let page = html(&r);
    assert!(page.starts_with("<!doctype html>"));
    assert!(!page.contains("<script>"), "tenant text must be escaped");
    assert!(page.contains("&lt;script&gt;"));
    for remote in ["src=\"http", "href=\"http", "@import", "url("] {
        assert!(!page.contains(remote), "remote asset: {remote}");
    }
    assert!(page.contains("@media print"));
    assert!(page.contains("id=\"verdict\""));
    let md = markdown(&r);
    assert!(md.contains("| FAIL | Permanent privileged assignments converted to eligible |"));
    let t = table(&r);
    assert!(t.contains("FAIL"));
    assert!(t.lines().nth(1).is_some_and(|l| l.contains("failing")));
}
