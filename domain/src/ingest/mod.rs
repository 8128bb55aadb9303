//! Ingestion. The registry (here): every inbound file is registered once, by content, before
//! anything of it is loaded; a file seen before is recorded as a duplicate and ignored. The loader
//! ([`load`]): a registered file is parsed and loaded into PostgreSQL in one transaction.

pub mod load;
pub mod operations;
pub mod totals;

use std::io::Read;

use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::feeds::{FileError, Network, Strictness};

/// Where a file came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    Network(Network),
    Zelle,
}

impl Source {
    pub const ALL: [Source; 3] =
        [Source::Network(Network::Visa), Source::Network(Network::Mastercard), Source::Zelle];

    pub fn code(self) -> &'static str {
        match self {
            Source::Network(network) => network.code(),
            Source::Zelle => "zelle",
        }
    }

    pub fn from_code(code: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// The lock of one business date, held while any of its files is loaded and through its run: a
/// run never starts while a file of its date is still loading, and a file is never loaded into a
/// date while the date is being run (it waits for the next version). A PostgreSQL advisory lock,
/// so it holds across processes and replicas. Locks of different dates are independent; runs of
/// different dates are ordered by a lock of their own (`recon::run::run_day`).
pub struct DateLock {
    date: NaiveDate,
    lock: crate::db::NamedLock,
}

impl DateLock {
    fn name(date: NaiveDate) -> String {
        format!("settledesk:date:{date}")
    }

    /// The date's lock, if nobody holds it.
    pub async fn try_take(pool: &PgPool, date: NaiveDate) -> Result<Option<DateLock>, sqlx::Error> {
        Ok(crate::db::NamedLock::try_take(pool, Self::name(date)).await?.map(|lock| DateLock { date, lock }))
    }

    /// The date's lock, waiting for whoever holds it.
    pub async fn take(pool: &PgPool, date: NaiveDate) -> Result<DateLock, sqlx::Error> {
        Ok(DateLock { date, lock: crate::db::NamedLock::take(pool, Self::name(date)).await? })
    }

    pub fn date(&self) -> NaiveDate {
        self.date
    }

    pub async fn release(self) {
        self.lock.release().await
    }
}

/// How each source's files are read: strict sources refuse a whole file for one bad record.
pub async fn strictness(pool: &PgPool, source: Source) -> Result<Strictness, sqlx::Error> {
    let strict = sqlx::query_scalar!("SELECT strict FROM source_setting WHERE source = $1", source.code())
        .fetch_optional(pool)
        .await?;
    Ok(if strict == Some(true) { Strictness::Strict } else { Strictness::Lenient })
}

/// Every source with whether it is strict.
pub async fn strict_sources(pool: &PgPool) -> Result<Vec<(Source, bool)>, sqlx::Error> {
    let strict: Vec<String> =
        sqlx::query_scalar!("SELECT source FROM source_setting WHERE strict").fetch_all(pool).await?;
    Ok(Source::ALL.into_iter().map(|s| (s, strict.iter().any(|code| code == s.code()))).collect())
}

/// Sets a source's strictness, recorded in the audit trail with the value before and after.
pub async fn set_strictness(
    pool: &PgPool,
    event: crate::audit::NewAuditEvent,
    source: Source,
    strict: bool,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    let before =
        sqlx::query_scalar!("SELECT strict FROM source_setting WHERE source = $1 FOR UPDATE", source.code())
            .fetch_optional(&mut *tx)
            .await?
            .unwrap_or(false);
    sqlx::query!(
        "INSERT INTO source_setting (source, strict, updated_by) VALUES ($1, $2, $3)
         ON CONFLICT (source) DO UPDATE SET strict = $2, updated_by = $3, updated_at = now()",
        source.code(),
        strict,
        event.actor
    )
    .execute(&mut *tx)
    .await?;
    let event = crate::audit::NewAuditEvent {
        target: Some(format!("source:{}", source.code())),
        before: Some(serde_json::json!({ "strict": before })),
        after: Some(serde_json::json!({ "strict": strict })),
        ..event
    };
    crate::audit::append(&mut tx, event).await?;
    tx.commit().await
}

/// A file's size and SHA-256, read as a stream to its end.
pub fn fingerprint(file: std::fs::File) -> std::io::Result<(u64, [u8; 32])> {
    let mut reader = FingerprintReader::new(file);
    std::io::copy(&mut reader, &mut std::io::sink())?;
    Ok(reader.finish())
}

/// A file read through SHA-256: its size and hash come out of [`FingerprintReader::finish`] once
/// it has been read to the end, so a reader of the file checks it in the same pass.
pub struct FingerprintReader {
    file: std::fs::File,
    hash: Sha256,
    size: u64,
}

impl FingerprintReader {
    pub fn new(file: std::fs::File) -> FingerprintReader {
        FingerprintReader { file, hash: Sha256::new(), size: 0 }
    }

    /// Size and SHA-256 of what was read.
    pub fn finish(self) -> (u64, [u8; 32]) {
        (self.size, self.hash.finalize().into())
    }
}

impl Read for FingerprintReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        self.hash.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    /// First delivery of these bytes: load it.
    New { id: i64 },
    /// This object was registered before (a re-scan): nothing to do.
    AlreadyKnown { id: i64 },
    /// The same bytes arrived before under another name: recorded, not loaded.
    Duplicate { id: i64, original: i64 },
}

/// SQLSTATE `unique_violation`.
const UNIQUE_VIOLATION: &str = "23505";

/// Registers a delivered object. Safe to call concurrently and repeatedly for the same object:
/// two registrations racing on one object both end in a consistent answer (the loser retries).
pub async fn register(
    pool: &PgPool,
    source: Source,
    object_key: &str,
    business_date: NaiveDate,
    size: u64,
    sha256: &[u8; 32],
) -> Result<Registration, sqlx::Error> {
    let mut attempts = 0;
    loop {
        match try_register(pool, source, object_key, business_date, size, sha256).await {
            Err(sqlx::Error::Database(e))
                if e.code().as_deref() == Some(UNIQUE_VIOLATION) && attempts < 3 =>
            {
                attempts += 1;
            }
            other => return other,
        }
    }
}

async fn try_register(
    pool: &PgPool,
    source: Source,
    object_key: &str,
    business_date: NaiveDate,
    size: u64,
    sha256: &[u8; 32],
) -> Result<Registration, sqlx::Error> {
    let size = i64::try_from(size).unwrap_or(i64::MAX);
    let mut tx = pool.begin().await?;
    if let Some(known) = sqlx::query_scalar!(
        "SELECT id FROM feed_file WHERE object_key = $1 AND sha256 = $2",
        object_key,
        &sha256[..]
    )
    .fetch_optional(&mut *tx)
    .await?
    {
        return Ok(Registration::AlreadyKnown { id: known });
    }
    let inserted = sqlx::query_scalar!(
        "INSERT INTO feed_file (source, object_key, business_date, size_bytes, sha256, status)
         VALUES ($1, $2, $3, $4, $5, 'received')
         ON CONFLICT (source, sha256) WHERE status <> 'duplicate' DO NOTHING
         RETURNING id",
        source.code(),
        object_key,
        business_date as _,
        size,
        &sha256[..]
    )
    .fetch_optional(&mut *tx)
    .await?;
    let registration = match inserted {
        Some(id) => Registration::New { id },
        None => {
            let original = sqlx::query_scalar!(
                "SELECT id FROM feed_file WHERE source = $1 AND sha256 = $2 AND status <> 'duplicate'",
                source.code(),
                &sha256[..]
            )
            .fetch_one(&mut *tx)
            .await?;
            let id = sqlx::query_scalar!(
                "INSERT INTO feed_file (source, object_key, business_date, size_bytes, sha256, status, duplicate_of)
                 VALUES ($1, $2, $3, $4, $5, 'duplicate', $6)
                 ON CONFLICT (object_key, sha256) DO UPDATE SET object_key = EXCLUDED.object_key
                 RETURNING id",
                source.code(),
                object_key,
                business_date as _,
                size,
                &sha256[..],
                original
            )
            .fetch_one(&mut *tx)
            .await?;
            if id == original {
                // The same object, registered a moment ago by a concurrent call.
                Registration::AlreadyKnown { id }
            } else {
                Registration::Duplicate { id, original }
            }
        }
    };
    tx.commit().await?;
    Ok(registration)
}

/// What arrived from one source for a business date, and when it was due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    pub source: String,
    pub files: i64,
    pub parsed: i64,
    pub quarantined: i64,
    /// When the first file landed in the inbound store (when it was taken in, for files
    /// registered before arrival times were kept).
    pub first_arrived_at: Option<DateTime<Utc>>,
    /// When the first file was taken in (registered).
    pub first_taken_in_at: Option<DateTime<Utc>>,
    /// When the source's file of the date is due.
    pub due: DateTime<Utc>,
    /// Why an admin said the source sends nothing for the date, if they did.
    pub not_expected: Option<String>,
}

/// Where a source's file for a date stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrivalState {
    /// Arrived by its due time, and read.
    Received,
    /// Arrived after its due time.
    Late,
    /// Not arrived, and its due time has passed.
    Missing,
    /// Not arrived, and not due yet.
    NotDueYet,
    /// A file arrived and was refused whole (and is not yet released by a replacement).
    Quarantined,
    /// An admin said the source sends nothing for the date.
    NotExpected,
}

impl ArrivalState {
    pub fn code(self) -> &'static str {
        match self {
            ArrivalState::Received => "received",
            ArrivalState::Late => "late",
            ArrivalState::Missing => "missing",
            ArrivalState::NotDueYet => "not_due_yet",
            ArrivalState::Quarantined => "quarantined",
            ArrivalState::NotExpected => "not_expected",
        }
    }

    /// Whether someone should look at it: the file came late, has not come, or was refused.
    pub fn is_problem(self) -> bool {
        matches!(self, ArrivalState::Late | ArrivalState::Missing | ArrivalState::Quarantined)
    }
}

impl Arrival {
    /// Where it stands at `now`. A quarantined file is the state to act on even beside a good one
    /// (it may hold records the good one lacks).
    pub fn state(&self, now: DateTime<Utc>) -> ArrivalState {
        match self.first_arrived_at {
            _ if self.quarantined > 0 => ArrivalState::Quarantined,
            None if self.not_expected.is_some() => ArrivalState::NotExpected,
            Some(at) if at > self.due => ArrivalState::Late,
            Some(_) => ArrivalState::Received,
            None if now > self.due => ArrivalState::Missing,
            None => ArrivalState::NotDueYet,
        }
    }
}

/// When a source's file of a business date is due: `days_after` the date, at `by` in the bank's
/// zone (see migration 0019).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpectedArrival {
    pub days_after: u16,
    pub by: chrono::NaiveTime,
}

impl ExpectedArrival {
    pub fn due(&self, date: NaiveDate, zone: crate::calendar::Tz) -> DateTime<Utc> {
        let day = date + chrono::Days::new(u64::from(self.days_after));
        crate::calendar::local_instant(day.and_time(self.by), zone)
    }
}

/// Each source's expected arrival, in [`Source::ALL`] order.
pub async fn expected_arrivals(pool: &PgPool) -> Result<Vec<(Source, ExpectedArrival)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT source, expected_days_after, expected_by AS "expected_by: chrono::NaiveTime" FROM source_setting"#
    )
    .fetch_all(pool)
    .await?;
    Ok(Source::ALL
        .into_iter()
        .map(|source| {
            let row = rows.iter().find(|r| r.source == source.code());
            let expected = match row {
                Some(r) => {
                    ExpectedArrival { days_after: r.expected_days_after.max(0) as u16, by: r.expected_by }
                }
                // The migration seeds every source; a row deleted by hand means "by the date's end".
                None => {
                    ExpectedArrival { days_after: 0, by: chrono::NaiveTime::from_hms_opt(23, 59, 0).unwrap() }
                }
            };
            (source, expected)
        })
        .collect())
}

/// Files per source for `date` (every source listed, with zeros when nothing came), with when
/// each source's file was due in the bank's `zone`.
pub async fn arrivals(
    pool: &PgPool,
    date: NaiveDate,
    zone: crate::calendar::Tz,
) -> Result<Vec<Arrival>, sqlx::Error> {
    let expected = expected_arrivals(pool).await?;
    let rows = sqlx::query!(
        r#"SELECT s.source AS "source!", count(f.id) AS "files!",
                  count(f.id) FILTER (WHERE f.status = 'parsed') AS "parsed!",
                  count(f.id) FILTER (WHERE f.status = 'quarantined'
                                       AND NOT EXISTS (SELECT 1 FROM feed_file r
                                                       WHERE r.object_key = f.replaced_by_key AND r.status = 'parsed'))
                      AS "quarantined!",
                  min(coalesce(f.arrived_at, f.received_at)) AS "first_arrived_at: DateTime<Utc>",
                  min(f.received_at) AS "first_taken_in_at: DateTime<Utc>",
                  min(n.reason) AS not_expected
           FROM unnest(ARRAY['visa', 'mastercard', 'zelle']) AS s (source)
           LEFT JOIN feed_file f ON f.source = s.source AND f.business_date = $1 AND f.status <> 'duplicate'
           LEFT JOIN source_not_expected n ON n.source = s.source AND n.business_date = $1
           GROUP BY s.source ORDER BY array_position(ARRAY['visa', 'mastercard', 'zelle'], s.source)"#,
        date as _
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let due = expected
                .iter()
                .find(|(source, _)| source.code() == row.source)
                .map(|(_, e)| e.due(date, zone))
                .unwrap_or_else(|| crate::calendar::start_of_day(date + chrono::Days::new(1), zone));
            Arrival {
                source: row.source,
                files: row.files,
                parsed: row.parsed,
                quarantined: row.quarantined,
                first_arrived_at: row.first_arrived_at,
                first_taken_in_at: row.first_taken_in_at,
                due,
                not_expected: row.not_expected,
            }
        })
        .collect())
}

/// Of the objects listed in the inbound store, those the registry has not taken in: never
/// registered, registered but never loaded, or written again since (an object replaced under its
/// key; a second of slack, as S3 gives a listing's time more precisely than a HEAD's).
pub async fn not_taken_in(
    pool: &PgPool,
    listed: Vec<crate::storage::ObjectInfo>,
) -> Result<Vec<crate::storage::ObjectInfo>, sqlx::Error> {
    let keys: Vec<String> = listed.iter().map(|o| o.key.clone()).collect();
    let times: Vec<Option<DateTime<Utc>>> = listed.iter().map(|o| o.last_modified).collect();
    let taken_in: Vec<String> = sqlx::query_scalar!(
        r#"SELECT k AS "key!" FROM unnest($1::text[], $2::timestamptz[]) AS listed (k, modified)
           WHERE EXISTS (SELECT 1 FROM feed_file f
                         WHERE f.object_key = listed.k AND f.status <> 'received'
                           AND (listed.modified IS NULL OR f.arrived_at IS NULL
                                OR f.arrived_at >= listed.modified - interval '1 second'))"#,
        &keys,
        &times as &[Option<DateTime<Utc>>]
    )
    .fetch_all(pool)
    .await?;
    Ok(listed.into_iter().filter(|o| !taken_in.contains(&o.key)).collect())
}

/// Records that a file is unusable, with the precise reason, in the audit trail too (by the
/// system); nothing of it is loaded.
pub async fn mark_quarantined(pool: &PgPool, id: i64, error: &FileError) -> Result<(), sqlx::Error> {
    // A reader's reason quotes the field it could not read, which may be a card number (a strict
    // source refuses a whole file for one bad record): masked like a raw record.
    let reason = crate::feeds::card::mask_text(&error.to_string());
    let mut tx = pool.begin().await?;
    let file = sqlx::query!(
        "UPDATE feed_file SET status = 'quarantined', error = $2, processed_at = now() WHERE id = $1 AND status <> 'duplicate'
         RETURNING object_key, source, business_date AS \"business_date: NaiveDate\"",
        id,
        reason
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(file) = file {
        let event = crate::audit::NewAuditEvent {
            target: Some(format!("feed_file:{id}")),
            after: Some(serde_json::json!({
                "object_key": file.object_key,
                "source": file.source,
                "business_date": file.business_date,
                "reason": reason,
            })),
            ..crate::audit::NewAuditEvent::new(
                crate::exceptions::SYSTEM,
                crate::audit::AuditAction::FeedFileQuarantined,
            )
        };
        crate::audit::append(&mut tx, event).await?;
    }
    tx.commit().await
}

/// Masks card numbers in the quarantine reasons stored before `mark_quarantined` did; returns how
/// many it changed. (Audit events written meanwhile are append-only and keep what they said.)
pub async fn mask_stored_quarantine_reasons(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let rows = sqlx::query!("SELECT id, error AS \"error!\" FROM feed_file WHERE error IS NOT NULL")
        .fetch_all(pool)
        .await?;
    let mut changed = 0;
    for row in rows {
        let masked = crate::feeds::card::mask_text(&row.error);
        if masked != row.error {
            sqlx::query!("UPDATE feed_file SET error = $2 WHERE id = $1", row.id, masked)
                .execute(pool)
                .await?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// Masks the card numbers in the raw bytes of unreadable records stored before the readers did
/// (migration 0018 marks every earlier row unmasked): each network's layout is known here, in the
/// same functions the readers use, not again in SQL. Returns how many rows it masked; a second
/// call finds none. `server migrate` calls it after the migrations.
pub async fn mask_stored_issues(pool: &PgPool) -> Result<u64, sqlx::Error> {
    use crate::feeds::mastercard::{self, iso8583::Encoding};
    use crate::feeds::{card, visa};
    let rows = sqlx::query!(
        "SELECT i.feed_file_id, i.record_number, f.source, i.raw, i.problem
         FROM feed_issue i JOIN feed_file f ON f.id = i.feed_file_id WHERE NOT i.masked"
    )
    .fetch_all(pool)
    .await?;
    let (mut files, mut records, mut raws, mut problems) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for row in rows {
        let raw = match Source::from_code(&row.source) {
            Some(Source::Network(Network::Visa)) => visa::masked(&row.raw),
            Some(Source::Network(Network::Mastercard)) => {
                // A message whose own type is unreadable cannot tell its code: both are masked.
                mastercard::masked(&row.raw, Encoding::detect(&row.raw))
            }
            Some(Source::Zelle) | None => {
                let mut raw = row.raw;
                card::mask_card_like_runs(&mut raw);
                raw
            }
        };
        files.push(row.feed_file_id);
        records.push(row.record_number);
        raws.push(raw);
        problems.push(card::mask_text(&row.problem));
    }
    let done = sqlx::query!(
        "UPDATE feed_issue i SET raw = m.raw, problem = m.problem, masked = true
         FROM UNNEST($1::bigint[], $2::bigint[], $3::bytea[], $4::text[]) AS m (feed_file_id, record_number, raw, problem)
         WHERE i.feed_file_id = m.feed_file_id AND i.record_number = m.record_number",
        &files,
        &records,
        &raws,
        &problems
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date() -> NaiveDate {
        "2026-11-20".parse().unwrap()
    }

    const VISA: Source = Source::Network(Network::Visa);

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_file_is_registered_once_and_its_copies_are_duplicates(pool: PgPool) {
        let sha = [7u8; 32];
        let first = register(&pool, VISA, "inbound/visa/2026-11-20/a.ctf", date(), 100, &sha).await.unwrap();
        let Registration::New { id } = first else { panic!("{first:?}") };
        assert_eq!(
            register(&pool, VISA, "inbound/visa/2026-11-20/a.ctf", date(), 100, &sha).await.unwrap(),
            Registration::AlreadyKnown { id },
            "a re-scan changes nothing"
        );
        let copy =
            register(&pool, VISA, "inbound/visa/2026-11-20/a-resent.ctf", date(), 100, &sha).await.unwrap();
        assert!(matches!(copy, Registration::Duplicate { original, .. } if original == id), "{copy:?}");
        assert_eq!(
            register(&pool, VISA, "inbound/visa/2026-11-20/a-resent.ctf", date(), 100, &sha).await.unwrap(),
            Registration::AlreadyKnown {
                id: match copy {
                    Registration::Duplicate { id, .. } => id,
                    _ => unreachable!(),
                }
            }
        );
        // The same bytes from another source are another file.
        assert!(matches!(
            register(&pool, Source::Zelle, "inbound/zelle/x.csv", date(), 100, &sha).await.unwrap(),
            Registration::New { .. }
        ));
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn concurrent_deliveries_of_one_file_register_it_once(pool: PgPool) {
        let tasks: Vec<_> = (0..12)
            .map(|i| {
                let pool = pool.clone();
                tokio::spawn(async move {
                    let key = format!("inbound/visa/2026-11-20/copy-{}.ctf", i % 3);
                    register(&pool, VISA, &key, date(), 10, &[9u8; 32]).await.unwrap()
                })
            })
            .collect();
        let mut new = 0;
        for task in tasks {
            if matches!(task.await.unwrap(), Registration::New { .. }) {
                new += 1;
            }
        }
        assert_eq!(new, 1);
        let rows = sqlx::query_scalar!("SELECT count(*) FROM feed_file").fetch_one(&pool).await.unwrap();
        assert_eq!(rows, Some(3), "one row per object key");
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_quarantined_file_keeps_the_precise_reason(pool: PgPool) {
        let Registration::New { id } =
            register(&pool, VISA, "inbound/visa/x.ctf", date(), 1, &[1u8; 32]).await.unwrap()
        else {
            panic!()
        };
        let error = FileError::new(7, "number of monetary transactions", "6", "5");
        mark_quarantined(&pool, id, &error).await.unwrap();
        let row = sqlx::query!("SELECT status, error FROM feed_file WHERE id = $1", id)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(row.status, "quarantined");
        assert_eq!(
            row.error.as_deref(),
            Some("record 7, number of monetary transactions: expected 6, found 5")
        );
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn records_stored_before_masking_are_masked_by_the_migration_step(pool: PgPool) {
        let pan = "4111111111111111";
        let mut visa_record = vec![b' '; crate::feeds::visa::RECORD_LEN];
        visa_record[..4].copy_from_slice(b"0500");
        visa_record[4..4 + pan.len()].copy_from_slice(pan.as_bytes());
        let mut sha = [3u8; 32];
        let mut stored = Vec::new();
        for (source, raw) in [
            (VISA, visa_record),
            (Source::Network(Network::Mastercard), format!("1240xxxxxxxx16{pan}rest").into_bytes()),
            // A message whose type is what is broken: its code cannot be told, DE 2 still masked.
            (Source::Network(Network::Mastercard), format!("12x0xxxxxxxx16{pan}rest").into_bytes()),
            (Source::Zelle, format!("ZP1,2026-11-20,{pan},x").into_bytes()),
        ] {
            sha[0] += 1;
            let Registration::New { id } =
                register(&pool, source, &format!("inbound/{}/x", source.code()), date(), 1, &sha)
                    .await
                    .unwrap()
            else {
                panic!()
            };
            // As a binary from before migration 0018 stored it: whole, `masked` left false.
            sqlx::query!(
                "INSERT INTO feed_issue (feed_file_id, record_number, field, problem, raw)
                 VALUES ($1, 2, 'f', 'found ' || $3, $2)",
                id,
                &raw,
                pan
            )
            .execute(&pool)
            .await
            .unwrap();
            stored.push(id);
        }
        assert_eq!(mask_stored_issues(&pool).await.unwrap(), 4);
        assert_eq!(mask_stored_issues(&pool).await.unwrap(), 0, "a second call finds nothing to do");
        let rows = sqlx::query!("SELECT raw, problem FROM feed_issue WHERE masked ORDER BY feed_file_id")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(rows.len(), 4);
        assert!(rows.iter().all(|r| r.problem == "found ************1111"), "the problem's quote too");
        let raws: Vec<Vec<u8>> = rows.into_iter().map(|r| r.raw).collect();
        for raw in &raws {
            let text = String::from_utf8_lossy(raw);
            assert!(!text.contains(pan) && text.contains("************1111"), "{text}");
        }
        // The Visa record's transaction code and the Mastercard length prefix are left as they were.
        assert!(raws[0].starts_with(b"0500************1111"));
        assert!(String::from_utf8_lossy(&raws[1]).starts_with("1240xxxxxxxx16************1111rest"));
    }

    #[test]
    fn files_are_fingerprinted_as_streams() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"abc").unwrap();
        let (size, sha) = fingerprint(std::fs::File::open(&path).unwrap()).unwrap();
        assert_eq!(size, 3);
        assert_eq!(hex::encode(sha), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn arrival(files: i64, quarantined: i64, arrived: Option<&str>) -> Arrival {
        Arrival {
            source: "visa".into(),
            files,
            parsed: files - quarantined,
            quarantined,
            first_arrived_at: arrived.map(at),
            first_taken_in_at: arrived.map(at),
            due: at("2026-11-21T13:00:00Z"),
            not_expected: None,
        }
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_quarantine_reason_quoting_a_card_number_is_stored_and_audited_masked(pool: PgPool) {
        let Registration::New { id } =
            register(&pool, Source::Zelle, "inbound/zelle/2026-11-20/z.csv", date(), 10, &[8; 32])
                .await
                .unwrap()
        else {
            panic!("new")
        };
        // What a strict source's reader says of a card number where the last four digits belong.
        let error = FileError::new(7, "card_last4", "4 digits", "'4111111111111111'");
        assert!(!error.clone().masked().to_string().contains("4111111111111111"));
        mark_quarantined(&pool, id, &error).await.unwrap();
        let stored: String = sqlx::query_scalar("SELECT error FROM feed_file WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
        let audited: String =
            sqlx::query_scalar("SELECT after_state FROM audit_event").fetch_one(&pool).await.unwrap();
        for text in [&stored, &audited] {
            assert!(!text.contains("4111111111111111") && text.contains("1111"), "{text}");
        }
    }

    #[test]
    fn a_source_is_late_missing_or_not_due_by_its_own_due_time() {
        let now = at("2026-11-21T15:00:00Z");
        assert_eq!(arrival(1, 0, Some("2026-11-21T12:59:00Z")).state(now), ArrivalState::Received);
        assert_eq!(arrival(1, 0, Some("2026-11-21T13:01:00Z")).state(now), ArrivalState::Late);
        assert_eq!(arrival(0, 0, None).state(now), ArrivalState::Missing);
        assert_eq!(arrival(0, 0, None).state(at("2026-11-21T12:00:00Z")), ArrivalState::NotDueYet);
        assert_eq!(arrival(2, 1, Some("2026-11-21T12:00:00Z")).state(now), ArrivalState::Quarantined);
        let said_none = Arrival { not_expected: Some("network holiday".into()), ..arrival(0, 0, None) };
        assert_eq!(said_none.state(now), ArrivalState::NotExpected);
    }

    #[test]
    fn late_missing_and_quarantined_files_are_problems() {
        use ArrivalState::*;
        let problems: Vec<_> = [Received, Late, Missing, NotDueYet, Quarantined, NotExpected]
            .into_iter()
            .filter(|s| s.is_problem())
            .collect();
        assert_eq!(problems, [Late, Missing, Quarantined]);
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn network_files_are_due_the_next_morning_and_the_extract_the_same_evening(pool: PgPool) {
        let zone = crate::calendar::parse_time_zone("America/New_York").unwrap();
        let due: Vec<(String, DateTime<Utc>)> =
            arrivals(&pool, date(), zone).await.unwrap().into_iter().map(|a| (a.source, a.due)).collect();
        assert_eq!(
            due,
            [
                ("visa".to_owned(), at("2026-11-21T13:00:00Z")),
                ("mastercard".to_owned(), at("2026-11-21T13:00:00Z")),
                ("zelle".to_owned(), at("2026-11-21T01:00:00Z")),
            ]
        );
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn the_watcher_takes_in_what_is_new_unloaded_or_written_again(pool: PgPool) {
        use crate::storage::ObjectInfo;
        let object = |key: &str, modified: &str| ObjectInfo {
            key: key.into(),
            size: 10,
            last_modified: Some(at(modified)),
        };
        let loaded = "inbound/visa/2026-11-20/loaded.ctf";
        let half = "inbound/visa/2026-11-20/half.ctf";
        let Registration::New { id } = register(&pool, VISA, loaded, date(), 10, &[1; 32]).await.unwrap()
        else {
            panic!("new")
        };
        sqlx::query!(
            "UPDATE feed_file SET status = 'parsed', arrived_at = '2026-11-21T06:00:00Z' WHERE id = $1",
            id
        )
        .execute(&pool)
        .await
        .unwrap();
        register(&pool, VISA, half, date(), 10, &[2; 32]).await.unwrap();
        let listed = vec![
            object(loaded, "2026-11-21T06:00:00.400Z"),
            object(half, "2026-11-21T06:00:00Z"),
            object("inbound/visa/2026-11-20/new.ctf", "2026-11-21T07:00:00Z"),
        ];
        let keys = |objects: Vec<ObjectInfo>| objects.into_iter().map(|o| o.key).collect::<Vec<_>>();
        assert_eq!(
            keys(not_taken_in(&pool, listed.clone()).await.unwrap()),
            [half, "inbound/visa/2026-11-20/new.ctf"],
            "a loaded file is not read again (its listed time a fraction later than a HEAD's)"
        );
        let mut replaced = listed;
        replaced[0] = object(loaded, "2026-11-21T09:00:00Z");
        assert_eq!(
            keys(not_taken_in(&pool, replaced).await.unwrap())[0],
            loaded,
            "an object written again under its key is read again"
        );
    }
}
