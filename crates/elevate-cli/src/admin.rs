//! `elevatectl assign` and `remove`: thin adapters over the service's admin use cases
//! (which resolve the user and the role, check the policy's admin rules and send once).

use std::sync::Arc;

use elevate_core::admin::{Kind, Span};
use elevate_core::model::Access;
use elevate_core::service::{AdminDone, AssignInput};
use elevate_core::{Elevate, Error};

use crate::args::{AccessArg, AdminArgs};
use crate::output::{self, OK};

fn input(who: &AdminArgs, span: Option<Span>) -> AssignInput {
    AssignInput {
        user: who.user.clone(),
        role: who.role.clone(),
        plane: who.plane.map(|p| p.plane()),
        scope: who.scope.clone(),
        access: who.access.map(|a| match a {
            AccessArg::Member => Access::Member,
            AccessArg::Owner => Access::Owner,
        }),
        kind: if who.active {
            Kind::Active
        } else {
            Kind::Eligible
        },
        span,
        justification: who.justification.clone(),
    }
}

fn span(
    e: &Elevate,
    duration: Option<String>,
    until: Option<String>,
    permanent: bool,
) -> Result<Option<Span>, Error> {
    if permanent {
        return Ok(Some(Span::Permanent));
    }
    if let Some(d) = duration {
        return Ok(Some(Span::For(match crate::audit::days(&d) {
            Some(days) => days,
            None => elevate_core::policy::parse_duration(d.trim())?,
        })));
    }
    if let Some(u) = until {
        let at = crate::audit::since(&u, e.clock().now()).map_err(|_| {
            Error::InvalidInput(format!(
                "--until '{u}': write a date (2027-06-01) or an RFC 3339 time"
            ))
        })?;
        return Ok(Some(Span::Until(at)));
    }
    Ok(None)
}

fn print(done: &AdminDone, json: bool) {
    if output::wants_data(json) {
        output::print_data(done);
        return;
    }
    let who = done
        .user
        .user_principal_name
        .as_deref()
        .unwrap_or(&done.user.display_name);
    let what = if done.removed { "removed from" } else { "made" };
    let kind = done.kind.word();
    let reconciled = if done.outcome.reconciled {
        " (confirmed after a lost answer)"
    } else {
        ""
    };
    if done.removed {
        output::say(format!(
            "{who}: {kind} {} at {} {what} ({}){reconciled}.",
            done.role, done.scope.display_name, done.outcome.status
        ));
    } else {
        output::say(format!(
            "{who} {what} {kind} for {} at {} ({}){reconciled}.",
            done.role, done.scope.display_name, done.outcome.status
        ));
    }
}

pub async fn assign(
    e: &Arc<Elevate>,
    who: AdminArgs,
    duration: Option<String>,
    until: Option<String>,
    permanent: bool,
) -> Result<u8, Error> {
    let span = span(e, duration, until, permanent)?;
    let done = e.assign(&input(&who, span)).await?;
    print(&done, who.json);
    Ok(OK)
}

pub async fn remove(e: &Arc<Elevate>, who: AdminArgs) -> Result<u8, Error> {
    let done = e.remove(&input(&who, None)).await?;
    print(&done, who.json);
    Ok(OK)
}
