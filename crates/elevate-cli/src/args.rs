//! The command line: arguments and the commands, each a few lines over elevate-core.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use chrono::Utc;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use elevate_core::model::{Assignment, Plane, Status};
use elevate_core::pim::{RequestOutcome, RequestState};
use elevate_core::planner::ActivationInput;
use elevate_core::store::{Favorite, HistoryRecord};
use elevate_core::Error;
use serde_json::json;

use crate::context::Context;
use crate::output::{self, OK, PENDING, POLICY, SERVICE};

#[derive(Parser)]
#[command(
    name = "elevatectl",
    version,
    about = "Just-in-time privileged access for Microsoft Entra: Entra roles, PIM for Groups and Azure resource roles"
)]
pub struct Cli {
    /// Show Microsoft error codes and request ids.
    #[arg(long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum PlaneArg {
    Entra,
    Group,
    Azure,
}

impl PlaneArg {
    fn plane(self) -> Plane {
        match self {
            PlaneArg::Entra => Plane::EntraRole,
            PlaneArg::Group => Plane::Group,
            PlaneArg::Azure => Plane::AzureResource,
        }
    }
}

#[derive(Args, Clone, Default)]
pub struct ActivationArgs {
    /// Why you need access (else the favorite's or the configured default).
    #[arg(long, short)]
    pub justification: Option<String>,
    /// Ticket number, when the policy asks for one.
    #[arg(long)]
    pub ticket: Option<String>,
    /// Ticket system (e.g. ServiceNow).
    #[arg(long)]
    pub ticket_system: Option<String>,
    /// 90m, 2h, 1h30m or ISO-8601 (PT2H); default: the lower of your default and the policy maximum.
    #[arg(long, short)]
    pub duration: Option<String>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Sign in (system browser, or --device-code).
    Login {
        #[arg(long)]
        device_code: bool,
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Sign out and remove this account's tokens from the secret store.
    Logout,
    /// Who is signed in.
    Whoami {
        #[arg(long)]
        json: bool,
    },
    /// Eligible, active and pending assignments of the three planes.
    List {
        #[arg(long, conflicts_with = "active")]
        eligible: bool,
        #[arg(long)]
        active: bool,
        #[arg(long, value_enum)]
        plane: Option<PlaneArg>,
        #[arg(long)]
        json: bool,
    },
    /// Activate an eligible assignment by name or id.
    Activate {
        name: String,
        /// Scope id or display name, when the name matches several.
        #[arg(long)]
        scope: Option<String>,
        #[command(flatten)]
        input: ActivationArgs,
        /// Follow approval or provisioning until the assignment is active.
        #[arg(long)]
        wait: bool,
        /// How long --wait waits: 90m, 10m...
        #[arg(long, default_value = "15m")]
        timeout: String,
        #[arg(long)]
        json: bool,
    },
    /// Deactivate an active assignment.
    Deactivate {
        name: String,
        #[arg(long)]
        scope: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Cancel a pending request by its id.
    Cancel { request_id: String },
    /// What an assignment's policy requires.
    Policy {
        name: String,
        #[arg(long)]
        scope: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The activation history.
    History {
        /// Check the hash chain: any edit shows.
        #[arg(long)]
        verify: bool,
        #[arg(long)]
        json: bool,
    },
    /// Favorites: saved justification, ticket and duration, one command to activate them all.
    Favorites {
        #[command(subcommand)]
        action: FavoritesCommand,
    },
    /// Serve MCP over stdio for AI clients.
    Mcp,
    /// Shell completions.
    Completions { shell: clap_complete::Shell },
}

#[derive(Subcommand)]
pub enum FavoritesCommand {
    List {
        #[arg(long)]
        json: bool,
    },
    Add {
        name: String,
        #[arg(long)]
        scope: Option<String>,
        #[command(flatten)]
        input: ActivationArgs,
    },
    Remove {
        name: String,
        #[arg(long)]
        scope: Option<String>,
    },
    /// Activates every favorite that is not already active or pending.
    Activate {
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cli: Cli) -> Result<u8, Error> {
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(
            shell,
            &mut Cli::command(),
            "elevatectl",
            &mut std::io::stdout(),
        );
        return Ok(OK);
    }
    let tenant = match &cli.command {
        Command::Login { tenant, .. } => tenant.clone(),
        _ => None,
    };
    let ctx = Context::new(tenant.as_deref())?;
    for n in &ctx.notices {
        eprintln!("elevatectl: note: {n}");
    }
    match cli.command {
        Command::Login { device_code, .. } => login(&ctx, device_code).await,
        Command::Logout => {
            let who = ctx.pim.session().identity();
            ctx.pim.session().sign_out().await?;
            match who {
                Some(w) => eprintln!(
                    "Signed out {}; its tokens were removed from the {}.",
                    w.username,
                    ctx.store.describe()
                ),
                None => eprintln!("Nobody was signed in."),
            }
            Ok(OK)
        }
        Command::Whoami { json } => {
            let id = ctx
                .pim
                .session()
                .identity()
                .ok_or_else(|| Error::SignInRequired("You are not signed in.".into()))?;
            if json {
                println!(
                    "{}",
                    json!({"username": id.username, "name": id.name, "objectId": id.object_id, "tenantId": id.tenant_id, "secretStore": ctx.store.describe()})
                );
            } else {
                println!("{} ({}) in tenant {}", id.name, id.username, id.tenant_id);
            }
            Ok(OK)
        }
        Command::List {
            eligible,
            active,
            plane,
            json,
        } => list(&ctx, eligible, active, plane, json).await,
        Command::Activate {
            name,
            scope,
            input,
            wait,
            timeout,
            json,
        } => activate(&ctx, &name, scope.as_deref(), &input, wait, &timeout, json).await,
        Command::Deactivate { name, scope, json } => {
            let (a, out) = deactivate_named(&ctx, &name, scope.as_deref()).await?;
            print_outcome(&a, &out, json);
            Ok(OK)
        }
        Command::Cancel { request_id } => {
            let snap = snapshot(&ctx).await?;
            let a = snap.into_iter().find(|a| a.status == Status::PendingApproval && a.request_id.as_deref().is_some_and(|r| r.eq_ignore_ascii_case(&request_id)))
                .ok_or_else(|| Error::InvalidInput(format!("No pending request {request_id}: `elevatectl list` shows pending requests and their ids.")))?;
            let out = ctx.pim.cancel(&a).await;
            record(&ctx, "cancel", &a, &out, None);
            out?;
            eprintln!("Cancelled the request for {}.", a.label());
            Ok(OK)
        }
        Command::Policy { name, scope, json } => {
            let snap = snapshot(&ctx).await?;
            let a = resolve(
                &snap,
                &name,
                scope.as_deref(),
                &[Status::Eligible, Status::Active],
            )?;
            let p = ctx.pim.policy(&a).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&p).unwrap_or_default());
            } else {
                let mut with = a.clone();
                with.policy = Some(p);
                println!(
                    "{} at {}: {}",
                    a.label(),
                    a.scope.display_name,
                    output::policy_badges(&with)
                );
            }
            Ok(OK)
        }
        Command::History { verify, json } => history(&ctx, verify, json),
        Command::Favorites { action } => favorites(&ctx, action).await,
        Command::Mcp => crate::mcp::serve(ctx).await,
        Command::Completions { .. } => Ok(OK),
    }
}

async fn login(ctx: &Context, device_code: bool) -> Result<u8, Error> {
    let session = ctx.pim.session();
    if device_code {
        let id = session
            .sign_in_device(|p| {
                eprintln!(
                    "To sign in, open {} and enter the code {} (it expires in {} minutes).",
                    p.verification_uri,
                    p.user_code,
                    p.expires_in_secs / 60
                )
            })
            .await?;
        eprintln!("Signed in as {} ({}).", id.username, id.tenant_id);
        // The Azure plane uses the same refresh token when the client is the same.
        if let Err(e) = session.token(elevate_core::auth::Resource::Arm, None).await {
            eprintln!("elevatectl: note: {e}");
        }
    } else {
        eprintln!("Opening your browser to sign in…");
        let (id, problems) = session.sign_in(None).await?;
        eprintln!("Signed in as {} ({}).", id.username, id.tenant_id);
        for p in problems {
            eprintln!("elevatectl: note: {p}");
        }
    }
    if !ctx.store.persistent() {
        eprintln!("elevatectl: note: tokens are kept in memory only; this sign-in ends with this command.");
    }
    Ok(OK)
}

async fn snapshot(ctx: &Context) -> Result<Vec<Assignment>, Error> {
    if ctx.pim.session().identity().is_none() {
        return Err(Error::SignInRequired("You are not signed in.".into()));
    }
    let snap = ctx.pim.refresh().await;
    if snap.assignments.is_empty() {
        if let Some(f) = snap.failures.first() {
            return Err(match f.error.code.as_str() {
                "signInRequired" => Error::SignInRequired(f.error.message.clone()),
                _ => Error::Network(f.error.message.clone()),
            });
        }
    }
    for f in &snap.failures {
        eprintln!(
            "elevatectl: note: {} unavailable: {}",
            f.plane.label(),
            f.error.message
        );
    }
    Ok(snap.assignments)
}

/// Case-insensitive match on name, "Group (owner)", id or key; several matches need --scope.
pub fn resolve(
    all: &[Assignment],
    query: &str,
    scope: Option<&str>,
    statuses: &[Status],
) -> Result<Assignment, Error> {
    let q = query.trim().to_ascii_lowercase();
    let mut hits: Vec<&Assignment> = all
        .iter()
        .filter(|a| statuses.contains(&a.status))
        .filter(|a| {
            a.name.to_ascii_lowercase() == q
                || a.label().to_ascii_lowercase() == q
                || a.id.to_ascii_lowercase() == q
                || a.key.to_ascii_lowercase() == q
        })
        .collect();
    if let Some(s) = scope {
        let s = s.to_ascii_lowercase();
        hits.retain(|a| {
            a.scope.id.to_ascii_lowercase() == s || a.scope.display_name.to_ascii_lowercase() == s
        });
    }
    // The eligible and the active form of one assignment are one match.
    hits.sort_by_key(|a| statuses.iter().position(|s| *s == a.status));
    let mut seen = std::collections::HashSet::new();
    hits.retain(|a| seen.insert(a.key.clone()));
    match hits.as_slice() {
        [one] => Ok((*one).clone()),
        [] => {
            let what: Vec<&str> = statuses
                .iter()
                .map(|s| match s {
                    Status::Eligible => "eligible",
                    Status::Active => "active",
                    Status::PendingApproval => "pending",
                })
                .collect();
            Err(Error::InvalidInput(format!(
                "No {} assignment matches '{query}'{}. `elevatectl list` shows what you have.",
                what.join(" or "),
                scope
                    .map(|s| format!(" at scope '{s}'"))
                    .unwrap_or_default()
            )))
        }
        many => {
            let list: Vec<String> = many
                .iter()
                .map(|a| {
                    format!(
                        "  {}  at {}  (--scope \"{}\")",
                        a.label(),
                        a.scope.display_name,
                        a.scope.id
                    )
                })
                .collect();
            Err(Error::InvalidInput(format!(
                "'{query}' matches {} assignments; add --scope with one of:\n{}",
                many.len(),
                list.join("\n")
            )))
        }
    }
}

fn input(args: &ActivationArgs, fav: Option<&Favorite>) -> Result<ActivationInput, Error> {
    let duration = args
        .duration
        .clone()
        .or_else(|| fav.and_then(|f| f.duration.clone()));
    Ok(ActivationInput {
        justification: args
            .justification
            .clone()
            .or_else(|| fav.and_then(|f| f.justification.clone())),
        ticket_number: args
            .ticket
            .clone()
            .or_else(|| fav.and_then(|f| f.ticket_number.clone())),
        ticket_system: args
            .ticket_system
            .clone()
            .or_else(|| fav.and_then(|f| f.ticket_system.clone())),
        duration: duration
            .map(|d| elevate_core::policy::parse_duration(&d))
            .transpose()?,
        start: None,
    })
}

/// Assignments as `list` shows them, Azure policies looked up, active and pending first.
pub async fn assignments(
    ctx: &Context,
    eligible: bool,
    active: bool,
    plane: Option<Plane>,
) -> Result<Vec<Assignment>, Error> {
    let mut all = snapshot(ctx).await?;
    // Azure policies come per role and scope: look them up for the listed ones.
    let azure: Vec<usize> = all
        .iter()
        .enumerate()
        .filter(|(_, a)| a.plane == Plane::AzureResource && a.policy.is_none())
        .map(|(i, _)| i)
        .collect();
    let policies = futures::future::join_all(azure.iter().map(|i| ctx.pim.policy(&all[*i]))).await;
    for (i, p) in azure.into_iter().zip(policies) {
        all[i].policy = p.ok();
    }
    let mut shown: Vec<Assignment> = all
        .into_iter()
        .filter(|a| plane.is_none_or(|p| a.plane == p))
        .filter(|a| {
            if eligible {
                a.status == Status::Eligible
            } else if active {
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
                Status::PendingApproval => 1,
                Status::Eligible => 2,
            },
            a.plane,
            a.label().to_ascii_lowercase(),
        )
    });
    Ok(shown)
}

async fn list(
    ctx: &Context,
    eligible: bool,
    active: bool,
    plane: Option<PlaneArg>,
    json: bool,
) -> Result<u8, Error> {
    let owned = assignments(ctx, eligible, active, plane.map(PlaneArg::plane)).await?;
    let shown: Vec<&Assignment> = owned.iter().collect();
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&shown).unwrap_or_default()
        );
    } else if shown.is_empty() {
        println!("Nothing to show.");
    } else {
        println!("{}", output::table(&shown, Utc::now()));
    }
    Ok(OK)
}

fn print_outcome(a: &Assignment, out: &RequestOutcome, json: bool) {
    if json {
        println!("{}", outcome_json(a, out));
        return;
    }
    let what = match out.state {
        RequestState::Active => "is active".to_string(),
        RequestState::Provisioning => "was granted and is being provisioned".to_string(),
        RequestState::Scheduled => "is scheduled".to_string(),
        RequestState::PendingApproval => format!(
            "waits for approval (request {})",
            out.request_id.as_deref().unwrap_or("-")
        ),
        RequestState::Revoked => "was deactivated".to_string(),
        RequestState::Canceled => "was cancelled".to_string(),
    };
    eprintln!("{} at {} {what}.", a.label(), a.scope.display_name);
}

fn record(
    ctx: &Context,
    action: &str,
    a: &Assignment,
    out: &Result<RequestOutcome, Error>,
    duration: Option<String>,
) {
    let outcome = match out {
        Ok(o) => serde_json::to_value(o.state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        Err(e) => e.code().to_string(),
    };
    append(
        ctx,
        action,
        &a.key,
        &a.label(),
        &outcome,
        out.as_ref().ok().and_then(|o| o.request_id.clone()),
        duration,
        out.as_ref().err().map(|e| e.to_string()),
    );
}

fn history_of(
    ctx: &Context,
    r: &elevate_core::favorites::FavoriteOutcome,
    outcome: &str,
    request_id: Option<String>,
    error: Option<String>,
) {
    append(
        ctx, "activate", &r.key, &r.label, outcome, request_id, None, error,
    );
}

/// Appends one record; a history that cannot be written is a note, not a failure.
#[allow(clippy::too_many_arguments)]
fn append(
    ctx: &Context,
    action: &str,
    key: &str,
    label: &str,
    outcome: &str,
    request_id: Option<String>,
    duration: Option<String>,
    error: Option<String>,
) {
    let rec = HistoryRecord {
        time: Utc::now(),
        action: action.into(),
        key: key.into(),
        label: label.into(),
        outcome: outcome.into(),
        request_id,
        justification: None,
        duration,
        error,
        prev: String::new(),
    };
    if let Err(e) = ctx.data.append_history(rec) {
        eprintln!("elevatectl: note: the history could not be written: {e}");
    }
}

#[allow(clippy::too_many_arguments)]
async fn activate(
    ctx: &Context,
    name: &str,
    scope: Option<&str>,
    args: &ActivationArgs,
    wait: bool,
    timeout: &str,
    json: bool,
) -> Result<u8, Error> {
    let timeout = elevate_core::policy::parse_duration(timeout)?
        .to_std()
        .unwrap_or(Duration::from_secs(900));
    let (a, out) = activate_named(ctx, name, scope, args).await?;
    print_outcome(&a, &out, json);
    match (out.state, wait) {
        (RequestState::Active | RequestState::Scheduled, _) => Ok(OK),
        (RequestState::PendingApproval, false) => Ok(PENDING),
        (RequestState::Provisioning, false) => Ok(OK),
        (RequestState::Revoked | RequestState::Canceled, _) => Ok(SERVICE),
        (RequestState::PendingApproval | RequestState::Provisioning, true) => {
            wait_active(ctx, &a, timeout).await
        }
    }
}

/// Resolves, plans (refusing before sending) and activates; records the history.
pub async fn activate_named(
    ctx: &Context,
    name: &str,
    scope: Option<&str>,
    args: &ActivationArgs,
) -> Result<(Assignment, RequestOutcome), Error> {
    let snap = snapshot(ctx).await?;
    let a = resolve(&snap, name, scope, &[Status::Eligible])?;
    if snap
        .iter()
        .any(|x| x.key == a.key && x.status == Status::Active)
    {
        return Err(Error::InvalidInput(format!(
            "{} at {} is already active.",
            a.label(),
            a.scope.display_name
        )));
    }
    let (favs, _) = ctx.data.load_favorites()?;
    let fav = favs.iter().find(|f| f.key == a.key);
    let plan = ctx
        .pim
        .plan(&a, &input(args, fav)?, &ctx.config.defaults)
        .await?;
    let out = ctx.pim.activate(&a, &plan).await;
    record(
        ctx,
        "activate",
        &a,
        &out,
        Some(elevate_core::policy::iso(plan.duration)),
    );
    Ok((a, out?))
}

/// Resolves an active assignment and deactivates it; records the history.
pub async fn deactivate_named(
    ctx: &Context,
    name: &str,
    scope: Option<&str>,
) -> Result<(Assignment, RequestOutcome), Error> {
    let snap = snapshot(ctx).await?;
    let a = resolve(&snap, name, scope, &[Status::Active])?;
    let out = ctx.pim.deactivate(&a).await;
    record(ctx, "deactivate", &a, &out, None);
    Ok((a, out?))
}

/// The JSON of an outcome, shared by `--json` and MCP.
pub fn outcome_json(a: &Assignment, out: &RequestOutcome) -> serde_json::Value {
    json!({"name": a.label(), "plane": a.plane, "scope": a.scope, "state": out.state, "status": out.status, "requestId": out.request_id, "reconciled": out.reconciled})
}

/// Polls (with backoff) until the assignment is active, the request is decided, or time runs out.
async fn wait_active(ctx: &Context, a: &Assignment, timeout: Duration) -> Result<u8, Error> {
    let started = Instant::now();
    let tty = std::io::stderr().is_terminal();
    let spinner = ['|', '/', '-', '\\'];
    let mut delay = Duration::from_secs(2);
    let mut tick = 0usize;
    loop {
        let snap = ctx.pim.refresh().await;
        if snap
            .assignments
            .iter()
            .any(|x| x.key == a.key && x.status == Status::Active)
        {
            if tty {
                eprint!("\r");
            }
            eprintln!("{} is active.", a.label());
            return Ok(OK);
        }
        let pending = snap
            .assignments
            .iter()
            .any(|x| x.key == a.key && x.status == Status::PendingApproval);
        if !pending && snap.failures.is_empty() && started.elapsed() > Duration::from_secs(5) {
            // Neither pending nor active: the request was denied or cancelled.
            return Err(Error::Service(Box::new(elevate_core::error::ServiceError {
                plane: Some(a.plane), status: 200, code: "RequestDenied".into(),
                message: format!("The request for {} is no longer pending and did not become active (denied, cancelled or expired).", a.label()),
                rules: vec![], request_id: None, claims: None,
            })));
        }
        if started.elapsed() >= timeout {
            eprintln!(
                "Still waiting after {} min; the request stays pending.",
                timeout.as_secs() / 60
            );
            return Ok(PENDING);
        }
        let state = if pending {
            "waiting for approval"
        } else {
            "activating"
        };
        if tty {
            eprint!(
                "\r{} {} ({}s)   ",
                spinner[tick % 4],
                state,
                started.elapsed().as_secs()
            );
        } else {
            eprintln!("{}: {state} ({}s)", a.label(), started.elapsed().as_secs());
        }
        tick += 1;
        tokio::time::sleep(delay.min(timeout.saturating_sub(started.elapsed()))).await;
        delay = (delay * 3 / 2).min(Duration::from_secs(30));
    }
}

fn history(ctx: &Context, verify: bool, json: bool) -> Result<u8, Error> {
    if verify {
        let v = ctx.data.verify_history()?;
        if json {
            println!("{}", serde_json::to_string(&v).unwrap_or_default());
        }
        return match v.first_bad_line {
            None => {
                if !json {
                    println!("The history's {} records are intact.", v.records);
                }
                Ok(OK)
            }
            Some(line) => {
                if !json {
                    println!("The history was edited: the chain breaks at line {line}.");
                }
                Ok(SERVICE)
            }
        };
    }
    let records = ctx.data.history()?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&records).unwrap_or_default()
        );
    } else {
        for r in records {
            println!(
                "{}  {:<10} {:<16} {}",
                r.time.format("%Y-%m-%d %H:%M"),
                r.action,
                r.outcome,
                r.label
            );
        }
    }
    Ok(OK)
}

async fn favorites(ctx: &Context, action: FavoritesCommand) -> Result<u8, Error> {
    match action {
        FavoritesCommand::List { json } => {
            let (favs, _) = ctx.data.load_favorites()?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&favs).unwrap_or_default()
                );
            } else if favs.is_empty() {
                println!("No favorites yet: elevatectl favorites add <name> --justification ...");
            } else {
                for f in favs {
                    println!(
                        "{}  {}",
                        f.label,
                        f.duration.as_deref().unwrap_or("default duration")
                    );
                }
            }
            Ok(OK)
        }
        FavoritesCommand::Add {
            name,
            scope,
            input: args,
        } => {
            let snap = snapshot(ctx).await?;
            let a = resolve(&snap, &name, scope.as_deref(), &[Status::Eligible])?;
            let duration = args
                .duration
                .as_deref()
                .map(elevate_core::policy::parse_duration)
                .transpose()?
                .map(elevate_core::policy::iso);
            let label = if a.plane == Plane::AzureResource {
                format!("{} on {}", a.label(), a.scope.display_name)
            } else {
                a.label()
            };
            ctx.data.upsert_favorite(Favorite {
                key: a.key.clone(),
                label: label.clone(),
                justification: args.justification,
                ticket_number: args.ticket,
                ticket_system: args.ticket_system,
                duration,
            })?;
            eprintln!("Added {label} to your favorites.");
            Ok(OK)
        }
        FavoritesCommand::Remove { name, scope } => {
            let (favs, _) = ctx.data.load_favorites()?;
            let q = name.to_ascii_lowercase();
            let hits: Vec<&Favorite> = favs
                .iter()
                .filter(|f| {
                    f.label.to_ascii_lowercase().starts_with(&q) || f.key.to_ascii_lowercase() == q
                })
                .filter(|f| {
                    scope.as_ref().is_none_or(|s| {
                        f.key
                            .to_ascii_lowercase()
                            .ends_with(&s.to_ascii_lowercase())
                            || f.label
                                .to_ascii_lowercase()
                                .contains(&s.to_ascii_lowercase())
                    })
                })
                .collect();
            match hits.as_slice() {
                [one] => {
                    ctx.data.remove_favorite(&one.key)?;
                    eprintln!("Removed {}.", one.label);
                    Ok(OK)
                }
                [] => Err(Error::InvalidInput(format!(
                    "No favorite matches '{name}'."
                ))),
                many => Err(Error::InvalidInput(format!(
                    "'{name}' matches several favorites: {}",
                    many.iter()
                        .map(|f| f.label.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))),
            }
        }
        FavoritesCommand::Activate { json } => {
            use elevate_core::favorites::{activate_favorites, FavoriteResult, Mode};
            let (favs, _) = ctx.data.load_favorites()?;
            let snap = ctx.pim.refresh().await;
            if favs.is_empty() {
                eprintln!("No favorites yet: elevatectl favorites add <name> --justification ...");
            }
            let results = activate_favorites(
                &ctx.pim,
                &favs,
                &snap,
                &ctx.config.defaults,
                Mode::Interactive,
            )
            .await;
            let mut worst = OK;
            for r in &results {
                let code = match &r.result {
                    FavoriteResult::Sent { state, request_id } => {
                        history_of(
                            ctx,
                            r,
                            &serde_json::to_value(state)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_string))
                                .unwrap_or_default(),
                            request_id.clone(),
                            None,
                        );
                        if *state == RequestState::PendingApproval {
                            PENDING
                        } else {
                            OK
                        }
                    }
                    FavoriteResult::AlreadyActive | FavoriteResult::AlreadyPending => OK,
                    FavoriteResult::NeedsYou { .. } => POLICY,
                    FavoriteResult::Unavailable { .. } => SERVICE,
                    FavoriteResult::Failed { error } => {
                        history_of(ctx, r, &error.code, None, Some(error.message.clone()));
                        output::exit_code_for(&error.code)
                    }
                };
                worst = worst.max(code);
            }
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&results).unwrap_or_default()
                );
            } else {
                for r in &results {
                    let what = match &r.result {
                        FavoriteResult::Sent { state, .. } => format!("{state:?}"),
                        FavoriteResult::AlreadyActive => "already active".into(),
                        FavoriteResult::AlreadyPending => "already pending approval".into(),
                        FavoriteResult::NeedsYou { reason } => format!("needs you: {reason}"),
                        FavoriteResult::Unavailable { reason } => format!("unavailable: {reason}"),
                        FavoriteResult::Failed { error } => format!("failed: {}", error.message),
                    };
                    println!("{}  {what}", r.label);
                }
            }
            Ok(worst)
        }
    }
}
