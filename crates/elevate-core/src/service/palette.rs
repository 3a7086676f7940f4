//! The command palette's use cases: its items (from the current view, with tiers and
//! frecency) and running Enter, Shift+Enter or Del on one through the ordinary activate,
//! extend and deactivate use cases. A request held back by a rule the user can meet (the
//! policy's justification or ticket, the Tier 0 confirmation) comes back as the fields to ask
//! for, found by the planner itself, not by rules written again here.

use std::sync::Arc;

use super::{Confirmation, Elevate, Input, Target, TIER0_RULE};
use crate::error::Error;
use crate::model::Status;
use crate::palette::{PaletteAction, PaletteField, PaletteItem, PaletteOutcome, PaletteRequest};

/// The planner's rules whose refusal the palette turns into a field to fill.
const JUSTIFICATION_RULE: &str = "JustificationRule";
const TICKET_RULE: &str = "TicketingRule";
/// What stands in for a missing justification while the other missing fields are found: it
/// passes the built-in vague list, so a user's rule does not hide a missing ticket.
const STAND_IN: &str = "(the justification to ask for)";

impl Elevate {
    /// What the palette lists: the current view's assignments, recent and frequent first.
    pub async fn palette_items(self: &Arc<Self>) -> Vec<PaletteItem> {
        let view = match self.cached() {
            Some(v) => v,
            None => self.refresh().await,
        };
        crate::palette::items(&view)
    }

    /// Runs the palette's request; see the module's comment for what comes back.
    pub async fn palette_run(
        self: &Arc<Self>,
        req: &PaletteRequest,
    ) -> Result<PaletteOutcome, Error> {
        let target = Target::key(req.id.clone());
        let done = match req.action {
            PaletteAction::Activate => {
                let input = Input {
                    justification: req.justification.clone(),
                    ticket_number: req.ticket_number.clone(),
                    duration: req.duration.clone(),
                    ..Input::default()
                };
                let confirmation = Confirmation::given(req.confirm_tier0);
                match self.activate_confirmed(&target, &input, confirmation).await {
                    Err(Error::PolicyRefused { rule, message })
                        if [JUSTIFICATION_RULE, TICKET_RULE, TIER0_RULE]
                            .contains(&rule.as_str()) =>
                    {
                        let needs = self.palette_needs(&target, &input, confirmation).await?;
                        return Ok(PaletteOutcome {
                            state: None,
                            needs,
                            message,
                        });
                    }
                    other => other?,
                }
            }
            PaletteAction::Extend => self.extend(&target).await?,
            PaletteAction::Deactivate => self.deactivate(&target).await?,
        };
        Ok(PaletteOutcome {
            state: Some(done.outcome.state),
            needs: vec![],
            message: done.assignment.label(),
        })
    }

    /// Every field the request lacks: the Tier 0 confirmation, then what the planner refuses
    /// (asked again with each missing field stood in for, until it plans).
    async fn palette_needs(
        self: &Arc<Self>,
        target: &Target,
        input: &Input,
        confirmation: Confirmation,
    ) -> Result<Vec<PaletteField>, Error> {
        let all = self.lookup().await?;
        let a = super::resolve(&all, target, &[Status::Eligible])?;
        let mut needs = vec![];
        if self.check_tier(&a, confirmation).is_err() {
            needs.push(PaletteField::ConfirmTier0);
        }
        let defaults = self.config().defaults;
        let mut trial = input.with_favorite(self.favorite(&a.key).as_ref())?;
        for _ in 0..2 {
            match self.pim.plan(&a, &trial, &defaults).await {
                Err(Error::PolicyRefused { rule, .. }) if rule == JUSTIFICATION_RULE => {
                    needs.push(PaletteField::Justification);
                    trial.justification = Some(STAND_IN.into());
                }
                Err(Error::PolicyRefused { rule, .. }) if rule == TICKET_RULE => {
                    needs.push(PaletteField::Ticket);
                    trial.ticket_number = Some("-".into());
                }
                _ => break,
            }
        }
        Ok(needs)
    }
}
