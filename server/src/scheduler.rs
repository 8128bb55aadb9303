//! The daily schedule: each business date is reconciled once its cutoff (in the bank's operating
//! time zone) has passed; at start-up, and every few minutes after, dates of the last week that
//! have inbound files but no completed run are caught up. A date whose run has completed is run
//! again, as a new version, when a file of it arrives later (one in the inbound store that no run
//! has taken in, or one loaded since by another process): a late file is reconciled by itself,
//! and the work items it settles close (`matched_on_rerun`). Replicas may all run a scheduler: the
//! date's lock (`ingest::DateLock`) lets only one of them reconcile a date, and runs of different
//! dates take turns.

use std::time::Duration;

use chrono::Utc;
use domain::ingest::DateLock;
use domain::recon::run::Progress;
use sqlx::PgPool;
use tokio::sync::watch;

use crate::recon_job::Job;

/// How far back missed dates are caught up.
const CATCH_UP_DAYS: u64 = 7;
/// How often to look for late files and missed dates between cutoffs.
const RECHECK: Duration = Duration::from_secs(15 * 60);

pub fn spawn(pool: PgPool, job: Job, mut stopping: watch::Receiver<bool>) {
    tokio::spawn(async move {
        loop {
            let wait = match tick(&pool, &job).await {
                Ok(until_cutoff) => until_cutoff.min(RECHECK),
                Err(e) => {
                    tracing::warn!(error = %e, "scheduler could not check the business dates; retrying in a minute");
                    Duration::from_secs(60)
                }
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                _ = stopping.wait_for(|stop| *stop) => return,
            }
        }
    });
}

/// Reconciles every closed date that needs it; returns the time until the next cutoff.
async fn tick(pool: &PgPool, job: &Job) -> anyhow::Result<Duration> {
    let schedule = domain::calendar::load_schedule(pool).await?;
    let now = Utc::now();
    for date in schedule.closed_dates(now, CATCH_UP_DAYS) {
        let inbound = job.inbound_keys(date).await?;
        if inbound.is_empty() {
            continue;
        }
        // Whether the date needs a run is decided under its lock: another replica may have just
        // run it. A date held by another process (loading a file of it, or running it) is left
        // to the next look.
        let Some(lock) = DateLock::try_take(pool, date).await? else {
            tracing::info!(run.business_date = %date, "another process is loading or running this date; looking again later");
            continue;
        };
        let ran = reconcile_if_needed(pool, job, &lock, &inbound).await;
        lock.release().await;
        ran?;
    }
    let next_cutoff = schedule.cutoff_instant(schedule.open_business_date(now));
    Ok((next_cutoff - Utc::now()).to_std().unwrap_or(Duration::from_secs(1)))
}

/// Runs the locked date if it has no completed run, or files no completed run has seen.
async fn reconcile_if_needed(
    pool: &PgPool,
    job: &Job,
    lock: &DateLock,
    inbound: &[String],
) -> anyhow::Result<()> {
    let date = lock.date();
    if domain::recon::run::has_completed_run(pool, date).await? {
        let late = domain::recon::run::late_files(pool, date, inbound).await?;
        if late.is_empty() {
            return Ok(());
        }
        tracing::info!(run.business_date = %date, files = ?late, "files arrived after the date's run: reconciling a new version");
    }
    tracing::info!(run.business_date = %date, "scheduled reconciliation starting");
    let _prompt = crate::allocator::PromptRelease::start();
    match job
        .reconcile_locked(pool, lock, |progress| match progress {
            Progress::Stage(text) | Progress::Note(text) => {
                tracing::info!(run.business_date = %date, "{text}")
            }
            Progress::Done { .. } => {}
        })
        .await
    {
        Ok(summary) => {
            tracing::info!(run.business_date = %date, run.version = summary.version, "scheduled reconciliation completed")
        }
        Err(e) => {
            tracing::error!(run.business_date = %date, error = %format!("{e:#}"), "scheduled reconciliation failed")
        }
    }
    Ok(())
}
