//! CSV exports of the portal's filtered lists: the exception queue, a run's items, the journal and
//! the audit search. Each takes the same filter as its page (the page's query string), checks the
//! page's permission, records the export (with the filter) in the audit trail before the first
//! byte, and streams the rows a thousand at a time, so a long list never sits in memory.
//!
//! A list is exported as its page shows it, in the person's language: the header row, and classes,
//! reasons, statuses and actions in words (amounts, dates, ids and references as they are).

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
use crate::auth::pages::locale;
use crate::state::ServerState;
use app::auth::server::User;
use app::i18n::Text;
use app::labels::{label, Kind};

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
        _ => return (StatusCode::NOT_FOUND, locale().t(text::NO_SUCH_LIST)).into_response(),
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
        return (StatusCode::FORBIDDEN, locale().t(text::NOT_PERMITTED)).into_response();
    }
    let body = match list.as_str() {
        "exceptions.csv" => exceptions(&state, &user, &query).await,
        "items.csv" => items(&state, &query).await,
        "journal.csv" => journal(&state, &query).await,
        _ => audit(&state, &headers, &query).await,
    };
    let body = match body {
        Ok(body) => body,
        Err(Refused(status, message)) => return (status, message).into_response(),
    };
    // No record, no export: a list that left the bank must show in the trail.
    let event = NewAuditEvent {
        target: Some(format!("/export/{list}")),
        after: Some(serde_json::json!({ "filter": query })),
        ..user.audit_event(AuditAction::ListExported, address)
    };
    if let Err(e) = state.app.audit.record(event).await {
        tracing::error!(error = %e, "could not record an export; refusing it");
        return (StatusCode::SERVICE_UNAVAILABLE, locale().t(text::NOT_RECORDED)).into_response();
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

/// A filter the person got wrong (said in words, with 422), or the database failing (503/500).
struct Refused(StatusCode, String);

impl Refused {
    fn input(message: String) -> Self {
        Refused(StatusCode::UNPROCESSABLE_ENTITY, message)
    }
}

impl From<app::error::AppError> for Refused {
    fn from(e: app::error::AppError) -> Self {
        Refused(e.status(), e.message(locale()))
    }
}

fn parse<T: serde::de::DeserializeOwned + Default>(query: &str) -> Result<T, Refused> {
    if query.is_empty() {
        return Ok(T::default());
    }
    let malformed = || Refused::input(locale().t(text::MALFORMED).to_owned());
    Query::<T>::try_from_uri(&format!("/?{query}").parse().map_err(|_| malformed())?)
        .map(|Query(q)| q)
        .map_err(|_| malformed())
}

/// A CSV body: the header row (in the person's language), then `fetch(cursor)` page by page until it
/// returns no next cursor.
fn stream<C, F, Fut>(header: &'static [Text], fetch: F) -> Body
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
    let header: Vec<&'static str> = header.iter().map(|h| locale().t(*h)).collect();
    let stream = futures_util::stream::unfold((Step::Header, fetch), move |(step, mut fetch)| {
        let header = header.clone();
        async move {
            match step {
                Step::Header => {
                    let mut page = CsvPage::default();
                    page.row(&header.iter().map(|h| Cell::Text(h)).collect::<Vec<_>>());
                    // A byte-order mark first: without it a spreadsheet reads UTF-8 as the machine's
                    // legacy code page, and Chinese words (and names) come out garbled.
                    let mut bytes = "\u{feff}".as_bytes().to_vec();
                    bytes.extend(page.into_bytes());
                    Some((Ok(Bytes::from(bytes)), (Step::Next(None), fetch)))
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
    // Rows are written after the handler returns, outside the request's language scope.
    let locale = locale();
    let pool = state.app.pool.clone();
    Ok(stream(
        &[
            text::ITEM,
            text::BUSINESS_DATE,
            text::CLASS,
            text::REASON,
            text::AMOUNT,
            text::CURRENCY,
            text::STATUS,
            text::OWNER,
            text::PRIORITY,
            text::RESOLUTION,
            text::OPENED_AT,
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
                        Cell::Text(&label(Kind::Class, &i.class, locale)),
                        Cell::Text(&label(Kind::Reason, &i.reason, locale)),
                        amount(i.amount_minor, &i.currency),
                        Cell::Text(&i.currency),
                        Cell::Text(&label(Kind::WorkStatus, i.status.code(), locale)),
                        Cell::Text(i.owner.as_deref().unwrap_or_default()),
                        Cell::Text(&label(Kind::Priority, &i.priority, locale)),
                        Cell::Text(
                            &i.resolution
                                .as_deref()
                                .map(|r| label(Kind::Resolution, r, locale))
                                .unwrap_or_default(),
                        ),
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
    // Rows are written after the handler returns, outside the request's language scope.
    let locale = locale();
    let pool = state.app.pool.clone();
    Ok(stream(
        &[
            text::SEQ,
            text::CLASS,
            text::REASON,
            text::NETWORK,
            text::REFERENCE,
            text::CARD_LAST4,
            text::TRANSACTION_DATE,
            text::AMOUNT,
            text::CURRENCY,
            text::PAYMENT_ID,
        ],
        move |after: Option<domain::items::Cursor>| {
            let (pool, filter) = (pool.clone(), filter.clone());
            async move {
                let rows = domain::items::browse(&pool, run.id, &filter, order, after, PAGE).await?;
                let mut page = CsvPage::default();
                for r in &rows {
                    page.row(&[
                        Cell::Number(r.seq.to_string()),
                        Cell::Text(&label(Kind::Class, &r.class, locale)),
                        Cell::Text(
                            &r.reason.as_deref().map(|c| label(Kind::Reason, c, locale)).unwrap_or_default(),
                        ),
                        Cell::Text(&label(Kind::Network, &r.network, locale)),
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
            .map(|d| d.parse().map_err(|_| Refused::input(locale().f(text::NOT_A_DATE, &[&d]))))
            .transpose()
    };
    let account = match text(&query.account) {
        Some(code) => Some(
            domain::ledger::account_by_code(&state.app.pool, &code)
                .await
                .map_err(|e| Refused::from(app::error::AppError::database(&e)))?
                .ok_or_else(|| Refused::input(locale().f(text::NO_ACCOUNT, &[&code])))?
                .id,
        ),
        None => None,
    };
    let filter =
        domain::ledger::JournalFilter { account, from: date(&query.from)?, until: date(&query.until)? };
    let pool = state.app.pool.clone();
    let snapshot =
        std::sync::Arc::new(tokio::sync::Mutex::new(None::<sqlx::Transaction<'static, sqlx::Postgres>>));
    Ok(stream(
        &[
            text::POSTING,
            text::TRANSACTION,
            text::EFFECTIVE_DATE,
            text::POSTED_AT,
            text::ACCOUNT,
            text::AMOUNT,
            text::CURRENCY,
            text::BALANCE_AFTER,
            text::DESCRIPTION,
            text::INITIATED_BY,
            text::APPROVED_BY,
            text::REVERSES,
        ],
        move |after: Option<i64>| {
            let (pool, filter, snapshot) = (pool.clone(), filter.clone(), snapshot.clone());
            async move {
                // Every page from one snapshot: single transfers commit out of posting-id order
                // (ADR 0006), so pages read at different moments could step past a posting that
                // commits later with a lower id, and the file would miss it.
                let mut snapshot = snapshot.lock().await;
                if snapshot.is_none() {
                    let mut tx = pool.begin().await?;
                    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                        .execute(&mut *tx)
                        .await?;
                    // The pool ends a transaction idle for a minute; a client that pauses its
                    // download longer would get a file cut short. Ten minutes, then it is.
                    sqlx::query("SET LOCAL idle_in_transaction_session_timeout = '10min'")
                        .execute(&mut *tx)
                        .await?;
                    *snapshot = Some(tx);
                }
                let tx = snapshot.as_mut().expect("begun above");
                let lines = domain::ledger::journal_page(&mut **tx, &filter, after, false, PAGE).await?;
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
    let chosen = app::request::cookies_named(headers, app::preferences::viewer::TIME_ZONE_COOKIE)
        .next()
        .and_then(|zone| domain::calendar::parse_time_zone(zone).ok());
    let zone = match chosen {
        Some(zone) => zone,
        None => app::preferences::viewer::operating_schedule(&state.app.pool).await?.time_zone,
    };
    let filter = app::pages::audit::audit_filter(&parse(query)?, zone)?;
    // Rows are written after the handler returns, outside the request's language scope.
    let locale = locale();
    let pool = state.app.pool.clone();
    Ok(stream(
        &[
            text::EVENT,
            text::OCCURRED_AT,
            text::ACTOR,
            text::ACTION,
            text::TARGET,
            text::ADDRESS,
            text::SESSION,
            text::BEFORE,
            text::AFTER,
        ],
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
                        Cell::Text(&label(Kind::AuditAction, &e.action, locale)),
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

mod text {
    app::texts! {
        NO_SUCH_LIST = "There is no such list to export.", "没有可导出的此类列表。";
        NOT_PERMITTED = "You do not have permission to export this list.", "您无权导出此列表。";
        NOT_RECORDED = "The export could not be recorded; please try again.", "无法记录此次导出，请重试。";
        MALFORMED = "The filter is malformed.", "筛选条件格式有误。";
        NOT_A_DATE = "'{}' is not a date (YYYY-MM-DD).", "“{}”不是日期（YYYY-MM-DD）。";
        NO_ACCOUNT = "There is no account '{}'.", "没有账户“{}”。";
        // Header rows. Times are in UTC (RFC 3339), whoever exports.
        ITEM = "Item", "工作项";
        BUSINESS_DATE = "Business date", "业务日期";
        CLASS = "Class", "类别";
        REASON = "Reason", "原因";
        AMOUNT = "Amount", "金额";
        CURRENCY = "Currency", "币种";
        STATUS = "Status", "状态";
        OWNER = "Owner", "负责人";
        PRIORITY = "Priority", "优先级";
        RESOLUTION = "Resolution", "处理结果";
        OPENED_AT = "Opened at (UTC)", "创建时间（UTC）";
        SEQ = "Number in run", "运行内序号";
        NETWORK = "Network", "卡组织";
        REFERENCE = "Reference", "参考号";
        CARD_LAST4 = "Card last 4", "卡号后四位";
        TRANSACTION_DATE = "Transaction date", "交易日期";
        PAYMENT_ID = "Zelle payment ID", "Zelle 付款 ID";
        POSTING = "Posting", "分录";
        TRANSACTION = "Transaction", "交易";
        EFFECTIVE_DATE = "Effective date", "生效日期";
        POSTED_AT = "Posted at (UTC)", "过账时间（UTC）";
        ACCOUNT = "Account", "账户";
        BALANCE_AFTER = "Balance after", "过账后余额";
        DESCRIPTION = "Description", "描述";
        INITIATED_BY = "Initiated by", "发起人";
        APPROVED_BY = "Approved by", "审批人";
        REVERSES = "Reverses transaction", "冲销的交易";
        EVENT = "Event", "事件";
        OCCURRED_AT = "Occurred at (UTC)", "发生时间（UTC）";
        ACTOR = "Actor", "操作人";
        ACTION = "Action", "操作";
        TARGET = "Target", "对象";
        ADDRESS = "Address", "地址";
        SESSION = "Session", "会话";
        BEFORE = "Before", "变更前";
        AFTER = "After", "变更后";
    }
}
