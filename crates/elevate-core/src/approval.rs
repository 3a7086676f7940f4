//! The approver's side of PIM in one model across the three planes: a request waiting for my
//! decision ([`Approval`]), the decision ([`Verdict`]) and its result ([`Decided`]), and the
//! parsing of Graph and ARM request bodies into it. Enums are read case-insensitively: Graph
//! writes `selfActivate`, ARM `SelfActivate`, and the docs show both.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::model::{Access, Assignment, Plane, Scope};
use crate::parse;

/// How long a request waits for an approver before it expires; not configurable [DOC].
pub const APPROVAL_WINDOW_HOURS: i64 = 24;

/// What the requester asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum RequestKind {
    Activate,
    Extend,
    Renew,
    Other,
}

impl RequestKind {
    /// `selfActivate` / `SelfActivate` / `adminExtend`...; anything else is `Other`.
    pub fn parse(action: &str) -> RequestKind {
        let a = action.to_ascii_lowercase();
        if a.ends_with("activate") && !a.ends_with("deactivate") {
            RequestKind::Activate
        } else if a.ends_with("extend") {
            RequestKind::Extend
        } else if a.ends_with("renew") {
            RequestKind::Renew
        } else {
            RequestKind::Other
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RequestKind::Activate => "activation",
            RequestKind::Extend => "extension",
            RequestKind::Renew => "renewal",
            RequestKind::Other => "request",
        }
    }
}

/// Whether I can decide it here, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Decidable {
    Yes,
    /// Extend and renew requests: the Graph and ARM approval APIs do not take them [DOC].
    PortalOnly,
    /// My own request: approvers cannot approve their own requests [DOC].
    OwnRequest,
}

/// Who asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Requester {
    pub id: String,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
}

impl Requester {
    /// The name people know: display name, else UPN, else the object id.
    pub fn name(&self) -> &str {
        self.display_name
            .as_deref()
            .or(self.user_principal_name.as_deref())
            .unwrap_or(&self.id)
    }
}

/// A request waiting for my decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Approval {
    /// Stable across planes and restarts: `entraRole:{requestId}`, `group:{requestId}`,
    /// `azureResource:{approvalGuid}`. The CLI and notifications name approvals by it (or by
    /// the bare request id).
    pub key: String,
    pub plane: Plane,
    /// The request's id (Graph) or name (ARM).
    pub request_id: String,
    /// Graph: the request id (they are equal [DOC]); ARM: the approval's GUID.
    pub approval_id: String,
    pub requester: Requester,
    /// Role or group display name.
    pub name: String,
    /// Role definition id or group id.
    pub target_id: String,
    pub access: Option<Access>,
    pub scope: Scope,
    pub kind: RequestKind,
    pub justification: Option<String>,
    pub ticket_number: Option<String>,
    pub ticket_system: Option<String>,
    #[ts(type = "string | null")]
    pub created: Option<DateTime<Utc>>,
    /// The requested start (None: as soon as approved).
    #[ts(type = "string | null")]
    pub start: Option<DateTime<Utc>>,
    /// The requested duration (ISO-8601) or end.
    pub duration: Option<String>,
    #[ts(type = "string | null")]
    pub end: Option<DateTime<Utc>>,
    /// When the request expires unanswered (created + 24 h).
    #[ts(type = "string | null")]
    pub expires: Option<DateTime<Utc>>,
    pub decidable: Decidable,
    /// Whether the policy asks the approver for a justification (None: not known).
    pub approver_justification: Option<bool>,
}

impl Approval {
    /// "Security Administrator", "Finance App Admins (owner)", "Contributor on Prod".
    pub fn label(&self) -> String {
        let base = match self.access {
            Some(a) => format!("{} ({})", self.name, a.as_str()),
            None => self.name.clone(),
        };
        if self.plane == Plane::AzureResource {
            format!("{base} on {}", self.scope.display_name)
        } else {
            base
        }
    }

    /// Whether `id` names this approval: its key, request id or approval id.
    pub fn named(&self, id: &str) -> bool {
        let id = id.trim();
        self.key.eq_ignore_ascii_case(id)
            || self.request_id.eq_ignore_ascii_case(id)
            || self.approval_id.eq_ignore_ascii_case(id)
    }

    /// The policy key of the target, for reading the policy the approver works under.
    pub fn target(&self) -> Assignment {
        Assignment {
            key: Assignment::key_for(self.plane, &self.target_id, self.access, &self.scope.id),
            plane: self.plane,
            name: self.name.clone(),
            id: self.target_id.clone(),
            access: self.access,
            scope: self.scope.clone(),
            status: crate::model::Status::PendingApproval,
            assignment_type: None,
            member_type: None,
            start_date_time: self.start,
            end_date_time: None,
            eligibility_schedule_id: None,
            request_id: Some(self.request_id.clone()),
            policy: None,
        }
    }
}

/// The decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Verdict {
    Approve,
    Deny,
}

impl Verdict {
    /// What the decision PATCH sends (the same on Graph and ARM) [DOC][SPEC].
    pub fn wire(self) -> &'static str {
        match self {
            Verdict::Approve => "Approve",
            Verdict::Deny => "Deny",
        }
    }

    pub fn past(self) -> &'static str {
        match self {
            Verdict::Approve => "approved",
            Verdict::Deny => "denied",
        }
    }
}

/// What the popup sends to decide: the approval's key, the verdict and my justification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DecisionForm {
    pub key: String,
    pub verdict: Verdict,
    #[serde(default)]
    pub justification: Option<String>,
}

/// How a decision ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum DecisionState {
    /// Recorded as asked.
    Recorded,
    /// Another approver (or an administrator) decided first: nothing to do.
    AlreadyDecided,
    /// The 24 hours ran out before the decision.
    Expired,
}

/// The result of a decision, as every front end shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Decided {
    pub key: String,
    pub verdict: Verdict,
    pub state: DecisionState,
    /// What was decided when someone else decided first (`approved`/`denied`), if known.
    pub result: Option<String>,
    /// Who decided it when someone else did, if known.
    pub by: Option<String>,
    /// One line for the user.
    pub message: String,
}

/// The popup's and tray's "To approve" section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, Default)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ApprovalsView {
    /// Approvals are turned on (settings): the section shows and the tray polls.
    pub enabled: bool,
    /// Requests waiting for me, oldest first.
    pub items: Vec<Approval>,
    /// Planes whose list failed (consent missing, no access), each with its error.
    pub failures: Vec<crate::model::PlaneFailure>,
    /// My latest decisions here, newest first: the result shown next to the item.
    pub decided: Vec<Decided>,
    /// Unix milliseconds of the last list that answered.
    #[ts(type = "number | null")]
    pub checked_at: Option<i64>,
}

/// A review step (Graph `steps`/`stages`, ARM `stages`), reduced to what a decision needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The id to PATCH (ARM: the stage's `name`, a GUID).
    pub id: String,
    pub assigned_to_me: bool,
    /// Normalised: `notreviewed`, `approved`, `denied` (ARM's `Approve`/`Deny` read as these).
    pub result: String,
    /// Normalised lower case: `inprogress`, `completed`, `expired`...
    pub status: String,
    pub reviewed_by: Option<String>,
    /// Graph `reviewedBy.id`, ARM `reviewedBy.principalId`.
    pub reviewed_by_id: Option<String>,
}

impl Step {
    pub fn open(&self) -> bool {
        self.result == "notreviewed" && !matches!(self.status.as_str(), "completed" | "expired")
    }
}

fn s(v: &Value) -> Option<String> {
    v.as_str().filter(|x| !x.is_empty()).map(str::to_string)
}

fn lower(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_ascii_lowercase()
}

/// Graph and ARM write the result differently: Graph reads back `Approved`/`Denied`, ARM
/// `Approve`/`Deny` [DOC][SPEC]; both become `approved`/`denied`.
fn result_word(v: &Value) -> String {
    match lower(v).as_str() {
        "approve" | "approved" => "approved".into(),
        "deny" | "denied" => "denied".into(),
        "" | "notreviewed" => "notreviewed".into(),
        other => other.into(),
    }
}

/// The steps of an approval: Graph beta `steps`, Graph v1.0 `stages` (the docs disagree on
/// which: both read), ARM `properties.stages` whose fields sit under `properties`.
pub fn steps(approval: &Value) -> Vec<Step> {
    let list = ["steps", "stages"]
        .iter()
        .find_map(|k| approval[*k].as_array())
        .or_else(|| approval["properties"]["stages"].as_array())
        .or_else(|| approval["properties"]["steps"].as_array())
        .or_else(|| approval["value"].as_array());
    list.into_iter()
        .flatten()
        .filter_map(|st| {
            let p = if st["properties"].is_object() {
                &st["properties"]
            } else {
                st
            };
            // ARM's stage `id` is a full path; its `name` is the GUID the path ends with.
            let id = s(&st["name"])
                .filter(|_| st["properties"].is_object())
                .or_else(|| s(&st["id"]).map(|i| i.rsplit('/').next().unwrap_or(&i).to_string()))?;
            let by = &p["reviewedBy"];
            Some(Step {
                id,
                assigned_to_me: p["assignedToMe"].as_bool().unwrap_or(false),
                result: result_word(&p["reviewResult"]),
                status: lower(&p["status"]),
                reviewed_by: s(&by["displayName"])
                    .or_else(|| s(&by["principalName"]))
                    .or_else(|| s(&by["userPrincipalName"])),
                reviewed_by_id: s(&by["id"]).or_else(|| s(&by["principalId"])),
            })
        })
        .collect()
}

fn expiration(schedule: &Value) -> (Option<String>, Option<DateTime<Utc>>) {
    let e = &schedule["expiration"];
    (s(&e["duration"]), parse::time(&e["endDateTime"]))
}

fn is_pending(status: &Value) -> bool {
    lower(status) == "pendingapproval"
}

fn finish(mut a: Approval, me: &str) -> Approval {
    if a.requester.id.eq_ignore_ascii_case(me) {
        a.decidable = Decidable::OwnRequest;
    } else if matches!(a.kind, RequestKind::Extend | RequestKind::Renew) {
        a.decidable = Decidable::PortalOnly;
    }
    a.expires = a
        .created
        .map(|c| c + Duration::hours(APPROVAL_WINDOW_HOURS));
    a
}

/// A Graph request (Entra role or group) listed with `filterByCurrentUser(on='approver')`;
/// None unless it waits for approval. `me` is my object id (my own requests are marked).
pub fn graph(item: &Value, plane: Plane, me: &str) -> Option<Approval> {
    if !is_pending(&item["status"]) {
        return None;
    }
    let target = match plane {
        Plane::EntraRole => parse::entra(item, false)?,
        Plane::Group => parse::group(item, false)?,
        Plane::AzureResource => return None,
    };
    let id = s(&item["id"])?;
    let principal = &item["principal"];
    let requester = Requester {
        id: s(&item["principalId"])
            .or_else(|| s(&principal["id"]))
            .unwrap_or_default(),
        display_name: s(&principal["displayName"]),
        user_principal_name: s(&principal["userPrincipalName"]),
    };
    let (duration, end) = expiration(&item["scheduleInfo"]);
    let key = format!(
        "{}{}",
        Assignment::key_prefix(plane),
        id.to_ascii_lowercase()
    );
    Some(finish(
        Approval {
            key,
            plane,
            approval_id: s(&item["approvalId"]).unwrap_or_else(|| id.clone()),
            request_id: id,
            requester,
            name: target.name,
            target_id: target.id,
            access: target.access,
            scope: target.scope,
            kind: RequestKind::parse(item["action"].as_str().unwrap_or_default()),
            justification: s(&item["justification"]),
            ticket_number: s(&item["ticketInfo"]["ticketNumber"]),
            ticket_system: s(&item["ticketInfo"]["ticketSystem"]),
            created: parse::time(&item["createdDateTime"]),
            start: parse::time(&item["scheduleInfo"]["startDateTime"]),
            duration,
            end,
            expires: None,
            decidable: Decidable::Yes,
            approver_justification: None,
        },
        me,
    ))
}

/// An ARM request listed with `$filter=asApprover()`; None unless it waits for approval or
/// has no approval id to decide with.
pub fn azure(item: &Value, me: &str) -> Option<Approval> {
    let p = &item["properties"];
    if !is_pending(&p["status"]) {
        return None;
    }
    let target = parse::azure(item, false)?;
    // `approvalId` is a full path ending in the GUID [OBS].
    let approval_path = s(&p["approvalId"])?;
    let approval_id = approval_path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(&approval_path)
        .to_ascii_lowercase();
    let principal = &p["expandedProperties"]["principal"];
    let requester = Requester {
        id: s(&p["principalId"])
            .or_else(|| s(&principal["id"]))
            .unwrap_or_default(),
        display_name: s(&principal["displayName"]),
        user_principal_name: s(&principal["email"]),
    };
    let (duration, end) = expiration(&p["scheduleInfo"]);
    Some(finish(
        Approval {
            key: format!(
                "{}{approval_id}",
                Assignment::key_prefix(Plane::AzureResource)
            ),
            plane: Plane::AzureResource,
            request_id: s(&item["name"]).unwrap_or_else(|| approval_id.clone()),
            approval_id,
            requester,
            name: target.name,
            target_id: target.id,
            access: None,
            scope: target.scope,
            kind: RequestKind::parse(p["requestType"].as_str().unwrap_or_default()),
            justification: s(&p["justification"]),
            ticket_number: s(&p["ticketInfo"]["ticketNumber"]),
            ticket_system: s(&p["ticketInfo"]["ticketSystem"]),
            created: parse::time(&p["createdOn"]),
            start: parse::time(&p["scheduleInfo"]["startDateTime"]),
            duration,
            end,
            expires: None,
            decidable: Decidable::Yes,
            approver_justification: None,
        },
        me,
    ))
}

#[cfg(test)]
mod tests;
