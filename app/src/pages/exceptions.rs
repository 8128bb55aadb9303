//! The exception queue and one work item: assign, annotate, resolve. Every form names the version
//! of the item it was filled in on; a change someone else made in between is reported, not
//! overwritten.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, ErrorNotice};
use crate::layout::PageHeader;
use crate::pages::reports::{DetailView, SideBySide};

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
    /// People a supervisor may assign to (empty for everyone else).
    pub assignees: Vec<Assignee>,
}

/// `id:version` pairs, as the queue's checkboxes and the release form send them.
pub fn id_versions(pairs: &[String]) -> Result<Vec<(i64, i32)>, AppError> {
    pairs
        .iter()
        .map(|pair| {
            pair.split_once(':')
                .and_then(|(id, v)| Some((id.parse().ok()?, v.parse().ok()?)))
                .ok_or_else(|| AppError::Invalid("the form named an item wrongly; reload the page".into()))
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
            Status::from_code(code).ok_or_else(|| AppError::refused(format!("'{code}' is not a status")))?,
        ),
    };
    let business_date = match text(&query.date) {
        Some(d) => Some(
            chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                .map_err(|_| AppError::refused(format!("'{d}' is not a date (YYYY-MM-DD)")))?,
        ),
        None => None,
    };
    Ok(QueueFilter {
        status,
        owner: match text(&query.owner).as_deref() {
            Some("me") => Some(me),
            Some(other) => Some(domain::people::PersonId(
                other.parse().map_err(|_| AppError::refused(format!("'{other}' is not a person")))?,
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
    const PAGE_SIZE: i64 = 50;
    let user = crate::auth::server::require(domain::access::Permission::WorkExceptions).await?;
    let state = crate::state::AppState::from_context()?;
    let filter = queue_filter(&query, user.person)?;
    let mut items = domain::exceptions::queue(&state.pool, &filter, query.after, PAGE_SIZE + 1).await?;
    let more = items.len() as i64 > PAGE_SIZE;
    items.truncate(PAGE_SIZE as usize);
    let schedule = crate::preferences::viewer::operating_schedule(&state.pool).await?;
    let today = chrono::Utc::now().with_timezone(&schedule.time_zone).date_naive();
    let holidays = domain::calendar::load_holidays(&state.pool).await?;
    let levels = domain::exceptions::ServiceLevels::load(&state.pool).await?;
    let rows = items
        .iter()
        .map(|item| {
            let age = holidays.business_days_between(item.business_date, today);
            QueueRow {
                id: item.id,
                version: item.version,
                business_date: item.business_date.to_string(),
                class: item.class.clone(),
                reason: item.reason.clone(),
                amount: domain::money::grouped_minor(item.amount_minor, &item.currency),
                status: item.status.code().to_owned(),
                owner: item.owner.clone().unwrap_or_default(),
                age,
                overdue: item.status != Status::Resolved
                    && levels.overdue(&item.reason, item.business_date, today, &holidays),
                high_priority: item.priority == "high",
            }
        })
        .collect();
    let assignees = match authority(&user) {
        domain::exceptions::Authority::Supervisor => assignees(&state.pool).await?,
        domain::exceptions::Authority::Worker => Vec::new(),
    };
    Ok(QueuePage { rows, next_after: if more { items.last().map(|i| i.id) } else { None }, assignees })
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
) -> Result<String, AppError> {
    use domain::exceptions::{self, Resolution};
    let user = crate::auth::server::require(domain::access::Permission::WorkExceptions).await?;
    let state = crate::state::AppState::from_context()?;
    let pairs = id_versions(&items.unwrap_or_default())?;
    if pairs.is_empty() {
        return Err(AppError::refused("Choose at least one item first."));
    }
    let actor = user.actor();
    match op.as_str() {
        "assign_me" => {
            let n = exceptions::assign(&state.pool, &actor, authority(&user), &pairs, None).await?.len();
            Ok(format!("Assigned {n} item(s) to you."))
        }
        "assign" => {
            let to = to
                .as_deref()
                .and_then(|t| t.trim().parse::<i64>().ok())
                .ok_or_else(|| AppError::refused("Choose who to assign the items to."))?;
            let changed = exceptions::assign(
                &state.pool,
                &actor,
                authority(&user),
                &pairs,
                Some(domain::people::PersonId(to)),
            )
            .await?;
            let owner = changed.first().and_then(|i| i.owner.clone()).unwrap_or_default();
            Ok(format!("Assigned {} item(s) to {owner}.", changed.len()))
        }
        "resolve" => {
            let resolution = resolution
                .as_deref()
                .and_then(Resolution::from_code)
                .ok_or_else(|| AppError::refused("Choose a resolution."))?;
            let n = exceptions::resolve_many(
                &state.pool,
                &actor,
                authority(&user),
                &pairs,
                resolution,
                note.as_deref().unwrap_or_default(),
            )
            .await?
            .len();
            Ok(format!("Resolved {n} item(s)."))
        }
        _ => Err(AppError::refused("Choose what to do with the items.")),
    }
}

#[server(endpoint = "exceptions/resolve")]
pub async fn resolve_item(id: i64, version: i32, resolution: String, note: String) -> Result<(), AppError> {
    let user = crate::auth::server::require(domain::access::Permission::WorkExceptions).await?;
    let state = crate::state::AppState::from_context()?;
    let resolution = domain::exceptions::Resolution::from_code(&resolution)
        .ok_or_else(|| AppError::refused("choose a resolution"))?;
    domain::exceptions::resolve(&state.pool, &user.actor(), authority(&user), id, version, resolution, &note)
        .await?;
    Ok(())
}

/// Assigns one item: to the signed-in person, or (supervisors) to `to`.
#[server(endpoint = "exceptions/assign")]
pub async fn assign_item(id: i64, version: i32, to: Option<String>) -> Result<String, AppError> {
    let user = crate::auth::server::require(domain::access::Permission::WorkExceptions).await?;
    let state = crate::state::AppState::from_context()?;
    let to = match to.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => Some(domain::people::PersonId(
            t.parse().map_err(|_| AppError::refused("Choose who to assign the item to."))?,
        )),
        None => None,
    };
    let changed =
        domain::exceptions::assign(&state.pool, &user.actor(), authority(&user), &[(id, version)], to)
            .await?;
    Ok(format!("Assigned to {}.", changed[0].owner.clone().unwrap_or_default()))
}

/// Adds a note to a work item (the help desk adds theirs from the payment lookup).
#[server(endpoint = "exceptions/note")]
pub async fn add_note(id: i64, note: String) -> Result<(), AppError> {
    let user = crate::auth::server::require(domain::access::Permission::WorkExceptions).await?;
    let state = crate::state::AppState::from_context()?;
    domain::exceptions::add_note(&state.pool, &user.actor(), id, &note).await?;
    Ok(())
}

#[component]
pub fn ExceptionsPage() -> impl IntoView {
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
    let page = Resource::new(move || (query(), done.get()), |(q, _)| work_queue(q));
    view! {
        <PageHeader title=crate::routes::EXCEPTIONS lede=text::LEDE/>
        <QueueFilterForm query=query()/>
        {move || act.value().get().map(|outcome| match outcome {
            Ok(text) => view! { <p class="form-ok" role="status" data-test="queue-outcome">{text}</p> }.into_any(),
            Err(e) => view! { <p class="form-error" role="alert" data-test="queue-outcome">{e.to_string()}</p> }.into_any(),
        })}
        <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors/> }>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let current = query();
                    page.await.map(|page| view! { <QueueTable page current act/> })
                })}
            </Transition>
        </ErrorBoundary>
    }
}

/// The query string of the queue's current filter (for the next page and the export).
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

#[component]
fn QueueFilterForm(query: QueueQuery) -> impl IntoView {
    let status = query.status.clone().unwrap_or_else(|| "open".into());
    let mine = query.owner.as_deref() == Some("me");
    view! {
        <form method="get" action="/exceptions" class="filters" role="search" aria-label="Filter the queue">
            <div class="field"><label for="queue-status">"Status"</label>
                <select id="queue-status" name="status">
                    {[("open", "Open"), ("in_progress", "In progress"), ("resolved", "Resolved"), ("any", "Any")].into_iter().map(|(v, t)| {
                        view! { <option value=v selected=status == v>{t}</option> }
                    }).collect_view()}
                </select></div>
            <div class="field"><label for="queue-date">"Business date"</label>
                <input id="queue-date" name="date" type="date" value=query.date.clone().unwrap_or_default()/></div>
            <div class="field"><label for="queue-reason">"Reason"</label>
                <input id="queue-reason" name="reason" value=query.reason.clone().unwrap_or_default()/></div>
            <div class="field checkbox"><input id="queue-mine" name="owner" type="checkbox" value="me" checked=mine/>
                <label for="queue-mine">"Only mine"</label></div>
            <div class="actions"><button type="submit" class="button primary">"Filter"</button></div>
        </form>
    }
}

#[component]
fn QueueTable(page: QueuePage, current: QueueQuery, act: ServerAction<QueueAction>) -> impl IntoView {
    let export = format!("/export/exceptions.csv?{}", filter_query(&current));
    if page.rows.is_empty() {
        return view! { <p class="muted" data-test="queue-empty">"No work items match."</p> }.into_any();
    }
    let next = page.next_after.map(|after| {
        let rest = filter_query(&current);
        format!("/exceptions?after={after}{}{rest}", if rest.is_empty() { "" } else { "&" })
    });
    let supervisor = !page.assignees.is_empty();
    view! {
        <ActionForm action=act attr:class="queue-form">
            <div class="table-wrap">
                <table class="data" data-test="queue">
                    <thead><tr>
                        <th scope="col"><span class="visually-hidden">"Choose"</span></th>
                        <th scope="col" class="num">"Item"</th><th scope="col">"Date"</th><th scope="col">"Class"</th>
                        <th scope="col">"Reason"</th><th scope="col" class="num">"Amount"</th><th scope="col">"Status"</th>
                        <th scope="col">"Owner"</th><th scope="col" class="num">"Age (business days)"</th>
                    </tr></thead>
                    <tbody>
                        {page.rows.into_iter().enumerate().map(|(i, r)| {
                            let label = format!("Choose item {}", r.id);
                            view! {
                                <tr data-test="work-item" data-item=r.id class:overdue=r.overdue>
                                    <td><input type="checkbox" name=format!("items[{i}]") value=format!("{}:{}", r.id, r.version) aria-label=label/></td>
                                    <td class="num"><a href=format!("/exceptions/{}", r.id)>{r.id}</a></td>
                                    <td class="nowrap">{r.business_date}</td><td>{r.class}</td><td>{r.reason}</td>
                                    <td class="num nowrap">{r.amount}</td><td data-test="row-status">{r.status}</td><td data-test="row-owner">{r.owner}</td>
                                    <td class="num">{r.age}
                                        {r.overdue.then(|| view! { " " <span class="badge overdue">"overdue"</span> })}
                                        {r.high_priority.then(|| view! { " " <span class="badge high">"high priority"</span> })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <div class="actions">
                <button type="submit" name="op" value="assign_me" class="button">"Assign chosen to me"</button>
            </div>
            {supervisor.then(|| view! {
                <fieldset class="field-group">
                    <legend>"Assign the chosen items to someone"</legend>
                    <div class="field"><label for="assign-to">"Assign to"</label>
                        <select id="assign-to" name="to">
                            <option value="">"Choose a person"</option>
                            {page.assignees.iter().map(|(id, name)| view! { <option value=*id>{name.clone()}</option> }).collect_view()}
                        </select></div>
                    <div class="actions"><button type="submit" name="op" value="assign" class="button">"Assign chosen"</button></div>
                </fieldset>
            })}
            <fieldset class="field-group">
                <legend>"Resolve the chosen items together"</legend>
                <ResolutionChoice id="bulk-resolution"/>
                <div class="field"><label for="bulk-note">"Note for all of them"</label>
                    <input id="bulk-note" name="note" maxlength="4000"/></div>
                <div class="actions"><button type="submit" name="op" value="resolve" class="button">"Resolve chosen"</button></div>
            </fieldset>
        </ActionForm>
        <p class="list-links">
            {next.map(|href| view! { <a href=href rel="next">"Next page"</a> " " })}
            <a href=export download rel="external" data-test="export">"Download this list (CSV)"</a>
        </p>
    }
    .into_any()
}

/// The resolutions a person may choose; `corrected` and `written off` come from an approved
/// transfer on the Ledger page.
#[component]
fn ResolutionChoice(id: &'static str) -> impl IntoView {
    view! {
        <div class="field"><label for=id>"Resolution"</label>
            <select id=id name="resolution">
                <option value="">"Choose…"</option>
                <option value="explained">"Explained, no money moves"</option>
                <option value="timing">"Timing: settles on a later date"</option>
                <option value="duplicate">"Duplicate of another item"</option>
            </select>
            <p class="hint">"Corrected and written off are set by an approved transfer on the Ledger page."</p></div>
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
    pub action: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkItemView {
    pub id: i64,
    pub version: i32,
    pub status: String,
    pub owner: String,
    pub resolution: String,
    pub opened: String,
    pub detail: Option<DetailView>,
    pub notes: Vec<NoteView>,
    pub history: Vec<HistoryView>,
    pub resolved: bool,
    pub priority: String,
    /// Ledger actions started from this item: (action id, what, status in words).
    pub actions: Vec<(i64, String, String)>,
    pub can_initiate: bool,
    /// The signed-in person owns it.
    pub mine: bool,
    /// The signed-in person may take it (it is nobody's, or they supervise).
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
    let detail = domain::items::detail(&state.pool, item.run_id, item.seq).await?;
    let notes = domain::exceptions::notes(&state.pool, id).await?;
    let filter = domain::audit::AuditFilter { target: Some(format!("work_item:{id}")), ..Default::default() };
    let history = domain::audit::search(&state.pool, &filter, None, 100).await?;
    crate::pages::reports::record_view(&state, &user, format!("work_item:{id}")).await?;
    let actions = domain::ledger::actions::list(&state.pool, None, Some(id), 20)
        .await?
        .into_iter()
        .map(|a| {
            let status = match (a.status.as_str(), a.transaction_id, a.reversed_by) {
                ("posted", Some(t), _) => format!("posted (transaction {t})"),
                ("reversed", Some(t), Some(r)) => {
                    format!("posted (transaction {t}), then reversed by transaction {r}")
                }
                ("pending", ..) => "waiting for approval".to_owned(),
                (other, ..) => other.to_owned(),
            };
            (a.id, format!("{} of {}", a.kind.replace('_', "-"), a.request.amount().grouped()), status)
        })
        .collect();
    let mine = item.owner_person == Some(user.person.0);
    let supervisor = authority(&user) == domain::exceptions::Authority::Supervisor;
    Ok(WorkItemView {
        actions,
        can_initiate: user.can(domain::access::Permission::InitiateActions),
        mine,
        can_take: !mine && (item.owner.is_none() || supervisor),
        assignees: if supervisor { assignees(&state.pool).await? } else { Vec::new() },
        priority: item.priority.clone(),
        id,
        version: item.version,
        status: item.status.code().to_owned(),
        owner: item.owner.clone().unwrap_or_default(),
        resolution: item.resolution.clone().unwrap_or_default(),
        opened: viewer::format_instant(item.opened_at, zone),
        detail: detail.map(crate::pages::reports::compare),
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
    let item =
        Resource::new(move || (id(), assigned.get(), resolved.get(), noted.get()), |(id, ..)| work_item(id));
    view! {
        <PageHeader title=crate::routes::WORK_ITEM/>
        <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors/> }>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    item.await.map(|item| view! { <WorkItemPanel item assign resolve note/> })
                })}
            </Transition>
        </ErrorBoundary>
    }
}

fn outcome<T: Clone + Send + Sync + 'static>(
    value: impl Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    ok: &'static str,
) -> impl IntoView {
    move || {
        value.get().map(|outcome| match outcome {
            Ok(_) => view! { <p class="form-ok" role="status">{ok}</p> }.into_any(),
            Err(e) => view! { <p class="form-error" role="alert" data-test="form-error">{e.to_string()}</p> }
                .into_any(),
        })
    }
}

#[component]
fn WorkItemPanel(
    item: WorkItemView,
    assign: ServerAction<AssignItem>,
    resolve: ServerAction<ResolveItem>,
    note: ServerAction<AddNote>,
) -> impl IntoView {
    let note_form = NodeRef::<leptos::html::Form>::new();
    crate::forms::reset_on_success(note, note_form);
    view! {
        <section class="card" aria-labelledby="work-heading">
            <h2 id="work-heading">{format!("Work item {}", item.id)}</h2>
            <dl class="facts">
                <dt>"Status"</dt><dd data-test="work-status">{item.status.clone()}</dd>
                <dt>"Owner"</dt><dd data-test="work-owner">{if item.owner.is_empty() { "nobody yet".to_owned() } else { item.owner.clone() }}</dd>
                <dt>"Opened"</dt><dd>{item.opened.clone()}</dd>
                <dt>"Priority"</dt><dd data-test="work-priority">{item.priority.clone()}</dd>
                {(!item.resolution.is_empty()).then(|| view! { <dt>"Resolution"</dt><dd data-test="work-resolution">{item.resolution.clone()}</dd> })}
            </dl>
            {(!item.resolved && item.can_take).then(|| view! {
                <ActionForm action=assign attr:class="inline-form">
                    <input type="hidden" name="id" value=item.id/>
                    <input type="hidden" name="version" value=item.version/>
                    <button type="submit" class="button">"Assign to me"</button>
                </ActionForm>
            })}
            {(!item.resolved && !item.assignees.is_empty()).then(|| view! {
                <ActionForm action=assign attr:class="inline-form">
                    <input type="hidden" name="id" value=item.id/>
                    <input type="hidden" name="version" value=item.version/>
                    <label for="item-assign-to">"Assign to"</label>
                    <select id="item-assign-to" name="to" required>
                        <option value="">"Choose a person"</option>
                        {item.assignees.iter().map(|(id, name)| view! { <option value=*id>{name.clone()}</option> }).collect_view()}
                    </select>
                    <button type="submit" class="button">"Assign"</button>
                </ActionForm>
            })}
            {outcome(assign.value(), "Assigned.")}
        </section>
        {item.detail.clone().map(|detail| view! { <SideBySide detail/> })}
        <section class="card narrow" aria-labelledby="money-heading">
            <h2 id="money-heading">"Ledger"</h2>
            <ul data-test="item-actions">
                {item.actions.iter().map(|(id, what, status)| view! {
                    <li>{format!("Action {id}: {what}, {status}")}</li>
                }).collect_view()}
            </ul>
            {(item.can_initiate && !item.resolved).then(|| view! {
                <p><a class="button" href=format!("/ledger?work_item={}", item.id)>"Start a funds transfer for this item"</a></p>
            })}
        </section>
        {(!item.resolved).then(|| view! {
            <section class="card narrow" aria-labelledby="resolve-heading">
                <h2 id="resolve-heading">"Resolve"</h2>
                <ActionForm action=resolve attr:class="form">
                    <input type="hidden" name="id" value=item.id/>
                    <input type="hidden" name="version" value=item.version/>
                    <ResolutionChoice id="resolution"/>
                    <div class="field"><label for="resolve-note">"Note"</label>
                        <textarea id="resolve-note" name="note" rows="3" required maxlength="4000"></textarea></div>
                    {outcome(resolve.value(), "Resolved.")}
                    <div class="actions"><button type="submit" class="button primary">"Resolve"</button></div>
                </ActionForm>
            </section>
        })}
        <section class="card narrow" aria-labelledby="notes-heading">
            <h2 id="notes-heading">"Notes"</h2>
            <ul class="notes" data-test="notes">
                {item.notes.into_iter().map(|n| view! {
                    <li><p>{n.body}</p><p class="muted">{format!("{}, {}", n.author, n.written)}</p></li>
                }).collect_view()}
            </ul>
            <ActionForm action=note node_ref=note_form attr:class="form">
                <input type="hidden" name="id" value=item.id/>
                <div class="field"><label for="new-note">"Add a note"</label>
                    <textarea id="new-note" name="note" rows="2" required maxlength="4000"></textarea></div>
                {outcome(note.value(), "Note added.")}
                <div class="actions"><button type="submit" class="button">"Add note"</button></div>
            </ActionForm>
        </section>
        <section class="card narrow" aria-labelledby="history-heading">
            <h2 id="history-heading">"History"</h2>
            <ol class="history" data-test="history">
                {item.history.into_iter().map(|h| view! { <li>{format!("{} {} {}", h.when, h.actor, h.action)}</li> }).collect_view()}
            </ol>
        </section>
    }
}

mod text {
    crate::texts! {
        LEDE = "Mismatches and resettlements to be worked, oldest first. Overdue items are past their reason's service level and raised to high priority.", "待处理的不匹配和重新结算项目，最早的在前。超过其原因服务时限的逾期项目会提升为高优先级。";
    }
}
