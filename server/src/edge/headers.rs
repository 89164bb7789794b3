//! The security headers on every answer. Pages get a Content-Security-Policy
//! with a fresh nonce, which Leptos writes on its own scripts; every other
//! answer gets a policy that allows no script at all. Answers that are not
//! static assets are never stored by a browser or a proxy (`no-store`).

use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue, Response};
use axum::middleware::{self, Next};
use axum::Router;
use leptos::prelude::{provide_context, use_context};
use tower_http::set_header::SetResponseHeaderLayer;

/// The policy of a page whose inline scripts carry `nonce`.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// The policy of every other answer: nothing runs.
pub const NO_SCRIPT_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// The nonce of one answer, made by the edge before the page renders.
#[derive(Debug, Clone)]
pub struct PageNonce(pub String);

/// Hands the edge's nonce to Leptos, which writes it on its own scripts.
/// Called in every request's Leptos context.
pub fn provide_page_nonce() {
    if let Some(nonce) = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PageNonce>().cloned())
    {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
}

/// Makes a fresh nonce for each request; an HTML answer gets the page policy
/// with it, any other answer (and the edge's own pages, which set it first)
/// the policy that runs no script.
pub async fn nonce_policy(mut request: Request, next: Next) -> axum::response::Response {
    // 128 random bits.
    let nonce = app::keys::secret()[..32].to_string();
    request.extensions_mut().insert(PageNonce(nonce.clone()));
    let mut response = next.run(request).await;
    if response
        .headers()
        .contains_key(header::CONTENT_SECURITY_POLICY)
    {
        return response;
    }
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    let policy = if html {
        HeaderValue::from_str(&page_policy(&nonce)).ok()
    } else {
        Some(HeaderValue::from_static(NO_SCRIPT_POLICY))
    };
    if let Some(policy) = policy {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

/// Static assets may be cached; nothing else may.
fn cache_control<B>(response: &Response<B>) -> Option<HeaderValue> {
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let asset = [
        "text/css",
        "javascript",
        "application/wasm",
        "image/",
        "font/",
    ]
    .iter()
    .any(|t| content_type.contains(t));
    (!asset).then(|| HeaderValue::from_static("no-store"))
}

/// Adds the headers to every answer of `router`.
pub fn secure(router: Router) -> Router {
    fn always(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    }
    let router = router
        .layer(middleware::from_fn(nonce_policy))
        .layer(always(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(always(header::REFERRER_POLICY, "same-origin"))
        .layer(always(header::X_FRAME_OPTIONS, "DENY"))
        // The browsers' old XSS filter is switched off, as OWASP advises: it
        // could be turned against pages, and the policy above does its job.
        .layer(always(header::X_XSS_PROTECTION, "0"))
        .layer(always(
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=(), usb=(), \
             interest-cohort=(), browsing-topics=()",
        ))
        .layer(always(
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ))
        .layer(always(
            HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            cache_control,
        ));
    // Browsers heed HSTS only over https and ignore it over plain http, so it
    // goes on every answer: a portal behind a TLS proxy is covered even when
    // its PUBLIC_URL was left at http.
    router.layer(always(
        header::STRICT_TRANSPORT_SECURITY,
        "max-age=31536000; includeSubDomains",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_policy_allows_only_nonced_inline_scripts() {
        let policy = page_policy("abc");
        assert!(policy.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"));
        assert!(!policy.contains("unsafe-inline"));
        for directive in [
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ] {
            assert!(policy.contains(directive), "{directive}");
        }
    }
}
