//! The PostgreSQL system of record: connection pool, migrations and the schema check behind `/readyz`.
//!
//! Dates and times are `chrono` types. sqlx's `time` feature is also on (the session store needs
//! it), and with both on the query macros default to `time`: so timestamp columns are read with a
//! type override (`col AS "col: DateTime<Utc>"`) and bound with `value as _`.

use std::collections::BTreeMap;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

/// The migrations in `migrations/`, embedded at compile time so the binary carries its own schema.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// SQLSTATE `undefined_table`: the migrations table does not exist yet on a brand-new database.
const UNDEFINED_TABLE: &str = "42P01";

/// Opens a pool without connecting: the server starts (and answers `/readyz` with "not ready")
/// even while the database is still coming up.
pub fn lazy_pool(options: PgConnectOptions, max_connections: u32) -> PgPool {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(3))
        .connect_lazy_with(options)
}

/// Whether the connected role could rewrite history: a superuser, a member of the role that owns
/// the audit trail (and so may disable its triggers), or a role that may write functions (and so
/// plant a trigger that runs with the owner's rights; migration 0026). The server should be none.
pub async fn connected_as_owner(pool: &PgPool) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT r.rolsuper OR pg_has_role(current_user, c.relowner, 'MEMBER')
                OR has_language_privilege(current_user, 'plpgsql', 'USAGE')
                OR has_language_privilege(current_user, 'sql', 'USAGE')
           FROM pg_roles r, pg_class c
          WHERE r.rolname = current_user AND c.oid = 'audit_event'::regclass",
    )
    .fetch_one(pool)
    .await
}

/// Applies every pending migration. Safe to run while an older binary still serves: our
/// migrations only add (except 0007, which moved the bulk tables into partitions: an older binary
/// can no longer load files or store items after it; and 0014, which dropped the copy of network
/// records: an older binary can no longer ingest network files, run a date or show an item).
/// After 0018 an older binary still serves, but its runs leave unreadable records out of the day
/// and the control totals; `server migrate` then also masks raw records it stored unmasked
/// (`ingest::mask_stored_issues`).
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}

/// A PostgreSQL session advisory lock named by a string: held on a connection of its own, so it
/// also keeps out other processes and replicas, until released.
pub struct NamedLock {
    conn: Option<sqlx::pool::PoolConnection<sqlx::Postgres>>,
    name: String,
}

impl NamedLock {
    /// Takes the lock `name` if nobody holds it; `None` if somebody does.
    pub async fn try_take(pool: &PgPool, name: String) -> Result<Option<NamedLock>, sqlx::Error> {
        let mut conn = pool.acquire().await?;
        let taken: bool = sqlx::query_scalar!("SELECT pg_try_advisory_lock(hashtext($1))", name)
            .fetch_one(&mut *conn)
            .await?
            .unwrap_or(false);
        Ok(taken.then(|| NamedLock { conn: Some(conn), name }))
    }

    /// Takes the lock `name`, waiting for whoever holds it to release it.
    pub async fn take(pool: &PgPool, name: String) -> Result<NamedLock, sqlx::Error> {
        let mut conn = pool.acquire().await?;
        sqlx::query!("SELECT pg_advisory_lock(hashtext($1))", name).fetch_one(&mut *conn).await?;
        Ok(NamedLock { conn: Some(conn), name })
    }

    pub async fn release(mut self) {
        if let Some(mut conn) = self.conn.take() {
            let unlocked = sqlx::query!("SELECT pg_advisory_unlock(hashtext($1))", self.name)
                .fetch_one(&mut *conn)
                .await;
            if unlocked.is_err() {
                drop(conn.detach());
            }
        }
    }
}

impl Drop for NamedLock {
    /// Not released (a cancelled task, a panic): the connection is closed rather than returned
    /// to the pool still holding the lock; closing it ends the session, which frees the lock.
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            drop(conn.detach());
        }
    }
}

/// A bulk partition filled and indexed while detached from its parent, and joined to it by
/// [`DetachedPartition::attach`] in the caller's transaction.
///
/// Bulk rows (a Zelle extract's payments, a run's items) each get a partition of their own (see
/// migration 0007): loaded without indexes, each index is then built in one sorted pass (1M
/// items: 23 s row by row through index upkeep, 4 s this way). Building them inside the loading
/// transaction, at `ATTACH`, went one index after the other on one connection: 30-50 s for a
/// ten-million-item run, much of it with one core idle (each build ends in a single-threaded
/// merge). Here the table is no partition yet, so no reader of the parent sees it; it is filled by
/// `COPY` and gets the parent's indexes (read from the catalog, so the migrations stay their one
/// definition) built on several connections at once. Attaching then adopts the matching indexes
/// instead of building them.
///
/// The table is created on the connection given, in the transaction that fills it: its `COPY` can
/// then `FREEZE`, writing rows already visible to everyone, so no index build (nor anything after)
/// has to set each row's hint bits or freeze it again (10M items: the full index builds take 17.6 s
/// instead of 21.4), and a load or run that dies mid-way leaves nothing. One that dies after that
/// commit and before attaching leaves the table to whoever owns the key next
/// ([`DetachedPartition::drop_leftover`]).
pub struct DetachedPartition {
    parent: &'static str,
    name: String,
    key: i64,
    /// What makes the built indexes behind the parent's primary key and unique constraints the
    /// table's own, run by `attach`.
    constraints: Vec<String>,
}

impl DetachedPartition {
    /// Creates the (empty, detached) table for `key` of `parent` on `conn`.
    pub async fn create(
        conn: &mut sqlx::PgConnection,
        parent: &'static str,
        key_column: &'static str,
        suffix: &'static str,
        key: i64,
    ) -> Result<DetachedPartition, sqlx::Error> {
        // Names come from our own code and the key is a number: nothing here is user input.
        let name = format!("{parent}_{suffix}{key}");
        sqlx::query(&format!(
            "CREATE TABLE {name} (LIKE {parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS, CHECK ({key_column} = {key}))"
        ))
        .execute(&mut *conn)
        .await?;
        // Owned by the role that owns the parents, not by whichever login made it: retention drops
        // it years later, perhaps from another replica's login (dropping needs the owner).
        sqlx::query(&format!("ALTER TABLE {name} OWNER TO settledesk_bulk")).execute(&mut *conn).await?;
        Ok(DetachedPartition { parent, name, key, constraints: Vec::new() })
    }

    /// The table to `COPY` into.
    pub fn table(&self) -> &str {
        &self.name
    }

    /// How many index builds run side by side, each on a connection of its own. More than the two
    /// cores: builds take very different times (10M items: 1.5 s for an exceptions-only index,
    /// 8-13 s for a full one over text), and two at a time in catalog order left the longest
    /// running alone at the end for ~10 s.
    pub const BUILDS_AT_ONCE: usize = 4;

    /// Builds the parent's indexes on the table, [`Self::BUILDS_AT_ONCE`] at a time on
    /// connections of `pool`. Each build holds a lock that lets others read the table meanwhile.
    pub async fn build_indexes(&mut self, pool: &PgPool) -> Result<(), sqlx::Error> {
        use futures_util::{StreamExt, TryStreamExt};
        // `pg_get_indexdef` of a partitioned index reads `CREATE [UNIQUE] INDEX name ON ONLY
        // public.parent USING btree (...) [WHERE ...]`: the same on this table, under its own name.
        let definitions: Vec<(String, bool, String, String)> = sqlx::query_as(
            "SELECT c.relname::text, i.indisunique, pg_get_indexdef(i.indexrelid), coalesce(k.contype::text, '')
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
             LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid
             WHERE i.indrelid = $1::regclass
             -- Partial indexes (over a run's few exceptions) and block-range ones (no sort) are
             -- quick: built last, they fill in beside the long builds instead of leaving one of
             -- these to run alone.
             ORDER BY i.indpred IS NOT NULL OR a.amname = 'brin', c.relname",
        )
        .bind(self.parent)
        .fetch_all(pool)
        .await?;
        let mut builds = Vec::new();
        let constraints = &mut self.constraints;
        for (index, unique, definition, constraint) in definitions {
            let (_, rest) = definition.split_once(" USING ").ok_or_else(|| {
                sqlx::Error::Protocol(format!("index {index} has a definition without USING: {definition}"))
            })?;
            let own = format!("{}_{index}", self.name);
            let unique = if unique { "UNIQUE " } else { "" };
            builds.push(format!("CREATE {unique}INDEX {own} ON {} USING {rest}", self.name));
            // An index behind the parent's primary key or unique constraint is adopted only by a
            // constraint of the partition's own.
            match constraint.as_str() {
                "p" => {
                    constraints.push(format!("ALTER TABLE {} ADD PRIMARY KEY USING INDEX {own}", self.name))
                }
                "u" => constraints.push(format!("ALTER TABLE {} ADD UNIQUE USING INDEX {own}", self.name)),
                _ => {}
            }
        }
        futures_util::stream::iter(builds)
            .map(|statement| async move {
                // Settings local to the build's own transaction: whatever becomes of the build,
                // its connection goes back to the pool as it came.
                let mut tx = pool.begin().await?;
                // Each build sorts up to ~860 MB of a ten-million-row table (10M payment ids):
                // with less memory than that the sort spills to disk and merges (512 MB: 6.6 s
                // instead of 5.7). It is a ceiling, not an allocation: a smaller day takes less.
                // Builds running side by side are the parallelism: a build's own workers would only
                // compete with them.
                sqlx::query("SET LOCAL maintenance_work_mem = '1GB'").execute(&mut *tx).await?;
                sqlx::query("SET LOCAL max_parallel_maintenance_workers = 0").execute(&mut *tx).await?;
                sqlx::query(&statement).execute(&mut *tx).await?;
                tx.commit().await
            })
            .buffer_unordered(Self::BUILDS_AT_ONCE)
            .try_collect::<Vec<()>>()
            .await?;
        Ok(())
    }

    /// Joins the table to its parent in `tx`: the check constraint spares PostgreSQL a scan to
    /// prove every row belongs, and the indexes built are adopted as the partition's.
    pub async fn attach(self, tx: &mut sqlx::PgConnection) -> Result<(), sqlx::Error> {
        // In the caller's transaction (each takes the table's exclusive lock): one that read the
        // table while the indexes were built holds its share until it commits.
        for statement in &self.constraints {
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        sqlx::query(&format!(
            "ALTER TABLE {} ATTACH PARTITION {} FOR VALUES IN ({})",
            self.parent, self.name, self.key
        ))
        .execute(&mut *tx)
        .await?;
        // Fresh statistics now, not whenever autovacuum comes by: without them the planner
        // guesses a handful of rows and sorts a whole class to show one page (measured: 50 ms
        // instead of 0.1 ms on a million items, seconds under load on ten million).
        sqlx::query(&format!("ANALYZE {}", self.name)).execute(&mut *tx).await?;
        Ok(())
    }

    /// Drops the tables `parent_<suffix><key>` for `keys` that were left detached (by a process
    /// that died or failed before attaching them). A table that is a partition is left alone.
    pub async fn drop_leftover(
        pool: &PgPool,
        parent: &'static str,
        suffix: &'static str,
        keys: &[i64],
    ) -> Result<(), sqlx::Error> {
        let names: Vec<String> = keys.iter().map(|key| format!("{parent}_{suffix}{key}")).collect();
        let leftover: Vec<String> = sqlx::query_scalar(
            "SELECT relname::text FROM pg_class WHERE relname = ANY($1) AND relkind = 'r' AND NOT relispartition",
        )
        .bind(&names)
        .fetch_all(pool)
        .await?;
        for name in leftover {
            sqlx::query(&format!("DROP TABLE IF EXISTS {name}")).execute(pool).await?;
        }
        Ok(())
    }
}

/// Rows for `COPY ... FROM STDIN (FORMAT binary)`, encoded as PostgreSQL's binary copy format
/// documents: a signature header, then per row a field count and each field as a length and its
/// value in the type's binary form (NULL as length -1), then a -1 trailer. PostgreSQL takes
/// numbers, dates and times as they are instead of parsing text: measured on ten million Zelle
/// payments, text `COPY` spent most of its 42 s parsing.
///
/// Fields must be written in the table's column order with the column's exact type.
pub struct BinaryRows {
    buf: Vec<u8>,
}

/// Days from 0001-01-01 to PostgreSQL's epoch, 2000-01-01.
const PG_EPOCH_DAYS_FROM_CE: i32 = 730_120;
/// Microseconds from the Unix epoch to PostgreSQL's.
const PG_EPOCH_UNIX_MICROS: i64 = 946_684_800_000_000;

impl BinaryRows {
    /// An empty buffer; the first one of a `COPY` starts with [`BinaryRows::header`].
    pub fn new(capacity: usize) -> Self {
        BinaryRows { buf: Vec::with_capacity(capacity) }
    }

    /// The stream's header: signature, flags, header extension length.
    pub fn header(&mut self) -> &mut Self {
        self.buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
        self.buf.extend_from_slice(&0i32.to_be_bytes());
        self.buf.extend_from_slice(&0i32.to_be_bytes());
        self
    }

    /// Ends the stream.
    pub fn trailer(&mut self) {
        self.buf.extend_from_slice(&(-1i16).to_be_bytes());
    }

    /// Starts a row of `fields` fields.
    pub fn row(&mut self, fields: i16) -> &mut Self {
        self.buf.extend_from_slice(&fields.to_be_bytes());
        self
    }

    fn field(&mut self, bytes: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
        self.buf.extend_from_slice(bytes);
        self
    }

    pub fn null(&mut self) -> &mut Self {
        self.buf.extend_from_slice(&(-1i32).to_be_bytes());
        self
    }

    pub fn int8(&mut self, v: i64) -> &mut Self {
        self.field(&v.to_be_bytes())
    }

    pub fn int4(&mut self, v: i32) -> &mut Self {
        self.field(&v.to_be_bytes())
    }

    pub fn text(&mut self, v: &str) -> &mut Self {
        self.field(v.as_bytes())
    }

    /// Text, or NULL when empty (absent values arrive as empty fields).
    pub fn text_or_null(&mut self, v: &str) -> &mut Self {
        if v.is_empty() {
            self.null()
        } else {
            self.text(v)
        }
    }

    pub fn date(&mut self, d: chrono::NaiveDate) -> &mut Self {
        use chrono::Datelike;
        self.field(&(d.num_days_from_ce() - PG_EPOCH_DAYS_FROM_CE).to_be_bytes())
    }

    pub fn timestamptz(&mut self, t: chrono::DateTime<chrono::Utc>) -> &mut Self {
        self.field(&(t.timestamp_micros() - PG_EPOCH_UNIX_MICROS).to_be_bytes())
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The bytes so far, leaving an empty buffer of the same capacity.
    pub fn take(&mut self) -> Vec<u8> {
        let capacity = self.buf.capacity();
        std::mem::replace(&mut self.buf, Vec::with_capacity(capacity))
    }

    /// The bytes so far, continuing in `spare` (emptied) if there is one: a buffer handed back
    /// after its bytes were sent. A new one for every chunk was fresh memory each time, which
    /// the kernel faults in and zeroes page by page (the server returns freed memory at once
    /// during a run): gigabytes of it on a heavy day.
    pub fn take_reusing(&mut self, spare: Option<Vec<u8>>) -> Vec<u8> {
        match spare {
            Some(mut spare) => {
                spare.clear();
                std::mem::replace(&mut self.buf, spare)
            }
            None => self.take(),
        }
    }

    /// The bytes so far, to send before [`BinaryRows::clear`] reuses the buffer.
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    pub fn clear(&mut self) {
        self.buf.clear();
    }
}

/// Reads the rows of a `COPY ... TO STDOUT (FORMAT binary)` stream as its chunks arrive (a chunk
/// may end anywhere, even inside a field). The counterpart of [`BinaryRows`]; a query's ten million
/// rows arrive this way in a fraction of the time the row-by-row protocol takes.
#[derive(Default)]
pub struct BinaryRowReader {
    buf: Vec<u8>,
    /// Where the next unread row starts.
    at: usize,
    header_read: bool,
    /// The current row's fields, as ranges of `buf` (`None` for NULL).
    fields: Vec<Option<std::ops::Range<usize>>>,
}

/// What [`BinaryRowReader::next_row`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum NextRow {
    /// A row: read its fields with the accessors.
    Row,
    /// The rest of the row has not arrived yet.
    NeedMore,
    /// The stream's trailer.
    End,
}

impl BinaryRowReader {
    /// Appends a chunk (dropping what was read already).
    pub fn extend(&mut self, chunk: &[u8]) {
        self.buf.drain(..self.at);
        self.at = 0;
        self.fields.clear();
        self.buf.extend_from_slice(chunk);
    }

    pub fn next_row(&mut self) -> Result<NextRow, String> {
        let mut at = self.at;
        let take = |at: &mut usize, n: usize, buf: &[u8]| -> Option<std::ops::Range<usize>> {
            let range = *at..*at + n;
            (range.end <= buf.len()).then(|| {
                *at = range.end;
                range
            })
        };
        if !self.header_read {
            let Some(fixed) = take(&mut at, 19, &self.buf) else { return Ok(NextRow::NeedMore) };
            if &self.buf[fixed.start..fixed.start + 11] != b"PGCOPY\n\xff\r\n\0" {
                return Err("not a binary COPY stream".into());
            }
            let extension = i32::from_be_bytes(self.buf[fixed.start + 15..fixed.end].try_into().unwrap());
            if take(&mut at, extension.max(0) as usize, &self.buf).is_none() {
                return Ok(NextRow::NeedMore);
            }
            self.header_read = true;
            self.at = at;
        }
        let Some(count) = take(&mut at, 2, &self.buf) else { return Ok(NextRow::NeedMore) };
        let count = i16::from_be_bytes(self.buf[count].try_into().unwrap());
        if count == -1 {
            self.at = at;
            return Ok(NextRow::End);
        }
        self.fields.clear();
        for _ in 0..count.max(0) {
            let Some(length) = take(&mut at, 4, &self.buf) else { return Ok(NextRow::NeedMore) };
            let length = i32::from_be_bytes(self.buf[length].try_into().unwrap());
            if length < 0 {
                self.fields.push(None);
                continue;
            }
            let Some(value) = take(&mut at, length as usize, &self.buf) else { return Ok(NextRow::NeedMore) };
            self.fields.push(Some(value));
        }
        self.at = at;
        Ok(NextRow::Row)
    }

    fn value(&self, i: usize) -> Result<Option<&[u8]>, String> {
        match self.fields.get(i) {
            Some(Some(range)) => Ok(Some(&self.buf[range.clone()])),
            Some(None) => Ok(None),
            None => Err(format!("the row has no field {i}")),
        }
    }

    fn required(&self, i: usize) -> Result<&[u8], String> {
        self.value(i)?.ok_or_else(|| format!("field {i} is NULL"))
    }

    fn fixed<const N: usize>(&self, i: usize) -> Result<[u8; N], String> {
        self.required(i)?.try_into().map_err(|_| format!("field {i} is not {N} bytes"))
    }

    pub fn int8(&self, i: usize) -> Result<i64, String> {
        self.fixed(i).map(i64::from_be_bytes)
    }

    pub fn text(&self, i: usize) -> Result<&str, String> {
        std::str::from_utf8(self.required(i)?).map_err(|e| format!("field {i}: {e}"))
    }

    pub fn optional_text(&self, i: usize) -> Result<Option<&str>, String> {
        self.value(i)?.map(|v| std::str::from_utf8(v).map_err(|e| format!("field {i}: {e}"))).transpose()
    }

    pub fn date(&self, i: usize) -> Result<chrono::NaiveDate, String> {
        let days = i32::from_be_bytes(self.fixed(i)?);
        chrono::NaiveDate::from_num_days_from_ce_opt(days + PG_EPOCH_DAYS_FROM_CE)
            .ok_or_else(|| format!("field {i}: a date out of range"))
    }

    pub fn timestamptz(&self, i: usize) -> Result<chrono::DateTime<chrono::Utc>, String> {
        let micros = i64::from_be_bytes(self.fixed(i)?);
        chrono::DateTime::from_timestamp_micros(micros + PG_EPOCH_UNIX_MICROS)
            .ok_or_else(|| format!("field {i}: a time out of range"))
    }
}

/// How the database schema compares with the migrations this binary was built with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaStatus {
    /// Every migration is applied, nothing more.
    Current { version: i64 },
    /// Every migration is applied, plus newer ones from a newer binary: still safe to serve,
    /// because migrations only add.
    Ahead { version: i64, newest_known: i64 },
    /// Some migrations this binary needs have not been applied.
    Pending { missing: Vec<i64> },
    /// A migration is recorded as failed (the database needs an operator).
    Failed { version: i64 },
    /// An applied migration differs from the file this binary carries.
    Modified { version: i64 },
}

impl SchemaStatus {
    /// Whether a server built with these migrations can safely serve this database.
    pub fn is_ready(&self) -> bool {
        matches!(self, SchemaStatus::Current { .. } | SchemaStatus::Ahead { .. })
    }
}

/// One row of sqlx's `_sqlx_migrations` bookkeeping table.
struct AppliedMigration {
    version: i64,
    checksum: Vec<u8>,
    success: bool,
}

/// Reads the applied migrations and compares them with [`MIGRATOR`].
pub async fn schema_status(pool: &PgPool) -> Result<SchemaStatus, sqlx::Error> {
    let applied = match sqlx::query_as!(
        AppliedMigration,
        "SELECT version, checksum, success FROM _sqlx_migrations ORDER BY version"
    )
    .fetch_all(pool)
    .await
    {
        Ok(rows) => rows,
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some(UNDEFINED_TABLE) => Vec::new(),
        Err(e) => return Err(e),
    };
    let known = MIGRATOR
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .map(|m| (m.version, m.checksum.as_ref()));
    Ok(compare(known, &applied))
}

fn compare<'a>(known: impl Iterator<Item = (i64, &'a [u8])>, applied: &[AppliedMigration]) -> SchemaStatus {
    let applied: BTreeMap<i64, &AppliedMigration> = applied.iter().map(|m| (m.version, m)).collect();
    if let Some(failed) = applied.values().find(|m| !m.success) {
        return SchemaStatus::Failed { version: failed.version };
    }
    let mut missing = Vec::new();
    let mut newest_known = 0;
    for (version, checksum) in known {
        newest_known = newest_known.max(version);
        match applied.get(&version) {
            None => missing.push(version),
            Some(m) if m.checksum != checksum => return SchemaStatus::Modified { version },
            Some(_) => {}
        }
    }
    if !missing.is_empty() {
        return SchemaStatus::Pending { missing };
    }
    let version = applied.keys().next_back().copied().unwrap_or(0);
    if version > newest_known {
        SchemaStatus::Ahead { version, newest_known }
    } else {
        SchemaStatus::Current { version }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_named_lock_is_held_once_and_freed_even_when_dropped_unreleased(pool: PgPool) {
        let first = NamedLock::try_take(&pool, "test:a".into()).await.unwrap().expect("free");
        assert!(NamedLock::try_take(&pool, "test:a".into()).await.unwrap().is_none(), "held twice");
        let other = NamedLock::try_take(&pool, "test:b".into()).await.unwrap().expect("another name is free");
        first.release().await;
        let again = NamedLock::try_take(&pool, "test:a".into()).await.unwrap().expect("released");
        // Dropped without release (a cancelled task): its connection is closed, not pooled. (Asked
        // from another pool: a session may take again a lock it holds itself.)
        let connections = pool.size();
        drop(again);
        assert_eq!(pool.size(), connections - 1, "the lock's connection went back to the pool");
        let elsewhere = PgPoolOptions::new().connect_with((*pool.connect_options()).clone()).await.unwrap();
        let mut freed = false;
        for _ in 0..50 {
            if let Some(lock) = NamedLock::try_take(&elsewhere, "test:a".into()).await.unwrap() {
                lock.release().await;
                freed = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(freed, "a dropped lock stayed held");
        other.release().await;
    }

    #[test]
    fn binary_copy_rows_read_back_whatever_the_chunking() {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let before_epoch = chrono::NaiveDate::from_ymd_opt(1999, 12, 31).unwrap();
        let time = chrono::DateTime::parse_from_rfc3339("2026-11-20T14:03:11.250Z").unwrap().to_utc();
        let mut rows = BinaryRows::new(64);
        rows.header();
        rows.row(5).int8(-7).text("ZP,\"1").null().date(date).timestamptz(time);
        rows.row(5).int8(i64::MAX).text("").text_or_null("").date(before_epoch).timestamptz(time);
        rows.trailer();
        let bytes = rows.take();
        for chunk in [1, 3, 7, bytes.len()] {
            let mut reader = BinaryRowReader::default();
            let mut seen = Vec::new();
            let mut ended = false;
            for piece in bytes.chunks(chunk) {
                reader.extend(piece);
                loop {
                    match reader.next_row().unwrap() {
                        NextRow::Row => seen.push((
                            reader.int8(0).unwrap(),
                            reader.text(1).unwrap().to_owned(),
                            reader.optional_text(2).unwrap().map(str::to_owned),
                            reader.date(3).unwrap(),
                            reader.timestamptz(4).unwrap(),
                        )),
                        NextRow::NeedMore => break,
                        NextRow::End => {
                            ended = true;
                            break;
                        }
                    }
                }
            }
            assert!(ended, "chunks of {chunk}");
            assert_eq!(
                seen,
                vec![
                    (-7, "ZP,\"1".to_owned(), None, date, time),
                    (i64::MAX, String::new(), None, before_epoch, time)
                ],
                "chunks of {chunk}"
            );
        }
        let mut reader = BinaryRowReader::default();
        reader.extend(b"COPY is not binary at all");
        assert!(reader.next_row().is_err());
    }

    fn applied(version: i64, checksum: &[u8], success: bool) -> AppliedMigration {
        AppliedMigration { version, checksum: checksum.to_vec(), success }
    }

    fn known() -> Vec<(i64, &'static [u8])> {
        vec![(1, b"a".as_slice()), (2, b"b".as_slice())]
    }

    #[test]
    fn all_applied_is_current() {
        let status = compare(known().into_iter(), &[applied(1, b"a", true), applied(2, b"b", true)]);
        assert_eq!(status, SchemaStatus::Current { version: 2 });
        assert!(status.is_ready());
    }

    #[test]
    fn nothing_applied_lists_every_migration() {
        let status = compare(known().into_iter(), &[]);
        assert_eq!(status, SchemaStatus::Pending { missing: vec![1, 2] });
        assert!(!status.is_ready());
    }

    #[test]
    fn newer_migrations_from_a_newer_binary_are_still_ready() {
        let rows = [applied(1, b"a", true), applied(2, b"b", true), applied(3, b"c", true)];
        let status = compare(known().into_iter(), &rows);
        assert_eq!(status, SchemaStatus::Ahead { version: 3, newest_known: 2 });
        assert!(status.is_ready());
    }

    #[test]
    fn an_edited_migration_is_not_ready() {
        let status = compare(known().into_iter(), &[applied(1, b"a", true), applied(2, b"X", true)]);
        assert_eq!(status, SchemaStatus::Modified { version: 2 });
        assert!(!status.is_ready());
    }

    #[test]
    fn a_failed_migration_is_not_ready() {
        let status = compare(known().into_iter(), &[applied(1, b"a", true), applied(2, b"b", false)]);
        assert_eq!(status, SchemaStatus::Failed { version: 2 });
        assert!(!status.is_ready());
    }

    #[sqlx::test(migrations = false)]
    async fn a_fresh_database_reports_every_migration_pending_then_current(pool: PgPool) {
        let before = schema_status(&pool).await.unwrap();
        let expected: Vec<i64> = MIGRATOR.iter().map(|m| m.version).collect();
        assert_eq!(before, SchemaStatus::Pending { missing: expected.clone() });

        migrate(&pool).await.unwrap();
        let after = schema_status(&pool).await.unwrap();
        assert_eq!(after, SchemaStatus::Current { version: *expected.last().unwrap() });
    }
}
