//! How a server function answers: the status that goes with its error, and
//! the redirect after a form that worked. Server only.

use crate::error::AppError;

/// Sends the browser to `path` after a server function. A value that cannot be
/// a header (only a bug could make one: every caller builds its path from
/// checked parts) is refused with a logged error, never a panic.
pub fn redirect(path: &str) -> Result<(), AppError> {
    if axum::http::HeaderValue::from_str(path).is_err() || !path.starts_with('/') {
        tracing::error!(path = %path.escape_debug(), "refused to redirect to an invalid path");
        return Err(AppError::Internal);
    }
    leptos_axum::redirect(path);
    Ok(())
}

/// Ends a server function: an error sets the HTTP status that goes with it.
///
/// A plain HTML form post (no JavaScript) keeps the redirect back to the form
/// that Leptos sets, so the browser shows the form again with the message.
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    use axum::http::{header::ACCEPT, request::Parts, StatusCode};
    use leptos::prelude::use_context;
    if let Err(err) = &result {
        let from_html_form = use_context::<Parts>()
            .and_then(|p| p.headers.get(ACCEPT).cloned())
            .and_then(|v| v.to_str().ok().map(|s| s.contains("text/html")))
            .unwrap_or(false);
        if !from_html_form {
            if let (Some(options), Ok(status)) = (
                use_context::<leptos_axum::ResponseOptions>(),
                StatusCode::from_u16(err.status_code()),
            ) {
                options.set_status(status);
            }
        }
    }
    result
}
