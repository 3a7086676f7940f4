//! `GET /subscriptions?api-version=2022-12-01` (or 2020-01-01): the subscriptions the caller
//! holds an effective Azure role at, under (a resource group or resource in it) or above (a
//! management group, which contains every subscription here), in the documented shape
//! `{value:[{id, subscriptionId, displayName, state, tenantId}], nextLink?}` [SPEC].

use serde_json::json;

use super::common::{covers, list as page_of, Ctx};
use crate::http::Resp;
use crate::state::{Plane, Target, Tenant};

/// The caller has an effective role at, under or above `scope`.
pub(super) fn has_role_around(t: &Tenant, me: &str, scope: &str) -> bool {
    t.effective_of(me, Plane::Azure).any(|a| {
        matches!(&a.target, Target::Azure { scope: s, .. } if covers(s, scope) || covers(scope, s))
    })
}

pub(super) fn list_subscriptions(ctx: &Ctx, me: &str) -> Resp {
    let t = &*ctx.tenant;
    let tenant = t.scenario.tenant.id.clone();
    let subs: Vec<_> = t
        .scenario
        .azure_scopes
        .iter()
        .filter(|s| s.kind.eq_ignore_ascii_case("subscription"))
        .filter(|s| has_role_around(t, me, &s.id))
        .collect();
    page_of(ctx, subs, |s| {
        let guid = s.id.rsplit('/').next().unwrap_or_default();
        json!({"id": s.id, "authorizationSource": "RoleBased", "managedByTenants": [], "subscriptionId": guid,
            "tenantId": tenant, "displayName": s.display_name, "state": "Enabled",
            "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"}})
    })
}

/// `GET /subscriptions`.
pub(super) fn list(ctx: &Ctx, me: &str) -> Result<Resp, Resp> {
    Ok(list_subscriptions(ctx, me))
}
