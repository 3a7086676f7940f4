//! Policies, role definitions and permissions: policy assignments with effectiveRules, one
//! policy by name, one role definition, and the caller's effective permissions at a scope.

use serde_json::json;

use super::common::{covers, known_scope, list, policy_guid, Ctx};
use super::render::{role_def_id, role_info, scope_info};
use crate::http::{parse_eq_filter, Resp};
use crate::state::{Plane, Target};

/// The policy assignment of every Azure role at `scope`, with an optional role filter.
pub(super) fn assignments(ctx: &Ctx, scope: &str) -> Result<Resp, Resp> {
    known_scope(ctx.tenant, scope)?;
    let t = &*ctx.tenant;
    let role_filter = ctx
        .req
        .q("$filter")
        .and_then(parse_eq_filter)
        .and_then(|c| {
            c.into_iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("roleDefinitionId"))
                .map(|(_, v)| v)
        });
    let mut items = vec![];
    for def in &t.scenario.azure_role_definitions {
        let full = role_def_id(scope, &def.id);
        if role_filter.as_ref().is_some_and(|f| {
            !f.eq_ignore_ascii_case(&full)
                && !f
                    .to_ascii_lowercase()
                    .ends_with(&def.id.to_ascii_lowercase())
        }) {
            continue;
        }
        let policy = t.policy_for(&Target::Azure {
            scope: scope.to_string(),
            role: def.id.clone(),
        });
        let pguid = policy_guid(scope, &def.id);
        let policy_id =
            format!("{scope}/providers/Microsoft.Authorization/roleManagementPolicies/{pguid}");
        let name = format!("{pguid}_{}", def.id);
        items.push(json!({"properties": {"scope": scope, "roleDefinitionId": full, "policyId": policy_id,
            "effectiveRules": crate::policy::arm_rules(&policy),
            "policyAssignmentProperties": {"scope": scope_info(t, scope), "roleDefinition": role_info(t, scope, &def.id),
                "policy": {"id": policy_id, "lastModifiedBy": null, "lastModifiedDateTime": null}}},
            "name": name, "type": "Microsoft.Authorization/RoleManagementPolicyAssignment",
            "id": format!("{scope}/providers/Microsoft.Authorization/roleManagementPolicyAssignments/{name}")}));
    }
    Ok(list(ctx, items, |v| v))
}

/// One role management policy by name.
pub(super) fn policy(ctx: &Ctx, scope: &str, name: &str) -> Result<Resp, Resp> {
    let t = &*ctx.tenant;
    let def = t
        .scenario
        .azure_role_definitions
        .iter()
        .find(|d| policy_guid(scope, &d.id).eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            Resp::arm_error(
                404,
                "RoleManagementPolicyNotFound",
                &format!("The role management policy '{name}' does not exist."),
            )
        })?;
    let policy = t.policy_for(&Target::Azure {
        scope: scope.to_string(),
        role: def.id.clone(),
    });
    Ok(Resp::json(
        200,
        &json!({"properties": {"scope": scope, "displayName": "Default", "description": "Default", "isOrganizationDefault": false,
        "lastModifiedBy": null, "lastModifiedDateTime": null, "rules": crate::policy::arm_rules(&policy), "effectiveRules": crate::policy::arm_rules(&policy),
        "policyProperties": {"scope": scope_info(t, scope)}},
        "name": name, "id": format!("{scope}/providers/Microsoft.Authorization/roleManagementPolicies/{name}"), "type": "Microsoft.Authorization/RoleManagementPolicies"}),
    ))
}

fn definition_json(def: &crate::scenario::AzureRoleDefinition) -> serde_json::Value {
    json!({"properties": {"roleName": def.display_name, "type": "BuiltInRole", "description": def.display_name,
        "assignableScopes": ["/"], "permissions": [{"actions": def.actions, "notActions": [], "dataActions": [], "notDataActions": []}]},
        "id": format!("/providers/Microsoft.Authorization/roleDefinitions/{}", def.id), "type": "Microsoft.Authorization/roleDefinitions", "name": def.id})
}

/// Every Azure role definition (`GET …/roleDefinitions`, not paged: the tenant's few).
pub(super) fn role_definitions(ctx: &Ctx, scope: &str) -> Result<Resp, Resp> {
    if !scope.is_empty() {
        known_scope(ctx.tenant, scope)?;
    }
    let value: Vec<serde_json::Value> = ctx
        .tenant
        .scenario
        .azure_role_definitions
        .iter()
        .map(definition_json)
        .collect();
    Ok(Resp::json(200, &json!({ "value": value })))
}

/// One Azure role definition.
pub(super) fn role_definition(ctx: &Ctx, scope: &str, name: &str) -> Result<Resp, Resp> {
    known_scope(ctx.tenant, scope)?;
    let def = ctx
        .tenant
        .scenario
        .azure_role_definitions
        .iter()
        .find(|d| d.id.eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            Resp::arm_error(
                404,
                "RoleDefinitionDoesNotExist",
                "The specified role definition with ID '{name}' does not exist."
                    .replace("{name}", name)
                    .as_str(),
            )
        })?;
    Ok(Resp::json(200, &definition_json(def)))
}

/// The actions the caller's effective assignments grant at `scope`.
pub(super) fn permissions(ctx: &Ctx, me: &str, scope: &str) -> Result<Resp, Resp> {
    known_scope(ctx.tenant, scope)?;
    let t = &*ctx.tenant;
    let mut actions: Vec<String> = vec![];
    for a in t.effective_of(me, Plane::Azure) {
        if let Target::Azure { scope: s, role } = &a.target {
            if covers(s, scope) {
                if let Some(def) = t
                    .scenario
                    .azure_role_definitions
                    .iter()
                    .find(|d| d.id.eq_ignore_ascii_case(role))
                {
                    actions.extend(def.actions.iter().cloned());
                }
            }
        }
    }
    actions.sort();
    actions.dedup();
    Ok(Resp::json(
        200,
        &json!({"value": if actions.is_empty() { json!([]) } else { json!([{"actions": actions, "notActions": [], "dataActions": [], "notDataActions": []}]) }}),
    ))
}
