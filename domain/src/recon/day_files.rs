//! The day's network records, read by a run from the network files themselves.
//!
//! Ingestion checks a file whole (blocking, counts, trailer totals), records its size and SHA-256
//! and keeps its bad records; it does not copy the records into PostgreSQL. A run takes the date's
//! parsed files from the registry in registry order, fetches each from object storage, and reads it
//! again with the same reader while hashing it: a file whose bytes or record count are no longer
//! what was registered fails the run, naming the file. Files are taken in order of source and
//! object key, not of registration (files of a day are ingested concurrently, so which one was
//! registered first is a race; the reports' row order must not be). Each record's compact keys are kept for
//! matching and the record itself goes to a spill file, for the reports and items.
//!
//! When the run follows the ingestion of its date's files in the same process, ingestion has just
//! read and checked each new file: it keeps the keys and the spill as it reads ([`FileKeeper`],
//! gathered in a [`DayReading`]), and the run reads only the files it was not handed (on a
//! 10-million-record day, the second reading cost ~28 s).
//!
//! The records of a file that could not be read (a bad field) were stored by ingestion, masked,
//! as `feed_issue` rows: a run takes them from there ([`UnreadableRecord`]) and reports each as
//! an item, so a file's records are all accounted for ([`super::control`]).

use std::collections::HashMap;
use std::io::{self, BufReader};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use sqlx::PgPool;

use super::control::ControlFile;
use super::error::RunError;
use super::keys::RecordKeys;
use super::open_payments::TakenPayments;
use super::spill::SpillWriter;
use crate::feeds::zelle::ZellePayment;
use crate::feeds::{
    mastercard, visa, CardTokenizer, FileSummary, Network, NetworkRecord, Parsed, Strictness,
};
use crate::ingest::load::Keep;
use crate::ingest::totals::FileTotals;
use crate::ingest::FingerprintReader;
use crate::ingest::Source;
use crate::money::{Currency, Money};
use crate::storage::ObjectStore;

/// What ingestion kept of a date's new files for the run that follows it.
#[derive(Default)]
pub struct DayReading {
    network: HashMap<i64, KeptRecords>,
    payments: Vec<TakenPayments>,
}

impl DayReading {
    /// Adds what `keeper` kept of a file that ingestion loaded.
    pub fn add(&mut self, keeper: FileKeeper) {
        if let Some(mut records) = keeper.records {
            if let Some(spill) = records.spill.take() {
                if let Err(e) = spill.finish() {
                    records.error.get_or_insert(e);
                }
            }
            self.network.insert(records.feed_file_id, records);
        }
        self.payments.extend(keeper.payments);
    }

    /// The Zelle payments kept, for [`super::open_payments::OpenPayments::load`].
    pub fn take_payments(&mut self) -> Vec<TakenPayments> {
        std::mem::take(&mut self.payments)
    }
}

/// A network file's records as ingestion read them: their keys, and the records in a spill file.
struct KeptRecords {
    feed_file_id: i64,
    keys: Vec<RecordKeys>,
    spill: Option<SpillWriter>,
    spill_path: PathBuf,
    /// The first failure to write the spill: the run fails with it.
    error: Option<io::Error>,
}

/// Keeps what a run needs of one file while ingestion reads it.
pub struct FileKeeper {
    date: NaiveDate,
    /// At most how many records the file holds (see `most_records`).
    expected: usize,
    spill_path: PathBuf,
    records: Option<KeptRecords>,
    payments: Option<TakenPayments>,
}

impl FileKeeper {
    /// For a file of the business date `date`; a network file's records are spilled to `spill_path`.
    pub fn new(date: NaiveDate, spill_path: PathBuf) -> FileKeeper {
        FileKeeper { date, expected: 0, spill_path, records: None, payments: None }
    }
}

/// At most how many records a file of `bytes` holds: its size over the smallest record its
/// format has (Visa's fixed 168 bytes; a Mastercard message or Zelle row is never under 100). What
/// is reserved from it and never written costs address space, not memory: untouched pages are
/// never backed. Grown by doubling instead, the kept keys and payments were copied and faulted
/// in over and over (a seventh of ingestion's CPU time on a 10-million-record day).
fn most_records(source: Source, bytes: u64) -> usize {
    let smallest = match source {
        Source::Network(Network::Visa) => 168,
        Source::Network(Network::Mastercard) | Source::Zelle => 100,
    };
    usize::try_from(bytes / smallest).unwrap_or(usize::MAX)
}

impl Keep for FileKeeper {
    fn file(&mut self, source: Source, bytes: u64) {
        self.expected = most_records(source, bytes);
    }

    fn network_record(&mut self, file_id: i64, record: &NetworkRecord) {
        let expected = self.expected;
        let kept = self.records.get_or_insert_with(|| {
            let (spill, error) = match SpillWriter::create(&self.spill_path) {
                Ok(spill) => (Some(spill), None),
                Err(e) => (None, Some(e)),
            };
            KeptRecords {
                feed_file_id: file_id,
                keys: Vec::with_capacity(expected),
                spill,
                spill_path: self.spill_path.clone(),
                error,
            }
        });
        kept.keys.push(RecordKeys::of(record));
        if let Some(spill) = kept.spill.as_mut() {
            if let Err(e) = spill.write(file_id, record) {
                kept.error.get_or_insert(e);
                kept.spill = None;
            }
        }
    }

    fn zelle_payment(&mut self, file_id: i64, payment: &ZellePayment) {
        let expected = self.expected;
        self.payments.get_or_insert_with(|| TakenPayments::new(file_id, expected)).keep(self.date, payment);
    }
}

/// A parsed network file of the date, as registered.
struct DayFile {
    id: i64,
    object_key: String,
    network: Network,
    size_bytes: i64,
    sha256: Vec<u8>,
    /// Its transaction records, readable or not.
    transactions: i64,
    /// Of them, the unreadable ones.
    issues: i64,
}

/// A record of a day's network file that could not be read, as a run reports it: where it is and
/// what is wrong with it (its masked bytes stay in `feed_issue`, for the item's page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableRecord {
    pub file_id: i64,
    pub network: Network,
    pub file_key: String,
    pub record_number: u64,
    pub field: String,
    pub problem: String,
    /// What its amount and currency fields say, when both are readable.
    pub amount: Option<Money>,
}

/// What a run reads of its date's network files.
pub struct DayRecords {
    /// The readable records' keys, in file and record order.
    pub keys: Vec<RecordKeys>,
    /// The spill files holding the readable records in the same order.
    pub spills: Vec<PathBuf>,
    /// The unreadable records, in file and record order.
    pub unreadable: Vec<UnreadableRecord>,
    /// Each file with what ingestion counted of it: the left side of the control equation.
    pub controls: Vec<ControlFile>,
}

/// Every parsed network file of `date`: the records' keys, in file and record order, and the spill
/// files that hold the records in the same order, the unreadable records and the files' control
/// figures. Files in `kept` are taken from it; the others are read, spilling to
/// `spill_path(file id)`.
pub async fn load_record_keys(
    pool: &PgPool,
    store: &ObjectStore,
    date: NaiveDate,
    cards: &CardTokenizer,
    work_dir: &Path,
    (kept, spill_path): (&mut DayReading, impl Fn(i64) -> PathBuf),
) -> Result<DayRecords, RunError> {
    let rows = sqlx::query!(
        r#"SELECT id, object_key, source, size_bytes, sha256, transactions AS "transactions!",
                  issues AS "issues!", totals
           FROM feed_file
           WHERE business_date = $1 AND status = 'parsed' AND source IN ('visa', 'mastercard')
           ORDER BY source, object_key, id"#,
        date as _
    )
    .fetch_all(pool)
    .await?;
    let mut files = Vec::with_capacity(rows.len());
    let mut controls = Vec::with_capacity(rows.len());
    for r in rows {
        let network = Network::from_code(&r.source)
            .ok_or_else(|| RunError::Corrupt(format!("feed file {} has an unknown source", r.id)))?;
        let totals: Option<FileTotals> = r
            .totals
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| RunError::Corrupt(format!("feed file {} has unreadable totals: {e}", r.id)))?;
        controls.push(ControlFile {
            id: r.id,
            network: r.source,
            object_key: r.object_key.clone(),
            status: "parsed".into(),
            records: r.transactions.max(0) as u64,
            totals,
        });
        files.push(DayFile {
            id: r.id,
            object_key: r.object_key,
            network,
            size_bytes: r.size_bytes,
            sha256: r.sha256,
            transactions: r.transactions,
            issues: r.issues,
        });
    }
    // The date's network files this run cannot reconcile (quarantined, or still loading): in the
    // control totals too, as files that do not close, so the day never looks whole without them.
    // A quarantined file released by a replacement that is loaded is accounted for by it.
    let others = sqlx::query!(
        r#"SELECT id, source, object_key, status, transactions FROM feed_file f
           WHERE business_date = $1 AND status IN ('received', 'quarantined') AND source IN ('visa', 'mastercard')
             AND NOT EXISTS (SELECT 1 FROM feed_file r
                             WHERE r.object_key = f.replaced_by_key AND r.business_date = f.business_date
                               AND r.status = 'parsed')
           ORDER BY source, object_key, id"#,
        date as _
    )
    .fetch_all(pool)
    .await?;
    controls.extend(others.into_iter().map(|r| ControlFile {
        id: r.id,
        network: r.source,
        object_key: r.object_key,
        status: r.status,
        records: r.transactions.unwrap_or(0).max(0) as u64,
        totals: None,
    }));
    let unreadable = load_unreadable(pool, &files).await?;

    // The day's keys in one allocation: the first file's if it has room for all (see
    // `most_records`), else one of their total size.
    let total: usize = files.iter().map(|f| f.transactions.max(0) as usize).sum();
    let mut keys = Vec::new();
    let mut spills = Vec::with_capacity(files.len());
    for file in files {
        if let Some(records) = kept.network.remove(&file.id) {
            if let Some(e) = records.error {
                return Err(e.into());
            }
            // The unreadable records are in the file's count too; ingestion keeps only the others.
            if records.keys.len() as i64 + file.issues != file.transactions {
                return Err(RunError::Corrupt(format!(
                    "ingestion kept {} readable records of feed file {} ({}), {} registered with {} unreadable",
                    records.keys.len(),
                    file.id,
                    file.object_key,
                    file.transactions,
                    file.issues
                )));
            }
            if keys.is_empty() && records.keys.capacity() >= total {
                keys = records.keys;
            } else {
                keys.reserve_exact(total.saturating_sub(keys.len()));
                keys.extend_from_slice(&records.keys);
            }
            spills.push(records.spill_path);
            continue;
        }
        let local = store.open_local(&file.object_key, &work_dir.join(format!("feed-{}", file.id))).await?;
        keys.reserve_exact(total.saturating_sub(keys.len()));
        let spill = spill_path(file.id);
        let mut writer = SpillWriter::create(&spill)?;
        spills.push(spill);
        let cards = cards.clone();
        let unreadable_here: Vec<u64> =
            unreadable.iter().filter(|u| u.file_id == file.id).map(|u| u.record_number).collect();
        let read = tokio::task::spawn_blocking(move || {
            let read = read_file(&file, local, &cards, &unreadable_here, &mut keys, &mut writer);
            read.and_then(|()| Ok(writer.finish()?)).map(|()| keys)
        })
        .await
        .map_err(|e| RunError::Corrupt(e.to_string()))?;
        keys = read?;
    }
    Ok(DayRecords { keys, spills, unreadable, controls })
}

/// The unreadable records of `files`, in file and record order: as many of each file as
/// ingestion counted, or the run fails naming the file.
async fn load_unreadable(pool: &PgPool, files: &[DayFile]) -> Result<Vec<UnreadableRecord>, RunError> {
    let with_issues: Vec<i64> = files.iter().filter(|f| f.issues > 0).map(|f| f.id).collect();
    let rows = sqlx::query!(
        r#"SELECT feed_file_id, record_number, field, problem, amount_minor, currency
           FROM feed_issue WHERE feed_file_id = ANY($1) ORDER BY feed_file_id, record_number"#,
        &with_issues
    )
    .fetch_all(pool)
    .await?;
    let mut by_file: HashMap<i64, Vec<UnreadableRecord>> = HashMap::new();
    for r in rows {
        let file = files.iter().find(|f| f.id == r.feed_file_id).expect("asked for these files only");
        let amount = match (r.amount_minor, r.currency.as_deref()) {
            (Some(minor), Some(code)) => Some(Money::from_minor(
                minor,
                Currency::from_code(code).ok_or_else(|| {
                    RunError::Corrupt(format!(
                        "a record of feed file {} has the unknown currency {code}",
                        file.id
                    ))
                })?,
            )),
            _ => None,
        };
        by_file.entry(file.id).or_default().push(UnreadableRecord {
            file_id: file.id,
            network: file.network,
            file_key: file.object_key.clone(),
            record_number: r.record_number.max(0) as u64,
            field: r.field,
            problem: r.problem,
            amount,
        });
    }
    let mut unreadable = Vec::new();
    for file in files {
        let records = by_file.remove(&file.id).unwrap_or_default();
        if records.len() as i64 != file.issues {
            return Err(RunError::Corrupt(format!(
                "feed file {} ({}) has {} unreadable records stored, {} registered",
                file.id,
                file.object_key,
                records.len(),
                file.issues
            )));
        }
        unreadable.extend(records);
    }
    Ok(unreadable)
}

/// Reads one fetched file, checking it is still the file that was registered, with the same
/// records unreadable as when it was ingested (`unreadable`: their record numbers, in order). A
/// reader that now read one of them would report it twice, once from the file and once from what
/// ingestion stored; one that no longer read a record would lose it.
fn read_file(
    file: &DayFile,
    local: std::fs::File,
    cards: &CardTokenizer,
    unreadable: &[u64],
    keys: &mut Vec<RecordKeys>,
    spill: &mut SpillWriter,
) -> Result<(), RunError> {
    let changed = |what: String| {
        RunError::Corrupt(format!(
            "feed file {} ({}) is not the file that was ingested: {what}",
            file.id, file.object_key
        ))
    };
    let mut input = BufReader::with_capacity(1 << 20, FingerprintReader::new(local));
    let mut spill_error = None;
    let mut issues = Vec::new();
    let mut emit = |parsed: Parsed| match parsed {
        Parsed::Record(record) => {
            keys.push(RecordKeys::of(&record));
            if let Err(e) = spill.write(file.id, &record) {
                spill_error.get_or_insert(e);
            }
        }
        Parsed::Issue(issue) => issues.push(issue.record),
    };
    // Read leniently: records with a bad field were kept as issues when the file was ingested.
    let summary: FileSummary = match file.network {
        Network::Visa => visa::read(&mut input, cards, Strictness::Lenient, &mut emit),
        Network::Mastercard => mastercard::read(&mut input, cards, Strictness::Lenient, &mut emit),
    }
    .map_err(|e| changed(format!("it no longer reads: {e}")))?;
    if let Some(e) = spill_error {
        return Err(e.into());
    }
    io::copy(&mut input, &mut io::sink())?;
    let (size, sha256) = input.into_inner().finish();
    if size != file.size_bytes as u64 || sha256[..] != file.sha256[..] {
        return Err(changed(format!("{size} bytes with another SHA-256")));
    }
    if summary.transactions != file.transactions as u64 {
        return Err(changed(format!("{} records, {} registered", summary.transactions, file.transactions)));
    }
    if issues != unreadable {
        return Err(changed(format!(
            "records {issues:?} are unreadable now, records {unreadable:?} were when it was ingested"
        )));
    }
    Ok(())
}
