//! The ledger: balances, actions waiting for approval, the journal, the trial balance and the
//! day-end close. Associates initiate; approvers (never the initiator) approve or reject. Every
//! form that can move money carries an idempotency key made when the form was drawn, so a double
//! click or a resubmission makes one action.

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
    pub kind: String,
    pub summary: String,
    pub amount: String,
    pub initiated_by: String,
    pub approvals: String,
    pub status: String,
    pub work_item: Option<i64>,
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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerBook {
    pub accounts: Vec<AccountView>,
    pub pending: Vec<ActionView>,
    pub recent: Vec<ActionView>,
    pub journal: Vec<PostingView>,
    pub trial_balance: Vec<(String, String, String)>,
    pub trial_as_of: String,
    pub first_open_date: String,
    /// A fresh idempotency key for the transfer form.
    pub form_key: String,
    pub can_initiate: bool,
    pub can_approve: bool,
}

#[cfg(feature = "ssr")]
fn action_view(
    a: domain::ledger::actions::Action,
    accounts: &[domain::ledger::Account],
    me: &str,
    can_approve: bool,
) -> ActionView {
    use domain::ledger::actions::ActionRequest;
    let code = |id: i64| {
        accounts.iter().find(|a| a.id == id).map(|a| a.code.clone()).unwrap_or_else(|| id.to_string())
    };
    let summary = match &a.request {
        ActionRequest::Transfer { from, to, description, .. } => {
            format!("{} → {}: {description}", code(*from), code(*to))
        }
        ActionRequest::WriteOff { from, suspense, description, .. } => {
            format!("{} → {} (write-off): {description}", code(*from), code(*suspense))
        }
        ActionRequest::Reversal { transaction, description, .. } => {
            format!("reverse transaction {transaction}: {description}")
        }
        ActionRequest::FxTransfer { from, to, mid_rate, spread_bps, description, .. } => {
            format!("{} → {} at {mid_rate} less {spread_bps} bp: {description}", code(*from), code(*to))
        }
    };
    ActionView {
        id: a.id,
        kind: a.kind.clone(),
        amount: a.request.amount().grouped(),
        summary,
        approvals: format!("{} of {}", a.approved_by.len(), a.approvals_needed),
        can_decide: can_approve
            && a.status == "pending"
            && a.initiated_by != me
            && !a.approved_by.iter().any(|x| x == me),
        initiated_by: a.initiated_by,
        status: a.status,
        work_item: a.work_item_id,
    }
}

#[server(endpoint = "ledger/overview")]
pub async fn ledger_overview(as_of: Option<String>) -> Result<LedgerBook, AppError> {
    use domain::access::Permission;
    let user = crate::auth::server::require(Permission::ViewLedger).await?;
    let state = crate::state::AppState::from_context()?;
    let db = |e: sqlx::Error| AppError::database(&e);
    domain::ledger::actions::expire(&state.pool).await.map_err(db)?;
    let accounts = domain::ledger::accounts(&state.pool).await.map_err(db)?;
    let can_approve = user.can(Permission::ApproveActions);
    let action_error = |e: domain::ledger::actions::ActionError| AppError::internal(e);
    let pending =
        domain::ledger::actions::list(&state.pool, Some("pending"), None, 100).await.map_err(action_error)?;
    let mut recent =
        domain::ledger::actions::list(&state.pool, None, None, 1000).await.map_err(action_error)?;
    recent.retain(|a| a.status != "pending");
    recent.reverse();
    recent.truncate(20);
    let today = chrono::Utc::now().date_naive();
    let first_open = {
        let mut conn = state.pool.acquire().await.map_err(db)?;
        domain::ledger::posting::first_open_date(&mut conn).await.map_err(db)?.unwrap_or(today)
    };
    let journal = journal_view(&state.pool, &accounts).await?;
    let as_of = match as_of.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| AppError::Invalid(format!("'{d}' is not a date (YYYY-MM-DD)")))?,
        None => today.max(first_open),
    };
    let trial = domain::ledger::trial_balance(&state.pool, as_of).await.map_err(db)?;
    Ok(LedgerBook {
        pending: pending
            .into_iter()
            .map(|a| action_view(a, &accounts, &user.username, can_approve))
            .collect(),
        recent: recent.into_iter().map(|a| action_view(a, &accounts, &user.username, false)).collect(),
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
        first_open_date: first_open.to_string(),
        trial_as_of: as_of.to_string(),
        form_key: uuid::Uuid::new_v4().to_string(),
        can_initiate: user.can(Permission::InitiateActions),
        can_approve,
    })
}

/// The latest postings with their transactions, newest first.
#[cfg(feature = "ssr")]
async fn journal_view(
    pool: &sqlx::PgPool,
    accounts: &[domain::ledger::Account],
) -> Result<Vec<PostingView>, AppError> {
    let lines = domain::ledger::journal(pool, 40).await.map_err(|e| AppError::database(&e))?;
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
            }
        })
        .collect())
}

#[cfg(feature = "ssr")]
fn ledger_actor(user: &crate::auth::server::User) -> domain::audit::Actor {
    domain::audit::Actor {
        username: user.username.clone(),
        session_ref: Some(user.session_ref.clone()),
        address: crate::auth::server::client_address(),
    }
}

#[cfg(feature = "ssr")]
fn action_error(e: domain::ledger::actions::ActionError) -> AppError {
    use domain::ledger::actions::ActionError;
    use domain::ledger::posting::LedgerError;
    match e {
        ActionError::Database(e) | ActionError::Ledger(LedgerError::Database(e)) => AppError::database(&e),
        other => AppError::Invalid(other.to_string()),
    }
}

/// Starts a funds transfer (or a write-off to suspense, when `to` is the suspense account).
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
    pub rate: Option<String>,
    pub spread_bps: Option<String>,
}

#[server(endpoint = "ledger/initiate")]
pub async fn initiate_transfer(form: TransferForm) -> Result<i64, AppError> {
    let TransferForm { key, from, to, amount, description, work_item, rate, spread_bps } = form;
    use domain::ledger::actions::{self, ActionRequest, Policy};
    let user = crate::auth::server::require(domain::access::Permission::InitiateActions).await?;
    let state = crate::state::AppState::from_context()?;
    let db = |e: sqlx::Error| AppError::database(&e);
    let from = domain::ledger::account_by_code(&state.pool, &from)
        .await
        .map_err(db)?
        .ok_or_else(|| AppError::Invalid(format!("there is no account '{from}'")))?;
    let to = domain::ledger::account_by_code(&state.pool, &to)
        .await
        .map_err(db)?
        .ok_or_else(|| AppError::Invalid(format!("there is no account '{to}'")))?;
    let currency = domain::money::Currency::from_code(&from.currency)
        .ok_or_else(|| AppError::Invalid(format!("unknown currency {}", from.currency)))?;
    let rate = rate.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if to.currency != from.currency && rate.is_none() {
        return Err(AppError::Invalid(format!(
            "{} holds {} and {} holds {}: give the rate for a cross-currency transfer",
            from.code, from.currency, to.code, to.currency
        )));
    }
    let decimal: rust_decimal::Decimal =
        amount.trim().parse().map_err(|_| AppError::Invalid(format!("'{amount}' is not an amount")))?;
    let amount = domain::money::Money::from_decimal(decimal, currency)
        .map_err(|e| AppError::Invalid(e.to_string()))?;
    let work_item = match work_item.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
        Some(w) => {
            Some(w.parse::<i64>().map_err(|_| AppError::Invalid(format!("'{w}' is not a work item")))?)
        }
        None => None,
    };
    let request = if to.currency != from.currency {
        let mid_rate: rust_decimal::Decimal = rate
            .unwrap_or_default()
            .parse()
            .map_err(|_| AppError::Invalid("the rate is not a number".into()))?;
        let spread_bps: u32 = match spread_bps.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => {
                s.parse().map_err(|_| AppError::Invalid(format!("'{s}' is not a spread in basis points")))?
            }
            None => 0,
        };
        let fx = |code: String| {
            let pool = state.pool.clone();
            async move {
                domain::ledger::account_by_code(&pool, &code)
                    .await
                    .map_err(|e| AppError::database(&e))?
                    .ok_or_else(|| {
                        AppError::Invalid(format!("the chart of accounts has no '{code}' account"))
                    })
            }
        };
        let position_from = fx(format!("fx_position_{}", from.currency.to_lowercase())).await?;
        let position_to = fx(format!("fx_position_{}", to.currency.to_lowercase())).await?;
        let gain = fx("fx_gain_loss".to_owned()).await?;
        if gain.currency != to.currency {
            return Err(AppError::Invalid(format!(
                "the FX gain and loss account holds {}, not {}",
                gain.currency, to.currency
            )));
        }
        ActionRequest::FxTransfer {
            from: from.id,
            to: to.id,
            amount,
            to_currency: domain::money::Currency::from_code(&to.currency)
                .ok_or_else(|| AppError::Invalid(format!("unknown currency {}", to.currency)))?,
            mid_rate,
            spread_bps,
            fx_position_from: position_from.id,
            fx_position_to: position_to.id,
            fx_gain: gain.id,
            description,
        }
    } else if to.code == "suspense" {
        ActionRequest::WriteOff { from: from.id, suspense: to.id, amount, description }
    } else {
        ActionRequest::Transfer { from: from.id, to: to.id, amount, description }
    };
    let action =
        actions::initiate(&state.pool, &ledger_actor(&user), &Policy::default(), &key, &request, work_item)
            .await
            .map_err(action_error)?;
    Ok(action.id)
}

/// Starts the reversal of a posted transaction (it, too, waits for an approver).
#[server(endpoint = "ledger/reverse")]
pub async fn initiate_reversal(key: String, transaction: i64, description: String) -> Result<i64, AppError> {
    use domain::ledger::actions::{self, ActionRequest, Policy};
    let user = crate::auth::server::require(domain::access::Permission::InitiateActions).await?;
    let state = crate::state::AppState::from_context()?;
    let amount = domain::ledger::transaction_amount(&state.pool, transaction)
        .await
        .map_err(|e| AppError::database(&e))?
        .ok_or_else(|| AppError::Invalid(format!("transaction {transaction} does not exist")))?;
    let request = ActionRequest::Reversal { transaction, amount, description };
    let action =
        actions::initiate(&state.pool, &ledger_actor(&user), &Policy::default(), &key, &request, None)
            .await
            .map_err(action_error)?;
    Ok(action.id)
}

#[server(endpoint = "ledger/approve")]
pub async fn approve_action(id: i64) -> Result<String, AppError> {
    let user = crate::auth::server::require(domain::access::Permission::ApproveActions).await?;
    let state = crate::state::AppState::from_context()?;
    let action = domain::ledger::actions::approve(&state.pool, &ledger_actor(&user), id)
        .await
        .map_err(action_error)?;
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
    domain::ledger::actions::reject(&state.pool, &ledger_actor(&user), id, &reason)
        .await
        .map_err(action_error)?;
    Ok(())
}

#[server(endpoint = "ledger/approve-resettlements")]
pub async fn approve_resettlements(date: String) -> Result<usize, AppError> {
    let user = crate::auth::server::require(domain::access::Permission::ApproveActions).await?;
    let state = crate::state::AppState::from_context()?;
    let date = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::Invalid(format!("'{date}' is not a date (YYYY-MM-DD)")))?;
    domain::ledger::actions::approve_resettlements(&state.pool, &ledger_actor(&user), date)
        .await
        .map_err(action_error)
}

#[server(endpoint = "ledger/close")]
pub async fn close_business_date(date: String) -> Result<(), AppError> {
    let user = crate::auth::server::require(domain::access::Permission::ApproveActions).await?;
    let state = crate::state::AppState::from_context()?;
    let date = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::Invalid(format!("'{date}' is not a date (YYYY-MM-DD)")))?;
    domain::ledger::close_date(&state.pool, date, &user.username).await.map_err(|e| match e {
        domain::ledger::posting::LedgerError::Database(e) => AppError::database(&e),
        other => AppError::Invalid(other.to_string()),
    })?;
    let event = domain::audit::NewAuditEvent {
        target: Some(format!("business_date:{date}")),
        ..user
            .audit_event(domain::audit::AuditAction::LedgerDateClosed, crate::auth::server::client_address())
    };
    state.audit.record(event).await.map_err(|e| AppError::database(&e))?;
    Ok(())
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
    let work_item = move || params.with(|p| p.get("work_item").unwrap_or_default());
    let as_of = move || params.with(|p| p.get("as_of").filter(|d| !d.is_empty()));
    let initiate = ServerAction::<InitiateTransfer>::new();
    let approve = ServerAction::<ApproveAction>::new();
    let reject = ServerAction::<RejectAction>::new();
    let close = ServerAction::<CloseBusinessDate>::new();
    let batch = ServerAction::<ApproveResettlements>::new();
    let reverse = ServerAction::<InitiateReversal>::new();
    let overview = Resource::new(
        move || {
            (
                initiate.version().get(),
                approve.version().get(),
                reject.version().get(),
                close.version().get(),
                batch.version().get(),
            )
        },
        move |_| ledger_overview(as_of()),
    );
    view! {
        <PageHeader title="Ledger" lede="The double-entry books behind every manual action."/>
        {said(initiate.value(), |id| format!("Action {id} is waiting for an approver."))}
        {said(approve.value(), |text| text)}
        {said(reject.value(), |()| "Rejected.".to_owned())}
        {said(close.value(), |()| "Closed.".to_owned())}
        {said(batch.value(), |n| format!("Approved {n} resettlement action(s) as one batch."))}
        {said(reverse.value(), |id| format!("Reversal {id} is waiting for an approver."))}
        <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors/> }>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let work_item = work_item();
                    overview.await.map(|o| view! { <LedgerView o work_item initiate approve reject close batch reverse/> })
                })}
            </Transition>
        </ErrorBoundary>
    }
}

#[component]
fn LedgerView(
    o: LedgerBook,
    work_item: String,
    initiate: ServerAction<InitiateTransfer>,
    approve: ServerAction<ApproveAction>,
    reject: ServerAction<RejectAction>,
    close: ServerAction<CloseBusinessDate>,
    batch: ServerAction<ApproveResettlements>,
    reverse: ServerAction<InitiateReversal>,
) -> impl IntoView {
    let can_initiate = o.can_initiate;
    let reverse_key = o.form_key.clone();
    let codes: Vec<String> = o.accounts.iter().map(|a| a.code.clone()).collect();
    let options = move |codes: Vec<String>| {
        codes
            .into_iter()
            .map(|c| {
                let label = c.clone();
                view! { <option value=c>{label}</option> }
            })
            .collect_view()
    };
    view! {
        {o.can_initiate.then(|| view! {
            <section class="card narrow" aria-labelledby="transfer-heading">
                <h2 id="transfer-heading">"Start a funds transfer"</h2>
                <p class="muted">"It posts only after an approver (not you) approves it. To suspense, it is a write-off."</p>
                <ActionForm action=initiate attr:class="form">
                    <input type="hidden" name="form[key]" value=o.form_key.clone()/>
                    <div class="field"><label for="transfer-from">"From account"</label>
                        <select id="transfer-from" name="form[from]">{options(codes.clone())}</select></div>
                    <div class="field"><label for="transfer-to">"To account"</label>
                        <select id="transfer-to" name="form[to]">{options(codes.clone())}</select></div>
                    <div class="field"><label for="transfer-amount">"Amount"</label>
                        <input id="transfer-amount" name="form[amount]" inputmode="decimal" required/></div>
                    <div class="field"><label for="transfer-description">"What it is for"</label>
                        <input id="transfer-description" name="form[description]" required maxlength="500"/></div>
                    <div class="field"><label for="transfer-rate">"Rate, for another currency (optional)"</label>
                        <input id="transfer-rate" name="form[rate]" inputmode="decimal" placeholder="1.0850"/></div>
                    <div class="field"><label for="transfer-spread">"Spread in basis points (optional)"</label>
                        <input id="transfer-spread" name="form[spread_bps]" inputmode="numeric" placeholder="50"/></div>
                    <div class="field"><label for="transfer-item">"Work item (optional)"</label>
                        <input id="transfer-item" name="form[work_item]" value=work_item inputmode="numeric"/></div>
                    <div class="actions"><button type="submit" class="button primary">"Initiate"</button></div>
                </ActionForm>
            </section>
        })}
        <section class="card" aria-labelledby="pending-heading">
            <h2 id="pending-heading">"Waiting for approval"</h2>
            {if o.pending.is_empty() {
                view! { <p class="muted" data-test="no-pending">"Nothing is waiting."</p> }.into_any()
            } else {
                view! {
                    <table class="data" data-test="pending-actions">
                        <thead><tr><th scope="col">"#"</th><th scope="col">"What"</th><th scope="col" class="num">"Amount"</th>
                            <th scope="col">"Initiated by"</th><th scope="col">"Approvals"</th><th scope="col">"Decide"</th></tr></thead>
                        <tbody>
                            {o.pending.into_iter().map(|a| view! {
                                <tr data-test="pending-action" data-action=a.id>
                                    <td>{a.id}</td><td>{a.summary}</td><td class="num nowrap">{a.amount}</td>
                                    <td>{a.initiated_by}</td><td>{a.approvals}</td>
                                    <td>{a.can_decide.then(|| view! {
                                        <ActionForm action=approve attr:class="inline-form">
                                            <input type="hidden" name="id" value=a.id/>
                                            <button type="submit" class="button small primary">"Approve"</button>
                                        </ActionForm>
                                        <ActionForm action=reject attr:class="inline-form">
                                            <input type="hidden" name="id" value=a.id/>
                                            <label class="visually-hidden" for=format!("reason-{}", a.id)>"Reason"</label>
                                            <input id=format!("reason-{}", a.id) name="reason" placeholder="Reason to reject" required/>
                                            <button type="submit" class="button small">"Reject"</button>
                                        </ActionForm>
                                    })}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
        <section class="card" aria-labelledby="accounts-heading">
            <h2 id="accounts-heading">"Accounts"</h2>
            <table class="data" data-test="accounts">
                <thead><tr><th scope="col">"Account"</th><th scope="col">"Name"</th><th scope="col">"Kind"</th><th scope="col" class="num">"Balance"</th></tr></thead>
                <tbody>
                    {o.accounts.into_iter().map(|a| view! {
                        <tr data-account=a.code.clone()><td><a href=format!("/ledger/accounts/{}", a.code)><code>{a.code.clone()}</code></a></td><td>{a.name}</td><td>{a.kind}</td>
                            <td class="num nowrap" data-test="balance">{a.balance}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        <section class="card" aria-labelledby="journal-heading">
            <h2 id="journal-heading">"Journal (latest postings)"</h2>
            <table class="data" data-test="journal">
                <thead><tr><th scope="col">"Transaction"</th><th scope="col">"Date"</th><th scope="col">"Description"</th>
                    <th scope="col">"Account"</th><th scope="col" class="num">"Amount"</th><th scope="col" class="num">"Balance after"</th>
                    <th scope="col"><span class="visually-hidden">"Reverse"</span></th></tr></thead>
                <tbody>
                    {o.journal.into_iter().map(|p| {
                        let key = format!("reverse-{}-{}", p.transaction_id, reverse_key);
                        view! {
                            <tr data-transaction=p.transaction_id><td>{p.transaction_id}</td><td class="nowrap">{p.date}</td><td>{p.description}</td>
                                <td><code>{p.account}</code></td><td class="num nowrap">{p.amount}</td><td class="num nowrap">{p.balance_after}</td>
                                <td>{can_initiate.then(|| view! {
                                    <ActionForm action=reverse attr:class="inline-form">
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
        </section>
        <section class="card" aria-labelledby="trial-heading">
            <h2 id="trial-heading">"Trial balance as of " {o.trial_as_of.clone()}</h2>
            <form method="get" action="/ledger" class="filters" aria-label="Trial balance date">
                <div class="field"><label for="trial-as-of">"As of"</label>
                    <input id="trial-as-of" name="as_of" type="date" value=o.trial_as_of.clone()/></div>
                <div class="actions"><button type="submit" class="button">"Show"</button></div>
            </form>
            <table class="data" data-test="trial-balance">
                <thead><tr><th scope="col">"Account"</th><th scope="col" class="num">"Debits"</th><th scope="col" class="num">"Credits"</th></tr></thead>
                <tbody>
                    {o.trial_balance.into_iter().map(|(account, debits, credits)| view! {
                        <tr><td><code>{account}</code></td><td class="num">{debits}</td><td class="num">{credits}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        {o.can_approve.then(|| view! {
            <section class="card narrow" aria-labelledby="batch-heading">
                <h2 id="batch-heading">"Release a day's resettlements"</h2>
                <ActionForm action=batch attr:class="form">
                    <div class="field"><label for="batch-date">"Business date"</label>
                        <input id="batch-date" name="date" type="date" required/></div>
                    <div class="actions"><button type="submit" class="button">"Approve all as one batch"</button></div>
                </ActionForm>
            </section>
            <section class="card narrow" aria-labelledby="close-heading">
                <h2 id="close-heading">"Day-end close"</h2>
                <p>"The first date open for posting is " <strong data-test="first-open">{o.first_open_date.clone()}</strong> "."</p>
                <ActionForm action=close attr:class="form">
                    <div class="field"><label for="close-date">"Close business date"</label>
                        <input id="close-date" name="date" type="date" required/></div>
                    <div class="actions"><button type="submit" class="button">"Close"</button></div>
                </ActionForm>
            </section>
        })}
        <section class="card" aria-labelledby="decided-heading">
            <h2 id="decided-heading">"Decided recently"</h2>
            <ul data-test="decided">
                {o.recent.into_iter().map(|a| view! { <li>{format!("#{} {} {} — {}", a.id, a.summary, a.amount, a.status)}</li> }).collect_view()}
            </ul>
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
        <PageHeader title="Account statement"/>
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
