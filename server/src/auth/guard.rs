//! The middleware in front of every page and server function.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use domain::audit::{AuditAction, NewAuditEvent};
use tower_sessions::Session;

use super::{client_address, has_session_cookie, now_unix, pages, USER_KEY};
use crate::config::AuthConfig;
use crate::state::ServerState;
use app::auth::server::User;
use app::routes::server::{permission_for, section_permission};

/// Server functions live under this prefix; they answer 401 instead of redirecting.
const API_PREFIX: &str = "/api/";

/// Resolves the session to a [`User`] (in the request's extensions for pages and server functions),
/// redirects strangers to sign in (401 for the API), and refuses pages the role may not open (403,
/// audited). `/auth/*` is open: it is how one signs in.
pub async fn require_sign_in(
    State(state): State<ServerState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    // Before any decision by path: `/%2e%2e/ledger` must not pass as a page of another section,
    // nor `/auth/%2e%2e/ledger` as a sign-in route.
    if has_dot_segment(&path) {
        return pages::message(
            StatusCode::BAD_REQUEST,
            pages::text::BAD_ADDRESS_TITLE,
            pages::text::BAD_ADDRESS_TEXT,
            ("/", pages::text::GO_TO_DASHBOARD),
        );
    }
    if path.starts_with("/auth/") {
        return next.run(request).await;
    }
    let came_with_cookie = has_session_cookie(request.headers());
    let user = match signed_in_user(&session, came_with_cookie, &state.auth.config).await {
        Ok(SessionState::SignedIn(user)) => Some(user),
        Ok(SessionState::Anonymous) => None,
        Ok(SessionState::Expired) => {
            if path.starts_with(API_PREFIX) {
                return (StatusCode::UNAUTHORIZED, "Your session has ended. Sign in again.").into_response();
            }
            // Ask the provider for the password again, even if its own session is still alive.
            return Redirect::to(&login_url(&request, true)).into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "session store failed");
            return pages::message(
                StatusCode::SERVICE_UNAVAILABLE,
                pages::text::UNAVAILABLE_TITLE,
                pages::text::SESSION_UNREADABLE,
                ("/", pages::text::TRY_AGAIN),
            );
        }
    };
    let Some(user) = user else {
        if path.starts_with(API_PREFIX) {
            return (StatusCode::UNAUTHORIZED, "Sign in first.").into_response();
        }
        return Redirect::to(&login_url(&request, false)).into_response();
    };
    // An address with no entry in the route table is no page of any section: it may only ever
    // answer "not found" (drawn in the frame for anyone with a role).
    let unlisted = !path.starts_with(API_PREFIX) && permission_for(&path).is_none();
    if !path.starts_with(API_PREFIX) {
        let needed = permission_for(&path).unwrap_or_else(|| section_permission(&path));
        if !user.can(needed) {
            let event = NewAuditEvent {
                target: Some(format!("page:{path}")),
                after: Some(serde_json::json!({ "needed": format!("{needed:?}") })),
                ..user.audit_event(AuditAction::AccessDenied, client_address(request.extensions()))
            };
            if let Err(e) = state.app.audit.record(event).await {
                tracing::error!(error = %e, "could not record a refusal");
            }
            return pages::forbidden(&user);
        }
    }
    // Nothing but reading the "not found" page runs for an unlisted address: a handler someone
    // added without an entry is never reached by a form post.
    if unlisted && !matches!(*request.method(), http::Method::GET | http::Method::HEAD) {
        return pages::message(
            StatusCode::NOT_FOUND,
            pages::text::NOT_FOUND_TITLE,
            pages::text::NOT_FOUND_TEXT,
            ("/", pages::text::GO_TO_DASHBOARD),
        );
    }
    request.extensions_mut().insert(user);
    let mut response = next.run(request).await;
    if unlisted && response.status() != StatusCode::NOT_FOUND {
        tracing::error!(%path, status = %response.status(), "an address outside the route table answered; refused");
        return pages::message(
            StatusCode::NOT_FOUND,
            pages::text::NOT_FOUND_TITLE,
            pages::text::NOT_FOUND_TEXT,
            ("/", pages::text::GO_TO_DASHBOARD),
        );
    }
    // Pages and answers about signed-in work may carry customer data: never cache them.
    response.headers_mut().insert(http::header::CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
    response
}

/// Whether a path has a `.` or `..` segment, written plainly or percent-encoded (`%2e`). Browsers
/// and proxies resolve them; the permission check must never see a path that means another one.
pub fn has_dot_segment(path: &str) -> bool {
    path.split('/').any(|segment| {
        let decoded = segment.replace("%2e", ".").replace("%2E", ".");
        decoded == "." || decoded == ".."
    })
}

/// Sign-in, then back to what was asked for.
fn login_url(request: &Request, expired: bool) -> String {
    let wanted = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let reauthenticate = if expired { "&reauthenticate=1" } else { "" };
    format!("/auth/login?next={}{reauthenticate}", app::url::encode_component(wanted))
}

enum SessionState {
    SignedIn(User),
    Anonymous,
    /// There was a signed-in session and it has ended (a timeout), or the cookie names no session
    /// at all (ended long ago, or tampered with).
    Expired,
}

/// The session's user, unless the session has been idle or alive too long (then it is ended).
/// Activity is written back at most every tenth of the idle timeout (and at least every minute),
/// which keeps the session alive without a database write on every request.
async fn signed_in_user(
    session: &Session,
    came_with_cookie: bool,
    config: &AuthConfig,
) -> Result<SessionState, tower_sessions::session::Error> {
    let Some(mut user) = session.get::<User>(USER_KEY).await? else {
        // A cookie whose session the store does not know is treated as an ended session.
        let unknown = came_with_cookie && session.is_empty().await;
        return Ok(if unknown { SessionState::Expired } else { SessionState::Anonymous });
    };
    let now = now_unix();
    let idle = config.idle_timeout.as_secs() as i64;
    if now - user.last_seen >= idle || now - user.signed_in_at >= config.max_lifetime.as_secs() as i64 {
        tracing::info!(session_ref = %user.session_ref, "session ended by timeout");
        session.flush().await?;
        return Ok(SessionState::Expired);
    }
    if now - user.last_seen >= (idle / 10).clamp(1, 60) {
        user.last_seen = now;
        session.insert(USER_KEY, &user).await?;
    }
    Ok(SessionState::SignedIn(user))
}

#[cfg(test)]
mod tests {
    use super::has_dot_segment;

    #[test]
    fn dot_segments_are_found_however_they_are_written() {
        for bad in [
            "/%2e%2e/ledger",
            "/auth/%2e%2e/ledger",
            "/auth/../ledger",
            "/./x",
            "/x/.",
            "/%2E%2e/audit",
            "/a/%2e/b",
        ] {
            assert!(has_dot_segment(bad), "{bad}");
        }
        for good in ["/", "/ledger", "/reports/2026-11-20/items", "/x.csv", "/..x", "/.well-known"] {
            assert!(!has_dot_segment(good), "{good}");
        }
    }
}
