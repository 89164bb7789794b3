//! Accounts people can trust: invitations instead of passwords chosen by an
//! administrator, password resets, password rules, and the user's own
//! signed-in sessions, with each security event in the audit trail.

pub mod emails;
#[cfg(feature = "ssr")]
pub mod invitations;
#[cfg(feature = "ssr")]
pub mod links;
mod pages;
#[cfg(feature = "ssr")]
pub mod password_rules;
#[cfg(feature = "ssr")]
pub mod reset;
mod second_step;
#[cfg(feature = "ssr")]
pub mod two_step;

pub use pages::{
    AccountPage, ForgotPasswordPage, InvitationPage, InvitationsSection, RecoveryCodesPage,
    ResetPasswordPage, SignInCodePage, TwoStepPage,
};
pub use second_step::*;

use crate::domain::Role;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// An invitation waiting for its person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingInvitation {
    pub id: i64,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub organisation: String,
    pub invited: String,
    pub expires: String,
    pub expired: bool,
}

/// What an invitation link offers, as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub display_name: String,
    pub email: String,
    pub organisation: String,
    pub role: String,
}

pub use crate::auth::SignedInSession;

/// Invites a person to the caller's organisation with a role. VLSC administrators only.
#[server(endpoint = "invite-person")]
pub async fn invite_person(
    display_name: String,
    email: String,
    role: String,
) -> Result<(), AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        let new = invitations::NewInvitation {
            display_name: &display_name,
            email: &email,
            role: &role,
        };
        invitations::invite(&state, &user, new).await
    })
    .await
}

/// Invites the first VLSC administrator of a customer organisation that has
/// none. Support agents only.
#[server(endpoint = "invite-first-administrator")]
pub async fn invite_first_administrator(
    organisation: String,
    display_name: String,
    email: String,
) -> Result<(), AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        let new = invitations::NewInvitation {
            display_name: &display_name,
            email: &email,
            role: Role::VlscAdministrator.code(),
        };
        invitations::invite_first_administrator(&state, &user, &organisation, new).await
    })
    .await
}

/// A page of the pending invitations the caller may resend or withdraw,
/// sorted as asked (newest first by default).
#[server(endpoint = "invitations")]
pub async fn pending_invitations(
    sort: Option<String>,
    dir: Option<String>,
    after: Option<String>,
    per: Option<String>,
) -> Result<crate::lists::Page<PendingInvitation>, AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        let sorting = invitations::pending_sorting(
            sort.as_deref(),
            dir.as_deref(),
            after.as_deref(),
            per.as_deref(),
        )?;
        invitations::list_pending(&state, &user, &sorting).await
    })
    .await
}

/// Sends an invitation again with a new link; the old link stops working.
#[server(endpoint = "resend-invitation")]
pub async fn resend_invitation(id: String) -> Result<(), AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        invitations::resend(&state, &user, &id).await
    })
    .await
}

/// Withdraws a pending invitation.
#[server(endpoint = "withdraw-invitation")]
pub async fn withdraw_invitation(id: String) -> Result<(), AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        invitations::withdraw(&state, &user, &id).await
    })
    .await
}

/// What an invitation link offers. Open to anyone holding the link.
#[server(endpoint = "invitation")]
pub async fn invitation(token: String) -> Result<InvitationView, AppError> {
    crate::response::respond(
        async {
            let state = crate::state::app_state()?;
            invitations::describe(&state, &token).await
        }
        .await,
    )
}

/// Accepts an invitation with the password the person chose, and signs them in.
#[server(endpoint = "accept-invitation")]
pub async fn accept_invitation(token: String, password: String) -> Result<(), AppError> {
    crate::response::respond(
        async {
            let state = crate::state::app_state()?;
            let (person, role) = invitations::accept(&state, &token, &password).await?;
            crate::auth::ssr::sign_in_or_enrol(&state, &person, role, "/").await
        }
        .await,
    )
}

/// Sends a password-reset link if an account has this address; the answer is
/// the same either way.
#[server(endpoint = "forgot-password")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    crate::response::respond(
        async {
            let state = crate::state::app_state()?;
            reset::request(&state, &email).await?;
            crate::response::redirect("/forgot-password?sent=1")
        }
        .await,
    )
}

/// Whether a reset link still works.
#[server(endpoint = "reset-link")]
pub async fn reset_link(token: String) -> Result<(), AppError> {
    crate::response::respond(
        async {
            let state = crate::state::app_state()?;
            reset::check_link(&state, &token).await.map(|_| ())
        }
        .await,
    )
}

/// Sets a new password through a reset link; every session of the user ends.
#[server(endpoint = "reset-password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    crate::response::respond(
        async {
            let state = crate::state::app_state()?;
            reset::complete(&state, &token, &password).await?;
            crate::response::redirect("/sign-in?reset=1")
        }
        .await,
    )
}

/// Changes the caller's password; their other sessions end.
#[server(endpoint = "change-password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    crate::response::respond(
        async {
            let state = crate::state::app_state()?;
            let (user, sign_in) = crate::auth::ssr::current_sign_in()
                .await?
                .ok_or(AppError::Unauthenticated)?;
            reset::change(&state, &user, sign_in, &current_password, &new_password).await
        }
        .await,
    )
}

/// The caller's signed-in sessions.
#[server(endpoint = "my-sessions")]
pub async fn my_sessions() -> Result<Vec<SignedInSession>, AppError> {
    crate::response::respond(
        async {
            let state = crate::state::app_state()?;
            let (user, sign_in) = crate::auth::ssr::current_sign_in()
                .await?
                .ok_or(AppError::Unauthenticated)?;
            let live_since = state.now_unix() - state.session_absolute_lifetime.as_secs() as i64;
            crate::auth::sessions::signed_in_sessions(&state.db, user.id, sign_in, live_since).await
        }
        .await,
    )
}

/// Signs out one of the caller's other sessions (`id`), or, when `id` is
/// "others", every session but this one.
#[server(endpoint = "end-session")]
pub async fn end_session(id: String) -> Result<(), AppError> {
    crate::response::respond(
        async {
            use crate::auth::security_log::{log, Action, Person};
            use crate::auth::sessions::{end_all_but, end_one, EndReason};
            let state = crate::state::app_state()?;
            let (user, sign_in) = crate::auth::ssr::current_sign_in()
                .await?
                .ok_or(AppError::Unauthenticated)?;
            AppError::require("id", &id, "Choose a session.")?;
            let now = state.now_unix();
            let mut tx = state.db.begin().await?;
            let ended = if id == "others" {
                end_all_but(&mut tx, user.id, Some(sign_in), EndReason::SignedOutElsewhere, now)
                    .await?
            } else {
                let id = AppError::parse_number("id", &id)?;
                if id == sign_in {
                    return Err(AppError::invalid(
                        "id",
                        "This is the session you are using: sign out with the button at the top instead.",
                    ));
                }
                u64::from(
                    end_one(&mut tx, user.id, id, EndReason::SignedOutElsewhere, now).await?,
                )
            };
            if ended > 0 {
                let person = Person::from(&user);
                let reason = format!("{ended} session(s) signed out from another session");
                log(&mut tx, &person, None, Action::SessionsEnded, Some(reason), now).await?;
            }
            tx.commit().await?;
            Ok(())
        }
        .await,
    )
}
