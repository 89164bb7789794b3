//! Security events in the audit trail: sign-ins and their failures, throttling,
//! invitations, password changes and resets, two-step sign-in and ended
//! sessions. Each is recorded under the person's organisation, so that its
//! VLSC administrator (or, for the operations organisation, its support
//! agents) can read it. No password or code is ever written. Server only.

use crate::audit::trail::{record, Event};
use crate::db::Tx;
use crate::domain::{OrganisationId, UserId};
use crate::error::AppError;
use crate::state::AppState;

/// The person an event is about.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: UserId,
    pub organisation_id: OrganisationId,
    pub display_name: String,
    pub email: String,
}

impl From<&crate::auth::CurrentUser> for Person {
    fn from(user: &crate::auth::CurrentUser) -> Self {
        Person {
            id: user.id,
            organisation_id: user.organisation_id,
            display_name: user.display_name.clone(),
            email: user.email.clone(),
        }
    }
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    SignedIn,
    SignInFailed,
    SignInThrottled,
    InvitationSent,
    InvitationSentAgain,
    InvitationAccepted,
    InvitationWithdrawn,
    PasswordChanged,
    PasswordResetRequested,
    PasswordReset,
    SessionsEnded,
    TwoStepEnabled,
    TwoStepReset,
    RecoveryCodeUsed,
}

impl Action {
    /// The words the audit trail shows.
    pub fn label(self) -> &'static str {
        match self {
            Action::SignedIn => "Signed in",
            Action::SignInFailed => "Sign-in failed",
            Action::SignInThrottled => "Sign-in refused: too many attempts",
            Action::InvitationSent => "Invitation sent",
            Action::InvitationSentAgain => "Invitation sent again",
            Action::InvitationAccepted => "Invitation accepted",
            Action::InvitationWithdrawn => "Invitation withdrawn",
            Action::PasswordChanged => "Password changed",
            Action::PasswordResetRequested => "Password reset requested",
            Action::PasswordReset => "Password reset",
            Action::SessionsEnded => "Sessions ended",
            Action::TwoStepEnabled => "Two-step sign-in turned on",
            Action::TwoStepReset => "Two-step sign-in reset",
            Action::RecoveryCodeUsed => "Signed in with a recovery code",
        }
    }
}

/// Records an event about `person` (done by `actor`, or by the person
/// themselves when `None`) inside the caller's transaction.
pub async fn log(
    tx: &mut Tx,
    person: &Person,
    actor: Option<UserId>,
    action: Action,
    reason: Option<String>,
    at: i64,
) -> Result<(), AppError> {
    record(
        tx,
        Event {
            organisation_id: Some(person.organisation_id),
            actor_id: Some(actor.unwrap_or(person.id)),
            action: action.label(),
            subject: format!("{} <{}>", person.display_name, person.email),
            reason,
            at,
            security: true,
            ..Event::default()
        },
    )
    .await
}

/// Records an event about `person`, done by themselves, in a transaction of its own.
pub async fn log_now(
    state: &AppState,
    person: &Person,
    action: Action,
    reason: Option<String>,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    log(&mut tx, person, None, action, reason, state.now_unix()).await?;
    tx.commit().await?;
    Ok(())
}
