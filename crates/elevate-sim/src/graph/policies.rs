//! `GET /policies/roleManagementPolicyAssignments`: the PIM policy of each directory role or
//! group access, with `$expand=policy($expand=rules)`.

use serde_json::json;

use super::common::{collection, Ctx};
use crate::http::{parse_eq_filter, parse_expand, Resp};
use crate::state::Target;

pub(super) fn policies(ctx: &Ctx) -> Result<Resp, Resp> {
    let t = &*ctx.tenant;
    let filter = ctx.req.q("$filter").ok_or_else(|| {
        Resp::graph_error(
            400,
            "BadRequest",
            "The $filter on scopeId and scopeType is required.",
        )
    })?;
    let clauses = parse_eq_filter(filter).ok_or_else(|| {
        Resp::graph_error(
            400,
            "BadRequest",
            "Invalid $filter: use scopeId eq '...' and scopeType eq '...'.",
        )
    })?;
    let get = |k: &str| {
        clauses
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    let (Some(scope_id), Some(scope_type)) = (get("scopeId"), get("scopeType")) else {
        return Err(Resp::graph_error(
            400,
            "BadRequest",
            "The $filter on scopeId and scopeType is required.",
        ));
    };
    let role_filter = get("roleDefinitionId");
    let tenant_id = &t.scenario.tenant.id;
    let mut targets = vec![];
    match scope_type.to_ascii_lowercase().as_str() {
        "directoryrole" | "directory" => {
            if scope_id != "/" {
                return Err(Resp::graph_error(
                    400,
                    "BadRequest",
                    "For directory roles scopeId must be '/'.",
                ));
            }
            for r in &t.scenario.role_definitions {
                targets.push((
                    Target::Entra {
                        role: r.id.clone(),
                        dir_scope: "/".into(),
                    },
                    r.id.clone(),
                ));
            }
        }
        "group" => {
            if !t
                .scenario
                .groups
                .iter()
                .any(|g| g.id.eq_ignore_ascii_case(&scope_id))
            {
                return Err(Resp::graph_error(
                    404,
                    "Request_ResourceNotFound",
                    &format!("Group '{scope_id}' does not exist."),
                ));
            }
            for access in ["member", "owner"] {
                targets.push((
                    Target::Group {
                        group: scope_id.clone(),
                        access: access.into(),
                    },
                    access.to_string(),
                ));
            }
        }
        other => {
            return Err(Resp::graph_error(
                400,
                "BadRequest",
                &format!("Unsupported scopeType '{other}'."),
            ))
        }
    }
    let expands = parse_expand(ctx.req.q("$expand"));
    let policy_expand = expands
        .iter()
        .find(|e| e.name.eq_ignore_ascii_case("policy"));
    let with_rules = policy_expand.is_some_and(|e| {
        e.expand
            .as_deref()
            .is_some_and(|x| x.to_ascii_lowercase().contains("rules"))
    });
    let mut items = vec![];
    for (target, role_id) in targets {
        if role_filter
            .as_ref()
            .is_some_and(|f| !f.eq_ignore_ascii_case(&role_id))
        {
            continue;
        }
        let policy = t.policy_for(&target);
        let pguid = crate::scenario::guid(&format!("policy:{scope_id}:{role_id}"), 0);
        let (policy_id, id, kind) = match &target {
            Target::Group { group, access } => (
                format!("Group_{group}_{pguid}"),
                format!("Group_{group}_{pguid}_{access}"),
                "Group",
            ),
            _ => (
                format!("DirectoryRole_{tenant_id}_{pguid}"),
                format!("DirectoryRole_{tenant_id}_{pguid}_{role_id}"),
                "DirectoryRole",
            ),
        };
        let mut v = json!({"id": id, "policyId": policy_id, "scopeId": scope_id, "scopeType": kind, "roleDefinitionId": role_id});
        if policy_expand.is_some() {
            let mut p = json!({"id": policy_id, "displayName": kind, "description": kind, "isOrganizationDefault": false, "scopeId": scope_id,
                "scopeType": kind, "lastModifiedDateTime": null, "lastModifiedBy": {"displayName": null, "id": null}});
            if with_rules {
                p["rules"] = json!(crate::policy::graph_rules(&policy));
            }
            v["policy"] = p;
        }
        items.push(v);
    }
    Ok(collection(
        ctx,
        "policies/roleManagementPolicyAssignments(policy(rules()))",
        items,
    ))
}
