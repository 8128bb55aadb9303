//! Admin: the rules money and work follow. Reference rates (the limits compare every currency in
//! USD through them), posting templates (how a transfer for an item of a reason is filled in) and
//! service levels (when an item is overdue and escalated). Every change is audited by the domain.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::i18n::{common, use_locale, Locale};
use crate::kit::{outcome, refusal_of, Field, Loaded, TableWrap};
use crate::labels::{label, Kind};

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
    let written = rate.trim();
    let plain = !written.is_empty() && written.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let rate: rust_decimal::Decimal = written
        .parse()
        .ok()
        .filter(|_| plain)
        .ok_or_else(|| AppError::refused_text(text::NOT_A_RATE, &[&written]).beside("rate"))?;
    domain::ledger::limits::set_rate(&state.pool, &user.actor(), &currency.trim().to_uppercase(), rate)
        .await
        .map_err(|e| {
            let field = match e {
                domain::ledger::limits::LimitError::UnknownCurrency(_) => "currency",
                _ => "rate",
            };
            AppError::from(e).beside(field)
        })?;
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
    .await
    .map_err(|e| {
        use domain::ledger::templates::TemplateError as E;
        // Said beside the field it is about.
        let field = match &e {
            E::UnknownAccount(code) if code.trim() == from.trim() => "from",
            E::UnknownAccount(_) | E::SameAccount => "to",
            E::BadKey => "reason",
            E::BadDescription => "description",
            E::Database(_) => "",
        };
        AppError::from(e).beside(field)
    })?;
    Ok(())
}

#[server(endpoint = "admin/rules/service-level")]
pub async fn set_service_level(reason: String, days: String) -> Result<(), AppError> {
    let user = crate::auth::server::require(domain::access::Permission::Administer).await?;
    let state = crate::state::AppState::from_context()?;
    let days: u32 = days
        .trim()
        .parse()
        .map_err(|_| AppError::refused_text(text::NOT_DAYS, &[&days.trim()]).beside("days"))?;
    domain::exceptions::set_service_level(&state.pool, &user.actor(), &reason, days).await?;
    Ok(())
}

/// The reasons an item can have, by class, as stored: what a template or a service level is for.
const REASONS: [(&str, &[&str]); 2] = [
    (
        "mismatch",
        &[
            "amount_differs",
            "currency_differs",
            "network_only",
            "duplicate_presentment",
            "status_conflict",
            "zelle_only",
            "unreadable_record",
        ],
    ),
    ("resettlement", &["chargeback", "reversal", "fee", "cross_currency"]),
];

/// The reasons as options, grouped by class.
fn reason_options(locale: Locale) -> impl IntoView {
    REASONS
        .into_iter()
        .map(|(class, reasons)| {
            view! {
                <optgroup label=label(Kind::Class, class, locale)>
                    {reasons.iter().map(|reason| view! {
                        <option value=*reason>{label(Kind::Reason, reason, locale)}</option>
                    }).collect_view()}
                </optgroup>
            }
        })
        .collect_view()
}

/// A service level's reason in words; `*` is every reason without its own.
fn level_reason(reason: &str, locale: Locale) -> String {
    match reason {
        "*" => locale.t(text::EVERY_OTHER_REASON).to_owned(),
        reason => label(Kind::Reason, reason, locale),
    }
}

#[component]
pub fn RulesCards() -> impl IntoView {
    let locale = use_locale();
    let rate = ServerAction::<SetReferenceRate>::new();
    let template = ServerAction::<SetPostingTemplate>::new();
    let level = ServerAction::<SetServiceLevel>::new();
    let (rates_set, templates_set, levels_set) =
        (crate::forms::successes(rate), crate::forms::successes(template), crate::forms::successes(level));
    let rules =
        Resource::new(move || (rates_set.get(), templates_set.get(), levels_set.get()), |_| admin_rules());
    view! {
        <Loaded>
            {move || Suspend::new(async move {
                rules.await.map(|r| view! {
                    <section class="card narrow" aria-labelledby="rates-heading" data-test="reference-rates">
                        <h2 id="rates-heading">{locale.t(text::RATES)}</h2>
                        <p class="muted">{locale.t(text::RATES_INTRO)}</p>
                        <TableWrap label=locale.t(text::RATES)>
                        <table class="data">
                            <thead><tr>
                                <th scope="col">{locale.t(common::CURRENCY)}</th>
                                <th scope="col" class="num">{locale.t(text::USD_PER_UNIT)}</th>
                                <th scope="col">{locale.t(text::SET_BY)}</th>
                                <th scope="col">{locale.t(text::SET_ON)}</th>
                            </tr></thead>
                            <tbody>{r.rates.into_iter().map(|(c, v, by, on)| { let code = c.clone(); view! {
                                <tr data-currency=code>
                                    <td translate="no">{c}</td>
                                    <td class="num">{v}</td>
                                    <td translate="no">{by}</td>
                                    <td class="nowrap">{on}</td>
                                </tr>
                            }}).collect_view()}</tbody>
                        </table>
                        </TableWrap>
                        <ActionForm action=rate attr:class="form">
                            <Field id="rate-currency" name="currency" label=text::CURRENCY_CODE refused=refusal_of(rate.value())>
                                <select id="rate-currency" name="currency" required>
                                    <option value="" selected>{locale.t(text::CHOOSE)}</option>
                                    {crate::pages::admin::CURRENCY_CODES.iter().map(|code| view! {
                                        <option value=*code translate="no">{*code}</option>
                                    }).collect_view()}
                                </select></Field>
                            <Field id="rate-value" name="rate" label=text::USD_PER_UNIT refused=refusal_of(rate.value())>
                                <input id="rate-value" name="rate" required inputmode="decimal" aria-describedby="rate-hint"/>
                                <p class="hint" id="rate-hint">{locale.t(text::RATE_HINT)}</p></Field>
                            {outcome(rate.value(), move |_| locale.t(text::RATE_SET).to_owned())}
                            <div class="actions"><button type="submit" class="button primary">{locale.t(text::SET_RATE)}</button></div>
                        </ActionForm>
                    </section>
                    <section class="card" aria-labelledby="templates-heading" data-test="posting-templates">
                        <h2 id="templates-heading">{locale.t(text::TEMPLATES)}</h2>
                        <p class="muted">
                            {locale.t(text::TEMPLATES_INTRO)}" "
                            <code translate="no">"{network}"</code>" "{locale.t(text::NETWORK_STANDS_FOR)}
                        </p>
                        <TableWrap label=locale.t(text::TEMPLATES)>
                        <table class="data">
                            <thead><tr>
                                <th scope="col">{locale.t(text::CLASS)}</th>
                                <th scope="col">{locale.t(common::REASON)}</th>
                                <th scope="col">{locale.t(text::FROM)}</th>
                                <th scope="col">{locale.t(text::TO)}</th>
                                <th scope="col">{locale.t(text::DESCRIPTION)}</th>
                            </tr></thead>
                            <tbody>{r.templates.into_iter().map(|(class, reason, from, to, description)| view! {
                                <tr>
                                    <td>{label(Kind::Class, &class, locale)}</td>
                                    <td>{label(Kind::Reason, &reason, locale)}</td>
                                    <td><code translate="no">{from}</code></td>
                                    <td><code translate="no">{to}</code></td>
                                    // Written by an administrator: shown as written.
                                    <td translate="no">{description}</td>
                                </tr>
                            }).collect_view()}</tbody>
                        </table>
                        </TableWrap>
                        <ActionForm action=template attr:class="form">
                            <Field id="template-class" name="class" label=text::CLASS>
                                <select id="template-class" name="class">
                                    {REASONS.into_iter().map(|(class, _)| view! {
                                        <option value=class>{label(Kind::Class, class, locale)}</option>
                                    }).collect_view()}
                                </select></Field>
                            <Field id="template-reason" name="reason" label=common::REASON refused=refusal_of(template.value())>
                                <select id="template-reason" name="reason">{reason_options(locale)}</select></Field>
                            <Field id="template-from" name="from" label=text::FROM_ACCOUNT refused=refusal_of(template.value())>
                                <input id="template-from" name="from" required maxlength="64" aria-describedby="template-account-hint"/></Field>
                            <Field id="template-to" name="to" label=text::TO_ACCOUNT refused=refusal_of(template.value())>
                                <input id="template-to" name="to" required maxlength="64" aria-describedby="template-account-hint"/>
                                <p class="hint" id="template-account-hint">
                                    {locale.t(text::ACCOUNT_HINT)}" "<code translate="no">"{network}"</code>" "{locale.t(text::NETWORK_STANDS_FOR)}
                                </p></Field>
                            <Field id="template-description" name="description" label=text::DESCRIPTION refused=refusal_of(template.value())>
                                <input id="template-description" name="description" required maxlength="200"/></Field>
                            {outcome(template.value(), move |_| locale.t(text::TEMPLATE_SAVED).to_owned())}
                            <div class="actions"><button type="submit" class="button primary">{locale.t(text::SAVE_TEMPLATE)}</button></div>
                        </ActionForm>
                    </section>
                    <section class="card narrow" aria-labelledby="levels-heading" data-test="service-levels">
                        <h2 id="levels-heading">{locale.t(text::LEVELS)}</h2>
                        <p class="muted">{locale.t(text::LEVELS_INTRO)}</p>
                        <TableWrap label=locale.t(text::LEVELS)>
                        <table class="data">
                            <thead><tr>
                                <th scope="col">{locale.t(common::REASON)}</th>
                                <th scope="col" class="num">{locale.t(text::BUSINESS_DAYS)}</th>
                            </tr></thead>
                            <tbody>{r.service_levels.into_iter().map(|(reason, days)| view! {
                                <tr data-reason=reason.clone()><td>{level_reason(&reason, locale)}</td><td class="num">{days}</td></tr>
                            }).collect_view()}</tbody>
                        </table>
                        </TableWrap>
                        <ActionForm action=level attr:class="form">
                            <Field id="level-reason" name="reason" label=common::REASON>
                                <select id="level-reason" name="reason">
                                    <option value="*">{locale.t(text::EVERY_OTHER_REASON)}</option>
                                    {reason_options(locale)}
                                </select></Field>
                            <Field id="level-days" name="days" label=text::BUSINESS_DAYS refused=refusal_of(level.value())>
                                <input id="level-days" name="days" required inputmode="numeric" size="3" aria-describedby="level-days-hint"/>
                                <p class="hint" id="level-days-hint">{locale.t(text::DAYS_HINT)}</p></Field>
                            {outcome(level.value(), move |_| locale.t(text::LEVEL_SAVED).to_owned())}
                            <div class="actions"><button type="submit" class="button primary">{locale.t(text::SAVE_LEVEL)}</button></div>
                        </ActionForm>
                    </section>
                })
            })}
        </Loaded>
    }
}

// Refusals are written on the server only; the server build checks every text is used.
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
mod text {
    crate::texts! {
        CHOOSE = "Choose…", "请选择…";
        SET_BY = "Set by", "设置人";
        // Reference rates.
        RATES = "Reference rates", "参考汇率";
        RATES_INTRO = "Approval limits are set in USD; an action in another currency is valued at these rates, and an FX transfer's rate must lie near them.", "审批限额以美元设定；其他币种的操作按这些汇率折算，跨币种转账的汇率也须接近这些汇率。";
        USD_PER_UNIT = "USD per unit", "每单位折合美元";
        SET_ON = "On", "设置日期";
        CURRENCY_CODE = "Currency code", "币种代码";
        RATE_HINT = "Digits and a decimal point, for example 1.0850.", "仅限数字和小数点，例如 1.0850。";
        RATE_SET = "Rate set.", "汇率已设置。";
        SET_RATE = "Set rate", "设置汇率";
        NOT_A_RATE = "'{}' is not a rate: write it like 1.0850.", "“{}”不是有效汇率，请按 1.0850 的格式填写。";
        // Posting templates.
        TEMPLATES = "Posting templates", "过账模板";
        TEMPLATES_INTRO = "How the transfer form is filled for an item of each reason.", "针对各原因的项目，转账表单的预填方式。";
        NETWORK_STANDS_FOR = "stands for the item's network.", "代表该项目所属的卡组织。";
        CLASS = "Class", "类别";
        FROM = "From", "转出";
        TO = "To", "转入";
        DESCRIPTION = "Description", "说明";
        FROM_ACCOUNT = "From account", "转出账户";
        TO_ACCOUNT = "To account", "转入账户";
        ACCOUNT_HINT = "Account codes from the chart of accounts;", "填写科目表中的账户代码；";
        TEMPLATE_SAVED = "Template saved.", "模板已保存。";
        SAVE_TEMPLATE = "Save template", "保存模板";
        // Service levels.
        LEVELS = "Service levels", "服务时限";
        LEVELS_INTRO = "Business days an item may stay unresolved before it is overdue and escalated to high priority.", "项目可保持未解决状态的营业日数，超过即为逾期并升级为高优先级。";
        BUSINESS_DAYS = "Business days", "营业日数";
        EVERY_OTHER_REASON = "Every other reason", "其他所有原因";
        DAYS_HINT = "1 to 60.", "1 到 60 天。";
        LEVEL_SAVED = "Service level saved.", "服务时限已保存。";
        SAVE_LEVEL = "Save service level", "保存服务时限";
        NOT_DAYS = "'{}' is not a number of business days: write a whole number from 1 to 60.", "“{}”不是有效的营业日数，请填写 1 到 60 之间的整数。";
    }
}
