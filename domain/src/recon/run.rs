//! A reconciliation run of one business date: loads the date's network records and the Zelle
//! payments still open, classifies them, stores every item, writes the three reports and their
//! manifest to object storage under a new version, and records the run.
//!
//! Only one run of a date at a time (a PostgreSQL advisory lock, so also across replicas). The
//! items and the run's completion commit together, after the reports are stored: a crash leaves no
//! partial items, and the next run takes the next version, so nothing is ever overwritten.

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;

use chrono::NaiveDate;
use sqlx::PgPool;

use super::control::{ControlTally, Fate};
use super::day_files::{load_record_keys, DayReading, DayRecords, UnreadableRecord};
use super::engine::{reconcile_keys, Class, Outcome, PaymentState};
use super::error::RunError;
use super::item_rows::{ItemRows, CHUNK};
use super::open_payments::OpenPayments;
use super::report::{Manifest, ReportOutputs, ReportWriter};
use super::rules::RuleSet;
use super::spill::SpillReader;
use crate::db::{DetachedPartition, NamedLock};
use crate::feeds::zelle::ZellePayment;
use crate::feeds::{CardTokenizer, Network, NetworkRecord};
use crate::ingest::DateLock;
use crate::storage::ObjectStore;

/// What a run tells its caller as it goes (the command line draws a progress bar from it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress<'a> {
    /// A new stage began.
    Stage(&'a str),
    /// Something worth a line.
    Note(&'a str),
    /// Within the current stage, `done` of `total` records.
    Done { done: u64, total: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummary {
    pub run_id: i64,
    pub version: i32,
    pub records: u64,
    pub payments: u64,
    pub counts: BTreeMap<String, u64>,
    pub manifest: Manifest,
    /// Open work items whose subject this run matched, closed as `matched_on_rerun`.
    pub closed_items: u64,
}

/// Runs the locked date (its files cannot change meanwhile). `kept` is what ingestion kept of the
/// date's files it has just loaded (empty when the run does not follow an ingestion): those files
/// are not read again.
///
/// Runs of different dates take turns (a lock of their own, waited for): a run reads as open the
/// payments no completed run of another date consumed, so two runs at once could both take one.
#[expect(clippy::too_many_arguments, reason = "what a run reads, how it reads it, and whom it tells")]
pub async fn run_day(
    pool: &PgPool,
    store: &ObjectStore,
    date: &DateLock,
    rules: &RuleSet,
    cards: &CardTokenizer,
    work_dir: &Path,
    kept: DayReading,
    progress: impl Fn(Progress),
) -> Result<RunSummary, RunError> {
    let date = date.date();
    let waiting = NamedLock::try_take(pool, RUNS_LOCK.to_owned()).await?;
    let turn = match waiting {
        Some(turn) => turn,
        None => {
            progress(Progress::Note("waiting for the run of another date to finish"));
            NamedLock::take(pool, RUNS_LOCK.to_owned()).await?
        }
    };
    let result = run_in_turn(pool, store, date, rules, cards, work_dir, kept, &progress).await;
    turn.release().await;
    result
}

/// The lock runs take turns by.
const RUNS_LOCK: &str = "settledesk:runs";

#[expect(clippy::too_many_arguments, reason = "run_day's arguments")]
async fn run_in_turn(
    pool: &PgPool,
    store: &ObjectStore,
    date: NaiveDate,
    rules: &RuleSet,
    cards: &CardTokenizer,
    work_dir: &Path,
    kept: DayReading,
    progress: &impl Fn(Progress),
) -> Result<RunSummary, RunError> {
    // A file registered but not loaded (its load died: the date's lock keeps out one in
    // progress) would be left out of the day without a trace.
    let unloaded = sqlx::query_scalar!(
        "SELECT object_key FROM feed_file WHERE business_date = $1 AND status = 'received' ORDER BY id",
        date as _
    )
    .fetch_all(pool)
    .await?;
    if !unloaded.is_empty() {
        return Err(RunError::FilesNotLoaded(unloaded));
    }
    // Payments the run would match against, or what says which of them were settled, are gone
    // from the database: it would call their records mismatches, or settled payments open.
    if let Some(retired) = crate::retention::retired_near(pool, date).await? {
        return Err(RunError::DataRetired { date, retired });
    }
    run_locked(pool, store, date, rules, cards, work_dir, kept, progress).await
}

#[expect(clippy::too_many_arguments, reason = "run_day's arguments")]
async fn run_locked(
    pool: &PgPool,
    store: &ObjectStore,
    date: NaiveDate,
    rules: &RuleSet,
    cards: &CardTokenizer,
    work_dir: &Path,
    mut kept: DayReading,
    progress: &impl Fn(Progress),
) -> Result<RunSummary, RunError> {
    sqlx::query!(
        "UPDATE recon_run SET status = 'abandoned', finished_at = now() WHERE business_date = $1 AND status = 'running'",
        date as _
    )
    .execute(pool)
    .await?;
    // Items of runs that died before attaching them (see `DetachedPartition`).
    let abandoned =
        sqlx::query_scalar!("SELECT id FROM recon_run WHERE status = 'abandoned'").fetch_all(pool).await?;
    for parent in ITEM_TABLES {
        DetachedPartition::drop_leftover(pool, parent, "r", &abandoned).await?;
    }
    let version: i32 = sqlx::query_scalar!(
        r#"INSERT INTO recon_run (business_date, version, rule_set_version, status, stage, matches_apart)
           SELECT $1, coalesce(max(version), 0) + 1, $2, 'running', 'loading', true
           FROM recon_run WHERE business_date = $1
           RETURNING version"#,
        date as _,
        rules.version as i32
    )
    .fetch_one(pool)
    .await?;
    let run_id: i64 = sqlx::query_scalar!(
        "SELECT id FROM recon_run WHERE business_date = $1 AND version = $2",
        date as _,
        version
    )
    .fetch_one(pool)
    .await?;
    let outcome = async {
        let stage = |name: &'static str| async move {
            progress(Progress::Stage(name));
            sqlx::query!("UPDATE recon_run SET stage = $2 WHERE id = $1", run_id, name)
                .execute(pool)
                .await
                .map(|_| ())
        };

        stage("loading").await?;
        // The network files not kept by ingestion are read here while PostgreSQL sends the open
        // payments it was not handed. The records are in spill files, which the reports and items are
        // written from.
        let spill_path = |file_id: i64| work_dir.join(format!("run-{run_id}-feed-{file_id}.spill"));
        let timed = |started: std::time::Instant| started.elapsed().as_secs_f64();
        let loading = std::time::Instant::now();
        let taken_payments = kept.take_payments();
        let (records, payments) = tokio::try_join!(
            async {
                load_record_keys(pool, store, date, cards, work_dir, (&mut kept, spill_path))
                    .await
                    .map(|r| (r, timed(loading)))
            },
            async { OpenPayments::load(pool, date, taken_payments).await.map(|p| (p, timed(loading))) },
        )?;
        let ((day_records, records_took), (payments, payments_took)) = (records, payments);
        let DayRecords { keys: records, spills, unreadable, controls } = day_records;
        let unreadable_count = unreadable.len() as u64;
        progress(Progress::Note(&format!(
            "{} network records (loaded in {records_took:.1} s), {} unreadable, {} open Zelle payments (loaded in {payments_took:.1} s)",
            records.len(),
            unreadable.len(),
            payments.keys.len()
        )));

        stage("matching").await?;
        let rules_owned = rules.clone();
        let holidays = crate::calendar::load_holidays(pool).await?;
        let (payments, result) = tokio::task::spawn_blocking(move || {
            let result = reconcile_keys(&records, &payments.keys, date, &rules_owned, &holidays);
            (payments, result)
        })
        .await
        .map_err(|e| RunError::Corrupt(e.to_string()))?;

        // The records are read back from the spill in the same order, one at a time, and each goes to
        // its report and, as an item, into this run's partition: nothing of the day is held in memory
        // twice.
        stage("writing reports and items").await?;
        let paths =
            ["matches", "mismatches", "resettlements"].map(|k| work_dir.join(format!("run-{run_id}-{k}.csv")));
        let create = |p: &Path| std::fs::File::create(p).map(|f| std::io::BufWriter::with_capacity(1 << 20, f));
        let outputs = ReportOutputs {
            matches: create(&paths[0])?,
            mismatches: create(&paths[1])?,
            resettlements: create(&paths[2])?,
        };
        let mut reports = ReportWriter::new(date, version as u32, rules.version, outputs)?;
        // Filled and indexed detached, attached when the run completes (see `DetachedPartition`).
        // Created in the transaction that fills it, so the rows are written frozen.
        let mut filling = pool.begin().await?;
        let mut partition = DetachedPartition::create(&mut filling, "recon_item", "run_id", "r", run_id).await?;
        let mut copy = filling
            .copy_in_raw(&format!(
                "COPY {} (run_id, seq, class, reason, network, reference, card_last4, transaction_date, amount_minor, \
                 currency, settlement_minor, settlement_currency, approval_code, payment_id, feed_file_id, record_number, \
                 kind, merchant_category, reason_code) FROM STDIN (FORMAT binary, FREEZE)",
                partition.table()
            ))
            .await?;
        // Matches on a connection of their own (one COPY at a time per connection), which also
        // gives PostgreSQL's side of the two tables a core each.
        let mut filling_matches = pool.begin().await?;
        let mut match_partition =
            DetachedPartition::create(&mut filling_matches, "recon_match", "run_id", "r", run_id).await?;
        let mut copy_matches = filling_matches
            .copy_in_raw(&format!(
                "COPY {} (run_id, seq, feed_file_id, record_number, payment_file_id, payment_line, rule, transaction_date, \
                 kind, merchant_category, amount_minor, network, reference, card_last4, currency, settlement_minor, \
                 settlement_currency, approval_code, reason_code) FROM STDIN (FORMAT binary, FREEZE)",
                match_partition.table()
            ))
            .await?;
        let mut items = ItemRows::new(run_id);
        let zelle_only: Vec<usize> = (result.payments.iter().enumerate())
            .filter(|(_, s)| **s == PaymentState::ZelleOnly)
            .map(|(i, _)| i)
            .collect();
        let mut order = WriteOrder::new(
            date,
            SpillReader::open_all(spills.clone())?,
            &result.records,
            unreadable,
            payments.details(pool, &zelle_only).await?,
        );
        // The run's side of each file's control equation, counted from what is written.
        let mut control = ControlTally::default();
        // Open work items about a record or payment this run matches close when it completes.
        let open_items = crate::exceptions::OpenSubjects::load(pool).await?;
        let mut matched_items = Vec::new();
        let mut written = 0u64;
        let total = result.records.len() as u64;
        let record_progress = |done: u64| {
            sqlx::query!(
                "UPDATE recon_run SET items_done = $2, items_total = $3 WHERE id = $1",
                run_id,
                done as i64,
                total as i64
            )
            .execute(pool)
        };
        record_progress(0).await?;
        while let Some(next) = order.next()? {
            match next {
                Next::Record { file_id, record, outcome } => {
                    written += 1;
                    if written % 20_000 == 0 {
                        progress(Progress::Done { done: written, total });
                    }
                    // For the dashboard (on its own connection: this one is busy with the COPY).
                    if written % 250_000 == 0 {
                        record_progress(written).await?;
                    }
                    let Outcome::Classified { class, payment: outcome_payment, key } = *outcome else {
                        // Not Zelle's under the rules: no item, but its file counts it.
                        control.add(file_id, Fate::NotZelle, Some(record.amount));
                        continue;
                    };
                    let payment = outcome_payment.map(|p| payments.view(p as usize)).transpose()?;
                    reports.record(record, class, payment)?;
                    match (class, outcome_payment, key) {
                        (Class::Match, Some(p), Some(rule)) => {
                            let p = p as usize;
                            items.matched(record, file_id, &payments.keys[p], payments.stored_at(p), rule)
                        }
                        _ => items.record(record, class, payment.map(|p| p.payment_id), file_id),
                    }
                    // A record's own item closes when it matches; a payment's (Zelle-only) item
                    // when a record took the payment, in any class (a difference left is
                    // reported on the record's item). A chargeback, reversal or fee names its
                    // payment without taking it: the payment may still be Zelle-only.
                    let record_subject = (class == Class::Match).then_some((file_id, record.record_number as i64));
                    let taken = outcome_payment
                        .filter(|p| matches!(result.payments[*p as usize], PaymentState::Matched { .. }))
                        .and(payment.map(|p| p.payment_id));
                    if let Some(item) = open_items.matched(record_subject, taken) {
                        matched_items.push(item);
                    }
                    let fate = match class {
                        Class::Match => Fate::Matched,
                        Class::Mismatch(_) => Fate::Mismatched,
                        Class::Resettlement(_) => Fate::Resettlement,
                    };
                    control.add(file_id, fate, Some(record.amount));
                }
                Next::Unreadable(record) => {
                    reports.unreadable(&record)?;
                    items.unreadable(&record, date);
                    control.add(record.file_id, Fate::Unreadable, record.amount);
                }
                Next::ZelleOnly(payment) => {
                    reports.zelle_only(&payment)?;
                    items.zelle_only(&payment);
                }
            }
            // Sent from the buffer, which is then filled again (see `BinaryRows::take_reusing`).
            if items.rows.len() >= CHUNK {
                copy.send(items.rows.bytes()).await?;
                items.rows.clear();
            }
            if items.matches.len() >= CHUNK {
                copy_matches.send(items.matches.bytes()).await?;
                items.matches.clear();
            }
        }
        drop(order);
        for spill in &spills {
            let _ = std::fs::remove_file(spill);
        }
        items.rows.trailer();
        copy.send(items.rows.bytes()).await?;
        copy.finish().await?;
        filling.commit().await?;
        items.matches.trailer();
        copy_matches.send(items.matches.bytes()).await?;
        copy_matches.finish().await?;
        filling_matches.commit().await?;

        let (mut manifest, outputs) = reports.finish()?;
        manifest.controls = control.close(&controls);
        for broken in manifest.controls.iter().filter(|c| !c.closes) {
            tracing::error!(
                run.business_date = %date,
                feed_file.id = broken.feed_file_id,
                records = broken.records,
                accounted = broken.accounted,
                "a network file's control totals do not close"
            );
        }
        for mut writer in [outputs.matches, outputs.mismatches, outputs.resettlements] {
            std::io::Write::flush(&mut writer)?;
        }
        let prefix = format!("reports/{date}/v{version}");
        for (path, file) in paths.iter().zip(&manifest.files) {
            store.move_file(&format!("{prefix}/{}", file.name), path).await?;
        }
        manifest.audit_head = crate::audit::head(pool).await?;
        let manifest_json = serde_json::to_vec_pretty(&manifest).map_err(|e| RunError::Corrupt(e.to_string()))?;
        let manifest_path = work_dir.join(format!("run-{run_id}-manifest.json"));
        std::fs::write(&manifest_path, &manifest_json)?;
        store.move_file(&format!("{prefix}/manifest.json"), &manifest_path).await?;

        record_progress(written).await?;
        stage("indexing items").await?;
        // Work items are opened from the run's own list of exceptions while the indexes are built
        // (a scan of the detached table for them read all ten million items: 6.4 s beside the
        // builds); opening them after the builds left one core idle for ~6 s.
        let mut tx = pool.begin().await?;
        // A match shows its payment's fields: the extracts the matches name must still hold their
        // payments when they attach, and must keep them until this commits (retention waits
        // for the lock, then finds the matches naming them).
        let payment_files: Vec<i64> = items.payment_files.iter().copied().collect();
        let kept_files: i64 = sqlx::query_scalar!(
            r#"SELECT count(*) AS "kept!" FROM (SELECT id FROM feed_file
                WHERE id = ANY($1) AND rows_retired_at IS NULL FOR SHARE) kept"#,
            &payment_files
        )
        .fetch_one(&mut *tx)
        .await?;
        if kept_files != payment_files.len() as i64 {
            return Err(RunError::Corrupt(
                "retention retired the payments of an extract this run matched while it ran: run the date again"
                    .into(),
            ));
        }
        // One table's builds after the other's: each takes up to `BUILDS_AT_ONCE` connections.
        let builds = async {
            partition.build_indexes(pool).await?;
            match_partition.build_indexes(pool).await
        };
        let (built, opened) = tokio::join!(
            builds,
            crate::exceptions::open_reported(&mut tx, run_id, date, &items.exceptions)
        );
        built?;
        opened?;
        partition.attach(&mut tx).await?;
        match_partition.attach(&mut tx).await?;
        // The queue's plans need today's numbers of open items, not last night's.
        sqlx::query!("ANALYZE work_item").execute(&mut *tx).await?;
        for (network, (first, last)) in &items.networks {
            sqlx::query!(
                "INSERT INTO recon_run_network (run_id, network, first_seq, last_seq) VALUES ($1, $2, $3, $4)",
                run_id,
                *network,
                *first as i64,
                *last as i64
            )
            .execute(&mut *tx)
            .await?;
        }
        let counts = items.counts();
        let counts_json = serde_json::to_value(&counts).map_err(|e| RunError::Corrupt(e.to_string()))?;
        let manifest_value = serde_json::to_value(&manifest).map_err(|e| RunError::Corrupt(e.to_string()))?;
        // Last before the run's own row: closing appends to the audit chain, whose head stays
        // locked until the commit (every audited action in the portal waits for it meanwhile).
        matched_items.sort_unstable();
        matched_items.dedup();
        let closed_items =
            crate::exceptions::close_matched_on_rerun(&mut tx, &matched_items, run_id, date, version)
                .await
                .map_err(|e| match e {
                    crate::exceptions::WorkError::Database(e) => RunError::Database(e),
                    other => RunError::Corrupt(other.to_string()),
                })?;
        // The day's network records, readable or not.
        let record_count = result.records.len() as u64 + unreadable_count;
        let payment_count = result.payments.len() as u64;
        sqlx::query!(
            "UPDATE recon_run SET status = 'completed', stage = 'completed', finished_at = now(), records = $2, payments = $3,
                    counts = $4, manifest = $5 WHERE id = $1",
            run_id,
            record_count as i64,
            payment_count as i64,
            counts_json,
            manifest_value
        )
        .execute(&mut *tx)
        .await?;
        let event = crate::audit::NewAuditEvent {
            target: Some(format!("run:{date}/v{version}")),
            after: Some(serde_json::json!({
                "records": record_count,
                "payments": payment_count,
                "counts": counts_json,
                "work_items_closed": closed_items,
                "files_not_closing": manifest.controls.iter().filter(|c| !c.closes).count(),
            })),
            ..crate::audit::NewAuditEvent::new(crate::exceptions::SYSTEM, crate::audit::AuditAction::RunCompleted)
        };
        crate::audit::append(&mut tx, event).await?;
        tx.commit().await?;
        progress(Progress::Stage("completed"));
        Ok::<_, RunError>(RunSummary {
            run_id,
            version,
            records: record_count,
            payments: payment_count,
            counts,
            manifest,
            closed_items,
        })
    }
    .await;
    if outcome.is_err() {
        // A run that fails (a full disk, a lost connection) says so at once and leaves nothing;
        // a run that dies is marked by the next run of its date.
        let _ = sqlx::query!(
            "UPDATE recon_run SET status = 'abandoned', finished_at = now() WHERE id = $1 AND status = 'running'",
            run_id
        )
        .execute(pool)
        .await;
        for parent in ITEM_TABLES {
            let _ = DetachedPartition::drop_leftover(pool, parent, "r", &[run_id]).await;
        }
    }
    outcome
}

/// The tables a run's items go to, a partition each: exceptions (and, before migration 0032,
/// matches) and compact matches.
const ITEM_TABLES: [&str; 2] = ["recon_item", "recon_match"];

/// What is written next: a network record with its outcome, a record that could not be read, or
/// a Zelle payment without a record.
enum Next<'r, 'a> {
    Record { file_id: i64, record: &'r NetworkRecord, outcome: &'a Outcome },
    Unreadable(UnreadableRecord),
    ZelleOnly(ZellePayment),
}

/// What a network's items end with, after its readable records.
enum Leftover {
    Unreadable(UnreadableRecord),
    ZelleOnly(ZellePayment),
}

/// The order a run writes its items (and report rows) in: network by network, each network's
/// records in file and record order, then its unreadable records, then its Zelle payments without
/// a record. A network's items are then one range of seq (`recon_run_network`), which a page of
/// one network reads from the primary key instead of an index of its own. The records arrive
/// grouped by network (the day's files are taken in order of source); the leftovers of a network
/// no readable record came from go last.
struct WriteOrder<'a> {
    date: NaiveDate,
    spilled: SpillReader,
    outcomes: std::slice::Iter<'a, Outcome>,
    /// The record last read, its strings reused for the next.
    record: Option<NetworkRecord>,
    /// Unreadable records and payments without a record, by network, not written yet.
    leftovers: BTreeMap<Network, VecDeque<Leftover>>,
    /// The network of the records being written.
    network: Option<Network>,
    /// The finished network's leftovers, written before `held`.
    writing: VecDeque<Leftover>,
    /// The next network's first record (in `record`), held back until `writing` is written.
    held: Option<(i64, &'a Outcome)>,
}

impl<'a> WriteOrder<'a> {
    fn new(
        date: NaiveDate,
        spilled: SpillReader,
        outcomes: &'a [Outcome],
        unreadable: Vec<UnreadableRecord>,
        zelle_only: Vec<ZellePayment>,
    ) -> Self {
        let mut by_network: BTreeMap<Network, VecDeque<Leftover>> = BTreeMap::new();
        for record in unreadable {
            by_network.entry(record.network).or_default().push_back(Leftover::Unreadable(record));
        }
        for payment in zelle_only {
            by_network.entry(payment.network).or_default().push_back(Leftover::ZelleOnly(payment));
        }
        WriteOrder {
            date,
            spilled,
            outcomes: outcomes.iter(),
            record: None,
            leftovers: by_network,
            network: None,
            writing: VecDeque::new(),
            held: None,
        }
    }

    fn next(&mut self) -> Result<Option<Next<'_, 'a>>, RunError> {
        let (file_id, outcome) = loop {
            match self.writing.pop_front() {
                Some(Leftover::Unreadable(record)) => return Ok(Some(Next::Unreadable(record))),
                Some(Leftover::ZelleOnly(payment)) => return Ok(Some(Next::ZelleOnly(payment))),
                None => {}
            }
            if let Some(held) = self.held.take() {
                break held;
            }
            let read = match self.record.as_mut() {
                Some(record) => self.spilled.read_into(record)?,
                None => self.spilled.next_record()?.map(|(file_id, record)| {
                    self.record = Some(record);
                    file_id
                }),
            };
            let Some(file_id) = read else {
                if self.outcomes.next().is_some() {
                    return Err(changed_underneath(self.date));
                }
                // The last network's leftovers, then those of networks no readable record came from.
                let network = self.network.take().or_else(|| self.leftovers.keys().next().copied());
                match network {
                    Some(network) => self.writing = self.leftovers.remove(&network).unwrap_or_default(),
                    None => return Ok(None),
                }
                continue;
            };
            let outcome = self.outcomes.next().ok_or_else(|| changed_underneath(self.date))?;
            let network = self.record.as_ref().expect("a record was read").network;
            if self.network != Some(network) {
                if let Some(finished) = self.network.replace(network) {
                    self.writing = self.leftovers.remove(&finished).unwrap_or_default();
                }
                self.held = Some((file_id, outcome));
                continue;
            }
            break (file_id, outcome);
        };
        let record = self.record.as_ref().expect("a record was read");
        Ok(Some(Next::Record { file_id, record, outcome }))
    }
}

/// The spill file and the matching's outcomes disagree on how many records the day has.
fn changed_underneath(date: NaiveDate) -> RunError {
    RunError::Corrupt(format!("the spilled network records of {date} do not match what was reconciled"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::generator::{self, DayPlan, Outputs};
    use crate::feeds::testing::{cards, date};
    use crate::feeds::Network;
    use crate::feeds::{RecordKind, Strictness};
    use crate::ingest::load::{ingest_object, FileOutcome};
    use crate::ingest::Source;
    use crate::items::ItemOrder;
    use crate::money::Money;
    use crate::recon::day_files::FileKeeper;
    use crate::recon::history::late_files;
    use sha2::Digest;

    struct Setup {
        store: ObjectStore,
        _root: tempfile::TempDir,
        work: tempfile::TempDir,
    }

    /// A generated day, delivered to a local store and ingested.
    async fn ingested_day(pool: &PgPool) -> Setup {
        ingested_day_kept(pool).await.0
    }

    /// The network files of the generated day, with their sources.
    const NETWORK_FILES: [(&str, Source); 2] = [
        ("inbound/visa/2026-11-20/v.ctf", Source::Network(Network::Visa)),
        ("inbound/mastercard/2026-11-20/m.ipm", Source::Network(Network::Mastercard)),
    ];

    /// [`ingested_day`], with what ingestion kept for the run.
    async fn ingested_day_kept(pool: &PgPool) -> (Setup, DayReading) {
        ingested_day_changed(pool, |zelle| zelle).await
    }

    /// [`ingested_day_kept`], with the Zelle extract changed by `zelle` before delivery.
    async fn ingested_day_changed(
        pool: &PgPool,
        zelle: impl FnOnce(Vec<u8>) -> Vec<u8>,
    ) -> (Setup, DayReading) {
        ingested_day_planned(pool, DayPlan::new(date("2026-11-20"), 3_000, 21), zelle).await
    }

    /// The day `plan` makes, delivered (the Zelle extract changed by `zelle`) and ingested.
    async fn ingested_day_planned(
        pool: &PgPool,
        plan: DayPlan,
        zelle: impl FnOnce(Vec<u8>) -> Vec<u8>,
    ) -> (Setup, DayReading) {
        let root = tempfile::tempdir().unwrap();
        let work = tempfile::tempdir().unwrap();
        let store = ObjectStore::local(root.path());
        let (_, out) = generator::generate(
            &plan,
            &cards(),
            Outputs { visa: Vec::new(), mastercard: Vec::new(), zelle: Vec::new() },
        )
        .unwrap();
        let out = Outputs { zelle: zelle(out.zelle), ..out };
        let mut kept = DayReading::default();
        for (n, (key, bytes, source)) in [
            ("inbound/visa/2026-11-20/v.ctf", &out.visa, Source::Network(Network::Visa)),
            ("inbound/mastercard/2026-11-20/m.ipm", &out.mastercard, Source::Network(Network::Mastercard)),
            ("inbound/zelle/2026-11-20/z.csv", &out.zelle, Source::Zelle),
        ]
        .into_iter()
        .enumerate()
        {
            let file = work.path().join("upload");
            std::fs::write(&file, bytes).unwrap();
            store.put_file(key, &file).await.unwrap();
            let keeper = FileKeeper::new(date("2026-11-20"), work.path().join(format!("kept-{n}.spill")));
            let lock = DateLock::take(pool, date("2026-11-20")).await.unwrap();
            let (outcome, keeper) = ingest_object(
                pool,
                &store,
                key,
                source,
                &lock,
                &cards(),
                Strictness::Lenient,
                work.path(),
                keeper,
            )
            .await
            .unwrap();
            lock.release().await;
            assert!(matches!(outcome, FileOutcome::Loaded { .. }), "{outcome:?}");
            kept.add(keeper.expect("a file loaded now comes back with what was kept of it"));
        }
        (Setup { store, _root: root, work }, kept)
    }

    async fn try_run(pool: &PgPool, s: &Setup, on: &str) -> Result<RunSummary, RunError> {
        try_run_handed(pool, s, on, DayReading::default()).await
    }

    /// A run handed what ingestion `kept`.
    async fn try_run_handed(
        pool: &PgPool,
        s: &Setup,
        on: &str,
        kept: DayReading,
    ) -> Result<RunSummary, RunError> {
        let lock = DateLock::take(pool, date(on)).await.unwrap();
        let result =
            run_day(pool, &s.store, &lock, &RuleSet::default(), &cards(), s.work.path(), kept, |_| {}).await;
        lock.release().await;
        result
    }

    async fn run(pool: &PgPool, s: &Setup, on: &str) -> RunSummary {
        try_run(pool, s, on).await.unwrap()
    }

    /// A run of the 20th with `rules`, reading the files itself.
    async fn run_with(pool: &PgPool, s: &Setup, rules: &RuleSet) -> RunSummary {
        let lock = DateLock::take(pool, date("2026-11-20")).await.unwrap();
        let summary =
            run_day(pool, &s.store, &lock, rules, &cards(), s.work.path(), DayReading::default(), |_| {})
                .await
                .unwrap();
        lock.release().await;
        summary
    }

    /// Rules with no grace period: a payment without its record is Zelle-only the day after.
    fn without_grace() -> RuleSet {
        let mut rules = RuleSet::default();
        for network in rules.networks.values_mut() {
            network.grace_business_days = 0;
        }
        rules
    }

    /// Puts `bytes` into the store at `key` (`inbound/<source>/<date>/<name>`) and ingests it
    /// for that date.
    async fn deliver(pool: &PgPool, s: &Setup, key: &str, bytes: Vec<u8>, source: Source) {
        let outcome = deliver_any(pool, s, key, bytes, source).await;
        assert!(matches!(outcome, FileOutcome::Loaded { .. }), "{outcome:?}");
    }

    /// [`deliver`], whatever becomes of the file (a broken one is quarantined).
    async fn deliver_any(pool: &PgPool, s: &Setup, key: &str, bytes: Vec<u8>, source: Source) -> FileOutcome {
        let file = s.work.path().join("upload");
        std::fs::write(&file, &bytes).unwrap();
        s.store.put_file(key, &file).await.unwrap();
        let lock = DateLock::take(pool, date(key.split('/').nth(2).expect("inbound/<source>/<date>/<name>")))
            .await
            .unwrap();
        let (outcome, _) = ingest_object(
            pool,
            &s.store,
            key,
            source,
            &lock,
            &cards(),
            Strictness::Lenient,
            s.work.path(),
            crate::ingest::load::KeepNothing,
        )
        .await
        .unwrap();
        lock.release().await;
        outcome
    }

    /// A fresh local store and work directory.
    fn empty_setup() -> Setup {
        let root = tempfile::tempdir().unwrap();
        Setup { store: ObjectStore::local(root.path()), _root: root, work: tempfile::tempdir().unwrap() }
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_day_runs_end_to_end_and_a_rerun_is_a_new_identical_version(pool: PgPool) {
        let s = ingested_day(&pool).await;
        let first = run(&pool, &s, "2026-11-20").await;
        assert_eq!(first.version, 1);
        let items: i64 = sqlx::query_scalar!("SELECT count(*) FROM run_item WHERE run_id = $1", first.run_id)
            .fetch_one(&pool)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(items as u64, first.counts.values().sum::<u64>());
        assert!(first.counts["match"] > 2_500, "{:?}", first.counts);
        assert_eq!(first.manifest.files.iter().map(|f| f.rows).sum::<u64>(), items as u64);
        let keys: Vec<String> =
            s.store.list("reports/2026-11-20/v1/").await.unwrap().into_iter().map(|o| o.key).collect();
        assert_eq!(
            keys,
            vec![
                "reports/2026-11-20/v1/manifest.json",
                "reports/2026-11-20/v1/matches-2026-11-20-v1.csv",
                "reports/2026-11-20/v1/mismatches-2026-11-20-v1.csv",
                "reports/2026-11-20/v1/resettlements-2026-11-20-v1.csv",
            ]
        );
        let v1_before = s.store.list("reports/2026-11-20/v1/").await.unwrap();
        // Each partition carries the indexes built for it while detached, adopted when attached
        // (an index PostgreSQL had to build at attach time would have a name of its own making).
        for parent in ITEM_TABLES {
            let (parent_indexes, own_indexes): (i64, Vec<String>) = (
                sqlx::query_scalar("SELECT count(*) FROM pg_index WHERE indrelid = $1::regclass")
                    .bind(parent)
                    .fetch_one(&pool)
                    .await
                    .unwrap(),
                sqlx::query_scalar(
                    "SELECT c.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                     WHERE i.indrelid = $1::regclass ORDER BY 1",
                )
                .bind(format!("{parent}_r{}", first.run_id))
                .fetch_all(&pool)
                .await
                .unwrap(),
            );
            assert_eq!(own_indexes.len() as i64, parent_indexes, "{own_indexes:?}");
            let prefix = format!("{parent}_r{}_{parent}_", first.run_id);
            assert!(own_indexes.iter().all(|name| name.starts_with(&prefix)), "{own_indexes:?}");
        }
        // Matches are stored apart, compactly, and exceptions in full.
        let (stored_matches, compact): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM recon_item WHERE run_id = $1 AND class = 'match'),
                    (SELECT count(*) FROM recon_match WHERE run_id = $1)",
        )
        .bind(first.run_id)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!((stored_matches, compact as u64), (0, first.counts["match"]));
        // An item shows its network record as the file had it.
        let detail = crate::items::detail(&pool, first.run_id, 1).await.unwrap().unwrap();
        let record = detail.record.expect("the first item is a network record");
        assert!(record.file_key.starts_with("inbound/"), "{}", record.file_key);
        assert!(RecordKind::from_code(&record.kind).is_some(), "{}", record.kind);
        assert_eq!(record.reference.len(), 23);
        assert!(record.merchant_category > 0);

        let second = run(&pool, &s, "2026-11-20").await;
        assert_eq!(second.version, 2);
        assert_eq!(second.counts, first.counts, "re-running a day changes nothing but the version");
        assert_eq!(
            s.store.list("reports/2026-11-20/v1/").await.unwrap(),
            v1_before,
            "the first version is untouched"
        );
        let totals = |m: &Manifest| m.files.iter().map(|f| (f.rows, f.totals.clone())).collect::<Vec<_>>();
        assert_eq!(totals(&second.manifest), totals(&first.manifest));
    }

    /// Every page of `filter` in `order`, walked forwards from the first and then backwards from
    /// the last, as seqs.
    async fn walked(
        pool: &PgPool,
        run_id: i64,
        filter: &crate::items::ItemFilter,
        order: ItemOrder,
    ) -> Vec<i64> {
        use crate::items::{browse_page, Page};
        const LIMIT: i64 = 37;
        let mut forwards = Vec::new();
        let mut page = Page::First;
        loop {
            let rows = browse_page(pool, run_id, filter, order, page, LIMIT).await.unwrap();
            forwards.extend(rows.iter().map(|r| r.seq));
            match rows.last() {
                Some(last) if rows.len() as i64 == LIMIT => page = Page::After(last.cursor()),
                _ => break,
            }
        }
        // Backwards from just after the last row: the same rows, met in reverse.
        let mut backwards: Vec<i64> = Vec::new();
        if let Some(last) = forwards.last() {
            let last = crate::items::detail(pool, run_id, *last).await.unwrap().unwrap().item;
            backwards.push(last.seq);
            let mut cursor = last.cursor();
            loop {
                let rows =
                    browse_page(pool, run_id, filter, order, Page::Before(cursor), LIMIT).await.unwrap();
                backwards.extend(rows.iter().rev().map(|r| r.seq));
                match rows.first() {
                    Some(first) if rows.len() as i64 == LIMIT => cursor = first.cursor(),
                    _ => break,
                }
            }
        }
        backwards.reverse();
        assert_eq!(backwards, forwards, "{filter:?} {order:?}: backwards is not forwards reversed");
        forwards
    }

    /// The generated day run with a tolerance wide enough that some records match a payment of
    /// another amount: those keep their own amount, as records matched without a reference keep
    /// their own reference.
    async fn tolerant_day(pool: &PgPool) -> (Setup, RunSummary) {
        let s = ingested_day(pool).await;
        let mut rules = RuleSet::default();
        for network in rules.networks.values_mut() {
            network.amount_tolerance_minor = 1_000_000;
        }
        let day = run_with(pool, &s, &rules).await;
        (s, day)
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_compact_match_reads_back_every_field_the_matches_report_gives_its_record(pool: PgPool) {
        let (s, day) = tolerant_day(&pool).await;
        let report = s.work.path().join("matches.csv");
        let name = &day.manifest.files[0].name;
        s.store.download_to(&format!("reports/2026-11-20/v{}/{name}", day.version), &report).await.unwrap();
        let mut reader = csv::Reader::from_path(&report).unwrap();
        let mut compared = 0;
        for row in reader.records() {
            let row = row.unwrap();
            let item: crate::items::ItemRow = sqlx::query_as(
                "SELECT run_id, seq, class, reason, network, reference, card_last4, transaction_date, amount_minor,
                        currency, settlement_minor, settlement_currency, approval_code, payment_id, feed_file_id,
                        record_number
                 FROM run_item WHERE run_id = $1 AND network = $2 AND record_number = $3",
            )
            .bind(day.run_id)
            .bind(&row[2])
            .bind(row[4].parse::<i64>().unwrap())
            .fetch_one(&pool)
            .await
            .unwrap();
            let money = |minor: Option<i64>, currency: Option<&str>| {
                let currency = crate::money::Currency::from_code(currency.unwrap()).unwrap();
                Money::from_minor(minor.unwrap(), currency)
            };
            let (amount, settlement) = (
                money(Some(item.amount_minor), Some(&item.currency)),
                money(item.settlement_minor, item.settlement_currency.as_deref()),
            );
            let said = [
                item.class,
                item.reference.unwrap_or_default(),
                item.card_last4,
                item.transaction_date.to_string(),
                amount.plain().as_str().to_owned(),
                amount.currency().code().to_owned(),
                settlement.plain().as_str().to_owned(),
                settlement.currency().code().to_owned(),
                crate::export::text_cell(&item.approval_code.unwrap_or_default()).into_owned(),
                crate::export::text_cell(&item.payment_id.unwrap_or_default()).into_owned(),
            ];
            let reported = [0, 3, 5, 6, 7, 8, 9, 10, 11, 12].map(|i| row[i].to_owned());
            assert_eq!(said, reported, "record {} of {}", &row[4], &row[2]);
            compared += 1;
        }
        assert_eq!(compared, day.counts["match"]);
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn every_filter_and_order_pages_through_exactly_the_items_it_selects(pool: PgPool) {
        let (_s, day) = tolerant_day(&pool).await;
        let (own_amounts, own_references): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE amount_minor <> payment_amount), count(*) FILTER (WHERE own_reference IS NOT NULL)
             FROM (SELECT i.amount_minor, i.own_reference, p.amount_minor AS payment_amount
                   FROM match_item i JOIN zelle_payment p ON p.feed_file_id = i.payment_file_id AND p.line = i.payment_line
                   WHERE i.run_id = $1) m",
        )
        .bind(day.run_id)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert!(own_amounts > 0 && own_references > 0, "{own_amounts} {own_references}");
        // Values to filter by: a record matched without its reference, a payment, a card.
        let (own_reference, shared_reference, payment_id, last4, amount): (String, String, String, String, i64) =
            sqlx::query_as(
                "SELECT (SELECT reference FROM match_item WHERE run_id = $1 AND own_reference IS NOT NULL ORDER BY seq LIMIT 1),
                        (SELECT reference FROM match_item WHERE run_id = $1 AND own_reference IS NULL ORDER BY seq LIMIT 1),
                        (SELECT payment_id FROM match_item WHERE run_id = $1 AND own_reference IS NOT NULL ORDER BY seq LIMIT 1),
                        (SELECT card_last4 FROM match_item WHERE run_id = $1 ORDER BY seq LIMIT 1),
                        (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY amount_minor) FROM run_item WHERE run_id = $1)",
            )
            .bind(day.run_id)
            .fetch_one(&pool)
            .await
            .unwrap();
        use crate::items::ItemFilter;
        let text = |v: &str| Some(v.to_owned());
        let reason = day.counts.keys().find_map(|key| key.split_once('/')).expect("a day with exceptions").1;
        let filters = [
            ItemFilter::default(),
            ItemFilter { class: text("match"), ..Default::default() },
            ItemFilter { class: text("mismatch"), ..Default::default() },
            ItemFilter { reason: text(reason), ..Default::default() },
            ItemFilter { network: text("visa"), ..Default::default() },
            ItemFilter { network: text("mastercard"), class: text("match"), ..Default::default() },
            ItemFilter { reference: Some(own_reference.clone()), ..Default::default() },
            ItemFilter {
                reference: Some(shared_reference.clone()),
                class: text("match"),
                ..Default::default()
            },
            ItemFilter { payment_id: Some(payment_id.clone()), ..Default::default() },
            ItemFilter { last4: Some(last4.clone()), ..Default::default() },
            ItemFilter {
                currency: Some(crate::money::Currency::USD),
                min_minor: Some(amount),
                ..Default::default()
            },
            ItemFilter {
                currency: Some(crate::money::Currency::USD),
                max_minor: Some(amount),
                class: text("match"),
                ..Default::default()
            },
        ];
        let mut pages = Vec::new();
        for filter in &filters {
            for order in [ItemOrder::Seq, ItemOrder::AmountAscending, ItemOrder::AmountDescending] {
                // What one query over every item of the run says, with the same conditions.
                let mut q = sqlx::QueryBuilder::new("SELECT seq FROM run_item WHERE run_id = ");
                q.push_bind(day.run_id);
                for (column, value) in [
                    ("class", &filter.class),
                    ("reason", &filter.reason),
                    ("network", &filter.network),
                    ("reference", &filter.reference),
                    ("payment_id", &filter.payment_id),
                    ("card_last4", &filter.last4),
                ] {
                    if let Some(value) = value {
                        q.push(format!(" AND {column} = ")).push_bind(value.clone());
                    }
                }
                if let Some(currency) = filter.currency {
                    q.push(" AND currency = ").push_bind(currency.code());
                }
                if let Some(min) = filter.min_minor {
                    q.push(" AND amount_minor >= ").push_bind(min);
                }
                if let Some(max) = filter.max_minor {
                    q.push(" AND amount_minor <= ").push_bind(max);
                }
                q.push(match order {
                    ItemOrder::Seq => " ORDER BY seq",
                    ItemOrder::AmountAscending => " ORDER BY amount_minor, seq",
                    ItemOrder::AmountDescending => " ORDER BY amount_minor DESC, seq DESC",
                });
                let expected: Vec<i64> = q.build_query_scalar().fetch_all(&pool).await.unwrap();
                assert!(!expected.is_empty(), "{filter:?} selects nothing: the check would prove nothing");
                assert_eq!(walked(&pool, day.run_id, filter, order).await, expected, "{filter:?} {order:?}");
                pages.push(((filter.clone(), order), expected));
            }
        }
        // The same run as a binary from before migration 0032 stored it, every item a full row in
        // recon_item: every page is the same.
        let mut tx = pool.begin().await.unwrap();
        for statement in [
            "INSERT INTO recon_item (run_id, seq, class, reason, network, reference, card_last4, transaction_date,
                                     amount_minor, currency, settlement_minor, settlement_currency, approval_code,
                                     payment_id, feed_file_id, record_number, kind, merchant_category, reason_code)
             SELECT run_id, seq, class, reason, network, reference, card_last4, transaction_date, amount_minor, currency,
                    settlement_minor, settlement_currency, approval_code, payment_id, feed_file_id, record_number, kind,
                    merchant_category, reason_code
             FROM match_item WHERE run_id = $1",
            "DELETE FROM recon_match WHERE run_id = $1",
            "UPDATE recon_run SET matches_apart = false WHERE id = $1",
        ] {
            sqlx::query(statement).bind(day.run_id).execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
        for ((filter, order), expected) in &pages {
            assert_eq!(
                &walked(&pool, day.run_id, filter, *order).await,
                expected,
                "stored whole: {filter:?} {order:?}"
            );
        }
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_run_whose_matched_extract_was_retired_meanwhile_fails_and_leaves_nothing(pool: PgPool) {
        let s = ingested_day(&pool).await;
        // Retention marks the day's extract retired while the run indexes its items (on a
        // connection of its own, the run waiting for it).
        let url = pool.connect_options().clone();
        let retire_meanwhile = move |p: Progress| {
            if let Progress::Stage("indexing items") = p {
                let url = url.clone();
                std::thread::spawn(move || {
                    tokio::runtime::Runtime::new().unwrap().block_on(async move {
                        let mut conn =
                            <sqlx::PgConnection as sqlx::Connection>::connect_with(&url).await.unwrap();
                        sqlx::query("UPDATE feed_file SET rows_retired_at = now() WHERE source = 'zelle'")
                            .execute(&mut conn)
                            .await
                            .unwrap();
                    })
                })
                .join()
                .unwrap();
            }
        };
        let lock = DateLock::take(&pool, date("2026-11-20")).await.unwrap();
        let result = run_day(
            &pool,
            &s.store,
            &lock,
            &RuleSet::default(),
            &cards(),
            s.work.path(),
            DayReading::default(),
            retire_meanwhile,
        )
        .await;
        lock.release().await;
        let message = result.unwrap_err().to_string();
        assert!(message.contains("retention retired the payments"), "{message}");
        let (items, completed): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM run_item), (SELECT count(*) FROM recon_run WHERE status = 'completed')",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!((items, completed), (0, 0), "no match attached without its payments");
    }

    /// Every item row of a run but its run id, in order.
    async fn item_rows(pool: &PgPool, run_id: i64) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT (to_jsonb(i) - 'run_id')::text FROM run_item i WHERE run_id = $1 ORDER BY seq",
        )
        .bind(run_id)
        .fetch_all(pool)
        .await
        .unwrap()
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_run_handed_what_ingestion_kept_reads_no_file_again_and_gives_the_same_day(pool: PgPool) {
        let (s, kept) = ingested_day_kept(&pool).await;
        // The network files are replaced in the store: a run that read them would fail.
        let mut originals = Vec::new();
        for (key, _) in NETWORK_FILES {
            let original = s.work.path().join(format!("original-{}", originals.len()));
            s.store.download_to(key, &original).await.unwrap();
            let garbage = s.work.path().join("garbage");
            std::fs::write(&garbage, b"not the file that was ingested").unwrap();
            s.store.put_file(key, &garbage).await.unwrap();
            originals.push((key, original));
        }
        let handed = try_run_handed(&pool, &s, "2026-11-20", kept).await.unwrap();
        assert!(handed.records > 2_500 && handed.payments > 2_500, "{handed:?}");
        assert!(
            std::fs::read_dir(s.work.path())
                .unwrap()
                .flatten()
                .all(|e| !e.file_name().to_string_lossy().ends_with(".spill")),
            "the kept records' spill files are removed after the run"
        );
        for (key, original) in &originals {
            s.store.put_file(key, original).await.unwrap();
        }
        let read = run(&pool, &s, "2026-11-20").await;
        assert_eq!(read.counts, handed.counts);
        assert_eq!((read.records, read.payments), (handed.records, handed.payments));
        let hashes = |m: &Manifest| m.files.iter().map(|f| (f.rows, f.sha256.clone())).collect::<Vec<_>>();
        assert_eq!(hashes(&read.manifest), hashes(&handed.manifest), "byte-identical reports");
        assert_eq!(item_rows(&pool, read.run_id).await, item_rows(&pool, handed.run_id).await);
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn unreadable_records_are_items_of_the_day_and_every_file_s_control_totals_close(pool: PgPool) {
        // One record of each network file with a field no reader accepts (lenient, the default).
        let plan = DayPlan { unreadable_per_network: 1, ..DayPlan::new(date("2026-11-20"), 3_000, 21) };
        let (s, kept) = ingested_day_planned(&pool, plan, |zelle| zelle).await;
        let issues: i64 = sqlx::query_scalar("SELECT count(*) FROM feed_issue WHERE masked")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(issues, 2, "one unreadable record per network file, stored masked");

        // The first run after ingestion (handed what it kept) completes, and so does a run that
        // reads the files itself; both give the same day.
        let handed = try_run_handed(&pool, &s, "2026-11-20", kept).await.unwrap();
        let read = run(&pool, &s, "2026-11-20").await;
        assert_eq!(handed.counts, read.counts);
        assert_eq!(item_rows(&pool, read.run_id).await, item_rows(&pool, handed.run_id).await);
        assert_eq!(handed.counts.get("mismatch/unreadable_record"), Some(&2), "{:?}", handed.counts);
        let registered: i64 = sqlx::query_scalar(
            "SELECT sum(transactions)::bigint FROM feed_file WHERE source IN ('visa', 'mastercard')",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(
            handed.records as i64, registered,
            "the run's records are the files' records, all of them"
        );

        // Each is an item, in its network's range, about its record, and a work item.
        let unreadable = sqlx::query!(
            r#"SELECT i.seq, i.network, i.feed_file_id AS "feed_file_id!", i.record_number AS "record_number!",
                      i.currency, w.id AS "work_item?"
               FROM recon_item i LEFT JOIN work_item w ON w.subject = 'record:' || i.feed_file_id || ':' || i.record_number
               WHERE i.run_id = $1 AND i.reason = 'unreadable_record' ORDER BY i.seq"#,
            handed.run_id
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(unreadable.len(), 2);
        assert_eq!(unreadable.iter().map(|u| u.network.as_str()).collect::<Vec<_>>(), ["mastercard", "visa"]);
        assert!(unreadable.iter().all(|u| u.work_item.is_some() && u.currency == "USD"), "{unreadable:?}");
        let detail = crate::items::detail(&pool, handed.run_id, unreadable[1].seq).await.unwrap().unwrap();
        let shown = detail.unreadable.expect("an unreadable item shows its record");
        assert_eq!(
            (shown.field.as_str(), shown.record_number),
            ("acquirer reference number", unreadable[1].record_number)
        );
        assert!(shown.problem.contains("UNREADABLE"), "{}", shown.problem);
        assert!(shown.raw_text.contains("************"), "{}", shown.raw_text);
        assert!(
            crate::feeds::card::card_like_runs(shown.raw_text.as_bytes()).is_empty(),
            "{}",
            shown.raw_text
        );
        let mastercard =
            crate::items::detail(&pool, handed.run_id, unreadable[0].seq).await.unwrap().unwrap();
        let shown = mastercard.unreadable.expect("the Mastercard one too");
        assert_eq!(shown.field, "DE31");
        assert!(shown.raw_text.starts_with("1240"), "EBCDIC shown as text: {}", shown.raw_text);

        // The mismatch report says where each is and what is wrong, never the record itself.
        let local = s.work.path().join("mismatches.csv");
        s.store.download_to("reports/2026-11-20/v1/mismatches-2026-11-20-v1.csv", &local).await.unwrap();
        let report = std::fs::read_to_string(&local).unwrap();
        let lines: Vec<&str> = report.lines().filter(|l| l.contains(",unreadable_record,")).collect();
        assert_eq!(lines.len(), 2, "{report}");
        assert!(lines
            .iter()
            .any(|l| l.contains("inbound/visa/2026-11-20/v.ctf") && l.contains("acquirer reference number")));
        assert!(lines
            .iter()
            .any(|l| l.contains("inbound/mastercard/2026-11-20/m.ipm") && l.contains(",DE31,")));

        // Every file's equation closes, in counts and per currency.
        for summary in [&handed, &read] {
            let controls = &summary.manifest.controls;
            assert_eq!(controls.len(), 2);
            for c in controls {
                assert!(c.closes, "{c:?}");
                assert_eq!(c.accounted, c.records);
                let usd = c.currencies.iter().find(|x| x.currency == "USD").unwrap();
                assert_eq!(usd.unreadable.records, 1, "{c:?}");
                let classified = usd.matched.records + usd.mismatched.records + usd.resettlement.records;
                assert_eq!(usd.file.as_ref().unwrap().records, classified + usd.not_zelle.records + 1);
            }
        }
        let stored: Manifest = serde_json::from_value(
            sqlx::query_scalar!("SELECT manifest FROM recon_run WHERE id = $1", handed.run_id)
                .fetch_one(&pool)
                .await
                .unwrap()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            stored.controls, handed.manifest.controls,
            "the manifest kept in the database has them too"
        );

        // A file whose records read differently now than at ingestion (here: the registry says
        // another record was the unreadable one) fails the run, naming the file: one record would
        // be reported twice and another lost.
        sqlx::query("UPDATE feed_issue SET record_number = record_number + 1 WHERE feed_file_id = $1")
            .bind(unreadable[1].feed_file_id)
            .execute(&pool)
            .await
            .unwrap();
        let err = try_run(&pool, &s, "2026-11-20").await.unwrap_err();
        assert!(err.to_string().contains("unreadable now"), "{err}");
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn no_card_number_is_stored_anywhere_after_a_day_with_unreadable_records(pool: PgPool) {
        let plan = DayPlan { unreadable_per_network: 5, ..DayPlan::new(date("2026-11-20"), 2_000, 4) };
        // The card numbers of the unreadable records, written in the files as ASCII (Visa) and
        // EBCDIC (Mastercard): each is searched for as such, wherever it may stand (in a record
        // a card number runs on into the digits around it, which a search for card-like runs of
        // digits alone would not see).
        let outputs = Outputs { visa: Vec::new(), mastercard: Vec::new(), zelle: Vec::new() };
        let (made, _) = generator::generate(&plan, &cards(), outputs).unwrap();
        assert_eq!(made.unreadable_cards.len(), 10);
        let needles: Vec<Vec<u8>> = (made.unreadable_cards.iter())
            .flat_map(|pan| {
                [pan.as_bytes().to_vec(), crate::feeds::mastercard::ebcdic::from_ascii(pan.as_bytes())]
            })
            .collect();
        let (s, kept) = ingested_day_planned(&pool, plan, |zelle| zelle).await;
        try_run_handed(&pool, &s, "2026-11-20", kept).await.unwrap();
        // Every text and bytea column of every table, but keyed fingerprints and hashes (hex of a
        // hash, whose digits may by chance pass the Luhn check; none is record data).
        let columns = sqlx::query!(
            r#"SELECT c.table_name AS "table!", c.column_name AS "column!", c.data_type AS "data_type!"
               FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
               WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
                 AND c.data_type IN ('text', 'bytea', 'character varying')
                 AND c.column_name NOT LIKE '%fingerprint%' AND c.column_name NOT LIKE '%sha256%'
                 AND c.column_name NOT LIKE '%hash%'"#
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert!(
            columns.iter().any(|c| c.table == "feed_issue" && c.column == "raw"),
            "the raw records are searched"
        );
        let mut searched = 0;
        for c in &columns {
            let as_bytes = if c.data_type == "bytea" {
                format!("\"{}\"", c.column)
            } else {
                format!("convert_to(\"{}\", 'UTF8')", c.column)
            };
            let values: Vec<Option<Vec<u8>>> =
                sqlx::query_scalar(&format!("SELECT {as_bytes} FROM \"{}\"", c.table))
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            for value in values.into_iter().flatten() {
                searched += 1;
                let found = crate::feeds::card::card_like_runs(&value);
                assert!(found.is_empty(), "{}.{} holds a card number: {found:?}", c.table, c.column);
                for needle in &needles {
                    assert!(
                        !value.windows(needle.len()).any(|w| w == &needle[..]),
                        "{}.{} holds an unreadable record's card number",
                        c.table,
                        c.column
                    );
                }
            }
        }
        assert!(searched > 10_000, "{searched} values searched");
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_late_network_file_makes_a_new_version_that_closes_the_items_it_settles(pool: PgPool) {
        let s = empty_setup();
        let outputs = Outputs { visa: Vec::new(), mastercard: Vec::new(), zelle: Vec::new() };
        // The bank's payments of the 19th; the networks' files for them come on the 20th.
        let (_, out) =
            generator::generate(&DayPlan::new(date("2026-11-19"), 3_000, 21), &cards(), outputs).unwrap();
        // The 20th without its Mastercard file; no grace, so the payments it would have settled
        // are Zelle-only at once, each a work item.
        deliver(&pool, &s, "inbound/zelle/2026-11-19/z.csv", out.zelle.clone(), Source::Zelle).await;
        deliver(&pool, &s, "inbound/visa/2026-11-20/v.ctf", out.visa.clone(), Source::Network(Network::Visa))
            .await;
        let rules = without_grace();
        let first = run_with(&pool, &s, &rules).await;
        assert_eq!(first.closed_items, 0);
        let open_payments = || async {
            sqlx::query_scalar::<_, String>(
                "SELECT subject FROM work_item WHERE subject LIKE 'payment:%' AND status <> 'resolved' ORDER BY subject",
            )
            .fetch_all(&pool)
            .await
            .unwrap()
        };
        let before = open_payments().await;
        assert!(before.len() > 1_000, "the Mastercard payments wait for their file: {}", before.len());
        let listed = |s: &Setup| {
            let store = s.store.clone();
            async move { store.list("inbound/").await.unwrap().into_iter().map(|o| o.key).collect::<Vec<_>>() }
        };
        assert_eq!(
            late_files(&pool, date("2026-11-20"), &listed(&s).await).await.unwrap(),
            Vec::<String>::new()
        );

        // The file arrives: in the store it is late, and still once another process has loaded it.
        let key = "inbound/mastercard/2026-11-20/m.ipm";
        let file = s.work.path().join("late");
        std::fs::write(&file, &out.mastercard).unwrap();
        s.store.put_file(key, &file).await.unwrap();
        assert_eq!(
            late_files(&pool, date("2026-11-20"), &listed(&s).await).await.unwrap(),
            vec![key.to_owned()]
        );
        deliver(&pool, &s, key, out.mastercard.clone(), Source::Network(Network::Mastercard)).await;
        assert_eq!(
            late_files(&pool, date("2026-11-20"), &listed(&s).await).await.unwrap(),
            vec![key.to_owned()]
        );
        // Every other item has a funds transfer waiting for its approver: those are not closed
        // under the action.
        let waiting = sqlx::query(
            "INSERT INTO ledger_action (idempotency_key, kind, request, amount_minor, currency, work_item_id,
                                        initiated_by, expires_at, approvals_needed)
             SELECT 'pending-' || id, 'transfer', '{}', 100, 'USD', id, 'ava', now() + interval '1 day', 1
             FROM work_item WHERE subject LIKE 'payment:%' AND status <> 'resolved' AND id % 2 = 0",
        )
        .execute(&pool)
        .await
        .unwrap()
        .rows_affected();
        assert!(waiting > 500, "{waiting}");

        let second = run_with(&pool, &s, &rules).await;
        assert_eq!(second.version, 2);
        let (closed_with_action, held): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE w.status = 'resolved'),
                    count(*) FILTER (WHERE w.status <> 'resolved' AND EXISTS (
                        SELECT 1 FROM work_item_note n WHERE n.work_item_id = w.id AND n.author = 'system'
                          AND n.body LIKE '%left open because a ledger action on it awaits approval.'))
             FROM work_item w JOIN ledger_action a ON a.work_item_id = w.id AND a.status = 'pending'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(closed_with_action, 0, "no item is closed under a pending action");
        assert!(held > 400, "{held} items matched but left to their approver");
        let after: Vec<String> = {
            let open = open_payments().await;
            let held: Vec<String> = sqlx::query_scalar(
                "SELECT w.subject FROM work_item w JOIN ledger_action a ON a.work_item_id = w.id ORDER BY 1",
            )
            .fetch_all(&pool)
            .await
            .unwrap();
            open.into_iter().filter(|s| held.binary_search(s).is_err()).collect()
        };
        assert!(second.closed_items > 500, "{}", second.closed_items);
        // What stays open is still Zelle-only on the new version; what closed, the system closed,
        // with a note and an audit event each.
        let still_zelle_only: Vec<String> = sqlx::query_scalar(
            "SELECT 'payment:' || payment_id FROM recon_item WHERE run_id = $1 AND reason = 'zelle_only' ORDER BY 1",
        )
        .bind(second.run_id)
        .fetch_all(&pool)
        .await
        .unwrap();
        // (Of the items without a waiting action: what stays open is what is still Zelle-only.)
        let still_zelle_only_without_action: Vec<String> = {
            let held: Vec<String> = sqlx::query_scalar(
                "SELECT w.subject FROM work_item w JOIN ledger_action a ON a.work_item_id = w.id ORDER BY 1",
            )
            .fetch_all(&pool)
            .await
            .unwrap();
            still_zelle_only.into_iter().filter(|s| held.binary_search(s).is_err()).collect()
        };
        assert_eq!(after, still_zelle_only_without_action);
        let (closed, noted, audited): (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM work_item WHERE resolution = 'matched_on_rerun' AND updated_by = 'system'),
                    (SELECT count(*) FROM work_item_note WHERE author = 'system' AND body LIKE 'Matched on version 2 of 2026-11-20%closed by the system.'),
                    (SELECT count(*) FROM audit_event WHERE actor = 'system' AND action = 'work_item.resolve')",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!((closed, noted, audited), (second.closed_items as i64, closed, closed));
        assert_eq!(
            late_files(&pool, date("2026-11-20"), &listed(&s).await).await.unwrap(),
            Vec::<String>::new()
        );
        // A file whose load died (still `received`) is late: a run ingests it again.
        sqlx::query("UPDATE feed_file SET status = 'received' WHERE object_key = $1")
            .bind(key)
            .execute(&pool)
            .await
            .unwrap();
        assert_eq!(
            late_files(&pool, date("2026-11-20"), &listed(&s).await).await.unwrap(),
            vec![key.to_owned()]
        );
        sqlx::query("UPDATE feed_file SET status = 'parsed' WHERE object_key = $1")
            .bind(key)
            .execute(&pool)
            .await
            .unwrap();
        // Run again: nothing more closes, nothing is closed twice.
        assert_eq!(run_with(&pool, &s, &rules).await.closed_items, 0);
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_chargeback_naming_a_zelle_only_payment_does_not_close_its_item(pool: PgPool) {
        use crate::feeds::visa::{TransactionCode, VisaTransaction, VisaWriter};
        let s = empty_setup();
        // The bank's payments of the 19th, and no network file: with no grace, every one is
        // Zelle-only on the 20th, each a work item.
        let outputs = Outputs { visa: Vec::new(), mastercard: Vec::new(), zelle: Vec::new() };
        let (_, out) =
            generator::generate(&DayPlan::new(date("2026-11-19"), 200, 8), &cards(), outputs).unwrap();
        let mut payments = Vec::new();
        crate::feeds::zelle::read(&out.zelle[..], Strictness::Lenient, |p| payments.push(p.unwrap()))
            .unwrap();
        deliver(&pool, &s, "inbound/zelle/2026-11-19/z.csv", out.zelle.clone(), Source::Zelle).await;
        let rules = without_grace();
        run_with(&pool, &s, &rules).await;
        // A Visa file that only charges one of them back: it names the payment, takes nothing.
        let p = payments
            .iter()
            .find(|p| p.network == Network::Visa && p.network_reference.is_some())
            .expect("a Visa payment with its reference");
        let subject = format!("payment:{}", p.payment_id);
        let status = || async {
            sqlx::query_scalar::<_, String>("SELECT status FROM work_item WHERE subject = $1")
                .bind(&subject)
                .fetch_one(&pool)
                .await
                .unwrap()
        };
        assert_eq!(status().await, "open");
        let mut visa = VisaWriter::new(Vec::new(), "412345", date("2026-11-20"), 10).unwrap();
        visa.write(&VisaTransaction {
            code: TransactionCode::ChargebackPurchase,
            pan: "4111111111111111".into(),
            reference: p.network_reference.clone().unwrap(),
            purchase_date: date("2026-11-19"),
            settlement: p.amount,
            amount: p.amount,
            merchant_name: "ZELLE*CARD FUNDING".into(),
            merchant_city: "SCOTTSDALE".into(),
            merchant_country: "US".into(),
            mcc: 4829,
            reason_code: Some("13".into()),
            approval_code: p.approval_code.clone(),
        })
        .unwrap();
        deliver(
            &pool,
            &s,
            "inbound/visa/2026-11-20/chargeback.ctf",
            visa.finish().unwrap(),
            Source::Network(Network::Visa),
        )
        .await;
        let second = run_with(&pool, &s, &rules).await;
        let reported: Vec<String> = sqlx::query_scalar(
            "SELECT reason FROM run_item WHERE run_id = $1 AND payment_id = $2 ORDER BY seq",
        )
        .bind(second.run_id)
        .bind(&p.payment_id)
        .fetch_all(&pool)
        .await
        .unwrap();
        assert!(reported.contains(&"zelle_only".to_owned()), "still Zelle-only: {reported:?}");
        assert_eq!(status().await, "open", "the chargeback did not settle it");
        assert_eq!(second.closed_items, 0);
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_run_that_died_midway_leaves_nothing_and_the_next_run_completes(pool: PgPool) {
        let s = ingested_day(&pool).await;
        let reference = run(&pool, &s, "2026-11-20").await;
        // A run that died after starting: its row says running, and it never committed items.
        sqlx::query!("INSERT INTO recon_run (business_date, version, rule_set_version, status, stage) VALUES ('2026-11-20', 2, 1, 'running', 'matching')")
            .execute(&pool)
            .await
            .unwrap();
        // It had created and filled its items' table, not yet attached.
        sqlx::query("CREATE TABLE recon_item_r999 (LIKE recon_item)").execute(&pool).await.unwrap();
        sqlx::query("UPDATE recon_run SET id = 999 WHERE version = 2").execute(&pool).await.unwrap();
        let next = run(&pool, &s, "2026-11-20").await;
        assert_eq!(next.version, 3);
        let leftover: i64 =
            sqlx::query_scalar("SELECT count(*) FROM pg_class WHERE relname = 'recon_item_r999'")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(leftover, 0, "the dead run's detached table is dropped");
        assert_eq!(next.counts, reference.counts);
        let statuses: Vec<(i32, String)> =
            sqlx::query!("SELECT version, status FROM recon_run ORDER BY version")
                .fetch_all(&pool)
                .await
                .unwrap()
                .into_iter()
                .map(|r| (r.version, r.status))
                .collect();
        assert_eq!(statuses, vec![(1, "completed".into()), (2, "abandoned".into()), (3, "completed".into())]);
        let per_run: Vec<i64> =
            sqlx::query_scalar!("SELECT count(*) FROM run_item GROUP BY run_id ORDER BY run_id")
                .fetch_all(&pool)
                .await
                .unwrap()
                .into_iter()
                .flatten()
                .collect();
        assert_eq!(per_run.len(), 2, "no items for the abandoned run");
        assert_eq!(per_run[0], per_run[1], "no duplicate items");
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn payments_of_another_date_in_a_kept_extract_are_read_from_the_database(pool: PgPool) {
        // Every tenth payment of the extract is dated the day before: ingestion keeps the date's
        // payments, and the run reads the others from the extract's partition, which it must not
        // leave out whole.
        let (s, kept) = ingested_day_changed(&pool, |zelle| {
            let text = String::from_utf8(zelle).unwrap();
            let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
            for line in lines.iter_mut().skip(1).step_by(10) {
                *line = line.replacen(",2026-11-20,", ",2026-11-19,", 1);
            }
            (lines.join("\n") + "\n").into_bytes()
        })
        .await;
        let earlier: i64 =
            sqlx::query_scalar("SELECT count(*) FROM zelle_payment WHERE business_date = '2026-11-19'")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert!(earlier > 200, "{earlier} payments moved to the day before");
        let handed = try_run_handed(&pool, &s, "2026-11-20", kept).await.unwrap();
        let read = run(&pool, &s, "2026-11-20").await;
        assert_eq!((handed.payments, &handed.counts), (read.payments, &read.counts));
        let all: i64 =
            sqlx::query_scalar("SELECT count(*) FROM zelle_payment").fetch_one(&pool).await.unwrap();
        assert_eq!(handed.payments as i64, all, "every payment of both dates is open to the run");
        assert_eq!(item_rows(&pool, read.run_id).await, item_rows(&pool, handed.run_id).await);
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_network_file_changed_after_ingestion_fails_the_run_naming_it(pool: PgPool) {
        let s = ingested_day(&pool).await;
        let key = "inbound/visa/2026-11-20/v.ctf";
        let local = s.work.path().join("v");
        s.store.download_to(key, &local).await.unwrap();
        let mut bytes = std::fs::read(&local).unwrap();
        let at = bytes.len() / 2;
        bytes[at] = if bytes[at] == b'1' { b'2' } else { b'1' };
        std::fs::write(&local, &bytes).unwrap();
        s.store.put_file(key, &local).await.unwrap();
        let err = try_run(&pool, &s, "2026-11-20").await.unwrap_err();
        let message = err.to_string();
        assert!(message.contains(key) && message.contains("not the file that was ingested"), "{message}");
        let items: i64 =
            sqlx::query_scalar!("SELECT count(*) FROM run_item").fetch_one(&pool).await.unwrap().unwrap();
        assert_eq!(items, 0, "a failed run stores no items");
        let status: String =
            sqlx::query_scalar("SELECT status FROM recon_run").fetch_one(&pool).await.unwrap();
        assert_eq!(status, "abandoned", "a failed run says so at once");
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn runs_of_different_dates_take_turns(pool: PgPool) {
        let s = ingested_day(&pool).await;
        // Another date's run has its turn.
        let mut other = pool.acquire().await.unwrap();
        sqlx::query("SELECT pg_advisory_lock(hashtext('settledesk:runs'))")
            .execute(&mut *other)
            .await
            .unwrap();
        let waiting = {
            let (pool, store, work) = (pool.clone(), s.store.clone(), s.work.path().to_owned());
            tokio::spawn(async move {
                let lock = DateLock::take(&pool, date("2026-11-20")).await.unwrap();
                let summary = run_day(
                    &pool,
                    &store,
                    &lock,
                    &RuleSet::default(),
                    &cards(),
                    &work,
                    DayReading::default(),
                    |_| {},
                )
                .await;
                lock.release().await;
                summary
            })
        };
        // Until the run is seen waiting for the lock (a state, not a time).
        loop {
            let waiting_on_advisory: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'
                   AND datname = current_database()",
            )
            .fetch_one(&pool)
            .await
            .unwrap();
            if waiting_on_advisory > 0 {
                break;
            }
            assert!(!waiting.is_finished(), "the run did not wait: {:?}", waiting.await);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM recon_run").fetch_one(&pool).await.unwrap();
        assert_eq!(runs, 0, "a run began while another date's run had its turn");
        sqlx::query("SELECT pg_advisory_unlock(hashtext('settledesk:runs'))")
            .execute(&mut *other)
            .await
            .unwrap();
        // Back to the pool (a test's holds five): a run's turn and date locks, its two COPYs and
        // its progress updates take them all.
        drop(other);
        assert_eq!(waiting.await.unwrap().unwrap().version, 1);
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_run_refuses_a_file_of_its_date_registered_but_not_loaded(pool: PgPool) {
        let s = ingested_day(&pool).await;
        let key = "inbound/visa/2026-11-20/half-loaded.ctf";
        crate::ingest::register(&pool, Source::Network(Network::Visa), key, date("2026-11-20"), 10, &[9; 32])
            .await
            .unwrap();
        let err = try_run(&pool, &s, "2026-11-20").await.unwrap_err();
        assert!(matches!(&err, RunError::FilesNotLoaded(keys) if keys == &[key.to_owned()]), "{err}");
        let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM recon_run").fetch_one(&pool).await.unwrap();
        assert_eq!(runs, 0, "a run began without the file");
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_payment_taken_by_a_later_date_s_run_is_not_open_to_an_earlier_one(pool: PgPool) {
        let s = ingested_day(&pool).await;
        // The same day's Visa records, with one of them unreadable (so another file), sent again
        // as Monday's: Monday's run, done first, takes the 20th's payments they name.
        let plan = DayPlan { unreadable_per_network: 1, ..DayPlan::new(date("2026-11-20"), 3_000, 21) };
        let outputs = Outputs { visa: Vec::new(), mastercard: Vec::new(), zelle: Vec::new() };
        let (_, again) = generator::generate(&plan, &cards(), outputs).unwrap();
        deliver(&pool, &s, "inbound/visa/2026-11-23/v-again.ctf", again.visa, Source::Network(Network::Visa))
            .await;
        let monday = run(&pool, &s, "2026-11-23").await;
        assert!(monday.counts.get("match").copied().unwrap_or(0) > 100, "{:?}", monday.counts);
        run(&pool, &s, "2026-11-20").await;
        let twice: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM (SELECT payment_id FROM run_item
                                   WHERE feed_file_id IS NOT NULL AND payment_id IS NOT NULL
                                   GROUP BY payment_id HAVING count(DISTINCT run_id) > 1) t",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(twice, 0, "payments taken by two runs");
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_quarantined_file_holds_the_day_open_until_its_replacement_is_loaded(pool: PgPool) {
        let s = ingested_day(&pool).await;
        let broken_key = "inbound/visa/2026-11-20/broken.ctf";
        let visa = Source::Network(Network::Visa);
        let outcome = deliver_any(&pool, &s, broken_key, b"not a visa file\n".to_vec(), visa).await;
        let FileOutcome::Quarantined { id, .. } = outcome else { panic!("{outcome:?}") };
        let closing = |summary: &RunSummary| {
            summary.manifest.controls.iter().map(|c| (c.object_key.clone(), c.closes)).collect::<Vec<_>>()
        };
        let before = run(&pool, &s, "2026-11-20").await;
        assert!(closing(&before).contains(&(broken_key.to_owned(), false)), "{:?}", closing(&before));

        // Released by a corrected file (here another day's worth of Visa records for the date).
        let plan = DayPlan::new(date("2026-11-20"), 200, 99);
        let outputs = Outputs { visa: Vec::new(), mastercard: Vec::new(), zelle: Vec::new() };
        let (_, corrected) = generator::generate(&plan, &cards(), outputs).unwrap();
        let sha: [u8; 32] = sha2::Sha256::digest(&corrected.visa).into();
        let mut tx = pool.begin().await.unwrap();
        let event = crate::audit::NewAuditEvent::new("ada", crate::audit::AuditAction::FeedFileReleased);
        let reason = "Visa resent the file with its header fixed";
        let release = crate::ingest::operations::claim_release(
            &mut tx,
            "ada",
            id,
            corrected.visa.len() as u64,
            &sha,
            reason,
        )
        .await
        .unwrap();
        crate::ingest::operations::record_release(&mut tx, event, &release, true).await.unwrap();
        tx.commit().await.unwrap();
        let key = release.replacement_key.clone();
        let late = late_files(&pool, date("2026-11-20"), std::slice::from_ref(&key)).await.unwrap();
        assert_eq!(late, vec![key], "the replacement is a late file of the date");
        deliver(&pool, &s, &release.replacement_key, corrected.visa, Source::Network(Network::Visa)).await;
        let after = run(&pool, &s, "2026-11-20").await;
        let controls = closing(&after);
        assert!(!controls.iter().any(|(key, _)| key == broken_key), "{controls:?}");
        assert!(controls.contains(&(release.replacement_key.clone(), true)), "{controls:?}");
        assert!(controls.iter().all(|(_, closes)| *closes), "{controls:?}");
        let status: String = sqlx::query_scalar("SELECT status FROM feed_file WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(status, "quarantined", "the original is kept as it came");
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn loads_quarantines_and_runs_are_audited_as_the_system(pool: PgPool) {
        let s = ingested_day(&pool).await;
        let mut broken = b"not a visa file".to_vec();
        broken.extend_from_slice(&[b'\n'; 3]);
        let visa = Source::Network(Network::Visa);
        let outcome = deliver_any(&pool, &s, "inbound/visa/2026-11-20/broken.ctf", broken, visa).await;
        assert!(matches!(outcome, FileOutcome::Quarantined { .. }), "{outcome:?}");
        run(&pool, &s, "2026-11-20").await;
        let events: Vec<(String, String, String)> =
            sqlx::query_as("SELECT actor, action, coalesce(target, '') FROM audit_event ORDER BY seq")
                .fetch_all(&pool)
                .await
                .unwrap();
        let actions: Vec<&str> = events.iter().map(|(_, action, _)| action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "feed.file_loaded",
                "feed.file_loaded",
                "feed.file_loaded",
                "feed.file_quarantined",
                "recon.run_completed"
            ]
        );
        assert!(events.iter().all(|(actor, _, _)| actor == "system"), "{events:?}");
        assert_eq!(events[4].2, "run:2026-11-20/v1");
        let chain = crate::audit::verify(&pool).await.unwrap();
        assert!(matches!(chain, crate::audit::ChainReport::Intact { events: 5, .. }), "{chain:?}");
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn each_networks_items_are_one_range_of_seq_and_a_page_of_one_network_reads_it(pool: PgPool) {
        let s = ingested_day(&pool).await;
        // The day before's payments, and no grace: those without a record are Zelle-only on the
        // day, beside its records.
        let plan = DayPlan::new(date("2026-11-19"), 500, 22);
        let outputs = Outputs { visa: Vec::new(), mastercard: Vec::new(), zelle: Vec::new() };
        let (_, out) = generator::generate(&plan, &cards(), outputs).unwrap();
        deliver(&pool, &s, "inbound/zelle/2026-11-19/z.csv", out.zelle, Source::Zelle).await;
        let day = run_with(&pool, &s, &without_grace()).await;
        assert!(day.counts.get("mismatch/zelle_only").copied().unwrap_or(0) > 0, "{:?}", day.counts);
        let ranges = sqlx::query!(
            "SELECT network, first_seq, last_seq FROM recon_run_network WHERE run_id = $1 ORDER BY first_seq",
            day.run_id
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(ranges.len(), 2, "both networks");
        let mut covered = 0;
        for range in &ranges {
            let (inside, of_network): (i64, i64) = sqlx::query_as(
                "SELECT count(*) FILTER (WHERE seq BETWEEN $3 AND $4), count(*) FILTER (WHERE network = $2)
                 FROM run_item WHERE run_id = $1",
            )
            .bind(day.run_id)
            .bind(&range.network)
            .bind(range.first_seq)
            .bind(range.last_seq)
            .fetch_one(&pool)
            .await
            .unwrap();
            assert_eq!(
                (inside, of_network),
                (range.last_seq - range.first_seq + 1, inside),
                "{}",
                range.network
            );
            covered += inside;
            // A page of one network, through the range, is what a scan of the whole run finds.
            let filter =
                crate::items::ItemFilter { network: Some(range.network.clone()), ..Default::default() };
            let paged = crate::items::browse(&pool, day.run_id, &filter, Default::default(), None, 100_000)
                .await
                .unwrap();
            let scanned: Vec<i64> = sqlx::query_scalar(
                "SELECT seq FROM run_item WHERE run_id = $1 AND network = $2 ORDER BY seq",
            )
            .bind(day.run_id)
            .bind(&range.network)
            .fetch_all(&pool)
            .await
            .unwrap();
            assert_eq!(paged.iter().map(|i| i.seq).collect::<Vec<_>>(), scanned, "{}", range.network);
            assert!(paged.iter().any(|i| i.reason.as_deref() == Some("zelle_only")), "{}", range.network);
        }
        assert_eq!(covered as u64, day.counts.values().sum::<u64>(), "every item in one network's range");

        // A run completed by a binary from before migration 0016 has no ranges: a page of one
        // network is still all of that network's items, not none.
        sqlx::query("DELETE FROM recon_run_network WHERE run_id = $1")
            .bind(day.run_id)
            .execute(&pool)
            .await
            .unwrap();
        for range in &ranges {
            let filter =
                crate::items::ItemFilter { network: Some(range.network.clone()), ..Default::default() };
            let paged = crate::items::browse(&pool, day.run_id, &filter, Default::default(), None, 100_000)
                .await
                .unwrap();
            assert_eq!(paged.len() as i64, range.last_seq - range.first_seq + 1, "{}", range.network);
            assert!(paged.iter().all(|i| i.network == range.network), "{}", range.network);
        }
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn payments_matched_on_an_earlier_date_are_not_open_any_more(pool: PgPool) {
        let s = ingested_day(&pool).await;
        let day = run(&pool, &s, "2026-11-20").await;
        // Three business days later, with no new files: the matched payments are gone, and the
        // unsettled ones are past their grace.
        let later = run(&pool, &s, "2026-11-25").await;
        assert_eq!(later.records, 0);
        assert!(later.payments < day.payments / 10, "{} open of {}", later.payments, day.payments);
        assert!(later.counts.get("mismatch/zelle_only").copied().unwrap_or(0) > 0, "{:?}", later.counts);
    }
}
