//! The "ready" check: PIM lists an activation before the access works everywhere (users
//! report 5-20 minutes of propagation). After a request is provisioned, Elevate keeps
//! looking until the assignment is listed as active and, where an API can tell, the access
//! is effective: a built-in directory role or a group membership among the user's
//! `/me/memberOf`, or the role's actions among the ARM permissions at the scope.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use crate::error::Error;
use crate::model::{Access, Assignment, Plane, Status};
use crate::pim::Pim;

/// Where an activation stands on its way to usable access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase", tag = "state")]
#[ts(export)]
pub enum Readiness {
    /// Usable. `verified`: an API confirmed the access itself, not only the listing.
    Ready { verified: bool },
    /// Not yet; `reason` says what is still missing.
    Waiting { reason: String },
}

/// How long to keep looking, and how often.
#[derive(Debug, Clone, Copy)]
pub struct ReadyOptions {
    pub first_poll: Duration,
    pub max_poll: Duration,
    pub timeout: Duration,
}

impl Default for ReadyOptions {
    fn default() -> Self {
        // Propagation usually takes seconds to minutes, reported up to 20 minutes.
        ReadyOptions {
            first_poll: Duration::from_secs(5),
            max_poll: Duration::from_secs(60),
            timeout: Duration::from_secs(30 * 60),
        }
    }
}

/// The end of a watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadyOutcome {
    Ready {
        verified: bool,
    },
    /// Still not usable at the deadline; the last reason (or error) seen.
    TimedOut {
        reason: String,
    },
    /// The assignment stopped being active or requested (deactivated, denied, expired).
    Gone,
}

/// Whether every action `wanted` is granted by one of `granted` (ARM wildcards: `*`,
/// `Microsoft.Compute/*`, `*/read`). Case-insensitive, as ARM operations are.
pub fn actions_cover(granted: &[String], wanted: &[String]) -> bool {
    wanted.iter().all(|w| {
        let w = w.to_ascii_lowercase();
        granted.iter().any(|g| glob(&g.to_ascii_lowercase(), &w))
    })
}

fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            let Some(tail) = text.strip_prefix(head) else {
                return false;
            };
            (0..=tail.len())
                .filter(|i| tail.is_char_boundary(*i))
                .any(|i| glob(rest, &tail[i..]))
        }
    }
}

const NOT_LISTED: &str = "not listed as active yet";

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

impl Pim {
    /// One look at `a` (any form of the assignment: the key is what counts).
    pub async fn readiness(&self, a: &Assignment) -> Result<Readiness, Error> {
        let snapshot = self.refresh().await;
        if let Some(f) = snapshot.failures.iter().find(|f| f.plane == a.plane) {
            return Err(Error::Network(format!(
                "{} could not be listed: {}",
                a.plane.label(),
                f.error.message
            )));
        }
        let Some(active) = snapshot
            .assignments
            .iter()
            .find(|x| x.key == a.key && x.status == Status::Active)
        else {
            return Ok(Readiness::Waiting {
                reason: NOT_LISTED.into(),
            });
        };
        // A scheduled extension is listed active while it has not started: fine, the
        // current activation carries the access.
        self.effective(active).await
    }

    /// Whether the access of an active assignment is effective, where an API can tell.
    pub async fn effective(&self, a: &Assignment) -> Result<Readiness, Error> {
        let waiting = |r: &str| {
            Ok(Readiness::Waiting {
                reason: r.to_string(),
            })
        };
        let unverified = Ok(Readiness::Ready { verified: false });
        match a.plane {
            Plane::EntraRole => {
                // Only built-in roles at the directory scope appear as directoryRole objects.
                if a.scope.id != "/" || !self.builtin_role(a).await {
                    return unverified;
                }
                let found = self.member_of().await?.iter().any(|o| {
                    o["@odata.type"].as_str() == Some("#microsoft.graph.directoryRole")
                        && o["roleTemplateId"]
                            .as_str()
                            .is_some_and(|t| t.eq_ignore_ascii_case(&a.id))
                });
                if found {
                    Ok(Readiness::Ready { verified: true })
                } else {
                    waiting("listed as active, not yet among your directory roles")
                }
            }
            Plane::Group if a.access == Some(Access::Member) => {
                let found = self.member_of().await?.iter().any(|o| {
                    o["@odata.type"].as_str() == Some("#microsoft.graph.group")
                        && o["id"]
                            .as_str()
                            .is_some_and(|i| i.eq_ignore_ascii_case(&a.id))
                });
                if found {
                    Ok(Readiness::Ready { verified: true })
                } else {
                    waiting("listed as active, not yet among your group memberships")
                }
            }
            // Ownership has no per-user view to check.
            Plane::Group => unverified,
            Plane::AzureResource => {
                let token = self.session().token(Pim::resource(a), None).await?;
                let base = format!("{}/providers/Microsoft.Authorization", a.scope.id);
                let perms = self
                    .get(
                        &self.arm(&format!("{base}/permissions?api-version=2022-04-01")),
                        &token,
                        a.plane,
                    )
                    .await?;
                let perms = self.follow(perms, &token, a.plane).await?;
                let granted: Vec<String> =
                    perms.iter().flat_map(|p| strings(&p["actions"])).collect();
                let def = self
                    .get(
                        &self.arm(&format!(
                            "{base}/roleDefinitions/{}?api-version=2022-04-01",
                            a.id
                        )),
                        &token,
                        a.plane,
                    )
                    .await;
                let wanted: Vec<String> = match &def {
                    Ok(d) => d["properties"]["permissions"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .flat_map(|p| strings(&p["actions"]))
                        .collect(),
                    Err(_) => vec![],
                };
                if wanted.is_empty() {
                    // Data-plane-only role, or its definition is not readable: any grant
                    // at the scope is the best sign there is.
                    return if granted.is_empty() {
                        waiting("listed as active, no permissions at the scope yet")
                    } else {
                        unverified
                    };
                }
                if actions_cover(&granted, &wanted) {
                    Ok(Readiness::Ready { verified: true })
                } else {
                    waiting("listed as active, the role's permissions are not effective yet")
                }
            }
        }
    }

    async fn member_of(&self) -> Result<Vec<Value>, Error> {
        let token = self
            .session()
            .token(crate::auth::Resource::Graph, None)
            .await?;
        let first = self
            .get(&self.graph("/me/memberOf"), &token, Plane::EntraRole)
            .await?;
        self.follow(first, &token, Plane::EntraRole).await
    }

    /// Whether a directory role is built in (custom roles have no directoryRole object).
    /// Unknown counts as built in: the memberOf check then decides.
    async fn builtin_role(&self, a: &Assignment) -> bool {
        let Ok(token) = self
            .session()
            .token(crate::auth::Resource::Graph, None)
            .await
        else {
            return true;
        };
        let url = self.graph(&format!(
            "/roleManagement/directory/roleDefinitions/{}?$select=id,isBuiltIn",
            a.id
        ));
        match self.get(&url, &token, Plane::EntraRole).await {
            Ok(v) => v["isBuiltIn"].as_bool() != Some(false),
            Err(_) => true,
        }
    }

    /// Looks until `a` is ready, with a growing pause, until `opts.timeout`. Errors on the
    /// way are remembered, not fatal: the network may come and go meanwhile.
    pub async fn wait_ready(&self, a: &Assignment, opts: ReadyOptions) -> ReadyOutcome {
        let deadline = tokio::time::Instant::now() + opts.timeout;
        let mut pause = opts.first_poll;
        let mut reason: String;
        let mut seen_active = false;
        loop {
            match self.readiness(a).await {
                Ok(Readiness::Ready { verified }) => return ReadyOutcome::Ready { verified },
                Ok(Readiness::Waiting { reason: r }) => {
                    let listed = !r.starts_with(NOT_LISTED);
                    // Listed once, then no more: deactivated or ended meanwhile.
                    if seen_active && !listed {
                        return ReadyOutcome::Gone;
                    }
                    seen_active |= listed;
                    reason = r;
                }
                Err(e) => reason = e.to_string(),
            }
            if tokio::time::Instant::now() + pause > deadline {
                return ReadyOutcome::TimedOut { reason };
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 3 / 2).min(opts.max_poll);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn wildcards_cover_actions() {
        assert!(actions_cover(
            &s(&["*"]),
            &s(&["*/read", "Microsoft.Compute/*"])
        ));
        assert!(actions_cover(
            &s(&["*/read"]),
            &s(&["microsoft.compute/virtualMachines/read"])
        ));
        assert!(!actions_cover(&s(&["*/read"]), &s(&["*"])));
        assert!(!actions_cover(
            &s(&["Microsoft.Compute/*"]),
            &s(&["*/read"])
        ));
        assert!(actions_cover(
            &s(&["Microsoft.Compute/*"]),
            &s(&["MICROSOFT.COMPUTE/disks/write"])
        ));
        assert!(!actions_cover(&[], &s(&["*/read"])));
    }
}
