//! The payment hub's status reports (`pain.002.001.10`), taken in from the inbound area like any
//! feed: each file is registered once, by its object key, and applied whole in one database
//! transaction, or quarantined whole with the reason and nothing of it applied.
//!
//! What a status does to a payout (its instruction's status moves forwards only):
//!
//! | status | instruction | ledger | work item |
//! | --- | --- | --- | --- |
//! | pending (`ACSP`, `ACCP`, …) | pending | nothing | nothing |
//! | settled (`ACSC`, `ACCC`) | settled | payments in transit → the payout's final account | stays resolved |
//! | rejected (`RJCT`, `CANC`) | rejected | the approval's posting reversed | reopened, with the reason |
//!
//! A report is quarantined whole when it is not a readable `pain.002.001.10`, when it reports on a
//! message SettleDesk never sent or names a payment that message did not carry, when it reuses an
//! applied report's message id with other content, or when it contradicts a final status (settled
//! then rejected, or the other way). The same bytes sent again are a duplicate and change nothing;
//! a status a payout already has, or a pending status after a final one, changes nothing either.

use std::collections::{HashMap, HashSet};

use sqlx::{PgConnection, PgPool};

use super::hub_files::{self, Earlier, Kind, Registering};
use crate::audit::Actor;
use crate::iso20022::pain002::{self, Reason, Status};
use crate::ledger::posting::{self, Line, NewTransaction};
use crate::money::{Currency, Money};
use crate::storage::{ObjectStore, StorageError};

/// Where the hub's status reports arrive.
pub const INBOUND_PREFIX: &str = "inbound/pain002/";

/// What became of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOutcome {
    /// Applied: `changed` payouts took a new status (`settled` and `rejected` of them final).
    Applied {
        file: i64,
        changed: usize,
        settled: usize,
        rejected: usize,
    },
    /// The same bytes were applied before, under another key.
    Duplicate {
        file: i64,
    },
    Quarantined {
        file: i64,
        reason: String,
    },
    /// Registered before: nothing done.
    Seen,
    /// It reports on a message not yet marked sent (a drain claimed it and stopped): left
    /// unregistered for the next round, after the drain has written and marked it.
    Deferred,
}

#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("object storage: {0}")]
    Storage(#[from] StorageError),
    #[error("posting a status: {0}")]
    Ledger(#[from] posting::LedgerError),
    #[error(transparent)]
    Action(#[from] crate::ledger::actions::ActionError),
}

/// Takes in every status report in the inbound area not registered yet, oldest key first. A file
/// that cannot be applied for a reason of ours (the database, the ledger closed to the end of its
/// calendar) stays unregistered, is logged, and is tried again next round; the files after it are
/// taken in meanwhile.
pub async fn take_in(pool: &PgPool, store: &ObjectStore) -> Result<Vec<(String, FileOutcome)>, StatusError> {
    let mut outcomes = Vec::new();
    for object in hub_files::unregistered::<StatusError>(pool, store, INBOUND_PREFIX).await? {
        let bytes = hub_files::read(store, &object).await?;
        match apply_file(pool, &object.key, bytes.as_deref(), object.size).await {
            Ok(outcome) => outcomes.push((object.key, outcome)),
            Err(e) => {
                tracing::error!(key = %object.key, error = %e, "a status report could not be applied; trying again next round")
            }
        }
    }
    Ok(outcomes)
}

/// Registers and applies the file at `key` (`None`: too large to read), all or nothing; a
/// serialization failure or deadlock is tried again.
pub async fn apply_file(
    pool: &PgPool,
    key: &str,
    bytes: Option<&[u8]>,
    size: u64,
) -> Result<FileOutcome, StatusError> {
    let mut attempt = 0;
    loop {
        let mut tx = pool.begin().await?;
        match apply_in(&mut tx, key, bytes, size).await {
            Ok(outcome) => {
                tx.commit().await?;
                return Ok(outcome);
            }
            Err(e) if attempt < 8 && retryable(&e) => attempt += 1,
            Err(e) => return Err(e),
        }
    }
}

fn retryable(e: &StatusError) -> bool {
    let database = match e {
        StatusError::Database(e) | StatusError::Ledger(posting::LedgerError::Database(e)) => e,
        StatusError::Action(crate::ledger::actions::ActionError::Database(e)) => e,
        _ => return false,
    };
    database.as_database_error().and_then(|d| d.code()).is_some_and(|c| c == "40001" || c == "40P01")
}

/// One instruction of the reported message, as it stands.
struct Instruction {
    id: i64,
    action_id: i64,
    end_to_end_id: String,
    block_id: Option<String>,
    status: String,
    amount_minor: i64,
    currency: String,
}

/// A status to record for an instruction.
struct Reported<'a> {
    instruction: &'a Instruction,
    status: Status,
    reasons: &'a [Reason],
}

async fn apply_in(
    db: &mut PgConnection,
    key: &str,
    bytes: Option<&[u8]>,
    size: u64,
) -> Result<FileOutcome, StatusError> {
    if hub_files::take_turn(db, key).await? {
        return Ok(FileOutcome::Seen);
    }
    // It may post several times, appending audit records between: alone, as a batch release does,
    // so that no approval holds an account it wants next while waiting for the audit head it
    // holds. The closes first, as every posting takes them before the ledger.
    posting::hold_closes(db).await?;
    posting::hold_ledger_alone(db).await?;
    let registering = Registering::new(Kind::StatusReport, key, bytes, size);
    let quarantined = |file, reason: String| FileOutcome::Quarantined { file, reason };
    let Some(bytes) = bytes else {
        let reason = registering.too_large();
        return Ok(quarantined(registering.quarantine(db, None, &reason).await?, reason));
    };
    let report = match std::str::from_utf8(bytes).map_err(|e| e.to_string()).and_then(|xml| {
        pain002::read(xml).map_err(|e| format!("not a readable pain.002.001.10 status report: {e}"))
    }) {
        Ok(report) => report,
        Err(reason) => return Ok(quarantined(registering.quarantine(db, None, &reason).await?, reason)),
    };
    let message_id = Some(report.message_id.as_str());
    match registering.earlier(db, &report.message_id).await? {
        Some(Earlier::Duplicate { first }) => {
            let file = registering.register(db, message_id, false).await?;
            tracing::info!(key, first, "a status report already applied arrived again; nothing changes");
            return Ok(FileOutcome::Duplicate { file });
        }
        Some(Earlier::Reused { key: other }) => {
            let reason = format!(
                "message id {} was applied before, with other content, from {other}",
                report.message_id
            );
            return Ok(quarantined(registering.quarantine(db, message_id, &reason).await?, reason));
        }
        None => {}
    }
    let message = sqlx::query!(
        "SELECT id, sent_at IS NOT NULL AS \"sent!\" FROM payment_message WHERE message_id = $1 FOR UPDATE",
        report.original_message_id
    )
    .fetch_optional(&mut *db)
    .await?;
    let Some(message) = message else {
        let reason =
            format!("it reports on message {}, which SettleDesk never sent", report.original_message_id);
        return Ok(quarantined(registering.quarantine(db, message_id, &reason).await?, reason));
    };
    if !message.sent {
        // A drain claimed it and stopped, before or after writing it: the next drain writes it
        // (the same bytes) and marks it sent, and this report is taken in after that.
        return Ok(FileOutcome::Deferred);
    }
    let instructions: Vec<Instruction> = sqlx::query_as!(
        Instruction,
        "SELECT id, action_id, end_to_end_id, block_id, status, amount_minor, currency
         FROM payment_instruction WHERE message = $1 ORDER BY id FOR UPDATE",
        message.id
    )
    .fetch_all(&mut *db)
    .await?;
    let reported = match resolve(&report, &instructions) {
        Ok(reported) => reported,
        Err(reason) => {
            return Ok(quarantined(registering.quarantine(db, message_id, &reason).await?, reason))
        }
    };
    // A final status is never contradicted: such a report is for people to look at.
    for r in &reported {
        let contradicts = matches!(
            (r.instruction.status.as_str(), r.status),
            ("settled", Status::Rejected) | ("rejected", Status::Settled)
        );
        if contradicts {
            let reason = format!(
                "payment {} is already {}; this report says {}",
                r.instruction.end_to_end_id,
                r.instruction.status,
                code(r.status)
            );
            return Ok(quarantined(registering.quarantine(db, message_id, &reason).await?, reason));
        }
    }
    let file = registering.register(db, message_id, true).await?;
    let system = Actor {
        person: crate::people::PersonId(-1),
        username: crate::exceptions::SYSTEM.to_owned(),
        session_ref: None,
        address: None,
    };
    let (mut changed, mut settled, mut rejected) = (0, 0, 0);
    let mut summary = Vec::new();
    for r in reported {
        let (reason_code, reason_text) = reason_of(r.reasons);
        let current = r.instruction.status.as_str();
        let moves = matches!(
            (current, r.status),
            ("sent", Status::Pending) | ("sent" | "pending", Status::Settled | Status::Rejected)
        );
        let transaction = if !moves {
            None
        } else {
            match r.status {
                Status::Pending => None,
                Status::Settled => Some(settle(db, r.instruction, &report.message_id).await?),
                Status::Rejected => Some(
                    undo(
                        db,
                        &system,
                        r.instruction,
                        &report.message_id,
                        reason_code.as_deref(),
                        reason_text.as_deref(),
                    )
                    .await?,
                ),
            }
        };
        sqlx::query!(
            "INSERT INTO payment_status (instruction_id, hub_file_id, status, reason_code, reason_text, transaction_id)
             VALUES ($1, $2, $3, $4, $5, $6)",
            r.instruction.id,
            file,
            code(r.status),
            reason_code,
            reason_text,
            transaction
        )
        .execute(&mut *db)
        .await?;
        if moves {
            sqlx::query!(
                "UPDATE payment_instruction SET status = $2, status_at = now(), reason_code = $3, reason_text = $4,
                        final_transaction = $5
                 WHERE id = $1",
                r.instruction.id,
                code(r.status),
                reason_code,
                reason_text,
                transaction
            )
            .execute(&mut *db)
            .await?;
            changed += 1;
            settled += usize::from(r.status == Status::Settled);
            rejected += usize::from(r.status == Status::Rejected);
            summary.push(serde_json::json!({
                "end_to_end_id": r.instruction.end_to_end_id, "status": code(r.status),
                "reason_code": reason_code, "transaction": transaction
            }));
        }
    }
    let what = serde_json::json!({
        "message_id": report.message_id, "original_message_id": report.original_message_id, "changed": summary
    });
    registering.applied(db, file, changed, what).await?;
    Ok(FileOutcome::Applied { file, changed, settled, rejected })
}

/// Each instruction's status as the report gives it: its own, else its block's, else the
/// message's. Refuses a report naming a payment or block the message did not carry, or a payment
/// twice.
fn resolve<'a>(
    report: &'a pain002::StatusReport,
    instructions: &'a [Instruction],
) -> Result<Vec<Reported<'a>>, String> {
    let by_id: HashMap<&str, &Instruction> =
        instructions.iter().map(|i| (i.end_to_end_id.as_str(), i)).collect();
    let blocks: HashSet<&str> = instructions.iter().filter_map(|i| i.block_id.as_deref()).collect();
    let mut named = HashSet::new();
    for block in &report.blocks {
        if !blocks.contains(block.block_id.as_str()) {
            return Err(format!(
                "it names payment block {}, which message {} did not carry",
                block.block_id, report.original_message_id
            ));
        }
        if !named.insert(block.block_id.as_str()) {
            return Err(format!("it reports payment block {} twice", block.block_id));
        }
    }
    let mut own: HashMap<&str, &pain002::PaymentStatus> = HashMap::new();
    for payment in &report.payments {
        let Some(instruction) = by_id.get(payment.end_to_end_id.as_str()) else {
            return Err(format!(
                "it names payment {}, which message {} did not carry",
                payment.end_to_end_id, report.original_message_id
            ));
        };
        if instruction.block_id.as_deref() != Some(payment.block_id.as_str()) {
            return Err(format!(
                "it reports payment {} under block {}, but it travelled in block {}",
                payment.end_to_end_id,
                payment.block_id,
                instruction.block_id.as_deref().unwrap_or("(none)")
            ));
        }
        if own.insert(&payment.end_to_end_id, payment).is_some() {
            return Err(format!("it reports payment {} twice", payment.end_to_end_id));
        }
    }
    let mut reported = Vec::new();
    for instruction in instructions {
        let block =
            report.blocks.iter().find(|b| Some(b.block_id.as_str()) == instruction.block_id.as_deref());
        let status = match own.get(instruction.end_to_end_id.as_str()) {
            Some(p) => Some((p.status, p.reasons.as_slice())),
            None => match block.and_then(|b| b.status.map(|s| (s, b.reasons.as_slice()))) {
                Some(from_block) => Some(from_block),
                None => report.group_status.map(|s| (s, report.group_reasons.as_slice())),
            },
        };
        if let Some((status, reasons)) = status {
            reported.push(Reported { instruction, status, reasons });
        }
    }
    Ok(reported)
}

fn code(status: Status) -> &'static str {
    match status {
        Status::Pending => "pending",
        Status::Settled => "settled",
        Status::Rejected => "rejected",
    }
}

/// The first reason's code, and the words of all, kept short.
fn reason_of(reasons: &[Reason]) -> (Option<String>, Option<String>) {
    let code = reasons.iter().find_map(|r| r.code.clone()).filter(|c| {
        (1..=4).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    });
    let words: Vec<&str> = reasons.iter().flat_map(|r| r.information.iter().map(String::as_str)).collect();
    let text = Some(words.join(" "))
        .filter(|t| !t.trim().is_empty())
        .map(|t| t.chars().filter(|c| !c.is_control()).take(500).collect());
    (code, text)
}

/// The payout an instruction pays, as approved.
struct Payout {
    transaction_id: i64,
    to: i64,
    in_transit: i64,
    work_item: Option<i64>,
    approved_by: Vec<String>,
    approved_by_persons: Vec<i64>,
}

async fn payout(db: &mut PgConnection, action_id: i64) -> Result<Payout, StatusError> {
    let action = crate::ledger::actions::lock(db, action_id).await?;
    let crate::ledger::actions::ActionRequest::Payout { to, in_transit, .. } = action.request else {
        return Err(crate::ledger::actions::ActionError::Unreadable(format!(
            "action {action_id} is not a payout"
        ))
        .into());
    };
    let transaction_id = action.transaction_id.ok_or_else(|| {
        crate::ledger::actions::ActionError::Unreadable(format!("payout {action_id} has no transaction"))
    })?;
    Ok(Payout {
        transaction_id,
        to,
        in_transit,
        work_item: action.work_item_id,
        approved_by: action.approved_by,
        approved_by_persons: action.approved_by_persons,
    })
}

/// Posts what the hub's report `report` made of a payout: made by the system, not by a person,
/// and checked by the people who approved the payout (the hub completes what they approved;
/// nobody decides it again). Dated today, or the first open date when today is closed.
async fn post_for_hub(
    db: &mut PgConnection,
    payout: &Payout,
    key: String,
    description: String,
    reverses: Option<i64>,
    lines: Vec<Line>,
) -> Result<i64, StatusError> {
    let tx = NewTransaction {
        idempotency_key: key,
        effective_date: posting::open_date(db, chrono::Utc::now().date_naive()).await?,
        description,
        work_item: payout.work_item,
        initiated_by: crate::exceptions::SYSTEM.to_owned(),
        approved_by: payout.approved_by.join(","),
        initiated_by_person: None,
        approved_by_persons: payout.approved_by_persons.clone(),
        reverses,
        lines,
    };
    Ok(posting::post_in(db, std::slice::from_ref(&tx)).await?[0].transaction_id)
}

/// A settled payout: in transit to its final account.
async fn settle(db: &mut PgConnection, i: &Instruction, report: &str) -> Result<i64, StatusError> {
    let payout = payout(db, i.action_id).await?;
    let currency = Currency::from_code(&i.currency)
        .ok_or_else(|| crate::ledger::actions::ActionError::UnknownCurrency(i.currency.clone()))?;
    let amount = Money::from_minor(i.amount_minor, currency);
    let lines = vec![
        Line { account: payout.in_transit, amount: Money::from_minor(-amount.minor(), currency) },
        Line { account: payout.to, amount },
    ];
    let description =
        format!("Payout {} settled by the payment hub (status report {report})", i.end_to_end_id);
    post_for_hub(db, &payout, format!("payout-settled-{}", i.action_id), description, None, lines).await
}

/// A rejected payout: the approval's posting reversed, the action marked reversed, its work item
/// reopened with the hub's reason in a note.
async fn undo(
    db: &mut PgConnection,
    system: &Actor,
    i: &Instruction,
    report: &str,
    reason_code: Option<&str>,
    reason_text: Option<&str>,
) -> Result<i64, StatusError> {
    let payout = payout(db, i.action_id).await?;
    let lines =
        posting::reversing(&crate::ledger::actions::transaction_lines(db, payout.transaction_id).await?);
    let description =
        format!("Payout {} rejected by the payment hub (status report {report})", i.end_to_end_id);
    let key = format!("payout-rejected-{}", i.action_id);
    let reversal = post_for_hub(db, &payout, key, description, Some(payout.transaction_id), lines).await?;
    crate::ledger::actions::undo_settlement(db, system, payout.transaction_id, reversal).await?;
    if let Some(item) = payout.work_item {
        let why = match (reason_code, reason_text) {
            (Some(code), Some(text)) => format!("{code}: {text}"),
            (Some(code), None) => code.to_owned(),
            (None, Some(text)) => text.to_owned(),
            (None, None) => "no reason given".to_owned(),
        };
        let note = format!("Payout {} was rejected by the payment hub ({why}).", i.end_to_end_id);
        crate::exceptions::system_note(db, item, &note).await?;
    }
    Ok(reversal)
}
