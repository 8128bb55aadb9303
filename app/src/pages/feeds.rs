//! Feeds: every inbound file of the recent business dates, by date and source (what arrived and
//! when, whether it was due, what it held, and for a quarantined file why in words). Associates
//! read; admins act: re-run a date with a reason, release a quarantined file by its corrected
//! replacement, mark a source as not expected. The actions are plain forms posting to the server
//! (`server/src/feed_ops.rs`), which sends the browser back here with what happened as a code.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::i18n::{common, use_locale, Locale, Text};
use crate::kit::TableWrap;
use crate::kit::{Field, Loaded};
use crate::labels::{label, Kind};
use crate::layout::PageHeader;
use crate::pages::dashboard::source_name;

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
    /// The date in words, in the viewer's language.
    pub shown: String,
    /// Whether the date has closed (a re-run can be asked for).
    pub closed: bool,
    pub sources: Vec<SourceView>,
    pub files: Vec<FileView>,
    pub requests: Vec<RequestView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceView {
    /// A source code: `visa`, `mastercard`, `zelle`.
    pub source: String,
    /// An `ingest::ArrivalState` code (see `labels::Kind::Arrival`).
    pub state: String,
    pub due: String,
    /// Why an admin said the source sends nothing for the date (their words).
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
    /// Per currency: the amount with its code, and the records.
    pub totals: Vec<FileTotal>,
    /// For a quarantined file, the reader's reason (as the reader wrote it, in English).
    pub reason: Option<String>,
    pub duplicate_of: Option<i64>,
    pub replaced_by: Option<String>,
    /// Who released it, and why (their words).
    pub released: Option<(String, String)>,
    /// Late against its source's due time.
    pub late: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileTotal {
    /// "1,234.56 USD".
    pub amount: String,
    pub records: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestView {
    /// When it was asked for, in the viewer's zone.
    pub requested_at: String,
    pub requested_by: String,
    pub reason: String,
    pub outcome: RequestOutcome,
}

/// What became of a re-run asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestOutcome {
    /// The run's version that answered it.
    Version(i32),
    /// Why it failed (as the scheduler wrote it, in English).
    Failed(String),
    Waiting,
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
        Some(d) => vec![d.parse().map_err(|_| AppError::refused_text(text::NOT_A_DATE, &[&d]))?],
        None => {
            let mut dates = schedule.closed_dates(now, 7);
            dates.push(open);
            dates.reverse();
            dates
        }
    };
    let (from, to) = (*dates.iter().min().expect("a date"), *dates.iter().max().expect("a date"));
    let files = operations::files_between(&state.pool, from, to).await?;
    let requests = operations::run_requests_between(&state.pool, from, to).await?;
    let file_name = |key: &str| key.rsplit('/').next().unwrap_or(key).to_owned();
    let mut views = Vec::new();
    for date in dates {
        let arrivals = domain::ingest::arrivals(&state.pool, date, schedule.time_zone).await?;
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
                    name: file_name(&f.object_key),
                    status: f.status.clone(),
                    arrived: viewer::format_instant(arrived_at, zone),
                    taken_in: viewer::format_instant(f.taken_in_at, zone),
                    records: f.records,
                    unreadable: f.unreadable,
                    totals: file_totals(f.totals.as_ref()),
                    reason: f.error.clone(),
                    duplicate_of: f.duplicate_of,
                    replaced_by: f.replaced_by_key.as_deref().map(file_name),
                    released: f
                        .released_by
                        .clone()
                        .map(|by| (by, f.release_reason.clone().unwrap_or_default())),
                    late: due.get(&f.source).is_some_and(|due| arrived_at > *due),
                }
            })
            .collect();
        let requests = requests
            .iter()
            .filter(|r| r.business_date == date)
            .map(|r| RequestView {
                requested_at: viewer::format_instant(r.requested_at, zone),
                requested_by: r.requested_by.clone(),
                reason: r.reason.clone(),
                outcome: match (&r.version, &r.failed) {
                    (Some(v), _) => RequestOutcome::Version(*v),
                    // The scheduler's error chain may name storage or the database: only the
                    // admins who act on it read it; others see that it failed.
                    (None, Some(why)) => {
                        RequestOutcome::Failed(if user.can(domain::access::Permission::Administer) {
                            why.clone()
                        } else {
                            String::new()
                        })
                    }
                    (None, None) => RequestOutcome::Waiting,
                },
            })
            .collect();
        views.push(DateView {
            date: date.to_string(),
            shown: viewer::long_date(date),
            closed: date < open,
            sources,
            files,
            requests,
        });
    }
    Ok(FeedsView { dates: views, can_act: user.can(domain::access::Permission::Administer) })
}

/// A network file's totals (`ingest::totals::FileTotals` as stored), per currency.
#[cfg(feature = "ssr")]
fn file_totals(totals: Option<&serde_json::Value>) -> Vec<FileTotal> {
    let Some(totals) =
        totals.and_then(|t| serde_json::from_value::<domain::ingest::totals::FileTotals>(t.clone()).ok())
    else {
        return Vec::new();
    };
    totals
        .currencies
        .iter()
        .map(|(currency, tally)| FileTotal {
            amount: domain::money::grouped_decimal(tally.amount, currency),
            records: tally.records,
        })
        .collect()
}

/// A file's registry status in words.
fn status_name(status: &str) -> Option<Text> {
    Some(match status {
        "parsed" => text::STATUS_LOADED,
        "quarantined" => text::STATUS_QUARANTINED,
        "received" => text::STATUS_LOADING,
        "duplicate" => text::STATUS_DUPLICATE,
        _ => return None,
    })
}

/// What an admin action's result code says.
fn outcome_text(code: &str) -> Option<Text> {
    use text::*;
    Some(match code {
        "rerun" => DONE_RERUN,
        "not_expected" => DONE_NOT_EXPECTED,
        "released" => DONE_RELEASED,
        "reason" => REFUSED_REASON,
        "no_files" => REFUSED_NO_FILES,
        "still_open" => REFUSED_STILL_OPEN,
        "already_requested" => REFUSED_ALREADY_REQUESTED,
        "out_of_range" => REFUSED_OUT_OF_RANGE,
        "already_arrived" => REFUSED_ALREADY_ARRIVED,
        "already_marked" => REFUSED_ALREADY_MARKED,
        "not_quarantined" => REFUSED_NOT_QUARANTINED,
        "already_released" => REFUSED_ALREADY_RELEASED,
        "empty" => REFUSED_EMPTY,
        "same_file" => REFUSED_SAME_FILE,
        "too_large" => REFUSED_TOO_LARGE,
        "already_registered" => REFUSED_ALREADY_REGISTERED,
        "too_old" => REFUSED_TOO_OLD,
        "bad_date" => REFUSED_BAD_DATE,
        "bad_source" => REFUSED_BAD_SOURCE,
        "bad_form" => REFUSED_BAD_FORM,
        "unavailable" => common::ERROR_UNAVAILABLE,
        _ => return None,
    })
}

/// The message for the form `form`, from the page's query (`done` or `error`, and `form`).
fn message_for(locale: Locale, query: &Outcome, form: &str) -> Option<AnyView> {
    if query.form.as_deref() != Some(form) {
        return None;
    }
    match (&query.done, &query.error) {
        (_, Some(error)) => outcome_text(error).map(|text| {
            view! { <p class="form-error" role="alert" id=format!("{form}-error")>{locale.t(text)}</p> }
                .into_any()
        }),
        (Some(done), None) => outcome_text(done)
            .map(|text| view! { <p class="form-ok" role="status">{locale.t(text)}</p> }.into_any()),
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
    let locale = use_locale();
    view! {
        <PageHeader title=crate::routes::FEEDS lede=text::LEDE/>
        <form method="get" action="/feeds" class="filters">
            <Field id="feeds-date" name="date" label=common::BUSINESS_DATE>
                <input id="feeds-date" name="date" type="date" value=move || get("date").unwrap_or_default()/></Field>
            <div class="actions"><button type="submit" class="button">{locale.t(common::SHOW)}</button>
                <a class="button" href="/feeds">{locale.t(text::RECENT_DATES)}</a></div>
        </form>
        <Loaded>
            {move || Suspend::new(async move {
                let outcome = Outcome { done: get("done"), error: get("error"), form: get("form") };
                overview.await.map(|view| {
                    let can_act = view.can_act;
                    view.dates.into_iter().map(|date| view! { <DateSection date can_act outcome=outcome.clone()/> }).collect_view()
                })
            })}
        </Loaded>
    }
}

#[component]
fn DateSection(date: DateView, can_act: bool, outcome: Outcome) -> impl IntoView {
    let locale = use_locale();
    let heading = format!("feeds-{}", date.date);
    let labelled_by = heading.clone();
    let unexpected: Vec<SourceView> =
        date.sources.iter().filter(|s| s.nothing_came && s.not_expected.is_none()).cloned().collect();
    let date_value = date.date.clone();
    let no_files = date.files.is_empty();
    let sources_label = locale.f(text::SOURCES_OF, &[&date.shown]);
    let files_label = locale.f(text::FILES_OF, &[&date.shown]);
    let release_outcome = outcome.clone();
    view! {
        <section class="card wide" aria-labelledby=labelled_by data-test="feed-date" data-date=date.date.clone()>
            <h2 id=heading>{date.shown.clone()}</h2>
            <TableWrap label=sources_label>
                <table class="data" data-test="feed-sources">
                    <thead><tr>
                        <th scope="col">{locale.t(common::SOURCE)}</th>
                        <th scope="col">{locale.t(text::STATE)}</th>
                        <th scope="col">{locale.t(text::DUE)}</th>
                    </tr></thead>
                    <tbody>
                        {date.sources.iter().map(|s| view! {
                            <tr data-source=s.source.clone() data-state=s.state.clone()>
                                <td translate="no">{source_name(&s.source)}</td>
                                <td>
                                    <span class=format!("status status-{}", s.state)>{label(Kind::Arrival, &s.state, locale)}</span>
                                    {s.not_expected.clone().map(|why| view! { " " <span class="muted">"(" <span translate="no">{why}</span> ")"</span> })}
                                </td>
                                <td class="nowrap">{s.due.clone()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </TableWrap>
            {(!no_files).then(|| view! {
            <TableWrap label=files_label>
            <table class="data" data-test="feed-files">
                <thead><tr>
                    <th scope="col">{locale.t(common::FILE)}</th>
                    <th scope="col">{locale.t(text::FILE_STATUS)}</th>
                    <th scope="col">{locale.t(text::ARRIVED)}</th>
                    <th scope="col">{locale.t(text::TAKEN_IN)}</th>
                    <th scope="col" class="num">{locale.t(text::RECORDS)}</th>
                    <th scope="col" class="num">{locale.t(text::UNREADABLE)}</th>
                    <th scope="col">{locale.t(text::TOTALS)}</th>
                </tr></thead>
                <tbody>
                    {date.files.into_iter().map(|f| {
                        let release_form = format!("release-{}", f.id);
                        let release_message = message_for(locale, &release_outcome, &release_form);
                        let show_release = can_act && f.status == "quarantined" && f.replaced_by.is_none();
                        let status = match status_name(&f.status) {
                            Some(words) => locale.t(words).to_owned(),
                            None => locale.f(text::STATUS_OTHER, &[&f.status]),
                        };
                        view! {
                        <tr id=format!("file-{}", f.id) data-file=f.name.clone() data-status=f.status.clone() data-late=f.late.to_string()>
                            <td>
                                <span class="muted" translate="no">{source_name(&f.source)}</span>" "
                                <span class="break" translate="no">{f.name.clone()}</span>
                            </td>
                            <td>
                                <span class=format!("status status-{}", f.status)>{status}</span>
                                {f.late.then(|| view! { " " <span class="status status-late">{label(Kind::Arrival, "late", locale)}</span> })}
                                {f.reason.clone().map(|reason| view! {
                                    <p class="form-error" data-test="quarantine-reason"><span translate="no" lang="en">{reason}</span></p>
                                })}
                                {f.duplicate_of.map(|of| view! {
                                    <p class="muted">{locale.t(text::COPY_OF)} " " <span translate="no">{of}</span></p>
                                })}
                                {f.replaced_by.clone().map(|by| view! {
                                    <p class="muted">{locale.t(text::REPLACED_BY)} " " <span class="break" translate="no">{by}</span></p>
                                })}
                                {f.released.clone().map(|(by, why)| view! {
                                    <p class="muted" translate="no">{by} ": " {why}</p>
                                })}
                            </td>
                            <td class="nowrap">{f.arrived.clone()}</td>
                            <td class="nowrap">{f.taken_in.clone()}</td>
                            <td class="num">{f.records.map(|n| n.to_string()).unwrap_or_default()}</td>
                            <td class="num">{f.unreadable.map(|n| n.to_string()).unwrap_or_default()}</td>
                            <td>{f.totals.iter().map(|t| view! {
                                <div class="nowrap"><span translate="no">{t.amount.clone()}</span> " · " {locale.f(text::RECORD_COUNT, &[&t.records])}</div>
                            }).collect_view()}</td>
                        </tr>
                        // The form while the file can be released; its result (the file
                        // released, or a refusal) below the file either way.
                        {(show_release || release_message.is_some()).then(|| view! {
                            <tr class="subrow"><td colspan="7">
                                {show_release.then(|| view! {
                                <form method="post" action="/feeds/release" enctype="multipart/form-data" class="inline-form" data-test="release-form">
                                    <input type="hidden" name="file_id" value=f.id.to_string()/>
                                    <label for=format!("replacement-{}", f.id)>{locale.t(text::CORRECTED_FILE)}</label>
                                    <input id=format!("replacement-{}", f.id) name="replacement" type="file" required/>
                                    <label for=format!("release-reason-{}", f.id)>{locale.t(common::REASON)}</label>
                                    <input id=format!("release-reason-{}", f.id) name="reason" required minlength="5" maxlength="500"/>
                                    <button type="submit" class="button">{locale.t(text::RELEASE)}</button>
                                </form>
                                })}
                                {release_message}
                            </td></tr>
                        })}
                        }
                    }).collect_view()}
                </tbody>
            </table>
            </TableWrap>
            })}
            {no_files.then(|| view! { <p class="muted">{locale.t(text::NO_FILE)}</p> })}
            {(!date.requests.is_empty()).then(|| view! {
                <h3>{locale.t(text::RERUNS_ASKED_FOR)}</h3>
                <ul data-test="run-requests">
                    {date.requests.iter().map(|r| {
                        let outcome = match &r.outcome {
                            RequestOutcome::Version(v) => view! { <span>{locale.f(text::REQUEST_VERSION, &[v])}</span> }.into_any(),
                            RequestOutcome::Failed(why) => view! {
                                <span>{locale.t(text::REQUEST_FAILED)} " " {(!why.is_empty()).then(|| view! { <span translate="no" lang="en">{why.clone()}</span> })}</span>
                            }.into_any(),
                            RequestOutcome::Waiting => view! { <span>{locale.t(text::REQUEST_WAITING)}</span> }.into_any(),
                        };
                        view! {
                            <li>
                                {r.requested_at.clone()} " · " <span translate="no">{r.requested_by.clone()}</span>
                                " · " <span translate="no">{r.reason.clone()}</span> " — " {outcome}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
            {(can_act && date.closed && !no_files).then(|| view! {
                <form method="post" action="/feeds/rerun" class="inline-form" id=format!("rerun-{}", date_value) data-test="rerun-form">
                    <input type="hidden" name="date" value=date_value.clone()/>
                    <label for=format!("rerun-reason-{}", date_value)>{locale.t(text::RERUN_REASON)}</label>
                    <input id=format!("rerun-reason-{}", date_value) name="reason" required minlength="5" maxlength="500"/>
                    <button type="submit" class="button">{locale.t(text::RUN_AGAIN)}</button>
                </form>
                {message_for(locale, &outcome, "rerun")}
            })}
            {(can_act && !unexpected.is_empty()).then(|| view! {
                <form method="post" action="/feeds/not-expected" class="inline-form" data-test="not-expected-form">
                    <input type="hidden" name="date" value=date_value.clone()/>
                    <label for=format!("not-expected-source-{}", date_value)>{locale.t(text::SOURCE_SENDING_NOTHING)}</label>
                    <select id=format!("not-expected-source-{}", date_value) name="source">
                        {unexpected.iter().map(|s| view! {
                            <option value=s.source.clone() translate="no">{source_name(&s.source)}</option>
                        }).collect_view()}
                    </select>
                    <label for=format!("not-expected-reason-{}", date_value)>{locale.t(common::REASON)}</label>
                    <input id=format!("not-expected-reason-{}", date_value) name="reason" required minlength="5" maxlength="500"/>
                    <button type="submit" class="button">{locale.t(text::MARK_NOT_EXPECTED)}</button>
                </form>
                {message_for(locale, &outcome, "not-expected")}
            })}
        </section>
    }
}

mod text {
    crate::texts! {
        LEDE = "Every inbound file by date and source: when it arrived, what it held, and what became of it.", "按日期和来源列出每个入站文件：何时到达、包含什么、处理结果如何。";
        RECENT_DATES = "Recent dates", "最近日期";
        SOURCES_OF = "Sources of {}", "{} 的来源";
        FILES_OF = "Files of {}", "{} 的文件";
        STATE = "State", "状态";
        DUE = "Due", "应到时间";
        FILE_STATUS = "Status", "处理状态";
        ARRIVED = "Arrived", "到达时间";
        TAKEN_IN = "Taken in", "接收时间";
        RECORDS = "Records", "记录数";
        UNREADABLE = "Unreadable", "无法读取";
        TOTALS = "Totals", "合计";
        RECORD_COUNT = "{} records", "{} 条记录";
        STATUS_LOADED = "Loaded", "已加载";
        STATUS_QUARANTINED = "Quarantined", "已隔离";
        STATUS_LOADING = "Loading", "加载中";
        STATUS_DUPLICATE = "Duplicate", "重复";
        STATUS_OTHER = "Other ({})", "其他（{}）";
        COPY_OF = "A copy of file", "重复于文件";
        REPLACED_BY = "Replaced by", "已被替换为";
        CORRECTED_FILE = "Corrected file", "更正后的文件";
        RELEASE = "Release with this file", "用此文件释放";
        NO_FILE = "No file has arrived for this date.", "此日期尚无文件到达。";
        RERUNS_ASKED_FOR = "Re-runs asked for", "已申请的重新运行";
        REQUEST_VERSION = "version {}", "第 {} 版";
        REQUEST_FAILED = "failed:", "失败：";
        REQUEST_WAITING = "waiting for the scheduler", "等待调度程序运行";
        RERUN_REASON = "Reason for a re-run", "重新运行原因";
        RUN_AGAIN = "Run again", "重新运行";
        SOURCE_SENDING_NOTHING = "Source sending nothing", "不发送文件的来源";
        MARK_NOT_EXPECTED = "Mark not expected", "标记为无需提供";
        /// Said by the server function only.
        #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
        NOT_A_DATE = "'{}' is not a date (YYYY-MM-DD).", "“{}”不是有效日期（格式如 2026-11-20）。";
        DONE_RERUN = "Re-run asked for: a scheduler runs the date as a new version.", "已申请重新运行：调度程序将以新版本运行该日期。";
        DONE_NOT_EXPECTED = "Marked as not expected.", "已标记为无需提供。";
        DONE_RELEASED = "Replacement stored: it is taken in within a minute, and the date is run again.", "替换文件已保存：将在一分钟内接收，并重新运行该日期。";
        REFUSED_REASON = "Give a reason of 5 to 500 characters.", "请填写 5 到 500 个字符的原因。";
        REFUSED_NO_FILES = "This date has no files: there is nothing to run.", "此日期没有文件：无可运行。";
        REFUSED_STILL_OPEN = "This date is still open: it is run after its cutoff.", "此日期尚未结束：将在截止时间后运行。";
        REFUSED_ALREADY_REQUESTED = "A re-run of this date is already waiting.", "此日期的重新运行已在等待中。";
        REFUSED_OUT_OF_RANGE = "A source can be marked for dates within a month of today.", "只能标记今天前后一个月内的日期。";
        REFUSED_ALREADY_ARRIVED = "A file of this source has arrived for this date.", "此来源在该日期的文件已到达。";
        REFUSED_ALREADY_MARKED = "This source is already marked not expected on this date.", "此来源在该日期已标记为无需提供。";
        REFUSED_NOT_QUARANTINED = "This file is not quarantined.", "此文件未被隔离。";
        REFUSED_ALREADY_RELEASED = "This file was already released.", "此文件已被释放。";
        REFUSED_EMPTY = "Choose the corrected file to upload.", "请选择要上传的更正文件。";
        REFUSED_SAME_FILE = "This is the very file that was quarantined: correct it first.", "这正是被隔离的文件：请先更正。";
        REFUSED_TOO_LARGE = "The upload was cut off or is larger than 512 MiB.", "上传被中断或超过 512 MiB。";
        REFUSED_ALREADY_REGISTERED = "These exact bytes were delivered before: a replacement must be a file not yet taken in.", "这些字节此前已送达：替换文件必须是尚未接收的文件。";
        REFUSED_TOO_OLD = "This date is more than a year back: it is not run again from the portal.", "此日期早于一年前：不能在门户中重新运行。";
        REFUSED_BAD_DATE = "The date is not a date (YYYY-MM-DD).", "日期无效（格式如 2026-11-20）。";
        REFUSED_BAD_SOURCE = "Choose a source.", "请选择来源。";
        REFUSED_BAD_FORM = "The form was incomplete. Please fill it in again.", "表单不完整，请重新填写。";
    }
}
