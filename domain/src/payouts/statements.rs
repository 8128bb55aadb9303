//! The bank's end-of-day statements (`camt.053.001.08`) of its settlement and in-transit accounts,
//! taken in from the inbound area like the hub's status reports (registered once by key, applied
//! whole or quarantined whole) and checked against the ledger. Every break is a work item of class
//! `statement_break`, in the queue with the rest.
//!
//! How a break is found, statement by statement:
//!
//! 1. The statement's account (its IBAN or number) names a ledger account through
//!    `statement_account`, which admins maintain. A statement of an account nobody mapped, or in
//!    another currency than its ledger account, quarantines the file: nothing of it is applied.
//! 2. It must add up: opening balance plus booked entries is the closing balance. Otherwise
//!    `statement_inconsistent`.
//! 3. Its opening balance against the ledger's balance of the account at the end of the day
//!    before, its closing balance against the ledger's at the end of the statement's day (postings
//!    by effective date; the ledger's debit balance is the statement's credit balance):
//!    `opening_differs`, `closing_differs`.
//! 4. Its entries:
//!    - on a payments-in-transit account, each entry names payouts by end-to-end id. A debit is a
//!      payout the hub executed (it must be settled), a credit returning one (`RvslInd`) a payout
//!      the hub rejected, any other credit the funding of an approved payout. An entry naming no
//!      payout, an unknown one, or one in another state is `entry_unmatched`; one whose amount is
//!      not its payouts' is `entry_amount_differs`. A payout the hub settled on the statement's day
//!      that no debit names is `payout_missing`.
//!    - on a network's settlement account (`visa_settlement`, `mastercard_settlement_eur`, …), the
//!      entries that name no payout are that network's net settlement: together they must be the
//!      net of the network's records of that business date, in the latest completed run
//!      (presentments in, every other kind out). Otherwise `net_settlement_differs`.
//!    - other accounts are checked by their balances only.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool};

use super::hub_files::{self, Earlier, Kind, Registering};
use crate::audit::{self, AuditAction, NewAuditEvent};
use crate::iso20022::camt053::{self, AccountStatement};
use crate::iso20022::Side;
use crate::storage::{ObjectStore, StorageError};

/// Where the bank's statements arrive.
pub const INBOUND_PREFIX: &str = "inbound/camt053/";

/// What kind of break, as the work item's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Break {
    StatementInconsistent,
    OpeningDiffers,
    ClosingDiffers,
    EntryUnmatched,
    EntryAmountDiffers,
    PayoutMissing,
    NetSettlementDiffers,
}

impl Break {
    pub const ALL: [Break; 7] = [
        Break::StatementInconsistent,
        Break::OpeningDiffers,
        Break::ClosingDiffers,
        Break::EntryUnmatched,
        Break::EntryAmountDiffers,
        Break::PayoutMissing,
        Break::NetSettlementDiffers,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Break::StatementInconsistent => "statement_inconsistent",
            Break::OpeningDiffers => "opening_differs",
            Break::ClosingDiffers => "closing_differs",
            Break::EntryUnmatched => "entry_unmatched",
            Break::EntryAmountDiffers => "entry_amount_differs",
            Break::PayoutMissing => "payout_missing",
            Break::NetSettlementDiffers => "net_settlement_differs",
        }
    }
}

/// One break found: what, by how much, and what it concerns (an entry's reference, a payout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub kind: Break,
    /// The difference (or the unmatched amount), in minor units of the statement's currency.
    pub amount_minor: i64,
    /// What it is about, unique within the statement: it makes the work item's subject.
    pub about: String,
    /// What a person reads on the work item.
    pub note: String,
}

/// What became of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOutcome {
    /// Applied: its statements recorded, `breaks` work items opened.
    Applied {
        file: i64,
        statements: usize,
        breaks: usize,
    },
    Duplicate {
        file: i64,
    },
    Quarantined {
        file: i64,
        reason: String,
    },
    Seen,
}

#[derive(Debug, thiserror::Error)]
pub enum StatementError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("object storage: {0}")]
    Storage(#[from] StorageError),
}

/// Maps the bank's account `bank_account` (as its statements name it) to ledger account
/// `ledger_code`, audited.
pub async fn map_account(
    pool: &PgPool,
    actor: &crate::audit::Actor,
    bank_account: &str,
    ledger_code: &str,
) -> Result<(), MapError> {
    let bank_account = normalized(bank_account);
    let fits = |b: u8| b.is_ascii_alphanumeric() || b == b'-';
    if bank_account.is_empty() || bank_account.len() > 34 || !bank_account.bytes().all(fits) {
        return Err(MapError::BadBankAccount);
    }
    let mut tx = pool.begin().await?;
    let ledger = sqlx::query!("SELECT id, kind FROM ledger_account WHERE code = $1", ledger_code.trim())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| MapError::NoLedgerAccount(ledger_code.trim().to_owned()))?;
    // A bank's statement is of money the bank holds for us: an asset (the balances compare as
    // debit balances; any other kind would turn every comparison's sign).
    if ledger.kind != "asset" {
        return Err(MapError::NotAnAsset(ledger_code.trim().to_owned()));
    }
    // What this bank account was, and what this ledger account was: each mapping replaced is in
    // the audit record.
    let before: Vec<(String, i64)> = sqlx::query_as(
        "DELETE FROM statement_account WHERE ledger_account_id = $1 OR bank_account = $2
         RETURNING bank_account, ledger_account_id",
    )
    .bind(ledger.id)
    .bind(&bank_account)
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO statement_account (bank_account, ledger_account_id, updated_by) VALUES ($1, $2, $3)",
        bank_account,
        ledger.id,
        actor.username
    )
    .execute(&mut *tx)
    .await?;
    let event = NewAuditEvent {
        before: (!before.is_empty()).then(|| {
            let replaced: Vec<serde_json::Value> = (before.iter())
                .map(
                    |(bank, ledger)| serde_json::json!({ "bank_account": bank, "ledger_account_id": ledger }),
                )
                .collect();
            serde_json::json!(replaced)
        }),
        after: Some(
            serde_json::json!({ "bank_account": bank_account, "ledger_account": ledger_code.trim() }),
        ),
        ..actor.event(AuditAction::SettingChanged, format!("statement_account:{}", ledger_code.trim()))
    };
    audit::append(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum MapError {
    #[error("a bank account is 1 to 34 letters and digits")]
    BadBankAccount,
    #[error("there is no ledger account '{0}'")]
    NoLedgerAccount(String),
    #[error("'{0}' is not an asset account: a bank's statement is of money it holds for us")]
    NotAnAsset(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Takes in every statement file in the inbound area not registered yet, oldest key first; a file
/// that fails for a reason of ours stays unregistered and is tried again next round.
pub async fn take_in(
    pool: &PgPool,
    store: &ObjectStore,
) -> Result<Vec<(String, FileOutcome)>, StatementError> {
    let mut outcomes = Vec::new();
    for object in hub_files::unregistered::<StatementError>(pool, store, INBOUND_PREFIX).await? {
        let bytes = hub_files::read(store, &object).await?;
        match apply_file(pool, &object.key, bytes.as_deref(), object.size).await {
            Ok(outcome) => outcomes.push((object.key, outcome)),
            Err(e) => {
                tracing::error!(key = %object.key, error = %e, "a statement could not be applied; trying again next round")
            }
        }
    }
    Ok(outcomes)
}

/// Registers and checks the statement file at `key`, all or nothing.
pub async fn apply_file(
    pool: &PgPool,
    key: &str,
    bytes: Option<&[u8]>,
    size: u64,
) -> Result<FileOutcome, StatementError> {
    let mut tx = pool.begin().await?;
    let outcome = apply_in(&mut tx, key, bytes, size).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// A statement's account as the ledger knows it.
struct Mapped {
    ledger_account_id: i64,
    code: String,
    currency: String,
}

async fn apply_in(
    db: &mut PgConnection,
    key: &str,
    bytes: Option<&[u8]>,
    size: u64,
) -> Result<FileOutcome, StatementError> {
    if hub_files::take_turn(db, key).await? {
        return Ok(FileOutcome::Seen);
    }
    let registering = Registering::new(Kind::Statement, key, bytes, size);
    let quarantined = |file, reason: String| FileOutcome::Quarantined { file, reason };
    let Some(bytes) = bytes else {
        let reason = registering.too_large();
        return Ok(quarantined(registering.quarantine(db, None, &reason).await?, reason));
    };
    let read = std::str::from_utf8(bytes).map_err(|e| e.to_string()).and_then(|xml| {
        camt053::read(xml).map_err(|e| format!("not a readable camt.053.001.08 statement: {e}"))
    });
    let statements = match read {
        Ok(statements) => statements,
        Err(reason) => return Ok(quarantined(registering.quarantine(db, None, &reason).await?, reason)),
    };
    let message_id = Some(statements.message_id.as_str());
    match registering.earlier(db, &statements.message_id).await? {
        Some(Earlier::Duplicate { first }) => {
            let file = registering.register(db, message_id, false).await?;
            tracing::info!(key, first, "a statement already applied arrived again; nothing changes");
            return Ok(FileOutcome::Duplicate { file });
        }
        Some(Earlier::Reused { key: other }) => {
            let reason = format!(
                "message id {} was applied before, with other content, from {other}",
                statements.message_id
            );
            return Ok(quarantined(registering.quarantine(db, message_id, &reason).await?, reason));
        }
        None => {}
    }
    // Every statement's account must be mapped, in its currency, before anything is recorded.
    let mut mapped = Vec::with_capacity(statements.statements.len());
    let mut in_file = BTreeSet::new();
    for s in &statements.statements {
        if !in_file.insert((normalized(&s.account), s.closing.date, s.id.clone())) {
            let reason = format!("it holds statement {} of {} twice", s.id, s.closing.date);
            return Ok(quarantined(registering.quarantine(db, message_id, &reason).await?, reason));
        }
        let account = sqlx::query!(
            "SELECT a.id, a.code, a.currency FROM statement_account m JOIN ledger_account a ON a.id = m.ledger_account_id
             WHERE m.bank_account = $1",
            normalized(&s.account)
        )
        .fetch_optional(&mut *db)
        .await?;
        let Some(account) = account else {
            let reason = format!(
                "statement {} is of account {}, which no ledger account is mapped to",
                s.id,
                masked(&s.account)
            );
            return Ok(quarantined(registering.quarantine(db, message_id, &reason).await?, reason));
        };
        let currency = s.closing.amount.currency().code();
        if account.currency != currency {
            let reason = format!(
                "statement {} is in {currency}, but ledger account {} holds {}",
                s.id, account.code, account.currency
            );
            return Ok(quarantined(registering.quarantine(db, message_id, &reason).await?, reason));
        }
        let seen = sqlx::query_scalar!(
            "SELECT id FROM bank_statement WHERE bank_account = $1 AND statement_date = $2 AND statement_id = $3",
            normalized(&s.account),
            s.closing.date as _,
            s.id
        )
        .fetch_optional(&mut *db)
        .await?;
        if seen.is_some() {
            let reason = format!("statement {} of {} was taken in before", s.id, s.closing.date);
            return Ok(quarantined(registering.quarantine(db, message_id, &reason).await?, reason));
        }
        mapped.push(Mapped { ledger_account_id: account.id, code: account.code, currency: account.currency });
    }
    let file = registering.register(db, message_id, true).await?;
    let mut breaks = 0;
    for (s, account) in statements.statements.iter().zip(&mapped) {
        breaks += record(db, file, s, account).await?;
    }
    let what = serde_json::json!({
        "message_id": statements.message_id, "statements": statements.statements.len(), "breaks": breaks
    });
    registering.applied(db, file, breaks, what).await?;
    Ok(FileOutcome::Applied { file, statements: statements.statements.len(), breaks })
}

/// Records one statement beside the ledger's balances and opens a work item for each break.
async fn record(
    db: &mut PgConnection,
    file: i64,
    s: &AccountStatement,
    account: &Mapped,
) -> Result<usize, StatementError> {
    let date = s.closing.date;
    let ledger_closing = ledger_balance(db, account.ledger_account_id, date).await?;
    let ledger_opening =
        ledger_balance(db, account.ledger_account_id, date.pred_opt().unwrap_or(date)).await?;
    let mut found = Vec::new();
    if !s.adds_up() {
        let moved: i64 = s.entries.iter().map(|e| e.signed().minor()).sum();
        found.push(Found {
            kind: Break::StatementInconsistent,
            amount_minor: s.closing.amount.minor() - s.opening.amount.minor() - moved,
            about: "statement".into(),
            note: format!(
                "The statement does not add up: opening {} and its entries make {}, not its closing {}.",
                grouped(s.opening.amount.minor(), &account.currency),
                grouped(s.opening.amount.minor() + moved, &account.currency),
                grouped(s.closing.amount.minor(), &account.currency)
            ),
        });
    }
    for (kind, bank, ledger, which) in [
        (Break::OpeningDiffers, s.opening.amount.minor(), ledger_opening, "opening"),
        (Break::ClosingDiffers, s.closing.amount.minor(), ledger_closing, "closing"),
    ] {
        if bank != ledger {
            found.push(Found {
                kind,
                amount_minor: bank - ledger,
                about: which.into(),
                note: format!(
                    "The bank's {which} balance of {} is {}; the ledger's is {}.",
                    account.code,
                    grouped(bank, &account.currency),
                    grouped(ledger, &account.currency)
                ),
            });
        }
    }
    if account.code.starts_with("payments_in_transit") {
        found.extend(payout_entries(db, s, account, date).await?);
    } else if let Some(network) = network_of(&account.code) {
        found.extend(net_settlement(db, s, account, network, date).await?);
    }
    let statement_id = sqlx::query_scalar!(
        "INSERT INTO bank_statement (hub_file_id, statement_id, bank_account, ledger_account_id, currency, statement_date,
                                     opening_minor, closing_minor, ledger_opening_minor, ledger_closing_minor, entries, breaks)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        file,
        s.id,
        normalized(&s.account),
        account.ledger_account_id,
        account.currency,
        date as _,
        s.opening.amount.minor(),
        s.closing.amount.minor(),
        ledger_opening,
        ledger_closing,
        s.entries.len() as i32,
        found.len() as i32
    )
    .fetch_one(&mut *db)
    .await?;
    let mut opened = 0;
    for f in &found {
        let account_number = normalized(&s.account);
        let subject = format!("statement:{account_number}:{date}:{}:{}:{}", s.id, f.kind.code(), f.about);
        let item = crate::exceptions::open_statement_break(
            db,
            statement_id,
            &subject,
            date,
            f.kind.code(),
            f.amount_minor,
            &account.currency,
            &f.note,
        )
        .await?;
        // Subjects are unique within a statement and the statement is new: each opens its item.
        opened += usize::from(item.is_some());
    }
    Ok(opened)
}

/// The ledger's balance of an account at the end of `date` (postings by effective date).
async fn ledger_balance(db: &mut PgConnection, account: i64, date: NaiveDate) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT coalesce(sum(p.amount_minor), 0)::bigint AS "balance!" FROM ledger_posting p
           JOIN ledger_transaction t ON t.id = p.transaction_id
           WHERE p.account_id = $1 AND t.effective_date <= $2"#,
        account,
        date as _
    )
    .fetch_one(db)
    .await
}

/// The network whose settlement account `code` is (`visa_settlement`, `mastercard_settlement_eur`).
fn network_of(code: &str) -> Option<&'static str> {
    ["visa", "mastercard"].into_iter().find(|network| {
        code.strip_prefix(network)
            .and_then(|rest| rest.strip_prefix("_settlement"))
            .is_some_and(|rest| rest.is_empty() || (rest.len() == 4 && rest.starts_with('_')))
    })
}

/// The entries of a payments-in-transit statement against the payouts they name.
async fn payout_entries(
    db: &mut PgConnection,
    s: &AccountStatement,
    account: &Mapped,
    date: NaiveDate,
) -> Result<Vec<Found>, sqlx::Error> {
    let mut found = Vec::new();
    let mut executed = BTreeSet::new();
    for (n, e) in s.entries.iter().enumerate() {
        // An entry's reference is optional and not unique (`NONREF`): its position makes it so.
        let about = format!("{}-{}", n + 1, e.reference.as_deref().unwrap_or_default());
        let ids: Vec<String> = e.transactions.iter().filter_map(|t| t.end_to_end_id.clone()).collect();
        let unmatched = |why: String| Found {
            kind: Break::EntryUnmatched,
            amount_minor: e.signed().minor(),
            about: about.clone(),
            note: why,
        };
        if ids.is_empty() {
            found.push(unmatched(format!(
                "Entry {about} of {} names no payout (no end-to-end id).",
                grouped(e.signed().minor(), &account.currency)
            )));
            continue;
        }
        let payouts: Vec<(String, i64, String, String)> = sqlx::query_as(
            "SELECT end_to_end_id, amount_minor, currency, status FROM payment_instruction WHERE end_to_end_id = ANY($1)",
        )
        .bind(&ids)
        .fetch_all(&mut *db)
        .await?;
        let wanted = match (e.side, e.reversal) {
            (Side::Debit, _) => "settled",
            (Side::Credit, true) => "rejected",
            (Side::Credit, false) => "any",
        };
        let unknown: Vec<&String> = ids.iter().filter(|id| !payouts.iter().any(|p| &p.0 == *id)).collect();
        let wrong_state: Vec<&(String, i64, String, String)> = payouts
            .iter()
            .filter(|p| p.2 != account.currency || (wanted != "any" && p.3 != wanted))
            .collect();
        if !unknown.is_empty() || !wrong_state.is_empty() {
            let names: Vec<String> = unknown
                .iter()
                .map(|id| format!("{id} (unknown)"))
                .chain(wrong_state.iter().map(|p| format!("{} ({}, {})", p.0, p.3, p.2)))
                .collect();
            found.push(unmatched(format!(
                "Entry {about} names payouts the ledger does not have so: {}.",
                names.join(", ")
            )));
            continue;
        }
        // A payout executed twice is a break the second time.
        if let Some(again) = ids.iter().find(|id| e.side == Side::Debit && executed.contains(*id)) {
            found.push(unmatched(format!("Entry {about} debits payout {again} a second time.")));
            continue;
        }
        let expected: i64 = payouts.iter().map(|p| p.1).sum();
        if expected != e.amount.minor() {
            let difference =
                crate::money::Money::from_minor(e.amount.minor() - expected, e.amount.currency());
            found.push(Found {
                kind: Break::EntryAmountDiffers,
                amount_minor: e.side.signed(difference).minor(),
                about,
                note: format!(
                    "Entry of {} for {}: the payouts are {}.",
                    grouped(e.amount.minor(), &account.currency),
                    ids.join(", "),
                    grouped(expected, &account.currency)
                ),
            });
        }
        if e.side == Side::Debit {
            executed.extend(ids);
        }
    }
    // Payouts the hub settled that day, in this currency, that no debit names.
    // By the settlement posting's effective date: the basis of the ledger balances compared.
    let settled: Vec<(String, i64)> = sqlx::query_as(
        "SELECT i.end_to_end_id, i.amount_minor FROM payment_instruction i
           JOIN ledger_transaction t ON t.id = i.final_transaction
         WHERE i.status = 'settled' AND i.currency = $1 AND t.effective_date = $2 ORDER BY i.id",
    )
    .bind(&account.currency)
    .bind(date)
    .fetch_all(&mut *db)
    .await?;
    for (id, minor) in settled {
        if !executed.contains(&id) {
            found.push(Found {
                kind: Break::PayoutMissing,
                amount_minor: minor,
                about: id.clone(),
                note: format!(
                    "Payout {id} of {} was settled by the hub on {date}, and the statement has no entry for it.",
                    grouped(minor, &account.currency)
                ),
            });
        }
    }
    Ok(found)
}

/// The network's net settlement entries against the net of its records of the day.
async fn net_settlement(
    db: &mut PgConnection,
    s: &AccountStatement,
    account: &Mapped,
    network: &str,
    date: NaiveDate,
) -> Result<Vec<Found>, sqlx::Error> {
    let on_statement: i64 = s
        .entries
        .iter()
        .filter(|e| e.transactions.iter().all(|t| t.end_to_end_id.is_none()))
        .map(|e| e.signed().minor())
        .sum();
    let run = sqlx::query_scalar!(
        "SELECT id FROM recon_run WHERE business_date = $1 AND status = 'completed' ORDER BY version DESC LIMIT 1",
        date as _
    )
    .fetch_optional(&mut *db)
    .await?;
    let expected: i64 = match run {
        None => 0,
        Some(run) => {
            sqlx::query_scalar(
                // What moves the settlement account: each record's settlement amount, in its
                // settlement currency (a cross-currency record is presented in another).
                "SELECT coalesce(sum(CASE WHEN i.kind = 'presentment' THEN 1 ELSE -1 END
                                     * coalesce(i.settlement_minor, i.amount_minor)), 0)::bigint
                 FROM run_item i JOIN feed_file f ON f.id = i.feed_file_id
                 WHERE i.run_id = $1 AND f.source = $2 AND coalesce(i.settlement_currency, i.currency) = $3",
            )
            .bind(run)
            .bind(network)
            .bind(&account.currency)
            .fetch_one(&mut *db)
            .await?
        }
    };
    if on_statement == expected {
        return Ok(Vec::new());
    }
    Ok(vec![Found {
        kind: Break::NetSettlementDiffers,
        amount_minor: on_statement - expected,
        about: network.to_owned(),
        note: format!(
            "The bank booked {} of {network} net settlement on {date}; the {network} files of that day net to {}{}.",
            grouped(on_statement, &account.currency),
            grouped(expected, &account.currency),
            if run.is_none() { " (no completed run of that day)" } else { "" }
        ),
    }])
}

fn grouped(minor: i64, currency: &str) -> String {
    crate::money::grouped_minor(minor, currency)
}

/// An account number as statements and the mapping compare it: no spaces, capitals.
fn normalized(account: &str) -> String {
    account.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase()
}

/// An account number as a log or reason may show it: its last four characters.
fn masked(account: &str) -> String {
    let tail: String = account.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("…{tail}")
}

/// The latest statement of each mapped account beside the ledger's balance at its date: what the
/// dashboard shows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Standing {
    pub ledger_account: String,
    pub currency: String,
    pub statement_date: NaiveDate,
    pub statement_closing_minor: i64,
    pub ledger_closing_minor: i64,
    /// Its breaks not resolved yet.
    pub open_breaks: i32,
}

pub async fn standing(pool: &PgPool) -> Result<Vec<Standing>, sqlx::Error> {
    sqlx::query_as!(
        Standing,
        r#"SELECT DISTINCT ON (s.ledger_account_id) a.code AS ledger_account, s.currency,
                  s.statement_date AS "statement_date: NaiveDate", s.closing_minor AS statement_closing_minor,
                  s.ledger_closing_minor,
                  (SELECT count(*) FROM work_item w
                    WHERE w.statement_id = s.id AND w.status <> 'resolved')::int AS "open_breaks!"
           FROM bank_statement s JOIN ledger_account a ON a.id = s.ledger_account_id
           ORDER BY s.ledger_account_id, s.statement_date DESC, s.id DESC"#
    )
    .fetch_all(pool)
    .await
}

/// A statement as its breaks' work items show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Recorded {
    pub id: i64,
    pub statement_id: String,
    pub ledger_account: String,
    pub currency: String,
    pub statement_date: NaiveDate,
    pub opening_minor: i64,
    pub closing_minor: i64,
    pub ledger_opening_minor: i64,
    pub ledger_closing_minor: i64,
    pub entries: i32,
}

pub async fn get(pool: &PgPool, id: i64) -> Result<Option<Recorded>, sqlx::Error> {
    sqlx::query_as!(
        Recorded,
        r#"SELECT s.id, s.statement_id, a.code AS ledger_account, s.currency,
                  s.statement_date AS "statement_date: NaiveDate", s.opening_minor, s.closing_minor,
                  s.ledger_opening_minor, s.ledger_closing_minor, s.entries
           FROM bank_statement s JOIN ledger_account a ON a.id = s.ledger_account_id WHERE s.id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await
}

/// Which of the bank's accounts is which ledger account: (bank account, ledger account code).
pub async fn mappings(pool: &PgPool) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.bank_account, a.code FROM statement_account m JOIN ledger_account a ON a.id = m.ledger_account_id
         ORDER BY a.code",
    )
    .fetch_all(pool)
    .await
}
