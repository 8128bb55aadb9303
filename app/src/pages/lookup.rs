//! The help desk's payment lookup: read-only, card numbers masked to the last four digits, and
//! every lookup that shows a payment recorded in the audit trail.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::i18n::{common, use_locale, Locale};
use crate::kit::{Field, Loaded};
use crate::labels::{label, Kind};
use crate::layout::PageHeader;
use crate::pages::reports::{currency_options, FilterRefused};

/// The currency an amount is in when the form does not say.
const DEFAULT_CURRENCY: &str = "USD";

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

/// A payment found: data and codes, which the view says in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundView {
    pub payment_id: String,
    /// With its weekday, in the viewer's language.
    pub business_date: String,
    pub initiated: String,
    /// The payment's status code.
    pub status: String,
    pub amount: String,
    /// The network's code.
    pub network: String,
    /// None until the network's record names it.
    pub reference: Option<String>,
    pub last4: String,
    /// What reconciliation made of it: the class and reason codes of its newest item, none when
    /// no run has seen it yet.
    pub reconciliation: Option<(String, Option<String>)>,
    /// Its work item: id and status code.
    pub work: Option<(i64, String)>,
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

/// The question the form asks, or why it cannot be asked (a refusal in the person's language).
#[cfg(feature = "ssr")]
fn question(query: &LookupQuery) -> Result<domain::items::Lookup, AppError> {
    use domain::items::Lookup;
    use domain::money::{Currency, Money};
    let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
    if let Some(id) = text(&query.payment_id) {
        return Ok(Lookup::PaymentId(id));
    }
    if let Some(reference) = text(&query.reference) {
        if reference.len() != 23 || !reference.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AppError::refused_text(text::REFERENCE_DIGITS, &[]));
        }
        return Ok(Lookup::Reference(reference));
    }
    let (Some(last4), Some(amount), Some(date)) =
        (text(&query.last4), text(&query.amount), text(&query.date))
    else {
        return Err(AppError::refused_text(text::GIVE_SOMETHING, &[]));
    };
    if last4.len() != 4 || !last4.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::refused_text(text::NOT_LAST4, &[&last4]));
    }
    let code = text(&query.currency).unwrap_or_else(|| DEFAULT_CURRENCY.into()).to_uppercase();
    let currency =
        Currency::from_code(&code).ok_or_else(|| AppError::refused_text(text::NOT_A_CURRENCY, &[&code]))?;
    let decimal: rust_decimal::Decimal =
        amount.parse().map_err(|_| AppError::refused_text(text::NOT_AN_AMOUNT, &[&amount]))?;
    let money = Money::from_decimal(decimal, currency)
        .map_err(|e| crate::pages::reports::money_refusal(e, &amount))?;
    let date = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d")
        .map_err(|_| AppError::refused_text(text::NOT_A_DATE, &[&date]))?;
    Ok(Lookup::CardAmountDate { last4, amount: money, date })
}

#[server(endpoint = "lookup")]
pub async fn look_up(query: LookupQuery) -> Result<Vec<FoundView>, AppError> {
    use crate::preferences::viewer;
    let user = crate::auth::server::require(domain::access::Permission::LookUpPayments).await?;
    let state = crate::state::AppState::from_context()?;
    let question = question(&query)?;
    let (zone, _) = viewer::time_zone(&state.pool).await?;
    let found = domain::items::lookup(&state.pool, &question).await?;
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
                business_date: viewer::long_date(p.business_date),
                initiated: viewer::format_instant(p.initiated_at, zone),
                status: p.status,
                network: p.network,
                reference: p.network_reference,
                last4: p.card_last4,
                reconciliation: f
                    .latest_item
                    .map(|(_, _, class, reason)| (class, reason.filter(|r| !r.is_empty()))),
                work: f.work_item,
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
        .ok_or_else(|| AppError::refused_text(text::NO_CASE, &[]))?;
    domain::exceptions::add_note(&state.pool, &user.actor(), case, &note).await?;
    Ok(())
}

#[component]
pub fn LookupPage() -> impl IntoView {
    let locale = use_locale();
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
    let currency = query().currency.unwrap_or_else(|| DEFAULT_CURRENCY.into());
    view! {
        <PageHeader title=crate::routes::LOOKUP lede=text::LEDE/>
        <form method="get" action="/lookup" class="filters" role="search" aria-label=locale.t(text::LOOK_UP_A_PAYMENT)>
            <Field id="lookup-payment" name="payment_id" label=text::PAYMENT_ID>
                <input id="lookup-payment" name="payment_id" value=value(|q| &q.payment_id)/></Field>
            <Field id="lookup-reference" name="reference" label=text::NETWORK_REFERENCE>
                <input id="lookup-reference" name="reference" value=value(|q| &q.reference) inputmode="numeric" size="24"/></Field>
            <fieldset class="field-group">
                <legend>{locale.t(text::OR_CARD_AMOUNT_DATE)}</legend>
                <Field id="lookup-last4" name="last4" label=text::CARD_LAST4>
                    <input id="lookup-last4" name="last4" value=value(|q| &q.last4) size="4" inputmode="numeric"/></Field>
                <Field id="lookup-amount" name="amount" label=common::AMOUNT>
                    <input id="lookup-amount" name="amount" value=value(|q| &q.amount) inputmode="decimal" size="10"/></Field>
                <Field id="lookup-currency" name="currency" label=common::CURRENCY>
                    <select id="lookup-currency" name="currency">{currency_options(Some(&currency), None)}</select></Field>
                <Field id="lookup-date" name="date" label=common::BUSINESS_DATE>
                    <input id="lookup-date" name="date" type="date" value=value(|q| &q.date)/></Field>
            </fieldset>
            <div class="actions"><button type="submit" class="button primary">{locale.t(text::LOOK_UP)}</button></div>
        </form>
        <Loaded>
            {move || Suspend::new(async move {
                match results.await {
                    // A question that cannot be asked is said beside the form, which keeps what was typed.
                    Err(AppError::Invalid(message)) => Ok(view! { <FilterRefused message/> }.into_any()),
                    other => other.map(|found| found.map(|found| view! { <LookupResults found note/> }).into_any()),
                }
            })}
        </Loaded>
    }
}

/// What reconciliation made of a payment, in words.
fn reconciliation(found: &Option<(String, Option<String>)>, locale: Locale) -> String {
    match found {
        Some((class, Some(reason))) => locale.f(
            text::CLASS_REASON,
            &[&label(Kind::Class, class, locale), &label(Kind::Reason, reason, locale)],
        ),
        Some((class, None)) => label(Kind::Class, class, locale),
        None => locale.t(text::NOT_RECONCILED).to_owned(),
    }
}

#[component]
fn LookupResults(found: Vec<FoundView>, note: ServerAction<AddCaseNote>) -> impl IntoView {
    let locale = use_locale();
    if found.is_empty() {
        return view! { <p class="muted" data-test="lookup-empty">{locale.t(text::NO_PAYMENT)}</p> }
            .into_any();
    }
    view! {
        {found.into_iter().map(|f| view! {
            <section class="card" data-test="payment" aria-label=locale.f(text::PAYMENT_N, &[&f.payment_id])>
                <h2>{locale.t(text::PAYMENT)} " " <code translate="no">{f.payment_id.clone()}</code></h2>
                <dl class="facts">
                    <dt>{locale.t(common::STATUS)}</dt>
                    <dd data-test="payment-status" data-code=f.status.clone()>{label(Kind::PaymentStatus, &f.status, locale)}</dd>
                    <dt>{locale.t(common::AMOUNT)}</dt><dd translate="no">{f.amount}</dd>
                    <dt>{locale.t(common::BUSINESS_DATE)}</dt><dd>{f.business_date}</dd>
                    <dt>{locale.t(text::INITIATED)}</dt><dd>{f.initiated}</dd>
                    <dt>{locale.t(text::CARD)}</dt><dd translate="no">{crate::kit::masked_card(&f.last4)}</dd>
                    <dt>{locale.t(common::NETWORK)}</dt><dd>{label(Kind::Network, &f.network, locale)}</dd>
                    <dt>{locale.t(text::NETWORK_REFERENCE)}</dt>
                    <dd>{match f.reference {
                        Some(reference) => view! { <code translate="no">{reference}</code> }.into_any(),
                        None => view! { <span class="muted">{locale.t(text::NOT_KNOWN_YET)}</span> }.into_any(),
                    }}</dd>
                    <dt>{locale.t(text::RECONCILIATION)}</dt>
                    <dd data-test="payment-reconciliation" data-code=f.reconciliation.as_ref().map(|(class, _)| class.clone())>
                        {reconciliation(&f.reconciliation, locale)}
                    </dd>
                    {f.work.map(|(id, status)| view! {
                        <dt>{locale.t(text::CASE)}</dt>
                        <dd>{locale.f(text::WORK_ITEM_STATUS, &[&id, &label(Kind::WorkStatus, &status, locale)])}</dd>
                    })}
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
    let locale = use_locale();
    let id = case.id;
    let field = format!("case-note-{id}");
    view! {
        <div class="case" data-test="case">
            <h3>{locale.f(text::CASE_NOTES, &[&id])}</h3>
            {if case.notes.is_empty() {
                view! { <p class="muted">{locale.t(text::NO_NOTES)}</p> }.into_any()
            } else {
                view! {
                    <ul class="notes" data-test="case-notes">
                        {case.notes.into_iter().map(|n| view! {
                            <li>
                                <p>{n.body}</p>
                                <p class="muted"><span translate="no">{n.author}</span> ", " {n.written}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <ActionForm action=note attr:class="form">
                <input type="hidden" name="payment_id" value=payment_id/>
                <Field id=field.clone() name="note" label=text::ADD_NOTE_TO_CASE>
                    <textarea id=field name="note" rows="2" required maxlength="4000"></textarea></Field>
                {crate::kit::outcome(note.value(), move |()| locale.t(text::NOTE_ADDED).to_owned())}
                <div class="actions"><button type="submit" class="button">{locale.t(text::ADD_NOTE)}</button></div>
            </ActionForm>
            <h3>{locale.t(text::HISTORY)}</h3>
            {case.history.is_empty().then(|| view! { <p class="muted">{locale.t(text::NO_HISTORY)}</p> })}
            <ol class="history" data-test="case-history">
                {case.history.into_iter().map(|h| view! {
                    <li>
                        {h.when} " " <span translate="no">{h.actor}</span> " "
                        <span data-code=h.action.clone()>{label(Kind::AuditAction, &h.action, locale)}</span>
                    </li>
                }).collect_view()}
            </ol>
        </div>
    }
}

mod text {
    // Refusals are said on the server only: the browser build does not use them.
    #![cfg_attr(not(feature = "ssr"), allow(dead_code))]
    crate::texts! {
        LEDE = "Find a customer's Zelle payment and what reconciliation made of it. Read-only; cards show their last four digits only.", "查找客户的 Zelle 付款及其对账结果。只读；银行卡仅显示后四位。";

        // The form.
        LOOK_UP_A_PAYMENT = "Look up a payment", "查询付款";
        PAYMENT_ID = "Payment id", "付款编号";
        NETWORK_REFERENCE = "Network reference", "卡组织参考号";
        OR_CARD_AMOUNT_DATE = "Or card, amount and date", "或按银行卡、金额和日期";
        CARD_LAST4 = "Card last 4", "卡号后四位";
        LOOK_UP = "Look up", "查询";

        // What was found.
        NO_PAYMENT = "No payment matches.", "没有匹配的付款。";
        PAYMENT = "Payment", "付款";
        PAYMENT_N = "Payment {}", "付款 {}";
        INITIATED = "Initiated", "发起时间";
        CARD = "Card", "银行卡";
        NOT_KNOWN_YET = "not known yet", "暂未知";
        RECONCILIATION = "Reconciliation", "对账结果";
        CLASS_REASON = "{}: {}", "{}：{}";
        NOT_RECONCILED = "not reconciled yet (waiting for the network's record)", "尚未对账（等待卡组织记录）";
        CASE = "Case", "案件";
        WORK_ITEM_STATUS = "work item {}, {}", "工作项 {}，{}";

        // The case.
        CASE_NOTES = "Case {}: notes", "案件 {}：备注";
        NO_NOTES = "No notes yet.", "暂无备注。";
        ADD_NOTE_TO_CASE = "Add a note to the case", "为案件添加备注";
        NOTE_ADDED = "Note added.", "备注已添加。";
        ADD_NOTE = "Add note", "添加备注";
        HISTORY = "History", "历史记录";
        NO_HISTORY = "Nothing has changed on this case yet.", "此案件尚无任何变更。";

        // Refusals.
        REFERENCE_DIGITS = "A network reference has 23 digits: check the number and try again.", "卡组织参考号为 23 位数字，请核对后重试。";
        GIVE_SOMETHING = "Give a payment id, a network reference, or the card's last four digits with the amount and date.", "请填写付款编号、卡组织参考号，或银行卡后四位连同金额和日期。";
        NOT_LAST4 = "'{}' is not the last four digits of a card.", "“{}”不是银行卡的后四位数字。";
        NOT_A_CURRENCY = "'{}' is not a currency: choose one from the list.", "“{}”不是有效币种，请从列表中选择。";
        NOT_AN_AMOUNT = "'{}' is not an amount: write digits with at most one decimal point, like 1250.50.", "“{}”不是有效金额，请填写数字，最多一个小数点，例如 1250.50。";
        NOT_A_DATE = "'{}' is not a date (YYYY-MM-DD).", "“{}”不是有效日期（YYYY-MM-DD）。";
        NO_CASE = "This payment has no case to add a note to.", "此付款没有可添加备注的案件。";
    }
}
