//! Admin: the rules money and work follow. Reference rates (the limits compare every currency in
//! USD through them), posting templates (how a transfer for an item of a reason is filled in) and
//! service levels (when an item is overdue and escalated). Every change is audited by the domain.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, ErrorNotice};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulesView {
    /// (currency, USD per unit, set by, set at)
    pub rates: Vec<(String, String, String, String)>,
    /// (class, reason, from, to, description)
    pub templates: Vec<(String, String, String, String, String)>,
    /// (reason, business days)
    pub service_levels: Vec<(String, u32)>,
}

#[server(endpoint = "admin/rules")]
pub async fn admin_rules() -> Result<RulesView, AppError> {
    crate::auth::server::require(domain::access::Permission::Administer).await?;
    let state = crate::state::AppState::from_context()?;
    let rates = domain::ledger::limits::list(&state.pool).await?;
    let templates = domain::ledger::templates::list(&state.pool).await?;
    let levels = domain::exceptions::ServiceLevels::load(&state.pool).await?;
    Ok(RulesView {
        rates: rates
            .into_iter()
            .map(|r| {
                (
                    r.currency,
                    r.usd_per_unit.normalize().to_string(),
                    r.updated_by,
                    r.updated_at.format("%Y-%m-%d").to_string(),
                )
            })
            .collect(),
        templates: templates
            .into_iter()
            .map(|t| (t.class, t.reason, t.from_code, t.to_code, t.description))
            .collect(),
        service_levels: levels.entries().map(|(r, d)| (r.to_owned(), d)).collect(),
    })
}

#[server(endpoint = "admin/rules/rate")]
pub async fn set_reference_rate(currency: String, rate: String) -> Result<(), AppError> {
    let user = crate::auth::server::require(domain::access::Permission::Administer).await?;
    let state = crate::state::AppState::from_context()?;
    let text = rate.trim();
    let plain = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let rate: rust_decimal::Decimal = text
        .parse()
        .ok()
        .filter(|_| plain)
        .ok_or_else(|| AppError::refused(format!("'{text}' is not a rate: write it like 1.0850")))?;
    domain::ledger::limits::set_rate(&state.pool, &user.actor(), &currency.trim().to_uppercase(), rate)
        .await?;
    Ok(())
}

#[server(endpoint = "admin/rules/template")]
pub async fn set_posting_template(
    class: String,
    reason: String,
    from: String,
    to: String,
    description: String,
) -> Result<(), AppError> {
    let user = crate::auth::server::require(domain::access::Permission::Administer).await?;
    let state = crate::state::AppState::from_context()?;
    domain::ledger::templates::set(
        &state.pool,
        &user.actor(),
        class.trim(),
        reason.trim(),
        &from,
        &to,
        &description,
    )
    .await?;
    Ok(())
}

#[server(endpoint = "admin/rules/service-level")]
pub async fn set_service_level(reason: String, days: String) -> Result<(), AppError> {
    let user = crate::auth::server::require(domain::access::Permission::Administer).await?;
    let state = crate::state::AppState::from_context()?;
    let days: u32 = days
        .trim()
        .parse()
        .map_err(|_| AppError::refused(format!("'{}' is not a number of business days", days.trim())))?;
    domain::exceptions::set_service_level(&state.pool, &user.actor(), &reason, days).await?;
    Ok(())
}

fn said(value: Option<Result<(), AppError>>, done: &'static str) -> Option<AnyView> {
    value.map(|outcome| match outcome {
        Ok(()) => view! { <p class="form-ok" role="status">{done}</p> }.into_any(),
        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
    })
}

#[component]
pub fn RulesCards() -> impl IntoView {
    let rate = ServerAction::<SetReferenceRate>::new();
    let template = ServerAction::<SetPostingTemplate>::new();
    let level = ServerAction::<SetServiceLevel>::new();
    let (rates_set, templates_set, levels_set) =
        (crate::forms::successes(rate), crate::forms::successes(template), crate::forms::successes(level));
    let rules =
        Resource::new(move || (rates_set.get(), templates_set.get(), levels_set.get()), |_| admin_rules());
    view! {
        <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors/> }>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    rules.await.map(|r| view! {
                        <section class="card narrow" aria-labelledby="rates-heading" data-test="reference-rates">
                            <h2 id="rates-heading">"Reference rates"</h2>
                            <p class="muted">"Approval limits are set in USD; an action in another currency is valued at these rates, and an FX transfer's rate must lie near them."</p>
                            <table class="data">
                                <thead><tr><th scope="col">"Currency"</th><th scope="col" class="num">"USD per unit"</th><th scope="col">"Set by"</th><th scope="col">"On"</th></tr></thead>
                                <tbody>{r.rates.into_iter().map(|(c, v, by, on)| { let shown = c.clone(); view! {
                                    <tr data-currency=c><td>{shown}</td><td class="num">{v}</td><td>{by}</td><td class="nowrap">{on}</td></tr>
                                }}).collect_view()}</tbody>
                            </table>
                            <ActionForm action=rate attr:class="form">
                                <div class="field"><label for="rate-currency">"Currency code"</label>
                                    <input id="rate-currency" name="currency" required size="4" maxlength="3"/></div>
                                <div class="field"><label for="rate-value">"USD per unit"</label>
                                    <input id="rate-value" name="rate" required inputmode="decimal"/></div>
                                {move || said(rate.value().get(), "Rate set.")}
                                <div class="actions"><button type="submit" class="button primary">"Set rate"</button></div>
                            </ActionForm>
                        </section>
                        <section class="card" aria-labelledby="templates-heading" data-test="posting-templates">
                            <h2 id="templates-heading">"Posting templates"</h2>
                            <p class="muted">"How the transfer form is filled for an item of each reason. {network} stands for the item's network."</p>
                            <div class="table-wrap">
                            <table class="data">
                                <thead><tr><th scope="col">"Class"</th><th scope="col">"Reason"</th><th scope="col">"From"</th><th scope="col">"To"</th><th scope="col">"Description"</th></tr></thead>
                                <tbody>{r.templates.into_iter().map(|(class, reason, from, to, description)| view! {
                                    <tr><td>{class}</td><td>{reason}</td><td><code>{from}</code></td><td><code>{to}</code></td><td>{description}</td></tr>
                                }).collect_view()}</tbody>
                            </table>
                            </div>
                            <ActionForm action=template attr:class="form">
                                <div class="field"><label for="template-class">"Class"</label>
                                    <select id="template-class" name="class">
                                        <option value="resettlement">"Resettlement"</option>
                                        <option value="mismatch">"Mismatch"</option>
                                    </select></div>
                                <div class="field"><label for="template-reason">"Reason code"</label>
                                    <input id="template-reason" name="reason" required maxlength="40"/></div>
                                <div class="field"><label for="template-from">"From account"</label>
                                    <input id="template-from" name="from" required maxlength="64"/></div>
                                <div class="field"><label for="template-to">"To account"</label>
                                    <input id="template-to" name="to" required maxlength="64"/></div>
                                <div class="field"><label for="template-description">"Description"</label>
                                    <input id="template-description" name="description" required maxlength="200"/></div>
                                {move || said(template.value().get(), "Template saved.")}
                                <div class="actions"><button type="submit" class="button primary">"Save template"</button></div>
                            </ActionForm>
                        </section>
                        <section class="card narrow" aria-labelledby="levels-heading" data-test="service-levels">
                            <h2 id="levels-heading">"Service levels"</h2>
                            <p class="muted">"Business days an item may stay unresolved before it is overdue and escalated to high priority. * is every other reason."</p>
                            <table class="data">
                                <thead><tr><th scope="col">"Reason"</th><th scope="col" class="num">"Business days"</th></tr></thead>
                                <tbody>{r.service_levels.into_iter().map(|(reason, days)| view! {
                                    <tr><td>{reason}</td><td class="num">{days}</td></tr>
                                }).collect_view()}</tbody>
                            </table>
                            <ActionForm action=level attr:class="form">
                                <div class="field"><label for="level-reason">"Reason code (or *)"</label>
                                    <input id="level-reason" name="reason" required maxlength="40"/></div>
                                <div class="field"><label for="level-days">"Business days"</label>
                                    <input id="level-days" name="days" required inputmode="numeric" size="3"/></div>
                                {move || said(level.value().get(), "Service level saved.")}
                                <div class="actions"><button type="submit" class="button primary">"Save service level"</button></div>
                            </ActionForm>
                        </section>
                    })
                })}
            </Transition>
        </ErrorBoundary>
    }
}
