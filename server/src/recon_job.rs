//! Reconciling a business date: ingest its inbound files, then run it. Used by
//! `server recon run --date D` and by the scheduler.

use anyhow::Context;
use chrono::NaiveDate;
use domain::feeds::{CardTokenizer, Network};
use domain::ingest::load::{ingest_object, FileOutcome};
use domain::ingest::{DateLock, Source};
use domain::recon::day_files::{DayReading, FileKeeper};
use domain::recon::run::{run_day, Progress};
use domain::recon::RuleSet;
use domain::storage::{ObjectInfo, ObjectStore};
use futures_util::StreamExt;

use crate::cli_output::say;
use crate::config::Config;

#[derive(Debug, clap::Args)]
pub struct ReconRunArgs {
    /// The business date, YYYY-MM-DD.
    #[arg(long)]
    date: NaiveDate,
}

/// `server recon run`.
pub async fn run(config: &Config, args: &ReconRunArgs) -> anyhow::Result<()> {
    let pool = domain::db::lazy_pool(config.job_database_options(), Job::CONNECTIONS);
    let job = Job::new(config).await;
    let started = std::time::Instant::now();
    let bar = ProgressBar::new(started);
    let summary = job.reconcile(&pool, args.date, |p| bar.show(p)).await?;
    bar.finish();
    let date = args.date;
    say!(
        "Run {} of {date}, version {}: {} records, {} open payments",
        summary.run_id,
        summary.version,
        summary.records,
        summary.payments
    );
    for (class, count) in &summary.counts {
        say!("  {class}: {count}");
    }
    for file in &summary.manifest.files {
        say!(
            "  reports/{date}/v{}/{}  {} rows  sha256 {}",
            summary.version,
            file.name,
            file.rows,
            file.sha256
        );
    }
    if summary.closed_items > 0 {
        say!("  work items closed as matched on this run: {}", summary.closed_items);
    }
    say!("Control totals (records in the file = matched + mismatched + resettlement + unreadable + not Zelle):");
    for file in &summary.manifest.controls {
        say!(
            "  {}  {} records, {} accounted for: {}",
            file.object_key,
            file.records,
            file.accounted,
            if file.closes { "closes" } else { "DOES NOT CLOSE" }
        );
    }
    say!(
        "Wall time {:.1} s, peak RSS {:.0} MiB",
        started.elapsed().as_secs_f64(),
        peak_rss_kib() as f64 / 1024.0
    );
    pool.close().await;
    Ok(())
}

/// Progress on stderr: a line per stage and note, each with the elapsed time; on a terminal, the
/// current stage's count as a bar redrawn in place.
struct ProgressBar {
    started: std::time::Instant,
    terminal: bool,
    drawn: std::cell::Cell<bool>,
}

impl ProgressBar {
    const WIDTH: u64 = 30;

    fn new(started: std::time::Instant) -> Self {
        use std::io::IsTerminal;
        ProgressBar { started, terminal: std::io::stderr().is_terminal(), drawn: false.into() }
    }

    fn show(&self, progress: Progress) {
        let elapsed = self.started.elapsed().as_secs_f64();
        match progress {
            Progress::Stage(text) | Progress::Note(text) => {
                self.finish();
                let indent = if matches!(progress, Progress::Note(_)) { "    " } else { "" };
                eprintln!("[{elapsed:>6.1} s] {indent}{text}");
            }
            Progress::Done { done, total } if self.terminal && total > 0 => {
                let filled = (done.min(total) * Self::WIDTH / total) as usize;
                eprint!(
                    "\r[{elapsed:>6.1} s] [{}{}] {:>3}%  {done}/{total}",
                    "#".repeat(filled),
                    " ".repeat(Self::WIDTH as usize - filled),
                    done * 100 / total
                );
                self.drawn.set(true);
            }
            Progress::Done { .. } => {}
        }
    }

    /// Ends a bar line, if one is drawn.
    fn finish(&self) {
        if self.drawn.replace(false) {
            eprintln!();
        }
    }
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
    /// Connections a job's pool should have: a Zelle extract loads through two `COPY` streams
    /// while a network file is registered beside it, a run writes its exceptions and its matches
    /// through two more, indexes are built `DetachedPartition::BUILDS_AT_ONCE` at a time, and a
    /// run holds its turn and its date's lock on two more.
    pub const CONNECTIONS: u32 = 10;

    pub async fn new(config: &Config) -> Self {
        Job {
            store: config.object_store().await,
            cards: CardTokenizer::new(config.card_token_key.expose().as_bytes()),
        }
    }

    /// The keys of the date's files in the inbound store, of every source.
    pub async fn inbound_keys(&self, date: NaiveDate) -> anyhow::Result<Vec<String>> {
        Ok(self.inbound(date).await?.into_iter().map(|(_, object)| object.key).collect())
    }

    /// The date's files in the inbound store with their sources, the Zelle extract first (loading
    /// it is the longest: PostgreSQL copies and indexes every payment, and the network files are
    /// read alongside it). Not S3's folder markers or hidden files, which are no feed (see
    /// [`domain::storage::is_file_key`]).
    pub async fn inbound(&self, date: NaiveDate) -> anyhow::Result<Vec<(Source, ObjectInfo)>> {
        let mut objects = Vec::new();
        for source in [Source::Zelle, Source::Network(Network::Visa), Source::Network(Network::Mastercard)] {
            let listed = self.store.list(&format!("inbound/{}/{date}/", source.code())).await;
            objects.extend(
                (listed.context("listing inbound files")?.into_iter())
                    .filter(|object| domain::storage::is_file_key(&object.key))
                    .map(|object| (source, object)),
            );
        }
        Ok(objects)
    }

    /// A work directory of this process named by `label` (a date, say), created; the work
    /// directories of processes that ended are removed first.
    pub fn work_dir(&self, label: &str) -> anyhow::Result<std::path::PathBuf> {
        sweep_abandoned_work_dirs(&std::env::temp_dir());
        let work = std::env::temp_dir().join(format!("{WORK_DIR_PREFIX}{}-{label}", std::process::id()));
        std::fs::create_dir_all(&work).context("creating a work directory")?;
        Ok(work)
    }

    /// Registers and loads one inbound file of the locked date (nothing kept for a run).
    pub async fn take_in(
        &self,
        pool: &sqlx::PgPool,
        date: &DateLock,
        source: Source,
        key: &str,
        work: &std::path::Path,
    ) -> anyhow::Result<FileOutcome> {
        let strictness = domain::ingest::strictness(pool, source).await?;
        let (outcome, _) = ingest_object(
            pool,
            &self.store,
            key,
            source,
            date,
            &self.cards,
            strictness,
            work,
            domain::ingest::load::KeepNothing,
        )
        .await
        .with_context(|| format!("ingesting {key}"))?;
        Ok(outcome)
    }

    /// Ingests the date's inbound files, then reconciles it; `say` hears each step. Waits for
    /// the date's lock if another process is loading a file of it or running it.
    pub async fn reconcile(
        &self,
        pool: &sqlx::PgPool,
        date: NaiveDate,
        say: impl Fn(Progress),
    ) -> anyhow::Result<domain::recon::run::RunSummary> {
        let lock = match DateLock::try_take(pool, date).await? {
            Some(lock) => lock,
            None => {
                say(Progress::Note(&format!(
                    "waiting for another process that is loading a file of {date} or running it"
                )));
                DateLock::take(pool, date).await?
            }
        };
        let result = self.reconcile_locked(pool, &lock, say).await;
        lock.release().await;
        result
    }

    /// [`Job::reconcile`] of a date whose lock the caller holds.
    pub async fn reconcile_locked(
        &self,
        pool: &sqlx::PgPool,
        date: &DateLock,
        say: impl Fn(Progress),
    ) -> anyhow::Result<domain::recon::run::RunSummary> {
        let work = self.work_dir(&date.date().to_string())?;
        let started = std::time::Instant::now();
        metrics::gauge!("settledesk_runs_in_progress").increment(1.0);
        let result = self.reconcile_in(pool, date, &work, &say).await;
        metrics::gauge!("settledesk_runs_in_progress").decrement(1.0);
        let outcome = if result.is_ok() { "completed" } else { "failed" };
        metrics::counter!("settledesk_runs_total", "outcome" => outcome).increment(1);
        metrics::histogram!("settledesk_run_duration_seconds", "outcome" => outcome)
            .record(started.elapsed().as_secs_f64());
        let _ = std::fs::remove_dir_all(&work);
        result
    }

    async fn reconcile_in(
        &self,
        pool: &sqlx::PgPool,
        lock: &DateLock,
        work: &std::path::Path,
        say: &impl Fn(Progress),
    ) -> anyhow::Result<domain::recon::run::RunSummary> {
        let (store, cards) = (&self.store, &self.cards);
        let date = lock.date();
        say(Progress::Stage(&format!("ingesting the inbound files of {date}")));
        let objects = self.inbound(date).await?;
        // Files are independent (the registry is safe under concurrency): two at a time keeps both
        // cores busy, one parsing while PostgreSQL indexes the other.
        // Boxed into a list first: a lazily mapped iterator here defeats the compiler's proof
        // that the scheduler's task is Send.
        // Each file loaded now is kept for the run as it is read, so the run does not read it again.
        type Load<'a> = std::pin::Pin<
            Box<
                dyn std::future::Future<
                        Output = anyhow::Result<(&'a String, FileOutcome, Option<FileKeeper>)>,
                    > + Send
                    + 'a,
            >,
        >;
        let loads: Vec<Load> = objects
            .iter()
            .enumerate()
            .map(|(n, (source, ObjectInfo { key, .. }))| -> Load {
                Box::pin(async move {
                    let strictness = domain::ingest::strictness(pool, *source).await?;
                    let keeper = FileKeeper::new(date, work.join(format!("kept-{n}.spill")));
                    let (outcome, kept) =
                        ingest_object(pool, store, key, *source, lock, cards, strictness, work, keeper)
                            .await
                            .with_context(|| format!("ingesting {key}"))?;
                    Ok((key, outcome, kept))
                })
            })
            .collect();
        let mut loads = futures_util::stream::iter(loads).buffer_unordered(2);
        let mut done = 0;
        let mut kept = DayReading::default();
        while let Some(loaded) = loads.next().await {
            let (key, outcome, keeper) = loaded?;
            if let Some(keeper) = keeper {
                kept.add(keeper);
            }
            let said = match outcome {
                FileOutcome::Loaded { transactions, issues, .. } => {
                    metrics::counter!("settledesk_files_ingested_total", "outcome" => "loaded").increment(1);
                    metrics::counter!("settledesk_records_ingested_total").increment(transactions);
                    metrics::counter!("settledesk_unreadable_records_total").increment(issues);
                    format!("loaded {transactions} records ({issues} with a bad field)")
                }
                FileOutcome::Quarantined { error, .. } => {
                    metrics::counter!("settledesk_files_ingested_total", "outcome" => "quarantined")
                        .increment(1);
                    format!("QUARANTINED: {error}")
                }
                FileOutcome::Skipped { .. } => "already loaded".to_owned(),
            };
            say(Progress::Note(&format!("{key}  {said}")));
            done += 1;
            say(Progress::Done { done, total: objects.len() as u64 });
        }
        let summary = run_day(pool, store, lock, &RuleSet::default(), cards, work, kept, say)
            .await
            .context("reconciling")?;
        Ok(summary)
    }
}

/// Work directories are named `settledesk-work-<pid>-<label>`: the process that owns one is known.
const WORK_DIR_PREFIX: &str = "settledesk-work-";

/// Removes the work directories of runs whose process is gone (killed mid-run: a crash leaves its
/// report files behind, up to gigabytes on a heavy day). A directory of a live process is left be.
fn sweep_abandoned_work_dirs(parent: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(WORK_DIR_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let alive = std::path::Path::new(&format!("/proc/{pid}")).exists();
        if !alive && entry.file_type().is_ok_and(|t| t.is_dir()) {
            match std::fs::remove_dir_all(entry.path()) {
                Ok(()) => {
                    tracing::info!(directory = %entry.path().display(), "removed the work directory of an ended run")
                }
                Err(e) => {
                    tracing::warn!(directory = %entry.path().display(), error = %e, "could not remove an old work directory")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_work_directories_of_ended_processes_are_swept() {
        let parent = tempfile::tempdir().unwrap();
        // Above Linux's largest process id: no such process.
        let ended = parent.path().join(format!("{WORK_DIR_PREFIX}4294967295-2026-11-20"));
        let ours = parent.path().join(format!("{WORK_DIR_PREFIX}{}-2026-11-20", std::process::id()));
        let other = parent.path().join("someone-elses-4294967295");
        for dir in [&ended, &ours, &other] {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(dir.join("run-1-matches.csv"), "x").unwrap();
        }
        sweep_abandoned_work_dirs(parent.path());
        assert!(!ended.exists(), "an ended run's directory stays");
        assert!(ours.exists(), "a live run's directory was removed");
        assert!(other.exists(), "a directory not ours was removed");
    }
}
