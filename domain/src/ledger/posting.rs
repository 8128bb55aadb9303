//! Posting journal transactions.
//!
//! A transaction is checked here before the database sees it (two or more postings, none zero,
//! netting to zero per currency, each in its account's currency, a second person as approver, an
//! open effective date), and the database checks the balance again when it commits. Accounts are
//! locked in ascending id order, so two transactions on the same accounts queue instead of
//! deadlocking; a serialization failure or deadlock that happens anyway is retried without the
//! caller seeing it. The caller's idempotency key makes a retried request return the first
//! result instead of posting twice.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};

use crate::money::Money;

/// One line of a transaction: a debit (positive) or credit (negative) to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub account: i64,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTransaction {
    pub idempotency_key: String,
    pub effective_date: NaiveDate,
    pub description: String,
    pub work_item: Option<i64>,
    pub initiated_by: String,
    pub approved_by: String,
    /// The people behind `initiated_by` and `approved_by` (see [`crate::people`]), when known:
    /// then they, not the names, must differ.
    pub initiated_by_person: Option<i64>,
    pub approved_by_persons: Vec<i64>,
    /// The transaction this one reverses.
    pub reverses: Option<i64>,
    pub lines: Vec<Line>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posted {
    pub transaction_id: i64,
    /// True when the idempotency key had already posted: nothing new was written.
    pub replayed: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("a transaction needs at least two postings")]
    TooFewPostings,
    #[error("a posting of zero moves nothing")]
    ZeroPosting,
    #[error("the postings do not net to zero in {currency}: {net} is left over")]
    Unbalanced { currency: String, net: Money },
    #[error("account {0} does not exist")]
    UnknownAccount(i64),
    #[error("account {account} holds {holds}, not {given}")]
    WrongCurrency { account: i64, holds: String, given: String },
    #[error("the person who initiated a transaction cannot approve it")]
    SelfApproval,
    #[error("{date} is closed for posting; the first open date is {first_open}")]
    DateClosed { date: NaiveDate, first_open: NaiveDate },
    #[error("the idempotency key was already used for a different transaction")]
    KeyReused,
    #[error("an idempotency key has 8 to 128 characters")]
    BadKey,
    #[error("a description has 1 to 500 characters")]
    BadDescription,
    #[error("the ledger is closed up to {0}, the end of the calendar")]
    EndOfCalendar(NaiveDate),
    #[error("an amount overflowed")]
    Overflow,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// The checks that need no database.
pub fn check(tx: &NewTransaction) -> Result<(), LedgerError> {
    if tx.lines.len() < 2 {
        return Err(LedgerError::TooFewPostings);
    }
    if tx.lines.iter().any(|l| l.amount.minor() == 0) {
        return Err(LedgerError::ZeroPosting);
    }
    let self_approved = match tx.initiated_by_person {
        Some(maker) => tx.approved_by_persons.is_empty() || tx.approved_by_persons.contains(&maker),
        None => tx.initiated_by == tx.approved_by,
    };
    if self_approved {
        return Err(LedgerError::SelfApproval);
    }
    if !(8..=128).contains(&tx.idempotency_key.len()) {
        return Err(LedgerError::BadKey);
    }
    if tx.description.trim().is_empty() || tx.description.chars().count() > 500 {
        return Err(LedgerError::BadDescription);
    }
    for (currency, net) in net_per_currency(&tx.lines)? {
        if net.minor() != 0 {
            return Err(LedgerError::Unbalanced { currency, net });
        }
    }
    Ok(())
}

fn net_per_currency(lines: &[Line]) -> Result<BTreeMap<String, Money>, LedgerError> {
    let mut net: BTreeMap<String, Money> = BTreeMap::new();
    for line in lines {
        let code = line.amount.currency().code().to_owned();
        let sum = match net.get(&code) {
            Some(so_far) => so_far.checked_add(line.amount).map_err(|_| LedgerError::Overflow)?,
            None => line.amount,
        };
        net.insert(code, sum);
    }
    Ok(net)
}

/// The lines that undo `lines`.
pub fn reversing(lines: &[Line]) -> Vec<Line> {
    lines
        .iter()
        .map(|l| Line {
            account: l.account,
            amount: Money::from_minor(-l.amount.minor(), l.amount.currency()),
        })
        .collect()
}

/// Posts one transaction (a batch of one).
pub async fn post(pool: &PgPool, tx: &NewTransaction) -> Result<Posted, LedgerError> {
    Ok(post_batch(pool, std::slice::from_ref(tx)).await?[0])
}

/// Posts transactions that were approved together, in one database transaction: all or none.
/// Retries serialization failures and deadlocks.
pub async fn post_batch(pool: &PgPool, batch: &[NewTransaction]) -> Result<Vec<Posted>, LedgerError> {
    for tx in batch {
        check(tx)?;
    }
    let mut attempt = 0;
    loop {
        let mut db = pool.begin().await?;
        let outcome = post_in(&mut db, batch).await;
        let outcome = match outcome {
            Ok(posted) => db.commit().await.map(|()| posted).map_err(LedgerError::from),
            Err(e) => Err(e),
        };
        match outcome {
            Err(LedgerError::Database(e)) if attempt < 8 && is_retryable(&e) => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(2 << attempt)).await;
            }
            other => return other,
        }
    }
}

fn is_retryable(e: &sqlx::Error) -> bool {
    let Some(db) = e.as_database_error() else { return false };
    match db.code().as_deref() {
        // serialization_failure, deadlock_detected
        Some("40001" | "40P01") => true,
        // Two callers raced with one idempotency key: the retry finds the winner's transaction and
        // replays it (or says KeyReused if the content differs).
        Some("23505") => db.constraint() == Some("ledger_transaction_idempotency_key_key"),
        _ => false,
    }
}

/// Posts `batch` inside the caller's database transaction (so an approval, its work item update
/// and its audit record commit together with the postings).
pub async fn post_in(db: &mut PgConnection, batch: &[NewTransaction]) -> Result<Vec<Posted>, LedgerError> {
    for tx in batch {
        check(tx)?;
    }
    // Replays first: a key seen before returns its transaction, if the content is the same.
    let keys: Vec<String> = batch.iter().map(|t| t.idempotency_key.clone()).collect();
    let existing: BTreeMap<String, i64> = sqlx::query!(
        "SELECT idempotency_key, id FROM ledger_transaction WHERE idempotency_key = ANY($1)",
        &keys
    )
    .fetch_all(&mut *db)
    .await?
    .into_iter()
    .map(|r| (r.idempotency_key, r.id))
    .collect();
    hold_closes(db).await?;
    let first_open = first_open_date(db).await?;
    for tx in batch.iter().filter(|t| !existing.contains_key(&t.idempotency_key)) {
        if let Some(first_open) = first_open.filter(|open| tx.effective_date < *open) {
            return Err(LedgerError::DateClosed { date: tx.effective_date, first_open });
        }
    }

    // The new transactions in one statement, before any account is locked: the locks are held
    // only for computing balances and the two bulk writes below.
    let fresh: Vec<&NewTransaction> =
        batch.iter().filter(|t| !existing.contains_key(&t.idempotency_key)).collect();
    let column = |f: fn(&NewTransaction) -> String| fresh.iter().map(|t| f(t)).collect::<Vec<String>>();
    let dates: Vec<NaiveDate> = fresh.iter().map(|t| t.effective_date).collect();
    let work_items: Vec<Option<i64>> = fresh.iter().map(|t| t.work_item).collect();
    let reverses: Vec<Option<i64>> = fresh.iter().map(|t| t.reverses).collect();
    let makers: Vec<Option<i64>> = fresh.iter().map(|t| t.initiated_by_person).collect();
    // Arrays of different lengths cannot be one SQL array: each goes as text ("3,7").
    let checkers = column(|t| t.approved_by_persons.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
    let ids: BTreeMap<String, i64> = sqlx::query!(
        r#"INSERT INTO ledger_transaction (idempotency_key, effective_date, description, work_item_id, initiated_by,
                                           approved_by, reverses, initiated_by_person, approved_by_persons)
           SELECT key, date, description, item, maker, checker, reverses, maker_person,
                  coalesce(string_to_array(nullif(checker_persons, ''), ',')::bigint[], '{}')
           FROM UNNEST($1::text[], $2::date[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::bigint[],
                       $8::bigint[], $9::text[])
                AS n (key, date, description, item, maker, checker, reverses, maker_person, checker_persons)
           RETURNING idempotency_key, id"#,
        &column(|t| t.idempotency_key.clone()),
        &dates as _,
        &column(|t| t.description.trim().to_owned()),
        &work_items as &[Option<i64>],
        &column(|t| t.initiated_by.clone()),
        &column(|t| t.approved_by.clone()),
        &reverses as &[Option<i64>],
        &makers as &[Option<i64>],
        &checkers
    )
    .fetch_all(&mut *db)
    .await?
    .into_iter()
    .map(|r| (r.idempotency_key, r.id))
    .collect();

    // Batches go one at a time, alone; single transfers go side by side. Row locks (taken below,
    // in id order) are what make a posting correct. The ledger lock is about who waits for whom:
    // - batches of many accounts, holding part of their row locks while waiting for the rest,
    //   queued behind each other (16 clients, batches of 50 over 1,000 accounts: 6,500 postings/s
    //   with row locks alone, 16,500 with this lock exclusive in front);
    // - a batch release posts its transfers one statement after the other in one transaction,
    //   appending to the audit trail (whose head is one row lock) between them: a single approval
    //   holding the accounts the release wants next, and waiting for the audit head the release
    //   holds, would deadlock with it;
    // - single transfers share the lock, so they never wait for each other here and their commits
    //   share a disk flush (with it exclusive for them too, ~245 transfers/s on a 4 ms disk).
    // See ADR 0006.
    if fresh.len() > 1 {
        hold_ledger_alone(db).await?;
    } else {
        sqlx::query!("SELECT pg_advisory_xact_lock_shared(hashtext('settledesk:ledger:balances'))")
            .execute(&mut *db)
            .await?;
    }

    // Lock every account the batch touches, in one fixed order.
    let accounts: Vec<i64> = batch
        .iter()
        .filter(|t| !existing.contains_key(&t.idempotency_key))
        .flat_map(|t| t.lines.iter().map(|l| l.account))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut balances: BTreeMap<i64, (String, i64, i64)> = sqlx::query!(
        "SELECT id, currency, balance_minor, version FROM ledger_account WHERE id = ANY($1) ORDER BY id FOR UPDATE",
        &accounts
    )
    .fetch_all(&mut *db)
    .await?
    .into_iter()
    .map(|r| (r.id, (r.currency, r.balance_minor, r.version)))
    .collect();

    let mut posted = Vec::with_capacity(batch.len());
    let (mut p_tx, mut p_account, mut p_currency, mut p_amount, mut p_after, mut p_version) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for tx in batch {
        if let Some(&id) = existing.get(&tx.idempotency_key) {
            if !same_content(db, id, tx).await? {
                return Err(LedgerError::KeyReused);
            }
            posted.push(Posted { transaction_id: id, replayed: true });
            continue;
        }
        let id = *ids.get(&tx.idempotency_key).ok_or(LedgerError::KeyReused)?;
        for line in &tx.lines {
            let (currency, balance, version) =
                balances.get_mut(&line.account).ok_or(LedgerError::UnknownAccount(line.account))?;
            if currency != line.amount.currency().code() {
                return Err(LedgerError::WrongCurrency {
                    account: line.account,
                    holds: currency.clone(),
                    given: line.amount.currency().code().to_owned(),
                });
            }
            *balance = balance.checked_add(line.amount.minor()).ok_or(LedgerError::Overflow)?;
            *version += 1;
            p_tx.push(id);
            p_account.push(line.account);
            p_currency.push(currency.clone());
            p_amount.push(line.amount.minor());
            p_after.push(*balance);
            p_version.push(*version);
        }
        posted.push(Posted { transaction_id: id, replayed: false });
    }
    if !p_tx.is_empty() {
        let (ids, (after, versions)): (Vec<i64>, (Vec<i64>, Vec<i64>)) = balances
            .iter()
            .filter(|(id, _)| accounts.contains(id))
            .map(|(id, (_, b, v))| (*id, (*b, *v)))
            .unzip();
        // Balances and postings in one statement: one round trip fewer while the accounts are
        // locked.
        sqlx::query!(
            "WITH moved AS (
                 UPDATE ledger_account a SET balance_minor = n.balance, version = n.version
                 FROM UNNEST($7::bigint[], $8::bigint[], $9::bigint[]) AS n (id, balance, version) WHERE a.id = n.id)
             INSERT INTO ledger_posting (transaction_id, account_id, currency, amount_minor, balance_after, account_version)
             SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[])",
            &p_tx,
            &p_account,
            &p_currency,
            &p_amount,
            &p_after,
            &p_version,
            &ids,
            &after,
            &versions
        )
        .execute(&mut *db)
        .await?;
    }
    Ok(posted)
}

/// Whether the stored transaction `id` has the same lines and date as `tx` (an honest retry).
async fn same_content(db: &mut PgConnection, id: i64, tx: &NewTransaction) -> Result<bool, LedgerError> {
    let stored = sqlx::query!(
        r#"SELECT t.effective_date AS "effective_date: NaiveDate", p.account_id, p.amount_minor, p.currency
           FROM ledger_transaction t JOIN ledger_posting p ON p.transaction_id = t.id WHERE t.id = $1 ORDER BY p.id"#,
        id
    )
    .fetch_all(&mut *db)
    .await?;
    let mut stored_lines: Vec<(i64, i64, String)> =
        stored.iter().map(|r| (r.account_id, r.amount_minor, r.currency.clone())).collect();
    let mut given: Vec<(i64, i64, String)> = tx
        .lines
        .iter()
        .map(|l| (l.account, l.amount.minor(), l.amount.currency().code().to_owned()))
        .collect();
    stored_lines.sort();
    given.sort();
    Ok(stored.first().is_some_and(|r| r.effective_date == tx.effective_date) && stored_lines == given)
}

/// Makes the rest of this transaction the only one posting: no batch and no single transfer
/// posts until it ends. For batches, and a batch release that posts action after action.
pub async fn hold_ledger_alone(db: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query!("SELECT pg_advisory_xact_lock(hashtext('settledesk:ledger:balances'))")
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// The date a posting made now goes on: `today`, or the first open date when today is closed.
/// Holds the closes first (see [`hold_closes`]), so no close can commit under it.
pub async fn open_date(db: &mut PgConnection, today: NaiveDate) -> Result<NaiveDate, LedgerError> {
    hold_closes(db).await?;
    Ok(match first_open_date(db).await? {
        Some(open) if open > today => open,
        _ => today,
    })
}

/// Holds off any day-end close until this transaction ends, so a posting dated on an open date
/// commits before that date can close. Postings share the hold (SHARE mode); a close takes
/// EXCLUSIVE mode, which waits for them.
pub async fn hold_closes(db: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("LOCK TABLE ledger_closed_date IN SHARE MODE").execute(&mut *db).await?;
    Ok(())
}

/// The first date still open for posting (the day after the latest closed one), if any is closed.
pub async fn first_open_date(db: &mut PgConnection) -> Result<Option<NaiveDate>, LedgerError> {
    let closed =
        sqlx::query_scalar!(r#"SELECT max(business_date) AS "closed: NaiveDate" FROM ledger_closed_date"#)
            .fetch_one(&mut *db)
            .await?;
    // Checked: a closed date at the end of the calendar must refuse postings, not panic.
    closed.map(|d| d.checked_add_days(chrono::Days::new(1)).ok_or(LedgerError::EndOfCalendar(d))).transpose()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::money::Currency;

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::from_code("USD").unwrap())
    }

    fn tx(lines: Vec<Line>) -> NewTransaction {
        NewTransaction {
            idempotency_key: "key-00000001".into(),
            effective_date: "2026-11-20".parse().unwrap(),
            description: "test".into(),
            work_item: None,
            initiated_by: "ava".into(),
            approved_by: "sam".into(),
            initiated_by_person: None,
            approved_by_persons: Vec::new(),
            reverses: None,
            lines,
        }
    }

    #[test]
    fn unbalanced_one_sided_zero_and_self_approved_transactions_are_refused() {
        let ok = tx(vec![Line { account: 1, amount: usd(500) }, Line { account: 2, amount: usd(-500) }]);
        assert!(check(&ok).is_ok());
        let off = tx(vec![Line { account: 1, amount: usd(500) }, Line { account: 2, amount: usd(-499) }]);
        assert!(matches!(check(&off), Err(LedgerError::Unbalanced { .. })));
        assert!(matches!(
            check(&tx(vec![Line { account: 1, amount: usd(0) }, Line { account: 2, amount: usd(0) }])),
            Err(LedgerError::ZeroPosting)
        ));
        assert!(matches!(
            check(&tx(vec![Line { account: 1, amount: usd(5) }])),
            Err(LedgerError::TooFewPostings)
        ));
        let mine = NewTransaction { approved_by: "ava".into(), ..ok.clone() };
        assert!(matches!(check(&mine), Err(LedgerError::SelfApproval)));
        // By person: a new username is still the same person; a namesake is someone else.
        let renamed = NewTransaction {
            approved_by: "ava.renamed".into(),
            initiated_by_person: Some(7),
            approved_by_persons: vec![7],
            ..ok.clone()
        };
        assert!(matches!(check(&renamed), Err(LedgerError::SelfApproval)));
        let namesake = NewTransaction {
            approved_by: "ava".into(),
            initiated_by_person: Some(7),
            approved_by_persons: vec![8],
            ..ok.clone()
        };
        assert!(check(&namesake).is_ok());
        let eur = Money::from_minor(-500, Currency::from_code("EUR").unwrap());
        let mixed = tx(vec![Line { account: 1, amount: usd(500) }, Line { account: 3, amount: eur }]);
        assert!(
            matches!(check(&mixed), Err(LedgerError::Unbalanced { .. })),
            "each currency nets on its own"
        );
    }

    proptest! {
        /// Any balanced transaction's reversal is balanced, and the two together leave every
        /// account where it was.
        #[test]
        fn a_reversal_undoes_exactly(amounts in proptest::collection::vec(1i64..1_000_000, 1..6)) {
            let mut lines: Vec<Line> = amounts.iter().enumerate().map(|(i, a)| Line { account: i as i64 + 1, amount: usd(*a) }).collect();
            lines.push(Line { account: 99, amount: usd(-amounts.iter().sum::<i64>()) });
            let original = tx(lines.clone());
            prop_assert!(check(&original).is_ok());
            let undo = tx(reversing(&lines));
            prop_assert!(check(&undo).is_ok());
            let mut per_account: BTreeMap<i64, i64> = BTreeMap::new();
            for l in lines.iter().chain(&undo.lines) {
                *per_account.entry(l.account).or_default() += l.amount.minor();
            }
            prop_assert!(per_account.values().all(|v| *v == 0));
        }
    }
}
