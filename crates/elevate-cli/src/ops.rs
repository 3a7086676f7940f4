//! What each elevatectl command does: a few lines over the service layer, then the output
//! (plain text for people, `--json` for scripts) and the exit code.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use clap::CommandFactory;
use elevate_core::favorites::{FavoriteResult, Mode};
use elevate_core::model::Assignment;
use elevate_core::pim::RequestState;
use elevate_core::service::{Env, Filter, Followed, Origin, Target, Waiting};
use elevate_core::{Elevate, Error};
use serde_json::json;

use crate::args::{AuthArg, Cli, Command, FavoritesCommand};
use crate::output::{self, OK, PENDING, POLICY, SERVICE};
use crate::terminal::TerminalShell;

/// Opens the service the way every command does, with the sign-in method `--auth` names
/// (given to the core as `ELEVATE_AUTH`).
pub fn open_with(tenant: Option<&str>, auth: Option<AuthArg>) -> Result<Arc<Elevate>, Error> {
    let mut env = Env::from_process()?;
    env.tenant = tenant.map(str::to_string);
    if let Some(auth) = auth {
        let inner = env.vars.clone();
        env.vars = Arc::new(move |k: &str| match k {
            "ELEVATE_AUTH" => Some(auth.name().to_string()),
            _ => inner(k),
        });
    }
    Elevate::open(env, Arc::new(TerminalShell))
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
    output::set_format(cli.output);
    let elevate = open_with(tenant.as_deref(), cli.auth)?;
    let e = &elevate;
    match cli.command {
        Command::Login { device_code, .. } => match e.session().method() {
            Some(_) => crate::signin::login_with_credential(e).await,
            None => login(e, device_code || cli.auth == Some(AuthArg::DeviceCode)).await,
        },
        Command::Logout => {
            match e.sign_out().await? {
                Some(w) => eprintln!(
                    "Signed out {}; its tokens were removed from the {}.",
                    w.username,
                    e.secret_store().describe()
                ),
                None => eprintln!("Nobody was signed in."),
            }
            Ok(OK)
        }
        Command::Whoami { json } => crate::signin::whoami(e, json).await,
        Command::List {
            eligible,
            active,
            plane,
            json,
        } => {
            let filter = Filter {
                eligible_only: eligible,
                active_only: active,
                plane: plane.map(|p| p.plane()),
            };
            let shown = e.assignments(filter).await?;
            if output::wants_data(json) {
                output::print_data(&shown);
            } else if shown.is_empty() {
                println!("Nothing to show.");
            } else {
                let refs: Vec<&Assignment> = shown.iter().collect();
                println!("{}", output::table(&refs, Utc::now()));
            }
            Ok(OK)
        }
        Command::Activate {
            name,
            scope,
            input,
            wait,
            extend,
            timeout,
            json,
            yes,
        } => {
            let timeout = elevate_core::policy::parse_duration(&timeout)?
                .to_std()
                .unwrap_or(Duration::from_secs(900));
            let target = Target::name(name, scope.as_deref());
            let done = if extend {
                e.extend(&target).await?
            } else {
                crate::confirm::activate(e, &target, &input.input(), yes).await?
            };
            output::print_outcome(&done, json);
            let code = match (done.outcome.state, wait) {
                (RequestState::PendingApproval | RequestState::Provisioning, true) => {
                    follow(e, &done.assignment, timeout).await?
                }
                (state, _) => output::exit_code_of(state),
            };
            let granted = matches!(
                done.outcome.state,
                RequestState::Active | RequestState::Provisioning | RequestState::PendingApproval
            );
            if wait && code == OK && !extend && granted {
                let mut active = done.clone();
                active.outcome.state = RequestState::Active;
                let outcomes = e.after_activation(&active, Origin::User, timeout).await;
                crate::after::tell(&outcomes);
            }
            Ok(code)
        }
        Command::Deactivate { name, scope, json } => {
            let done = e.deactivate(&Target::name(name, scope.as_deref())).await?;
            output::print_outcome(&done, json);
            Ok(OK)
        }
        Command::Cancel { request_id } => {
            let done = e.cancel(&Target::Request(request_id)).await?;
            eprintln!("Cancelled the request for {}.", done.assignment.label());
            Ok(OK)
        }
        Command::Policy { name, scope, json } => {
            let (a, p) = e.policy(&Target::name(name, scope.as_deref())).await?;
            if output::wants_data(json) {
                output::print_data(&p);
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
        Command::History { verify, json } => history(e, verify, json),
        Command::Favorites { action } => favorites(e, action).await,
        Command::Bundle { action } => crate::bundles::run(e, action).await,
        Command::Settings { action } => crate::settings::run(e, action),
        Command::After { action } => crate::after::run(e, action).await,
        Command::Portal {
            name,
            scope,
            private,
        } => crate::after::portal(e, name, scope, private).await,
        Command::Approvals { action } => crate::approvals::run(e, action).await,
        Command::Reviews { action } => crate::reviews::run(e, action).await,
        Command::Doctor { json } => crate::doctor::run(e, json).await,
        Command::Audit {
            since,
            user,
            role,
            plane,
            json,
        } => crate::audit::run(e, &since, user, role, plane.map(|p| p.plane()), json).await,
        Command::Posture {
            format,
            out,
            break_glass,
            strict,
        } => crate::posture::run(e, format, out, &break_glass, strict).await,
        Command::Assign {
            who,
            duration,
            until,
            permanent,
        } => crate::admin::assign(e, who, duration, until, permanent).await,
        Command::Remove { who } => crate::admin::remove(e, who).await,
        Command::Roles { plane, json } => {
            let planes: Vec<_> = plane.map(|p| p.plane()).into_iter().collect();
            let (roles, failures) = e.role_definitions(&planes).await;
            if output::wants_data(json) {
                output::print_data(&json!({"roles": roles, "failures": failures}));
            } else {
                let rows: Vec<Vec<String>> = roles
                    .iter()
                    .map(|r| {
                        vec![
                            r.name.clone(),
                            output::plane_name(r.plane).into(),
                            r.id.clone(),
                            match r.built_in {
                                Some(true) => "built-in",
                                Some(false) => "custom",
                                None => "-",
                            }
                            .into(),
                            r.description.clone().unwrap_or_default(),
                        ]
                    })
                    .collect();
                println!(
                    "{}",
                    output::grid(&["NAME", "PLANE", "ID", "KIND", "DESCRIPTION"], &rows)
                );
                for f in &failures {
                    output::say(format!("{}: {}", f.plane.label(), f.error.message));
                }
            }
            Ok(if failures.is_empty() {
                OK
            } else {
                output::SERVICE
            })
        }
        Command::Mcp => {
            // The organisation may turn MCP off: refused before the server starts.
            e.managed().check_mcp()?;
            crate::mcp::serve(elevate.clone()).await
        }
        Command::Completions { .. } => Ok(OK),
    }
}

async fn login(e: &Arc<Elevate>, device_code: bool) -> Result<u8, Error> {
    if device_code {
        let id = e
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
        if let Err(err) = e
            .session()
            .token(elevate_core::auth::Resource::Arm, None)
            .await
        {
            eprintln!("elevatectl: note: {err}");
        }
    } else {
        eprintln!("Opening your browser to sign in…");
        let (id, problems) = e.sign_in().await?;
        eprintln!("Signed in as {} ({}).", id.username, id.tenant_id);
        for p in problems {
            eprintln!("elevatectl: note: {p}");
        }
    }
    if !e.secret_store().persistent() {
        eprintln!("elevatectl: note: tokens are kept in memory only; this sign-in ends with this command.");
    }
    Ok(OK)
}

/// `--wait`: a spinner on a terminal, a line per poll otherwise.
async fn follow(e: &Arc<Elevate>, a: &Assignment, timeout: Duration) -> Result<u8, Error> {
    let tty = std::io::stderr().is_terminal();
    let spinner = ['|', '/', '-', '\\'];
    let tick = std::sync::atomic::AtomicUsize::new(0);
    let label = a.label();
    let ended = e
        .wait_active(a, timeout, |waiting, elapsed| {
            let state = match waiting {
                Waiting::ForApproval => "waiting for approval",
                Waiting::Activating => "activating",
            };
            let n = tick.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if tty {
                eprint!("\r{} {state} ({}s)   ", spinner[n % 4], elapsed.as_secs());
            } else {
                eprintln!("{label}: {state} ({}s)", elapsed.as_secs());
            }
        })
        .await?;
    if tty {
        eprint!("\r");
    }
    match ended {
        Followed::Active => {
            eprintln!("{label} is active.");
            Ok(OK)
        }
        Followed::StillPending => {
            eprintln!(
                "Still waiting after {} min; the request stays pending.",
                timeout.as_secs() / 60
            );
            Ok(PENDING)
        }
    }
}

fn history(e: &Elevate, verify: bool, json: bool) -> Result<u8, Error> {
    if verify {
        let v = e.verify_history()?;
        if output::wants_data(json) {
            output::print_data(&v);
        } else {
            println!("{}", v.message);
        }
        return Ok(if v.problem.is_none() { OK } else { SERVICE });
    }
    let records = e.history()?;
    if output::wants_data(json) {
        output::print_data(&records);
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

async fn favorites(e: &Arc<Elevate>, action: FavoritesCommand) -> Result<u8, Error> {
    const NONE_YET: &str = "No favorites yet: elevatectl favorites add <name> --justification ...";
    match action {
        FavoritesCommand::List { json } => {
            let favs = e.favorites()?;
            if output::wants_data(json) {
                output::print_data(&favs);
            } else if favs.is_empty() {
                println!("{NONE_YET}");
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
        FavoritesCommand::Add { name, scope, input } => {
            let fav = e
                .add_favorite(&Target::name(name, scope.as_deref()), &input.input())
                .await?;
            eprintln!("Added {} to your favorites.", fav.label);
            Ok(OK)
        }
        FavoritesCommand::Remove { name, scope } => {
            let fav = e.remove_favorite(&name, scope.as_deref())?;
            eprintln!("Removed {}.", fav.label);
            Ok(OK)
        }
        FavoritesCommand::Activate { json } => {
            let results = e.activate_favorites(Mode::Interactive).await?;
            if results.is_empty() {
                eprintln!("{NONE_YET}");
            }
            let worst = results
                .iter()
                .map(|r| match &r.result {
                    FavoriteResult::Sent { state, .. } => output::exit_code_of(*state),
                    FavoriteResult::AlreadyActive | FavoriteResult::AlreadyPending => OK,
                    FavoriteResult::NeedsYou { .. } => POLICY,
                    FavoriteResult::Unavailable { .. } => SERVICE,
                    FavoriteResult::Failed { error } => output::exit_code_for(&error.code),
                })
                .max()
                .unwrap_or(OK);
            if output::wants_data(json) {
                output::print_data(&results);
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
