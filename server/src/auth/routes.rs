//! The sign-in and sign-out endpoints.

use axum::extract::{Query, State};
use axum::http::{Extensions, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::audit::{AuditAction, NewAuditEvent};
use serde::Deserialize;
use tower_sessions::Session;

use super::oidc::{OidcError, PendingLogin};
use super::{client_address, expire_in, now_unix, pages, PENDING_LOGIN_KEY, USER_KEY};

/// How long a sign-in may take at the provider.
const SIGN_IN_WINDOW: std::time::Duration = std::time::Duration::from_secs(600);
use crate::state::ServerState;
use app::auth::server::User;

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    /// Set after a session timed out: the provider must ask for the password again.
    #[serde(default)]
    reauthenticate: Option<String>,
}

/// Only a local path may be a destination after sign-in (no open redirect to another site).
/// Where to go after signing in: a path on this site, or the dashboard. An allow-list, not a
/// deny-list: a path and query of URL characters only (no control characters, no spaces, no
/// backslashes), starting with one `/` and no dot segments. Browsers drop a tab or newline inside a
/// URL, so `/\t/example.org` is `//example.org`, another site, to them.
fn local_path(next: Option<&str>) -> String {
    match next {
        Some(path) if is_local_path(path) => path.to_owned(),
        _ => "/".to_owned(),
    }
}

fn is_local_path(path: &str) -> bool {
    let url_char = |b: u8| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%#".contains(&b);
    let (path_part, _) = path.split_once(['?', '#']).unwrap_or((path, ""));
    path.len() <= 2048
        && path.starts_with('/')
        && !path.starts_with("//")
        && path.bytes().all(url_char)
        && !crate::auth::guard::has_dot_segment(path_part)
}

fn session_failure(e: tower_sessions::session::Error) -> Response {
    unavailable(&e)
}

fn unavailable(cause: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %cause, "sign-in could not be kept");
    pages::message(
        StatusCode::SERVICE_UNAVAILABLE,
        pages::text::SIGN_IN_UNAVAILABLE,
        pages::text::SESSION_NOT_KEPT,
        ("/", pages::text::TRY_AGAIN),
    )
}

pub async fn login(
    State(state): State<ServerState>,
    session: Session,
    Query(query): Query<LoginQuery>,
) -> Response {
    let return_to = local_path(query.next.as_deref());
    match session.get::<User>(USER_KEY).await {
        Ok(Some(_)) => return Redirect::to(&return_to).into_response(),
        Ok(None) => {}
        Err(e) => return session_failure(e),
    }
    match state.auth.oidc.begin(return_to, query.reauthenticate.is_some()).await {
        Ok((provider_url, pending)) => {
            expire_in(&session, SIGN_IN_WINDOW);
            // Saved here rather than by the session layer, so a failure gets a proper page.
            match session.insert(PENDING_LOGIN_KEY, pending).await {
                Ok(()) => match session.save().await {
                    Ok(()) => Redirect::to(&provider_url).into_response(),
                    Err(e) => session_failure(e),
                },
                Err(e) => session_failure(e),
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot start sign-in");
            pages::message(
                StatusCode::SERVICE_UNAVAILABLE,
                pages::text::SIGN_IN_UNAVAILABLE,
                pages::text::PROVIDER_UNREACHABLE,
                ("/auth/login", pages::text::TRY_AGAIN),
            )
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// Why a sign-in failed: logged (never with tokens or codes), and recorded in the audit trail when
/// it names a person, else counted by `kind`.
struct Failure {
    reason: String,
    kind: &'static str,
    /// The username the provider vouched for, when it got that far.
    person: Option<String>,
    status: StatusCode,
    title: app::i18n::Text,
    text: app::i18n::Text,
    /// The way onward: sign in again, or (for someone the provider vouched for but who holds no
    /// role) sign in as someone else, asking the provider for the password again.
    onward: (&'static str, app::i18n::Text),
}

impl Failure {
    fn stale(reason: impl Into<String>) -> Self {
        Failure {
            reason: reason.into(),
            kind: "stale",
            person: None,
            status: StatusCode::BAD_REQUEST,
            title: pages::text::STALE_TITLE,
            text: pages::text::STALE_TEXT,
            onward: ("/auth/login", pages::text::SIGN_IN),
        }
    }
}

pub async fn callback(
    State(state): State<ServerState>,
    session: Session,
    extensions: Extensions,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let address = client_address(&extensions);
    let pending = match session.remove::<PendingLogin>(PENDING_LOGIN_KEY).await {
        Ok(pending) => pending,
        Err(e) => return session_failure(e),
    };
    let outcome = match pending {
        None => Err(Failure::stale("no sign-in in progress in this session (expired, replayed or forged)")),
        Some(pending) => finish(&state, &pending, query).await.map(|user| (user, pending.return_to)),
    };
    let (user, return_to) = match outcome {
        Ok(done) => done,
        Err(failure) => {
            tracing::warn!(reason = %failure.reason, address = address.as_deref().unwrap_or("-"), "sign-in failed");
            // A person the provider vouched for and we refused is audited. A callback nobody can
            // be named for (no sign-in in progress, a forged or replayed state, a cancelled
            // sign-in) is only counted: anyone can send those by the thousand, and each would
            // otherwise be a permanent audit record.
            match &failure.person {
                Some(actor) => {
                    let event = NewAuditEvent {
                        address,
                        after: Some(serde_json::json!({ "reason": failure.reason })),
                        ..NewAuditEvent::new(actor.clone(), AuditAction::LoginFailed)
                    };
                    if let Err(e) = state.app.audit.record(event).await {
                        tracing::error!(error = %e, "could not record a failed sign-in");
                    }
                }
                None => metrics::counter!("settledesk_sign_in_refused_total", "reason" => failure.kind)
                    .increment(1),
            }
            return pages::message(failure.status, failure.title, failure.text, failure.onward);
        }
    };

    // A new session id at sign-in: an id planted before sign-in is worth nothing after it.
    if let Err(e) = session.cycle_id().await {
        return session_failure(e);
    }
    expire_in(&session, state.auth.config.max_lifetime);
    if let Err(e) = session.insert(USER_KEY, &user).await {
        return session_failure(e);
    }
    if let Err(e) = session.save().await {
        return session_failure(e);
    }
    let event = NewAuditEvent {
        target: Some("session".into()),
        after: Some(serde_json::json!({
            "roles": user.roles.iter().map(|r| r.code()).collect::<Vec<_>>(),
            "subject": user.subject,
        })),
        ..user.audit_event(AuditAction::Login, address)
    };
    if let Err(e) = state.app.audit.record(event).await {
        // No sign-in without its audit record.
        tracing::error!(error = %e, "could not record a sign-in; refusing it");
        let _ = session.flush().await;
        return unavailable(&e);
    }
    tracing::info!(session_ref = %user.session_ref, "signed in");
    let mut response = Redirect::to(&return_to).into_response();
    // The person's own language and time zone, in whichever browser they sign in (and none left
    // behind by whoever used this browser before).
    match domain::people::display_choices(&state.app.pool, user.person).await {
        Ok(choices) => {
            for cookie in app::preferences::cookies_for(&choices) {
                match axum::http::HeaderValue::from_str(&cookie) {
                    Ok(value) => {
                        response.headers_mut().append(axum::http::header::SET_COOKIE, value);
                    }
                    Err(e) => tracing::warn!(error = %e, "a stored display choice is not a cookie"),
                }
            }
        }
        // Signed in all the same, in the browser's language.
        Err(e) => tracing::warn!(error = %e, "could not read the person's display choices"),
    }
    response
}

async fn finish(state: &ServerState, pending: &PendingLogin, query: CallbackQuery) -> Result<User, Failure> {
    if query.state.as_deref() != Some(pending.state.as_str()) {
        return Err(Failure::stale("the state parameter does not match this session's sign-in"));
    }
    if let Some(error) = query.error {
        return Err(Failure {
            reason: format!("the identity provider returned '{error}'"),
            kind: "provider_error",
            title: pages::text::CANCELLED_TITLE,
            text: pages::text::CANCELLED_TEXT,
            ..Failure::stale("")
        });
    }
    let code = query.code.ok_or_else(|| Failure::stale("the callback carried no code"))?;
    let identity = match state.auth.oidc.finish(pending, code).await {
        Ok(identity) => identity,
        Err(e) => {
            if matches!(e, OidcError::InvalidIdToken(_)) {
                // The provider may have rotated its keys: discover again next time.
                state.auth.oidc.forget_provider().await;
            }
            return Err(Failure { kind: "token_refused", ..Failure::stale(e.to_string()) });
        }
    };
    let roles = state.auth.config.role_mapping.roles_for(&identity.groups);
    if roles.is_empty() {
        return Err(Failure {
            reason: "signed in at the identity provider but holds no SettleDesk role".into(),
            kind: "no_role",
            person: Some(identity.username),
            status: StatusCode::FORBIDDEN,
            title: pages::text::NO_ROLE_TITLE,
            text: pages::text::NO_ROLE_TEXT,
            onward: ("/auth/login?reauthenticate=1", pages::text::SIGN_IN_AS_SOMEONE_ELSE),
        });
    }
    // The person behind this sign-in, by issuer and subject: what maker-checker compares.
    let person = domain::people::signed_in(
        &state.app.pool,
        &identity.issuer,
        &identity.subject,
        &identity.username,
        &identity.display_name,
        roles.iter().copied(),
    )
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "could not record the person signing in");
        Failure {
            reason: "the database was unavailable".into(),
            kind: "unavailable",
            person: Some(identity.username.clone()),
            status: StatusCode::SERVICE_UNAVAILABLE,
            title: pages::text::SIGN_IN_UNAVAILABLE,
            text: pages::text::SIGN_IN_NOT_COMPLETED,
            onward: ("/auth/login", pages::text::TRY_AGAIN),
        }
    })?;
    let now = now_unix();
    Ok(User {
        person,
        subject: identity.subject,
        username: identity.username,
        display_name: identity.display_name,
        roles,
        session_ref: uuid::Uuid::new_v4().to_string(),
        signed_in_at: now,
        last_seen: now,
    })
}

pub async fn logout(State(state): State<ServerState>, session: Session, extensions: Extensions) -> Response {
    match session.get::<User>(USER_KEY).await {
        Ok(Some(user)) => {
            let event = NewAuditEvent {
                target: Some("session".into()),
                ..user.audit_event(AuditAction::Logout, client_address(&extensions))
            };
            if let Err(e) = state.app.audit.record(event).await {
                tracing::error!(error = %e, "could not record a sign-out");
            }
        }
        Ok(None) => {}
        Err(e) => return session_failure(e),
    }
    if let Err(e) = session.flush().await {
        return session_failure(e);
    }
    // End the provider's session too, or the next visit would sign straight back in.
    let to = state.auth.oidc.end_session_url().await.unwrap_or_else(|| "/auth/signed-out".into());
    Redirect::to(&to).into_response()
}

pub async fn signed_out() -> Response {
    pages::message(
        StatusCode::OK,
        pages::text::SIGNED_OUT_TITLE,
        pages::text::SIGNED_OUT_TEXT,
        ("/auth/login", pages::text::SIGN_IN_AGAIN),
    )
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(local_path(Some("/exceptions?class=mismatch")), "/exceptions?class=mismatch");
        assert_eq!(
            local_path(Some("/audit?target=ledger_action:4&from=2026-12-01")),
            "/audit?target=ledger_action:4&from=2026-12-01"
        );
        for outside in [
            "https://evil.example/",
            "//evil.example/x",
            "/\\evil.example",
            "evil",
            "",
            "/\t/example.org",
            "/\n/example.org",
            "/\r\nSet-Cookie:x=1",
            "/ /example.org",
            "/%2e%2e/ledger",
            "/auth/../ledger",
            "/./x",
            "/\u{ff0f}/example.org",
        ] {
            assert_eq!(local_path(Some(outside)), "/", "{outside:?}");
        }
        assert_eq!(local_path(None), "/");
    }
}
