//! What the runs of past and present dates say: the newest completed run, the trend of the last
//! dates, a run in progress, and the files of a date that no completed run has seen yet.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

use super::counts::ClassCounts;
use super::report::Manifest;

/// The newest completed run, for the dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOverview {
    pub business_date: NaiveDate,
    pub version: i32,
    pub finished_at: DateTime<Utc>,
    pub records: i64,
    pub payments: i64,
    /// Items per class.
    pub counts: ClassCounts,
    /// The report files it wrote, with their totals per currency.
    pub manifest: Manifest,
}

pub async fn latest_completed(pool: &PgPool) -> Result<Option<RunOverview>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT business_date AS "business_date: NaiveDate", version, finished_at AS "finished_at!: DateTime<Utc>",
                  records AS "records!", payments AS "payments!", counts AS "counts!", manifest AS "manifest!"
           FROM recon_run WHERE status = 'completed'
           ORDER BY business_date DESC, version DESC LIMIT 1"#
    )
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let manifest = serde_json::from_value(r.manifest).map_err(|e| {
        sqlx::Error::Decode(format!("run of {} has an unreadable manifest: {e}", r.business_date).into())
    })?;
    Ok(Some(RunOverview {
        business_date: r.business_date,
        version: r.version,
        finished_at: r.finished_at,
        records: r.records,
        payments: r.payments,
        counts: stored_counts(r.counts),
        manifest,
    }))
}

/// One business date's latest completed run, for the trend chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayResult {
    pub business_date: NaiveDate,
    pub records: i64,
    pub counts: ClassCounts,
}

/// The latest completed run of each of the last `days` reconciled dates, oldest first.
pub async fn trend(pool: &PgPool, days: i64) -> Result<Vec<DayResult>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT business_date AS "business_date!: NaiveDate", records AS "records!", counts AS "counts!" FROM (
               SELECT DISTINCT ON (business_date) business_date, records, counts FROM recon_run
               WHERE status = 'completed' ORDER BY business_date DESC, version DESC LIMIT $1) latest
           ORDER BY business_date"#,
        days
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| DayResult {
            business_date: r.business_date,
            records: r.records,
            counts: stored_counts(r.counts),
        })
        .collect())
}

/// A run's stored counts (items per `class` or `class/reason`) per class.
fn stored_counts(counts: serde_json::Value) -> ClassCounts {
    ClassCounts::from_stored(&serde_json::from_value(counts).unwrap_or_default())
}

/// A run in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningRun {
    pub business_date: NaiveDate,
    pub version: i32,
    pub stage: String,
    pub started_at: DateTime<Utc>,
    /// Records written to the reports and items so far, of how many (during that stage).
    pub items_done: Option<i64>,
    pub items_total: Option<i64>,
}

/// The newest run in progress, if any.
pub async fn running(pool: &PgPool) -> Result<Option<RunningRun>, sqlx::Error> {
    sqlx::query_as!(
        RunningRun,
        r#"SELECT business_date AS "business_date: NaiveDate", version, stage, started_at AS "started_at: DateTime<Utc>",
                  items_done, items_total
           FROM recon_run WHERE status = 'running' ORDER BY started_at DESC LIMIT 1"#
    )
    .fetch_optional(pool)
    .await
}

/// Whether `date` has a completed run.
pub async fn has_completed_run(pool: &PgPool, date: NaiveDate) -> Result<bool, sqlx::Error> {
    let found = sqlx::query_scalar!(
        "SELECT EXISTS (SELECT 1 FROM recon_run WHERE business_date = $1 AND status = 'completed')",
        date as _
    )
    .fetch_one(pool)
    .await?;
    Ok(found.unwrap_or(false))
}

/// The files of `date`, which has a completed run, that no completed run has seen: keys of the
/// inbound store (`inbound`, as listed there) that were never registered, files loaded since the
/// latest completed run of the date began (by another process), and files whose load never
/// finished (a run ingests them again). A late file, for which the date is run again.
pub async fn late_files(
    pool: &PgPool,
    date: NaiveDate,
    inbound: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    let mut late = sqlx::query_scalar!(
        r#"SELECT k AS "key!" FROM unnest($1::text[]) AS listed (k)
           WHERE NOT EXISTS (SELECT 1 FROM feed_file f WHERE f.object_key = listed.k)"#,
        inbound
    )
    .fetch_all(pool)
    .await?;
    late.extend(
        sqlx::query_scalar!(
            "SELECT object_key FROM feed_file
             WHERE business_date = $1
               AND (status = 'received'
                    OR status = 'parsed' AND processed_at > (SELECT max(started_at) FROM recon_run
                                                             WHERE business_date = $1 AND status = 'completed'))
             ORDER BY object_key",
            date as _
        )
        .fetch_all(pool)
        .await?,
    );
    Ok(late)
}
