//! Owns the bundle use cases: list, save and delete (`[[bundles]]` in the config file), and
//! activate or deactivate a bundle in one go: its members resolved once, the strictest of
//! their rules checked once before anything is sent, each member through the ordinary
//! activation (guards, history, follow-up), one result per member; a failing member does not
//! stop the others. Also an agent's bundle activation (every member on the MCP allow list).

use std::sync::Arc;

use super::{Elevate, Input, Target};
use crate::bundle::{check, Bundle, BundleItem, BundleResult, BundleView, Requirements};
use crate::error::Error;
use crate::model::{Assignment, Plane, Status};

fn find<'a>(bundles: &'a [Bundle], name: &str) -> Result<&'a Bundle, Error> {
    bundles
        .iter()
        .find(|b| b.name.trim().eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "No bundle is named '{name}'. `elevatectl bundle list` shows the bundles."
            ))
        })
}

impl Elevate {
    pub fn bundles(&self) -> Vec<Bundle> {
        self.config().bundles
    }

    /// Writes the bundles to the config file (the file's other values kept as they are).
    fn save_bundles(&self, bundles: Vec<Bundle>) -> Result<(), Error> {
        if let Some(path) = &self.config_path {
            let (mut file, _) = crate::config::Config::load(path)?;
            file.bundles = bundles.clone();
            file.save(path)?;
        }
        super::lock(&self.config).bundles = bundles;
        self.update_tray(true);
        Ok(())
    }

    /// Saves `bundle` (replacing one of the same name).
    pub fn save_bundle(&self, bundle: Bundle) -> Result<Bundle, Error> {
        check(&bundle)?;
        let mut all = self.bundles();
        all.retain(|b| !b.name.trim().eq_ignore_ascii_case(bundle.name.trim()));
        all.push(bundle.clone());
        self.save_bundles(all)?;
        Ok(bundle)
    }

    /// A bundle of the assignments `keys` name (the popup's "Save as bundle").
    pub async fn bundle_from_keys(
        self: &Arc<Self>,
        name: &str,
        keys: &[String],
    ) -> Result<Bundle, Error> {
        let all = self.lookup().await?;
        let items = keys
            .iter()
            .map(|k| {
                super::resolve(
                    &all,
                    &Target::key(k.clone()),
                    &[
                        Status::Eligible,
                        Status::Active,
                        Status::PendingApproval,
                        Status::Scheduled,
                    ],
                )
                .map(|a| BundleItem::of(&a))
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.save_bundle(Bundle {
            name: name.trim().to_string(),
            items,
            justification: None,
            ticket: None,
            duration: None,
            autostart: false,
        })
    }

    pub fn delete_bundle(&self, name: &str) -> Result<Bundle, Error> {
        let mut all = self.bundles();
        let gone = find(&all, name)?.clone();
        all.retain(|b| b.name != gone.name);
        self.save_bundles(all)?;
        Ok(gone)
    }

    /// The eligible assignment an item names (a child scope under an eligibility too).
    fn member(&self, all: &[Assignment], item: &BundleItem) -> Result<Assignment, Error> {
        let mine: Vec<Assignment> = all
            .iter()
            .filter(|a| a.plane == item.plane)
            .cloned()
            .collect();
        let target = Target::name(item.label(), item.scope.as_deref());
        self.pick(&mine, &target, None, &[Status::Eligible])
            .map_err(|e| match item.plane {
                Plane::AzureResource => e,
                _ => Error::InvalidInput(format!(
                    "{}: no eligible assignment matches it now ({e})",
                    item.label()
                )),
            })
    }

    /// Every bundle with its members resolved and its strictest rules.
    pub async fn bundle_views(self: &Arc<Self>) -> Result<Vec<BundleView>, Error> {
        let all = self.lookup().await?;
        Ok(self
            .bundles()
            .into_iter()
            .map(|b| {
                let members: Vec<_> = b.items.iter().map(|i| self.member(&all, i).ok()).collect();
                let requirements = Requirements::of(
                    &members
                        .iter()
                        .flatten()
                        .map(|a| (a.label(), a.policy.clone()))
                        .collect::<Vec<_>>(),
                );
                BundleView {
                    keys: members
                        .iter()
                        .map(|m| m.as_ref().map(|a| a.key.clone()))
                        .collect(),
                    bundle: b,
                    requirements,
                }
            })
            .collect())
    }

    /// The strictest rules of the members, checked once before anything is sent: a
    /// justification or a ticket any member wants, the user's justification rules, a
    /// duration within every member's maximum.
    async fn check_members(&self, members: &[Assignment], input: &Input) -> Result<(), Error> {
        let mut policies = vec![];
        for a in members {
            let p = match &a.policy {
                Some(p) => Some(p.clone()),
                None => self.pim.policy(a).await.ok(),
            };
            policies.push((a.label(), p));
        }
        let r = Requirements::of(&policies);
        let defaults = self.config().defaults;
        let given = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.trim().is_empty());
        let needing = |f: fn(&crate::model::PolicySummary) -> bool| {
            policies
                .iter()
                .filter(|(_, p)| p.as_ref().is_some_and(f))
                .map(|(l, _)| l.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if r.justification && !given(&input.justification) && !given(&defaults.justification) {
            return Err(Error::PolicyRefused {
                rule: "JustificationRule".into(),
                message: format!(
                    "{} require a justification: give one for the bundle.",
                    needing(|p| p.justification)
                ),
            });
        }
        if r.ticket && !given(&input.ticket_number) && !given(&defaults.ticket_number) {
            return Err(Error::PolicyRefused {
                rule: "TicketingRule".into(),
                message: format!(
                    "{} require a ticket number: give one for the bundle.",
                    needing(|p| p.ticket)
                ),
            });
        }
        // The user's own justification rules, once for the bundle (each member's plan
        // checks them again).
        let pick = |mine: &Option<String>, default: &Option<String>| {
            mine.clone()
                .filter(|s| !s.trim().is_empty())
                .or_else(|| default.clone())
        };
        self.pim.justification().check(
            "The bundle",
            pick(&input.justification, &defaults.justification).as_deref(),
            pick(&input.ticket_number, &defaults.ticket_number).as_deref(),
        )?;
        if let (Some(d), Some(max)) = (
            input.duration.as_deref().filter(|d| !d.trim().is_empty()),
            r.max_duration.as_deref(),
        ) {
            let (d, max_d) = (
                crate::policy::parse_duration(d)?,
                crate::policy::parse_duration(max)?,
            );
            if d > max_d {
                return Err(Error::PolicyRefused {
                    rule: "ExpirationRule".into(),
                    message: format!(
                        "a member of the bundle can be activated for at most {} ({max}); you asked for {}. Ask for {} or less.",
                        crate::policy::human(max_d),
                        crate::policy::human(d),
                        crate::policy::human(max_d)
                    ),
                });
            }
        }
        Ok(())
    }

    /// The bundle's input: what was given, else what the bundle saved; the duration, when
    /// none, the lower of the default and the shortest maximum (one duration for all).
    fn bundle_input(b: &Bundle, input: &Input) -> Input {
        let pick = |mine: &Option<String>, saved: &Option<String>| {
            mine.clone()
                .filter(|s| !s.trim().is_empty())
                .or_else(|| saved.clone())
        };
        Input {
            justification: pick(&input.justification, &b.justification),
            ticket_number: pick(&input.ticket_number, &b.ticket),
            duration: pick(&input.duration, &b.duration),
            ..input.clone()
        }
    }

    /// Activates every member of the bundle `name` with one input; one result per member.
    pub async fn activate_bundle(
        self: &Arc<Self>,
        name: &str,
        input: &Input,
    ) -> Result<Vec<BundleResult>, Error> {
        self.run_bundle(name, input, false).await
    }

    /// An agent's bundle: refused before sending unless every member is on `[mcp] allow`.
    pub async fn activate_bundle_for_agent(
        self: &Arc<Self>,
        name: &str,
        input: &Input,
    ) -> Result<Vec<BundleResult>, Error> {
        self.run_bundle(name, input, true).await
    }

    async fn run_bundle(
        self: &Arc<Self>,
        name: &str,
        input: &Input,
        agent: bool,
    ) -> Result<Vec<BundleResult>, Error> {
        input.check()?;
        self.start_of(input)?;
        let b = find(&self.bundles(), name)?.clone();
        let input = Self::bundle_input(&b, input);
        input.check()?;
        let all = self.lookup().await?;
        let members: Vec<Result<Assignment, Error>> =
            b.items.iter().map(|i| self.member(&all, i)).collect();
        if agent {
            let allow = self.config().mcp.allow;
            for a in members.iter().flatten() {
                self.check_agent_allowed(&allow, a)?;
            }
        }
        let found: Vec<Assignment> = members.iter().flatten().cloned().collect();
        self.check_members(&found, &input).await?;
        let runs = b.items.iter().zip(members).map(|(item, m)| {
            let input = Input {
                scope: m.as_ref().ok().map(|a| a.scope.id.clone()),
                ..input.clone()
            };
            let origin = m
                .as_ref()
                .ok()
                .and_then(|a| super::scopes::eligibility_of(&all, a))
                .map(|o| o.key.clone());
            async move {
                let a = m?;
                let target = Target::key(origin.unwrap_or(a.key));
                let done = if agent {
                    self.activate_for_agent(&target, &input).await
                } else {
                    self.activate(&target, &input).await
                };
                done.map(|d| (item, d))
            }
        });
        let results = futures::future::join_all(runs).await;
        let granted: Vec<Assignment> = results
            .iter()
            .flatten()
            .filter(|(_, d)| {
                use crate::pim::RequestState as S;
                matches!(d.outcome.state, S::Active | S::Provisioning)
            })
            .map(|(_, d)| d.assignment.clone())
            .collect();
        let origin = if agent {
            super::Origin::Agent
        } else {
            super::Origin::User
        };
        self.after_bundle(&b.name, granted, origin);
        Ok(b.items
            .iter()
            .zip(results)
            .map(|(item, r)| match r {
                Ok((_, done)) => BundleResult {
                    label: item.label(),
                    key: Some(done.assignment.key),
                    outcome: Some(done.outcome),
                    error: None,
                },
                Err(e) => BundleResult {
                    label: item.label(),
                    key: None,
                    outcome: None,
                    error: Some((&e).into()),
                },
            })
            .collect())
    }

    /// Deactivates every active member of the bundle `name`; one result per member (a
    /// member that is not active is said, not an error).
    pub async fn deactivate_bundle(
        self: &Arc<Self>,
        name: &str,
    ) -> Result<Vec<BundleResult>, Error> {
        let b = find(&self.bundles(), name)?.clone();
        let all = self.lookup().await?;
        let runs = b.items.iter().map(|item| {
            let all = &all;
            async move {
                let mine: Vec<Assignment> = all
                    .iter()
                    .filter(|a| a.plane == item.plane)
                    .cloned()
                    .collect();
                let target = Target::name(item.label(), item.scope.as_deref());
                let a = super::resolve(&mine, &target, &[Status::Active])?;
                self.deactivate(&Target::key(a.key)).await
            }
        });
        let results = futures::future::join_all(runs).await;
        Ok(b.items
            .iter()
            .zip(results)
            .map(|(item, r)| match r {
                Ok(done) => BundleResult {
                    label: item.label(),
                    key: Some(done.assignment.key),
                    outcome: Some(done.outcome),
                    error: None,
                },
                Err(e) => BundleResult {
                    label: item.label(),
                    key: None,
                    outcome: None,
                    error: Some((&e).into()),
                },
            })
            .collect())
    }

    /// The tray's Bundles submenu: the bundle with what it saved, one summary notice.
    pub(crate) async fn bundle_from_tray(
        self: &Arc<Self>,
        name: &str,
        on: bool,
    ) -> Result<(), Error> {
        let results = if on {
            self.activate_bundle(name, &Input::default()).await?
        } else {
            self.deactivate_bundle(name).await?
        };
        let failed: Vec<String> = results
            .iter()
            .filter_map(|r| {
                r.error
                    .as_ref()
                    .map(|e| format!("{}: {}", r.label, e.message))
            })
            .collect();
        let done = results.len() - failed.len();
        let verb = if on { "activated" } else { "deactivated" };
        let title = format!("{name}: {done} of {} {verb}", results.len());
        let body = if failed.is_empty() {
            "Every member is done.".to_string()
        } else {
            failed.join("\n")
        };
        let offer = if failed.is_empty() {
            crate::notice::Offer::Nothing
        } else {
            crate::notice::Offer::Handle
        };
        self.shell.notify(
            crate::notice::Notice::new(crate::notice::NoticeKind::Bundle, title, body)
                .offering(offer),
        );
        Ok(())
    }

    /// The members of the bundles marked `autostart`, as favorites with what the bundle
    /// saved: "favorites at start" activates them with the favorites (what needs a person
    /// is listed, never sent).
    pub(super) async fn autostart_bundles(self: &Arc<Self>) -> Vec<crate::store::Favorite> {
        let bundles: Vec<Bundle> = self.bundles().into_iter().filter(|b| b.autostart).collect();
        if bundles.is_empty() {
            return vec![];
        }
        let Ok(all) = self.lookup().await else {
            return vec![];
        };
        let mut out: Vec<crate::store::Favorite> = vec![];
        for b in &bundles {
            for item in &b.items {
                let Ok(a) = self.member(&all, item) else {
                    tracing::warn!("bundle {}: {} is not eligible now", b.name, item.label());
                    continue;
                };
                if out.iter().any(|f| f.key == a.key) {
                    continue;
                }
                out.push(crate::store::Favorite {
                    key: a.key.clone(),
                    label: format!("{} ({})", super::favorite_label(&a), b.name),
                    justification: b.justification.clone(),
                    ticket_number: b.ticket.clone(),
                    ticket_system: None,
                    duration: b.duration.clone(),
                });
            }
        }
        out
    }
}
