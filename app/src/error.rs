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
    /// One field of a form was wrong (by the name the form sends it under): said beside it.
    #[error("{message}")]
    InvalidField { field: String, message: String },
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
            AppError::Invalid(message) | AppError::InvalidField { message, .. } => return message.clone(),
            AppError::Unavailable => common::ERROR_UNAVAILABLE,
            AppError::Internal => common::ERROR_INTERNAL,
            AppError::Communication => common::ERROR_COMMUNICATION,
            AppError::Unauthenticated => common::ERROR_UNAUTHENTICATED,
            AppError::Forbidden => common::ERROR_FORBIDDEN,
        };
        locale.t(text).to_owned()
    }

    /// The form field this refusal is about, if it is about one.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::InvalidField { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                // The request itself is malformed (a forged or truncated form): 400.
                #[cfg(feature = "ssr")]
                respond_with(http::StatusCode::BAD_REQUEST);
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
    /// The status a response carrying this error answers with.
    pub fn status(&self) -> http::StatusCode {
        match self {
            AppError::Invalid(_) | AppError::InvalidField { .. } => http::StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unavailable => http::StatusCode::SERVICE_UNAVAILABLE,
            AppError::Unauthenticated => http::StatusCode::UNAUTHORIZED,
            AppError::Forbidden => http::StatusCode::FORBIDDEN,
            AppError::Internal | AppError::Communication => http::StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A request that cannot be done as asked: said in words, answered with 422.
    pub fn refused(message: impl Into<String>) -> Self {
        respond_with(http::StatusCode::UNPROCESSABLE_ENTITY);
        AppError::Invalid(message.into())
    }

    /// A refusal in the language of the person who asked: `text` with its values filled in.
    pub fn refused_text(text: crate::i18n::Text, values: &[&dyn std::fmt::Display]) -> Self {
        Self::refused(crate::i18n::request_locale().f(text, values))
    }

    /// A refusal of one field (by the name the form sends it under), said beside it: 422.
    pub fn refused_field(field: &str, message: impl Into<String>) -> Self {
        respond_with(http::StatusCode::UNPROCESSABLE_ENTITY);
        AppError::InvalidField { field: field.to_owned(), message: message.into() }
    }

    /// This refusal, said beside `field` (an error that is not a refusal, or no field, leaves it
    /// as it is: said at the foot of the form).
    pub fn beside(self, field: &str) -> Self {
        match self {
            AppError::Invalid(message) if !field.is_empty() => {
                AppError::InvalidField { field: field.to_owned(), message }
            }
            other => other,
        }
    }
}

/// Sets the status of the response being made, when there is one (a page or a server function
/// call), unless the response already has a weightier one (see [`outranks`]).
#[cfg(feature = "ssr")]
pub(crate) fn respond_with(status: http::StatusCode) {
    // A form posted without JavaScript is answered with a redirect back to its page, the error in
    // the address; that page then answers with this status (see [`status_of_redirected_error`]).
    if is_plain_form_post() {
        return;
    }
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        let current = response.0.read().ok().and_then(|parts| parts.status).unwrap_or(http::StatusCode::OK);
        if outranks(status, current) {
            response.set_status(status);
        }
    }
}

/// Whether a page whose parts ended in `status` and `current` should answer `status`. A failure
/// outranks everything (the page is not whole); then not signed in, then not allowed, then not
/// found, then a refused input: a page one part of which is forbidden must not answer 422 because
/// another part refused what was typed. Any error outranks success.
#[cfg(feature = "ssr")]
fn outranks(status: http::StatusCode, current: http::StatusCode) -> bool {
    fn weight(status: http::StatusCode) -> u16 {
        match status.as_u16() {
            500..=599 => 1000 + status.as_u16(),
            401 => 900,
            403 => 800,
            404 => 700,
            400..=499 => 100 + status.as_u16(),
            _ => 0,
        }
    }
    current.is_success() || weight(status) > weight(current)
}

/// Whether this request is a form posted by a browser without JavaScript: server_fn answers it
/// with a redirect back to the page it came from (an HTML `Accept`), which a status set here would
/// replace.
#[cfg(feature = "ssr")]
fn is_plain_form_post() -> bool {
    use_context::<http::request::Parts>().is_some_and(|parts| {
        parts.uri.path().starts_with("/api/")
            && parts
                .headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"))
    })
}

/// The status a page answers with when it shows the error of a form posted without JavaScript
/// (carried in its address as `__err`): the same the server function would have answered.
#[cfg(feature = "ssr")]
pub fn status_of_redirected_error(query: &str) -> Option<http::StatusCode> {
    use leptos::server_fn::error::ServerFnUrlError;
    let encoded = query.split('&').find_map(|pair| pair.strip_prefix("__err="))?;
    // The value is base64 (URL-safe alphabet); only its padding is percent-encoded.
    let encoded = encoded.replace("%3D", "=").replace("%3d", "=");
    match ServerFnUrlError::<AppError>::decode_err(&encoded) {
        // Also what an address with a made-up `__err` decodes to: it must not make a page a 500.
        AppError::Internal | AppError::Communication => None,
        refusal => Some(refusal.status()),
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
                // A stored action that cannot be read, or postings the domain built that do not
                // balance: our fault, not the person's (logged, answered 500).
                unreadable @ ActionError::Unreadable(_) => AppError::internal(unreadable),
                ActionError::Ledger(
                    fault @ (LedgerError::TooFewPostings
                    | LedgerError::ZeroPosting
                    | LedgerError::Unbalanced { .. }
                    | LedgerError::UnknownAccount(_)
                    | LedgerError::Overflow),
                ) => AppError::internal(fault),
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
                // A status the database holds that the domain does not know: our fault.
                unknown @ WorkError::UnknownStatus(_) => AppError::internal(unknown),
                other => AppError::refused(crate::refusals::work::work(&other, request_locale())),
            }
        }
    }

    impl From<domain::ledger::AccountError> for AppError {
        fn from(e: domain::ledger::AccountError) -> Self {
            match e {
                domain::ledger::AccountError::Database(e) => AppError::database(&e),
                other => AppError::refused(crate::refusals::ledger::account(&other, request_locale())),
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

    impl From<domain::payouts::counterparties::CounterpartyError> for AppError {
        fn from(e: domain::payouts::counterparties::CounterpartyError) -> Self {
            match e {
                domain::payouts::counterparties::CounterpartyError::Database(e) => AppError::database(&e),
                other => AppError::refused(crate::refusals::ledger::counterparty(&other, request_locale())),
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

    #[test]
    fn only_a_refusal_with_a_field_is_said_beside_it() {
        let refused = || AppError::Invalid("no".into());
        assert_eq!(
            refused().beside("code"),
            AppError::InvalidField { field: "code".into(), message: "no".into() }
        );
        assert_eq!(refused().beside(""), refused(), "no field: at the foot of the form");
        assert_eq!(AppError::Unavailable.beside("code"), AppError::Unavailable);
        assert_eq!(refused().beside("code").status(), http::StatusCode::UNPROCESSABLE_ENTITY);
    }

    #[test]
    fn a_weightier_status_is_never_replaced_by_a_lighter_one() {
        use http::StatusCode as S;
        // From the weightiest down: each outranks every one after it, and none after it replaces it.
        let order = [
            S::SERVICE_UNAVAILABLE,
            S::INTERNAL_SERVER_ERROR,
            S::UNAUTHORIZED,
            S::FORBIDDEN,
            S::NOT_FOUND,
            S::UNPROCESSABLE_ENTITY,
            S::BAD_REQUEST,
        ];
        for (i, heavier) in order.iter().enumerate() {
            for lighter in &order[i + 1..] {
                assert!(outranks(*heavier, *lighter), "{heavier} over {lighter}");
                assert!(!outranks(*lighter, *heavier), "{lighter} must not replace {heavier}");
            }
            assert!(outranks(*heavier, S::OK), "any error replaces success");
        }
    }

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
    fn a_page_showing_a_redirected_refusal_answers_422() {
        use leptos::server_fn::codec::JsonEncoding;
        use leptos::server_fn::error::FromServerFnError;
        let _ = JsonEncoding;
        let refusal = AppError::Invalid("Give a reason.".into()).ser();
        let encoded = base64_url(&refusal);
        let query = format!("date=2026-11-20&__path=%2Fapi%2Fx&__err={}", encoded.replace('=', "%3D"));
        assert_eq!(status_of_redirected_error(&query), Some(http::StatusCode::UNPROCESSABLE_ENTITY));
        let failure = base64_url(&AppError::Unavailable.ser());
        assert_eq!(
            status_of_redirected_error(&format!("__err={failure}")),
            Some(http::StatusCode::SERVICE_UNAVAILABLE)
        );
        assert_eq!(status_of_redirected_error("date=2026-11-20"), None);
        assert_eq!(status_of_redirected_error("__err=made-up"), None, "a forged error does not make a 500");
    }

    /// URL-safe base64 with padding, as server_fn writes `__err`.
    fn base64_url(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (*b as u32) << (16 - 8 * i));
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[test]
    fn the_error_boundary_never_shows_a_foreign_error_text() {
        let foreign = std::io::Error::other("connection to 10.1.2.3:5432 refused; password for user app");
        let html = render_failing(foreign.into());
        assert!(!html.contains("10.1.2.3") && !html.contains("password"), "{html}");
        assert!(html.contains("Something went wrong on our side."), "{html}");
    }
}
