//! Gathering the posture report's facts from the tenant: every plane's schedules (Entra roles
//! tenant-wide, PIM groups one by one since groups have no tenant-wide listing, Azure per
//! subscription), the policies, the alerts API, sign-in activity, the audit log and access
//! reviews. Each source that cannot be read becomes a reason, never a failed report; each asks
//! for its own scopes the first time.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use crate::auth::Resource;
use crate::error::Error;
use crate::model::{Access, Plane};
use crate::policy::summarize;
use crate::posture::{Alert, Facts, Grant, PrincipalKind, ReviewSeries, RolePolicy};
use crate::secret::Secret;

use super::common::API;
use super::posture_parse as wire;
use super::{AuditQuery, Pim, AUDIT_SCOPES};

/// Tenant-wide reads of schedules and policies [DOC §0].
pub const POSTURE_SCOPES: [&str; 3] = [
    "RoleEligibilitySchedule.Read.Directory",
    "RoleAssignmentSchedule.Read.Directory",
    "RoleManagementPolicy.Read.Directory",
];
pub const GROUP_SCOPES: [&str; 3] = [
    "PrivilegedEligibilitySchedule.Read.AzureADGroup",
    "PrivilegedAssignmentSchedule.Read.AzureADGroup",
    "RoleManagementPolicy.Read.AzureADGroup",
];
pub const ALERT_SCOPES: [&str; 1] = ["RoleManagementAlert.Read.Directory"];
const EXPAND: &str = "$expand=principal,roleDefinition($select=id,displayName,templateId)";
/// Groups read per report at most: beyond it the report says how many were left out.
pub const MAX_GROUPS: usize = 2_000;

/// Where the report says how far it got.
pub type Progress<'a> = &'a (dyn Fn(&str) + Send + Sync);

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A refusal in words: which role or consent is missing.
fn why(e: &Error, need: &str) -> String {
    match e.service() {
        Some(s) if s.status == 403 || s.status == 401 => {
            format!("{need} ({}: {})", s.code, s.message)
        }
        _ => e.to_string(),
    }
}

const READER: &str = "the account needs a reader role such as Global Reader, Security Reader or Privileged Role Administrator";

impl Pim {
    /// Everything the posture report reads, as far as the signed-in account may.
    pub async fn posture_facts(
        &self,
        tenant: &str,
        now: DateTime<Utc>,
        progress: Progress<'_>,
    ) -> Facts {
        let mut f = Facts::empty(tenant, now);
        progress("Reading directory role schedules…");
        match self.entra_grants().await {
            Ok(g) => {
                progress(&format!("{} directory role assignment(s) read", g.len()));
                f.grants.extend(g);
                f.planes.insert(Plane::EntraRole, Ok(()));
            }
            Err(e) => {
                f.planes.insert(Plane::EntraRole, Err(why(&e, READER)));
            }
        }
        progress("Reading directory role policies…");
        let mut policies = self
            .entra_policies(&f.grants)
            .await
            .map_err(|e| why(&e, READER));
        let groups = self.pim_groups(&f.grants).await;
        progress(&format!("Reading {} PIM group(s)…", groups.len()));
        match self.group_facts(&groups, progress).await {
            Ok((grants, pols)) => {
                f.grants.extend(grants);
                if let Ok(p) = policies.as_mut() {
                    p.extend(pols);
                }
                f.planes.insert(Plane::Group, Ok(()));
            }
            Err(e) => {
                f.planes.insert(Plane::Group, Err(why(&e, READER)));
            }
        }
        progress("Reading Azure subscriptions…");
        match self.azure_facts(progress).await {
            Ok((grants, pols)) => {
                f.grants.extend(grants);
                if let Ok(p) = policies.as_mut() {
                    p.extend(pols);
                }
                f.planes.insert(Plane::AzureResource, Ok(()));
            }
            Err(e) => {
                f.planes.insert(Plane::AzureResource, Err(why(&e, "reading Azure role assignments needs Reader (or higher) on the subscriptions")));
            }
        }
        f.policies = policies;
        progress("Reading PIM alerts…");
        f.alerts = self.alerts().await.map_err(|e| {
            why(&e, "PIM alerts can be read by Global Administrator, Privileged Role Administrator, Global Reader, Security Administrator or Security Reader, with consent to RoleManagementAlert.Read.Directory")
        });
        progress("Reading sign-in activity…");
        f.sign_ins = self.sign_ins(&f.grants).await.map_err(|e| {
            why(&e, "sign-in activity needs AuditLog.Read.All (admin consent) and a reader role such as Reports Reader or Global Reader")
        });
        progress("Reading the PIM audit log (30 days)…");
        let q = AuditQuery {
            since: Some(now - Duration::days(super::RETENTION_DAYS)),
            ..Default::default()
        };
        f.audit = self.audit(&q, now).await.map_err(|e| e.to_string());
        progress("Reading access reviews…");
        f.reviews = self.review_series().await.map_err(|e| {
            why(&e, "access reviews need AccessReview.Read.All (admin consent) and a reader role such as Global Reader")
        });
        f
    }

    async fn graph_token(&self, scopes: &[&str]) -> Result<Secret, Error> {
        self.session
            .token_with_scopes(Resource::Graph, scopes)
            .await
    }

    /// GET and follow every page; on 400 (an expansion the service refuses) once more with
    /// `fallback`.
    async fn read_all(
        &self,
        url: &str,
        fallback: Option<&str>,
        token: &Secret,
    ) -> Result<Vec<Value>, Error> {
        let first = match self.get(url, token, Plane::EntraRole).await {
            Err(e) if fallback.is_some() && e.service().is_some_and(|s| s.status == 400) => {
                self.get(fallback.unwrap_or(url), token, Plane::EntraRole)
                    .await?
            }
            other => other?,
        };
        self.follow(first, token, Plane::EntraRole).await
    }

    async fn entra_grants(&self) -> Result<Vec<Grant>, Error> {
        self.renewing(Resource::Graph, || async {
            let token = self.graph_token(&POSTURE_SCOPES).await?;
            let mut out = vec![];
            for (path, eligible) in [
                ("/roleManagement/directory/roleEligibilitySchedules", true),
                ("/roleManagement/directory/roleAssignmentSchedules", false),
            ] {
                let url = self.graph(&format!("{path}?{EXPAND}"));
                let plain = self.graph(&format!("{path}?$expand=principal"));
                let items = self.read_all(&url, Some(&plain), &token).await?;
                out.extend(items.iter().filter_map(|v| wire::entra_grant(v, eligible)));
            }
            Ok(out)
        })
        .await
    }

    async fn entra_policies(&self, grants: &[Grant]) -> Result<Vec<RolePolicy>, Error> {
        let names: HashMap<String, (String, Option<String>)> = grants
            .iter()
            .filter(|g| g.plane == Plane::EntraRole)
            .map(|g| {
                (
                    g.role_id.to_ascii_lowercase(),
                    (g.role_name.clone(), g.template_id.clone()),
                )
            })
            .collect();
        self.renewing(Resource::Graph, || async {
            let token = self.graph_token(&POSTURE_SCOPES).await?;
            let filter = enc("scopeId eq '/' and scopeType eq 'DirectoryRole'");
            let url = self.graph(&format!("/policies/roleManagementPolicyAssignments?$filter={filter}&$expand=policy($expand=rules)"));
            let items = self.read_all(&url, None, &token).await?;
            Ok(items
                .iter()
                .filter_map(|v| {
                    let role_id = v["roleDefinitionId"].as_str()?.to_string();
                    let (name, template) = names.get(&role_id.to_ascii_lowercase()).cloned().unwrap_or((role_id.clone(), None));
                    Some(RolePolicy {
                        plane: Plane::EntraRole,
                        template_id: template.or(Some(role_id.clone())),
                        role_name: name,
                        role_id,
                        scope: "/".into(),
                        access: None,
                        rules: summarize(v["policy"]["rules"].as_array().map(Vec::as_slice).unwrap_or(&[])),
                    })
                })
                .collect())
        })
        .await
    }

    /// The PIM groups to read: groups that hold a directory role, and role-assignable groups.
    async fn pim_groups(&self, grants: &[Grant]) -> BTreeMap<String, String> {
        let mut out: BTreeMap<String, String> = grants
            .iter()
            .filter(|g| g.principal_kind == PrincipalKind::Group)
            .map(|g| {
                (
                    g.principal_id.to_ascii_lowercase(),
                    g.principal_name.clone(),
                )
            })
            .collect();
        let listed = self
            .renewing(Resource::Graph, || async {
                let token = self.session.token(Resource::Graph, None).await?;
                let filter = enc("isAssignableToRole eq true");
                let url = self.graph(&format!(
                    "/groups?$filter={filter}&$select=id,displayName&$top=999"
                ));
                self.read_all(&url, None, &token).await
            })
            .await;
        match listed {
            Ok(items) => {
                for v in items {
                    if let (Some(id), Some(n)) = (v["id"].as_str(), v["displayName"].as_str()) {
                        out.entry(id.to_ascii_lowercase())
                            .or_insert_with(|| n.to_string());
                    }
                }
            }
            Err(e) => tracing::info!("role-assignable groups not listed: {e}"),
        }
        out
    }

    /// Each group's eligible and active schedules and its member/owner policies, by `$batch`.
    async fn group_facts(
        &self,
        groups: &BTreeMap<String, String>,
        progress: Progress<'_>,
    ) -> Result<(Vec<Grant>, Vec<RolePolicy>), Error> {
        let token = self.graph_token(&GROUP_SCOPES).await?;
        let (mut grants, mut policies) = (vec![], vec![]);
        let list: Vec<(&String, &String)> = groups.iter().take(MAX_GROUPS).collect();
        if groups.len() > MAX_GROUPS {
            progress(&format!(
                "{} PIM groups: the first {MAX_GROUPS} are read",
                groups.len()
            ));
        }
        for (n, chunk) in list.chunks(6).enumerate() {
            let mut urls = vec![];
            for (id, _) in chunk {
                let f = enc(&format!("groupId eq '{id}'"));
                urls.push(format!("/identityGovernance/privilegedAccess/group/eligibilitySchedules?$filter={f}&$expand=principal"));
                urls.push(format!("/identityGovernance/privilegedAccess/group/assignmentSchedules?$filter={f}&$expand=principal"));
                let p = enc(&format!("scopeId eq '{id}' and scopeType eq 'Group'"));
                urls.push(format!("/policies/roleManagementPolicyAssignments?$filter={p}&$expand=policy($expand=rules)"));
            }
            let answers = self.batch(&urls, &token).await?;
            for (i, answer) in answers.into_iter().enumerate() {
                let (id, name) = chunk[i / 3];
                let items = self.follow(answer?, &token, Plane::Group).await?;
                match i % 3 {
                    0 | 1 => grants.extend(
                        items
                            .iter()
                            .filter_map(|v| wire::group_grant(v, i % 3 == 0, name)),
                    ),
                    _ => policies.extend(items.iter().filter_map(|v| {
                        let access = match v["roleDefinitionId"]
                            .as_str()?
                            .to_ascii_lowercase()
                            .as_str()
                        {
                            "owner" => Access::Owner,
                            _ => Access::Member,
                        };
                        Some(RolePolicy {
                            plane: Plane::Group,
                            role_id: id.clone(),
                            template_id: None,
                            role_name: name.clone(),
                            scope: id.clone(),
                            access: Some(access),
                            rules: summarize(
                                v["policy"]["rules"]
                                    .as_array()
                                    .map(Vec::as_slice)
                                    .unwrap_or(&[]),
                            ),
                        })
                    })),
                }
            }
            progress(&format!(
                "PIM groups: {}/{}",
                ((n + 1) * 6).min(list.len()),
                list.len()
            ));
        }
        Ok((grants, policies))
    }
}

/// Alerts, sign-ins and access reviews.
impl Pim {
    async fn alerts(&self) -> Result<Vec<Alert>, Error> {
        self.renewing(Resource::Graph, || async {
            let token = self.graph_token(&ALERT_SCOPES).await?;
            let base = format!(
                "{}/beta/identityGovernance/roleManagementAlerts/alerts",
                self.session.cfg.endpoints.graph
            );
            // The scope filter is mandatory: without it the list is a 400 [DOC].
            let filter = enc("scopeId eq '/' and scopeType eq 'DirectoryRole'");
            let url = format!(
                "{base}?$filter={filter}&$expand=alertDefinition,alertConfiguration,alertIncidents"
            );
            let items = self
                .read_all(&url, Some(&format!("{base}?$filter={filter}")), &token)
                .await?;
            let mut out = vec![];
            for v in items {
                if v.get("alertIncidents").is_some() || v.get("alertDefinition").is_some() {
                    out.extend(wire::alert(&v));
                } else if let Some(id) = v["id"].as_str() {
                    let one = self
                        .get(
                            &format!("{base}/{}?$expand=*", enc(id)),
                            &token,
                            Plane::EntraRole,
                        )
                        .await?;
                    out.extend(wire::alert(&one));
                }
            }
            Ok(out)
        })
        .await
    }

    /// Last sign-in of each user holding something, `$batch`ed 20 at a time.
    async fn sign_ins(
        &self,
        grants: &[Grant],
    ) -> Result<HashMap<String, Option<DateTime<Utc>>>, Error> {
        let mut users: Vec<String> = grants
            .iter()
            .filter(|g| g.principal_kind == PrincipalKind::User)
            .map(|g| g.principal_id.to_ascii_lowercase())
            .collect();
        users.sort();
        users.dedup();
        let token = self.graph_token(&AUDIT_SCOPES).await?;
        let mut out = HashMap::new();
        for chunk in users.chunks(20) {
            let urls: Vec<String> = chunk
                .iter()
                .map(|id| format!("/users/{id}?$select=id,signInActivity"))
                .collect();
            for (id, answer) in chunk.iter().zip(self.batch(&urls, &token).await?) {
                let v = answer?;
                let s = &v["signInActivity"];
                let last = [
                    crate::parse::time(&s["lastSignInDateTime"]),
                    crate::parse::time(&s["lastNonInteractiveSignInDateTime"]),
                ]
                .into_iter()
                .flatten()
                .max();
                out.insert(id.clone(), last);
            }
        }
        Ok(out)
    }

    async fn review_series(&self) -> Result<Vec<ReviewSeries>, Error> {
        self.renewing(Resource::Graph, || async {
            let token = self.graph_token(&super::REVIEW_READ).await?;
            let url = self.graph("/identityGovernance/accessReviews/definitions?$top=100");
            let items = self.read_all(&url, None, &token).await?;
            Ok(items.iter().filter_map(wire::review_series).collect())
        })
        .await
    }

    /// Every subscription the account can see: its eligible and active instances at and above
    /// it (`atScope()` [DOC §3.2]) and the policies of the privileged roles in use there.
    async fn azure_facts(
        &self,
        progress: Progress<'_>,
    ) -> Result<(Vec<Grant>, Vec<RolePolicy>), Error> {
        self.renewing(Resource::Arm, || async {
            let token = self.session.token(Resource::Arm, None).await?;
            let first = self
                .get(
                    &self.arm("/subscriptions?api-version=2022-12-01"),
                    &token,
                    Plane::AzureResource,
                )
                .await?;
            let subs = self.follow(first, &token, Plane::AzureResource).await?;
            let (mut grants, mut policies) = (vec![], vec![]);
            for (n, s) in subs.iter().enumerate() {
                let Some(sub) = s["id"].as_str() else {
                    continue;
                };
                progress(&format!(
                    "Azure subscriptions: {}/{} ({})",
                    n + 1,
                    subs.len(),
                    s["displayName"].as_str().unwrap_or(sub)
                ));
                for (kind, eligible) in [
                    ("roleEligibilityScheduleInstances", true),
                    ("roleAssignmentScheduleInstances", false),
                ] {
                    let url = self.arm(&format!(
                        "{sub}/providers/Microsoft.Authorization/{kind}?{API}&$filter=atScope()"
                    ));
                    let first = self.get(&url, &token, Plane::AzureResource).await?;
                    let items = self.follow(first, &token, Plane::AzureResource).await?;
                    for g in items.iter().filter_map(|v| wire::arm_grant(v, eligible)) {
                        if !grants.iter().any(|x: &Grant| {
                            x.eligible == g.eligible
                                && x.role_id.eq_ignore_ascii_case(&g.role_id)
                                && x.principal_id.eq_ignore_ascii_case(&g.principal_id)
                                && x.scope == g.scope
                        }) {
                            grants.push(g);
                        }
                    }
                }
                let url = self.arm(&format!(
                    "{sub}/providers/Microsoft.Authorization/roleManagementPolicyAssignments?{API}"
                ));
                match self.get(&url, &token, Plane::AzureResource).await {
                    Ok(first) => {
                        let items = self.follow(first, &token, Plane::AzureResource).await?;
                        let name = s["displayName"].as_str().unwrap_or(sub).to_string();
                        policies.extend(items.iter().filter_map(|v| arm_policy(v, &name)));
                    }
                    Err(e) => tracing::info!("Azure policies at {sub} not read: {e}"),
                }
            }
            Ok((grants, policies))
        })
        .await
    }
}

/// An ARM role management policy assignment with its effective rules.
fn arm_policy(v: &Value, scope_name: &str) -> Option<RolePolicy> {
    let p = &v["properties"];
    let role_full = p["roleDefinitionId"].as_str()?;
    let guid = crate::parse::role_guid(role_full);
    let name = p["policyAssignmentProperties"]["roleDefinition"]["displayName"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| guid.clone());
    Some(RolePolicy {
        plane: Plane::AzureResource,
        role_id: role_full.to_string(),
        template_id: Some(guid),
        role_name: name,
        scope: scope_name.to_string(),
        access: None,
        rules: summarize(
            p["effectiveRules"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or(&[]),
        ),
    })
}
