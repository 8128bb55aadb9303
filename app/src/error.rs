//! The errors a person can see, and nothing more.
//!
//! Server functions return [`AppError`]. Its messages are written for the person using the portal
//! and never carry a cause: the cause is logged once on the server where it happened.

use leptos::prelude::*;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::i18n::{common, use_locale, Locale};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The request itself was wrong; the message says how to put it right.
    #[error("{0}")]
    Invalid(String),
    #[error("The database is not available right now. Please try again in a minute.")]
    Unavailable,
    #[error("Something went wrong on our side. It has been logged; please try again.")]
    Internal,
    #[error("SettleDesk could not be reached. Check your connection and try again.")]
    Communication,
    #[error("Your session has ended. Sign in again to continue.")]
    Unauthenticated,
    #[error("You do not have permission to do that.")]
    Forbidden,
}

impl AppError {
    /// What to tell the person, in their language. A refusal's message was written in the
    /// person's language where it was made.
    pub fn message(&self, locale: Locale) -> String {
        let text = match self {
            AppError::Invalid(message) => return message.clone(),
            AppError::Unavailable => common::ERROR_UNAVAILABLE,
            AppError::Internal => common::ERROR_INTERNAL,
            AppError::Communication => common::ERROR_COMMUNICATION,
            AppError::Unauthenticated => common::ERROR_UNAUTHENTICATED,
            AppError::Forbidden => common::ERROR_FORBIDDEN,
        };
        locale.t(text).to_owned()
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                AppError::Invalid(crate::i18n::request_locale().t(common::ERROR_MALFORMED).into())
            }
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => AppError::Communication,
            _ => AppError::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// Logs an unexpected failure and returns the message a person may see. The response that
    /// carries it says so in its status (500), also when it is a page with the message inside.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(request_id = %crate::request::request_id(), error = %cause, "request failed");
        respond_with(http::StatusCode::INTERNAL_SERVER_ERROR);
        AppError::Internal
    }

    /// Logs a database failure; a database that cannot be reached, is saturated, or cancelled a
    /// statement that ran too long is reported as unavailable (503, never a 200 with the message).
    pub fn database(cause: &sqlx::Error) -> Self {
        /// query_canceled (statement_timeout), too_many_connections, cannot_connect_now,
        /// idle_in_transaction_session_timeout.
        const BUSY: [&str; 4] = ["57014", "53300", "57P03", "25P03"];
        let busy = match cause {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => true,
            sqlx::Error::Database(e) => e.code().is_some_and(|code| BUSY.contains(&code.as_ref())),
            _ => false,
        };
        if busy {
            tracing::warn!(request_id = %crate::request::request_id(), error = %cause, "database unavailable");
            respond_with(http::StatusCode::SERVICE_UNAVAILABLE);
            AppError::Unavailable
        } else {
            Self::internal(cause)
        }
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// A request that cannot be done as asked: said in words, answered with 422.
    pub fn refused(message: impl Into<String>) -> Self {
        respond_with(http::StatusCode::UNPROCESSABLE_ENTITY);
        AppError::Invalid(message.into())
    }

    /// A refusal in the language of the person who asked: `text` with its values filled in.
    pub fn refused_text(text: crate::i18n::Text, values: &[&dyn std::fmt::Display]) -> Self {
        Self::refused(crate::i18n::request_locale().f(text, values))
    }
}

/// Sets the status of the response being made, when there is one (a page or a server function
/// call). A failure outranks a refusal: a page whose one part failed answers 5xx even if another
/// part refused its input.
#[cfg(feature = "ssr")]
fn respond_with(status: http::StatusCode) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        let current = response.0.read().ok().and_then(|parts| parts.status).unwrap_or(http::StatusCode::OK);
        if status.as_u16() > current.as_u16() || current.is_success() {
            response.set_status(status);
        }
    }
}

/// Domain refusals are said to the person (422); database failures are logged, never shown.
#[cfg(feature = "ssr")]
mod from_domain {
    use super::AppError;
    use crate::i18n::request_locale;
    use domain::exceptions::WorkError;
    use domain::ledger::actions::ActionError;
    use domain::ledger::close::CloseError;
    use domain::ledger::limits::LimitError;
    use domain::ledger::posting::LedgerError;

    impl From<ActionError> for AppError {
        fn from(e: ActionError) -> Self {
            match e {
                ActionError::Database(e) | ActionError::Ledger(LedgerError::Database(e)) => {
                    AppError::database(&e)
                }
                ActionError::Limit(e) => e.into(),
                other => AppError::refused(crate::refusals::ledger::action(&other, request_locale())),
            }
        }
    }

    impl From<LimitError> for AppError {
        fn from(e: LimitError) -> Self {
            match e {
                LimitError::Database(e) => AppError::database(&e),
                other => AppError::refused(crate::refusals::ledger::limit(&other, request_locale())),
            }
        }
    }

    impl From<CloseError> for AppError {
        fn from(e: CloseError) -> Self {
            match e {
                CloseError::Database(e) => AppError::database(&e),
                other => AppError::refused(crate::refusals::ledger::close(&other, request_locale())),
            }
        }
    }

    impl From<WorkError> for AppError {
        fn from(e: WorkError) -> Self {
            match e {
                WorkError::Database(e) => AppError::database(&e),
                other => AppError::refused(crate::refusals::work::work(&other, request_locale())),
            }
        }
    }

    impl From<domain::ledger::templates::TemplateError> for AppError {
        fn from(e: domain::ledger::templates::TemplateError) -> Self {
            match e {
                domain::ledger::templates::TemplateError::Database(e) => AppError::database(&e),
                other => AppError::refused(crate::refusals::ledger::template(&other, request_locale())),
            }
        }
    }

    impl From<sqlx::Error> for AppError {
        fn from(e: sqlx::Error) -> Self {
            AppError::database(&e)
        }
    }
}

/// The message to show for any error caught by an error boundary: ours are safe as they are,
/// anything else gets a generic sentence.
pub fn safe_message(error: &leptos::error::Error, locale: Locale) -> String {
    match error.downcast_ref::<AppError>() {
        Some(app_error) => app_error.message(locale),
        None => AppError::Internal.message(locale),
    }
}

/// What an error boundary shows in place of the content that failed.
#[component]
pub fn ErrorNotice(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let locale = use_locale();
    view! {
        <div class="notice notice-error" role="alert" data-test="error-notice">
            <p class="notice-title">{locale.t(common::ERROR_TITLE)}</p>
            <ul>
                {move || {
                    errors
                        .get()
                        .into_iter()
                        .map(|(_, error)| view! { <li>{safe_message(&error, locale)}</li> })
                        .collect_view()
                }}
            </ul>
        </div>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn render_failing(error: leptos::error::Error) -> String {
        let owner = Owner::new();
        owner.set();
        view! {
            <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors/> }>
                {Err::<(), _>(error)}
            </ErrorBoundary>
        }
        .to_html()
    }

    #[test]
    fn the_error_boundary_shows_our_message() {
        let html = render_failing(AppError::Unavailable.into());
        assert!(html.contains("This part of the page could not be shown."), "{html}");
        assert!(html.contains("The database is not available right now."), "{html}");
        assert!(html.contains(r#"role="alert""#), "{html}");
    }

    #[test]
    fn the_error_boundary_never_shows_a_foreign_error_text() {
        let foreign = std::io::Error::other("connection to 10.1.2.3:5432 refused; password for user app");
        let html = render_failing(foreign.into());
        assert!(!html.contains("10.1.2.3") && !html.contains("password"), "{html}");
        assert!(html.contains("Something went wrong on our side."), "{html}");
    }
}
