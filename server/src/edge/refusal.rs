//! How the edge refuses a request: a server-function caller gets the portal's
//! error as JSON (the form shows it); a browser posting a plain form gets a
//! short page saying what happened.

use app::AppError;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Whether the caller posted a plain HTML form (no JavaScript).
pub fn wants_page(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// The answer for `error` with `status`.
pub fn refuse(headers: &HeaderMap, status: StatusCode, error: AppError) -> Response {
    if wants_page(headers) {
        page(status, "The request was refused", &error.to_string())
    } else {
        let body = serde_json::to_vec(&error).unwrap_or_default();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}

/// A post that did not come from the portal's own pages.
pub fn forged(headers: &HeaderMap) -> Response {
    refuse(
        headers,
        StatusCode::FORBIDDEN,
        AppError::Forbidden(
            "This request did not come from the portal's own pages, so it was not carried out. \
             Open the portal and try again from there."
                .into(),
        ),
    )
}

/// A body over the limit.
pub fn too_large(headers: &HeaderMap) -> Response {
    refuse(
        headers,
        StatusCode::PAYLOAD_TOO_LARGE,
        AppError::invalid("form", "The form is too large to be read."),
    )
}

/// A plain page with a heading and a message; no script.
pub fn page(status: StatusCode, heading: &str, message: &str) -> Response {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{heading} · Volume Licensing portal</title>\
         <link rel=\"stylesheet\" href=\"{style}\"></head>\
         <body><main id=\"main\"><h1>{heading}</h1><p role=\"alert\">{message}</p>\
         <p><a href=\"/\">Back to the portal</a></p></main></body></html>",
        heading = escape(heading),
        message = escape(message),
        style = crate::assets::style_sheet(),
    );
    let mut response = (status, html).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(super::headers::NO_SCRIPT_POLICY),
    );
    response
}
