//! Retention: the rows the database stops keeping, by a job, under a configured policy.
//!
//! Three things age out:
//! - **a superseded run version's items**, some days after a newer version of its date completed
//!   (the newer version says the same of the day, with the late files in);
//! - **any run's items** once its business date is older than the items' period;
//! - **a Zelle extract's payments** once its business date is older than the inbound period.
//!
//! What stays: each run's row, its counts and its reports (in object storage, under the bank's
//! own retention); each file's registry row (its hash still refuses a second delivery); every
//! work item and the items work items point at, so the work's history keeps its subject. A run's
//! items go by swapping its partition for one that holds only those; a file's payments by
//! dropping its partition. Either is a catalog change, not ten million deletes, and gives the
//! disk back at once. Each retirement is one transaction with its audit event.
//!
//! Nothing goes from the database unless its copy outside is there: a run's report files and
//! manifest, a file's inbound object (checked in object storage just before, each time).
//!
//! A run of a date whose Zelle payments, or those of the days it reads open payments from, were
//! retired would find no payments and call every record a mismatch; one whose neighbours' newest
//! runs lost their items would no longer know which payments those settled. Such a run is
//! refused ([`retired_near`]).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};

use crate::audit::{self, AuditAction, NewAuditEvent};
use crate::db::DetachedPartition;
use crate::ingest::DateLock;
use crate::storage::{ObjectStore, StorageError};

/// No period may be shorter: a run reads open payments of the ten days before its date, within a
/// grace period and a catch-up week, and a period must leave all of them in place.
pub const SHORTEST_PERIOD_DAYS: u32 = 60;

/// How long rows are kept in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Days a superseded run version's items stay after the version that superseded it completed.
    pub superseded_days: u32,
    /// Days a run's items stay, counted from its business date.
    pub items_days: u32,
    /// Days a Zelle extract's payments stay, counted from its business date.
    pub inbound_days: u32,
}

impl Default for Policy {
    /// Thirteen months online for items and payments (a year and its month-end close), a month
    /// for a superseded version.
    fn default() -> Self {
        Policy { superseded_days: 30, items_days: 400, inbound_days: 400 }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PolicyError {
    #[error("{days} days is shorter than the shortest period, {SHORTEST_PERIOD_DAYS} days")]
    TooShort { period: Period, days: u32 },
    /// A kept match shows its payment's fields, so an extract's payments stay while a run's
    /// items do: a shorter period for them would not be kept.
    #[error("{inbound_days} days for payments is shorter than the {items_days} days items are kept, which show them")]
    PaymentsBeforeItems { items_days: u32, inbound_days: u32 },
}

impl PolicyError {
    /// The period whose setting is wrong.
    pub fn period(&self) -> Period {
        match self {
            PolicyError::TooShort { period, .. } => *period,
            PolicyError::PaymentsBeforeItems { .. } => Period::Inbound,
        }
    }
}

/// The periods that have a floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Items,
    Inbound,
}

impl Policy {
    /// The policy as the audit trail records it beside each retirement.
    pub fn described(&self) -> serde_json::Value {
        serde_json::json!({
            "superseded_days": self.superseded_days,
            "items_days": self.items_days,
            "inbound_days": self.inbound_days,
        })
    }

    pub fn new(superseded_days: u32, items_days: u32, inbound_days: u32) -> Result<Policy, PolicyError> {
        for (period, days) in [(Period::Items, items_days), (Period::Inbound, inbound_days)] {
            if days < SHORTEST_PERIOD_DAYS {
                return Err(PolicyError::TooShort { period, days });
            }
        }
        if inbound_days < items_days {
            return Err(PolicyError::PaymentsBeforeItems { items_days, inbound_days });
        }
        Ok(Policy { superseded_days, items_days, inbound_days })
    }
}

/// Why a run's items were retired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    Superseded,
    Aged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetiredRun {
    pub run_id: i64,
    pub business_date: NaiveDate,
    pub version: i32,
    pub why: Why,
    pub items_dropped: i64,
    pub items_kept: i64,
    /// Disk given back: the dropped partition with its indexes, less the kept one.
    pub bytes_freed: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetiredFile {
    pub feed_file_id: i64,
    pub business_date: NaiveDate,
    pub payments: i64,
    pub bytes_freed: i64,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Retired {
    pub runs: Vec<RetiredRun>,
    pub files: Vec<RetiredFile>,
    /// Dates skipped because another process held them (a load or a run): tried at the next round.
    pub busy: Vec<NaiveDate>,
    /// Runs and files that failed (logged): tried at the next round.
    pub failed: u32,
}

impl Retired {
    pub fn bytes_freed(&self) -> i64 {
        self.runs.iter().map(|r| r.bytes_freed).chain(self.files.iter().map(|f| f.bytes_freed)).sum()
    }
}

/// Why one run or file was not retired this round (it is tried again at the next).
#[derive(Debug, thiserror::Error)]
pub enum NotRetired {
    #[error("{0} is not in object storage: the database's copy stays")]
    Missing(String),
    #[error("the run has no manifest naming its reports: its items stay")]
    NoManifest,
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Fails unless every key is in `store`.
async fn outside_copies(store: &ObjectStore, keys: &[String]) -> Result<(), NotRetired> {
    for key in keys {
        match store.last_modified(key).await {
            Ok(_) => {}
            Err(StorageError::NotFound(_)) => return Err(NotRetired::Missing(key.clone())),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// The report files and manifest of run `version` of `date`, as its stored manifest names them.
fn report_keys(
    date: NaiveDate,
    version: i32,
    manifest: Option<&serde_json::Value>,
) -> Result<Vec<String>, NotRetired> {
    let files =
        manifest.and_then(|m| m.get("files")).and_then(|f| f.as_array()).ok_or(NotRetired::NoManifest)?;
    let prefix = format!("reports/{date}/v{version}");
    let mut keys: Vec<String> = files
        .iter()
        .map(|f| f.get("name").and_then(|n| n.as_str()).map(|name| format!("{prefix}/{name}")))
        .collect::<Option<_>>()
        .ok_or(NotRetired::NoManifest)?;
    keys.push(format!("{prefix}/manifest.json"));
    Ok(keys)
}

/// The actor retirements are recorded under.
const ACTOR: &str = "system:retention";

/// Retires everything `policy` says is due at `now`, today being `today` in the bank's time zone.
/// Idempotent: what is retired is marked, and a second process at once finds the date held.
pub async fn retire(
    pool: &PgPool,
    store: &ObjectStore,
    policy: &Policy,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Retired, sqlx::Error> {
    let mut retired = Retired::default();
    let superseded_before = now - chrono::Duration::days(policy.superseded_days.into());
    let items_before = today - chrono::Duration::days(policy.items_days.into());
    let runs = sqlx::query!(
        r#"SELECT r.id, r.business_date AS "business_date: NaiveDate", r.version, r.manifest,
                  r.business_date >= $2 AS "superseded!"
           FROM recon_run r
           WHERE r.status = 'completed' AND r.items_retired_at IS NULL
             AND (r.business_date < $2
                  OR EXISTS (SELECT FROM recon_run n WHERE n.business_date = r.business_date AND n.version > r.version
                                AND n.status = 'completed' AND n.finished_at < $1))
           ORDER BY r.business_date, r.version"#,
        superseded_before as _,
        items_before as _
    )
    .fetch_all(pool)
    .await?;
    for run in runs {
        let why = if run.superseded { Why::Superseded } else { Why::Aged };
        let Some(lock) = DateLock::try_take(pool, run.business_date).await? else {
            retired.busy.push(run.business_date);
            continue;
        };
        let outcome = match report_keys(run.business_date, run.version, run.manifest.as_ref()) {
            Ok(keys) => match outside_copies(store, &keys).await {
                Ok(()) => retire_run(pool, policy, run.id, run.business_date, run.version, why)
                    .await
                    .map_err(NotRetired::from),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        lock.release().await;
        match outcome {
            Ok(Some(done)) => retired.runs.push(done),
            Ok(None) => {}
            // One run that cannot be retired now (its table busy past the lock timeout, or not
            // ours to drop) holds up neither the others nor the files: it is tried again next round.
            Err(e) => {
                tracing::warn!(run = run.id, error = %e, "a run's items could not be retired; trying again next round");
                retired.failed += 1;
            }
        }
    }

    let inbound_before = today - chrono::Duration::days(policy.inbound_days.into());
    let files = sqlx::query!(
        r#"SELECT f.id, f.business_date AS "business_date!: NaiveDate", f.object_key
           FROM feed_file f
           WHERE f.business_date < $1 AND f.rows_retired_at IS NULL
             AND EXISTS (SELECT FROM pg_inherits h WHERE h.inhparent = 'zelle_payment'::regclass
                           AND h.inhrelid = to_regclass('zelle_payment_f' || f.id))
           ORDER BY f.business_date, f.id"#,
        inbound_before as _
    )
    .fetch_all(pool)
    .await?;
    for file in files {
        let Some(lock) = DateLock::try_take(pool, file.business_date).await? else {
            retired.busy.push(file.business_date);
            continue;
        };
        let outcome = match outside_copies(store, std::slice::from_ref(&file.object_key)).await {
            Ok(()) => retire_file(pool, policy, file.id, file.business_date).await.map_err(NotRetired::from),
            Err(e) => Err(e),
        };
        lock.release().await;
        match outcome {
            Ok(Some(done)) => retired.files.push(done),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(feed_file = file.id, error = %e, "a file's payments could not be retired; trying again next round");
                retired.failed += 1;
            }
        }
    }
    // Runs then files, each in date order: a date busy for both would appear twice.
    retired.busy.sort_unstable();
    retired.busy.dedup();
    Ok(retired)
}

/// Replaces run `run_id`'s item partition with one holding only the items work items point at,
/// and drops its matches (work items are about exceptions only).
async fn retire_run(
    pool: &PgPool,
    policy: &Policy,
    run_id: i64,
    business_date: NaiveDate,
    version: i32,
    why: Why,
) -> Result<Option<RetiredRun>, sqlx::Error> {
    let old = format!("recon_item_r{run_id}");
    let old_matches = format!("recon_match_r{run_id}");
    // Whether each is a partition, and whether this login may drop it: asked before copying the
    // kept items out of ten million, which a partition we may not drop would have us redo every
    // round.
    let exists = partition_we_may_drop(pool, "recon_item", &old).await?;
    let matches_exist = partition_we_may_drop(pool, "recon_match", &old_matches).await?;
    // The kept items: filled and indexed while detached, like a run's own partition.
    DetachedPartition::drop_leftover(pool, "recon_item", "k", &[run_id]).await?;
    let mut filling = pool.begin().await?;
    let mut kept = DetachedPartition::create(&mut filling, "recon_item", "run_id", "k", run_id).await?;
    if exists {
        sqlx::query(&format!(
            "INSERT INTO {} SELECT i.* FROM {old} i WHERE EXISTS
                 (SELECT FROM work_item w WHERE w.run_id = i.run_id AND w.seq = i.seq)",
            kept.table()
        ))
        .execute(&mut *filling)
        .await?;
    }
    filling.commit().await?;
    kept.build_indexes(pool).await?;

    let mut tx = swap_transaction(pool).await?;
    // Marked first, under the row's lock: a second process that got here too stops at it.
    let fresh = sqlx::query_scalar!(
        "UPDATE recon_run SET items_retired_at = now() WHERE id = $1 AND items_retired_at IS NULL RETURNING id",
        run_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if fresh.is_none() {
        drop(tx);
        DetachedPartition::drop_leftover(pool, "recon_item", "k", &[run_id]).await?;
        return Ok(None);
    }
    let (mut dropped, mut old_bytes) =
        if exists { drop_partition(&mut tx, "recon_item", &old).await? } else { (0, 0) };
    if matches_exist {
        let (matches, bytes) = drop_partition(&mut tx, "recon_match", &old_matches).await?;
        dropped += matches;
        old_bytes += bytes;
    }
    let kept_name = kept.table().to_owned();
    kept.attach(&mut tx).await?;
    let (kept_rows, kept_bytes) = rows_and_bytes(&mut tx, &kept_name).await?;
    sqlx::query!("UPDATE recon_run SET items_kept = $2 WHERE id = $1", run_id, kept_rows)
        .execute(&mut *tx)
        .await?;
    let done = RetiredRun {
        run_id,
        business_date,
        version,
        why,
        items_dropped: dropped - kept_rows,
        items_kept: kept_rows,
        bytes_freed: old_bytes - kept_bytes,
    };
    record(&mut tx, AuditAction::RunItemsRetired, format!("recon_run:{run_id}"), &done, policy).await?;
    tx.commit().await?;
    Ok(Some(done))
}

/// Whether `table` is a partition of `parent`; an error if it is one this login may not drop.
async fn partition_we_may_drop(pool: &PgPool, parent: &str, table: &str) -> Result<bool, sqlx::Error> {
    let (exists, ours): (bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT FROM pg_inherits WHERE inhparent = $2::regclass AND inhrelid = to_regclass($1)),
                coalesce((SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class
                          WHERE oid = to_regclass($1)), true)",
    )
    .bind(table)
    .bind(parent)
    .fetch_one(pool)
    .await?;
    if !ours {
        return Err(sqlx::Error::Protocol(format!(
            "{table} belongs to a role this login cannot act for: its owner must hand it to settledesk_bulk"
        )));
    }
    Ok(exists)
}

/// Drops Zelle extract `feed_file_id`'s payments, unless matches still kept name them (a match
/// shows its payment's fields): then it waits for the runs that took them to be retired.
async fn retire_file(
    pool: &PgPool,
    policy: &Policy,
    feed_file_id: i64,
    business_date: NaiveDate,
) -> Result<Option<RetiredFile>, sqlx::Error> {
    let partition = format!("zelle_payment_f{feed_file_id}");
    let mut tx = swap_transaction(pool).await?;
    // Marked first: the row's lock waits for a run completing with matches that name the file
    // (it holds the row), and then the matches are seen.
    let fresh = sqlx::query_scalar!(
        "UPDATE feed_file SET rows_retired_at = now() WHERE id = $1 AND rows_retired_at IS NULL RETURNING id",
        feed_file_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if fresh.is_none() {
        return Ok(None);
    }
    let named = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT FROM recon_match WHERE payment_file_id = $1) AS "named!""#,
        feed_file_id
    )
    .fetch_one(&mut *tx)
    .await?;
    if named {
        // Rolled back, unmarked: it goes once the runs whose matches name it are retired.
        tracing::warn!(
            feed_file.id = feed_file_id,
            "an extract due for retirement keeps its payments: kept matches name them"
        );
        return Ok(None);
    }
    let (payments, bytes) = drop_partition(&mut tx, "zelle_payment", &partition).await?;
    let done = RetiredFile { feed_file_id, business_date, payments, bytes_freed: bytes };
    record(&mut tx, AuditAction::FeedRowsRetired, format!("feed_file:{feed_file_id}"), &done, policy).await?;
    tx.commit().await?;
    Ok(Some(done))
}

/// The transaction a partition is swapped or dropped in. Detaching takes the parent's exclusive
/// lock: queued behind a run's long statement it would hold up every reader of the parent queued
/// behind it, so it gives up after a few seconds instead, and the round tries again next time.
async fn swap_transaction(pool: &PgPool) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET LOCAL lock_timeout = '3s'").execute(&mut *tx).await?;
    Ok(tx)
}

/// How many rows `table` holds and the disk it takes with its indexes. Table names come from our
/// own code, never from input.
async fn rows_and_bytes(conn: &mut PgConnection, table: &str) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT (SELECT count(*) FROM {table}), pg_total_relation_size('{table}'::regclass)"
    ))
    .fetch_one(conn)
    .await
}

/// Detaches partition `table` from `parent` and drops it; what it held, as [`rows_and_bytes`].
async fn drop_partition(
    conn: &mut PgConnection,
    parent: &str,
    table: &str,
) -> Result<(i64, i64), sqlx::Error> {
    let held = rows_and_bytes(&mut *conn, table).await?;
    sqlx::query(&format!("ALTER TABLE {parent} DETACH PARTITION {table}")).execute(&mut *conn).await?;
    sqlx::query(&format!("DROP TABLE {table}")).execute(&mut *conn).await?;
    Ok(held)
}

/// The audit record of one retirement, with the policy that made it due.
async fn record(
    conn: &mut PgConnection,
    action: AuditAction,
    target: String,
    retired: &impl Serialize,
    policy: &Policy,
) -> Result<(), sqlx::Error> {
    let mut event = NewAuditEvent::new(ACTOR, action);
    event.target = Some(target);
    event.after = Some(serde_json::json!({ "retired": retired, "policy": policy.described() }));
    audit::append(conn, event).await?;
    Ok(())
}

/// The latest date, near `date`, whose data a run of `date` would read and retention retired, if
/// any: such a run is refused. A run reads the open payments of the Zelle extracts of the days
/// before it, and decides which of them were already settled from the items of the newest runs of
/// the days around it; either gone, it would call settled payments open and every record a
/// mismatch.
pub async fn retired_near(pool: &PgPool, date: NaiveDate) -> Result<Option<NaiveDate>, sqlx::Error> {
    let window = chrono::Duration::days(SHORTEST_PERIOD_DAYS.into());
    sqlx::query_scalar!(
        r#"SELECT max(d) AS "d: NaiveDate" FROM (
               SELECT business_date AS d FROM feed_file
               WHERE rows_retired_at IS NOT NULL AND business_date BETWEEN $1 AND $2
               UNION ALL
               SELECT r.business_date FROM recon_run r
               WHERE r.items_retired_at IS NOT NULL AND r.business_date BETWEEN $1 AND $3
                 AND r.version = (SELECT max(n.version) FROM recon_run n
                                  WHERE n.business_date = r.business_date AND n.status = 'completed')) retired"#,
        (date - window) as _,
        date as _,
        (date + window) as _
    )
    .fetch_one(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2026-12-02T17:00:00Z";
    const TODAY: &str = "2026-12-02";

    fn now() -> DateTime<Utc> {
        NOW.parse().unwrap()
    }

    fn today() -> NaiveDate {
        TODAY.parse().unwrap()
    }

    /// A local object store in a directory of its own.
    fn store() -> (tempfile::TempDir, ObjectStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = ObjectStore::local(dir.path());
        (dir, store)
    }

    /// Writes `key` into `store`.
    async fn put(store: &ObjectStore, key: &str) {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), b"a report").unwrap();
        store.put_file(key, file.path()).await.unwrap();
    }

    /// Writes the reports and manifest run `version` of `date` names.
    async fn reports(store: &ObjectStore, date: NaiveDate, version: i32) {
        for name in ["matches.csv", "mismatches.csv", "manifest.json"] {
            put(store, &format!("reports/{date}/v{version}/{name}")).await;
        }
    }

    /// A completed run of `date` (version `version`, finished `finished_days_ago`) with `items`
    /// items, seq 1 a match and the rest mismatches; its manifest names two report files.
    async fn run(pool: &PgPool, date: NaiveDate, version: i32, finished_days_ago: i64, items: i64) -> i64 {
        let finished = now() - chrono::Duration::days(finished_days_ago);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO recon_run (business_date, version, rule_set_version, status, stage, finished_at, manifest)
             VALUES ($1, $2, 1, 'completed', 'completed', $3,
                     '{\"files\": [{\"name\": \"matches.csv\"}, {\"name\": \"mismatches.csv\"}]}') RETURNING id",
        )
        .bind(date)
        .bind(version)
        .bind(finished)
        .fetch_one(pool)
        .await
        .unwrap();
        sqlx::query(&format!("CREATE TABLE recon_item_r{id} PARTITION OF recon_item FOR VALUES IN ({id})"))
            .execute(pool)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO recon_item (run_id, seq, class, reason, network, reference, card_last4, transaction_date,
                                     amount_minor, currency, payment_id, feed_file_id, record_number)
             SELECT $1, n, CASE WHEN n = 1 THEN 'match' ELSE 'mismatch' END,
                    CASE WHEN n = 1 THEN NULL ELSE 'amount_differs' END, 'visa', NULL, '1234', $2, 100 * n, 'USD',
                    'P-' || $1 || '-' || n, NULL, NULL
             FROM generate_series(1, $3::bigint) n",
        )
        .bind(id)
        .bind(date)
        .bind(items)
        .execute(pool)
        .await
        .unwrap();
        id
    }

    /// A work item about `subject`, pointing at run `run_id`'s item `seq`.
    async fn work(pool: &PgPool, subject: &str, date: NaiveDate, run_id: i64, seq: i64) {
        sqlx::query(
            "INSERT INTO work_item (subject, business_date, class, reason, amount_minor, currency, run_id, seq)
             VALUES ($1, $2, 'mismatch', 'amount_differs', 100, 'USD', $3, $4)",
        )
        .bind(subject)
        .bind(date)
        .bind(run_id)
        .bind(seq)
        .execute(pool)
        .await
        .unwrap();
    }

    /// A loaded Zelle extract of `date` with `payments` payments in its partition.
    async fn zelle_file(pool: &PgPool, date: NaiveDate, payments: i64) -> i64 {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO feed_file (source, object_key, business_date, size_bytes, sha256, status, transactions)
             VALUES ('zelle', 'inbound/zelle/' || $1 || '/z.csv', $1, 10, sha256(($1::text)::bytea), 'parsed', $2)
             RETURNING id",
        )
        .bind(date)
        .bind(payments)
        .fetch_one(pool)
        .await
        .unwrap();
        sqlx::query(&format!(
            "CREATE TABLE zelle_payment_f{id} PARTITION OF zelle_payment FOR VALUES IN ({id})"
        ))
        .execute(pool)
        .await
        .unwrap();
        sqlx::query(&format!(
            "INSERT INTO zelle_payment SELECT {id}, n, 'Z-{id}-' || n, $1, now(), 'completed', 100 * n, 'USD', 'visa',
                    NULL, '0000', 'f', 'a' FROM generate_series(1, $2::bigint) n"
        ))
        .bind(date)
        .bind(payments)
        .execute(pool)
        .await
        .unwrap();
        id
    }

    /// Compact matches of run `run_id`, seq 1000 on, one per payment of extract `file_id`.
    async fn matches(pool: &PgPool, run_id: i64, file_id: i64) {
        sqlx::query(&format!(
            "CREATE TABLE recon_match_r{run_id} PARTITION OF recon_match FOR VALUES IN ({run_id})"
        ))
        .execute(pool)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO recon_match (run_id, seq, feed_file_id, record_number, payment_file_id, payment_line, rule,
                                      transaction_date, kind, merchant_category, amount_minor)
             SELECT $1, 999 + line, 1, line, feed_file_id, line, 'reference', business_date, 'presentment', 4829,
                    amount_minor
             FROM zelle_payment WHERE feed_file_id = $2",
        )
        .bind(run_id)
        .bind(file_id)
        .execute(pool)
        .await
        .unwrap();
    }

    async fn payments_of(pool: &PgPool, file_id: i64) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM zelle_payment WHERE feed_file_id = $1")
            .bind(file_id)
            .fetch_one(pool)
            .await
            .unwrap()
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_run_s_matches_go_with_it_and_payments_stay_while_kept_matches_name_them(pool: PgPool) {
        let policy = Policy::default();
        let (_dir, store) = store();
        // An aged run whose matches took the payments of an aged extract: both go, the run first.
        let old = days_ago(401);
        let aged = run(&pool, old, 1, 400, 3).await;
        let taken = zelle_file(&pool, days_ago(403), 4).await;
        matches(&pool, aged, taken).await;
        reports(&store, old, 1).await;
        // A recent run whose matches name an aged extract's payments: the extract waits for it.
        let recent_date = days_ago(100);
        let recent = run(&pool, recent_date, 1, 99, 3).await;
        let named = zelle_file(&pool, days_ago(405), 5).await;
        matches(&pool, recent, named).await;
        for date in [days_ago(403), days_ago(405)] {
            put(&store, &format!("inbound/zelle/{date}/z.csv")).await;
        }
        let matches_of = |run_id: i64| {
            let pool = pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>("SELECT count(*) FROM recon_match WHERE run_id = $1")
                    .bind(run_id)
                    .fetch_one(&pool)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(matches_of(aged).await, 4);

        let retired = retire(&pool, &store, &policy, today(), now()).await.unwrap();
        assert_eq!(retired.failed, 0, "{retired:?}");
        let run_retired = retired.runs.iter().find(|r| r.run_id == aged).expect("the aged run retired");
        assert_eq!(run_retired.items_dropped, 3 + 4, "its stored items and its matches");
        assert_eq!(matches_of(aged).await, 0);
        let partition: Option<String> = sqlx::query_scalar("SELECT to_regclass($1)::text")
            .bind(format!("recon_match_r{aged}"))
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(partition, None, "the matches' partition is dropped");
        let files: Vec<i64> = retired.files.iter().map(|f| f.feed_file_id).collect();
        assert_eq!(files, vec![taken], "the extract no kept match names");
        assert_eq!(payments_of(&pool, taken).await, 0);
        assert_eq!(payments_of(&pool, named).await, 5, "named by a kept run's matches: stays");
        assert_eq!(matches_of(recent).await, 5);
        // Shown as the items they are, the recent run's matches still have their payments.
        let shown: i64 = sqlx::query_scalar("SELECT count(*) FROM match_item WHERE run_id = $1")
            .bind(recent)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(shown, 5);
        let marked: Option<DateTime<Utc>> =
            sqlx::query_scalar("SELECT rows_retired_at FROM feed_file WHERE id = $1")
                .bind(named)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(marked, None, "not marked retired while it waits");
    }

    async fn items_of(pool: &PgPool, run_id: i64) -> Vec<i64> {
        sqlx::query_scalar("SELECT seq FROM recon_item WHERE run_id = $1 ORDER BY seq")
            .bind(run_id)
            .fetch_all(pool)
            .await
            .unwrap()
    }

    async fn audited(pool: &PgPool, action: AuditAction) -> Vec<String> {
        sqlx::query_scalar("SELECT target FROM audit_event WHERE action = $1 ORDER BY seq")
            .bind(action.code())
            .fetch_all(pool)
            .await
            .unwrap()
    }

    fn days_ago(days: i64) -> NaiveDate {
        today() - chrono::Duration::days(days)
    }

    #[test]
    fn a_period_shorter_than_what_runs_read_is_refused() {
        assert!(Policy::new(0, 60, 60).is_ok(), "a superseded version may go at once");
        assert_eq!(Policy::new(30, 59, 400), Err(PolicyError::TooShort { period: Period::Items, days: 59 }));
        assert_eq!(Policy::new(30, 400, 1), Err(PolicyError::TooShort { period: Period::Inbound, days: 1 }));
        // Items show their payments: payments may not go first.
        let first = Policy::new(30, 400, 399);
        assert_eq!(first, Err(PolicyError::PaymentsBeforeItems { items_days: 400, inbound_days: 399 }));
        assert_eq!(first.unwrap_err().period(), Period::Inbound);
        assert!(Policy::new(30, 400, 400).is_ok() && Policy::new(30, 60, 800).is_ok());
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn what_is_due_goes_what_work_points_at_stays_and_nothing_goes_twice(pool: PgPool) {
        let policy = Policy::default();
        // A date re-run 40 days ago: version 1 superseded long enough, version 2 the day's word.
        let d1 = days_ago(45);
        let v1 = run(&pool, d1, 1, 44, 5).await;
        let v2 = run(&pool, d1, 2, 40, 5).await;
        // Seq 2's subject was matched by the re-run: its work item still points at version 1.
        work(&pool, "subject-a", d1, v1, 2).await;
        work(&pool, "subject-b", d1, v2, 3).await;
        // A date re-run yesterday: version 1 is superseded but not for long enough.
        let d2 = days_ago(3);
        let recent_v1 = run(&pool, d2, 1, 2, 4).await;
        let recent_v2 = run(&pool, d2, 2, 1, 4).await;
        // A date older than the items' period, with one item worked.
        let old = days_ago(401);
        // Enough items that dropping them frees pages (a handful fit the page the kept one takes).
        let aged = run(&pool, old, 1, 400, 3_000).await;
        work(&pool, "subject-c", old, aged, 4).await;
        let old_file = zelle_file(&pool, old, 7).await;
        let kept_file = zelle_file(&pool, days_ago(399), 3).await;
        // Due too, but their copies outside are gone: their rows stay.
        let unreported = run(&pool, days_ago(402), 1, 401, 4).await;
        let unstored_file = zelle_file(&pool, days_ago(403), 5).await;
        let (_dir, store) = store();
        for (date, version) in [(d1, 1), (d1, 2), (d2, 1), (d2, 2), (old, 1)] {
            reports(&store, date, version).await;
        }
        for date in [old, days_ago(399)] {
            put(&store, &format!("inbound/zelle/{date}/z.csv")).await;
        }

        let retired = retire(&pool, &store, &policy, today(), now()).await.unwrap();
        let mut runs: Vec<(i64, Why, i64, i64)> =
            retired.runs.iter().map(|r| (r.run_id, r.why, r.items_dropped, r.items_kept)).collect();
        runs.sort();
        let mut want = vec![(v1, Why::Superseded, 4, 1), (aged, Why::Aged, 2_999, 1)];
        want.sort();
        assert_eq!(runs, want);
        let freed = |id: i64| retired.runs.iter().find(|r| r.run_id == id).unwrap().bytes_freed;
        assert!(freed(aged) > 0 && freed(v1) >= 0, "{retired:?}");
        assert!(retired.bytes_freed() > freed(aged), "the file's payments count too");
        assert_eq!(items_of(&pool, v1).await, vec![2], "only what work points at");
        assert_eq!(items_of(&pool, aged).await, vec![4]);
        assert_eq!(items_of(&pool, v2).await.len(), 5, "the day's word stays");
        assert_eq!(items_of(&pool, recent_v1).await.len(), 4, "superseded a day ago: kept");
        assert_eq!(items_of(&pool, recent_v2).await.len(), 4);
        assert_eq!(retired.failed, 2, "the run without reports and the file without its object");
        assert_eq!(items_of(&pool, unreported).await.len(), 4, "no reports outside: its items stay");
        assert_eq!(retired.files.len(), 1);
        assert_eq!((retired.files[0].feed_file_id, retired.files[0].payments), (old_file, 7));
        let left: Vec<i64> = sqlx::query_scalar("SELECT DISTINCT feed_file_id FROM zelle_payment ORDER BY 1")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(left, vec![kept_file, unstored_file], "no inbound object: its payments stay");
        let marked: Option<DateTime<Utc>> =
            sqlx::query_scalar("SELECT rows_retired_at FROM feed_file WHERE id = $1")
                .bind(old_file)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert!(marked.is_some(), "the registry row stays, marked");
        let kept: Option<i64> = sqlx::query_scalar("SELECT items_kept FROM recon_run WHERE id = $1")
            .bind(v1)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(kept, Some(1));
        let mut targets = audited(&pool, AuditAction::RunItemsRetired).await;
        targets.sort();
        let mut want_targets = vec![format!("recon_run:{v1}"), format!("recon_run:{aged}")];
        want_targets.sort();
        assert_eq!(targets, want_targets);
        assert_eq!(audited(&pool, AuditAction::FeedRowsRetired).await, vec![format!("feed_file:{old_file}")]);

        // Again: nothing is due, nothing is recorded twice.
        let again = retire(&pool, &store, &policy, today(), now()).await.unwrap();
        assert_eq!((again.runs.len(), again.files.len(), again.failed), (0, 0, 2), "{again:?}");
        assert_eq!(audited(&pool, AuditAction::RunItemsRetired).await.len(), 2);
        assert_eq!(items_of(&pool, v1).await, vec![2]);

        // A run that would read the retired payments is refused; one that would not, is not.
        assert_eq!(retired_near(&pool, old + chrono::Duration::days(10)).await.unwrap(), Some(old));
        assert_eq!(retired_near(&pool, today()).await.unwrap(), None);
        // A date whose neighbour's newest run lost its items (aged) is refused too: which
        // payments that run settled is gone. A superseded version's items do not count.
        assert_eq!(retired_near(&pool, old - chrono::Duration::days(5)).await.unwrap(), Some(old));
        assert_eq!(retired_near(&pool, d1 + chrono::Duration::days(59)).await.unwrap(), None);
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn two_jobs_at_once_retire_each_run_once(pool: PgPool) {
        let date = days_ago(50);
        let v1 = run(&pool, date, 1, 49, 50).await;
        run(&pool, date, 2, 45, 50).await;
        let (_dir, store) = store();
        reports(&store, date, 1).await;
        work(&pool, "subject-a", date, v1, 7).await;
        let policy = Policy::default();
        let (a, b) = tokio::join!(
            retire(&pool, &store, &policy, today(), now()),
            retire(&pool, &store, &policy, today(), now())
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.runs.len() + b.runs.len(), 1, "{a:?} {b:?}");
        // The other one found the date held, or the run already marked.
        assert_eq!(items_of(&pool, v1).await, vec![7]);
        assert_eq!(audited(&pool, AuditAction::RunItemsRetired).await.len(), 1);
        let leftover: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_class WHERE relname LIKE 'recon_item_k%' AND NOT relispartition",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(leftover, 0, "no detached table left behind");
    }
}
