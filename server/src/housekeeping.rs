//! Work that must happen whether or not anyone looks: pending ledger actions past their time
//! expire, work items past their service level are escalated, alerts are raised and sent, and
//! items and payments past their retention period are retired (`domain::retention`). Every replica may run it; both
//! steps are idempotent single statements, so two replicas at once change nothing twice.

use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::watch;

/// How often to look.
const EVERY: Duration = Duration::from_secs(60);

pub fn spawn(
    pool: PgPool,
    alerts: crate::config::AlertConfig,
    retention: domain::retention::Policy,
    store: domain::storage::ObjectStore,
    mut stopping: watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = stopping.wait_for(|stop| *stop) => return,
            }
            if let Err(e) = once(&pool, &store, &retention).await {
                tracing::warn!(error = %format!("{e:#}"), "housekeeping skipped; trying again in a minute");
            }
            // After escalation, so an item that just passed its service level is alerted at once.
            if let Err(e) = crate::alerts::once(&pool, &alerts).await {
                tracing::warn!(error = %format!("{e:#}"), "alerts not raised or sent; trying again in a minute");
            }
        }
    });
}

/// One round: expire, escalate, fold the queue's tally, retire.
pub async fn once(
    pool: &PgPool,
    store: &domain::storage::ObjectStore,
    retention: &domain::retention::Policy,
) -> anyhow::Result<()> {
    let expired = domain::ledger::actions::expire(pool).await?;
    if expired > 0 {
        tracing::info!(expired, "pending ledger actions expired without approval");
    }
    let today = domain::calendar::load_schedule(pool).await?.calendar_date(chrono::Utc::now());
    let holidays = domain::calendar::load_holidays(pool).await?;
    let escalated = domain::exceptions::escalate_overdue(pool, today, &holidays).await?;
    if !escalated.is_empty() {
        tracing::info!(escalated = escalated.len(), "work items past their service level escalated");
    }
    // Each on its own: a fold that fails leaves the counts right (only longer to sum), and
    // must not keep retention from its round.
    if let Err(e) = domain::exceptions::fold_tally(pool).await {
        tracing::warn!(error = %e, "the queue's tally was not folded; trying again next round");
    }
    retire(pool, store, retention, today).await?;
    Ok(())
}

/// Retires what `retention` says is due now, `today` being the bank's calendar date (also `server
/// retention run`), and logs what went.
pub async fn retire(
    pool: &PgPool,
    store: &domain::storage::ObjectStore,
    retention: &domain::retention::Policy,
    today: chrono::NaiveDate,
) -> anyhow::Result<domain::retention::Retired> {
    let retired = domain::retention::retire(pool, store, retention, today, chrono::Utc::now()).await?;
    for run in &retired.runs {
        tracing::info!(run = run.run_id, items = run.items_dropped, kept = run.items_kept, bytes = run.bytes_freed, why = ?run.why, "run items retired");
    }
    for file in &retired.files {
        tracing::info!(
            feed_file = file.feed_file_id,
            payments = file.payments,
            bytes = file.bytes_freed,
            "file payments retired"
        );
    }
    Ok(retired)
}
