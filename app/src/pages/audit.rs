//! The audit trail, for admins: search it, and check that nobody has changed it.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, ErrorNotice};
use crate::layout::PageHeader;

/// The search, as it travels in the page's URL (so a search can be shared as a link).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    /// First day to include (YYYY-MM-DD, in the viewer's time zone).
    pub from: Option<String>,
    /// Last day to include (YYYY-MM-DD, in the viewer's time zone).
    pub until: Option<String>,
    /// Show events older than this sequence number (the next page).
    pub before: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub seq: i64,
    pub occurred_at: String,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub address: Option<String>,
    pub session_ref: Option<String>,
    pub before_state: Option<String>,
    pub after_state: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    /// Where the next (older) page starts, when there is one.
    pub next_before: Option<i64>,
    pub time_zone: String,
}

/// The search as the domain reads it; days are in `zone`.
#[cfg(feature = "ssr")]
pub fn audit_filter(
    query: &AuditQuery,
    zone: domain::calendar::Tz,
) -> Result<domain::audit::AuditFilter, AppError> {
    let day = |field: &str, value: &Option<String>, next_day: bool| -> Result<_, AppError> {
        let Some(text) = value.as_deref().map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
        let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)))
            .ok_or_else(|| AppError::refused(format!("'{text}' is not a date (YYYY-MM-DD) for '{field}'")))?;
        let date = if next_day { date + chrono::Days::new(1) } else { date };
        Ok(Some(domain::calendar::start_of_day(date, zone)))
    };
    let text =
        |value: &Option<String>| value.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
    Ok(domain::audit::AuditFilter {
        actor: text(&query.actor),
        action: text(&query.action),
        target: text(&query.target),
        from: day("from", &query.from, false)?,
        until: day("until", &query.until, true)?,
    })
}

#[server(endpoint = "audit/search")]
pub async fn search_audit(query: AuditQuery) -> Result<AuditPage, AppError> {
    use crate::preferences::viewer;
    use domain::access::Permission;
    const PAGE_SIZE: i64 = 50;

    crate::auth::server::require(Permission::ViewAudit).await?;
    let state = crate::state::AppState::from_context()?;
    let (zone, _) = viewer::time_zone(&state.pool).await?;
    let filter = audit_filter(&query, zone)?;
    let mut events = domain::audit::search(&state.pool, &filter, query.before, PAGE_SIZE + 1)
        .await
        .map_err(|e| AppError::database(&e))?;
    let has_more = events.len() as i64 > PAGE_SIZE;
    events.truncate(PAGE_SIZE as usize);
    let next_before = if has_more { events.last().map(|e| e.seq) } else { None };
    let rows = events
        .into_iter()
        .map(|e| AuditRow {
            seq: e.seq,
            occurred_at: viewer::format_instant(e.occurred_at, zone),
            actor: e.actor,
            action: e.action,
            target: e.target,
            address: e.address,
            session_ref: e.session_ref,
            before_state: e.before_state,
            after_state: e.after_state,
        })
        .collect();
    Ok(AuditPage { rows, next_before, time_zone: zone.name().to_owned() })
}

/// The outcome of walking the chain, in words.
#[server(endpoint = "audit/verify")]
pub async fn verify_audit_chain() -> Result<(bool, String), AppError> {
    crate::auth::server::require(domain::access::Permission::ViewAudit).await?;
    let state = crate::state::AppState::from_context()?;
    let report = domain::audit::verify(&state.pool).await.map_err(|e| AppError::database(&e))?;
    Ok((matches!(report, domain::audit::ChainReport::Intact { .. }), report.to_string()))
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let params = use_query_map();
    let query = move || {
        params.with(|p| {
            let get = |k: &str| p.get(k).filter(|v| !v.is_empty());
            AuditQuery {
                actor: get("actor"),
                action: get("action"),
                target: get("target"),
                from: get("from"),
                until: get("until"),
                before: get("before").and_then(|b| b.parse().ok()),
            }
        })
    };
    let results = Resource::new(query, search_audit);
    let verify = ServerAction::<VerifyAuditChain>::new();
    view! {
        <PageHeader title=crate::routes::AUDIT lede=text::LEDE/>
        <section class="card" aria-labelledby="verify-heading">
            <h2 id="verify-heading">"Integrity"</h2>
            <ActionForm action=verify attr:class="inline-form">
                <button type="submit" class="button">"Verify the chain"</button>
            </ActionForm>
            {move || verify.value().get().map(|outcome| match outcome {
                Ok((true, text)) => view! { <p class="form-ok" role="status" data-test="chain-report">{text}</p> }.into_any(),
                Ok((false, text)) => view! { <p class="form-error" role="alert" data-test="chain-report">{text}</p> }.into_any(),
                Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </section>
        <AuditSearchForm query=query()/>
        <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors/> }>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let current = query();
                    results.await.map(|page| view! { <AuditTable page current/> })
                })}
            </Transition>
        </ErrorBoundary>
    }
}

/// A plain GET form: the search lands in the URL, and it works without JavaScript.
#[component]
fn AuditSearchForm(query: AuditQuery) -> impl IntoView {
    let field = |value: Option<String>| value.unwrap_or_default();
    view! {
        <form method="get" action="/audit" class="filters" role="search" aria-label="Search the audit trail">
            <div class="field"><label for="audit-actor">"Actor"</label>
                <input id="audit-actor" name="actor" value=field(query.actor)/></div>
            <div class="field"><label for="audit-action">"Action"</label>
                <input id="audit-action" name="action" value=field(query.action) placeholder="auth.login"/></div>
            <div class="field"><label for="audit-target">"Target"</label>
                <input id="audit-target" name="target" value=field(query.target)/></div>
            <div class="field"><label for="audit-from">"From"</label>
                <input id="audit-from" name="from" type="date" value=field(query.from)/></div>
            <div class="field"><label for="audit-until">"Until"</label>
                <input id="audit-until" name="until" type="date" value=field(query.until)/></div>
            <div class="actions"><button type="submit" class="button primary">"Search"</button></div>
        </form>
    }
}

#[component]
fn AuditTable(page: AuditPage, current: AuditQuery) -> impl IntoView {
    let mut pairs = Vec::new();
    for (key, value) in [
        ("actor", &current.actor),
        ("action", &current.action),
        ("target", &current.target),
        ("from", &current.from),
        ("until", &current.until),
    ] {
        if let Some(v) = value {
            pairs.push(format!("{key}={}", crate::url::encode_component(v)));
        }
    }
    let export = format!("/export/audit.csv?{}", pairs.join("&"));
    let next_link = page.next_before.map(|before| {
        let mut pairs = pairs.clone();
        pairs.push(format!("before={before}"));
        format!("/audit?{}", pairs.join("&"))
    });
    if page.rows.is_empty() {
        return view! { <p class="muted" data-test="audit-empty">"No events match this search."</p> }
            .into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="data" data-test="audit-events">
                <caption>"Newest first. Times in " {page.time_zone.clone()} "."</caption>
                <thead><tr>
                    <th scope="col">"#"</th><th scope="col">"When"</th><th scope="col">"Actor"</th>
                    <th scope="col">"Action"</th><th scope="col">"Target"</th><th scope="col">"From"</th>
                    <th scope="col">"Details"</th>
                </tr></thead>
                <tbody>
                    {page.rows.into_iter().map(|row| view! {
                        <tr>
                            <td class="num">{row.seq}</td>
                            <td class="nowrap">{row.occurred_at}</td>
                            <td>{row.actor}</td>
                            <td><code>{row.action}</code></td>
                            <td>{row.target.unwrap_or_default()}</td>
                            <td>{row.address.unwrap_or_default()}</td>
                            <td class="details">
                                {row.before_state.map(|b| view! { <div><span class="muted">"before "</span><code>{b}</code></div> })}
                                {row.after_state.map(|a| view! { <div><span class="muted">"after "</span><code>{a}</code></div> })}
                            </td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <p class="list-links">
            {next_link.map(|href| view! { <a href=href rel="next">"Older events"</a> " " })}
            <a href=export download rel="external" data-test="export">"Download this search (CSV)"</a>
        </p>
    }
    .into_any()
}

mod text {
    crate::texts! {
        LEDE = "Every sign-in, view, download, action and change, in order. The record cannot be edited.", "按顺序记录每次登录、查看、下载、操作和更改。记录不可编辑。";
    }
}
