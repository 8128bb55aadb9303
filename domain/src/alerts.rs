//! Alerts for operations: what should wake someone, raised once each into the `alert` table (the
//! outbox, migration 0025), then delivered by the server to the webhook and by mail.
//!
//! | Kind | Raised when | Key (once per) |
//! |---|---|---|
//! | `feed_late` | a source's file of a recent business date is past its due time and not here | source and date |
//! | `feed_quarantined` | an inbound file was refused whole and no correction has replaced it | file |
//! | `run_failed` | a reconciliation run ended without completing | run |
//! | `records_unaccounted` | the latest completed run of a date did not account for every record of a network file that was not quarantined (its control totals do not close) | run and file |
//! | `sla_breached` | a work item passed its service level (escalated) and is not resolved | work item |
//! | `approval_waiting` | a ledger action has waited longer than configured for its approver | action |
//! | `hub_file_quarantined` | a file from the payment hub was refused whole | file |
//! | `payment_overdue` | a payout sent to the hub has had no final status for longer than configured, or an approved one was not sent within 15 minutes | payment instruction |

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgPool;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    FeedLate,
    FeedQuarantined,
    RunFailed,
    RecordsUnaccounted,
    SlaBreached,
    ApprovalWaiting,
    HubFileQuarantined,
    PaymentOverdue,
}

impl AlertKind {
    pub fn code(self) -> &'static str {
        match self {
            AlertKind::FeedLate => "feed_late",
            AlertKind::FeedQuarantined => "feed_quarantined",
            AlertKind::RunFailed => "run_failed",
            AlertKind::RecordsUnaccounted => "records_unaccounted",
            AlertKind::SlaBreached => "sla_breached",
            AlertKind::ApprovalWaiting => "approval_waiting",
            AlertKind::HubFileQuarantined => "hub_file_quarantined",
            AlertKind::PaymentOverdue => "payment_overdue",
        }
    }
}

/// An alert to deliver.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub id: i64,
    pub kind: String,
    pub summary: String,
    pub details: serde_json::Value,
    pub raised_at: DateTime<Utc>,
    /// Whether each channel still needs it.
    #[serde(skip)]
    pub needs_webhook: bool,
    #[serde(skip)]
    pub needs_mail: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Schedule(#[from] crate::calendar::ScheduleError),
}

/// How long an approved payout may wait to be sent to the hub (the drain runs every 30 seconds).
const UNSENT_WITHIN: chrono::Duration = chrono::Duration::minutes(15);

/// How many recent business dates are watched for late files.
const LATE_FEED_DATES: usize = 3;

/// How long something may wait before it is alerted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waits {
    /// A ledger action for its approver.
    pub approval: chrono::Duration,
    /// A payout sent to the payment hub for its final status (settled or rejected).
    pub payout_status: chrono::Duration,
}

impl Default for Waits {
    fn default() -> Self {
        Waits { approval: chrono::Duration::hours(1), payout_status: chrono::Duration::hours(48) }
    }
}

/// Raises every alert whose condition holds now and that was not raised before; returns how many
/// are new.
pub async fn raise(pool: &PgPool, now: DateTime<Utc>, waits: &Waits) -> Result<u64, AlertError> {
    let mut raised = 0;
    let schedule = crate::calendar::load_schedule(pool).await?;
    let holidays = crate::calendar::load_holidays(pool).await?;
    let today = schedule.calendar_date(now);
    let mut dates: Vec<NaiveDate> = Vec::new();
    let mut day = today;
    while dates.len() < LATE_FEED_DATES {
        day = day.pred_opt().expect("dates in range");
        if holidays.is_business_day(day) {
            dates.push(day);
        }
    }
    for date in dates {
        for arrival in crate::ingest::arrivals(pool, date, schedule.time_zone).await? {
            if arrival.state(now) == crate::ingest::ArrivalState::Missing {
                let summary = format!(
                    "The {} file for {date} was due at {} and has not arrived",
                    arrival.source, arrival.due
                );
                let details = serde_json::json!({ "source": arrival.source, "business_date": date, "due": arrival.due });
                raised += insert(
                    pool,
                    AlertKind::FeedLate,
                    &format!("feed_late:{}:{date}", arrival.source),
                    &summary,
                    details,
                )
                .await?;
            }
        }
    }
    let quarantined: Vec<(i64, String, NaiveDate, Option<String>)> = sqlx::query_as(
        "SELECT id, source, business_date, error FROM feed_file
          WHERE status = 'quarantined' AND replaced_by_key IS NULL AND received_at > now() - interval '14 days'",
    )
    .fetch_all(pool)
    .await?;
    for (id, source, date, error) in quarantined {
        let summary = format!("A {source} file for {date} was quarantined: nothing in it was taken in");
        let details =
            serde_json::json!({ "feed_file": id, "source": source, "business_date": date, "reason": error });
        raised +=
            insert(pool, AlertKind::FeedQuarantined, &format!("feed_quarantined:{id}"), &summary, details)
                .await?;
    }
    let failed: Vec<(i64, NaiveDate, i32, Option<String>)> = sqlx::query_as(
        "SELECT id, business_date, version, stage FROM recon_run
          WHERE status = 'abandoned' AND coalesce(finished_at, started_at) > now() - interval '14 days'",
    )
    .fetch_all(pool)
    .await?;
    for (id, date, version, stage) in failed {
        let summary = format!("The reconciliation of {date} (version {version}) failed and did not complete");
        let details =
            serde_json::json!({ "run": id, "business_date": date, "version": version, "stage": stage });
        raised += insert(pool, AlertKind::RunFailed, &format!("run_failed:{id}"), &summary, details).await?;
    }
    // The latest completed run of each recent date (a newer version supersedes an older one's
    // equation). A quarantined file never closes and has its own alert; every other file that
    // does not close is here: one still loading when the run read the day, or a stray the run
    // wrote items for without being given it.
    let unaccounted: Vec<(i64, NaiveDate, i32, i64, String, i64, i64)> = sqlx::query_as(
        "SELECT r.id, r.business_date, r.version, coalesce((c->>'feed_file_id')::bigint, 0),
                coalesce(c->>'object_key', ''), coalesce((c->>'records')::bigint, 0),
                coalesce((c->>'accounted')::bigint, 0)
           FROM recon_run r CROSS JOIN LATERAL jsonb_array_elements(r.manifest->'controls') AS c
          WHERE r.status = 'completed' AND r.finished_at > now() - interval '14 days'
            AND NOT EXISTS (SELECT 1 FROM recon_run newer
                             WHERE newer.business_date = r.business_date AND newer.status = 'completed'
                               AND newer.version > r.version)
            AND coalesce(c->>'status', 'parsed') <> 'quarantined' AND (c->>'closes')::boolean IS NOT TRUE",
    )
    .fetch_all(pool)
    .await?;
    for (run, date, version, file_id, file, records, accounted) in unaccounted {
        let summary = format!(
            "The reconciliation of {date} (version {version}) accounted for {accounted} of the {records} records of feed file {file_id} ({file})"
        );
        let details = serde_json::json!({
            "run": run, "business_date": date, "version": version, "feed_file": file_id, "file": file,
            "records": records, "accounted": accounted,
        });
        let key = format!("records_unaccounted:{run}:{file_id}");
        raised += insert(pool, AlertKind::RecordsUnaccounted, &key, &summary, details).await?;
    }
    let overdue: Vec<(i64, String, Option<String>, NaiveDate)> = sqlx::query_as(
        "SELECT id, class, reason, business_date FROM work_item
          WHERE escalated_at IS NOT NULL AND status <> 'resolved'",
    )
    .fetch_all(pool)
    .await?;
    for (id, class, reason, date) in overdue {
        let summary = format!("Work item {id} ({class}) of {date} is past its service level");
        let details =
            serde_json::json!({ "work_item": id, "class": class, "reason": reason, "business_date": date });
        raised +=
            insert(pool, AlertKind::SlaBreached, &format!("sla_breached:{id}"), &summary, details).await?;
    }
    let waiting: Vec<(i64, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT id, kind, initiated_at FROM ledger_action
          WHERE status = 'pending' AND expires_at > now() AND initiated_at < $1",
    )
    .bind(now - waits.approval)
    .fetch_all(pool)
    .await?;
    for (id, kind, initiated_at) in waiting {
        let summary = format!("Ledger action {id} ({kind}) has waited for an approver since {initiated_at}");
        let details = serde_json::json!({ "ledger_action": id, "kind": kind, "initiated_at": initiated_at });
        raised +=
            insert(pool, AlertKind::ApprovalWaiting, &format!("approval_waiting:{id}"), &summary, details)
                .await?;
    }
    let refused: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT id, object_key, reason FROM hub_file
          WHERE status = 'quarantined' AND received_at > now() - interval '14 days'",
    )
    .fetch_all(pool)
    .await?;
    for (id, key, reason) in refused {
        let summary =
            format!("A file from the payment hub ({key}) was quarantined: nothing in it was applied");
        let details = serde_json::json!({ "hub_file": id, "object_key": key, "reason": reason });
        raised += insert(
            pool,
            AlertKind::HubFileQuarantined,
            &format!("hub_file_quarantined:{id}"),
            &summary,
            details,
        )
        .await?;
    }
    let overdue: Vec<(i64, String, i64, DateTime<Utc>)> = sqlx::query_as(
        "SELECT i.id, i.end_to_end_id, i.action_id, m.sent_at FROM payment_instruction i
           JOIN payment_message m ON m.id = i.message
          WHERE i.status IN ('sent', 'pending') AND m.sent_at < $1",
    )
    .bind(now - waits.payout_status)
    .fetch_all(pool)
    .await?;
    for (id, end_to_end_id, action, sent_at) in overdue {
        let summary = format!(
            "Payout {end_to_end_id} (ledger action {action}) was sent to the payment hub at {sent_at} and has no final status"
        );
        let details = serde_json::json!({ "payment_instruction": id, "end_to_end_id": end_to_end_id,
                                          "ledger_action": action, "sent_at": sent_at });
        raised +=
            insert(pool, AlertKind::PaymentOverdue, &format!("payment_overdue:{id}"), &summary, details)
                .await?;
    }
    // Approved but not sent: the outbox's drain is failing (it runs every 30 seconds).
    let unsent: Vec<(i64, String, i64, DateTime<Utc>)> = sqlx::query_as(
        "SELECT i.id, i.end_to_end_id, i.action_id, i.created_at FROM payment_instruction i
          WHERE i.status = 'queued' AND i.created_at < $1",
    )
    .bind(now - UNSENT_WITHIN)
    .fetch_all(pool)
    .await?;
    for (id, end_to_end_id, action, approved_at) in unsent {
        let summary = format!(
            "Payout {end_to_end_id} (ledger action {action}) was approved at {approved_at} and has not been sent to the payment hub"
        );
        let details = serde_json::json!({ "payment_instruction": id, "end_to_end_id": end_to_end_id,
                                          "ledger_action": action, "approved_at": approved_at, "sent": false });
        raised += insert(pool, AlertKind::PaymentOverdue, &format!("payment_unsent:{id}"), &summary, details)
            .await?;
    }
    Ok(raised)
}

async fn insert(
    pool: &PgPool,
    kind: AlertKind,
    key: &str,
    summary: &str,
    details: serde_json::Value,
) -> Result<u64, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO alert (key, kind, summary, details) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(kind.code())
    .bind(summary)
    .bind(details)
    .execute(pool)
    .await?;
    Ok(inserted.rows_affected())
}

/// Takes up to `limit` alerts still to deliver on a configured channel, holding them for a minute
/// so another replica does not send them at the same time.
pub async fn claim(pool: &PgPool, webhook: bool, mail: bool, limit: i64) -> Result<Vec<Alert>, sqlx::Error> {
    let rows: Vec<Claimed> = sqlx::query_as(
        "UPDATE alert SET claimed_until = now() + interval '1 minute', attempts = attempts + 1
          WHERE id IN (SELECT id FROM alert
                        WHERE (($1 AND webhook_delivered_at IS NULL) OR ($2 AND mail_delivered_at IS NULL))
                          AND (claimed_until IS NULL OR claimed_until < now())
                        ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
          RETURNING id, kind, summary, details, raised_at,
                    $1 AND webhook_delivered_at IS NULL AS needs_webhook, $2 AND mail_delivered_at IS NULL AS needs_mail",
    )
    .bind(webhook)
    .bind(mail)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let mut alerts: Vec<Alert> = rows
        .into_iter()
        .map(|r| Alert {
            id: r.id,
            kind: r.kind,
            summary: r.summary,
            details: r.details,
            raised_at: r.raised_at,
            needs_webhook: r.needs_webhook,
            needs_mail: r.needs_mail,
        })
        .collect();
    alerts.sort_by_key(|a| a.id);
    Ok(alerts)
}

#[derive(sqlx::FromRow)]
struct Claimed {
    id: i64,
    kind: String,
    summary: String,
    details: serde_json::Value,
    raised_at: DateTime<Utc>,
    needs_webhook: bool,
    needs_mail: bool,
}

#[derive(Debug, Clone, Copy)]
pub enum Channel {
    Webhook,
    Mail,
}

/// Records that `id` reached `channel`.
pub async fn delivered(pool: &PgPool, id: i64, channel: Channel) -> Result<(), sqlx::Error> {
    let sql = match channel {
        Channel::Webhook => "UPDATE alert SET webhook_delivered_at = now() WHERE id = $1",
        Channel::Mail => "UPDATE alert SET mail_delivered_at = now() WHERE id = $1",
    };
    sqlx::query(sql).bind(id).execute(pool).await?;
    Ok(())
}

/// Records a failed delivery; the alert is tried again once its hold ends.
pub async fn failed(pool: &PgPool, id: i64, error: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE alert SET last_error = $2 WHERE id = $1").bind(id).bind(error).execute(pool).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn each_condition_is_raised_once_however_often_it_is_looked_for(pool: PgPool) {
        sqlx::query(
            "INSERT INTO feed_file (source, object_key, business_date, size_bytes, sha256, status, error)
             VALUES ('visa', 'inbound/visa/2026-11-20/x.ctf', '2026-11-20', 1, decode(repeat('00', 32), 'hex'),
                     'quarantined', 'not a Visa file')",
        )
        .execute(&pool)
        .await
        .unwrap();
        // A fixed instant, a Wednesday at noon in New York: the three business dates before it are
        // past every source's due time whatever the hour the test runs (with the clock's own
        // time, the latest date's files were not yet due for part of each day), and none is the
        // quarantined file's date (whose visa file counts as quarantined, not late).
        let now: DateTime<Utc> = "2026-12-02T17:00:00Z".parse().unwrap();
        let first = raise(&pool, now, &Waits::default()).await.unwrap();
        // Three recent business dates with nothing from three sources, and the quarantined file.
        assert_eq!(first, 3 * 3 + 1);
        assert_eq!(raise(&pool, now, &Waits::default()).await.unwrap(), 0, "nothing twice");
        let kinds: Vec<(String, i64)> =
            sqlx::query_as("SELECT kind, count(*) FROM alert GROUP BY kind ORDER BY kind")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(kinds, vec![("feed_late".into(), 9), ("feed_quarantined".into(), 1)]);

        // Claimed by one deliverer, not by another at the same time; delivered, not again.
        let claimed = claim(&pool, true, false, 100).await.unwrap();
        assert_eq!(claimed.len(), 10);
        assert!(claim(&pool, true, false, 100).await.unwrap().is_empty());
        for alert in &claimed {
            delivered(&pool, alert.id, Channel::Webhook).await.unwrap();
        }
        sqlx::query("UPDATE alert SET claimed_until = NULL").execute(&pool).await.unwrap();
        assert!(claim(&pool, true, false, 100).await.unwrap().is_empty());
        // Mail, configured later, still has all of them to send.
        assert_eq!(claim(&pool, false, true, 100).await.unwrap().len(), 10);
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_run_that_leaves_records_of_a_loaded_file_unaccounted_raises_an_alert_once(pool: PgPool) {
        let control = |id: i64, key: &str, status: &str, records: u64, accounted: u64| {
            serde_json::json!({ "feed_file_id": id, "network": "visa", "object_key": key, "status": status,
                                "records": records, "accounted": accounted, "currencies": [],
                                "unreadable_without_amount": 0, "closes": records == accounted })
        };
        let manifest = serde_json::json!({ "controls": [
            control(1, "inbound/visa/2026-11-20/a.ctf", "parsed", 100, 100),
            control(2, "inbound/visa/2026-11-20/b.ctf", "parsed", 100, 98),
            // Still loading when the run read the day: none of it accounted for.
            control(3, "inbound/visa/2026-11-20/d.ctf", "received", 50, 0),
            // Quarantined: never closes, and is alerted as quarantined instead.
            control(4, "inbound/visa/2026-11-20/c.ctf", "quarantined", 10, 0),
        ]});
        let superseded =
            serde_json::json!({ "controls": [control(5, "inbound/visa/2026-11-19/a.ctf", "parsed", 10, 9)] });
        let none = serde_json::json!({ "controls": [] });
        let runs = [
            ("2026-11-20", 1, "completed", &manifest),
            ("2026-11-20", 2, "abandoned", &manifest),
            // A date run again: only its latest completed version's equation counts.
            ("2026-11-19", 1, "completed", &superseded),
            ("2026-11-19", 2, "completed", &none),
        ];
        for (date, version, status, manifest) in runs {
            sqlx::query(
                "INSERT INTO recon_run (business_date, version, rule_set_version, status, stage, finished_at, manifest)
                 VALUES ($1::date, $2, 1, $3, 'done', now(), $4)",
            )
            .bind(date)
            .bind(version)
            .bind(status)
            .bind(manifest)
            .execute(&pool)
            .await
            .unwrap();
        }
        raise(&pool, Utc::now(), &Waits::default()).await.unwrap();
        let unaccounted: Vec<(String, serde_json::Value)> =
            sqlx::query_as("SELECT summary, details FROM alert WHERE kind = 'records_unaccounted'")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(unaccounted.len(), 2, "{unaccounted:?}");
        let summaries: Vec<&str> = unaccounted.iter().map(|(summary, _)| summary.as_str()).collect();
        assert!(
            summaries.iter().any(|s| s.contains("accounted for 98 of the 100 records of feed file 2")),
            "{summaries:?}"
        );
        assert!(
            summaries.iter().any(|s| s.contains("accounted for 0 of the 50 records of feed file 3")),
            "{summaries:?}"
        );
        assert!(unaccounted
            .iter()
            .all(|(_, details)| details["version"] == 1 && details["business_date"] == "2026-11-20"));
        raise(&pool, Utc::now(), &Waits::default()).await.unwrap();
        let again: i64 = sqlx::query_scalar("SELECT count(*) FROM alert WHERE kind = 'records_unaccounted'")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(again, 2, "raised once each");
    }
}
