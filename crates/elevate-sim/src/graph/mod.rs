//! Microsoft Graph v1.0 (and beta approvals and PIM alerts): the PIM endpoints for directory roles and groups, policies,
//! `/me`, `/me/memberOf`, groups and `$batch`, with OData paging, `$select`, `$expand`.
//!
//! This module owns the dispatch from a [`Route`] to its handler; routing and token checks
//! are in `route`, shared plumbing in `common`, JSON shapes in `render`, the write side in
//! `requests`, and the handlers by area in `me`, `roles`, `groups`, `policies`,
//! `approvals` (the approver side, with the beta approval objects), `audit` (the
//! directory audit log, its `$filter` grammar in `audit_filter`), `admin` (administrators'
//! assign and remove, tenant-wide listings), `users` (the user lookup), `posture` (the
//! posture reads: assignment schedules, group schedules) and the beta PIM alerts: `alerts`
//! (the endpoints), `alert_catalog` (the seven definitions and their configurations) and
//! `alert_incidents` (incidents computed from the live tenant); `reviews` (access reviews:
//! the reviewer's listings and decisions, every series for readers).

mod admin;
mod alert_catalog;
mod alert_incidents;
mod alerts;
mod approvals;
mod audit;
mod audit_filter;
mod common;
mod groups;
mod me;
mod policies;
mod posture;
mod render;
mod requests;
mod reviews;
mod roles;
mod route;
mod users;

pub use common::Ctx;
pub use route::{authorize, route, Route};

use crate::http::Resp;
use crate::state::{AdminLevel, Plane};

pub fn handle(route: &Route, ctx: &mut Ctx) -> Resp {
    match handle_inner(route, ctx) {
        Ok(r) | Err(r) => r,
    }
}

fn handle_inner(route: &Route, ctx: &mut Ctx) -> Result<Resp, Resp> {
    ctx.tenant.tick();
    let me = ctx.token.user.clone();
    match route {
        Route::Me => me::me(ctx, &me),
        Route::MemberOf => me::member_of(ctx, &me),
        Route::RoleDefinitions => roles::definitions(ctx),
        Route::RoleDefinition(id) => roles::definition(ctx, id),
        Route::EntraEligible => roles::eligible(ctx, &me),
        Route::EntraActive => roles::active(ctx, &me),
        Route::EntraRequestsMine => roles::requests_mine(ctx, &me),
        Route::EntraRequest(id) => roles::request(ctx, &me, id),
        Route::EntraRequestCreate => roles::create_request(ctx),
        Route::EntraRequestCancel(id) | Route::GroupRequestCancel(id) => {
            requests::cancel(ctx, &me, id)
        }
        Route::GroupEligible => groups::eligible(ctx, &me),
        Route::GroupActive => groups::active(ctx, &me),
        Route::GroupRequestsMine => groups::requests_mine(ctx, &me),
        Route::GroupRequest(id) => groups::request(ctx, &me, id),
        Route::GroupRequestCreate => groups::create_request(ctx),
        Route::Groups => groups::list(ctx),
        Route::Group(id) => groups::get(ctx, id),
        Route::Policies => policies::policies(ctx),
        Route::Batch => Ok(unreachable_batch()),
        Route::EntraRequestsApprover => approvals::requests_as_approver(ctx, &me, Plane::Entra),
        Route::GroupRequestsApprover => approvals::requests_as_approver(ctx, &me, Plane::Group),
        Route::EntraApproval(id) => approvals::approval(ctx, &me, Plane::Entra, id, true),
        Route::EntraApprovalSteps(id) => approvals::steps(ctx, &me, Plane::Entra, id, true),
        Route::EntraApprovalStep(id, step) => {
            approvals::one_step(ctx, &me, Plane::Entra, id, step, true)
        }
        Route::EntraApprovalDecide(id, step) => approvals::decide(ctx, &me, Plane::Entra, id, step),
        Route::GroupApproval { id, beta } => approvals::approval(ctx, &me, Plane::Group, id, *beta),
        Route::GroupApprovalStages { id, beta } => {
            approvals::steps(ctx, &me, Plane::Group, id, *beta)
        }
        Route::GroupApprovalStage { id, stage, beta } => {
            approvals::one_step(ctx, &me, Plane::Group, id, stage, *beta)
        }
        Route::GroupApprovalDecide(id, stage) => {
            approvals::decide(ctx, &me, Plane::Group, id, stage)
        }
        Route::GroupApprovalsApprover { beta } => {
            approvals::group_approvals_as_approver(ctx, &me, *beta)
        }
        Route::DirectoryAudits => audit::list(ctx, &me),
        Route::DirectoryAudit(id) => audit::get(ctx, &me, id),
        Route::EntraEligibilityRequestCreate => admin::entra_create(ctx, AdminLevel::Eligibility),
        Route::EntraEligibilityRequest(id) => admin::eligibility_request(ctx, &me, id),
        Route::EntraEligibleAll => admin::entra_eligible_all(ctx, &me, false),
        Route::EntraEligibilitySchedules => admin::entra_eligible_all(ctx, &me, true),
        Route::EntraActiveAll => admin::entra_active_all(ctx, &me),
        Route::GroupEligibilityRequestCreate => admin::group_create(ctx, AdminLevel::Eligibility),
        Route::GroupEligibleAll => admin::group_all(ctx, &me, true),
        Route::GroupActiveAll => admin::group_all(ctx, &me, false),
        Route::Users => users::list(ctx),
        Route::User(id) => users::get(ctx, id),
        Route::AccessReview(r) => reviews::handle(ctx, &me, r),
        Route::EntraAssignmentSchedules => posture::entra_assignment_schedules(ctx, &me),
        Route::GroupEligibilitySchedules => posture::group_schedules(ctx, &me, true),
        Route::GroupAssignmentSchedules => posture::group_schedules(ctx, &me, false),
        Route::Alerts => alerts::list(ctx, &me),
        Route::Alert(id) => alerts::get(ctx, &me, id),
        Route::AlertIncidents(id) => alerts::incidents_of(ctx, &me, id),
        Route::AlertDefinitions => alerts::definitions(ctx, &me, None),
        Route::AlertDefinition(id) => alerts::definitions(ctx, &me, Some(id)),
        Route::AlertConfigurations => alerts::configurations(ctx, &me, None),
        Route::AlertConfiguration(id) => alerts::configurations(ctx, &me, Some(id)),
    }
}

fn unreachable_batch() -> Resp {
    Resp::graph_error(
        500,
        "InternalServerError",
        "$batch is handled by the dispatcher.",
    )
}
