//! The command line: `roster serve`, `roster migrate`, `roster config`, and the operator's
//! `tenant`, `link` and `token` commands.

use std::{path::PathBuf, process::ExitCode};

use clap::{Args, Parser, Subcommand};

use crate::{commands, settings::Settings, startup::Application, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "roster",
    version,
    about = "Self-serve SCIM provisioning, one tenant per customer company"
)]
pub struct Cli {
    /// A TOML file of settings (environment variables override it).
    #[arg(long, global = true, env = "ROSTER_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the SCIM API, the setup pages and the staff console.
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Print the effective configuration, secrets masked.
    Config,
    /// Ask the local server's /healthz; exit 0 when it answers 200 (for container health checks).
    Healthcheck,
    /// Manage tenants (customer companies).
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Issue or revoke a tenant's setup link.
    #[command(subcommand)]
    Link(LinkCommand),
    /// List, mint or revoke a tenant's bearer tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Add or disable staff console accounts.
    #[command(subcommand)]
    Staff(StaffCommand),
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Add a staff account (or re-enable a disabled one with a new password).
    Add {
        email: String,
        /// Read the password from the first line of standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable a staff account: its sessions end at their next request.
    Disable { email: String },
    /// List the staff accounts.
    List,
}

#[derive(Debug, Args)]
pub struct Output {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant and its first setup link.
    Create {
        /// The company's name, e.g. "Acme Corp".
        #[arg(long)]
        name: String,
        /// The customer IT admin's email address.
        #[arg(long)]
        admin_email: String,
        /// The customer IT admin's name.
        #[arg(long)]
        admin_name: Option<String>,
        /// The URL slug (suggested from the name when absent).
        #[arg(long)]
        slug: Option<String>,
        /// Email domains the company's users may have (repeatable).
        #[arg(long = "allowed-domain")]
        allowed_domains: Vec<String>,
        /// How long the setup link stays valid, e.g. 7days or 48h.
        #[arg(long, value_parser = humantime::parse_duration)]
        expires_in: Option<std::time::Duration>,
        #[command(flatten)]
        output: Output,
    },
    /// List every tenant.
    List {
        #[command(flatten)]
        output: Output,
    },
    /// Show one tenant, its setup link and tokens.
    Show {
        tenant: String,
        #[command(flatten)]
        output: Output,
    },
    /// Refuse the tenant's tokens without deleting anything.
    Suspend {
        tenant: String,
        #[command(flatten)]
        output: Output,
    },
    /// Accept the tenant's tokens again.
    Resume {
        tenant: String,
        #[command(flatten)]
        output: Output,
    },
    /// Delete the tenant and all of its data.
    Delete {
        tenant: String,
        /// Confirm the deletion.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum LinkCommand {
    /// Issue a new setup link (the previous one stops working).
    Issue {
        tenant: String,
        /// How long the link stays valid, e.g. 7days or 48h.
        #[arg(long, value_parser = humantime::parse_duration)]
        expires_in: Option<std::time::Duration>,
        #[command(flatten)]
        output: Output,
    },
    /// Revoke the tenant's setup link.
    Revoke { tenant: String },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// List the tenant's tokens (never their secrets).
    List {
        tenant: String,
        #[command(flatten)]
        output: Output,
    },
    /// Mint a token and print it once (for automation and vendor-managed identity providers).
    Mint {
        tenant: String,
        #[command(flatten)]
        output: Output,
    },
    /// Revoke a token, named by its id or prefix.
    Revoke { tenant: String, token: String },
}

/// Runs the command line; the exit code is 2 for configuration and start-up errors, 1 for a
/// command that could not be carried out.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let (settings, warnings) = match Settings::load(cli.config.as_deref(), std::env::vars()) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("roster: {e}");
            return ExitCode::from(2);
        }
    };
    for warning in &warnings {
        eprintln!("roster: warning: {warning}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("roster: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(run(cli.command, settings))
}

async fn run(command: Command, settings: Settings) -> ExitCode {
    match command {
        Command::Serve => {
            telemetry::init(&settings);
            let app = match Application::build(settings).await {
                Ok(app) => app,
                Err(e) => {
                    eprintln!("roster: {e}");
                    return ExitCode::from(2);
                }
            };
            match app.run_until_stopped().await {
                Ok(()) => {
                    tracing::info!("roster stopped");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("roster: the server failed: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Config => {
            print!("{settings}");
            ExitCode::SUCCESS
        }
        Command::Healthcheck => match crate::healthcheck::check(settings.listen) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("roster: unhealthy: {e}");
                ExitCode::from(1)
            }
        },
        other => commands::run(other, &settings).await,
    }
}
