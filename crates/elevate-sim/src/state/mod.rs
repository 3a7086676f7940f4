//! The tenant's live state and the PIM rules, shared by the Graph and ARM faces.
//!
//! This module owns the public surface; the parts live in `model` (the PIM data types),
//! `settings`, `tenant` (the state and its views), `submit` (self-service requests),
//! `admin` (administrators' assign and remove, who may, the admin policy rules) with
//! `admin_model` (its request types and their parsing),
//! `decisions` (cancel, approve, deny), `approvals` (the approver side: who approves, an
//! approver's decision and its refusals, the 24-hour expiry), `audit` (the directory audit
//! log of PIM events) with `audit_seed` (the history a tenant starts with), `posture`
//! (sign-ins, where assignments came from, last activations), `activity` (the ARM Activity
//! Log), `reviews` (access reviews: series, instances, decision items, a reviewer's
//! decision) and `common` (shared helpers).

mod activity;
mod admin;
mod admin_model;
mod approvals;
mod audit;
mod audit_seed;
mod common;
mod decisions;
mod model;
mod posture;
mod reviews;
mod settings;
mod submit;
mod tenant;

pub use activity::{ActivityEvent, ActivityLog, ACTIVITY_LIMIT, ACTIVITY_RETENTION_DAYS};
pub use admin_model::{
    field, is_admin_action, AdminAction, AdminLevel, AdminRequest, AdminSubmission, AZURE_OWNER,
    AZURE_USER_ACCESS_ADMIN, GLOBAL_ADMIN, PRIVILEGED_ROLE_ADMIN,
};
pub use approvals::{parse_decision, StepStatus, ADMIN_REVIEWER, APPROVAL_WINDOW_HOURS};
pub use audit::{
    activity_name, category, correlation_id, fmt_audit_time, AuditActivity, AuditEvent, AuditLog,
    Initiator, AUDIT_LIMIT, AUDIT_RETENTION_DAYS,
};
pub use model::{
    Action, Active, Caller, Eligibility, PimError, Plane, Request, Review, Submission, Target,
};
pub use posture::{Origin, Posture};
pub use reviews::{
    parse_review_decision, window_status, AccessReview, ReviewDecision, ReviewInstance,
    ReviewStage, ReviewTarget, ReviewVerdict,
};
pub use settings::Settings;
pub use submit::MIN_ACTIVE;
pub use tenant::Tenant;
