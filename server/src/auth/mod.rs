//! Sign-in, sessions and the checks every request passes.
//!
//! - [`oidc`]: the OpenID Connect relying party (code flow, PKCE, state, nonce, ID token checks).
//! - [`routes`]: `/auth/login`, `/auth/callback`, `/auth/logout`, `/auth/signed-out`.
//! - [`guard`]: the middleware that turns a session into an [`app::auth::server::User`], sends
//!   strangers to sign in, and refuses pages a role may not open.
//! - [`csrf`]: refuses state-changing requests from other sites.

pub mod csrf;
pub mod guard;
pub mod oidc;
pub mod pages;
pub mod routes;

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use http::Extensions;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

use crate::config::AuthConfig;

/// Session keys. The user's key names its shape: a session kept from before a change of [`User`]
/// reads as signed out (and signs in again) instead of failing to decode.
const USER_KEY: &str = "user.v2";
const PENDING_LOGIN_KEY: &str = "pending_login";
/// The session cookie's name; the local identity provider's own cookies (`_session`,
/// `_interaction`) share the host, so ours must differ.
pub(crate) const SESSION_COOKIE: &str = "sd_session";

pub struct Auth {
    pub config: AuthConfig,
    pub oidc: oidc::Oidc,
}

impl Auth {
    pub fn new(config: AuthConfig) -> anyhow::Result<Self> {
        Ok(Auth { oidc: oidc::Oidc::new(config.clone())?, config })
    }
}

/// Server-side sessions in PostgreSQL; the cookie carries only the random session id.
///
/// The cookie lives for the browser session; each stored session gets a fixed end (see
/// [`expire_in`]): ten minutes for a sign-in in progress, the absolute lifetime once signed in.
/// The idle timeout is enforced by the guard against the session's last activity, so a timed-out
/// session is still recognised as such (and the provider asked for the password again) rather than
/// silently vanishing.
pub fn session_layer(pool: sqlx::PgPool, config: &AuthConfig) -> SessionManagerLayer<PostgresStore> {
    SessionManagerLayer::new(PostgresStore::new(pool))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies())
        .with_path("/")
        .with_expiry(Expiry::OnSessionEnd)
}

/// Gives the session a fixed end, `duration` from now.
fn expire_in(session: &tower_sessions::Session, duration: std::time::Duration) {
    let duration = time::Duration::try_from(duration).unwrap_or(time::Duration::hours(12));
    session.set_expiry(Some(Expiry::AtDateTime(time::OffsetDateTime::now_utc() + duration)));
}

/// The values of every session cookie the request sent, as sent (whatever they are worth).
pub(crate) fn session_cookies(headers: &http::HeaderMap) -> impl Iterator<Item = &str> {
    app::request::cookies_named(headers, SESSION_COOKIE)
}

/// Whether the request came with a session cookie (whatever it is worth).
fn has_session_cookie(headers: &http::HeaderMap) -> bool {
    session_cookies(headers).next().is_some()
}

fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}

pub fn client_address(extensions: &Extensions) -> Option<String> {
    extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip().to_string())
}
