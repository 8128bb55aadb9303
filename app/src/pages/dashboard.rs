//! The landing page: where the current business date stands.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, ErrorNotice};
use crate::layout::PageHeader;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardOverview {
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
    /// The business date whose feeds are shown, and what arrived per source.
    pub feeds_date: String,
    pub arrivals: Vec<ArrivalView>,
    /// Sources late, missing or quarantined on the dates of the last week (the Feeds page has
    /// the files).
    pub feed_problems: Vec<FeedProblem>,
    /// Match rate per business date, oldest first, for the last 30 reconciled dates.
    pub trend: Vec<TrendPoint>,
}

/// A run in progress: in words (date, version, stage, since when) and how far it has got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunningView {
    pub summary: String,
    /// Records written to the reports and items, of how many, once that stage has begun.
    pub done: Option<i64>,
    pub total: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArrivalView {
    pub source: String,
    pub received: i64,
    pub parsed: i64,
    pub quarantined: i64,
    /// An `ingest::ArrivalState` code: `received`, `late` (after the source's due time),
    /// `missing`, `not_due_yet` or `quarantined`.
    pub state: String,
    /// When the first file landed in the inbound store, in the viewer's zone.
    pub first_arrived: String,
    /// When the source's file was due, in the viewer's zone.
    pub due: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedProblem {
    pub date: String,
    pub source: String,
    /// `late`, `missing` or `quarantined`.
    pub state: String,
}

/// An arrival state (`ingest::ArrivalState::code`) in words, to be translated.
pub(crate) fn arrival_state_label(code: &str) -> &'static str {
    match code {
        "received" => "Received",
        "late" => "Late",
        "missing" => "Missing",
        "not_due_yet" => "Not due yet",
        "quarantined" => "Quarantined",
        "not_expected" => "Not expected",
        _ => "Unknown",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendPoint {
    pub date: String,
    /// Tenths of a per cent (977 is 97.7 %), to stay exact in transit.
    pub match_rate_permille: u32,
    pub exceptions: u64,
}

/// The newest completed reconciliation run, in brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatestRun {
    pub business_date: String,
    pub version: i32,
    pub finished_at: String,
    pub records: i64,
    pub matches: u64,
    pub mismatches: u64,
    pub resettlements: u64,
    /// Matches as a share of the network records, e.g. `97.7 %`.
    pub match_rate: String,
    /// Per report (matches, mismatches, resettlements): its rows' total in each currency.
    pub amounts: Vec<(String, String)>,
    /// The day's control totals, a row per network file and currency.
    pub controls: Vec<ControlRow>,
    /// Network files whose control totals do not close.
    pub files_not_closing: usize,
    /// Network files the run read.
    pub files: usize,
}

/// One line of a file's control equation: records in the file = matched + mismatched +
/// resettlement + unreadable, in one currency (or, for unreadable records whose amount cannot be
/// read, in none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlRow {
    pub network: String,
    /// The file's name (the last part of its object key).
    pub file: String,
    /// The file's own count on its first row: "N records, M accounted for".
    pub file_count: Option<String>,
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

#[server(endpoint = "dashboard/overview")]
pub async fn fetch_dashboard_overview() -> Result<DashboardOverview, AppError> {
    use crate::preferences::viewer;
    use domain::db::SchemaStatus;

    crate::auth::server::require(domain::access::Permission::ViewDashboard).await?;
    let state = crate::state::AppState::from_context()?;
    let schedule = viewer::operating_schedule(&state.pool).await?;
    let (viewer_zone, _) = viewer::time_zone(&state.pool).await?;
    let schema_version = match domain::db::schema_status(&state.pool).await {
        Ok(SchemaStatus::Current { version } | SchemaStatus::Ahead { version, .. }) => version,
        Ok(other) => return Err(AppError::internal(format!("database schema not ready: {other:?}"))),
        Err(e) => return Err(AppError::database(&e)),
    };
    let latest_run = domain::recon::run::latest_completed(&state.pool)
        .await
        .map_err(|e| AppError::database(&e))?
        .map(|run| {
            let sum = |prefix: &str| {
                run.counts.iter().filter(|(k, _)| k.starts_with(prefix)).map(|(_, n)| *n).sum::<u64>()
            };
            let matches = sum("match");
            let amounts = run
                .manifest
                .files
                .iter()
                .map(|f| {
                    let report = f.name.split('-').next().unwrap_or(&f.name).to_owned();
                    let totals: Vec<String> = f
                        .totals
                        .iter()
                        .map(|(currency, total)| domain::money::grouped_decimal(*total, currency))
                        .collect();
                    (report, if totals.is_empty() { "–".to_owned() } else { totals.join(", ") })
                })
                .collect();
            let controls = control_rows(&run.manifest.controls);
            LatestRun {
                files_not_closing: run.manifest.controls.iter().filter(|c| !c.closes).count(),
                files: run.manifest.controls.len(),
                controls,
                amounts,
                business_date: run.business_date.format("%A %-d %B %Y").to_string(),
                version: run.version,
                finished_at: viewer::format_instant(run.finished_at, viewer_zone),
                records: run.records,
                matches,
                mismatches: sum("mismatch"),
                resettlements: sum("resettlement"),
                match_rate: if run.records > 0 {
                    format!("{:.1} %", matches as f64 * 100.0 / run.records as f64)
                } else {
                    "–".into()
                },
            }
        });
    let now = chrono::Utc::now();
    let open = schedule.open_business_date(now);
    let running = running_view(&state.pool, viewer_zone).await?;
    // The feeds of the date most recently closed: the one whose files should all be in.
    let feeds_date = schedule.closed_dates(now, 1).into_iter().next().unwrap_or(open);
    let arrivals = domain::ingest::arrivals(&state.pool, feeds_date, schedule.time_zone)
        .await
        .map_err(|e| AppError::database(&e))?
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
            parsed: a.parsed,
            quarantined: a.quarantined,
        })
        .collect();
    let mut feed_problems = Vec::new();
    for date in schedule.closed_dates(now, 7).into_iter().rev() {
        let arrivals = domain::ingest::arrivals(&state.pool, date, schedule.time_zone)
            .await
            .map_err(|e| AppError::database(&e))?;
        for a in arrivals {
            let state = a.state(now);
            use domain::ingest::ArrivalState::{Late, Missing, Quarantined};
            if matches!(state, Late | Missing | Quarantined) {
                feed_problems.push(FeedProblem {
                    date: date.to_string(),
                    source: a.source,
                    state: state.code().to_owned(),
                });
            }
        }
    }
    let trend = domain::recon::run::trend(&state.pool, 30)
        .await
        .map_err(|e| AppError::database(&e))?
        .into_iter()
        .map(|day| {
            let matches: u64 =
                day.counts.iter().filter(|(k, _)| k.as_str() == "match").map(|(_, n)| *n).sum();
            let all: u64 = day.counts.values().sum();
            TrendPoint {
                date: day.business_date.to_string(),
                match_rate_permille: if day.records > 0 {
                    (matches * 1000 / day.records as u64) as u32
                } else {
                    0
                },
                exceptions: all - matches,
            }
        })
        .collect();
    Ok(DashboardOverview {
        open_business_date: open.format("%A %-d %B %Y").to_string(),
        cutoff_wall_time: schedule.cutoff.format("%H:%M").to_string(),
        operating_time_zone: schedule.time_zone.name().to_owned(),
        closes_at: viewer::format_instant(schedule.cutoff_instant(open), viewer_zone),
        viewer_time_zone: viewer_zone.name().to_owned(),
        as_of: viewer::format_instant(now, viewer_zone),
        schema_version,
        latest_run,
        running,
        feeds_date: feeds_date.to_string(),
        arrivals,
        feed_problems,
        trend,
    })
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
        let mut count = Some(format!("{} records, {} accounted for", file.records, file.accounted));
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
    let run = domain::recon::run::running(pool).await.map_err(|e| AppError::database(&e))?;
    Ok(run.map(|run| RunningView {
        summary: format!(
            "{}, version {}: {} (started {})",
            run.business_date,
            run.version,
            run.stage,
            crate::preferences::viewer::format_instant(run.started_at, zone)
        ),
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

#[component]
pub fn DashboardPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| fetch_dashboard_overview());
    provide_context(OverviewRefresh(Callback::new(move |()| overview.refetch())));
    view! {
        <PageHeader title=crate::routes::DASHBOARD lede=text::LEDE/>
        <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors/> }>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    overview.await.map(|o| view! { <OverviewCards overview=o/> })
                })}
            </Suspense>
        </ErrorBoundary>
    }
}

#[component]
fn OverviewCards(overview: DashboardOverview) -> impl IntoView {
    let locale = crate::i18n::use_locale();
    let controls =
        overview.latest_run.as_ref().map(|run| (run.controls.clone(), run.files, run.files_not_closing));
    view! {
        <div class="cards">
            <section class="card" aria-labelledby="business-date-heading" data-test="business-date">
                <h2 id="business-date-heading">"Open business date"</h2>
                <p class="figure">{overview.open_business_date}</p>
                <dl class="facts">
                    <dt>"Daily cutoff"</dt>
                    <dd>{overview.cutoff_wall_time} " " {overview.operating_time_zone}</dd>
                    <dt>"Closes at"</dt>
                    <dd data-test="closes-at">{overview.closes_at}</dd>
                </dl>
            </section>
            <section class="card" aria-labelledby="reconciliation-heading" data-test="latest-run">
                <h2 id="reconciliation-heading">"Latest reconciliation"</h2>
                {match overview.latest_run {
                    Some(run) => view! {
                        <p class="figure">{run.business_date}</p>
                        <dl class="facts">
                            <dt>"Match rate"</dt><dd data-test="match-rate">{run.match_rate}</dd>
                            <dt>"Network records"</dt><dd>{run.records}</dd>
                            <dt>"Matches"</dt><dd data-test="matches">{run.matches}</dd>
                            <dt>"Mismatches"</dt><dd data-test="mismatches">{run.mismatches}</dd>
                            <dt>"Resettlements"</dt><dd data-test="resettlements">{run.resettlements}</dd>
                            <dt>"Version"</dt><dd>{run.version}</dd>
                            <dt>"Completed"</dt><dd>{run.finished_at}</dd>
                        </dl>
                        <table class="data" data-test="amounts">
                            <caption>"Amounts per report and currency"</caption>
                            <tbody>
                                {run.amounts.into_iter().map(|(report, totals)| view! {
                                    <tr><th scope="row">{report}</th><td class="num">{totals}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    None => view! {
                        <p class="muted">
                            "No reconciliation has completed yet. Runs start after each business date's "
                            "cutoff, once the card-network feeds and the Zelle extract have arrived."
                        </p>
                    }.into_any(),
                }}
            </section>
            {controls.map(|(rows, files, not_closing)| view! {
                <section class="card wide" aria-labelledby="controls-heading" data-test="controls">
                    <h2 id="controls-heading">{locale.tr("Control totals")}</h2>
                    <ControlTotals rows files not_closing/>
                </section>
            })}
            <section class="card" aria-labelledby="feeds-heading" data-test="feeds">
                <h2 id="feeds-heading">"Feeds for " {overview.feeds_date.clone()}</h2>
                <RunningStatus initial=overview.running.clone()/>
                <table class="data">
                    <thead><tr><th scope="col">{locale.tr("Source")}</th><th scope="col">{locale.tr("State")}</th><th scope="col" class="num">{locale.tr("Files")}</th><th scope="col">{locale.tr("First arrived")}</th><th scope="col">{locale.tr("Due")}</th></tr></thead>
                    <tbody>
                        {overview.arrivals.iter().cloned().map(|a| view! {
                            <tr data-source=a.source.clone() data-state=a.state.clone()>
                                <td>{a.source.clone()}</td>
                                <td><span class=format!("status status-{}", a.state)>{locale.tr(arrival_state_label(&a.state))}</span></td>
                                <td class="num">{a.received}</td>
                                <td class="nowrap">{a.first_arrived}</td>
                                <td class="nowrap">{a.due}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
            <section class="card" aria-labelledby="feed-problems-heading" data-test="feed-problems">
                <h2 id="feed-problems-heading">{locale.tr("Feed problems this week")}</h2>
                {if overview.feed_problems.is_empty() {
                    view! { <p class="muted">{locale.tr("Every file of the last week came on time.")}</p> }.into_any()
                } else {
                    view! {
                        <ul class="plain">
                            {overview.feed_problems.into_iter().map(|p| view! {
                                <li data-date=p.date.clone() data-source=p.source.clone() data-state=p.state.clone()>
                                    <a href=format!("/feeds?date={}", p.date)>{p.date.clone()}</a>" "{p.source.clone()}" "
                                    <span class=format!("status status-{}", p.state)>{locale.tr(arrival_state_label(&p.state))}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
            <section class="card wide" aria-labelledby="trend-heading" data-test="trend">
                <h2 id="trend-heading">"Match rate, last 30 reconciled dates"</h2>
                <TrendChart points=overview.trend.clone()/>
            </section>
            <section class="card" aria-labelledby="system-heading" data-test="system">
                <h2 id="system-heading">"System"</h2>
                <dl class="facts">
                    <dt>"Database"</dt>
                    <dd><span class="status status-ok">"Connected"</span></dd>
                    <dt>"Schema version"</dt>
                    <dd>{overview.schema_version}</dd>
                    <dt>"Times shown in"</dt>
                    <dd data-test="viewer-time-zone">
                        {overview.viewer_time_zone} " " <a href="/preferences">"(change)"</a>
                    </dd>
                    <dt>"As of"</dt>
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
    let locale = crate::i18n::use_locale();
    let verdict = if files == 0 {
        view! { <p class="muted" data-test="control-verdict">{locale.tr("This run read no network file.")}</p> }.into_any()
    } else if not_closing == 0 {
        view! {
            <p class="control-verdict closes" data-test="control-verdict">
                {locale.tr("Every record of the day's network files is accounted for once.")}
            </p>
        }
        .into_any()
    } else {
        view! {
            <p class="control-verdict broken" role="alert" data-test="control-verdict">
                {format!("{} {not_closing}", locale.tr("Network files whose control totals do not close:"))}
            </p>
        }
        .into_any()
    };
    view! {
        {verdict}
        {(!rows.is_empty()).then(|| view! {
            // Scrolls sideways on a narrow screen: focusable, so a keyboard can scroll it too.
            <div class="table-wrap" tabindex="0" role="region" aria-label=locale.tr("Control totals per file and currency")>
                <table class="data" data-test="control-totals">
                    <caption>{locale.tr("Records in each file = matched + mismatched + resettlement + unreadable + not Zelle (count · amount)")}</caption>
                    <thead><tr>
                        <th scope="col">{locale.tr("File")}</th>
                        <th scope="col">{locale.tr("Currency")}</th>
                        <th scope="col" class="num">{locale.tr("In the file")}</th>
                        <th scope="col" class="num">{locale.tr("Matched")}</th>
                        <th scope="col" class="num">{locale.tr("Mismatched")}</th>
                        <th scope="col" class="num">{locale.tr("Resettlement")}</th>
                        <th scope="col" class="num">{locale.tr("Unreadable")}</th>
                        <th scope="col" class="num">{locale.tr("Not Zelle")}</th>
                        <th scope="col">{locale.tr("Closes")}</th>
                    </tr></thead>
                    <tbody>
                        {rows.into_iter().map(|r| view! {
                            <tr class:control-broken=!r.closes data-test="control-row" data-network=r.network.clone() data-closes=r.closes.to_string()>
                                <th scope="row">
                                    {r.network.clone()} " · " <code>{r.file.clone()}</code>
                                    {r.file_count.clone().map(|c| view! { <br/><span class="muted">{c}</span> })}
                                    {match r.status.as_str() {
                                        "quarantined" => Some(locale.tr("Quarantined: none of its records is in this run.")),
                                        "received" => Some(locale.tr("Still loading: not in this run.")),
                                        _ => None,
                                    }.map(|why| view! { <br/><strong data-test="control-status">{why}</strong> })}
                                </th>
                                <td>{if r.currency.is_empty() { locale.tr("amount unreadable").to_owned() } else { r.currency.clone() }}</td>
                                <td class="num nowrap">{r.in_file.clone()}</td>
                                <td class="num nowrap">{r.matched.clone()}</td>
                                <td class="num nowrap">{r.mismatched.clone()}</td>
                                <td class="num nowrap">{r.resettlement.clone()}</td>
                                <td class="num nowrap" data-test="control-unreadable">{r.unreadable.clone()}</td>
                                <td class="num nowrap">{r.not_zelle.clone()}</td>
                                <td>{if r.closes { locale.tr("Yes") } else { locale.tr("No") }}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        })}
    }
}

/// The run in progress. Without JavaScript it is as of the page load; in the browser it is asked
/// for again every few seconds, and when a run ends the whole overview is read again (its figures
/// are then the new latest run's).
#[component]
fn RunningStatus(initial: Option<RunningView>) -> impl IntoView {
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
            view! {
                <div class="status status-running" role="status" data-test="running">
                    <p>"Running: " {r.summary}</p>
                    {share.map(|(done, total)| view! {
                        <p>
                            <progress max=total value=done aria-label="Records written"></progress>
                            " " <span data-test="run-progress">{format!("{done} of {total} records ({} %)", done * 100 / total)}</span>
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

/// Match rate per date as bars, drawn on the server: readable without JavaScript, and described
/// for screen readers by a table of the same figures.
#[component]
fn TrendChart(points: Vec<TrendPoint>) -> impl IntoView {
    if points.is_empty() {
        return view! { <p class="muted">"No reconciled dates yet."</p> }.into_any();
    }
    const WIDTH: usize = 600;
    const HEIGHT: u32 = 120;
    // The axis starts at 90 %: rates live near the top, and the differences are what matter.
    const FLOOR: u32 = 900;
    let slot = WIDTH / points.len().max(1);
    let bar = slot.saturating_sub(2).max(1);
    let summary = format!(
        "Match rate from {} to {}: latest {}.{} %",
        points[0].date,
        points[points.len() - 1].date,
        points[points.len() - 1].match_rate_permille / 10,
        points[points.len() - 1].match_rate_permille % 10
    );
    view! {
        <svg class="trend" role="img" aria-label=summary viewBox=format!("0 0 {WIDTH} {HEIGHT}") preserveAspectRatio="none">
            {points.iter().enumerate().map(|(i, p)| {
                let height = p.match_rate_permille.saturating_sub(FLOOR) * HEIGHT / (1000 - FLOOR);
                view! {
                    <rect x=(i * slot).to_string() y=(HEIGHT - height).to_string() width=bar.to_string() height=height.to_string()>
                        <title>{format!("{}: {}.{} %", p.date, p.match_rate_permille / 10, p.match_rate_permille % 10)}</title>
                    </rect>
                }
            }).collect_view()}
        </svg>
        <table class="visually-hidden">
            <caption>"Match rate and exceptions per business date"</caption>
            <thead><tr><th scope="col">"Date"</th><th scope="col">"Match rate"</th><th scope="col">"Exceptions"</th></tr></thead>
            <tbody>
                {points.into_iter().map(|p| view! {
                    <tr><td>{p.date}</td><td>{format!("{}.{} %", p.match_rate_permille / 10, p.match_rate_permille % 10)}</td><td>{p.exceptions}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

mod text {
    crate::texts! {
        LEDE = "Where today's settlement reconciliation stands.", "今日清算对账的进展。";
    }
}
