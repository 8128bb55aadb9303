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
            LatestRun {
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
    Ok(DashboardOverview {
        open_business_date: open.format("%A %-d %B %Y").to_string(),
        cutoff_wall_time: schedule.cutoff.format("%H:%M").to_string(),
        operating_time_zone: schedule.time_zone.name().to_owned(),
        closes_at: viewer::format_instant(schedule.cutoff_instant(open), viewer_zone),
        viewer_time_zone: viewer_zone.name().to_owned(),
        as_of: viewer::format_instant(now, viewer_zone),
        schema_version,
        latest_run,
    })
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| fetch_dashboard_overview());
    view! {
        <PageHeader title="Dashboard" lede="Where today's settlement reconciliation stands."/>
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
                    }.into_any(),
                    None => view! {
                        <p class="muted">
                            "No reconciliation has completed yet. Runs start after each business date's "
                            "cutoff, once the card-network feeds and the Zelle extract have arrived."
                        </p>
                    }.into_any(),
                }}
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
