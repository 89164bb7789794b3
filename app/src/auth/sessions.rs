//! Signed-in sessions as their user sees them: each sign-in is a row, started,
//! last active, from which address and browser. The session record holds the
//! row's id; a session whose row is ended is signed out at its next request,
//! on every portal instance, because every request reads the row. Server only.

use super::SignedInSession;
use crate::db::{Db, Tx};
use crate::domain::{format_time, UserId};
use crate::error::AppError;

/// Why sessions were ended, as the user's list and the audit trail say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    SignedOut,
    SignedOutElsewhere,
    PasswordChanged,
    PasswordReset,
    Deactivated,
    SecondFactorReset,
}

impl EndReason {
    fn code(self) -> &'static str {
        match self {
            EndReason::SignedOut => "signed out",
            EndReason::SignedOutElsewhere => "signed out from another session",
            EndReason::PasswordChanged => "password changed",
            EndReason::PasswordReset => "password reset",
            EndReason::Deactivated => "account deactivated",
            EndReason::SecondFactorReset => "two-step sign-in reset",
        }
    }
}

/// Where the request comes from: the client's address and a short name of
/// its browser.
pub fn request_origin() -> (String, String) {
    use axum::http::{header::USER_AGENT, request::Parts};
    let address = crate::auth::ssr::client_address();
    let parts = leptos::prelude::use_context::<Parts>();
    let agent = parts
        .as_ref()
        .and_then(|p| p.headers.get(USER_AGENT))
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    (address, browser_name(agent))
}

/// "Chrome on Linux", from a User-Agent header; never the raw header.
pub fn browser_name(agent: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .into_iter()
    .find(|(mark, _)| agent.contains(mark))
    .map(|(_, name)| name);
    let system = [
        ("Windows", "Windows"),
        ("iPhone", "iOS"),
        ("iPad", "iOS"),
        ("Android", "Android"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(mark, _)| agent.contains(mark))
    .map(|(_, name)| name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.into(),
        (None, Some(s)) => format!("A browser on {s}"),
        (None, None) => "Unknown browser".into(),
    }
}

/// Records a new sign-in of `user_id`; returns the row's id.
pub async fn start(db: &Db, user_id: UserId, now: i64) -> Result<i64, AppError> {
    let (address, browser) = request_origin();
    Ok(sqlx::query_scalar::<_, i64>(
        "INSERT INTO user_sessions (user_id, started_at, last_active_at, address, browser) \
         VALUES ($1, $2, $2, $3, $4) RETURNING id",
    )
    .bind(user_id)
    .bind(now)
    .bind(address)
    .bind(browser)
    .fetch_one(db.writer())
    .await?)
}

/// Notes that the session was used, at most once a minute.
pub async fn touch(db: &Db, id: i64, last_active_at: i64, now: i64) -> Result<(), AppError> {
    if now - last_active_at >= 60 {
        sqlx::query("UPDATE user_sessions SET last_active_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(db.writer())
            .await?;
    }
    Ok(())
}

/// Ends every session of `user_id` but `keep`; returns how many ended.
pub async fn end_all_but(
    tx: &mut Tx,
    user_id: UserId,
    keep: Option<i64>,
    reason: EndReason,
    now: i64,
) -> Result<u64, AppError> {
    Ok(sqlx::query(
        "UPDATE user_sessions SET ended_at = $1, ended_reason = $2 \
         WHERE user_id = $3 AND ended_at IS NULL AND id <> $4",
    )
    .bind(now)
    .bind(reason.code())
    .bind(user_id)
    .bind(keep.unwrap_or(0))
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Ends one session of `user_id`; false when it was not theirs or had ended.
pub async fn end_one(
    tx: &mut Tx,
    user_id: UserId,
    id: i64,
    reason: EndReason,
    now: i64,
) -> Result<bool, AppError> {
    Ok(sqlx::query(
        "UPDATE user_sessions SET ended_at = $1, ended_reason = $2 \
         WHERE id = $3 AND user_id = $4 AND ended_at IS NULL",
    )
    .bind(now)
    .bind(reason.code())
    .bind(id)
    .bind(user_id)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        > 0)
}

/// The user's sessions still signed in, newest first; `current` is marked.
pub async fn signed_in_sessions(
    db: &Db,
    user_id: UserId,
    current: i64,
    live_since: i64,
) -> Result<Vec<SignedInSession>, AppError> {
    let rows = sqlx::query_as::<_, (i64, i64, i64, String, String)>(
        "SELECT id, started_at, last_active_at, address, browser FROM user_sessions \
         WHERE user_id = $1 AND ended_at IS NULL AND started_at > $2 ORDER BY id DESC LIMIT 100",
    )
    .bind(user_id)
    .bind(live_since)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, started, last, address, browser)| SignedInSession {
            id,
            started: format_time(started),
            last_active: format_time(last),
            address,
            browser,
            is_this_one: id == current,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::browser_name;

    #[test]
    fn a_browser_is_named_not_quoted() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36";
        assert_eq!(browser_name(chrome), "Chrome on Linux");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0";
        assert_eq!(browser_name(edge), "Edge on Windows");
        assert_eq!(
            browser_name("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1"),
            "Safari on iOS"
        );
        assert_eq!(browser_name(""), "Unknown browser");
        assert_eq!(browser_name("<script>"), "Unknown browser");
    }
}
