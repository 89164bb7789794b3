//! Forged requests refused. A state-changing request (anything but GET, HEAD
//! and OPTIONS: server functions and plain form posts alike) is carried out only
//! when it proves it comes from the portal's own pages:
//!
//! 1. the browser says so: `Sec-Fetch-Site: same-origin`; lacking that header,
//!    an `Origin` equal to the public URL's origin; lacking both, a `Referer`
//!    on that origin. Any of them saying otherwise refuses the request;
//! 2. and a form that carries the session's anti-forgery token must carry the
//!    right one (compared in constant time). A client that sends none of the
//!    headers above must carry it.
//!
//! Page views give the session its token and hand it to the pages, which write
//! it into every form (`app::ui::FormToken`).

use super::{form_fields, refusal, EdgeSettings, MAX_BODY_BYTES};
use app::ui::{new_form_token, FormTokenValue, FORM_TOKEN_FIELD, FORM_TOKEN_SESSION_KEY};
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::Response;
use subtle::ConstantTimeEq;
use tower_sessions::Session;

/// What the browser's own headers say about where a request comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    /// From a page of the portal.
    SameOrigin,
    /// From somewhere else.
    CrossSite,
    /// The request says nothing (not a browser, or an old one).
    Unknown,
}

/// Reads `Sec-Fetch-Site`, then `Origin`, then `Referer`, the first present deciding.
pub fn provenance(headers: &HeaderMap, public_origin: &str) -> Provenance {
    let text = |name: &str| headers.get(name).map(|v| v.to_str().unwrap_or("\u{0}"));
    let verdict = |same: bool| {
        if same {
            Provenance::SameOrigin
        } else {
            Provenance::CrossSite
        }
    };
    if let Some(site) = text("sec-fetch-site") {
        return verdict(site.eq_ignore_ascii_case("same-origin"));
    }
    if let Some(origin) = text("origin") {
        return verdict(super::origin_of(origin).as_deref() == Some(public_origin));
    }
    if let Some(referer) = text("referer") {
        return verdict(super::origin_of(referer).as_deref() == Some(public_origin));
    }
    Provenance::Unknown
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A page view, as opposed to a static file or a server function.
fn is_page(path: &str) -> bool {
    const ASSETS: &[&str] = &[
        ".ico",
        ".png",
        ".svg",
        ".css",
        ".js",
        ".wasm",
        ".txt",
        ".webmanifest",
    ];
    !path.starts_with("/pkg/")
        && !path.starts_with("/api/")
        && !ASSETS.iter().any(|ext| path.ends_with(ext))
}

fn session_error(e: tower_sessions::session::Error) -> Response {
    tracing::error!(error = %e, "session store error");
    refusal::page(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "Something went wrong on our side. Please try again in a moment.",
    )
}

/// The session's token, made on first use.
async fn session_token(session: &Session) -> Result<String, tower_sessions::session::Error> {
    if let Some(token) = session.get::<String>(FORM_TOKEN_SESSION_KEY).await? {
        return Ok(token);
    }
    let token = new_form_token();
    session.insert(FORM_TOKEN_SESSION_KEY, &token).await?;
    Ok(token)
}

/// The token a post carries: the form field, or the `X-CSRF-Token` header.
fn sent_token(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    if let Some(v) = headers.get("x-csrf-token") {
        return Some(v.to_str().unwrap_or_default().to_string());
    }
    form_urlencoded::parse(body)
        .find(|(k, _)| k == FORM_TOKEN_FIELD)
        .map(|(_, v)| v.into_owned())
}

/// The middleware: gives page views their token, refuses forged posts and
/// checks the fields of every server function's form.
pub async fn guard(State(edge): State<EdgeSettings>, request: Request, next: Next) -> Response {
    let session = request.extensions().get::<Session>().cloned();
    if !changes_state(request.method()) {
        let mut request = request;
        if let Some(session) = session.filter(|_| is_page(request.uri().path())) {
            match session_token(&session).await {
                Ok(token) => {
                    request.extensions_mut().insert(FormTokenValue(token));
                }
                Err(e) => return session_error(e),
            }
        }
        return next.run(request).await;
    }

    let headers = request.headers().clone();
    let provenance = provenance(&headers, &edge.public_origin);
    if provenance == Provenance::CrossSite {
        tracing::warn!(path = %request.uri().path(), "refused a request from another site");
        return refusal::forged(&headers);
    }
    let declared_length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared_length.is_some_and(|n| n > MAX_BODY_BYTES) {
        return refusal::too_large(&headers);
    }
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY_BYTES).await else {
        return refusal::too_large(&headers);
    };
    let expected = match &session {
        Some(session) => match session.get::<String>(FORM_TOKEN_SESSION_KEY).await {
            Ok(token) => token,
            Err(e) => return session_error(e),
        },
        None => None,
    };
    let token_ok = match (sent_token(&headers, &body), expected) {
        (Some(sent), Some(expected)) => bool::from(sent.as_bytes().ct_eq(expected.as_bytes())),
        (Some(_), None) => false,
        (None, _) => provenance == Provenance::SameOrigin,
    };
    if !token_ok {
        tracing::warn!(path = %parts.uri.path(), ?provenance, "refused a post without a valid form token");
        return refusal::forged(&headers);
    }
    if parts.uri.path().starts_with("/api/") {
        if let Err(error) = form_fields::check(&body) {
            return refusal::refuse(
                &headers,
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                error,
            );
        }
    }
    next.run(Request::from_parts(parts, Body::from(body))).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const HOME: &str = "https://portal.example";

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn provenance_is_read_from_the_browsers_headers() {
        use Provenance::*;
        let cases: &[(&[(&str, &str)], Provenance)] = &[
            (&[("sec-fetch-site", "same-origin")], SameOrigin),
            (&[("sec-fetch-site", "same-site")], CrossSite),
            (&[("sec-fetch-site", "cross-site")], CrossSite),
            (&[("sec-fetch-site", "none")], CrossSite),
            // Sec-Fetch-Site decides when present, whatever Origin says.
            (
                &[("sec-fetch-site", "cross-site"), ("origin", HOME)],
                CrossSite,
            ),
            (&[("origin", "https://portal.example")], SameOrigin),
            (&[("origin", "https://portal.example:443")], SameOrigin),
            (&[("origin", "null")], CrossSite),
            (&[("origin", "https://evil.example")], CrossSite),
            (&[("origin", "https://sub.portal.example")], CrossSite),
            (&[("origin", "http://portal.example")], CrossSite),
            (
                &[("origin", "https://portal.example.evil.example")],
                CrossSite,
            ),
            (&[("referer", "https://portal.example/people")], SameOrigin),
            (
                &[("referer", "https://evil.example/https://portal.example/")],
                CrossSite,
            ),
            (&[("referer", "https://sub.portal.example/")], CrossSite),
            (&[], Unknown),
        ];
        for (pairs, expected) in cases {
            assert_eq!(provenance(&headers(pairs), HOME), *expected, "{pairs:?}");
        }
    }

    #[test]
    fn the_token_is_read_from_the_form_or_the_header() {
        let none = HeaderMap::new();
        assert_eq!(
            sent_token(&none, b"a=1&csrf_token=abc&b=2").as_deref(),
            Some("abc")
        );
        assert_eq!(sent_token(&none, b"a=1"), None);
        let h = headers(&[("x-csrf-token", "xyz")]);
        assert_eq!(sent_token(&h, b"csrf_token=abc").as_deref(), Some("xyz"));
    }

    #[test]
    fn only_page_views_get_a_token() {
        assert!(is_page("/"));
        assert!(is_page("/enrollments/10000001"));
        assert!(!is_page("/pkg/vl-portal.js"));
        assert!(!is_page("/api/sign-in"));
        assert!(!is_page("/favicon.ico"));
        assert!(
            is_page("/activate/k1.0123abcd"),
            "activation links name their key with a dot"
        );
    }
}
