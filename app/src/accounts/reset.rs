//! Forgotten passwords: a reset link by email (single use, 60 minutes, only
//! the newest works), the same answer in a similar time whether or not the
//! address has an account, and a reset that ends every session of its user.
//! Also the signed-in password change, which needs the current password.
//! Server only.

use super::links::{lookup_hash, mint, LinkPurpose};
use super::password_rules::{check, PasswordOwner};
use crate::accounts::emails::enqueue_account_email;
use crate::accounts::emails::AccountEmail;
use crate::auth::security_log::{log, Action, Person};
use crate::auth::sessions::{end_all_but, EndReason};
use crate::auth::ssr::{
    hash_password_off_thread, is_throttled, record_failure, throttle_keys,
    verify_password_off_thread,
};
use crate::auth::CurrentUser;
use crate::domain::EmailAddress;
use crate::domain::{OrganisationId, UserId};
use crate::error::AppError;
use crate::state::AppState;
use std::time::Duration;

/// No answer to a reset request comes sooner than this, so that the time it
/// takes does not tell whether the address has an account.
pub const ANSWER_FLOOR: Duration = Duration::from_millis(300);
/// Reset emails one account may be sent in an hour.
pub const EMAILS_PER_HOUR: i64 = 3;

#[derive(sqlx::FromRow)]
struct Owner {
    id: UserId,
    organisation_id: OrganisationId,
    organisation_name: String,
    display_name: String,
    email: String,
}

impl Owner {
    fn person(&self) -> Person {
        Person {
            id: self.id,
            organisation_id: self.organisation_id,
            display_name: self.display_name.clone(),
            email: self.email.clone(),
        }
    }
}

const OWNER_SELECT: &str =
    "SELECT u.id, u.organisation_id, o.name AS organisation_name, u.display_name, u.email \
     FROM users u JOIN organisations o ON o.id = u.organisation_id";

/// Sends a reset link to `email` if an active account has it. The caller
/// answers the same either way.
pub async fn request(state: &AppState, email: &str) -> Result<(), AppError> {
    let email = EmailAddress::parse(email).map_err(|m| AppError::invalid("email", m))?;
    let started = tokio::time::Instant::now();
    let outcome = send_link(state, email.as_str()).await;
    tokio::time::sleep_until(started + ANSWER_FLOOR).await;
    outcome
}

async fn send_link(state: &AppState, email: &str) -> Result<(), AppError> {
    let owner = sqlx::query_as::<_, Owner>(&format!(
        "{OWNER_SELECT} WHERE u.email = $1 AND u.active = 1"
    ))
    .bind(email)
    .fetch_optional(state.db.pool())
    .await?;
    let Some(owner) = owner else {
        return Ok(());
    };
    let now = state.now_unix();
    let recent = sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM password_resets WHERE user_id = $1 AND created_at > $2",
    )
    .bind(owner.id)
    .bind(now - 3600)
    .fetch_one(state.db.pool())
    .await?;
    if recent >= EMAILS_PER_HOUR {
        tracing::info!(
            user = %owner.id,
            "password reset not sent: hourly limit reached"
        );
        return Ok(());
    }
    let link = mint(&state.link_keys, LinkPurpose::PasswordReset);
    let mut tx = state.db.begin().await?;
    // Only the newest link works.
    sqlx::query(
        "UPDATE password_resets SET ended_at = $1 WHERE user_id = $2 AND used_at IS NULL AND ended_at IS NULL",
    )
    .bind(now)
    .bind(owner.id)
    .execute(&mut *tx)
    .await?;
    let id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO password_resets (user_id, link_salt, link_key_id, token_hash, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(owner.id)
    .bind(&link.salt)
    .bind(&link.key_id)
    .bind(&link.token_hash)
    .bind(now + LinkPurpose::PasswordReset.lifetime_seconds())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    enqueue_account_email(&mut tx, AccountEmail::PasswordReset(id), &owner.email, now).await?;
    log(
        &mut tx,
        &owner.person(),
        None,
        Action::PasswordResetRequested,
        None,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

const NOT_VALID: &str = "This reset link does not work: it was used already, or a newer one was sent. Ask for a new link below.";

#[derive(sqlx::FromRow)]
struct ResetRow {
    id: i64,
    user_id: i64,
    expires_at: i64,
    used_at: Option<i64>,
    ended_at: Option<i64>,
}

async fn open_reset(state: &AppState, token: &str) -> Result<(ResetRow, Owner), AppError> {
    super::links::require_token(token)?;
    let reset = sqlx::query_as::<_, ResetRow>(
        "SELECT id, user_id, expires_at, used_at, ended_at FROM password_resets WHERE token_hash = $1",
    )
    .bind(lookup_hash(token))
    .fetch_optional(state.db.pool())
    .await?
    .filter(|r| r.used_at.is_none() && r.ended_at.is_none())
    .ok_or_else(|| AppError::Conflict(NOT_VALID.into()))?;
    if reset.expires_at <= state.now_unix() {
        return Err(AppError::Conflict(
            "This reset link has expired: links work for 60 minutes. Ask for a new one below."
                .into(),
        ));
    }
    let owner =
        sqlx::query_as::<_, Owner>(&format!("{OWNER_SELECT} WHERE u.id = $1 AND u.active = 1"))
            .bind(reset.user_id)
            .fetch_optional(state.db.pool())
            .await?
            .ok_or_else(|| AppError::Conflict(NOT_VALID.into()))?;
    Ok((reset, owner))
}

/// Whether a reset link still works (for the page that asks for the new password).
pub async fn check_link(state: &AppState, token: &str) -> Result<String, AppError> {
    open_reset(state, token).await.map(|(_, owner)| owner.email)
}

/// Sets a new password through a reset link: the link is used up, every
/// session of the user ends, and the reset is recorded.
pub async fn complete(state: &AppState, token: &str, password: &str) -> Result<(), AppError> {
    super::password_rules::check_length(password).map_err(|m| AppError::invalid("password", m))?;
    let (reset, owner) = open_reset(state, token).await?;
    check(
        password,
        PasswordOwner {
            email: &owner.email,
            organisation: &owner.organisation_name,
        },
    )
    .map_err(|m| AppError::invalid("password", m))?;
    let hash = hash_password_off_thread(password.to_string()).await?;
    let now = state.now_unix();
    let mut tx = state.db.begin().await?;
    let used = sqlx::query(
        "UPDATE password_resets SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND ended_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(reset.id)
    .execute(&mut *tx)
    .await?;
    if used.rows_affected() == 0 {
        return Err(AppError::Conflict(NOT_VALID.into()));
    }
    sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now)
        .bind(owner.id)
        .execute(&mut *tx)
        .await?;
    let ended = end_all_but(&mut tx, owner.id, None, EndReason::PasswordReset, now).await?;
    // The person proved they hold the mailbox: earlier failures no longer lock them out.
    sqlx::query("DELETE FROM sign_in_failures WHERE throttle_key = $1")
        .bind(&throttle_keys(&owner.email)[0])
        .execute(&mut *tx)
        .await?;
    log(
        &mut tx,
        &owner.person(),
        None,
        Action::PasswordReset,
        Some(format!("Through an emailed link; {ended} session(s) ended")),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes the signed-in user's password: the current one must be right; every
/// other session of theirs ends.
pub async fn change(
    state: &AppState,
    user: &CurrentUser,
    this_sign_in: i64,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    AppError::require("current_password", current, "Enter your current password.")?;
    super::password_rules::check_length(new).map_err(|m| AppError::invalid("new_password", m))?;
    let [account_key, address_key] = throttle_keys(&user.email);
    if is_throttled(state, &[&account_key, &address_key]).await? {
        return Err(AppError::TooManyAttempts);
    }
    let stored = sqlx::query_scalar::<_, String>("SELECT password_hash FROM users WHERE id = $1")
        .bind(user.id)
        .fetch_one(state.db.pool())
        .await?;
    if !verify_password_off_thread(current.to_string(), stored).await? {
        record_failure(state, &[&account_key, &address_key]).await?;
        return Err(AppError::invalid(
            "current_password",
            "This is not your current password.",
        ));
    }
    check(
        new,
        PasswordOwner {
            email: &user.email,
            organisation: &user.organisation_name,
        },
    )
    .map_err(|m| AppError::invalid("new_password", m))?;
    if new == current {
        return Err(AppError::invalid(
            "new_password",
            "Choose a password other than your current one.",
        ));
    }
    let hash = hash_password_off_thread(new.to_string()).await?;
    let now = state.now_unix();
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now)
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    let ended = end_all_but(
        &mut tx,
        user.id,
        Some(this_sign_in),
        EndReason::PasswordChanged,
        now,
    )
    .await?;
    let person = Person::from(user);
    log(
        &mut tx,
        &person,
        None,
        Action::PasswordChanged,
        Some(format!("{ended} other session(s) ended")),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
