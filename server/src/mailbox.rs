//! The demo Mailbox's HTML parts, each the document of the sandboxed frame
//! the Mailbox page shows it in. The document carries a policy of its own
//! (`MAILBOX_FRAME_POLICY`): no script, nothing loaded, only its inline
//! styles, framed by the portal's own pages alone; the page around it keeps
//! the portal's strict policy.

use crate::exports::refused;
use app::state::AppState;
use app::AppError;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_sessions::Session;

/// The policy of an email's HTML shown in the Mailbox: an email's styles are
/// inline; nothing else runs or loads, and the document is sandboxed even if
/// opened on its own.
pub const MAILBOX_FRAME_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox";

/// The route; it needs the session layer around it.
pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/mailbox/{id}/html", get(html_part))
        .with_state(state)
}

async fn html_part(
    State(state): State<AppState>,
    Path(id): Path<String>,
    session: Session,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return refused(&AppError::NotFound);
    };
    let user = match app::auth::ssr::user_of_session(&state, &session).await {
        Ok(Some(user)) => user,
        // A frame has no sign-in page to go to.
        Ok(None) => return refused(&AppError::NotFound),
        Err(e) => return refused(&e),
    };
    match app::activation::mailbox_html(&state, &user, id).await {
        Ok(html) => {
            let mut response = (
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                html,
            )
                .into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(MAILBOX_FRAME_POLICY),
            );
            headers.insert(
                header::X_FRAME_OPTIONS,
                HeaderValue::from_static("SAMEORIGIN"),
            );
            response
        }
        Err(e) => refused(&e),
    }
}
