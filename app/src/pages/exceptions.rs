//! The exception queue and one work item: assign, annotate, resolve. Every form names the version
//! of the item it was filled in on; a change someone else made in between is reported, not
//! overwritten.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, ErrorNotice};
use crate::layout::PageHeader;
use crate::pages::reports::{DetailView, SideBySide};

/// Business days an exception may stay unresolved before it is overdue.
pub const SLA_BUSINESS_DAYS: u32 = 2;

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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuePage {
    pub rows: Vec<QueueRow>,
    pub next_after: Option<i64>,
}

#[cfg(feature = "ssr")]
fn work_error(e: domain::exceptions::WorkError) -> AppError {
    use domain::exceptions::WorkError;
    match e {
        WorkError::Database(e) => AppError::database(&e),
        other => AppError::Invalid(other.to_string()),
    }
}

#[cfg(feature = "ssr")]
fn actor(user: &crate::auth::server::User) -> domain::audit::Actor {
    domain::audit::Actor {
        username: user.username.clone(),
        session_ref: Some(user.session_ref.clone()),
        address: crate::auth::server::client_address(),
    }
}

#[server(endpoint = "exceptions/queue")]
pub async fn work_queue(query: QueueQuery) -> Result<QueuePage, AppError> {
    use domain::exceptions::{QueueFilter, Status};
    const PAGE_SIZE: i64 = 50;
    let user = crate::auth::server::require(domain::access::Permission::WorkExceptions).await?;
    let state = crate::state::AppState::from_context()?;
    let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
    let status = match text(&query.status).as_deref() {
        None => Some(Status::Open),
        Some("any") => None,
        Some(code) => Some(
            Status::from_code(code).ok_or_else(|| AppError::Invalid(format!("'{code}' is not a status")))?,
        ),
    };
    let business_date = match text(&query.date) {
        Some(d) => Some(
            chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                .map_err(|_| AppError::Invalid(format!("'{d}' is not a date (YYYY-MM-DD)")))?,
        ),
        None => None,
    };
    let filter = QueueFilter {
        status,
        owner: match text(&query.owner).as_deref() {
            Some("me") => Some(user.username.clone()),
            Some(other) => Some(other.to_owned()),
            None => None,
        },
        business_date,
        reason: text(&query.reason),
    };
    let mut items = domain::exceptions::queue(&state.pool, &filter, query.after, PAGE_SIZE + 1)
        .await
        .map_err(work_error)?;
    let more = items.len() as i64 > PAGE_SIZE;
    items.truncate(PAGE_SIZE as usize);
    let schedule = crate::preferences::viewer::operating_schedule(&state.pool).await?;
    let today = chrono::Utc::now().with_timezone(&schedule.time_zone).date_naive();
    let holidays = domain::calendar::load_holidays(&state.pool).await.map_err(|e| AppError::database(&e))?;
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
                overdue: item.status != Status::Resolved && age > i64::from(SLA_BUSINESS_DAYS),
            }
        })
        .collect();
    Ok(QueuePage { rows, next_after: if more { items.last().map(|i| i.id) } else { None } })
}

/// Assigns the chosen items (`items` holds `id:version` pairs) to the signed-in person.
#[server(endpoint = "exceptions/assign")]
pub async fn assign_to_me(items: Vec<String>) -> Result<usize, AppError> {
    let user = crate::auth::server::require(domain::access::Permission::WorkExceptions).await?;
    let state = crate::state::AppState::from_context()?;
    let pairs = items
        .iter()
        .map(|pair| {
            pair.split_once(':')
                .and_then(|(id, v)| Some((id.parse().ok()?, v.parse().ok()?)))
                .ok_or_else(|| AppError::Invalid("the form named an item wrongly; reload the page".into()))
        })
        .collect::<Result<Vec<(i64, i32)>, AppError>>()?;
    let changed =
        domain::exceptions::assign(&state.pool, &actor(&user), &pairs, None).await.map_err(work_error)?;
    Ok(changed.len())
}

#[server(endpoint = "exceptions/resolve")]
pub async fn resolve_item(id: i64, version: i32, resolution: String, note: String) -> Result<(), AppError> {
    let user = crate::auth::server::require(domain::access::Permission::WorkExceptions).await?;
    let state = crate::state::AppState::from_context()?;
    let resolution = domain::exceptions::Resolution::from_code(&resolution)
        .ok_or_else(|| AppError::Invalid("choose a resolution".into()))?;
    domain::exceptions::resolve(&state.pool, &actor(&user), id, version, resolution, &note)
        .await
        .map_err(work_error)?;
    Ok(())
}

#[server(endpoint = "exceptions/note")]
pub async fn add_note(id: i64, note: String) -> Result<(), AppError> {
    let user = crate::auth::server::require(domain::access::Permission::WorkExceptions).await?;
    let state = crate::state::AppState::from_context()?;
    domain::exceptions::add_note(&state.pool, &actor(&user), id, &note).await.map_err(work_error)
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
    let assign = ServerAction::<AssignToMe>::new();
    let page = Resource::new(move || (query(), assign.version().get()), |(q, _)| work_queue(q));
    view! {
        <PageHeader
            title="Exceptions"
            lede="Mismatches and resettlements to be worked, oldest first. Overdue items are past the service level of two business days."
        />
        <QueueFilterForm query=query()/>
        {move || assign.value().get().map(|outcome| match outcome {
            Ok(n) => view! { <p class="form-ok" role="status">{format!("Assigned {n} item(s) to you.")}</p> }.into_any(),
            Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
        })}
        <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors/> }>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let current = query();
                    page.await.map(|page| view! { <QueueTable page current assign/> })
                })}
            </Transition>
        </ErrorBoundary>
    }
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
                <input id="queue-reason" name="reason" value=query.reason.clone().unwrap_or_default() placeholder="amount_differs"/></div>
            <div class="field checkbox"><input id="queue-mine" name="owner" type="checkbox" value="me" checked=mine/>
                <label for="queue-mine">"Only mine"</label></div>
            <div class="actions"><button type="submit" class="button primary">"Filter"</button></div>
        </form>
    }
}

#[component]
fn QueueTable(page: QueuePage, current: QueueQuery, assign: ServerAction<AssignToMe>) -> impl IntoView {
    if page.rows.is_empty() {
        return view! { <p class="muted" data-test="queue-empty">"No work items match."</p> }.into_any();
    }
    let next = page.next_after.map(|after| {
        let mut link = format!("/exceptions?after={after}");
        for (k, v) in [
            ("status", &current.status),
            ("owner", &current.owner),
            ("date", &current.date),
            ("reason", &current.reason),
        ] {
            if let Some(v) = v {
                link += &format!("&{k}={}", crate::url::encode_component(v));
            }
        }
        link
    });
    view! {
        <ActionForm action=assign attr:class="queue-form">
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
                                <tr data-test="work-item" class:overdue=r.overdue>
                                    <td><input type="checkbox" name=format!("items[{i}]") value=format!("{}:{}", r.id, r.version) aria-label=label/></td>
                                    <td class="num"><a href=format!("/exceptions/{}", r.id)>{r.id}</a></td>
                                    <td class="nowrap">{r.business_date}</td><td>{r.class}</td><td>{r.reason}</td>
                                    <td class="num nowrap">{r.amount}</td><td>{r.status}</td><td>{r.owner}</td>
                                    <td class="num">{r.age}{r.overdue.then(|| view! { " " <span class="badge overdue">"overdue"</span> })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <div class="actions"><button type="submit" class="button">"Assign chosen to me"</button></div>
        </ActionForm>
        {next.map(|href| view! { <p><a href=href rel="next">"Next page"</a></p> })}
    }
    .into_any()
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
    /// Ledger actions started from this item: (action id, what, status, transaction id).
    pub actions: Vec<(i64, String, String, Option<i64>)>,
    pub can_initiate: bool,
}

#[server(endpoint = "exceptions/item")]
pub async fn work_item(id: i64) -> Result<WorkItemView, AppError> {
    use crate::preferences::viewer;
    let user = crate::auth::server::require(domain::access::Permission::WorkExceptions).await?;
    let state = crate::state::AppState::from_context()?;
    let (zone, _) = viewer::time_zone(&state.pool).await?;
    let item = domain::exceptions::get(&state.pool, id).await.map_err(work_error)?;
    let detail = domain::items::detail(&state.pool, item.run_id, item.seq)
        .await
        .map_err(|e| AppError::database(&e))?;
    let notes = domain::exceptions::notes(&state.pool, id).await.map_err(|e| AppError::database(&e))?;
    let filter = domain::audit::AuditFilter { target: Some(format!("work_item:{id}")), ..Default::default() };
    let history =
        domain::audit::search(&state.pool, &filter, None, 100).await.map_err(|e| AppError::database(&e))?;
    crate::pages::reports::record_view(&state, &user, format!("work_item:{id}")).await?;
    let actions = domain::ledger::actions::list(&state.pool, None, Some(id), 20)
        .await
        .map_err(AppError::internal)?
        .into_iter()
        .map(|a| (a.id, format!("{} {}", a.kind, a.request.amount().grouped()), a.status, a.transaction_id))
        .collect();
    Ok(WorkItemView {
        actions,
        can_initiate: user.can(domain::access::Permission::InitiateActions),
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
    let assign = ServerAction::<AssignToMe>::new();
    let resolve = ServerAction::<ResolveItem>::new();
    let note = ServerAction::<AddNote>::new();
    let item = Resource::new(
        move || (id(), assign.version().get(), resolve.version().get(), note.version().get()),
        |(id, ..)| work_item(id),
    );
    view! {
        <PageHeader title="Work item"/>
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
    assign: ServerAction<AssignToMe>,
    resolve: ServerAction<ResolveItem>,
    note: ServerAction<AddNote>,
) -> impl IntoView {
    let pair = format!("{}:{}", item.id, item.version);
    view! {
        <section class="card" aria-labelledby="work-heading">
            <h2 id="work-heading">{format!("Work item {}", item.id)}</h2>
            <dl class="facts">
                <dt>"Status"</dt><dd data-test="work-status">{item.status.clone()}</dd>
                <dt>"Owner"</dt><dd data-test="work-owner">{if item.owner.is_empty() { "nobody yet".to_owned() } else { item.owner.clone() }}</dd>
                <dt>"Opened"</dt><dd>{item.opened.clone()}</dd>
                {(!item.resolution.is_empty()).then(|| view! { <dt>"Resolution"</dt><dd data-test="work-resolution">{item.resolution.clone()}</dd> })}
            </dl>
            {(!item.resolved).then(|| view! {
                <ActionForm action=assign attr:class="inline-form">
                    <input type="hidden" name="items[0]" value=pair.clone()/>
                    <button type="submit" class="button">"Assign to me"</button>
                </ActionForm>
                {outcome(assign.value(), "Assigned to you.")}
            })}
        </section>
        {item.detail.clone().map(|detail| view! { <SideBySide detail/> })}
        <section class="card narrow" aria-labelledby="money-heading">
            <h2 id="money-heading">"Ledger"</h2>
            <ul data-test="item-actions">
                {item.actions.iter().map(|(id, what, status, tx)| view! {
                    <li>{format!("Action {id}: {what}, {status}")}{tx.map(|t| format!(" (transaction {t})"))}</li>
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
                    <div class="field"><label for="resolution">"Resolution"</label>
                        <select id="resolution" name="resolution" required>
                            <option value="">"Choose…"</option>
                            <option value="corrected">"Corrected (money moved)"</option>
                            <option value="explained">"Explained, no money moves"</option>
                            <option value="timing">"Timing: settles on a later date"</option>
                            <option value="duplicate">"Duplicate of another item"</option>
                            <option value="written_off">"Written off to suspense"</option>
                        </select></div>
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
            <ActionForm action=note attr:class="form">
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
