//! Policies: cached per assignment with a TTL, fetched when missing (directory roles, groups,
//! Azure per role and scope), and the plan for an activation against them.

use std::time::Instant;

use crate::auth::Resource;
use crate::error::Error;
use crate::model::{Access, Assignment, Plane, PolicySummary};
use crate::parse;
use crate::planner::Plan;
use crate::policy::summarize;

use super::common::*;
use super::outcome::RequestOutcome;
use super::Pim;

impl Pim {
    pub(super) fn cached_policy(&self, key: &str) -> Option<PolicySummary> {
        let map = self.policies.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key)
            .filter(|c| c.at.elapsed() < self.policy_ttl)
            .map(|c| c.policy.clone())
    }

    pub(super) fn put_policy(&self, key: String, policy: PolicySummary) {
        self.policies
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                key,
                CachedPolicy {
                    policy,
                    at: Instant::now(),
                },
            );
    }

    /// Forgets every cached policy (e.g. after the user asks for a fresh look).
    pub fn clear_policy_cache(&self) {
        self.policies
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// The policy of one assignment: from the cache, or fetched (Azure: per role and scope).
    pub async fn policy(&self, a: &Assignment) -> Result<PolicySummary, Error> {
        self.renewing(Self::resource(a), || self.policy_once(a))
            .await
    }

    async fn policy_once(&self, a: &Assignment) -> Result<PolicySummary, Error> {
        let key = policy_key(a);
        if let Some(p) = self.cached_policy(&key) {
            return Ok(p);
        }
        let p = summarize(&self.policy_rules(a).await?);
        self.put_policy(key, p.clone());
        Ok(p)
    }

    /// The rules of the policy that governs `a`'s role (or group access) at its scope, as the
    /// service sends them (Graph `rules`, ARM `effectiveRules`).
    pub(crate) async fn policy_rules(
        &self,
        a: &Assignment,
    ) -> Result<Vec<serde_json::Value>, Error> {
        match a.plane {
            Plane::AzureResource => {
                let token = self.session.token(Resource::Arm, None).await?;
                let role_full = format!(
                    "{}/providers/Microsoft.Authorization/roleDefinitions/{}",
                    a.scope.id, a.id
                );
                let filter = percent_encoding::utf8_percent_encode(
                    &format!("roleDefinitionId eq '{role_full}'"),
                    percent_encoding::NON_ALPHANUMERIC,
                )
                .to_string();
                let url = self.arm(&format!("{}/providers/Microsoft.Authorization/roleManagementPolicyAssignments?{API}&$filter={filter}", a.scope.id));
                let first = self.get(&url, &token, Plane::AzureResource).await?;
                let items = self.follow(first, &token, Plane::AzureResource).await?;
                // Filter client-side too: the 2020-10-01 list declares no $filter [SPEC].
                let item = items
                    .iter()
                    .find(|i| {
                        i["properties"]["roleDefinitionId"]
                            .as_str()
                            .is_some_and(|r| parse::role_guid(r) == a.id.to_ascii_lowercase())
                    })
                    .ok_or_else(|| {
                        Error::Network(format!(
                            "no policy assignment was found for {} at {}",
                            a.name, a.scope.display_name
                        ))
                    })?;
                Ok(item["properties"]["effectiveRules"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default())
            }
            Plane::EntraRole | Plane::Group => {
                let token = self.session.token(Resource::Graph, None).await?;
                let filter = match a.plane {
                    Plane::EntraRole => format!("scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '{}'", a.id),
                    _ => format!("scopeId eq '{}' and scopeType eq 'Group' and roleDefinitionId eq '{}'", a.id, a.access.map(Access::as_str).unwrap_or("member")),
                };
                let filter = percent_encoding::utf8_percent_encode(
                    &filter,
                    percent_encoding::NON_ALPHANUMERIC,
                )
                .to_string();
                let url = self.graph(&format!("/policies/roleManagementPolicyAssignments?$filter={filter}&$expand=policy($expand=rules)"));
                let body = self.get(&url, &token, a.plane).await?;
                Ok(body["value"][0]["policy"]["rules"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default())
            }
        }
    }

    /// The policy (fetched if needed) and the plan for activating `a` with `input`.
    pub async fn plan(
        &self,
        a: &Assignment,
        input: &crate::planner::ActivationInput,
        defaults: &crate::config::Defaults,
    ) -> Result<Plan, Error> {
        // The organisation's maximum first, before any request (it lowers the default);
        // its ticket and justification rules on what will be sent, then the user's own.
        let label = a.label();
        let defaults = self.managed.limit(&label, input.duration, defaults)?;
        let policy = match &a.policy {
            Some(p) => p.clone(),
            None => self.policy(a).await?,
        };
        let plan = crate::planner::plan(a, &policy, input, &defaults)?;
        self.managed.check_plan(&label, &plan)?;
        self.justification().check_plan(&label, &plan)?;
        Ok(plan)
    }

    /// Plans and activates several assignments concurrently, with a result per item.
    pub async fn activate_many(
        &self,
        items: &[Assignment],
        input: &crate::planner::ActivationInput,
        defaults: &crate::config::Defaults,
    ) -> Vec<Result<RequestOutcome, Error>> {
        futures::future::join_all(items.iter().map(|a| async move {
            let plan = self.plan(a, input, defaults).await?;
            self.activate(a, &plan).await
        }))
        .await
    }
}
