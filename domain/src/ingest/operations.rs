//! Feed operations: what the Feeds page shows of each day's files, and what admins do about them
//! (migration 0021): ask for a date to be run again, with a reason; release a quarantined file by
//! its corrected replacement (the original is kept); say a source will send nothing for a date.
//! Every change is an audit event, in the transaction that makes it.

use chrono::{DateTime, Days, NaiveDate, Utc};
use sqlx::PgPool;

use super::Source;
use crate::audit::{AuditAction, NewAuditEvent};

/// One registered file, as the Feeds page lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedFile {
    pub id: i64,
    pub business_date: NaiveDate,
    pub source: String,
    pub object_key: String,
    /// `received` (loading, or its load died), `parsed`, `quarantined` or `duplicate`.
    pub status: String,
    /// For a quarantined file, the reader's reason.
    pub error: Option<String>,
    pub records: Option<i64>,
    pub unreadable: Option<i64>,
    /// A network file's records per currency (`ingest::totals::FileTotals`).
    pub totals: Option<serde_json::Value>,
    pub arrived_at: Option<DateTime<Utc>>,
    pub taken_in_at: DateTime<Utc>,
    pub duplicate_of: Option<i64>,
    /// For a released quarantined file: its replacement's key, who released it and why.
    pub replaced_by_key: Option<String>,
    pub released_by: Option<String>,
    pub release_reason: Option<String>,
}

/// The files of the dates from `from` to `to`, newest date first, then by source and arrival.
pub async fn files_between(
    pool: &PgPool,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<FeedFile>, sqlx::Error> {
    sqlx::query_as!(
        FeedFile,
        r#"SELECT id, business_date AS "business_date: NaiveDate", source, object_key, status, error,
                  transactions AS records, issues AS unreadable, totals,
                  arrived_at AS "arrived_at: DateTime<Utc>", received_at AS "taken_in_at: DateTime<Utc>",
                  duplicate_of, replaced_by_key, released_by, release_reason
           FROM feed_file WHERE business_date BETWEEN $1 AND $2
           ORDER BY business_date DESC, array_position(ARRAY['visa', 'mastercard', 'zelle'], source),
                    coalesce(arrived_at, received_at), id"#,
        from as _,
        to as _
    )
    .fetch_all(pool)
    .await
}

/// A source said to send nothing for a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotExpected {
    pub business_date: NaiveDate,
    pub source: String,
    pub reason: String,
    pub marked_by: String,
}

pub async fn not_expected_between(
    pool: &PgPool,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<NotExpected>, sqlx::Error> {
    sqlx::query_as!(
        NotExpected,
        r#"SELECT business_date AS "business_date: NaiveDate", source, reason, marked_by
           FROM source_not_expected WHERE business_date BETWEEN $1 AND $2 ORDER BY business_date, source"#,
        from as _,
        to as _
    )
    .fetch_all(pool)
    .await
}

/// A re-run asked for, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRequest {
    pub id: i64,
    pub business_date: NaiveDate,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    /// The version that answered it.
    pub version: Option<i32>,
    pub failed: Option<String>,
    pub done_at: Option<DateTime<Utc>>,
}

/// The re-runs asked for on dates from `from` to `to`, newest first.
pub async fn run_requests_between(
    pool: &PgPool,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<RunRequest>, sqlx::Error> {
    sqlx::query_as!(
        RunRequest,
        r#"SELECT q.id, q.business_date AS "business_date: NaiveDate", q.reason, q.requested_by,
                  q.requested_at AS "requested_at: DateTime<Utc>", r.version AS "version?",
                  q.failed, q.done_at AS "done_at: DateTime<Utc>"
           FROM run_request q LEFT JOIN recon_run r ON r.id = q.run_id
           WHERE q.business_date BETWEEN $1 AND $2 ORDER BY q.id DESC"#,
        from as _,
        to as _
    )
    .fetch_all(pool)
    .await
}

/// The dates with a re-run asked for and not yet done, oldest request first.
pub async fn open_run_requests(pool: &PgPool) -> Result<Vec<(i64, NaiveDate)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, business_date AS "business_date: NaiveDate" FROM run_request WHERE done_at IS NULL ORDER BY id"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.business_date)).collect())
}

/// Whether request `id` still waits (a scheduler of another replica may have just answered it).
pub async fn run_request_open(pool: &PgPool, id: i64) -> Result<bool, sqlx::Error> {
    let open = sqlx::query_scalar!("SELECT done_at IS NULL FROM run_request WHERE id = $1", id)
        .fetch_optional(pool)
        .await?
        .flatten();
    Ok(open.unwrap_or(false))
}

/// Records what answered a request: the run, or why it failed.
pub async fn finish_run_request(
    pool: &PgPool,
    id: i64,
    outcome: Result<i64, String>,
) -> Result<(), sqlx::Error> {
    let (run_id, failed) = match outcome {
        Ok(run_id) => (Some(run_id), None),
        Err(why) => (None, Some(why.chars().take(2000).collect::<String>())),
    };
    sqlx::query!(
        "UPDATE run_request SET run_id = $2, failed = $3, done_at = now() WHERE id = $1 AND done_at IS NULL",
        id,
        run_id,
        failed
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// How far back a date may be run again from the portal (as far back as holidays may change).
pub const RERUN_DAYS: u64 = 366;

/// The channel schedulers listen on for re-run requests.
pub const RUN_REQUESTED: &str = "settledesk_run_requested";

#[derive(Debug, thiserror::Error)]
pub enum OperationError {
    #[error("give a reason of 5 to 500 characters")]
    Reason,
    #[error("{0} has no files: there is nothing to run")]
    NoFiles(NaiveDate),
    #[error("{0} is still open: it is run after its cutoff")]
    StillOpen(NaiveDate),
    #[error("a re-run of {0} is already waiting")]
    AlreadyRequested(NaiveDate),
    #[error("{0} is out of range: a source can be marked for dates from {1} to {2}")]
    OutOfRange(NaiveDate, NaiveDate, NaiveDate),
    #[error("a {0} file for {1} has arrived: it cannot be marked not expected")]
    AlreadyArrived(String, NaiveDate),
    #[error("{0} is already marked not expected on {1}")]
    AlreadyMarked(String, NaiveDate),
    #[error("file {0} is not a quarantined file")]
    NotQuarantined(i64),
    #[error("file {0} was already released (replaced by {1})")]
    AlreadyReleased(i64, String),
    #[error("the replacement is empty")]
    EmptyReplacement,
    #[error("the replacement is the very file that was quarantined (same SHA-256): correct it first")]
    SameFile,
    #[error(
        "these exact bytes were delivered before (file {0}): a replacement must be a file not yet taken in"
    )]
    AlreadyRegistered(i64),
    #[error("{0} is more than {1} days back: re-running it would rewrite long-settled history")]
    TooOld(NaiveDate, u64),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

fn checked_reason(reason: &str) -> Result<&str, OperationError> {
    let reason = reason.trim();
    let length = reason.chars().count();
    if !(5..=500).contains(&length) || reason.chars().any(|c| c.is_control() && c != '\n') {
        return Err(OperationError::Reason);
    }
    Ok(reason)
}

/// Asks for `date` to be run again (by a scheduler, as a new version), for `reason`. Refused for
/// a date still open, one without files, or one with a request already waiting.
pub async fn request_rerun(
    pool: &PgPool,
    event: NewAuditEvent,
    date: NaiveDate,
    reason: &str,
    open_date: NaiveDate,
) -> Result<i64, OperationError> {
    let reason = checked_reason(reason)?;
    if date >= open_date {
        return Err(OperationError::StillOpen(date));
    }
    if date < open_date - Days::new(RERUN_DAYS) {
        return Err(OperationError::TooOld(date, RERUN_DAYS));
    }
    let mut tx = pool.begin().await?;
    let has_files =
        sqlx::query_scalar!("SELECT EXISTS (SELECT 1 FROM feed_file WHERE business_date = $1)", date as _)
            .fetch_one(&mut *tx)
            .await?
            .unwrap_or(false);
    if !has_files {
        return Err(OperationError::NoFiles(date));
    }
    let id = sqlx::query_scalar!(
        "INSERT INTO run_request (business_date, reason, requested_by) VALUES ($1, $2, $3)
         ON CONFLICT (business_date) WHERE done_at IS NULL DO NOTHING RETURNING id",
        date as _,
        reason,
        event.actor
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(OperationError::AlreadyRequested(date))?;
    let event = NewAuditEvent {
        action: AuditAction::RerunRequested,
        target: Some(format!("run_request:{id}")),
        after: Some(serde_json::json!({ "business_date": date, "reason": reason })),
        ..event
    };
    crate::audit::append(&mut tx, event).await?;
    sqlx::query!("SELECT pg_notify($1, $2)", RUN_REQUESTED, date.to_string()).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(id)
}

/// How far from the open date a source may be marked not expected: a month either way.
pub fn not_expected_range(open_date: NaiveDate) -> (NaiveDate, NaiveDate) {
    (open_date - Days::new(31), open_date + Days::new(31))
}

/// Says `source` will send nothing for `date`, for `reason`. Refused when a file of it came.
pub async fn mark_not_expected(
    pool: &PgPool,
    event: NewAuditEvent,
    date: NaiveDate,
    source: Source,
    reason: &str,
    open_date: NaiveDate,
) -> Result<(), OperationError> {
    let reason = checked_reason(reason)?;
    let (first, last) = not_expected_range(open_date);
    if date < first || date > last {
        return Err(OperationError::OutOfRange(date, first, last));
    }
    let mut tx = pool.begin().await?;
    // A file that arrives after the mark wins: the source's state counts files first
    // (`Arrival::state`), so a mark never hides what came.
    let arrived = sqlx::query_scalar!(
        "SELECT EXISTS (SELECT 1 FROM feed_file WHERE business_date = $1 AND source = $2 AND status <> 'duplicate')",
        date as _,
        source.code()
    )
    .fetch_one(&mut *tx)
    .await?
    .unwrap_or(false);
    if arrived {
        return Err(OperationError::AlreadyArrived(source.code().to_owned(), date));
    }
    let inserted = sqlx::query!(
        "INSERT INTO source_not_expected (business_date, source, reason, marked_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
        date as _,
        source.code(),
        reason,
        event.actor
    )
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(OperationError::AlreadyMarked(source.code().to_owned(), date));
    }
    let event = NewAuditEvent {
        action: AuditAction::SourceNotExpected,
        target: Some(format!("source:{}:{date}", source.code())),
        after: Some(serde_json::json!({ "business_date": date, "source": source.code(), "reason": reason })),
        ..event
    };
    crate::audit::append(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// A quarantined file being released: what the caller needs to store its replacement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub id: i64,
    pub business_date: NaiveDate,
    pub source: String,
    pub original_key: String,
    /// Where the replacement goes: beside the original, in the same date's inbound folder.
    pub replacement_key: String,
    pub reason: String,
    pub size: u64,
    pub sha256: [u8; 32],
}

/// The key of a replacement for `original`, stored at `at`: the original's name with
/// `.replacement-<time>` before its extension.
pub fn replacement_key(original: &str, at: DateTime<Utc>) -> String {
    let stamp = at.format("%Y%m%dT%H%M%S");
    let (folder, name) = original.rsplit_once('/').unwrap_or(("", original));
    let renamed = match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => format!("{stem}.replacement-{stamp}.{extension}"),
        _ => format!("{name}.replacement-{stamp}"),
    };
    if folder.is_empty() {
        renamed
    } else {
        format!("{folder}/{renamed}")
    }
}

/// Claims quarantined file `id` for release by a replacement with SHA-256 `sha256`, for
/// `reason`, inside `tx` (the file's row stays locked until it ends): the caller stores the
/// replacement at the returned key, then calls [`record_release`] and commits. A store that fails
/// rolls the claim back. Refused for a file not quarantined, one already released, an empty
/// replacement, the quarantined bytes themselves, or bytes already delivered (a copy would be
/// registered as a duplicate and never loaded, and the original would hold the day open).
pub async fn claim_release(
    tx: &mut sqlx::PgConnection,
    actor: &str,
    id: i64,
    size: u64,
    sha256: &[u8; 32],
    reason: &str,
) -> Result<Release, OperationError> {
    let reason = checked_reason(reason)?;
    if size == 0 {
        return Err(OperationError::EmptyReplacement);
    }
    let file = sqlx::query!(
        r#"SELECT business_date AS "business_date: NaiveDate", source, object_key, status, sha256, replaced_by_key
           FROM feed_file WHERE id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(OperationError::NotQuarantined(id))?;
    if let Some(replacement) = file.replaced_by_key {
        return Err(OperationError::AlreadyReleased(id, replacement));
    }
    if file.status != "quarantined" {
        return Err(OperationError::NotQuarantined(id));
    }
    if file.sha256 == sha256 {
        return Err(OperationError::SameFile);
    }
    let delivered = sqlx::query_scalar!(
        "SELECT id FROM feed_file WHERE source = $1 AND sha256 = $2 ORDER BY id LIMIT 1",
        file.source,
        &sha256[..]
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(earlier) = delivered {
        return Err(OperationError::AlreadyRegistered(earlier));
    }
    let replacement_key = replacement_key(&file.object_key, Utc::now());
    sqlx::query!(
        "UPDATE feed_file SET replaced_by_key = $2, released_by = $3, released_at = now(), release_reason = $4
         WHERE id = $1",
        id,
        replacement_key,
        actor,
        reason
    )
    .execute(&mut *tx)
    .await?;
    Ok(Release {
        id,
        business_date: file.business_date,
        source: file.source,
        original_key: file.object_key,
        replacement_key,
        reason: reason.to_owned(),
        size,
        sha256: *sha256,
    })
}

/// Records a claimed release once its replacement is stored: the audit event, and when the
/// watcher no longer looks at the date (`watched` false), a re-run of it, which takes the
/// replacement in. Last before the commit: the audit chain's head stays locked until then.
pub async fn record_release(
    tx: &mut sqlx::PgConnection,
    event: NewAuditEvent,
    release: &Release,
    watched: bool,
) -> Result<(), OperationError> {
    if !watched {
        sqlx::query!(
            "INSERT INTO run_request (business_date, reason, requested_by) VALUES ($1, $2, $3)
             ON CONFLICT (business_date) WHERE done_at IS NULL DO NOTHING",
            release.business_date as _,
            format!("release of file {}: {}", release.id, release.reason),
            event.actor
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!("SELECT pg_notify($1, $2)", RUN_REQUESTED, release.business_date.to_string())
            .execute(&mut *tx)
            .await?;
    }
    let event = NewAuditEvent {
        action: AuditAction::FeedFileReleased,
        target: Some(format!("feed_file:{}", release.id)),
        before: Some(serde_json::json!({ "object_key": release.original_key, "status": "quarantined" })),
        after: Some(serde_json::json!({
            "replaced_by": release.replacement_key,
            "replacement_bytes": release.size,
            "replacement_sha256": hex::encode(release.sha256),
            "reason": release.reason,
        })),
        ..event
    };
    crate::audit::append(&mut *tx, event).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{register, Registration};

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn admin() -> NewAuditEvent {
        NewAuditEvent::new("ada", AuditAction::SettingChanged)
    }

    const VISA: Source = Source::Network(crate::feeds::Network::Visa);

    async fn quarantined(pool: &PgPool) -> i64 {
        let key = "inbound/visa/2026-11-20/broken.ctf";
        let Registration::New { id } =
            register(pool, VISA, key, date("2026-11-20"), 10, &[3; 32]).await.unwrap()
        else {
            panic!("new")
        };
        let error = crate::feeds::FileError::new(0, "header", "a Visa header record", "end of file");
        crate::ingest::mark_quarantined(pool, id, &error).await.unwrap();
        id
    }

    #[test]
    fn a_replacement_sits_beside_its_original() {
        let at = DateTime::parse_from_rfc3339("2026-12-03T16:30:05Z").unwrap().with_timezone(&Utc);
        assert_eq!(
            replacement_key("inbound/visa/2026-11-20/VISA-BASEII-2026-11-20-s3.ctf", at),
            "inbound/visa/2026-11-20/VISA-BASEII-2026-11-20-s3.replacement-20261203T163005.ctf"
        );
        assert_eq!(
            replacement_key("inbound/zelle/2026-11-20/extract", at),
            "inbound/zelle/2026-11-20/extract.replacement-20261203T163005"
        );
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_quarantined_file_is_released_once_by_a_different_file_with_a_reason(pool: PgPool) {
        let id = quarantined(&pool).await;
        let reason = "Visa resent the file with the header fixed";
        let Registration::New { id: good } =
            register(&pool, VISA, "inbound/visa/2026-11-20/good.ctf", date("2026-11-20"), 10, &[6; 32])
                .await
                .unwrap()
        else {
            panic!("new")
        };
        // The same broken bytes, an empty file, no reason, bytes delivered before: refused.
        let mut tx = pool.begin().await.unwrap();
        for (size, sha, why, expected) in [
            (10, [3u8; 32], reason, "the very file"),
            (0, [4u8; 32], reason, "empty"),
            (10, [4u8; 32], "ok", "reason"),
            (10, [6u8; 32], reason, "delivered before"),
        ] {
            let err = claim_release(&mut tx, "ada", id, size, &sha, why).await.unwrap_err();
            assert!(err.to_string().contains(expected), "{err}");
        }
        let release = claim_release(&mut tx, "ada", id, 10, &[4; 32], reason).await.unwrap();
        assert!(
            release.replacement_key.starts_with("inbound/visa/2026-11-20/broken.replacement-"),
            "{release:?}"
        );
        record_release(&mut tx, admin(), &release, false).await.unwrap();
        tx.commit().await.unwrap();
        // A date the watcher no longer looks at: a re-run takes the replacement in.
        assert_eq!(open_run_requests(&pool).await.unwrap().len(), 1);
        // Twice (a double submission, two admins at once): the second is refused.
        let mut tx = pool.begin().await.unwrap();
        let err = claim_release(&mut tx, "ada", id, 10, &[5; 32], reason).await.unwrap_err();
        assert!(matches!(err, OperationError::AlreadyReleased(..)), "{err}");
        // A file that is not quarantined is not released.
        let err = claim_release(&mut tx, "ada", good, 10, &[7; 32], reason).await.unwrap_err();
        assert!(matches!(err, OperationError::NotQuarantined(_)), "{err}");
        drop(tx);
        let events: Vec<String> =
            sqlx::query_scalar("SELECT action FROM audit_event ORDER BY seq").fetch_all(&pool).await.unwrap();
        assert_eq!(events, ["feed.file_quarantined", "feed.file_released"]);
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_rerun_is_asked_once_for_a_closed_date_with_files(pool: PgPool) {
        quarantined(&pool).await;
        let open = date("2026-11-23");
        let reason = "Visa file released after correction";
        assert!(matches!(
            request_rerun(&pool, admin(), date("2026-11-23"), reason, open).await,
            Err(OperationError::StillOpen(_))
        ));
        assert!(matches!(
            request_rerun(&pool, admin(), date("2026-11-19"), reason, open).await,
            Err(OperationError::NoFiles(_))
        ));
        assert!(matches!(
            request_rerun(&pool, admin(), date("2026-11-20"), "", open).await,
            Err(OperationError::Reason)
        ));
        let id = request_rerun(&pool, admin(), date("2026-11-20"), reason, open).await.unwrap();
        assert!(matches!(
            request_rerun(&pool, admin(), date("2026-11-20"), reason, open).await,
            Err(OperationError::AlreadyRequested(_))
        ));
        assert_eq!(open_run_requests(&pool).await.unwrap(), [(id, date("2026-11-20"))]);
        finish_run_request(&pool, id, Err("no".into())).await.unwrap();
        assert!(open_run_requests(&pool).await.unwrap().is_empty());
        // Done, it can be asked again.
        request_rerun(&pool, admin(), date("2026-11-20"), reason, open).await.unwrap();
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_source_is_marked_not_expected_only_when_nothing_came(pool: PgPool) {
        quarantined(&pool).await;
        let open = date("2026-11-23");
        let reason = "Mastercard holiday: no clearing";
        let mastercard = Source::Network(crate::feeds::Network::Mastercard);
        mark_not_expected(&pool, admin(), date("2026-11-20"), mastercard, reason, open).await.unwrap();
        for (day, source, expected) in [
            ("2026-11-20", mastercard, "already marked"),
            ("2026-11-20", VISA, "has arrived"),
            ("2027-11-20", VISA, "out of range"),
        ] {
            let err = mark_not_expected(&pool, admin(), date(day), source, reason, open).await.unwrap_err();
            assert!(err.to_string().contains(expected), "{day}: {err}");
        }
        let marked = not_expected_between(&pool, date("2026-11-01"), date("2026-11-30")).await.unwrap();
        assert_eq!(marked.len(), 1);
        assert_eq!((marked[0].source.as_str(), marked[0].marked_by.as_str()), ("mastercard", "ada"));
    }
}
