//! CSV exports of the portal's filtered lists: the exception queue, a run's items, the journal and
//! the audit search. Each takes the same filter as its page (the page's query string), checks the
//! page's permission, records the export (with the filter) in the audit trail before the first
//! byte, and streams the rows a thousand at a time, so a long list never sits in memory.

use std::future::Future;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use domain::access::Permission;
use domain::audit::{AuditAction, NewAuditEvent};
use domain::export::{Cell, CsvPage};
use serde::Deserialize;

use crate::auth::client_address;
use crate::state::ServerState;
use app::auth::server::User;

/// Rows per database read.
const PAGE: i64 = 1000;

#[derive(Debug, Default, Deserialize)]
pub struct JournalQuery {
    account: Option<String>,
    from: Option<String>,
    until: Option<String>,
}

/// `GET /export/{list}.csv` with the list page's own filter.
pub async fn export(
    State(state): State<ServerState>,
    Extension(user): Extension<User>,
    Path(list): Path<String>,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Response {
    let query = request.uri().query().unwrap_or_default().to_owned();
    let address = client_address(request.extensions());
    let needed = match list.as_str() {
        "exceptions.csv" => Permission::WorkExceptions,
        "items.csv" => Permission::ViewReports,
        "journal.csv" => Permission::ViewLedger,
        "audit.csv" => Permission::ViewAudit,
        _ => return (StatusCode::NOT_FOUND, "There is no such list to export.").into_response(),
    };
    if !user.can(needed) {
        let event = NewAuditEvent {
            target: Some(format!("/export/{list}")),
            after: Some(serde_json::json!({ "needed": format!("{needed:?}") })),
            ..user.audit_event(AuditAction::AccessDenied, address.clone())
        };
        if let Err(e) = state.app.audit.record(event).await {
            tracing::error!(error = %e, "could not record a refused export");
        }
        return (StatusCode::FORBIDDEN, "You do not have permission to export this list.").into_response();
    }
    let body = match list.as_str() {
        "exceptions.csv" => exceptions(&state, &user, &query).await,
        "items.csv" => items(&state, &query).await,
        "journal.csv" => journal(&state, &query).await,
        _ => audit(&state, &headers, &query).await,
    };
    let body = match body {
        Ok(body) => body,
        Err(Refused(message)) => return (StatusCode::UNPROCESSABLE_ENTITY, message).into_response(),
    };
    // No record, no export: a list that left the bank must show in the trail.
    let event = NewAuditEvent {
        target: Some(format!("/export/{list}")),
        after: Some(serde_json::json!({ "filter": query })),
        ..user.audit_event(AuditAction::ListExported, address)
    };
    if let Err(e) = state.app.audit.record(event).await {
        tracing::error!(error = %e, "could not record an export; refusing it");
        return (StatusCode::SERVICE_UNAVAILABLE, "The export could not be recorded; please try again.")
            .into_response();
    }
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    let name = format!(
        "attachment; filename=\"settledesk-{}-{}\"",
        chrono::Utc::now().format("%Y%m%d-%H%M%S"),
        list
    );
    if let Ok(value) = HeaderValue::from_str(&name) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// A filter the person got wrong: said in words, with 422.
struct Refused(String);

impl From<app::error::AppError> for Refused {
    fn from(e: app::error::AppError) -> Self {
        Refused(e.to_string())
    }
}

fn parse<T: serde::de::DeserializeOwned + Default>(query: &str) -> Result<T, Refused> {
    if query.is_empty() {
        return Ok(T::default());
    }
    Query::<T>::try_from_uri(
        &format!("/?{query}").parse().map_err(|_| Refused("The filter is malformed.".into()))?,
    )
    .map(|Query(q)| q)
    .map_err(|_| Refused("The filter is malformed.".into()))
}

/// A CSV body: the header row, then `fetch(cursor)` page by page until it returns no next cursor.
fn stream<C, F, Fut>(header: &'static [&'static str], fetch: F) -> Body
where
    C: Send + 'static,
    F: FnMut(Option<C>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(CsvPage, Option<C>), sqlx::Error>> + Send + 'static,
{
    enum Step<C> {
        Header,
        Next(Option<C>),
        Done,
    }
    let stream = futures_util::stream::unfold((Step::Header, fetch), move |(step, mut fetch)| async move {
        match step {
            Step::Header => {
                let mut page = CsvPage::default();
                page.row(&header.iter().map(|h| Cell::Text(h)).collect::<Vec<_>>());
                Some((Ok(Bytes::from(page.into_bytes())), (Step::Next(None), fetch)))
            }
            Step::Next(cursor) => match fetch(cursor).await {
                Ok((page, next)) => {
                    let after = match next {
                        Some(c) => Step::Next(Some(c)),
                        None => Step::Done,
                    };
                    Some((Ok(Bytes::from(page.into_bytes())), (after, fetch)))
                }
                Err(e) => {
                    // The response has begun: the cut-off body is the only signal left, and the log
                    // says why.
                    tracing::error!(error = %e, "export stopped: the database failed mid-stream");
                    Some((Err(std::io::Error::other("export failed")), (Step::Done, fetch)))
                }
            },
            Step::Done => None,
        }
    });
    Body::from_stream(stream)
}

fn amount(minor: i64, currency: &str) -> Cell<'static> {
    Cell::Number(
        domain::money::Currency::from_code(currency)
            .map(|c| domain::money::Money::from_minor(minor, c).plain().as_str().to_owned())
            .unwrap_or_else(|| minor.to_string()),
    )
}

async fn exceptions(state: &ServerState, user: &User, query: &str) -> Result<Body, Refused> {
    let filter = app::pages::exceptions::queue_filter(&parse(query)?, user.person)?;
    let pool = state.app.pool.clone();
    Ok(stream(
        &[
            "item",
            "business_date",
            "class",
            "reason",
            "amount",
            "currency",
            "status",
            "owner",
            "priority",
            "resolution",
            "opened_at",
        ],
        move |after: Option<i64>| {
            let (pool, filter) = (pool.clone(), filter.clone());
            async move {
                let items =
                    domain::exceptions::queue(&pool, &filter, after, PAGE).await.map_err(|e| match e {
                        domain::exceptions::WorkError::Database(e) => e,
                        other => sqlx::Error::Protocol(other.to_string()),
                    })?;
                let mut page = CsvPage::default();
                for i in &items {
                    page.row(&[
                        Cell::Number(i.id.to_string()),
                        Cell::Text(&i.business_date.to_string()),
                        Cell::Text(&i.class),
                        Cell::Text(&i.reason),
                        amount(i.amount_minor, &i.currency),
                        Cell::Text(&i.currency),
                        Cell::Text(i.status.code()),
                        Cell::Text(i.owner.as_deref().unwrap_or_default()),
                        Cell::Text(&i.priority),
                        Cell::Text(i.resolution.as_deref().unwrap_or_default()),
                        Cell::Text(&i.opened_at.to_rfc3339()),
                    ]);
                }
                let next = (items.len() as i64 == PAGE).then(|| items.last().map(|i| i.id)).flatten();
                Ok((page, next))
            }
        },
    ))
}

async fn items(state: &ServerState, query: &str) -> Result<Body, Refused> {
    let query: app::pages::reports::ItemQuery = parse(query)?;
    let (_, run, filter, order) = app::pages::reports::item_selection(&state.app.pool, &query).await?;
    let pool = state.app.pool.clone();
    Ok(stream(
        &[
            "seq",
            "class",
            "reason",
            "network",
            "reference",
            "card_last4",
            "transaction_date",
            "amount",
            "currency",
            "payment_id",
        ],
        move |after: Option<domain::items::Cursor>| {
            let (pool, filter) = (pool.clone(), filter.clone());
            async move {
                let rows = domain::items::browse(&pool, run.id, &filter, order, after, PAGE).await?;
                let mut page = CsvPage::default();
                for r in &rows {
                    page.row(&[
                        Cell::Number(r.seq.to_string()),
                        Cell::Text(&r.class),
                        Cell::Text(r.reason.as_deref().unwrap_or_default()),
                        Cell::Text(&r.network),
                        Cell::Text(r.reference.as_deref().unwrap_or_default()),
                        Cell::Text(&r.card_last4),
                        Cell::Text(&r.transaction_date.to_string()),
                        amount(r.amount_minor, &r.currency),
                        Cell::Text(&r.currency),
                        Cell::Text(r.payment_id.as_deref().unwrap_or_default()),
                    ]);
                }
                let next = (rows.len() as i64 == PAGE).then(|| rows.last().map(|r| r.cursor())).flatten();
                Ok((page, next))
            }
        },
    ))
}

async fn journal(state: &ServerState, query: &str) -> Result<Body, Refused> {
    let query: JournalQuery = parse(query)?;
    let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
    let date = |v: &Option<String>| -> Result<Option<chrono::NaiveDate>, Refused> {
        text(v)
            .map(|d| d.parse().map_err(|_| Refused(format!("'{d}' is not a date (YYYY-MM-DD)"))))
            .transpose()
    };
    let account = match text(&query.account) {
        Some(code) => Some(
            domain::ledger::account_by_code(&state.app.pool, &code)
                .await
                .map_err(|_| Refused("The ledger could not be read; please try again.".into()))?
                .ok_or_else(|| Refused(format!("There is no account '{code}'.")))?
                .id,
        ),
        None => None,
    };
    let filter =
        domain::ledger::JournalFilter { account, from: date(&query.from)?, until: date(&query.until)? };
    let pool = state.app.pool.clone();
    Ok(stream(
        &[
            "posting",
            "transaction",
            "effective_date",
            "posted_at",
            "account",
            "amount",
            "currency",
            "balance_after",
            "description",
            "initiated_by",
            "approved_by",
            "reverses",
        ],
        move |after: Option<i64>| {
            let (pool, filter) = (pool.clone(), filter.clone());
            async move {
                let lines = domain::ledger::journal_page(&pool, &filter, after, false, PAGE).await?;
                let mut page = CsvPage::default();
                for l in &lines {
                    page.row(&[
                        Cell::Number(l.posting_id.to_string()),
                        Cell::Number(l.transaction_id.to_string()),
                        Cell::Text(&l.effective_date.to_string()),
                        Cell::Text(&l.posted_at.to_rfc3339()),
                        Cell::Text(&l.account_code),
                        amount(l.amount_minor, &l.currency),
                        Cell::Text(&l.currency),
                        amount(l.balance_after, &l.currency),
                        Cell::Text(&l.description),
                        Cell::Text(&l.initiated_by),
                        Cell::Text(&l.approved_by),
                        Cell::Text(&l.reverses.map(|r| r.to_string()).unwrap_or_default()),
                    ]);
                }
                let next = (lines.len() as i64 == PAGE).then(|| lines.last().map(|l| l.posting_id)).flatten();
                Ok((page, next))
            }
        },
    ))
}

async fn audit(state: &ServerState, headers: &HeaderMap, query: &str) -> Result<Body, Refused> {
    // Days in the person's chosen zone (their cookie), as on the page; the bank's otherwise.
    let chosen = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == app::preferences::viewer::TIME_ZONE_COOKIE)
        .and_then(|(_, zone)| domain::calendar::parse_time_zone(zone).ok());
    let zone = match chosen {
        Some(zone) => zone,
        None => app::preferences::viewer::operating_schedule(&state.app.pool).await?.time_zone,
    };
    let filter = app::pages::audit::audit_filter(&parse(query)?, zone)?;
    let pool = state.app.pool.clone();
    Ok(stream(
        &["seq", "occurred_at", "actor", "action", "target", "address", "session_ref", "before", "after"],
        move |before: Option<i64>| {
            let (pool, filter) = (pool.clone(), filter.clone());
            async move {
                let events = domain::audit::search(&pool, &filter, before, PAGE).await?;
                let mut page = CsvPage::default();
                for e in &events {
                    page.row(&[
                        Cell::Number(e.seq.to_string()),
                        Cell::Text(&e.occurred_at.to_rfc3339()),
                        Cell::Text(&e.actor),
                        Cell::Text(&e.action),
                        Cell::Text(e.target.as_deref().unwrap_or_default()),
                        Cell::Text(e.address.as_deref().unwrap_or_default()),
                        Cell::Text(e.session_ref.as_deref().unwrap_or_default()),
                        Cell::Text(e.before_state.as_deref().unwrap_or_default()),
                        Cell::Text(e.after_state.as_deref().unwrap_or_default()),
                    ]);
                }
                let next = (events.len() as i64 == PAGE).then(|| events.last().map(|e| e.seq)).flatten();
                Ok((page, next))
            }
        },
    ))
}
