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

use std::collections::HashMap;
use std::io::{self, BufReader};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use sqlx::PgPool;

use super::keys::RecordKeys;
use super::open_payments::TakenPayments;
use super::run::RunError;
use super::spill::SpillWriter;
use crate::feeds::zelle::ZellePayment;
use crate::feeds::{
    mastercard, visa, CardTokenizer, FileSummary, Network, NetworkRecord, Parsed, Strictness,
};
use crate::ingest::load::Keep;
use crate::ingest::FingerprintReader;
use crate::ingest::Source;
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
    transactions: i64,
}

/// Every parsed network file of `date`: the records' keys, in file and record order, and the spill
/// files that hold the records in the same order. Files in `kept` are taken from it; the others
/// are read, spilling to `spill_path(file id)`.
pub async fn load_record_keys(
    pool: &PgPool,
    store: &ObjectStore,
    date: NaiveDate,
    cards: &CardTokenizer,
    work_dir: &Path,
    (kept, spill_path): (&mut DayReading, impl Fn(i64) -> PathBuf),
) -> Result<(Vec<RecordKeys>, Vec<PathBuf>), RunError> {
    let rows = sqlx::query!(
        r#"SELECT id, object_key, source, size_bytes, sha256, transactions AS "transactions!"
           FROM feed_file
           WHERE business_date = $1 AND status = 'parsed' AND source IN ('visa', 'mastercard')
           ORDER BY source, object_key, id"#,
        date as _
    )
    .fetch_all(pool)
    .await?;
    let mut files = Vec::with_capacity(rows.len());
    for r in rows {
        let network = Network::from_code(&r.source)
            .ok_or_else(|| RunError::Corrupt(format!("feed file {} has an unknown source", r.id)))?;
        files.push(DayFile {
            id: r.id,
            object_key: r.object_key,
            network,
            size_bytes: r.size_bytes,
            sha256: r.sha256,
            transactions: r.transactions,
        });
    }

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
            if records.keys.len() as i64 != file.transactions {
                return Err(RunError::Corrupt(format!(
                    "ingestion kept {} records of feed file {} ({}), {} registered",
                    records.keys.len(),
                    file.id,
                    file.object_key,
                    file.transactions
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
        let read = tokio::task::spawn_blocking(move || {
            let read = read_file(&file, local, &cards, &mut keys, &mut writer);
            read.and_then(|()| Ok(writer.finish()?)).map(|()| keys)
        })
        .await
        .map_err(|e| RunError::Corrupt(e.to_string()))?;
        keys = read?;
    }
    Ok((keys, spills))
}

/// Reads one fetched file, checking it is still the file that was registered.
fn read_file(
    file: &DayFile,
    local: std::fs::File,
    cards: &CardTokenizer,
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
    let mut emit = |parsed: Parsed| {
        if let Parsed::Record(record) = parsed {
            keys.push(RecordKeys::of(&record));
            if let Err(e) = spill.write(file.id, &record) {
                spill_error.get_or_insert(e);
            }
        }
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
    Ok(())
}
