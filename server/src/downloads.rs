//! Report downloads: streamed from object storage in constant memory, named for saving, and
//! recorded in the audit trail. Only the files a completed run's manifest lists can be fetched, so
//! a crafted path reaches nothing else in the store.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use chrono::NaiveDate;
use domain::audit::{AuditAction, NewAuditEvent};
use domain::storage::StorageError;

use crate::auth::client_address;
use crate::state::ServerState;
use app::auth::server::User;

/// `GET /download/reports/{date}/v{version}/{name}`
pub async fn report(
    State(state): State<ServerState>,
    Extension(user): Extension<User>,
    Path((date, version, name)): Path<(String, String, String)>,
    request: axum::extract::Request,
) -> Response {
    let Ok(date) = NaiveDate::parse_from_str(&date, "%Y-%m-%d") else {
        return not_found();
    };
    let Some(version) = version.strip_prefix('v').and_then(|v| v.parse::<i32>().ok()) else {
        return not_found();
    };
    let manifest = match domain::items::run_of(&state.app.pool, date, Some(version)).await {
        Ok(Some(run)) => match manifest_files(&state, run.id).await {
            Ok(files) => files,
            Err(e) => return failed(&e.to_string()),
        },
        Ok(None) => return not_found(),
        Err(e) => return failed(&e.to_string()),
    };
    let listed = name == "manifest.json" || manifest.iter().any(|(file, _)| *file == name);
    if !listed {
        return not_found();
    }
    let key = format!("reports/{date}/v{version}/{name}");
    let (size, reader) = match state.store.open(&key).await {
        Ok(opened) => opened,
        Err(StorageError::NotFound(_)) => return not_found(),
        Err(e) => return failed(&e.to_string()),
    };
    let event = NewAuditEvent {
        target: Some(key.clone()),
        after: Some(serde_json::json!({
            "bytes": size,
            "rows": manifest.iter().find(|(file, _)| *file == name).map(|(_, rows)| rows),
        })),
        ..user.audit_event(AuditAction::ReportDownloaded, client_address(request.extensions()))
    };
    // No record, no file: a download the trail does not show must not happen.
    if let Err(e) = state.app.audit.record(event).await {
        return failed(&e.to_string());
    }
    let content_type = if name.ends_with(".json") { "application/json" } else { "text/csv; charset=utf-8" };
    let disposition = format!("attachment; filename=\"{name}\"");
    let mut response =
        Body::from_stream(tokio_util::io::ReaderStream::with_capacity(reader, 64 * 1024)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The files a run's manifest lists, with their rows.
async fn manifest_files(state: &ServerState, run_id: i64) -> Result<Vec<(String, u64)>, sqlx::Error> {
    let value = domain::items::manifest(&state.app.pool, run_id).await?;
    let manifest: Option<domain::recon::report::Manifest> = serde_json::from_value(value).ok();
    Ok(manifest.map(|m| m.files.into_iter().map(|f| (f.name, f.rows)).collect()).unwrap_or_default())
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "No such report file.").into_response()
}

fn failed(cause: &str) -> Response {
    tracing::error!(error = %cause, "report download failed");
    (StatusCode::SERVICE_UNAVAILABLE, "The report could not be read right now. Please try again.")
        .into_response()
}
