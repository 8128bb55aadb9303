//! `server recon run --date D`: ingests the date's inbound files, then reconciles the date.

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

pub async fn run(config: &Config, args: &ReconRunArgs) -> anyhow::Result<()> {
    let pool = domain::db::lazy_pool(config.database_options(), 4);
    let store = ObjectStore::local(&config.local_storage_dir);
    let cards = CardTokenizer::new(config.card_token_key.expose().as_bytes());
    let work = std::env::temp_dir().join(format!("settledesk-work-{}", std::process::id()));
    std::fs::create_dir_all(&work).context("creating a work directory")?;
    let date = args.date;

    eprintln!("Ingesting the inbound files of {date}:");
    for source in [Source::Network(Network::Visa), Source::Network(Network::Mastercard), Source::Zelle] {
        let prefix = format!("inbound/{}/{date}/", source.code());
        for object in store.list(&prefix).await.context("listing inbound files")? {
            let outcome =
                ingest_object(&pool, &store, &object.key, source, date, &cards, Strictness::Lenient, &work)
                    .await
                    .with_context(|| format!("ingesting {}", object.key))?;
            let said = match outcome {
                FileOutcome::Loaded { transactions, issues, .. } => {
                    format!("loaded {transactions} records ({issues} with a bad field)")
                }
                FileOutcome::Quarantined { error, .. } => format!("QUARANTINED: {error}"),
                FileOutcome::Skipped { .. } => "already loaded".to_owned(),
            };
            eprintln!("  {}  {said}", object.key);
        }
    }

    eprintln!("Reconciling {date}:");
    let summary = run_day(&pool, &store, date, &RuleSet::default(), &work, |stage| eprintln!("  {stage}"))
        .await
        .context("reconciling")?;
    let _ = std::fs::remove_dir_all(&work);
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
    pool.close().await;
    Ok(())
}
