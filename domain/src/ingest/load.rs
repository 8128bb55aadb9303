//! Loading a registered file: read whole as a stream on a blocking thread, in one transaction with
//! the file's new status and its records that have a bad field (kept as issues). A Zelle extract's
//! payments go into PostgreSQL with a binary `COPY` in the same transaction; a network file's
//! records do not (runs read the file itself, `recon::day_files`). A structurally broken file
//! rolls back (nothing of it remains) and is quarantined with the reader's precise reason; a crash
//! in the middle leaves the file `received`, and the next ingestion loads it again from scratch.

use std::io::Seek;
use std::path::{Path, PathBuf};

use sqlx::PgPool;
use tokio::sync::mpsc;

use super::totals::{FileTotals, Tallying};
use super::{fingerprint, mark_quarantined, register, DateLock, Registration, Source};
use crate::db::{BinaryRows, DetachedPartition, NamedLock};
use crate::feeds::zelle::{self, ZellePayment};
use crate::feeds::{
    mastercard, visa, CardTokenizer, FileError, NetworkRecord, Parsed, RecordIssue, Strictness,
};
use crate::storage::{ObjectStore, StorageError};

/// What became of one inbound object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOutcome {
    Loaded {
        id: i64,
        transactions: u64,
        issues: u64,
    },
    Quarantined {
        id: i64,
        error: FileError,
    },
    /// Registered and loaded before (or being a copy of such a file): nothing done.
    Skipped {
        id: i64,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("local work file: {0}")]
    Io(#[from] std::io::Error),
}

/// Rows are sent to `COPY` in chunks of about this many bytes.
const CHUNK: usize = 1 << 20;

/// What a caller keeps of a file's good records as ingestion reads them, so that a run of the same
/// date in the same process need not read the file a second time (`recon::day_files::DayReading`).
/// Called on the parsing thread, in file order; what it kept counts only if the file is loaded.
pub trait Keep: Send + 'static {
    /// Before the first record: the file's source and size, for a keeper that reserves memory
    /// for what it will keep.
    fn file(&mut self, source: Source, bytes: u64) {
        let _ = (source, bytes);
    }
    fn network_record(&mut self, file_id: i64, record: &NetworkRecord);
    fn zelle_payment(&mut self, file_id: i64, payment: &ZellePayment);
}

/// Keeps nothing: ingestion alone.
pub struct KeepNothing;

impl Keep for KeepNothing {
    fn network_record(&mut self, _: i64, _: &NetworkRecord) {}
    fn zelle_payment(&mut self, _: i64, _: &ZellePayment) {}
}

/// Registers the object at `key` as a file of the locked date and, if it is new (or an earlier load of it never finished),
/// loads it, with `keep` seeing every good record as the file is read ([`KeepNothing`] for
/// ingestion alone). `keep` comes back only when this call loaded the file (not when it was
/// loaded before, or quarantined).
#[expect(
    clippy::too_many_arguments,
    reason = "the store, the registry, the reader and the keeper each need their part; a struct would only rename them"
)]
pub async fn ingest_object<K: Keep>(
    pool: &PgPool,
    store: &ObjectStore,
    key: &str,
    source: Source,
    date: &DateLock,
    cards: &CardTokenizer,
    strictness: Strictness,
    work_dir: &Path,
    keep: K,
) -> Result<(FileOutcome, Option<K>), IngestError> {
    let business_date = date.date();
    let scratch: PathBuf = work_dir.join(format!("ingest-{}", key.replace('/', "_")));
    let file = store.open_local(key, &scratch).await?;
    // Hashed and then parsed through the same handle: both see the same bytes.
    let (file, size, sha256) = tokio::task::spawn_blocking(move || {
        let mut file = file;
        let (size, sha256) = fingerprint(file.try_clone()?)?;
        file.seek(std::io::SeekFrom::Start(0))?;
        Ok::<_, std::io::Error>((file, size, sha256))
    })
    .await
    .map_err(|e| std::io::Error::other(e.to_string()))??;
    let registration = register(pool, source, key, business_date, size, &sha256).await?;
    // When the file landed (not when it was read): what the dashboard's late and missing mean.
    let arrived_at = store.last_modified(key).await?;
    let registered = match registration {
        Registration::New { id } | Registration::AlreadyKnown { id } | Registration::Duplicate { id, .. } => {
            id
        }
    };
    sqlx::query!(
        "UPDATE feed_file SET arrived_at = coalesce(arrived_at, $2) WHERE id = $1",
        registered,
        arrived_at as _
    )
    .execute(pool)
    .await?;
    let id = match registration {
        Registration::New { id } => id,
        Registration::AlreadyKnown { id } => {
            let status =
                sqlx::query_scalar!("SELECT status FROM feed_file WHERE id = $1", id).fetch_one(pool).await?;
            if status != "received" {
                return Ok((FileOutcome::Skipped { id }, None));
            }
            id // registered, but its load never finished: load it now
        }
        Registration::Duplicate { id, .. } => return Ok((FileOutcome::Skipped { id }, None)),
    };
    load(pool, id, source, file, cards.clone(), strictness, keep).await
}

/// Parses one file on the blocking thread, sending its rows and showing its good records to the
/// keeper.
type Parser<K> =
    fn(std::fs::File, i64, CardTokenizer, Strictness, ToLoader, &mut K) -> Result<FileCounts, FileError>;

/// What a file read to its end held.
struct FileCounts {
    /// Transaction records, readable or not.
    transactions: u64,
    /// Of them, the unreadable ones.
    issues: u64,
    /// A network file's records per currency: its side of the day's control equation.
    totals: Option<FileTotals>,
}

/// The parsing thread's end of the loader's channel: chunks go to the loader, and the buffers of
/// rows it has sent come back to be filled again (see `BinaryRows::take_reusing`).
struct ToLoader {
    chunks: mpsc::Sender<Chunk>,
    spare: std::sync::mpsc::Receiver<Vec<u8>>,
}

/// A message from the parsing thread.
enum Chunk {
    Rows(Vec<u8>),
    Issue(RecordIssue),
}

async fn load<K: Keep>(
    pool: &PgPool,
    id: i64,
    source: Source,
    file: std::fs::File,
    cards: CardTokenizer,
    strictness: Strictness,
    keep: K,
) -> Result<(FileOutcome, Option<K>), IngestError> {
    // One load of a file at a time (a scheduler and a command line could both find it
    // `received`): the other one finishes it.
    let Some(lock) = NamedLock::try_take(pool, format!("settledesk:load:{id}")).await? else {
        return Ok((FileOutcome::Skipped { id }, None));
    };
    let loaded = load_claimed(pool, id, source, file, cards, strictness, keep).await;
    match &loaded {
        Ok((FileOutcome::Loaded { transactions, issues, .. }, _)) => {
            metrics::counter!("settledesk_files_ingested_total", "source" => source.code(), "outcome" => "loaded")
                .increment(1);
            metrics::counter!("settledesk_records_ingested_total", "source" => source.code())
                .increment(*transactions);
            metrics::counter!("settledesk_unreadable_records_total", "source" => source.code())
                .increment(*issues);
        }
        Ok((FileOutcome::Quarantined { .. }, _)) => {
            metrics::counter!("settledesk_files_ingested_total", "source" => source.code(), "outcome" => "quarantined")
                .increment(1);
        }
        Ok((FileOutcome::Skipped { .. }, _)) => {}
        Err(_) => {
            metrics::counter!("settledesk_files_ingested_total", "source" => source.code(), "outcome" => "failed")
                .increment(1);
        }
    }
    if source == Source::Zelle && !matches!(loaded, Ok((FileOutcome::Loaded { .. }, _))) {
        // A broken file or a failed load leaves no table behind.
        let _ = DetachedPartition::drop_leftover(pool, "zelle_payment", "f", &[id]).await;
    }
    lock.release().await;
    loaded
}

async fn load_claimed<K: Keep>(
    pool: &PgPool,
    id: i64,
    source: Source,
    file: std::fs::File,
    cards: CardTokenizer,
    strictness: Strictness,
    mut keep: K,
) -> Result<(FileOutcome, Option<K>), IngestError> {
    // Zelle payments go into one partition per file (see migration 0007), filled and indexed
    // while detached and attached in the transaction that marks the file parsed. A network file
    // is read in full to check it (and to keep its bad records), but its records are not copied:
    // runs read the file itself (migration 0014).
    let parse: Parser<K> = match source {
        Source::Zelle => parse_zelle::<K>,
        Source::Network(crate::feeds::Network::Visa) => parse_visa::<K>,
        Source::Network(crate::feeds::Network::Mastercard) => parse_mastercard::<K>,
    };
    // A Zelle extract's table is created in the transaction that copies its payments, so they are
    // written frozen (see `DetachedPartition`) and a load that fails leaves nothing.
    let mut filling = match source {
        Source::Zelle => {
            // What an earlier load of this file that died left (the file is still `received`).
            DetachedPartition::drop_leftover(pool, "zelle_payment", "f", &[id]).await?;
            let mut filling = pool.begin().await?;
            let partition =
                DetachedPartition::create(&mut filling, "zelle_payment", "feed_file_id", "f", id).await?;
            Some((filling, partition))
        }
        Source::Network(_) => None,
    };
    let (sender, mut receiver) = mpsc::channel::<Chunk>(4);
    let (spare, spares) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
    let parser = tokio::task::spawn_blocking(move || {
        if let Ok(metadata) = file.metadata() {
            keep.file(source, metadata.len());
        }
        let to_loader = ToLoader { chunks: sender, spare: spares };
        let parsed = parse(file, id, cards, strictness, to_loader, &mut keep);
        (parsed, keep)
    });
    let mut issues = Vec::new();
    let parsed = {
        let mut copy = match &mut filling {
            Some((filling, partition)) => {
                let mut copy = filling
                    .copy_in_raw(&format!(
                        "COPY {} (feed_file_id, line, payment_id, business_date, initiated_at, status, amount_minor, \
                         currency, network, network_reference, card_last4, card_fingerprint, approval_code) \
                         FROM STDIN (FORMAT binary, FREEZE)",
                        partition.table()
                    ))
                    .await?;
                let mut header = BinaryRows::new(32);
                header.header();
                copy.send(header.take()).await?;
                Some(copy)
            }
            None => None,
        };
        let mut send_error = None;
        while let Some(chunk) = receiver.recv().await {
            match chunk {
                Chunk::Rows(rows) => {
                    if let Some(copy) = copy.as_mut() {
                        if let Err(e) = copy.send(&rows[..]).await {
                            send_error = Some(e);
                            break;
                        }
                    }
                    // Handed back to be filled again; dropped if the parser has enough.
                    let _ = spare.try_send(rows);
                }
                Chunk::Issue(issue) => issues.push(issue),
            }
        }
        drop(receiver); // stops the parser if we stopped early
        let parsed;
        (parsed, keep) = parser.await.map_err(|e| std::io::Error::other(e.to_string()))?;
        if let Some(e) = send_error {
            if let Some(copy) = copy {
                copy.abort("loading failed").await.ok();
            }
            return Err(e.into());
        }
        match parsed {
            Ok(counts) => {
                if let Some(mut copy) = copy {
                    let mut trailer = BinaryRows::new(2);
                    trailer.trailer();
                    copy.send(trailer.take()).await?;
                    copy.finish().await?;
                }
                Ok(counts)
            }
            Err(error) => {
                if let Some(copy) = copy {
                    copy.abort("the file is structurally broken").await.ok();
                }
                Err(error)
            }
        }
    };
    let FileCounts { transactions, issues: issue_count, totals } = match parsed {
        Ok(counts) => counts,
        Err(error) => {
            // Nothing of a broken file is kept (its detached table is dropped by `load`).
            let error = error.masked();
            mark_quarantined(pool, id, &error).await?;
            return Ok((FileOutcome::Quarantined { id, error }, None));
        }
    };
    let mut tx = pool.begin().await?;
    if let Some((filling, mut partition)) = filling {
        filling.commit().await?;
        partition.build_indexes(pool).await?;
        partition.attach(&mut tx).await?;
    }
    if !issues.is_empty() {
        let records: Vec<i64> = issues.iter().map(|i| i.record as i64).collect();
        let fields: Vec<String> = issues.iter().map(|i| i.field.clone()).collect();
        // A problem quotes the bad field as it came: masked like the raw record.
        let problems: Vec<String> =
            issues.iter().map(|i| crate::feeds::card::mask_text(&i.problem)).collect();
        let amounts: Vec<Option<i64>> = issues.iter().map(|i| i.amount.map(|a| a.minor())).collect();
        let currencies: Vec<Option<String>> =
            issues.iter().map(|i| i.amount.map(|a| a.currency().code().to_owned())).collect();
        // Masked by the readers (`RecordIssue::raw`).
        let raws: Vec<Vec<u8>> = issues.into_iter().map(|i| i.raw).collect();
        sqlx::query!(
            "INSERT INTO feed_issue (feed_file_id, record_number, field, problem, raw, amount_minor, currency, masked)
             SELECT $1, *, true FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::bytea[], $6::bigint[], $7::text[])",
            id,
            &records,
            &fields,
            &problems,
            &raws,
            &amounts as &[Option<i64>],
            &currencies as &[Option<String>]
        )
        .execute(&mut *tx)
        .await?;
    }
    let totals = totals.map(|t| serde_json::to_value(&t)).transpose().map_err(std::io::Error::other)?;
    let file = sqlx::query!(
        "UPDATE feed_file SET status = 'parsed', transactions = $2, issues = $3, totals = $4, processed_at = now()
         WHERE id = $1 RETURNING object_key, business_date AS \"business_date: chrono::NaiveDate\"",
        id,
        transactions as i64,
        issue_count as i64,
        totals
    )
    .fetch_one(&mut *tx)
    .await?;
    let event = crate::audit::NewAuditEvent {
        target: Some(format!("feed_file:{id}")),
        after: Some(serde_json::json!({
            "object_key": file.object_key,
            "source": source.code(),
            "business_date": file.business_date,
            "records": transactions,
            "unreadable": issue_count,
        })),
        ..crate::audit::NewAuditEvent::new(
            crate::exceptions::SYSTEM,
            crate::audit::AuditAction::FeedFileLoaded,
        )
    };
    crate::audit::append(&mut tx, event).await?;
    tx.commit().await?;
    Ok((FileOutcome::Loaded { id, transactions, issues: issue_count }, Some(keep)))
}

/// Collects binary `COPY` rows into chunks and hands them to the loader; issues go as they come.
struct Rows {
    rows: BinaryRows,
    to: ToLoader,
}

impl Rows {
    fn new(to: ToLoader) -> Self {
        Rows { rows: BinaryRows::new(CHUNK + 4096), to }
    }

    /// After each row: a full chunk goes to the loader.
    fn row_written(&mut self) {
        if self.rows.len() >= CHUNK {
            self.flush();
        }
    }

    fn issue(&mut self, issue: RecordIssue) {
        let _ = self.to.chunks.blocking_send(Chunk::Issue(issue));
    }

    fn flush(&mut self) {
        if !self.rows.is_empty() {
            let spare = self.to.spare.try_recv().ok();
            let _ = self.to.chunks.blocking_send(Chunk::Rows(self.rows.take_reusing(spare)));
        }
    }
}

fn parse_network<K: Keep>(
    read: impl FnOnce(
        std::fs::File,
        &CardTokenizer,
        Strictness,
        &mut dyn FnMut(Parsed),
    ) -> Result<crate::feeds::FileSummary, FileError>,
    (file, id): (std::fs::File, i64),
    cards: CardTokenizer,
    strictness: Strictness,
    to: ToLoader,
    keep: &mut K,
) -> Result<FileCounts, FileError> {
    let mut rows = Rows::new(to);
    let mut tally = Tallying::default();
    let summary = read(file, &cards, strictness, &mut |parsed| match parsed {
        Parsed::Record(record) => {
            tally.add(Some(record.amount));
            keep.network_record(id, &record)
        }
        Parsed::Issue(issue) => {
            tally.add(issue.amount);
            rows.issue(issue)
        }
    })?;
    rows.flush();
    Ok(FileCounts {
        transactions: summary.transactions,
        issues: summary.issues,
        totals: Some(tally.totals()),
    })
}

fn parse_visa<K: Keep>(
    file: std::fs::File,
    id: i64,
    cards: CardTokenizer,
    strictness: Strictness,
    to: ToLoader,
    keep: &mut K,
) -> Result<FileCounts, FileError> {
    parse_network(|f, c, s, emit| visa::read(f, c, s, emit), (file, id), cards, strictness, to, keep)
}

fn parse_mastercard<K: Keep>(
    file: std::fs::File,
    id: i64,
    cards: CardTokenizer,
    strictness: Strictness,
    to: ToLoader,
    keep: &mut K,
) -> Result<FileCounts, FileError> {
    parse_network(|f, c, s, emit| mastercard::read(f, c, s, emit), (file, id), cards, strictness, to, keep)
}

fn parse_zelle<K: Keep>(
    file: std::fs::File,
    id: i64,
    _cards: CardTokenizer,
    strictness: Strictness,
    to: ToLoader,
    keep: &mut K,
) -> Result<FileCounts, FileError> {
    // Rows only: the loader puts the header and trailer on each of its `COPY` streams.
    let mut rows = Rows::new(to);
    let summary = zelle::read(file, strictness, |parsed| match parsed {
        Ok(p) => {
            zelle_row(&mut rows.rows, id, &p);
            rows.row_written();
            keep.zelle_payment(id, &p);
        }
        Err(issue) => rows.issue(issue),
    })?;
    rows.flush();
    Ok(FileCounts { transactions: summary.payments, issues: summary.issues, totals: None })
}

/// One payment in `zelle_payment`'s column order.
fn zelle_row(rows: &mut BinaryRows, id: i64, p: &ZellePayment) {
    rows.row(13)
        .int8(id)
        .int8(p.line as i64)
        .text(&p.payment_id)
        .date(p.business_date)
        .timestamptz(p.initiated_at)
        .text(p.status.code())
        .int8(p.amount.minor())
        .text(p.amount.currency().code())
        .text(p.network.code());
    match &p.network_reference {
        Some(reference) => rows.text(reference),
        None => rows.null(),
    };
    rows.text(&p.card.last4).text(&p.card.fingerprint).text(&p.approval_code);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::generator::{self, DayPlan, Outputs};
    use crate::feeds::testing::{cards, date};
    use crate::feeds::Network;

    struct Day {
        store: ObjectStore,
        _root: tempfile::TempDir,
        work: tempfile::TempDir,
        visa: Vec<u8>,
        zelle: Vec<u8>,
    }

    /// A generated day put into a local object store.
    async fn day() -> Day {
        let root = tempfile::tempdir().unwrap();
        let work = tempfile::tempdir().unwrap();
        let store = ObjectStore::local(root.path());
        let (_, out) = generator::generate(
            &DayPlan::new(date("2026-11-20"), 2_000, 3),
            &cards(),
            Outputs { visa: Vec::new(), mastercard: Vec::new(), zelle: Vec::new() },
        )
        .unwrap();
        for (key, bytes) in [
            ("inbound/visa/2026-11-20/v.ctf", &out.visa),
            ("inbound/mastercard/2026-11-20/m.ipm", &out.mastercard),
            ("inbound/zelle/2026-11-20/z.csv", &out.zelle),
        ] {
            let file = work.path().join("upload");
            std::fs::write(&file, bytes).unwrap();
            store.put_file(key, &file).await.unwrap();
        }
        Day { store, _root: root, work, visa: out.visa, zelle: out.zelle }
    }

    async fn ingest(pool: &PgPool, d: &Day, key: &str, source: Source) -> FileOutcome {
        let lock = DateLock::take(pool, date("2026-11-20")).await.unwrap();
        let outcome = ingest_object(
            pool,
            &d.store,
            key,
            source,
            &lock,
            &cards(),
            Strictness::Lenient,
            d.work.path(),
            KeepNothing,
        )
        .await
        .unwrap()
        .0;
        lock.release().await;
        outcome
    }

    async fn count(pool: &PgPool, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(pool).await.unwrap()
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_day_loads_once_however_often_it_is_ingested(pool: PgPool) {
        let d = day().await;
        let visa = ingest(&pool, &d, "inbound/visa/2026-11-20/v.ctf", Source::Network(Network::Visa)).await;
        let mc =
            ingest(&pool, &d, "inbound/mastercard/2026-11-20/m.ipm", Source::Network(Network::Mastercard))
                .await;
        let zelle = ingest(&pool, &d, "inbound/zelle/2026-11-20/z.csv", Source::Zelle).await;
        let loaded = |o: &FileOutcome| match o {
            FileOutcome::Loaded { transactions, issues: 0, .. } => *transactions as i64,
            other => panic!("{other:?}"),
        };
        // Network files are checked and registered (runs read them); Zelle payments are loaded.
        assert_eq!(registered_records(&pool).await, loaded(&visa) + loaded(&mc));
        assert_eq!(count(&pool, "zelle_payment").await, loaded(&zelle));
        // Every field arrives as the file had it (binary COPY: dates and times are encoded by us).
        let mut file = Vec::new();
        zelle::read(&d.zelle[..], Strictness::Lenient, |p| file.push(p.unwrap())).unwrap();
        let stored = sqlx::query!(
            r#"SELECT line, payment_id, business_date AS "business_date: chrono::NaiveDate",
                      initiated_at AS "initiated_at: chrono::DateTime<chrono::Utc>", status, amount_minor, currency,
                      network, network_reference, card_last4, card_fingerprint, approval_code
               FROM zelle_payment ORDER BY line"#
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(stored.len(), file.len());
        for (row, p) in stored.iter().zip(&file) {
            assert_eq!(row.line as u64, p.line);
            assert_eq!(row.payment_id, p.payment_id);
            assert_eq!(row.business_date, p.business_date);
            assert_eq!(row.initiated_at, p.initiated_at);
            assert_eq!(row.status, p.status.code());
            assert_eq!(
                (row.amount_minor, row.currency.as_str()),
                (p.amount.minor(), p.amount.currency().code())
            );
            assert_eq!(row.network, p.network.code());
            assert_eq!(row.network_reference, p.network_reference);
            assert_eq!((&row.card_last4, &row.card_fingerprint), (&p.card.last4, &p.card.fingerprint));
            assert_eq!(row.approval_code, p.approval_code);
        }
        // Again: nothing changes.
        assert!(matches!(
            ingest(&pool, &d, "inbound/visa/2026-11-20/v.ctf", Source::Network(Network::Visa)).await,
            FileOutcome::Skipped { .. }
        ));
        assert!(matches!(
            ingest(&pool, &d, "inbound/zelle/2026-11-20/z.csv", Source::Zelle).await,
            FileOutcome::Skipped { .. }
        ));
        assert_eq!(count(&pool, "feed_file").await, 3);
        assert_eq!(count(&pool, "zelle_payment").await, loaded(&zelle));
        // The card numbers are nowhere in the database.
        let pans: i64 = sqlx::query_scalar("SELECT count(*) FROM zelle_payment WHERE card_fingerprint ~ '^[0-9]{16}$' OR length(card_last4) <> 4")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(pans, 0);
    }

    /// Records of the network files registered as parsed.
    async fn registered_records(pool: &PgPool) -> i64 {
        sqlx::query_scalar("SELECT coalesce(sum(transactions), 0)::bigint FROM feed_file WHERE status = 'parsed' AND source <> 'zelle'")
            .fetch_one(pool)
            .await
            .unwrap()
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_broken_file_is_quarantined_and_nothing_of_it_is_loaded(pool: PgPool) {
        let d = day().await;
        let truncated = d.work.path().join("truncated");
        std::fs::write(&truncated, &d.visa[..d.visa.len() - 200]).unwrap();
        d.store.put_file("inbound/visa/2026-11-20/broken.ctf", &truncated).await.unwrap();
        let outcome =
            ingest(&pool, &d, "inbound/visa/2026-11-20/broken.ctf", Source::Network(Network::Visa)).await;
        let FileOutcome::Quarantined { id, error } = outcome else { panic!("{outcome:?}") };
        assert_eq!(error.field, "record length");
        assert_eq!(count(&pool, "feed_issue").await, 0, "nothing of it kept");
        assert_eq!(registered_records(&pool).await, 0);
        let row = sqlx::query!("SELECT status, error FROM feed_file WHERE id = $1", id)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(row.status, "quarantined");
        assert!(row.error.unwrap().contains("the file is truncated"));
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_zelle_extract_without_its_trailer_loads_no_payment(pool: PgPool) {
        let d = day().await;
        let cut = d.zelle.len() - 200; // inside the last payments, before the totals and trailer
        let file = d.work.path().join("truncated");
        std::fs::write(&file, &d.zelle[..cut]).unwrap();
        d.store.put_file("inbound/zelle/2026-11-20/cut.csv", &file).await.unwrap();
        let outcome = ingest(&pool, &d, "inbound/zelle/2026-11-20/cut.csv", Source::Zelle).await;
        assert!(matches!(outcome, FileOutcome::Quarantined { .. }), "{outcome:?}");
        assert_eq!(count(&pool, "zelle_payment").await, 0, "not half-loaded");
        assert_eq!(detached_tables(&pool).await, Vec::<String>::new(), "no table left behind");
    }

    /// Tables named like Zelle partitions that are not partitions.
    async fn detached_tables(pool: &PgPool) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT relname::text FROM pg_class WHERE relname LIKE 'zelle\\_payment\\_f%' AND relkind = 'r' AND NOT relispartition",
        )
        .fetch_all(pool)
        .await
        .unwrap()
    }

    /// The day's Zelle extract, registered (as a load that has not finished leaves it): its id.
    async fn registered_zelle(pool: &PgPool, d: &Day) -> i64 {
        let local = d.work.path().join("z");
        std::fs::write(&local, &d.zelle).unwrap();
        let (size, sha) = fingerprint(std::fs::File::open(&local).unwrap()).unwrap();
        let key = "inbound/zelle/2026-11-20/z.csv";
        match register(pool, Source::Zelle, key, date("2026-11-20"), size, &sha).await.unwrap() {
            Registration::New { id } => id,
            other => panic!("registered before: {other:?}"),
        }
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_zelle_load_that_died_after_copying_is_done_again_once(pool: PgPool) {
        let d = day().await;
        let key = "inbound/zelle/2026-11-20/z.csv";
        // A load that died after its COPY committed: the file is registered, still `received`,
        // and its detached table holds rows (here, one stray row).
        let id = registered_zelle(&pool, &d).await;
        sqlx::query(&format!("CREATE TABLE zelle_payment_f{id} (LIKE zelle_payment)"))
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(&format!(
            "INSERT INTO zelle_payment_f{id} VALUES ({id}, 1, 'stray', '2026-11-20', now(), 'completed', 1, 'USD', 'visa', NULL, '0000', 'f', 'a')"
        ))
        .execute(&pool)
        .await
        .unwrap();
        let FileOutcome::Loaded { transactions, .. } = ingest(&pool, &d, key, Source::Zelle).await else {
            panic!("not loaded")
        };
        assert_eq!(count(&pool, "zelle_payment").await, transactions as i64, "each payment once");
        let strays: i64 = sqlx::query_scalar("SELECT count(*) FROM zelle_payment WHERE payment_id = 'stray'")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(strays, 0);
        assert_eq!(detached_tables(&pool).await, Vec::<String>::new());
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_file_being_loaded_elsewhere_is_left_to_that_load(pool: PgPool) {
        let d = day().await;
        let key = "inbound/zelle/2026-11-20/z.csv";
        let id = registered_zelle(&pool, &d).await;
        let mut other = pool.acquire().await.unwrap();
        sqlx::query(&format!("SELECT pg_advisory_lock(hashtext('settledesk:load:{id}'))"))
            .execute(&mut *other)
            .await
            .unwrap();
        assert_eq!(ingest(&pool, &d, key, Source::Zelle).await, FileOutcome::Skipped { id });
        assert_eq!(count(&pool, "zelle_payment").await, 0);
        sqlx::query(&format!("SELECT pg_advisory_unlock(hashtext('settledesk:load:{id}'))"))
            .execute(&mut *other)
            .await
            .unwrap();
        assert!(matches!(ingest(&pool, &d, key, Source::Zelle).await, FileOutcome::Loaded { .. }));
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_load_that_never_finished_is_done_again(pool: PgPool) {
        let d = day().await;
        // A crash after registration, before the load committed: the file stays `received`.
        let local = d.work.path().join("v");
        d.store.download_to("inbound/visa/2026-11-20/v.ctf", &local).await.unwrap();
        let (size, sha) = fingerprint(std::fs::File::open(&local).unwrap()).unwrap();
        register(
            &pool,
            Source::Network(Network::Visa),
            "inbound/visa/2026-11-20/v.ctf",
            date("2026-11-20"),
            size,
            &sha,
        )
        .await
        .unwrap();
        let outcome =
            ingest(&pool, &d, "inbound/visa/2026-11-20/v.ctf", Source::Network(Network::Visa)).await;
        let FileOutcome::Loaded { transactions, .. } = outcome else { panic!("{outcome:?}") };
        assert!(transactions > 0);
        assert_eq!(registered_records(&pool).await, transactions as i64);
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn records_with_a_bad_field_are_kept_as_issues_with_their_raw_bytes(pool: PgPool) {
        let d = day().await;
        let mut damaged = d.visa.clone();
        let second = crate::feeds::visa::RECORD_LEN + 1; // record 2 starts after the header and its line end
        damaged[second + 73..second + 76].copy_from_slice(b"999");
        let file = d.work.path().join("damaged");
        std::fs::write(&file, &damaged).unwrap();
        d.store.put_file("inbound/visa/2026-11-20/damaged.ctf", &file).await.unwrap();
        let outcome =
            ingest(&pool, &d, "inbound/visa/2026-11-20/damaged.ctf", Source::Network(Network::Visa)).await;
        assert!(matches!(outcome, FileOutcome::Loaded { issues: 1, .. }), "{outcome:?}");
        let issue = sqlx::query!("SELECT record_number, field, problem, raw FROM feed_issue")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!((issue.record_number, issue.field.as_str()), (2, "destination currency"));
        // As it came, its card number masked (the reader's `masked`): never the whole number.
        let original = &damaged[second..second + crate::feeds::visa::RECORD_LEN];
        assert_eq!(issue.raw, crate::feeds::visa::masked(original));
        assert!(!issue.raw.windows(16).any(|w| w == &original[4..20]), "the card number is not stored");
    }
}
