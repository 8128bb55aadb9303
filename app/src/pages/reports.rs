//! Reports: each business date's runs with their files (downloads are streamed by the server's
//! `/download` route), the items of a run page by page, and one item beside its network record and
//! Zelle payment.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, ErrorNotice};
use crate::layout::PageHeader;

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
    pub date: String,
    pub versions: Vec<VersionView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunsPage {
    pub dates: Vec<DateRuns>,
    pub next_before: Option<String>,
    pub time_zone: String,
}

#[server(endpoint = "reports/runs")]
pub async fn list_runs(before: Option<String>) -> Result<RunsPage, AppError> {
    use crate::preferences::viewer;
    const DATES: i64 = 14;
    crate::auth::server::require(domain::access::Permission::ViewReports).await?;
    let state = crate::state::AppState::from_context()?;
    let (zone, _) = viewer::time_zone(&state.pool).await?;
    let before = before.as_deref().map(parse_date).transpose()?;
    let runs = domain::items::runs(&state.pool, before, DATES).await.map_err(|e| AppError::database(&e))?;
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
            _ => dates.push(DateRuns { date, versions: vec![version] }),
        }
    }
    let next_before = (dates.len() as i64 == DATES).then(|| dates.last().map(|d| d.date.clone())).flatten();
    Ok(RunsPage { dates, next_before, time_zone: zone.name().to_owned() })
}

#[cfg(feature = "ssr")]
fn parse_date(text: &str) -> Result<chrono::NaiveDate, AppError> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::Invalid(format!("'{text}' is not a date (YYYY-MM-DD)")))
}

#[component]
pub fn ReportsPage() -> impl IntoView {
    let params = use_query_map();
    let before = move || params.with(|p| p.get("before").filter(|b| !b.is_empty()));
    let runs = Resource::new(before, list_runs);
    view! {
        <PageHeader title=crate::routes::REPORTS lede=text::REPORTS_LEDE/>
        <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors/> }>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move { runs.await.map(|page| view! { <RunsList page/> }) })}
            </Transition>
        </ErrorBoundary>
    }
}

#[component]
fn RunsList(page: RunsPage) -> impl IntoView {
    if page.dates.is_empty() {
        return view! { <p class="muted" data-test="no-runs">"No business date has been reconciled yet."</p> }.into_any();
    }
    let next = page.next_before.map(|b| format!("/reports?before={b}"));
    view! {
        {page.dates.into_iter().map(|day| {
            let date = day.date.clone();
            view! {
                <section class="card" aria-labelledby=format!("date-{date}") data-test="business-date">
                    <h2 id=format!("date-{date}")>{date.clone()}</h2>
                    {day.versions.into_iter().map(|v| {
                        let items = format!("/reports/{date}/items?version={}", v.version);
                        view! {
                            <div class="run-version" data-test=format!("version-{}", v.version)>
                                <h3>
                                    "Version " {v.version}
                                    {v.superseded.then(|| view! { <span class="badge muted">"superseded"</span> })}
                                </h3>
                                <p class="muted">
                                    {format!("{} network records, finished {} ({}).", v.records, v.finished, page.time_zone)}
                                    " " <a href=items>"Browse the items"</a>
                                </p>
                                <table class="data">
                                    <thead><tr>
                                        <th scope="col">"File"</th><th scope="col" class="num">"Rows"</th>
                                        <th scope="col">"Totals"</th><th scope="col">"SHA-256"</th>
                                    </tr></thead>
                                    <tbody>
                                        {v.files.into_iter().map(|f| view! {
                                            <tr>
                                                <td><a href=f.href download=f.name.clone() rel="external" data-test="download">{f.name.clone()}</a></td>
                                                <td class="num" data-test="rows">{f.rows}</td>
                                                <td>{f.totals.join(", ")}</td>
                                                <td><code class="hash">{f.sha256}</code></td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <p><a href=v.manifest_href download="manifest.json" rel="external">"Manifest (JSON)"</a></p>
                            </div>
                        }
                    }).collect_view()}
                </section>
            }
        }).collect_view()}
        {next.map(|href| view! { <p><a href=href rel="next">"Earlier dates"</a></p> })}
    }
    .into_any()
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
    /// Where the previous page ended: `amount:seq`.
    pub after: Option<String>,
}

impl ItemQuery {
    /// The query string for this filter, without the page position.
    pub fn link(&self, after: Option<&str>) -> String {
        let mut pairs = Vec::new();
        let mut add = |key: &str, value: &Option<String>| {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                pairs.push(format!("{key}={}", crate::url::encode_component(v)));
            }
        };
        add("version", &self.version.map(|v| v.to_string()));
        add("class", &self.class);
        add("reason", &self.reason);
        add("network", &self.network);
        add("currency", &self.currency);
        add("min", &self.min);
        add("max", &self.max);
        add("reference", &self.reference);
        add("last4", &self.last4);
        add("payment_id", &self.payment_id);
        add("sort", &self.sort);
        add("after", &after.map(str::to_owned));
        format!("/reports/{}/items?{}", self.date, pairs.join("&"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemView {
    pub seq: i64,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemsPage {
    pub version: i32,
    pub rows: Vec<ItemView>,
    pub next_after: Option<String>,
    pub counts: Vec<(String, u64)>,
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
        .ok_or_else(|| AppError::refused(format!("{date} has no completed run of that version")))?;
    let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
    let currency = match text(&query.currency) {
        Some(code) => {
            Some(domain::money::Currency::from_code(&code.to_uppercase()).ok_or_else(|| {
                AppError::refused(format!("'{code}' is not a currency SettleDesk settles in"))
            })?)
        }
        None => None,
    };
    let amount = |field: &str, value: &Option<String>| -> Result<Option<i64>, AppError> {
        let Some(text) = text(value) else { return Ok(None) };
        let currency = currency
            .ok_or_else(|| AppError::refused(format!("choose a currency to filter by {field} amount")))?;
        let decimal: rust_decimal::Decimal = text
            .parse()
            .map_err(|_| AppError::refused(format!("'{text}' is not an amount for the {field} amount")))?;
        domain::money::Money::from_decimal(decimal, currency)
            .map(|m| Some(m.minor()))
            .map_err(|e| AppError::refused(e.to_string()))
    };
    let last4 = text(&query.last4);
    if let Some(l) = &last4 {
        if l.len() != 4 || !l.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AppError::refused(format!("'{l}' is not the last four digits of a card")));
        }
    }
    let filter = ItemFilter {
        class: text(&query.class),
        reason: text(&query.reason),
        network: text(&query.network),
        currency,
        min_minor: amount("minimum", &query.min)?,
        max_minor: amount("maximum", &query.max)?,
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

#[server(endpoint = "reports/items")]
pub async fn browse_items(query: ItemQuery) -> Result<ItemsPage, AppError> {
    use domain::items::Cursor;
    const PAGE_SIZE: i64 = 50;
    crate::auth::server::require(domain::access::Permission::ViewReports).await?;
    let state = crate::state::AppState::from_context()?;
    let (date, run, filter, order) = item_selection(&state.pool, &query).await?;
    let (run_id, version) = (run.id, run.version);
    let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
    let after = match text(&query.after) {
        Some(cursor) => {
            let (amount, seq) = cursor
                .split_once(':')
                .and_then(|(a, s)| Some((a.parse().ok()?, s.parse().ok()?)))
                .ok_or_else(|| AppError::Invalid("the page position in the link is damaged".into()))?;
            Some(Cursor { amount_minor: amount, seq })
        }
        None => None,
    };
    let mut rows = domain::items::browse(&state.pool, run_id, &filter, order, after, PAGE_SIZE + 1)
        .await
        .map_err(|e| AppError::database(&e))?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let next_after = more.then(|| rows.last().map(|r| format!("{}:{}", r.amount_minor, r.seq))).flatten();
    let counts: std::collections::BTreeMap<String, u64> =
        serde_json::from_value(run.counts).unwrap_or_default();
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
    Ok(ItemsPage { version, rows, next_after, counts: counts.into_iter().collect() })
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
        <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors/> }>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let current = query();
                    page.await.map(|page| view! { <ItemTable page current/> })
                })}
            </Transition>
        </ErrorBoundary>
    }
}

#[component]
fn ItemFilterForm(query: ItemQuery) -> impl IntoView {
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let select = |name: &'static str,
                  label: &'static str,
                  options: &'static [(&'static str, &'static str)],
                  current: Option<String>| {
        let id = format!("items-{name}");
        view! {
            <div class="field"><label for=id.clone()>{label}</label>
                <select id=id name=name>
                    {options.iter().map(|(v, text)| {
                        let selected = current.as_deref().unwrap_or("") == *v;
                        view! { <option value=*v selected=selected>{*text}</option> }
                    }).collect_view()}
                </select>
            </div>
        }
    };
    view! {
        <form method="get" action=format!("/reports/{}/items", query.date) class="filters" role="search" aria-label="Filter the items">
            {query.version.map(|v| view! { <input type="hidden" name="version" value=v/> })}
            {select("class", "Class", &[("", "Any"), ("match", "Match"), ("mismatch", "Mismatch"), ("resettlement", "Resettlement")], query.class.clone())}
            {select("reason", "Reason", &[("", "Any"), ("amount_differs", "Amount differs"), ("currency_differs", "Currency differs"), ("network_only", "Network only"), ("zelle_only", "Zelle only"), ("unreadable_record", "Unreadable record"), ("duplicate_presentment", "Duplicate presentment"), ("status_conflict", "Status conflict"), ("chargeback", "Chargeback"), ("reversal", "Reversal"), ("fee", "Fee"), ("cross_currency", "Cross-currency")], query.reason.clone())}
            {select("network", "Network", &[("", "Any"), ("visa", "Visa"), ("mastercard", "Mastercard")], query.network.clone())}
            <div class="field"><label for="items-currency">"Currency"</label>
                <input id="items-currency" name="currency" value=value(&query.currency) size="4" placeholder="USD"/></div>
            <div class="field"><label for="items-min">"Amount from"</label>
                <input id="items-min" name="min" value=value(&query.min) inputmode="decimal" size="8"/></div>
            <div class="field"><label for="items-max">"Amount to"</label>
                <input id="items-max" name="max" value=value(&query.max) inputmode="decimal" size="8"/></div>
            <div class="field"><label for="items-reference">"Network reference"</label>
                <input id="items-reference" name="reference" value=value(&query.reference) size="24"/></div>
            <div class="field"><label for="items-last4">"Card last 4"</label>
                <input id="items-last4" name="last4" value=value(&query.last4) size="4" inputmode="numeric"/></div>
            <div class="field"><label for="items-payment">"Payment id"</label>
                <input id="items-payment" name="payment_id" value=value(&query.payment_id)/></div>
            {select("sort", "Order", &[("", "Report order"), ("amount", "Amount, smallest first"), ("-amount", "Amount, largest first")], query.sort.clone())}
            <div class="actions"><button type="submit" class="button primary">"Filter"</button></div>
        </form>
    }
}

#[component]
fn ItemTable(page: ItemsPage, current: ItemQuery) -> impl IntoView {
    let next = page.next_after.as_deref().map(|after| current.link(Some(after)));
    let download = format!("/download/reports/{}/v{}/", current.date, page.version);
    let filter = current.link(None);
    let export = format!(
        "/export/items.csv?date={}&{}",
        current.date,
        filter.split_once('?').map(|(_, q)| q).unwrap_or_default()
    );
    view! {
        <section class="card" aria-labelledby="counts-heading">
            <h2 id="counts-heading">{format!("Version {} of {}", page.version, current.date)}</h2>
            <ul class="counts" data-test="class-counts">
                {page.counts.iter().map(|(class, n)| view! { <li><span>{class.clone()}</span> " " <strong data-count=class.clone()>{*n}</strong></li> }).collect_view()}
            </ul>
            <p class="muted">"Files of this version: "
                {["matches", "mismatches", "resettlements"].into_iter().map(|kind| {
                    let name = format!("{kind}-{}-v{}.csv", current.date, page.version);
                    let href = format!("{download}{name}");
                    // `download` and `rel="external"` keep the router from treating it as a page.
                    let file = name.clone();
                    view! { <a href=href download=file rel="external" data-test=format!("download-{kind}")>{name}</a> " " }
                }).collect_view()}
            </p>
        </section>
        {if page.rows.is_empty() {
            view! { <p class="muted" data-test="items-empty">"No items match this filter."</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="data" data-test="items">
                        <thead><tr>
                            <th scope="col" class="num">"#"</th><th scope="col">"Class"</th><th scope="col">"Reason"</th>
                            <th scope="col">"Network"</th><th scope="col">"Reference"</th><th scope="col">"Card"</th>
                            <th scope="col">"Date"</th><th scope="col" class="num">"Amount"</th><th scope="col">"Payment"</th>
                        </tr></thead>
                        <tbody>
                            {page.rows.into_iter().map(|r| view! {
                                <tr data-test="item-row">
                                    <td class="num"><a href=r.href>{r.seq}</a></td>
                                    <td>{r.class}</td><td>{r.reason}</td><td>{r.network}</td>
                                    <td><code>{r.reference}</code></td><td>{format!("•••• {}", r.last4)}</td>
                                    <td class="nowrap">{r.date}</td><td class="num nowrap">{r.amount}</td>
                                    <td><code>{r.payment_id}</code></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
        <p class="list-links">
            {next.map(|href| view! { <a href=href rel="next" data-test="next-page">"Next page"</a> " " })}
            <a href=export download rel="external" data-test="export">"Download these items (CSV)"</a>
        </p>
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compared {
    pub label: String,
    pub record: String,
    pub payment: String,
    pub differs: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetailView {
    pub title: String,
    pub class: String,
    pub reason: String,
    pub file: String,
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
        .await
        .map_err(|e| AppError::database(&e))?
        .ok_or_else(|| AppError::Invalid(format!("{date} has no completed run of that version")))?
        .id;
    let detail = domain::items::detail(&state.pool, run_id, seq)
        .await
        .map_err(|e| AppError::database(&e))?
        .ok_or_else(|| AppError::Invalid(format!("item {seq} is not in that run")))?;
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
    state.audit.record(event).await.map_err(|e| AppError::database(&e))?;
    Ok(())
}

/// The network record and the payment field by field, with the fields that disagree marked.
#[cfg(feature = "ssr")]
pub fn compare(detail: domain::items::ItemDetail) -> DetailView {
    let money = domain::money::grouped_minor;
    let r = detail.record.as_ref();
    let p = detail.payment.as_ref();
    let pair = |label: &str, record: Option<String>, payment: Option<String>| {
        let differs = matches!((&record, &payment), (Some(a), Some(b)) if a != b);
        Compared {
            label: label.into(),
            record: record.unwrap_or_default(),
            payment: payment.unwrap_or_default(),
            differs,
        }
    };
    let fields = vec![
        pair("Network", r.map(|r| r.network.clone()), p.map(|p| p.network.clone())),
        pair(
            "Network reference",
            r.map(|r| r.reference.clone()),
            p.map(|p| p.network_reference.clone().unwrap_or_default()),
        ),
        pair(
            "Card",
            r.map(|r| format!("•••• {}", r.card_last4)),
            p.map(|p| format!("•••• {}", p.card_last4)),
        ),
        pair(
            "Amount",
            r.map(|r| money(r.amount_minor, &r.currency)),
            p.map(|p| money(p.amount_minor, &p.currency)),
        ),
        pair("Approval code", r.map(|r| r.approval_code.clone()), p.map(|p| p.approval_code.clone())),
        pair("Date", r.map(|r| r.transaction_date.to_string()), p.map(|p| p.business_date.to_string())),
        pair("Settled", r.map(|r| money(r.settlement_minor, &r.settlement_currency)), None),
        pair("Kind / status", r.map(|r| r.kind.clone()), p.map(|p| p.status.clone())),
        pair("Payment id", None, p.map(|p| p.payment_id.clone())),
        pair("Reason code", r.map(|r| r.reason_code.clone().unwrap_or_default()), None),
    ];
    DetailView {
        title: format!("Item {} of {} (version {})", detail.item.seq, detail.business_date, detail.version),
        class: detail.item.class.clone(),
        reason: detail.item.reason.clone().unwrap_or_default(),
        file: r
            .map(|r| (&r.file_key, r.record_number))
            .or(detail.unreadable.as_ref().map(|u| (&u.file_key, u.record_number)))
            .map(|(file, record)| format!("{file}, record {record}"))
            .unwrap_or_default(),
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
        <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors/> }>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move { detail.await.map(|d| view! { <SideBySide detail=d/> }) })}
            </Transition>
        </ErrorBoundary>
    }
}

/// The network record and the Zelle payment next to each other.
#[component]
pub fn SideBySide(detail: DetailView) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="item-heading">
            <h2 id="item-heading">{detail.title}</h2>
            <p>
                <span class=format!("badge {}", detail.class)>{detail.class.clone()}</span> " "
                <strong data-test="item-reason">{detail.reason}</strong>
                {(!detail.file.is_empty()).then(|| view! { <span class="muted">" · from " {detail.file.clone()}</span> })}
            </p>
            {match detail.unreadable {
                Some(u) => view! { <Unreadable record=u/> }.into_any(),
                None => view! {
                    <table class="data compare" data-test="side-by-side">
                        <thead><tr><th scope="col">"Field"</th><th scope="col">"Network record"</th><th scope="col">"Zelle payment"</th></tr></thead>
                        <tbody>
                            {detail.fields.into_iter().map(|f| view! {
                                <tr class:differs=f.differs data-differs=f.differs.to_string()>
                                    <th scope="row">{f.label}{f.differs.then(|| view! { <span class="visually-hidden">" (differs)"</span> })}</th>
                                    <td>{f.record}</td><td>{f.payment}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
            {detail.work_item_href.map(|href| view! { <p><a href=href class="button">"Open the work item"</a></p> })}
        </section>
    }
}

/// A record that could not be read: no field can be compared, so the page says which one is bad
/// and shows the record as it came, card number masked, for the analyst to read.
#[component]
fn Unreadable(record: UnreadableView) -> impl IntoView {
    let locale = crate::i18n::use_locale();
    view! {
        <div class="unreadable" data-test="unreadable-record">
            <p>{locale.tr("This network record could not be read, so it matched nothing. Its file still counts it: work it from the record below.")}</p>
            <dl class="facts">
                <dt>{locale.tr("Field")}</dt><dd data-test="unreadable-field">{record.field}</dd>
                <dt>{locale.tr("Problem")}</dt><dd data-test="unreadable-problem">{record.problem}</dd>
            </dl>
            <h3>{locale.tr("The record as it came (card number masked)")}</h3>
            <pre class="raw-record" data-test="unreadable-raw" tabindex="0">{record.raw}</pre>
        </div>
    }
}

mod text {
    crate::texts! {
        REPORTS_LEDE = "The daily match, mismatch and resettlement files of every business date, with their manifests. A re-run adds a version; earlier versions stay as they were.", "每个营业日的匹配、不匹配和重新结算文件及其清单。重新运行会新增一个版本，之前的版本保持不变。";
        ITEMS_LEDE = "Every classified record of a run. The filter is in the link: share it to show someone the same list.", "一次运行的全部已分类记录。筛选条件保存在链接中：分享链接即可让他人看到相同的列表。";
    }
}
