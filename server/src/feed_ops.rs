//! The Feeds page's admin actions, as plain HTML form posts (they work the same with and without
//! JavaScript): ask for a re-run, mark a source not expected, release a quarantined file by
//! uploading its corrected replacement. Each answers with a redirect back to the Feeds page of the
//! date, carrying what happened as a code (`done=` or `error=`, never free text, so a crafted link
//! cannot put words in the page's mouth); the page shows it beside the form, and answers an error
//! with 422.

use axum::extract::{FromRequest, Multipart, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use chrono::NaiveDate;
use domain::access::Permission;
use domain::audit::{AuditAction, NewAuditEvent};
use domain::ingest::operations::{self, OperationError};
use domain::ingest::Source;
use serde::Deserialize;
use tokio::io::AsyncWriteExt;

use crate::auth::client_address;
use crate::state::ServerState;
use app::auth::server::User;

/// Largest replacement accepted through the browser. A whole day's network file can be larger:
/// those are delivered to the inbound store, as the networks deliver them.
pub const MAX_REPLACEMENT_BYTES: usize = 512 * 1024 * 1024;

/// Where the browser goes next: the Feeds page of `date`, with `outcome` (`done=…` or
/// `error=…&form=…`), at the form it concerns.
fn back(date: Option<NaiveDate>, outcome: &str, anchor: &str) -> Response {
    let date = date.map(|d| format!("date={d}&")).unwrap_or_default();
    let location = format!("/feeds?{date}{outcome}#{anchor}");
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// The code of an operation's refusal, for the page to say in words.
fn code(e: &OperationError) -> &'static str {
    match e {
        OperationError::Reason => "reason",
        OperationError::NoFiles(_) => "no_files",
        OperationError::StillOpen(_) => "still_open",
        OperationError::AlreadyRequested(_) => "already_requested",
        OperationError::OutOfRange(..) => "out_of_range",
        OperationError::AlreadyArrived(..) => "already_arrived",
        OperationError::AlreadyMarked(..) => "already_marked",
        OperationError::NotQuarantined(_) => "not_quarantined",
        OperationError::AlreadyReleased(..) => "already_released",
        OperationError::EmptyReplacement => "empty",
        OperationError::SameFile => "same_file",
        OperationError::AlreadyRegistered(_) => "already_registered",
        OperationError::TooOld(..) => "too_old",
        OperationError::Database(_) => "unavailable",
    }
}

fn refused(
    user: &User,
    request: &axum::http::Extensions,
    state: &ServerState,
    what: &str,
) -> Option<Response> {
    if user.can(Permission::Administer) {
        return None;
    }
    let event = NewAuditEvent {
        target: Some(what.to_owned()),
        ..user.audit_event(AuditAction::AccessDenied, client_address(request))
    };
    let audit = state.app.audit.clone();
    tokio::spawn(async move {
        if let Err(e) = audit.record(event).await {
            tracing::error!(error = %e, "could not record a refused feed operation");
        }
    });
    Some((StatusCode::FORBIDDEN, "Only admins act on feeds.").into_response())
}

async fn open_date(state: &ServerState) -> Result<NaiveDate, sqlx::Error> {
    let schedule = domain::calendar::load_schedule(&state.app.pool).await.map_err(|e| match e {
        domain::calendar::ScheduleError::Database(e) => e,
        other => sqlx::Error::Protocol(other.to_string()),
    })?;
    Ok(schedule.open_business_date(chrono::Utc::now()))
}

fn failed(e: &dyn std::fmt::Display, date: Option<NaiveDate>, anchor: &str, form: &str) -> Response {
    tracing::error!(error = %e, "feed operation failed");
    back(date, &format!("error=unavailable&form={form}"), anchor)
}

#[derive(Deserialize)]
pub struct RerunForm {
    date: String,
    reason: String,
}

/// `POST /feeds/rerun`: asks a scheduler to run a date again.
pub async fn rerun(
    State(state): State<ServerState>,
    Extension(user): Extension<User>,
    request: axum::http::Request<axum::body::Body>,
) -> Response {
    let (parts, body) = request.into_parts();
    if let Some(refusal) = refused(&user, &parts.extensions, &state, "/feeds/rerun") {
        return refusal;
    }
    let Ok(Form(form)) =
        Form::<RerunForm>::from_request(axum::http::Request::from_parts(parts.clone(), body), &state).await
    else {
        return back(None, "error=bad_form&form=rerun", "rerun");
    };
    let Ok(date) = form.date.trim().parse::<NaiveDate>() else {
        return back(None, "error=bad_date&form=rerun", "rerun");
    };
    let open = match open_date(&state).await {
        Ok(open) => open,
        Err(e) => return failed(&e, Some(date), "rerun", "rerun"),
    };
    let event = user.audit_event(AuditAction::RerunRequested, client_address(&parts.extensions));
    match operations::request_rerun(&state.app.pool, event, date, &form.reason, open).await {
        Ok(_) => back(Some(date), "done=rerun&form=rerun", "rerun"),
        Err(OperationError::Database(e)) => failed(&e, Some(date), "rerun", "rerun"),
        Err(e) => back(Some(date), &format!("error={}&form=rerun", code(&e)), "rerun"),
    }
}

#[derive(Deserialize)]
pub struct NotExpectedForm {
    date: String,
    source: String,
    reason: String,
}

/// `POST /feeds/not-expected`: says a source sends nothing for a date.
pub async fn not_expected(
    State(state): State<ServerState>,
    Extension(user): Extension<User>,
    request: axum::http::Request<axum::body::Body>,
) -> Response {
    let (parts, body) = request.into_parts();
    if let Some(refusal) = refused(&user, &parts.extensions, &state, "/feeds/not-expected") {
        return refusal;
    }
    let Ok(Form(form)) =
        Form::<NotExpectedForm>::from_request(axum::http::Request::from_parts(parts.clone(), body), &state)
            .await
    else {
        return back(None, "error=bad_form&form=not-expected", "not-expected");
    };
    let Ok(date) = form.date.trim().parse::<NaiveDate>() else {
        return back(None, "error=bad_date&form=not-expected", "not-expected");
    };
    let Some(source) = Source::from_code(form.source.trim()) else {
        return back(Some(date), "error=bad_source&form=not-expected", "not-expected");
    };
    let open = match open_date(&state).await {
        Ok(open) => open,
        Err(e) => return failed(&e, Some(date), "not-expected", "not-expected"),
    };
    let event = user.audit_event(AuditAction::SourceNotExpected, client_address(&parts.extensions));
    match operations::mark_not_expected(&state.app.pool, event, date, source, &form.reason, open).await {
        Ok(()) => back(Some(date), "done=not_expected&form=not-expected", "not-expected"),
        Err(OperationError::Database(e)) => failed(&e, Some(date), "not-expected", "not-expected"),
        Err(e) => back(Some(date), &format!("error={}&form=not-expected", code(&e)), "not-expected"),
    }
}

/// `POST /feeds/release` (multipart: `file_id`, `reason`, `replacement`): stores the corrected
/// replacement of a quarantined file beside it; the watcher then takes it in, and the date is run
/// again by itself. The upload is streamed to a work file (constant memory) and hashed as it goes.
pub async fn release(
    State(state): State<ServerState>,
    Extension(user): Extension<User>,
    request: axum::http::Request<axum::body::Body>,
) -> Response {
    let (parts, body) = request.into_parts();
    if let Some(refusal) = refused(&user, &parts.extensions, &state, "/feeds/release") {
        return refusal;
    }
    let Ok(mut multipart) =
        Multipart::from_request(axum::http::Request::from_parts(parts.clone(), body), &state).await
    else {
        return back(None, "error=bad_form&form=release", "files");
    };
    let work = match tempfile::tempdir() {
        Ok(work) => work,
        Err(e) => return failed(&e, None, "files", "release"),
    };
    let upload = work.path().join("replacement");
    let (mut file_id, mut reason, mut received) = (None, String::new(), None);
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return back(None, "error=too_large&form=release", "files"),
        };
        match field.name() {
            Some("file_id") => file_id = field.text().await.ok().and_then(|t| t.trim().parse::<i64>().ok()),
            Some("reason") => reason = field.text().await.unwrap_or_default(),
            Some("replacement") => match save(field, &upload).await {
                Ok(saved) => received = Some(saved),
                Err(_) => return back(None, "error=too_large&form=release", "files"),
            },
            _ => {}
        }
    }
    let Some(id) = file_id else {
        return back(None, "error=bad_form&form=release", "files");
    };
    let anchor = format!("file-{id}");
    let form = format!("release-{id}");
    let Some((size, sha256)) = received else {
        return back(None, &format!("error=empty&form={form}"), &anchor);
    };
    let event = user.audit_event(AuditAction::FeedFileReleased, client_address(&parts.extensions));
    let open = match open_date(&state).await {
        Ok(open) => open,
        Err(e) => return failed(&e, None, &anchor, &form),
    };
    let mut tx = match state.app.pool.begin().await {
        Ok(tx) => tx,
        Err(e) => return failed(&e, None, &anchor, &form),
    };
    let release = match operations::claim_release(&mut tx, &event.actor, id, size, &sha256, &reason).await {
        Ok(release) => release,
        Err(OperationError::Database(e)) => return failed(&e, None, &anchor, &form),
        Err(e) => return back(None, &format!("error={}&form={form}", code(&e)), &anchor),
    };
    let date = Some(release.business_date);
    // Stored while the file's row is claimed, and recorded (the audit chain's head locked) only
    // after: a store that fails rolls the claim back and leaves the file quarantined; a commit
    // that fails leaves an object under a replacement key no release names, which the watcher
    // takes in as a file of the date (shown on this page; the original stays quarantined).
    if let Err(e) = state.store.put_file(&release.replacement_key, &upload).await {
        return failed(&e, date, &anchor, &form);
    }
    let watched = release.business_date >= open - chrono::Days::new(crate::watcher::WATCH_DAYS);
    if let Err(e) = operations::record_release(&mut tx, event, &release, watched).await {
        return failed(&e, date, &anchor, &form);
    }
    if let Err(e) = tx.commit().await {
        return failed(&e, date, &anchor, &form);
    }
    tracing::info!(file = id, replacement = %release.replacement_key, "quarantined file released by its replacement");
    back(Some(release.business_date), &format!("done=released&form={form}"), &anchor)
}

/// Streams an uploaded field to `path`; its size and SHA-256.
async fn save(
    mut field: axum::extract::multipart::Field<'_>,
    path: &std::path::Path,
) -> anyhow::Result<(u64, [u8; 32])> {
    use sha2::{Digest, Sha256};
    let mut file = tokio::fs::File::create(path).await?;
    let (mut hash, mut size) = (Sha256::new(), 0u64);
    while let Some(chunk) = field.chunk().await? {
        size += chunk.len() as u64;
        anyhow::ensure!(size <= MAX_REPLACEMENT_BYTES as u64, "too large");
        hash.update(&chunk);
        file.write_all(&chunk).await?;
    }
    file.flush().await?;
    Ok((size, hash.finalize().into()))
}
