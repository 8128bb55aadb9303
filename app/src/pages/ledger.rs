//! The ledger: balances, actions waiting for approval, the journal, the trial balance, the release
//! of a day's resettlements and the day-end close. Associates initiate; approvers (never the
//! initiator) approve or reject; a close is proposed by one approver and approved by another. Every
//! form that can move money carries an idempotency key made when the form was drawn, so a double
//! click or a resubmission makes one action; a form that succeeded is emptied. Approving,
//! rejecting, reversing, releasing and closing each ask first, naming what will happen.
//!
//! The server functions send data (codes, numbers, amounts); the views say it in the person's
//! language, with values that are not words (amounts, account codes, user names, descriptions)
//! marked `translate="no"`.

use leptos::html::Form;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::i18n::{common, use_locale, Locale, Text};
use crate::kit::{outcome, refusal_of, Confirm, Field, Loaded, TableWrap};
use crate::labels::{label, Kind};
use crate::layout::PageHeader;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub code: String,
    pub name: String,
    /// The account kind's code (`asset`, `liability`, …).
    pub kind: String,
    pub currency: String,
    pub balance: String,
}

/// What an action does, with the accounts by code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActionWhat {
    /// A transfer or a write-off: `amount` out of `from` into `to`.
    Move { from: String, to: String, description: String },
    /// A cross-currency transfer at `rate` less `spread_bps`.
    Fx { from: String, to: String, rate: String, spread_bps: u32, description: String },
    /// The reversal of a posted transaction.
    Reverse { transaction: i64, description: String },
    /// A payout: `amount` out of `from` to an external counterparty (by code), through payments
    /// in transit to `to` once the hub settles it.
    Payout { from: String, to: String, counterparty: String, description: String },
}

/// A payout's payment instruction, as the action and its work item show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentView {
    pub end_to_end_id: String,
    /// The instruction status's code (`queued`, `sent`, `pending`, `settled`, `rejected`).
    pub status: String,
    /// The hub's reason for a rejection: its ISO code and words, as one text.
    pub reason: Option<String>,
}

#[cfg(feature = "ssr")]
impl From<domain::payouts::PaymentState> for PaymentView {
    fn from(p: domain::payouts::PaymentState) -> Self {
        let reason = match (p.reason_code, p.reason_text) {
            (Some(code), Some(text)) => Some(format!("{code}: {text}")),
            (code, text) => code.or(text),
        };
        PaymentView { end_to_end_id: p.end_to_end_id, status: p.status, reason }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionView {
    pub id: i64,
    pub version: i32,
    /// The action kind's code (`transfer`, `write_off`, `reversal`, `fx_transfer`).
    pub kind: String,
    pub what: ActionWhat,
    pub amount: String,
    /// What the limits counted, in USD, when the action is in another currency.
    pub usd_value: Option<String>,
    pub initiated_by: String,
    /// Approvals given, and needed.
    pub approved: usize,
    pub needed: i32,
    /// The status's code (`pending`, `posted`, `reversed`, `rejected`, `expired`).
    pub status: String,
    /// The transaction it posted, and the one that reversed that.
    pub transaction: Option<i64>,
    pub reversed_by: Option<i64>,
    /// Why it was rejected.
    pub reason: Option<String>,
    pub work_item: Option<i64>,
    /// Why the amount is not the work item's, in the initiator's words.
    pub difference_reason: Option<String>,
    /// Whether the person looking may approve or reject it.
    pub can_decide: bool,
    /// A payout's instruction, once approved.
    pub payment: Option<PaymentView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostingView {
    pub transaction_id: i64,
    pub date: String,
    pub description: String,
    pub account: String,
    pub amount: String,
    pub balance_after: String,
    /// Whether a reversal can be started for its transaction (not a reversal, not reversed).
    pub reversible: bool,
    /// The first posting of its transaction in the list (where the Reverse button goes).
    pub first_of_transaction: bool,
}

/// The work item a transfer is started from, to fill the form and to show what it settles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemPrefill {
    pub id: i64,
    /// The item's class and reason codes, its amount and business date.
    pub class: String,
    pub reason: String,
    pub item_amount: String,
    pub date: String,
    /// The action that already holds it (id, status code), if any.
    pub taken: Option<(i64, String)>,
    pub resolved: bool,
    /// The item may take a transfer (open, and no action of it waiting or posted).
    pub open: bool,
    pub amount: String,
    pub from: String,
    pub to: String,
    pub description: String,
}

/// A close waiting for a second approver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingClose {
    pub id: i64,
    /// The date to close, in the person's words.
    pub date: String,
    pub proposed_by: String,
    /// Whether the person looking may approve or reject it.
    pub can_decide: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseView {
    /// The first open date, `YYYY-MM-DD` (for the form) and in the person's words.
    pub first_open: String,
    pub first_open_long: String,
    /// It has ended: closing it may be proposed.
    pub can_propose: bool,
    pub pending: Option<PendingClose>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerBook {
    pub accounts: Vec<AccountView>,
    pub pending: Vec<ActionView>,
    pub recent: Vec<ActionView>,
    pub journal: Vec<PostingView>,
    pub trial_balance: Vec<(String, String, String)>,
    pub trial_as_of: String,
    pub close: CloseView,
    pub item: Option<ItemPrefill>,
    /// A fresh idempotency key for the transfer form.
    pub form_key: String,
    /// The counterparties a payout may go to: code, name, currency.
    pub counterparties: Vec<(String, String, String)>,
    pub can_initiate: bool,
    pub can_approve: bool,
}

/// Each action as the page shows it, with its payout's counterparty and payment.
#[cfg(feature = "ssr")]
async fn action_views(
    pool: &sqlx::PgPool,
    actions: Vec<domain::ledger::actions::Action>,
    accounts: &[domain::ledger::Account],
    me: Option<&domain::audit::Actor>,
) -> Result<Vec<ActionView>, AppError> {
    let payouts = domain::payouts::states(pool, &actions).await?;
    Ok(actions
        .into_iter()
        .map(|a| {
            let payout = payouts.iter().find(|p| p.action_id == a.id).cloned();
            action_view(a, accounts, me, payout)
        })
        .collect())
}

#[cfg(feature = "ssr")]
fn action_view(
    a: domain::ledger::actions::Action,
    accounts: &[domain::ledger::Account],
    me: Option<&domain::audit::Actor>,
    payout: Option<domain::payouts::PayoutState>,
) -> ActionView {
    use domain::ledger::actions::{ActionKind, ActionRequest};
    let code = |id: i64| {
        accounts.iter().find(|a| a.id == id).map(|a| a.code.clone()).unwrap_or_else(|| id.to_string())
    };
    let what = match &a.request {
        ActionRequest::Transfer { from, to, description, .. } => {
            ActionWhat::Move { from: code(*from), to: code(*to), description: description.clone() }
        }
        ActionRequest::WriteOff { from, suspense, description, .. } => {
            ActionWhat::Move { from: code(*from), to: code(*suspense), description: description.clone() }
        }
        ActionRequest::Reversal { transaction, description, .. } => {
            ActionWhat::Reverse { transaction: *transaction, description: description.clone() }
        }
        ActionRequest::FxTransfer { from, to, mid_rate, spread_bps, description, .. } => ActionWhat::Fx {
            from: code(*from),
            to: code(*to),
            rate: mid_rate.to_string(),
            spread_bps: *spread_bps,
            description: description.clone(),
        },
        ActionRequest::Payout { from, to, description, .. } => ActionWhat::Payout {
            from: code(*from),
            to: code(*to),
            counterparty: payout.as_ref().map(|p| p.counterparty.clone()).unwrap_or_default(),
            description: description.clone(),
        },
    };
    let amount = a.request.amount();
    let usd_value = a
        .usd_value_minor
        .filter(|_| a.kind == ActionKind::FxTransfer || amount.currency().code() != "USD")
        .map(|v| domain::money::grouped_minor(v, "USD"));
    ActionView {
        id: a.id,
        version: a.version,
        can_decide: me.is_some_and(|me| a.decidable_by(me)),
        kind: a.kind.code().to_owned(),
        what,
        amount: amount.grouped(),
        usd_value,
        initiated_by: a.initiated_by,
        approved: a.approved_by.len(),
        needed: a.approvals_needed,
        status: a.status.code().to_owned(),
        transaction: a.transaction_id,
        reversed_by: a.reversed_by,
        reason: a.reason,
        work_item: a.work_item_id,
        difference_reason: a.difference_reason,
        payment: payout.and_then(|p| p.payment).map(PaymentView::from),
    }
}

/// Today's business date in the bank's time zone: the latest date a close may reach.
#[cfg(feature = "ssr")]
async fn business_today(pool: &sqlx::PgPool) -> Result<chrono::NaiveDate, AppError> {
    let schedule = crate::preferences::viewer::operating_schedule(pool).await?;
    Ok(schedule.open_business_date(chrono::Utc::now()))
}

#[cfg(feature = "ssr")]
fn parse_date(text: &str) -> Result<chrono::NaiveDate, AppError> {
    let text = text.trim();
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| AppError::refused_text(text::NOT_A_DATE, &[&text]))
}

/// A work item's id as a form or a link gives it, if one is given.
#[cfg(feature = "ssr")]
fn work_item_id(given: Option<&str>) -> Result<Option<i64>, AppError> {
    match given.map(str::trim).filter(|w| !w.is_empty()) {
        Some(w) => w.parse().map(Some).map_err(|_| AppError::refused_text(text::NOT_A_WORK_ITEM, &[&w])),
        None => Ok(None),
    }
}

/// An action refused: said in the person's language, with an expiry in the zone they read times
/// in (their choice, or the bank's operating zone).
#[cfg(feature = "ssr")]
async fn refusal(pool: &sqlx::PgPool, e: domain::ledger::actions::ActionError) -> AppError {
    match e {
        domain::ledger::actions::ActionError::Expired(at) => {
            match crate::preferences::viewer::time_zone(pool).await {
                Ok((zone, _)) => AppError::refused(crate::refusals::ledger::expired(
                    at,
                    zone,
                    crate::i18n::request_locale(),
                )),
                Err(e) => e,
            }
        }
        other => other.into(),
    }
}

#[server(endpoint = "ledger/overview")]
pub async fn ledger_overview(
    as_of: Option<String>,
    work_item: Option<String>,
) -> Result<LedgerBook, AppError> {
    use domain::access::Permission;
    use domain::ledger::{actions, close};
    let user = crate::auth::server::require(Permission::ViewLedger).await?;
    let state = crate::state::AppState::from_context()?;
    let accounts = domain::ledger::accounts(&state.pool).await?;
    let can_approve = user.can(Permission::ApproveActions);
    let me = user.actor();
    let pending = actions::list(&state.pool, Some(actions::ActionStatus::Pending), None, 100).await?;
    let recent = actions::recently_decided(&state.pool, 20).await?;
    let today = business_today(&state.pool).await?;
    let standing = close::standing(&state.pool, today).await?;
    let journal = journal_view(&state.pool, &accounts).await?;
    let as_of = match as_of.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => parse_date(d)?,
        None => today.max(standing.first_open),
    };
    let trial = domain::ledger::trial_balance(&state.pool, as_of).await?;
    let item = match work_item_id(work_item.as_deref())? {
        Some(id) => Some(item_prefill(&state.pool, id).await?),
        None => None,
    };
    let long_date = crate::preferences::viewer::long_date;
    Ok(LedgerBook {
        pending: action_views(&state.pool, pending, &accounts, can_approve.then_some(&me)).await?,
        recent: action_views(&state.pool, recent, &accounts, None).await?,
        counterparties: domain::payouts::payable_counterparties(&state.pool).await?,
        journal,
        trial_balance: trial
            .into_iter()
            .map(|r| {
                (
                    r.account_code,
                    domain::money::grouped_minor(r.debits_minor, &r.currency),
                    domain::money::grouped_minor(r.credits_minor, &r.currency),
                )
            })
            .collect(),
        accounts: accounts
            .into_iter()
            .map(|a| AccountView {
                balance: domain::money::grouped_minor(a.balance_minor, &a.currency),
                code: a.code,
                name: a.name,
                kind: a.kind.code().to_owned(),
                currency: a.currency,
            })
            .collect(),
        close: CloseView {
            first_open: standing.first_open.to_string(),
            first_open_long: long_date(standing.first_open),
            can_propose: standing.closable,
            pending: standing.pending.map(|p| PendingClose {
                id: p.id,
                date: long_date(p.business_date),
                can_decide: can_approve && p.decidable_by(&me),
                proposed_by: p.proposed_by,
            }),
        },
        item,
        trial_as_of: as_of.to_string(),
        form_key: uuid::Uuid::new_v4().to_string(),
        can_initiate: user.can(Permission::InitiateActions),
        can_approve,
    })
}

/// The transfer form as the work item's posting template fills it, or why the item takes none.
#[cfg(feature = "ssr")]
async fn item_prefill(pool: &sqlx::PgPool, id: i64) -> Result<ItemPrefill, AppError> {
    use domain::ledger::actions::{offer_for, ItemOffer};
    let item = domain::exceptions::get(pool, id).await?;
    let offer = offer_for(pool, &item).await?;
    let mut prefill = ItemPrefill {
        id,
        item_amount: domain::money::grouped_minor(item.amount_minor, &item.currency),
        date: item.business_date.to_string(),
        class: item.class,
        reason: item.reason,
        taken: None,
        resolved: false,
        open: false,
        amount: String::new(),
        from: String::new(),
        to: String::new(),
        description: String::new(),
    };
    match offer {
        ItemOffer::Taken { action, status } => prefill.taken = Some((action, status.code().to_owned())),
        ItemOffer::Resolved => prefill.resolved = true,
        ItemOffer::Open { amount, template } => {
            // A description is stored with the transaction for good: written in one language
            // (English) whoever starts it, so the journal reads the same for everyone.
            let locale = crate::i18n::Locale::En;
            prefill.open = true;
            prefill.amount = amount.map(|a| a.plain().as_str().to_owned()).unwrap_or_default();
            prefill.description = match &template {
                Some(t) => locale.f(text::FOR_ITEM, &[&t.description, &id]),
                None => locale.f(text::SETTLES_ITEM, &[&id]),
            };
            if let Some(t) = template {
                (prefill.from, prefill.to) = (t.from_code, t.to_code);
            }
        }
    }
    Ok(prefill)
}

/// The latest postings with their transactions, newest first.
#[cfg(feature = "ssr")]
async fn journal_view(
    pool: &sqlx::PgPool,
    accounts: &[domain::ledger::Account],
) -> Result<Vec<PostingView>, AppError> {
    let lines = domain::ledger::journal(pool, 40).await?;
    let mut seen = std::collections::BTreeSet::new();
    Ok(lines
        .into_iter()
        .map(|l| {
            let account = accounts.iter().find(|a| a.id == l.account_id);
            let currency = account.map(|a| a.currency.clone()).unwrap_or_default();
            PostingView {
                transaction_id: l.transaction_id,
                date: l.effective_date.to_string(),
                description: l.description,
                account: account.map(|a| a.code.clone()).unwrap_or_default(),
                amount: domain::money::grouped_minor(l.amount_minor, &currency),
                balance_after: domain::money::grouped_minor(l.balance_after, &currency),
                reversible: l.reverses.is_none() && l.reversed_by.is_none(),
                first_of_transaction: seen.insert(l.transaction_id),
            }
        })
        .collect())
}

/// The transfer form, field by field (a struct: the form has more fields than a function should
/// have arguments).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferForm {
    pub key: String,
    pub from: String,
    pub to: String,
    pub amount: String,
    pub description: String,
    pub work_item: Option<String>,
    /// Why the amount differs from the work item's.
    pub reason: Option<String>,
    pub rate: Option<String>,
    pub spread_bps: Option<String>,
    /// A counterparty's code: the transfer becomes a payout to it.
    pub counterparty: Option<String>,
}

/// Starts a funds transfer (a write-off when `to` is the suspense account; an FX transfer between
/// two currencies: the domain decides which).
#[server(endpoint = "ledger/initiate")]
pub async fn initiate_transfer(form: TransferForm) -> Result<i64, AppError> {
    use domain::ledger::actions::{self, Link, TransferInput};
    let user = crate::auth::server::require(domain::access::Permission::InitiateActions).await?;
    let state = crate::state::AppState::from_context()?;
    let input = TransferInput {
        from: &form.from,
        to: &form.to,
        amount: &form.amount,
        description: &form.description,
        rate: form.rate.as_deref(),
        spread_bps: form.spread_bps.as_deref(),
        counterparty: form.counterparty.as_deref(),
    };
    let beside = |e| transfer_refusal(&form, e);
    let request = actions::transfer_request(&state.pool, &input).await.map_err(beside)?;
    let link =
        Link { work_item: work_item_id(form.work_item.as_deref())?, difference_reason: form.reason.clone() };
    let action = actions::initiate(&state.pool, &user.actor(), &state.limits, &form.key, &request, &link)
        .await
        .map_err(beside)?;
    Ok(action.id)
}

/// A refusal of the transfer form, said beside the field it is about (by the name the form sends
/// it under); one about the whole action stays at the foot of the form.
#[cfg(feature = "ssr")]
fn transfer_refusal(form: &TransferForm, e: domain::ledger::actions::ActionError) -> AppError {
    use domain::ledger::actions::ActionError as E;
    let field = match &e {
        E::NoAccount(code) if code == form.from.trim() => "form[from]",
        E::NoAccount(_) | E::SameAccount | E::OneCurrency | E::InTransitAccount(_) => "form[to]",
        E::Money(_) | E::NotPositive | E::OverLimit { .. } | E::ConvertedTooLarge | E::ConvertsToNothing => {
            "form[amount]"
        }
        E::BadDescription => "form[description]",
        E::AmountDiffers { .. } | E::ReasonTooLong => "form[reason]",
        E::RateForOneCurrency(_) | E::RateNeeded { .. } | E::NotARate(_) | E::BadRate | E::RateTooLarge => {
            "form[rate]"
        }
        E::Limit(domain::ledger::limits::LimitError::RateOutsideBand { .. }) => "form[rate]",
        E::NotASpread(_) | E::SpreadTooWide => "form[spread_bps]",
        E::NoCounterparty(_)
        | E::CounterpartyCurrency { .. }
        | E::OwnCounterparty(_)
        | E::PayoutAcrossCurrencies
        | E::Payment(_) => "form[counterparty]",
        _ => "",
    };
    AppError::from(e).beside(field)
}

/// Starts the reversal of a posted transaction (it, too, waits for an approver).
#[server(endpoint = "ledger/reverse")]
pub async fn initiate_reversal(key: String, transaction: i64, description: String) -> Result<i64, AppError> {
    use domain::ledger::actions::{self, Link};
    let user = crate::auth::server::require(domain::access::Permission::InitiateActions).await?;
    let state = crate::state::AppState::from_context()?;
    let request = actions::reversal_request(&state.pool, transaction, &description).await?;
    let action =
        actions::initiate(&state.pool, &user.actor(), &state.limits, &key, &request, &Link::default())
            .await?;
    Ok(action.id)
}

/// What an approval did: posted (as a transaction), or counted and waiting for another approver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub transaction: Option<i64>,
    pub approved: usize,
    pub needed: i32,
}

#[server(endpoint = "ledger/approve")]
pub async fn approve_action(id: i64) -> Result<Approval, AppError> {
    let user = crate::auth::server::require(domain::access::Permission::ApproveActions).await?;
    let state = crate::state::AppState::from_context()?;
    let action = match domain::ledger::actions::approve(&state.pool, &user.actor(), &state.limits, id).await {
        Ok(action) => action,
        Err(e) => return Err(refusal(&state.pool, e).await),
    };
    Ok(Approval {
        transaction: action.transaction_id,
        approved: action.approved_by.len(),
        needed: action.approvals_needed,
    })
}

#[server(endpoint = "ledger/reject")]
pub async fn reject_action(id: i64, reason: String) -> Result<(), AppError> {
    let user = crate::auth::server::require(domain::access::Permission::ApproveActions).await?;
    let state = crate::state::AppState::from_context()?;
    domain::ledger::actions::reject(&state.pool, &user.actor(), id, &reason).await?;
    Ok(())
}

/// One action of a release, as the approver reviews it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseLine {
    pub action: ActionView,
    /// The work item it settles: id, reason code, amount.
    pub item_id: i64,
    pub item_reason: String,
    pub item_amount: String,
    /// The action moves another amount than the item's.
    pub differs: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseList {
    pub date: String,
    pub lines: Vec<ReleaseLine>,
}

/// What releasing a day's resettlements would post, for the approver to review first.
#[server(endpoint = "ledger/release-preview")]
pub async fn release_preview(date: String) -> Result<ReleaseList, AppError> {
    let user = crate::auth::server::require(domain::access::Permission::ApproveActions).await?;
    let state = crate::state::AppState::from_context()?;
    let date = parse_date(&date)?;
    let accounts = domain::ledger::accounts(&state.pool).await?;
    let me = user.actor();
    let entries = domain::ledger::actions::resettlement_batch(&state.pool, date).await?;
    let actions: Vec<_> = entries.iter().map(|e| e.action.clone()).collect();
    let payouts = domain::payouts::states(&state.pool, &actions).await?;
    Ok(ReleaseList {
        date: date.to_string(),
        lines: entries
            .into_iter()
            .map(|e| {
                let payout = payouts.iter().find(|p| p.action_id == e.action.id).cloned();
                ReleaseLine {
                    differs: e.differs(),
                    item_id: e.item_id,
                    item_amount: domain::money::grouped_minor(e.item_amount_minor, &e.item_currency),
                    item_reason: e.item_reason,
                    action: action_view(e.action, &accounts, Some(&me), payout),
                }
            })
            .collect(),
    })
}

/// What a release did, for `date`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseOutcome {
    pub date: String,
    pub posted: usize,
    /// Actions that need a second approver: this release gave them one approval.
    pub waiting: usize,
}

/// Releases exactly the reviewed list (`seen` holds `id:version` pairs) as one batch.
#[server(endpoint = "ledger/release")]
pub async fn release_resettlements(date: String, seen: Vec<String>) -> Result<ReleaseOutcome, AppError> {
    let user = crate::auth::server::require(domain::access::Permission::ApproveActions).await?;
    let state = crate::state::AppState::from_context()?;
    let date = parse_date(&date)?;
    let seen = crate::pages::exceptions::id_versions(&seen)?;
    let released = match domain::ledger::actions::approve_resettlements(
        &state.pool,
        &user.actor(),
        &state.limits,
        date,
        &seen,
    )
    .await
    {
        Ok(released) => released,
        Err(e) => return Err(refusal(&state.pool, e).await),
    };
    Ok(ReleaseOutcome { date: date.to_string(), posted: released.posted, waiting: released.waiting })
}

/// Proposes closing `date`; answers the date in the person's words.
#[server(endpoint = "ledger/close-propose")]
pub async fn propose_close(date: String) -> Result<String, AppError> {
    let user = crate::auth::server::require(domain::access::Permission::ApproveActions).await?;
    let state = crate::state::AppState::from_context()?;
    let date = parse_date(&date)?;
    let today = business_today(&state.pool).await?;
    domain::ledger::close::propose(&state.pool, &user.actor(), date, today).await?;
    Ok(crate::preferences::viewer::long_date(date))
}

/// What became of a proposed close.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CloseDecision {
    /// The date (in the person's words) is closed.
    Closed(String),
    Rejected,
}

#[server(endpoint = "ledger/close-decide")]
pub async fn decide_close(id: i64, decision: String) -> Result<CloseDecision, AppError> {
    let user = crate::auth::server::require(domain::access::Permission::ApproveActions).await?;
    let state = crate::state::AppState::from_context()?;
    match decision.as_str() {
        "approve" => {
            let today = business_today(&state.pool).await?;
            let date = domain::ledger::close::approve(&state.pool, &user.actor(), id, today).await?;
            Ok(CloseDecision::Closed(crate::preferences::viewer::long_date(date)))
        }
        "reject" => {
            domain::ledger::close::reject(&state.pool, &user.actor(), id).await?;
            Ok(CloseDecision::Rejected)
        }
        _ => Err(AppError::refused_text(text::CHOOSE_DECISION, &[])),
    }
}

/// `text` in the person's language with its values (`{}` in order, `{n}` by position) put in as
/// the given views: data in [`data`], words as they are.
fn sentence(locale: Locale, text: Text, values: Vec<AnyView>) -> Vec<AnyView> {
    let mut values: Vec<Option<AnyView>> = values.into_iter().map(Some).collect();
    let mut parts = Vec::with_capacity(values.len() * 2 + 1);
    let mut rest = locale.t(text);
    let mut next = 0;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else { break };
        let inside = &rest[open + 1..close];
        let index = if inside.is_empty() {
            next += 1;
            Some(next - 1)
        } else {
            inside.parse::<usize>().ok()
        };
        let (before, placeholder) = (&rest[..open], &rest[open..=close]);
        if !before.is_empty() {
            parts.push(before.into_any());
        }
        match index.and_then(|i| values.get_mut(i)).and_then(Option::take) {
            Some(value) => parts.push(value),
            None => parts.push(placeholder.into_any()),
        }
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(rest.into_any());
    }
    parts
}

/// A value that is not words (an amount, an account code, a user name, a description): marked so
/// that no translator touches it.
fn data(value: impl ToString) -> AnyView {
    view! { <span translate="no">{value.to_string()}</span> }.into_any()
}

fn words(value: impl ToString) -> AnyView {
    value.to_string().into_any()
}

/// "Transfer: from → to: what for", in the person's language.
fn what_view(locale: Locale, kind: &str, what: &ActionWhat) -> Vec<AnyView> {
    let summary = match what.clone() {
        ActionWhat::Move { from, to, description } => {
            sentence(locale, text::MOVE_SUMMARY, vec![data(from), data(to), data(description)])
        }
        ActionWhat::Fx { from, to, rate, spread_bps, description } => sentence(
            locale,
            text::FX_SUMMARY,
            vec![data(from), data(to), data(rate), data(spread_bps), data(description)],
        ),
        ActionWhat::Reverse { transaction, description } => {
            sentence(locale, text::REVERSE_SUMMARY, vec![data(transaction), data(description)])
        }
        ActionWhat::Payout { from, to, counterparty, description } => sentence(
            locale,
            text::PAYOUT_SUMMARY,
            vec![data(from), data(counterparty), data(to), data(description)],
        ),
    };
    sentence(
        locale,
        text::KIND_AND_WHAT,
        vec![words(label(Kind::ActionKind, kind, locale)), summary.into_any()],
    )
}

/// Where an action stands: "Posted (transaction 12)", "Rejected: reason", …
fn status_view(locale: Locale, a: &ActionView) -> Vec<AnyView> {
    let status = label(Kind::ActionStatus, &a.status, locale);
    match (a.status.as_str(), a.transaction, a.reversed_by, a.reason.clone()) {
        ("posted", Some(t), _, _) => sentence(locale, text::IN_TRANSACTION, vec![words(status), data(t)]),
        ("reversed", Some(t), Some(r), _) => sentence(
            locale,
            text::REVERSED_BY,
            vec![words(label(Kind::ActionStatus, "posted", locale)), data(t), data(r)],
        ),
        ("rejected", _, _, Some(reason)) => {
            sentence(locale, text::WITH_REASON, vec![words(status), data(reason)])
        }
        _ => vec![words(status)],
    }
}

/// The question before approving or rejecting: what moves, from where to where.
fn decision_question(locale: Locale, a: &ActionView, approve: bool) -> Vec<AnyView> {
    let amount = data(a.amount.clone());
    match &a.what {
        ActionWhat::Move { from, to, .. } | ActionWhat::Fx { from, to, .. } => {
            let text = if approve { text::APPROVE_MOVE } else { text::REJECT_MOVE };
            sentence(locale, text, vec![amount, data(from), data(to)])
        }
        ActionWhat::Reverse { transaction, .. } => {
            let text = if approve { text::APPROVE_REVERSAL } else { text::REJECT_REVERSAL };
            sentence(locale, text, vec![data(transaction), amount])
        }
        ActionWhat::Payout { from, counterparty, .. } => {
            let text = if approve { text::APPROVE_PAYOUT } else { text::REJECT_PAYOUT };
            sentence(locale, text, vec![amount, data(from), data(counterparty)])
        }
    }
}

/// "Payment SD-A-12: settled", or rejected with the hub's reason.
pub fn payment_view(locale: Locale, p: &PaymentView) -> Vec<AnyView> {
    let status = words(label(Kind::PayoutStatus, &p.status, locale));
    match p.reason.clone() {
        Some(reason) => sentence(
            locale,
            text::PAYMENT_STATUS_WHY,
            vec![data(p.end_to_end_id.clone()), status, data(reason)],
        ),
        None => sentence(locale, text::PAYMENT_STATUS, vec![data(p.end_to_end_id.clone()), status]),
    }
}

#[component]
pub fn LedgerPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_query_map();
    let work_item = move || params.with(|p| p.get("work_item").filter(|w| !w.is_empty()));
    let as_of = move || params.with(|p| p.get("as_of").filter(|d| !d.is_empty()));
    let release_date = move || params.with(|p| p.get("release").filter(|d| !d.is_empty()));
    let actions = LedgerActions::new();
    // Every list on the page is read again after any form succeeds: one key for all of them.
    let overview = Resource::new(
        move || (actions.changed(), work_item(), as_of()),
        move |(_, work_item, as_of)| ledger_overview(as_of, work_item),
    );
    let preview = Resource::new(
        move || (release_date(), actions.changed()),
        |(date, _)| async move {
            match date {
                Some(date) => release_preview(date).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <PageHeader title=crate::routes::LEDGER lede=text::LEDE/>
        {outcome(actions.initiate.value(), move |id| locale.f(text::ACTION_WAITING, &[&id]))}
        {outcome(actions.approve.value(), move |a: Approval| match a.transaction {
            Some(t) => locale.f(text::APPROVED_POSTED, &[&t]),
            None => locale.f(text::APPROVED_NEEDS_ANOTHER, &[&a.approved, &a.needed]),
        })}
        {outcome(actions.reject.value(), move |()| locale.t(text::REJECTED).to_owned())}
        {outcome(actions.propose.value(), move |date| locale.f(text::CLOSE_PROPOSED_OUTCOME, &[&date]))}
        {outcome(actions.decide.value(), move |decision| match decision {
            CloseDecision::Closed(date) => locale.f(text::DATE_CLOSED, &[&date]),
            CloseDecision::Rejected => locale.t(text::CLOSE_REJECTED).to_owned(),
        })}
        {outcome(actions.release.value(), move |r: ReleaseOutcome| match r.waiting {
            0 => locale.f(text::RELEASED_ALL, &[&r.posted, &r.date]),
            waiting => locale.f(text::RELEASED_SOME, &[&(r.posted + waiting), &r.date, &r.posted, &waiting]),
        })}
        {outcome(actions.reverse.value(), move |id| locale.f(text::REVERSAL_WAITING, &[&id]))}
        <Loaded>
            {move || Suspend::new(async move {
                let preview = preview.await?;
                overview.await.map(|o| view! { <LedgerView o preview actions/> })
            })}
        </Loaded>
    }
}

/// The page's forms, as server actions, and how often each has succeeded.
#[derive(Clone, Copy)]
struct LedgerActions {
    initiate: ServerAction<InitiateTransfer>,
    approve: ServerAction<ApproveAction>,
    reject: ServerAction<RejectAction>,
    propose: ServerAction<ProposeClose>,
    decide: ServerAction<DecideClose>,
    release: ServerAction<ReleaseResettlements>,
    reverse: ServerAction<InitiateReversal>,
    succeeded: [ReadSignal<usize>; 7],
}

impl LedgerActions {
    fn new() -> Self {
        use crate::forms::successes;
        let (initiate, approve, reject) = (ServerAction::new(), ServerAction::new(), ServerAction::new());
        let (propose, decide, release, reverse) =
            (ServerAction::new(), ServerAction::new(), ServerAction::new(), ServerAction::new());
        LedgerActions {
            // Every form of the page, each once: a form left out here would leave the lists stale.
            succeeded: [
                successes(initiate),
                successes(approve),
                successes(reject),
                successes(propose),
                successes(decide),
                successes(release),
                successes(reverse),
            ],
            initiate,
            approve,
            reject,
            propose,
            decide,
            release,
            reverse,
        }
    }

    /// How many forms have succeeded so far: changes whenever one does, and the page reads the
    /// books again (a refusal changes nothing, and keeps the form as typed).
    fn changed(&self) -> usize {
        self.succeeded.iter().map(|s| s.get()).sum()
    }
}

#[component]
fn LedgerView(o: LedgerBook, preview: Option<ReleaseList>, actions: LedgerActions) -> impl IntoView {
    let locale = use_locale();
    let transfer_form = NodeRef::<Form>::new();
    crate::forms::reset_on_success(actions.initiate, transfer_form);
    let codes: Vec<String> = o.accounts.iter().map(|a| a.code.clone()).collect();
    let no_decisions = o.recent.is_empty();
    let (from, to, amount, description, item_id) = match &o.item {
        Some(i) if i.open => {
            (i.from.clone(), i.to.clone(), i.amount.clone(), i.description.clone(), i.id.to_string())
        }
        _ => Default::default(),
    };
    let item_open = o.item.as_ref().is_some_and(|i| i.open);
    let form_key = o.form_key.clone();
    let transfer_refused = refusal_of(actions.initiate.value());
    let from_options = account_options(locale, codes.clone(), from);
    let counterparties = o.counterparties.clone();
    let has_counterparties = !counterparties.is_empty();
    let to_options = account_options(locale, codes.clone(), to);
    view! {
        {o.can_initiate.then(|| view! {
            <section class="card narrow" aria-labelledby="transfer-heading">
                <h2 id="transfer-heading">{locale.t(text::START_TRANSFER)}</h2>
                <p class="muted">{locale.t(text::TRANSFER_HINT)}</p>
                {o.item.clone().map(|i| view! { <p data-test="transfer-item">{item_summary(locale, i)}</p> })}
                <ActionForm action=actions.initiate node_ref=transfer_form attr:class="form">
                    <input type="hidden" name="form[key]" value=o.form_key.clone()/>
                    <input type="hidden" name="form[work_item]" value=item_id/>
                    <Field id="transfer-from" name="form[from]" label=text::FROM_ACCOUNT refused=transfer_refused>
                        <select id="transfer-from" name="form[from]" required>{from_options}</select></Field>
                    <Field id="transfer-to" name="form[to]" label=text::TO_ACCOUNT refused=transfer_refused>
                        <select id="transfer-to" name="form[to]" required>{to_options}</select></Field>
                    <Field id="transfer-amount" name="form[amount]" label=common::AMOUNT refused=transfer_refused>
                        <input id="transfer-amount" name="form[amount]" inputmode="decimal" required value=amount
                            pattern="[0-9]+(\\.[0-9]+)?" title=locale.t(text::AMOUNT_FORMAT) aria-describedby="transfer-amount-hint"/>
                        <p class="hint" id="transfer-amount-hint">{locale.t(text::AMOUNT_FORMAT)}</p></Field>
                    <Field id="transfer-description" name="form[description]" label=text::WHAT_FOR refused=transfer_refused>
                        <input id="transfer-description" name="form[description]" required maxlength="500" value=description/></Field>
                    {item_open.then(|| view! {
                        <Field id="transfer-reason" name="form[reason]" label=text::WHY_DIFFERS refused=transfer_refused>
                            <input id="transfer-reason" name="form[reason]" maxlength="500"/></Field>
                    })}
                    {has_counterparties.then(|| view! {
                        <Field id="transfer-counterparty" name="form[counterparty]" label=text::PAY_OUT_TO refused=transfer_refused>
                            <select id="transfer-counterparty" name="form[counterparty]" aria-describedby="transfer-counterparty-hint">
                                <option value="" selected=true>{locale.t(text::BOOK_ONLY)}</option>
                                {counterparties.clone().into_iter().map(|(code, name, currency)| view! {
                                    <option value=code.clone() translate="no">{format!("{code} — {name} ({currency})")}</option>
                                }).collect_view()}
                            </select>
                            <p class="hint" id="transfer-counterparty-hint">{locale.t(text::PAY_OUT_HINT)}</p></Field>
                    })}
                    <Field id="transfer-rate" name="form[rate]" label=text::RATE refused=transfer_refused>
                        <input id="transfer-rate" name="form[rate]" inputmode="decimal"/></Field>
                    <Field id="transfer-spread" name="form[spread_bps]" label=text::SPREAD refused=transfer_refused>
                        <input id="transfer-spread" name="form[spread_bps]" inputmode="numeric"/></Field>
                    <div class="actions"><button type="submit" class="button primary">{locale.t(text::INITIATE)}</button></div>
                </ActionForm>
            </section>
        })}
        <PendingActions pending=o.pending.clone() actions/>
        {o.can_approve.then(|| view! { <ReleaseCard preview=preview.clone() actions/> })}
        {o.can_approve.then(|| view! { <CloseCard close=o.close.clone() actions/> })}
        <section class="card" aria-labelledby="accounts-heading">
            <h2 id="accounts-heading">{locale.t(text::ACCOUNTS)}</h2>
            <TableWrap label=locale.t(text::ACCOUNTS)>
            <table class="data" data-test="accounts">
                <thead><tr><th scope="col">{locale.t(common::ACCOUNT)}</th><th scope="col" class="hide-narrow">{locale.t(common::NAME)}</th>
                    <th scope="col" class="hide-narrow">{locale.t(text::KIND)}</th><th scope="col" class="num">{locale.t(text::BALANCE)}</th></tr></thead>
                <tbody>
                    {o.accounts.into_iter().map(|a| view! {
                        <tr data-account=a.code.clone()>
                            <td><a href=format!("/ledger/accounts/{}", a.code)><code translate="no">{a.code.clone()}</code></a></td>
                            <td class="hide-narrow" translate="no">{a.name}</td><td class="hide-narrow">{label(Kind::AccountKind, &a.kind, locale)}</td>
                            <td class="num nowrap" data-test="balance" translate="no">{a.balance}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            </TableWrap>
        </section>
        <Journal journal=o.journal can_initiate=o.can_initiate form_key actions/>
        <TrialBalance rows=o.trial_balance as_of=o.trial_as_of/>
        <section class="card" aria-labelledby="decided-heading">
            <h2 id="decided-heading">{locale.t(text::DECIDED_RECENTLY)}</h2>
            {no_decisions.then(|| view! { <p class="muted">{locale.t(text::NOTHING_DECIDED)}</p> })}
            <ul data-test="decided">
                {o.recent.into_iter().map(|a| {
                    let what = what_view(locale, &a.kind, &a.what);
                    let status = status_view(locale, &a);
                    let payment = a.payment.as_ref().map(|p| view! {
                        " · "<span data-test="payment-status" data-status=p.status.clone()>{payment_view(locale, p)}</span>
                    });
                    view! {
                        <li data-action=a.id>{sentence(locale, text::DECIDED_LINE, vec![
                            data(a.id), what.into_any(), data(a.amount.clone()), status.into_any(),
                        ])}{payment}</li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// "Choose an account", then every account by code.
fn account_options(locale: Locale, codes: Vec<String>, chosen: String) -> impl IntoView {
    let none = chosen.is_empty();
    let first = view! { <option value="" selected=none>{locale.t(text::CHOOSE_ACCOUNT)}</option> };
    let rest = codes
        .into_iter()
        .map(|c| {
            let selected = c == chosen;
            view! { <option value=c.clone() selected=selected translate="no">{c.clone()}</option> }
        })
        .collect_view();
    (first, rest)
}

/// The work item a transfer starts from, and why it takes none when it does not.
fn item_summary(locale: Locale, i: ItemPrefill) -> Vec<AnyView> {
    let mut parts = sentence(
        locale,
        text::ITEM_SUMMARY,
        vec![
            data(i.id),
            words(label(Kind::Class, &i.class, locale)),
            words(label(Kind::Reason, &i.reason, locale)),
            data(i.item_amount),
            data(i.date),
        ],
    );
    if let Some((action, status)) = i.taken {
        parts.push(" ".into_any());
        parts.extend(sentence(
            locale,
            text::ITEM_TAKEN,
            vec![data(action), words(label(Kind::ActionStatus, &status, locale))],
        ));
    } else if i.resolved {
        parts.push(" ".into_any());
        parts.push(locale.t(text::ITEM_IS_RESOLVED).into_any());
    }
    parts
}

#[component]
fn Journal(
    journal: Vec<PostingView>,
    can_initiate: bool,
    form_key: String,
    actions: LedgerActions,
) -> impl IntoView {
    let locale = use_locale();
    let empty = journal.is_empty();
    view! {
        <section class="card" aria-labelledby="journal-heading">
            <h2 id="journal-heading">{locale.t(text::JOURNAL)}</h2>
            <p class="list-links"><a href="/export/journal.csv" download rel="external" data-test="export">{locale.t(text::DOWNLOAD_JOURNAL)}</a></p>
            {empty.then(|| view! { <p class="muted" data-test="journal-empty">{locale.t(text::NOTHING_POSTED)}</p> })}
            <TableWrap label=locale.t(text::JOURNAL) hidden=empty>
            <table class="data" data-test="journal">
                <thead><tr><th scope="col">{locale.t(text::TRANSACTION)}</th><th scope="col">{locale.t(common::DATE)}</th>
                    <th scope="col">{locale.t(text::DESCRIPTION)}</th><th scope="col">{locale.t(common::ACCOUNT)}</th>
                    <th scope="col" class="num">{locale.t(common::AMOUNT)}</th><th scope="col" class="num">{locale.t(text::BALANCE_AFTER)}</th>
                    <th scope="col"><span class="visually-hidden">{locale.t(text::REVERSE)}</span></th></tr></thead>
                <tbody>
                    {journal.into_iter().map(|p| {
                        let key = format!("reverse-{}-{}", p.transaction_id, form_key);
                        let offer = can_initiate && p.reversible && p.first_of_transaction;
                        let description = p.description.clone();
                        view! {
                            <tr data-transaction=p.transaction_id><td>{p.transaction_id}</td><td class="nowrap">{p.date}</td>
                                <td translate="no">{p.description}</td><td><code translate="no">{p.account}</code></td>
                                <td class="num nowrap" translate="no">{p.amount}</td><td class="num nowrap" translate="no">{p.balance_after}</td>
                                <td>{offer.then(|| view! {
                                    <ActionForm action=actions.reverse attr:class="inline-form">
                                        <input type="hidden" name="key" value=key/>
                                        <input type="hidden" name="transaction" value=p.transaction_id/>
                                        <input type="hidden" name="description" value=crate::i18n::Locale::En.f(text::REVERSAL_DESCRIPTION, &[&p.transaction_id])/>
                                        <Confirm label=text::REVERSE confirm=text::YES_REVERSE danger=true test_id="reverse">
                                            <p>{sentence(locale, text::REVERSE_QUESTION, vec![data(p.transaction_id), data(description)])}</p>
                                        </Confirm>
                                    </ActionForm>
                                })}</td></tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            </TableWrap>
        </section>
    }
}

#[component]
fn TrialBalance(rows: Vec<(String, String, String)>, as_of: String) -> impl IntoView {
    let locale = use_locale();
    let empty = rows.is_empty();
    let as_of_value = as_of.clone();
    view! {
        <section class="card" aria-labelledby="trial-heading">
            <h2 id="trial-heading">{locale.f(text::TRIAL_AS_OF, &[&as_of])}</h2>
            <form method="get" action="/ledger" class="filters" aria-label=locale.t(text::TRIAL_DATE)>
                <Field id="trial-as-of" name="as_of" label=text::AS_OF>
                    <input id="trial-as-of" name="as_of" type="date" value=as_of_value/></Field>
                <div class="actions"><button type="submit" class="button">{locale.t(common::SHOW)}</button></div>
            </form>
            {empty.then(|| view! { <p class="muted">{locale.t(text::NOTHING_ON_OR_BEFORE)}</p> })}
            <TableWrap label=locale.f(text::TRIAL_AS_OF, &[&as_of]) hidden=empty>
            <table class="data" data-test="trial-balance">
                <thead><tr><th scope="col">{locale.t(common::ACCOUNT)}</th><th scope="col" class="num">{locale.t(text::DEBITS)}</th>
                    <th scope="col" class="num">{locale.t(text::CREDITS)}</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|(account, debits, credits)| view! {
                        <tr><td><code translate="no">{account}</code></td><td class="num nowrap" translate="no">{debits}</td>
                            <td class="num nowrap" translate="no">{credits}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            </TableWrap>
        </section>
    }
}

/// The cells every list of actions shows: number, what, amount, work item (or `item`, what the
/// release says of it), initiator, approvals.
fn action_cells(locale: Locale, a: &ActionView, item: Option<Vec<AnyView>>) -> impl IntoView {
    let what = what_view(locale, &a.kind, &a.what);
    let reason = a.difference_reason.clone().map(|r| {
        view! { <p class="warning" data-test="difference-reason">{sentence(locale, text::NOT_ITEMS_AMOUNT, vec![data(r)])}</p> }
    });
    view! {
        <td>{a.id}</td><td>{what}</td>
        <td class="num nowrap"><span translate="no">{a.amount.clone()}</span>
            {a.usd_value.clone().map(|v| view! { <br/><span class="muted" translate="no">"≈ "{v}</span> })}</td>
        <td>{match item {
            Some(item) => item.into_any(),
            None => a.work_item.map(|w| view! { <a href=format!("/exceptions/{w}")>{w}</a> }).into_any(),
        }}{reason}</td>
        <td translate="no">{a.initiated_by.clone()}</td>
        <td>{locale.f(text::APPROVALS_OF, &[&a.approved, &a.needed])}</td>
    }
}

fn action_headers(locale: Locale) -> impl IntoView {
    view! {
        <th scope="col">{locale.t(text::NUMBER)}</th><th scope="col">{locale.t(text::WHAT)}</th>
        <th scope="col" class="num">{locale.t(common::AMOUNT)}</th><th scope="col">{locale.t(text::WORK_ITEM)}</th>
        <th scope="col">{locale.t(text::INITIATED_BY)}</th><th scope="col">{locale.t(text::APPROVALS)}</th>
    }
}

#[component]
fn PendingActions(pending: Vec<ActionView>, actions: LedgerActions) -> impl IntoView {
    let locale = use_locale();
    view! {
        <section class="card" aria-labelledby="pending-heading">
            <h2 id="pending-heading">{locale.t(text::WAITING_FOR_APPROVAL)}</h2>
            {if pending.is_empty() {
                view! { <p class="muted" data-test="no-pending">{locale.t(text::NOTHING_WAITING)}</p> }.into_any()
            } else {
                view! {
                    <TableWrap label=locale.t(text::WAITING_FOR_APPROVAL)>
                    <table class="data" data-test="pending-actions">
                        <thead><tr>{action_headers(locale)}<th scope="col">{locale.t(text::DECIDE)}</th></tr></thead>
                        <tbody>
                            {pending.into_iter().map(|a| view! {
                                <tr data-test="pending-action" data-action=a.id>
                                    {action_cells(locale, &a, None)}
                                    <td>{a.can_decide.then(|| decide_forms(locale, &a, actions))}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    </TableWrap>
                }.into_any()
            }}
        </section>
    }
}

/// Approve or reject one action, each after its question.
fn decide_forms(locale: Locale, a: &ActionView, actions: LedgerActions) -> impl IntoView {
    let posts_now = (a.approved as i32) + 1 >= a.needed;
    let then = locale.t(if posts_now { text::POSTS_AT_ONCE } else { text::NEEDS_ANOTHER });
    let id = a.id;
    let reason_id = format!("reason-{id}");
    let (approve_question, reject_question) =
        (decision_question(locale, a, true), decision_question(locale, a, false));
    view! {
        <ActionForm action=actions.approve attr:class="inline-form">
            <input type="hidden" name="id" value=id/>
            <Confirm label=text::APPROVE confirm=text::YES_APPROVE primary=true test_id="approve">
                <p>{approve_question} " " {then}</p>
            </Confirm>
        </ActionForm>
        <ActionForm action=actions.reject attr:class="inline-form">
            <input type="hidden" name="id" value=id/>
            <Confirm label=text::REJECT confirm=text::YES_REJECT danger=true test_id="reject">
                <p>{reject_question}</p>
                <Field id=reason_id.clone() name="reason" label=text::REASON_TO_REJECT>
                    <input id=reason_id name="reason" required maxlength="500"/>
                </Field>
            </Confirm>
        </ActionForm>
    }
}

/// Releasing a day's resettlements: first the list, then the approval of exactly that list.
#[component]
fn ReleaseCard(preview: Option<ReleaseList>, actions: LedgerActions) -> impl IntoView {
    let locale = use_locale();
    let release_date = preview.as_ref().map(|p| p.date.clone());
    view! {
        <section class="card" aria-labelledby="release-heading">
            <h2 id="release-heading">{locale.t(text::RELEASE_HEADING)}</h2>
            <form method="get" action="/ledger" class="filters" aria-label=locale.t(text::REVIEW_DAY)>
                <Field id="release-date" name="release" label=common::BUSINESS_DATE>
                    <input id="release-date" name="release" type="date" required value=release_date/></Field>
                <div class="actions"><button type="submit" class="button">{locale.t(text::REVIEW)}</button></div>
            </form>
            {preview.map(|p| if p.lines.is_empty() {
                view! { <p class="muted" data-test="release-empty">{locale.f(text::RELEASE_EMPTY, &[&p.date])}</p> }.into_any()
            } else {
                let count = p.lines.len();
                let rows = p.lines.clone();
                view! {
                    <TableWrap label=locale.t(text::RELEASE_HEADING)>
                    <table class="data" data-test="release-preview">
                        <thead><tr>{action_headers(locale)}</tr></thead>
                        <tbody>
                            {rows.iter().map(|l| {
                                let item = sentence(locale, text::RELEASE_ITEM, vec![
                                    view! { <a href=format!("/exceptions/{}", l.item_id)>{l.item_id}</a> }.into_any(),
                                    words(label(Kind::Reason, &l.item_reason, locale)),
                                    data(l.item_amount.clone()),
                                ]);
                                view! {
                                    <tr data-test="release-line" data-action=l.action.id class:differs=l.differs>
                                        {action_cells(locale, &l.action, Some(item))}
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    </TableWrap>
                    <ActionForm action=actions.release attr:class="form">
                        <input type="hidden" name="date" value=p.date.clone()/>
                        {p.lines.iter().enumerate().map(|(i, l)| view! {
                            <input type="hidden" name=format!("seen[{i}]") value=format!("{}:{}", l.action.id, l.action.version)/>
                        }).collect_view()}
                        <p class="muted">{locale.t(text::TWO_APPROVERS_NOTE)}</p>
                        <div class="actions">
                            <Confirm label=text::RELEASE confirm=text::YES_RELEASE primary=true test_id="release">
                                <p>{sentence(locale, text::RELEASE_QUESTION, vec![data(count), data(p.date.clone())])}</p>
                            </Confirm>
                        </div>
                    </ActionForm>
                }.into_any()
            })}
        </section>
    }
}

#[component]
fn CloseCard(close: CloseView, actions: LedgerActions) -> impl IntoView {
    let locale = use_locale();
    let first_open =
        view! { <strong data-test="first-open">{close.first_open_long.clone()}</strong> }.into_any();
    view! {
        <section class="card narrow" aria-labelledby="close-heading">
            <h2 id="close-heading">{locale.t(text::DAY_END_CLOSE)}</h2>
            <p>{sentence(locale, text::FIRST_OPEN, vec![first_open])}</p>
            {match (close.pending, close.can_propose) {
                (Some(p), _) => view! {
                    <p data-test="close-proposal">{sentence(locale, text::CLOSE_PROPOSED, vec![words(p.date.clone()), data(p.proposed_by.clone())])}</p>
                    {if p.can_decide {
                        let approve_question = locale.f(text::APPROVE_CLOSE_QUESTION, &[&p.date]);
                        let reject_question = locale.f(text::REJECT_CLOSE_QUESTION, &[&p.date]);
                        view! {
                            <ActionForm action=actions.decide attr:class="inline-form">
                                <input type="hidden" name="id" value=p.id/>
                                <input type="hidden" name="decision" value="approve"/>
                                <Confirm label=text::APPROVE_CLOSE confirm=text::YES_CLOSE primary=true test_id="close-approve">
                                    <p>{approve_question}</p>
                                </Confirm>
                            </ActionForm>
                            <ActionForm action=actions.decide attr:class="inline-form">
                                <input type="hidden" name="id" value=p.id/>
                                <input type="hidden" name="decision" value="reject"/>
                                <Confirm label=text::REJECT_CLOSE confirm=text::YES_REJECT_CLOSE danger=true test_id="close-reject">
                                    <p>{reject_question}</p>
                                </Confirm>
                            </ActionForm>
                        }.into_any()
                    } else {
                        view! { <p class="muted">{locale.t(text::ANOTHER_DECIDES)}</p> }.into_any()
                    }}
                }.into_any(),
                (None, true) => view! {
                    <ActionForm action=actions.propose attr:class="form">
                        <input type="hidden" name="date" value=close.first_open.clone()/>
                        <p class="muted">{locale.t(text::ANOTHER_APPROVES)}</p>
                        <div class="actions">
                            <Confirm label=text::PROPOSE_CLOSE confirm=text::YES_PROPOSE test_id="close-propose">
                                <p>{locale.f(text::PROPOSE_QUESTION, &[&close.first_open_long])}</p>
                            </Confirm>
                        </div>
                    </ActionForm>
                }.into_any(),
                (None, false) => view! {
                    <p class="muted">{locale.f(text::NOT_ENDED_YET, &[&close.first_open_long])}</p>
                }.into_any(),
            }}
        </section>
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementView {
    pub account: String,
    pub name: String,
    pub balance: String,
    pub lines: Vec<PostingView>,
    pub next_before: Option<i64>,
}

#[server(endpoint = "ledger/statement")]
pub async fn account_statement(code: String, before: Option<i64>) -> Result<StatementView, AppError> {
    const PAGE_SIZE: i64 = 50;
    crate::auth::server::require(domain::access::Permission::ViewLedger).await?;
    let state = crate::state::AppState::from_context()?;
    let account = domain::ledger::account_by_code(&state.pool, &code)
        .await?
        .ok_or_else(|| AppError::refused_text(text::NO_SUCH_ACCOUNT, &[&code]))?;
    let mut lines = domain::ledger::statement(&state.pool, account.id, before, PAGE_SIZE + 1).await?;
    let more = lines.len() as i64 > PAGE_SIZE;
    lines.truncate(PAGE_SIZE as usize);
    Ok(StatementView {
        next_before: if more { lines.last().map(|l| l.posting_id) } else { None },
        lines: lines
            .into_iter()
            .map(|l| PostingView {
                transaction_id: l.transaction_id,
                date: l.effective_date.to_string(),
                description: l.description,
                account: account.code.clone(),
                amount: domain::money::grouped_minor(l.amount_minor, &account.currency),
                balance_after: domain::money::grouped_minor(l.balance_after, &account.currency),
                reversible: false,
                first_of_transaction: false,
            })
            .collect(),
        balance: domain::money::grouped_minor(account.balance_minor, &account.currency),
        account: account.code,
        name: account.name,
    })
}

/// An account's statement, newest first, with the running balance after each posting.
#[component]
pub fn StatementPage() -> impl IntoView {
    let locale = use_locale();
    let path = leptos_router::hooks::use_params_map();
    let params = use_query_map();
    let key = move || {
        (
            path.with(|p| p.get("code").unwrap_or_default()),
            params.with(|p| p.get("before").and_then(|b| b.parse::<i64>().ok())),
        )
    };
    let statement = Resource::new(key, |(code, before)| account_statement(code, before));
    view! {
        <PageHeader title=crate::routes::STATEMENT/>
        <Loaded>
            {move || Suspend::new(async move {
                statement.await.map(|s| {
                    let next = s.next_before.map(|b| format!("/ledger/accounts/{}?before={b}", s.account));
                    let empty = s.lines.is_empty();
                    let balance = view! { <strong data-test="statement-balance" translate="no">{s.balance.clone()}</strong> }.into_any();
                    view! {
                        <section class="card" aria-labelledby="statement-heading">
                            <h2 id="statement-heading"><code translate="no">{s.account.clone()}</code> " " <span translate="no">{s.name.clone()}</span></h2>
                            <p>{sentence(locale, text::STATEMENT_BALANCE, vec![balance])}</p>
                            {empty.then(|| view! { <p class="muted">{locale.t(text::NOTHING_POSTED_HERE)}</p> })}
                            <TableWrap label=locale.t(text::STATEMENT_LINES) hidden=empty>
                            <table class="data" data-test="statement">
                                <thead><tr><th scope="col">{locale.t(text::TRANSACTION)}</th><th scope="col">{locale.t(common::DATE)}</th>
                                    <th scope="col">{locale.t(text::DESCRIPTION)}</th><th scope="col" class="num">{locale.t(common::AMOUNT)}</th>
                                    <th scope="col" class="num">{locale.t(text::BALANCE_AFTER)}</th></tr></thead>
                                <tbody>
                                    {s.lines.into_iter().map(|l| view! {
                                        <tr><td>{l.transaction_id}</td><td class="nowrap">{l.date}</td><td translate="no">{l.description}</td>
                                            <td class="num nowrap" translate="no">{l.amount}</td><td class="num nowrap" translate="no">{l.balance_after}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </TableWrap>
                            {next.map(|href| view! { <p><a href=href rel="next">{locale.t(text::OLDER_POSTINGS)}</a></p> })}
                        </section>
                    }
                })
            })}
        </Loaded>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn render(locale: Locale, view: impl FnOnce() -> AnyView) -> String {
        let owner = Owner::new();
        owner.set();
        provide_context(locale);
        view().to_html()
    }

    fn waiting(what: ActionWhat) -> ActionView {
        ActionView {
            id: 7,
            version: 1,
            kind: "transfer".into(),
            what,
            amount: "125.50 USD".into(),
            usd_value: None,
            initiated_by: "ava".into(),
            approved: 0,
            needed: 1,
            status: "pending".into(),
            transaction: None,
            reversed_by: None,
            reason: None,
            work_item: Some(3),
            difference_reason: None,
            can_decide: true,
            payment: None,
        }
    }

    fn moving() -> ActionWhat {
        ActionWhat::Move { from: "gfr".into(), to: "visa_settlement".into(), description: "Pay back".into() }
    }

    #[test]
    fn a_sentence_puts_its_values_where_each_language_wants_them_marked_as_data() {
        let html = render(Locale::ZhCn, || {
            let a = waiting(moving());
            view! { <p>{decision_question(Locale::ZhCn, &a, true)}</p> }.into_any()
        });
        let (from, to, amount) = (
            html.find("gfr").unwrap(),
            html.find("visa_settlement").unwrap(),
            html.find("125.50 USD").unwrap(),
        );
        assert!(from < to && to < amount, "Chinese names the accounts before the amount: {html}");
        assert_eq!(html.matches(r#"translate="no""#).count(), 3, "{html}");
        assert!(html.contains("批准从"), "{html}");
        let english = render(Locale::En, || {
            let a = waiting(moving());
            view! { <p>{decision_question(Locale::En, &a, true)}</p> }.into_any()
        });
        let text: String =
            english.split('<').filter_map(|part| part.split_once('>').map(|(_, t)| t)).collect();
        assert!(text.contains("Approve moving 125.50 USD from gfr to visa_settlement?"), "{text}");
    }

    #[test]
    fn statuses_are_said_in_words_never_as_codes() {
        let posted = ActionView { status: "posted".into(), transaction: Some(12), ..waiting(moving()) };
        let html = render(Locale::En, || view! { <p>{status_view(Locale::En, &posted)}</p> }.into_any());
        assert!(html.contains("Posted") && !html.contains("posted"), "{html}");
        let rejected = ActionView {
            status: "rejected".into(),
            reason: Some("wrong account".into()),
            ..waiting(moving())
        };
        let html =
            render(Locale::ZhCn, || view! { <p>{status_view(Locale::ZhCn, &rejected)}</p> }.into_any());
        assert!(html.contains("已拒绝") && html.contains(r#"<span translate="no">wrong account"#), "{html}");
    }

    #[test]
    fn a_payout_says_where_the_money_goes_and_what_the_hub_said_in_words() {
        let payout = ActionWhat::Payout {
            from: "global_finance_resettlement".into(),
            to: "visa_settlement".into(),
            counterparty: "VISA_SETTLEMENT".into(),
            description: "Chargeback".into(),
        };
        let a = waiting(payout);
        let html =
            render(Locale::ZhCn, || view! { <p>{decision_question(Locale::ZhCn, &a, true)}</p> }.into_any());
        assert!(html.contains("资金将付出银行") && html.contains("VISA_SETTLEMENT"), "{html}");
        let rejected = PaymentView {
            end_to_end_id: "SD-A-7".into(),
            status: "rejected".into(),
            reason: Some("AC04: Account closed".into()),
        };
        for locale in [Locale::En, Locale::ZhCn] {
            let html = render(locale, || view! { <p>{payment_view(locale, &rejected)}</p> }.into_any());
            let text: String =
                html.split('<').filter_map(|part| part.split_once('>').map(|(_, t)| t)).collect();
            assert!(!text.contains("rejected") || text.contains("rejected by"), "a status in words: {text}");
            assert!(html.contains(r#"<span translate="no">AC04: Account closed"#), "{html}");
        }
    }

    #[test]
    fn approving_and_rejecting_ask_first_and_rejecting_asks_why() {
        let html = render(Locale::En, || {
            decide_forms(Locale::En, &waiting(moving()), LedgerActions::new()).into_any()
        });
        assert_eq!(html.matches("<details").count(), 2, "{html}");
        assert!(html.contains(r#"data-test="approve""#) && html.contains(r#"data-test="reject""#), "{html}");
        assert!(html.contains("Yes, approve") && html.contains("Yes, reject"), "{html}");
        assert!(html.contains("It posts at once."), "one approval of one needed posts: {html}");
        let reject = &html[html.find(r#"data-test="reject""#).unwrap()..];
        assert!(reject.contains(r#"name="reason""#) && reject.contains("required"), "{reject}");
        // Every submit button is inside a confirm step: nothing posts from the first press.
        assert_eq!(html.matches(r#"type="submit""#).count(), 2, "{html}");
        assert_eq!(html.matches(r#"<summary class="button"#).count(), 2, "{html}");
    }
}

mod text {
    crate::texts! {
        LEDE = "The double-entry books behind every manual action.", "每项人工操作背后的复式记账。";
        // Starting a transfer.
        START_TRANSFER = "Start a funds transfer", "发起资金划转";
        TRANSFER_HINT = "It posts only after an approver (not you) approves it. To suspense, it is a write-off.", "须经审批人（不能是您本人）批准后才会过账。转入暂记账户即为核销。";
        FROM_ACCOUNT = "From account", "转出账户";
        TO_ACCOUNT = "To account", "转入账户";
        CHOOSE_ACCOUNT = "Choose an account", "请选择账户";
        AMOUNT_FORMAT = "Digits with at most one decimal point, like 1250.50", "数字，最多一个小数点，例如 1250.50";
        WHAT_FOR = "What it is for", "用途";
        WHY_DIFFERS = "Why the amount differs from the item's (only if it does)", "金额与工作项不同的原因（仅在不同时填写）";
        RATE = "Rate, for another currency (optional)", "汇率，用于其他币种（可选）";
        SPREAD = "Spread in basis points (optional)", "点差，以基点计（可选）";
        INITIATE = "Initiate", "发起";
        ITEM_SUMMARY = "Work item {}: {} ({}), {} of {}.", "工作项 {0}：{1}（{2}），{4} 的 {3}。";
        ITEM_TAKEN = "It already has action {}: {}.", "该工作项已有操作 {}：{}。";
        ITEM_IS_RESOLVED = "It is resolved.", "该工作项已解决。";
        #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
        FOR_ITEM = "{} (work item {})", "{}（工作项 {}）";
        #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
        SETTLES_ITEM = "Settles work item {}", "结算工作项 {}";
        // Actions waiting, and decided.
        WAITING_FOR_APPROVAL = "Waiting for approval", "待审批";
        NOTHING_WAITING = "Nothing is waiting.", "没有待审批的操作。";
        NUMBER = "#", "编号";
        WHAT = "What", "内容";
        WORK_ITEM = "Work item", "工作项";
        INITIATED_BY = "Initiated by", "发起人";
        APPROVALS = "Approvals", "审批";
        DECIDE = "Decide", "决定";
        KIND_AND_WHAT = "{}: {}", "{}：{}";
        MOVE_SUMMARY = "{} → {}: {}", "{} → {}：{}";
        PAYOUT_SUMMARY = "{} → {} (out of the bank), then {} once settled: {}", "{} → {}（付出银行），结算后转入 {}：{}";
        PAYMENT_STATUS = "payment {}: {}", "付款 {}：{}";
        PAYMENT_STATUS_WHY = "payment {}: {} ({})", "付款 {}：{}（{}）";
        PAY_OUT_TO = "Pay out to (optional)", "付款给（可选）";
        BOOK_ONLY = "Nobody: book it only", "无：仅记账";
        PAY_OUT_HINT = "A payout posts to payments in transit when approved and instructs the bank's payment hub; the hub's status settles or reverses it.", "对外付款在批准后记入在途付款，并向银行的支付枢纽发出指令；枢纽返回的状态将结算或冲回该笔付款。";
        APPROVE_PAYOUT = "Approve paying {} out of {} to {}? The money leaves the bank.", "批准从 {1} 向 {2} 付款 {0}？资金将付出银行。";
        REJECT_PAYOUT = "Reject paying {} out of {} to {}?", "拒绝从 {1} 向 {2} 付款 {0}？";
        FX_SUMMARY = "{} → {} at {} less {} bp: {}", "{} → {}，汇率 {}，减 {} 个基点：{}";
        REVERSE_SUMMARY = "reverse transaction {}: {}", "冲销交易 {}：{}";
        APPROVALS_OF = "{} of {}", "已批准 {} 人，共需 {} 人";
        NOT_ITEMS_AMOUNT = "Not the item's amount: {}", "与工作项金额不同：{}";
        IN_TRANSACTION = "{} (transaction {})", "{}（交易 {}）";
        REVERSED_BY = "{} (transaction {}), reversed by transaction {}", "{}（交易 {}），已被交易 {} 冲销";
        WITH_REASON = "{}: {}", "{}：{}";
        DECIDED_LINE = "#{} {}: {} — {}", "#{} {}：{} — {}";
        DECIDED_RECENTLY = "Decided recently", "最近的决定";
        NOTHING_DECIDED = "Nothing has been decided yet.", "尚无任何决定。";
        // Deciding.
        APPROVE = "Approve", "批准";
        YES_APPROVE = "Yes, approve", "确认批准";
        APPROVE_MOVE = "Approve moving {} from {} to {}?", "批准从 {1} 向 {2} 划转 {0}？";
        APPROVE_REVERSAL = "Approve reversing transaction {} ({})?", "批准冲销交易 {}（{}）？";
        POSTS_AT_ONCE = "It posts at once.", "批准后立即过账。";
        NEEDS_ANOTHER = "It then needs one more approver before it posts.", "之后还需要另一位审批人批准才会过账。";
        REJECT = "Reject", "拒绝";
        YES_REJECT = "Yes, reject", "确认拒绝";
        REJECT_MOVE = "Reject moving {} from {} to {}?", "拒绝从 {1} 向 {2} 划转 {0}？";
        REJECT_REVERSAL = "Reject reversing transaction {} ({})?", "拒绝冲销交易 {}（{}）？";
        REASON_TO_REJECT = "Reason to reject", "拒绝原因";
        // Releasing a day's resettlements.
        RELEASE_HEADING = "Release a day's resettlements", "释放一天的重新结算";
        REVIEW_DAY = "Review a day's resettlements", "审核一天的重新结算";
        REVIEW = "Review", "审核";
        RELEASE_EMPTY = "No resettlement action of {} is waiting.", "{} 没有待审批的重新结算操作。";
        RELEASE_ITEM = "{} ({}), {}", "{}（{}），{}";
        TWO_APPROVERS_NOTE = "Actions needing two approvers get your approval and wait for a second one.", "需要两位审批人的操作将获得您的批准，并等待第二位审批人。";
        RELEASE = "Approve this list as one batch", "批量批准此列表";
        YES_RELEASE = "Yes, release them", "确认批量批准";
        RELEASE_QUESTION = "Approve all {} action(s) of {} listed above as one batch?", "批量批准上面列出的 {1} 的全部 {0} 项操作？";
        // Day-end close.
        DAY_END_CLOSE = "Day-end close", "日终关账";
        FIRST_OPEN = "The first date open for posting is {}.", "第一个可过账的日期是 {}。";
        CLOSE_PROPOSED = "Closing {} was proposed by {}.", "{1} 已提议关闭 {0}。";
        ANOTHER_DECIDES = "Another approver decides it.", "须由另一位审批人决定。";
        ANOTHER_APPROVES = "Another approver approves the close before it takes effect.", "关账须经另一位审批人批准后才生效。";
        NOT_ENDED_YET = "{} has not ended yet.", "{} 尚未结束。";
        PROPOSE_CLOSE = "Propose closing", "提议关账";
        YES_PROPOSE = "Yes, propose it", "确认提议";
        PROPOSE_QUESTION = "Propose closing {}? Once another approver approves, nothing more posts on or before that date.", "提议关闭 {}？另一位审批人批准后，该日期及之前将不能再过账。";
        APPROVE_CLOSE = "Approve the close", "批准关账";
        YES_CLOSE = "Yes, close the date", "确认关账";
        APPROVE_CLOSE_QUESTION = "Close {} for posting? Nothing more can be posted on or before it; corrections go to the next open date.", "关闭 {} 的过账？此后该日期及之前将不能再过账，更正将记入下一个开放日期。";
        REJECT_CLOSE = "Reject the close", "拒绝关账";
        YES_REJECT_CLOSE = "Yes, reject it", "确认拒绝";
        REJECT_CLOSE_QUESTION = "Reject closing {}? It stays open for posting.", "拒绝关闭 {}？该日期将继续开放过账。";
        // Accounts, journal, trial balance.
        ACCOUNTS = "Accounts", "账户";
        KIND = "Kind", "类型";
        BALANCE = "Balance", "余额";
        JOURNAL = "Journal (latest postings)", "日记账（最近的分录）";
        DOWNLOAD_JOURNAL = "Download the whole journal (CSV)", "下载完整日记账（CSV）";
        NOTHING_POSTED = "Nothing has been posted yet.", "尚未过账任何内容。";
        TRANSACTION = "Transaction", "交易";
        DESCRIPTION = "Description", "说明";
        BALANCE_AFTER = "Balance after", "过账后余额";
        REVERSE = "Reverse", "冲销";
        YES_REVERSE = "Yes, start the reversal", "确认发起冲销";
        REVERSE_QUESTION = "Start the reversal of transaction {} ({})? It posts only after an approver approves it.", "发起冲销交易 {}（{}）？须经审批人批准后才会过账。";
        REVERSAL_DESCRIPTION = "Reversal of transaction {}", "冲销交易 {}";
        TRIAL_AS_OF = "Trial balance as of {}", "截至 {} 的试算平衡表";
        TRIAL_DATE = "Trial balance date", "试算平衡表日期";
        AS_OF = "As of", "截至日期";
        NOTHING_ON_OR_BEFORE = "Nothing is posted on or before this date.", "此日期及之前没有任何过账。";
        DEBITS = "Debits", "借方";
        CREDITS = "Credits", "贷方";
        // Outcomes.
        ACTION_WAITING = "Action {} is waiting for an approver.", "操作 {} 正在等待审批人。";
        APPROVED_POSTED = "Approved: posted as transaction {}.", "已批准：已过账为交易 {}。";
        APPROVED_NEEDS_ANOTHER = "Approved ({} of {}); it needs another approver.", "已批准（{} / {}）；还需要另一位审批人。";
        REJECTED = "Rejected.", "已拒绝。";
        CLOSE_PROPOSED_OUTCOME = "Closing {} is proposed; another approver approves it.", "已提议关闭 {}，须由另一位审批人批准。";
        DATE_CLOSED = "{} is closed.", "{} 已关账。";
        CLOSE_REJECTED = "The proposed close was rejected.", "关账提议已被拒绝。";
        RELEASED_ALL = "Released {} action(s) of {}: all posted.", "已释放 {1} 的 {0} 项操作：全部已过账。";
        RELEASED_SOME = "Released {} action(s) of {}: {} posted; {} need a second approver and wait for one.", "已释放 {1} 的 {0} 项操作：{2} 项已过账；{3} 项需要第二位审批人，正在等待。";
        REVERSAL_WAITING = "Reversal {} is waiting for an approver.", "冲销操作 {} 正在等待审批人。";
        // Refusals of what a link or form gave (said by the server only).
        #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
        NOT_A_DATE = "'{}' is not a date between 2000 and 2100 (YYYY-MM-DD).", "“{}”不是 2000 年到 2100 年之间的日期（YYYY-MM-DD）。";
        #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
        NOT_A_WORK_ITEM = "'{}' is not a work item.", "“{}”不是工作项编号。";
        #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
        CHOOSE_DECISION = "Choose approve or reject.", "请选择批准或拒绝。";
        #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
        NO_SUCH_ACCOUNT = "There is no account '{}'.", "没有账户“{}”。";
        // The account statement.
        STATEMENT_BALANCE = "Balance {}", "余额 {}";
        STATEMENT_LINES = "Account statement", "账户对账单";
        NOTHING_POSTED_HERE = "Nothing has been posted to this account yet.", "此账户尚无过账。";
        OLDER_POSTINGS = "Older postings", "更早的分录";
    }
}
