//! `/readyz`: whether this instance can do its work now. A load balancer sends
//! it requests only while it answers 200; the answer names each check, in
//! words that give nothing away.

use super::Operations;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// The outcome of one check.
fn check(ok: bool, why_not: impl Into<String>) -> (bool, Value) {
    if ok {
        (true, json!("ok"))
    } else {
        (false, json!(why_not.into()))
    }
}

pub(super) async fn readyz(State(ops): State<Operations>) -> Response {
    let mut checks = Map::new();
    let mut ready = true;
    let db = &ops.state.db;
    let reachable = sqlx::query_scalar::<_, i64>("SELECT 1")
        .fetch_one(db.pool())
        .await
        .is_ok();
    let (ok, value) = check(reachable, "unreachable");
    ready &= ok;
    checks.insert("database".into(), value);
    let (ok, value) = match db.migrations_pending().await {
        Ok(0) => check(true, ""),
        Ok(n) => check(false, format!("{n} migrations not applied")),
        Err(_) => check(false, "cannot be read"),
    };
    ready &= ok;
    checks.insert("migrations".into(), value);
    let value = match &ops.workers {
        None => json!("not run by this instance"),
        Some(beats) => {
            let stalled: Vec<&str> = beats.not_alive().into_iter().map(|w| w.name()).collect();
            let (ok, value) = check(
                stalled.is_empty(),
                format!("not running: {}", stalled.join(", ")),
            );
            ready &= ok;
            value
        }
    };
    checks.insert("workers".into(), value);
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(json!({ "ready": ready, "checks": checks })),
    )
        .into_response()
}
