//! Signing in and out, and who the signed-in user is.

mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use pages::{SignInPage, SignOutButton};

use crate::domain::Role;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The signed-in portal user, as pages see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organisation_id: i64,
    pub organisation_name: String,
    /// Whether this portal delivers email to the demo mailbox (no SMTP server).
    pub demo_mailbox: bool,
}

/// Who is signed in on this session, if anyone.
#[server(endpoint = "current-user")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    crate::respond(ssr::current_user().await)
}

/// Signs in with an email and a password, then goes to `next` (a path in the portal).
#[server(endpoint = "sign-in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    crate::respond(ssr::sign_in(&email, &password, next.as_deref()).await)
}

/// Ends the session on the server and goes to the sign-in page.
#[server(endpoint = "sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    crate::respond(ssr::sign_out().await)
}

/// Keeps only a path inside the portal, so that `next` can never send a user
/// to another site after signing in.
pub fn safe_next_path(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_string(),
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next_path;

    #[test]
    fn next_stays_inside_the_portal() {
        assert_eq!(
            safe_next_path(Some("/enrollments?page=2")),
            "/enrollments?page=2"
        );
        assert_eq!(safe_next_path(Some("https://evil.example")), "/");
        assert_eq!(safe_next_path(Some("//evil.example")), "/");
        assert_eq!(safe_next_path(Some("/\\evil.example")), "/");
        assert_eq!(safe_next_path(None), "/");
    }
}
