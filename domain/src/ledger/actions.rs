//! Manual actions under maker-checker: one person initiates, another approves; only then does the
//! ledger move. Actions worth more than a threshold (in USD, see [`super::limits`]) need two
//! approvers. An approval posts the transaction, marks the action, resolves the work item it
//! settles and writes the audit record, all in one database transaction. Pending actions expire.
//!
//! People are compared by [`crate::people::PersonId`], never by username. A work item is settled
//! by at most one posted action (a unique index); reversing that action's transaction reopens it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};

use super::limits::LimitError;
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
    /// Pays `amount` out of `from` to an external counterparty (the version of its details the
    /// approvers see): approved, the amount moves to `in_transit` and a payment instruction is
    /// queued; settled by the bank's payment hub, it moves on to `to` (see [`crate::payouts`]).
    Payout {
        from: i64,
        to: i64,
        in_transit: i64,
        counterparty_version: i64,
        amount: Money,
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
        return Err(ActionError::BadRate);
    }
    if spread_bps >= 10_000 {
        return Err(ActionError::SpreadTooWide);
    }
    if amount.currency() == to_currency {
        return Err(ActionError::OneCurrency);
    }
    let places = u32::from(to_currency.exponent());
    let customer_rate = mid_rate
        .checked_mul(Decimal::ONE - Decimal::new(i64::from(spread_bps), 4))
        .ok_or(ActionError::RateTooLarge)?;
    let at = |rate: Decimal| -> Result<Money, ActionError> {
        let value = amount
            .to_decimal()
            .checked_mul(rate)
            .ok_or(ActionError::ConvertedTooLarge)?
            .round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointNearestEven);
        Ok(Money::from_decimal(value, to_currency)?)
    };
    let (at_mid, converted) = (at(mid_rate)?, at(customer_rate)?);
    if converted.minor() <= 0 {
        return Err(ActionError::ConvertsToNothing);
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

/// What an action does, as stored beside its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Transfer,
    WriteOff,
    Reversal,
    FxTransfer,
    Payout,
}

impl ActionKind {
    pub const ALL: [ActionKind; 5] = [
        ActionKind::Transfer,
        ActionKind::WriteOff,
        ActionKind::Reversal,
        ActionKind::FxTransfer,
        ActionKind::Payout,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ActionKind::Transfer => "transfer",
            ActionKind::WriteOff => "write_off",
            ActionKind::Reversal => "reversal",
            ActionKind::FxTransfer => "fx_transfer",
            ActionKind::Payout => "payout",
        }
    }

    pub fn from_code(code: &str) -> Option<ActionKind> {
        ActionKind::ALL.into_iter().find(|kind| kind.code() == code)
    }
}

/// Where an action is: waiting for its approvals, then posted, rejected or expired (nobody
/// decided in time); a posted action whose transaction was reversed is reversed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Pending,
    Posted,
    Rejected,
    Expired,
    Reversed,
}

impl ActionStatus {
    pub const ALL: [ActionStatus; 5] = [
        ActionStatus::Pending,
        ActionStatus::Posted,
        ActionStatus::Rejected,
        ActionStatus::Expired,
        ActionStatus::Reversed,
    ];

    /// As stored (the SQL that changes a status writes these words too).
    pub fn code(self) -> &'static str {
        match self {
            ActionStatus::Pending => "pending",
            ActionStatus::Posted => "posted",
            ActionStatus::Rejected => "rejected",
            ActionStatus::Expired => "expired",
            ActionStatus::Reversed => "reversed",
        }
    }

    pub fn from_code(code: &str) -> Option<ActionStatus> {
        ActionStatus::ALL.into_iter().find(|status| status.code() == code)
    }
}

impl ActionRequest {
    pub fn kind(&self) -> ActionKind {
        match self {
            ActionRequest::Transfer { .. } => ActionKind::Transfer,
            ActionRequest::WriteOff { .. } => ActionKind::WriteOff,
            ActionRequest::Reversal { .. } => ActionKind::Reversal,
            ActionRequest::FxTransfer { .. } => ActionKind::FxTransfer,
            ActionRequest::Payout { .. } => ActionKind::Payout,
        }
    }

    pub fn amount(&self) -> Money {
        match self {
            ActionRequest::Transfer { amount, .. }
            | ActionRequest::WriteOff { amount, .. }
            | ActionRequest::Reversal { amount, .. }
            | ActionRequest::FxTransfer { amount, .. }
            | ActionRequest::Payout { amount, .. } => *amount,
        }
    }

    fn description(&self) -> &str {
        match self {
            ActionRequest::Transfer { description, .. }
            | ActionRequest::WriteOff { description, .. }
            | ActionRequest::Reversal { description, .. }
            | ActionRequest::FxTransfer { description, .. }
            | ActionRequest::Payout { description, .. } => description,
        }
    }
}

pub use super::limits::Policy;

/// The work item an action settles, and the initiator's reason when its amount is not the item's.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Link {
    pub work_item: Option<i64>,
    pub difference_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub id: i64,
    pub kind: ActionKind,
    pub request: ActionRequest,
    pub work_item_id: Option<i64>,
    pub initiated_by: String,
    pub initiated_by_person: Option<i64>,
    pub initiated_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub approvals_needed: i32,
    pub approved_by: Vec<String>,
    pub approved_by_persons: Vec<i64>,
    pub status: ActionStatus,
    pub reason: Option<String>,
    pub transaction_id: Option<i64>,
    /// What the limits were applied to, in USD cents.
    pub usd_value_minor: Option<i64>,
    /// Why the amount is not the work item's, in the initiator's words (approvers see it).
    pub difference_reason: Option<String>,
    /// The transaction that reversed this action's, if any.
    pub reversed_by: Option<i64>,
    /// Bumped by every change: a batch release names the versions its approver saw.
    pub version: i32,
}

impl Action {
    /// Whether `actor` initiated it: by person where recorded (older rows: by username).
    fn initiated_by_actor(&self, actor: &Actor) -> bool {
        match self.initiated_by_person {
            Some(person) => person == actor.person.0,
            None => self.initiated_by == actor.username,
        }
    }

    /// Whether `actor` (an approver) may approve or reject it now: it is pending, and they neither
    /// initiated it nor approved it already.
    pub fn decidable_by(&self, actor: &Actor) -> bool {
        self.status == ActionStatus::Pending
            && !self.initiated_by_actor(actor)
            && !self.approved_by_persons.contains(&actor.person.0)
    }

    /// Whether it holds its work item at `now`: posted, or still waiting (not past its expiry), so
    /// that no other action may settle the item.
    pub fn holds_item(&self, now: DateTime<Utc>) -> bool {
        self.status == ActionStatus::Posted || (self.status == ActionStatus::Pending && self.expires_at > now)
    }
}

/// Why an action cannot be started, approved, rejected or released. Each refusal is its own
/// variant, with its values, so the portal can say it in the person's language.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("the person who initiated an action cannot approve or reject it")]
    OwnAction,
    #[error("you have already approved this action; it needs another approver")]
    AlreadyApproved,
    #[error("this action is {}, not pending", .0.code())]
    NotPending(ActionStatus),
    #[error("this action expired at {0} without approval")]
    Expired(DateTime<Utc>),
    #[error("action {0} does not exist")]
    NotFound(i64),
    #[error("action {id} changed since you saw it (now version {version}); review it again")]
    Changed { id: i64, version: i32 },
    #[error("the list of actions to release changed since you saw it; review it again")]
    BatchChanged,
    #[error("this form was already used for a different action; reload the page to start a new one")]
    KeyReused,
    #[error("work item {0} already has an action posted or waiting; one exception moves money once")]
    ItemAlreadySettled(i64),
    #[error("transaction {0} was already reversed")]
    AlreadyReversed(i64),
    #[error("there is no account '{0}'")]
    NoAccount(String),
    #[error("choose two different accounts")]
    SameAccount,
    #[error("unknown currency {0}")]
    UnknownCurrency(String),
    #[error(transparent)]
    Money(#[from] crate::money::MoneyError),
    #[error("both accounts hold {0}: leave the rate and spread empty")]
    RateForOneCurrency(String),
    #[error("{from} holds {from_currency} and {to} holds {to_currency}: give the rate for a cross-currency transfer")]
    RateNeeded { from: String, from_currency: String, to: String, to_currency: String },
    #[error("'{0}' is not a rate: write it like 1.0850")]
    NotARate(String),
    #[error("'{0}' is not a spread in whole basis points")]
    NotASpread(String),
    #[error("the chart of accounts has no '{0}' account")]
    MissingAccount(String),
    #[error("the rate must be positive, with at most 10 decimal places")]
    BadRate,
    #[error("the spread must be under 10,000 basis points")]
    SpreadTooWide,
    #[error("a cross-currency transfer needs two currencies")]
    OneCurrency,
    #[error("the rate is too large")]
    RateTooLarge,
    #[error("the amount at that rate is too large")]
    ConvertedTooLarge,
    #[error("the amount converts to nothing at that rate")]
    ConvertsToNothing,
    #[error("the amount must be more than zero")]
    NotPositive,
    #[error("say what the action is for (at most 500 characters)")]
    BadDescription,
    #[error("the form was damaged (idempotency key); reload the page")]
    BadKey,
    #[error("a reason has at most 500 characters")]
    ReasonTooLong,
    #[error("say why the action is rejected")]
    NoRejectReason,
    #[error(
        "this action is worth {} (by the reference rates), over the limit of {} for one action",
        crate::money::grouped_minor(*.usd_value_minor, "USD"),
        crate::money::grouped_minor(*.max_usd_minor, "USD")
    )]
    OverLimit { usd_value_minor: i64, max_usd_minor: i64 },
    #[error("transaction {0} does not exist")]
    NoTransaction(i64),
    #[error("transaction {transaction} is the reversal of {original}; to move the money again, start a new transfer")]
    ReversalOfReversal { transaction: i64, original: i64 },
    #[error("action {action}, a reversal of transaction {transaction}, is already waiting for approval")]
    ReversalWaiting { action: i64, transaction: i64 },
    #[error("work item {0} does not exist")]
    NoWorkItem(i64),
    #[error("work item {0} is resolved; money moves only for open items")]
    ItemResolved(i64),
    /// A `class` item (`reason`) is not settled by an action of `kind` (see [`item_takes`]).
    #[error("a {class} item ({reason}) is not settled by a {}", .kind.code().replace('_', "-"))]
    NotSettledBy { class: String, reason: String, kind: ActionKind },
    /// The amount is not the work item's, and the initiator gave no reason.
    #[error("work item {item} is for {item_amount}; to move {amount} instead, say why in the reason")]
    AmountDiffers { item: i64, item_amount: String, amount: String },
    #[error("work item {0} was resolved since this action was started; reject the action")]
    ItemResolvedSince(i64),
    #[error("work item {item} is now a {class} item, which a {} does not settle; reject the action", .kind.code().replace('_', "-"))]
    ItemReclassified { item: i64, class: String, kind: ActionKind },
    #[error("there is no counterparty '{0}' that payouts may go to (approved and active)")]
    NoCounterparty(String),
    #[error("a payout moves money in one currency: choose two accounts in the same currency")]
    PayoutAcrossCurrencies,
    #[error("counterparty {code} is paid in {holds}, not {payout}")]
    CounterpartyCurrency { code: String, holds: String, payout: String },
    /// Separation of duties: whoever set a counterparty's bank details does not also pay to them.
    #[error(
        "you proposed or approved the bank details of counterparty {0}: another person must pay out to it"
    )]
    OwnCounterparty(String),
    #[error("the bank details of counterparty {0} changed since this payout was started; reject it and start a new one")]
    CounterpartyChanged(String),
    #[error(
        "transaction {0} paid money out of the bank: the payment hub's rejection undoes it, not a reversal"
    )]
    PayoutNotReversible(i64),
    /// Payments in transit move only with payouts and the hub's statuses.
    #[error("{0} holds payouts on their way out: only payouts and the payment hub's statuses move it")]
    InTransitAccount(String),
    #[error("the payment would be refused by the hub: {0}")]
    Payment(#[from] crate::iso20022::pain001::InitiationError),
    #[error("no resettlement action of {0} was reviewed")]
    NothingReviewed(NaiveDate),
    /// A stored action (or the request to store) that does not read as an action: a fault, not a
    /// refusal.
    #[error("a stored action could not be read: {0}")]
    Unreadable(String),
    #[error(transparent)]
    Limit(#[from] LimitError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// A transfer as a person types it: account codes and text, checked here.
#[derive(Debug, Clone, Default)]
pub struct TransferInput<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub amount: &'a str,
    pub description: &'a str,
    /// For another currency: units of `to`'s currency per unit of `from`'s.
    pub rate: Option<&'a str>,
    pub spread_bps: Option<&'a str>,
    /// A counterparty's code: the money leaves the bank to it (see [`ActionRequest::Payout`]).
    pub counterparty: Option<&'a str>,
}

/// The request a transfer form asks for: a transfer, a write-off (to suspense) or, between two
/// currencies, an FX transfer through the FX position accounts of both currencies and the FX gain
/// and loss account of the receiving one.
pub async fn transfer_request(
    pool: &PgPool,
    input: &TransferInput<'_>,
) -> Result<ActionRequest, ActionError> {
    let account = |code: &str| {
        let code = code.trim().to_owned();
        async move { super::account_by_code(pool, &code).await?.ok_or(ActionError::NoAccount(code)) }
    };
    let (from, to) = (account(input.from).await?, account(input.to).await?);
    if from.id == to.id {
        return Err(ActionError::SameAccount);
    }
    let currency = |code: &str| {
        crate::money::Currency::from_code(code).ok_or_else(|| ActionError::UnknownCurrency(code.to_owned()))
    };
    let amount = Money::parse_plain(input.amount, currency(&from.currency)?)?;
    let description = input.description.trim().to_owned();
    let present = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let (rate, spread) = (present(input.rate), present(input.spread_bps));
    if let Some(code) = present(input.counterparty) {
        if from.currency != to.currency || rate.is_some() || spread.is_some() {
            return Err(ActionError::PayoutAcrossCurrencies);
        }
        let version = crate::payouts::counterparties::payable(pool, &code)
            .await?
            .ok_or_else(|| ActionError::NoCounterparty(code.clone()))?;
        if version.details.currency.code() != from.currency {
            return Err(ActionError::CounterpartyCurrency {
                code,
                holds: version.details.currency.code().to_owned(),
                payout: from.currency,
            });
        }
        let in_transit = crate::payouts::in_transit_code(&from.currency);
        let in_transit = super::account_by_code(pool, &in_transit)
            .await?
            .ok_or(ActionError::MissingAccount(in_transit))?;
        return Ok(ActionRequest::Payout {
            from: from.id,
            to: to.id,
            in_transit: in_transit.id,
            counterparty_version: version.id,
            amount,
            description,
        });
    }
    if from.currency == to.currency {
        if rate.is_some() || spread.is_some() {
            return Err(ActionError::RateForOneCurrency(from.currency));
        }
        return Ok(if to.code == "suspense" {
            ActionRequest::WriteOff { from: from.id, suspense: to.id, amount, description }
        } else {
            ActionRequest::Transfer { from: from.id, to: to.id, amount, description }
        });
    }
    let rate = rate.ok_or_else(|| ActionError::RateNeeded {
        from: from.code.clone(),
        from_currency: from.currency.clone(),
        to: to.code.clone(),
        to_currency: to.currency.clone(),
    })?;
    let plain_number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let mid_rate: rust_decimal::Decimal = Some(rate.as_str())
        .filter(|r| plain_number(r))
        .and_then(|r| r.parse().ok())
        .ok_or_else(|| ActionError::NotARate(rate.clone()))?;
    let spread_bps: u32 = match spread {
        Some(s) => s.parse().map_err(|_| ActionError::NotASpread(s.clone()))?,
        None => 0,
    };
    let fx_account = |code: String| async move {
        super::account_by_code(pool, &code).await?.ok_or(ActionError::MissingAccount(code))
    };
    let position = |c: &str| format!("fx_position_{}", c.to_lowercase());
    let gain = match to.currency.as_str() {
        super::limits::REPORTING_CURRENCY => "fx_gain_loss".to_owned(),
        other => format!("fx_gain_loss_{}", other.to_lowercase()),
    };
    Ok(ActionRequest::FxTransfer {
        from: from.id,
        to: to.id,
        amount,
        to_currency: currency(&to.currency)?,
        mid_rate,
        spread_bps,
        fx_position_from: fx_account(position(&from.currency)).await?.id,
        fx_position_to: fx_account(position(&to.currency)).await?.id,
        fx_gain: fx_account(gain).await?.id,
        description,
    })
}

/// The request that undoes posted transaction `transaction`.
pub async fn reversal_request(
    pool: &PgPool,
    transaction: i64,
    description: &str,
) -> Result<ActionRequest, ActionError> {
    let amount =
        super::transaction_amount(pool, transaction).await?.ok_or(ActionError::NoTransaction(transaction))?;
    Ok(ActionRequest::Reversal { transaction, amount, description: description.trim().to_owned() })
}

/// What the transfer form may offer for a work item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemOffer {
    /// An action for it is waiting or posted: one exception moves money once.
    Taken { action: i64, status: ActionStatus },
    /// It is resolved: money moves only for open items.
    Resolved,
    /// It may take a transfer: of its amount (when its currency is known), booked as its posting
    /// template says (when it has one).
    Open { amount: Option<Money>, template: Option<super::templates::Template> },
}

/// What a transfer for `item` may be: refused before anything is typed when the item is resolved
/// or already has its action (as [`initiate`] would refuse it), otherwise filled from its template.
pub async fn offer_for(pool: &PgPool, item: &crate::exceptions::WorkItem) -> Result<ItemOffer, ActionError> {
    let now = Utc::now();
    let taken = list(pool, None, Some(item.id), 1000).await?.into_iter().find(|a| a.holds_item(now));
    if let Some(action) = taken {
        return Ok(ItemOffer::Taken { action: action.id, status: action.status });
    }
    if item.status == crate::exceptions::Status::Resolved {
        return Ok(ItemOffer::Resolved);
    }
    let amount = crate::money::Currency::from_code(&item.currency)
        .map(|currency| Money::from_minor(item.amount_minor.abs(), currency));
    Ok(ItemOffer::Open { amount, template: super::templates::for_item(pool, item).await? })
}

/// Which kinds of action settle which class of work item: a resettlement is paid (in its own
/// currency or another), a mismatch is corrected by a transfer or written off to suspense.
/// Reversals settle nothing: they undo.
pub fn item_takes(class: &str, kind: ActionKind) -> bool {
    use ActionKind::*;
    matches!(
        (class, kind),
        ("resettlement", Transfer | FxTransfer | Payout) | ("mismatch", Transfer | WriteOff)
    )
}

/// Records a pending action. The same person's idempotency key with the same content returns the
/// first action (a double click or a resubmitted form makes one action); with other content it is
/// refused. Everything an approver relies on is checked here and again at approval.
pub async fn initiate(
    pool: &PgPool,
    actor: &Actor,
    policy: &Policy,
    idempotency_key: &str,
    request: &ActionRequest,
    link: &Link,
) -> Result<Action, ActionError> {
    let amount = request.amount();
    if amount.minor() <= 0 {
        return Err(ActionError::NotPositive);
    }
    let description = request.description().trim();
    if description.is_empty() || description.chars().count() > 500 {
        return Err(ActionError::BadDescription);
    }
    let key_ok = (8..=128).contains(&idempotency_key.chars().count())
        && idempotency_key.chars().all(|c| c.is_ascii_graphic());
    if !key_ok {
        return Err(ActionError::BadKey);
    }
    let difference_reason = link.difference_reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if difference_reason.is_some_and(|r| r.chars().count() > 500) {
        return Err(ActionError::ReasonTooLong);
    }
    let mut db = pool.begin().await?;
    // One submission of a person's key at a time: a double click waits for the first, then finds it
    // below as a replay.
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtext('settledesk:action-key:' || $1::bigint || ':' || $2::text))",
        actor.person.0,
        idempotency_key
    )
    .execute(&mut *db)
    .await?;
    // A replay first: the same person's key returns its action when the content is the same.
    if let Some(existing) = sqlx::query!(
        "SELECT id, request, work_item_id, difference_reason FROM ledger_action
         WHERE initiated_by_person = $1 AND idempotency_key = $2",
        actor.person.0,
        idempotency_key
    )
    .fetch_optional(&mut *db)
    .await?
    {
        let same = existing.request == json(request)?
            && existing.work_item_id == link.work_item
            && existing.difference_reason.as_deref() == difference_reason;
        return if same { get(pool, existing.id).await } else { Err(ActionError::KeyReused) };
    }
    let rates = super::limits::load(&mut db).await?;
    check_rate(&rates, request, policy)?;
    // The lines must make a valid transaction now, not only at approval.
    let lines = lines_in(&mut db, request).await?;
    let mut probe = draft(idempotency_key, request, &lines, actor, None, Utc::now().date_naive());
    probe.approved_by_persons = vec![-1];
    probe.approved_by = "a second person".into();
    posting::check(&probe)?;
    let (usd_value, needed) = valued(&rates, &lines, policy)?;
    if let Some(item) = link.work_item {
        check_link(&mut db, item, request, difference_reason.is_some()).await?;
    }
    if let ActionRequest::Payout { counterparty_version, amount, .. } = request {
        let remittance = crate::payouts::remittance(i64::MAX, link.work_item);
        crate::payouts::check_payout(&mut db, actor, *counterparty_version, *amount, &remittance).await?;
    }
    if let ActionRequest::Reversal { transaction, .. } = request {
        // One reversal of a transaction at a time: two associates at once make one.
        sqlx::query!(
            "SELECT pg_advisory_xact_lock(hashtext('settledesk:reversal:' || $1::bigint))",
            transaction
        )
        .execute(&mut *db)
        .await?;
        let waiting = sqlx::query_scalar!(
            "SELECT id FROM ledger_action WHERE kind = 'reversal' AND status = 'pending' AND expires_at > now()
               AND (request ->> 'transaction')::bigint = $1 LIMIT 1",
            transaction
        )
        .fetch_optional(&mut *db)
        .await?;
        if let Some(other) = waiting {
            return Err(ActionError::ReversalWaiting { action: other, transaction: *transaction });
        }
    }
    let id = sqlx::query_scalar!(
        "INSERT INTO ledger_action (idempotency_key, kind, request, amount_minor, currency, work_item_id, initiated_by,
                                    initiated_by_person, expires_at, approvals_needed, usd_value_minor, difference_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         RETURNING id",
        idempotency_key,
        request.kind().code(),
        json(request)?,
        amount.minor(),
        amount.currency().code(),
        link.work_item,
        actor.username,
        actor.person.0,
        (Utc::now() + policy.expires_after) as _,
        needed,
        usd_value,
        difference_reason
    )
    .fetch_one(&mut *db)
    .await
    .map_err(|e| match constraint(&e) {
        // The same key raced in from a second tab: the replay above would have found it.
        Some("ledger_action_key_per_person") => ActionError::KeyReused,
        _ => ActionError::Database(e),
    })?;
    let event = NewAuditEvent {
        after: Some(serde_json::json!({
            "request": request, "approvals_needed": needed, "work_item": link.work_item,
            "usd_value_minor": usd_value, "difference_reason": difference_reason
        })),
        ..actor.event(AuditAction::ActionInitiated, format!("ledger_action:{id}"))
    };
    audit::append(&mut db, event).await?;
    db.commit().await?;
    get(pool, id).await
}

/// An FX transfer's rates, mid and customer (mid less the spread), must both lie within the band
/// around the reference cross rate: neither an absurd rate nor an absurd spread gets through.
fn check_rate(
    rates: &super::limits::ReferenceRates,
    request: &ActionRequest,
    policy: &Policy,
) -> Result<(), ActionError> {
    if let ActionRequest::FxTransfer { amount, mid_rate, to_currency, spread_bps, .. } = request {
        let (from, to) = (amount.currency().code(), to_currency.code());
        rates.check_band(from, to, *mid_rate, policy.fx_band_bps)?;
        if *spread_bps >= 10_000 {
            return Err(ActionError::SpreadTooWide);
        }
        let customer =
            *mid_rate * (rust_decimal::Decimal::ONE - rust_decimal::Decimal::new(i64::from(*spread_bps), 4));
        rates.check_band(from, to, customer, policy.fx_band_bps)?;
    }
    Ok(())
}

/// What the lines are worth in USD, and how many approvals that needs; over the maximum, refused.
fn valued(
    rates: &super::limits::ReferenceRates,
    lines: &[Line],
    policy: &Policy,
) -> Result<(i64, i32), ActionError> {
    let usd_value = rates.value_of(lines)?;
    if usd_value > policy.max_usd_minor {
        return Err(ActionError::OverLimit {
            usd_value_minor: usd_value,
            max_usd_minor: policy.max_usd_minor,
        });
    }
    Ok((usd_value, if usd_value > policy.dual_approval_above_usd_minor { 2 } else { 1 }))
}

fn json(request: &ActionRequest) -> Result<serde_json::Value, ActionError> {
    serde_json::to_value(request).map_err(|e| ActionError::Unreadable(e.to_string()))
}

fn constraint(e: &sqlx::Error) -> Option<&str> {
    e.as_database_error().and_then(|d| d.constraint())
}

/// An action may settle a work item only if the item is still open, is of a class that takes that
/// kind of action, has no other action posted or waiting, and the amount is the item's (or the
/// initiator says why not). Locks the item.
async fn check_link(
    db: &mut PgConnection,
    item: i64,
    request: &ActionRequest,
    has_reason: bool,
) -> Result<(), ActionError> {
    let row = sqlx::query!(
        "SELECT class, reason, status, amount_minor, currency FROM work_item WHERE id = $1 FOR UPDATE",
        item
    )
    .fetch_optional(&mut *db)
    .await?
    .ok_or(ActionError::NoWorkItem(item))?;
    if row.status == "resolved" {
        return Err(ActionError::ItemResolved(item));
    }
    if !item_takes(&row.class, request.kind()) {
        return Err(ActionError::NotSettledBy { class: row.class, reason: row.reason, kind: request.kind() });
    }
    let live = sqlx::query_scalar!(
        "SELECT id FROM ledger_action
         WHERE work_item_id = $1 AND (status = 'posted' OR (status = 'pending' AND expires_at > now())) LIMIT 1",
        item
    )
    .fetch_optional(&mut *db)
    .await?;
    if live.is_some() {
        return Err(ActionError::ItemAlreadySettled(item));
    }
    let amount = request.amount();
    let same_amount = amount.currency().code() == row.currency && amount.minor() == row.amount_minor.abs();
    if !same_amount && !has_reason {
        return Err(ActionError::AmountDiffers {
            item,
            item_amount: crate::money::grouped_minor(row.amount_minor.abs(), &row.currency),
            amount: amount.grouped(),
        });
    }
    Ok(())
}

/// Approves a pending action. When it has all the approvals it needs, it posts.
pub async fn approve(pool: &PgPool, actor: &Actor, policy: &Policy, id: i64) -> Result<Action, ActionError> {
    let mut attempt = 0;
    loop {
        let mut db = pool.begin().await?;
        match approve_in(&mut db, actor, policy, id, None).await {
            Ok(()) => {
                db.commit().await?;
                return get(pool, id).await;
            }
            Err(ActionError::Expired(at)) => {
                // Keep the expiry that was just recorded.
                db.commit().await?;
                return Err(ActionError::Expired(at));
            }
            Err(e) if attempt < 8 && retryable(&e) => attempt += 1,
            Err(e) => return Err(e),
        }
    }
}

/// A serialization failure or deadlock: the whole transaction is worth trying again.
fn retryable(e: &ActionError) -> bool {
    match e {
        ActionError::Ledger(LedgerError::Database(e)) | ActionError::Database(e) => {
            e.as_database_error().and_then(|d| d.code()).is_some_and(|c| c == "40001" || c == "40P01")
        }
        _ => false,
    }
}

async fn approve_in(
    db: &mut PgConnection,
    actor: &Actor,
    policy: &Policy,
    id: i64,
    seen_version: Option<i32>,
) -> Result<(), ActionError> {
    let action = lock(db, id).await?;
    if action.status != ActionStatus::Pending {
        return Err(ActionError::NotPending(action.status));
    }
    if seen_version.is_some_and(|v| v != action.version) {
        return Err(ActionError::Changed { id, version: action.version });
    }
    // The database's clock, as the expiry job's: one clock decides.
    let expired = sqlx::query_scalar!(
        r#"SELECT expires_at < now() AS "expired!" FROM ledger_action WHERE id = $1"#,
        id
    )
    .fetch_one(&mut *db)
    .await?;
    if expired {
        // Found expired before the job got to it: recorded as the job records it, by the system
        // (the approver did not decide it), in the same transaction.
        sqlx::query!(
            "UPDATE ledger_action SET status = 'expired', decided_at = now(), version = version + 1 WHERE id = $1",
            id
        )
        .execute(&mut *db)
        .await?;
        let event = NewAuditEvent {
            target: Some("ledger_action".into()),
            after: Some(serde_json::json!({ "expired": [id] })),
            ..NewAuditEvent::new(crate::exceptions::SYSTEM, AuditAction::ActionsExpired)
        };
        audit::append(&mut *db, event).await?;
        return Err(ActionError::Expired(action.expires_at));
    }
    if action.initiated_by_actor(actor) {
        return Err(ActionError::OwnAction);
    }
    if action.approved_by_persons.contains(&actor.person.0) {
        return Err(ActionError::AlreadyApproved);
    }
    let payout = match &action.request {
        ActionRequest::Payout { counterparty_version, amount, .. } => {
            let remittance = crate::payouts::remittance(id, action.work_item_id);
            crate::payouts::check_payout(db, actor, *counterparty_version, *amount, &remittance).await?;
            Some((*counterparty_version, *amount, remittance))
        }
        _ => None,
    };
    // Valued again at today's reference rates: a rate changed since initiation can raise the
    // approvals needed (never lower them), and an action now over the maximum or outside the band
    // cannot post.
    let rates = super::limits::load(db).await?;
    check_rate(&rates, &action.request, policy)?;
    let lines = lines_in(db, &action.request).await?;
    let (_, needed_now) = valued(&rates, &lines, policy)?;
    let needed = action.approvals_needed.max(needed_now);
    let mut approvers = action.approved_by.clone();
    approvers.push(actor.username.clone());
    let mut approver_persons = action.approved_by_persons.clone();
    approver_persons.push(actor.person.0);
    if (approver_persons.len() as i32) < needed {
        sqlx::query!(
            "UPDATE ledger_action SET approved_by = $2, approved_by_persons = $3, approvals_needed = $4,
                    version = version + 1
             WHERE id = $1",
            id,
            &approvers,
            &approver_persons,
            needed
        )
        .execute(&mut *db)
        .await?;
        let event = NewAuditEvent {
            after: Some(serde_json::json!({ "approved_by": approvers, "needed": needed })),
            ..actor.event(AuditAction::ActionApproved, format!("ledger_action:{id}"))
        };
        audit::append(db, event).await?;
        return Ok(());
    }
    // The last approval: check again what initiation checked (the item may have been resolved, or
    // reported again under another class, meanwhile), then post at the first open date if today
    // has closed (no close can commit in between: the closes are locked until this commits).
    if let Some(item) = action.work_item_id {
        let row = sqlx::query!("SELECT status, class FROM work_item WHERE id = $1 FOR UPDATE", item)
            .fetch_one(&mut *db)
            .await?;
        if row.status == "resolved" {
            return Err(ActionError::ItemResolvedSince(item));
        }
        if !item_takes(&row.class, action.request.kind()) {
            return Err(ActionError::ItemReclassified {
                item,
                class: row.class,
                kind: action.request.kind(),
            });
        }
    }
    let reversed = match &action.request {
        ActionRequest::Reversal { transaction, .. } => Some(*transaction),
        _ => None,
    };
    let date = posting::open_date(db, Utc::now().date_naive()).await?;
    let maker =
        Actor { person: crate::people::PersonId(action.initiated_by_person.unwrap_or(-1)), ..actor.clone() };
    let mut tx = draft(&format!("action-{id}"), &action.request, &lines, &maker, action.work_item_id, date);
    tx.initiated_by = action.initiated_by.clone();
    tx.initiated_by_person = action.initiated_by_person;
    tx.approved_by = approvers.join(",");
    tx.approved_by_persons = approver_persons.clone();
    let posted = posting::post_in(db, std::slice::from_ref(&tx)).await.map_err(|e| match e {
        LedgerError::Database(e) if constraint(&e) == Some("ledger_transaction_reverses_key") => {
            ActionError::AlreadyReversed(reversed.unwrap_or_default())
        }
        other => ActionError::Ledger(other),
    })?[0];
    sqlx::query!(
        "UPDATE ledger_action SET status = 'posted', approved_by = $2, approved_by_persons = $3, decided_by = $4,
                decided_at = now(), transaction_id = $5, version = version + 1
         WHERE id = $1",
        id,
        &approvers,
        &approver_persons,
        actor.username,
        posted.transaction_id
    )
    .execute(&mut *db)
    .await
    .map_err(|e| match (constraint(&e), action.work_item_id) {
        (Some("ledger_action_one_posted_per_item"), Some(item)) => ActionError::ItemAlreadySettled(item),
        _ => ActionError::Database(e),
    })?;
    if let Some(item) = action.work_item_id {
        // The work item this action settles is resolved with it.
        let resolution = match action.request {
            ActionRequest::WriteOff { .. } => crate::exceptions::Resolution::WrittenOff,
            _ => crate::exceptions::Resolution::Corrected,
        };
        crate::exceptions::settled_by_action(db, actor, item, resolution, id, posted.transaction_id).await?;
    }
    if let Some(original) = reversed {
        undo_settlement(db, actor, original, posted.transaction_id).await?;
    }
    if let Some((counterparty_version_id, amount, remittance)) = payout {
        // Everything approved in this database transaction (a batch release) travels in one
        // message.
        let release_key =
            sqlx::query_scalar!(r#"SELECT 'tx-' || txid_current() AS "key!""#).fetch_one(&mut *db).await?;
        let queued = crate::payouts::outbox::Queued {
            action_id: id,
            counterparty_version_id,
            amount,
            execution_date: date,
            remittance,
            release_key,
        };
        crate::payouts::outbox::queue(db, &queued).await.map_err(|e| match e {
            crate::payouts::outbox::QueueError::Database(e) => ActionError::Database(e),
            other => ActionError::Unreadable(other.to_string()),
        })?;
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

/// After `original` was reversed by `reversal`: the action that posted it says so, and the work
/// item it settled is open again (the money it moved is back).
pub(crate) async fn undo_settlement(
    db: &mut PgConnection,
    actor: &Actor,
    original: i64,
    reversal: i64,
) -> Result<(), ActionError> {
    let settled = sqlx::query!(
        "UPDATE ledger_action SET status = 'reversed', reversed_by = $2, version = version + 1
         WHERE transaction_id = $1 AND status = 'posted' RETURNING id, work_item_id",
        original,
        reversal
    )
    .fetch_optional(&mut *db)
    .await?;
    let item = match settled.as_ref().and_then(|s| s.work_item_id) {
        Some(item) => Some(item),
        None => {
            sqlx::query_scalar!("SELECT work_item_id FROM ledger_transaction WHERE id = $1", original)
                .fetch_one(&mut *db)
                .await?
        }
    };
    if let Some(item) = item {
        crate::exceptions::reopen(db, actor, item, reversal).await?;
    }
    Ok(())
}

/// One action of a day's resettlement release, as the approver reviews it before approving.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchEntry {
    pub action: Action,
    pub item_id: i64,
    pub item_reason: String,
    pub item_amount_minor: i64,
    pub item_currency: String,
}

impl BatchEntry {
    /// Whether the action moves another amount (or currency) than its item's: the approver sees
    /// it marked, with the initiator's reason.
    pub fn differs(&self) -> bool {
        let amount = self.action.request.amount();
        amount.minor() != self.item_amount_minor.abs() || amount.currency().code() != self.item_currency
    }
}

/// The pending actions that settle resettlement items of `business_date`, oldest first.
pub async fn resettlement_batch(
    pool: &PgPool,
    business_date: NaiveDate,
) -> Result<Vec<BatchEntry>, ActionError> {
    let rows = sqlx::query!(
        "SELECT a.id, w.id AS item_id, w.reason, w.amount_minor, w.currency FROM ledger_action a
         JOIN work_item w ON w.id = a.work_item_id
         WHERE a.status = 'pending' AND w.class = 'resettlement' AND w.business_date = $1 ORDER BY a.id",
        business_date as _
    )
    .fetch_all(pool)
    .await?;
    let mut entries = Vec::with_capacity(rows.len());
    for r in rows {
        entries.push(BatchEntry {
            action: get(pool, r.id).await?,
            item_id: r.item_id,
            item_reason: r.reason,
            item_amount_minor: r.amount_minor,
            item_currency: r.currency,
        });
    }
    Ok(entries)
}

/// What a release did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Released {
    pub posted: usize,
    /// Actions that need two approvers: this release gave them one.
    pub waiting: usize,
}

/// Global finance's release: approves, as one database transaction, exactly the actions the
/// approver reviewed (`seen`: ids with the versions shown), which must still be every pending
/// action settling a resettlement item of `business_date`. All or none: a list that changed, an
/// action the approver initiated or already approved, or one that cannot post stops the batch. An
/// action needing two approvers gets this approval and waits for the other.
pub async fn approve_resettlements(
    pool: &PgPool,
    actor: &Actor,
    policy: &Policy,
    business_date: NaiveDate,
    seen: &[(i64, i32)],
) -> Result<Released, ActionError> {
    if seen.is_empty() {
        return Err(ActionError::NothingReviewed(business_date));
    }
    let mut attempt = 0;
    loop {
        let mut db = pool.begin().await?;
        match release_in(&mut db, actor, policy, business_date, seen).await {
            Ok(released) => {
                db.commit().await?;
                return Ok(released);
            }
            // All or none: an expired action stops the batch (the expiry job records it).
            Err(e) if attempt < 8 && retryable(&e) => attempt += 1,
            Err(e) => return Err(e),
        }
    }
}

async fn release_in(
    db: &mut PgConnection,
    actor: &Actor,
    policy: &Policy,
    business_date: NaiveDate,
    seen: &[(i64, i32)],
) -> Result<Released, ActionError> {
    let mut ids = sqlx::query_scalar!(
        "SELECT a.id FROM ledger_action a JOIN work_item w ON w.id = a.work_item_id
         WHERE a.status = 'pending' AND w.class = 'resettlement' AND w.business_date = $1
         ORDER BY a.id FOR UPDATE OF a",
        business_date as _
    )
    .fetch_all(&mut *db)
    .await?;
    let mut reviewed: Vec<i64> = seen.iter().map(|(id, _)| *id).collect();
    reviewed.sort_unstable();
    reviewed.dedup();
    ids.sort_unstable();
    if ids != reviewed || reviewed.len() != seen.len() {
        return Err(ActionError::BatchChanged);
    }
    // The release posts action after action in this transaction, appending an audit record after
    // each: alone, so that no single approval holds accounts it wants next while waiting for the
    // audit head the release holds (see `post_in`). Taken after the actions' rows: a single
    // approval locks its action first and the ledger after, so the other order would deadlock
    // with an approval of one of these actions. The closes are held first, as an approval holds
    // them before the ledger: otherwise a close queued between the two would stall both for a
    // deadlock timeout.
    posting::hold_closes(db).await?;
    posting::hold_ledger_alone(db).await?;
    let mut released = Released { posted: 0, waiting: 0 };
    for (id, version) in seen {
        approve_in(db, actor, policy, *id, Some(*version)).await?;
        let status = sqlx::query_scalar!("SELECT status FROM ledger_action WHERE id = $1", id)
            .fetch_one(&mut *db)
            .await?;
        if ActionStatus::from_code(&status) == Some(ActionStatus::Posted) {
            released.posted += 1;
        } else {
            released.waiting += 1;
        }
    }
    Ok(released)
}

pub async fn reject(pool: &PgPool, actor: &Actor, id: i64, reason: &str) -> Result<Action, ActionError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ActionError::NoRejectReason);
    }
    let mut db = pool.begin().await?;
    let action = lock(&mut db, id).await?;
    if action.status != ActionStatus::Pending {
        return Err(ActionError::NotPending(action.status));
    }
    if action.initiated_by_actor(actor) {
        return Err(ActionError::OwnAction);
    }
    sqlx::query!(
        "UPDATE ledger_action SET status = 'rejected', decided_by = $2, decided_at = now(), reason = $3,
                version = version + 1
         WHERE id = $1",
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

/// Marks pending actions past their time as expired, with one audit record by the system naming
/// them; returns how many. The scheduler runs it, so an action expires whether or not a page looks.
pub async fn expire(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let mut db = pool.begin().await?;
    let ids = sqlx::query_scalar!(
        "UPDATE ledger_action SET status = 'expired', decided_at = now(), version = version + 1
         WHERE status = 'pending' AND expires_at < now() RETURNING id"
    )
    .fetch_all(&mut *db)
    .await?;
    if !ids.is_empty() {
        let event = NewAuditEvent {
            target: Some("ledger_action".into()),
            after: Some(serde_json::json!({ "expired": ids })),
            ..NewAuditEvent::new(crate::exceptions::SYSTEM, AuditAction::ActionsExpired)
        };
        audit::append(&mut db, event).await?;
    }
    db.commit().await?;
    Ok(ids.len() as u64)
}

fn draft(
    key: &str,
    request: &ActionRequest,
    lines: &[Line],
    initiator: &Actor,
    work_item: Option<i64>,
    date: NaiveDate,
) -> NewTransaction {
    NewTransaction {
        idempotency_key: key.to_owned(),
        effective_date: date,
        description: request.description().trim().to_owned(),
        work_item,
        initiated_by: initiator.username.clone(),
        approved_by: String::new(),
        initiated_by_person: Some(initiator.person.0),
        approved_by_persons: Vec::new(),
        reverses: match request {
            ActionRequest::Reversal { transaction, .. } => Some(*transaction),
            _ => None,
        },
        lines: lines.to_vec(),
    }
}

/// The postings an action makes. Refuses an account moving money to itself, and the reversal of a
/// transaction that is a reversal or was already reversed.
async fn lines_in(db: &mut PgConnection, request: &ActionRequest) -> Result<Vec<Line>, ActionError> {
    let lines = lines_of(db, request).await?;
    if !matches!(request, ActionRequest::Payout { .. } | ActionRequest::Reversal { .. }) {
        let accounts: Vec<i64> = lines.iter().map(|l| l.account).collect();
        let in_transit = sqlx::query_scalar!(
            r"SELECT code FROM ledger_account WHERE id = ANY($1) AND code LIKE 'payments\_in\_transit%' LIMIT 1",
            &accounts
        )
        .fetch_optional(&mut *db)
        .await?;
        if let Some(code) = in_transit {
            return Err(ActionError::InTransitAccount(code));
        }
    }
    Ok(lines)
}

async fn lines_of(db: &mut PgConnection, request: &ActionRequest) -> Result<Vec<Line>, ActionError> {
    let negate = |m: Money| Money::from_minor(-m.minor(), m.currency());
    let distinct = |a: &i64, b: &i64| {
        if a == b {
            Err(ActionError::SameAccount)
        } else {
            Ok(())
        }
    };
    Ok(match request {
        ActionRequest::Transfer { from, to, amount, .. } => {
            distinct(from, to)?;
            vec![Line { account: *from, amount: negate(*amount) }, Line { account: *to, amount: *amount }]
        }
        ActionRequest::WriteOff { from, suspense, amount, .. } => {
            distinct(from, suspense)?;
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
        } => {
            distinct(from, to)?;
            fx_lines(
                *from,
                *to,
                *amount,
                *to_currency,
                *mid_rate,
                *spread_bps,
                (*fx_position_from, *fx_position_to, *fx_gain),
            )?
        }
        ActionRequest::Payout { from, to, in_transit, amount, .. } => {
            distinct(from, to)?;
            distinct(from, in_transit)?;
            distinct(to, in_transit)?;
            vec![
                Line { account: *from, amount: negate(*amount) },
                Line { account: *in_transit, amount: *amount },
            ]
        }
        ActionRequest::Reversal { transaction, .. } => {
            let state = sqlx::query!(
                r#"SELECT t.reverses, EXISTS (SELECT 1 FROM ledger_transaction r WHERE r.reverses = t.id) AS "reversed!"
                   FROM ledger_transaction t WHERE t.id = $1"#,
                transaction
            )
            .fetch_optional(&mut *db)
            .await?
            .ok_or(ActionError::NoTransaction(*transaction))?;
            if state.reversed {
                return Err(ActionError::AlreadyReversed(*transaction));
            }
            if let Some(original) = state.reverses {
                return Err(ActionError::ReversalOfReversal { transaction: *transaction, original });
            }
            // Money that left the bank comes back only as the hub says (a rejection).
            let paid_out = sqlx::query_scalar!(
                r#"SELECT EXISTS (SELECT 1 FROM ledger_action WHERE transaction_id = $1 AND kind = 'payout')
                       OR EXISTS (SELECT 1 FROM payment_instruction WHERE final_transaction = $1) AS "paid!""#,
                transaction
            )
            .fetch_one(&mut *db)
            .await?;
            if paid_out {
                return Err(ActionError::PayoutNotReversible(*transaction));
            }
            posting::reversing(&transaction_lines(db, *transaction).await?)
        }
    })
}

/// The postings of transaction `transaction`, as lines (to reverse them).
pub(crate) async fn transaction_lines(
    db: &mut PgConnection,
    transaction: i64,
) -> Result<Vec<Line>, ActionError> {
    let rows = sqlx::query!(
        "SELECT account_id, amount_minor, currency FROM ledger_posting WHERE transaction_id = $1 ORDER BY id",
        transaction
    )
    .fetch_all(&mut *db)
    .await?;
    rows.into_iter()
        .map(|r| {
            let currency = crate::money::Currency::from_code(&r.currency)
                .ok_or_else(|| ActionError::UnknownCurrency(r.currency.clone()))?;
            Ok(Line { account: r.account_id, amount: Money::from_minor(r.amount_minor, currency) })
        })
        .collect()
}

struct ActionRow {
    id: i64,
    kind: String,
    request: serde_json::Value,
    work_item_id: Option<i64>,
    initiated_by: String,
    initiated_by_person: Option<i64>,
    initiated_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    approvals_needed: i32,
    approved_by: Vec<String>,
    approved_by_persons: Vec<i64>,
    status: String,
    reason: Option<String>,
    transaction_id: Option<i64>,
    usd_value_minor: Option<i64>,
    difference_reason: Option<String>,
    reversed_by: Option<i64>,
    version: i32,
}

impl TryFrom<ActionRow> for Action {
    type Error = ActionError;

    fn try_from(r: ActionRow) -> Result<Action, ActionError> {
        let request: ActionRequest =
            serde_json::from_value(r.request).map_err(|e| ActionError::Unreadable(e.to_string()))?;
        if r.kind != request.kind().code() {
            return Err(ActionError::Unreadable(format!(
                "action {} is stored as a {} but asks for a {}",
                r.id,
                r.kind,
                request.kind().code()
            )));
        }
        let status = ActionStatus::from_code(&r.status).ok_or_else(|| {
            ActionError::Unreadable(format!("action {} has an unknown status '{}'", r.id, r.status))
        })?;
        Ok(Action {
            id: r.id,
            kind: request.kind(),
            request,
            work_item_id: r.work_item_id,
            initiated_by: r.initiated_by,
            initiated_by_person: r.initiated_by_person,
            initiated_at: r.initiated_at,
            expires_at: r.expires_at,
            approvals_needed: r.approvals_needed,
            approved_by: r.approved_by,
            approved_by_persons: r.approved_by_persons,
            status,
            reason: r.reason,
            transaction_id: r.transaction_id,
            usd_value_minor: r.usd_value_minor,
            difference_reason: r.difference_reason,
            reversed_by: r.reversed_by,
            version: r.version,
        })
    }
}

/// The action, its row locked until the transaction ends.
pub(crate) async fn lock(db: &mut PgConnection, id: i64) -> Result<Action, ActionError> {
    sqlx::query_as!(
        ActionRow,
        r#"SELECT id, kind, request, work_item_id, initiated_by, initiated_by_person,
                  initiated_at AS "initiated_at: DateTime<Utc>", expires_at AS "expires_at: DateTime<Utc>",
                  approvals_needed, approved_by, approved_by_persons, status, reason, transaction_id, usd_value_minor,
                  difference_reason, reversed_by, version
           FROM ledger_action WHERE id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(&mut *db)
    .await?
    .ok_or(ActionError::NotFound(id))?
    .try_into()
}

/// Which actions [`select`] reads.
#[derive(Debug, Clone, Copy, Default)]
struct Select {
    id: Option<i64>,
    status: Option<ActionStatus>,
    work_item: Option<i64>,
    decided_only: bool,
    newest_first: bool,
}

async fn select(pool: &PgPool, s: Select, limit: i64) -> Result<Vec<Action>, ActionError> {
    sqlx::query_as!(
        ActionRow,
        r#"SELECT id, kind, request, work_item_id, initiated_by, initiated_by_person,
                  initiated_at AS "initiated_at: DateTime<Utc>", expires_at AS "expires_at: DateTime<Utc>",
                  approvals_needed, approved_by, approved_by_persons, status, reason, transaction_id, usd_value_minor,
                  difference_reason, reversed_by, version
           FROM ledger_action
           WHERE ($1::bigint IS NULL OR id = $1) AND ($2::text IS NULL OR status = $2)
             AND ($3::bigint IS NULL OR work_item_id = $3) AND (NOT $4 OR status <> 'pending')
           ORDER BY CASE WHEN $5 THEN -id ELSE id END LIMIT $6"#,
        s.id,
        s.status.map(ActionStatus::code),
        s.work_item,
        s.decided_only,
        s.newest_first,
        limit
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(Action::try_from)
    .collect()
}

pub async fn get(pool: &PgPool, id: i64) -> Result<Action, ActionError> {
    select(pool, Select { id: Some(id), ..Select::default() }, 1)
        .await?
        .pop()
        .ok_or(ActionError::NotFound(id))
}

/// Actions by status (and, when given, by work item), oldest first.
pub async fn list(
    pool: &PgPool,
    status: Option<ActionStatus>,
    work_item: Option<i64>,
    limit: i64,
) -> Result<Vec<Action>, ActionError> {
    select(pool, Select { status, work_item, ..Select::default() }, limit).await
}

/// The latest decided actions (anything not pending), newest first.
pub async fn recently_decided(pool: &PgPool, limit: i64) -> Result<Vec<Action>, ActionError> {
    select(pool, Select { decided_only: true, newest_first: true, ..Select::default() }, limit).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;
    use crate::exceptions::testing::items;
    use crate::money::Currency;
    use crate::people::testing::actor;

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::from_code("USD").unwrap())
    }

    fn money(minor: i64, code: &str) -> Money {
        Money::from_minor(minor, Currency::from_code(code).unwrap())
    }

    async fn account(pool: &PgPool, code: &str) -> i64 {
        crate::ledger::account_by_code(pool, code).await.unwrap().unwrap().id
    }

    async fn balance(pool: &PgPool, code: &str) -> i64 {
        crate::ledger::account_by_code(pool, code).await.unwrap().unwrap().balance_minor
    }

    async fn rates(pool: &PgPool) {
        let admin = actor(pool, "ada", Role::Admin).await;
        for (code, rate) in [("EUR", "1.08"), ("GBP", "1.27"), ("JPY", "0.0067")] {
            super::super::limits::set_rate(pool, &admin, code, rate.parse().unwrap()).await.unwrap();
        }
    }

    fn none() -> Link {
        Link::default()
    }

    /// A stored action as the pure rules see it.
    fn stored(status: &str, initiated_by_person: i64, approved_by_persons: Vec<i64>) -> Action {
        let status = ActionStatus::from_code(status).unwrap();
        Action {
            id: 1,
            kind: ActionKind::Transfer,
            request: ActionRequest::Transfer { from: 1, to: 2, amount: usd(1_000), description: "t".into() },
            work_item_id: None,
            initiated_by: "ava".into(),
            initiated_by_person: Some(initiated_by_person),
            initiated_at: Utc::now(),
            expires_at: Utc::now() + chrono::Duration::hours(1),
            approvals_needed: 2,
            approved_by: approved_by_persons.iter().map(|p| format!("person {p}")).collect(),
            approved_by_persons,
            status,
            reason: None,
            transaction_id: None,
            usd_value_minor: Some(1_000),
            difference_reason: None,
            reversed_by: None,
            version: 1,
        }
    }

    fn person(id: i64, username: &str) -> Actor {
        Actor {
            person: crate::people::PersonId(id),
            username: username.into(),
            session_ref: None,
            address: None,
        }
    }

    #[test]
    fn an_action_is_decided_by_an_approver_who_neither_started_nor_approved_it() {
        let (ava, sam, sue) = (person(1, "ava"), person(2, "sam"), person(3, "sue"));
        let waiting = stored("pending", 1, vec![]);
        assert!(!waiting.decidable_by(&ava), "not by its initiator");
        assert!(waiting.decidable_by(&sam) && waiting.decidable_by(&sue));
        // By person: the initiator under another name is still the initiator.
        assert!(!waiting.decidable_by(&person(1, "ava.renamed")));
        let half = stored("pending", 1, vec![2]);
        assert!(!half.decidable_by(&sam), "not twice by one approver");
        assert!(half.decidable_by(&sue));
        for decided in ["posted", "rejected", "expired", "reversed"] {
            assert!(!stored(decided, 1, vec![]).decidable_by(&sam), "{decided}");
        }
        // Rows from before people were recorded compare by username.
        let old = Action { initiated_by_person: None, ..stored("pending", 1, vec![]) };
        assert!(!old.decidable_by(&person(9, "ava")) && old.decidable_by(&sam));
    }

    #[test]
    fn an_action_holds_its_item_while_posted_or_still_waiting() {
        let now = Utc::now();
        assert!(stored("posted", 1, vec![]).holds_item(now));
        assert!(stored("pending", 1, vec![]).holds_item(now));
        let late = Action { expires_at: now - chrono::Duration::seconds(1), ..stored("pending", 1, vec![]) };
        assert!(!late.holds_item(now), "past its expiry, even before the job marks it");
        for done in ["rejected", "expired", "reversed"] {
            assert!(!stored(done, 1, vec![]).holds_item(now), "{done}");
        }
    }

    #[test]
    fn a_release_line_differs_when_the_amount_or_currency_is_not_the_items() {
        let entry = |item_amount_minor: i64, item_currency: &str| BatchEntry {
            action: stored("pending", 1, vec![]),
            item_id: 5,
            item_reason: "chargeback".into(),
            item_amount_minor,
            item_currency: item_currency.into(),
        };
        assert!(!entry(1_000, "USD").differs());
        assert!(!entry(-1_000, "USD").differs(), "the item's sign is its direction, not its amount");
        assert!(entry(999, "USD").differs());
        assert!(entry(1_000, "EUR").differs());
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn recently_decided_lists_the_newest_decisions_however_many_there_are(pool: PgPool) {
        let (ava, sam) =
            (actor(&pool, "ava", Role::Associate).await, actor(&pool, "sam", Role::Approver).await);
        let (from, to) = (account(&pool, "suspense").await, account(&pool, "zelle_clearing").await);
        let mut rejected = Vec::new();
        for n in 0..25 {
            let request = ActionRequest::Transfer { from, to, amount: usd(100 + n), description: "t".into() };
            let key = format!("form-key-rd{n:02}");
            let action = initiate(&pool, &ava, &Policy::default(), &key, &request, &none()).await.unwrap();
            rejected.push(reject(&pool, &sam, action.id, "not needed").await.unwrap().id);
        }
        let waiting = ActionRequest::Transfer { from, to, amount: usd(99), description: "w".into() };
        initiate(&pool, &ava, &Policy::default(), "form-key-rd99", &waiting, &none()).await.unwrap();
        let newest: Vec<i64> = rejected.iter().rev().take(20).copied().collect();
        let listed: Vec<i64> = recently_decided(&pool, 20).await.unwrap().into_iter().map(|a| a.id).collect();
        assert_eq!(listed, newest, "the latest 20 decisions, newest first; nothing pending");
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_work_item_is_offered_a_transfer_only_while_open_and_not_taken(pool: PgPool) {
        let ids = items(&pool, "2026-11-20", &[("resettlement", "chargeback", -64_104, "USD")]).await;
        let (ava, sam) =
            (actor(&pool, "ava", Role::Associate).await, actor(&pool, "sam", Role::Approver).await);
        let item = crate::exceptions::get(&pool, ids[0]).await.unwrap();
        match offer_for(&pool, &item).await.unwrap() {
            ItemOffer::Open { amount, .. } => assert_eq!(amount, Some(usd(64_104))),
            other => panic!("{other:?}"),
        }
        let pay = ActionRequest::Transfer {
            from: account(&pool, "global_finance_resettlement").await,
            to: account(&pool, "visa_settlement").await,
            amount: usd(64_104),
            description: "pay".into(),
        };
        let action =
            initiate(&pool, &ava, &Policy::default(), "form-key-of01", &pay, &linked(ids[0])).await.unwrap();
        assert_eq!(
            offer_for(&pool, &item).await.unwrap(),
            ItemOffer::Taken { action: action.id, status: ActionStatus::Pending }
        );
        reject(&pool, &sam, action.id, "wrong account").await.unwrap();
        assert!(matches!(offer_for(&pool, &item).await.unwrap(), ItemOffer::Open { .. }), "free again");
    }

    fn linked(item: i64) -> Link {
        Link { work_item: Some(item), difference_reason: None }
    }

    async fn fx(pool: &PgPool, minor: i64, rate: &str) -> ActionRequest {
        ActionRequest::FxTransfer {
            from: account(pool, "visa_settlement_eur").await,
            to: account(pool, "visa_settlement").await,
            amount: money(minor, "EUR"),
            to_currency: Currency::from_code("USD").unwrap(),
            mid_rate: rate.parse().unwrap(),
            spread_bps: 0,
            fx_position_from: account(pool, "fx_position_eur").await,
            fx_position_to: account(pool, "fx_position_usd").await,
            fx_gain: account(pool, "fx_gain_loss").await,
            description: "EUR settlement moved to USD".into(),
        }
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn an_action_posts_only_after_someone_else_approves_and_once_only(pool: PgPool) {
        let (ava, sam, sue) = (
            actor(&pool, "ava", Role::Associate).await,
            actor(&pool, "sam", Role::Approver).await,
            actor(&pool, "sue", Role::Approver).await,
        );
        let (from, to) =
            (account(&pool, "global_finance_resettlement").await, account(&pool, "visa_settlement").await);
        let request = ActionRequest::Transfer {
            from,
            to,
            amount: usd(12_345),
            description: "chargeback resettlement".into(),
        };
        let policy = Policy::default();
        let first = initiate(&pool, &ava, &policy, "form-key-0001", &request, &none()).await.unwrap();
        let again = initiate(&pool, &ava, &policy, "form-key-0001", &request, &none()).await.unwrap();
        assert_eq!(first.id, again.id, "the second press of Initiate makes no second action");
        assert_eq!((first.status, first.approvals_needed), (ActionStatus::Pending, 1));
        assert!(matches!(
            approve(&pool, &ava, &Policy::default(), first.id).await,
            Err(ActionError::OwnAction)
        ));
        let posted = approve(&pool, &sam, &Policy::default(), first.id).await.unwrap();
        assert_eq!(posted.status, ActionStatus::Posted);
        assert!(matches!(
            approve(&pool, &sue, &Policy::default(), first.id).await,
            Err(ActionError::NotPending(_))
        ));
        assert_eq!(balance(&pool, "visa_settlement").await, 12_345);
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn people_are_their_subject_not_their_username(pool: PgPool) {
        let ava = actor(&pool, "ava", Role::Associate).await;
        let request = ActionRequest::Transfer {
            from: account(&pool, "suspense").await,
            to: account(&pool, "zelle_clearing").await,
            amount: usd(500),
            description: "x".into(),
        };
        let one =
            initiate(&pool, &ava, &Policy::default(), "form-key-id01", &request, &none()).await.unwrap();
        // Ava renamed at the identity provider is still ava: she cannot approve her own action.
        let renamed = Actor { username: "ava.smith".into(), ..ava.clone() };
        assert!(matches!(
            approve(&pool, &renamed, &Policy::default(), one.id).await,
            Err(ActionError::OwnAction)
        ));
        // Another subject who is also called "ava" is someone else.
        let namesake = crate::people::signed_in(
            &pool,
            "https://idp.test",
            "other-subject",
            "ava",
            "Ava B",
            [Role::Approver],
        )
        .await
        .unwrap();
        let namesake = Actor { person: namesake, ..ava.clone() };
        assert_eq!(
            approve(&pool, &namesake, &Policy::default(), one.id).await.unwrap().status,
            ActionStatus::Posted
        );
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn an_idempotency_key_belongs_to_one_person_and_one_content(pool: PgPool) {
        let (ava, aaron) =
            (actor(&pool, "ava", Role::Associate).await, actor(&pool, "aaron", Role::Associate).await);
        let (from, to) = (account(&pool, "suspense").await, account(&pool, "zelle_clearing").await);
        let small = ActionRequest::Transfer { from, to, amount: usd(500), description: "x".into() };
        let other = ActionRequest::Transfer { from, to, amount: usd(900), description: "y".into() };
        let hers = initiate(&pool, &ava, &Policy::default(), "shared-key-01", &small, &none()).await.unwrap();
        // Aaron sends ava's key: he gets an action of his own, never hers.
        let his =
            initiate(&pool, &aaron, &Policy::default(), "shared-key-01", &small, &none()).await.unwrap();
        assert_ne!(his.id, hers.id);
        assert_eq!(his.initiated_by_person, Some(aaron.person.0));
        // Ava's key replayed with other content is refused, not answered with the first action.
        assert!(matches!(
            initiate(&pool, &ava, &Policy::default(), "shared-key-01", &other, &none()).await,
            Err(ActionError::KeyReused)
        ));
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn the_rate_of_100000_is_refused_and_both_fx_legs_count_against_the_limits(pool: PgPool) {
        rates(&pool).await;
        let (ava, sam, sue) = (
            actor(&pool, "ava", Role::Associate).await,
            actor(&pool, "sam", Role::Approver).await,
            actor(&pool, "sue", Role::Approver).await,
        );
        // 999.99 EUR at 100000: far outside the band around the reference rate (1.08).
        let absurd = fx(&pool, 99_999, "100000").await;
        assert!(matches!(
            initiate(&pool, &ava, &Policy::default(), "form-key-fx00", &absurd, &none()).await,
            Err(ActionError::Limit(LimitError::RateOutsideBand { .. }))
        ));
        // With the band wide open, the receiving leg (99,999,000.00 USD) is what counts: two approvers.
        let wide = Policy { fx_band_bps: 1_000_000_000, ..Policy::default() };
        let action = initiate(&pool, &ava, &wide, "form-key-fx01", &absurd, &none()).await.unwrap();
        assert_eq!((action.approvals_needed, action.usd_value_minor), (2, Some(9_999_900_000)));
        assert_eq!(approve(&pool, &sam, &wide, action.id).await.unwrap().status, ActionStatus::Pending);
        assert_eq!(balance(&pool, "visa_settlement").await, 0, "one approval moves nothing");
        let posted = approve(&pool, &sue, &wide, action.id).await.unwrap();
        // Its reversal is worth as much: two approvers again.
        let undo = reversal_request(&pool, posted.transaction_id.unwrap(), "undo").await.unwrap();
        let reversal =
            initiate(&pool, &ava, &Policy::default(), "form-key-fx02", &undo, &none()).await.unwrap();
        assert_eq!(reversal.approvals_needed, 2);
        // And over the maximum, nothing at all.
        let huge = fx(&pool, 9_999_999_999, "1.08").await;
        assert!(matches!(
            initiate(&pool, &ava, &Policy::default(), "form-key-fx03", &huge, &none()).await,
            Err(ActionError::OverLimit { .. })
        ));
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn thresholds_are_in_usd_whatever_the_currency(pool: PgPool) {
        rates(&pool).await;
        let ava = actor(&pool, "ava", Role::Associate).await;
        let admin = actor(&pool, "ada", Role::Admin).await;
        crate::ledger::open_account(
            &pool,
            &crate::ledger::NewAccount::parse("jpy_a", "JPY A", "asset", "JPY").unwrap(),
            &admin,
        )
        .await
        .unwrap();
        crate::ledger::open_account(
            &pool,
            &crate::ledger::NewAccount::parse("jpy_b", "JPY B", "asset", "JPY").unwrap(),
            &admin,
        )
        .await
        .unwrap();
        crate::ledger::open_account(
            &pool,
            &crate::ledger::NewAccount::parse("gbp_a", "GBP A", "asset", "GBP").unwrap(),
            &admin,
        )
        .await
        .unwrap();
        let needed = |from: &'static str, to: &'static str, amount: Money, key: &'static str| {
            let (pool, ava) = (pool.clone(), ava.clone());
            async move {
                let request = ActionRequest::Transfer {
                    from: account(&pool, from).await,
                    to: account(&pool, to).await,
                    amount,
                    description: "t".into(),
                };
                initiate(&pool, &ava, &Policy::default(), key, &request, &none())
                    .await
                    .unwrap()
                    .approvals_needed
            }
        };
        // 1,000,000 minor units each: 10,000.00 USD (not above the threshold), 1,000,000 JPY
        // (6,700.00 USD), but 10,000.00 GBP is 12,700.00 USD: two approvers.
        assert_eq!(needed("suspense", "zelle_clearing", usd(1_000_000), "form-key-usd1").await, 1);
        assert_eq!(needed("jpy_a", "jpy_b", money(1_000_000, "JPY"), "form-key-jpy1").await, 1);
        assert_eq!(needed("gbp_a", "fx_position_gbp", money(1_000_000, "GBP"), "form-key-gbp1").await, 2);
        // A currency without a reference rate cannot be valued, so it cannot be started.
        sqlx::query!("DELETE FROM reference_rate WHERE currency = 'GBP'").execute(&pool).await.unwrap();
        let request = ActionRequest::Transfer {
            from: account(&pool, "gbp_a").await,
            to: account(&pool, "fx_position_gbp").await,
            amount: money(100, "GBP"),
            description: "t".into(),
        };
        assert!(matches!(
            initiate(&pool, &ava, &Policy::default(), "form-key-gbp2", &request, &none()).await,
            Err(ActionError::Limit(LimitError::NoRate(_)))
        ));
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn an_account_never_pays_itself_and_typed_amounts_are_plain(pool: PgPool) {
        let suspense = account(&pool, "suspense").await;
        let ava = actor(&pool, "ava", Role::Associate).await;
        let to_itself =
            ActionRequest::WriteOff { from: suspense, suspense, amount: usd(100), description: "w".into() };
        assert!(matches!(
            initiate(&pool, &ava, &Policy::default(), "form-key-self", &to_itself, &none()).await,
            Err(ActionError::SameAccount)
        ));
        let typed = |amount: &'static str| TransferInput {
            from: "suspense",
            to: "zelle_clearing",
            amount,
            description: "x",
            ..TransferInput::default()
        };
        for bad in ["1e9", "-5", "1,000.00", "0x10"] {
            assert!(
                matches!(transfer_request(&pool, &typed(bad)).await, Err(ActionError::Money(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            transfer_request(&pool, &TransferInput { to: "suspense", ..typed("5") }).await,
            Err(ActionError::SameAccount)
        ));
        assert_eq!(transfer_request(&pool, &typed("12.50")).await.unwrap().amount(), usd(1250));
        // Into suspense, it is a write-off.
        assert!(matches!(
            transfer_request(&pool, &TransferInput { from: "zelle_clearing", to: "suspense", ..typed("5") })
                .await
                .unwrap(),
            ActionRequest::WriteOff { .. }
        ));
        // A rate belongs to two currencies only, and two currencies need one.
        assert!(matches!(
            transfer_request(&pool, &TransferInput { rate: Some("1.1"), ..typed("5") }).await,
            Err(ActionError::RateForOneCurrency(c)) if c == "USD"
        ));
        let no_rate = TransferInput { to: "visa_settlement_eur", ..typed("5") };
        assert!(matches!(transfer_request(&pool, &no_rate).await, Err(ActionError::RateNeeded { .. })));
        for (rate, spread) in [("1,08", "0"), ("1.08", "half")] {
            let typed_fx = TransferInput { rate: Some(rate), spread_bps: Some(spread), ..no_rate.clone() };
            assert!(
                matches!(
                    transfer_request(&pool, &typed_fx).await,
                    Err(ActionError::NotARate(_) | ActionError::NotASpread(_))
                ),
                "{rate} {spread}"
            );
        }
        assert!(matches!(
            transfer_request(&pool, &TransferInput { from: "nowhere", ..typed("5") }).await,
            Err(ActionError::NoAccount(code)) if code == "nowhere"
        ));
        // Into EUR, the gain and loss is booked in EUR.
        rates(&pool).await;
        let into_eur = TransferInput {
            from: "visa_settlement",
            to: "visa_settlement_eur",
            amount: "100.00",
            description: "x",
            rate: Some("0.92"),
            spread_bps: Some("50"),
            counterparty: None,
        };
        let request = transfer_request(&pool, &into_eur).await.unwrap();
        // Through the FX position of each currency.
        let ActionRequest::FxTransfer { fx_position_from, fx_position_to, fx_gain, spread_bps, .. } =
            &request
        else {
            panic!("{request:?}")
        };
        assert_eq!(
            (*fx_position_from, *fx_position_to, *fx_gain, *spread_bps),
            (
                account(&pool, "fx_position_usd").await,
                account(&pool, "fx_position_eur").await,
                account(&pool, "fx_gain_loss_eur").await,
                50
            )
        );
        let action =
            initiate(&pool, &ava, &Policy::default(), "form-key-eur1", &request, &none()).await.unwrap();
        approve(&pool, &actor(&pool, "sam", Role::Approver).await, &Policy::default(), action.id)
            .await
            .unwrap();
        assert_eq!(balance(&pool, "fx_gain_loss_eur").await, -46, "0.46 EUR of spread");
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn one_exception_moves_money_once_and_a_reversal_reopens_it(pool: PgPool) {
        let ids = items(
            &pool,
            "2026-11-20",
            &[("resettlement", "chargeback", 64_104, "USD"), ("mismatch", "amount_differs", 300, "USD")],
        )
        .await;
        let (ava, aaron, sam) = (
            actor(&pool, "ava", Role::Associate).await,
            actor(&pool, "aaron", Role::Associate).await,
            actor(&pool, "sam", Role::Approver).await,
        );
        let (gfr, visa) =
            (account(&pool, "global_finance_resettlement").await, account(&pool, "visa_settlement").await);
        let pay = |minor| ActionRequest::Transfer {
            from: gfr,
            to: visa,
            amount: usd(minor),
            description: "pay".into(),
        };
        // Not the item's amount, and no reason given: refused.
        assert!(matches!(
            initiate(&pool, &ava, &Policy::default(), "form-key-it01", &pay(5_000), &linked(ids[0])).await,
            Err(ActionError::AmountDiffers { .. })
        ));
        // A write-off does not settle a resettlement.
        let write_off = ActionRequest::WriteOff {
            from: gfr,
            suspense: account(&pool, "suspense").await,
            amount: usd(64_104),
            description: "w".into(),
        };
        assert!(matches!(
            initiate(&pool, &ava, &Policy::default(), "form-key-it02", &write_off, &linked(ids[0])).await,
            Err(ActionError::NotSettledBy { .. })
        ));
        let first = initiate(&pool, &ava, &Policy::default(), "form-key-it03", &pay(64_104), &linked(ids[0]))
            .await
            .unwrap();
        // A second action on the same item, by someone else: refused while the first waits.
        assert!(matches!(
            initiate(&pool, &aaron, &Policy::default(), "form-key-it04", &pay(64_104), &linked(ids[0])).await,
            Err(ActionError::ItemAlreadySettled(_))
        ));
        // Slipped past the check (straight into the table), the database still posts only one.
        sqlx::query!(
            "INSERT INTO ledger_action (idempotency_key, kind, request, amount_minor, currency, work_item_id, initiated_by,
                                        initiated_by_person, expires_at, approvals_needed)
             SELECT 'smuggled-01', kind, request, amount_minor, currency, work_item_id, 'aaron', $2, expires_at, 1
             FROM ledger_action WHERE id = $1",
            first.id,
            aaron.person.0
        )
        .execute(&pool)
        .await
        .unwrap();
        let smuggled: i64 =
            sqlx::query_scalar!("SELECT id FROM ledger_action WHERE idempotency_key = 'smuggled-01'")
                .fetch_one(&pool)
                .await
                .unwrap();
        let posted = approve(&pool, &sam, &Policy::default(), first.id).await.unwrap();
        assert!(approve(&pool, &sam, &Policy::default(), smuggled).await.is_err(), "the item is settled");
        sqlx::query!(
            "UPDATE work_item SET status = 'open', resolution = NULL, resolved_at = NULL WHERE id = $1",
            ids[0]
        )
        .execute(&pool)
        .await
        .unwrap();
        let err = approve(&pool, &sam, &Policy::default(), smuggled).await.unwrap_err();
        assert!(matches!(err, ActionError::ItemAlreadySettled(_)), "{err}");
        sqlx::query!("UPDATE work_item SET status = 'resolved', resolution = 'corrected', resolved_at = now() WHERE id = $1", ids[0])
            .execute(&pool)
            .await
            .unwrap();
        assert_eq!(balance(&pool, "visa_settlement").await, 64_104, "money moved once");
        let item = crate::exceptions::get(&pool, ids[0]).await.unwrap();
        assert_eq!(item.resolution.as_deref(), Some("corrected"));

        // The reversal: refused twice over, and it reopens the item.
        let undo = reversal_request(&pool, posted.transaction_id.unwrap(), "wrong account").await.unwrap();
        let reversal =
            initiate(&pool, &ava, &Policy::default(), "form-key-it05", &undo, &none()).await.unwrap();
        assert!(
            initiate(&pool, &aaron, &Policy::default(), "form-key-it06", &undo, &none()).await.is_err(),
            "a second reversal while one waits"
        );
        let reversed = approve(&pool, &sam, &Policy::default(), reversal.id).await.unwrap();
        assert!(matches!(
            initiate(&pool, &aaron, &Policy::default(), "form-key-it07", &undo, &none()).await,
            Err(ActionError::AlreadyReversed(_))
        ));
        let again = reversal_request(&pool, reversed.transaction_id.unwrap(), "undo the undo").await.unwrap();
        assert!(initiate(&pool, &aaron, &Policy::default(), "form-key-it08", &again, &none()).await.is_err());
        let item = crate::exceptions::get(&pool, ids[0]).await.unwrap();
        assert_eq!((item.status, item.resolution), (crate::exceptions::Status::Open, None), "reopened");
        assert_eq!(get(&pool, first.id).await.unwrap().status, ActionStatus::Reversed);
        // With the first action reversed (and the smuggled one rejected), the item can be settled again.
        reject(&pool, &sam, smuggled, "duplicate of the first").await.unwrap();
        let second =
            initiate(&pool, &aaron, &Policy::default(), "form-key-it09", &pay(64_104), &linked(ids[0]))
                .await
                .unwrap();
        assert_eq!(
            approve(&pool, &sam, &Policy::default(), second.id).await.unwrap().status,
            ActionStatus::Posted
        );
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn approving_a_reversal_of_a_reversed_transaction_is_a_clear_refusal(pool: PgPool) {
        let (ava, sam) =
            (actor(&pool, "ava", Role::Associate).await, actor(&pool, "sam", Role::Approver).await);
        let request = ActionRequest::Transfer {
            from: account(&pool, "suspense").await,
            to: account(&pool, "zelle_clearing").await,
            amount: usd(700),
            description: "x".into(),
        };
        let posted = approve(
            &pool,
            &sam,
            &Policy::default(),
            initiate(&pool, &ava, &Policy::default(), "form-key-rr01", &request, &none()).await.unwrap().id,
        )
        .await
        .unwrap();
        let undo = reversal_request(&pool, posted.transaction_id.unwrap(), "undo").await.unwrap();
        let one = initiate(&pool, &ava, &Policy::default(), "form-key-rr02", &undo, &none()).await.unwrap();
        // A second one, as two tabs would have made it before the check existed.
        sqlx::query!(
            "INSERT INTO ledger_action (idempotency_key, kind, request, amount_minor, currency, initiated_by,
                                        initiated_by_person, expires_at, approvals_needed)
             SELECT 'form-key-rr03', kind, request, amount_minor, currency, initiated_by, initiated_by_person, expires_at, 1
             FROM ledger_action WHERE id = $1",
            one.id
        )
        .execute(&pool)
        .await
        .unwrap();
        approve(&pool, &sam, &Policy::default(), one.id).await.unwrap();
        let two: i64 =
            sqlx::query_scalar!("SELECT id FROM ledger_action WHERE idempotency_key = 'form-key-rr03'")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert!(matches!(
            approve(&pool, &sam, &Policy::default(), two).await,
            Err(ActionError::AlreadyReversed(_))
        ));
        assert_eq!(balance(&pool, "zelle_clearing").await, 0);
    }

    /// A batch release and single approvals at once, over the same accounts: the release posts
    /// action after action and appends to the audit trail between them, the single approvals
    /// lock their accounts and then append. Neither may fail nor lose a cent.
    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_batch_release_and_single_approvals_at_once_all_post(pool: PgPool) {
        let specs: Vec<(&str, &str, i64, &str)> =
            (0..12).map(|n| ("resettlement", "fee", 1_000 + n, "USD")).collect();
        let ids = items(&pool, "2026-11-20", &specs).await;
        let (ava, sam, sue) = (
            actor(&pool, "ava", Role::Associate).await,
            actor(&pool, "sam", Role::Approver).await,
            actor(&pool, "sue", Role::Approver).await,
        );
        let (gfr, visa, mastercard, suspense) = (
            account(&pool, "global_finance_resettlement").await,
            account(&pool, "visa_settlement").await,
            account(&pool, "mastercard_settlement").await,
            account(&pool, "suspense").await,
        );
        let accounts = [gfr, visa, mastercard, suspense];
        let policy = Policy::default();
        for (n, item) in ids.iter().enumerate() {
            let request = ActionRequest::Transfer {
                from: accounts[n % 4],
                to: accounts[(n + 1) % 4],
                amount: usd(1_000 + n as i64),
                description: "fee".into(),
            };
            initiate(&pool, &ava, &policy, &format!("form-key-r{n:03}"), &request, &linked(*item))
                .await
                .unwrap();
        }
        // Single transfers the other way round over the same accounts, not part of the release.
        let mut singles = Vec::new();
        for n in 0..12usize {
            let request = ActionRequest::Transfer {
                from: accounts[(n + 1) % 4],
                to: accounts[n % 4],
                amount: usd(500 + n as i64),
                description: "single".into(),
            };
            singles.push(
                initiate(&pool, &ava, &policy, &format!("form-key-s{n:03}"), &request, &none())
                    .await
                    .unwrap()
                    .id,
            );
        }
        let date = "2026-11-20".parse().unwrap();
        let preview = resettlement_batch(&pool, date).await.unwrap();
        assert_eq!(preview.len(), 12);
        let seen: Vec<(i64, i32)> = preview.iter().map(|e| (e.action.id, e.action.version)).collect();
        let release = {
            let (pool, sam, policy) = (pool.clone(), sam.clone(), policy);
            tokio::spawn(async move { approve_resettlements(&pool, &sam, &policy, date, &seen).await })
        };
        let mut approvals = Vec::new();
        for id in singles {
            let (pool, sue, policy) = (pool.clone(), sue.clone(), policy);
            approvals.push(tokio::spawn(async move { approve(&pool, &sue, &policy, id).await }));
        }
        let released = release.await.unwrap().expect("the release posts");
        assert_eq!((released.posted, released.waiting), (12, 0));
        for approval in approvals {
            let action = approval.await.unwrap().expect("every single approval posts");
            assert_eq!(action.status, ActionStatus::Posted);
        }
        let total: i64 = sqlx::query_scalar!(
            r#"SELECT sum(balance_minor)::bigint AS "t!" FROM ledger_account WHERE currency = 'USD'"#
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(total, 0, "balances sum to zero");
        let postings: i64 = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM ledger_posting"#)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(postings, 24 * 2);
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_batch_release_posts_exactly_the_reviewed_list(pool: PgPool) {
        let ids = items(
            &pool,
            "2026-11-20",
            &[
                ("resettlement", "chargeback", 64_104, "USD"),
                ("resettlement", "fee", 2_000_000, "USD"),
                ("resettlement", "fee", 150, "USD"),
            ],
        )
        .await;
        let (ava, sam, sue) = (
            actor(&pool, "ava", Role::Associate).await,
            actor(&pool, "sam", Role::Approver).await,
            actor(&pool, "sue", Role::Approver).await,
        );
        let (suspense, clearing, gfr, visa) = (
            account(&pool, "suspense").await,
            account(&pool, "zelle_clearing").await,
            account(&pool, "global_finance_resettlement").await,
            account(&pool, "visa_settlement").await,
        );
        // The foreign transfer: 50.00 USD suspense -> zelle_clearing linked to the 641.04 item.
        let foreign = ActionRequest::Transfer {
            from: suspense,
            to: clearing,
            amount: usd(5_000),
            description: "unrelated".into(),
        };
        assert!(initiate(&pool, &ava, &Policy::default(), "form-key-b001", &foreign, &linked(ids[0]))
            .await
            .is_err());
        let with_reason =
            Link { work_item: Some(ids[0]), difference_reason: Some("partial refund agreed".into()) };
        let a =
            initiate(&pool, &ava, &Policy::default(), "form-key-b002", &foreign, &with_reason).await.unwrap();
        let big = ActionRequest::Transfer {
            from: gfr,
            to: visa,
            amount: usd(2_000_000),
            description: "fee".into(),
        };
        let b =
            initiate(&pool, &ava, &Policy::default(), "form-key-b003", &big, &linked(ids[1])).await.unwrap();
        assert_eq!(b.approvals_needed, 2);

        // The preview shows what will post, the link and the reason.
        let preview = resettlement_batch(&pool, "2026-11-20".parse().unwrap()).await.unwrap();
        assert_eq!(preview.iter().map(|e| e.action.id).collect::<Vec<_>>(), vec![a.id, b.id]);
        assert_eq!(preview[0].item_amount_minor, 64_104);
        assert_eq!(preview[0].action.difference_reason.as_deref(), Some("partial refund agreed"));
        let seen: Vec<(i64, i32)> = preview.iter().map(|e| (e.action.id, e.action.version)).collect();

        // An action added after the review stops the release.
        let small =
            ActionRequest::Transfer { from: gfr, to: visa, amount: usd(150), description: "fee".into() };
        let c = initiate(&pool, &ava, &Policy::default(), "form-key-b004", &small, &linked(ids[2]))
            .await
            .unwrap();
        let date = "2026-11-20".parse().unwrap();
        assert!(matches!(
            approve_resettlements(&pool, &sam, &Policy::default(), date, &seen).await,
            Err(ActionError::BatchChanged)
        ));
        reject(&pool, &sue, c.id, "not today").await.unwrap();
        // A version that moved on (someone approved one meanwhile) stops it too.
        approve(&pool, &sue, &Policy::default(), b.id).await.unwrap();
        assert!(matches!(
            approve_resettlements(&pool, &sam, &Policy::default(), date, &seen).await,
            Err(ActionError::Changed { .. })
        ));
        assert_eq!(balance(&pool, "zelle_clearing").await, 0, "nothing posted by the refused releases");
        let seen: Vec<(i64, i32)> = resettlement_batch(&pool, date)
            .await
            .unwrap()
            .iter()
            .map(|e| (e.action.id, e.action.version))
            .collect();
        // The initiator cannot release her own.
        assert!(matches!(
            approve_resettlements(&pool, &ava, &Policy::default(), date, &seen).await,
            Err(ActionError::OwnAction)
        ));
        let released = approve_resettlements(&pool, &sam, &Policy::default(), date, &seen).await.unwrap();
        assert_eq!(released, Released { posted: 2, waiting: 0 });
        assert_eq!(balance(&pool, "zelle_clearing").await, 5_000);
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_dual_approval_action_in_a_batch_gets_one_approval(pool: PgPool) {
        let ids = items(&pool, "2026-11-21", &[("resettlement", "fee", 2_000_000, "USD")]).await;
        let (ava, sam) =
            (actor(&pool, "ava", Role::Associate).await, actor(&pool, "sam", Role::Approver).await);
        let big = ActionRequest::Transfer {
            from: account(&pool, "global_finance_resettlement").await,
            to: account(&pool, "visa_settlement").await,
            amount: usd(2_000_000),
            description: "fee".into(),
        };
        let b =
            initiate(&pool, &ava, &Policy::default(), "form-key-d001", &big, &linked(ids[0])).await.unwrap();
        let released = approve_resettlements(
            &pool,
            &sam,
            &Policy::default(),
            "2026-11-21".parse().unwrap(),
            &[(b.id, b.version)],
        )
        .await
        .unwrap();
        assert_eq!(released, Released { posted: 0, waiting: 1 });
        assert_eq!(get(&pool, b.id).await.unwrap().approved_by, vec!["sam".to_owned()]);
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
                    let maker = Actor { person: crate::people::PersonId(1), username: "a".into(), session_ref: None, address: None };
                    let mut tx = draft("fx-proptest-key", &ActionRequest::Transfer { from: 1, to: 2, amount, description: "fx".into() }, &lines, &maker, None, chrono::NaiveDate::MIN);
                    tx.approved_by_persons = vec![2];
                    proptest::prop_assert!(posting::check(&tx).is_ok(), "{lines:?}");
                    let spread: i64 = lines.iter().filter(|l| l.account == 5).map(|l| -l.amount.minor()).sum();
                    proptest::prop_assert!(spread >= 0);
                }
                Err(ActionError::ConvertsToNothing) => {} // converts to nothing: refused, not posted
                Err(e) => proptest::prop_assert!(false, "{e}"),
            }
        }
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_cross_currency_transfer_posts_through_the_fx_accounts_with_the_spread_booked(pool: PgPool) {
        rates(&pool).await;
        let (ava, sam) =
            (actor(&pool, "ava", Role::Associate).await, actor(&pool, "sam", Role::Approver).await);
        let mut request = fx(&pool, 100_000, "1.0850").await;
        if let ActionRequest::FxTransfer { spread_bps, .. } = &mut request {
            *spread_bps = 50;
        }
        let action =
            initiate(&pool, &ava, &Policy::default(), "form-key-fx01", &request, &none()).await.unwrap();
        approve(&pool, &sam, &Policy::default(), action.id).await.unwrap();
        // 1,000.00 EUR at 1.0850 less 0.50 %: 1,079.58 USD to the customer, 5.42 USD of spread.
        assert_eq!(balance(&pool, "visa_settlement").await, 107_958);
        assert_eq!(balance(&pool, "fx_gain_loss").await, -542);
        assert_eq!(balance(&pool, "fx_position_eur").await, 100_000);
        assert_eq!(balance(&pool, "visa_settlement_eur").await, -100_000);
        assert_eq!(balance(&pool, "fx_position_usd").await, -107_958 + 542);
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn pending_actions_expire_by_the_job_and_cannot_be_approved_after(pool: PgPool) {
        let (ava, sam) =
            (actor(&pool, "ava", Role::Associate).await, actor(&pool, "sam", Role::Approver).await);
        let (from, to) = (account(&pool, "suspense").await, account(&pool, "zelle_clearing").await);
        let policy = Policy { expires_after: chrono::Duration::seconds(-1), ..Policy::default() };
        let request = ActionRequest::Transfer { from, to, amount: usd(10), description: "late".into() };
        let action = initiate(&pool, &ava, &policy, "form-key-0007", &request, &none()).await.unwrap();
        assert_eq!(expire(&pool).await.unwrap(), 1);
        assert_eq!(expire(&pool).await.unwrap(), 0, "once");
        assert!(matches!(
            approve(&pool, &sam, &Policy::default(), action.id).await,
            Err(ActionError::NotPending(_))
        ));
        let recorded: i64 = sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!" FROM audit_event WHERE action = 'ledger.actions_expired' AND actor = 'system'"#
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(recorded, 1);
    }

    #[test]
    fn an_absurd_amount_at_an_absurd_rate_is_refused_not_a_panic() {
        let (eur, usd) = (Currency::from_code("EUR").unwrap(), Currency::from_code("USD").unwrap());
        let rate: rust_decimal::Decimal = "100000000000000".parse().unwrap();
        let huge = Money::from_minor(i64::MAX, eur);
        assert!(matches!(
            fx_lines(1, 2, huge, usd, rate, 0, (3, 4, 5)),
            Err(ActionError::ConvertedTooLarge | ActionError::Money(_))
        ));
        assert!(matches!(
            fx_lines(1, 2, huge, usd, rust_decimal::Decimal::MAX, 9_999, (3, 4, 5)),
            Err(ActionError::ConvertedTooLarge | ActionError::Money(_))
        ));
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_spread_that_takes_the_customers_money_is_refused(pool: PgPool) {
        rates(&pool).await;
        let ava = actor(&pool, "ava", Role::Associate).await;
        let mut request = fx(&pool, 100_000, "1.08").await;
        if let ActionRequest::FxTransfer { spread_bps, .. } = &mut request {
            *spread_bps = 9_999;
        }
        assert!(matches!(
            initiate(&pool, &ava, &Policy::default(), "form-key-sp01", &request, &none()).await,
            Err(ActionError::Limit(LimitError::RateOutsideBand { .. }))
        ));
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_rate_raised_after_initiation_raises_the_approvals_needed(pool: PgPool) {
        rates(&pool).await;
        let (ava, sam, sue) = (
            actor(&pool, "ava", Role::Associate).await,
            actor(&pool, "sam", Role::Approver).await,
            actor(&pool, "sue", Role::Approver).await,
        );
        let admin = actor(&pool, "ada", Role::Admin).await;
        let eur = account(&pool, "visa_settlement_eur").await;
        let position = account(&pool, "fx_position_eur").await;
        // 9,000.00 EUR at 1.08: 9,720.00 USD, one approver.
        let request = ActionRequest::Transfer {
            from: eur,
            to: position,
            amount: money(900_000, "EUR"),
            description: "t".into(),
        };
        let action =
            initiate(&pool, &ava, &Policy::default(), "form-key-rt01", &request, &none()).await.unwrap();
        assert_eq!(action.approvals_needed, 1);
        // EUR is now worth 1.20: 10,800.00 USD, over the threshold. One approval no longer posts.
        super::super::limits::set_rate(&pool, &admin, "EUR", "1.20".parse().unwrap()).await.unwrap();
        let half = approve(&pool, &sam, &Policy::default(), action.id).await.unwrap();
        assert_eq!((half.status, half.approvals_needed), (ActionStatus::Pending, 2));
        assert_eq!(
            approve(&pool, &sue, &Policy::default(), action.id).await.unwrap().status,
            ActionStatus::Posted
        );
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_double_click_makes_one_action_and_a_damaged_key_is_a_clear_refusal(pool: PgPool) {
        let ava = actor(&pool, "ava", Role::Associate).await;
        let request = ActionRequest::Transfer {
            from: account(&pool, "suspense").await,
            to: account(&pool, "zelle_clearing").await,
            amount: usd(500),
            description: "x".into(),
        };
        let policy = Policy::default();
        let link = none();
        let (a, b) = tokio::join!(
            initiate(&pool, &ava, &policy, "form-key-dc01", &request, &link),
            initiate(&pool, &ava, &policy, "form-key-dc01", &request, &link)
        );
        assert_eq!(a.unwrap().id, b.unwrap().id, "both clicks answer with the one action");
        for damaged in ["éééé", "key\nwith-newline", "short"] {
            assert!(
                matches!(
                    initiate(&pool, &ava, &policy, damaged, &request, &none()).await,
                    Err(ActionError::BadKey)
                ),
                "{damaged:?}"
            );
        }
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_date_cannot_close_under_a_posting_dated_on_it(pool: PgPool) {
        let (sam, sue) =
            (actor(&pool, "sam", Role::Approver).await, actor(&pool, "sue", Role::Approver).await);
        let today = Utc::now().date_naive();
        let (from, to) = (account(&pool, "suspense").await, account(&pool, "zelle_clearing").await);
        let tx = |key: &str| NewTransaction {
            idempotency_key: key.into(),
            effective_date: today,
            description: "x".into(),
            work_item: None,
            initiated_by: "ava".into(),
            approved_by: "sam".into(),
            initiated_by_person: None,
            approved_by_persons: Vec::new(),
            reverses: None,
            lines: vec![Line { account: from, amount: usd(-5) }, Line { account: to, amount: usd(5) }],
        };
        let proposal = super::super::close::propose(&pool, &sam, today, today).await.unwrap();
        // A posting dated today is in flight (not committed) when the close is approved.
        let mut posting = pool.begin().await.unwrap();
        posting::post_in(&mut posting, &[tx("in-flight-01")]).await.unwrap();
        let closing = tokio::spawn({
            let (pool, sue) = (pool.clone(), sue.clone());
            async move { super::super::close::approve(&pool, &sue, proposal, today).await }
        });
        // The close waits for the posting (a lock wait the database reports), however long it takes.
        let mut waited = false;
        for _ in 0..600 {
            let waiting: i64 = sqlx::query_scalar!(
                r#"SELECT count(*) AS "n!" FROM pg_stat_activity
                   WHERE wait_event_type = 'Lock' AND query LIKE 'LOCK TABLE ledger_closed_date IN EXCLUSIVE%'"#
            )
            .fetch_one(&pool)
            .await
            .unwrap();
            if waiting > 0 {
                waited = true;
                break;
            }
            assert!(
                !closing.is_finished(),
                "the close completed under an uncommitted posting dated on its date"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(waited, "the close never waited for the posting");
        posting.commit().await.unwrap();
        assert_eq!(closing.await.unwrap().unwrap(), today);
        // From now on, today takes nothing.
        assert!(matches!(
            posting::post(&pool, &tx("after-close-01")).await,
            Err(LedgerError::DateClosed { .. })
        ));
    }
}
