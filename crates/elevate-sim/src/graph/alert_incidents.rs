//! The incidents of each PIM alert, computed from the live tenant every time they are read
//! (governance §3.1 table): too many Global Administrators (both thresholds met), active
//! assignments made outside PIM, role policies without MFA or an authentication context on
//! activation, assignees whose last sign-in is older than 30 days, eligible assignments not
//! activated for 90 days, runs of activations in quick succession; no licence incidents.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;
use serde_json::{json, Value};

use super::alert_catalog::{
    Definition, GLOBAL_ADMIN_COUNT_THRESHOLD, GLOBAL_ADMIN_PERCENTAGE_THRESHOLD, NO_MFA,
    OUTSIDE_PIM, REDUNDANT, REDUNDANT_DAYS, SEQUENTIAL, SEQUENTIAL_INTERVAL_MINUTES,
    SEQUENTIAL_THRESHOLD, STALE_SIGN_IN, STALE_SIGN_IN_DAYS, TOO_MANY_GLOBAL_ADMINS,
};
use crate::scenario::guid;
use crate::state::{Action, Plane, Target, Tenant, GLOBAL_ADMIN};
use crate::time::{fmt_time, Time};

fn opt_time(t: Option<Time>) -> Value {
    t.map(|t| json!(fmt_time(t))).unwrap_or(Value::Null)
}

/// One directory role held by a principal: eligible, or active (assigned or activated).
struct Held {
    principal: String,
    role: String,
    created: Option<Time>,
}

/// Every tenant-wide (`/`) directory role held: eligibilities and assigned (not activated)
/// assignments; an activation is its eligibility's.
fn held(t: &Tenant) -> Vec<Held> {
    let mut out = vec![];
    for e in t.all_eligibilities(Plane::Entra) {
        if let Target::Entra { role, dir_scope } = &e.target {
            if dir_scope == "/" {
                out.push(Held {
                    principal: e.principal.clone(),
                    role: role.clone(),
                    created: Some(e.start),
                });
            }
        }
    }
    for a in t.all_actives(Plane::Entra).filter(|a| !a.activated) {
        if let Target::Entra { role, dir_scope } = &a.target {
            if dir_scope == "/" {
                out.push(Held {
                    principal: a.principal.clone(),
                    role: role.clone(),
                    created: t.assignment_created(a),
                });
            }
        }
    }
    out
}

/// `assigneeId`, `assigneeDisplayName`, `assigneeUserPrincipalName` (a group: no UPN).
fn assignee(t: &Tenant, v: &mut Value, id: &str) {
    let (name, upn) = match t.user(id) {
        Some(u) => (json!(u.display_name), json!(u.user_principal_name.clone())),
        None => (
            json!(t
                .scenario
                .groups
                .iter()
                .find(|g| g.id.eq_ignore_ascii_case(id))
                .map(|g| g.display_name.clone())),
            Value::Null,
        ),
    };
    v["assigneeId"] = json!(id);
    v["assigneeDisplayName"] = name;
    v["assigneeUserPrincipalName"] = upn;
}

/// `roleDefinitionId`, `roleDisplayName`, `roleTemplateId` (built-in: template = id).
fn role(t: &Tenant, v: &mut Value, id: &str) {
    let name = t
        .scenario
        .role_definitions
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(id))
        .map(|r| r.display_name.clone());
    v["roleDefinitionId"] = json!(id);
    v["roleDisplayName"] = json!(name);
    v["roleTemplateId"] = json!(id);
}

fn incident(d: &Definition, id: String) -> Value {
    json!({"@odata.type": format!("#microsoft.graph.{}", d.incident), "id": id})
}

fn key_id(d: &Definition, parts: &[&str]) -> String {
    guid(&format!("{}:{}", d.name, parts.join(":")), 0)
}

/// The incidents of the alert `d`, now.
pub(super) fn incidents(t: &Tenant, d: &Definition) -> Vec<Value> {
    match d.name {
        TOO_MANY_GLOBAL_ADMINS => too_many_global_admins(t, d),
        OUTSIDE_PIM => outside_pim(t, d),
        NO_MFA => no_mfa(t, d),
        STALE_SIGN_IN => stale_sign_in(t, d),
        REDUNDANT => redundant(t, d),
        SEQUENTIAL => sequential(t, d),
        // The simulated tenant is licensed.
        _ => vec![],
    }
}

/// Distinct Global Administrators (eligible or active) when they are at least
/// `globalAdminCountThreshold` and at least `percentageOfGlobalAdminsOutOfRolesThreshold` %
/// of the principals holding any directory role; the incident id is the assignee's [DOC].
fn too_many_global_admins(t: &Tenant, d: &Definition) -> Vec<Value> {
    let all = held(t);
    let everyone: BTreeSet<&str> = all.iter().map(|h| h.principal.as_str()).collect();
    let admins: BTreeSet<&str> = all
        .iter()
        .filter(|h| h.role.eq_ignore_ascii_case(GLOBAL_ADMIN))
        .map(|h| h.principal.as_str())
        .collect();
    let fires = admins.len() >= GLOBAL_ADMIN_COUNT_THRESHOLD
        && admins.len() * 100 >= GLOBAL_ADMIN_PERCENTAGE_THRESHOLD * everyone.len().max(1);
    if !fires {
        return vec![];
    }
    admins
        .into_iter()
        .map(|p| {
            let mut v = incident(d, p.to_string());
            assignee(t, &mut v, p);
            v
        })
        .collect()
}

/// Active assignments made outside PIM.
fn outside_pim(t: &Tenant, d: &Definition) -> Vec<Value> {
    t.all_actives(Plane::Entra)
        .filter(|a| !a.activated && t.outside_pim(a))
        .filter_map(|a| {
            let Target::Entra { role: r, .. } = &a.target else {
                return None;
            };
            let mut v = incident(d, key_id(d, &[&a.principal, r]));
            assignee(t, &mut v, &a.principal);
            role(t, &mut v, r);
            v["assignmentCreatedDateTime"] = opt_time(t.assignment_created(a));
            Some(v)
        })
        .collect()
}

/// Roles whose policy asks neither MFA nor an authentication context on activation.
fn no_mfa(t: &Tenant, d: &Definition) -> Vec<Value> {
    t.scenario
        .role_definitions
        .iter()
        .filter(|r| {
            let p = t.policy_for(&Target::Entra {
                role: r.id.clone(),
                dir_scope: "/".into(),
            });
            !p.mfa && p.auth_context.is_none()
        })
        .map(|r| {
            let mut v = incident(d, key_id(d, &[&r.id]));
            v["roleDisplayName"] = json!(r.display_name);
            v["roleTemplateId"] = json!(r.id);
            v
        })
        .collect()
}

/// Role holders whose last sign-in is older than the configured days (a user the tenant
/// knows no sign-in of is not counted).
fn stale_sign_in(t: &Tenant, d: &Definition) -> Vec<Value> {
    let cutoff = t.now() - Duration::days(STALE_SIGN_IN_DAYS);
    held(t)
        .into_iter()
        .filter_map(|h| {
            let last = t.last_sign_in(&h.principal).filter(|s| *s < cutoff)?;
            let mut v = incident(d, key_id(d, &[&h.principal, &h.role]));
            assignee(t, &mut v, &h.principal);
            role(t, &mut v, &h.role);
            v["assignmentCreatedDateTime"] = opt_time(h.created);
            v["lastSignInDateTime"] = json!(fmt_time(last));
            Some(v)
        })
        .collect()
}

/// Eligible for longer than the configured days and not activated within them.
fn redundant(t: &Tenant, d: &Definition) -> Vec<Value> {
    let cutoff = t.now() - Duration::days(REDUNDANT_DAYS);
    t.all_eligibilities(Plane::Entra)
        .filter(|e| e.start <= cutoff)
        .filter_map(|e| {
            let Target::Entra { role: r, .. } = &e.target else {
                return None;
            };
            let last = t.last_activation(&e.principal, &e.target);
            if last.is_some_and(|l| l >= cutoff) {
                return None;
            }
            let mut v = incident(d, key_id(d, &[&e.principal, r]));
            assignee(t, &mut v, &e.principal);
            role(t, &mut v, r);
            v["lastActivationDateTime"] = opt_time(last);
            Some(v)
        })
        .collect()
}

/// Runs of at least the threshold activations of one role by one principal, each starting
/// within the configured interval of the previous one.
fn sequential(t: &Tenant, d: &Definition) -> Vec<Value> {
    let mut starts: BTreeMap<(String, String), Vec<Time>> = BTreeMap::new();
    for r in &t.requests {
        if let (Action::SelfActivate, "Provisioned", Target::Entra { role, .. }) =
            (r.action, r.status.as_str(), &r.target)
        {
            starts
                .entry((r.principal.clone(), role.clone()))
                .or_default()
                .push(r.start);
        }
    }
    let gap = Duration::minutes(SEQUENTIAL_INTERVAL_MINUTES);
    let mut out = vec![];
    for ((principal, r), mut times) in starts {
        times.sort();
        let mut run = vec![];
        for at in times {
            if run.last().is_some_and(|prev: &Time| at - *prev > gap) {
                push_run(t, d, &principal, &r, &run, &mut out);
                run.clear();
            }
            run.push(at);
        }
        push_run(t, d, &principal, &r, &run, &mut out);
    }
    out
}

fn push_run(t: &Tenant, d: &Definition, p: &str, r: &str, run: &[Time], out: &mut Vec<Value>) {
    let (Some(first), Some(last)) = (run.first(), run.last()) else {
        return;
    };
    if run.len() < SEQUENTIAL_THRESHOLD {
        return;
    }
    let mut v = incident(d, key_id(d, &[p, r, &fmt_time(*first)]));
    assignee(t, &mut v, p);
    role(t, &mut v, r);
    v["activationCount"] = json!(run.len());
    v["sequenceStartDateTime"] = json!(fmt_time(*first));
    v["sequenceEndDateTime"] = json!(fmt_time(*last));
    out.push(v);
}
