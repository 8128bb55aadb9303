//! Feeds: every inbound file of the recent business dates, by date and source (what arrived and
//! when, whether it was due, what it held, and for a quarantined file why in words). Associates
//! read; admins act: re-run a date with a reason, release a quarantined file by its corrected
//! replacement, mark a source as not expected. The actions are plain forms posting to the server
//! (`server/src/feed_ops.rs`), which sends the browser back here with what happened as a code.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, ErrorNotice};
use crate::i18n::Locale;
use crate::layout::PageHeader;
use crate::pages::dashboard::arrival_state_label;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedsView {
    pub dates: Vec<DateView>,
    /// Whether the viewer may act (an admin).
    pub can_act: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateView {
    /// YYYY-MM-DD.
    pub date: String,
    pub shown: String,
    /// Whether the date has closed (a re-run can be asked for).
    pub closed: bool,
    pub sources: Vec<SourceView>,
    pub files: Vec<FileView>,
    pub requests: Vec<RequestView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceView {
    pub source: String,
    /// An `ingest::ArrivalState` code.
    pub state: String,
    pub due: String,
    pub not_expected: Option<String>,
    /// Whether no file of it came (so it may be marked not expected).
    pub nothing_came: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileView {
    pub id: i64,
    pub source: String,
    pub name: String,
    /// `received`, `parsed`, `quarantined`, `duplicate`.
    pub status: String,
    pub arrived: String,
    pub taken_in: String,
    pub records: Option<i64>,
    pub unreadable: Option<i64>,
    /// Per currency: "USD 1,234.56 in 1,155 records".
    pub totals: Vec<String>,
    pub reason: Option<String>,
    pub duplicate_of: Option<i64>,
    pub replaced_by: Option<String>,
    pub released: Option<String>,
    /// Late against its source's due time.
    pub late: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestView {
    pub summary: String,
    pub outcome: String,
}

/// The feeds of `date`, or of the dates a file may still arrive for (the last week and today).
/// `error` is the code of the admin action that was just refused: the page then answers 422.
#[server(endpoint = "feeds/overview")]
pub async fn feeds_overview(date: Option<String>, error: Option<String>) -> Result<FeedsView, AppError> {
    use crate::preferences::viewer;
    use domain::ingest::operations;
    use std::collections::BTreeMap;

    let user = crate::auth::server::require(domain::access::Permission::ViewReports).await?;
    let state = crate::state::AppState::from_context()?;
    if error.is_some() {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::UNPROCESSABLE_ENTITY);
        }
    }
    let schedule = viewer::operating_schedule(&state.pool).await?;
    let (zone, _) = viewer::time_zone(&state.pool).await?;
    let now = chrono::Utc::now();
    let open = schedule.open_business_date(now);
    let dates: Vec<chrono::NaiveDate> = match date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => {
            vec![d.parse().map_err(|_| AppError::Invalid(format!("'{d}' is not a date (YYYY-MM-DD)")))?]
        }
        None => {
            let mut dates = schedule.closed_dates(now, 7);
            dates.push(open);
            dates.reverse();
            dates
        }
    };
    let (from, to) = (*dates.iter().min().expect("a date"), *dates.iter().max().expect("a date"));
    let db = |e: sqlx::Error| AppError::database(&e);
    let files = operations::files_between(&state.pool, from, to).await.map_err(db)?;
    let requests = operations::run_requests_between(&state.pool, from, to).await.map_err(db)?;
    let mut views = Vec::new();
    for date in dates {
        let arrivals = domain::ingest::arrivals(&state.pool, date, schedule.time_zone).await.map_err(db)?;
        let due: BTreeMap<String, chrono::DateTime<chrono::Utc>> =
            arrivals.iter().map(|a| (a.source.clone(), a.due)).collect();
        let sources = arrivals
            .iter()
            .map(|a| SourceView {
                source: a.source.clone(),
                state: a.state(now).code().to_owned(),
                due: viewer::format_instant(a.due, zone),
                not_expected: a.not_expected.clone(),
                nothing_came: a.files == 0,
            })
            .collect();
        let files = files
            .iter()
            .filter(|f| f.business_date == date)
            .map(|f| {
                let arrived_at = f.arrived_at.unwrap_or(f.taken_in_at);
                FileView {
                    id: f.id,
                    source: f.source.clone(),
                    name: f.object_key.rsplit('/').next().unwrap_or(&f.object_key).to_owned(),
                    status: f.status.clone(),
                    arrived: viewer::format_instant(arrived_at, zone),
                    taken_in: viewer::format_instant(f.taken_in_at, zone),
                    records: f.records,
                    unreadable: f.unreadable,
                    totals: totals_in_words(f.totals.as_ref()),
                    reason: f.error.clone(),
                    duplicate_of: f.duplicate_of,
                    replaced_by: f
                        .replaced_by_key
                        .as_ref()
                        .map(|k| k.rsplit('/').next().unwrap_or(k).to_owned()),
                    released: f
                        .released_by
                        .as_ref()
                        .map(|by| format!("{by}: {}", f.release_reason.clone().unwrap_or_default())),
                    late: due.get(&f.source).is_some_and(|due| arrived_at > *due),
                }
            })
            .collect();
        let requests = requests
            .iter()
            .filter(|r| r.business_date == date)
            .map(|r| RequestView {
                summary: format!(
                    "{} · {} · {}",
                    viewer::format_instant(r.requested_at, zone),
                    r.requested_by,
                    r.reason
                ),
                outcome: match (&r.version, &r.failed) {
                    (Some(v), _) => format!("version {v}"),
                    (None, Some(why)) => format!("failed: {why}"),
                    (None, None) => "waiting for the scheduler".to_owned(),
                },
            })
            .collect();
        views.push(DateView {
            date: date.to_string(),
            shown: date.format("%A %-d %B %Y").to_string(),
            closed: date < open,
            sources,
            files,
            requests,
        });
    }
    Ok(FeedsView { dates: views, can_act: user.can(domain::access::Permission::Administer) })
}

/// A network file's totals (`ingest::totals::FileTotals` as stored) in words.
#[cfg(feature = "ssr")]
fn totals_in_words(totals: Option<&serde_json::Value>) -> Vec<String> {
    let Some(totals) =
        totals.and_then(|t| serde_json::from_value::<domain::ingest::totals::FileTotals>(t.clone()).ok())
    else {
        return Vec::new();
    };
    totals
        .currencies
        .iter()
        .map(|(currency, tally)| {
            format!(
                "{currency} {} · {} records",
                domain::money::grouped_decimal(tally.amount, currency),
                tally.records
            )
        })
        .collect()
}

fn status_label(status: &str) -> &'static str {
    match status {
        "parsed" => "Loaded",
        "quarantined" => "Quarantined",
        "received" => "Loading",
        "duplicate" => "Duplicate",
        _ => "Unknown",
    }
}

/// What an admin action's result code says.
fn outcome_text(code: &str) -> &'static str {
    match code {
        "rerun" => "Re-run asked for: a scheduler runs the date as a new version.",
        "not_expected" => "Marked as not expected.",
        "released" => "Replacement stored: it is taken in within a minute, and the date is run again.",
        "reason" => "Give a reason of 5 to 500 characters.",
        "no_files" => "This date has no files: there is nothing to run.",
        "still_open" => "This date is still open: it is run after its cutoff.",
        "already_requested" => "A re-run of this date is already waiting.",
        "out_of_range" => "A source can be marked for dates within a month of today.",
        "already_arrived" => "A file of this source has arrived for this date.",
        "already_marked" => "This source is already marked not expected on this date.",
        "not_quarantined" => "This file is not quarantined.",
        "already_released" => "This file was already released.",
        "empty" => "Choose the corrected file to upload.",
        "same_file" => "This is the very file that was quarantined: correct it first.",
        "too_large" => "The upload was cut off or is larger than 512 MiB.",
        "already_registered" => {
            "These exact bytes were delivered before: a replacement must be a file not yet taken in."
        }
        "too_old" => "This date is more than a year back: it is not run again from the portal.",
        "bad_date" => "The date is not a date (YYYY-MM-DD).",
        "bad_source" => "Choose a source.",
        "bad_form" => "The form was incomplete. Please fill it in again.",
        "unavailable" => "The database is not available right now. Please try again in a minute.",
        _ => "",
    }
}

/// The message for the form `form`, from the page's query (`done` or `error`, and `form`).
fn message_for(locale: Locale, query: &Outcome, form: &str) -> Option<AnyView> {
    if query.form.as_deref() != Some(form) {
        return None;
    }
    let known = |code: &str| !outcome_text(code).is_empty();
    match (&query.done, &query.error) {
        (_, Some(error)) if known(error) => Some(
            view! { <p class="form-error" role="alert" id=format!("{form}-error")>{locale.tr(outcome_text(error))}</p> }
                .into_any(),
        ),
        (Some(done), None) if known(done) => Some(view! { <p class="form-ok" role="status">{locale.tr(outcome_text(done))}</p> }.into_any()),
        _ => None,
    }
}

/// What the redirect after an admin action carried.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Outcome {
    done: Option<String>,
    error: Option<String>,
    form: Option<String>,
}

#[component]
pub fn FeedsPage() -> impl IntoView {
    let params = use_query_map();
    let get = move |key: &str| params.with(|p| p.get(key).filter(|v| !v.is_empty()));
    let overview =
        Resource::new(move || (get("date"), get("error")), |(date, error)| feeds_overview(date, error));
    let locale = crate::i18n::use_locale();
    view! {
        <PageHeader title=crate::routes::FEEDS lede=text::LEDE/>
        <form method="get" action="/feeds" class="filters">
            <div class="field"><label for="feeds-date">{locale.tr("Business date")}</label>
                <input id="feeds-date" name="date" type="date" value=move || get("date").unwrap_or_default()/></div>
            <div class="actions"><button type="submit" class="button">{locale.tr("Show")}</button>
                <a class="button" href="/feeds">{locale.tr("Recent dates")}</a></div>
        </form>
        <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors/> }>
            <Transition fallback=move || view! { <p class="loading">{locale.tr("Loading…")}</p> }>
                {move || Suspend::new(async move {
                    let outcome = Outcome { done: get("done"), error: get("error"), form: get("form") };
                    overview.await.map(|view| {
                        let can_act = view.can_act;
                        view.dates.into_iter().map(|date| view! { <DateSection date can_act outcome=outcome.clone()/> }).collect_view()
                    })
                })}
            </Transition>
        </ErrorBoundary>
    }
}

#[component]
fn DateSection(date: DateView, can_act: bool, outcome: Outcome) -> impl IntoView {
    let locale = crate::i18n::use_locale();
    let heading = format!("feeds-{}", date.date);
    let labelled_by = heading.clone();
    let unexpected: Vec<SourceView> =
        date.sources.iter().filter(|s| s.nothing_came && s.not_expected.is_none()).cloned().collect();
    let date_value = date.date.clone();
    let no_files = date.files.is_empty();
    view! {
        <section class="card wide" aria-labelledby=labelled_by data-test="feed-date" data-date=date.date.clone()>
            <h2 id=heading>{date.shown.clone()}</h2>
            <div class="table-scroll">
            <table class="data" data-test="feed-sources">
                <thead><tr>
                    <th scope="col">{locale.tr("Source")}</th><th scope="col">{locale.tr("State")}</th><th scope="col">{locale.tr("Due")}</th>
                </tr></thead>
                <tbody>
                    {date.sources.iter().map(|s| view! {
                        <tr data-source=s.source.clone() data-state=s.state.clone()>
                            <td>{s.source.clone()}</td>
                            <td><span class=format!("status status-{}", s.state)>{locale.tr(arrival_state_label(&s.state))}</span>
                                {s.not_expected.clone().map(|why| view! { <span class="muted">{format!(" ({why})")}</span> })}</td>
                            <td class="nowrap">{s.due.clone()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            </div>
            {(!no_files).then(|| view! {
            <div class="table-scroll">
            <table class="data" data-test="feed-files">
                <thead><tr>
                    <th scope="col">{locale.tr("File")}</th><th scope="col">{locale.tr("Status")}</th>
                    <th scope="col">{locale.tr("Arrived")}</th><th scope="col">{locale.tr("Taken in")}</th>
                    <th scope="col" class="num">{locale.tr("Records")}</th><th scope="col" class="num">{locale.tr("Unreadable")}</th>
                    <th scope="col">{locale.tr("Totals")}</th>
                </tr></thead>
                <tbody>
                    {date.files.into_iter().map(|f| {
                        let release_form = format!("release-{}", f.id);
                        let release_message = message_for(locale, &outcome, &release_form);
                        let show_release = can_act && f.status == "quarantined" && f.replaced_by.is_none();
                        view! {
                        <tr id=format!("file-{}", f.id) data-file=f.name.clone() data-status=f.status.clone() data-late=f.late.to_string()>
                            <td><span class="muted">{f.source.clone()}</span>" "<span class="break">{f.name.clone()}</span></td>
                            <td>
                                <span class=format!("status status-{}", f.status)>{locale.tr(status_label(&f.status))}</span>
                                {f.late.then(|| view! { " " <span class="status status-late">{locale.tr("Late")}</span> })}
                                {f.reason.clone().map(|reason| view! { <p class="form-error" data-test="quarantine-reason">{reason}</p> })}
                                {f.duplicate_of.map(|of| view! { <p class="muted">{format!("{} {of}", locale.tr("A copy of file"))}</p> })}
                                {f.replaced_by.clone().map(|by| view! { <p class="muted">{format!("{} {by}", locale.tr("Replaced by"))}</p> })}
                                {f.released.clone().map(|who| view! { <p class="muted">{who}</p> })}
                            </td>
                            <td class="nowrap">{f.arrived.clone()}</td>
                            <td class="nowrap">{f.taken_in.clone()}</td>
                            <td class="num">{f.records.map(|n| n.to_string()).unwrap_or_default()}</td>
                            <td class="num">{f.unreadable.map(|n| n.to_string()).unwrap_or_default()}</td>
                            <td>{f.totals.iter().map(|t| view! { <div class="nowrap">{t.clone()}</div> }).collect_view()}</td>
                        </tr>
                        // The form while the file can be released; its result (the file
                        // released, or a refusal) below the file either way.
                        {(show_release || release_message.is_some()).then(|| view! {
                            <tr class="subrow"><td colspan="7">
                                {show_release.then(|| view! {
                                <form method="post" action="/feeds/release" enctype="multipart/form-data" class="inline-form" data-test="release-form">
                                    <input type="hidden" name="file_id" value=f.id.to_string()/>
                                    <label for=format!("replacement-{}", f.id)>{locale.tr("Corrected file")}</label>
                                    <input id=format!("replacement-{}", f.id) name="replacement" type="file" required/>
                                    <label for=format!("release-reason-{}", f.id)>{locale.tr("Reason")}</label>
                                    <input id=format!("release-reason-{}", f.id) name="reason" required minlength="5" maxlength="500"/>
                                    <button type="submit" class="button">{locale.tr("Release with this file")}</button>
                                </form>
                                })}
                                {release_message}
                            </td></tr>
                        })}
                        }
                    }).collect_view()}
                </tbody>
            </table>
            </div>
            })}
            {no_files.then(|| view! { <p class="muted">{locale.tr("No file has arrived for this date.")}</p> })}
            {(!date.requests.is_empty()).then(|| view! {
                <h3>{locale.tr("Re-runs asked for")}</h3>
                <ul data-test="run-requests">
                    {date.requests.iter().map(|r| view! { <li>{r.summary.clone()}" — "{r.outcome.clone()}</li> }).collect_view()}
                </ul>
            })}
            {(can_act && date.closed && !no_files).then(|| view! {
                <form method="post" action="/feeds/rerun" class="inline-form" id=format!("rerun-{}", date_value) data-test="rerun-form">
                    <input type="hidden" name="date" value=date_value.clone()/>
                    <label for=format!("rerun-reason-{}", date_value)>{locale.tr("Reason for a re-run")}</label>
                    <input id=format!("rerun-reason-{}", date_value) name="reason" required minlength="5" maxlength="500"/>
                    <button type="submit" class="button">{locale.tr("Run again")}</button>
                </form>
                {message_for(locale, &outcome, "rerun")}
            })}
            {(can_act && !unexpected.is_empty()).then(|| view! {
                <form method="post" action="/feeds/not-expected" class="inline-form" data-test="not-expected-form">
                    <input type="hidden" name="date" value=date_value.clone()/>
                    <label for=format!("not-expected-source-{}", date_value)>{locale.tr("Source sending nothing")}</label>
                    <select id=format!("not-expected-source-{}", date_value) name="source">
                        {unexpected.iter().map(|s| view! { <option value=s.source.clone()>{s.source.clone()}</option> }).collect_view()}
                    </select>
                    <label for=format!("not-expected-reason-{}", date_value)>{locale.tr("Reason")}</label>
                    <input id=format!("not-expected-reason-{}", date_value) name="reason" required minlength="5" maxlength="500"/>
                    <button type="submit" class="button">{locale.tr("Mark not expected")}</button>
                </form>
                {message_for(locale, &outcome, "not-expected")}
            })}
        </section>
    }
}

mod text {
    crate::texts! {
        LEDE = "Every inbound file by date and source: when it arrived, what it held, and what became of it.", "按日期和来源列出每个入站文件：何时到达、包含什么、处理结果如何。";
    }
}
