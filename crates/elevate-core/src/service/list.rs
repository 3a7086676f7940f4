//! Reading the tenant: the assignments as `list` shows them (Azure policies looked up,
//! active and pending first), one assignment's policy, and following a request until it is
//! active or decided (`elevatectl activate --wait`).

use std::sync::Arc;
use std::time::Duration;

use super::{resolve, Elevate, Target};
use crate::error::{Error, ServiceError};
use crate::model::{Assignment, Plane, PolicySummary, Status};

/// Which assignments to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Filter {
    pub eligible_only: bool,
    pub active_only: bool,
    pub plane: Option<Plane>,
}

/// Where a followed request stands, for a progress line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    ForApproval,
    Activating,
}

/// How following a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Followed {
    Active,
    /// Still pending when the time ran out.
    StillPending,
}

impl Elevate {
    /// The assignments, filtered and sorted, with every policy known.
    pub async fn assignments(self: &Arc<Self>, filter: Filter) -> Result<Vec<Assignment>, Error> {
        let mut all = self.lookup().await?;
        // Azure policies come per role and scope: look them up for the listed ones.
        let azure: Vec<usize> = all
            .iter()
            .enumerate()
            .filter(|(_, a)| a.plane == Plane::AzureResource && a.policy.is_none())
            .filter(|(_, a)| filter.plane.is_none_or(|p| p == a.plane))
            .map(|(i, _)| i)
            .collect();
        let policies =
            futures::future::join_all(azure.iter().map(|i| self.pim.policy(&all[*i]))).await;
        for (i, p) in azure.into_iter().zip(policies) {
            all[i].policy = p.ok();
        }
        let mut shown: Vec<Assignment> = all
            .into_iter()
            .filter(|a| filter.plane.is_none_or(|p| a.plane == p))
            .filter(|a| {
                if filter.eligible_only {
                    a.status == Status::Eligible
                } else if filter.active_only {
                    a.status == Status::Active
                } else {
                    true
                }
            })
            .collect();
        shown.sort_by_key(|a| {
            (
                match a.status {
                    Status::Active => 0,
                    Status::PendingApproval | Status::Scheduled => 1,
                    Status::Eligible => 2,
                },
                a.plane,
                a.label().to_lowercase(),
            )
        });
        Ok(shown)
    }

    /// What an assignment's policy requires.
    pub async fn policy(
        self: &Arc<Self>,
        target: &Target,
    ) -> Result<(Assignment, PolicySummary), Error> {
        let all = self.lookup().await?;
        let a = resolve(&all, target, &[Status::Eligible, Status::Active])?;
        let p = self.pim.policy(&a).await?;
        Ok((a, p))
    }

    /// Polls with a growing pause until `a` is active, its request is decided otherwise (an
    /// error), or `timeout` passes. `progress` is told what it is waiting for.
    pub async fn wait_active(
        self: &Arc<Self>,
        a: &Assignment,
        timeout: Duration,
        progress: impl Fn(Waiting, Duration),
    ) -> Result<Followed, Error> {
        let started = tokio::time::Instant::now();
        let mut pause = Duration::from_secs(2);
        loop {
            let snap = self.refresh().await.snapshot;
            let has = |s: Status| {
                snap.assignments
                    .iter()
                    .any(|x| x.key == a.key && x.status == s)
            };
            if has(Status::Active) {
                return Ok(Followed::Active);
            }
            let pending = has(Status::PendingApproval);
            if !pending && snap.failures.is_empty() && started.elapsed() > Duration::from_secs(5) {
                return Err(Error::Service(Box::new(ServiceError {
                    plane: Some(a.plane),
                    status: 200,
                    code: "RequestDenied".into(),
                    message: format!("The request for {} is no longer pending and did not become active (denied, cancelled or expired).", a.label()),
                    rules: vec![],
                    request_id: None,
                    claims: None,
                    explained: false,
                })));
            }
            if started.elapsed() >= timeout {
                return Ok(Followed::StillPending);
            }
            progress(
                if pending {
                    Waiting::ForApproval
                } else {
                    Waiting::Activating
                },
                started.elapsed(),
            );
            tokio::time::sleep(pause.min(timeout.saturating_sub(started.elapsed()))).await;
            pause = (pause * 3 / 2).min(Duration::from_secs(30));
        }
    }

    /// Role definitions of `planes` (all when empty); a plane that fails is reported alone.
    pub async fn role_definitions(
        &self,
        planes: &[Plane],
    ) -> (
        Vec<crate::pim::RoleDefinition>,
        Vec<crate::model::PlaneFailure>,
    ) {
        let planes = if planes.is_empty() {
            &Plane::ALL[..]
        } else {
            planes
        };
        let mut out = vec![];
        let mut failures = vec![];
        for p in planes {
            match self.pim.role_definitions(*p).await {
                Ok(d) => out.extend(d),
                Err(e) => failures.push(crate::model::PlaneFailure {
                    plane: *p,
                    error: (&e).into(),
                }),
            }
        }
        (out, failures)
    }
}
