//! The administrator's calls: find a user (by UPN, object id or display name, ambiguity
//! explained), find a role or group to assign, and send `adminAssign` / `adminRemove` on the
//! plane's eligibility (or assignment) schedule requests. A lost answer is followed by the
//! same request once more: "already exists" (assign) or "does not exist" (remove) after it
//! means the first one went through.

use serde::Serialize;
use serde_json::{json, Value};

use crate::admin::{schedule, Kind, Span};
use crate::auth::Resource;
use crate::error::Error;
use crate::http::Request;
use crate::model::{Access, Assignment, Plane, Scope, Status};

use super::common::API;
use super::requests::{pause, Sent};
use super::Pim;

/// A user found in the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub display_name: String,
    pub user_principal_name: Option<String>,
}

/// What an admin request did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminOutcome {
    /// `Provisioned`, `Revoked`, `PendingApproval`...
    pub status: String,
    pub request_id: Option<String>,
    /// True when the answer was lost and the second attempt showed the first went through.
    pub reconciled: bool,
}

fn is_guid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok()
}

fn quote(s: &str) -> String {
    s.replace('\'', "''")
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn user_of(v: &Value) -> Option<User> {
    Some(User {
        id: v["id"].as_str()?.to_string(),
        display_name: v["displayName"].as_str().unwrap_or_default().to_string(),
        user_principal_name: v["userPrincipalName"].as_str().map(str::to_string),
    })
}

impl Pim {
    /// The user `who` names: an object id, a UPN, or a display name (exact, else the one
    /// that starts with it). Several matches are refused with the candidates listed.
    pub async fn find_user(&self, who: &str) -> Result<User, Error> {
        let who = who.trim();
        if who.is_empty() {
            return Err(Error::InvalidInput(
                "Name the user: a UPN (ada@contoso.com), an object id or a display name.".into(),
            ));
        }
        let token = self
            .session
            .token_with_scopes(Resource::Graph, &["User.ReadBasic.All"])
            .await?;
        if is_guid(who) || who.contains('@') {
            let url = self.graph(&format!(
                "/users/{}?$select=id,displayName,userPrincipalName",
                enc(who)
            ));
            return match self.get(&url, &token, Plane::EntraRole).await {
                Ok(v) => user_of(&v).ok_or_else(|| {
                    Error::InvalidInput(format!("No user '{who}' in this directory."))
                }),
                Err(e) if e.service().is_some_and(|s| s.status == 404) => Err(Error::InvalidInput(
                    format!("No user '{who}' in this directory: check the UPN or object id."),
                )),
                Err(e) => Err(e),
            };
        }
        let filter = enc(&format!("startswith(displayName,'{}')", quote(who)));
        let url = self.graph(&format!(
            "/users?$filter={filter}&$select=id,displayName,userPrincipalName&$top=25"
        ));
        let first = self.get(&url, &token, Plane::EntraRole).await?;
        let found: Vec<User> = self
            .follow(first, &token, Plane::EntraRole)
            .await?
            .iter()
            .filter_map(user_of)
            .collect();
        let exact: Vec<&User> = found
            .iter()
            .filter(|u| u.display_name.eq_ignore_ascii_case(who))
            .collect();
        let pick: Vec<&User> = if exact.is_empty() {
            found.iter().collect()
        } else {
            exact
        };
        match pick.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(Error::InvalidInput(format!(
                "No user named '{who}': give a UPN or an object id."
            ))),
            many => Err(Error::InvalidInput(format!(
                "'{who}' names {} users: {}. Give the UPN or object id.",
                many.len(),
                many.iter()
                    .take(10)
                    .map(|u| format!(
                        "{} ({})",
                        u.display_name,
                        u.user_principal_name.as_deref().unwrap_or(&u.id)
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The role or group to assign: an Entra role (by name or id), a group (with `access`), or
    /// an Azure role at `scope` (an ARM scope id). Returned as an assignment-shaped target.
    pub async fn admin_target(
        &self,
        name: &str,
        plane: Option<Plane>,
        scope: Option<&str>,
        access: Option<Access>,
    ) -> Result<Assignment, Error> {
        let arm_scope =
            scope.filter(|s| s.starts_with("/subscriptions") || s.starts_with("/providers/"));
        let plane = plane.unwrap_or(if arm_scope.is_some() {
            Plane::AzureResource
        } else if access.is_some() {
            Plane::Group
        } else {
            Plane::EntraRole
        });
        let target =
            |id: String, display: String, scope: Scope, access: Option<Access>| Assignment {
                key: Assignment::key_for(plane, &id, access, &scope.id),
                plane,
                name: display,
                id,
                access,
                scope,
                status: Status::Eligible,
                assignment_type: None,
                member_type: None,
                start_date_time: None,
                end_date_time: None,
                eligibility_schedule_id: None,
                request_id: None,
                policy: None,
            };
        match plane {
            Plane::EntraRole => {
                let roles = self.role_definitions(Plane::EntraRole).await?;
                let r = roles
                    .iter()
                    .find(|r| r.id.eq_ignore_ascii_case(name) || r.name.eq_ignore_ascii_case(name))
                    .ok_or_else(|| Error::InvalidInput(format!("No Entra role named '{name}': `elevatectl roles --plane entra` lists them.")))?;
                let dir = scope.unwrap_or("/");
                Ok(target(
                    r.id.clone(),
                    r.name.clone(),
                    Scope {
                        id: dir.into(),
                        display_name: if dir == "/" {
                            "Directory".into()
                        } else {
                            dir.into()
                        },
                        kind: "directory".into(),
                    },
                    None,
                ))
            }
            Plane::Group => {
                let access = access.unwrap_or(Access::Member);
                let token = self
                    .session
                    .token_with_scopes(Resource::Graph, &["Group.Read.All"])
                    .await?;
                let url = if is_guid(name) {
                    self.graph(&format!(
                        "/groups?$filter={}&$select=id,displayName",
                        enc(&format!("id eq '{name}'"))
                    ))
                } else {
                    self.graph(&format!(
                        "/groups?$filter={}&$select=id,displayName",
                        enc(&format!("displayName eq '{}'", quote(name)))
                    ))
                };
                let first = self.get(&url, &token, Plane::Group).await?;
                // Matched here too: a service that ignores the filter must not pick a group.
                let groups: Vec<Value> = self
                    .follow(first, &token, Plane::Group)
                    .await?
                    .into_iter()
                    .filter(|g| {
                        g["id"]
                            .as_str()
                            .is_some_and(|i| i.eq_ignore_ascii_case(name))
                            || g["displayName"]
                                .as_str()
                                .is_some_and(|d| d.eq_ignore_ascii_case(name))
                    })
                    .collect();
                match groups.as_slice() {
                    [g] => {
                        let id = g["id"].as_str().unwrap_or_default().to_string();
                        let display = g["displayName"].as_str().unwrap_or(name).to_string();
                        Ok(target(
                            id.clone(),
                            display.clone(),
                            Scope {
                                id,
                                display_name: display,
                                kind: "group".into(),
                            },
                            Some(access),
                        ))
                    }
                    [] => Err(Error::InvalidInput(format!("No group named '{name}'."))),
                    many => Err(Error::InvalidInput(format!(
                        "'{name}' names {} groups: give the group's object id.",
                        many.len()
                    ))),
                }
            }
            Plane::AzureResource => {
                let scope = arm_scope.ok_or_else(|| {
                    Error::InvalidInput("An Azure role needs --scope: a management group, subscription, resource group or resource id (/subscriptions/…).".into())
                })?;
                let roles = self.role_definitions(Plane::AzureResource).await?;
                let r = roles
                    .iter()
                    .find(|r| r.id.eq_ignore_ascii_case(name) || r.name.eq_ignore_ascii_case(name))
                    .ok_or_else(|| Error::InvalidInput(format!("No Azure role named '{name}': `elevatectl roles --plane azure` lists them.")))?;
                let kind = crate::parse::scope_kind(scope).to_string();
                Ok(target(
                    r.id.clone(),
                    r.name.clone(),
                    Scope {
                        id: scope.into(),
                        display_name: scope.rsplit('/').next().unwrap_or(scope).into(),
                        kind,
                    },
                    None,
                ))
            }
        }
    }

    /// Sends `adminAssign` (or `adminRemove` when `remove`) for `user` on `t`.
    pub async fn admin_request(
        &self,
        t: &Assignment,
        user: &User,
        kind: Kind,
        span: &Span,
        justification: &str,
        remove: bool,
    ) -> Result<AdminOutcome, Error> {
        let now = self.clock.now();
        let arm = t.plane == Plane::AzureResource;
        let action = match (remove, arm) {
            (false, false) => "adminAssign",
            (true, false) => "adminRemove",
            (false, true) => "AdminAssign",
            (true, true) => "AdminRemove",
        };
        let mut body = match t.plane {
            Plane::EntraRole => {
                json!({"action": action, "principalId": user.id, "roleDefinitionId": t.id, "directoryScopeId": t.scope.id})
            }
            Plane::Group => {
                json!({"action": action, "principalId": user.id, "groupId": t.id, "accessId": t.access.map(Access::as_str).unwrap_or("member")})
            }
            Plane::AzureResource => {
                json!({"properties": {"requestType": action, "principalId": user.id,
                "roleDefinitionId": format!("{}/providers/Microsoft.Authorization/roleDefinitions/{}", t.scope.id, t.id)}})
            }
        };
        let target = if arm {
            &mut body["properties"]
        } else {
            &mut body
        };
        if !justification.trim().is_empty() {
            target["justification"] = json!(justification.trim());
        }
        // A removal carries no schedule on Graph roles [DOC]; groups and ARM say it is required
        // (peers send noExpiration) [INF][OBS].
        if !remove {
            target["scheduleInfo"] = schedule(span, now, arm);
        } else if t.plane != Plane::EntraRole {
            target["scheduleInfo"] = schedule(&Span::Permanent, now, arm);
        }
        let (resource, collection) = match (t.plane, kind) {
            (Plane::EntraRole, Kind::Eligible) => (
                Resource::Graph,
                "/roleManagement/directory/roleEligibilityScheduleRequests",
            ),
            (Plane::EntraRole, Kind::Active) => (
                Resource::Graph,
                "/roleManagement/directory/roleAssignmentScheduleRequests",
            ),
            (Plane::Group, Kind::Eligible) => (
                Resource::Graph,
                "/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests",
            ),
            (Plane::Group, Kind::Active) => (
                Resource::Graph,
                "/identityGovernance/privilegedAccess/group/assignmentScheduleRequests",
            ),
            (Plane::AzureResource, Kind::Eligible) => {
                (Resource::Arm, "roleEligibilityScheduleRequests")
            }
            (Plane::AzureResource, Kind::Active) => {
                (Resource::Arm, "roleAssignmentScheduleRequests")
            }
        };
        let scopes: &[&str] = match (t.plane, kind) {
            (Plane::EntraRole, Kind::Eligible) => &["RoleEligibilitySchedule.ReadWrite.Directory"],
            (Plane::Group, Kind::Eligible) => {
                &["PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup"]
            }
            _ => &[],
        };
        let token = if scopes.is_empty() {
            self.session.token(resource, None).await?
        } else {
            self.session.token_with_scopes(resource, scopes).await?
        };
        // ARM: one name for every attempt, so a second one is the same request.
        let name = uuid::Uuid::new_v4().to_string();
        let url = if arm {
            self.arm(&format!(
                "{}/providers/Microsoft.Authorization/{collection}/{name}?{API}",
                t.scope.id
            ))
        } else {
            self.graph(collection)
        };
        let method = if arm {
            reqwest::Method::PUT
        } else {
            reqwest::Method::POST
        };
        let req = Request::with_json(method, &url, &token, &body);
        let mut uncertain = false;
        for attempt in 0..2 {
            match Sent::of(self.session.http().send(&req).await, t.plane) {
                Sent::Done(v) => {
                    let status = v["status"]
                        .as_str()
                        .or(v["properties"]["status"].as_str())
                        .unwrap_or("Provisioned");
                    return Ok(AdminOutcome {
                        status: status.to_string(),
                        request_id: v["id"].as_str().or(v["name"].as_str()).map(str::to_string),
                        reconciled: uncertain,
                    });
                }
                Sent::Refused(e) if uncertain && went_through(&e, remove) => {
                    return Ok(AdminOutcome {
                        status: if remove {
                            "Revoked".into()
                        } else {
                            "Provisioned".into()
                        },
                        request_id: None,
                        reconciled: true,
                    })
                }
                Sent::Refused(e) => return Err(explain(e, t, remove)),
                Sent::Uncertain(wait) => {
                    uncertain = true;
                    if attempt == 0 {
                        pause(wait).await;
                    }
                }
            }
        }
        Err(Error::Network(format!(
            "The request for {} got no answer and may or may not have been made: check with `elevatectl list` as that user or in the portal before trying again.",
            t.label()
        )))
    }
}

/// After our lost attempt, "exists" (assign) or "does not exist" (remove) is ours.
fn went_through(e: &Error, remove: bool) -> bool {
    e.service().is_some_and(|s| {
        if remove {
            s.code == "RoleAssignmentDoesNotExist"
        } else {
            s.code == "RoleAssignmentExists"
        }
    })
}

/// The admin error catalogue in plain words [reference §4.4].
fn explain(e: Error, t: &Assignment, remove: bool) -> Error {
    let Some(s) = e.service() else { return e };
    let message = match s.code.as_str() {
        "RoleAssignmentExists" => format!("{} is already assigned to that user at {}: nothing to add.", t.label(), t.scope.display_name),
        "RoleAssignmentDoesNotExist" => format!("That user has no such assignment of {} at {}: nothing to remove.", t.label(), t.scope.display_name),
        "RoleAssignmentRequestExists" | "PendingRoleAssignmentRequest" => "A request for this assignment is already pending.".into(),
        "Authorization_RequestDenied" | "AuthorizationFailed" => match t.plane {
            Plane::AzureResource => format!("You may not {} Azure roles at {}: it needs Owner or User Access Administrator there (activate one first).", if remove { "remove" } else { "assign" }, t.scope.display_name),
            _ => "Assigning Entra roles and groups in PIM needs the Privileged Role Administrator role (or Global Administrator; a group's owner for its group): activate it first.".into(),
        },
        _ => return e,
    };
    Error::Service(Box::new(crate::error::ServiceError {
        message,
        explained: true,
        ..s.clone()
    }))
}
