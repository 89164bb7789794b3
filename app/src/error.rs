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

    /// Refuses an empty required field by name, with `message`.
    pub fn require(field: &str, value: &str, message: &str) -> Result<(), AppError> {
        if value.trim().is_empty() {
            Err(AppError::invalid(field, message))
        } else {
            Ok(())
        }
    }

    /// A record number from a form or a query: a positive whole number.
    pub fn parse_number(field: &str, value: &str) -> Result<i64, AppError> {
        value
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| AppError::invalid(field, "Enter a number like 42."))
    }

    /// A yes/no value from a form: `true` or `false`.
    pub fn parse_flag(field: &str, value: &str) -> Result<bool, AppError> {
        match value.trim() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(AppError::invalid(field, "Choose yes or no.")),
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
            // Malformed arguments come from a hand-made request or a stale page;
            // the answer names the field when the reader said which one it was.
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::Deserialization(message) => {
                match field_named_in(&message) {
                    Some(field) if message.contains("missing field") => {
                        AppError::invalid(&field, "This field is missing from the form.")
                    }
                    Some(field) => AppError::invalid(&field, "This field could not be read."),
                    None => AppError::invalid(
                        "form",
                        "The form could not be read. Reload the page and try again.",
                    ),
                }
            }
            _ => AppError::Internal,
        }
    }
}

/// The field a form reader's message names, as in ``missing field `email` ``
/// or `Multiple values for one key: "email"`.
fn field_named_in(message: &str) -> Option<String> {
    let quoted = |open: char, close: char| {
        let start = message.find(open)? + open.len_utf8();
        let len = message[start..].find(close)?;
        Some(message[start..start + len].to_string())
    };
    quoted('`', '`').or_else(|| quoted('"', '"')).filter(|f| {
        !f.is_empty() && f.len() <= 64 && f.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_the_reader_refused_names_its_field() {
        let missing =
            AppError::from_server_fn_error(ServerFnErrorErr::Args("missing field `email`".into()));
        assert_eq!(
            missing.for_field("email").as_deref(),
            Some("This field is missing from the form.")
        );
        let twice = AppError::from_server_fn_error(ServerFnErrorErr::Args(
            "Multiple values for one key: \"enrollment\"".into(),
        ));
        assert!(twice.for_field("enrollment").is_some());
        let vague = AppError::from_server_fn_error(ServerFnErrorErr::Args("bad".into()));
        assert!(vague.for_field("form").is_some());
        assert_eq!(vague.status_code(), 422);
    }

    #[test]
    fn numbers_and_flags_are_read_or_refused_by_name() {
        assert_eq!(AppError::parse_number("ticket", " 42 "), Ok(42));
        for bad in ["", "0", "-1", "4x", "99999999999999999999"] {
            assert!(AppError::parse_number("ticket", bad)
                .unwrap_err()
                .for_field("ticket")
                .is_some());
        }
        assert_eq!(AppError::parse_flag("awaiting_roc", "true"), Ok(true));
        assert!(AppError::parse_flag("awaiting_roc", "yes").is_err());
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
