//! The landing page: where the current business date stands.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::i18n::{common, use_locale, Locale, Text};
use crate::kit::{Loaded, TableWrap};
use crate::labels::{label, Kind};
use crate::layout::PageHeader;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardOverview {
    /// The open business date, in words and in the viewer's language.
    pub open_business_date: String,
    pub cutoff_wall_time: String,
    pub operating_time_zone: String,
    /// When the open business date closes, in the viewer's zone.
    pub closes_at: String,
    pub viewer_time_zone: String,
    /// When this overview was computed, in the viewer's zone.
    pub as_of: String,
    pub schema_version: i64,
    pub latest_run: Option<LatestRun>,
    pub running: Option<RunningView>,
    /// The business date whose feeds are shown (YYYY-MM-DD), and what arrived per source.
    pub feeds_date: String,
    pub arrivals: Vec<ArrivalView>,
    /// Sources late, missing or quarantined on the dates of the last week (the Feeds page has
    /// the files).
    pub feed_problems: Vec<FeedProblem>,
    /// Match rate per date, oldest first: the last [`TREND_DATES`] business dates, each with its
    /// latest completed run or without one.
    pub trend: Vec<TrendPoint>,
    /// Per account with statements: the bank's latest statement beside the ledger.
    pub statements: Vec<StatementBalance>,
}

/// An account's latest bank statement beside the ledger's balance at its date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementBalance {
    pub account: String,
    pub currency: String,
    pub date: String,
    pub bank: String,
    pub ledger: String,
    pub agrees: bool,
    /// Its breaks still open in the queue.
    pub breaks: i32,
}

/// A run in progress, and how far it has got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunningView {
    /// YYYY-MM-DD.
    pub date: String,
    pub version: i32,
    /// The run's stage as it stores it (`loading`, `matching`, `writing reports and items`, …).
    pub stage: String,
    /// When it started, in the viewer's zone.
    pub started: String,
    /// Records written to the reports and items, of how many, once that stage has begun.
    pub done: Option<i64>,
    pub total: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArrivalView {
    /// A source code: `visa`, `mastercard`, `zelle`.
    pub source: String,
    pub received: i64,
    /// An `ingest::ArrivalState` code (see `labels::Kind::Arrival`).
    pub state: String,
    /// When the first file landed in the inbound store, in the viewer's zone.
    pub first_arrived: String,
    /// When the source's file was due, in the viewer's zone.
    pub due: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedProblem {
    /// YYYY-MM-DD.
    pub date: String,
    pub source: String,
    /// An `ingest::ArrivalState` code that is a problem: `late`, `missing` or `quarantined`.
    pub state: String,
}

/// One date of the match-rate chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// YYYY-MM-DD.
    pub date: String,
    /// The date under its bar, short and in the viewer's language ("20 Nov", "11月20日").
    pub short: String,
    /// The date in full, for the bar's title and the table.
    pub long: String,
    /// The date's latest completed run; none when the date has no run.
    pub run: Option<DayFigures>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayFigures {
    /// `recon::counts::MatchRate` in tenths of a per cent (977 is 97.7 %); none when the run
    /// had no network records.
    pub match_rate_permille: Option<u32>,
    pub exceptions: u64,
}

/// The newest completed reconciliation run, in brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatestRun {
    /// Its business date, in words and in the viewer's language.
    pub business_date: String,
    pub version: i32,
    pub finished_at: String,
    pub records: i64,
    pub matches: u64,
    pub mismatches: u64,
    pub resettlements: u64,
    /// `recon::counts::MatchRate` in tenths of a per cent; none when there were no records.
    pub match_rate_permille: Option<u32>,
    /// Per report: its rows' total in each currency.
    pub amounts: Vec<ReportAmounts>,
    /// The day's control totals, a row per network file and currency.
    pub controls: Vec<ControlRow>,
    /// Network files whose control totals do not close.
    pub files_not_closing: usize,
    /// Network files the run read.
    pub files: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportAmounts {
    /// The report: `matches`, `mismatches` or `resettlements` (its file name's first part).
    pub report: String,
    /// Each currency's total with its code ("1,234.56 USD").
    pub totals: Vec<String>,
}

/// One line of a file's control equation: records in the file = matched + mismatched +
/// resettlement + unreadable, in one currency (or, for unreadable records whose amount cannot be
/// read, in none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlRow {
    pub network: String,
    /// The file's name (the last part of its object key).
    pub file: String,
    /// The file's own count on its first row: its records, and how many of them are accounted for.
    pub file_count: Option<(u64, u64)>,
    /// The file's registry status: `parsed`, or `quarantined` / `received` for a file of the date
    /// the run could not reconcile.
    pub status: String,
    /// A currency code, or empty for records whose amount cannot be read.
    pub currency: String,
    /// Each side as "count · amount".
    pub in_file: String,
    pub matched: String,
    pub mismatched: String,
    pub resettlement: String,
    pub unreadable: String,
    pub not_zelle: String,
    pub closes: bool,
}

/// How many business dates the match-rate chart shows.
pub const TREND_DATES: usize = 30;

#[server(endpoint = "dashboard/overview")]
pub async fn fetch_dashboard_overview() -> Result<DashboardOverview, AppError> {
    use crate::preferences::viewer;
    use domain::db::SchemaStatus;
    use domain::recon::counts::MatchRate;

    crate::auth::server::require(domain::access::Permission::ViewDashboard).await?;
    let state = crate::state::AppState::from_context()?;
    let locale = crate::i18n::request_locale();
    let schedule = viewer::operating_schedule(&state.pool).await?;
    let (viewer_zone, _) = viewer::time_zone(&state.pool).await?;
    let schema_version = match domain::db::schema_status(&state.pool).await {
        Ok(SchemaStatus::Current { version } | SchemaStatus::Ahead { version, .. }) => version,
        Ok(other) => return Err(AppError::internal(format!("database schema not ready: {other:?}"))),
        Err(e) => return Err(AppError::database(&e)),
    };
    let latest_run = domain::recon::history::latest_completed(&state.pool).await?.map(|run| LatestRun {
        files_not_closing: run.manifest.controls.iter().filter(|c| !c.closes).count(),
        files: run.manifest.controls.len(),
        controls: control_rows(&run.manifest.controls),
        amounts: report_amounts(&run.manifest.files),
        business_date: viewer::long_date(run.business_date),
        version: run.version,
        finished_at: viewer::format_instant(run.finished_at, viewer_zone),
        records: run.records,
        matches: run.counts.matches,
        mismatches: run.counts.mismatches,
        resettlements: run.counts.resettlements,
        match_rate_permille: run.counts.match_rate(run.records).map(MatchRate::permille),
    });
    let now = chrono::Utc::now();
    let open = schedule.open_business_date(now);
    let running = running_view(&state.pool, viewer_zone).await?;
    // The feeds of the date most recently closed: the one whose files should all be in.
    let last_closed = schedule.closed_dates(now, 1).into_iter().next().unwrap_or(open);
    let arrivals = domain::ingest::arrivals(&state.pool, last_closed, schedule.time_zone)
        .await?
        .into_iter()
        .map(|a| ArrivalView {
            state: a.state(now).code().to_owned(),
            first_arrived: a
                .first_arrived_at
                .map(|at| viewer::format_instant(at, viewer_zone))
                .unwrap_or_default(),
            due: viewer::format_instant(a.due, viewer_zone),
            source: a.source,
            received: a.files,
        })
        .collect();
    let mut feed_problems = Vec::new();
    for date in schedule.closed_dates(now, 7).into_iter().rev() {
        for a in domain::ingest::arrivals(&state.pool, date, schedule.time_zone).await? {
            let state = a.state(now);
            if state.is_problem() {
                feed_problems.push(FeedProblem {
                    date: date.to_string(),
                    source: a.source,
                    state: state.code().to_owned(),
                });
            }
        }
    }
    let holidays = domain::calendar::load_holidays(&state.pool).await?;
    // Enough reconciled dates to cover the chart's span, weekends included.
    let runs = domain::recon::history::trend(&state.pool, 2 * TREND_DATES as i64).await?;
    let reconciled: Vec<chrono::NaiveDate> = runs.iter().map(|day| day.business_date).collect();
    let trend = domain::recon::counts::trend_dates(&holidays, last_closed, TREND_DATES, &reconciled)
        .into_iter()
        .map(|date| TrendPoint {
            date: date.to_string(),
            short: short_date(date, locale),
            long: viewer::long_date(date),
            run: runs.iter().find(|day| day.business_date == date).map(|day| DayFigures {
                match_rate_permille: day.counts.match_rate(day.records).map(MatchRate::permille),
                exceptions: day.counts.exceptions(),
            }),
        })
        .collect();
    Ok(DashboardOverview {
        open_business_date: viewer::long_date(open),
        cutoff_wall_time: schedule.cutoff.format("%H:%M").to_string(),
        operating_time_zone: schedule.time_zone.name().to_owned(),
        closes_at: viewer::format_instant(schedule.cutoff_instant(open), viewer_zone),
        viewer_time_zone: viewer_zone.name().to_owned(),
        as_of: viewer::format_instant(now, viewer_zone),
        schema_version,
        latest_run,
        running,
        feeds_date: last_closed.to_string(),
        arrivals,
        feed_problems,
        trend,
        statements: domain::payouts::statements::standing(&state.pool)
            .await?
            .into_iter()
            .map(|s| StatementBalance {
                bank: domain::money::grouped_minor(s.statement_closing_minor, &s.currency),
                ledger: domain::money::grouped_minor(s.ledger_closing_minor, &s.currency),
                agrees: s.statement_closing_minor == s.ledger_closing_minor,
                account: s.ledger_account,
                currency: s.currency,
                date: s.statement_date.to_string(),
                breaks: s.open_breaks,
            })
            .collect(),
    })
}

/// A date under a bar of the chart: `20 Nov`, or `11月20日`.
#[cfg(feature = "ssr")]
fn short_date(date: chrono::NaiveDate, locale: Locale) -> String {
    use chrono::Datelike;
    match locale {
        Locale::En => date.format("%-d %b").to_string(),
        Locale::ZhCn => format!("{}月{}日", date.month(), date.day()),
    }
}

/// Each report file's totals per currency.
#[cfg(feature = "ssr")]
fn report_amounts(files: &[domain::recon::report::ReportFile]) -> Vec<ReportAmounts> {
    files
        .iter()
        .map(|f| ReportAmounts {
            report: f.name.split('-').next().unwrap_or(&f.name).to_owned(),
            totals: f
                .totals
                .iter()
                .map(|(currency, total)| domain::money::grouped_decimal(*total, currency))
                .collect(),
        })
        .collect()
}

/// The manifest's control equations as table rows: per file, a row per currency, then one for the
/// unreadable records without an amount (when there are any).
#[cfg(feature = "ssr")]
fn control_rows(controls: &[domain::recon::control::FileControl]) -> Vec<ControlRow> {
    use domain::recon::control::Tally;
    let side = |t: &Tally, currency: &str| {
        let amount = domain::money::grouped_decimal(t.amount, currency);
        format!("{} · {amount}", t.records)
    };
    let mut rows = Vec::new();
    for file in controls {
        let name = file.object_key.rsplit('/').next().unwrap_or(&file.object_key).to_owned();
        let mut count = Some((file.records, file.accounted));
        for c in &file.currencies {
            rows.push(ControlRow {
                network: file.network.clone(),
                file: name.clone(),
                file_count: count.take(),
                status: file.status.clone(),
                currency: c.currency.clone(),
                in_file: c.file.as_ref().map(|t| side(t, &c.currency)).unwrap_or_else(|| "–".into()),
                matched: side(&c.matched, &c.currency),
                mismatched: side(&c.mismatched, &c.currency),
                resettlement: side(&c.resettlement, &c.currency),
                unreadable: side(&c.unreadable, &c.currency),
                not_zelle: side(&c.not_zelle, &c.currency),
                closes: c.closes && file.closes,
            });
        }
        if file.unreadable_without_amount > 0 || file.currencies.is_empty() {
            rows.push(ControlRow {
                network: file.network.clone(),
                file: name.clone(),
                file_count: count.take(),
                status: file.status.clone(),
                currency: String::new(),
                in_file: "–".into(),
                matched: "–".into(),
                mismatched: "–".into(),
                resettlement: "–".into(),
                unreadable: file.unreadable_without_amount.to_string(),
                not_zelle: "–".into(),
                closes: file.closes,
            });
        }
    }
    rows
}

#[cfg(feature = "ssr")]
async fn running_view(
    pool: &sqlx::PgPool,
    zone: domain::calendar::Tz,
) -> Result<Option<RunningView>, AppError> {
    let run = domain::recon::history::running(pool).await?;
    Ok(run.map(|run| RunningView {
        date: run.business_date.to_string(),
        version: run.version,
        stage: run.stage,
        started: crate::preferences::viewer::format_instant(run.started_at, zone),
        done: run.items_done,
        total: run.items_total,
    }))
}

/// The run in progress, for the dashboard to follow while it is open.
#[server(endpoint = "dashboard/running")]
pub async fn fetch_running_run() -> Result<Option<RunningView>, AppError> {
    crate::auth::server::require(domain::access::Permission::ViewDashboard).await?;
    let state = crate::state::AppState::from_context()?;
    let (zone, _) = crate::preferences::viewer::time_zone(&state.pool).await?;
    running_view(&state.pool, zone).await
}

/// How often an open dashboard asks whether a run is in progress and how far it has got.
const RUN_POLL: std::time::Duration = std::time::Duration::from_secs(3);

/// A share in tenths of a per cent as the person reads it: `98.2 %`, or `98.2%` in Chinese. Every
/// match rate on the page goes through here.
fn percent(permille: u32, locale: Locale) -> String {
    locale.f(text::PERCENT, &[&format!("{}.{}", permille / 10, permille % 10)])
}

/// A source's name (`visa` is Visa): a name, shown as it is in every language.
pub(crate) fn source_name(code: &str) -> String {
    match code {
        "visa" => "Visa".to_owned(),
        "mastercard" => "Mastercard".to_owned(),
        "zelle" => "Zelle".to_owned(),
        other => other.to_owned(),
    }
}

/// `text` with its `{}` filled by `name`, a name kept as it is in every language (so marked
/// `translate="no"`): `Not {}` with Zelle.
pub(crate) fn with_name(locale: Locale, text: Text, name: &'static str) -> impl IntoView {
    match locale.t(text).split_once("{}") {
        Some((before, after)) => view! { {before} <span translate="no">{name}</span> {after} }.into_any(),
        None => locale.t(text).into_any(),
    }
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| fetch_dashboard_overview());
    provide_context(OverviewRefresh(Callback::new(move |()| overview.refetch())));
    view! {
        <PageHeader title=crate::routes::DASHBOARD lede=text::LEDE/>
        <Loaded>
            {move || Suspend::new(async move {
                overview.await.map(|o| view! { <OverviewCards overview=o/> })
            })}
        </Loaded>
    }
}

/// The words for a report's code (its file name's first part).
fn report_name(report: &str) -> Option<Text> {
    match report {
        "matches" => Some(text::MATCHES),
        "mismatches" => Some(text::MISMATCHES),
        "resettlements" => Some(text::RESETTLEMENTS),
        _ => None,
    }
}

#[component]
fn OverviewCards(overview: DashboardOverview) -> impl IntoView {
    let locale = use_locale();
    let controls =
        overview.latest_run.as_ref().map(|run| (run.controls.clone(), run.files, run.files_not_closing));
    let feeds_heading = locale.f(text::FEEDS_FOR, &[&overview.feeds_date]);
    view! {
        <div class="cards">
            <section class="card" aria-labelledby="business-date-heading" data-test="business-date">
                <h2 id="business-date-heading">{locale.t(text::OPEN_BUSINESS_DATE)}</h2>
                <p class="figure">{overview.open_business_date}</p>
                <dl class="facts">
                    <dt>{locale.t(text::DAILY_CUTOFF)}</dt>
                    <dd>{overview.cutoff_wall_time} " " <span translate="no">{overview.operating_time_zone}</span></dd>
                    <dt>{locale.t(text::CLOSES_AT)}</dt>
                    <dd data-test="closes-at">{overview.closes_at}</dd>
                </dl>
            </section>
            <section class="card" aria-labelledby="reconciliation-heading" data-test="latest-run">
                <h2 id="reconciliation-heading">{locale.t(text::LATEST_RECONCILIATION)}</h2>
                {match overview.latest_run {
                    Some(run) => view! {
                        <p class="figure">{run.business_date}</p>
                        <dl class="facts">
                            <dt>{locale.t(text::MATCH_RATE)}</dt>
                            <dd data-test="match-rate">{run.match_rate_permille.map_or_else(|| "–".to_owned(), |p| percent(p, locale))}</dd>
                            <dt>{locale.t(text::NETWORK_RECORDS)}</dt><dd>{run.records}</dd>
                            <dt>{locale.t(text::MATCHES)}</dt><dd data-test="matches">{run.matches}</dd>
                            <dt>{locale.t(text::MISMATCHES)}</dt><dd data-test="mismatches">{run.mismatches}</dd>
                            <dt>{locale.t(text::RESETTLEMENTS)}</dt><dd data-test="resettlements">{run.resettlements}</dd>
                            <dt>{locale.t(text::VERSION)}</dt><dd>{run.version}</dd>
                            <dt>{locale.t(text::COMPLETED)}</dt><dd>{run.finished_at}</dd>
                        </dl>
                        <TableWrap label=locale.t(text::AMOUNTS)>
                            <table class="data" data-test="amounts">
                                <caption>{locale.t(text::AMOUNTS)}</caption>
                                <tbody>
                                    {run.amounts.into_iter().map(|a| view! {
                                        <tr>
                                            <th scope="row">{match report_name(&a.report) {
                                                Some(name) => view! { <span>{locale.t(name)}</span> }.into_any(),
                                                None => view! { <code translate="no">{a.report.clone()}</code> }.into_any(),
                                            }}</th>
                                            <td class="num" translate="no">{if a.totals.is_empty() { "–".to_owned() } else { a.totals.join(", ") }}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </TableWrap>
                    }.into_any(),
                    None => view! { <p class="muted">{with_name(locale, text::NO_RUN_YET, "Zelle")}</p> }.into_any(),
                }}
            </section>
            {controls.map(|(rows, files, not_closing)| view! {
                <section class="card wide" aria-labelledby="controls-heading" data-test="controls">
                    <h2 id="controls-heading">{locale.t(text::CONTROL_TOTALS)}</h2>
                    <ControlTotals rows files not_closing/>
                </section>
            })}
            <section class="card" aria-labelledby="feeds-heading" data-test="feeds">
                <h2 id="feeds-heading">{feeds_heading.clone()}</h2>
                <RunningStatus initial=overview.running.clone()/>
                <TableWrap label=feeds_heading>
                    <table class="data">
                        <thead><tr>
                            <th scope="col">{locale.t(common::SOURCE)}</th>
                            <th scope="col">{locale.t(text::STATE)}</th>
                            <th scope="col" class="num">{locale.t(text::FILES)}</th>
                            <th scope="col">{locale.t(text::FIRST_ARRIVED)}</th>
                            <th scope="col">{locale.t(text::DUE)}</th>
                        </tr></thead>
                        <tbody>
                            {overview.arrivals.into_iter().map(|a| view! {
                                <tr data-source=a.source.clone() data-state=a.state.clone()>
                                    <td translate="no">{source_name(&a.source)}</td>
                                    <td><span class=format!("status status-{}", a.state)>{label(Kind::Arrival, &a.state, locale)}</span></td>
                                    <td class="num">{a.received}</td>
                                    <td class="nowrap">{a.first_arrived}</td>
                                    <td class="nowrap">{a.due}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </TableWrap>
            </section>
            <section class="card" aria-labelledby="feed-problems-heading" data-test="feed-problems">
                <h2 id="feed-problems-heading">{locale.t(text::FEED_PROBLEMS)}</h2>
                {if overview.feed_problems.is_empty() {
                    view! { <p class="muted">{locale.t(text::NO_FEED_PROBLEMS)}</p> }.into_any()
                } else {
                    view! {
                        <ul class="plain">
                            {overview.feed_problems.into_iter().map(|p| view! {
                                <li data-date=p.date.clone() data-source=p.source.clone() data-state=p.state.clone()>
                                    <a href=format!("/feeds?date={}", p.date)>{p.date.clone()}</a>" "
                                    <span translate="no">{source_name(&p.source)}</span>" "
                                    <span class=format!("status status-{}", p.state)>{label(Kind::Arrival, &p.state, locale)}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
            <section class="card wide" aria-labelledby="trend-heading" data-test="trend">
                <h2 id="trend-heading">{locale.f(text::TREND_HEADING, &[&TREND_DATES])}</h2>
                <TrendChart points=overview.trend/>
            </section>
            <section class="card wide" aria-labelledby="statements-heading" data-test="statements">
                <h2 id="statements-heading">{locale.t(text::STATEMENTS)}</h2>
                {overview.statements.is_empty().then(|| view! { <p class="muted">{locale.t(text::NO_STATEMENTS)}</p> })}
                <TableWrap label=locale.t(text::STATEMENTS) hidden=overview.statements.is_empty()>
                    <table class="data">
                        <thead><tr>
                            <th scope="col">{locale.t(common::ACCOUNT)}</th>
                            <th scope="col">{locale.t(text::STATEMENT_DATE)}</th>
                            <th scope="col" class="num">{locale.t(text::BANK_BALANCE)}</th>
                            <th scope="col" class="num">{locale.t(text::LEDGER_BALANCE)}</th>
                            <th scope="col">{locale.t(text::BREAKS)}</th>
                        </tr></thead>
                        <tbody>
                            {overview.statements.into_iter().map(|s| {
                                let queue = format!("/exceptions?date={}", s.date);
                                view! {
                                <tr data-account=s.account.clone()>
                                    <td><a href=format!("/ledger/accounts/{}", s.account)><code translate="no">{s.account.clone()}</code></a>
                                        " " <span class="muted" translate="no">{s.currency}</span></td>
                                    <td class="nowrap">{s.date}</td>
                                    <td class="num nowrap" translate="no" data-test="bank-balance">{s.bank}</td>
                                    <td class="num nowrap" translate="no" data-test="ledger-balance">{s.ledger}</td>
                                    <td>{if s.agrees && s.breaks == 0 {
                                        view! { <span class="status status-ok">{locale.t(text::AGREES)}</span> }.into_any()
                                    } else {
                                        view! { <a class="status status-bad" href=queue data-test="statement-breaks">{locale.f(text::BREAKS_FOUND, &[&s.breaks])}</a> }.into_any()
                                    }}</td>
                                </tr>
                            }}).collect_view()}
                        </tbody>
                    </table>
                </TableWrap>
            </section>
            <section class="card" aria-labelledby="system-heading" data-test="system">
                <h2 id="system-heading">{locale.t(text::SYSTEM)}</h2>
                <dl class="facts">
                    <dt>{locale.t(text::DATABASE)}</dt>
                    <dd><span class="status status-ok">{locale.t(text::CONNECTED)}</span></dd>
                    <dt>{locale.t(text::SCHEMA_VERSION)}</dt>
                    <dd>{overview.schema_version}</dd>
                    <dt>{locale.t(text::TIMES_SHOWN_IN)}</dt>
                    <dd data-test="viewer-time-zone">
                        <span translate="no">{overview.viewer_time_zone}</span> " " <a href="/preferences">{locale.t(text::CHANGE)}</a>
                    </dd>
                    <dt>{locale.t(text::AS_OF)}</dt>
                    <dd>{overview.as_of}</dd>
                </dl>
            </section>
        </div>
    }
}

/// The day's control totals: for each network file and currency, the records in the file against
/// what the run made of them. A file that does not close is said in words at the top (an alert)
/// and marked on its rows.
#[component]
fn ControlTotals(rows: Vec<ControlRow>, files: usize, not_closing: usize) -> impl IntoView {
    let locale = use_locale();
    let verdict = if files == 0 {
        view! { <p class="muted" data-test="control-verdict">{locale.t(text::NO_NETWORK_FILE)}</p> }
            .into_any()
    } else if not_closing == 0 {
        view! {
            <p class="control-verdict closes" data-test="control-verdict">{locale.t(text::ALL_ACCOUNTED_FOR)}</p>
        }
        .into_any()
    } else {
        view! {
            <p class="control-verdict broken" role="alert" data-test="control-verdict">
                {locale.f(text::FILES_NOT_CLOSING, &[&not_closing])}
            </p>
        }
        .into_any()
    };
    view! {
        {verdict}
        {(!rows.is_empty()).then(|| view! {
            <TableWrap label=locale.t(text::CONTROL_TOTALS_TABLE)>
                <table class="data" data-test="control-totals">
                    <caption>{with_name(locale, text::CONTROL_EQUATION, "Zelle")}</caption>
                    <thead><tr>
                        <th scope="col">{locale.t(common::FILE)}</th>
                        // The verdict next to the file, not past the edge of a scrolled table.
                        <th scope="col">{locale.t(text::CLOSES)}</th>
                        <th scope="col">{locale.t(common::CURRENCY)}</th>
                        <th scope="col" class="num">{locale.t(text::IN_THE_FILE)}</th>
                        <th scope="col" class="num">{locale.t(text::MATCHED)}</th>
                        <th scope="col" class="num">{locale.t(text::MISMATCHED)}</th>
                        <th scope="col" class="num">{locale.t(text::RESETTLEMENT)}</th>
                        <th scope="col" class="num">{locale.t(text::UNREADABLE)}</th>
                        <th scope="col" class="num">{with_name(locale, text::NOT_ZELLE, "Zelle")}</th>
                    </tr></thead>
                    <tbody>
                        {rows.into_iter().map(|r| view! {
                            <tr class:control-broken=!r.closes data-test="control-row" data-network=r.network.clone() data-closes=r.closes.to_string()>
                                <th scope="row">
                                    <span translate="no">{source_name(&r.network)}</span> " · " <code translate="no">{r.file.clone()}</code>
                                    {r.file_count.map(|(records, accounted)| view! {
                                        <br/><span class="muted">{locale.f(text::FILE_COUNT, &[&records, &accounted])}</span>
                                    })}
                                    {match r.status.as_str() {
                                        "quarantined" => Some(locale.t(text::QUARANTINED_NOT_IN_RUN)),
                                        "received" => Some(locale.t(text::STILL_LOADING)),
                                        _ => None,
                                    }.map(|why| view! { <br/><strong data-test="control-status">{why}</strong> })}
                                </th>
                                <td data-test="control-closes">{locale.t(if r.closes { common::YES } else { common::NO })}</td>
                                <td>{if r.currency.is_empty() {
                                    view! { <span>{locale.t(text::AMOUNT_UNREADABLE)}</span> }.into_any()
                                } else {
                                    view! { <span translate="no">{r.currency.clone()}</span> }.into_any()
                                }}</td>
                                <td class="num nowrap" translate="no">{r.in_file.clone()}</td>
                                <td class="num nowrap" translate="no">{r.matched.clone()}</td>
                                <td class="num nowrap" translate="no">{r.mismatched.clone()}</td>
                                <td class="num nowrap" translate="no">{r.resettlement.clone()}</td>
                                <td class="num nowrap" translate="no" data-test="control-unreadable">{r.unreadable.clone()}</td>
                                <td class="num nowrap" translate="no">{r.not_zelle.clone()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </TableWrap>
        })}
    }
}

/// A run's stage in words (the run stores it in English).
fn stage_name(stage: &str) -> Option<Text> {
    Some(match stage {
        "loading" => text::STAGE_LOADING,
        "matching" => text::STAGE_MATCHING,
        "writing reports and items" => text::STAGE_WRITING,
        "indexing items" => text::STAGE_INDEXING,
        "completed" => text::STAGE_COMPLETED,
        _ => return None,
    })
}

/// The run in progress. Without JavaScript it is as of the page load; in the browser it is asked
/// for again every few seconds, and when a run ends the whole overview is read again (its figures
/// are then the new latest run's).
#[component]
fn RunningStatus(initial: Option<RunningView>) -> impl IntoView {
    let locale = use_locale();
    let running = RwSignal::new(initial);
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || {
                leptos::task::spawn_local(async move {
                    if let Ok(now) = fetch_running_run().await {
                        let ended = running.with_untracked(|before| before.is_some()) && now.is_none();
                        running.set(now);
                        if ended {
                            if let Some(overview) = use_context::<OverviewRefresh>() {
                                overview.0.run(());
                            }
                        }
                    }
                });
            },
            RUN_POLL,
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    });
    move || {
        running.get().map(|r| {
            let share = match (r.done, r.total) {
                (Some(done), Some(total)) if total > 0 => Some((done, total)),
                _ => None,
            };
            let stage = match stage_name(&r.stage) {
                Some(words) => locale.t(words).to_owned(),
                None => locale.f(text::STAGE_OTHER, &[&r.stage]),
            };
            view! {
                <div class="status status-running" role="status" data-test="running">
                    <p>{locale.f(text::RUNNING, &[&r.date, &r.version, &stage, &r.started])}</p>
                    {share.map(|(done, total)| view! {
                        <p>
                            <progress max=total value=done aria-label=locale.t(text::RECORDS_WRITTEN)></progress>
                            " " <span data-test="run-progress">{locale.f(text::RUN_PROGRESS, &[&done, &total, &(done * 100 / total)])}</span>
                        </p>
                    })}
                </div>
            }
        })
    }
}

/// Reads the dashboard's overview again (provided by the page to its parts).
#[derive(Clone, Copy)]
struct OverviewRefresh(Callback<()>);

/// Fewer dates than this are drawn as wide as this many would be: one date never fills the chart.
const MIN_SLOTS: usize = 12;
/// How many dates at most are written under the bars (the others are in the bars' titles and the
/// table).
const DATE_LABELS: usize = 5;

/// Match rate per date as bars from 0 %, drawn on the server: readable without JavaScript, and
/// described for screen readers by a table of the same figures. A date without a run is an empty
/// dashed slot, distinct from a bad day. Positions are in per cent of the drawing (the stylesheet
/// sets its size), so the text keeps its size at any width; the bars are drawn in a nested plot
/// that stretches.
#[component]
fn TrendChart(points: Vec<TrendPoint>) -> impl IntoView {
    let locale = use_locale();
    let latest = points.iter().rev().find_map(|p| Some((p, p.run.as_ref()?.match_rate_permille?)));
    let Some((latest, latest_rate)) = latest else {
        return view! { <p class="muted">{locale.f(text::NO_RECONCILED_DATES, &[&TREND_DATES])}</p> }
            .into_any();
    };
    // The plot, in per cent of the drawing: room on the left for the axis, below for the dates.
    const LEFT: f64 = 14.0;
    const RIGHT: f64 = 94.0;
    const TOP: f64 = 8.0;
    const BOTTOM: f64 = 76.0;
    /// The plot's own units: a slot per date, 1000 for 100 %.
    const SLOT: usize = 10;
    const FULL: u32 = 1000;
    /// How high a date without a run is outlined: low, so it never reads as a full bar.
    const NO_DATA_HEIGHT: u32 = 150;
    let count = points.len();
    let slots = count.max(MIN_SLOTS);
    let centre = |i: usize| LEFT + (RIGHT - LEFT) * (i as f64 + 0.5) / slots as f64;
    let step = count.div_ceil(DATE_LABELS).max(1);
    let summary = locale.f(
        text::TREND_SUMMARY,
        &[&points[0].long, &points[count - 1].long, &percent(latest_rate, locale), &latest.long],
    );
    let axis = [(0u32, BOTTOM), (50, (TOP + BOTTOM) / 2.0), (100, TOP)].map(|(value, y)| {
        let y = format!("{y}%");
        view! {
            <line x1=format!("{LEFT}%") x2=format!("{RIGHT}%") y1=y.clone() y2=y.clone()
                stroke="currentColor" stroke-opacity={if value == 0 { "1" } else { "0.25" }} stroke-width="1"/>
            <text x=format!("{}%", LEFT - 1.5) y=y dominant-baseline="middle" text-anchor="end"
                font-size="11" fill="currentColor">{locale.f(text::PERCENT, &[&value])}</text>
        }
    });
    let dates = points
        .iter()
        .enumerate()
        .filter(|(i, _)| (count - 1 - i) % step == 0)
        .map(|(i, p)| {
            view! {
                <text x=format!("{:.2}%", centre(i)) y="94%" text-anchor="middle" font-size="11" fill="currentColor">
                    {p.short.clone()}
                </text>
            }
        })
        .collect_view();
    let bars = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let x = i * SLOT + 2;
            let width = SLOT - 4;
            match p.run.as_ref().and_then(|r| r.match_rate_permille) {
                Some(rate) => {
                    // A bad day is a low bar; even 0 % keeps a sliver on the axis.
                    let height = rate.clamp(20, FULL);
                    view! {
                        <rect x=x.to_string() y=(FULL - height).to_string() width=width.to_string() height=height.to_string()>
                            <title>{format!("{}: {}", p.long, percent(rate, locale))}</title>
                        </rect>
                    }
                    .into_any()
                }
                // No run: a low dashed outline on the axis. Full height it read as a 100 % day;
                // outlined and empty it cannot be taken for a bar, even a 0 % one.
                None => view! {
                    <path d=format!("M{x} {}h{width}v{NO_DATA_HEIGHT}h-{width}Z", FULL - NO_DATA_HEIGHT) fill="none"
                        stroke="currentColor" stroke-opacity="0.7" stroke-width="1" stroke-dasharray="3 3"
                        vector-effect="non-scaling-stroke">
                        <title>{format!("{}: {}", p.long, locale.t(text::NO_DATA))}</title>
                    </path>
                }
                .into_any(),
            }
        })
        .collect_view();
    view! {
        <svg class="trend" role="img" aria-label=summary data-test="trend-chart">
            {axis}
            <svg x=format!("{LEFT}%") y=format!("{TOP}%") width=format!("{}%", RIGHT - LEFT) height=format!("{}%", BOTTOM - TOP)
                viewBox=format!("0 0 {} {FULL}", slots * SLOT) preserveAspectRatio="none">
                {bars}
            </svg>
            {dates}
        </svg>
        // In a hidden box rather than hidden itself: a table is never narrower than its content, and
        // would widen a phone's page.
        <div class="visually-hidden">
        <table>
            <caption>{locale.t(text::TREND_TABLE)}</caption>
            <thead><tr>
                <th scope="col">{locale.t(common::DATE)}</th>
                <th scope="col">{locale.t(text::MATCH_RATE)}</th>
                <th scope="col">{locale.t(text::EXCEPTIONS)}</th>
            </tr></thead>
            <tbody>
                {points.into_iter().map(|p| {
                    let (rate, exceptions) = match &p.run {
                        Some(run) => (
                            run.match_rate_permille.map_or_else(|| "–".to_owned(), |r| percent(r, locale)),
                            run.exceptions.to_string(),
                        ),
                        None => (locale.t(text::NO_DATA_CELL).to_owned(), "–".to_owned()),
                    };
                    view! { <tr data-date=p.date><td>{p.long}</td><td>{rate}</td><td>{exceptions}</td></tr> }
                }).collect_view()}
            </tbody>
        </table>
        </div>
    }
    .into_any()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn point(date: &str, rate: Option<u32>) -> TrendPoint {
        TrendPoint {
            date: date.to_owned(),
            short: date[5..].to_owned(),
            long: format!("the {date}"),
            run: rate.map(|r| DayFigures { match_rate_permille: Some(r), exceptions: 3 }),
        }
    }

    #[test]
    fn a_match_rate_reads_the_same_everywhere() {
        assert_eq!(percent(982, Locale::En), "98.2 %");
        assert_eq!(percent(1000, Locale::En), "100.0 %");
        assert_eq!(percent(5, Locale::ZhCn), "0.5%");
    }

    #[test]
    fn the_chart_draws_from_zero_with_an_axis_dates_and_the_dates_without_a_run() {
        let owner = Owner::new();
        owner.set();
        let points =
            vec![point("2026-11-19", None), point("2026-11-20", Some(982)), point("2026-11-23", Some(0))];
        let html = view! { <TrendChart points/> }.to_html();
        for axis in ["0 %", "50 %", "100 %"] {
            assert!(html.contains(&format!(">{axis}<")), "{axis}: {html}");
        }
        // Bars stand on 0 %: 98.2 % is 982 of 1000 high, and 0 % still shows on the axis.
        assert!(html.contains(r#"y="18" width="6" height="982""#), "{html}");
        assert!(html.contains(r#"y="980" width="6" height="20""#), "{html}");
        // The date without a run is a low empty outline on the axis (never a full-height box),
        // titled as such, and said so in the table.
        assert_eq!(html.matches("<path").count(), 1, "{html}");
        assert!(html.contains(r#"d="M2 850h6v150h-6Z""#), "{html}");
        assert!(html.contains("the 2026-11-19: no data"), "{html}");
        // Three dates take a quarter of the plot: one date never fills it.
        assert!(html.contains(&format!(r#"viewBox="0 0 {} 1000""#, MIN_SLOTS * 10)), "{html}");
        // Dates under the bars, and the table with the card's figure.
        assert!(html.contains(">11-23<"), "{html}");
        assert!(html.contains("<td>98.2 %<"), "{html}");
    }
}

mod text {
    crate::texts! {
        LEDE = "Where today's settlement reconciliation stands.", "今日清算对账的进展。";
        STATEMENTS = "Bank statements against the ledger", "银行对账单与分类账";
        NO_STATEMENTS = "No bank statement taken in yet.", "尚未接收银行对账单。";
        STATEMENT_DATE = "Statement of", "对账单日期";
        BANK_BALANCE = "Bank's closing balance", "银行期末余额";
        LEDGER_BALANCE = "Ledger's balance", "分类账余额";
        BREAKS = "Breaks", "差异";
        AGREES = "Agrees", "一致";
        BREAKS_FOUND = "Open breaks: {}", "未解决差异：{}";
        PERCENT = "{} %", "{}%";
        OPEN_BUSINESS_DATE = "Open business date", "当前营业日";
        DAILY_CUTOFF = "Daily cutoff", "每日截止时间";
        CLOSES_AT = "Closes at", "截止于";
        LATEST_RECONCILIATION = "Latest reconciliation", "最近一次对账";
        MATCH_RATE = "Match rate", "匹配率";
        NETWORK_RECORDS = "Network records", "卡组织记录数";
        MATCHES = "Matches", "匹配项";
        MISMATCHES = "Mismatches", "不匹配项";
        RESETTLEMENTS = "Resettlements", "重新结算项";
        VERSION = "Version", "版本";
        COMPLETED = "Completed", "完成时间";
        AMOUNTS = "Amounts per report and currency", "按报表和币种的金额";
        NO_RUN_YET = "No reconciliation has completed yet. Runs start after each business date's cutoff, once the card-network feeds and the {} extract have arrived.", "尚无已完成的对账。每个营业日截止后，待卡组织数据文件和 {} 提取文件到达，即开始运行对账。";
        CONTROL_TOTALS = "Control totals", "控制总数";
        FEEDS_FOR = "Feeds for {}", "{} 的数据文件";
        STATE = "State", "状态";
        FILES = "Files", "文件数";
        FIRST_ARRIVED = "First arrived", "首次到达";
        DUE = "Due", "应到时间";
        FEED_PROBLEMS = "Feed problems this week", "近 7 天数据文件问题";
        NO_FEED_PROBLEMS = "Every file of the last week came on time.", "近 7 天的每个文件都按时到达。";
        TREND_HEADING = "Match rate, last {} business dates", "匹配率（最近 {} 个营业日）";
        SYSTEM = "System", "系统";
        DATABASE = "Database", "数据库";
        CONNECTED = "Connected", "已连接";
        SCHEMA_VERSION = "Schema version", "数据库结构版本";
        TIMES_SHOWN_IN = "Times shown in", "时间显示时区";
        CHANGE = "(change)", "（更改）";
        AS_OF = "As of", "数据截至";
        NO_NETWORK_FILE = "This run read no network file.", "本次运行未读取任何卡组织文件。";
        ALL_ACCOUNTED_FOR = "Every record of the day's network files is accounted for once.", "当日卡组织文件中的每条记录均已核算且仅核算一次。";
        FILES_NOT_CLOSING = "Network files whose control totals do not close: {}", "控制总数不平的卡组织文件数：{}";
        CONTROL_TOTALS_TABLE = "Control totals per file and currency", "按文件和币种的控制总数";
        CONTROL_EQUATION = "Records in each file = matched + mismatched + resettlement + unreadable + not {} (count · amount)", "每个文件的记录 = 匹配 + 不匹配 + 重新结算 + 无法读取 + 非 {}（笔数 · 金额）";
        IN_THE_FILE = "In the file", "文件中";
        MATCHED = "Matched", "匹配";
        MISMATCHED = "Mismatched", "不匹配";
        RESETTLEMENT = "Resettlement", "重新结算";
        UNREADABLE = "Unreadable", "无法读取";
        NOT_ZELLE = "Not {}", "非 {}";
        CLOSES = "Closes", "是否平衡";
        FILE_COUNT = "{} records, {} accounted for", "{} 条记录，已核算 {} 条";
        QUARANTINED_NOT_IN_RUN = "Quarantined: none of its records is in this run.", "已隔离：其记录均未纳入本次运行。";
        STILL_LOADING = "Still loading: not in this run.", "仍在加载：未纳入本次运行。";
        AMOUNT_UNREADABLE = "amount unreadable", "金额无法读取";
        RUNNING = "Running: {}, version {}: {} (started {})", "正在运行：{}，第 {} 版：{}（开始于 {}）";
        STAGE_LOADING = "loading", "正在加载";
        STAGE_MATCHING = "matching", "正在匹配";
        STAGE_WRITING = "writing reports and items", "正在写入报表和明细";
        STAGE_INDEXING = "indexing items", "正在为明细建立索引";
        STAGE_COMPLETED = "completed", "已完成";
        STAGE_OTHER = "stage {}", "阶段 {}";
        RECORDS_WRITTEN = "Records written", "已写入记录";
        RUN_PROGRESS = "{} of {} records ({} %)", "{} / {} 条记录（{}%）";
        NO_RECONCILED_DATES = "None of the last {} business dates has been reconciled yet.", "最近 {} 个营业日均尚未对账。";
        NO_DATA = "no data", "无数据";
        NO_DATA_CELL = "No data", "无数据";
        TREND_SUMMARY = "Match rate from {} to {}: latest {} on {}", "{0}至{1}的匹配率：最近一次（{3}）为 {2}";
        TREND_TABLE = "Match rate and exceptions per business date", "各营业日的匹配率和异常数";
        EXCEPTIONS = "Exceptions", "异常数";
    }
}
