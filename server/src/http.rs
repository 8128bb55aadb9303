//! The HTTP surface: routes and the middleware every request passes through.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderName, Request, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::auth::{self, csrf::PortalOrigin};
use crate::health;
use crate::state::ServerState;

/// Set on the request (unless a proxy already did) and echoed on the response.
const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static(app::request::REQUEST_ID_HEADER);

/// Longest a handler may take to produce response headers (downloads stream after that).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The edge's shared parts, built once by `serve`.
pub struct Edge {
    pub rate_limits: Arc<crate::rate_limit::RateLimits>,
    pub admission: Arc<crate::admission::Admission>,
    pub metrics: crate::metrics::Metrics,
}

/// The router's pages, after checking that the route table ([`app::routes`]) guards each of them:
/// a page without an entry would open to every role, so the server refuses to start with one.
fn checked_route_list() -> Vec<leptos_axum::AxumRouteListing> {
    let routes = generate_route_list(app::App);
    let paths: Vec<String> = routes.iter().map(|r| leptos_path(r.path())).collect();
    if let Err(problem) = app::routes::server::check_route_list(&paths) {
        panic!("the route table and the router disagree: {problem}");
    }
    routes
}

/// `/reports/{date}/items` as the route table writes it: `/reports/:date/items`.
fn leptos_path(axum_path: &str) -> String {
    axum_path
        .split('/')
        .map(|segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => format!(":{name}"),
            None => segment.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

pub fn router(state: ServerState, edge: Edge) -> Router {
    let site_root = std::path::PathBuf::from(state.app.leptos_options.site_root.as_ref());
    let app_state = state.app.clone();
    let provide_app_state = move || provide_context(app_state.clone());
    let shell_options = state.app.leptos_options.clone();

    // Everything a person reaches: behind sign-in (the guard) and server-side sessions.
    let portal = Router::new()
        .route("/auth/login", get(auth::routes::login))
        .route("/auth/callback", get(auth::routes::callback))
        .route("/auth/logout", post(auth::routes::logout))
        .route("/auth/signed-out", get(auth::routes::signed_out))
        .route("/download/reports/{date}/{version}/{name}", get(crate::downloads::report))
        .route("/export/{list}", get(crate::exports::export))
        .route("/feeds/rerun", post(crate::feed_ops::rerun))
        .route("/feeds/not-expected", post(crate::feed_ops::not_expected))
        .route(
            "/feeds/release",
            post(crate::feed_ops::release).layer(axum::extract::DefaultBodyLimit::max(
                crate::feed_ops::MAX_REPLACEMENT_BYTES + 64 * 1024,
            )),
        )
        .leptos_routes_with_context(&state, checked_route_list(), provide_app_state.clone(), move || {
            app::shell(shell_options.clone())
        })
        // Any other address: the 404 page, rendered in the layout.
        .fallback(leptos_axum::file_and_error_handler_with_context::<ServerState, _>(
            provide_app_state,
            app::shell,
        ))
        .layer(from_fn_with_state(state.clone(), auth::guard::require_sign_in))
        .layer(auth::session_layer(state.app.pool.clone(), &state.auth.config))
        // Before the session is looked up (a database read): admission bounds that too.
        .layer(from_fn_with_state(edge.admission, crate::admission::admit))
        .layer(from_fn_with_state(edge.rate_limits, crate::rate_limit::limit))
        // Outermost: every refusal page below speaks the person's language.
        .layer(axum::middleware::from_fn(crate::auth::pages::with_locale));

    let origin = PortalOrigin::of(&state.auth.config.public_url);
    let https = state.auth.config.public_url.starts_with("https://");
    let default_policy = crate::security_headers::DefaultPolicy::new(&state.app.sign_in_origin, https);
    let cookies = crate::cookies::CookiePolicy { secure: https };
    Router::new()
        .route("/metrics", get(crate::metrics::scrape).with_state(edge.metrics))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        // The wasm bundle, styles and icons: public, and no session lookup for them.
        .nest_service("/pkg", ServeDir::new(site_root.join("pkg")))
        .route_service("/favicon.svg", ServeFile::new(site_root.join("favicon.svg")))
        .merge(portal)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
                        .on_response(DefaultOnResponse::new().level(Level::INFO)),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER))
                .layer(axum::middleware::from_fn(server_timing))
                .layer(axum::middleware::from_fn(crate::metrics::record_request))
                .layer(from_fn_with_state(cookies, crate::cookies::harden))
                .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
                .layer(from_fn_with_state(default_policy, crate::security_headers::add))
                .layer(from_fn_with_state(origin, auth::csrf::refuse_cross_site)),
        )
        .with_state(state)
}

/// Stamps each response with the time the server took to produce it (`Server-Timing: app;dur=ms`),
/// for the browser's developer tools and the portal benchmark. Pages render completely before their
/// headers are sent, so for a page this is its whole server time; for a download, the time to its
/// first byte.
async fn server_timing(
    request: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let started = std::time::Instant::now();
    let mut response = next.run(request).await;
    let value = format!("app;dur={:.1}", started.elapsed().as_secs_f64() * 1000.0);
    if let Ok(value) = axum::http::HeaderValue::from_str(&value) {
        response.headers_mut().insert(HeaderName::from_static("server-timing"), value);
    }
    response
}

/// Every log line of a request carries its id, method and path (never the query, which may hold
/// search terms about customers, or a sign-in code).
fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let request_id = request.headers().get(&REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("-");
    tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %request.method(),
        path = %request.uri().path(),
    )
}

#[cfg(test)]
mod route_table_tests {
    use super::*;

    #[tokio::test]
    async fn every_page_the_router_draws_is_in_the_route_table() {
        let routes = checked_route_list();
        assert!(routes.iter().any(|r| leptos_path(r.path()) == "/reports/:date/items/:seq"));
    }

    #[test]
    fn axum_parameters_read_as_route_table_parameters() {
        assert_eq!(leptos_path("/ledger/accounts/{code}"), "/ledger/accounts/:code");
        assert_eq!(leptos_path("/"), "/");
    }
}
