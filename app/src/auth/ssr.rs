//! Server side of sign-in: passwords, sessions and throttling.

use super::{safe_next_path, CurrentUser};
use crate::domain::{EmailAddress, Role};
use crate::error::AppError;
use crate::state::{app_state, AppState};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use tower_sessions::Session;

const USER_ID: &str = "user_id";
const SIGNED_IN_AT: &str = "signed_in_at";
const LAST_SEEN: &str = "last_seen";

fn argon2() -> Argon2<'static> {
    // OWASP's minimum for argon2id: 19 MiB, two passes, one lane.
    let params = Params::new(19_456, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password with argon2id. CPU-heavy: call it off the async workers.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing does not fail on valid parameters")
        .to_string()
}

fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Hashes a password on the blocking thread pool.
pub async fn hash_password_off_thread(password: String) -> Result<String, AppError> {
    Ok(tokio::task::spawn_blocking(move || hash_password(&password)).await?)
}

async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "session layer missing");
        AppError::Internal
    })
}

fn session_error(e: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %e, "session store error");
    AppError::Internal
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    email: String,
    display_name: String,
    role: String,
    organisation_id: i64,
    organisation_name: String,
    password_hash: String,
}

impl UserRow {
    fn into_current_user(self, demo_mailbox: bool) -> Result<CurrentUser, AppError> {
        let role = Role::parse(&self.role).map_err(|e| {
            tracing::error!(error = %e, user = self.id, "bad role in database");
            AppError::Internal
        })?;
        Ok(CurrentUser {
            id: self.id,
            email: self.email,
            display_name: self.display_name,
            role,
            organisation_id: self.organisation_id,
            organisation_name: self.organisation_name,
            demo_mailbox,
        })
    }
}

const USER_SELECT: &str = "SELECT u.id, u.email, u.display_name, u.role, u.organisation_id, \
     o.name AS organisation_name, u.password_hash \
     FROM users u JOIN organisations o ON o.id = u.organisation_id \
     WHERE u.active = 1 AND ";

async fn active_user_by_id(state: &AppState, id: i64) -> Result<Option<UserRow>, AppError> {
    Ok(
        sqlx::query_as::<_, UserRow>(&format!("{USER_SELECT} u.id = $1"))
            .bind(id)
            .fetch_optional(state.db.pool())
            .await?,
    )
}

async fn active_user_by_email(state: &AppState, email: &str) -> Result<Option<UserRow>, AppError> {
    Ok(
        sqlx::query_as::<_, UserRow>(&format!("{USER_SELECT} u.email = $1"))
            .bind(email)
            .fetch_optional(state.db.pool())
            .await?,
    )
}

/// The signed-in user of this request, or `None`. A session past its absolute
/// lifetime, or of a user since deactivated, is ended here.
pub async fn current_user() -> Result<Option<CurrentUser>, AppError> {
    let state = app_state()?;
    let session = session().await?;
    let Some(user_id) = session.get::<i64>(USER_ID).await.map_err(session_error)? else {
        return Ok(None);
    };
    let signed_in_at = session
        .get::<i64>(SIGNED_IN_AT)
        .await
        .map_err(session_error)?
        .unwrap_or(0);
    let lifetime = state.session_absolute_lifetime.as_secs() as i64;
    if state.now_unix() - signed_in_at >= lifetime {
        session.flush().await.map_err(session_error)?;
        return Ok(None);
    }
    match active_user_by_id(&state, user_id).await? {
        Some(row) => {
            keep_alive(&state, &session).await?;
            Ok(Some(row.into_current_user(state.demo_mailbox)?))
        }
        None => {
            session.flush().await.map_err(session_error)?;
            Ok(None)
        }
    }
}

/// Pushes the idle expiry forward. The session is written at most every quarter
/// of the idle timeout (and at least every minute), not on every request.
async fn keep_alive(state: &AppState, session: &Session) -> Result<(), AppError> {
    // Session expiry is wall-clock time in the store, so this uses the real clock.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let every = (state.session_idle_timeout.as_secs() as i64 / 4).clamp(1, 60);
    let last_seen = session
        .get::<i64>(LAST_SEEN)
        .await
        .map_err(session_error)?
        .unwrap_or(0);
    if now - last_seen >= every {
        session
            .insert(LAST_SEEN, now)
            .await
            .map_err(session_error)?;
    }
    Ok(())
}

/// The signed-in user, or `Unauthenticated`. Every server function that needs a
/// user starts here.
pub async fn require_user() -> Result<CurrentUser, AppError> {
    current_user().await?.ok_or(AppError::Unauthenticated)
}

/// The request's state and its signed-in user, or `Unauthenticated`. Server
/// functions start here; the state is taken before the first await, while the
/// request's context is certainly in place.
pub async fn signed_in() -> Result<(AppState, CurrentUser), AppError> {
    let state = app_state()?;
    let user = require_user().await?;
    Ok((state, user))
}

/// Where sign-in attempts come from, for throttling: the address the edge
/// worked out (see `ClientAddress`).
fn client_address() -> String {
    use crate::state::ClientAddress;
    leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<ClientAddress>().copied())
        .map(|ClientAddress(ip)| ip.to_string())
        .unwrap_or_else(|| "unknown".into())
}

async fn recent_failures(state: &AppState, key: &str) -> Result<i64, AppError> {
    let since = state.now_unix() - state.sign_in_limits.window.as_secs() as i64;
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM sign_in_failures WHERE throttle_key = $1 AND failed_at > $2",
    )
    .bind(key)
    .bind(since)
    .fetch_one(state.db.pool())
    .await?)
}

async fn record_failure(state: &AppState, keys: &[&str]) -> Result<(), AppError> {
    let now = state.now_unix();
    let expired = now - state.sign_in_limits.window.as_secs() as i64;
    let mut tx = state.db.begin().await?;
    sqlx::query("DELETE FROM sign_in_failures WHERE failed_at <= $1")
        .bind(expired)
        .execute(&mut *tx)
        .await?;
    for key in keys {
        sqlx::query("INSERT INTO sign_in_failures (throttle_key, failed_at) VALUES ($1, $2)")
            .bind(*key)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Checks the credentials and starts a new session, with a new session id.
pub async fn sign_in(email: &str, password: &str, next: Option<&str>) -> Result<(), AppError> {
    let state = app_state()?;
    let email = EmailAddress::parse(email).map_err(|m| AppError::invalid("email", m))?;
    if password.is_empty() {
        return Err(AppError::invalid("password", "Enter your password."));
    }
    let account_key = format!("account:{}", email.as_str());
    let address_key = format!("address:{}", client_address());
    let limit = i64::from(state.sign_in_limits.max_failures);
    if recent_failures(&state, &account_key).await? >= limit
        || recent_failures(&state, &address_key).await? >= limit
    {
        return Err(AppError::TooManyAttempts);
    }

    let user = active_user_by_email(&state, email.as_str()).await?;
    // An unknown email is checked against a decoy hash so both answers take as long.
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| state.decoy_password_hash.to_string());
    let password = password.to_owned();
    let matches = tokio::task::spawn_blocking(move || password_matches(&password, &hash)).await?;
    let user = match (user, matches) {
        (Some(user), true) => user,
        _ => {
            record_failure(&state, &[&account_key, &address_key]).await?;
            return Err(AppError::BadCredentials);
        }
    };

    sqlx::query("DELETE FROM sign_in_failures WHERE throttle_key = $1")
        .bind(&account_key)
        .execute(state.db.writer())
        .await?;
    let session = session().await?;
    // A new id at sign-in, so that an id planted before sign-in is worthless.
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(USER_ID, user.id)
        .await
        .map_err(session_error)?;
    session
        .insert(SIGNED_IN_AT, state.now_unix())
        .await
        .map_err(session_error)?;
    // A new anti-forgery token too: one seen before sign-in is worth nothing after.
    session
        .insert(
            crate::shell::FORM_TOKEN_SESSION_KEY,
            crate::shell::new_form_token(),
        )
        .await
        .map_err(session_error)?;
    crate::redirect(&safe_next_path(next))?;
    Ok(())
}

/// Deletes the session on the server and sends the browser to the sign-in page.
pub async fn sign_out() -> Result<(), AppError> {
    let session = session().await?;
    session.flush().await.map_err(session_error)?;
    crate::redirect("/sign-in")?;
    Ok(())
}
