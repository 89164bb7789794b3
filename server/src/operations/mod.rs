//! What operators and their tools ask the portal: whether the process answers
//! (`/healthz`), whether this instance can serve (`/readyz`: database
//! reachable, migrations current, workers alive) and its Prometheus metrics
//! (`/metrics`), which are not public: they are served on a separate address
//! (`METRICS_ADDR`) or, on the portal's own address, only with the bearer
//! token `METRICS_TOKEN`. None of them needs or makes a session.

pub mod metrics;
mod readiness;

pub use metrics::Metrics;

use crate::workers::Beats;
use app::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// What the operations endpoints read.
#[derive(Clone, Debug)]
pub struct Operations {
    pub state: AppState,
    pub metrics: Arc<Metrics>,
    /// The workers' signs of life, when this instance runs them.
    pub workers: Option<Arc<Beats>>,
    /// The token `/metrics` asks for on the portal's own address.
    pub metrics_token: Option<Arc<str>>,
}

/// `/healthz`, `/readyz` and, when a token is set, `/metrics`, for the
/// portal's own address.
pub fn routes(ops: Operations) -> Router {
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readiness::readyz));
    let router = if ops.metrics_token.is_some() {
        router.route("/metrics", get(metrics_with_token))
    } else {
        router
    };
    router.with_state(ops)
}

/// `/metrics` alone, without a token, for the separate metrics address.
pub fn metrics_routes(ops: Operations) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(ops)
}

async fn healthz() -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-store")], "ok\n")
}

async fn metrics(State(ops): State<Operations>) -> Response {
    let text = ops.metrics.render(&ops.state).await;
    (
        [
            (header::CONTENT_TYPE, metrics::CONTENT_TYPE),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response()
}

async fn metrics_with_token(State(ops): State<Operations>, headers: HeaderMap) -> Response {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let expected = ops.metrics_token.as_deref().unwrap_or_default();
    if expected.is_empty() || !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "The metrics need the operators' token.\n",
        )
            .into_response();
    }
    metrics(State(ops)).await
}
