//! The edge: what every request passes through before the portal sees it, and
//! every answer on its way out. Forged posts are refused, form bodies are
//! bounded and checked, a refused form comes back with what was typed, answers carry the security headers, the client's
//! address is worked out once, slow requests time out and a panic becomes the
//! portal's error page. The README's "Security" section says what this promises.

pub mod client_address;
mod forgery;
mod form_fields;
mod headers;
mod kept_form;
mod panics;
pub(crate) mod refusal;
mod statuses;

pub use headers::{provide_page_nonce, PageNonce};

use axum::{middleware, Router};
use ipnet::IpNet;
use std::sync::Arc;
use std::time::Duration;
use tower_http::{
    catch_panic::CatchPanicLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
    LatencyUnit,
};

/// The largest request body the portal reads: far above any of its forms.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What the edge needs to know about the deployment.
#[derive(Clone, Debug)]
pub struct EdgeSettings {
    /// `scheme://host[:port]` of the public URL: the only origin posts may come from.
    pub public_origin: String,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Arc<[IpNet]>,
    /// A request not answered in this time gets 408.
    pub request_timeout: Duration,
}

impl EdgeSettings {
    /// The edge of a portal reached at `public_url`.
    pub fn new(public_url: &str, trusted_proxies: Vec<IpNet>, request_timeout: Duration) -> Self {
        EdgeSettings {
            public_origin: origin_of(public_url).unwrap_or_default(),
            trusted_proxies: trusted_proxies.into(),
            request_timeout,
        }
    }
}

/// `scheme://host[:port]` of an absolute URL, lower-cased, without a default port.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let authority = match (scheme.as_str(), authority.rsplit_once(':')) {
        ("http", Some((host, "80"))) | ("https", Some((host, "443"))) => host.to_string(),
        _ => authority,
    };
    Some(format!("{scheme}://{authority}"))
}

/// The layers that need the request's session: applied inside the session layer.
pub fn inside_sessions(router: Router, edge: &EdgeSettings) -> Router {
    router
        .layer(middleware::from_fn(statuses::server_fn_status))
        .layer(middleware::from_fn(kept_form::keep))
        .layer(middleware::from_fn_with_state(edge.clone(), forgery::guard))
}

/// The layers around everything else, sessions included.
pub fn around(router: Router, edge: &EdgeSettings) -> Router {
    let router = router
        .layer(middleware::from_fn_with_state(
            edge.trusted_proxies.clone(),
            client_address::record,
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            edge.request_timeout,
        ))
        .layer(CatchPanicLayer::custom(panics::answer));
    headers::secure(router)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(panics::request_span)
                // One line per answer, with its status and latency.
                .on_response(
                    DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(LatencyUnit::Micros),
                ),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn origins_are_compared_in_their_usual_form() {
        assert_eq!(
            origin_of("http://127.0.0.1:3000/").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(
            origin_of("HTTPS://Portal.Example:443/x?y").as_deref(),
            Some("https://portal.example")
        );
        assert_eq!(
            origin_of("https://portal.example.evil.example").as_deref(),
            Some("https://portal.example.evil.example")
        );
        assert_eq!(origin_of("null"), None);
        assert_eq!(origin_of("javascript://x"), None);
        assert_eq!(origin_of("https://user@portal.example"), None);
    }
}
