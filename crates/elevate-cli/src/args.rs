//! elevatectl's arguments (clap): the commands, their flags and their help. What they do is
//! in `ops`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use elevate_core::model::Plane;
use elevate_core::service::Input;

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
    /// Output: table (text for people), json or yaml. `--json` is `-o json`.
    #[arg(long, short = 'o', global = true, value_enum)]
    pub output: Option<Format>,
    /// How to sign in: browser (default), device-code, azure-cli (reuse `az login`),
    /// client-secret or client-certificate (an app: AZURE_TENANT_ID, AZURE_CLIENT_ID,
    /// AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH), managed-identity (AZURE_CLIENT_ID
    /// for a user-assigned one). Also ELEVATE_AUTH. Apps cannot activate: admin, audit, posture.
    #[arg(long, global = true, value_enum)]
    pub auth: Option<AuthArg>,
    #[command(subcommand)]
    pub command: Command,
}

/// `--auth`: the sign-in methods azure-identity users know.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AuthArg {
    Browser,
    DeviceCode,
    AzureCli,
    ClientSecret,
    ClientCertificate,
    ManagedIdentity,
}

impl AuthArg {
    pub fn name(self) -> &'static str {
        match self {
            AuthArg::Browser => "browser",
            AuthArg::DeviceCode => "device-code",
            AuthArg::AzureCli => "azure-cli",
            AuthArg::ClientSecret => "client-secret",
            AuthArg::ClientCertificate => "client-certificate",
            AuthArg::ManagedIdentity => "managed-identity",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Yaml,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum PlaneArg {
    Entra,
    Group,
    Azure,
}

impl PlaneArg {
    pub fn plane(self) -> Plane {
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
    /// Start later (activate only): 22:00 (today, else tomorrow, local time),
    /// 2026-12-01T22:00 (local), an RFC 3339 time, or +2h from now.
    #[arg(long)]
    pub start: Option<String>,
}

impl ActivationArgs {
    pub fn input(&self) -> Input {
        Input {
            justification: self.justification.clone(),
            ticket_number: self.ticket.clone(),
            ticket_system: self.ticket_system.clone(),
            duration: self.duration.clone(),
            start: self.start.clone(),
            scope: None,
        }
    }
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
        /// Follow approval or provisioning until the assignment is active, then (once it is
        /// in effect) run the `[[after]]` commands that follow it, printing each outcome.
        #[arg(long)]
        wait: bool,
        /// Extend the active assignment instead: a new activation from its current end, with
        /// the last request's justification, ticket and duration (no gap).
        #[arg(long, conflicts_with_all = ["justification", "ticket", "ticket_system", "duration"])]
        extend: bool,
        /// How long --wait waits: 90m, 10m...
        #[arg(long, default_value = "15m")]
        timeout: String,
        #[arg(long)]
        json: bool,
        /// Confirm activating a Tier 0 role (one that can take over the tenant). Without it,
        /// elevatectl asks on a terminal and refuses elsewhere (exit 3).
        #[arg(long, short = 'y')]
        yes: bool,
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
    /// After-activation commands (`[[after]]` in the config): run them now for an active
    /// assignment.
    After {
        #[command(subcommand)]
        action: crate::after::AfterCommand,
    },
    /// Open the Azure portal on an assignment, for your tenant.
    Portal {
        name: String,
        /// Scope id or display name, when the name matches several.
        #[arg(long)]
        scope: Option<String>,
        /// In a fresh private browser window (no token from before the activation is reused);
        /// the browser is `[browser] private` in the config, else the default one.
        #[arg(long)]
        private: bool,
    },
    /// Bundles: named sets across the planes, activated and deactivated together.
    Bundle {
        #[command(subcommand)]
        action: crate::bundles::BundleCommand,
    },
    /// Settings, favorites and bundles in one file (no secrets), for a new machine.
    Settings {
        #[command(subcommand)]
        action: crate::settings::SettingsCommand,
    },
    /// Favorites: saved justification, ticket and duration, one command to activate them all.
    Favorites {
        #[command(subcommand)]
        action: FavoritesCommand,
    },
    /// PIM events: the tenant's audit log (needs a reader role) merged with this machine's history.
    Audit {
        /// How far back: 7d, 24h, a date (2026-11-01); the tenant keeps 30 days.
        #[arg(long, default_value = "7d")]
        since: String,
        /// Who did it or whom it was for: UPN, name or object id.
        #[arg(long)]
        user: Option<String>,
        /// Part of a role or group name.
        #[arg(long)]
        role: Option<String>,
        #[arg(long, value_enum)]
        plane: Option<PlaneArg>,
        #[arg(long)]
        json: bool,
    },
    /// The tenant against the PIM deployment checklist and PIM's alerts, with evidence, fixes
    /// and the compliance controls each item evidences.
    Posture {
        /// table (default on a terminal), json, md (Markdown) or html (one standalone page).
        #[arg(long, value_enum)]
        format: Option<PostureFormat>,
        /// Write the report to this file instead of standard output.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// A break-glass account (UPN or object id), excepted from the permanent-assignment
        /// and Global Administrator counts; repeat for each. Adds to `[posture] break_glass`.
        #[arg(long = "break-glass")]
        break_glass: Vec<String>,
        /// Exit with status 3 when an item fails (for pipelines).
        #[arg(long)]
        strict: bool,
    },
    /// Admin: make a user eligible for (or, with --active, assigned to) a role or group.
    Assign {
        #[command(flatten)]
        who: AdminArgs,
        /// How long: P180D, 90d… (default: the policy's maximum when it requires an end).
        #[arg(long, conflicts_with_all = ["until", "permanent"])]
        duration: Option<String>,
        /// Until a date (2027-06-01) or time.
        #[arg(long, conflicts_with = "permanent")]
        until: Option<String>,
        /// No end (when the policy allows it).
        #[arg(long)]
        permanent: bool,
    },
    /// Admin: remove a user's eligible (or, with --active, active) assignment.
    Remove {
        #[command(flatten)]
        who: AdminArgs,
    },
    /// Role definitions per plane (Entra directory roles, group member/owner, Azure roles).
    Roles {
        #[arg(long, value_enum)]
        plane: Option<PlaneArg>,
        #[arg(long)]
        json: bool,
    },
    /// Requests from others waiting for your decision: list, approve, deny.
    Approvals {
        #[command(subcommand)]
        action: ApprovalsCommand,
    },
    /// Access reviews assigned to you: list the decisions waiting (the default), decide one.
    Reviews {
        #[command(subcommand)]
        action: Option<crate::reviews::ReviewsCommand>,
    },
    /// Check the connection to the configured cloud: for sign-in, Graph, ARM and the device
    /// sign-in page, DNS, TCP, TLS (who issued the certificate), HTTP, the proxy and the clock.
    /// A copyable report with no secrets; exit 4 when a check fails.
    Doctor {
        #[arg(long)]
        json: bool,
    },
    /// Serve MCP over stdio for AI clients.
    Mcp,
    /// Shell completions.
    Completions { shell: clap_complete::Shell },
}

#[derive(Args, Clone)]
pub struct AdminArgs {
    /// The user: UPN, object id or display name.
    pub user: String,
    /// Role or group name or id.
    pub role: String,
    /// A group's access: member or owner (makes it a group).
    #[arg(long, value_enum)]
    pub access: Option<AccessArg>,
    /// An Azure scope (/subscriptions/…) or a directory scope (/administrativeUnits/…).
    #[arg(long)]
    pub scope: Option<String>,
    #[arg(long, value_enum)]
    pub plane: Option<PlaneArg>,
    /// An active assignment instead of an eligible one.
    #[arg(long)]
    pub active: bool,
    #[arg(long, short)]
    pub justification: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum AccessArg {
    Member,
    Owner,
}

#[derive(Subcommand)]
pub enum ApprovalsCommand {
    /// The requests waiting for your decision, all planes (or one).
    List {
        #[arg(long, value_enum)]
        plane: Option<PlaneArg>,
        #[arg(long)]
        json: bool,
    },
    /// Approve a request (its ID as `approvals list` shows it, or the request id).
    Approve {
        id: String,
        /// Your reason; required when the policy asks approvers for one.
        #[arg(long, short)]
        justification: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Deny a request.
    Deny {
        id: String,
        #[arg(long, short)]
        justification: Option<String>,
        #[arg(long)]
        json: bool,
    },
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

/// How `elevatectl posture` writes its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PostureFormat {
    Table,
    Json,
    Md,
    Html,
}
