//! Azure Resource Manager, Microsoft.Authorization api-version 2020-10-01: schedule
//! instances (tenant root and scoped, `asTarget()`), schedule requests (PUT by GUID, GET,
//! cancel, `asApprover()`), policy assignments with effectiveRules, policies, permissions,
//! and the approvals of api-version 2021-01-01-preview.
//!
//! This module owns the dispatch from a [`Route`] to its handler; routing and token checks
//! are in `route`, shared plumbing in `common`, JSON shapes in `render`, and the handlers in
//! `instances`, `requests`, `policies`, `approvals` and `admin` (administrators' assign and
//! remove of eligibilities and active assignments); outside Microsoft.Authorization,
//! `subscriptions` (`GET /subscriptions`) and `activity` (the Activity Log: the events the
//! schedule request PUTs leave, and reading them back, its `$filter` in `activity_filter`);
//! `reviews` (access reviews assigned to me, api-version 2021-12-01-preview); `scopes` (the
//! child scopes of a management group, subscription or resource group, for a scope picker).

mod activity;
mod activity_filter;
mod admin;
mod approvals;
mod common;
mod instances;
mod policies;
mod render;
mod requests;
mod reviews;
mod route;
mod scopes;
mod subscriptions;

pub use common::Ctx;
pub use route::{authorize, route, Route};

use crate::http::Resp;

pub fn handle(route: &Route, ctx: &mut Ctx) -> Resp {
    match handle_inner(route, ctx) {
        Ok(r) | Err(r) => r,
    }
}

fn handle_inner(route: &Route, ctx: &mut Ctx) -> Result<Resp, Resp> {
    ctx.tenant.tick();
    let me = ctx.token.user.clone();
    match route {
        Route::Eligible { scope } => instances::eligible_instances(ctx, &me, scope),
        Route::Active { scope } => instances::active_instances(ctx, &me, scope),
        Route::RequestList { scope } => requests::list_mine(ctx, &me, scope),
        Route::RequestGet { name, .. } => requests::get(ctx, &me, name),
        Route::RequestCancel { name, .. } => requests::cancel(ctx, &me, name),
        Route::RequestPut { scope, name } => {
            let r = requests::put(ctx, scope, name);
            activity::record(ctx, scope, name, "roleAssignmentScheduleRequests", &r);
            r
        }
        Route::PolicyAssignments { scope } => policies::assignments(ctx, scope),
        Route::Policy { scope, name } => policies::policy(ctx, scope, name),
        Route::RoleDefinition { scope, name } => policies::role_definition(ctx, scope, name),
        Route::RoleDefinitions { scope } => policies::role_definitions(ctx, scope),
        Route::Permissions { scope } => policies::permissions(ctx, &me, scope),
        Route::RequestListApprover { scope } => approvals::requests_as_approver(ctx, &me, scope),
        Route::ApprovalList { scope } => approvals::approvals(ctx, &me, scope),
        Route::Approval { scope, id } => approvals::approval(ctx, &me, scope, id),
        Route::ApprovalStages { scope, id } => approvals::stages(ctx, &me, scope, id),
        Route::ApprovalStage { scope, id, stage } => {
            approvals::one_stage(ctx, &me, scope, id, stage)
        }
        Route::ApprovalDecide { scope, id, stage } => approvals::decide(ctx, &me, scope, id, stage),
        Route::EligibilityRequestPut { scope, name } => {
            let r = admin::put(ctx, scope, name, crate::state::AdminLevel::Eligibility);
            activity::record(ctx, scope, name, "roleEligibilityScheduleRequests", &r);
            r
        }
        Route::EligibilityRequestGet { name, .. } => admin::get_eligibility(ctx, &me, name),
        Route::Subscriptions => subscriptions::list(ctx, &me),
        Route::ChildScopes(l) => scopes::handle(ctx, &me, l),
        Route::ActivityLog { subscription } => activity::list_events(ctx, &me, subscription),
        Route::AccessReview(r) => reviews::handle(ctx, &me, r),
        Route::Batch => Ok(Resp::arm_error(
            500,
            "InternalServerError",
            "/batch is handled by the dispatcher.",
        )),
    }
}
