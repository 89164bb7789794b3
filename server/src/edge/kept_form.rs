//! What was typed survives a refusal, with JavaScript or without.
//!
//! Every form posts as plain HTML. A server function that refuses a form
//! sends the browser back to the page it came from, with the error in the
//! address. Before that answer leaves, the refused form's fields are kept in
//! the session (never a password, a code, a token or the form's own keys);
//! when the browser then asks for that page, the values are put back into the
//! form that posted them (same `action`), once, by rewriting the page's HTML
//! with `lol_html` on its way out. Only controls a person types into or picks
//! are filled: never a password, hidden, file or button input.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use lol_html::html_content::{ContentType, Element};
use lol_html::{ElementContentHandlers, HandlerResult, RewriteStrSettings, Selector};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::cell::RefCell;
use tower_sessions::Session;

/// The session key of the form waiting for its page.
const SESSION_KEY: &str = "kept_form";
/// The largest page rewritten; pages with forms are far smaller.
const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;

/// A refused form's fields, waiting for the page it is sent back to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct KeptForm {
    /// The server function's path: the `action` of the form that posted.
    action: String,
    /// The path of the page the browser is sent back to.
    page: String,
    values: Vec<(String, String)>,
}

/// A field never kept, whatever its type on the page.
fn is_secret(name: &str) -> bool {
    name.contains("password") || name.contains("token") || matches!(name, "code" | "request_key")
}

/// A path safe to put inside a CSS attribute selector.
fn plain_path(path: &str) -> bool {
    path.starts_with('/')
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'.'))
}

/// The path of a `Location`, absolute or not.
fn path_of(location: &str) -> &str {
    let rest = match location.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => location,
    };
    rest.split(['?', '#']).next().unwrap_or("/")
}

fn is_form_post(request: &Request) -> bool {
    request.method() == Method::POST
        && request.uri().path().starts_with("/api/")
        && request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// The middleware, inside the session layer and after the forgery guard has
/// bounded the body.
pub async fn keep(request: Request, next: Next) -> Response {
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        return next.run(request).await;
    };
    if is_form_post(&request) {
        return keep_if_refused(session, request, next).await;
    }
    if request.method() == Method::GET && !request.uri().path().starts_with("/api/") {
        return put_back_if_kept(session, request, next).await;
    }
    next.run(request).await
}

async fn keep_if_refused(session: Session, request: Request, next: Next) -> Response {
    let action = request.uri().path().to_string();
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, super::MAX_BODY_BYTES).await else {
        return super::refusal::too_large(&parts.headers);
    };
    let values: Vec<(String, String)> = form_urlencoded::parse(&bytes)
        .filter(|(name, _)| !is_secret(name))
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let refused_to = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .filter(|location| response.status().is_redirection() && location.contains("__err="));
    if let Some(location) = refused_to {
        let kept = KeptForm {
            action,
            page: path_of(location).to_string(),
            values,
        };
        if let Err(e) = session.insert(SESSION_KEY, &kept).await {
            // The form comes back empty: worth a line, not a failure.
            tracing::warn!(error = %e, "could not keep a refused form's values");
        }
    }
    response
}

async fn put_back_if_kept(session: Session, request: Request, next: Next) -> Response {
    let kept = match session.get::<KeptForm>(SESSION_KEY).await {
        Ok(Some(kept)) => kept,
        _ => return next.run(request).await,
    };
    // Once: whichever page comes next takes it.
    let _ = session.remove::<KeptForm>(SESSION_KEY).await;
    let same_page = request.uri().path() == kept.page;
    let response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !same_page || !is_html || !response.status().is_success() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_PAGE_BYTES).await else {
        return super::refusal::page(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "Something went wrong on our side. Please try again in a moment.",
        );
    };
    let page = match std::str::from_utf8(&bytes)
        .ok()
        .and_then(|html| put_back(html, &kept))
    {
        Some(rewritten) => Body::from(rewritten),
        None => Body::from(bytes),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Response::from_parts(parts, page)
}

type Handler<'h> = (Cow<'static, Selector>, ElementContentHandlers<'h>);

fn handler<'h>(
    selector: &str,
    on: impl FnMut(&mut Element<'_, '_>) -> HandlerResult + 'h,
) -> Option<Handler<'h>> {
    let selector = selector.parse::<Selector>().ok()?;
    Some((
        Cow::Owned(selector),
        ElementContentHandlers::default().element(on),
    ))
}

/// `html` with `kept`'s values in the form whose action posted them; `None`
/// when there is nothing to do or the page cannot be read.
fn put_back(html: &str, kept: &KeptForm) -> Option<String> {
    if !plain_path(&kept.action) || kept.values.is_empty() {
        return None;
    }
    let first = |name: &str| {
        kept.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let chosen = |name: &str, value: &str| kept.values.iter().any(|(n, v)| n == name && v == value);
    let form = format!(r#"form[action="{}"]"#, kept.action);
    // The select whose options are being read (handlers run in document order).
    let select = RefCell::new(None::<String>);
    let handlers = vec![
        handler(&format!("{form} input[name]"), |el| {
            let name = el.get_attribute("name").unwrap_or_default();
            let kind = el
                .get_attribute("type")
                .unwrap_or_default()
                .to_ascii_lowercase();
            if is_secret(&name)
                || matches!(
                    kind.as_str(),
                    "password" | "hidden" | "file" | "submit" | "button" | "reset" | "image"
                )
            {
                return Ok(());
            }
            if kind == "checkbox" || kind == "radio" {
                let value = el.get_attribute("value").unwrap_or_else(|| "on".into());
                if chosen(&name, &value) {
                    el.set_attribute("checked", "")?;
                } else {
                    el.remove_attribute("checked");
                }
            } else if let Some(value) = first(&name) {
                el.set_attribute("value", value)?;
            }
            Ok(())
        })?,
        handler(&format!("{form} select"), |el| {
            *select.borrow_mut() = el.get_attribute("name").filter(|n| !is_secret(n));
            Ok(())
        })?,
        handler(&format!("{form} select option"), |el| {
            let Some(name) = select.borrow().clone() else {
                return Ok(());
            };
            if first(&name).is_none() {
                return Ok(());
            }
            let value = el.get_attribute("value").unwrap_or_default();
            if chosen(&name, &value) {
                el.set_attribute("selected", "")?;
            } else {
                el.remove_attribute("selected");
            }
            Ok(())
        })?,
        handler(&format!("{form} textarea[name]"), |el| {
            let name = el.get_attribute("name").unwrap_or_default();
            if let Some(value) = first(&name).filter(|_| !is_secret(&name)) {
                el.set_inner_content(value, ContentType::Text);
            }
            Ok(())
        })?,
    ];
    let mut settings = RewriteStrSettings::new();
    for h in handlers {
        settings = settings.append_element_content_handler(h);
    }
    lol_html::rewrite_str(html, settings).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(values: &[(&str, &str)]) -> KeptForm {
        KeptForm {
            action: "/api/contacts/submit".into(),
            page: "/enrollments/1".into(),
            values: values
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        }
    }

    const PAGE: &str = r#"<form action="/api/other"><input name="email"></form><form method="post" action="/api/contacts/submit"><input name="email" value="old"><input type="password" name="password"><input type="hidden" name="enrollment" value="1"><input type="checkbox" name="resend" value="yes" checked><select name="role"><option value="">Choose</option><option value="osm" selected>OSM</option><option value="ola">OLA</option></select><textarea name="comment"></textarea></form>"#;

    #[test]
    fn the_posting_form_gets_what_was_typed_and_no_other_form_does() {
        let page = put_back(
            PAGE,
            &kept(&[
                ("email", "a\"b@x.example"),
                ("role", "ola"),
                ("comment", "<b>late</b>"),
                ("enrollment", "999"),
            ]),
        )
        .unwrap();
        assert!(page.starts_with(r#"<form action="/api/other"><input name="email"></form>"#));
        assert!(
            page.contains(r#"<input name="email" value="a&quot;b@x.example">"#),
            "{page}"
        );
        assert!(page.contains(r#"<input type="hidden" name="enrollment" value="1">"#));
        // The unticked box is unticked again; the select's choice moved.
        assert!(
            page.contains(r#"<input type="checkbox" name="resend" value="yes">"#),
            "{page}"
        );
        assert!(
            page.contains(r#"<option value="osm">OSM</option><option value="ola" selected="">"#),
            "{page}"
        );
        assert!(
            page.contains("<textarea name=\"comment\">&lt;b&gt;late&lt;/b&gt;</textarea>"),
            "{page}"
        );
    }

    #[test]
    fn a_password_is_never_put_back_even_under_another_name() {
        let page = put_back(PAGE, &kept(&[("password", "hunter2")])).unwrap();
        assert!(!page.contains("hunter2"), "{page}");
        assert!(page.contains(r#"<input type="password" name="password">"#));
        assert!(is_secret("new_password") && is_secret("form_token") && is_secret("code"));
        let page =
            r#"<form action="/api/contacts/submit"><input type="password" name="pin"></form>"#;
        assert_eq!(
            put_back(page, &kept(&[("pin", "1234")])).as_deref(),
            Some(page)
        );
    }

    #[test]
    fn an_action_that_is_not_a_plain_path_is_left_alone() {
        let mut form = kept(&[("email", "a@x.example")]);
        form.action = r#"/api/x"] input, form[action="/api/y"#.into();
        assert_eq!(put_back(PAGE, &form), None);
    }

    #[test]
    fn the_page_of_a_location_is_its_path() {
        assert_eq!(
            path_of("http://127.0.0.1:3000/enrollments/1?__err=x"),
            "/enrollments/1"
        );
        assert_eq!(path_of("/people?__err=x#top"), "/people");
        assert_eq!(path_of("https://portal.example"), "/");
    }
}
