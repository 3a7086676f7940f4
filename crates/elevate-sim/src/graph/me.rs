//! `/me` and `/me/memberOf`: the signed-in user and the directory roles and groups whose
//! access has taken effect.

use serde_json::json;

use super::common::{collection, Ctx};
use super::render::{group_object, role_definition};
use crate::http::{select, Resp};
use crate::state::{Plane, Target};

/// `GET /me`.
pub(super) fn me(ctx: &Ctx, me: &str) -> Result<Resp, Resp> {
    let t = &*ctx.tenant;
    let u = t.user(me).ok_or_else(|| {
        Resp::graph_error(404, "Request_ResourceNotFound", "The user does not exist.")
    })?;
    let mut v = json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity", "id": u.id, "displayName": u.display_name,
        "userPrincipalName": u.user_principal_name, "mail": u.user_principal_name, "givenName": null, "surname": null, "jobTitle": null});
    v = select(v, ctx.req.q("$select"));
    Ok(Resp::json(200, &v))
}

/// `GET /me/memberOf` (and `transitiveMemberOf`).
pub(super) fn member_of(ctx: &Ctx, me: &str) -> Result<Resp, Resp> {
    let t = &*ctx.tenant;
    let mut items = vec![];
    for a in t.effective_of(me, Plane::Entra) {
        if let Target::Entra { role, dir_scope } = &a.target {
            if dir_scope == "/" {
                let name = role_definition(t, role)
                    .and_then(|r| r["displayName"].as_str().map(str::to_string))
                    .unwrap_or_default();
                items.push(json!({"@odata.type": "#microsoft.graph.directoryRole", "id": crate::scenario::guid(role, 0), "displayName": name, "roleTemplateId": role}));
            }
        }
    }
    for a in t.effective_of(me, Plane::Group) {
        if let Target::Group { group, access } = &a.target {
            if access == "member" {
                if let Some(g) = group_object(t, group) {
                    items.push(g);
                }
            }
        }
    }
    Ok(collection(ctx, "directoryObjects", items))
}
