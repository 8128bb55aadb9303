//! The figures operations watches that live in the database: the exception queue by age, the
//! approvals waiting, quarantined files, and the latest run. Read when `/metrics` is scraped,
//! each a count over an indexed status column, so a scrape costs milliseconds.

use sqlx::PgPool;

/// Open work items by how long they have been open.
pub const AGE_BANDS: [(&str, &str); 4] = [
    ("under_1d", "opened_at > now() - interval '1 day'"),
    ("1d_to_3d", "opened_at <= now() - interval '1 day' AND opened_at > now() - interval '3 days'"),
    ("3d_to_7d", "opened_at <= now() - interval '3 days' AND opened_at > now() - interval '7 days'"),
    ("over_7d", "opened_at <= now() - interval '7 days'"),
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Gauges {
    /// Open and in-progress work items, per [`AGE_BANDS`] label.
    pub open_exceptions_by_age: Vec<(&'static str, i64)>,
    /// Work items escalated past their service level and still not resolved.
    pub escalated_exceptions: i64,
    /// Ledger actions waiting for an approver (not yet expired).
    pub pending_approvals: i64,
    /// Seconds the longest-waiting of those has waited; 0 when none waits.
    pub oldest_pending_approval_seconds: f64,
    /// Inbound files quarantined and not replaced by a released correction.
    pub quarantined_files: i64,
    /// Seconds since the last run completed; `None` before the first.
    pub seconds_since_last_completed_run: Option<f64>,
}

pub async fn read(pool: &PgPool) -> Result<Gauges, sqlx::Error> {
    let mut gauges = Gauges::default();
    for (label, band) in AGE_BANDS {
        let sql = format!("SELECT count(*) FROM work_item WHERE status <> 'resolved' AND {band}");
        let count: i64 = sqlx::query_scalar(&sql).fetch_one(pool).await?;
        gauges.open_exceptions_by_age.push((label, count));
    }
    gauges.escalated_exceptions = sqlx::query_scalar(
        "SELECT count(*) FROM work_item WHERE status <> 'resolved' AND escalated_at IS NOT NULL",
    )
    .fetch_one(pool)
    .await?;
    let (pending, oldest): (i64, Option<f64>) = sqlx::query_as(
        "SELECT count(*), extract(epoch FROM now() - min(initiated_at))::float8
           FROM ledger_action WHERE status = 'pending' AND expires_at > now()",
    )
    .fetch_one(pool)
    .await?;
    gauges.pending_approvals = pending;
    gauges.oldest_pending_approval_seconds = oldest.unwrap_or(0.0);
    gauges.quarantined_files = sqlx::query_scalar(
        "SELECT count(*) FROM feed_file WHERE status = 'quarantined' AND replaced_by_key IS NULL",
    )
    .fetch_one(pool)
    .await?;
    gauges.seconds_since_last_completed_run = sqlx::query_scalar(
        "SELECT extract(epoch FROM now() - max(finished_at))::float8 FROM recon_run WHERE status = 'completed'",
    )
    .fetch_one(pool)
    .await?;
    Ok(gauges)
}
