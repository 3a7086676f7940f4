//! The administrator's request types: what an admin action creates (`AdminLevel`), the
//! action (`AdminAction`), a stored request (`AdminRequest`), and the submission parsed from
//! Graph's body or ARM's `properties` with names in any case (`field`), plus the well-known
//! ids of the roles that may assign.

use chrono::Duration;
use serde_json::Value;

use super::model::Target;
use crate::time::{parse_duration, parse_time, Time};

/// Built-in template ids of the directory roles that may assign (any tenant).
pub const PRIVILEGED_ROLE_ADMIN: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
pub const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
/// Built-in Azure roles that may assign at a scope ("at least the Owner or User Access
/// Administrator role on the resource" [DOC]).
pub const AZURE_OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
pub const AZURE_USER_ACCESS_ADMIN: &str = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";

/// What an administrator's request creates or removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminLevel {
    Eligibility,
    Assignment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminAction {
    Assign,
    Remove,
}

impl AdminAction {
    pub fn graph(self) -> &'static str {
        match self {
            AdminAction::Assign => "adminAssign",
            AdminAction::Remove => "adminRemove",
        }
    }
    pub fn arm(self) -> &'static str {
        match self {
            AdminAction::Assign => "AdminAssign",
            AdminAction::Remove => "AdminRemove",
        }
    }
}

/// `adminAssign`, `AdminRemove`... in any case: an administrator's action.
pub fn is_admin_action(s: &str) -> bool {
    s.to_ascii_lowercase().starts_with("admin")
}

/// A stored administrator's request (Graph's and ARM's schedule request objects).
#[derive(Debug, Clone)]
pub struct AdminRequest {
    pub id: String,
    pub action: AdminAction,
    pub level: AdminLevel,
    pub principal: String,
    pub target: Target,
    pub status: String,
    pub created: Time,
    /// Who asked (`createdBy.user.id`, ARM `requestorId`).
    pub requestor: String,
    pub justification: Option<String>,
    pub ticket_number: Option<String>,
    pub ticket_system: Option<String>,
    pub start: Time,
    /// `noExpiration`, `afterDuration` or `afterDateTime` (Graph's spelling).
    pub expiration_type: String,
    pub duration: Option<Duration>,
    pub end: Option<Time>,
    /// The schedule created (assign) or removed (remove).
    pub target_schedule_id: String,
    pub validation_only: bool,
}

/// What an administrator's request carries, parsed from Graph's body or ARM's `properties`.
#[derive(Debug, Clone)]
pub struct AdminSubmission {
    pub action: AdminAction,
    pub principal: String,
    pub justification: Option<String>,
    pub ticket_number: Option<String>,
    pub ticket_system: Option<String>,
    pub start: Option<Time>,
    pub expiration_type: Option<String>,
    pub duration: Option<Duration>,
    pub end: Option<Time>,
    /// ARM's request name.
    pub name: Option<String>,
}

/// A member of `v` by name, case-insensitively (a peer sends `ScheduleInfo`, `Expiration`).
pub fn field<'a>(v: &'a Value, name: &str) -> &'a Value {
    match v.as_object() {
        Some(map) => map
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
            .unwrap_or(&Value::Null),
        None => &Value::Null,
    }
}

fn text(v: &Value, name: &str) -> Option<String> {
    field(v, name).as_str().map(str::to_string)
}

impl AdminSubmission {
    /// Parses `body` (Graph) or `properties` (ARM); `action_key` is `action` or
    /// `requestType`. Err is the message of a 400.
    pub fn from_json(body: &Value, action_key: &str) -> Result<AdminSubmission, String> {
        let raw = text(body, action_key).unwrap_or_default();
        let action = match raw.to_ascii_lowercase().as_str() {
            "adminassign" => AdminAction::Assign,
            "adminremove" => AdminAction::Remove,
            "adminupdate" | "adminextend" | "adminrenew" => {
                return Err(format!(
                    "The action '{raw}' is not supported by the simulator; use adminAssign or adminRemove."
                ))
            }
            _ => return Err(format!("Invalid value '{raw}' for property '{action_key}'.")),
        };
        let principal = text(body, "principalId").unwrap_or_default();
        if principal.is_empty() {
            return Err("The property 'principalId' is required.".into());
        }
        let ticket = field(body, "ticketInfo");
        let info = field(body, "scheduleInfo");
        let exp = field(info, "expiration");
        let mut sub = AdminSubmission {
            action,
            principal,
            justification: text(body, "justification"),
            ticket_number: text(ticket, "ticketNumber"),
            ticket_system: text(ticket, "ticketSystem"),
            start: None,
            expiration_type: text(exp, "type"),
            duration: None,
            end: None,
            name: None,
        };
        if let Some(s) = text(info, "startDateTime") {
            sub.start = Some(
                parse_time(&s)
                    .ok_or_else(|| format!("Cannot convert '{s}' to a DateTimeOffset."))?,
            );
        }
        if let Some(d) = text(exp, "duration") {
            sub.duration =
                Some(parse_duration(&d).ok_or_else(|| {
                    format!("The duration '{d}' is not a valid ISO-8601 duration.")
                })?);
        }
        if let Some(e) = text(exp, "endDateTime") {
            sub.end = Some(
                parse_time(&e)
                    .ok_or_else(|| format!("Cannot convert '{e}' to a DateTimeOffset."))?,
            );
        }
        Ok(sub)
    }
}
