//! The tenant's live state and the PIM rules, shared by the Graph and ARM faces.
//!
//! This module owns the public surface; the parts live in `model` (the PIM data types),
//! `settings`, `tenant` (the state and its views), `submit` (self-service requests),
//! `decisions` (cancel, approve, deny) and `common` (shared helpers).

mod common;
mod decisions;
mod model;
mod settings;
mod submit;
mod tenant;

pub use model::{
    Action, Active, Caller, Eligibility, PimError, Plane, Request, Submission, Target,
};
pub use settings::Settings;
pub use submit::MIN_ACTIVE;
pub use tenant::Tenant;
