//! Reconciling a business date: ingest its inbound files, then run it. Used by
//! `server recon run --date D` and by the scheduler.

use anyhow::Context;
use chrono::NaiveDate;
use domain::feeds::{CardTokenizer, Network, Strictness};
use domain::ingest::load::{ingest_object, FileOutcome};
use domain::ingest::Source;
use domain::recon::run::run_day;
use domain::recon::RuleSet;
use domain::storage::ObjectStore;

use crate::config::Config;

#[derive(Debug, clap::Args)]
pub struct ReconRunArgs {
    /// The business date, YYYY-MM-DD.
    #[arg(long)]
    date: NaiveDate,
}

/// `server recon run`.
pub async fn run(config: &Config, args: &ReconRunArgs) -> anyhow::Result<()> {
    let pool = domain::db::lazy_pool(config.database_options(), 4);
    let job = Job::new(config);
    let started = std::time::Instant::now();
    let say = |line: &str| eprintln!("[{:>6.1} s] {line}", started.elapsed().as_secs_f64());
    let summary = job.reconcile(&pool, args.date, say).await?;
    let date = args.date;
    println!(
        "Run {} of {date}, version {}: {} records, {} open payments",
        summary.run_id, summary.version, summary.records, summary.payments
    );
    for (class, count) in &summary.counts {
        println!("  {class}: {count}");
    }
    for file in &summary.manifest.files {
        println!(
            "  reports/{date}/v{}/{}  {} rows  sha256 {}",
            summary.version, file.name, file.rows, file.sha256
        );
    }
    println!(
        "Wall time {:.1} s, peak RSS {:.0} MiB",
        started.elapsed().as_secs_f64(),
        peak_rss_kib() as f64 / 1024.0
    );
    pool.close().await;
    Ok(())
}

/// The peak resident set size of this process, in KiB (Linux; 0 elsewhere).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| l.strip_prefix("VmHWM:")?.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

/// What reconciling needs besides the database.
#[derive(Clone)]
pub struct Job {
    pub store: ObjectStore,
    cards: CardTokenizer,
}

impl Job {
    pub fn new(config: &Config) -> Self {
        Job {
            store: ObjectStore::local(&config.local_storage_dir),
            cards: CardTokenizer::new(config.card_token_key.expose().as_bytes()),
        }
    }

    /// Whether any inbound file for `date` has arrived.
    pub async fn has_inbound(&self, date: NaiveDate) -> anyhow::Result<bool> {
        for source in SOURCES {
            if !self.store.list(&format!("inbound/{}/{date}/", source.code())).await?.is_empty() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Ingests the date's inbound files, then reconciles it; `say` hears each step.
    pub async fn reconcile(
        &self,
        pool: &sqlx::PgPool,
        date: NaiveDate,
        say: impl Fn(&str),
    ) -> anyhow::Result<domain::recon::run::RunSummary> {
        let work = std::env::temp_dir().join(format!("settledesk-work-{}-{date}", std::process::id()));
        std::fs::create_dir_all(&work).context("creating a work directory")?;
        let result = self.reconcile_in(pool, date, &work, &say).await;
        let _ = std::fs::remove_dir_all(&work);
        result
    }

    async fn reconcile_in(
        &self,
        pool: &sqlx::PgPool,
        date: NaiveDate,
        work: &std::path::Path,
        say: &impl Fn(&str),
    ) -> anyhow::Result<domain::recon::run::RunSummary> {
        let (store, cards) = (&self.store, &self.cards);
        say(&format!("Ingesting the inbound files of {date}:"));
        for source in SOURCES {
            let prefix = format!("inbound/{}/{date}/", source.code());
            for object in store.list(&prefix).await.context("listing inbound files")? {
                let outcome =
                    ingest_object(pool, store, &object.key, source, date, cards, Strictness::Lenient, work)
                        .await
                        .with_context(|| format!("ingesting {}", object.key))?;
                let said = match outcome {
                    FileOutcome::Loaded { transactions, issues, .. } => {
                        format!("loaded {transactions} records ({issues} with a bad field)")
                    }
                    FileOutcome::Quarantined { error, .. } => format!("QUARANTINED: {error}"),
                    FileOutcome::Skipped { .. } => "already loaded".to_owned(),
                };
                say(&format!("  {}  {said}", object.key));
            }
        }
        say(&format!("Reconciling {date}:"));
        let summary =
            run_day(pool, store, date, &RuleSet::default(), work, |stage| say(&format!("  {stage}")))
                .await
                .context("reconciling")?;
        Ok(summary)
    }
}

const SOURCES: [Source; 3] =
    [Source::Network(Network::Visa), Source::Network(Network::Mastercard), Source::Zelle];
