//! SettleDesk's pages, components and server functions.
//!
//! Built twice: with `ssr` into the server (which renders pages and runs server functions) and with
//! `hydrate` into the WebAssembly bundle that makes the rendered pages interactive.

pub mod auth;
pub mod error;
pub mod forms;
pub mod i18n;
pub mod kit;
pub mod labels;
pub mod layout;
pub mod pages;
pub mod preferences;
#[cfg(feature = "ssr")]
pub mod refusals;
#[cfg(feature = "ssr")]
pub mod request;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod security;
#[cfg(feature = "ssr")]
pub mod state;
pub mod url;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::layout::Layout;
use crate::pages::{
    admin::AdminPage,
    audit::AuditPage,
    dashboard::DashboardPage,
    exceptions::{ExceptionsPage, WorkItemPage},
    feeds::FeedsPage,
    ledger::{LedgerPage, StatementPage},
    lookup::LookupPage,
    not_found::NotFoundPage,
    preferences::PreferencesPage,
    reports::{ItemDetailPage, ItemsPage, ReportsPage},
};

/// The name of the compiled WebAssembly, JavaScript and CSS bundle under `/pkg`.
pub const BUNDLE_NAME: &str = "settledesk";

/// The HTML document around the application, rendered only on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        set_content_security_policy();
        set_status_of_redirected_error();
    }
    let locale = i18n::request_locale();
    view! {
        <!DOCTYPE html>
        <html lang=locale.tag()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Sends this page's Content-Security-Policy, which admits the inline scripts carrying this
/// response's nonce.
/// A page showing the error of a form posted without JavaScript answers with that error's status
/// (a refusal 422), as the server function would have.
#[cfg(feature = "ssr")]
fn set_status_of_redirected_error() {
    let (Some(parts), Some(response)) =
        (use_context::<http::request::Parts>(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    if let Some(status) = parts.uri.query().and_then(error::status_of_redirected_error) {
        response.set_status(status);
    }
}

#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    let (Some(response), Some(state)) =
        (use_context::<leptos_axum::ResponseOptions>(), use_context::<state::AppState>())
    else {
        return;
    };
    let nonce = leptos::nonce::use_nonce().map(|n| n.to_string());
    let policy = security::content_security_policy(nonce.as_deref(), &state.sign_in_origin);
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(i18n::request_locale());
    view! {
        <Stylesheet id="leptos" href=format!("/pkg/{BUNDLE_NAME}.css")/>
        <Title formatter=|page: String| format!("{page} · SettleDesk")/>
        <Router>
            <Layout>
                // Every page is rendered completely before it is sent (`SsrMode::Async`), so the
                // portal reads and submits without JavaScript; hydration then makes it interactive.
                <Routes fallback=NotFoundPage>
                    <Route path=path!("") view=DashboardPage ssr=SsrMode::Async/>
                    <Route path=path!("reports") view=ReportsPage ssr=SsrMode::Async/>
                    <Route path=path!("reports/:date/items") view=ItemsPage ssr=SsrMode::Async/>
                    <Route path=path!("reports/:date/items/:seq") view=ItemDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("exceptions") view=ExceptionsPage ssr=SsrMode::Async/>
                    <Route path=path!("feeds") view=FeedsPage ssr=SsrMode::Async/>
                    <Route path=path!("exceptions/:id") view=WorkItemPage ssr=SsrMode::Async/>
                    <Route path=path!("lookup") view=LookupPage ssr=SsrMode::Async/>
                    <Route path=path!("ledger") view=LedgerPage ssr=SsrMode::Async/>
                    <Route path=path!("ledger/accounts/:code") view=StatementPage ssr=SsrMode::Async/>
                    <Route path=path!("audit") view=AuditPage ssr=SsrMode::Async/>
                    <Route path=path!("admin") view=AdminPage ssr=SsrMode::Async/>
                    <Route path=path!("preferences") view=PreferencesPage ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}
