//! What an AI agent may do (over `elevatectl mcp`), bounded: an activation needs a
//! justification the agent wrote itself (no default is filled in), only roles the config's
//! `[mcp] allow` list names, and never a role needing an approver or a step-up sign-in unless
//! the config opts in, nor a Tier 0 role unless `[mcp] allow_tier0`. Refused before anything
//! is sent, with the rule and the setting named.
//! The organisation's policy comes first: MCP turned off, or its own allow list.

use std::sync::Arc;

use super::{resolve, Done, Elevate, Input, Target};
use crate::error::Error;
use crate::model::{Assignment, Status};

fn refuse(rule: &str, message: String) -> Error {
    Error::PolicyRefused {
        rule: rule.into(),
        message,
    }
}

/// Whether the config's allow list names `a` (by role or group name, or its label).
fn allowed(allow: &[String], a: &Assignment) -> bool {
    allow.is_empty()
        || allow.iter().any(|name| {
            let name = name.trim();
            name.eq_ignore_ascii_case(&a.name) || name.eq_ignore_ascii_case(&a.label())
        })
}

impl Elevate {
    /// An agent's activation: the bounds above, then the ordinary use case.
    pub async fn activate_for_agent(
        self: &Arc<Self>,
        target: &Target,
        input: &Input,
    ) -> Result<Done, Error> {
        if input
            .justification
            .as_deref()
            .is_none_or(|j| j.trim().is_empty())
        {
            return Err(refuse(
                "AgentJustification",
                "An AI agent must give its own justification (the configured default is not used over MCP): say why the access is needed.".into(),
            ));
        }
        self.managed.check_mcp()?;
        input.check()?;
        let rules = self.config().mcp;
        let all = self.lookup().await?;
        let mut a = resolve(
            &all,
            target,
            &[Status::Eligible, Status::Active, Status::PendingApproval],
        )?;
        self.check_agent_allowed(&rules.allow, &a)?;
        if a.policy.is_none() && a.status == Status::Eligible {
            a.policy = Some(self.pim.policy(&a).await?);
        }
        if let Some(p) = &a.policy {
            if p.approval && !rules.allow_approval {
                return Err(refuse("AgentApproval", format!(
                    "{} needs an approver; an AI agent may not send such requests unless the config says `[mcp] allow_approval = true`. Activate it yourself (Elevate or elevatectl).",
                    a.label()
                )));
            }
            if let Some(c) = p.auth_context.as_deref().filter(|_| !rules.allow_step_up) {
                return Err(refuse("AgentStepUp", format!(
                    "{} needs a fresh sign-in (authentication context {c}); an AI agent may not start one unless the config says `[mcp] allow_step_up = true`. Activate it yourself.",
                    a.label()
                )));
            }
        }
        let tier = crate::tier::tier_of(&a, &self.config().tiers);
        if tier == crate::tier::Tier::Tier0 && !rules.allow_tier0 {
            return Err(refuse("AgentTier0", format!(
                "{} is Tier 0 (it can take over the tenant); an AI agent may not activate it unless the config says `[mcp] allow_tier0 = true`. Activate it yourself.",
                a.label()
            )));
        }
        // The config's `allow_tier0` is the user's confirmation, given ahead.
        let confirmation = super::Confirmation::given(rules.allow_tier0);
        // Its watch (in the tray) runs only the after-activation commands that allow agents.
        self.mark_agent(&a.key);
        let done = self
            .activate_confirmed(&Target::key(a.key.clone()), input, confirmation)
            .await;
        let followed = done.as_ref().is_ok_and(|d| {
            use crate::pim::RequestState as S;
            matches!(
                d.outcome.state,
                S::Active | S::Provisioning | S::PendingApproval
            )
        });
        if !followed {
            super::lock(&self.live).by_agent.remove(&a.key);
        }
        done
    }

    /// An agent's deactivation: only what the allow list names.
    pub async fn deactivate_for_agent(self: &Arc<Self>, target: &Target) -> Result<Done, Error> {
        self.managed.check_mcp()?;
        let all = self.lookup().await?;
        let a = resolve(&all, target, &[Status::Active])?;
        self.check_agent_allowed(&self.config().mcp.allow, &a)?;
        self.deactivate(&Target::key(a.key.clone())).await
    }

    pub(super) fn check_agent_allowed(
        &self,
        allow: &[String],
        a: &Assignment,
    ) -> Result<(), Error> {
        if !self.managed.mcp_allows(&a.name, &a.label()) {
            return Err(refuse(
                "managed.mcp_allow",
                format!(
                    "{} is not among the roles an AI agent may activate or deactivate, {}; do it yourself.",
                    a.label(),
                    self.managed.by_organisation()
                ),
            ));
        }
        if allowed(allow, a) {
            return Ok(());
        }
        Err(refuse("AgentAllowList", format!(
            "{} is not in the roles an AI agent may activate or deactivate (`[mcp] allow` in {}); add it there, or do it yourself.",
            a.label(),
            self.config_path
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "the config file".into())
        )))
    }

    /// An agent's approve or deny: only when the user's config allows agents to decide
    /// (`[approvals] allow_mcp_decisions`), always with the agent's own justification.
    pub async fn decide_for_agent(
        self: &Arc<Self>,
        id: &str,
        verdict: crate::approval::Verdict,
        justification: Option<&str>,
    ) -> Result<crate::approval::Decided, Error> {
        self.managed.check_mcp()?;
        if !self.config().approvals.allow_mcp_decisions {
            return Err(Error::PolicyRefused {
                rule: "mcp.approvals".into(),
                message: "Deciding approvals over MCP is off: the user can turn it on with `allow_mcp_decisions = true` under [approvals] in the config, or decide in Elevate or with `elevatectl approvals`.".into(),
            });
        }
        let j = justification.map(str::trim).unwrap_or("");
        if j.is_empty() {
            return Err(Error::PolicyRefused {
                rule: "mcp.justification".into(),
                message: "An agent's decision needs a justification in its own words.".into(),
            });
        }
        self.decide(id, verdict, Some(j)).await
    }
}
