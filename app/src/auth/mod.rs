//! Signing in and out, and who the signed-in user is.

mod pages;
#[cfg(feature = "ssr")]
pub mod security_log;
#[cfg(feature = "ssr")]
pub mod sessions;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use pages::{SignInPage, SignOutButton};

use crate::domain::{OrganisationId, Role, UserId};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The signed-in portal user, as pages see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    /// Whether this user may read the demo mailbox: this portal delivers email
    /// there (no SMTP server) and the role reads it.
    pub demo_mailbox: bool,
}

/// One of the user's signed-in sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInSession {
    pub id: i64,
    pub started: String,
    pub last_active: String,
    pub address: String,
    pub browser: String,
    pub is_this_one: bool,
}

/// The signed-in user, loaded by the layout; pages read it from context.
#[derive(Clone, Copy)]
pub struct CurrentUserResource(pub Resource<Result<Option<CurrentUser>, AppError>>);

/// Who is signed in on this session, if anyone.
#[server(endpoint = "current-user")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    crate::response::respond(ssr::current_user().await)
}

/// Signs in with an email and a password, then goes to `next` (a path in the portal).
#[server(endpoint = "sign-in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    crate::response::respond(ssr::sign_in(&email, &password, next.as_deref()).await)
}

/// Ends the session on the server and goes to the sign-in page.
#[server(endpoint = "sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    crate::response::respond(ssr::sign_out().await)
}

/// Keeps only a path inside the portal, so that `next` can never send a user
/// to another site after signing in, nor make an invalid `Location` header.
///
/// The value is read as a browser reads a URL: leading and trailing spaces and
/// control characters dropped, tabs and new lines removed anywhere, backslashes
/// taken for slashes. What is left must be a path (one `/`, then not a second
/// `/`); anything else, and anything too long, is `/`. Characters outside
/// printable ASCII are percent-encoded, so the result is always a valid header.
pub fn safe_next_path(next: Option<&str>) -> String {
    const LONGEST: usize = 2048;
    let Some(raw) = next else {
        return "/".into();
    };
    let trimmed = raw.trim_matches(|c: char| c <= ' ');
    let parsed: String = trimmed
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .map(|c| if c == '\\' { '/' } else { c })
        .collect();
    let mut chars = parsed.chars();
    let is_path = chars.next() == Some('/') && chars.next() != Some('/');
    if !is_path || parsed.len() > LONGEST {
        return "/".into();
    }
    let mut safe = String::with_capacity(parsed.len());
    for c in parsed.chars() {
        if c.is_ascii_graphic() {
            safe.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                safe.push_str(&format!("%{b:02X}"));
            }
        }
    }
    safe
}

#[cfg(test)]
mod tests {
    use super::safe_next_path;

    #[test]
    fn next_stays_inside_the_portal() {
        // (value of `next`, where the browser goes after signing in)
        let cases: &[(&str, &str)] = &[
            ("/enrollments?page=2", "/enrollments?page=2"),
            (
                "/enrollments/10000001#contacts",
                "/enrollments/10000001#contacts",
            ),
            ("/", "/"),
            ("", "/"),
            ("enrollments", "/"),
            ("https://evil.example", "/"),
            ("http:evil.example", "/"),
            ("//evil.example", "/"),
            ("///evil.example", "/"),
            ("/\\evil.example", "/"),
            ("\\/evil.example", "/"),
            ("\\\\evil.example", "/"),
            ("/\t/evil.example/phish", "/"),
            ("/\n/evil.example", "/"),
            ("/\r\n/evil.example", "/"),
            ("\t//evil.example", "/"),
            (" //evil.example", "/"),
            ("\u{0}//evil.example", "/"),
            ("\u{1f}//evil.example", "/"),
            ("/%09/evil.example", "/%09/evil.example"),
            ("/%2F%2Fevil.example", "/%2F%2Fevil.example"),
            ("javascript:alert(1)", "/"),
            ("data:text/html,<script>alert(1)</script>", "/"),
            ("/\r\nSet-Cookie: x=1", "/Set-Cookie:%20x=1"),
            ("/a\u{0}b", "/a%00b"),
            ("/café", "/caf%C3%A9"),
            ("/a b", "/a%20b"),
        ];
        for (next, expected) in cases {
            assert_eq!(safe_next_path(Some(next)), *expected, "next = {next:?}");
        }
        assert_eq!(safe_next_path(None), "/");
        assert_eq!(safe_next_path(Some(&format!("/{}", "a".repeat(5000)))), "/");
    }

    #[test]
    fn every_answer_is_a_valid_header_value() {
        for c in (0u8..=255).map(char::from).chain(['é', '\u{2028}', '😀']) {
            let next = format!("/x{c}y");
            let path = safe_next_path(Some(&next));
            assert!(
                path.bytes().all(|b| b.is_ascii_graphic()),
                "{next:?} gave {path:?}"
            );
            assert!(!path.starts_with("//"));
        }
    }
}
