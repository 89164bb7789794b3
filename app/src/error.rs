//! The one error type every server function returns.
//!
//! Each variant carries a message written for the person using the portal; the
//! cause of an `Internal` error is logged on the server and never sent out.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// An error a server function can answer with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The caller is not signed in.
    #[error("Please sign in to continue.")]
    Unauthenticated,
    /// The caller is signed in but their role does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// The thing does not exist, or the caller may not know that it does.
    #[error("We could not find that page.")]
    NotFound,
    /// One input field is invalid; `field` is the form field's name.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// The email and password do not match an active account.
    #[error("The email or password is incorrect.")]
    BadCredentials,
    /// Too many attempts in a short time.
    #[error("Too many sign-in attempts. Wait a minute, then try again.")]
    TooManyAttempts,
    /// The record changed since the caller read it.
    #[error("{0}")]
    Conflict(String),
    /// Something failed on the server; details are in the server log only.
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
}

impl AppError {
    /// A validation error for one form field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// The message for `field`, when this error is about that field.
    pub fn for_field(&self, field: &str) -> Option<String> {
        match self {
            AppError::Invalid { field: f, message } if f == field => Some(message.clone()),
            _ => None,
        }
    }

    /// The HTTP status code this error answers with.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::BadCredentials => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound => 404,
            AppError::Invalid { .. } => 422,
            AppError::Conflict(_) => 409,
            AppError::TooManyAttempts => 429,
            AppError::Internal => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Malformed arguments come from a hand-made request or a stale page.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::Deserialization(_) => AppError::invalid(
                "form",
                "The form could not be read. Reload the page and try again.",
            ),
            _ => AppError::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::AppError;

    impl From<sqlx::Error> for AppError {
        fn from(err: sqlx::Error) -> Self {
            tracing::error!(error = %err, "database error");
            AppError::Internal
        }
    }

    impl From<tokio::task::JoinError> for AppError {
        fn from(err: tokio::task::JoinError) -> Self {
            tracing::error!(error = %err, "blocking task failed");
            AppError::Internal
        }
    }
}
