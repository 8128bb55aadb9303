//! What the server hands to every page render and server function.

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;

/// The one piece of shared state. The server builds it at start-up; pages and server functions
/// reach it through Leptos context ([`AppState::from_context`]), axum handlers through `State`.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    /// Standalone audit events (views, downloads, sign-ins, refusals) go through here.
    pub audit: domain::audit::AuditLog,
    /// The identity provider's origin (`scheme://host:port`): signing out redirects there.
    pub sign_in_origin: std::sync::Arc<str>,
    /// The bank's maker-checker limits (configuration).
    pub limits: domain::ledger::limits::Policy,
}

impl AppState {
    /// The state provided by the server to the current render or server function call.
    pub fn from_context() -> Result<Self, crate::error::AppError> {
        leptos::prelude::use_context::<Self>()
            .ok_or_else(|| crate::error::AppError::internal("AppState missing from the Leptos context"))
    }
}
