//! The daily schedule: each business date is reconciled once its cutoff (in the bank's operating
//! time zone) has passed and each source's file has arrived or is past due; at start-up, when the
//! watcher takes in a file of a closed date, and every few minutes, dates of the last week that
//! have inbound files but no completed run are caught up. A date whose run has completed is run
//! again, as a new version, when a file of it arrives later (one in the inbound store that no run
//! has taken in, or one loaded since by another process): a late file is reconciled by itself,
//! and the work items it settles close (`matched_on_rerun`). Replicas may all run a scheduler: the
//! date's lock (`ingest::DateLock`) lets only one of them reconcile a date, and runs of different
//! dates take turns.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use domain::ingest::operations::RUN_REQUESTED;
use domain::ingest::DateLock;
use domain::recon::run::Progress;
use sqlx::PgPool;
use tokio::sync::{watch, Notify};

use crate::recon_job::Job;

/// How far back missed dates are caught up.
const CATCH_UP_DAYS: u64 = 7;
/// How often to look for late files and missed dates between cutoffs (the watcher also wakes
/// the scheduler when it takes in a file of a closed date).
const RECHECK: Duration = Duration::from_secs(15 * 60);
/// How soon to look again when a date was held by another process.
const BUSY_RECHECK: Duration = Duration::from_secs(30);

/// What a look at the dates found.
struct Tick {
    /// Time until the open date's cutoff.
    until_cutoff: Duration,
    /// Whether a date was held by another process (loading a file, or running it).
    busy: bool,
}

/// Runs the schedule until `stopping`; `woken` (by the watcher, when a file arrived after its
/// date's run) makes it look at once.
pub fn spawn(pool: PgPool, job: Job, woken: Arc<Notify>, mut stopping: watch::Receiver<bool>) {
    tokio::spawn(async move {
        // Re-runs asked for in the portal (by any replica) wake every scheduler at once.
        let mut requests = match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(mut listener) => match listener.listen(RUN_REQUESTED).await {
                Ok(()) => Some(listener),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for re-run requests; they wait for the next look");
                    None
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for re-run requests; they wait for the next look");
                None
            }
        };
        loop {
            let wait = match tick(&pool, &job).await {
                // A date another process held is looked at again soon: it may need a run.
                Ok(Tick { until_cutoff, busy: true }) => until_cutoff.min(BUSY_RECHECK),
                Ok(Tick { until_cutoff, busy: false }) => until_cutoff.min(RECHECK),
                Err(e) => {
                    tracing::warn!(error = %e, "scheduler could not check the business dates; retrying in a minute");
                    Duration::from_secs(60)
                }
            };
            let requested = async {
                match requests.as_mut() {
                    Some(listener) => {
                        if let Err(e) = listener.recv().await {
                            tracing::warn!(error = %e, "lost the re-run request channel; reconnecting");
                            tokio::time::sleep(Duration::from_secs(5)).await;
                        }
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = woken.notified() => {}
                () = requested => {}
                _ = stopping.wait_for(|stop| *stop) => return,
            }
        }
    });
}

/// Reconciles every closed date that needs it, oldest first.
async fn tick(pool: &PgPool, job: &Job) -> anyhow::Result<Tick> {
    let schedule = domain::calendar::load_schedule(pool).await?;
    let now = Utc::now();
    let mut busy = false;
    for (id, date) in domain::ingest::operations::open_run_requests(pool).await? {
        let Some(lock) = DateLock::try_take(pool, date).await? else {
            busy = true;
            continue;
        };
        let answered = answer_run_request(pool, job, &lock, id).await;
        lock.release().await;
        answered?;
    }
    for date in schedule.closed_dates(now, CATCH_UP_DAYS) {
        let inbound = job.inbound_keys(date).await?;
        if inbound.is_empty() {
            continue;
        }
        // Whether the date needs a run is decided under its lock: another replica may have just
        // run it. A date held by another process (loading a file of it, or running it) is left
        // to the next look.
        let Some(lock) = DateLock::try_take(pool, date).await? else {
            tracing::info!(run.business_date = %date, "another process is loading or running this date; looking again soon");
            busy = true;
            continue;
        };
        let ran = reconcile_if_needed(pool, job, &lock, &inbound, &schedule).await;
        lock.release().await;
        ran?;
    }
    let next_cutoff = schedule.cutoff_instant(schedule.open_business_date(now));
    let until_cutoff = (next_cutoff - Utc::now()).to_std().unwrap_or(Duration::from_secs(1));
    Ok(Tick { until_cutoff, busy })
}

/// Runs the locked date for re-run request `id`, if no other scheduler has answered it, and
/// records the run (or why it failed) on the request.
async fn answer_run_request(pool: &PgPool, job: &Job, lock: &DateLock, id: i64) -> anyhow::Result<()> {
    use domain::ingest::operations::{finish_run_request, run_request_open};
    if !run_request_open(pool, id).await? {
        return Ok(());
    }
    let date = lock.date();
    tracing::info!(run.business_date = %date, request = id, "re-run asked for in the portal starting");
    let outcome = job.reconcile_locked(pool, lock, |progress| log_progress(date, progress)).await;
    match &outcome {
        Ok(summary) => {
            tracing::info!(run.business_date = %date, run.version = summary.version, request = id, "re-run completed")
        }
        Err(e) => {
            tracing::error!(run.business_date = %date, request = id, error = %format!("{e:#}"), "re-run failed")
        }
    }
    finish_run_request(pool, id, outcome.map(|s| s.run_id).map_err(|e| format!("{e:#}"))).await?;
    Ok(())
}

fn log_progress(date: chrono::NaiveDate, progress: Progress) {
    match progress {
        Progress::Stage(text) | Progress::Note(text) => tracing::info!(run.business_date = %date, "{text}"),
        Progress::Done { .. } => {}
    }
}

/// Runs the locked date if it has no completed run (once its sources are in or due), or files no
/// completed run has seen.
async fn reconcile_if_needed(
    pool: &PgPool,
    job: &Job,
    lock: &DateLock,
    inbound: &[String],
    schedule: &domain::calendar::BusinessDaySchedule,
) -> anyhow::Result<()> {
    let date = lock.date();
    if domain::recon::history::has_completed_run(pool, date).await? {
        let late = domain::recon::history::late_files(pool, date, inbound).await?;
        if late.is_empty() {
            return Ok(());
        }
        tracing::info!(run.business_date = %date, files = ?late, "files arrived after the date's run: reconciling a new version");
    } else {
        // The first run waits for every source's file, or for its due time to pass (then the
        // source is missing, and the day is run without it): a Zelle extract in the evening and
        // network files the next morning make one version, not two.
        let arrivals = domain::ingest::arrivals(pool, date, schedule.time_zone).await?;
        let now = Utc::now();
        let waiting: Vec<&str> = arrivals
            .iter()
            .filter(|a| a.files == 0 && a.not_expected.is_none() && now <= a.due)
            .map(|a| a.source.as_str())
            .collect();
        if !waiting.is_empty() {
            tracing::info!(run.business_date = %date, sources = ?waiting, "waiting for the date's other files (not due yet)");
            return Ok(());
        }
    }
    tracing::info!(run.business_date = %date, "scheduled reconciliation starting");
    // How long after the date closed its scheduled run starts: waiting for files, catching up.
    let lag = (Utc::now() - schedule.cutoff_instant(date)).num_milliseconds().max(0) as f64 / 1000.0;
    metrics::gauge!("settledesk_scheduler_lag_seconds").set(lag);
    let _prompt = crate::allocator::PromptRelease::start();
    match job.reconcile_locked(pool, lock, |progress| log_progress(date, progress)).await {
        Ok(summary) => {
            tracing::info!(run.business_date = %date, run.version = summary.version, "scheduled reconciliation completed")
        }
        Err(e) => {
            tracing::error!(run.business_date = %date, error = %format!("{e:#}"), "scheduled reconciliation failed")
        }
    }
    Ok(())
}
