//! `rapport-loadtest`: the pieces of `scripts/bench/` that wrk cannot do.
//!
//! - `prepare-answers`: a desk with N sent survey invitations, and their raw tokens in a file;
//! - `fixed-rate`: an open-loop HTTP load (requests scheduled at fixed intervals, latency
//!   measured from the scheduled time, so a slow server cannot hide its queue);
//! - `outbox`: N survey emails through the outbox into a local SMTP server, timed;
//! - `stats`: what the answers left in the database;
//! - `dashboard`: the dashboard's data queries from rollups vs scanning the answers;
//! - `writer-cost`: an answer's write timed inside the single writer, against one row.

mod dashboard;
mod fixed_rate;
mod outbox;
mod prepare;
mod writer_cost;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "rapport-loadtest", about = "Load generators for Rapport's benchmarks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create N tickets and customers with sent invitations; write one raw token per line
    PrepareAnswers {
        /// The server's data directory (its SQLite database is DIR/rapport.db)
        #[arg(long, value_name = "DIR")]
        data_dir: PathBuf,
        /// sqlite://… or postgres://… [default: SQLite in the data directory]
        #[arg(long, value_name = "URL")]
        database_url: Option<String>,
        #[arg(long, default_value_t = 200_000)]
        invitations: usize,
        #[arg(long, value_name = "FILE")]
        tokens_file: PathBuf,
        /// Invitations per write transaction
        #[arg(long, default_value_t = 5_000)]
        batch: usize,
    },
    /// POST answers at a fixed rate (open loop) and report latency percentiles
    FixedRate {
        /// The server, e.g. http://127.0.0.1:18082
        #[arg(long)]
        url: String,
        /// Requests per second
        #[arg(long, default_value_t = 2_000)]
        rate: u32,
        /// Measured seconds (after the warm-up)
        #[arg(long, default_value_t = 20)]
        seconds: u32,
        /// Seconds at the same rate before measuring
        #[arg(long, default_value_t = 2)]
        warmup_seconds: u32,
        /// Raw tokens, one per line (each request answers the next one)
        #[arg(long, value_name = "FILE")]
        tokens_file: PathBuf,
        /// Most requests outstanding at once (= most connections); later ones wait,
        /// and the wait counts in their latency
        #[arg(long, default_value_t = 512)]
        max_in_flight: usize,
    },
    /// Enqueue N survey emails, deliver them into a local SMTP server, time it
    Outbox {
        #[arg(long, default_value_t = 5_000)]
        messages: usize,
        /// sqlite://… or postgres://… [default: SQLite in a temporary directory]
        #[arg(long, value_name = "URL")]
        database_url: Option<String>,
        /// Give up after this many seconds of delivery
        #[arg(long, default_value_t = 300)]
        timeout_seconds: u64,
    },
    /// Time the dashboard's data queries at N answers: from the rollups, and by scanning
    /// the answers (fills a THROWAWAY database: its answers are replaced)
    Dashboard {
        /// sqlite://… or postgres://… of a database that may be wiped
        #[arg(long, value_name = "URL")]
        database_url: String,
        #[arg(long, default_value_t = 10_000)]
        answers: i64,
        #[arg(long, default_value_t = 20)]
        repeats: usize,
    },
    /// Time answers inside the single writer, in group-commit-sized batches, against a
    /// one-row write in the same run (fills a THROWAWAY database)
    WriterCost {
        /// sqlite://… or postgres://… [default: SQLite in a temporary directory]
        #[arg(long, value_name = "URL")]
        database_url: Option<String>,
        #[arg(long, default_value_t = 30_000)]
        answers: usize,
        /// Answers per transaction (a group commit's batch under answers.sh's load is 25–35)
        #[arg(long, default_value_t = 32)]
        batch: usize,
    },
    /// Count responses in the database (read-only; safe while the server runs)
    Stats {
        #[arg(long, value_name = "DIR")]
        data_dir: PathBuf,
        #[arg(long, value_name = "URL")]
        database_url: Option<String>,
    },
}

fn database_url(data_dir: &std::path::Path, url: Option<String>) -> String {
    url.unwrap_or_else(|| format!("sqlite://{}?mode=rwc", data_dir.join("rapport.db").display()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::PrepareAnswers { data_dir, database_url: url, invitations, tokens_file, batch } => {
            prepare::prepare_answers(&database_url(&data_dir, url), invitations, &tokens_file, batch).await
        }
        Command::FixedRate { url, rate, seconds, warmup_seconds, tokens_file, max_in_flight } => {
            let options = fixed_rate::Options { url, rate, seconds, warmup_seconds, tokens_file, max_in_flight };
            fixed_rate::run(options).await
        }
        Command::Outbox { messages, database_url, timeout_seconds } => {
            outbox::run(messages, database_url, std::time::Duration::from_secs(timeout_seconds)).await
        }
        Command::Dashboard { database_url, answers, repeats } => dashboard::run(&database_url, answers, repeats).await,
        Command::WriterCost { database_url, answers, batch } => writer_cost::run(database_url, answers, batch).await,
        Command::Stats { data_dir, database_url: url } => prepare::stats(&database_url(&data_dir, url)).await,
    }
}
