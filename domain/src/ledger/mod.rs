//! The double-entry ledger: accounts, posting, statements, the trial balance and day-end close
//! ([`posting`]), and manual actions that post only after a second person approves ([`actions`]).
//! See migration 0010 for what the database itself guarantees.

pub mod actions;
pub mod close;
pub mod limits;
pub mod posting;
pub mod templates;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::money::{Currency, Money};

/// What an account is in the balance sheet or the income statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum AccountKind {
    Asset,
    Liability,
    Income,
    Expense,
}

impl AccountKind {
    pub const ALL: [AccountKind; 4] =
        [AccountKind::Asset, AccountKind::Liability, AccountKind::Income, AccountKind::Expense];

    /// As stored, and as forms send it.
    pub fn code(self) -> &'static str {
        match self {
            AccountKind::Asset => "asset",
            AccountKind::Liability => "liability",
            AccountKind::Income => "income",
            AccountKind::Expense => "expense",
        }
    }

    pub fn from_code(code: &str) -> Option<AccountKind> {
        AccountKind::ALL.into_iter().find(|kind| kind.code() == code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: AccountKind,
    pub currency: String,
    pub balance_minor: i64,
    pub version: i64,
}

pub async fn accounts(pool: &PgPool) -> Result<Vec<Account>, sqlx::Error> {
    sqlx::query_as!(
        Account,
        r#"SELECT id, code, name, kind AS "kind: AccountKind", currency, balance_minor, version
           FROM ledger_account ORDER BY code"#
    )
    .fetch_all(pool)
    .await
}

pub async fn account_by_code(pool: &PgPool, code: &str) -> Result<Option<Account>, sqlx::Error> {
    sqlx::query_as!(
        Account,
        r#"SELECT id, code, name, kind AS "kind: AccountKind", currency, balance_minor, version
           FROM ledger_account WHERE code = $1"#,
        code
    )
    .fetch_optional(pool)
    .await
}

/// Why an account cannot be opened. Each refusal is its own variant, so the portal can say it in
/// the person's language.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("an account code is 1 to 64 letters, digits or _ . : -")]
    BadCode,
    #[error("an account needs a name")]
    NoName,
    #[error("'{0}' is not a kind of account")]
    UnknownKind(String),
    #[error("an account needs a currency")]
    NoCurrency,
    #[error("'{0}' is not a currency")]
    UnknownCurrency(String),
    #[error("an account with code {0} already exists")]
    Exists(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// An account as an admin asks for it, checked: a code of letters, digits and `_ . : -` (kept in
/// lower case, so `Visa_GBP` and `visa_gbp` are one account), a name, a kind, a currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub code: String,
    pub name: String,
    pub kind: AccountKind,
    pub currency: Currency,
}

impl NewAccount {
    pub fn parse(code: &str, name: &str, kind: &str, currency: &str) -> Result<NewAccount, AccountError> {
        let code = code.trim().to_lowercase();
        if code.is_empty()
            || code.len() > 64
            || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(&b))
        {
            return Err(AccountError::BadCode);
        }
        let name = name.trim();
        if name.is_empty() {
            return Err(AccountError::NoName);
        }
        let kind = AccountKind::from_code(kind.trim())
            .ok_or_else(|| AccountError::UnknownKind(kind.trim().to_owned()))?;
        let currency = currency.trim().to_uppercase();
        if currency.is_empty() {
            return Err(AccountError::NoCurrency);
        }
        let currency = Currency::from_code(&currency).ok_or(AccountError::UnknownCurrency(currency))?;
        Ok(NewAccount { code, name: name.to_owned(), kind, currency })
    }
}

/// Opens an account (admins extend the chart of accounts), and audits it in the same transaction:
/// no account without its record, and no record of an account that was not opened. A code already
/// taken is refused, also when two admins open it at once (the table's unique code decides).
pub async fn open_account(
    pool: &PgPool,
    account: &NewAccount,
    by: &crate::audit::Actor,
) -> Result<i64, AccountError> {
    let NewAccount { code, name, kind, currency } = account;
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query_scalar!(
        "INSERT INTO ledger_account (code, name, kind, currency, created_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (code) DO NOTHING RETURNING id",
        code,
        name,
        kind.code(),
        currency.code(),
        by.username
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = inserted else { return Err(AccountError::Exists(code.clone())) };
    let event = crate::audit::NewAuditEvent {
        after: Some(
            serde_json::json!({ "code": code, "name": name, "kind": kind.code(), "currency": currency.code() }),
        ),
        ..by.event(crate::audit::AuditAction::SettingChanged, format!("ledger_account:{id}"))
    };
    crate::audit::append(&mut tx, event).await?;
    tx.commit().await?;
    Ok(id)
}

/// One line of an account statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementLine {
    pub posting_id: i64,
    pub transaction_id: i64,
    pub effective_date: NaiveDate,
    pub posted_at: DateTime<Utc>,
    pub description: String,
    pub amount_minor: i64,
    pub balance_after: i64,
}

/// An account's postings, newest first, before posting `before` (keyset).
pub async fn statement(
    pool: &PgPool,
    account: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<StatementLine>, sqlx::Error> {
    sqlx::query_as!(
        StatementLine,
        r#"SELECT p.id AS posting_id, t.id AS transaction_id, t.effective_date AS "effective_date: NaiveDate",
                  t.posted_at AS "posted_at: DateTime<Utc>", t.description, p.amount_minor, p.balance_after
           FROM ledger_posting p JOIN ledger_transaction t ON t.id = p.transaction_id
           WHERE p.account_id = $1 AND p.id < coalesce($2, 9223372036854775807)
           ORDER BY p.id DESC LIMIT $3"#,
        account,
        before,
        limit
    )
    .fetch_all(pool)
    .await
}

/// A posting with its transaction, for the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalLine {
    pub posting_id: i64,
    pub transaction_id: i64,
    pub effective_date: NaiveDate,
    pub posted_at: DateTime<Utc>,
    pub description: String,
    pub account_id: i64,
    pub account_code: String,
    pub currency: String,
    pub amount_minor: i64,
    pub balance_after: i64,
    pub initiated_by: String,
    pub approved_by: String,
    /// The transaction this one reverses, if it is a reversal.
    pub reverses: Option<i64>,
    /// The transaction that reversed this one, if any.
    pub reversed_by: Option<i64>,
}

/// Which postings the journal lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JournalFilter {
    pub account: Option<i64>,
    /// Business dates (effective dates), both included.
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

/// The latest postings, newest first.
pub async fn journal(pool: &PgPool, limit: i64) -> Result<Vec<JournalLine>, sqlx::Error> {
    journal_page(pool, &JournalFilter::default(), None, true, limit).await
}

/// Postings matching `filter`, after (or, newest first, before) posting `cursor` (keyset).
pub async fn journal_page(
    db: impl sqlx::PgExecutor<'_>,
    filter: &JournalFilter,
    cursor: Option<i64>,
    newest_first: bool,
    limit: i64,
) -> Result<Vec<JournalLine>, sqlx::Error> {
    sqlx::query_as!(
        JournalLine,
        r#"SELECT p.id AS posting_id, t.id AS transaction_id, t.effective_date AS "effective_date: NaiveDate",
                  t.posted_at AS "posted_at: DateTime<Utc>", t.description, p.account_id, a.code AS account_code,
                  p.currency, p.amount_minor, p.balance_after, t.initiated_by, t.approved_by, t.reverses,
                  (SELECT r.id FROM ledger_transaction r WHERE r.reverses = t.id) AS reversed_by
           FROM ledger_posting p JOIN ledger_transaction t ON t.id = p.transaction_id
           JOIN ledger_account a ON a.id = p.account_id
           WHERE ($1::bigint IS NULL OR p.account_id = $1)
             AND ($2::date IS NULL OR t.effective_date >= $2) AND ($3::date IS NULL OR t.effective_date <= $3)
             AND ($4::bigint IS NULL OR (CASE WHEN $5 THEN p.id < $4 ELSE p.id > $4 END))
           ORDER BY CASE WHEN $5 THEN -p.id ELSE p.id END LIMIT $6"#,
        filter.account,
        filter.from as _,
        filter.until as _,
        cursor,
        newest_first,
        limit
    )
    .fetch_all(db)
    .await
}

/// What a transaction moved: the sum of its debits, in the currency of its first posting (for a
/// reversal's amount).
pub async fn transaction_amount(pool: &PgPool, id: i64) -> Result<Option<Money>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT (array_agg(currency ORDER BY id))[1] AS "currency?",
                  sum(amount_minor) FILTER (WHERE amount_minor > 0 AND currency = (SELECT currency FROM ledger_posting WHERE transaction_id = $1 ORDER BY id LIMIT 1))::bigint AS "debits?"
           FROM ledger_posting WHERE transaction_id = $1"#,
        id
    )
    .fetch_one(pool)
    .await?;
    Ok(match (row.currency, row.debits) {
        (Some(currency), Some(debits)) => {
            Currency::from_code(&currency).map(|c| Money::from_minor(debits, c))
        }
        _ => None,
    })
}

/// Debits and credits per currency of everything dated on or before `as_of`: equal when the books
/// balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrialBalanceRow {
    pub account_code: String,
    pub currency: String,
    pub debits_minor: i64,
    pub credits_minor: i64,
}

pub async fn trial_balance(pool: &PgPool, as_of: NaiveDate) -> Result<Vec<TrialBalanceRow>, sqlx::Error> {
    sqlx::query_as!(
        TrialBalanceRow,
        r#"SELECT a.code AS account_code, a.currency,
                  coalesce(sum(p.amount_minor) FILTER (WHERE p.amount_minor > 0), 0)::bigint AS "debits_minor!",
                  coalesce(-sum(p.amount_minor) FILTER (WHERE p.amount_minor < 0), 0)::bigint AS "credits_minor!"
           FROM ledger_account a
           JOIN ledger_posting p ON p.account_id = a.id
           JOIN ledger_transaction t ON t.id = p.transaction_id AND t.effective_date <= $1
           GROUP BY a.code, a.currency ORDER BY a.currency, a.code"#,
        as_of as _
    )
    .fetch_all(pool)
    .await
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    use super::posting::{post, reversing, LedgerError, Line, NewTransaction};
    use super::*;

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::from_code("USD").unwrap())
    }

    fn transfer(key: String, from: i64, to: i64, amount: Money) -> NewTransaction {
        NewTransaction {
            idempotency_key: key,
            effective_date: "2026-11-20".parse().unwrap(),
            description: "test transfer".into(),
            work_item: None,
            initiated_by: "ava".into(),
            approved_by: "sam".into(),
            initiated_by_person: None,
            approved_by_persons: Vec::new(),
            reverses: None,
            lines: vec![
                Line { account: from, amount: Money::from_minor(-amount.minor(), amount.currency()) },
                Line { account: to, amount },
            ],
        }
    }

    #[test]
    fn an_account_is_asked_for_with_a_code_a_name_a_kind_and_a_currency() {
        let ok = NewAccount::parse(" Visa_GBP ", " Visa GBP ", "asset", "gbp").unwrap();
        assert_eq!(
            (ok.code.as_str(), ok.name.as_str(), ok.kind, ok.currency.code()),
            ("visa_gbp", "Visa GBP", AccountKind::Asset, "GBP")
        );
        let refused = |code: &str, name: &str, kind: &str, currency: &str| {
            NewAccount::parse(code, name, kind, currency).unwrap_err()
        };
        assert!(matches!(refused("", "n", "asset", "USD"), AccountError::BadCode));
        assert!(matches!(refused("a b", "n", "asset", "USD"), AccountError::BadCode));
        assert!(matches!(refused("x';drop", "n", "asset", "USD"), AccountError::BadCode));
        assert!(matches!(refused(&"a".repeat(65), "n", "asset", "USD"), AccountError::BadCode));
        assert!(matches!(refused("a", "  ", "asset", "USD"), AccountError::NoName));
        assert!(matches!(refused("a", "n", "equity", "USD"), AccountError::UnknownKind(k) if k == "equity"));
        assert!(matches!(refused("a", "n", "asset", " "), AccountError::NoCurrency));
        assert!(matches!(refused("a", "n", "asset", "XYZ"), AccountError::UnknownCurrency(c) if c == "XYZ"));
        for kind in AccountKind::ALL {
            assert_eq!(AccountKind::from_code(kind.code()), Some(kind));
        }
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn two_admins_opening_one_code_at_once_open_one_account_with_one_record(pool: PgPool) {
        let ada = crate::people::testing::actor(&pool, "ada", crate::access::Role::Admin).await;
        let eve = crate::people::testing::actor(&pool, "eve", crate::access::Role::Admin).await;
        let account = NewAccount::parse("visa_gbp", "Visa GBP", "asset", "GBP").unwrap();
        let (first, second) =
            tokio::join!(open_account(&pool, &account, &ada), open_account(&pool, &account, &eve));
        let opened = [&first, &second].iter().filter(|r| r.is_ok()).count();
        assert_eq!(opened, 1, "{first:?} {second:?}");
        assert!([first, second]
            .into_iter()
            .any(|r| matches!(r, Err(AccountError::Exists(code)) if code == "visa_gbp")));
        let records: i64 =
            sqlx::query_scalar("SELECT count(*) FROM audit_event WHERE target LIKE 'ledger_account:%'")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(records, 1);
        let stored = account_by_code(&pool, "visa_gbp").await.unwrap().unwrap();
        assert_eq!((stored.kind, stored.currency.as_str()), (AccountKind::Asset, "GBP"));
    }

    async fn ids(pool: &PgPool, codes: &[&str]) -> Vec<i64> {
        let mut out = Vec::new();
        for code in codes {
            out.push(account_by_code(pool, code).await.unwrap().unwrap().id);
        }
        out
    }

    /// The books' invariants, straight from the tables.
    async fn assert_books_balance(pool: &PgPool) {
        let unbalanced: i64 = sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!" FROM (SELECT transaction_id, currency FROM ledger_posting
                GROUP BY transaction_id, currency HAVING sum(amount_minor) <> 0) bad"#
        )
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(unbalanced, 0, "every transaction nets to zero per currency");
        let totals: Vec<(String, i64)> = sqlx::query!(
            r#"SELECT currency, sum(balance_minor)::bigint AS "total!" FROM ledger_account GROUP BY currency"#
        )
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.currency, r.total))
        .collect();
        assert!(totals.iter().all(|(_, t)| *t == 0), "balances sum to zero per currency: {totals:?}");
        let drifted: i64 = sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!" FROM ledger_account a
               LEFT JOIN (SELECT account_id, sum(amount_minor) AS total, count(*) AS n FROM ledger_posting GROUP BY account_id) p
                 ON p.account_id = a.id
               WHERE a.balance_minor <> coalesce(p.total, 0) OR a.version <> coalesce(p.n, 0)"#
        )
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(drifted, 0, "each balance is the sum of its postings, each version their count");
        let broken: i64 = sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!" FROM (
                   SELECT amount_minor, balance_after, account_version,
                          lag(balance_after, 1, 0::bigint) OVER w AS before,
                          lag(account_version, 1, 0::bigint) OVER w AS version_before
                   FROM ledger_posting WINDOW w AS (PARTITION BY account_id ORDER BY account_version)) c
               WHERE balance_after <> before + amount_minor OR account_version <> version_before + 1"#
        )
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(broken, 0, "each posting's balance-after follows from the one before it");
    }

    /// Each client task returns what it moved on each of `hot`: the accounts' balances must be
    /// the sum of it, `postings` postings written in all, and the books balanced.
    async fn assert_clients_add_up(
        pool: &PgPool,
        hot: &[i64],
        tasks: Vec<tokio::task::JoinHandle<Vec<i64>>>,
        postings: i64,
    ) {
        let mut expected = vec![0i64; hot.len()];
        for task in tasks {
            for (e, n) in expected.iter_mut().zip(task.await.unwrap()) {
                *e += n;
            }
        }
        for (id, want) in hot.iter().zip(expected) {
            let balance = sqlx::query_scalar!("SELECT balance_minor FROM ledger_account WHERE id = $1", id)
                .fetch_one(pool)
                .await
                .unwrap();
            assert_eq!(balance, want, "account {id}");
        }
        let written: i64 = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM ledger_posting"#)
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(written, postings);
        assert_books_balance(pool).await;
    }

    #[derive(Debug, Clone)]
    enum Op {
        Transfer { from: usize, to: usize, minor: i64 },
        Reverse { of: usize },
        Unbalanced { from: usize, to: usize, minor: i64 },
        WrongCurrency { from: usize, minor: i64 },
        Retry { of: usize },
        Fx { to: usize, minor: i64, rate_micros: i64, spread_bps: u32 },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0..4usize, 0..4usize, 1i64..5_000_000).prop_map(|(from, to, minor)| Op::Transfer { from, to, minor }),
            2 => (0..40usize).prop_map(|of| Op::Reverse { of }),
            1 => (0..4usize, 0..4usize, 2i64..1000).prop_map(|(from, to, minor)| Op::Unbalanced { from, to, minor }),
            1 => (0..4usize, 1i64..1000).prop_map(|(from, minor)| Op::WrongCurrency { from, minor }),
            1 => (0..40usize).prop_map(|of| Op::Retry { of }),
            2 => (0..4usize, 100i64..5_000_000, 500_000i64..2_000_000, 0u32..300)
                .prop_map(|(to, minor, rate_micros, spread_bps)| Op::Fx { to, minor, rate_micros, spread_bps }),
        ]
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn any_sequence_of_transfers_reversals_fx_transfers_and_refusals_keeps_the_books_balanced(
        pool: PgPool,
    ) {
        let usd_accounts =
            ids(&pool, &["visa_settlement", "zelle_clearing", "suspense", "customer_funding"]).await;
        let eur = ids(&pool, &["visa_settlement_eur"]).await[0];
        let fx = ids(&pool, &["fx_position_usd", "fx_position_eur", "fx_gain_loss"]).await;
        let mut runner = TestRunner::deterministic();
        let sequences = proptest::collection::vec(op(), 5..30);
        let mut key = 0u64;
        for case in 0..20 {
            let ops = sequences.new_tree(&mut runner).unwrap().current();
            let mut posted: Vec<(NewTransaction, i64)> = Vec::new();
            for op in ops {
                key += 1;
                let k = format!("case-{case}-op-{key:06}");
                match op {
                    Op::Transfer { from, to, minor } => {
                        let tx = transfer(k, usd_accounts[from], usd_accounts[to], usd(minor));
                        let p = post(&pool, &tx).await.unwrap();
                        posted.push((tx, p.transaction_id));
                    }
                    Op::Reverse { of } => {
                        let Some((original, id)) = posted.get(of % posted.len().max(1)).cloned() else {
                            continue;
                        };
                        let undo = NewTransaction {
                            idempotency_key: k,
                            reverses: Some(id),
                            lines: reversing(&original.lines),
                            ..original
                        };
                        match post(&pool, &undo).await {
                            Ok(p) => posted.push((undo, p.transaction_id)),
                            // A transaction is reversed at most once.
                            Err(LedgerError::Database(e)) => {
                                assert!(e.to_string().contains("reverses"), "{e}")
                            }
                            Err(e) => panic!("{e}"),
                        }
                    }
                    Op::Unbalanced { from, to, minor } => {
                        let mut tx = transfer(k, usd_accounts[from], usd_accounts[to], usd(minor));
                        tx.lines[1].amount = usd(minor - 1);
                        assert!(matches!(post(&pool, &tx).await, Err(LedgerError::Unbalanced { .. })));
                    }
                    Op::WrongCurrency { from, minor } => {
                        let tx = transfer(k, usd_accounts[from], eur, usd(minor));
                        assert!(matches!(post(&pool, &tx).await, Err(LedgerError::WrongCurrency { .. })));
                    }
                    Op::Fx { to, minor, rate_micros, spread_bps } => {
                        // EUR out of the EUR settlement account into a USD account, spread in USD.
                        let eur_amount = Money::from_minor(minor, Currency::from_code("EUR").unwrap());
                        let rate = rust_decimal::Decimal::new(rate_micros, 6);
                        let lines = super::actions::fx_lines(
                            eur,
                            usd_accounts[to],
                            eur_amount,
                            Currency::from_code("USD").unwrap(),
                            rate,
                            spread_bps,
                            (fx[1], fx[0], fx[2]),
                        )
                        .unwrap();
                        let tx = NewTransaction { lines, ..transfer(k, eur, usd_accounts[to], eur_amount) };
                        let p = post(&pool, &tx).await.unwrap();
                        posted.push((tx, p.transaction_id));
                    }
                    Op::Retry { of } => {
                        let Some((tx, id)) = posted.get(of % posted.len().max(1)).cloned() else { continue };
                        let again = post(&pool, &tx).await.unwrap();
                        assert_eq!(
                            (again.transaction_id, again.replayed),
                            (id, true),
                            "a retry posts nothing new"
                        );
                    }
                }
            }
            assert_books_balance(&pool).await;
        }
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn the_database_itself_refuses_unbalanced_or_edited_postings(pool: PgPool) {
        let a = ids(&pool, &["suspense", "zelle_clearing"]).await;
        let posted = post(&pool, &transfer("direct-0001".into(), a[0], a[1], usd(100))).await.unwrap();
        // Around the Rust checks, straight into the tables: refused at commit.
        let mut db = pool.begin().await.unwrap();
        let t: i64 = sqlx::query_scalar!(
            "INSERT INTO ledger_transaction (idempotency_key, effective_date, description, initiated_by, approved_by)
             VALUES ('direct-0002', '2026-11-20', 'x', 'a', 'b') RETURNING id"
        )
        .fetch_one(&mut *db)
        .await
        .unwrap();
        sqlx::query!(
            "INSERT INTO ledger_posting (transaction_id, account_id, currency, amount_minor, balance_after, account_version)
             VALUES ($1, $2, 'USD', 5, 5, 100)",
            t,
            a[0]
        )
        .execute(&mut *db)
        .await
        .unwrap();
        let err = db.commit().await.unwrap_err();
        assert_eq!(err.as_database_error().and_then(|e| e.constraint()), Some("ledger_transaction_balanced"));
        let edit = sqlx::query!(
            "UPDATE ledger_posting SET amount_minor = 1 WHERE transaction_id = $1",
            posted.transaction_id
        )
        .execute(&pool)
        .await;
        assert!(edit.is_err(), "postings are append-only");
        assert_books_balance(&pool).await;
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn many_parallel_transfers_on_a_few_hot_accounts_lose_nothing_and_fail_none(pool: PgPool) {
        let hot = ids(&pool, &["visa_settlement", "mastercard_settlement", "zelle_clearing"]).await;
        let mut tasks = Vec::new();
        for client in 0..16 {
            let (pool, hot) = (pool.clone(), hot.clone());
            tasks.push(tokio::spawn(async move {
                let mut net = vec![0i64; hot.len()];
                for n in 0..25 {
                    let (from, to) = ((client + n) % 3, (client + n + 1 + n % 2) % 3);
                    let minor = 100 + (client * 31 + n * 7) as i64;
                    let key = format!("hot-{client:02}-{n:03}");
                    post(&pool, &transfer(key, hot[from], hot[to], usd(minor)))
                        .await
                        .expect("no error reaches the caller");
                    net[from] -= minor;
                    net[to] += minor;
                }
                net
            }));
        }
        assert_clients_add_up(&pool, &hot, tasks, 16 * 25 * 2).await;
    }

    /// Single transfers share the ledger lock and batches have it alone: the two kinds at once,
    /// over the same few accounts, must still queue on each account and lose nothing.
    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn single_transfers_and_batches_at_once_on_hot_accounts_lose_nothing(pool: PgPool) {
        let hot = ids(&pool, &["visa_settlement", "mastercard_settlement", "zelle_clearing"]).await;
        let mut tasks = Vec::new();
        for client in 0..12usize {
            let (pool, hot) = (pool.clone(), hot.clone());
            tasks.push(tokio::spawn(async move {
                let mut net = vec![0i64; hot.len()];
                for n in 0..12usize {
                    // Half the clients post one transfer at a time, half in batches of five.
                    let size = if client % 2 == 0 { 1 } else { 5 };
                    let batch: Vec<NewTransaction> = (0..size)
                        .map(|i| {
                            let (from, to) = ((client + n + i) % 3, (client + n + i + 1) % 3);
                            let minor = 100 + (client * 31 + n * 7 + i) as i64;
                            net[from] -= minor;
                            net[to] += minor;
                            transfer(format!("mixed-{client:02}-{n:03}-{i}"), hot[from], hot[to], usd(minor))
                        })
                        .collect();
                    posting::post_batch(&pool, &batch).await.expect("no error reaches the caller");
                }
                net
            }));
        }
        assert_clients_add_up(&pool, &hot, tasks, (6 * 12 + 6 * 12 * 5) * 2).await;
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_closed_date_takes_no_postings_and_the_trial_balance_balances(pool: PgPool) {
        use crate::access::Role;
        use crate::people::testing::actor;
        let a = ids(&pool, &["suspense", "zelle_clearing"]).await;
        post(&pool, &transfer("before-close".into(), a[0], a[1], usd(700))).await.unwrap();
        let (sam, sue) =
            (actor(&pool, "sam", Role::Approver).await, actor(&pool, "sue", Role::Approver).await);
        let (day, today) = ("2026-11-20".parse().unwrap(), "2026-12-03".parse().unwrap());
        let proposal = close::propose(&pool, &sam, day, today).await.unwrap();
        close::approve(&pool, &sue, proposal, today).await.unwrap();
        let late = transfer("after-close".into(), a[0], a[1], usd(5));
        match post(&pool, &late).await {
            Err(LedgerError::DateClosed { first_open, .. }) => {
                assert_eq!(first_open.to_string(), "2026-11-21")
            }
            other => panic!("expected a closed date, got {other:?}"),
        }
        let next = NewTransaction { effective_date: "2026-11-21".parse().unwrap(), ..late };
        post(&pool, &next).await.unwrap();
        assert!(
            close::propose(&pool, &sam, "2026-11-19".parse().unwrap(), today).await.is_err(),
            "dates close in order"
        );
        let trial = trial_balance(&pool, "2026-11-20".parse().unwrap()).await.unwrap();
        let (debits, credits) =
            trial.iter().fold((0, 0), |(d, c), r| (d + r.debits_minor, c + r.credits_minor));
        assert_eq!((debits, credits), (700, 700));
    }
}
