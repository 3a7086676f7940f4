//! The caller's eligible and active role schedule instances at, above or below a scope
//! (`asTarget()` listings), and every principal's for an administrator of the scope
//! (`atScope()`, `principalId eq '…'`; see `admin::admin_view`).

use super::admin::admin_view;
use super::common::{check_as_target, covers, known_scope, list, Ctx};
use super::render::{active, eligible};
use crate::http::Resp;
use crate::state::{Plane, Target};

/// The caller's eligible role schedule instances related to `scope`.
pub(super) fn eligible_instances(ctx: &Ctx, me: &str, scope: &str) -> Result<Resp, Resp> {
    known_scope(ctx.tenant, scope)?;
    let t = &*ctx.tenant;
    let related = |s: &str| covers(scope, s) || covers(s, scope);
    let items: Vec<_> = match admin_view(ctx, me, scope) {
        Some(who) => t
            .all_eligibilities(Plane::Azure)
            .filter(|e| {
                who.as_ref()
                    .is_none_or(|p| e.principal.eq_ignore_ascii_case(p))
            })
            .filter(|e| matches!(&e.target, Target::Azure { scope: s, .. } if related(s)))
            .collect(),
        None => {
            check_as_target(ctx)?;
            t.eligibilities_of(me, Plane::Azure)
                .filter(|e| matches!(&e.target, Target::Azure { scope: s, .. } if related(s)))
                .collect()
        }
    };
    Ok(list(ctx, items, |e| eligible(t, e)))
}

/// The caller's active role schedule instances related to `scope`.
pub(super) fn active_instances(ctx: &Ctx, me: &str, scope: &str) -> Result<Resp, Resp> {
    known_scope(ctx.tenant, scope)?;
    let t = &*ctx.tenant;
    let related = |s: &str| covers(scope, s) || covers(s, scope);
    let items: Vec<_> = match admin_view(ctx, me, scope) {
        Some(who) => t
            .all_actives(Plane::Azure)
            .filter(|a| {
                who.as_ref()
                    .is_none_or(|p| a.principal.eq_ignore_ascii_case(p))
            })
            .filter(|a| matches!(&a.target, Target::Azure { scope: s, .. } if related(s)))
            .collect(),
        None => {
            check_as_target(ctx)?;
            t.actives_of(me, Plane::Azure)
                .filter(|a| matches!(&a.target, Target::Azure { scope: s, .. } if related(s)))
                .collect()
        }
    };
    Ok(list(ctx, items, |a| active(t, a)))
}
