//! `/healthz` (the process answers) and `/readyz` (it can serve: database reachable, schema current).

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::db::SchemaStatus;
use serde::Serialize;
use sqlx::PgPool;

/// Readiness must answer within a probe's usual one-second timeout, even when the database hangs
/// (the pool keeps retrying a refused connection until its own, longer, acquire timeout).
const READINESS_TIMEOUT: Duration = Duration::from_millis(900);

pub async fn healthz() -> &'static str {
    "ok"
}

#[derive(Debug, Serialize)]
pub struct Readiness {
    ready: bool,
    /// Why not, in words an operator can act on; absent when ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    schema_version: Option<i64>,
}

pub async fn readyz(State(pool): State<PgPool>) -> (StatusCode, Json<Readiness>) {
    let status = tokio::time::timeout(READINESS_TIMEOUT, domain::db::schema_status(&pool)).await;
    let not_ready = |reason: String| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Readiness { ready: false, reason: Some(reason), schema_version: None }),
        )
    };
    match status {
        Err(_elapsed) => {
            tracing::debug!("readiness: no database connection within the timeout");
            not_ready("database unreachable".into())
        }
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "readiness: database error");
            not_ready("database unreachable".into())
        }
        Ok(Ok(SchemaStatus::Current { version } | SchemaStatus::Ahead { version, .. })) => {
            (StatusCode::OK, Json(Readiness { ready: true, reason: None, schema_version: Some(version) }))
        }
        Ok(Ok(SchemaStatus::Pending { missing })) => not_ready(format!("migrations pending: {missing:?}")),
        Ok(Ok(SchemaStatus::Failed { version })) => not_ready(format!("migration {version} failed")),
        Ok(Ok(SchemaStatus::Modified { version })) => {
            not_ready(format!("migration {version} differs from the one this binary carries"))
        }
    }
}
