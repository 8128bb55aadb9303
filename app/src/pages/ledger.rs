//! The ledger: balances, actions waiting for approval, the journal, the trial balance, the release
//! of a day's resettlements and the day-end close. Associates initiate; approvers (never the
//! initiator) approve or reject; a close is proposed by one approver and approved by another. Every
//! form that can move money carries an idempotency key made when the form was drawn, so a double
//! click or a resubmission makes one action; a form that succeeded is emptied.

use leptos::html::Form;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, ErrorNotice};
use crate::layout::PageHeader;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub currency: String,
    pub balance: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionView {
    pub id: i64,
    pub version: i32,
    /// In words: "Transfer", "Write-off", "Reversal", "FX transfer".
    pub kind: String,
    pub summary: String,
    pub amount: String,
    /// What the limits counted, in USD, when the action is in another currency.
    pub usd_value: Option<String>,
    pub initiated_by: String,
    pub approvals: String,
    /// In words, with the transaction or the reason where there is one.
    pub status: String,
    pub work_item: Option<i64>,
    /// Why the amount is not the work item's, in the initiator's words.
    pub difference_reason: Option<String>,
    /// Whether the person looking may approve or reject it.
    pub can_decide: bool,
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
    pub summary: String,
    /// The item may take a transfer (open, and no action of it waiting or posted).
    pub open: bool,
    pub amount: String,
    pub from: String,
    pub to: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseView {
    pub first_open: String,
    /// Today's business date has not ended before the first open date: nothing to close yet.
    pub can_propose: bool,
    /// A proposal waiting for a second approver: (id, date, proposed by, whether I may decide).
    pub pending: Option<(i64, String, String, bool)>,
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
    pub can_initiate: bool,
    pub can_approve: bool,
}

#[cfg(feature = "ssr")]
fn action_view(
    a: domain::ledger::actions::Action,
    accounts: &[domain::ledger::Account],
    me: Option<&domain::audit::Actor>,
) -> ActionView {
    use domain::ledger::actions::ActionRequest;
    let code = |id: i64| {
        accounts.iter().find(|a| a.id == id).map(|a| a.code.clone()).unwrap_or_else(|| id.to_string())
    };
    let (kind, summary) = match &a.request {
        ActionRequest::Transfer { from, to, description, .. } => {
            ("Transfer", format!("{} → {}: {description}", code(*from), code(*to)))
        }
        ActionRequest::WriteOff { from, suspense, description, .. } => {
            ("Write-off", format!("{} → {}: {description}", code(*from), code(*suspense)))
        }
        ActionRequest::Reversal { transaction, description, .. } => {
            ("Reversal", format!("reverse transaction {transaction}: {description}"))
        }
        ActionRequest::FxTransfer { from, to, mid_rate, spread_bps, description, .. } => (
            "FX transfer",
            format!("{} → {} at {mid_rate} less {spread_bps} bp: {description}", code(*from), code(*to)),
        ),
    };
    let amount = a.request.amount();
    let usd_value = a
        .usd_value_minor
        .filter(|_| a.kind == "fx_transfer" || amount.currency().code() != "USD")
        .map(|v| format!("≈ {}", domain::money::grouped_minor(v, "USD")));
    let status = match (a.status.as_str(), a.transaction_id, a.reversed_by, &a.reason) {
        ("posted", Some(t), _, _) => format!("posted (transaction {t})"),
        ("reversed", Some(t), Some(r), _) => format!("posted (transaction {t}), reversed by transaction {r}"),
        ("rejected", _, _, Some(reason)) => format!("rejected: {reason}"),
        ("pending", ..) => "waiting for approval".to_owned(),
        (other, ..) => other.to_owned(),
    };
    ActionView {
        id: a.id,
        version: a.version,
        kind: kind.to_owned(),
        amount: amount.grouped(),
        usd_value,
        summary,
        approvals: format!("{} of {}", a.approved_by.len(), a.approvals_needed),
        can_decide: me.is_some_and(|me| a.decidable_by(me)),
        initiated_by: a.initiated_by,
        status,
        work_item: a.work_item_id,
        difference_reason: a.difference_reason,
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
        .ok_or_else(|| {
            AppError::refused(format!("'{text}' is not a date between 2000 and 2100 (YYYY-MM-DD)"))
        })
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
    let pending = actions::list(&state.pool, Some("pending"), None, 100).await?;
    let recent = actions::recently_decided(&state.pool, 20).await?;
    let today = business_today(&state.pool).await?;
    let first_open = close::first_open(&mut *state.pool.acquire().await?, today).await?;
    let proposal = close::pending(&state.pool).await?.into_iter().next();
    let journal = journal_view(&state.pool, &accounts).await?;
    let as_of = match as_of.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => parse_date(d)?,
        None => today.max(first_open),
    };
    let trial = domain::ledger::trial_balance(&state.pool, as_of).await?;
    let item = match work_item.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
        Some(w) => {
            let id = w.parse::<i64>().map_err(|_| AppError::refused(format!("'{w}' is not a work item")))?;
            Some(item_prefill(&state.pool, id).await?)
        }
        None => None,
    };
    Ok(LedgerBook {
        pending: pending.into_iter().map(|a| action_view(a, &accounts, can_approve.then_some(&me))).collect(),
        recent: recent.into_iter().map(|a| action_view(a, &accounts, None)).collect(),
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
                kind: a.kind,
                currency: a.currency,
            })
            .collect(),
        close: CloseView {
            first_open: first_open.to_string(),
            can_propose: first_open <= today,
            pending: proposal.map(|p| {
                let mine = p.proposed_by_person == me.person.0;
                (p.id, p.business_date.to_string(), p.proposed_by, can_approve && !mine)
            }),
        },
        item,
        trial_as_of: as_of.to_string(),
        form_key: uuid::Uuid::new_v4().to_string(),
        can_initiate: user.can(Permission::InitiateActions),
        can_approve,
    })
}

/// The transfer form as the work item's posting template fills it.
#[cfg(feature = "ssr")]
async fn item_prefill(pool: &sqlx::PgPool, id: i64) -> Result<ItemPrefill, AppError> {
    let item = domain::exceptions::get(pool, id).await?;
    let summary = format!(
        "Work item {id}: {} ({}), {} of {}",
        item.class,
        item.reason.replace('_', " "),
        domain::money::grouped_minor(item.amount_minor, &item.currency),
        item.business_date
    );
    // An item that is resolved, or already has its action, is not offered a second one.
    let live = domain::ledger::actions::list(pool, None, Some(id), 20)
        .await?
        .into_iter()
        .find(|a| a.status == "pending" || a.status == "posted");
    let blocked = match (&live, item.status) {
        (Some(a), _) => Some(format!(
            "{summary}. Action {} for it is {}.",
            a.id,
            a.status.replace("pending", "waiting for approval")
        )),
        (None, domain::exceptions::Status::Resolved) => Some(format!("{summary}. It is resolved.")),
        _ => None,
    };
    if let Some(summary) = blocked {
        return Ok(ItemPrefill {
            id,
            summary,
            amount: String::new(),
            from: String::new(),
            to: String::new(),
            description: String::new(),
            open: false,
        });
    }
    let template = domain::ledger::templates::for_item(pool, &item).await?;
    let amount = domain::money::Currency::from_code(&item.currency)
        .map(|c| domain::money::Money::from_minor(item.amount_minor.abs(), c).plain().as_str().to_owned())
        .unwrap_or_default();
    Ok(ItemPrefill {
        id,
        summary,
        open: true,
        amount,
        from: template.as_ref().map(|t| t.from_code.clone()).unwrap_or_default(),
        to: template.as_ref().map(|t| t.to_code.clone()).unwrap_or_default(),
        description: template
            .map(|t| format!("{} (work item {id})", t.description))
            .unwrap_or_else(|| format!("Settles work item {id}")),
    })
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
}

/// Starts a funds transfer (a write-off when `to` is the suspense account; an FX transfer between
/// two currencies).
#[server(endpoint = "ledger/initiate")]
pub async fn initiate_transfer(form: TransferForm) -> Result<i64, AppError> {
    use domain::ledger::actions::{self, Link, TransferInput};
    let user = crate::auth::server::require(domain::access::Permission::InitiateActions).await?;
    let state = crate::state::AppState::from_context()?;
    let request = actions::transfer_request(
        &state.pool,
        &TransferInput {
            from: &form.from,
            to: &form.to,
            amount: &form.amount,
            description: &form.description,
            rate: form.rate.as_deref(),
            spread_bps: form.spread_bps.as_deref(),
        },
    )
    .await?;
    let work_item = match form.work_item.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
        Some(w) => {
            Some(w.parse::<i64>().map_err(|_| AppError::refused(format!("'{w}' is not a work item")))?)
        }
        None => None,
    };
    let link = Link { work_item, difference_reason: form.reason };
    let action =
        actions::initiate(&state.pool, &user.actor(), &state.limits, &form.key, &request, &link).await?;
    Ok(action.id)
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

#[server(endpoint = "ledger/approve")]
pub async fn approve_action(id: i64) -> Result<String, AppError> {
    let user = crate::auth::server::require(domain::access::Permission::ApproveActions).await?;
    let state = crate::state::AppState::from_context()?;
    let action = domain::ledger::actions::approve(&state.pool, &user.actor(), &state.limits, id).await?;
    Ok(match action.transaction_id {
        Some(t) => format!("Approved: posted as transaction {t}."),
        None => format!(
            "Approved ({} of {}); it needs another approver.",
            action.approved_by.len(),
            action.approvals_needed
        ),
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
    pub item: String,
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
    Ok(ReleaseList {
        date: date.to_string(),
        lines: entries
            .into_iter()
            .map(|e| {
                let amount = e.action.request.amount();
                let differs = amount.minor() != e.item_amount_minor.abs()
                    || amount.currency().code() != e.item_currency;
                ReleaseLine {
                    item: format!(
                        "{} ({}), {}",
                        e.item_id,
                        e.item_reason.replace('_', " "),
                        domain::money::grouped_minor(e.item_amount_minor, &e.item_currency)
                    ),
                    differs,
                    action: action_view(e.action, &accounts, Some(&me)),
                }
            })
            .collect(),
    })
}

/// Releases exactly the reviewed list (`seen` holds `id:version` pairs) as one batch.
#[server(endpoint = "ledger/release")]
pub async fn release_resettlements(date: String, seen: Vec<String>) -> Result<String, AppError> {
    let user = crate::auth::server::require(domain::access::Permission::ApproveActions).await?;
    let state = crate::state::AppState::from_context()?;
    let date = parse_date(&date)?;
    let seen = crate::pages::exceptions::id_versions(&seen)?;
    let released = domain::ledger::actions::approve_resettlements(
        &state.pool,
        &user.actor(),
        &state.limits,
        date,
        &seen,
    )
    .await?;
    Ok(match released.waiting {
        0 => format!("Released {} action(s) of {date}: all posted.", released.posted),
        waiting => format!(
            "Released {} action(s) of {date}: {} posted; {waiting} need a second approver and wait for one.",
            released.posted + waiting,
            released.posted
        ),
    })
}

#[server(endpoint = "ledger/close-propose")]
pub async fn propose_close(date: String) -> Result<String, AppError> {
    let user = crate::auth::server::require(domain::access::Permission::ApproveActions).await?;
    let state = crate::state::AppState::from_context()?;
    let date = parse_date(&date)?;
    let today = business_today(&state.pool).await?;
    domain::ledger::close::propose(&state.pool, &user.actor(), date, today).await?;
    Ok(format!("Closing {date} is proposed; another approver approves it."))
}

#[server(endpoint = "ledger/close-decide")]
pub async fn decide_close(id: i64, decision: String) -> Result<String, AppError> {
    let user = crate::auth::server::require(domain::access::Permission::ApproveActions).await?;
    let state = crate::state::AppState::from_context()?;
    match decision.as_str() {
        "approve" => {
            let today = business_today(&state.pool).await?;
            let date = domain::ledger::close::approve(&state.pool, &user.actor(), id, today).await?;
            Ok(format!("{date} is closed."))
        }
        "reject" => {
            domain::ledger::close::reject(&state.pool, &user.actor(), id).await?;
            Ok("The proposed close was rejected.".to_owned())
        }
        _ => Err(AppError::refused("choose approve or reject")),
    }
}

fn said<T: Clone + Send + Sync + 'static>(
    value: impl Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    ok: impl Fn(T) -> String + Send + Sync + 'static,
) -> impl IntoView {
    move || {
        value.get().map(|outcome| match outcome {
            Ok(v) => {
                view! { <p class="form-ok" role="status" data-test="action-outcome">{ok(v)}</p> }.into_any()
            }
            Err(e) => {
                view! { <p class="form-error" role="alert" data-test="action-outcome">{e.to_string()}</p> }
                    .into_any()
            }
        })
    }
}

#[component]
pub fn LedgerPage() -> impl IntoView {
    let params = use_query_map();
    let work_item = move || params.with(|p| p.get("work_item").filter(|w| !w.is_empty()));
    let as_of = move || params.with(|p| p.get("as_of").filter(|d| !d.is_empty()));
    let release_date = move || params.with(|p| p.get("release").filter(|d| !d.is_empty()));
    let actions = LedgerActions::new();
    let overview = Resource::new(
        move || (actions.versions(), work_item(), as_of()),
        move |(_, work_item, as_of)| ledger_overview(as_of, work_item),
    );
    let preview = Resource::new(
        move || (release_date(), actions.versions()),
        |(date, _)| async move {
            match date {
                Some(date) => release_preview(date).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <PageHeader title=crate::routes::LEDGER lede=text::LEDE/>
        {said(actions.initiate.value(), |id| format!("Action {id} is waiting for an approver."))}
        {said(actions.approve.value(), |text| text)}
        {said(actions.reject.value(), |()| "Rejected.".to_owned())}
        {said(actions.propose.value(), |text| text)}
        {said(actions.decide.value(), |text| text)}
        {said(actions.release.value(), |text| text)}
        {said(actions.reverse.value(), |id| format!("Reversal {id} is waiting for an approver."))}
        <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors/> }>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let preview = preview.await?;
                    overview.await.map(|o| view! { <LedgerView o preview actions/> })
                })}
            </Transition>
        </ErrorBoundary>
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

    /// Changes whenever one of them succeeds: the page reads the books again (a refusal keeps the
    /// form as typed).
    fn versions(&self) -> [usize; 7] {
        self.succeeded.map(|s| s.get())
    }
}

#[component]
fn LedgerView(o: LedgerBook, preview: Option<ReleaseList>, actions: LedgerActions) -> impl IntoView {
    let can_initiate = o.can_initiate;
    let reverse_key = o.form_key.clone();
    let transfer_form = NodeRef::<Form>::new();
    crate::forms::reset_on_success(actions.initiate, transfer_form);
    let codes: Vec<String> = o.accounts.iter().map(|a| a.code.clone()).collect();
    let options = move |codes: Vec<String>, chosen: String| {
        let none = chosen.is_empty();
        let mut all = vec![view! { <option value="" selected=none>"Choose an account"</option> }.into_any()];
        all.extend(codes.into_iter().map(|c| {
            let selected = c == chosen;
            let label = c.clone();
            view! { <option value=c selected=selected>{label}</option> }.into_any()
        }));
        all.collect_view()
    };
    let item = o.item.clone();
    let (no_postings, no_trial, no_decisions) =
        (o.journal.is_empty(), o.trial_balance.is_empty(), o.recent.is_empty());
    let (from, to, amount, description, item_id) = match &item {
        Some(i) if i.open => {
            (i.from.clone(), i.to.clone(), i.amount.clone(), i.description.clone(), i.id.to_string())
        }
        _ => Default::default(),
    };
    view! {
        {o.can_initiate.then(|| view! {
            <section class="card narrow" aria-labelledby="transfer-heading">
                <h2 id="transfer-heading">"Start a funds transfer"</h2>
                <p class="muted">"It posts only after an approver (not you) approves it. To suspense, it is a write-off."</p>
                {item.as_ref().map(|i| view! { <p data-test="transfer-item">{i.summary.clone()}</p> })}
                <ActionForm action=actions.initiate node_ref=transfer_form attr:class="form">
                    <input type="hidden" name="form[key]" value=o.form_key.clone()/>
                    <input type="hidden" name="form[work_item]" value=item_id/>
                    <div class="field"><label for="transfer-from">"From account"</label>
                        <select id="transfer-from" name="form[from]" required>{options(codes.clone(), from)}</select></div>
                    <div class="field"><label for="transfer-to">"To account"</label>
                        <select id="transfer-to" name="form[to]" required>{options(codes.clone(), to)}</select></div>
                    <div class="field"><label for="transfer-amount">"Amount"</label>
                        <input id="transfer-amount" name="form[amount]" inputmode="decimal" required value=amount
                            pattern="[0-9]+(\\.[0-9]+)?" title="Digits with at most one decimal point, like 1250.50"/></div>
                    <div class="field"><label for="transfer-description">"What it is for"</label>
                        <input id="transfer-description" name="form[description]" required maxlength="500" value=description/></div>
                    {item.as_ref().is_some_and(|i| i.open).then(|| view! {
                        <div class="field"><label for="transfer-reason">"Why the amount differs from the item's (only if it does)"</label>
                            <input id="transfer-reason" name="form[reason]" maxlength="500"/></div>
                    })}
                    <div class="field"><label for="transfer-rate">"Rate, for another currency (optional)"</label>
                        <input id="transfer-rate" name="form[rate]" inputmode="decimal"/></div>
                    <div class="field"><label for="transfer-spread">"Spread in basis points (optional)"</label>
                        <input id="transfer-spread" name="form[spread_bps]" inputmode="numeric"/></div>
                    <div class="actions"><button type="submit" class="button primary">"Initiate"</button></div>
                </ActionForm>
            </section>
        })}
        <PendingActions pending=o.pending.clone() actions/>
        {o.can_approve.then(|| view! { <ReleaseCard preview=preview.clone() actions/> })}
        {o.can_approve.then(|| view! { <CloseCard close=o.close.clone() actions/> })}
        <section class="card" aria-labelledby="accounts-heading">
            <h2 id="accounts-heading">"Accounts"</h2>
            <div class="table-wrap">
            <table class="data" data-test="accounts">
                <thead><tr><th scope="col">"Account"</th><th scope="col">"Name"</th><th scope="col">"Kind"</th><th scope="col" class="num">"Balance"</th></tr></thead>
                <tbody>
                    {o.accounts.into_iter().map(|a| view! {
                        <tr data-account=a.code.clone()><td><a href=format!("/ledger/accounts/{}", a.code)><code>{a.code.clone()}</code></a></td><td>{a.name}</td><td>{a.kind}</td>
                            <td class="num nowrap" data-test="balance">{a.balance}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            </div>
        </section>
        <section class="card" aria-labelledby="journal-heading">
            <h2 id="journal-heading">"Journal (latest postings)"</h2>
            <p class="list-links"><a href="/export/journal.csv" download rel="external" data-test="export">"Download the whole journal (CSV)"</a></p>
            {no_postings.then(|| view! { <p class="muted" data-test="journal-empty">"Nothing has been posted yet."</p> })}
            <div class="table-wrap" hidden=no_postings>
            <table class="data" data-test="journal">
                <thead><tr><th scope="col">"Transaction"</th><th scope="col">"Date"</th><th scope="col">"Description"</th>
                    <th scope="col">"Account"</th><th scope="col" class="num">"Amount"</th><th scope="col" class="num">"Balance after"</th>
                    <th scope="col"><span class="visually-hidden">"Reverse"</span></th></tr></thead>
                <tbody>
                    {o.journal.into_iter().map(|p| {
                        let key = format!("reverse-{}-{}", p.transaction_id, reverse_key);
                        let offer = can_initiate && p.reversible && p.first_of_transaction;
                        view! {
                            <tr data-transaction=p.transaction_id><td>{p.transaction_id}</td><td class="nowrap">{p.date}</td><td>{p.description}</td>
                                <td><code>{p.account}</code></td><td class="num nowrap">{p.amount}</td><td class="num nowrap">{p.balance_after}</td>
                                <td>{offer.then(|| view! {
                                    <ActionForm action=actions.reverse attr:class="inline-form">
                                        <input type="hidden" name="key" value=key/>
                                        <input type="hidden" name="transaction" value=p.transaction_id/>
                                        <input type="hidden" name="description" value=format!("Reversal of transaction {}", p.transaction_id)/>
                                        <button type="submit" class="button small">"Reverse"</button>
                                    </ActionForm>
                                })}</td></tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            </div>
        </section>
        <section class="card" aria-labelledby="trial-heading">
            <h2 id="trial-heading">"Trial balance as of " {o.trial_as_of.clone()}</h2>
            <form method="get" action="/ledger" class="filters" aria-label="Trial balance date">
                <div class="field"><label for="trial-as-of">"As of"</label>
                    <input id="trial-as-of" name="as_of" type="date" value=o.trial_as_of.clone()/></div>
                <div class="actions"><button type="submit" class="button">"Show"</button></div>
            </form>
            {no_trial.then(|| view! { <p class="muted">"Nothing is posted on or before this date."</p> })}
            <table class="data" data-test="trial-balance" hidden=no_trial>
                <thead><tr><th scope="col">"Account"</th><th scope="col" class="num">"Debits"</th><th scope="col" class="num">"Credits"</th></tr></thead>
                <tbody>
                    {o.trial_balance.into_iter().map(|(account, debits, credits)| view! {
                        <tr><td><code>{account}</code></td><td class="num">{debits}</td><td class="num">{credits}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        <section class="card" aria-labelledby="decided-heading">
            <h2 id="decided-heading">"Decided recently"</h2>
            {no_decisions.then(|| view! { <p class="muted">"Nothing has been decided yet."</p> })}
            <ul data-test="decided">
                {o.recent.into_iter().map(|a| view! {
                    <li data-action=a.id>{format!("#{} {} {}: {} — {}", a.id, a.kind, a.summary, a.amount, a.status)}</li>
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn PendingActions(pending: Vec<ActionView>, actions: LedgerActions) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="pending-heading">
            <h2 id="pending-heading">"Waiting for approval"</h2>
            {if pending.is_empty() {
                view! { <p class="muted" data-test="no-pending">"Nothing is waiting."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                    <table class="data" data-test="pending-actions">
                        <thead><tr><th scope="col">"#"</th><th scope="col">"What"</th><th scope="col" class="num">"Amount"</th>
                            <th scope="col">"Work item"</th><th scope="col">"Initiated by"</th><th scope="col">"Approvals"</th><th scope="col">"Decide"</th></tr></thead>
                        <tbody>
                            {pending.into_iter().map(|a| view! {
                                <tr data-test="pending-action" data-action=a.id>
                                    <td>{a.id}</td><td>{a.kind.clone()} ": " {a.summary}</td>
                                    <td class="num nowrap">{a.amount}{a.usd_value.map(|v| view! { <br/><span class="muted">{v}</span> })}</td>
                                    <td>{a.work_item.map(|w| view! { <a href=format!("/exceptions/{w}")>{w}</a> })}
                                        {a.difference_reason.map(|r| view! { <p class="warning" data-test="difference-reason">"Not the item's amount: " {r}</p> })}</td>
                                    <td>{a.initiated_by}</td><td>{a.approvals}</td>
                                    <td>{a.can_decide.then(|| view! {
                                        <ActionForm action=actions.approve attr:class="inline-form">
                                            <input type="hidden" name="id" value=a.id/>
                                            <button type="submit" class="button small primary">"Approve"</button>
                                        </ActionForm>
                                        <ActionForm action=actions.reject attr:class="inline-form">
                                            <input type="hidden" name="id" value=a.id/>
                                            <label for=format!("reason-{}", a.id)>"Reason to reject"</label>
                                            <input id=format!("reason-{}", a.id) name="reason" required/>
                                            <button type="submit" class="button small">"Reject"</button>
                                        </ActionForm>
                                    })}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// Releasing a day's resettlements: first the list, then the approval of exactly that list.
#[component]
fn ReleaseCard(preview: Option<ReleaseList>, actions: LedgerActions) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="release-heading">
            <h2 id="release-heading">"Release a day's resettlements"</h2>
            <form method="get" action="/ledger" class="filters" aria-label="Review a day's resettlements">
                <div class="field"><label for="release-date">"Business date"</label>
                    <input id="release-date" name="release" type="date" required value=preview.as_ref().map(|p| p.date.clone())/></div>
                <div class="actions"><button type="submit" class="button">"Review"</button></div>
            </form>
            {preview.map(|p| if p.lines.is_empty() {
                view! { <p class="muted" data-test="release-empty">{format!("No resettlement action of {} is waiting.", p.date)}</p> }.into_any()
            } else {
                let count = p.lines.len();
                view! {
                    <div class="table-wrap">
                    <table class="data" data-test="release-preview">
                        <thead><tr><th scope="col">"#"</th><th scope="col">"What"</th><th scope="col" class="num">"Amount"</th>
                            <th scope="col">"Work item"</th><th scope="col">"Initiated by"</th><th scope="col">"Approvals"</th></tr></thead>
                        <tbody>
                            {p.lines.iter().map(|l| view! {
                                <tr data-test="release-line" data-action=l.action.id class:differs=l.differs>
                                    <td>{l.action.id}</td><td>{l.action.kind.clone()} ": " {l.action.summary.clone()}</td>
                                    <td class="num nowrap">{l.action.amount.clone()}</td>
                                    <td>{l.item.clone()}{l.action.difference_reason.clone().map(|r| view! {
                                        <p class="warning">"Not the item's amount: " {r}</p> })}</td>
                                    <td>{l.action.initiated_by.clone()}</td><td>{l.action.approvals.clone()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    </div>
                    <ActionForm action=actions.release attr:class="form">
                        <input type="hidden" name="date" value=p.date.clone()/>
                        {p.lines.iter().enumerate().map(|(i, l)| view! {
                            <input type="hidden" name=format!("seen[{i}]") value=format!("{}:{}", l.action.id, l.action.version)/>
                        }).collect_view()}
                        <p class="muted">"Actions needing two approvers get your approval and wait for a second one."</p>
                        <div class="actions"><button type="submit" class="button primary">{format!("Approve this list as one batch ({count})")}</button></div>
                    </ActionForm>
                }.into_any()
            })}
        </section>
    }
}

#[component]
fn CloseCard(close: CloseView, actions: LedgerActions) -> impl IntoView {
    view! {
        <section class="card narrow" aria-labelledby="close-heading">
            <h2 id="close-heading">"Day-end close"</h2>
            <p>"The first date open for posting is " <strong data-test="first-open">{close.first_open.clone()}</strong> "."</p>
            {match (close.pending, close.can_propose) {
                (Some((id, date, by, can_decide)), _) => view! {
                    <p data-test="close-proposal">{format!("Closing {date} was proposed by {by}.")}</p>
                    {if can_decide {
                        view! {
                            <ActionForm action=actions.decide attr:class="inline-form">
                                <input type="hidden" name="id" value=id/>
                                <input type="hidden" name="decision" value="approve"/>
                                <button type="submit" class="button primary">{format!("Approve closing {date}")}</button>
                            </ActionForm>
                            <ActionForm action=actions.decide attr:class="inline-form">
                                <input type="hidden" name="id" value=id/>
                                <input type="hidden" name="decision" value="reject"/>
                                <button type="submit" class="button">"Reject"</button>
                            </ActionForm>
                        }.into_any()
                    } else {
                        view! { <p class="muted">"Another approver decides it."</p> }.into_any()
                    }}
                }.into_any(),
                (None, true) => view! {
                    <ActionForm action=actions.propose attr:class="form">
                        <input type="hidden" name="date" value=close.first_open.clone()/>
                        <p class="muted">"Another approver approves the close before it takes effect."</p>
                        <div class="actions"><button type="submit" class="button">{format!("Propose closing {}", close.first_open)}</button></div>
                    </ActionForm>
                }.into_any(),
                (None, false) => view! {
                    <p class="muted">{format!("{} has not ended yet.", close.first_open)}</p>
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
    let db = |e: sqlx::Error| AppError::database(&e);
    let account = domain::ledger::account_by_code(&state.pool, &code)
        .await
        .map_err(db)?
        .ok_or_else(|| AppError::Invalid(format!("there is no account '{code}'")))?;
    let mut lines =
        domain::ledger::statement(&state.pool, account.id, before, PAGE_SIZE + 1).await.map_err(db)?;
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
        <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors/> }>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    statement.await.map(|s| {
                        let next = s.next_before.map(|b| format!("/ledger/accounts/{}?before={b}", s.account));
                        view! {
                            <section class="card" aria-labelledby="statement-heading">
                                <h2 id="statement-heading"><code>{s.account.clone()}</code> " " {s.name.clone()}</h2>
                                <p>"Balance " <strong data-test="statement-balance">{s.balance.clone()}</strong></p>
                                <table class="data" data-test="statement">
                                    <thead><tr><th scope="col">"Transaction"</th><th scope="col">"Date"</th><th scope="col">"Description"</th>
                                        <th scope="col" class="num">"Amount"</th><th scope="col" class="num">"Balance after"</th></tr></thead>
                                    <tbody>
                                        {s.lines.into_iter().map(|l| view! {
                                            <tr><td>{l.transaction_id}</td><td class="nowrap">{l.date}</td><td>{l.description}</td>
                                                <td class="num nowrap">{l.amount}</td><td class="num nowrap">{l.balance_after}</td></tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                {next.map(|href| view! { <p><a href=href rel="next">"Older postings"</a></p> })}
                            </section>
                        }
                    })
                })}
            </Transition>
        </ErrorBoundary>
    }
}

mod text {
    crate::texts! {
        LEDE = "The double-entry books behind every manual action.", "每项人工操作背后的复式记账。";
    }
}
