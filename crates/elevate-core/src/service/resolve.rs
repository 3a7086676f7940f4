//! Which assignment a front end means: a key (the popup, the tray), a name with an optional
//! scope (elevatectl, MCP) or a request id (cancel). One set of rules and messages for all.

use crate::error::Error;
use crate::model::{Assignment, Status};

/// The assignment a use case acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An assignment key, as the popup and the tray know it.
    Key(String),
    /// A role or group name, "Group (owner)", an id or a key, case-insensitive; `scope` (an
    /// id or a display name) picks one of several matches.
    Name { name: String, scope: Option<String> },
    /// A pending request by its id.
    Request(String),
}

impl Target {
    pub fn key(key: impl Into<String>) -> Target {
        Target::Key(key.into())
    }

    pub fn name(name: impl Into<String>, scope: Option<&str>) -> Target {
        Target::Name {
            name: name.into(),
            scope: scope.map(str::to_string),
        }
    }
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Eligible => "eligible",
        Status::Active => "active",
        Status::PendingApproval => "pending",
        Status::Scheduled => "scheduled",
    }
}

/// The one assignment `target` names among `all`, in one of `statuses` (the first listed
/// status wins when an assignment is there in several).
pub fn resolve(
    all: &[Assignment],
    target: &Target,
    statuses: &[Status],
) -> Result<Assignment, Error> {
    match target {
        Target::Key(key) => statuses
            .iter()
            .find_map(|s| all.iter().find(|a| &a.key == key && a.status == *s))
            .cloned()
            .ok_or_else(|| {
                Error::InvalidInput(
                    "That assignment is no longer listed as expected; refresh and try again."
                        .into(),
                )
            }),
        Target::Request(id) => all
            .iter()
            .find(|a| {
                matches!(a.status, Status::PendingApproval | Status::Scheduled)
                    && a.request_id.as_deref().is_some_and(|r| r.eq_ignore_ascii_case(id))
            })
            .cloned()
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "No pending request {id}: `elevatectl list` shows pending requests and their ids."
                ))
            }),
        Target::Name { name, scope } => by_name(all, name, scope.as_deref(), statuses),
    }
}

fn by_name(
    all: &[Assignment],
    query: &str,
    scope: Option<&str>,
    statuses: &[Status],
) -> Result<Assignment, Error> {
    let q = query.trim().to_lowercase();
    let mut hits: Vec<&Assignment> = all
        .iter()
        .filter(|a| statuses.contains(&a.status))
        .filter(|a| {
            a.name.to_lowercase() == q
                || a.label().to_lowercase() == q
                || a.id.to_lowercase() == q
                || a.key.to_lowercase() == q
        })
        .collect();
    if let Some(s) = scope {
        let s = s.trim().to_lowercase();
        hits.retain(|a| a.scope.id.to_lowercase() == s || a.scope.display_name.to_lowercase() == s);
    }
    // The eligible and the active form of one assignment are one match.
    hits.sort_by_key(|a| statuses.iter().position(|s| *s == a.status));
    let mut seen = std::collections::HashSet::new();
    hits.retain(|a| seen.insert(a.key.clone()));
    match hits.as_slice() {
        [one] => Ok((*one).clone()),
        [] => {
            let what: Vec<&str> = statuses.iter().map(|s| status_word(*s)).collect();
            Err(Error::InvalidInput(format!(
                "No {} assignment matches '{query}'{}. `elevatectl list` shows what you have.",
                what.join(" or "),
                scope
                    .map(|s| format!(" at scope '{s}'"))
                    .unwrap_or_default()
            )))
        }
        many => {
            let list: Vec<String> = many
                .iter()
                .map(|a| {
                    format!(
                        "  {}  at {}  (--scope \"{}\")",
                        a.label(),
                        a.scope.display_name,
                        a.scope.id
                    )
                })
                .collect();
            Err(Error::InvalidInput(format!(
                "'{query}' matches {} assignments; add --scope with one of:\n{}",
                many.len(),
                list.join("\n")
            )))
        }
    }
}
