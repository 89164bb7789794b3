//! The CSV downloads of `app::exports`: the signed-in user read from the
//! session as every page reads it, the export's own access checks, then the
//! rows streamed as they are read. The answer is private to the user: never
//! cached, offered as a file.

use crate::edge::refusal;
use app::auth::CurrentUser;
use app::exports::{self, Export};
use app::state::AppState;
use app::AppError;
use axum::body::Body;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use futures::StreamExt;
use std::future::Future;
use tower_sessions::Session;

/// The download routes; they need the session layer around them.
pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/reservations.csv", get(reservations))
        .route("/audit-trail.csv", get(audit_trail))
        .route(
            "/enrollments/{number}/license-summary.csv",
            get(license_summary),
        )
        .route("/enrollments/{number}/orders.csv", get(orders))
        .with_state(state)
}

async fn reservations(
    State(state): State<AppState>,
    uri: OriginalUri,
    session: Session,
) -> Response {
    download(state, uri, session, exports::reservations).await
}

async fn audit_trail(
    State(state): State<AppState>,
    uri: OriginalUri,
    session: Session,
) -> Response {
    download(state, uri, session, exports::audit_trail).await
}

async fn license_summary(
    State(state): State<AppState>,
    uri: OriginalUri,
    Path(number): Path<String>,
    session: Session,
) -> Response {
    download(state, uri, session, |state, user| async move {
        exports::license_summary(state, user, &number).await
    })
    .await
}

async fn orders(
    State(state): State<AppState>,
    uri: OriginalUri,
    Path(number): Path<String>,
    session: Session,
) -> Response {
    download(state, uri, session, |state, user| async move {
        exports::orders(state, user, &number).await
    })
    .await
}

/// Signs the user in first if need be (and comes back here), runs the
/// export's checks, then streams it.
async fn download<F, Fut>(
    state: AppState,
    uri: OriginalUri,
    session: Session,
    export: F,
) -> Response
where
    F: FnOnce(AppState, CurrentUser) -> Fut,
    Fut: Future<Output = Result<Export, AppError>>,
{
    let user = match app::auth::ssr::user_of_session(&state, &session).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            let back: String = form_urlencoded::byte_serialize(uri.path().as_bytes()).collect();
            return Redirect::to(&format!("/sign-in?next={back}")).into_response();
        }
        Err(e) => return refused(&e),
    };
    match export(state, user).await {
        Ok(export) => streamed(export),
        Err(e) => refused(&e),
    }
}

fn streamed(export: Export) -> Response {
    let body = export.body.map(|chunk| {
        chunk.map_err(|e| {
            tracing::error!(error = %e, "an export stopped half-way");
            std::io::Error::other("the export stopped")
        })
    });
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", export.file_name),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// The portal's refusal page, with the error's status and its words.
pub(crate) fn refused(error: &AppError) -> Response {
    let status =
        StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let heading = match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Not allowed",
        _ => "Something went wrong",
    };
    refusal::page(status, heading, &error.to_string())
}
