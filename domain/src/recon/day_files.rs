//! The day's network records, read by a run from the network files themselves.
//!
//! Ingestion checks a file whole (blocking, counts, trailer totals), records its size and SHA-256
//! and keeps its bad records; it does not copy the records into PostgreSQL. A run takes the date's
//! parsed files from the registry in registry order, fetches each from object storage, and reads it
//! again with the same reader while hashing it: a file whose bytes or record count are no longer
//! what was registered fails the run, naming the file. Files are taken in order of source and
//! object key, not of registration (files of a day are ingested concurrently, so which one was
//! registered first is a race; the reports' row order must not be). Each record's compact keys are kept for
//! matching and the record itself goes to the run's spill file, for the reports and items.

use std::io::{self, BufReader};
use std::path::Path;

use chrono::NaiveDate;
use sqlx::PgPool;

use super::keys::RecordKeys;
use super::run::RunError;
use super::spill::SpillWriter;
use crate::feeds::{mastercard, visa, CardTokenizer, FileSummary, Network, Parsed, Strictness};
use crate::ingest::FingerprintReader;
use crate::storage::ObjectStore;

/// A parsed network file of the date, as registered.
struct DayFile {
    id: i64,
    object_key: String,
    network: Network,
    size_bytes: i64,
    sha256: Vec<u8>,
    transactions: i64,
}

/// Reads every parsed network file of `date`: the records' keys, in file and record order, with
/// the records themselves written to a spill file at `spill`.
pub async fn load_record_keys(
    pool: &PgPool,
    store: &ObjectStore,
    date: NaiveDate,
    cards: &CardTokenizer,
    work_dir: &Path,
    spill: &Path,
) -> Result<Vec<RecordKeys>, RunError> {
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

    let mut keys = Vec::new();
    let mut writer = SpillWriter::create(spill)?;
    for file in files {
        let local = work_dir.join(format!("feed-{}", file.id));
        store.download_to(&file.object_key, &local).await?;
        let cards = cards.clone();
        let read = tokio::task::spawn_blocking(move || {
            let read = read_file(&file, &local, &cards, &mut keys, &mut writer);
            let _ = std::fs::remove_file(&local);
            read.map(|()| (keys, writer))
        })
        .await
        .map_err(|e| RunError::Corrupt(e.to_string()))?;
        (keys, writer) = read?;
    }
    writer.finish()?;
    Ok(keys)
}

/// Reads one downloaded file, checking it is still the file that was registered.
fn read_file(
    file: &DayFile,
    local: &Path,
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
    let mut input = BufReader::with_capacity(1 << 20, FingerprintReader::open(local)?);
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
