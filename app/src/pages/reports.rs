//! Reports: each business date's runs with their files (downloads are streamed by the server's
//! `/download` route), the items of a run page by page, and one item beside its network record and
//! Zelle payment.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::i18n::{common, use_locale, Locale};
use crate::kit::{Field, Loaded, Pager, TableWrap};
use crate::labels::{label, Kind};
use crate::layout::PageHeader;

/// The currencies SettleDesk settles in, for the currency choices of a form: `domain::money`'s
/// list, which the browser cannot read (a test keeps the two the same).
pub const CURRENCIES: &[&str] =
    &["AUD", "BHD", "CAD", "CHF", "CNY", "EUR", "GBP", "HKD", "INR", "JPY", "KWD", "MXN", "SGD", "USD"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileView {
    pub name: String,
    pub rows: u64,
    pub totals: Vec<String>,
    pub sha256: String,
    pub href: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionView {
    pub version: i32,
    pub finished: String,
    pub records: i64,
    pub superseded: bool,
    pub files: Vec<FileView>,
    pub manifest_href: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRuns {
    /// `YYYY-MM-DD`, as links carry it.
    pub date: String,
    /// With its weekday, in the viewer's language.
    pub long_date: String,
    pub versions: Vec<VersionView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunsPage {
    pub dates: Vec<DateRuns>,
    pub next_before: Option<String>,
    /// Whether this page starts further back than the latest date.
    pub earlier: bool,
}

#[server(endpoint = "reports/runs")]
pub async fn list_runs(before: Option<String>) -> Result<RunsPage, AppError> {
    use crate::preferences::viewer;
    const DATES: i64 = 14;
    crate::auth::server::require(domain::access::Permission::ViewReports).await?;
    let state = crate::state::AppState::from_context()?;
    let (zone, _) = viewer::time_zone(&state.pool).await?;
    let before = before.as_deref().map(parse_date).transpose()?;
    let runs = domain::items::runs(&state.pool, before, DATES).await?;
    let mut dates: Vec<DateRuns> = Vec::new();
    for run in runs {
        let date = run.business_date.to_string();
        let manifest: domain::recon::report::Manifest = serde_json::from_value(run.manifest.clone())
            .map_err(|e| AppError::internal(format!("run {} has an unreadable manifest: {e}", run.run_id)))?;
        let download = |name: &str| format!("/download/reports/{date}/v{}/{name}", run.version);
        let version = VersionView {
            version: run.version,
            finished: viewer::format_instant(run.finished_at, zone),
            records: run.records,
            superseded: run.superseded,
            files: manifest
                .files
                .iter()
                .map(|f| FileView {
                    name: f.name.clone(),
                    rows: f.rows,
                    totals: f
                        .totals
                        .iter()
                        .map(|(currency, total)| domain::money::grouped_decimal(*total, currency))
                        .collect(),
                    sha256: f.sha256.clone(),
                    href: download(&f.name),
                })
                .collect(),
            manifest_href: download("manifest.json"),
        };
        match dates.last_mut() {
            Some(last) if last.date == date => last.versions.push(version),
            _ => dates.push(DateRuns {
                long_date: viewer::long_date(run.business_date),
                date,
                versions: vec![version],
            }),
        }
    }
    let next_before = (dates.len() as i64 == DATES).then(|| dates.last().map(|d| d.date.clone())).flatten();
    Ok(RunsPage { dates, next_before, earlier: before.is_some() })
}

#[cfg(feature = "ssr")]
fn parse_date(text: &str) -> Result<chrono::NaiveDate, AppError> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::refused_text(text::NOT_A_DATE, &[&text]))
}

/// A refusal for an amount that does not fit its currency, in the person's language.
#[cfg(feature = "ssr")]
pub(crate) fn money_refusal(error: domain::money::MoneyError, typed: &str) -> AppError {
    use domain::money::MoneyError;
    match error {
        MoneyError::TooPrecise { currency, places, .. } => {
            AppError::refused_text(text::TOO_PRECISE, &[&typed, &currency, &places])
        }
        MoneyError::OutOfRange { currency, .. } => {
            AppError::refused_text(text::TOO_LARGE, &[&typed, &currency])
        }
        MoneyError::CurrencyMismatch { .. } | MoneyError::NotPlain(_) => {
            AppError::refused_text(text::NOT_AN_AMOUNT, &[&typed])
        }
    }
}

#[component]
pub fn ReportsPage() -> impl IntoView {
    let params = use_query_map();
    let before = move || params.with(|p| p.get("before").filter(|b| !b.is_empty()));
    let runs = Resource::new(before, list_runs);
    view! {
        <PageHeader title=crate::routes::REPORTS lede=text::REPORTS_LEDE/>
        <Loaded>
            {move || Suspend::new(async move { runs.await.map(|page| view! { <RunsList page/> }) })}
        </Loaded>
    }
}

#[component]
fn RunsList(page: RunsPage) -> impl IntoView {
    let locale = use_locale();
    if page.dates.is_empty() {
        return view! { <p class="muted" data-test="no-runs">{locale.t(text::NO_RUNS)}</p> }.into_any();
    }
    let next = page.next_before.map(|b| format!("/reports?before={b}"));
    view! {
        {page.dates.into_iter().map(|day| {
            let date = day.date.clone();
            view! {
                <section class="card" aria-labelledby=format!("date-{date}") data-test="business-date" data-date=date.clone()>
                    <h2 id=format!("date-{date}")><time datetime=date.clone()>{day.long_date}</time></h2>
                    {day.versions.into_iter().map(|v| view! { <RunVersion date=date.clone() v/> }).collect_view()}
                </section>
            }
        }).collect_view()}
        <p class="list-links">
            {page.earlier.then(|| view! { <a href="/reports">{locale.t(text::LATEST_DATES)}</a> })}
            {next.map(|href| view! { <a href=href rel="next">{locale.t(text::EARLIER_DATES)}</a> })}
        </p>
    }
    .into_any()
}

/// One version of a date's run: its files with their rows, totals and hashes.
#[component]
fn RunVersion(date: String, v: VersionView) -> impl IntoView {
    let locale = use_locale();
    let items = format!("/reports/{date}/items?version={}", v.version);
    view! {
        <div class="run-version" data-test=format!("version-{}", v.version)>
            <h3>
                {locale.f(text::VERSION, &[&v.version])}
                {v.superseded.then(|| view! { <span class="badge muted">{locale.t(text::SUPERSEDED)}</span> })}
            </h3>
            <p class="muted">
                {locale.f(text::RECORDS_FINISHED, &[&v.records, &v.finished])}
                " " <a href=items>{locale.t(text::BROWSE_ITEMS)}</a>
            </p>
            <TableWrap label=locale.f(text::VERSION_FILES, &[&date, &v.version])>
                <table class="data">
                    <thead><tr>
                        <th scope="col">{locale.t(common::FILE)}</th>
                        <th scope="col" class="num">{locale.t(text::ROWS)}</th>
                        <th scope="col">{locale.t(text::TOTALS)}</th>
                        // The name of a standard, not a word: the same in every language.
                        <th scope="col" class="hide-narrow" translate="no">"SHA-256"</th>
                    </tr></thead>
                    <tbody>
                        {v.files.into_iter().map(|f| view! {
                            <tr>
                                <td translate="no"><a href=f.href download=f.name.clone() rel="external" data-test="download">{f.name.clone()}</a></td>
                                <td class="num" data-test="rows">{f.rows}</td>
                                <td translate="no">{f.totals.join(", ")}</td>
                                <td class="hide-narrow" translate="no"><code class="hash">{f.sha256}</code></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </TableWrap>
            <p>
                <a href=v.manifest_href download="manifest.json" rel="external">
                    {locale.t(text::MANIFEST)} " " <span translate="no">"(JSON)"</span>
                </a>
            </p>
        </div>
    }
}

/// The item filter, as it travels in the page's URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemQuery {
    pub date: String,
    pub version: Option<i32>,
    pub class: Option<String>,
    pub reason: Option<String>,
    pub network: Option<String>,
    pub currency: Option<String>,
    /// Decimal amounts in `currency`.
    pub min: Option<String>,
    pub max: Option<String>,
    pub reference: Option<String>,
    pub last4: Option<String>,
    pub payment_id: Option<String>,
    /// `amount` or `-amount`; report order otherwise.
    pub sort: Option<String>,
    /// The page starts after this row: `amount:seq`.
    pub after: Option<String>,
    /// The page ends before this row: `amount:seq`.
    pub before: Option<String>,
    /// Where the page starts in the list (1 for the first row), when the link knows it.
    pub from: Option<u64>,
}

/// Where a link to a page of items points: the first page, or after or before a row (with where
/// that page starts in the list, when known).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageLink<'a> {
    First,
    After(&'a str, Option<u64>),
    Before(&'a str, Option<u64>),
}

impl ItemQuery {
    /// The link to this filter's page `page`.
    pub fn link(&self, page: PageLink<'_>) -> String {
        let mut pairs = Vec::new();
        let mut add = |key: &str, value: Option<&str>| {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                pairs.push(format!("{key}={}", crate::url::encode_component(v)));
            }
        };
        add("version", self.version.map(|v| v.to_string()).as_deref());
        add("class", self.class.as_deref());
        add("reason", self.reason.as_deref());
        add("network", self.network.as_deref());
        add("currency", self.currency.as_deref());
        add("min", self.min.as_deref());
        add("max", self.max.as_deref());
        add("reference", self.reference.as_deref());
        add("last4", self.last4.as_deref());
        add("payment_id", self.payment_id.as_deref());
        add("sort", self.sort.as_deref());
        let (key, cursor, from) = match page {
            PageLink::First => ("after", None, None),
            PageLink::After(cursor, from) => ("after", Some(cursor), from),
            PageLink::Before(cursor, from) => ("before", Some(cursor), from),
        };
        add(key, cursor);
        add("from", from.map(|f| f.to_string()).as_deref());
        if pairs.is_empty() {
            format!("/reports/{}/items", self.date)
        } else {
            format!("/reports/{}/items?{}", self.date, pairs.join("&"))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemView {
    pub seq: i64,
    /// Codes: the view says them in words.
    pub class: String,
    pub reason: String,
    pub network: String,
    pub reference: String,
    pub last4: String,
    pub date: String,
    pub amount: String,
    pub payment_id: String,
    pub href: String,
}

/// How many items of the run fall in one class and reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountView {
    pub class: String,
    pub reason: Option<String>,
    pub items: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemsPage {
    pub version: i32,
    pub long_date: String,
    pub rows: Vec<ItemView>,
    /// The last row's position, for the next page; none on the last page.
    pub next_after: Option<String>,
    /// The first row's position, for the page before; none on the first page.
    pub previous_before: Option<String>,
    /// Where this page starts in the list (1 for the first row), when known.
    pub first: Option<u64>,
    /// How many items the filter selects, when the run's counts tell.
    pub total: Option<u64>,
    pub counts: Vec<CountView>,
    /// When retention retired the run's items, as the viewer reads a date.
    pub retired_on: Option<String>,
}

/// The run, filter and order an item query asks for.
#[cfg(feature = "ssr")]
pub async fn item_selection(
    pool: &sqlx::PgPool,
    query: &ItemQuery,
) -> Result<
    (chrono::NaiveDate, domain::items::CompletedRun, domain::items::ItemFilter, domain::items::ItemOrder),
    AppError,
> {
    use domain::items::{ItemFilter, ItemOrder};
    let date = parse_date(&query.date)?;
    let run = domain::items::run_of(pool, date, query.version)
        .await?
        .ok_or_else(|| AppError::refused_text(text::NO_RUN, &[&date]))?;
    let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
    let currency = match text(&query.currency) {
        Some(code) => Some(
            domain::money::Currency::from_code(&code.to_uppercase())
                .ok_or_else(|| AppError::refused_text(text::NOT_A_CURRENCY, &[&code]))?,
        ),
        None => None,
    };
    let amount = |value: &Option<String>| -> Result<Option<i64>, AppError> {
        let Some(typed) = text(value) else { return Ok(None) };
        let currency = currency.ok_or_else(|| AppError::refused_text(text::CHOOSE_CURRENCY, &[]))?;
        let decimal: rust_decimal::Decimal =
            typed.parse().map_err(|_| AppError::refused_text(text::NOT_AN_AMOUNT, &[&typed]))?;
        domain::money::Money::from_decimal(decimal, currency)
            .map(|m| Some(m.minor()))
            .map_err(|e| money_refusal(e, &typed))
    };
    let last4 = text(&query.last4);
    if let Some(l) = &last4 {
        if l.len() != 4 || !l.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AppError::refused_text(text::NOT_LAST4, &[l]));
        }
    }
    let filter = ItemFilter {
        class: text(&query.class),
        reason: text(&query.reason),
        network: text(&query.network),
        currency,
        min_minor: amount(&query.min)?,
        max_minor: amount(&query.max)?,
        reference: text(&query.reference),
        last4,
        payment_id: text(&query.payment_id),
    };
    let order = match query.sort.as_deref() {
        Some("amount") => ItemOrder::AmountAscending,
        Some("-amount") => ItemOrder::AmountDescending,
        // An amount range is answered from the amount index, in amount order: in report order it
        // would sort every item in the range for each page.
        _ if filter.min_minor.is_some() || filter.max_minor.is_some() => ItemOrder::AmountAscending,
        _ => ItemOrder::Seq,
    };
    Ok((date, run, filter, order))
}

/// A row's position as a link carries it (`amount:seq`).
#[cfg(feature = "ssr")]
fn parse_cursor(text: &str) -> Result<domain::items::Cursor, AppError> {
    text.split_once(':')
        .and_then(|(a, s)| {
            Some(domain::items::Cursor { amount_minor: a.parse().ok()?, seq: s.parse().ok()? })
        })
        .ok_or_else(|| AppError::refused_text(text::DAMAGED_POSITION, &[]))
}

#[server(endpoint = "reports/items")]
pub async fn browse_items(query: ItemQuery) -> Result<ItemsPage, AppError> {
    use domain::items::Page;
    const PAGE_SIZE: usize = 50;
    crate::auth::server::require(domain::access::Permission::ViewReports).await?;
    let state = crate::state::AppState::from_context()?;
    let (date, run, filter, order) = item_selection(&state.pool, &query).await?;
    let (run_id, version) = (run.id, run.version);
    let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(parse_cursor);
    let page = match (given(&query.before), given(&query.after)) {
        (Some(before), _) => Page::Before(before?),
        (None, Some(after)) => Page::After(after?),
        (None, None) => Page::First,
    };
    let read =
        |page| domain::items::browse_page(&state.pool, run_id, &filter, order, page, PAGE_SIZE as i64 + 1);
    let mut rows = read(page).await?;
    // Where this page starts: the first page at 1; any other where its link says.
    let mut first = query.from.map(|f| f.max(1));
    let (more_before, more_after) = match page {
        Page::Before(_) if rows.len() > PAGE_SIZE => {
            rows.remove(0);
            (true, true)
        }
        Page::Before(_) if rows.len() == PAGE_SIZE => {
            first = Some(1);
            (false, true)
        }
        Page::Before(_) => {
            // Back at the start with less than a page before: the first page, full.
            rows = read(Page::First).await?;
            first = Some(1);
            let more = rows.len() > PAGE_SIZE;
            rows.truncate(PAGE_SIZE);
            (false, more)
        }
        Page::After(_) => {
            let more = rows.len() > PAGE_SIZE;
            rows.truncate(PAGE_SIZE);
            (true, more)
        }
        Page::First => {
            first = Some(1);
            let more = rows.len() > PAGE_SIZE;
            rows.truncate(PAGE_SIZE);
            (false, more)
        }
    };
    let cursor = |r: &domain::items::ItemRow| format!("{}:{}", r.amount_minor, r.seq);
    let next_after = more_after.then(|| rows.last().map(cursor)).flatten();
    let previous_before = more_before.then(|| rows.first().map(cursor)).flatten();
    let counts = run
        .reason_counts()
        .into_iter()
        .map(|c| CountView { class: c.class, reason: c.reason, items: c.items })
        .collect();
    let rows = rows
        .into_iter()
        .map(|r| ItemView {
            href: format!("/reports/{date}/items/{}?version={version}", r.seq),
            amount: domain::money::grouped_minor(r.amount_minor, &r.currency),
            seq: r.seq,
            class: r.class,
            reason: r.reason.unwrap_or_default(),
            network: r.network,
            reference: r.reference.unwrap_or_default(),
            last4: r.card_last4,
            date: r.transaction_date.to_string(),
            payment_id: r.payment_id.unwrap_or_default(),
        })
        .collect();
    Ok(ItemsPage {
        version,
        long_date: crate::preferences::viewer::long_date(date),
        rows,
        next_after,
        previous_before,
        first,
        total: run.items_selected(&filter),
        retired_on: match run.items_retired_at {
            Some(at) => {
                let (zone, _) = crate::preferences::viewer::time_zone(&state.pool).await?;
                Some(crate::preferences::viewer::format_instant(at, zone))
            }
            None => None,
        },
        counts,
    })
}

fn item_query(date: String, p: &leptos_router::params::ParamsMap) -> ItemQuery {
    let get = |k: &str| p.get(k).filter(|v| !v.is_empty());
    ItemQuery {
        date,
        version: get("version").and_then(|v| v.parse().ok()),
        class: get("class"),
        reason: get("reason"),
        network: get("network"),
        currency: get("currency"),
        min: get("min"),
        max: get("max"),
        reference: get("reference"),
        last4: get("last4"),
        payment_id: get("payment_id"),
        sort: get("sort"),
        after: get("after"),
        before: get("before"),
        from: get("from").and_then(|v| v.parse().ok()),
    }
}

#[component]
pub fn ItemsPage() -> impl IntoView {
    let path = use_params_map();
    let params = use_query_map();
    let query = move || {
        let date = path.with(|p| p.get("date").unwrap_or_default());
        params.with(|p| item_query(date, p))
    };
    let page = Resource::new(query, browse_items);
    view! {
        <PageHeader title=crate::routes::ITEMS lede=text::ITEMS_LEDE/>
        <ItemFilterForm query=query()/>
        <Loaded>
            {move || Suspend::new(async move {
                let current = query();
                match page.await {
                    // A filter that cannot be read is said beside the form, which keeps what was typed.
                    Err(AppError::Invalid(message)) => Ok(view! { <FilterRefused message/> }.into_any()),
                    other => other.map(|page| view! { <ItemTable page current/> }.into_any()),
                }
            })}
        </Loaded>
    }
}

/// Why the filter could not be used (the page answered 422).
#[component]
pub fn FilterRefused(message: String) -> impl IntoView {
    view! { <p class="form-error" role="alert" data-test="form-error">{message}</p> }
}

/// The options of a `<select>` of codes: "Any" first, then each code in words.
fn code_options(kind: Kind, codes: &[&'static str], current: Option<&str>, locale: Locale) -> impl IntoView {
    let current = current.unwrap_or("").to_owned();
    let any = view! { <option value="" selected=current.is_empty()>{locale.t(common::ANY)}</option> };
    let options = codes
        .iter()
        .map(|code| view! { <option value=*code selected=current == *code>{label(kind, code, locale)}</option> })
        .collect_view();
    (any, options)
}

/// The currency choices: each currency's code, which is the same in every language.
pub fn currency_options(current: Option<&str>, any: Option<&'static str>) -> impl IntoView {
    let current = current.map(str::to_uppercase).unwrap_or_default();
    let any = any.map(|words| view! { <option value="" selected=current.is_empty()>{words}</option> });
    let options = CURRENCIES
        .iter()
        .map(|code| view! { <option value=*code translate="no" selected=current == *code>{*code}</option> })
        .collect_view();
    (any, options)
}

#[component]
fn ItemFilterForm(query: ItemQuery) -> impl IntoView {
    let locale = use_locale();
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let select = |name: &'static str, words: &'static str, options: AnyView| {
        let id = format!("items-{name}");
        view! {
            <div class="field"><label for=id.clone()>{words}</label>
                <select id=id name=name>{options}</select>
            </div>
        }
    };
    const CLASSES: &[&str] = &["match", "mismatch", "resettlement"];
    const REASONS: &[&str] = &[
        "amount_differs",
        "currency_differs",
        "network_only",
        "zelle_only",
        "unreadable_record",
        "duplicate_presentment",
        "status_conflict",
        "chargeback",
        "reversal",
        "fee",
        "cross_currency",
    ];
    const NETWORKS: &[&str] = &["visa", "mastercard"];
    let orders =
        [("", text::ORDER_REPORT), ("amount", text::ORDER_SMALLEST), ("-amount", text::ORDER_LARGEST)];
    let sort = query.sort.clone().unwrap_or_default();
    let order_options = orders
        .into_iter()
        .map(|(v, words)| view! { <option value=v selected=sort == v>{locale.t(words)}</option> })
        .collect_view();
    view! {
        <form method="get" action=format!("/reports/{}/items", query.date) class="filters" role="search" aria-label=locale.t(text::FILTER_ITEMS)>
            {query.version.map(|v| view! { <input type="hidden" name="version" value=v/> })}
            {select("class", locale.t(text::CLASS), code_options(Kind::Class, CLASSES, query.class.as_deref(), locale).into_any())}
            {select("reason", locale.t(common::REASON), code_options(Kind::Reason, REASONS, query.reason.as_deref(), locale).into_any())}
            {select("network", locale.t(common::NETWORK), code_options(Kind::Network, NETWORKS, query.network.as_deref(), locale).into_any())}
            {select("currency", locale.t(common::CURRENCY), currency_options(query.currency.as_deref(), Some(locale.t(common::ANY))).into_any())}
            <Field id="items-min" name="min" label=text::AMOUNT_FROM>
                <input id="items-min" name="min" value=value(&query.min) inputmode="decimal" size="8"/></Field>
            <Field id="items-max" name="max" label=text::AMOUNT_TO>
                <input id="items-max" name="max" value=value(&query.max) inputmode="decimal" size="8"/></Field>
            <Field id="items-reference" name="reference" label=text::NETWORK_REFERENCE>
                <input id="items-reference" name="reference" value=value(&query.reference) size="24" inputmode="numeric"/></Field>
            <Field id="items-last4" name="last4" label=text::CARD_LAST4>
                <input id="items-last4" name="last4" value=value(&query.last4) size="4" inputmode="numeric"/></Field>
            <Field id="items-payment" name="payment_id" label=text::PAYMENT_ID>
                <input id="items-payment" name="payment_id" value=value(&query.payment_id)/></Field>
            {select("sort", locale.t(text::ORDER), order_options.into_any())}
            <div class="actions"><button type="submit" class="button primary">{locale.t(text::FILTER)}</button></div>
        </form>
    }
}

/// A run's count of one class and reason, in words.
fn count_label(count: &CountView, locale: Locale) -> String {
    let class = label(Kind::Class, &count.class, locale);
    match &count.reason {
        Some(reason) => locale.f(text::CLASS_REASON, &[&class, &label(Kind::Reason, reason, locale)]),
        None => class,
    }
}

#[component]
fn ItemTable(page: ItemsPage, current: ItemQuery) -> impl IntoView {
    const PAGE_SIZE: u64 = 50;
    let locale = use_locale();
    let shown = page.rows.len() as u64;
    let next = page
        .next_after
        .as_deref()
        .map(|after| current.link(PageLink::After(after, page.first.map(|f| f + shown))));
    let previous = page.previous_before.as_deref().map(|before| match page.first {
        // The page before is the first: its plain link.
        Some(first) if first <= PAGE_SIZE + 1 => current.link(PageLink::First),
        first => current.link(PageLink::Before(before, first.map(|f| f - PAGE_SIZE))),
    });
    let position = match (page.first, page.total) {
        (Some(first), Some(total)) if shown > 0 => Some((first, first + shown - 1, total)),
        _ => None,
    };
    let download = format!("/download/reports/{}/v{}/", current.date, page.version);
    let filter = current.link(PageLink::First);
    let filter = filter.split_once('?').map(|(_, q)| format!("&{q}")).unwrap_or_default();
    let export = format!("/export/items.csv?date={}{filter}", current.date);
    let pager = match position {
        Some(position) => view! { <Pager previous next position/> }.into_any(),
        None => view! { <Pager previous next/> }.into_any(),
    };
    view! {
        <section class="card" aria-labelledby="counts-heading">
            <h2 id="counts-heading">{locale.f(text::VERSION_OF, &[&page.version, &page.long_date])}</h2>
            <ul class="counts" data-test="class-counts">
                {page.counts.iter().map(|c| {
                    let key = match &c.reason {
                        Some(reason) => format!("{}/{reason}", c.class),
                        None => c.class.clone(),
                    };
                    view! { <li><span>{count_label(c, locale)}</span> " " <strong data-count=key>{c.items}</strong></li> }
                }).collect_view()}
            </ul>
            {page.retired_on.as_ref().map(|on| view! {
                <p class="notice" role="status" data-test="items-retired">{locale.f(text::ITEMS_RETIRED, &[on])}</p>
            })}
            <p class="muted">{locale.t(text::FILES_OF_VERSION)} " "
                {["matches", "mismatches", "resettlements"].into_iter().map(|kind| {
                    let name = format!("{kind}-{}-v{}.csv", current.date, page.version);
                    let href = format!("{download}{name}");
                    // `download` and `rel="external"` keep the router from treating it as a page.
                    let file = name.clone();
                    view! { <a href=href download=file rel="external" translate="no" data-test=format!("download-{kind}")>{name}</a> " " }
                }).collect_view()}
            </p>
        </section>
        {if page.rows.is_empty() {
            view! { <p class="muted" data-test="items-empty">{locale.t(text::NO_ITEMS)}</p> }.into_any()
        } else {
            view! {
                <TableWrap label=locale.t(crate::routes::ITEMS)>
                    <table class="data" data-test="items">
                        <thead><tr>
                            <th scope="col" class="num">"#"</th>
                            <th scope="col">{locale.t(text::CLASS)}</th>
                            <th scope="col">{locale.t(common::REASON)}</th>
                            <th scope="col" class="hide-narrow">{locale.t(common::NETWORK)}</th>
                            <th scope="col" class="hide-narrow">{locale.t(text::REFERENCE)}</th>
                            <th scope="col" class="hide-narrow">{locale.t(text::CARD)}</th>
                            <th scope="col" class="hide-narrow">{locale.t(common::DATE)}</th>
                            <th scope="col" class="num">{locale.t(common::AMOUNT)}</th>
                            <th scope="col" class="hide-narrow">{locale.t(text::PAYMENT)}</th>
                        </tr></thead>
                        <tbody>
                            {page.rows.into_iter().map(|r| view! {
                                <tr data-test="item-row">
                                    <td class="num"><a href=r.href>{r.seq}</a></td>
                                    <td data-code=r.class.clone()>{label(Kind::Class, &r.class, locale)}</td>
                                    <td data-code=r.reason.clone()>{label(Kind::Reason, &r.reason, locale)}</td>
                                    <td class="hide-narrow">{label(Kind::Network, &r.network, locale)}</td>
                                    <td class="hide-narrow" translate="no"><code>{r.reference}</code></td>
                                    <td class="hide-narrow nowrap" translate="no">{crate::kit::masked_card(&r.last4)}</td>
                                    <td class="hide-narrow nowrap">{r.date}</td>
                                    <td class="num nowrap" translate="no">{r.amount}</td>
                                    <td class="hide-narrow" translate="no"><code>{r.payment_id}</code></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </TableWrap>
            }.into_any()
        }}
        {pager}
        <p class="list-links">
            <a href=export download rel="external" data-test="export">{locale.t(text::EXPORT)}</a>
        </p>
    }
}

/// One field of the comparison: what it is says how its values are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Field {
    Network,
    Reference,
    Card,
    Amount,
    ApprovalCode,
    Date,
    Settled,
    KindStatus,
    PaymentId,
    ReasonCode,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compared {
    pub field: Field,
    /// Data as shown, or a code (network, record kind, payment status) the view says in words.
    pub record: String,
    pub payment: String,
    pub differs: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetailView {
    pub seq: i64,
    /// The run's business date, with its weekday, in the viewer's language.
    pub long_date: String,
    pub version: i32,
    /// Codes: the view says them in words.
    pub class: String,
    pub reason: String,
    /// The network file and the record's number in it.
    pub file: Option<(String, i64)>,
    pub fields: Vec<Compared>,
    pub work_item_href: Option<String>,
    /// For a record that could not be read, what is known of it instead of the comparison.
    pub unreadable: Option<UnreadableView>,
}

/// A network record that could not be read: the bad field, what is wrong with it, and the record
/// as it came (its card number masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnreadableView {
    pub field: String,
    pub problem: String,
    pub raw: String,
}

#[server(endpoint = "reports/item")]
pub async fn item_detail(date: String, version: Option<i32>, seq: i64) -> Result<DetailView, AppError> {
    let user = crate::auth::server::require(domain::access::Permission::ViewReports).await?;
    let state = crate::state::AppState::from_context()?;
    let date = parse_date(&date)?;
    let run_id = domain::items::run_of(&state.pool, date, version)
        .await?
        .ok_or_else(|| AppError::refused_text(text::NO_RUN, &[&date]))?
        .id;
    let detail = domain::items::detail(&state.pool, run_id, seq)
        .await?
        .ok_or_else(|| AppError::refused_text(text::ITEM_NOT_IN_RUN, &[&seq]))?;
    record_view(&state, &user, format!("item:{run_id}:{seq}")).await?;
    Ok(compare(detail))
}

/// Records in the audit trail that `user` was shown customer data about `target`.
#[cfg(feature = "ssr")]
pub async fn record_view(
    state: &crate::state::AppState,
    user: &crate::auth::server::User,
    target: String,
) -> Result<(), AppError> {
    let event = domain::audit::NewAuditEvent {
        target: Some(target),
        ..user.audit_event(
            domain::audit::AuditAction::CustomerDataViewed,
            crate::auth::server::client_address(),
        )
    };
    state.audit.record(event).await?;
    Ok(())
}

/// The network record and the payment field by field, with the fields that disagree marked.
#[cfg(feature = "ssr")]
pub fn compare(detail: domain::items::ItemDetail) -> DetailView {
    let money = domain::money::grouped_minor;
    let r = detail.record.as_ref();
    let p = detail.payment.as_ref();
    let pair = |field: Field, record: Option<String>, payment: Option<String>| {
        let differs = match (&record, &payment) {
            // A record's kind and a payment's status are said in different words: they disagree
            // only when the stories do (a presentment and a completed payment are the same thing).
            (Some(kind), Some(status)) if field == Field::KindStatus => {
                !domain::items::record_agrees_with_payment(kind, status)
            }
            (Some(a), Some(b)) => a != b,
            _ => false,
        };
        Compared { field, record: record.unwrap_or_default(), payment: payment.unwrap_or_default(), differs }
    };
    let fields = vec![
        pair(Field::Network, r.map(|r| r.network.clone()), p.map(|p| p.network.clone())),
        pair(
            Field::Reference,
            r.map(|r| r.reference.clone()),
            p.map(|p| p.network_reference.clone().unwrap_or_default()),
        ),
        pair(
            Field::Card,
            r.map(|r| crate::kit::masked_card(&r.card_last4)),
            p.map(|p| crate::kit::masked_card(&p.card_last4)),
        ),
        pair(
            Field::Amount,
            r.map(|r| money(r.amount_minor, &r.currency)),
            p.map(|p| money(p.amount_minor, &p.currency)),
        ),
        pair(Field::ApprovalCode, r.map(|r| r.approval_code.clone()), p.map(|p| p.approval_code.clone())),
        pair(Field::Date, r.map(|r| r.transaction_date.to_string()), p.map(|p| p.business_date.to_string())),
        pair(Field::Settled, r.map(|r| money(r.settlement_minor, &r.settlement_currency)), None),
        pair(Field::KindStatus, r.map(|r| r.kind.clone()), p.map(|p| p.status.clone())),
        pair(Field::PaymentId, None, p.map(|p| p.payment_id.clone())),
        pair(Field::ReasonCode, r.map(|r| r.reason_code.clone().unwrap_or_default()), None),
    ];
    DetailView {
        seq: detail.item.seq,
        long_date: crate::preferences::viewer::long_date(detail.business_date),
        version: detail.version,
        class: detail.item.class.clone(),
        reason: detail.item.reason.clone().unwrap_or_default(),
        file: r
            .map(|r| (r.file_key.clone(), r.record_number))
            .or(detail.unreadable.as_ref().map(|u| (u.file_key.clone(), u.record_number))),
        fields,
        work_item_href: detail.work_item_id.map(|id| format!("/exceptions/{id}")),
        unreadable: detail.unreadable.map(|u| UnreadableView {
            field: u.field,
            problem: u.problem,
            raw: u.raw_text,
        }),
    }
}

#[component]
pub fn ItemDetailPage() -> impl IntoView {
    let path = use_params_map();
    let params = use_query_map();
    let key = move || {
        let (date, seq) = path.with(|p| {
            (p.get("date").unwrap_or_default(), p.get("seq").and_then(|s| s.parse().ok()).unwrap_or(0))
        });
        (date, params.with(|p| p.get("version").and_then(|v| v.parse().ok())), seq)
    };
    let detail = Resource::new(key, |(date, version, seq)| item_detail(date, version, seq));
    view! {
        <PageHeader title=crate::routes::ITEM/>
        <Loaded>
            {move || Suspend::new(async move { detail.await.map(|d| view! { <SideBySide detail=d/> }) })}
        </Loaded>
    }
}

/// What a compared field is called.
fn field_name(field: Field, locale: Locale) -> &'static str {
    locale.t(match field {
        Field::Network => common::NETWORK,
        Field::Reference => text::NETWORK_REFERENCE,
        Field::Card => text::CARD,
        Field::Amount => common::AMOUNT,
        Field::ApprovalCode => text::APPROVAL_CODE,
        Field::Date => common::DATE,
        Field::Settled => text::SETTLED,
        Field::KindStatus => text::KIND_STATUS,
        Field::PaymentId => text::PAYMENT_ID,
        Field::ReasonCode => text::REASON_CODE,
    })
}

/// One side of a compared field: codes in words, data as it is (marked as data).
fn field_value(field: Field, value: String, kind: Kind, locale: Locale) -> AnyView {
    match field {
        Field::Network | Field::KindStatus => view! { <td>{label(kind, &value, locale)}</td> }.into_any(),
        _ => view! { <td translate="no">{value}</td> }.into_any(),
    }
}

/// The network record and the Zelle payment next to each other.
#[component]
pub fn SideBySide(detail: DetailView) -> impl IntoView {
    let locale = use_locale();
    let title = locale.f(text::ITEM_TITLE, &[&detail.seq, &detail.long_date, &detail.version]);
    view! {
        <section class="card" aria-labelledby="item-heading">
            <h2 id="item-heading">{title}</h2>
            <p>
                <span class=format!("badge {}", detail.class) data-code=detail.class.clone()>{label(Kind::Class, &detail.class, locale)}</span> " "
                <strong data-test="item-reason" data-code=detail.reason.clone()>{label(Kind::Reason, &detail.reason, locale)}</strong>
                {detail.file.map(|(file, record)| view! {
                    <span class="muted">
                        " · " {locale.t(text::FROM_FILE)} " " <code translate="no">{file}</code>
                        {locale.f(text::RECORD_NUMBER, &[&record])}
                    </span>
                })}
            </p>
            {match detail.unreadable {
                Some(u) => view! { <Unreadable record=u/> }.into_any(),
                None => view! {
                    <TableWrap label=locale.t(text::SIDE_BY_SIDE)>
                        <table class="data compare" data-test="side-by-side">
                            <thead><tr>
                                <th scope="col">{locale.t(text::FIELD)}</th>
                                <th scope="col">{locale.t(text::NETWORK_RECORD)}</th>
                                <th scope="col">{locale.t(text::ZELLE_PAYMENT)}</th>
                            </tr></thead>
                            <tbody>
                                {detail.fields.into_iter().map(|f| {
                                    let (record_kind, payment_kind) = match f.field {
                                        Field::KindStatus => (Kind::RecordKind, Kind::PaymentStatus),
                                        _ => (Kind::Network, Kind::Network),
                                    };
                                    view! {
                                        <tr class:differs=f.differs data-differs=f.differs.to_string()>
                                            <th scope="row">
                                                {field_name(f.field, locale)}
                                                {f.differs.then(|| view! { <span class="visually-hidden">{locale.t(text::DIFFERS)}</span> })}
                                            </th>
                                            {field_value(f.field, f.record, record_kind, locale)}
                                            {field_value(f.field, f.payment, payment_kind, locale)}
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </TableWrap>
                }.into_any(),
            }}
            {detail.work_item_href.map(|href| view! { <p><a href=href class="button">{locale.t(text::OPEN_WORK_ITEM)}</a></p> })}
        </section>
    }
}

/// A record that could not be read: no field can be compared, so the page says which one is bad
/// and shows the record as it came, card number masked, for the analyst to read.
#[component]
fn Unreadable(record: UnreadableView) -> impl IntoView {
    let locale = use_locale();
    view! {
        <div class="unreadable" data-test="unreadable-record">
            <p>{locale.t(text::UNREADABLE)}</p>
            <dl class="facts">
                <dt>{locale.t(text::FIELD)}</dt><dd data-test="unreadable-field" translate="no">{record.field}</dd>
                <dt>{locale.t(text::PROBLEM)}</dt><dd data-test="unreadable-problem" translate="no">{record.problem}</dd>
            </dl>
            <h3>{locale.t(text::RAW_RECORD)}</h3>
            <pre class="raw-record" data-test="unreadable-raw" tabindex="0" translate="no">{record.raw}</pre>
        </div>
    }
}

mod text {
    // Refusals are said on the server only: the browser build does not use them.
    #![cfg_attr(not(feature = "ssr"), allow(dead_code))]
    crate::texts! {
        REPORTS_LEDE = "The daily match, mismatch and resettlement files of every business date, with their manifests. A re-run adds a version; earlier versions stay as they were.", "每个营业日的匹配、不匹配和重新结算文件及其清单。重新运行会新增一个版本，之前的版本保持不变。";
        ITEMS_LEDE = "Every classified record of a run. The filter is in the link: share it to show someone the same list.", "一次运行的全部已分类记录。筛选条件保存在链接中：分享链接即可让他人看到相同的列表。";

        // Reports.
        NO_RUNS = "No business date has been reconciled yet.", "尚无已完成对账的营业日。";
        VERSION = "Version {}", "第 {} 版";
        SUPERSEDED = "superseded", "已被取代";
        RECORDS_FINISHED = "{} network records, finished {}.", "{} 条卡组织记录，完成于 {}。";
        BROWSE_ITEMS = "Browse the items", "浏览明细";
        ROWS = "Rows", "行数";
        TOTALS = "Totals", "合计";
        MANIFEST = "Manifest", "清单";
        EARLIER_DATES = "Earlier dates", "更早的日期";
        LATEST_DATES = "Latest dates", "最近的日期";

        // Items.
        FILTER_ITEMS = "Filter the items", "筛选明细";
        CLASS = "Class", "类别";
        AMOUNT_FROM = "Amount from", "最低金额";
        AMOUNT_TO = "Amount to", "最高金额";
        NETWORK_REFERENCE = "Network reference", "卡组织参考号";
        CARD_LAST4 = "Card last 4", "卡号后四位";
        PAYMENT_ID = "Payment id", "付款编号";
        ORDER = "Order", "排序";
        ORDER_REPORT = "Report order", "按报表顺序";
        ORDER_SMALLEST = "Amount, smallest first", "按金额从小到大";
        ORDER_LARGEST = "Amount, largest first", "按金额从大到小";
        FILTER = "Filter", "筛选";
        VERSION_OF = "Version {} of {}", "{1}，第 {0} 版";
        CLASS_REASON = "{}: {}", "{}：{}";
        FILES_OF_VERSION = "Files of this version:", "此版本的文件：";
        VERSION_FILES = "Files of {}, version {}", "{} 第 {} 版的文件";
        SIDE_BY_SIDE = "The network record and the Zelle payment side by side", "卡组织记录与 Zelle 付款对照";
        NO_ITEMS = "No items match this filter.", "没有符合此筛选条件的明细。";
        ITEMS_RETIRED = "This run's items were retired on {} under the retention policy. Only the items that work items point at are kept; the counts above and the report files below are the whole run.", "此运行的明细已于{}按保留政策清退，仅保留工作项引用的明细；上方计数与下方报告文件仍为完整运行。";
        REFERENCE = "Reference", "参考号";
        CARD = "Card", "银行卡";
        PAYMENT = "Payment", "付款";
        EXPORT = "Download these items (CSV)", "下载这些明细（CSV）";

        // Item.
        ITEM_TITLE = "Item {} of {} (version {})", "{1} 的第 {0} 项（第 {2} 版）";
        FROM_FILE = "from", "来自";
        RECORD_NUMBER = ", record {}", "，第 {} 条记录";
        FIELD = "Field", "字段";
        NETWORK_RECORD = "Network record", "卡组织记录";
        ZELLE_PAYMENT = "Zelle payment", "Zelle 付款";
        DIFFERS = " (differs)", "（不一致）";
        APPROVAL_CODE = "Approval code", "授权码";
        SETTLED = "Settled", "清算金额";
        KIND_STATUS = "Kind / status", "类型 / 状态";
        REASON_CODE = "Reason code", "原因代码";
        OPEN_WORK_ITEM = "Open the work item", "打开工作项";
        UNREADABLE = "This network record could not be read, so it matched nothing. Its file still counts it: work it from the record below.", "此卡组织记录无法读取，因此未能匹配任何付款。其文件仍计入该记录：请根据下方记录处理。";
        PROBLEM = "Problem", "问题";
        RAW_RECORD = "The record as it came (card number masked)", "原始记录（卡号已遮盖）";

        // Refusals.
        NOT_A_DATE = "'{}' is not a date (YYYY-MM-DD).", "“{}”不是有效日期（YYYY-MM-DD）。";
        NO_RUN = "{} has no completed run of that version.", "{} 没有该版本的已完成对账运行。";
        NOT_A_CURRENCY = "'{}' is not a currency SettleDesk settles in.", "“{}”不是 SettleDesk 清算的币种。";
        CHOOSE_CURRENCY = "Choose a currency to filter by amount.", "按金额筛选时请选择币种。";
        NOT_AN_AMOUNT = "'{}' is not an amount: write digits with at most one decimal point, like 1250.50.", "“{}”不是有效金额，请填写数字，最多一个小数点，例如 1250.50。";
        TOO_PRECISE = "{} has more decimal places than {} allows ({}).", "{0} 的小数位数超过了 {1} 允许的位数（{2} 位）。";
        TOO_LARGE = "{} {} is too large.", "{} {} 金额过大。";
        NOT_LAST4 = "'{}' is not the last four digits of a card.", "“{}”不是银行卡的后四位数字。";
        DAMAGED_POSITION = "The page position in the link is damaged: start again from the first page.", "链接中的分页位置已损坏，请从第一页重新开始。";
        ITEM_NOT_IN_RUN = "Item {} is not in that run.", "明细 {} 不在该次运行中。";
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn the_currency_choices_are_the_currencies_the_domain_settles_in() {
        let mut known: Vec<&str> =
            (0..1000u16).filter_map(domain::money::Currency::from_numeric).map(|c| c.code()).collect();
        known.sort_unstable();
        let mut offered = CURRENCIES.to_vec();
        offered.sort_unstable();
        assert_eq!(offered, known);
    }

    fn detail(kind: &str, status: &str) -> domain::items::ItemDetail {
        use chrono::NaiveDate;
        let date = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let record = domain::items::StoredRecord {
            file_key: "inbound/visa/2026-11-20/v.ctf".into(),
            record_number: 3,
            network: "visa".into(),
            kind: kind.into(),
            reference: "12345678901234567890123".into(),
            card_last4: "4242".into(),
            amount_minor: 1000,
            currency: "USD".into(),
            settlement_minor: 1000,
            settlement_currency: "USD".into(),
            approval_code: "A00001".into(),
            transaction_date: date,
            merchant_category: 4829,
            reason_code: None,
        };
        let payment = domain::items::StoredPayment {
            payment_id: "P1".into(),
            business_date: date,
            initiated_at: chrono::Utc::now(),
            status: status.into(),
            amount_minor: 1000,
            currency: "USD".into(),
            network: "visa".into(),
            network_reference: Some(record.reference.clone()),
            card_last4: "4242".into(),
            approval_code: "A00001".into(),
        };
        domain::items::ItemDetail {
            item: domain::items::ItemRow {
                run_id: 1,
                seq: 1,
                class: "match".into(),
                reason: None,
                network: "visa".into(),
                reference: Some(record.reference.clone()),
                card_last4: "4242".into(),
                transaction_date: date,
                amount_minor: 1000,
                currency: "USD".into(),
                settlement_minor: Some(1000),
                settlement_currency: Some("USD".into()),
                approval_code: Some("A00001".into()),
                payment_id: Some("P1".into()),
                feed_file_id: Some(1),
                record_number: Some(3),
            },
            business_date: date,
            version: 1,
            record: Some(record),
            payment: Some(payment),
            work_item_id: None,
            unreadable: None,
        }
    }

    fn differing(view: &DetailView) -> Vec<Field> {
        view.fields.iter().filter(|f| f.differs).map(|f| f.field).collect()
    }

    #[test]
    fn a_matched_pair_differs_in_nothing() {
        assert_eq!(differing(&compare(detail("presentment", "completed"))), Vec::<Field>::new());
    }

    #[test]
    fn a_chargeback_of_a_completed_payment_differs_in_kind_and_status() {
        assert_eq!(differing(&compare(detail("chargeback", "completed"))), vec![Field::KindStatus]);
        assert_eq!(differing(&compare(detail("presentment", "failed"))), vec![Field::KindStatus]);
    }

    #[test]
    fn links_to_pages_carry_the_filter_and_the_position() {
        let query = ItemQuery {
            date: "2026-11-20".into(),
            class: Some("mismatch".into()),
            after: Some("1:2".into()),
            ..ItemQuery::default()
        };
        assert_eq!(query.link(PageLink::First), "/reports/2026-11-20/items?class=mismatch");
        assert_eq!(
            query.link(PageLink::After("500:12", Some(51))),
            "/reports/2026-11-20/items?class=mismatch&after=500%3A12&from=51"
        );
        assert_eq!(
            query.link(PageLink::Before("-5:3", None)),
            "/reports/2026-11-20/items?class=mismatch&before=-5%3A3"
        );
    }
}
