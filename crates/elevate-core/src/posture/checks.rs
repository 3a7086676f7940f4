//! The checklist half of the report (the PIM deployment checklist: permanent assignments,
//! MFA, approval, activation length, eligibility expiry, justification, access reviews), and
//! [`evaluate`], which judges the alerts and the checklist over the same facts.

use std::collections::BTreeSet;

use chrono::Duration;

use super::roles::{grants_privilege, is_critical, template, GLOBAL_ADMIN, SECURITY_ADMIN};
use super::{
    alerts, controls_of, Counts, Evidence, Facts, Finding, Grant, Method, Options, Report,
    RolePolicy, Section, Status, Totals,
};
use crate::model::{Access, Plane, PolicySummary};

/// The longest activation a critical role should allow.
pub const MAX_CRITICAL_HOURS: i64 = 8;
/// Eligible assignments should expire within this many days (six months).
pub const ELIGIBLE_MAX_DAYS: i64 = 183;

#[allow(clippy::too_many_arguments)]
pub(super) fn finding(
    id: &'static str,
    section: Section,
    title: &'static str,
    status: Status,
    method: Method,
    summary: String,
    evidence: Vec<Evidence>,
    fix: &str,
) -> Finding {
    Finding {
        id,
        section,
        title,
        status,
        method,
        summary,
        evidence,
        fix: if status == Status::Pass {
            String::new()
        } else {
            fix.to_string()
        },
        controls: controls_of(id),
    }
}

/// A finding that could not be judged, and why.
pub(super) fn unknown(
    id: &'static str,
    section: Section,
    title: &'static str,
    why: &str,
) -> Finding {
    finding(
        id,
        section,
        title,
        Status::Unknown,
        Method::Computed,
        format!("Not judged: {why}."),
        vec![],
        "Give the account the read access named above (a reader role such as Global Reader, and the consent asked for), then run the report again.",
    )
}

pub(super) fn evidence(g: &Grant, detail: &str) -> Evidence {
    Evidence {
        principal: Some(g.who()),
        role: Some(g.what()),
        detail: detail.to_string(),
    }
}

/// A role (or group access) in use: (plane, role id, scope, access, name, template id).
pub(super) type Used = (
    Plane,
    String,
    String,
    Option<Access>,
    String,
    Option<String>,
);

/// The roles somebody holds, eligible or active, once each.
pub(super) fn used_roles(f: &Facts) -> Vec<Used> {
    let mut seen = BTreeSet::new();
    let mut out = vec![];
    for g in &f.grants {
        let key = (
            g.plane,
            g.role_id.to_ascii_lowercase(),
            policy_scope(g.plane, &g.scope),
            g.access.map(Access::as_str),
        );
        if seen.insert(key) {
            out.push((
                g.plane,
                g.role_id.clone(),
                g.scope.clone(),
                g.access,
                g.role_name.clone(),
                g.template_id.clone(),
            ));
        }
    }
    out
}

/// Entra and group policies hold tenant-wide (or per group); Azure ones per scope.
fn policy_scope(plane: Plane, scope: &str) -> String {
    match plane {
        Plane::AzureResource => scope.to_ascii_lowercase(),
        _ => String::new(),
    }
}

pub(super) fn policy_for<'a>(policies: &'a [RolePolicy], u: &Used) -> Option<&'a PolicySummary> {
    policies
        .iter()
        .find(|p| {
            let same_role = match u.0 {
                // ARM role ids differ by the scope they are written under: match on the GUID.
                Plane::AzureResource => p.template_id.is_some() && p.template_id == u.5,
                _ => p.role_id.eq_ignore_ascii_case(&u.1),
            };
            p.plane == u.0
                && same_role
                && policy_scope(p.plane, &p.scope) == policy_scope(u.0, &u.2)
                && (u.0 != Plane::Group || p.access == u.3)
        })
        .map(|p| &p.rules)
}

fn used_label(u: &Used) -> String {
    match (u.0, u.3) {
        (Plane::Group, Some(a)) => format!("{} ({})", u.4, a.as_str()),
        (Plane::AzureResource, _) => format!("{} on {}", u.4, u.2),
        _ => u.4.clone(),
    }
}

/// Evidence for each role in `roles` whose policy fails `ok`. A role whose policy was not
/// read is not judged here (the report's gaps say what could not be read).
pub(super) fn roles_without(
    policies: &[RolePolicy],
    roles: &[Used],
    ok: impl Fn(&PolicySummary) -> bool,
    what: &str,
) -> Vec<Evidence> {
    roles
        .iter()
        .filter(|u| policy_for(policies, u).is_some_and(|p| !ok(p)))
        .map(|u| Evidence {
            principal: None,
            role: Some(used_label(u)),
            detail: what.to_string(),
        })
        .collect()
}

/// Judges every alert and checklist item over `f`.
pub fn evaluate(f: &Facts, o: &Options) -> Report {
    let mut findings = alerts::all(f, o);
    findings.extend([
        permanent_active(f, o),
        mfa_everywhere(f),
        approval_on_critical(f),
        max_activation(f),
        eligible_expiry(f, o),
        justification(f),
        access_reviews(f),
    ]);
    let mut counts = Counts::default();
    for x in &findings {
        match x.status {
            Status::Pass => counts.pass += 1,
            Status::Warn => counts.warn += 1,
            Status::Fail => counts.fail += 1,
            Status::Unknown => counts.unknown += 1,
        }
    }
    let principals: BTreeSet<String> = f
        .grants
        .iter()
        .map(|g| g.principal_id.to_ascii_lowercase())
        .collect();
    let totals = Totals {
        eligible: f.grants.iter().filter(|g| g.eligible).count(),
        active: f.grants.iter().filter(|g| !g.eligible).count(),
        principals: principals.len(),
        permanent: f.grants.iter().filter(|g| g.permanent()).count(),
    };
    let mut gaps: Vec<String> = f
        .planes
        .iter()
        .filter_map(|(p, r)| r.as_ref().err().map(|e| format!("{}: {e}", p.label())))
        .collect();
    gaps.sort();
    for (what, r) in [
        ("Policies", f.policies.as_ref().err()),
        ("PIM alerts", f.alerts.as_ref().err()),
        ("Sign-in activity", f.sign_ins.as_ref().err()),
        ("Audit log", f.audit.as_ref().err()),
        ("Access reviews", f.reviews.as_ref().err()),
    ] {
        if let Some(e) = r {
            gaps.push(format!("{what}: {e}"));
        }
    }
    Report {
        tenant: f.tenant.clone(),
        generated: f.now,
        counts,
        totals,
        findings,
        gaps,
    }
}

/// Groups that hold a privileged role: membership of them is privileged too.
fn privileged_groups(f: &Facts) -> Vec<String> {
    f.grants
        .iter()
        .filter(|g| g.plane != Plane::Group && grants_privilege(g, &[]))
        .filter(|g| g.principal_kind == super::PrincipalKind::Group)
        .map(|g| g.principal_id.clone())
        .collect()
}

/// The planes whose schedules could not be read, with why: a check over schedules cannot
/// pass while one is missing (what it found on the others still fails it).
fn unread_planes(f: &Facts) -> Option<String> {
    let mut missing: Vec<String> = f
        .planes
        .iter()
        .filter_map(|(p, r)| r.as_ref().err().map(|e| format!("{}: {e}", p.label())))
        .collect();
    missing.sort();
    (!missing.is_empty()).then(|| missing.join("; "))
}

/// A schedule check's verdict: a pass with a plane unread is unknown, and says which.
pub(super) fn over_schedules(f: &Facts, mut x: Finding) -> Finding {
    if x.status == Status::Pass {
        if let Some(why) = unread_planes(f) {
            x.status = Status::Unknown;
            x.summary = format!("{} Not judged on every plane: {why}.", x.summary);
            x.fix = "Give the account the read access named above (a reader role such as Global Reader, and the consent asked for), then run the report again.".into();
        }
    }
    x
}

fn permanent_active(f: &Facts, o: &Options) -> Finding {
    const ID: &str = "permanent-active";
    const TITLE: &str = "Permanent privileged assignments converted to eligible";
    let groups = privileged_groups(f);
    let (mut bad, mut excepted) = (vec![], 0);
    for g in f
        .grants
        .iter()
        .filter(|g| !g.eligible && g.permanent() && grants_privilege(g, &groups))
    {
        if o.is_break_glass(g) {
            excepted += 1;
        } else {
            bad.push(evidence(g, "permanent active assignment"));
        }
    }
    let status = if bad.is_empty() {
        Status::Pass
    } else {
        Status::Fail
    };
    let summary = format!(
        "{} permanent active privileged assignment(s){}.",
        bad.len(),
        if excepted > 0 {
            format!("; {excepted} break-glass excepted")
        } else {
            String::new()
        }
    );
    over_schedules(f, finding(ID, Section::Checklist, TITLE, status, Method::Computed, summary, bad,
        "Convert them to eligible assignments (elevatectl assign … then remove the active one), keeping only the break-glass accounts permanent (list them with --break-glass)."))
}

fn mfa_everywhere(f: &Facts) -> Finding {
    const ID: &str = "mfa-on-activation";
    const TITLE: &str = "MFA on activation for every role";
    let policies = match &f.policies {
        Ok(p) => p,
        Err(why) => return unknown(ID, Section::Checklist, TITLE, why),
    };
    let used = used_roles(f);
    let ev = roles_without(
        policies,
        &used,
        |r| r.mfa || r.auth_context.is_some(),
        "no MFA or authentication context on activation",
    );
    let status = if ev.is_empty() {
        Status::Pass
    } else {
        Status::Fail
    };
    let summary = format!(
        "{} of {} role(s) in use on every plane activate without MFA.",
        ev.len(),
        used.len()
    );
    finding(ID, Section::Checklist, TITLE, status, Method::Computed, summary, ev,
        "Require MFA (or an authentication context) on activation in each listed role's PIM settings.")
}

fn approval_on_critical(f: &Facts) -> Finding {
    const ID: &str = "approval-critical";
    const TITLE: &str = "Approval on Global Administrator and Security Administrator";
    let policies = match &f.policies {
        Ok(p) => p,
        Err(why) => return unknown(ID, Section::Checklist, TITLE, why),
    };
    let mut ev = vec![];
    for (tid, name) in [
        (GLOBAL_ADMIN, "Global Administrator"),
        (SECURITY_ADMIN, "Security Administrator"),
    ] {
        let p = policies.iter().find(|p| {
            p.plane == Plane::EntraRole
                && template(p.template_id.as_deref(), &p.role_id).eq_ignore_ascii_case(tid)
        });
        match p {
            Some(p) if p.rules.approval => {}
            Some(_) => ev.push(Evidence {
                principal: None,
                role: Some(name.into()),
                detail: "activation needs no approval".into(),
            }),
            None => ev.push(Evidence {
                principal: None,
                role: Some(name.into()),
                detail: "its policy could not be read".into(),
            }),
        }
    }
    let status = if ev.is_empty() {
        Status::Pass
    } else {
        Status::Fail
    };
    let summary = format!("{} of the 2 roles activate without approval.", ev.len());
    finding(
        ID,
        Section::Checklist,
        TITLE,
        status,
        Method::Computed,
        summary,
        ev,
        "Require approval on activation for these roles and name at least two approvers.",
    )
}

fn max_activation(f: &Facts) -> Finding {
    const ID: &str = "max-activation";
    const TITLE: &str = "Maximum activation 8 h or less for critical roles";
    let policies = match &f.policies {
        Ok(p) => p,
        Err(why) => return unknown(ID, Section::Checklist, TITLE, why),
    };
    let limit = Duration::hours(MAX_CRITICAL_HOURS);
    let ev: Vec<Evidence> = policies
        .iter()
        .filter(|p| {
            is_critical(
                p.plane,
                Some(template(p.template_id.as_deref(), &p.role_id)),
                &p.role_name,
            )
        })
        .filter_map(|p| {
            let max = p.rules.max_duration.as_deref()?;
            let d = crate::policy::parse_duration(max).ok()?;
            (d > limit).then(|| Evidence {
                principal: None,
                role: Some(if p.plane == Plane::AzureResource {
                    format!("{} on {}", p.role_name, p.scope)
                } else {
                    p.role_name.clone()
                }),
                detail: format!("maximum activation {max}"),
            })
        })
        .collect();
    let status = if ev.is_empty() {
        Status::Pass
    } else {
        Status::Fail
    };
    let summary = format!(
        "{} critical role(s) allow activations longer than {MAX_CRITICAL_HOURS} h.",
        ev.len()
    );
    finding(
        ID,
        Section::Checklist,
        TITLE,
        status,
        Method::Computed,
        summary,
        ev,
        "Set the maximum activation duration of these roles to 8 hours or less.",
    )
}

fn eligible_expiry(f: &Facts, o: &Options) -> Finding {
    const ID: &str = "eligible-expiry";
    const TITLE: &str = "Eligible assignments expire within 6 months";
    let horizon = f.now + Duration::days(ELIGIBLE_MAX_DAYS);
    let ev: Vec<Evidence> = f
        .grants
        .iter()
        .filter(|g| g.eligible && !o.is_break_glass(g))
        .filter_map(|g| match g.end {
            None => Some(evidence(g, "eligible with no end date")),
            Some(e) if e > horizon => Some(evidence(
                g,
                &format!("eligible until {}", e.format("%Y-%m-%d")),
            )),
            _ => None,
        })
        .collect();
    let total = f.grants.iter().filter(|g| g.eligible).count();
    let status = if ev.is_empty() {
        Status::Pass
    } else {
        Status::Fail
    };
    let summary = format!(
        "{} of {total} eligible assignment(s) do not expire within 6 months.",
        ev.len()
    );
    over_schedules(f, finding(ID, Section::Checklist, TITLE, status, Method::Computed, summary, ev,
        "Give eligible assignments an end date within 6 months and renew them after review (elevatectl assign … --duration P180D)."))
}

fn justification(f: &Facts) -> Finding {
    const ID: &str = "justification-ticket";
    const TITLE: &str = "Justification and ticket required on activation";
    let policies = match &f.policies {
        Ok(p) => p,
        Err(why) => return unknown(ID, Section::Checklist, TITLE, why),
    };
    let used = used_roles(f);
    let no_reason = roles_without(
        policies,
        &used,
        |r| r.justification,
        "no justification required",
    );
    let no_ticket = roles_without(
        policies,
        &used,
        |r| r.ticket || !r.justification,
        "justification required, but no ticket",
    );
    let status = if !no_reason.is_empty() {
        Status::Fail
    } else if !no_ticket.is_empty() {
        Status::Warn
    } else {
        Status::Pass
    };
    let summary = format!(
        "{} role(s) in use need no justification; {} more need no ticket.",
        no_reason.len(),
        no_ticket.len()
    );
    let mut ev = no_reason;
    ev.extend(no_ticket);
    finding(ID, Section::Checklist, TITLE, status, Method::Computed, summary, ev,
        "Require a justification on activation for every role, and ticket information where your change process has one.")
}

fn access_reviews(f: &Facts) -> Finding {
    const ID: &str = "access-reviews";
    const TITLE: &str = "Access reviews scheduled for privileged roles";
    let reviews = match &f.reviews {
        Ok(r) => r,
        Err(why) => return unknown(ID, Section::Checklist, TITLE, why),
    };
    let mut seen = BTreeSet::new();
    let privileged: Vec<&Grant> = f
        .grants
        .iter()
        .filter(|g| g.plane == Plane::EntraRole && grants_privilege(g, &[]))
        .filter(|g| seen.insert(g.role_id.to_ascii_lowercase()))
        .collect();
    let covered = |g: &Grant| {
        reviews.iter().any(|r| {
            !r.status.eq_ignore_ascii_case("Completed")
                && r.role_ids.iter().any(|id| {
                    id.eq_ignore_ascii_case(&g.role_id)
                        || g.template_id
                            .as_deref()
                            .is_some_and(|t| id.eq_ignore_ascii_case(t))
                })
        })
    };
    let ev: Vec<Evidence> = privileged
        .iter()
        .filter(|g| !covered(g))
        .map(|g| Evidence {
            principal: None,
            role: Some(g.role_name.clone()),
            detail: "no access review covers this role".into(),
        })
        .collect();
    let status = if ev.is_empty() {
        Status::Pass
    } else {
        Status::Fail
    };
    let summary = format!(
        "{} of {} privileged role(s) in use have no scheduled access review ({} review series read).",
        ev.len(),
        privileged.len(),
        reviews.len()
    );
    finding(ID, Section::Checklist, TITLE, status, Method::Computed, summary, ev,
        "Create a recurring access review (quarterly) of each listed role's eligible and active assignments.")
}
