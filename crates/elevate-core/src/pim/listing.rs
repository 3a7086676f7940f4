//! The full refresh: the Graph lists in one `$batch` (eligible, active, pending for roles and
//! groups, group names and policies), the ARM lists at the tenant root, each plane degrading
//! alone with its error. List items are read typed, straight from the bytes (`wire`).

use std::collections::HashMap;

use serde_json::Value;

use crate::auth::Resource;
use crate::error::Error;
use crate::model::{Assignment, Plane, PlaneFailure, PolicySummary, Snapshot};
use crate::parse;
use crate::policy::summarize;
use crate::secret::Secret;
use crate::wire::{ArmItem, GraphItem};

use super::common::*;
use super::Pim;

impl Pim {
    /// The full refresh. A plane whose token was rejected (401) is refreshed once more with a
    /// new token.
    pub async fn refresh(&self) -> Snapshot {
        let (mut graph, mut azure) = futures::join!(self.refresh_graph(), self.refresh_azure());
        if rejected(&graph.1) {
            self.session.invalidate(Resource::Graph).await;
            graph = self.refresh_graph().await;
        }
        if rejected(&azure.1) {
            self.session.invalidate(Resource::Arm).await;
            azure = self.refresh_azure().await;
        }
        let mut snap = Snapshot::default();
        for part in [graph, azure] {
            snap.assignments.extend(part.0);
            snap.failures.extend(part.1);
        }
        for a in &mut snap.assignments {
            if a.policy.is_none() {
                a.policy = self.cached_policy(&policy_key(a));
            }
        }
        snap
    }

    pub(super) async fn refresh_graph(&self) -> (Vec<Assignment>, Vec<PlaneFailure>) {
        let token = match self.session.token(Resource::Graph, None).await {
            Ok(t) => t,
            Err(e) => {
                return (
                    vec![],
                    vec![failure(Plane::EntraRole, &e), failure(Plane::Group, &e)],
                )
            }
        };
        let need_entra_policies = self.cached_policy("entra:*").is_none();
        let mut urls = vec![
            format!("{ENTRA_ELIGIBLE}?{ROLE_EXPAND}"),
            format!("{ENTRA_ACTIVE}?{ROLE_EXPAND}"),
            format!("{GROUP_ELIGIBLE}?{GROUP_EXPAND}"),
            format!("{GROUP_ACTIVE}?{GROUP_EXPAND}"),
            format!("{ENTRA_REQUESTS}/filterByCurrentUser(on='principal')?{PENDING}&{ROLE_EXPAND}"),
            format!(
                "{GROUP_REQUESTS}/filterByCurrentUser(on='principal')?{PENDING}&{GROUP_EXPAND}"
            ),
        ];
        // Activations granted for a later start ("scheduled"), after the lists above.
        let granted_at = urls.len() + usize::from(need_entra_policies);
        if need_entra_policies {
            urls.push("/policies/roleManagementPolicyAssignments?$filter=scopeId%20eq%20'/'%20and%20scopeType%20eq%20'DirectoryRole'&$expand=policy($expand=rules)".into());
        }
        urls.push(format!(
            "{ENTRA_REQUESTS}/filterByCurrentUser(on='principal')?{GRANTED}&{ROLE_EXPAND}"
        ));
        urls.push(format!(
            "{GROUP_REQUESTS}/filterByCurrentUser(on='principal')?{GRANTED}&{GROUP_EXPAND}"
        ));
        let results = match self.batch_bodies(&urls, &token).await {
            Ok(r) => r,
            Err(e) => {
                return (
                    vec![],
                    vec![failure(Plane::EntraRole, &e), failure(Plane::Group, &e)],
                )
            }
        };
        // Each list's further pages at once (a list of many pages no longer waits for the
        // lists before it); the policies read as JSON, the rest as typed items.
        let policies_at = need_entra_policies.then_some(6);
        let token_ref = &token;
        let mut policy_body = None;
        let mut reads = vec![];
        for (i, r) in results.into_iter().enumerate() {
            if Some(i) == policies_at {
                policy_body = Some(r);
                reads.push(None);
            } else {
                reads.push(Some(r));
            }
        }
        let policies_read = async {
            match policy_body {
                Some(Ok(body)) => Some(
                    self.follow_typed::<Value>(&body, token_ref, Plane::EntraRole)
                        .await,
                ),
                Some(Err(e)) => Some(Err(e)),
                None => None,
            }
        };
        let lists_read = futures::future::join_all(reads.into_iter().map(|r| async move {
            match r {
                Some(Ok(body)) => self.follow_typed(&body, token_ref, Plane::EntraRole).await,
                Some(Err(e)) => Err(e),
                None => Ok(vec![]),
            }
        }));
        let (policies, lists): (_, Vec<Result<Vec<GraphItem>, Error>>) =
            futures::join!(policies_read, lists_read);
        let mut out = vec![];
        let mut failures = vec![];
        // Directory roles: eligible, active, pending.
        let mut entra = vec![];
        let mut entra_err = None;
        for (i, active) in [(0, false), (1, true)] {
            match &lists[i] {
                Ok(items) => {
                    entra.extend(items.iter().filter_map(|v| parse::entra_item(v, active)))
                }
                Err(e) => entra_err = entra_err.or(Some(failure(Plane::EntraRole, e))),
            }
        }
        let mut group = vec![];
        let mut group_err = None;
        for (i, active) in [(2, false), (3, true)] {
            match &lists[i] {
                Ok(items) => {
                    group.extend(items.iter().filter_map(|v| parse::group_item(v, active)))
                }
                Err(e) => group_err = group_err.or(Some(failure(Plane::Group, e))),
            }
        }
        let role_names: HashMap<String, String> = entra
            .iter()
            .map(|a: &Assignment| (a.id.clone(), a.name.clone()))
            .collect();
        let group_names: HashMap<String, String> = group
            .iter()
            .map(|a: &Assignment| (a.id.clone(), a.name.clone()))
            .collect();
        if let Ok(items) = &lists[4] {
            entra.extend(items.iter().filter_map(|v| {
                parse::pending_graph_item(v, Plane::EntraRole, &|id| role_names.get(id).cloned())
            }));
        }
        if let Ok(items) = &lists[5] {
            group.extend(items.iter().filter_map(|v| {
                parse::pending_graph_item(v, Plane::Group, &|id| group_names.get(id).cloned())
            }));
        }
        let now = self.clock.now();
        if let Some(Ok(items)) = lists.get(granted_at) {
            entra.extend(items.iter().filter_map(|v| {
                parse::scheduled_graph_item(
                    v,
                    Plane::EntraRole,
                    &|id| role_names.get(id).cloned(),
                    now,
                )
            }));
        }
        if let Some(Ok(items)) = lists.get(granted_at + 1) {
            group.extend(items.iter().filter_map(|v| {
                parse::scheduled_graph_item(
                    v,
                    Plane::Group,
                    &|id| group_names.get(id).cloned(),
                    now,
                )
            }));
        }
        if need_entra_policies {
            if let Some(Ok(items)) = &policies {
                for item in items {
                    if let Some(role) = item["roleDefinitionId"].as_str() {
                        let rules = item["policy"]["rules"]
                            .as_array()
                            .cloned()
                            .unwrap_or_default();
                        self.put_policy(
                            format!("entra:{}", role.to_ascii_lowercase()),
                            summarize(&rules),
                        );
                    }
                }
                self.put_policy("entra:*".into(), PolicySummary::default());
            }
        }
        // Independent lookups, in the same round trip.
        let for_policies = group.clone();
        futures::join!(
            self.group_policies(&for_policies, &token),
            self.resolve_group_names(&mut group, &token)
        );
        out.extend(entra);
        out.extend(group);
        failures.extend(entra_err);
        failures.extend(group_err);
        (out, failures)
    }

    /// `$expand=group` sometimes yields `group: null` [OBS]: look the names up in one call.
    pub(super) async fn resolve_group_names(&self, group: &mut [Assignment], token: &Secret) {
        let mut missing: Vec<String> = group
            .iter()
            .filter(|a| a.name == a.id)
            .map(|a| a.id.clone())
            .collect();
        missing.sort();
        missing.dedup();
        if missing.is_empty() {
            return;
        }
        // 15 ids per `in` filter (kept short: the contract gives no limit), the lookups at once.
        let lookups = missing.chunks(15).map(|chunk| {
            let list = chunk
                .iter()
                .map(|id| format!("'{id}'"))
                .collect::<Vec<_>>()
                .join(",");
            let url = self.graph(&format!(
                "/groups?$filter=id%20in%20({list})&$select=id,displayName"
            ));
            async move { self.get(&url, token, Plane::Group).await }
        });
        for first in futures::future::join_all(lookups)
            .await
            .into_iter()
            .flatten()
        {
            for g in first["value"].as_array().into_iter().flatten() {
                if let (Some(id), Some(name)) = (g["id"].as_str(), g["displayName"].as_str()) {
                    for a in group.iter_mut().filter(|a| a.id.eq_ignore_ascii_case(id)) {
                        a.name = name.to_string();
                        a.scope.display_name = name.to_string();
                    }
                }
            }
        }
    }

    /// Group policies for groups not in the cache, 20 per `$batch`, the batches at once
    /// (one round trip however many groups).
    pub(super) async fn group_policies(&self, group: &[Assignment], token: &Secret) {
        let mut ids: Vec<String> = group
            .iter()
            .filter(|a| self.cached_policy(&policy_key(a)).is_none())
            .map(|a| a.id.to_ascii_lowercase())
            .collect();
        ids.sort();
        ids.dedup();
        let batches = ids.chunks(20).map(|chunk| async move {
            let urls: Vec<String> = chunk
                .iter()
                .map(|g| format!("/policies/roleManagementPolicyAssignments?$filter=scopeId%20eq%20'{g}'%20and%20scopeType%20eq%20'Group'&$expand=policy($expand=rules)"))
                .collect();
            (chunk, self.batch(&urls, token).await)
        });
        for (chunk, results) in futures::future::join_all(batches).await {
            let Ok(results) = results else {
                continue;
            };
            for (g, r) in chunk.iter().zip(results) {
                let Ok(body) = r else { continue };
                for item in body["value"].as_array().into_iter().flatten() {
                    let access = item["roleDefinitionId"]
                        .as_str()
                        .unwrap_or("member")
                        .to_ascii_lowercase();
                    let rules = item["policy"]["rules"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default();
                    self.put_policy(format!("group:{g}:{access}"), summarize(&rules));
                }
            }
        }
    }

    pub(super) async fn refresh_azure(&self) -> (Vec<Assignment>, Vec<PlaneFailure>) {
        let token = match self.session.token(Resource::Arm, None).await {
            Ok(t) => t,
            Err(e) => return (vec![], vec![failure(Plane::AzureResource, &e)]),
        };
        let list = |collection: &str, filter: &str| {
            self.arm(&format!(
                "/providers/Microsoft.Authorization/{collection}?{API}&$filter={filter}"
            ))
        };
        let (eligible, active, pending) = (
            list("roleEligibilityScheduleInstances", "asTarget()"),
            list("roleAssignmentScheduleInstances", "asTarget()"),
            list("roleAssignmentScheduleRequests", "asRequestor()"),
        );
        let fetch = |url: String| {
            let token = token.clone();
            async move {
                self.list::<ArmItem>(&url, &token, Plane::AzureResource)
                    .await
            }
        };
        let (e, a, p) = futures::join!(fetch(eligible), fetch(active), fetch(pending));
        let mut out = vec![];
        let mut failures = vec![];
        match (e, a) {
            (Ok(e), Ok(a)) => {
                out.extend(e.iter().filter_map(|v| parse::azure_item(v, false)));
                out.extend(a.iter().filter_map(|v| parse::azure_item(v, true)));
            }
            (Err(err), _) | (_, Err(err)) => failures.push(failure(Plane::AzureResource, &err)),
        }
        if let Ok(p) = p {
            out.extend(p.iter().filter_map(parse::pending_azure_item));
            let now = self.clock.now();
            out.extend(p.iter().filter_map(|v| parse::scheduled_azure_item(v, now)));
        }
        (out, failures)
    }
}
