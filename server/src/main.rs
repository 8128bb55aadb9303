//! The SettleDesk server: one binary for the web portal and the operational commands.

mod admission;
mod alerts;
mod allocator;
mod auth;
mod cli_output;
mod config;
mod cookies;
mod demo_feeds;
mod demo_payouts;
mod downloads;
mod exports;
mod feed_ops;
mod health;
mod housekeeping;
mod http;
mod listener;
mod metrics;
mod payouts_job;
mod rate_limit;
mod recon_job;
mod scheduler;
mod security_headers;
mod serve;
mod state;
mod telemetry;
mod watcher;

use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::config::Config;

#[derive(Parser)]
#[command(name = "server", version, about = "SettleDesk: card settlement reconciliation portal")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal (the default).
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Write a business date's synthetic Visa, Mastercard and Zelle feeds into the inbound area.
    DemoFeeds(demo_feeds::DemoFeedsArgs),
    /// The local demo's payouts of a reconciled date: a counterparty, payouts approved and sent,
    /// the hub's answers (one rejection) and the bank's statement (with a break).
    DemoPayouts(demo_payouts::DemoPayoutsArgs),
    /// Taking in inbound files.
    Ingest {
        #[command(subcommand)]
        command: IngestCommand,
    },
    /// Reconciliation of a business date.
    Recon {
        #[command(subcommand)]
        command: ReconCommand,
    },
    /// Work with the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Alerts for operations.
    Alerts {
        #[command(subcommand)]
        command: AlertsCommand,
    },
    /// What the database stops keeping (SETTLEDESK_RETAIN_*_DAYS).
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// Payouts to and from the bank's payment hub.
    Payouts {
        #[command(subcommand)]
        command: PayoutsCommand,
    },
}

#[derive(Subcommand)]
enum PayoutsCommand {
    /// Send the queued payment instructions, take in the hub's status reports and the bank's
    /// statements, once: what `serve` does every 30 seconds.
    Run,
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Retire what the retention policy says is due now, print what went and the disk it gave
    /// back: what `serve` does every minute.
    Run,
}

#[derive(Subcommand)]
enum AlertsCommand {
    /// Raise the alerts whose conditions hold now, and deliver every undelivered one to the
    /// configured webhook and mail: what `serve` does every minute.
    Send,
}

#[derive(Subcommand)]
enum ReconCommand {
    /// Ingest the date's inbound files, then reconcile it (a new version if it ran before).
    Run(recon_job::ReconRunArgs),
}

#[derive(Subcommand)]
enum IngestCommand {
    /// List the inbound store every interval (SETTLEDESK_INGEST_INTERVAL_SECS) and take in each
    /// new file: what `serve` does beside its scheduler.
    Watch(watcher::WatchArgs),
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify the hash chain from the first event to the head. Exits with status 1 and names the
    /// first broken event if any event was edited or deleted.
    Verify,
}

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let config = load_config()?;
    telemetry::init(config.log_format);
    tracing::debug!(?config, "configuration loaded");

    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve::run(config).await.map(|()| ExitCode::SUCCESS),
        Command::Migrate => migrate(&config).await.map(|()| ExitCode::SUCCESS),
        Command::Audit { command: AuditCommand::Verify } => verify_audit_trail(&config).await,
        Command::Alerts { command: AlertsCommand::Send } => {
            let pool = domain::db::lazy_pool(config.job_database_options(), 2);
            let sent = alerts::once(&pool, &config.alerts).await;
            pool.close().await;
            sent.map(|()| ExitCode::SUCCESS)
        }
        Command::Retention { command: RetentionCommand::Run } => {
            let pool = domain::db::lazy_pool(config.job_database_options(), 2);
            let store = config.object_store().await;
            let retired = match domain::calendar::load_schedule(&pool).await {
                Ok(schedule) => {
                    let today = schedule.calendar_date(chrono::Utc::now());
                    housekeeping::retire(&pool, &store, &config.retention, today).await
                }
                Err(e) => Err(e.into()),
            };
            pool.close().await;
            let retired = retired?;
            for run in &retired.runs {
                println!(
                    "run {} of {} (version {}), {:?}: {} items retired, {} kept (work items point at them), {} MiB given back",
                    run.run_id,
                    run.business_date,
                    run.version,
                    run.why,
                    run.items_dropped,
                    run.items_kept,
                    run.bytes_freed / (1 << 20)
                );
            }
            for file in &retired.files {
                println!(
                    "file {} of {}: {} payments retired, {} MiB given back",
                    file.feed_file_id,
                    file.business_date,
                    file.payments,
                    file.bytes_freed / (1 << 20)
                );
            }
            println!(
                "retired {} runs' items and {} files' payments; {} MiB given back; {} dates busy, {} failed",
                retired.runs.len(),
                retired.files.len(),
                retired.bytes_freed() / (1 << 20),
                retired.busy.len(),
                retired.failed
            );
            Ok(if retired.failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Payouts { command: PayoutsCommand::Run } => {
            let pool = domain::db::lazy_pool(config.job_database_options(), 2);
            let store = config.object_store().await;
            let round = payouts_job::once(&pool, &store, &config.payout_sender).await;
            pool.close().await;
            let round = round?;
            for message in &round.sent {
                println!(
                    "sent {} ({} payments) to {}",
                    message.message_id, message.payments, message.object_key
                );
            }
            for (key, outcome) in &round.taken {
                println!("{key}: {outcome:?}");
            }
            for (key, outcome) in &round.statements {
                println!("{key}: {outcome:?}");
            }
            println!(
                "{} messages sent, {} status reports and {} statements taken in",
                round.sent.len(),
                round.taken.len(),
                round.statements.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::DemoPayouts(args) => demo_payouts::run(&config, &args).await.map(|()| ExitCode::SUCCESS),
        Command::DemoFeeds(args) => demo_feeds::run(&config, &args).await.map(|()| ExitCode::SUCCESS),
        Command::Ingest { command: IngestCommand::Watch(args) } => {
            watcher::run(&config, &args).await.map(|()| ExitCode::SUCCESS)
        }
        Command::Recon { command: ReconCommand::Run(args) } => {
            let _prompt = allocator::PromptRelease::start();
            recon_job::run(&config, &args).await.map(|()| ExitCode::SUCCESS)
        }
    }
}

/// Reads the configuration. A local `.env` is a convenience for development only (real environment
/// variables win over it): production takes its settings from the real environment alone, so a
/// forgotten file on a server can neither supply nor override one.
fn load_config() -> anyhow::Result<Config> {
    let production = std::env::var("SETTLEDESK_ENV").is_ok_and(|mode| mode == "production");
    if !production
        && dotenvy::dotenv().is_ok()
        && std::env::var("SETTLEDESK_ENV").is_ok_and(|m| m == "production")
    {
        anyhow::bail!(
            "configuration: SETTLEDESK_ENV=production came from .env; production reads only the real environment"
        );
    }
    Config::from_env().context("configuration")
}

async fn verify_audit_trail(config: &Config) -> anyhow::Result<ExitCode> {
    let pool = domain::db::lazy_pool(config.job_database_options(), 2);
    let report = domain::audit::verify(&pool).await.context("reading the audit trail")?;
    if let domain::audit::ChainReport::Broken { .. } = report {
        pool.close().await;
        cli_output::say!("{report}");
        return Ok(ExitCode::FAILURE);
    }
    // The chain holds together; does it agree with the heads recorded outside the database?
    let heads = domain::audit::recorded_heads(&config.object_store().await)
        .await
        .context("reading the audit heads recorded in object storage")?;
    let expected = domain::audit::heads_of_completed_runs(&pool).await.context("reading the runs")?;
    let disagreement =
        domain::audit::check_anchors(&pool, &heads).await.context("reading the audit trail")?;
    pool.close().await;
    // Every run the database says completed left its head in object storage, unchanged.
    for (key, anchor) in &expected {
        match heads.iter().find(|(k, _)| k == key) {
            Some((_, found)) if found == anchor => {}
            Some(_) => {
                cli_output::say!(
                    "audit heads BROKEN: {key} in object storage differs from the run's own record"
                );
                return Ok(ExitCode::FAILURE);
            }
            None => {
                cli_output::say!(
                    "audit heads BROKEN: {key} is missing from object storage, or records no head"
                );
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(match disagreement {
        Some(broken) => {
            cli_output::say!("{broken}");
            ExitCode::FAILURE
        }
        None => {
            cli_output::say!("{report}; agrees with {} heads recorded in object storage", heads.len());
            ExitCode::SUCCESS
        }
    })
}

async fn migrate(config: &Config) -> anyhow::Result<()> {
    let pool = domain::db::lazy_pool(config.database_options(), 2);
    domain::db::migrate(&pool).await.context("applying migrations")?;
    // Raw records stored before the readers masked card numbers (migration 0018).
    let masked = domain::ingest::mask_stored_issues(&pool).await.context("masking stored raw records")?;
    if masked > 0 {
        tracing::info!(records = masked, "card numbers masked in stored raw records");
    }
    let reasons = domain::ingest::mask_stored_quarantine_reasons(&pool)
        .await
        .context("masking stored quarantine reasons")?;
    if reasons > 0 {
        tracing::info!(files = reasons, "card numbers masked in stored quarantine reasons");
    }
    let status = domain::db::schema_status(&pool).await.context("reading the schema version")?;
    tracing::info!(?status, "migrations applied");
    pool.close().await;
    Ok(())
}
