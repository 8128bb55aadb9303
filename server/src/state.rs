//! What the server's handlers share. Apart from the router (`http.rs`) so that the handlers it
//! routes to (sign-in, downloads, exports, feed operations) need not depend on it.

use std::sync::Arc;

use app::state::AppState;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;

use crate::auth::Auth;

/// What axum handlers share: the [`AppState`] that pages and server functions see, plus what only
/// the server needs (sign-in).
#[derive(Clone, FromRef)]
pub struct ServerState {
    pub app: AppState,
    pub auth: Arc<Auth>,
    /// Where feeds and reports live (downloads stream from it).
    pub store: domain::storage::ObjectStore,
}

impl FromRef<ServerState> for LeptosOptions {
    fn from_ref(state: &ServerState) -> Self {
        state.app.leptos_options.clone()
    }
}

impl FromRef<ServerState> for PgPool {
    fn from_ref(state: &ServerState) -> Self {
        state.app.pool.clone()
    }
}
