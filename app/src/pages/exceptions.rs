//! The exception queue and one work item: assign, annotate, resolve. Every form names the version
//! of the item it was filled in on; a change someone else made in between is reported, not
//! overwritten.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::i18n::{common, use_locale, Locale};
use crate::kit::{outcome, Field, Loaded, Pager, TableWrap};
use crate::labels::{label, Kind};
use crate::layout::PageHeader;
use crate::pages::reports::{DetailView, SideBySide};

/// Items on one page of the queue.
#[cfg(feature = "ssr")]
const PAGE_SIZE: i64 = 50;

/// The reasons an item can have, in the order the queue's filter offers them.
pub const REASONS: [&str; 18] = [
    "amount_differs",
    "currency_differs",
    "network_only",
    "duplicate_presentment",
    "status_conflict",
    "zelle_only",
    "unreadable_record",
    "chargeback",
    "reversal",
    "fee",
    "cross_currency",
    "statement_inconsistent",
    "opening_differs",
    "closing_differs",
    "entry_unmatched",
    "entry_amount_differs",
    "payout_missing",
    "net_settlement_differs",
];

/// The statuses the queue's filter offers (and `any`).
const STATUSES: [&str; 3] = ["open", "in_progress", "resolved"];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueQuery {
    pub status: Option<String>,
    /// `me` for the signed-in person's items.
    pub owner: Option<String>,
    pub date: Option<String>,
    pub reason: Option<String>,
    pub after: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueRow {
    pub id: i64,
    pub version: i32,
    pub business_date: String,
    /// Codes: words come from [`crate::labels`].
    pub class: String,
    pub reason: String,
    pub amount: String,
    pub status: String,
    pub owner: String,
    /// Business days since the business date.
    pub age: i64,
    pub overdue: bool,
    pub high_priority: bool,
}

/// Someone work can be assigned to: (person id, username).
pub type Assignee = (i64, String);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuePage {
    pub rows: Vec<QueueRow>,
    pub next_after: Option<i64>,
    /// Where the page before starts: `None` on the first page, `Some(None)` when it is the first.
    pub previous_after: Option<Option<i64>>,
    /// Items before this page, and in the whole filtered queue.
    pub before: i64,
    pub total: i64,
    /// People a supervisor may assign to (empty for everyone else).
    pub assignees: Vec<Assignee>,
}

/// `id:version` pairs, as the queue's checkboxes and the release form send them.
#[cfg(feature = "ssr")]
pub fn id_versions(pairs: &[String]) -> Result<Vec<(i64, i32)>, AppError> {
    pairs
        .iter()
        .map(|pair| {
            pair.split_once(':')
                .and_then(|(id, v)| Some((id.parse().ok()?, v.parse().ok()?)))
                .ok_or_else(|| AppError::refused_text(refused::ITEM_NAMED_WRONGLY, &[]))
        })
        .collect()
}

/// The people whose latest sign-in lets them work exceptions.
#[cfg(feature = "ssr")]
async fn assignees(pool: &sqlx::PgPool) -> Result<Vec<Assignee>, AppError> {
    use domain::access::Role;
    Ok(domain::people::with_any_role(pool, &[Role::Associate, Role::Approver])
        .await?
        .into_iter()
        .map(|p| (p.id.0, p.username))
        .collect())
}

#[cfg(feature = "ssr")]
fn authority(user: &crate::auth::server::User) -> domain::exceptions::Authority {
    if user.can(domain::access::Permission::SuperviseExceptions) {
        domain::exceptions::Authority::Supervisor
    } else {
        domain::exceptions::Authority::Worker
    }
}

/// Work on items, its refusal said with any time in the viewer's zone.
#[cfg(feature = "ssr")]
async fn worked<T>(
    pool: &sqlx::PgPool,
    result: Result<T, domain::exceptions::WorkError>,
) -> Result<T, AppError> {
    match result {
        Err(e @ domain::exceptions::WorkError::Conflict { .. }) => {
            let (zone, _) = crate::preferences::viewer::time_zone(pool).await?;
            let locale = crate::i18n::request_locale();
            Err(AppError::refused(crate::refusals::work::work_in(&e, locale, zone)))
        }
        other => Ok(other?),
    }
}

/// The queue's filter as the domain reads it (`owner=me` is `me`).
#[cfg(feature = "ssr")]
pub fn queue_filter(
    query: &QueueQuery,
    me: domain::people::PersonId,
) -> Result<domain::exceptions::QueueFilter, AppError> {
    use domain::exceptions::{QueueFilter, Status};
    let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
    let status = match text(&query.status).as_deref() {
        None => Some(Status::Open),
        Some("any") => None,
        Some(code) => Some(
            Status::from_code(code).ok_or_else(|| AppError::refused_text(refused::NOT_A_STATUS, &[&code]))?,
        ),
    };
    let business_date = match text(&query.date) {
        Some(d) => Some(
            chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                .map_err(|_| AppError::refused_text(refused::NOT_A_DATE, &[&d]))?,
        ),
        None => None,
    };
    Ok(QueueFilter {
        status,
        owner: match text(&query.owner).as_deref() {
            Some("me") => Some(me),
            Some(other) => Some(domain::people::PersonId(
                other.parse().map_err(|_| AppError::refused_text(refused::NOT_A_PERSON, &[&other]))?,
            )),
            None => None,
        },
        business_date,
        reason: text(&query.reason),
    })
}

#[server(endpoint = "exceptions/queue")]
pub async fn work_queue(query: QueueQuery) -> Result<QueuePage, AppError> {
    use domain::exceptions::Status;
    let user = crate::auth::server::require(domain::access::Permission::WorkExceptions).await?;
    let state = crate::state::AppState::from_context()?;
    let filter = queue_filter(&query, user.person)?;
    let mut items = domain::exceptions::queue(&state.pool, &filter, query.after, PAGE_SIZE + 1).await?;
    let position = domain::exceptions::queue_position(&state.pool, &filter, query.after, PAGE_SIZE).await?;
    let more = items.len() as i64 > PAGE_SIZE;
    items.truncate(PAGE_SIZE as usize);
    let schedule = crate::preferences::viewer::operating_schedule(&state.pool).await?;
    let today = schedule.calendar_date(chrono::Utc::now());
    let holidays = domain::calendar::load_holidays(&state.pool).await?;
    let levels = domain::exceptions::ServiceLevels::load(&state.pool).await?;
    let rows = items
        .iter()
        .map(|item| QueueRow {
            id: item.id,
            version: item.version,
            business_date: item.business_date.to_string(),
            class: item.class.clone(),
            reason: item.reason.clone(),
            amount: domain::money::grouped_minor(item.amount_minor, &item.currency),
            status: item.status.code().to_owned(),
            owner: item.owner.clone().unwrap_or_default(),
            age: holidays.business_days_between(item.business_date, today),
            overdue: item.status != Status::Resolved
                && levels.overdue(&item.reason, item.business_date, today, &holidays),
            high_priority: item.priority == "high",
        })
        .collect();
    let assignees = match authority(&user) {
        domain::exceptions::Authority::Supervisor => assignees(&state.pool).await?,
        domain::exceptions::Authority::Worker => Vec::new(),
    };
    Ok(QueuePage {
        rows,
        next_after: if more { items.last().map(|i| i.id) } else { None },
        previous_after: position.previous,
        before: position.before,
        total: position.total,
        assignees,
    })
}

/// What a button of the queue did; the page says it in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum QueueOutcome {
    AssignedToYou(usize),
    Assigned { count: usize, to: String },
    Resolved(usize),
}

/// What the queue's buttons do to the chosen items (`items` holds `id:version` pairs): `assign_me`,
/// `assign` (to the person `to`; supervisors only), or `resolve` (with a non-money resolution and
/// one note for all).
#[server(endpoint = "exceptions/bulk")]
pub async fn queue_action(
    items: Option<Vec<String>>,
    op: String,
    to: Option<String>,
    resolution: Option<String>,
    note: Option<String>,
) -> Result<QueueOutcome, AppError> {
    use domain::exceptions::{self, Resolution};
    let user = crate::auth::server::require(domain::access::Permission::WorkExceptions).await?;
    let state = crate::state::AppState::from_context()?;
    let pairs = id_versions(&items.unwrap_or_default())?;
    if pairs.is_empty() {
        return Err(AppError::refused_text(text::CHOOSE_FIRST, &[]));
    }
    let actor = user.actor();
    let pool = &state.pool;
    match op.as_str() {
        "assign_me" => {
            let changed =
                worked(pool, exceptions::assign(pool, &actor, authority(&user), &pairs, None).await);
            Ok(QueueOutcome::AssignedToYou(changed.await?.len()))
        }
        "assign" => {
            let to = to
                .as_deref()
                .and_then(|t| t.trim().parse::<i64>().ok())
                .ok_or_else(|| AppError::refused_text(refused::CHOOSE_ASSIGNEE, &[]))?;
            let to = Some(domain::people::PersonId(to));
            let changed =
                worked(pool, exceptions::assign(pool, &actor, authority(&user), &pairs, to).await).await?;
            let owner = changed.first().and_then(|i| i.owner.clone()).unwrap_or_default();
            Ok(QueueOutcome::Assigned { count: changed.len(), to: owner })
        }
        "resolve" => {
            let resolution = resolution
                .as_deref()
                .and_then(Resolution::from_code)
                .ok_or_else(|| AppError::refused_text(refused::CHOOSE_RESOLUTION, &[]))?;
            let note = note.as_deref().unwrap_or_default();
            let resolved =
                exceptions::resolve_many(pool, &actor, authority(&user), &pairs, resolution, note).await;
            Ok(QueueOutcome::Resolved(worked(pool, resolved).await?.len()))
        }
        _ => Err(AppError::refused_text(refused::CHOOSE_OPERATION, &[])),
    }
}

#[server(endpoint = "exceptions/resolve")]
pub async fn resolve_item(id: i64, version: i32, resolution: String, note: String) -> Result<(), AppError> {
    let user = crate::auth::server::require(domain::access::Permission::WorkExceptions).await?;
    let state = crate::state::AppState::from_context()?;
    let resolution = domain::exceptions::Resolution::from_code(&resolution)
        .ok_or_else(|| AppError::refused_text(refused::CHOOSE_RESOLUTION, &[]))?;
    let resolved = domain::exceptions::resolve(
        &state.pool,
        &user.actor(),
        authority(&user),
        id,
        version,
        resolution,
        &note,
    )
    .await;
    worked(&state.pool, resolved).await?;
    Ok(())
}

/// Assigns one item: to the signed-in person, or (supervisors) to `to`.
#[server(endpoint = "exceptions/assign")]
pub async fn assign_item(id: i64, version: i32, to: Option<String>) -> Result<(), AppError> {
    let user = crate::auth::server::require(domain::access::Permission::WorkExceptions).await?;
    let state = crate::state::AppState::from_context()?;
    let to = match to.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => Some(domain::people::PersonId(
            t.parse().map_err(|_| AppError::refused_text(refused::CHOOSE_ASSIGNEE_ONE, &[]))?,
        )),
        None => None,
    };
    let assigned =
        domain::exceptions::assign(&state.pool, &user.actor(), authority(&user), &[(id, version)], to).await;
    worked(&state.pool, assigned).await?;
    Ok(())
}

/// Adds a note to a work item (the help desk adds theirs from the payment lookup).
#[server(endpoint = "exceptions/note")]
pub async fn add_note(id: i64, note: String) -> Result<(), AppError> {
    let user = crate::auth::server::require(domain::access::Permission::WorkExceptions).await?;
    let state = crate::state::AppState::from_context()?;
    domain::exceptions::add_note(&state.pool, &user.actor(), id, &note).await?;
    Ok(())
}

/// `template` (a text in the person's language) with its placeholders (`{}` in order, or `{n}`)
/// filled by `values`: views, so that data among the words can be marked `translate="no"`.
pub(crate) fn fill_views(template: &'static str, values: Vec<AnyView>) -> Vec<AnyView> {
    let mut values: Vec<Option<AnyView>> = values.into_iter().map(Some).collect();
    let mut out = Vec::new();
    let mut next = 0;
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        let inside = &rest[open + 1..open + close];
        let index = if inside.is_empty() {
            next += 1;
            next - 1
        } else {
            inside.parse().unwrap_or(usize::MAX)
        };
        out.push(rest[..open].to_owned().into_any());
        if let Some(value) = values.get_mut(index).and_then(Option::take) {
            out.push(value);
        }
        rest = &rest[open + close + 1..];
    }
    out.push(rest.to_owned().into_any());
    out
}

/// A value that is data, not words.
fn data(value: impl std::fmt::Display) -> AnyView {
    view! { <span translate="no">{value.to_string()}</span> }.into_any()
}

#[component]
pub fn ExceptionsPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_query_map();
    let query = move || {
        params.with(|p| {
            let get = |k: &str| p.get(k).filter(|v| !v.is_empty());
            QueueQuery {
                status: get("status"),
                owner: get("owner"),
                date: get("date"),
                reason: get("reason"),
                after: get("after").and_then(|a| a.parse().ok()),
            }
        })
    };
    let act = ServerAction::<QueueAction>::new();
    let done = crate::forms::successes(act);
    let queue_form = NodeRef::<leptos::html::Form>::new();
    crate::forms::reset_on_success(act, queue_form);
    let page = Resource::new(move || (query(), done.get()), |(q, _)| work_queue(q));
    view! {
        <PageHeader title=crate::routes::EXCEPTIONS lede=text::LEDE/>
        <QueueFilterForm query=query()/>
        {move || act.value().get().map(|outcome| match outcome {
            Ok(done) => view! {
                <p class="form-ok" role="status" data-test="queue-outcome">{queue_outcome(done, locale)}</p>
            }.into_any(),
            Err(e) => view! {
                <p class="form-error" role="alert" data-test="queue-outcome">{e.message(locale)}</p>
            }.into_any(),
        })}
        <Loaded>
            {move || Suspend::new(async move {
                let current = query();
                page.await.map(|page| view! { <QueueTable page current act form=queue_form/> })
            })}
        </Loaded>
    }
}

fn queue_outcome(done: QueueOutcome, locale: Locale) -> Vec<AnyView> {
    match done {
        QueueOutcome::AssignedToYou(n) => vec![locale.f(text::ASSIGNED_TO_YOU, &[&n]).into_any()],
        QueueOutcome::Assigned { count, to } => {
            fill_views(locale.t(text::ASSIGNED_TO), vec![count.to_string().into_any(), data(to)])
        }
        QueueOutcome::Resolved(n) => vec![locale.f(text::RESOLVED_MANY, &[&n]).into_any()],
    }
}

/// The query string of the queue's current filter (for the other pages and the export).
fn filter_query(current: &QueueQuery) -> String {
    let mut parts = Vec::new();
    for (k, v) in [
        ("status", &current.status),
        ("owner", &current.owner),
        ("date", &current.date),
        ("reason", &current.reason),
    ] {
        if let Some(v) = v {
            parts.push(format!("{k}={}", crate::url::encode_component(v)));
        }
    }
    parts.join("&")
}

/// The queue's address with the current filter, starting after item `after`.
fn queue_href(current: &QueueQuery, after: Option<i64>) -> String {
    let rest = filter_query(current);
    match after {
        Some(after) => format!("/exceptions?after={after}{}{rest}", if rest.is_empty() { "" } else { "&" }),
        None if rest.is_empty() => "/exceptions".to_owned(),
        None => format!("/exceptions?{rest}"),
    }
}

#[component]
fn QueueFilterForm(query: QueueQuery) -> impl IntoView {
    let locale = use_locale();
    let status = query.status.clone().unwrap_or_else(|| "open".into());
    let reason = query.reason.clone().unwrap_or_default();
    let mine = query.owner.as_deref() == Some("me");
    // A reason in the address that the list does not hold (a new one) stays chosen.
    let other_reason = (!reason.is_empty() && !REASONS.contains(&reason.as_str())).then(|| reason.clone());
    view! {
        <form method="get" action="/exceptions" class="filters" role="search" aria-label=locale.t(text::FILTER_THE_QUEUE)>
            <Field id="queue-status" name="status" label=common::STATUS>
                <select id="queue-status" name="status">
                    {STATUSES.into_iter().map(|code| view! {
                        <option value=code selected=status == code>{label(Kind::WorkStatus, code, locale)}</option>
                    }).collect_view()}
                    <option value="any" selected=status == "any">{locale.t(common::ANY)}</option>
                </select></Field>
            <Field id="queue-date" name="date" label=common::BUSINESS_DATE>
                <input id="queue-date" name="date" type="date" value=query.date.clone().unwrap_or_default()/></Field>
            <Field id="queue-reason" name="reason" label=common::REASON>
                <select id="queue-reason" name="reason">
                    <option value="" selected=reason.is_empty()>{locale.t(common::ANY)}</option>
                    {REASONS.into_iter().map(|code| view! {
                        <option value=code selected=reason == code>{label(Kind::Reason, code, locale)}</option>
                    }).collect_view()}
                    {other_reason.map(|code| view! {
                        <option value=code.clone() selected=true translate="no">{label(Kind::Reason, &code, locale)}</option>
                    })}
                </select></Field>
            <div class="field checkbox"><input id="queue-mine" name="owner" type="checkbox" value="me" checked=mine/>
                <label for="queue-mine">{locale.t(text::ONLY_MINE)}</label></div>
            <div class="actions"><button type="submit" class="button primary">{locale.t(text::FILTER)}</button></div>
        </form>
    }
}

#[component]
fn QueueTable(
    page: QueuePage,
    current: QueueQuery,
    act: ServerAction<QueueAction>,
    form: NodeRef<leptos::html::Form>,
) -> impl IntoView {
    let locale = use_locale();
    let export = format!("/export/exceptions.csv?{}", filter_query(&current));
    if page.rows.is_empty() {
        return view! { <p class="muted" data-test="queue-empty">{locale.t(text::NO_ITEMS)}</p> }.into_any();
    }
    let next = page.next_after.map(|after| queue_href(&current, Some(after)));
    let previous = page.previous_after.map(|after| queue_href(&current, after));
    let shown = page.rows.len() as u64;
    let before = page.before.max(0) as u64;
    let position = (before + 1, before + shown, (page.total.max(0) as u64).max(before + shown));
    let supervisor = !page.assignees.is_empty();
    // Which button was pressed with nothing chosen: its message shows beside it, with no request.
    let unchosen = RwSignal::new(None::<&'static str>);
    let check = move |op: &'static str| {
        move |ev: leptos::ev::MouseEvent| {
            let chosen = form
                .get_untracked()
                .and_then(|f| f.query_selector("input[name^='items']:checked").ok().flatten())
                .is_some();
            if chosen {
                unchosen.set(None);
            } else {
                ev.prevent_default();
                unchosen.set(Some(op));
            }
        }
    };
    let choose_first = move |op: &'static str| {
        move || {
            (unchosen.get() == Some(op)).then(|| {
                view! { <p class="form-error" role="alert" data-test="choose-first">{locale.t(text::CHOOSE_FIRST)}</p> }
            })
        }
    };
    view! {
        <ActionForm action=act node_ref=form attr:class="queue-form">
            <TableWrap label=locale.t(text::QUEUE_TABLE)>
                <table class="data" data-test="queue">
                    <thead><tr>
                        <th scope="col"><span class="visually-hidden">{locale.t(text::CHOOSE)}</span></th>
                        <th scope="col" class="num">{locale.t(text::ITEM)}</th>
                        <th scope="col" class="hide-narrow">{locale.t(common::DATE)}</th>
                        <th scope="col">{locale.t(common::REASON)}</th>
                        <th scope="col" class="num">{locale.t(common::AMOUNT)}</th>
                        <th scope="col">{locale.t(common::STATUS)}</th>
                        <th scope="col" class="num">{locale.t(text::AGE)}</th>
                    </tr></thead>
                    <tbody>
                        {page.rows.into_iter().enumerate().map(|(i, r)| {
                            let choose = locale.f(text::CHOOSE_ITEM, &[&r.id]);
                            let owner = (!r.owner.is_empty()).then(|| r.owner.clone());
                            view! {
                                <tr data-test="work-item" data-item=r.id data-status=r.status.clone()
                                    data-class=r.class.clone() data-reason=r.reason.clone() class:overdue=r.overdue>
                                    <td><input type="checkbox" name=format!("items[{i}]") value=format!("{}:{}", r.id, r.version)
                                        aria-label=choose on:change=move |_| unchosen.set(None)/></td>
                                    <td class="num nowrap" translate="no"><a href=format!("/exceptions/{}", r.id)>{r.id}</a></td>
                                    <td class="nowrap hide-narrow" translate="no">{r.business_date}</td>
                                    <td>{label(Kind::Reason, &r.reason, locale)}
                                        <div class="muted">{label(Kind::Class, &r.class, locale)}</div></td>
                                    <td class="num nowrap" translate="no">{r.amount}</td>
                                    <td data-test="row-status">{label(Kind::WorkStatus, &r.status, locale)}
                                        {owner.map(|o| view! { <div class="muted" translate="no" data-test="row-owner">{o}</div> })}</td>
                                    <td class="num">{r.age}
                                        {r.overdue.then(|| view! { <span class="badge overdue">{locale.t(text::OVERDUE)}</span> })}
                                        {r.high_priority.then(|| view! { <span class="badge high">{locale.t(text::HIGH_PRIORITY)}</span> })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </TableWrap>
            <Pager previous next position/>
            <div class="actions">
                <button type="submit" name="op" value="assign_me" class="button" on:click=check("assign_me")>
                    {locale.t(text::ASSIGN_CHOSEN_TO_ME)}
                </button>
                {choose_first("assign_me")}
            </div>
            {supervisor.then(|| view! {
                <fieldset class="field-group">
                    <legend>{locale.t(text::ASSIGN_TO_SOMEONE)}</legend>
                    <Field id="assign-to" name="to" label=text::ASSIGN_TO>
                        <select id="assign-to" name="to">
                            <option value="">{locale.t(text::CHOOSE_PERSON)}</option>
                            {page.assignees.iter().map(|(id, name)| view! {
                                <option value=*id translate="no">{name.clone()}</option>
                            }).collect_view()}
                        </select></Field>
                    <div class="actions">
                        <button type="submit" name="op" value="assign" class="button" on:click=check("assign")>
                            {locale.t(text::ASSIGN_CHOSEN)}
                        </button>
                        {choose_first("assign")}
                    </div>
                </fieldset>
            })}
            <fieldset class="field-group">
                <legend>{locale.t(text::RESOLVE_TOGETHER)}</legend>
                <ResolutionChoice id="bulk-resolution"/>
                <Field id="bulk-note" name="note" label=text::NOTE_FOR_ALL>
                    <input id="bulk-note" name="note" maxlength="4000"/></Field>
                <div class="actions">
                    <button type="submit" name="op" value="resolve" class="button" on:click=check("resolve")>
                        {locale.t(text::RESOLVE_CHOSEN)}
                    </button>
                    {choose_first("resolve")}
                </div>
            </fieldset>
        </ActionForm>
        <p class="list-links">
            <a href=export download rel="external" data-test="export">{locale.t(text::DOWNLOAD_LIST)}</a>
        </p>
    }
    .into_any()
}

/// The resolutions a person may choose; `corrected` and `written off` come from an approved
/// transfer on the Ledger page.
#[component]
fn ResolutionChoice(id: &'static str) -> impl IntoView {
    let locale = use_locale();
    view! {
        <Field id=id name="resolution" label=text::RESOLUTION>
            <select id=id name="resolution">
                <option value="">{locale.t(text::CHOOSE_ELLIPSIS)}</option>
                <option value="explained">{locale.t(text::CHOOSE_EXPLAINED)}</option>
                <option value="timing">{locale.t(text::CHOOSE_TIMING)}</option>
                <option value="duplicate">{locale.t(text::CHOOSE_DUPLICATE)}</option>
            </select>
            <p class="hint">{locale.t(text::MONEY_RESOLUTIONS_HINT)}</p></Field>
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteView {
    pub author: String,
    pub written: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryView {
    pub when: String,
    pub actor: String,
    /// An audit action's code: words come from [`crate::labels`].
    pub action: String,
}

/// A ledger action started from a work item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionLine {
    pub id: i64,
    /// Codes: words come from [`crate::labels`].
    pub kind: String,
    pub status: String,
    pub amount: String,
    pub transaction: Option<i64>,
    pub reversed_by: Option<i64>,
    /// A payout's payment instruction, once approved.
    pub payment: Option<crate::pages::ledger::PaymentView>,
}

/// The bank statement a break was found in, beside the ledger's balances (amounts grouped, with
/// their currency).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementView {
    /// The break's kind (the item's reason code).
    pub reason: String,
    pub statement_id: String,
    pub ledger_account: String,
    pub date: String,
    pub bank_opening: String,
    pub bank_closing: String,
    pub ledger_opening: String,
    pub ledger_closing: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkItemView {
    pub id: i64,
    pub version: i32,
    /// Codes: words come from [`crate::labels`] (and the priority's from this page).
    pub status: String,
    pub owner: String,
    pub resolution: String,
    pub priority: String,
    pub opened: String,
    pub detail: Option<DetailView>,
    /// For a statement's break: the statement beside the ledger.
    pub statement: Option<StatementView>,
    pub notes: Vec<NoteView>,
    pub history: Vec<HistoryView>,
    pub resolved: bool,
    pub actions: Vec<ActionLine>,
    pub can_initiate: bool,
    /// The signed-in person may take it (not theirs yet; nobody's, or they supervise).
    pub can_take: bool,
    /// People a supervisor may assign it to (empty for everyone else).
    pub assignees: Vec<Assignee>,
}

#[server(endpoint = "exceptions/item")]
pub async fn work_item(id: i64) -> Result<WorkItemView, AppError> {
    use crate::preferences::viewer;
    let user = crate::auth::server::require(domain::access::Permission::WorkExceptions).await?;
    let state = crate::state::AppState::from_context()?;
    let (zone, _) = viewer::time_zone(&state.pool).await?;
    let item = domain::exceptions::get(&state.pool, id).await?;
    let detail = match (item.run_id, item.seq) {
        (Some(run_id), Some(seq)) => domain::items::detail(&state.pool, run_id, seq).await?,
        _ => None,
    };
    let statement = match item.statement_id {
        Some(id) => domain::payouts::statements::get(&state.pool, id).await?.map(|s| {
            let money = |minor| domain::money::grouped_minor(minor, &s.currency);
            StatementView {
                reason: item.reason.clone(),
                bank_opening: money(s.opening_minor),
                bank_closing: money(s.closing_minor),
                ledger_opening: money(s.ledger_opening_minor),
                ledger_closing: money(s.ledger_closing_minor),
                statement_id: s.statement_id,
                ledger_account: s.ledger_account,
                date: s.statement_date.to_string(),
            }
        }),
        None => None,
    };
    let notes = domain::exceptions::notes(&state.pool, id).await?;
    let filter = domain::audit::AuditFilter { target: Some(format!("work_item:{id}")), ..Default::default() };
    let history = domain::audit::search(&state.pool, &filter, None, 100).await?;
    crate::pages::reports::record_view(&state, &user, format!("work_item:{id}")).await?;
    let actions = domain::ledger::actions::list(&state.pool, None, Some(id), 20).await?;
    let payouts = domain::payouts::states(&state.pool, &actions).await?;
    let actions = actions
        .into_iter()
        .map(|a| ActionLine {
            payment: payouts
                .iter()
                .find(|p| p.action_id == a.id)
                .and_then(|p| p.payment.clone())
                .map(crate::pages::ledger::PaymentView::from),
            id: a.id,
            kind: a.kind.code().to_owned(),
            status: a.status.code().to_owned(),
            amount: a.request.amount().grouped(),
            transaction: a.transaction_id,
            reversed_by: a.reversed_by,
        })
        .collect();
    let supervisor = authority(&user) == domain::exceptions::Authority::Supervisor;
    Ok(WorkItemView {
        actions,
        can_initiate: user.can(domain::access::Permission::InitiateActions),
        can_take: item.may_be_taken_by(&user.actor(), authority(&user)),
        assignees: if supervisor { assignees(&state.pool).await? } else { Vec::new() },
        priority: item.priority.clone(),
        id,
        version: item.version,
        status: item.status.code().to_owned(),
        owner: item.owner.clone().unwrap_or_default(),
        resolution: item.resolution.clone().unwrap_or_default(),
        opened: viewer::format_instant(item.opened_at, zone),
        // This page is the work item: the comparison does not link to it again.
        detail: detail.map(|d| DetailView { work_item_href: None, ..crate::pages::reports::compare(d) }),
        statement,
        notes: notes
            .into_iter()
            .map(|n| NoteView {
                author: n.author,
                written: viewer::format_instant(n.written_at, zone),
                body: n.body,
            })
            .collect(),
        history: history
            .into_iter()
            .filter(|e| e.action != domain::audit::AuditAction::CustomerDataViewed.code())
            .map(|e| HistoryView {
                when: viewer::format_instant(e.occurred_at, zone),
                actor: e.actor,
                action: e.action,
            })
            .collect(),
        resolved: item.status == domain::exceptions::Status::Resolved,
    })
}

#[component]
pub fn WorkItemPage() -> impl IntoView {
    let path = use_params_map();
    let id = move || path.with(|p| p.get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0));
    let assign = ServerAction::<AssignItem>::new();
    let resolve = ServerAction::<ResolveItem>::new();
    let note = ServerAction::<AddNote>::new();
    let (assigned, resolved, noted) =
        (crate::forms::successes(assign), crate::forms::successes(resolve), crate::forms::successes(note));
    // Held here, not in the panel (drawn again after each change), so the note saved is emptied
    // from the very box it was written in.
    let note_form = NodeRef::<leptos::html::Form>::new();
    crate::forms::reset_on_success(note, note_form);
    let item =
        Resource::new(move || (id(), assigned.get(), resolved.get(), noted.get()), |(id, ..)| work_item(id));
    view! {
        <PageHeader title=crate::routes::WORK_ITEM/>
        <Loaded>
            {move || Suspend::new(async move {
                item.await.map(|item| view! { <WorkItemPanel item assign resolve note note_form/> })
            })}
        </Loaded>
    }
}

/// "Action 12: Transfer of 1,000.00 USD, posted (transaction 40)".
fn action_line(a: ActionLine, locale: Locale) -> Vec<AnyView> {
    let status = match (a.status.as_str(), a.transaction, a.reversed_by) {
        ("posted", Some(t), _) => locale.f(text::POSTED_AS, &[&t]),
        ("reversed", Some(t), Some(r)) => locale.f(text::POSTED_THEN_REVERSED, &[&t, &r]),
        (code, ..) => label(Kind::ActionStatus, code, locale),
    };
    fill_views(
        locale.t(text::ACTION_LINE),
        vec![
            data(a.id),
            label(Kind::ActionKind, &a.kind, locale).into_any(),
            data(a.amount),
            status.into_any(),
        ],
    )
}

#[component]
fn WorkItemPanel(
    item: WorkItemView,
    assign: ServerAction<AssignItem>,
    resolve: ServerAction<ResolveItem>,
    note: ServerAction<AddNote>,
    note_form: NodeRef<leptos::html::Form>,
) -> impl IntoView {
    let locale = use_locale();
    let owner = if item.owner.is_empty() {
        view! { <dd data-test="work-owner">{locale.t(text::NOBODY_YET)}</dd> }.into_any()
    } else {
        view! { <dd data-test="work-owner" translate="no">{item.owner.clone()}</dd> }.into_any()
    };
    let no_notes = item.notes.is_empty();
    view! {
        <section class="card" aria-labelledby="work-heading">
            <h2 id="work-heading">{locale.f(text::WORK_ITEM_N, &[&item.id])}</h2>
            <dl class="facts">
                <dt>{locale.t(common::STATUS)}</dt>
                <dd data-test="work-status" data-status=item.status.clone()>{label(Kind::WorkStatus, &item.status, locale)}</dd>
                <dt>{locale.t(text::OWNER)}</dt>{owner}
                <dt>{locale.t(text::OPENED)}</dt><dd translate="no">{item.opened.clone()}</dd>
                <dt>{locale.t(text::PRIORITY)}</dt>
                <dd data-test="work-priority" data-priority=item.priority.clone()>{label(Kind::Priority, &item.priority, locale)}</dd>
                {(!item.resolution.is_empty()).then(|| view! {
                    <dt>{locale.t(text::RESOLUTION)}</dt>
                    <dd data-test="work-resolution" data-resolution=item.resolution.clone()>{label(Kind::Resolution, &item.resolution, locale)}</dd>
                })}
            </dl>
            {(!item.resolved && item.can_take).then(|| view! {
                <ActionForm action=assign attr:class="inline-form">
                    <input type="hidden" name="id" value=item.id/>
                    <input type="hidden" name="version" value=item.version/>
                    <button type="submit" class="button">{locale.t(text::ASSIGN_TO_ME)}</button>
                </ActionForm>
            })}
            {(!item.resolved && !item.assignees.is_empty()).then(|| view! {
                <ActionForm action=assign attr:class="inline-form">
                    <input type="hidden" name="id" value=item.id/>
                    <input type="hidden" name="version" value=item.version/>
                    <label for="item-assign-to">{locale.t(text::ASSIGN_TO)}</label>
                    <select id="item-assign-to" name="to" required>
                        <option value="">{locale.t(text::CHOOSE_PERSON)}</option>
                        {item.assignees.iter().map(|(id, name)| view! {
                            <option value=*id translate="no">{name.clone()}</option>
                        }).collect_view()}
                    </select>
                    <button type="submit" class="button">{locale.t(text::ASSIGN)}</button>
                </ActionForm>
            })}
            {outcome(assign.value(), move |_| locale.t(text::ASSIGNED).to_owned())}
        </section>
        {item.detail.clone().map(|detail| view! { <SideBySide detail/> })}
        {item.statement.clone().map(|s| view! {
            <section class="card narrow" aria-labelledby="statement-heading" data-test="statement-break">
                <h2 id="statement-heading">{locale.t(text::STATEMENT_HEADING)}</h2>
                <p class="figure" data-test="break-kind">{label(Kind::Reason, &s.reason, locale)}</p>
                <p>{fill_views(locale.t(text::STATEMENT_OF), vec![data(s.statement_id), data(s.ledger_account), data(s.date)])}</p>
                <TableWrap label=locale.t(text::STATEMENT_HEADING)>
                <table class="data">
                    <thead><tr><th scope="col">{locale.t(text::BALANCE)}</th>
                        <th scope="col" class="num">{locale.t(text::BANK_SAYS)}</th>
                        <th scope="col" class="num">{locale.t(text::LEDGER_SAYS)}</th></tr></thead>
                    <tbody>
                        <tr><th scope="row">{locale.t(text::OPENING)}</th>
                            <td class="num nowrap" translate="no">{s.bank_opening}</td>
                            <td class="num nowrap" translate="no">{s.ledger_opening}</td></tr>
                        <tr><th scope="row">{locale.t(text::CLOSING)}</th>
                            <td class="num nowrap" translate="no" data-test="bank-closing">{s.bank_closing}</td>
                            <td class="num nowrap" translate="no" data-test="ledger-closing">{s.ledger_closing}</td></tr>
                    </tbody>
                </table>
                </TableWrap>
            </section>
        })}
        <section class="card narrow" aria-labelledby="money-heading">
            <h2 id="money-heading">{locale.t(crate::routes::LEDGER)}</h2>
            <ul data-test="item-actions">
                {item.actions.iter().cloned().map(|a| {
                    let payment = a.payment.clone().map(|p| view! {
                        " · "<span data-test="payment-status" data-status=p.status.clone()>{crate::pages::ledger::payment_view(locale, &p)}</span>
                    });
                    view! { <li>{action_line(a, locale)}{payment}</li> }
                }).collect_view()}
            </ul>
            {item.actions.is_empty().then(|| view! { <p class="muted">{locale.t(text::NO_ACTIONS)}</p> })}
            {(item.can_initiate && !item.resolved).then(|| view! {
                <p><a class="button" href=format!("/ledger?work_item={}", item.id)>{locale.t(text::START_TRANSFER)}</a></p>
            })}
        </section>
        {(!item.resolved).then(|| view! {
            <section class="card narrow" aria-labelledby="resolve-heading">
                <h2 id="resolve-heading">{locale.t(text::RESOLVE)}</h2>
                <ActionForm action=resolve attr:class="form">
                    <input type="hidden" name="id" value=item.id/>
                    <input type="hidden" name="version" value=item.version/>
                    <ResolutionChoice id="resolution"/>
                    <Field id="resolve-note" name="note" label=common::NOTE>
                        <textarea id="resolve-note" name="note" rows="3" required maxlength="4000"></textarea></Field>
                    {outcome(resolve.value(), move |_| locale.t(text::RESOLVED_ONE).to_owned())}
                    <div class="actions"><button type="submit" class="button primary">{locale.t(text::RESOLVE)}</button></div>
                </ActionForm>
            </section>
        })}
        <section class="card narrow" aria-labelledby="notes-heading">
            <h2 id="notes-heading">{locale.t(text::NOTES)}</h2>
            <ul class="notes" data-test="notes">
                {item.notes.into_iter().map(|n| view! {
                    <li><p translate="no">{n.body}</p>
                        <p class="muted" translate="no">{format!("{}, {}", n.author, n.written)}</p></li>
                }).collect_view()}
            </ul>
            {no_notes.then(|| view! { <p class="muted">{locale.t(text::NO_NOTES)}</p> })}
            <ActionForm action=note node_ref=note_form attr:class="form">
                <input type="hidden" name="id" value=item.id/>
                <Field id="new-note" name="note" label=text::ADD_A_NOTE>
                    <textarea id="new-note" name="note" rows="2" required maxlength="4000"></textarea></Field>
                {outcome(note.value(), move |_| locale.t(text::NOTE_ADDED).to_owned())}
                <div class="actions"><button type="submit" class="button">{locale.t(text::ADD_NOTE)}</button></div>
            </ActionForm>
        </section>
        <section class="card narrow" aria-labelledby="history-heading">
            <h2 id="history-heading">{locale.t(text::HISTORY)}</h2>
            <ol class="history" data-test="history">
                {item.history.into_iter().map(|h| view! {
                    <li><span translate="no">{h.when}</span>" "<span translate="no">{h.actor}</span>" "
                        {label(Kind::AuditAction, &h.action, locale)}</li>
                }).collect_view()}
            </ol>
        </section>
    }
}

mod text {
    crate::texts! {
        STATEMENT_HEADING = "The bank's statement beside the ledger", "银行对账单与分类账对照";
        STATEMENT_OF = "Statement {} of {} on {}.", "对账单 {}，账户 {}，日期 {}。";
        BALANCE = "Balance", "余额";
        BANK_SAYS = "Bank", "银行";
        LEDGER_SAYS = "Ledger", "分类账";
        OPENING = "Opening", "期初";
        CLOSING = "Closing", "期末";
        LEDE = "Mismatches, resettlements and statement breaks to be worked, oldest first. Overdue items are past their reason's service level and raised to high priority.", "待处理的不匹配、重新结算和对账单差异项目，最早的在前。超过其原因服务时限的逾期项目会提升为高优先级。";
        // The filter.
        FILTER_THE_QUEUE = "Filter the queue", "筛选队列";
        QUEUE_TABLE = "Work items", "工作项";
        ONLY_MINE = "Only mine", "仅看我的";
        FILTER = "Filter", "筛选";
        // The queue.
        NO_ITEMS = "No work items match.", "没有符合条件的工作项。";
        CHOOSE = "Choose", "选择";
        ITEM = "Item", "工作项";
        AGE = "Age (business days)", "时长（营业日）";
        CHOOSE_ITEM = "Choose item {}", "选择工作项 {}";
        OVERDUE = "overdue", "逾期";
        HIGH_PRIORITY = "high priority", "高优先级";
        ASSIGN_CHOSEN_TO_ME = "Assign chosen to me", "将所选项目分配给我";
        ASSIGN_TO_SOMEONE = "Assign the chosen items to someone", "将所选项目分配给他人";
        ASSIGN_TO = "Assign to", "分配给";
        CHOOSE_PERSON = "Choose a person", "选择人员";
        ASSIGN_CHOSEN = "Assign chosen", "分配所选项目";
        RESOLVE_TOGETHER = "Resolve the chosen items together", "一并解决所选项目";
        NOTE_FOR_ALL = "Note for all of them", "适用于全部所选项目的备注";
        RESOLVE_CHOSEN = "Resolve chosen", "解决所选项目";
        DOWNLOAD_LIST = "Download this list (CSV)", "下载此列表（CSV）";
        ASSIGNED_TO_YOU = "Assigned {} item(s) to you.", "已将 {} 个项目分配给您。";
        ASSIGNED_TO = "Assigned {} item(s) to {}.", "已将 {0} 个项目分配给 {1}。";
        RESOLVED_MANY = "Resolved {} item(s).", "已解决 {} 个项目。";
        // Resolutions a person chooses.
        RESOLUTION = "Resolution", "解决方式";
        CHOOSE_ELLIPSIS = "Choose…", "请选择…";
        CHOOSE_EXPLAINED = "Explained, no money moves", "已说明，无资金划转";
        CHOOSE_TIMING = "Timing: settles on a later date", "时间差：将在之后的日期清算";
        CHOOSE_DUPLICATE = "Duplicate of another item", "与其他项目重复";
        MONEY_RESOLUTIONS_HINT = "Corrected and written off are set by an approved transfer on the Ledger page.", "“已更正”和“已核销”由分类账页面上已批准的转账设定。";
        // The work item.
        WORK_ITEM_N = "Work item {}", "工作项 {}";
        OWNER = "Owner", "负责人";
        NOBODY_YET = "nobody yet", "尚未分配";
        OPENED = "Opened", "创建时间";
        PRIORITY = "Priority", "优先级";
        ASSIGN_TO_ME = "Assign to me", "分配给我";
        ASSIGN = "Assign", "分配";
        ASSIGNED = "Assigned.", "已分配。";
        ACTION_LINE = "Action {}: {} of {}, {}", "操作 {0}：{1} {2}，{3}";
        POSTED_AS = "posted (transaction {})", "已过账（交易 {}）";
        POSTED_THEN_REVERSED = "posted (transaction {}), then reversed by transaction {}", "已过账（交易 {0}），随后被交易 {1} 冲销";
        NO_ACTIONS = "No ledger action has been started for this item.", "尚未为此项目发起分类账操作。";
        START_TRANSFER = "Start a funds transfer for this item", "为此项目发起资金转账";
        RESOLVE = "Resolve", "解决";
        RESOLVED_ONE = "Resolved.", "已解决。";
        NOTES = "Notes", "备注";
        NO_NOTES = "No notes yet.", "暂无备注。";
        ADD_A_NOTE = "Add a note", "添加备注";
        ADD_NOTE = "Add note", "添加备注";
        NOTE_ADDED = "Note added.", "备注已添加。";
        HISTORY = "History", "历史记录";
        // Said beside a button pressed with nothing chosen (and by the server, if it is reached).
        CHOOSE_FIRST = "Choose at least one item first.", "请先至少选择一个项目。";
    }
}

/// What the server functions refuse, in words.
#[cfg(feature = "ssr")]
mod refused {
    crate::texts! {
        CHOOSE_ASSIGNEE = "Choose who to assign the items to.", "请选择要将这些项目分配给谁。";
        CHOOSE_ASSIGNEE_ONE = "Choose who to assign the item to.", "请选择要将此项目分配给谁。";
        CHOOSE_RESOLUTION = "Choose a resolution.", "请选择解决方式。";
        CHOOSE_OPERATION = "Choose what to do with the items.", "请选择要对这些项目执行的操作。";
        ITEM_NAMED_WRONGLY = "The form named an item wrongly; reload the page.", "表单中的项目有误，请重新加载页面。";
        NOT_A_STATUS = "'{}' is not a status.", "“{}”不是有效的状态。";
        NOT_A_DATE = "'{}' is not a date (YYYY-MM-DD).", "“{}”不是有效日期（YYYY-MM-DD）。";
        NOT_A_PERSON = "'{}' is not a person.", "“{}”不是有效的人员。";
    }
}

#[cfg(all(test, feature = "ssr"))]
pub(crate) mod tests {
    use super::*;

    /// Latin words allowed in Chinese pages outside data (as the browser walk allows them).
    const ALLOWED: [&str; 13] =
        ["SettleDesk", "SD", "UTC", "Zelle", "Visa", "CSV", "SLA", "FX", "ID", "IANA", "YYYY", "MM", "DD"];

    /// English words in `html` outside `translate="no"` elements: in text, and in the attributes
    /// that label (what the browser walk of every page in Chinese looks for).
    pub(crate) fn english_left(html: &str) -> Vec<String> {
        const VOID: [&str; 6] = ["input", "br", "meta", "img", "link", "hr"];
        let mut found = Vec::new();
        let mut check = |text: &str| {
            for word in text.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() >= 2) {
                if !ALLOWED.contains(&word) {
                    found.push(format!("{word:?} in {:?}", text.trim()));
                }
            }
        };
        // (tag, inside data) for each open element.
        let mut open: Vec<(String, bool)> = Vec::new();
        let mut rest = html;
        while !rest.is_empty() {
            let in_data = open.last().is_some_and(|(_, data)| *data);
            let Some(start) = rest.find('<') else {
                if !in_data {
                    check(rest);
                }
                break;
            };
            if !in_data {
                check(&rest[..start]);
            }
            rest = &rest[start..];
            if let Some(comment) = rest.strip_prefix("<!") {
                rest = comment.find('>').map_or("", |end| &comment[end + 1..]);
                continue;
            }
            let end = rest.find('>').expect("a tag closes");
            let tag = &rest[1..end];
            rest = &rest[end + 1..];
            if let Some(closing) = tag.strip_prefix('/') {
                if let Some(at) = open.iter().rposition(|(name, _)| name == closing.trim()) {
                    open.truncate(at);
                }
                continue;
            }
            let name = tag.split_whitespace().next().unwrap_or_default().trim_end_matches('/').to_owned();
            let data = in_data || tag.contains(r#"translate="no""#);
            if !data {
                for attribute in ["aria-label", "title", "placeholder", "alt"] {
                    if let Some(value) = tag.split(&format!("{attribute}=\"")).nth(1) {
                        check(value.split('"').next().unwrap_or_default());
                    }
                }
            }
            if !VOID.contains(&name.as_str()) && !tag.ends_with('/') {
                open.push((name, data));
            }
        }
        found
    }

    #[test]
    fn english_outside_data_is_found() {
        let html = r#"<p>已<!>Hello <span translate="no">ava <b>x y</b></span></p><input aria-label="Choose item 7"/><i>SLA</i>"#;
        assert_eq!(english_left(html).len(), 3, "{:?}", english_left(html));
    }

    fn in_chinese(view: impl FnOnce() -> AnyView) -> String {
        let owner = Owner::new();
        owner.set();
        provide_context(Locale::ZhCn);
        view().to_html()
    }

    fn row(id: i64, status: &str, owner: &str) -> QueueRow {
        QueueRow {
            id,
            version: 3,
            business_date: "2026-11-20".into(),
            class: "mismatch".into(),
            reason: "amount_differs".into(),
            amount: "1,250.50 USD".into(),
            status: status.into(),
            owner: owner.into(),
            age: 9,
            overdue: true,
            high_priority: true,
        }
    }

    #[test]
    fn the_queue_in_chinese_leaves_no_english_outside_data() {
        let html = in_chinese(|| {
            let page = QueuePage {
                rows: vec![row(7, "open", ""), row(8, "in_progress", "ava")],
                next_after: Some(8),
                previous_after: Some(None),
                before: 50,
                total: 120,
                assignees: vec![(1, "ava".into()), (2, "aaron".into())],
            };
            let query = QueueQuery { reason: Some("amount_differs".into()), ..Default::default() };
            let act = ServerAction::<QueueAction>::new();
            view! {
                <QueueFilterForm query=query.clone()/>
                <QueueTable page current=query act form=NodeRef::new()/>
            }
            .into_any()
        });
        assert_eq!(english_left(&html), Vec::<String>::new(), "{html}");
        assert!(html.contains("金额不符") && html.contains("第 51–52 条，共 120 条"), "{html}");
        assert!(html.contains(r#"href="/exceptions?reason=amount_differs""#), "the previous page: {html}");
        assert!(
            html.contains(r#"href="/exceptions?after=8&amp;reason=amount_differs""#),
            "the next page: {html}"
        );
    }

    #[test]
    fn a_work_item_in_chinese_leaves_no_english_outside_data() {
        let html = in_chinese(|| {
            let item = WorkItemView {
                id: 7,
                version: 3,
                status: "in_progress".into(),
                owner: "ava".into(),
                resolution: String::new(),
                priority: "high".into(),
                opened: "2026-11-20 18:00 EST (UTC-05:00)".into(),
                detail: None,
                statement: Some(StatementView {
                    reason: "entry_unmatched".into(),
                    statement_id: "STMT-1".into(),
                    ledger_account: "payments_in_transit".into(),
                    date: "2026-12-04".into(),
                    bank_opening: "0.00 USD".into(),
                    bank_closing: "-5.00 USD".into(),
                    ledger_opening: "0.00 USD".into(),
                    ledger_closing: "0.00 USD".into(),
                }),
                notes: vec![NoteView {
                    author: "system".into(),
                    written: "2026-11-24 06:00 EST (UTC-05:00)".into(),
                    body: "Past its service level: escalated to high priority.".into(),
                }],
                history: vec![HistoryView {
                    when: "2026-11-24 06:00 EST (UTC-05:00)".into(),
                    actor: "system".into(),
                    action: "work_item.escalate".into(),
                }],
                resolved: false,
                actions: vec![ActionLine {
                    id: 4,
                    kind: "transfer".into(),
                    status: "reversed".into(),
                    amount: "10.00 USD".into(),
                    transaction: Some(40),
                    reversed_by: Some(41),
                    payment: None,
                }],
                can_initiate: true,
                can_take: false,
                assignees: vec![(1, "ava".into())],
            };
            view! {
                <WorkItemPanel item assign=ServerAction::new() resolve=ServerAction::new()
                    note=ServerAction::new() note_form=NodeRef::new()/>
            }
            .into_any()
        });
        assert_eq!(english_left(&html), Vec::<String>::new(), "{html}");
        assert!(!html.contains("分配给我"), "the owner is not offered the item: {html}");
        assert!(
            html.contains("已过账（交易 <span translate=\"no\">40") || html.contains("已过账（交易 40"),
            "{html}"
        );
    }

    #[test]
    fn the_action_line_keeps_the_words_the_ledger_spec_reads() {
        let owner = Owner::new();
        owner.set();
        let line = ActionLine {
            id: 4,
            kind: "transfer".into(),
            status: "reversed".into(),
            amount: "10.00 USD".into(),
            transaction: Some(40),
            reversed_by: Some(41),
            payment: None,
        };
        let html = action_line(line, Locale::En).into_iter().collect_view().to_html();
        assert!(html.contains("posted (transaction 40), then reversed by transaction 41"), "{html}");
    }

    #[test]
    fn the_reason_filter_offers_every_reason_the_domain_knows() {
        use domain::recon::engine::{MismatchReason as M, ResettlementReason as R};
        use domain::recon::report::{mismatch_code, resettlement_code, UNREADABLE_CODE, ZELLE_ONLY_CODE};
        let mut known: Vec<&str> = [
            M::AmountDiffers,
            M::CurrencyDiffers,
            M::NetworkOnly,
            M::DuplicatePresentment,
            M::StatusConflict,
        ]
        .into_iter()
        .map(mismatch_code)
        .chain([R::Chargeback, R::Reversal, R::Fee, R::CrossCurrency].into_iter().map(resettlement_code))
        .chain([ZELLE_ONLY_CODE, UNREADABLE_CODE])
        .chain(domain::payouts::statements::Break::ALL.map(|b| b.code()))
        .collect();
        let mut offered = REASONS.to_vec();
        known.sort_unstable();
        offered.sort_unstable();
        assert_eq!(offered, known);
        for status in domain::exceptions::Status::ALL {
            assert!(STATUSES.contains(&status.code()));
        }
    }

    #[test]
    fn values_take_their_places_in_either_language() {
        let owner = Owner::new();
        owner.set();
        let html =
            |template| fill_views(template, vec![data(2), data("ava")]).into_iter().collect_view().to_html();
        let en = html(text::ASSIGNED_TO.en);
        assert!(en.contains("Assigned ") && en.contains(r#"<span translate="no">ava"#), "{en}");
        assert!(en.find("2").unwrap() < en.find("ava").unwrap());
        let zh = html(text::ASSIGNED_TO.zh);
        assert!(zh.starts_with("已将 "), "{zh}");
    }
}
