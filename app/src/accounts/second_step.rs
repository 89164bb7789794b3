//! The server functions of two-step sign-in: setting it up (by choice, or at
//! sign-in when the role requires it), signing in with a code or a recovery
//! code, and an administrator's reset of a user's second factor.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the set-up page shows: the QR code and the same secret as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoStepEnrolment {
    /// The secret in groups of four characters, for typing into an app.
    pub secret: String,
    /// The QR code, an SVG image drawn on the server.
    pub qr_svg: String,
    /// Whether the person's role requires it before they can go on.
    pub required: bool,
}

#[cfg(feature = "ssr")]
mod server {
    use super::super::two_step;
    use crate::auth::security_log::{log, log_now, Action, Person};
    use crate::auth::ssr::{self as auth, PendingStage};
    use crate::error::AppError;
    use crate::state::AppState;

    pub const SETUP_SECRET: &str = "two_step_setup_secret";
    pub const FRESH_CODES: &str = "fresh_recovery_codes";

    /// Who is setting up two-step sign-in: a signed-in user who has not, or a
    /// sign-in waiting for it. `true` when the sign-in is waiting.
    pub async fn enrolling(state: &AppState) -> Result<(Person, bool), AppError> {
        if let Some((user, _)) = auth::current_sign_in().await? {
            let enabled = sqlx::query_scalar::<_, Option<i64>>(
                "SELECT totp_enabled_at FROM users WHERE id = $1",
            )
            .bind(user.id)
            .fetch_one(state.db.pool())
            .await?;
            if enabled.is_some() {
                return Err(AppError::Conflict(
                    "Two-step sign-in is on already for your account.".into(),
                ));
            }
            return Ok((Person::from(&user), false));
        }
        let pending = auth::pending_sign_in()
            .await?
            .filter(|p| p.stage == PendingStage::Enrol)
            .ok_or(AppError::Unauthenticated)?;
        let person = auth::pending_person(state, &pending)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        Ok((person, true))
    }

    pub fn grouped(secret: &str) -> String {
        secret
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Refuses when the person, or this address, has failed too often.
    pub async fn throttle(state: &AppState, person: &Person) -> Result<[String; 2], AppError> {
        let keys = auth::throttle_keys(&person.email);
        if auth::is_throttled(state, &[&keys[0], &keys[1]]).await? {
            log_now(state, person, Action::SignInThrottled, None).await?;
            return Err(AppError::TooManyAttempts);
        }
        Ok(keys)
    }

    pub async fn confirm(state: &AppState, code: &str) -> Result<(), AppError> {
        let (person, waiting) = enrolling(state).await?;
        AppError::require("code", code, "Enter the six-digit code your app shows.")?;
        let keys = throttle(state, &person).await?;
        let secret: String = auth::session_value(SETUP_SECRET).await?.ok_or_else(|| {
            AppError::Conflict("Open the set-up page again: it shows a new QR code.".into())
        })?;
        let now = state.now_unix();
        let Some(step) = two_step::matching_step(&secret, code, now)? else {
            auth::record_failure(state, &[&keys[0], &keys[1]]).await?;
            return Err(AppError::invalid(
                "code",
                "This code is not right. Check that your phone's clock is set automatically, then enter the code your app shows now.",
            ));
        };
        let mut tx = state.db.begin().await?;
        let codes = two_step::enable(&mut tx, person.id, &secret, step, now).await?;
        log(&mut tx, &person, None, Action::TwoStepEnabled, None, now).await?;
        tx.commit().await?;
        auth::take_from_session::<String>(SETUP_SECRET).await?;
        auth::keep_in_session(FRESH_CODES, codes).await?;
        if waiting {
            auth::finish_pending(state, &person).await?;
        }
        crate::response::redirect("/two-step/recovery-codes")
    }

    pub async fn sign_in_code(state: &AppState, code: &str) -> Result<(), AppError> {
        AppError::require(
            "code",
            code,
            "Enter the code from your app, or a recovery code.",
        )?;
        let expired = || {
            AppError::Conflict("Your sign-in waited too long for its code: sign in again.".into())
        };
        let pending = auth::pending_sign_in()
            .await?
            .filter(|p| p.stage == PendingStage::Code)
            .ok_or_else(expired)?;
        let person = auth::pending_person(state, &pending)
            .await?
            .ok_or_else(expired)?;
        let keys = throttle(state, &person).await?;
        let now = state.now_unix();
        match two_step::prove(&state.db, person.id, code, now).await? {
            Some(proof) => {
                if proof == two_step::Proof::RecoveryCode {
                    let mut tx = state.db.begin().await?;
                    log(&mut tx, &person, None, Action::RecoveryCodeUsed, None, now).await?;
                    tx.commit().await?;
                }
                auth::finish_pending(state, &person).await?;
                crate::response::redirect(&pending.next)
            }
            None => {
                crate::state::Counters::add(&state.counters.code_failures);
                auth::record_failure(state, &[&keys[0], &keys[1]]).await?;
                let mut tx = state.db.begin().await?;
                log(
                    &mut tx,
                    &person,
                    None,
                    Action::SignInFailed,
                    Some("wrong or used code".into()),
                    now,
                )
                .await?;
                tx.commit().await?;
                Err(AppError::invalid(
                    "code",
                    "This code is not right, or it was used already. Enter the next code your app shows, or a recovery code.",
                ))
            }
        }
    }

    pub async fn reset(
        state: &AppState,
        admin: &crate::auth::CurrentUser,
        email: &str,
    ) -> Result<(), AppError> {
        crate::access::Task::AdministerOrganisation.allows(admin)?;
        let email =
            crate::domain::EmailAddress::parse(email).map_err(|m| AppError::invalid("email", m))?;
        let (id, display_name) = sqlx::query_as::<_, (crate::domain::UserId, String)>(
            "SELECT id, display_name FROM users WHERE email = $1 AND organisation_id = $2",
        )
        .bind(email.as_str())
        .bind(admin.organisation_id)
        .fetch_optional(state.db.pool())
        .await?
        .ok_or(AppError::NotFound)?;
        if id == admin.id {
            return Err(AppError::Conflict(
                "You cannot reset your own two-step sign-in: ask another VLSC administrator."
                    .into(),
            ));
        }
        let now = state.now_unix();
        let mut tx = state.db.begin().await?;
        if two_step::disable(&mut tx, id).await? {
            let ended = crate::auth::sessions::end_all_but(
                &mut tx,
                id,
                None,
                crate::auth::sessions::EndReason::SecondFactorReset,
                now,
            )
            .await?;
            let person = Person {
                id,
                organisation_id: admin.organisation_id,
                display_name,
                email: email.as_str().to_string(),
            };
            log(
                &mut tx,
                &person,
                Some(admin.id),
                Action::TwoStepReset,
                Some(format!("{ended} session(s) ended; they set it up again at their next sign-in if their role requires it")),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Starts setting up two-step sign-in: a new secret, as a QR code and as text.
#[server(endpoint = "two-step-setup")]
pub async fn two_step_setup() -> Result<TwoStepEnrolment, AppError> {
    crate::response::respond(
        async {
            use super::two_step::{new_secret, otpauth_uri, qr_svg};
            let state = crate::state::app_state()?;
            let (person, required) = server::enrolling(&state).await?;
            // The same secret until it is confirmed: a page shown again after a
            // wrong code keeps the QR code the person already scanned.
            let secret = match crate::auth::ssr::session_value::<String>(server::SETUP_SECRET)
                .await?
            {
                Some(secret) => secret,
                None => {
                    let secret = new_secret();
                    crate::auth::ssr::keep_in_session(server::SETUP_SECRET, secret.clone()).await?;
                    secret
                }
            };
            Ok(TwoStepEnrolment {
                qr_svg: qr_svg(&otpauth_uri(&secret, &person.email))?,
                secret: server::grouped(&secret),
                required,
            })
        }
        .await,
    )
}

/// Confirms the set-up with a code from the app; the recovery codes are shown next.
#[server(endpoint = "confirm-two-step")]
pub async fn confirm_two_step(code: String) -> Result<(), AppError> {
    crate::response::respond(
        async {
            let state = crate::state::app_state()?;
            server::confirm(&state, &code).await
        }
        .await,
    )
}

/// The recovery codes just made, once: a second call gets none.
#[server(endpoint = "recovery-codes")]
pub async fn fresh_recovery_codes() -> Result<Vec<String>, AppError> {
    crate::response::respond(
        async {
            crate::auth::ssr::require_user().await?;
            Ok(
                crate::auth::ssr::take_from_session::<Vec<String>>(server::FRESH_CODES)
                    .await?
                    .unwrap_or_default(),
            )
        }
        .await,
    )
}

/// The second step of a sign-in: a code from the app, or a recovery code.
#[server(endpoint = "sign-in-code")]
pub async fn sign_in_code(code: String) -> Result<(), AppError> {
    crate::response::respond(
        async {
            let state = crate::state::app_state()?;
            server::sign_in_code(&state, &code).await
        }
        .await,
    )
}

/// Whether the caller signs in in two steps, and since when.
#[server(endpoint = "two-step-status")]
pub async fn two_step_status() -> Result<Option<String>, AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        let since =
            sqlx::query_scalar::<_, Option<i64>>("SELECT totp_enabled_at FROM users WHERE id = $1")
                .bind(user.id)
                .fetch_one(state.db.pool())
                .await?;
        Ok(since.map(crate::domain::format_time))
    })
    .await
}

/// Resets a user's two-step sign-in (a lost phone); their sessions end.
/// VLSC administrators, for their organisation's other users.
#[server(endpoint = "reset-two-step")]
pub async fn reset_two_step(email: String) -> Result<(), AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        server::reset(&state, &user, &email).await
    })
    .await
}
