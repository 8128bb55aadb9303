//! The inbound watcher: every interval it lists the inbound store for the business dates a file
//! may still come for (the last week's and the open one), and registers and loads each file it
//! has not taken in, at once, so a file's arrival is known when it lands (the object's
//! last-modified time) and not when a run first looks. Runs inside `serve` (with the scheduler)
//! and as `server ingest watch`.
//!
//! A file of a date that is being run, or loaded by another process, waits for the next look
//! (the date's lock). When it loads a file of a closed date, the scheduler is woken: the date is
//! reconciled once all its sources are in (or due), and again, as a new version, when a file
//! comes after its run.

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use domain::ingest::load::FileOutcome;
use domain::ingest::DateLock;
use sqlx::PgPool;
use tokio::sync::{watch, Notify};

use crate::config::Config;
use crate::recon_job::Job;

/// How far back files are still taken in (as far as the scheduler catches up).
pub const WATCH_DAYS: u64 = 7;

/// What one look took in.
#[derive(Debug, Default)]
pub struct Look {
    /// Each file taken in, with what became of it.
    pub taken_in: Vec<(String, FileOutcome)>,
    /// Dates with new files that another process held: looked at again next time.
    pub busy: Vec<NaiveDate>,
    /// Closed dates a file was loaded for: the scheduler looks at them (a first run, or a new
    /// version when the date has run).
    pub for_scheduler: Vec<NaiveDate>,
}

/// The dates a file may still arrive for at `now`: the closed dates of the last week, oldest
/// first, and the open one.
fn watched_dates(
    schedule: &domain::calendar::BusinessDaySchedule,
    now: chrono::DateTime<Utc>,
) -> Vec<NaiveDate> {
    let mut dates = schedule.closed_dates(now, WATCH_DAYS);
    let open = schedule.open_business_date(now);
    dates.push(open);
    dates
}

/// One look at the inbound store.
pub async fn look(pool: &PgPool, job: &Job) -> anyhow::Result<Look> {
    let schedule = domain::calendar::load_schedule(pool).await?;
    let now = Utc::now();
    let open = schedule.open_business_date(now);
    let mut look = Look::default();
    for date in watched_dates(&schedule, now) {
        let listed = job.inbound(date).await?;
        let objects = listed.iter().map(|(_, object)| object.clone()).collect();
        let new = domain::ingest::not_taken_in(pool, objects).await?;
        if new.is_empty() {
            continue;
        }
        let Some(lock) = DateLock::try_take(pool, date).await? else {
            look.busy.push(date);
            continue;
        };
        let work = job.work_dir(&format!("watch-{date}"))?;
        let mut result = Ok(());
        let mut loaded = false;
        for object in &new {
            let Some((source, _)) = listed.iter().find(|(_, o)| o.key == object.key) else { continue };
            match job.take_in(pool, &lock, *source, &object.key, &work).await {
                Ok(outcome) => {
                    tracing::info!(file = %object.key, outcome = ?outcome, "inbound file taken in");
                    loaded |= matches!(outcome, FileOutcome::Loaded { .. });
                    look.taken_in.push((object.key.clone(), outcome));
                }
                Err(e) => {
                    // One file that cannot be read now (a network error) does not stop the others.
                    tracing::error!(file = %object.key, error = %format!("{e:#}"), "could not take in an inbound file; trying again next look");
                    result = Err(e);
                }
            }
        }
        if loaded && date < open {
            look.for_scheduler.push(date);
        }
        lock.release().await;
        let _ = std::fs::remove_dir_all(&work);
        if let Err(e) = result {
            tracing::warn!(run.business_date = %date, error = %format!("{e:#}"), "some files of the date were not taken in");
        }
    }
    Ok(look)
}

/// Looks every `interval` until `stopping`; wakes the scheduler when a date needs a new version.
pub fn spawn(
    pool: PgPool,
    job: Job,
    interval: Duration,
    scheduler: Arc<Notify>,
    mut stopping: watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        loop {
            match look(&pool, &job).await {
                Ok(look) if !look.for_scheduler.is_empty() => scheduler.notify_one(),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "the inbound watcher could not look; trying again")
                }
            }
            tokio::select! {
                () = tokio::time::sleep(interval) => {}
                _ = stopping.wait_for(|stop| *stop) => return,
            }
        }
    });
}

#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// Look once and exit, instead of looking every interval.
    #[arg(long)]
    once: bool,
}

/// `server ingest watch`.
pub async fn run(config: &Config, args: &WatchArgs) -> anyhow::Result<()> {
    let pool = domain::db::lazy_pool(config.job_database_options(), Job::CONNECTIONS);
    let job = Job::new(config).await;
    loop {
        let look = look(&pool, &job).await?;
        for (key, outcome) in &look.taken_in {
            let said = match outcome {
                FileOutcome::Loaded { transactions, issues, .. } => {
                    format!("loaded {transactions} records ({issues} with a bad field)")
                }
                FileOutcome::Quarantined { error, .. } => format!("QUARANTINED: {error}"),
                FileOutcome::Skipped { .. } => "already loaded (or a copy of a loaded file)".to_owned(),
            };
            crate::cli_output::say!("{key}  {said}");
        }
        for date in &look.busy {
            crate::cli_output::say!(
                "{date}: being run or loaded by another process; its new files wait for the next look"
            );
        }
        for date in &look.for_scheduler {
            crate::cli_output::say!(
                "{date}: new files for a closed date; a scheduler (in `serve`) reconciles it"
            );
        }
        if args.once {
            break;
        }
        tokio::select! {
            () = tokio::time::sleep(config.ingest_interval) => {}
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    pool.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_week_of_closed_dates_and_the_open_one_are_watched() {
        let schedule = domain::calendar::BusinessDaySchedule {
            time_zone: domain::calendar::parse_time_zone("America/New_York").unwrap(),
            cutoff: chrono::NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
        };
        // 19:00 in New York on 3 December: the 3rd has closed, the 4th is open.
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-04T00:00:00Z").unwrap().with_timezone(&Utc);
        let dates = watched_dates(&schedule, now);
        let date = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(dates.first(), Some(&date("2026-11-27")));
        assert_eq!(&dates[dates.len() - 2..], &[date("2026-12-03"), date("2026-12-04")]);
        assert_eq!(dates.len(), 8);
    }
}
