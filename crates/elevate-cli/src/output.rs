//! How results and errors are shown: plain text for people, stable JSON for scripts.

use chrono::{DateTime, Utc};
use elevate_core::model::{Assignment, Plane, Status};
use elevate_core::pim::RequestState;
use elevate_core::policy::human;
use elevate_core::service::Done;
use elevate_core::Error;

use crate::args::Format;

/// The output format chosen with `-o` for the whole run (table when unset).
static FORMAT: std::sync::OnceLock<Format> = std::sync::OnceLock::new();

pub fn set_format(f: Option<Format>) {
    let _ = FORMAT.set(f.unwrap_or(Format::Table));
}

/// Whether data (JSON or YAML) is printed rather than text: `--json` or `-o json|yaml`.
pub fn wants_data(json_flag: bool) -> bool {
    json_flag || FORMAT.get().is_some_and(|f| *f != Format::Table)
}

/// Prints data in the chosen format: YAML for `-o yaml`, else pretty JSON.
pub fn print_data(v: &impl serde::Serialize) {
    let text = if FORMAT.get() == Some(&Format::Yaml) {
        serde_norway::to_string(v).unwrap_or_default()
    } else {
        serde_json::to_string_pretty(v).unwrap_or_default()
    };
    println!("{}", text.trim_end());
}

/// A line for people on stderr (results, notes, what failed): stdout stays for data.
pub fn say(line: impl std::fmt::Display) {
    eprintln!("{line}");
}

pub const OK: u8 = 0;
pub const PENDING: u8 = 1;
pub const USAGE: u8 = 2;
pub const POLICY: u8 = 3;
pub const SERVICE: u8 = 4;
pub const SIGN_IN: u8 = 5;

pub fn exit_code(e: &Error) -> u8 {
    match e {
        Error::InvalidInput(_) | Error::Unsupported(_) => USAGE,
        Error::PolicyRefused { .. } => POLICY,
        Error::SignInRequired(_) => SIGN_IN,
        Error::Service(s) if s.status == 401 => SIGN_IN,
        Error::Service(_)
        | Error::Consent { .. }
        | Error::Network(_)
        | Error::SecretStore(_)
        | Error::Io { .. } => SERVICE,
    }
}

/// The exit code for an error that crossed a boundary as `{code, message}`.
pub fn exit_code_for(code: &str) -> u8 {
    match code {
        "invalidInput" | "unsupported" => USAGE,
        "policy" => POLICY,
        "signInRequired" | "InvalidAuthenticationToken" | "AuthenticationFailed" => SIGN_IN,
        _ => SERVICE,
    }
}

/// The message, plus what to do; `--verbose` adds the Microsoft code and request id.
pub fn describe(e: &Error, verbose: bool) -> String {
    let mut text = e.to_string();
    if !verbose {
        // The request id is for support: keep it for --verbose.
        if let Some(s) = e.service() {
            if let Some(id) = &s.request_id {
                text = text.replace(&format!(", request {id}"), "");
            }
        }
    }
    match e {
        Error::SignInRequired(_) => format!("{text}\n  run: elevatectl login   (or elevatectl login --device-code on a machine without a browser)"),
        Error::Service(s) if verbose => format!("{text}\n  code: {}  status: {}  request-id: {}", s.code, s.status, s.request_id.as_deref().unwrap_or("-")),
        _ => text,
    }
}

pub fn plane_name(p: Plane) -> &'static str {
    match p {
        Plane::EntraRole => "entra",
        Plane::Group => "group",
        Plane::AzureResource => "azure",
    }
}

fn status_name(s: Status) -> &'static str {
    match s {
        Status::Eligible => "eligible",
        Status::Active => "active",
        Status::PendingApproval => "pending",
        Status::Scheduled => "scheduled",
    }
}

pub fn time_left(end: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match end {
        None => "permanent".into(),
        Some(e) if e <= now => "ended".into(),
        Some(e) => format!("{} left", human(e - now)),
    }
}

pub fn policy_badges(a: &Assignment) -> String {
    let Some(p) = &a.policy else {
        return "-".into();
    };
    let mut b = vec![];
    if let Some(m) = &p.max_duration {
        b.push(format!(
            "max {}",
            elevate_core::policy::parse_duration(m)
                .map(human)
                .unwrap_or_else(|_| m.clone())
        ));
    }
    if p.justification {
        b.push("justification".into());
    }
    if p.ticket {
        b.push("ticket".into());
    }
    if p.mfa {
        b.push("MFA".into());
    }
    if p.approval {
        b.push("approval".into());
    }
    if let Some(c) = &p.auth_context {
        b.push(format!("auth context {c}"));
    }
    b.join(", ")
}

pub fn table(items: &[&Assignment], now: DateTime<Utc>) -> String {
    let rows: Vec<[String; 6]> = items
        .iter()
        .map(|a| {
            let when = match a.status {
                Status::Active => time_left(a.end_date_time, now),
                Status::PendingApproval => "waiting for approval".into(),
                Status::Scheduled => a
                    .start_date_time
                    .map(|s| {
                        format!(
                            "starts {}",
                            s.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M")
                        )
                    })
                    .unwrap_or_else(|| "scheduled".into()),
                Status::Eligible => a
                    .end_date_time
                    .map(|e| format!("eligible until {}", e.format("%Y-%m-%d")))
                    .unwrap_or_else(|| "-".into()),
            };
            [
                status_name(a.status).into(),
                plane_name(a.plane).into(),
                a.label(),
                a.scope.display_name.clone(),
                when,
                policy_badges(a),
            ]
        })
        .collect();
    let rows: Vec<Vec<String>> = rows.into_iter().map(|r| r.to_vec()).collect();
    grid(
        &["STATUS", "PLANE", "NAME", "SCOPE", "WHEN", "POLICY"],
        &rows,
    )
}

/// Columns padded to their widest cell; the last one is not padded.
pub fn grid(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(widths.len()) {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i + 1 == cells.len() {
                    c.to_string()
                } else {
                    let pad = widths[i].saturating_sub(c.chars().count());
                    format!("{c}{}", " ".repeat(pad))
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    let mut out = vec![line(headers.to_vec())];
    out.extend(
        rows.iter()
            .map(|r| line(r.iter().map(String::as_str).collect())),
    );
    out.join("\n")
}

/// The exit code for a request's state: pending approval is 1, a request that ended is 4.
pub fn exit_code_of(state: RequestState) -> u8 {
    match state {
        RequestState::PendingApproval => PENDING,
        RequestState::Revoked | RequestState::Canceled => SERVICE,
        RequestState::Active
        | RequestState::Provisioning
        | RequestState::Scheduled
        | RequestState::AlreadyActive
        | RequestState::AlreadyPending => OK,
    }
}

/// One line for people on stderr, or the stable JSON on stdout.
pub fn print_outcome(done: &Done, json: bool) {
    if wants_data(json) {
        print_data(&outcome_json(done));
        return;
    }
    let (a, out) = (&done.assignment, &done.outcome);
    let what = match out.state {
        RequestState::Active => "is active".to_string(),
        RequestState::Provisioning => "was granted and is being provisioned".to_string(),
        RequestState::Scheduled => "is scheduled".to_string(),
        RequestState::PendingApproval => format!(
            "waits for approval (request {})",
            out.request_id.as_deref().unwrap_or("-")
        ),
        RequestState::Revoked => "was deactivated".to_string(),
        RequestState::Canceled => "was cancelled".to_string(),
        RequestState::AlreadyActive => "is already active; nothing was sent".to_string(),
        RequestState::AlreadyPending => {
            "already has a request waiting for approval; nothing was sent".to_string()
        }
    };
    eprintln!("{} at {} {what}.", a.label(), a.scope.display_name);
}

/// The JSON of an outcome, shared by `--json` and MCP.
pub fn outcome_json(done: &Done) -> serde_json::Value {
    let (a, out) = (&done.assignment, &done.outcome);
    serde_json::json!({"name": a.label(), "plane": a.plane, "scope": a.scope, "state": out.state, "status": out.status, "requestId": out.request_id, "reconciled": out.reconciled})
}
