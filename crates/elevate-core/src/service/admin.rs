//! The administrator's use cases: make a user eligible for (or actively assigned to) a role or
//! group, and remove it, on any plane, with the policy's admin rules checked before sending,
//! the user resolved by UPN, object id or display name, and the request in the history.

use serde::Serialize;

use super::Elevate;
use crate::admin::{self, Kind, Span};
use crate::error::Error;
use crate::history::HistoryRecord;
use crate::model::{Access, Plane};
use crate::pim::{AdminOutcome, User};

/// What `elevatectl assign` / `remove` asked for.
#[derive(Debug, Clone)]
pub struct AssignInput {
    pub user: String,
    /// Role or group name or id.
    pub role: String,
    pub plane: Option<Plane>,
    /// An ARM scope (Azure roles) or a directory scope (`/`, `/administrativeUnits/{id}`).
    pub scope: Option<String>,
    pub access: Option<Access>,
    pub kind: Kind,
    /// None: the policy's maximum when it requires an end.
    pub span: Option<Span>,
    pub justification: Option<String>,
}

/// What was done.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminDone {
    pub user: User,
    pub role: String,
    pub plane: Plane,
    pub scope: crate::model::Scope,
    pub kind: Kind,
    pub removed: bool,
    pub outcome: AdminOutcome,
}

impl Elevate {
    pub async fn assign(&self, input: &AssignInput) -> Result<AdminDone, Error> {
        self.admin(input, false).await
    }

    pub async fn remove(&self, input: &AssignInput) -> Result<AdminDone, Error> {
        self.admin(input, true).await
    }

    async fn admin(&self, input: &AssignInput, remove: bool) -> Result<AdminDone, Error> {
        let justification = input.justification.clone().unwrap_or_default();
        if justification.chars().count() > crate::planner::MAX_JUSTIFICATION {
            return Err(Error::InvalidInput(format!(
                "The justification has more than {} characters.",
                crate::planner::MAX_JUSTIFICATION
            )));
        }
        let target = self
            .pim
            .admin_target(
                &input.role,
                input.plane,
                input.scope.as_deref(),
                input.access,
            )
            .await?;
        let user = self.pim.find_user(&input.user).await?;
        let now = self.clock.now();
        let span = if remove {
            Span::Permanent
        } else {
            // The policy's admin rules, checked here; an unreadable policy is left to the service.
            let rules = match self.pim.policy_rules(&target).await {
                Ok(r) => Some(admin::rules(&r, input.kind)),
                Err(e) => {
                    tracing::debug!("policy of {} not readable: {e}", target.label());
                    None
                }
            };
            let span = match (&input.span, &rules) {
                (Some(s), _) => s.clone(),
                (None, Some(r)) if r.expiration_required => {
                    match r.maximum.as_deref().map(crate::policy::parse_duration) {
                        Some(Ok(max)) => Span::For(max),
                        _ => {
                            return Err(Error::InvalidInput(
                                "Give --duration, --until or --permanent.".into(),
                            ))
                        }
                    }
                }
                (None, _) => {
                    return Err(Error::InvalidInput(
                        "Give --duration, --until or --permanent.".into(),
                    ))
                }
            };
            if let Some(r) = &rules {
                admin::check(r, input.kind, &span, &justification, now)?;
            }
            span
        };
        let out = self
            .pim
            .admin_request(&target, &user, input.kind, &span, &justification, remove)
            .await;
        self.append(HistoryRecord {
            time: now,
            action: if remove { "remove" } else { "assign" }.into(),
            key: target.key.clone(),
            label: format!(
                "{} ({}) for {}",
                target.label(),
                input.kind.word(),
                user.user_principal_name
                    .as_deref()
                    .unwrap_or(&user.display_name)
            ),
            outcome: match &out {
                Ok(o) => o.status.clone(),
                Err(e) => e.code().to_string(),
            },
            request_id: out.as_ref().ok().and_then(|o| o.request_id.clone()),
            justification: Some(justification).filter(|j| !j.trim().is_empty()),
            duration: match &span {
                Span::For(d) => Some(crate::policy::iso(*d)),
                _ => None,
            },
            error: out.as_ref().err().map(|e| e.to_string()),
            prev: String::new(),
            v: None,
        });
        Ok(AdminDone {
            user,
            role: target.label(),
            plane: target.plane,
            scope: target.scope.clone(),
            kind: input.kind,
            removed: remove,
            outcome: out?,
        })
    }
}
