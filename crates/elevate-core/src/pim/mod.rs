//! The PIM client over Graph and ARM. A full refresh is the six list calls (eligible and
//! active for each plane) plus the pending requests: the Graph ones in one `$batch`, the ARM
//! ones at the tenant root with `asTarget()`, concurrently, every page followed. A plane that
//! fails degrades alone, with its error. Policies: directory roles in one call, groups in
//! `$batch`es of 20, Azure lazily per role and scope; all cached per tenant with a TTL.

mod activity;
mod admin;
mod approvals;
mod audit;
mod common;
mod decision;
mod definitions;
mod listing;
mod odata;
mod outcome;
mod policies;
mod posture;
pub mod posture_parse;
mod requests;
mod reviews;
mod scopes;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::auth::{Resource, Session};
use crate::error::Error;
use crate::http::Response;
use crate::model::{Assignment, Plane};
use crate::os::Clock;

pub use activity::activity_event;
pub use admin::{AdminOutcome, User};
pub use approvals::Pending;
pub use audit::{matches as audit_matches, AuditEvent, AuditQuery, AUDIT_SCOPES, RETENTION_DAYS};
use common::CachedPolicy;
pub use definitions::RoleDefinition;
pub use outcome::{classify, RequestOutcome, RequestState};
pub use posture::{Progress, ALERT_SCOPES, GROUP_SCOPES, POSTURE_SCOPES};
pub use reviews::{MyReviews, REVIEW_READ, REVIEW_WRITE};

pub struct Pim {
    session: Arc<Session>,
    clock: Arc<dyn Clock>,
    policies: Mutex<HashMap<String, CachedPolicy>>,
    pub policy_ttl: Duration,
    /// The organisation's limits on every activation (maximum duration, ticket,
    /// justification), checked with the PIM policy before sending.
    pub managed: crate::managed::Policy,
    /// The user's own justification rules (`[justification]`), checked with the
    /// organisation's; none on a bare client.
    justification: std::sync::RwLock<crate::justification::Rules>,
}

impl Pim {
    pub fn new(session: Arc<Session>, clock: Arc<dyn Clock>) -> Pim {
        Pim {
            session,
            clock,
            policies: Mutex::new(HashMap::new()),
            policy_ttl: Duration::from_secs(30 * 60),
            managed: crate::managed::Policy::default(),
            justification: Default::default(),
        }
    }

    /// Sets the user's justification rules (at start, and when the settings change).
    pub fn set_justification(&self, rules: crate::justification::Rules) {
        *self
            .justification
            .write()
            .unwrap_or_else(|p| p.into_inner()) = rules;
    }

    /// The user's justification rules in force.
    pub fn justification(&self) -> crate::justification::Rules {
        self.justification
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn session(&self) -> &Arc<Session> {
        &self.session
    }

    pub(crate) fn graph(&self, path: &str) -> String {
        format!("{}/v1.0{path}", self.session.cfg.endpoints.graph)
    }

    pub(crate) fn arm(&self, path: &str) -> String {
        format!("{}{path}", self.session.cfg.endpoints.arm)
    }

    pub(super) fn me(&self) -> Result<String, Error> {
        self.session.identity().map(|i| i.object_id).ok_or_else(|| {
            Error::SignInRequired("You are not signed in: sign in to Elevate first.".into())
        })
    }

    pub(crate) fn resource(a: &Assignment) -> Resource {
        if a.plane == Plane::AzureResource {
            Resource::Arm
        } else {
            Resource::Graph
        }
    }
}

/// Reads the body of a response for tests and callers that need the raw JSON.
pub fn body(resp: &Response) -> Value {
    resp.json().unwrap_or(Value::Null)
}
