//! The help desk's payment lookup: read-only, card numbers masked to the last four digits, and
//! every lookup that shows a payment recorded in the audit trail.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, ErrorNotice};
use crate::layout::PageHeader;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupQuery {
    pub payment_id: Option<String>,
    pub reference: Option<String>,
    pub last4: Option<String>,
    pub amount: Option<String>,
    pub currency: Option<String>,
    pub date: Option<String>,
}

impl LookupQuery {
    fn is_empty(&self) -> bool {
        [&self.payment_id, &self.reference, &self.last4, &self.amount, &self.date]
            .iter()
            .all(|v| v.as_deref().is_none_or(|t| t.trim().is_empty()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundView {
    pub payment_id: String,
    pub business_date: String,
    pub initiated: String,
    pub status: String,
    pub amount: String,
    pub network: String,
    pub reference: String,
    pub card: String,
    /// What reconciliation made of it, in words.
    pub reconciliation: String,
    pub work: String,
    /// Its case (work item), with the history and notes the help desk reads and adds to.
    pub case: Option<CaseView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseView {
    pub id: i64,
    pub notes: Vec<crate::pages::exceptions::NoteView>,
    pub history: Vec<crate::pages::exceptions::HistoryView>,
}

/// A case's notes and history, as the help desk reads them.
#[cfg(feature = "ssr")]
async fn case_view(pool: &sqlx::PgPool, id: i64, zone: domain::calendar::Tz) -> Result<CaseView, AppError> {
    use crate::pages::exceptions::{HistoryView, NoteView};
    use crate::preferences::viewer::format_instant;
    let notes = domain::exceptions::notes(pool, id).await?;
    let filter = domain::audit::AuditFilter { target: Some(format!("work_item:{id}")), ..Default::default() };
    let history = domain::audit::search(pool, &filter, None, 50).await?;
    Ok(CaseView {
        id,
        notes: notes
            .into_iter()
            .map(|n| NoteView { author: n.author, written: format_instant(n.written_at, zone), body: n.body })
            .collect(),
        history: history
            .into_iter()
            .filter(|e| e.action != domain::audit::AuditAction::CustomerDataViewed.code())
            .map(|e| HistoryView {
                when: format_instant(e.occurred_at, zone),
                actor: e.actor,
                action: e.action,
            })
            .collect(),
    })
}

#[server(endpoint = "lookup")]
pub async fn look_up(query: LookupQuery) -> Result<Vec<FoundView>, AppError> {
    use domain::items::Lookup;
    use domain::money::{Currency, Money};
    let user = crate::auth::server::require(domain::access::Permission::LookUpPayments).await?;
    let state = crate::state::AppState::from_context()?;
    let (zone, _) = crate::preferences::viewer::time_zone(&state.pool).await?;
    let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
    let question = if let Some(id) = text(&query.payment_id) {
        Lookup::PaymentId(id)
    } else if let Some(reference) = text(&query.reference) {
        if reference.len() != 23 || !reference.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AppError::Invalid("a network reference has 23 digits".into()));
        }
        Lookup::Reference(reference)
    } else {
        let (Some(last4), Some(amount), Some(date)) =
            (text(&query.last4), text(&query.amount), text(&query.date))
        else {
            return Err(AppError::Invalid(
                "give a payment id, a network reference, or the card's last four digits with the amount and date".into(),
            ));
        };
        if last4.len() != 4 || !last4.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AppError::Invalid(format!("'{last4}' is not the last four digits of a card")));
        }
        let code = text(&query.currency).unwrap_or_else(|| "USD".into()).to_uppercase();
        let currency = Currency::from_code(&code)
            .ok_or_else(|| AppError::Invalid(format!("'{code}' is not a currency")))?;
        let decimal: rust_decimal::Decimal =
            amount.parse().map_err(|_| AppError::Invalid(format!("'{amount}' is not an amount")))?;
        let amount = Money::from_decimal(decimal, currency).map_err(|e| AppError::Invalid(e.to_string()))?;
        let date = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d")
            .map_err(|_| AppError::Invalid(format!("'{date}' is not a date (YYYY-MM-DD)")))?;
        Lookup::CardAmountDate { last4, amount, date }
    };
    let found = domain::items::lookup(&state.pool, &question).await.map_err(|e| AppError::database(&e))?;
    let mut cases = Vec::with_capacity(found.len());
    for f in &found {
        crate::pages::reports::record_view(&state, &user, format!("payment:{}", f.payment.payment_id))
            .await?;
        cases.push(match &f.work_item {
            Some((id, _)) => {
                crate::pages::reports::record_view(&state, &user, format!("work_item:{id}")).await?;
                Some(case_view(&state.pool, *id, zone).await?)
            }
            None => None,
        });
    }
    Ok(found
        .into_iter()
        .zip(cases)
        .map(|(f, case)| {
            let p = f.payment;
            FoundView {
                amount: domain::money::grouped_minor(p.amount_minor, &p.currency),
                business_date: p.business_date.to_string(),
                initiated: crate::preferences::viewer::format_instant(p.initiated_at, zone),
                status: p.status,
                network: p.network,
                reference: p.network_reference.unwrap_or_else(|| "not known yet".into()),
                card: format!("•••• {}", p.card_last4),
                reconciliation: match f.latest_item {
                    Some((_, _, class, reason)) => match reason {
                        Some(reason) if !reason.is_empty() => {
                            format!("{class}: {}", reason.replace('_', " "))
                        }
                        _ => class,
                    },
                    None => "not reconciled yet (waiting for the network's record)".into(),
                },
                work: f
                    .work_item
                    .map(|(id, status)| format!("work item {id}, {}", status.replace('_', " ")))
                    .unwrap_or_default(),
                payment_id: p.payment_id,
                case,
            }
        })
        .collect())
}

/// Adds a note to the case of a payment the help desk looked up. The case is found by the payment
/// id (what the help desk holds), never taken as an item id from the form: a note goes only to a
/// case the person could look up.
#[server(endpoint = "lookup/note")]
pub async fn add_case_note(payment_id: String, note: String) -> Result<(), AppError> {
    let user = crate::auth::server::require(domain::access::Permission::AnnotateCases).await?;
    let state = crate::state::AppState::from_context()?;
    let question = domain::items::Lookup::PaymentId(payment_id.trim().to_owned());
    let found = domain::items::lookup(&state.pool, &question).await?;
    let case = found
        .iter()
        .find_map(|f| f.work_item.as_ref().map(|(id, _)| *id))
        .ok_or_else(|| AppError::refused("This payment has no case to add a note to."))?;
    domain::exceptions::add_note(&state.pool, &user.actor(), case, &note).await?;
    Ok(())
}

#[component]
pub fn LookupPage() -> impl IntoView {
    let params = use_query_map();
    let query = move || {
        params.with(|p| {
            let get = |k: &str| p.get(k).filter(|v| !v.is_empty());
            LookupQuery {
                payment_id: get("payment_id"),
                reference: get("reference"),
                last4: get("last4"),
                amount: get("amount"),
                currency: get("currency"),
                date: get("date"),
            }
        })
    };
    let note = ServerAction::<AddCaseNote>::new();
    let noted = crate::forms::successes(note);
    let results = Resource::new(
        move || (query(), noted.get()),
        |(q, _)| async move {
            if q.is_empty() {
                Ok(None)
            } else {
                look_up(q).await.map(Some)
            }
        },
    );
    let value = move |f: fn(&LookupQuery) -> &Option<String>| f(&query()).clone().unwrap_or_default();
    view! {
        <PageHeader title=crate::routes::LOOKUP lede=text::LEDE/>
        <form method="get" action="/lookup" class="filters" role="search" aria-label="Look up a payment">
            <div class="field"><label for="lookup-payment">"Payment id"</label>
                <input id="lookup-payment" name="payment_id" value=value(|q| &q.payment_id)/></div>
            <div class="field"><label for="lookup-reference">"Network reference"</label>
                <input id="lookup-reference" name="reference" value=value(|q| &q.reference) inputmode="numeric" size="24"/></div>
            <fieldset class="field-group">
                <legend>"Or card, amount and date"</legend>
                <div class="field"><label for="lookup-last4">"Card last 4"</label>
                    <input id="lookup-last4" name="last4" value=value(|q| &q.last4) size="4" inputmode="numeric"/></div>
                <div class="field"><label for="lookup-amount">"Amount"</label>
                    <input id="lookup-amount" name="amount" value=value(|q| &q.amount) inputmode="decimal" size="10"/></div>
                <div class="field"><label for="lookup-currency">"Currency"</label>
                    <input id="lookup-currency" name="currency" value=value(|q| &q.currency) size="4" placeholder="USD"/></div>
                <div class="field"><label for="lookup-date">"Business date"</label>
                    <input id="lookup-date" name="date" type="date" value=value(|q| &q.date)/></div>
            </fieldset>
            <div class="actions"><button type="submit" class="button primary">"Look up"</button></div>
        </form>
        <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors/> }>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    results.await.map(|found| found.map(|found| view! { <LookupResults found note/> }))
                })}
            </Transition>
        </ErrorBoundary>
    }
}

#[component]
fn LookupResults(found: Vec<FoundView>, note: ServerAction<AddCaseNote>) -> impl IntoView {
    if found.is_empty() {
        return view! { <p class="muted" data-test="lookup-empty">"No payment matches."</p> }.into_any();
    }
    view! {
        {found.into_iter().map(|f| view! {
            <section class="card" data-test="payment" aria-label=format!("Payment {}", f.payment_id)>
                <h2>"Payment " <code>{f.payment_id.clone()}</code></h2>
                <dl class="facts">
                    <dt>"Status"</dt><dd data-test="payment-status">{f.status}</dd>
                    <dt>"Amount"</dt><dd>{f.amount}</dd>
                    <dt>"Business date"</dt><dd>{f.business_date}</dd>
                    <dt>"Initiated"</dt><dd>{f.initiated}</dd>
                    <dt>"Card"</dt><dd>{f.card}</dd>
                    <dt>"Network"</dt><dd>{f.network}</dd>
                    <dt>"Network reference"</dt><dd><code>{f.reference}</code></dd>
                    <dt>"Reconciliation"</dt><dd data-test="payment-reconciliation">{f.reconciliation}</dd>
                    {(!f.work.is_empty()).then(|| view! { <dt>"Case"</dt><dd>{f.work.clone()}</dd> })}
                </dl>
                {f.case.map(|case| view! { <CaseNotes case payment_id=f.payment_id.clone() note/> })}
            </section>
        }).collect_view()}
    }
    .into_any()
}

/// A case's history and notes, and the form that adds one.
#[component]
fn CaseNotes(case: CaseView, payment_id: String, note: ServerAction<AddCaseNote>) -> impl IntoView {
    let id = case.id;
    let field = format!("case-note-{id}");
    view! {
        <div class="case" data-test="case">
            <h3>{format!("Case {id}: notes")}</h3>
            {if case.notes.is_empty() {
                view! { <p class="muted">"No notes yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="notes" data-test="case-notes">
                        {case.notes.into_iter().map(|n| view! {
                            <li><p>{n.body}</p><p class="muted">{format!("{}, {}", n.author, n.written)}</p></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <ActionForm action=note attr:class="form">
                <input type="hidden" name="payment_id" value=payment_id/>
                <div class="field"><label for=field.clone()>"Add a note to the case"</label>
                    <textarea id=field name="note" rows="2" required maxlength="4000"></textarea></div>
                {move || note.value().get().map(|outcome| match outcome {
                    Ok(()) => view! { <p class="form-ok" role="status">"Note added."</p> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                })}
                <div class="actions"><button type="submit" class="button">"Add note"</button></div>
            </ActionForm>
            <h3>"History"</h3>
            {case.history.is_empty().then(|| view! { <p class="muted">"Nothing has changed on this case yet."</p> })}
            <ol class="history" data-test="case-history">
                {case.history.into_iter().map(|h| view! { <li>{format!("{} {} {}", h.when, h.actor, h.action)}</li> }).collect_view()}
            </ol>
        </div>
    }
}

mod text {
    crate::texts! {
        LEDE = "Find a customer's Zelle payment and what reconciliation made of it. Read-only; cards show their last four digits only.", "查找客户的 Zelle 付款及其对账结果。只读；银行卡仅显示后四位。";
    }
}
