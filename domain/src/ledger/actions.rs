//! Manual actions under maker-checker: one person initiates, another approves; only then does the
//! ledger move. Amounts above a threshold need two approvers. An approval posts the transaction,
//! marks the action, resolves the work item it came from and writes the audit record, all in one
//! database transaction. Pending actions expire.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};

use super::posting::{self, LedgerError, Line, NewTransaction};
use crate::audit::{self, Actor, AuditAction, NewAuditEvent};
use crate::money::Money;

/// What an associate asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActionRequest {
    /// Moves `amount` from one account to another of the same currency.
    Transfer { from: i64, to: i64, amount: Money, description: String },
    /// Moves `amount` out of an account into suspense.
    WriteOff { from: i64, suspense: i64, amount: Money, description: String },
    /// Undoes a posted transaction.
    Reversal { transaction: i64, amount: Money, description: String },
    /// Moves `amount` out of `from` and the converted amount into `to` (another currency) through
    /// the FX position accounts, at the explicit `mid_rate` (units of `to`'s currency per unit of
    /// `from`'s) less `spread_bps`; the spread is booked to `fx_gain` (in `to`'s currency).
    FxTransfer {
        from: i64,
        to: i64,
        amount: Money,
        to_currency: crate::money::Currency,
        mid_rate: rust_decimal::Decimal,
        spread_bps: u32,
        fx_position_from: i64,
        fx_position_to: i64,
        fx_gain: i64,
        description: String,
    },
}

/// The postings of a cross-currency transfer of `amount` (currency X) into currency Y. With `c` the
/// amount at the customer rate (mid less the spread) and `g` the spread (the amount at mid less
/// `c`), both rounded to Y's scale:
///
/// | account | currency | posting |
/// | --- | --- | --- |
/// | `from` | X | −amount |
/// | FX position X | X | +amount |
/// | `to` | Y | +c |
/// | FX position Y | Y | −(c − g) |
/// | FX gain and loss | Y | −g (income) |
///
/// Each currency nets to zero; the customer receives `c`; the bank books the spread as income.
pub fn fx_lines(
    from: i64,
    to: i64,
    amount: Money,
    to_currency: crate::money::Currency,
    mid_rate: rust_decimal::Decimal,
    spread_bps: u32,
    (fx_position_from, fx_position_to, fx_gain): (i64, i64, i64),
) -> Result<Vec<Line>, ActionError> {
    use rust_decimal::Decimal;
    if mid_rate <= Decimal::ZERO || mid_rate.scale() > 10 {
        return Err(ActionError::Invalid("the rate must be positive, with at most 10 decimal places".into()));
    }
    if spread_bps >= 10_000 {
        return Err(ActionError::Invalid("the spread must be under 10,000 basis points".into()));
    }
    if amount.currency() == to_currency {
        return Err(ActionError::Invalid("a cross-currency transfer needs two currencies".into()));
    }
    let places = u32::from(to_currency.exponent());
    let customer_rate = mid_rate * (Decimal::ONE - Decimal::new(i64::from(spread_bps), 4));
    let at = |rate: Decimal| -> Result<Money, ActionError> {
        let value = (amount.to_decimal() * rate)
            .round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointNearestEven);
        Money::from_decimal(value, to_currency).map_err(|e| ActionError::Invalid(e.to_string()))
    };
    let (at_mid, converted) = (at(mid_rate)?, at(customer_rate)?);
    if converted.minor() <= 0 {
        return Err(ActionError::Invalid("the amount converts to nothing at that rate".into()));
    }
    let spread = at_mid.minor() - converted.minor();
    let m = |minor: i64, currency| Money::from_minor(minor, currency);
    let mut lines = vec![
        Line { account: from, amount: m(-amount.minor(), amount.currency()) },
        Line { account: fx_position_from, amount: m(amount.minor(), amount.currency()) },
        Line { account: to, amount: converted },
        Line { account: fx_position_to, amount: m(spread - converted.minor(), to_currency) },
    ];
    if spread != 0 {
        lines.push(Line { account: fx_gain, amount: m(-spread, to_currency) });
    }
    Ok(lines)
}

impl ActionRequest {
    pub fn kind(&self) -> &'static str {
        match self {
            ActionRequest::Transfer { .. } => "transfer",
            ActionRequest::WriteOff { .. } => "write_off",
            ActionRequest::Reversal { .. } => "reversal",
            ActionRequest::FxTransfer { .. } => "fx_transfer",
        }
    }

    pub fn amount(&self) -> Money {
        match self {
            ActionRequest::Transfer { amount, .. }
            | ActionRequest::WriteOff { amount, .. }
            | ActionRequest::Reversal { amount, .. }
            | ActionRequest::FxTransfer { amount, .. } => *amount,
        }
    }

    fn description(&self) -> &str {
        match self {
            ActionRequest::Transfer { description, .. }
            | ActionRequest::WriteOff { description, .. }
            | ActionRequest::Reversal { description, .. }
            | ActionRequest::FxTransfer { description, .. } => description,
        }
    }
}

/// Limits set by the bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Amounts above this (in minor units of any currency) need two approvers.
    pub dual_approval_above_minor: i64,
    /// The largest amount one action may move.
    pub max_minor: i64,
    /// How long an action waits for approval.
    pub expires_after: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            dual_approval_above_minor: 1_000_000,
            max_minor: 100_000_000_000,
            expires_after: Duration::hours(24),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub id: i64,
    pub kind: String,
    pub request: ActionRequest,
    pub work_item_id: Option<i64>,
    pub initiated_by: String,
    pub initiated_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub approvals_needed: i32,
    pub approved_by: Vec<String>,
    pub status: String,
    pub reason: Option<String>,
    pub transaction_id: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("the person who initiated an action cannot approve it")]
    OwnAction,
    #[error("you have already approved this action; it needs another approver")]
    AlreadyApproved,
    #[error("this action is {0}, not pending")]
    NotPending(String),
    #[error("this action expired at {0} without approval")]
    Expired(DateTime<Utc>),
    #[error("action {0} does not exist")]
    NotFound(i64),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Records a pending action. The same idempotency key returns the first action (a double click
/// or a resubmitted form makes one action).
pub async fn initiate(
    pool: &PgPool,
    actor: &Actor,
    policy: &Policy,
    idempotency_key: &str,
    request: &ActionRequest,
    work_item: Option<i64>,
) -> Result<Action, ActionError> {
    let amount = request.amount();
    if amount.minor() <= 0 {
        return Err(ActionError::Invalid("the amount must be more than zero".into()));
    }
    if amount.minor() > policy.max_minor {
        return Err(ActionError::Invalid(format!(
            "{} is over the limit of {} for one action",
            amount.grouped(),
            Money::from_minor(policy.max_minor, amount.currency()).grouped()
        )));
    }
    if request.description().trim().is_empty() {
        return Err(ActionError::Invalid("say what the action is for".into()));
    }
    if !(8..=128).contains(&idempotency_key.len()) {
        return Err(ActionError::Invalid("the form was damaged (idempotency key); reload the page".into()));
    }
    // The lines must make a valid transaction now, not only at approval.
    let lines = lines(pool, request).await?;
    posting::check(&draft(
        idempotency_key,
        request,
        &lines,
        &actor.username,
        "checker",
        None,
        Utc::now().date_naive(),
    ))?;
    let needed = if amount.minor() > policy.dual_approval_above_minor { 2 } else { 1 };
    let mut db = pool.begin().await?;
    let inserted = sqlx::query_scalar!(
        "INSERT INTO ledger_action (idempotency_key, kind, request, amount_minor, currency, work_item_id, initiated_by,
                                    expires_at, approvals_needed)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
        idempotency_key,
        request.kind(),
        serde_json::to_value(request).map_err(|e| ActionError::Invalid(e.to_string()))?,
        amount.minor(),
        amount.currency().code(),
        work_item,
        actor.username,
        (Utc::now() + policy.expires_after) as _,
        needed
    )
    .fetch_optional(&mut *db)
    .await?;
    let id = match inserted {
        Some(id) => {
            let event = NewAuditEvent {
                after: Some(
                    serde_json::json!({ "request": request, "approvals_needed": needed, "work_item": work_item }),
                ),
                ..actor.event(AuditAction::ActionInitiated, format!("ledger_action:{id}"))
            };
            audit::append(&mut db, event).await?;
            id
        }
        None => {
            sqlx::query_scalar!("SELECT id FROM ledger_action WHERE idempotency_key = $1", idempotency_key)
                .fetch_one(&mut *db)
                .await?
        }
    };
    db.commit().await?;
    get(pool, id).await
}

/// Approves a pending action. When it has all the approvals it needs, it posts.
pub async fn approve(pool: &PgPool, actor: &Actor, id: i64) -> Result<Action, ActionError> {
    let mut attempt = 0;
    loop {
        let mut db = pool.begin().await?;
        match approve_in(&mut db, actor, id).await {
            Ok(()) => {
                db.commit().await?;
                return get(pool, id).await;
            }
            Err(ActionError::Expired(at)) => {
                // Keep the expiry that was just recorded.
                db.commit().await?;
                return Err(ActionError::Expired(at));
            }
            Err(ActionError::Ledger(LedgerError::Database(e)) | ActionError::Database(e))
                if attempt < 8
                    && e.as_database_error()
                        .and_then(|d| d.code())
                        .is_some_and(|c| c == "40001" || c == "40P01") =>
            {
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

async fn approve_in(db: &mut PgConnection, actor: &Actor, id: i64) -> Result<(), ActionError> {
    let action = lock(db, id).await?;
    if action.status != "pending" {
        return Err(ActionError::NotPending(action.status));
    }
    if action.expires_at < Utc::now() {
        sqlx::query!("UPDATE ledger_action SET status = 'expired', decided_at = now() WHERE id = $1", id)
            .execute(&mut *db)
            .await?;
        return Err(ActionError::Expired(action.expires_at));
    }
    if action.initiated_by == actor.username {
        return Err(ActionError::OwnAction);
    }
    if action.approved_by.contains(&actor.username) {
        return Err(ActionError::AlreadyApproved);
    }
    let mut approvers = action.approved_by.clone();
    approvers.push(actor.username.clone());
    if (approvers.len() as i32) < action.approvals_needed {
        sqlx::query!("UPDATE ledger_action SET approved_by = $2 WHERE id = $1", id, &approvers)
            .execute(&mut *db)
            .await?;
        let event = NewAuditEvent {
            after: Some(serde_json::json!({ "approved_by": approvers, "needed": action.approvals_needed })),
            ..actor.event(AuditAction::ActionApproved, format!("ledger_action:{id}"))
        };
        audit::append(db, event).await?;
        return Ok(());
    }
    // The last approval: post, at the first open date if the action's date has closed meanwhile.
    let today = Utc::now().date_naive();
    let date = match posting::first_open_date(db).await? {
        Some(open) if open > today => open,
        _ => today,
    };
    let lines = lines_in(db, &action.request).await?;
    let tx = draft(
        &format!("action-{id}"),
        &action.request,
        &lines,
        &action.initiated_by,
        &approvers.join(","),
        action.work_item_id,
        date,
    );
    let posted = posting::post_in(db, std::slice::from_ref(&tx)).await?[0];
    sqlx::query!(
        "UPDATE ledger_action SET status = 'posted', approved_by = $2, decided_by = $3, decided_at = now(), transaction_id = $4
         WHERE id = $1",
        id,
        &approvers,
        actor.username,
        posted.transaction_id
    )
    .execute(&mut *db)
    .await?;
    if let Some(item) = action.work_item_id {
        // The work item this action fixes is resolved with it.
        sqlx::query!(
            "UPDATE work_item SET status = 'resolved', resolution = 'corrected', resolved_at = now(), updated_at = now(),
                    updated_by = $2, version = version + 1
             WHERE id = $1 AND status <> 'resolved'",
            item,
            actor.username
        )
        .execute(&mut *db)
        .await?;
    }
    let event = NewAuditEvent {
        after: Some(
            serde_json::json!({ "transaction": posted.transaction_id, "approved_by": approvers, "work_item": action.work_item_id }),
        ),
        ..actor.event(AuditAction::ActionApproved, format!("ledger_action:{id}"))
    };
    audit::append(db, event).await?;
    Ok(())
}

/// Global finance's release: approves, as one database transaction, every pending action that
/// resolves a resettlement work item of `business_date`: all of them or, if one cannot be
/// approved, none. An action needing two approvers gets this approval and waits for the other.
/// Actions the approver initiated or already approved stop the batch, so it never bypasses
/// maker-checker.
pub async fn approve_resettlements(
    pool: &PgPool,
    actor: &Actor,
    business_date: NaiveDate,
) -> Result<usize, ActionError> {
    let mut db = pool.begin().await?;
    let ids = sqlx::query_scalar!(
        "SELECT a.id FROM ledger_action a JOIN work_item w ON w.id = a.work_item_id
         WHERE a.status = 'pending' AND w.class = 'resettlement' AND w.business_date = $1 ORDER BY a.id",
        business_date as _
    )
    .fetch_all(&mut *db)
    .await?;
    if ids.is_empty() {
        return Err(ActionError::Invalid(format!("no resettlement action of {business_date} is waiting")));
    }
    for id in &ids {
        approve_in(&mut db, actor, *id).await?;
    }
    db.commit().await?;
    Ok(ids.len())
}

/// Rejects a pending action with a reason.
pub async fn reject(pool: &PgPool, actor: &Actor, id: i64, reason: &str) -> Result<Action, ActionError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ActionError::Invalid("say why the action is rejected".into()));
    }
    let mut db = pool.begin().await?;
    let action = lock(&mut db, id).await?;
    if action.status != "pending" {
        return Err(ActionError::NotPending(action.status));
    }
    if action.initiated_by == actor.username {
        return Err(ActionError::OwnAction);
    }
    sqlx::query!(
        "UPDATE ledger_action SET status = 'rejected', decided_by = $2, decided_at = now(), reason = $3 WHERE id = $1",
        id,
        actor.username,
        reason
    )
    .execute(&mut *db)
    .await?;
    let event = NewAuditEvent {
        after: Some(serde_json::json!({ "reason": reason })),
        ..actor.event(AuditAction::ActionRejected, format!("ledger_action:{id}"))
    };
    audit::append(&mut db, event).await?;
    db.commit().await?;
    get(pool, id).await
}

/// Marks pending actions past their time as expired; returns how many.
pub async fn expire(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE ledger_action SET status = 'expired', decided_at = now() WHERE status = 'pending' AND expires_at < now()"
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

fn draft(
    key: &str,
    request: &ActionRequest,
    lines: &[Line],
    initiated_by: &str,
    approved_by: &str,
    work_item: Option<i64>,
    date: NaiveDate,
) -> NewTransaction {
    NewTransaction {
        idempotency_key: key.to_owned(),
        effective_date: date,
        description: request.description().trim().to_owned(),
        work_item,
        initiated_by: initiated_by.to_owned(),
        approved_by: approved_by.to_owned(),
        reverses: match request {
            ActionRequest::Reversal { transaction, .. } => Some(*transaction),
            _ => None,
        },
        lines: lines.to_vec(),
    }
}

async fn lines(pool: &PgPool, request: &ActionRequest) -> Result<Vec<Line>, ActionError> {
    lines_in(&mut *pool.acquire().await?, request).await
}

/// The postings an action makes.
async fn lines_in(db: &mut PgConnection, request: &ActionRequest) -> Result<Vec<Line>, ActionError> {
    let negate = |m: Money| Money::from_minor(-m.minor(), m.currency());
    Ok(match request {
        ActionRequest::Transfer { from, to, amount, .. } => {
            if from == to {
                return Err(ActionError::Invalid("choose two different accounts".into()));
            }
            vec![Line { account: *from, amount: negate(*amount) }, Line { account: *to, amount: *amount }]
        }
        ActionRequest::WriteOff { from, suspense, amount, .. } => {
            vec![
                Line { account: *from, amount: negate(*amount) },
                Line { account: *suspense, amount: *amount },
            ]
        }
        ActionRequest::FxTransfer {
            from,
            to,
            amount,
            to_currency,
            mid_rate,
            spread_bps,
            fx_position_from,
            fx_position_to,
            fx_gain,
            ..
        } => fx_lines(
            *from,
            *to,
            *amount,
            *to_currency,
            *mid_rate,
            *spread_bps,
            (*fx_position_from, *fx_position_to, *fx_gain),
        )?,
        ActionRequest::Reversal { transaction, .. } => {
            let rows = sqlx::query!(
                "SELECT account_id, amount_minor, currency FROM ledger_posting WHERE transaction_id = $1 ORDER BY id",
                transaction
            )
            .fetch_all(&mut *db)
            .await?;
            if rows.is_empty() {
                return Err(ActionError::Invalid(format!("transaction {transaction} does not exist")));
            }
            let original = rows
                .into_iter()
                .map(|r| {
                    let currency = crate::money::Currency::from_code(&r.currency)
                        .ok_or_else(|| ActionError::Invalid(format!("unknown currency {}", r.currency)))?;
                    Ok(Line { account: r.account_id, amount: Money::from_minor(r.amount_minor, currency) })
                })
                .collect::<Result<Vec<_>, ActionError>>()?;
            posting::reversing(&original)
        }
    })
}

struct Locked {
    request: ActionRequest,
    work_item_id: Option<i64>,
    initiated_by: String,
    expires_at: DateTime<Utc>,
    approvals_needed: i32,
    approved_by: Vec<String>,
    status: String,
}

async fn lock(db: &mut PgConnection, id: i64) -> Result<Locked, ActionError> {
    let row = sqlx::query!(
        r#"SELECT request, work_item_id, initiated_by, expires_at AS "expires_at: DateTime<Utc>", approvals_needed,
                  approved_by, status
           FROM ledger_action WHERE id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(&mut *db)
    .await?
    .ok_or(ActionError::NotFound(id))?;
    Ok(Locked {
        request: serde_json::from_value(row.request).map_err(|e| ActionError::Invalid(e.to_string()))?,
        work_item_id: row.work_item_id,
        initiated_by: row.initiated_by,
        expires_at: row.expires_at,
        approvals_needed: row.approvals_needed,
        approved_by: row.approved_by,
        status: row.status,
    })
}

struct ActionRow {
    id: i64,
    kind: String,
    request: serde_json::Value,
    work_item_id: Option<i64>,
    initiated_by: String,
    initiated_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    approvals_needed: i32,
    approved_by: Vec<String>,
    status: String,
    reason: Option<String>,
    transaction_id: Option<i64>,
}

impl TryFrom<ActionRow> for Action {
    type Error = ActionError;

    fn try_from(r: ActionRow) -> Result<Action, ActionError> {
        Ok(Action {
            id: r.id,
            kind: r.kind,
            request: serde_json::from_value(r.request).map_err(|e| ActionError::Invalid(e.to_string()))?,
            work_item_id: r.work_item_id,
            initiated_by: r.initiated_by,
            initiated_at: r.initiated_at,
            expires_at: r.expires_at,
            approvals_needed: r.approvals_needed,
            approved_by: r.approved_by,
            status: r.status,
            reason: r.reason,
            transaction_id: r.transaction_id,
        })
    }
}

pub async fn get(pool: &PgPool, id: i64) -> Result<Action, ActionError> {
    sqlx::query_as!(
        ActionRow,
        r#"SELECT id, kind, request, work_item_id, initiated_by, initiated_at AS "initiated_at: DateTime<Utc>",
                  expires_at AS "expires_at: DateTime<Utc>", approvals_needed, approved_by, status, reason, transaction_id
           FROM ledger_action WHERE id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await?
    .ok_or(ActionError::NotFound(id))?
    .try_into()
}

/// Actions by status (and, when given, by work item), oldest first.
pub async fn list(
    pool: &PgPool,
    status: Option<&str>,
    work_item: Option<i64>,
    limit: i64,
) -> Result<Vec<Action>, ActionError> {
    sqlx::query_as!(
        ActionRow,
        r#"SELECT id, kind, request, work_item_id, initiated_by, initiated_at AS "initiated_at: DateTime<Utc>",
                  expires_at AS "expires_at: DateTime<Utc>", approvals_needed, approved_by, status, reason, transaction_id
           FROM ledger_action WHERE ($1::text IS NULL OR status = $1) AND ($2::bigint IS NULL OR work_item_id = $2)
           ORDER BY id LIMIT $3"#,
        status,
        work_item,
        limit
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(Action::try_from)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn who(name: &str) -> Actor {
        Actor { username: name.into(), session_ref: None, address: None }
    }

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::from_code("USD").unwrap())
    }

    async fn account(pool: &PgPool, code: &str) -> i64 {
        crate::ledger::account_by_code(pool, code).await.unwrap().unwrap().id
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn an_action_posts_only_after_someone_else_approves_and_once_only(pool: PgPool) {
        let (from, to) =
            (account(&pool, "global_finance_resettlement").await, account(&pool, "visa_settlement").await);
        let request = ActionRequest::Transfer {
            from,
            to,
            amount: usd(12_345),
            description: "chargeback resettlement".into(),
        };
        let policy = Policy::default();
        let first = initiate(&pool, &who("ava"), &policy, "form-key-0001", &request, None).await.unwrap();
        let again = initiate(&pool, &who("ava"), &policy, "form-key-0001", &request, None).await.unwrap();
        assert_eq!(first.id, again.id, "a resubmitted form makes one action");
        assert_eq!((first.status.as_str(), first.approvals_needed), ("pending", 1));
        assert!(matches!(approve(&pool, &who("ava"), first.id).await, Err(ActionError::OwnAction)));
        let posted = approve(&pool, &who("sam"), first.id).await.unwrap();
        assert_eq!(posted.status, "posted");
        assert!(matches!(approve(&pool, &who("sue"), first.id).await, Err(ActionError::NotPending(_))));
        let balance =
            crate::ledger::account_by_code(&pool, "visa_settlement").await.unwrap().unwrap().balance_minor;
        assert_eq!(balance, 12_345);
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn large_amounts_need_two_approvers_and_bad_amounts_are_refused(pool: PgPool) {
        let (from, to) = (account(&pool, "suspense").await, account(&pool, "zelle_clearing").await);
        let policy = Policy { dual_approval_above_minor: 10_000, ..Policy::default() };
        let big = ActionRequest::Transfer { from, to, amount: usd(50_000), description: "big".into() };
        let action = initiate(&pool, &who("ava"), &policy, "form-key-0002", &big, None).await.unwrap();
        assert_eq!(action.approvals_needed, 2);
        let half = approve(&pool, &who("sam"), action.id).await.unwrap();
        assert_eq!((half.status.as_str(), half.approved_by.clone()), ("pending", vec!["sam".to_owned()]));
        assert!(matches!(approve(&pool, &who("sam"), action.id).await, Err(ActionError::AlreadyApproved)));
        assert_eq!(approve(&pool, &who("sue"), action.id).await.unwrap().status, "posted");

        for (minor, key) in
            [(0, "form-key-0003"), (-5, "form-key-0004"), (policy.max_minor + 1, "form-key-0005")]
        {
            let bad = ActionRequest::Transfer { from, to, amount: usd(minor), description: "bad".into() };
            assert!(
                matches!(
                    initiate(&pool, &who("ava"), &policy, key, &bad, None).await,
                    Err(ActionError::Invalid(_))
                ),
                "{minor}"
            );
        }
        let rejected_one = initiate(
            &pool,
            &who("ava"),
            &policy,
            "form-key-0006",
            &ActionRequest::WriteOff { from, suspense: to, amount: usd(10), description: "w".into() },
            None,
        )
        .await
        .unwrap();
        assert!(matches!(
            reject(&pool, &who("sam"), rejected_one.id, " ").await,
            Err(ActionError::Invalid(_))
        ));
        assert_eq!(
            reject(&pool, &who("sam"), rejected_one.id, "wrong account").await.unwrap().status,
            "rejected"
        );
    }

    proptest::proptest! {
        /// Any amount, rate and spread gives postings that balance in each currency, with the
        /// customer's amount at the customer rate and the spread never negative.
        #[test]
        fn a_cross_currency_transfer_balances_in_both_currencies(
            minor in 1i64..10_000_000_000,
            rate_units in 1i64..5_000_000,
            spread_bps in 0u32..500,
        ) {
            let eur = Currency::from_code("EUR").unwrap();
            let usd = Currency::from_code("USD").unwrap();
            let rate = rust_decimal::Decimal::new(rate_units, 6);
            let amount = Money::from_minor(minor, eur);
            match fx_lines(1, 2, amount, usd, rate, spread_bps, (3, 4, 5)) {
                Ok(lines) => {
                    let tx = draft("fx-proptest-key", &ActionRequest::Transfer { from: 1, to: 2, amount, description: "fx".into() }, &lines, "a", "b", None, chrono::NaiveDate::MIN);
                    proptest::prop_assert!(posting::check(&tx).is_ok(), "{lines:?}");
                    let spread: i64 = lines.iter().filter(|l| l.account == 5).map(|l| -l.amount.minor()).sum();
                    proptest::prop_assert!(spread >= 0);
                }
                Err(ActionError::Invalid(_)) => {} // converts to nothing: refused, not posted
                Err(e) => proptest::prop_assert!(false, "{e}"),
            }
        }
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_cross_currency_transfer_posts_through_the_fx_accounts_with_the_spread_booked(pool: PgPool) {
        let eur = Currency::from_code("EUR").unwrap();
        let request = ActionRequest::FxTransfer {
            from: account(&pool, "visa_settlement_eur").await,
            to: account(&pool, "visa_settlement").await,
            amount: Money::from_minor(100_000, eur),
            to_currency: Currency::from_code("USD").unwrap(),
            mid_rate: "1.0850".parse().unwrap(),
            spread_bps: 50,
            fx_position_from: account(&pool, "fx_position_eur").await,
            fx_position_to: account(&pool, "fx_position_usd").await,
            fx_gain: account(&pool, "fx_gain_loss").await,
            description: "EUR settlement moved to USD".into(),
        };
        let action =
            initiate(&pool, &who("ava"), &Policy::default(), "form-key-fx01", &request, None).await.unwrap();
        approve(&pool, &who("sam"), action.id).await.unwrap();
        let balance = |code: &'static str| {
            let pool = pool.clone();
            async move { crate::ledger::account_by_code(&pool, code).await.unwrap().unwrap().balance_minor }
        };
        // 1,000.00 EUR at 1.0850 less 0.50 %: 1,079.58 USD to the customer, 5.42 USD of spread.
        assert_eq!(balance("visa_settlement").await, 107_958);
        assert_eq!(balance("fx_gain_loss").await, -542);
        assert_eq!(balance("fx_position_eur").await, 100_000);
        assert_eq!(balance("visa_settlement_eur").await, -100_000);
        assert_eq!(balance("fx_position_usd").await, -107_958 + 542);
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn an_expired_action_cannot_be_approved(pool: PgPool) {
        let (from, to) = (account(&pool, "suspense").await, account(&pool, "zelle_clearing").await);
        let policy = Policy { expires_after: Duration::seconds(-1), ..Policy::default() };
        let request = ActionRequest::Transfer { from, to, amount: usd(10), description: "late".into() };
        let action = initiate(&pool, &who("ava"), &policy, "form-key-0007", &request, None).await.unwrap();
        assert!(matches!(approve(&pool, &who("sam"), action.id).await, Err(ActionError::Expired(_))));
        assert_eq!(get(&pool, action.id).await.unwrap().status, "expired");
    }
}
