//! Admin: how each source's files are read, the bank's holidays, and the chart of accounts. Every
//! change is recorded in the audit trail.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, ErrorNotice};
use crate::layout::PageHeader;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceSetting {
    pub source: String,
    pub strict: bool,
}

#[server(endpoint = "admin/sources")]
pub async fn source_settings() -> Result<Vec<SourceSetting>, AppError> {
    crate::auth::server::require(domain::access::Permission::Administer).await?;
    let state = crate::state::AppState::from_context()?;
    let settings = domain::ingest::strict_sources(&state.pool).await.map_err(|e| AppError::database(&e))?;
    Ok(settings
        .into_iter()
        .map(|(s, strict)| SourceSetting { source: s.code().to_owned(), strict })
        .collect())
}

#[server(endpoint = "admin/sources/strictness")]
pub async fn set_source_strictness(source: String, strict: String) -> Result<(), AppError> {
    let user = crate::auth::server::require(domain::access::Permission::Administer).await?;
    let state = crate::state::AppState::from_context()?;
    let source = domain::ingest::Source::from_code(&source)
        .ok_or_else(|| AppError::Invalid(format!("'{source}' is not a feed source")))?;
    let strict = match strict.as_str() {
        "strict" => true,
        "lenient" => false,
        other => return Err(AppError::Invalid(format!("'{other}' is neither strict nor lenient"))),
    };
    let event =
        user.audit_event(domain::audit::AuditAction::SettingChanged, crate::auth::server::client_address());
    domain::ingest::set_strictness(&state.pool, event, source, strict)
        .await
        .map_err(|e| AppError::database(&e))
}

/// A bank holiday as the admin page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidayRow {
    /// YYYY-MM-DD: the form value that removes it.
    pub day: String,
    /// The date in words.
    pub shown: String,
    pub name: String,
    pub updated_by: String,
}

/// Today in the bank's zone: holidays are bank days.
#[cfg(feature = "ssr")]
async fn bank_today(pool: &sqlx::PgPool) -> Result<chrono::NaiveDate, AppError> {
    let schedule = crate::preferences::viewer::operating_schedule(pool).await?;
    Ok(chrono::Utc::now().with_timezone(&schedule.time_zone).date_naive())
}

/// The holidays of the last month and the coming year.
#[server(endpoint = "admin/holidays")]
pub async fn bank_holidays() -> Result<Vec<HolidayRow>, AppError> {
    crate::auth::server::require(domain::access::Permission::Administer).await?;
    let state = crate::state::AppState::from_context()?;
    let today = bank_today(&state.pool).await?;
    let from = today - chrono::Days::new(31);
    let to = today + chrono::Days::new(400);
    let holidays =
        domain::calendar::list_holidays(&state.pool, from, to).await.map_err(|e| AppError::database(&e))?;
    Ok(holidays
        .into_iter()
        .map(|h| HolidayRow {
            day: h.day.to_string(),
            shown: h.day.format("%a %-d %b %Y").to_string(),
            name: h.name,
            updated_by: h.updated_by,
        })
        .collect())
}

#[cfg(feature = "ssr")]
fn holiday_error(e: domain::calendar::HolidayError) -> AppError {
    match e {
        domain::calendar::HolidayError::Database(e) => AppError::database(&e),
        other => AppError::refused(other.to_string()),
    }
}

#[cfg(feature = "ssr")]
fn holiday_date(day: &str) -> Result<chrono::NaiveDate, AppError> {
    day.trim().parse().map_err(|_| AppError::refused(format!("'{}' is not a date (YYYY-MM-DD)", day.trim())))
}

/// Makes a day a bank holiday: SLA ages and grace periods stop counting it.
#[server(endpoint = "admin/holidays/add")]
pub async fn add_bank_holiday(day: String, name: String) -> Result<(), AppError> {
    let user = crate::auth::server::require(domain::access::Permission::Administer).await?;
    let state = crate::state::AppState::from_context()?;
    let day = holiday_date(&day)?;
    let today = bank_today(&state.pool).await?;
    let event =
        user.audit_event(domain::audit::AuditAction::SettingChanged, crate::auth::server::client_address());
    domain::calendar::add_holiday(&state.pool, event, day, &name, today).await.map_err(holiday_error)
}

/// Makes a holiday a business day again.
#[server(endpoint = "admin/holidays/remove")]
pub async fn remove_bank_holiday(day: String) -> Result<(), AppError> {
    let user = crate::auth::server::require(domain::access::Permission::Administer).await?;
    let state = crate::state::AppState::from_context()?;
    let day = holiday_date(&day)?;
    let today = bank_today(&state.pool).await?;
    let event =
        user.audit_event(domain::audit::AuditAction::SettingChanged, crate::auth::server::client_address());
    domain::calendar::remove_holiday(&state.pool, event, day, today).await.map_err(holiday_error)
}

#[component]
fn HolidaysCard() -> impl IntoView {
    let locale = crate::i18n::use_locale();
    let add = ServerAction::<AddBankHoliday>::new();
    let remove = ServerAction::<RemoveBankHoliday>::new();
    let holidays = Resource::new(move || (add.version().get(), remove.version().get()), |_| bank_holidays());
    let outcome = move |value: Option<Result<(), AppError>>, done: &'static str, id: &'static str| {
        value.map(|outcome| match outcome {
            Ok(()) => view! { <p class="form-ok" role="status">{locale.tr(done)}</p> }.into_any(),
            Err(e) => view! { <p class="form-error" role="alert" id=id>{e.to_string()}</p> }.into_any(),
        })
    };
    view! {
        <section class="card narrow" aria-labelledby="holidays-heading" data-test="holidays">
            <h2 id="holidays-heading">{locale.tr("Bank holidays")}</h2>
            <p class="muted">{locale.tr("Not business days: SLA ages and grace periods do not count them. Weekends never count.")}</p>
            <ActionForm action=add attr:class="form" attr:data-test="add-holiday">
                <div class="field"><label for="holiday-day">{locale.tr("Holiday date")}</label>
                    <input id="holiday-day" name="day" type="date" required aria-describedby="holiday-error"/></div>
                <div class="field"><label for="holiday-name">{locale.tr("Holiday name")}</label>
                    <input id="holiday-name" name="name" required maxlength="100" aria-describedby="holiday-error"/></div>
                {move || outcome(add.value().get(), "Holiday added.", "holiday-error")}
                <div class="actions"><button type="submit" class="button primary">{locale.tr("Add holiday")}</button></div>
            </ActionForm>
            {move || outcome(remove.value().get(), "Holiday removed.", "holiday-remove-error")}
            <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors/> }>
                <Transition fallback=move || view! { <p class="loading">{locale.tr("Loading…")}</p> }>
                    {move || Suspend::new(async move {
                        holidays.await.map(|rows| view! {
                            <table class="data" data-test="holiday-list">
                                <thead><tr>
                                    <th scope="col">{locale.tr("Date")}</th>
                                    <th scope="col">{locale.tr("Name")}</th>
                                    <th scope="col">{locale.tr("Set by")}</th>
                                    <th scope="col"><span class="visually-hidden">{locale.tr("Remove")}</span></th>
                                </tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|h| {
                                        let label = format!("{} {}", locale.tr("Remove"), h.name);
                                        let day = h.day.clone();
                                        view! {
                                        <tr data-day=day>
                                            <td class="nowrap">{h.shown}</td>
                                            <td>{h.name.clone()}</td>
                                            <td>{h.updated_by}</td>
                                            <td>
                                                <ActionForm action=remove attr:class="inline-form">
                                                    <input type="hidden" name="day" value=h.day/>
                                                    <button type="submit" class="button small" aria-label=label>
                                                        {locale.tr("Remove")}
                                                    </button>
                                                </ActionForm>
                                            </td>
                                        </tr>
                                    }}).collect_view()}
                                </tbody>
                            </table>
                        })
                    })}
                </Transition>
            </ErrorBoundary>
        </section>
    }
}

/// Extends the chart of accounts.
#[server(endpoint = "admin/accounts")]
pub async fn open_account(
    code: String,
    name: String,
    kind: String,
    currency: String,
) -> Result<(), AppError> {
    let user = crate::auth::server::require(domain::access::Permission::Administer).await?;
    let state = crate::state::AppState::from_context()?;
    let code = code.trim().to_lowercase();
    if code.is_empty()
        || code.len() > 64
        || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(&b))
    {
        return Err(AppError::Invalid("an account code has 1 to 64 letters, digits and _ . : -".into()));
    }
    if name.trim().is_empty() {
        return Err(AppError::Invalid("give the account a name".into()));
    }
    if !["asset", "liability", "income", "expense"].contains(&kind.as_str()) {
        return Err(AppError::Invalid(format!("'{kind}' is not an account kind")));
    }
    let currency = domain::money::Currency::from_code(&currency.trim().to_uppercase())
        .ok_or_else(|| AppError::Invalid(format!("'{currency}' is not a currency SettleDesk settles in")))?;
    if domain::ledger::account_by_code(&state.pool, &code)
        .await
        .map_err(|e| AppError::database(&e))?
        .is_some()
    {
        return Err(AppError::Invalid(format!("an account '{code}' already exists")));
    }
    domain::ledger::open_account(&state.pool, &code, name.trim(), &kind, currency, &user.actor())
        .await
        .map_err(|e| AppError::database(&e))?;
    Ok(())
}

#[component]
fn OpenAccountForm() -> impl IntoView {
    let open = ServerAction::<OpenAccount>::new();
    view! {
        <section class="card narrow" aria-labelledby="account-heading">
            <h2 id="account-heading">"Open a ledger account"</h2>
            <ActionForm action=open attr:class="form">
                <div class="field"><label for="account-code">"Code"</label>
                    <input id="account-code" name="code" required maxlength="64" placeholder="visa_settlement_gbp"/></div>
                <div class="field"><label for="account-name">"Name"</label>
                    <input id="account-name" name="name" required/></div>
                <div class="field"><label for="account-kind">"Kind"</label>
                    <select id="account-kind" name="kind">
                        <option value="asset">"Asset"</option><option value="liability">"Liability"</option>
                        <option value="income">"Income"</option><option value="expense">"Expense"</option>
                    </select></div>
                <div class="field"><label for="account-currency">"Currency"</label>
                    <input id="account-currency" name="currency" required size="4" placeholder="USD"/></div>
                {move || open.value().get().map(|outcome| match outcome {
                    Ok(()) => view! { <p class="form-ok" role="status">"Account opened."</p> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                })}
                <div class="actions"><button type="submit" class="button primary">"Open account"</button></div>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let save = ServerAction::<SetSourceStrictness>::new();
    let settings = Resource::new(move || save.version().get(), |_| source_settings());
    view! {
        <PageHeader title=crate::routes::ADMIN lede=text::LEDE/>
        <section class="card narrow" aria-labelledby="sources-heading">
            <h2 id="sources-heading">"How feed files are read"</h2>
            <p class="muted">
                "Lenient: a record with a bad field becomes an exception item and the rest of the file loads. "
                "Strict: one bad record quarantines the whole file. Applies to files ingested from now on."
            </p>
            {move || save.value().get().map(|outcome| match outcome {
                Ok(()) => view! { <p class="form-ok" role="status">"Saved."</p> }.into_any(),
                Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
            <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors/> }>
                <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        settings.await.map(|settings| settings.into_iter().map(|s| {
                            let id = format!("strictness-{}", s.source);
                            let (source, label) = (s.source.clone(), s.source.clone());
                            view! {
                                <ActionForm action=save attr:class="inline-form" attr:data-source=s.source>
                                    <input type="hidden" name="source" value=source/>
                                    <label for=id.clone()>{label}</label>
                                    <select id=id name="strict">
                                        <option value="lenient" selected=!s.strict>"Lenient"</option>
                                        <option value="strict" selected=s.strict>"Strict"</option>
                                    </select>
                                    <button type="submit" class="button small">"Save"</button>
                                </ActionForm>
                            }
                        }).collect_view())
                    })}
                </Transition>
            </ErrorBoundary>
        </section>
        <HolidaysCard/>
        <crate::pages::admin_rules::RulesCards/>
        <OpenAccountForm/>
    }
}

mod text {
    crate::texts! {
        LEDE = "Feeds, runs and settings.", "数据文件、运行和设置。";
    }
}
