//! A panic in a handler answers 500 with the portal's error page and is logged
//! inside the request's span, which carries its request id (also sent back in
//! `X-Request-Id`); the server goes on serving.

use axum::http::{Request, StatusCode};
use axum::response::Response;
use std::any::Any;

/// The span every request is served in.
pub fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", id = %id, method = %request.method(), path = %request.uri().path())
}

/// The answer to a panic.
pub fn answer(payload: Box<dyn Any + Send + 'static>) -> Response {
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = %message, "a request handler panicked");
    super::refusal::page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "Something went wrong on our side. Please try again in a moment.",
    )
}
