//! The tenant's directory audit log of PIM events (reference §2.1): a bounded in-memory log
//! ([`AuditLog`]), the documented `activityDisplayName` of each step of a request, and the
//! `directoryAudit` records in Graph's shape (`loggedByService: "PIM"`, `PIM_` ids, the
//! fixture's `targetResources` order), recorded by the tenant as requests move and as
//! administrators assign and remove (`audit_named`).

use std::collections::VecDeque;

use chrono::{Duration, SecondsFormat};
use serde_json::{json, Value};

use super::approvals::ADMIN_REVIEWER;
use super::common::new_id;
use super::model::{Action, Plane, Request, Target};
use super::tenant::Tenant;
use crate::time::Time;

/// The log keeps at most this many events; the oldest go first.
pub const AUDIT_LIMIT: usize = 10_000;
/// "Data is available for the past 30 days" [DOC].
pub const AUDIT_RETENTION_DAYS: i64 = 30;

/// One step in a request's life that PIM logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditActivity {
    Requested,
    ApprovalRequested,
    Approved,
    Denied,
    Completed,
    Canceled,
    Expired,
}

/// Who `initiatedBy` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Initiator {
    /// The request's principal.
    Requester,
    /// A scenario user (an approver).
    User(String),
    /// The sim's administrator control (`/_sim/approvals/...`).
    Admin,
}

#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// Order of recording; paging snapshots use it.
    pub seq: u64,
    /// `activityDateTime`, kept for sorting and the retention window.
    pub at: Time,
    /// The `directoryAudit` record as Graph returns it.
    pub record: Value,
}

#[derive(Debug, Default)]
pub struct AuditLog {
    events: VecDeque<AuditEvent>,
    next_seq: u64,
}

impl AuditLog {
    pub fn push(&mut self, at: Time, record: Value) {
        if self.events.len() >= AUDIT_LIMIT {
            self.events.pop_front();
        }
        self.events.push_back(AuditEvent {
            seq: self.next_seq,
            at,
            record,
        });
        self.next_seq += 1;
    }

    /// The sequence number the next event gets: events recorded from now on are `>=` it.
    pub fn mark(&self) -> u64 {
        self.next_seq
    }

    /// Drops the events recorded since `mark` (a validation-only request keeps nothing).
    pub fn forget_since(&mut self, mark: u64) {
        self.events.retain(|e| e.seq < mark);
    }

    pub fn events(&self) -> impl Iterator<Item = &AuditEvent> {
        self.events.iter()
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

/// The documented name (ED `reference-audit-activities.md`, PIM section) and the operation
/// type of a step; None where PIM documents no row for it. Operation types are [INF].
pub fn activity_name(
    action: Action,
    activity: AuditActivity,
) -> Option<(&'static str, &'static str)> {
    use AuditActivity as A;
    Some(match (action, activity) {
        (Action::SelfActivate, A::Requested) => {
            ("Add member to role requested (PIM activation)", "Add")
        }
        (Action::SelfActivate, A::ApprovalRequested) => (
            "Add member to role approval requested (PIM activation)",
            "Add",
        ),
        (Action::SelfActivate, A::Approved) => (
            "Add member to role request approved (PIM activation)",
            "Update",
        ),
        (Action::SelfActivate, A::Denied) => (
            "Add member to role request denied (PIM activation)",
            "Update",
        ),
        (Action::SelfActivate, A::Completed) => {
            ("Add member to role completed (PIM activation)", "Update")
        }
        (Action::SelfActivate, A::Canceled) => {
            ("Add member to role canceled (PIM activation)", "Update")
        }
        (Action::SelfActivate, A::Expired) => ("PIM activation request expired", "Update"),
        (Action::SelfDeactivate, A::Requested) => (
            "Remove member from role requested (PIM deactivate)",
            "Delete",
        ),
        (Action::SelfDeactivate, A::Completed) => (
            "Remove member from role completed (PIM deactivate)",
            "Delete",
        ),
        (Action::SelfExtend, A::Requested) => ("Update member in PIM requested (extend)", "Update"),
        (Action::SelfExtend, A::Canceled) => ("Update member in PIM canceled (extend)", "Update"),
        (Action::SelfRenew, A::Requested) => ("Add member to role in PIM requested (renew)", "Add"),
        (Action::SelfRenew, A::Canceled) => {
            ("Add member to role in PIM canceled (renew)", "Update")
        }
        (Action::SelfExtend | Action::SelfRenew, A::Approved) => (
            "Update member in PIM approved by admin (extend/renew)",
            "Update",
        ),
        (Action::SelfExtend | Action::SelfRenew, A::Denied) => (
            "Update member in PIM denied by admin (extend/renew)",
            "Update",
        ),
        _ => return None,
    })
}

/// `category` by plane [DOC].
pub fn category(plane: Plane) -> &'static str {
    match plane {
        Plane::Entra => "RoleManagement",
        Plane::Group => "GroupManagement",
        Plane::Azure => "ResourceManagement",
    }
}

/// Graph prints audit times with a fraction and `Z`.
pub fn fmt_audit_time(t: Time) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Every row of one request shares a correlation id (stable for the request id).
pub fn correlation_id(request_id: &str) -> String {
    crate::scenario::guid(
        &format!("audit-correlation:{}", request_id.to_ascii_lowercase()),
        0,
    )
}

fn resource(id: Value, display_name: Value, kind: &str, upn: Value, modified: Value) -> Value {
    json!({"id": id, "displayName": display_name, "type": kind, "userPrincipalName": upn,
        "groupType": null, "modifiedProperties": modified})
}

fn modified(name: &str, value: &str) -> Value {
    json!({"displayName": name, "oldValue": null, "newValue": format!("\"{value}\"")})
}

fn detail(key: &str, value: &str) -> Value {
    json!({"key": key, "value": value})
}

impl Tenant {
    /// Records a step of `req` at the current time.
    pub(super) fn audit(&mut self, activity: AuditActivity, req: &Request, by: Initiator) {
        let now = self.now();
        self.audit_at(activity, req, by, now, format!("PIM_{}", new_id()));
    }

    /// Records a step of `req` at `at` with the record id `id` (the seed picks stable ids).
    pub(super) fn audit_at(
        &mut self,
        activity: AuditActivity,
        req: &Request,
        by: Initiator,
        at: Time,
        id: String,
    ) {
        if let Some(record) = self.audit_record(activity, req, &by, at, id) {
            self.audit.push(at, record);
        }
    }

    fn user_identity(&self, id: &str) -> Value {
        if id.eq_ignore_ascii_case(ADMIN_REVIEWER.0) {
            let upn = format!("sim-admin@{}", self.scenario.tenant.domain);
            return json!({"id": ADMIN_REVIEWER.0, "displayName": ADMIN_REVIEWER.1,
                "userPrincipalName": upn, "ipAddress": null});
        }
        let u = self.user(id);
        json!({"id": id, "displayName": u.map(|u| u.display_name.clone()),
            "userPrincipalName": u.map(|u| u.user_principal_name.clone()), "ipAddress": null})
    }

    /// `targetResources` in the fixture's order: the role (the group for PIM for Groups), the
    /// request, the principal, then the directory (Azure: the scope as `Other`).
    fn target_resources(&self, req: &Request) -> Vec<Value> {
        let sc = &self.scenario;
        let principal = self.user(&req.principal);
        let request = resource(
            json!(req.id),
            Value::Null,
            "Request",
            Value::Null,
            json!([]),
        );
        let user = resource(
            json!(req.principal),
            json!(principal.map(|u| u.display_name.clone())),
            "User",
            json!(principal.map(|u| u.user_principal_name.clone())),
            json!([]),
        );
        let directory = resource(
            Value::Null,
            Value::Null,
            "Directory",
            Value::Null,
            json!([]),
        );
        match &req.target {
            Target::Entra { role, dir_scope } => {
                let name = sc
                    .role_definitions
                    .iter()
                    .find(|r| r.id.eq_ignore_ascii_case(role))
                    .map(|r| r.display_name.clone());
                let props = json!([
                    modified("RoleDefinitionOriginId", role),
                    modified("RoleDefinitionOriginType", "BuiltInRole"),
                    modified("TemplateId", role)
                ]);
                let scope_name = match dir_scope.strip_prefix("/administrativeUnits/") {
                    Some(au) => sc
                        .administrative_units
                        .iter()
                        .find(|a| a.id.eq_ignore_ascii_case(au))
                        .map(|a| a.display_name.clone())
                        .unwrap_or_else(|| au.to_string()),
                    None => "Directory".to_string(),
                };
                vec![
                    resource(json!(role), json!(name), "Role", Value::Null, props),
                    request,
                    user,
                    directory,
                    resource(
                        json!(dir_scope),
                        json!(scope_name),
                        "Other",
                        Value::Null,
                        json!([]),
                    ),
                ]
            }
            Target::Group { group, .. } => {
                let name = sc
                    .groups
                    .iter()
                    .find(|g| g.id.eq_ignore_ascii_case(group))
                    .map(|g| g.display_name.clone());
                vec![
                    resource(json!(group), json!(name), "Group", Value::Null, json!([])),
                    request,
                    user,
                    directory,
                ]
            }
            Target::Azure { scope, role } => {
                let name = sc
                    .azure_role_definitions
                    .iter()
                    .find(|r| r.id.eq_ignore_ascii_case(role))
                    .map(|r| r.display_name.clone());
                let scope_name = sc
                    .azure_scopes
                    .iter()
                    .find(|s| s.id.eq_ignore_ascii_case(scope.trim_end_matches('/')))
                    .map(|s| s.display_name.clone());
                vec![
                    resource(json!(role), json!(name), "Role", Value::Null, json!([])),
                    request,
                    user,
                    resource(
                        json!(scope),
                        json!(scope_name),
                        "Other",
                        Value::Null,
                        json!([]),
                    ),
                ]
            }
        }
    }

    fn audit_record(
        &self,
        activity: AuditActivity,
        req: &Request,
        by: &Initiator,
        at: Time,
        id: String,
    ) -> Option<Value> {
        let (name, operation) = activity_name(req.action, activity)?;
        Some(self.named_record(name, operation, activity, req, by, at, id))
    }

    /// Records an administrator's action on `req` now, under a documented name of its own
    /// (`Add eligible member to role in PIM completed (timebound)`...).
    pub(super) fn audit_named(
        &mut self,
        name: &str,
        operation: &str,
        req: &Request,
        by: Initiator,
    ) {
        let at = self.now();
        let id = format!("PIM_{}", new_id());
        let record = self.named_record(name, operation, AuditActivity::Completed, req, &by, at, id);
        self.audit.push(at, record);
    }

    #[allow(clippy::too_many_arguments)]
    fn named_record(
        &self,
        name: &str,
        operation: &str,
        activity: AuditActivity,
        req: &Request,
        by: &Initiator,
        at: Time,
        id: String,
    ) -> Value {
        let initiator = match by {
            Initiator::Requester => req.principal.clone(),
            Initiator::User(u) => u.clone(),
            Initiator::Admin => ADMIN_REVIEWER.0.to_string(),
        };
        let justification = req.justification.clone().unwrap_or_default();
        // A decision's reason is the approver's words when they gave any [INF].
        let reason = match activity {
            AuditActivity::Approved | AuditActivity::Denied => req
                .review
                .as_ref()
                .and_then(|r| r.justification.clone())
                .unwrap_or_else(|| justification.clone()),
            _ => justification.clone(),
        };
        // The request ended without being granted: the only failure PIM logs here [INF].
        let result = if activity == AuditActivity::Expired {
            "failure"
        } else {
            "success"
        };
        let mut details = vec![
            detail(
                "StartTime",
                &req.start.to_rfc3339_opts(SecondsFormat::Secs, true),
            ),
            detail("Justification", &justification),
            detail("RequestId", &req.id),
        ];
        if let Some(t) = req.ticket_number.as_deref().filter(|t| !t.is_empty()) {
            details.push(detail("TicketNumber", t));
        }
        if let Some(t) = req.ticket_system.as_deref().filter(|t| !t.is_empty()) {
            details.push(detail("TicketSystem", t));
        }
        if let Target::Group { access, .. } = &req.target {
            details.push(detail("AccessId", access));
        }
        json!({
            "id": id,
            "category": category(req.target.plane()),
            "correlationId": correlation_id(&req.id),
            "result": result,
            "resultReason": reason,
            "activityDisplayName": name,
            "activityDateTime": fmt_audit_time(at),
            "loggedByService": "PIM",
            "operationType": operation,
            "initiatedBy": {"app": null, "user": self.user_identity(&initiator)},
            "targetResources": self.target_resources(req),
            "additionalDetails": details,
        })
    }

    /// The start of the retention window: events before it are no longer returned.
    pub fn audit_retention_start(&self) -> Time {
        self.now() - Duration::days(AUDIT_RETENTION_DAYS)
    }
}
