//! The audit trail: who did what, when, from where, with the state before and after.
//!
//! Append-only and hash-chained. Every event's hash is
//!
//! ```text
//! SHA-256( "settledesk-audit-v1" || prev_hash || canonical(event) )
//! ```
//!
//! where `prev_hash` is the previous event's hash (32 zero bytes for the first) and
//! `canonical(event)` is, in this order, `seq` (decimal), `occurred_at` (RFC 3339, UTC, microseconds),
//! `actor`, `session_ref`, `address`, `action`, `target`, `before_state` and `after_state`, each
//! written as a 4-byte big-endian length and its UTF-8 bytes, or `FF FF FF FF` when absent.
//! Editing a row changes its hash; deleting one breaks the next row's link or the head; the
//! database refuses both anyway (triggers), so a break means someone bypassed it.
//!
//! Events are appended in the same transaction as the change they record ([`append`]), so a change
//! without its record (or the reverse) cannot be committed.

use chrono::{DateTime, SubsecRound, Utc};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

pub type Hash = [u8; 32];
pub const GENESIS_HASH: Hash = [0; 32];
const DOMAIN_SEPARATOR: &[u8] = b"settledesk-audit-v1";

/// What happened. The codes are stored; never change one, add a new one instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    Login,
    LoginFailed,
    Logout,
    AccessDenied,
    /// A report file was downloaded.
    ReportDownloaded,
    /// Customer data was shown: an item's detail, or a help-desk lookup.
    CustomerDataViewed,
    WorkItemAssigned,
    WorkItemResolved,
    WorkItemNoted,
    /// An admin changed a setting.
    SettingChanged,
    ActionInitiated,
    ActionApproved,
    ActionRejected,
    LedgerDateClosed,
    /// A feed file was taken in (registered and read) by the system.
    FeedFileLoaded,
    /// A feed file was refused whole, with its reason.
    FeedFileQuarantined,
    /// A reconciliation run of a business date completed.
    RunCompleted,
    /// An admin asked for a date to be run again.
    RerunRequested,
    /// An admin released a quarantined file by its corrected replacement.
    FeedFileReleased,
    /// An admin said a source will send nothing for a date.
    SourceNotExpected,
    /// An approver proposed closing a business date; another approves or rejects it.
    LedgerCloseProposed,
    LedgerCloseRejected,
    /// An admin set a currency's reference rate (the limits compare through it).
    ReferenceRateSet,
    /// Pending actions ran out of time without approval (the expiry job).
    ActionsExpired,
    /// A work item was opened again (its transfer was reversed).
    WorkItemReopened,
    /// A work item passed its service level and was raised to high priority.
    WorkItemEscalated,
    /// A filtered list was exported as CSV.
    ListExported,
    /// The retention job retired a run's items (all but those work items point at).
    RunItemsRetired,
    /// The retention job retired a Zelle extract's payments from the database.
    FeedRowsRetired,
    /// An admin proposed a counterparty, a change to its bank details, or its retirement;
    /// another admin approves or rejects it.
    CounterpartyProposed,
    CounterpartyApproved,
    CounterpartyRejected,
    /// A pain.001 message of payment instructions was written to the hub's outbound area.
    PaymentsSent,
    /// A status report from the payment hub was applied: payouts settled, rejected or pending.
    HubFileApplied,
    /// A file from the payment hub was refused whole.
    HubFileQuarantined,
}

impl AuditAction {
    pub const ALL: &'static [AuditAction] = &[
        AuditAction::Login,
        AuditAction::LoginFailed,
        AuditAction::Logout,
        AuditAction::AccessDenied,
        AuditAction::ReportDownloaded,
        AuditAction::CustomerDataViewed,
        AuditAction::WorkItemAssigned,
        AuditAction::WorkItemResolved,
        AuditAction::WorkItemNoted,
        AuditAction::SettingChanged,
        AuditAction::ActionInitiated,
        AuditAction::ActionApproved,
        AuditAction::ActionRejected,
        AuditAction::LedgerDateClosed,
        AuditAction::FeedFileLoaded,
        AuditAction::FeedFileQuarantined,
        AuditAction::RunCompleted,
        AuditAction::RerunRequested,
        AuditAction::FeedFileReleased,
        AuditAction::SourceNotExpected,
        AuditAction::LedgerCloseProposed,
        AuditAction::LedgerCloseRejected,
        AuditAction::ReferenceRateSet,
        AuditAction::ActionsExpired,
        AuditAction::WorkItemReopened,
        AuditAction::WorkItemEscalated,
        AuditAction::ListExported,
        AuditAction::RunItemsRetired,
        AuditAction::FeedRowsRetired,
        AuditAction::CounterpartyProposed,
        AuditAction::CounterpartyApproved,
        AuditAction::CounterpartyRejected,
        AuditAction::PaymentsSent,
        AuditAction::HubFileApplied,
        AuditAction::HubFileQuarantined,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AuditAction::Login => "auth.login",
            AuditAction::LoginFailed => "auth.login_failed",
            AuditAction::Logout => "auth.logout",
            AuditAction::AccessDenied => "auth.access_denied",
            AuditAction::ReportDownloaded => "report.download",
            AuditAction::CustomerDataViewed => "customer_data.view",
            AuditAction::WorkItemAssigned => "work_item.assign",
            AuditAction::WorkItemResolved => "work_item.resolve",
            AuditAction::WorkItemNoted => "work_item.note",
            AuditAction::SettingChanged => "admin.setting",
            AuditAction::ActionInitiated => "ledger.action_initiated",
            AuditAction::ActionApproved => "ledger.action_approved",
            AuditAction::ActionRejected => "ledger.action_rejected",
            AuditAction::LedgerDateClosed => "ledger.date_closed",
            AuditAction::FeedFileLoaded => "feed.file_loaded",
            AuditAction::FeedFileQuarantined => "feed.file_quarantined",
            AuditAction::RunCompleted => "recon.run_completed",
            AuditAction::RerunRequested => "recon.rerun_requested",
            AuditAction::FeedFileReleased => "feed.file_released",
            AuditAction::SourceNotExpected => "feed.source_not_expected",
            AuditAction::LedgerCloseProposed => "ledger.close_proposed",
            AuditAction::LedgerCloseRejected => "ledger.close_rejected",
            AuditAction::ReferenceRateSet => "ledger.reference_rate_set",
            AuditAction::ActionsExpired => "ledger.actions_expired",
            AuditAction::WorkItemReopened => "work_item.reopen",
            AuditAction::WorkItemEscalated => "work_item.escalate",
            AuditAction::ListExported => "list.export",
            AuditAction::RunItemsRetired => "recon.items_retired",
            AuditAction::FeedRowsRetired => "feed.rows_retired",
            AuditAction::CounterpartyProposed => "counterparty.proposed",
            AuditAction::CounterpartyApproved => "counterparty.approved",
            AuditAction::CounterpartyRejected => "counterparty.rejected",
            AuditAction::PaymentsSent => "payment.sent",
            AuditAction::HubFileApplied => "hub.file_applied",
            AuditAction::HubFileQuarantined => "hub.file_quarantined",
        }
    }
}

/// An event to record. `actor` is the associate's identity (their SSO subject or username), or
/// `anonymous` before sign-in; never a customer's name.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEvent {
    pub actor: String,
    /// A reference to the session (not the session id, which is a credential).
    pub session_ref: Option<String>,
    pub address: Option<String>,
    pub action: AuditAction,
    pub target: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl NewAuditEvent {
    pub fn new(actor: impl Into<String>, action: AuditAction) -> Self {
        NewAuditEvent {
            actor: actor.into(),
            session_ref: None,
            address: None,
            action,
            target: None,
            before: None,
            after: None,
        }
    }
}

/// Who is acting, as the audit trail records them: the person, the session (its reference, never
/// its id) and the address they came from.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The person (issuer + subject, see [`crate::people`]): what separation of duties compares.
    pub person: crate::people::PersonId,
    /// What the identity provider calls them today: for display and the audit trail only.
    pub username: String,
    pub session_ref: Option<String>,
    pub address: Option<String>,
}

impl Actor {
    /// An event by this actor about `target`.
    pub fn event(&self, action: AuditAction, target: String) -> NewAuditEvent {
        NewAuditEvent {
            session_ref: self.session_ref.clone(),
            address: self.address.clone(),
            target: Some(target),
            ..NewAuditEvent::new(self.username.clone(), action)
        }
    }
}

/// A recorded event, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor: String,
    pub session_ref: Option<String>,
    pub address: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub before_state: Option<String>,
    pub after_state: Option<String>,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

impl AuditEvent {
    /// The hash this event must have, given the hash before it.
    pub fn expected_hash(&self, prev_hash: &[u8]) -> Hash {
        let mut hasher = Sha256::new();
        hasher.update(DOMAIN_SEPARATOR);
        hasher.update(prev_hash);
        let seq = self.seq.to_string();
        let occurred_at = self.occurred_at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
        for field in [
            Some(seq.as_str()),
            Some(occurred_at.as_str()),
            Some(self.actor.as_str()),
            self.session_ref.as_deref(),
            self.address.as_deref(),
            Some(self.action.as_str()),
            self.target.as_deref(),
            self.before_state.as_deref(),
            self.after_state.as_deref(),
        ] {
            match field {
                Some(text) => {
                    let len = u32::try_from(text.len()).expect("audit fields are far below 4 GiB");
                    hasher.update(len.to_be_bytes());
                    hasher.update(text.as_bytes());
                }
                None => hasher.update([0xFF; 4]),
            }
        }
        hasher.finalize().into()
    }
}

/// Appends `event` to the chain on `conn`, which should be the transaction making the change the
/// event records. Appends are serialised by a row lock on the chain's head.
pub async fn append(conn: &mut PgConnection, event: NewAuditEvent) -> Result<AuditEvent, sqlx::Error> {
    let mut recorded = append_all(conn, vec![event]).await?;
    Ok(recorded.remove(0))
}

/// Appends `events` to the chain on `conn`, in order, under one hold of the head's row lock.
async fn append_all(
    conn: &mut PgConnection,
    events: Vec<NewAuditEvent>,
) -> Result<Vec<AuditEvent>, sqlx::Error> {
    // From waiting for the head's lock to the rows written: every audited action pays it.
    let started = std::time::Instant::now();
    let head = sqlx::query!("SELECT seq, hash FROM audit_head FOR UPDATE").fetch_one(&mut *conn).await?;
    // Stored with microsecond precision, so hash exactly what will be read back.
    let occurred_at = Utc::now().trunc_subsecs(6);
    let (mut seq, mut prev_hash) = (head.seq, head.hash);
    let mut records = Vec::with_capacity(events.len());
    for event in events {
        seq += 1;
        let mut record = AuditEvent {
            seq,
            occurred_at,
            actor: event.actor,
            session_ref: event.session_ref,
            address: event.address,
            action: event.action.code().to_owned(),
            target: event.target,
            before_state: event.before.map(|v| v.to_string()),
            after_state: event.after.map(|v| v.to_string()),
            prev_hash,
            hash: Vec::new(),
        };
        record.hash = record.expected_hash(&record.prev_hash).to_vec();
        prev_hash = record.hash.clone();
        records.push(record);
    }
    // The rows and the new head in one statement: one round trip less while the lock is held.
    let mut insert = sqlx::QueryBuilder::new(
        "WITH inserted AS (INSERT INTO audit_event (seq, occurred_at, actor, session_ref, address, action, \
         target, before_state, after_state, prev_hash, hash) ",
    );
    insert.push_values(&records, |mut row, r| {
        row.push_bind(r.seq)
            .push_bind(r.occurred_at)
            .push_bind(&r.actor)
            .push_bind(&r.session_ref)
            .push_bind(&r.address)
            .push_bind(&r.action)
            .push_bind(&r.target)
            .push_bind(&r.before_state)
            .push_bind(&r.after_state)
            .push_bind(&r.prev_hash)
            .push_bind(&r.hash);
    });
    insert.push(") UPDATE audit_head SET seq = ").push_bind(seq).push(", hash = ").push_bind(&prev_hash);
    insert.build().execute(&mut *conn).await?;
    metrics::histogram!("settledesk_audit_append_seconds").record(started.elapsed().as_secs_f64());
    Ok(records)
}

/// Records an event that goes with no other change (a login, a denied request) in its own transaction.
pub async fn record(pool: &PgPool, event: NewAuditEvent) -> Result<AuditEvent, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let recorded = append(&mut tx, event).await?;
    tx.commit().await?;
    Ok(recorded)
}

/// The server's writer of standalone events (views of customer data, downloads, sign-ins, refusals).
///
/// Recording one event on its own holds the chain's head lock across four round trips and a flush
/// of the commit to disk, so on a busy day every viewer queues behind every other. Here the events
/// of concurrent requests are appended together: one transaction, one hold of the lock and one
/// flush for all that are waiting. Each caller still returns only once its own event is committed,
/// so nothing is shown before its audit record is durable. A failed batch is retried event by
/// event by its callers, so each gets its own answer (an event whose batch failed at commit may
/// then be recorded twice: over-recording, never a loss).
#[derive(Clone)]
pub struct AuditLog {
    pool: PgPool,
    queue: tokio::sync::mpsc::Sender<Waiting>,
}

struct Waiting {
    event: NewAuditEvent,
    /// The recorded event, or `None` when its batch failed.
    done: tokio::sync::oneshot::Sender<Option<AuditEvent>>,
}

impl AuditLog {
    /// Most events written in one transaction.
    const MAX_BATCH: usize = 256;

    /// Starts the writer on the current Tokio runtime.
    pub fn start(pool: PgPool) -> Self {
        let (queue, waiting) = tokio::sync::mpsc::channel(4 * Self::MAX_BATCH);
        tokio::spawn(write_batches(pool.clone(), waiting));
        AuditLog { pool, queue }
    }

    pub async fn record(&self, event: NewAuditEvent) -> Result<AuditEvent, sqlx::Error> {
        let (done, outcome) = tokio::sync::oneshot::channel();
        if self.queue.send(Waiting { event: event.clone(), done }).await.is_ok() {
            if let Ok(Some(recorded)) = outcome.await {
                return Ok(recorded);
            }
        }
        record(&self.pool, event).await
    }
}

async fn write_batches(pool: PgPool, mut waiting: tokio::sync::mpsc::Receiver<Waiting>) {
    let mut batch = Vec::with_capacity(AuditLog::MAX_BATCH);
    while waiting.recv_many(&mut batch, AuditLog::MAX_BATCH).await > 0 {
        let events = batch.iter().map(|w| w.event.clone()).collect();
        let written = async {
            let mut tx = pool.begin().await?;
            let recorded = append_all(&mut tx, events).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(recorded)
        }
        .await;
        match written {
            Ok(recorded) => {
                for (w, r) in batch.drain(..).zip(recorded) {
                    let _ = w.done.send(Some(r));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, events = batch.len(), "an audit batch failed; its events are retried one by one");
                for w in batch.drain(..) {
                    let _ = w.done.send(None);
                }
            }
        }
    }
}

/// The outcome of walking the chain from its first event to its head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainReport {
    Intact { events: u64, head: Hash },
    Broken { seq: i64, problem: ChainBreak },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainBreak {
    /// The event's content no longer matches its hash: it was edited.
    Altered,
    /// The event does not link to the one before it: that one was edited or removed.
    Unlinked,
    /// An event with this sequence number is missing.
    Missing,
    /// Events at and after this sequence number were removed (the head records more).
    TailRemoved,
    /// The head does not match the last event.
    HeadMismatch,
}

impl std::fmt::Display for ChainReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainReport::Intact { events, head } => {
                write!(f, "audit chain intact: {events} events, head {}", hex::encode(head))
            }
            ChainReport::Broken { seq, problem } => {
                let what = match problem {
                    ChainBreak::Altered => "its content does not match its hash (edited)",
                    ChainBreak::Unlinked => {
                        "it does not link to the event before it (that one was edited or removed)"
                    }
                    ChainBreak::Missing => "it is missing (deleted)",
                    ChainBreak::TailRemoved => "it and every later event are missing (deleted)",
                    ChainBreak::HeadMismatch => "the chain's head does not match the last event",
                };
                write!(f, "audit chain BROKEN at event {seq}: {what}")
            }
        }
    }
}

/// Walks the whole chain in sequence order, a batch at a time (constant memory), and reports the
/// first break.
pub async fn verify(pool: &PgPool) -> Result<ChainReport, sqlx::Error> {
    const BATCH: i64 = 5_000;
    // One snapshot for the events and the head: an event appended while the chain is read (a
    // sign-in meanwhile) would otherwise put the head past the last event read, and a whole chain
    // would be reported cut.
    let mut snapshot = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *snapshot).await?;
    let mut expected_seq: i64 = 1;
    let mut prev_hash: Vec<u8> = GENESIS_HASH.to_vec();
    loop {
        let batch = sqlx::query_as!(
            AuditEvent,
            r#"SELECT seq, occurred_at AS "occurred_at: DateTime<Utc>", actor, session_ref, address, action,
                      target, before_state, after_state, prev_hash, hash
               FROM audit_event WHERE seq >= $1 ORDER BY seq LIMIT $2"#,
            expected_seq,
            BATCH
        )
        .fetch_all(&mut *snapshot)
        .await?;
        let done = (batch.len() as i64) < BATCH;
        for event in batch {
            if event.seq != expected_seq {
                return Ok(ChainReport::Broken { seq: expected_seq, problem: ChainBreak::Missing });
            }
            if event.prev_hash != prev_hash {
                return Ok(ChainReport::Broken { seq: event.seq, problem: ChainBreak::Unlinked });
            }
            if event.expected_hash(&prev_hash).as_slice() != event.hash.as_slice() {
                return Ok(ChainReport::Broken { seq: event.seq, problem: ChainBreak::Altered });
            }
            prev_hash = event.hash;
            expected_seq += 1;
        }
        if done {
            break;
        }
    }
    let last_seq = expected_seq - 1;
    let head = sqlx::query!("SELECT seq, hash FROM audit_head").fetch_one(&mut *snapshot).await?;
    if head.seq > last_seq {
        return Ok(ChainReport::Broken { seq: last_seq + 1, problem: ChainBreak::TailRemoved });
    }
    if head.seq != last_seq || head.hash != prev_hash {
        return Ok(ChainReport::Broken { seq: head.seq, problem: ChainBreak::HeadMismatch });
    }
    let head: Hash = prev_hash.try_into().expect("hash column holds 32 bytes");
    Ok(ChainReport::Intact { events: last_seq as u64, head })
}

/// Filters for browsing the trail; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// The newest events matching `filter`, older than `before_seq` when given (keyset pagination).
pub async fn search(
    pool: &PgPool,
    filter: &AuditFilter,
    before_seq: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEvent>, sqlx::Error> {
    sqlx::query_as!(
        AuditEvent,
        r#"SELECT seq, occurred_at AS "occurred_at: DateTime<Utc>", actor, session_ref, address, action,
                  target, before_state, after_state, prev_hash, hash
         FROM audit_event
         WHERE ($1::text IS NULL OR actor = $1)
           AND ($2::text IS NULL OR action = $2)
           AND ($3::text IS NULL OR target = $3)
           AND ($4::timestamptz IS NULL OR occurred_at >= $4)
           AND ($5::timestamptz IS NULL OR occurred_at < $5)
           AND ($6::bigint IS NULL OR seq < $6)
         ORDER BY seq DESC
         LIMIT $7"#,
        filter.actor,
        filter.action,
        filter.target,
        filter.from as _,
        filter.until as _,
        before_seq,
        limit
    )
    .fetch_all(pool)
    .await
}

/// Where the page before (newer than) the page of [`search`] that shows events older than
/// `before_seq` starts, with pages of `limit`: `None` when there is nothing newer (the first page),
/// `Some(None)` when the newer page is the first, `Some(Some(seq))` when it shows events older
/// than `seq`. Reads at most `limit + 1` sequence numbers, upward from `before_seq`.
pub async fn newer_page(
    pool: &PgPool,
    filter: &AuditFilter,
    before_seq: Option<i64>,
    limit: i64,
) -> Result<Option<Option<i64>>, sqlx::Error> {
    let Some(before_seq) = before_seq else { return Ok(None) };
    let newer: Vec<i64> = sqlx::query_scalar(
        "SELECT seq FROM audit_event
         WHERE ($1::text IS NULL OR actor = $1)
           AND ($2::text IS NULL OR action = $2)
           AND ($3::text IS NULL OR target = $3)
           AND ($4::timestamptz IS NULL OR occurred_at >= $4)
           AND ($5::timestamptz IS NULL OR occurred_at < $5)
           AND seq >= $6
         ORDER BY seq
         LIMIT $7",
    )
    .bind(filter.actor.as_deref())
    .bind(filter.action.as_deref())
    .bind(filter.target.as_deref())
    .bind(filter.from)
    .bind(filter.until)
    .bind(before_seq)
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    Ok(if newer.is_empty() { None } else { Some(newer.get(limit.max(0) as usize).copied()) })
}

/// A head of the chain recorded outside the database: each completed run writes the head it saw
/// into its manifest in object storage. Someone able to rewrite the whole trail in the database,
/// recomputing every hash, leaves a chain that verifies on its own; it no longer agrees with the
/// heads already written elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Anchor {
    pub seq: i64,
    /// The event's hash, in hex.
    pub hash: String,
}

/// The chain's last committed event; `None` before the first. Read from the events themselves,
/// not from `audit_head`, which the server's role may update.
pub async fn head(pool: &PgPool) -> Result<Option<Anchor>, sqlx::Error> {
    let last: Option<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1")
            .fetch_optional(pool)
            .await?;
    Ok(last.map(|(seq, hash)| Anchor { seq, hash: hex::encode(hash) }))
}

/// The heads the database says completed runs recorded, each with the manifest's object key: every
/// one of them must be found, the same, in object storage (a manifest removed or replaced there
/// proves nothing by its absence).
pub async fn heads_of_completed_runs(pool: &PgPool) -> Result<Vec<(String, Anchor)>, sqlx::Error> {
    let rows: Vec<(chrono::NaiveDate, i32, serde_json::Value)> = sqlx::query_as(
        "SELECT business_date, version, manifest->'audit_head' FROM recon_run
          WHERE status = 'completed' AND manifest ? 'audit_head' ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(date, version, head)| {
            let anchor = serde_json::from_value::<Anchor>(head).ok()?;
            Some((format!("reports/{date}/v{version}/manifest.json"), anchor))
        })
        .collect())
}

/// Where a recorded head disagrees with the trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorBreak {
    pub seq: i64,
    /// Where the head was recorded (an object key).
    pub recorded_in: String,
    /// Whether the event is gone altogether, rather than different.
    pub missing: bool,
}

impl std::fmt::Display for AnchorBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.missing {
            write!(
                f,
                "audit chain BROKEN at event {}: the head recorded in {} names an event the trail no longer has \
                 (the trail was rewritten)",
                self.seq, self.recorded_in
            )
        } else {
            write!(
                f,
                "audit chain BROKEN at event {}: its hash differs from the head recorded in {} (the trail was rewritten)",
                self.seq, self.recorded_in
            )
        }
    }
}

/// Checks each recorded head against the trail: the event at its sequence number must exist and
/// carry its hash. Returns the lowest disagreement.
pub async fn check_anchors(
    pool: &PgPool,
    anchors: &[(String, Anchor)],
) -> Result<Option<AnchorBreak>, sqlx::Error> {
    let mut breaks = Vec::new();
    for (recorded_in, anchor) in anchors {
        let found: Option<Vec<u8>> = sqlx::query_scalar("SELECT hash FROM audit_event WHERE seq = $1")
            .bind(anchor.seq)
            .fetch_optional(pool)
            .await?;
        let agrees = found.as_ref().is_some_and(|hash| hex::encode(hash) == anchor.hash.to_ascii_lowercase());
        if !agrees {
            breaks.push(AnchorBreak {
                seq: anchor.seq,
                recorded_in: recorded_in.clone(),
                missing: found.is_none(),
            });
        }
    }
    Ok(breaks.into_iter().min_by_key(|b| b.seq))
}

/// The heads recorded in the manifests of every run in object storage, each with its key.
pub async fn recorded_heads(
    store: &crate::storage::ObjectStore,
) -> Result<Vec<(String, Anchor)>, crate::storage::StorageError> {
    use tokio::io::AsyncReadExt;
    let mut heads = Vec::new();
    for object in store.list("reports/").await? {
        if !object.key.ends_with("/manifest.json") {
            continue;
        }
        let (_, mut reader) = store.open(&object.key).await?;
        let mut text = Vec::new();
        reader
            .read_to_end(&mut text)
            .await
            .map_err(|source| crate::storage::StorageError::Local { key: object.key.clone(), source })?;
        // A manifest from before heads were recorded has none; one that cannot be read proves nothing.
        let head = serde_json::from_slice::<serde_json::Value>(&text)
            .ok()
            .and_then(|manifest| manifest.get("audit_head").cloned())
            .and_then(|head| serde_json::from_value::<Anchor>(head).ok());
        if let Some(head) = head {
            heads.push((object.key, head));
        }
    }
    Ok(heads)
}

/// For tests that play the superuser rewriting history.
#[cfg(any(test, feature = "testing"))]
pub mod testing {
    use super::AuditEvent;

    /// The event at `seq`, as stored.
    pub async fn event(conn: &mut sqlx::PgConnection, seq: i64) -> AuditEvent {
        type Row = (
            i64,
            chrono::DateTime<chrono::Utc>,
            String,
            Option<String>,
            Option<String>,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Vec<u8>,
            Vec<u8>,
        );
        let r: Row = sqlx::query_as(
            "SELECT seq, occurred_at, actor, session_ref, address, action, target, before_state, after_state,
                    prev_hash, hash FROM audit_event WHERE seq = $1",
        )
        .bind(seq)
        .fetch_one(conn)
        .await
        .expect("the event exists");
        AuditEvent {
            seq: r.0,
            occurred_at: r.1,
            actor: r.2,
            session_ref: r.3,
            address: r.4,
            action: r.5,
            target: r.6,
            before_state: r.7,
            after_state: r.8,
            prev_hash: r.9,
            hash: r.10,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(actor: &str) -> NewAuditEvent {
        NewAuditEvent {
            session_ref: Some("s-1".into()),
            address: Some("127.0.0.1".into()),
            after: Some(serde_json::json!({"roles": ["associate"]})),
            ..NewAuditEvent::new(actor, AuditAction::Login)
        }
    }

    async fn record_many(pool: &PgPool, n: usize) {
        for i in 0..n {
            record(pool, login(&format!("user{i}"))).await.unwrap();
        }
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_page_knows_where_the_newer_page_starts(pool: PgPool) {
        record_many(&pool, 5).await;
        let all = AuditFilter::default();
        let seqs: Vec<i64> = search(&pool, &all, None, 10).await.unwrap().iter().map(|e| e.seq).collect();
        assert_eq!(newer_page(&pool, &all, None, 2).await.unwrap(), None, "the first page");
        // The second page shows the events older than the first page's last.
        assert_eq!(newer_page(&pool, &all, Some(seqs[1]), 2).await.unwrap(), Some(None));
        assert_eq!(newer_page(&pool, &all, Some(seqs[3]), 2).await.unwrap(), Some(Some(seqs[1])));
        let one = AuditFilter { actor: Some("user2".into()), ..AuditFilter::default() };
        assert_eq!(newer_page(&pool, &one, Some(seqs[3]), 2).await.unwrap(), Some(None));
    }

    /// Changes a row the way a superuser could: with the append-only triggers switched off.
    async fn tamper(pool: &PgPool, sql: &str) {
        let mut conn = pool.acquire().await.unwrap();
        sqlx::query("SET session_replication_role = replica").execute(&mut *conn).await.unwrap();
        sqlx::query(sql).execute(&mut *conn).await.unwrap();
        sqlx::query("SET session_replication_role = DEFAULT").execute(&mut *conn).await.unwrap();
    }

    #[test]
    fn the_hash_covers_every_field() {
        let event = AuditEvent {
            seq: 1,
            occurred_at: "2026-11-23T13:55:00.123456Z".parse().unwrap(),
            actor: "alice".into(),
            session_ref: Some("s".into()),
            address: Some("10.0.0.1".into()),
            action: "auth.login".into(),
            target: Some("t".into()),
            before_state: Some("{}".into()),
            after_state: Some("{\"a\":1}".into()),
            prev_hash: GENESIS_HASH.to_vec(),
            hash: vec![],
        };
        let original = event.expected_hash(&GENESIS_HASH);
        let variants = [
            AuditEvent { seq: 2, ..event.clone() },
            AuditEvent {
                occurred_at: event.occurred_at + chrono::Duration::microseconds(1),
                ..event.clone()
            },
            AuditEvent { actor: "mallory".into(), ..event.clone() },
            AuditEvent { session_ref: None, ..event.clone() },
            AuditEvent { address: Some("10.0.0.2".into()), ..event.clone() },
            AuditEvent { action: "auth.logout".into(), ..event.clone() },
            AuditEvent { target: Some(String::new()), ..event.clone() },
            AuditEvent { before_state: None, ..event.clone() },
            AuditEvent { after_state: Some("{\"a\":2}".into()), ..event.clone() },
        ];
        for variant in variants {
            assert_ne!(variant.expected_hash(&GENESIS_HASH), original, "{variant:?}");
        }
        assert_ne!(event.expected_hash(&[1; 32]), original, "the previous hash is covered");
        // Absent and empty are different, and field boundaries cannot be shifted.
        let shifted = AuditEvent { actor: "alic".into(), session_ref: Some("es".into()), ..event.clone() };
        assert_ne!(shifted.expected_hash(&GENESIS_HASH), original);
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_chain_read_while_events_are_appended_verifies(pool: PgPool) {
        // Sign-ins go on while an auditor verifies: each verification sees one consistent chain.
        let appending = {
            let pool = pool.clone();
            tokio::spawn(async move {
                for i in 0..300 {
                    record(&pool, NewAuditEvent::new(format!("associate{i}"), AuditAction::Login))
                        .await
                        .unwrap();
                }
            })
        };
        while !appending.is_finished() {
            let report = verify(&pool).await.unwrap();
            assert!(matches!(report, ChainReport::Intact { .. }), "{report:?}");
        }
        appending.await.unwrap();
        assert!(matches!(verify(&pool).await.unwrap(), ChainReport::Intact { events: 300, .. }));
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn an_untouched_chain_verifies(pool: PgPool) {
        assert_eq!(verify(&pool).await.unwrap(), ChainReport::Intact { events: 0, head: GENESIS_HASH });
        record_many(&pool, 7).await;
        let report = verify(&pool).await.unwrap();
        let last = search(&pool, &AuditFilter::default(), None, 1).await.unwrap().remove(0);
        assert_eq!(report, ChainReport::Intact { events: 7, head: last.hash.try_into().unwrap() });
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn concurrent_events_through_the_log_are_all_chained(pool: PgPool) {
        let log = AuditLog::start(pool.clone());
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..120 {
            let log = log.clone();
            tasks.spawn(async move {
                let event = NewAuditEvent {
                    target: Some(format!("item:1:{i}")),
                    ..NewAuditEvent::new(format!("associate{}", i % 7), AuditAction::CustomerDataViewed)
                };
                log.record(event).await.unwrap()
            });
        }
        let mut seqs = Vec::new();
        while let Some(recorded) = tasks.join_next().await {
            let recorded = recorded.unwrap();
            // What the caller got back is what was stored.
            let stored: (String, Option<String>) =
                sqlx::query_as("SELECT actor, target FROM audit_event WHERE seq = $1")
                    .bind(recorded.seq)
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            assert_eq!(stored, (recorded.actor.clone(), recorded.target.clone()));
            seqs.push(recorded.seq);
        }
        seqs.sort();
        assert_eq!(seqs, (1..=120).collect::<Vec<i64>>());
        match verify(&pool).await.unwrap() {
            ChainReport::Intact { events, .. } => assert_eq!(events, 120),
            broken => panic!("{broken}"),
        }
        // The events of a batch share its instant: concurrent callers were written together.
        let batches: i64 = sqlx::query_scalar("SELECT count(DISTINCT occurred_at) FROM audit_event")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(batches < 120, "one transaction per event ({batches} batches)");
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn the_database_refuses_to_change_history(pool: PgPool) {
        record_many(&pool, 2).await;
        for sql in [
            "UPDATE audit_event SET actor = 'mallory' WHERE seq = 1",
            "DELETE FROM audit_event WHERE seq = 2",
            "TRUNCATE audit_event",
        ] {
            let err = sqlx::query(sql).execute(&pool).await.unwrap_err();
            let db_err = err.as_database_error().expect("a database error");
            assert_eq!(db_err.code().as_deref(), Some("42501"), "{sql}: {db_err}");
            assert!(db_err.message().contains("append-only"), "{sql}: {db_err}");
        }
        assert!(matches!(verify(&pool).await.unwrap(), ChainReport::Intact { events: 2, .. }));
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn an_edited_event_is_found(pool: PgPool) {
        record_many(&pool, 5).await;
        tamper(&pool, "UPDATE audit_event SET actor = 'mallory' WHERE seq = 3").await;
        assert_eq!(
            verify(&pool).await.unwrap(),
            ChainReport::Broken { seq: 3, problem: ChainBreak::Altered }
        );
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn an_edit_with_a_recomputed_hash_breaks_the_next_link(pool: PgPool) {
        record_many(&pool, 5).await;
        let mut event =
            search(&pool, &AuditFilter { actor: Some("user1".into()), ..Default::default() }, None, 1)
                .await
                .unwrap()
                .remove(0);
        assert_eq!(event.seq, 2);
        event.actor = "mallory".into();
        let forged = hex::encode(event.expected_hash(&event.prev_hash));
        tamper(
            &pool,
            &format!("UPDATE audit_event SET actor = 'mallory', hash = '\\x{forged}' WHERE seq = 2"),
        )
        .await;
        assert_eq!(
            verify(&pool).await.unwrap(),
            ChainReport::Broken { seq: 3, problem: ChainBreak::Unlinked }
        );
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn deleted_events_are_found(pool: PgPool) {
        record_many(&pool, 5).await;
        tamper(&pool, "DELETE FROM audit_event WHERE seq = 2").await;
        assert_eq!(
            verify(&pool).await.unwrap(),
            ChainReport::Broken { seq: 2, problem: ChainBreak::Missing }
        );
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_deleted_tail_is_found(pool: PgPool) {
        record_many(&pool, 5).await;
        tamper(&pool, "DELETE FROM audit_event WHERE seq >= 4").await;
        assert_eq!(
            verify(&pool).await.unwrap(),
            ChainReport::Broken { seq: 4, problem: ChainBreak::TailRemoved }
        );
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn concurrent_appends_form_one_chain(pool: PgPool) {
        let tasks: Vec<_> = (0..24)
            .map(|i| {
                let pool = pool.clone();
                tokio::spawn(async move { record(&pool, login(&format!("user{i}"))).await.unwrap().seq })
            })
            .collect();
        let mut seqs = Vec::new();
        for task in tasks {
            seqs.push(task.await.unwrap());
        }
        seqs.sort();
        assert_eq!(seqs, (1..=24).collect::<Vec<_>>());
        assert!(matches!(verify(&pool).await.unwrap(), ChainReport::Intact { events: 24, .. }));
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn an_event_rolled_back_with_its_change_leaves_no_trace(pool: PgPool) {
        let mut tx = pool.begin().await.unwrap();
        append(&mut tx, login("alice")).await.unwrap();
        tx.rollback().await.unwrap();
        record(&pool, login("bob")).await.unwrap();
        let events = search(&pool, &AuditFilter::default(), None, 10).await.unwrap();
        assert_eq!(events.iter().map(|e| (e.seq, e.actor.as_str())).collect::<Vec<_>>(), vec![(1, "bob")]);
        assert!(matches!(verify(&pool).await.unwrap(), ChainReport::Intact { events: 1, .. }));
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn search_filters_and_pages_newest_first(pool: PgPool) {
        record_many(&pool, 3).await;
        record(
            &pool,
            NewAuditEvent {
                target: Some("page:/admin".into()),
                ..NewAuditEvent::new("user1", AuditAction::AccessDenied)
            },
        )
        .await
        .unwrap();
        let by_actor =
            search(&pool, &AuditFilter { actor: Some("user1".into()), ..Default::default() }, None, 10)
                .await
                .unwrap();
        assert_eq!(by_actor.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![4, 2]);
        let denied = AuditFilter { action: Some("auth.access_denied".into()), ..Default::default() };
        let found = search(&pool, &denied, None, 10).await.unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].target.as_deref(), Some("page:/admin"));
        let page = search(&pool, &AuditFilter::default(), Some(3), 2).await.unwrap();
        assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![2, 1]);
        let future =
            AuditFilter { from: Some(Utc::now() + chrono::Duration::hours(1)), ..Default::default() };
        assert!(search(&pool, &future, None, 10).await.unwrap().is_empty());
    }
}
