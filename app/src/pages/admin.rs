//! Admin: how each source's files are read, the bank's holidays, and the chart of accounts. Every
//! change is recorded in the audit trail.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::i18n::{common, use_locale, Locale};
use crate::kit::{outcome, refusal_of, Field, Loaded, TableWrap};
use crate::labels::{label, Kind};
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
        .ok_or_else(|| AppError::refused_text(text::NOT_A_SOURCE, &[&source]))?;
    let strict = match strict.as_str() {
        "strict" => true,
        "lenient" => false,
        _ => return Err(AppError::refused_text(text::CHOOSE_STRICTNESS, &[])),
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
    /// The date in words, in the viewer's language.
    pub shown: String,
    pub name: String,
    pub updated_by: String,
}

/// Today in the bank's zone: holidays are bank days.
#[cfg(feature = "ssr")]
async fn bank_today(pool: &sqlx::PgPool) -> Result<chrono::NaiveDate, AppError> {
    let schedule = crate::preferences::viewer::operating_schedule(pool).await?;
    Ok(schedule.calendar_date(chrono::Utc::now()))
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
            shown: crate::preferences::viewer::long_date(h.day),
            name: h.name,
            updated_by: h.updated_by,
        })
        .collect())
}

/// A holiday change the calendar refused, said in the person's language.
#[cfg(feature = "ssr")]
fn holiday_error(e: domain::calendar::HolidayError) -> AppError {
    use crate::preferences::viewer::long_date;
    use domain::calendar::HolidayError;
    match e {
        HolidayError::Database(e) => AppError::database(&e),
        HolidayError::Weekend(day, _) => AppError::refused_text(text::WEEKEND, &[&long_date(day)]),
        HolidayError::AlreadyHoliday(day) => {
            AppError::refused_text(text::ALREADY_HOLIDAY, &[&long_date(day)])
        }
        HolidayError::NotHoliday(day) => AppError::refused_text(text::NOT_HOLIDAY, &[&long_date(day)]),
        HolidayError::OutOfRange(day, first, last) => AppError::refused_text(
            text::OUT_OF_RANGE,
            &[&long_date(first), &long_date(last), &long_date(day)],
        ),
        HolidayError::BadName => AppError::refused_text(text::BAD_HOLIDAY_NAME, &[]),
    }
}

#[cfg(feature = "ssr")]
fn holiday_date(day: &str) -> Result<chrono::NaiveDate, AppError> {
    day.trim().parse().map_err(|_| AppError::refused_text(text::NOT_A_DATE, &[&day.trim()]))
}

/// Makes a day a bank holiday: SLA ages and grace periods stop counting it.
#[server(endpoint = "admin/holidays/add")]
pub async fn add_bank_holiday(day: String, name: String) -> Result<(), AppError> {
    let user = crate::auth::server::require(domain::access::Permission::Administer).await?;
    let state = crate::state::AppState::from_context()?;
    let day = holiday_date(&day).map_err(|e| e.beside("day"))?;
    let today = bank_today(&state.pool).await?;
    let event =
        user.audit_event(domain::audit::AuditAction::SettingChanged, crate::auth::server::client_address());
    domain::calendar::add_holiday(&state.pool, event, day, &name, today).await.map_err(|e| {
        // Said beside the field it is about: the name, or else the date.
        let field = if matches!(e, domain::calendar::HolidayError::BadName) { "name" } else { "day" };
        holiday_error(e).beside(field)
    })
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
    let locale = use_locale();
    let add = ServerAction::<AddBankHoliday>::new();
    let remove = ServerAction::<RemoveBankHoliday>::new();
    let (added, removed) = (crate::forms::successes(add), crate::forms::successes(remove));
    let holidays = Resource::new(move || (added.get(), removed.get()), |_| bank_holidays());
    let add_form = NodeRef::new();
    crate::forms::reset_on_success(add, add_form);
    let refused = refusal_of(add.value());
    view! {
        <section class="card narrow" aria-labelledby="holidays-heading" data-test="holidays">
            <h2 id="holidays-heading">{locale.t(text::HOLIDAYS)}</h2>
            <p class="muted">{locale.t(text::HOLIDAYS_INTRO)}</p>
            <ActionForm action=add node_ref=add_form attr:class="form" attr:data-test="add-holiday">
                <Field id="holiday-day" name="day" label=text::HOLIDAY_DATE refused>
                    <input id="holiday-day" name="day" type="date" required aria-describedby="holiday-day-error"/></Field>
                <Field id="holiday-name" name="name" label=text::HOLIDAY_NAME refused>
                    <input id="holiday-name" name="name" required maxlength="100" aria-describedby="holiday-name-error"/></Field>
                {outcome(add.value(), move |_| locale.t(text::HOLIDAY_ADDED).to_owned())}
                <div class="actions"><button type="submit" class="button primary">{locale.t(text::ADD_HOLIDAY)}</button></div>
            </ActionForm>
            {outcome(remove.value(), move |_| locale.t(text::HOLIDAY_REMOVED).to_owned())}
            <Loaded>
                {move || Suspend::new(async move {
                    holidays.await.map(|rows| view! {
                        <TableWrap label=locale.t(text::HOLIDAYS)>
                        <table class="data" data-test="holiday-list">
                            <thead><tr>
                                <th scope="col">{locale.t(common::DATE)}</th>
                                <th scope="col">{locale.t(common::NAME)}</th>
                                <th scope="col">{locale.t(text::SET_BY)}</th>
                                <th scope="col"><span class="visually-hidden">{locale.t(common::REMOVE)}</span></th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|h| {
                                    // The button is named by its word and the holiday's name (data,
                                    // not translated): "Remove Christmas Day".
                                    let button_id = format!("remove-holiday-{}", h.day);
                                    let name_id = format!("holiday-name-{}", h.day);
                                    let labelled_by = format!("{button_id} {name_id}");
                                    let day = h.day.clone();
                                    view! {
                                    <tr data-day=day>
                                        <td class="nowrap">{h.shown}</td>
                                        <td id=name_id translate="no">{h.name}</td>
                                        <td translate="no">{h.updated_by}</td>
                                        <td>
                                            <ActionForm action=remove attr:class="inline-form">
                                                <input type="hidden" name="day" value=h.day/>
                                                <button type="submit" class="button small" id=button_id aria-labelledby=labelled_by>
                                                    {locale.t(common::REMOVE)}
                                                </button>
                                            </ActionForm>
                                        </td>
                                    </tr>
                                }}).collect_view()}
                            </tbody>
                        </table>
                        </TableWrap>
                    })
                })}
            </Loaded>
        </section>
    }
}

/// The currencies SettleDesk settles in, offered where an account or a rate is set up. The form is
/// drawn in the browser too, where the domain is not; a test holds this to `Currency::all()`.
pub(crate) const CURRENCY_CODES: &[&str] =
    &["AUD", "BHD", "CAD", "CHF", "CNY", "EUR", "GBP", "HKD", "INR", "JPY", "KWD", "MXN", "SGD", "USD"];

/// The kinds of ledger account, as stored (the form is drawn in the browser too, where the domain
/// is not; a test holds this to `domain::ledger::AccountKind::ALL`).
const ACCOUNT_KINDS: [&str; 4] = ["asset", "liability", "income", "expense"];

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
    let account =
        domain::ledger::NewAccount::parse(&code, &name, &kind, &currency).map_err(account_refusal)?;
    domain::ledger::open_account(&state.pool, &account, &user.actor()).await.map_err(account_refusal)?;
    Ok(())
}

/// A refusal of the account form, said beside the field it is about.
#[cfg(feature = "ssr")]
fn account_refusal(e: domain::ledger::AccountError) -> AppError {
    use domain::ledger::AccountError as E;
    let field = match &e {
        E::BadCode | E::Exists(_) => "code",
        E::NoName => "name",
        E::UnknownKind(_) => "kind",
        E::NoCurrency | E::UnknownCurrency(_) => "currency",
        E::Database(_) => "",
    };
    AppError::from(e).beside(field)
}

#[component]
fn OpenAccountForm() -> impl IntoView {
    let locale = use_locale();
    let open = ServerAction::<OpenAccount>::new();
    let refused = refusal_of(open.value());
    view! {
        <section class="card narrow" aria-labelledby="account-heading">
            <h2 id="account-heading">{locale.t(text::OPEN_ACCOUNT_HEADING)}</h2>
            <ActionForm action=open attr:class="form">
                <Field id="account-code" name="code" label=text::CODE refused>
                    <input id="account-code" name="code" required maxlength="64" aria-describedby="account-code-hint account-code-error"/>
                    <p class="hint" id="account-code-hint">
                        {locale.t(text::CODE_HINT)}" "<code translate="no">"visa_settlement_gbp"</code>
                    </p>
                </Field>
                <Field id="account-name" name="name" label=common::NAME refused>
                    <input id="account-name" name="name" required aria-describedby="account-name-error"/>
                </Field>
                <Field id="account-kind" name="kind" label=text::KIND refused>
                    <select id="account-kind" name="kind" aria-describedby="account-kind-error">
                        {ACCOUNT_KINDS.into_iter().map(|kind| view! {
                            <option value=kind>{label(Kind::AccountKind, kind, locale)}</option>
                        }).collect_view()}
                    </select>
                </Field>
                <Field id="account-currency" name="currency" label=common::CURRENCY refused>
                    <select id="account-currency" name="currency" required aria-describedby="account-currency-error">
                        <option value="" selected>{locale.t(text::CHOOSE)}</option>
                        {CURRENCY_CODES.iter().map(|code| view! {
                            <option value=*code translate="no">{*code}</option>
                        }).collect_view()}
                    </select>
                </Field>
                {outcome(open.value(), move |_| locale.t(text::ACCOUNT_OPENED).to_owned())}
                <div class="actions"><button type="submit" class="button primary">{locale.t(text::OPEN_ACCOUNT)}</button></div>
            </ActionForm>
        </section>
    }
}

/// A feed source in words: its network's name, or Zelle.
fn source_name(code: &str, locale: Locale) -> String {
    match code {
        "zelle" => locale.t(text::SOURCE_ZELLE).to_owned(),
        network => label(Kind::Network, network, locale),
    }
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let locale = use_locale();
    let save = ServerAction::<SetSourceStrictness>::new();
    let saved = crate::forms::successes(save);
    let settings = Resource::new(move || saved.get(), |_| source_settings());
    view! {
        <PageHeader title=crate::routes::ADMIN lede=text::LEDE/>
        <section class="card narrow" aria-labelledby="sources-heading">
            <h2 id="sources-heading">{locale.t(text::SOURCES)}</h2>
            <p class="muted">{locale.t(text::SOURCES_INTRO)}</p>
            {outcome(save.value(), move |_| locale.t(common::SAVED).to_owned())}
            <Loaded>
                {move || Suspend::new(async move {
                    settings.await.map(|settings| settings.into_iter().map(|s| {
                        let id = format!("strictness-{}", s.source);
                        let label_id = format!("strictness-label-{}", s.source);
                        let button_id = format!("strictness-save-{}", s.source);
                        // Each Save is named with its source: "Save Visa".
                        let labelled_by = format!("{button_id} {label_id}");
                        let name = source_name(&s.source, locale);
                        let source = s.source.clone();
                        view! {
                            <ActionForm action=save attr:class="inline-form" attr:data-source=source>
                                <input type="hidden" name="source" value=s.source/>
                                <label for=id.clone() id=label_id>{name}</label>
                                <select id=id name="strict">
                                    <option value="lenient" selected=!s.strict>{locale.t(text::LENIENT)}</option>
                                    <option value="strict" selected=s.strict>{locale.t(text::STRICT)}</option>
                                </select>
                                <button type="submit" class="button" id=button_id aria-labelledby=labelled_by>
                                    {locale.t(common::SAVE)}
                                </button>
                            </ActionForm>
                        }
                    }).collect_view())
                })}
            </Loaded>
        </section>
        <HolidaysCard/>
        <crate::pages::admin_rules::RulesCards/>
        <OpenAccountForm/>
        <crate::pages::counterparties::CounterpartyCards/>
        <crate::pages::counterparties::StatementAccountsCard/>
    }
}

// Refusals are written on the server only; the server build checks every text is used.
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
mod text {
    crate::texts! {
        LEDE = "Feeds, runs and settings.", "数据文件、运行和设置。";
        // How feed files are read.
        SOURCES = "How feed files are read", "数据文件读取方式";
        SOURCES_INTRO = "Lenient: a record with a bad field becomes an exception item and the rest of the file loads. Strict: one bad record quarantines the whole file. Applies to files ingested from now on.", "宽松：含错误字段的记录转为异常项目，文件其余部分照常加载。严格：只要有一条错误记录，整个文件即被隔离。仅对此后接收的文件生效。";
        SOURCE_ZELLE = "Zelle", "Zelle 付款";
        LENIENT = "Lenient", "宽松";
        STRICT = "Strict", "严格";
        NOT_A_SOURCE = "'{}' is not a feed source: choose one from the list.", "“{}”不是数据文件来源，请从列表中选择。";
        CHOOSE_STRICTNESS = "Choose lenient or strict.", "请选择宽松或严格。";
        // Bank holidays.
        HOLIDAYS = "Bank holidays", "银行假日";
        HOLIDAYS_INTRO = "Not business days: SLA ages and grace periods do not count them. Weekends never count.", "非营业日：SLA 时长和宽限期不计入这些日子。周末从不计入。";
        HOLIDAY_DATE = "Holiday date", "假日日期";
        HOLIDAY_NAME = "Holiday name", "假日名称";
        ADD_HOLIDAY = "Add holiday", "添加假日";
        HOLIDAY_ADDED = "Holiday added.", "已添加假日。";
        HOLIDAY_REMOVED = "Holiday removed.", "已移除假日。";
        SET_BY = "Set by", "设置人";
        NOT_A_DATE = "'{}' is not a date (YYYY-MM-DD).", "“{}”不是有效日期（YYYY-MM-DD）。";
        WEEKEND = "{} is a weekend day: weekends are never business days.", "{}是周末：周末本来就不是营业日。";
        ALREADY_HOLIDAY = "{} is already a holiday.", "{}已是假日。";
        NOT_HOLIDAY = "{} is not a holiday.", "{}不是假日。";
        OUT_OF_RANGE = "Holidays can be set from {} to {}; {} is outside.", "假日只能设置在 {} 至 {} 之间；{}不在此范围内。";
        BAD_HOLIDAY_NAME = "Give the holiday a name of 1 to 100 characters, without control characters.", "请为假日填写 1 到 100 个字符的名称，不含控制字符。";
        // Chart of accounts.
        OPEN_ACCOUNT_HEADING = "Open a ledger account", "开立分类账账户";
        CODE = "Code", "代码";
        CODE_HINT = "1 to 64 letters, digits and _ . : - (kept in lower case), for example", "1 到 64 个字母、数字或 _ . : - 字符（统一存为小写），例如";
        KIND = "Kind", "类型";
        CHOOSE = "Choose…", "请选择…";
        OPEN_ACCOUNT = "Open account", "开立账户";
        ACCOUNT_OPENED = "Account opened.", "账户已开立。";
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn the_forms_offer_exactly_what_the_domain_accepts() {
        let kinds: Vec<&str> = domain::ledger::AccountKind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(ACCOUNT_KINDS.to_vec(), kinds);
        let currencies: Vec<&str> = domain::money::Currency::all().iter().map(|c| c.code()).collect();
        assert_eq!(CURRENCY_CODES.to_vec(), currencies);
    }
}
