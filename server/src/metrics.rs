//! `/metrics` in Prometheus text format, through the `metrics` facade (the code that counts says
//! `metrics::counter!(..)` wherever it is, domain included) and its Prometheus exporter (which only
//! renders: we serve it on our own listener, not on a second port of the exporter's).
//!
//! The endpoint is outside sign-in, for the scraper. When `SETTLEDESK_METRICS_TOKEN` is set (it
//! must be, in production) the scraper sends it as a bearer token; the figures say how busy the
//! bank's exception queue is, which is not for anyone on the network.

use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Latency buckets, in seconds, for requests and other short waits.
const BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
    token: Option<Arc<str>>,
    pool: sqlx::PgPool,
}

/// Installs the process-wide recorder; call once, before anything counts.
pub fn install() -> PrometheusHandle {
    PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &BUCKETS)
        .expect("the buckets are not empty")
        .install_recorder()
        .expect("the metrics recorder is installed once")
}

impl Metrics {
    pub fn new(handle: PrometheusHandle, token: Option<String>, pool: sqlx::PgPool) -> Self {
        Metrics { handle, token: token.map(Arc::from), pool }
    }
}

/// Request count and latency by route (the route's pattern, never the address with its ids) and
/// status.
pub async fn record_request(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    // A fixed set: any other method would make a new series per made-up name, for ever.
    let method = match *request.method() {
        http::Method::GET => "GET",
        http::Method::POST => "POST",
        http::Method::HEAD => "HEAD",
        _ => "other",
    }
    .to_owned();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let labels = [("route", route), ("method", method), ("status", response.status().as_u16().to_string())];
    metrics::histogram!("settledesk_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

pub async fn scrape(State(metrics): State<Metrics>, headers: http::HeaderMap) -> Response {
    if let Some(token) = &metrics.token {
        let presented = headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let matches = presented.is_some_and(|p| constant_time_eq(p.as_bytes(), token.as_bytes()));
        if !matches {
            return (StatusCode::UNAUTHORIZED, [(http::header::WWW_AUTHENTICATE, "Bearer")], "")
                .into_response();
        }
    }
    match domain::gauges::read(&metrics.pool).await {
        Ok(gauges) => publish(&gauges),
        // The process's own figures are still worth having; the gap shows as this counter.
        Err(e) => {
            tracing::warn!(error = %e, "metrics: the database figures could not be read");
            metrics::counter!("settledesk_metrics_database_errors_total").increment(1);
        }
    }
    metrics.handle.run_upkeep();
    ([(http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], metrics.handle.render())
        .into_response()
}

fn publish(gauges: &domain::gauges::Gauges) {
    for (age, count) in &gauges.open_exceptions_by_age {
        metrics::gauge!("settledesk_open_exceptions", "age" => *age).set(*count as f64);
    }
    metrics::gauge!("settledesk_escalated_exceptions").set(gauges.escalated_exceptions as f64);
    metrics::gauge!("settledesk_pending_approvals").set(gauges.pending_approvals as f64);
    metrics::gauge!("settledesk_oldest_pending_approval_seconds").set(gauges.oldest_pending_approval_seconds);
    metrics::gauge!("settledesk_quarantined_files").set(gauges.quarantined_files as f64);
    if let Some(seconds) = gauges.seconds_since_last_completed_run {
        metrics::gauge!("settledesk_seconds_since_last_completed_run").set(seconds);
    }
}

/// Compares without stopping at the first difference, so timing does not reveal the token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
