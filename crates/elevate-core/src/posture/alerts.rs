//! The alert half of the report: what PIM's own alerts cover (too many Global Administrators,
//! roles assigned outside PIM, activation without MFA, stale eligible and stale active
//! assignments). Each comes from the alerts API when it could be read, else it is computed
//! from schedules, policies, sign-ins and audit data, and says which.

use chrono::Duration;

use super::checks::{evidence, finding, over_schedules, roles_without, unknown, used_roles};
use super::roles::{is_role, GLOBAL_ADMIN};
use super::{Alert, Facts, Finding, Grant, Method, Options, PrincipalKind, Section, Status};
use crate::model::Plane;

/// Above this many Global Administrators the report fails; above `GA_WARN` outside
/// break-glass it warns (the deployment checklist's figures).
pub const GA_FAIL: usize = 5;
pub const GA_WARN: usize = 2;
/// Days without an activation after which an eligible assignment is stale.
pub const STALE_ELIGIBLE_DAYS: i64 = 90;
/// Days without a sign-in after which an active assignment is potentially stale.
pub const STALE_ACTIVE_DAYS: i64 = 30;

fn api_alert<'a>(f: &'a Facts, name: &str) -> Option<&'a Alert> {
    f.alerts
        .as_ref()
        .ok()?
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(name))
}

/// A finding straight from the alerts API: active means failing, its incidents the evidence.
fn from_api(id: &'static str, title: &'static str, a: &Alert, fix: &str) -> Finding {
    let status = if a.active { Status::Fail } else { Status::Pass };
    let ev = a
        .incidents
        .iter()
        .map(|i| super::Evidence {
            principal: i.assignee.clone(),
            role: i.role.clone(),
            detail: i.detail.clone().unwrap_or_else(|| a.display_name.clone()),
        })
        .collect::<Vec<_>>();
    let summary = if status == Status::Fail {
        format!(
            "PIM reports \"{}\" ({} severity, {} incident(s)).",
            a.display_name,
            a.severity,
            a.incidents.len()
        )
    } else {
        format!("PIM's alert \"{}\" is not active.", a.display_name)
    };
    finding(
        id,
        Section::Alert,
        title,
        status,
        Method::AlertsApi,
        summary,
        ev,
        fix,
    )
}

pub(super) fn all(f: &Facts, o: &Options) -> Vec<Finding> {
    vec![
        too_many_global_admins(f, o),
        outside_pim(f),
        no_mfa(f),
        stale_eligible(f),
        stale_active(f),
    ]
}

fn too_many_global_admins(f: &Facts, o: &Options) -> Finding {
    const ID: &str = "too-many-global-admins";
    const TITLE: &str = "Too many Global Administrators";
    let fix = "Keep at most 2 Global Administrators besides the break-glass accounts: give the others a least-privileged role, or make them eligible and review who needs it.";
    if let Some(a) = api_alert(f, "TooManyGlobalAdminsAssignedToTenantAlert") {
        return from_api(ID, TITLE, a, fix);
    }
    if let Some(Err(why)) = f.planes.get(&Plane::EntraRole) {
        return unknown(ID, Section::Alert, TITLE, why);
    }
    let mut gas: Vec<&Grant> = f
        .grants
        .iter()
        .filter(|g| is_role(g, GLOBAL_ADMIN))
        .collect();
    gas.sort_by_key(|g| g.principal_id.to_ascii_lowercase());
    gas.dedup_by(|a, b| a.principal_id.eq_ignore_ascii_case(&b.principal_id));
    let outside_bg = gas.iter().filter(|g| !o.is_break_glass(g)).count();
    let status = if gas.len() > GA_FAIL {
        Status::Fail
    } else if outside_bg > GA_WARN {
        Status::Warn
    } else {
        Status::Pass
    };
    let groups = gas
        .iter()
        .filter(|g| g.principal_kind == PrincipalKind::Group)
        .count();
    let mut summary = format!(
        "{} principal(s) hold Global Administrator, eligible or active; {outside_bg} outside break-glass (fail above {GA_FAIL}, warn above {GA_WARN} outside break-glass).",
        gas.len()
    );
    if groups > 0 {
        summary.push_str(&format!(" {groups} of them are groups, each counted once."));
    }
    let ev = gas
        .iter()
        .map(|g| {
            let bg = if o.is_break_glass(g) {
                ", break-glass"
            } else {
                ""
            };
            evidence(
                g,
                &format!("{}{bg}", if g.eligible { "eligible" } else { "active" }),
            )
        })
        .collect();
    finding(
        ID,
        Section::Alert,
        TITLE,
        status,
        Method::Computed,
        summary,
        ev,
        fix,
    )
}

fn outside_pim(f: &Facts) -> Finding {
    const ID: &str = "roles-assigned-outside-pim";
    const TITLE: &str = "Roles assigned outside PIM";
    let fix = "Remove the direct assignments and grant them again through PIM (eligible, time-bound), so every privileged assignment has an approval trail.";
    if let Some(a) = api_alert(f, "RolesAssignedOutsidePimAlert") {
        return from_api(ID, TITLE, a, fix);
    }
    if let Some(Err(why)) = f.planes.get(&Plane::EntraRole) {
        return unknown(ID, Section::Alert, TITLE, why);
    }
    let mut ev: Vec<_> = f
        .grants
        .iter()
        .filter(|g| g.plane == Plane::EntraRole && !g.eligible && g.outside_pim)
        .map(|g| {
            evidence(
                g,
                "active schedule created by no PIM request (createdUsing is empty)",
            )
        })
        .collect();
    if let Ok(audit) = &f.audit {
        ev.extend(
            audit
                .iter()
                .filter(|e| e.activity.to_ascii_lowercase().contains("outside of pim"))
                .map(|e| super::Evidence {
                    principal: e.principal.clone(),
                    role: Some(e.target.clone()),
                    detail: format!("audit: {} on {}", e.activity, e.time.format("%Y-%m-%d")),
                }),
        );
    }
    let status = if ev.is_empty() {
        Status::Pass
    } else {
        Status::Fail
    };
    let summary = format!(
        "{} assignment(s) or audit events show a role granted outside PIM{}.",
        ev.len(),
        if f.audit.is_err() {
            " (the audit log could not be read: schedules only)"
        } else {
            ""
        }
    );
    finding(
        ID,
        Section::Alert,
        TITLE,
        status,
        Method::Computed,
        summary,
        ev,
        fix,
    )
}

fn no_mfa(f: &Facts) -> Finding {
    const ID: &str = "no-mfa-on-activation";
    const TITLE: &str = "Roles activatable without MFA";
    let fix = "In each role's PIM settings, require Azure MFA (or a Conditional Access authentication context) on activation.";
    if let Some(a) = api_alert(f, "NoMfaOnRoleActivationAlert") {
        return from_api(ID, TITLE, a, fix);
    }
    let policies = match &f.policies {
        Ok(p) => p,
        Err(why) => return unknown(ID, Section::Alert, TITLE, why),
    };
    let entra: Vec<_> = used_roles(f)
        .into_iter()
        .filter(|(plane, ..)| *plane == Plane::EntraRole)
        .collect();
    let ev = roles_without(
        policies,
        &entra,
        |r| r.mfa || r.auth_context.is_some(),
        "no MFA or authentication context on activation",
    );
    let status = if ev.is_empty() {
        Status::Pass
    } else {
        Status::Fail
    };
    let summary = format!(
        "{} of the {} Entra role(s) in use can be activated without MFA.",
        ev.len(),
        entra.len()
    );
    finding(
        ID,
        Section::Alert,
        TITLE,
        status,
        Method::Computed,
        summary,
        ev,
        fix,
    )
}

/// Whether the audit log shows `g`'s principal activating `g`'s role.
fn activated(f: &Facts, g: &Grant) -> bool {
    let Ok(audit) = &f.audit else { return false };
    audit.iter().any(|e| {
        let act = e.activity.to_ascii_lowercase();
        let by = |v: &Option<String>| {
            v.as_deref().is_some_and(|x| {
                x.eq_ignore_ascii_case(&g.principal_id)
                    || x.eq_ignore_ascii_case(&g.principal_name)
                    || g.principal_upn
                        .as_deref()
                        .is_some_and(|u| x.eq_ignore_ascii_case(u))
            })
        };
        act.contains("activation")
            && (by(&e.principal) || by(&e.initiated_by))
            && e.target
                .to_ascii_lowercase()
                .starts_with(&g.role_name.to_ascii_lowercase())
    })
}

fn last_sign_in_days(f: &Facts, g: &Grant) -> Option<i64> {
    let seen = f
        .sign_ins
        .as_ref()
        .ok()?
        .get(&g.principal_id.to_ascii_lowercase())?;
    Some(match seen {
        Some(t) => (f.now - *t).num_days(),
        None => i64::MAX,
    })
}

fn days_words(d: i64) -> String {
    if d == i64::MAX {
        "never signed in".into()
    } else {
        format!("last sign-in {d} days ago")
    }
}

fn stale_eligible(f: &Facts) -> Finding {
    const ID: &str = "stale-eligible";
    const TITLE: &str = "Stale eligible assignments";
    let fix = "Remove eligible assignments nobody uses (elevatectl remove …), or let them expire: unused standing eligibility is attack surface.";
    if let Some(a) = api_alert(f, "RedundantAssignmentAlert") {
        return from_api(ID, TITLE, a, fix);
    }
    if f.sign_ins.is_err() && f.audit.is_err() {
        let why = format!(
            "neither sign-in activity ({}) nor the audit log ({}) could be read",
            f.sign_ins.as_ref().err().map(String::as_str).unwrap_or(""),
            f.audit.as_ref().err().map(String::as_str).unwrap_or("")
        );
        return unknown(ID, Section::Alert, TITLE, &why);
    }
    let old = f.now - Duration::days(crate::pim::RETENTION_DAYS);
    let (mut stale, mut quiet) = (vec![], vec![]);
    for g in f
        .grants
        .iter()
        .filter(|g| g.eligible && g.principal_kind == PrincipalKind::User)
    {
        match last_sign_in_days(f, g) {
            Some(d) if d >= STALE_ELIGIBLE_DAYS => stale.push(evidence(g, &days_words(d))),
            _ if f.audit.is_ok() && g.created.is_none_or(|c| c < old) && !activated(f, g) => quiet
                .push(evidence(
                    g,
                    "no activation in the 30 days the audit log keeps",
                )),
            _ => {}
        }
    }
    let status = if !stale.is_empty() {
        Status::Fail
    } else if !quiet.is_empty() {
        Status::Warn
    } else {
        Status::Pass
    };
    let summary = format!(
        "{} eligible assignment(s) held by users not signed in for {STALE_ELIGIBLE_DAYS}+ days; {} more not activated within the audit log's 30 days (it keeps no older data).",
        stale.len(),
        quiet.len()
    );
    stale.extend(quiet);
    over_schedules(
        f,
        finding(
            ID,
            Section::Alert,
            TITLE,
            status,
            Method::Computed,
            summary,
            stale,
            fix,
        ),
    )
}

fn stale_active(f: &Facts) -> Finding {
    const ID: &str = "stale-active";
    const TITLE: &str = "Potentially stale active assignments";
    let fix = "Remove active assignments of accounts that no longer sign in, or convert them to eligible.";
    if let Some(a) = api_alert(f, "StaleSignInAlert") {
        return from_api(ID, TITLE, a, fix);
    }
    if let Err(why) = &f.sign_ins {
        return unknown(ID, Section::Alert, TITLE, why);
    }
    let ev: Vec<_> = f
        .grants
        .iter()
        .filter(|g| !g.eligible && g.principal_kind == PrincipalKind::User)
        .filter_map(|g| {
            let d = last_sign_in_days(f, g)?;
            (d >= STALE_ACTIVE_DAYS).then(|| evidence(g, &days_words(d)))
        })
        .collect();
    let status = if ev.is_empty() {
        Status::Pass
    } else {
        Status::Fail
    };
    let summary = format!(
        "{} active assignment(s) held by users not signed in for {STALE_ACTIVE_DAYS}+ days.",
        ev.len()
    );
    over_schedules(
        f,
        finding(
            ID,
            Section::Alert,
            TITLE,
            status,
            Method::Computed,
            summary,
            ev,
            fix,
        ),
    )
}
