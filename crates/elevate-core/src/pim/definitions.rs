//! Role definitions per plane, for `elevatectl roles`: Entra directory roles (Graph), the two
//! PIM for Groups roles (member, owner), and Azure roles (ARM, the tenant's built-in and custom
//! roles at the root).

use serde::Serialize;
use serde_json::Value;

use crate::auth::Resource;
use crate::error::Error;
use crate::model::Plane;

use super::Pim;

/// A role that can be made eligible or activated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleDefinition {
    pub plane: Plane,
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub built_in: Option<bool>,
}

fn text(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

impl Pim {
    /// The role definitions of `plane`, sorted by name.
    pub async fn role_definitions(&self, plane: Plane) -> Result<Vec<RoleDefinition>, Error> {
        let mut out = match plane {
            Plane::Group => vec![
                RoleDefinition {
                    plane,
                    id: "member".into(),
                    name: "Member".into(),
                    description: Some("Member of the group: its access".into()),
                    built_in: Some(true),
                },
                RoleDefinition {
                    plane,
                    id: "owner".into(),
                    name: "Owner".into(),
                    description: Some("Owner of the group: manages its members".into()),
                    built_in: Some(true),
                },
            ],
            Plane::EntraRole => {
                self.renewing(Resource::Graph, || async {
                    // Role definitions need RoleManagement.Read.Directory [DOC], which activation
                    // does not: asked for here, the first time.
                    let token = self
                        .session
                        .token_with_scopes(Resource::Graph, &["RoleManagement.Read.Directory"])
                        .await?;
                    let url = self.graph("/roleManagement/directory/roleDefinitions?$select=id,displayName,description,isBuiltIn");
                    let first = self.get(&url, &token, plane).await?;
                    let items = self.follow(first, &token, plane).await?;
                    Ok(items
                        .iter()
                        .filter_map(|i| {
                            Some(RoleDefinition {
                                plane,
                                id: text(&i["id"])?,
                                name: text(&i["displayName"])?,
                                description: text(&i["description"]),
                                built_in: i["isBuiltIn"].as_bool(),
                            })
                        })
                        .collect::<Vec<_>>())
                })
                .await?
            }
            Plane::AzureResource => {
                self.renewing(Resource::Arm, || async {
                    let token = self.session.token(Resource::Arm, None).await?;
                    let url = self.arm(
                        "/providers/Microsoft.Authorization/roleDefinitions?api-version=2022-04-01",
                    );
                    let first = self.get(&url, &token, plane).await?;
                    let items = self.follow(first, &token, plane).await?;
                    Ok(items
                        .iter()
                        .filter_map(|i| {
                            let p = &i["properties"];
                            Some(RoleDefinition {
                                plane,
                                id: text(&i["name"])?,
                                name: text(&p["roleName"])?,
                                description: text(&p["description"]),
                                built_in: p["type"]
                                    .as_str()
                                    .map(|t| t.eq_ignore_ascii_case("BuiltInRole")),
                            })
                        })
                        .collect::<Vec<_>>())
                })
                .await?
            }
        };
        out.sort_by_key(|r| r.name.to_lowercase());
        Ok(out)
    }
}
