//! Owns listing the child scopes of an Azure scope, for activating a role eligible at a
//! management group or subscription at a narrower scope: a management group's subscriptions
//! (`descendants`), a subscription's resource groups and resources, a resource group's
//! resources (ARM, every page followed).

use serde_json::Value;

use crate::auth::Resource;
use crate::error::Error;
use crate::model::{Plane, Scope};
use crate::parse::scope_kind;

use super::Pim;

const RESOURCES_API: &str = "api-version=2021-04-01";
const MG_API: &str = "api-version=2020-05-01";

impl Pim {
    /// Every scope strictly under `scope` the caller can see, subscriptions first, then
    /// resource groups, then resources, each sorted by id.
    pub async fn child_scopes(&self, scope: &str) -> Result<Vec<Scope>, Error> {
        self.renewing(Resource::Arm, || self.child_scopes_once(scope))
            .await
    }

    async fn child_scopes_once(&self, scope: &str) -> Result<Vec<Scope>, Error> {
        let token = self.session.token(Resource::Arm, None).await?;
        let list = |path: String| {
            let token = token.clone();
            async move {
                let first = self
                    .get(&self.arm(&path), &token, Plane::AzureResource)
                    .await?;
                self.follow(first, &token, Plane::AzureResource).await
            }
        };
        let kind = scope_kind(scope);
        let subscriptions: Vec<Scope> = match kind {
            "managementgroup" => list(format!("{scope}/descendants?{MG_API}"))
                .await?
                .iter()
                .filter(|v| {
                    v["type"]
                        .as_str()
                        .is_some_and(|t| t.to_ascii_lowercase().ends_with("/subscriptions"))
                })
                .filter_map(|v| {
                    let guid = v["name"].as_str()?;
                    Some(Scope {
                        id: format!("/subscriptions/{guid}"),
                        display_name: v["properties"]["displayName"]
                            .as_str()
                            .unwrap_or(guid)
                            .to_string(),
                        kind: "subscription".into(),
                    })
                })
                .collect(),
            _ => vec![],
        };
        let mut out = subscriptions.clone();
        let under: Vec<String> = match kind {
            "managementgroup" => subscriptions.iter().map(|s| s.id.clone()).collect(),
            "subscription" | "resourcegroup" => vec![scope.to_string()],
            _ => vec![],
        };
        let lists = under.iter().map(|parent| {
            let rgs = (scope_kind(parent) == "subscription")
                .then(|| list(format!("{parent}/resourcegroups?{RESOURCES_API}")));
            let res = list(format!("{parent}/resources?{RESOURCES_API}"));
            async move {
                let groups = match rgs {
                    Some(f) => f.await?,
                    None => vec![],
                };
                Ok::<_, Error>((groups, res.await?))
            }
        });
        let mut groups = vec![];
        let mut resources = vec![];
        for r in futures::future::join_all(lists).await {
            let (g, res) = r?;
            groups.extend(g.iter().filter_map(|v| named(v, "resourcegroup")));
            resources.extend(res.iter().filter_map(|v| named(v, "resource")));
        }
        groups.sort_by(|a, b| a.id.cmp(&b.id));
        resources.sort_by(|a, b| a.id.cmp(&b.id));
        out.extend(groups);
        out.extend(resources);
        let lower = scope.to_ascii_lowercase();
        out.retain(|s| s.id.to_ascii_lowercase() != lower);
        Ok(out)
    }
}

fn named(v: &Value, kind: &str) -> Option<Scope> {
    let id = v["id"].as_str()?;
    Some(Scope {
        id: id.to_string(),
        display_name: v["name"]
            .as_str()
            .unwrap_or_else(|| id.rsplit('/').next().unwrap_or(id))
            .to_string(),
        kind: kind.into(),
    })
}
