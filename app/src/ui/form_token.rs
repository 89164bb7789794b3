//! The anti-forgery token every form carries. The edge (`server::edge`) gives
//! each session one, puts it in the request for the pages to write into their
//! forms, and refuses a form post whose token does not match the session's.
//! Browsers also prove where a post comes from with their own headers; the
//! token covers clients that send none of them.

use leptos::prelude::*;

/// The form field that carries the token (the name scanners and proxies know).
pub const FORM_TOKEN_FIELD: &str = "csrf_token";

/// Where the session keeps its token.
pub const FORM_TOKEN_SESSION_KEY: &str = "csrf_token";

/// This request's token, put in the request's extensions by the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormTokenValue(pub String);

/// A fresh token: 256 random bits in hex.
#[cfg(feature = "ssr")]
pub fn new_form_token() -> String {
    crate::keys::secret()
}

/// The hidden field with the session's token; goes inside every form that posts.
#[component]
pub fn FormToken() -> impl IntoView {
    view! { <input type="hidden" name=FORM_TOKEN_FIELD value=request_form_token()/> }
}

#[cfg(feature = "ssr")]
fn request_form_token() -> String {
    use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<FormTokenValue>().cloned())
        .map(|FormTokenValue(token)| token)
        .unwrap_or_default()
}

// In the browser the field keeps what the server wrote: hydration does not
// touch a static attribute. A hydrated form posts through a fetch, which the
// browser's own headers vouch for.
#[cfg(not(feature = "ssr"))]
fn request_form_token() -> String {
    String::new()
}
