//! The HTTP surface: routes and the middleware every request passes through.

use std::time::Duration;

use app::state::AppState;
use axum::http::{HeaderName, Request, StatusCode};
use axum::routing::get;
use axum::Router;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::health;

/// Set on the request (unless a proxy already did) and echoed on the response.
const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static(app::request::REQUEST_ID_HEADER);

/// Longest a handler may take to produce response headers (downloads stream after that).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let shell_options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        // Pages and server functions; both get `AppState` through Leptos context.
        .leptos_routes(&state, routes, move || app::shell(shell_options.clone()))
        // Static files from the site root (the wasm bundle, styles, icons), else the 404 page.
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(app::shell))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
                        .on_response(DefaultOnResponse::new().level(Level::INFO)),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER))
                .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT)),
        )
        .with_state(state)
}

/// Every log line of a request carries its id, method and path (never the query, which may hold
/// search terms about customers).
fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let request_id = request.headers().get(&REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("-");
    tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %request.method(),
        path = %request.uri().path(),
    )
}
