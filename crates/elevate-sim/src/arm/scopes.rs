//! Owns the child-scope listings a scope picker needs, outside Microsoft.Authorization: a
//! management group's descendants (`GET {mg}/descendants?api-version=2020-05-01`), a
//! subscription's resource groups (`GET /subscriptions/{id}/resourcegroups?api-version=2021-04-01`)
//! and the resources of a subscription or resource group (`…/resources?api-version=2021-04-01`),
//! in their documented shapes. Anyone eligible or active at or above the scope may list it
//! (the sim does not model Reader rights).

use serde_json::json;

use super::common::{covers, list as page_of, Ctx};
use crate::http::Resp;
use crate::state::{Plane, Target, Tenant};

/// What the listing is of.
#[derive(Debug, Clone, PartialEq)]
pub enum Listing {
    Descendants { mg: String },
    ResourceGroups { subscription: String },
    Resources { parent: String },
}

/// The API versions each listing answers to.
pub const DESCENDANT_VERSIONS: &[&str] = &["2020-05-01", "2021-04-01", "2023-04-01"];
pub const RESOURCE_VERSIONS: &[&str] = &["2021-04-01", "2022-09-01"];

/// Maps a path to a listing, or None when it is not one.
pub fn route(path: &str) -> Option<Listing> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let l: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = l.iter().map(String::as_str).collect();
    Some(match l.as_slice() {
        ["providers", "microsoft.management", "managementgroups", _, "descendants"] => {
            Listing::Descendants {
                mg: format!("/{}", segs[..4].join("/")),
            }
        }
        ["subscriptions", _, "resourcegroups"] => Listing::ResourceGroups {
            subscription: format!("/{}", segs[..2].join("/")),
        },
        ["subscriptions", _, "resources"] => Listing::Resources {
            parent: format!("/{}", segs[..2].join("/")),
        },
        ["subscriptions", _, "resourcegroups", _, "resources"] => Listing::Resources {
            parent: format!("/{}", segs[..4].join("/")),
        },
        _ => return None,
    })
}

/// The caller holds an eligibility or an active role at or above `scope`.
fn may_list(t: &Tenant, me: &str, scope: &str) -> bool {
    let at_or_above =
        |target: &Target| matches!(target, Target::Azure { scope: s, .. } if covers(s, scope));
    t.eligibilities_of(me, Plane::Azure)
        .any(|e| at_or_above(&e.target))
        || t.actives_of(me, Plane::Azure)
            .any(|a| at_or_above(&a.target))
}

pub fn handle(ctx: &Ctx, me: &str, listing: &Listing) -> Result<Resp, Resp> {
    let t = &*ctx.tenant;
    let scope = match listing {
        Listing::Descendants { mg } => mg,
        Listing::ResourceGroups { subscription } => subscription,
        Listing::Resources { parent } => parent,
    };
    if !t
        .scenario
        .azure_scopes
        .iter()
        .any(|s| s.id.eq_ignore_ascii_case(scope))
    {
        return Err(Resp::arm_error(
            404,
            "ResourceNotFound",
            &format!("The scope '{scope}' was not found."),
        ));
    }
    if !may_list(t, me, scope) {
        return Err(Resp::arm_error(
            403,
            "AuthorizationFailed",
            &format!("The client '{me}' does not have authorization to perform action 'read' over scope '{scope}'."),
        ));
    }
    fn kind(k: &'static str) -> impl Fn(&&crate::scenario::AzureScope) -> bool {
        move |s| s.kind.eq_ignore_ascii_case(k)
    }
    Ok(match listing {
        Listing::Descendants { mg } => {
            let subs: Vec<_> = t
                .scenario
                .azure_scopes
                .iter()
                .filter(kind("subscription"))
                .filter(|s| covers(mg, &s.id))
                .collect();
            page_of(ctx, subs, |s| {
                let guid = s.id.rsplit('/').next().unwrap_or_default();
                json!({"id": format!("{mg}/subscriptions/{guid}"), "type": "Microsoft.Management/managementGroups/subscriptions",
                    "name": guid, "properties": {"displayName": s.display_name, "parent": {"id": mg}}})
            })
        }
        Listing::ResourceGroups { subscription } => {
            let rgs: Vec<_> = t
                .scenario
                .azure_scopes
                .iter()
                .filter(kind("resourcegroup"))
                .filter(|s| covers(subscription, &s.id))
                .collect();
            page_of(ctx, rgs, |s| {
                json!({"id": s.id, "name": s.display_name, "type": "Microsoft.Resources/resourceGroups",
                    "location": "westeurope", "properties": {"provisioningState": "Succeeded"}})
            })
        }
        Listing::Resources { parent } => {
            let res: Vec<_> = t
                .scenario
                .azure_scopes
                .iter()
                .filter(kind("resource"))
                .filter(|s| covers(parent, &s.id))
                .collect();
            page_of(ctx, res, |s| {
                let parts: Vec<&str> = s.id.split('/').collect();
                let ty = parts
                    .iter()
                    .position(|p| p.eq_ignore_ascii_case("providers"))
                    .map(|i| parts[i + 1..parts.len() - 1].join("/"))
                    .unwrap_or_default();
                json!({"id": s.id, "name": s.display_name, "type": ty, "location": "westeurope"})
            })
        }
    })
}
