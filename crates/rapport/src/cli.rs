//! The command line: global options shared by every subcommand, then the subcommands.

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use rapport_server::config::Overrides;
use rapport_server::Config;
use rapport_store::Store;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "rapport", version, about = "Closed-loop customer feedback for service desks")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// Configuration file [default: ./rapport.toml when present]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where Rapport keeps its files [default: ./rapport-data]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// sqlite://… or postgres://… [default: SQLite in the data directory]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web service (and its background work)
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080]
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
        /// Fill an empty database with a demo desk first
        #[arg(long)]
        demo: bool,
        /// Do not run background work here (run `rapport worker` elsewhere)
        #[arg(long)]
        no_worker: bool,
    },
    /// Run only the background work: send surveys and reminders, deliver the outbox
    Worker,
    /// Apply database migrations and exit
    Migrate,
    /// Dashboard rollups
    Rollups {
        #[command(subcommand)]
        action: RollupsAction,
    },
    /// Manage API tokens
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Manage staff accounts
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Import data from files
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Fill the database with a realistic demo desk
    Demo {
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Number of tickets (the demo spans the year before now)
        #[arg(long, default_value_t = 60_000)]
        tickets: usize,
    },
    /// Write a management or client report for a month
    Report {
        /// The month, as YYYY-MM
        #[arg(long, value_name = "YYYY-MM")]
        period: String,
        /// A client report for this organization (by name); without it, the management report
        #[arg(long)]
        organization: Option<String>,
        /// pdf, html, xlsx or csv
        #[arg(long, default_value = "pdf")]
        format: String,
        /// Where to write it [default: rapport-report-<month>-<who>.<format> in the current directory]
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Configuration helpers
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
}

#[derive(Subcommand, Debug)]
pub enum RollupsAction {
    /// Recompute every rollup from the answers (they are kept up to date as answers arrive;
    /// this is for after restoring a backup or importing answers by other means)
    Rebuild,
}

#[derive(Subcommand, Debug)]
pub enum TokenAction {
    /// Create a token; prints it once, as the last line
    Create {
        #[arg(long)]
        name: String,
        /// ingest, read or admin (admin implies the others)
        #[arg(long)]
        scope: rapport_domain::Scope,
    },
    /// List tokens (never their secrets)
    List,
    /// Revoke a token by id or name
    Revoke { id_or_name: String },
}

#[derive(Subcommand, Debug)]
pub enum UserAction {
    /// Create a user with a temporary password (printed once, as the last line)
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, manager or agent
        #[arg(long, default_value = "agent")]
        role: String,
    },
    /// List users
    List,
    /// Give a user a new temporary password; they must change it at sign-in
    ResetPassword {
        #[arg(long)]
        email: String,
    },
    /// Disable a user; their sessions end at once
    Disable {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportWhat {
    /// Import past tickets from a CSV file (columns in the README)
    Tickets {
        file: PathBuf,
        /// The source the tickets belong to (match your webhook's source to merge)
        #[arg(long, default_value = "import")]
        source: String,
        /// Do not draw a progress bar
        #[arg(long)]
        quiet: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConfigAction {
    /// Print a commented example rapport.toml
    Example,
    /// Print the effective configuration (secrets redacted)
    Show,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let listen = match &cli.command {
        Command::Serve { listen, .. } => *listen,
        _ => None,
    };
    let overrides =
        Overrides { data_dir: cli.global.data_dir.clone(), database_url: cli.global.database_url.clone(), listen };
    let config = Config::load(cli.global.config.as_deref(), &overrides).context("reading the configuration")?;
    init_logging(&config);
    for unknown in Config::unknown_env_vars() {
        tracing::warn!(variable = unknown, "unknown RAPPORT_ variable ignored");
    }
    match cli.command {
        Command::Config { action: ConfigAction::Example } => {
            print!("{}", Config::EXAMPLE);
            Ok(())
        }
        Command::Config { action: ConfigAction::Show } => {
            println!("{config:#?}");
            Ok(())
        }
        Command::Migrate => {
            open_store(&config).await?;
            println!("migrations applied to {}", config.redacted_database_url());
            Ok(())
        }
        Command::Rollups { action: RollupsAction::Rebuild } => {
            let rows = open_store(&config).await?.rebuild_rollups().await?;
            println!("rollups rebuilt: {rows} rows");
            Ok(())
        }
        Command::Serve { demo, no_worker, .. } => crate::serve::serve(config, demo, !no_worker).await,
        Command::Worker => crate::serve::worker(config).await,
        Command::Token { action } => crate::token::run(&open_store(&config).await?, action).await,
        Command::User { action } => crate::user::run(&open_store(&config).await?, action).await,
        Command::Import { what: ImportWhat::Tickets { file, source, quiet } } => {
            let store = open_store(&config).await?;
            let options = crate::import::ImportOptions {
                source,
                show_progress: !quiet,
                ..crate::import::ImportOptions::default()
            };
            let summary = crate::import::import_tickets(&store, &file, &options, now()).await?;
            println!("{summary}");
            Ok(())
        }
        Command::Report { period, organization, format, output } => {
            let store = open_store(&config).await?;
            crate::report::write(&store, &period, organization.as_deref(), &format, output, now()).await
        }
        Command::Demo { seed, tickets } => {
            let store = open_store(&config).await?;
            crate::demo::fill(&store, seed, tickets, now(), true).await
        }
    }
}

/// Connects and migrates: every command works on an up-to-date schema.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let store = Store::connect(&config.database_url)
        .await
        .with_context(|| format!("opening the database {}", config.redacted_database_url()))?;
    store.migrate().await.context("migrating the database")?;
    Ok(store)
}

pub fn now() -> i64 {
    rapport_server::Clock::System.now()
}

fn init_logging(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("RAPPORT_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if config.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
