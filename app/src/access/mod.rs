//! Who may see and do what. Every "may this user see or do this, on this
//! enrollment, change request, ticket or organisation" question is answered
//! here, and every server function asks through [`serve`] or
//! [`signed_in_to`]: nothing else reads a user's role to allow or refuse.
//!
//! Three kinds of answer:
//! - [`Task`]: what a role alone decides (the audit trail, the support console,
//!   the operations-center queue…), with the words a refused user reads;
//! - [`Scope`] and [`ContactView`]: which rows and which copy of the contacts a
//!   user's queries read, so that every organisation sees only its own data;
//! - the record checks in [`records`]: one enrollment (seen, reserved on,
//!   ordered on, diagnosed, asked to change), one ticket list.

pub mod enrollment;
pub mod invitations;
pub mod records;
mod scope;
mod task;

pub use records::{visible, VisibleEnrollment};
pub use scope::{ContactView, Scope};
pub use task::Task;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::state::AppState;
use std::future::Future;

/// Who a server function serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// Anyone signed in; the function checks the record it is asked about.
    SignedIn,
    /// Someone signed in whose role allows the task.
    AllowedTo(Task),
}

impl From<Task> for Who {
    fn from(task: Task) -> Self {
        Who::AllowedTo(task)
    }
}

/// The request's state and its signed-in user, who must be `who`.
pub async fn signed_in_to(who: impl Into<Who>) -> Result<(AppState, CurrentUser), AppError> {
    let (state, user) = crate::auth::ssr::signed_in().await?;
    if let Who::AllowedTo(task) = who.into() {
        task.allows(&user)?;
    }
    Ok((state, user))
}

/// Runs a server function's work for the signed-in user, who must be `who`,
/// and sets the answer's status from its error: the one way every server
/// function that needs a user starts and ends.
pub async fn serve<T, F, Fut>(who: impl Into<Who>, work: F) -> Result<T, AppError>
where
    F: FnOnce(AppState, CurrentUser) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    let who = who.into();
    crate::response::respond(
        async move {
            let (state, user) = signed_in_to(who).await?;
            work(state, user).await
        }
        .await,
    )
}

/// A signed-in user of `role` in organisation `organisation_id`, for tests.
#[cfg(test)]
pub(crate) fn someone(role: crate::domain::Role, organisation_id: i64) -> CurrentUser {
    CurrentUser {
        id: crate::domain::UserId(1),
        email: "someone@example.com".into(),
        display_name: "Someone".into(),
        role,
        organisation_id: crate::domain::OrganisationId(organisation_id),
        organisation_name: "Org".into(),
        demo_mailbox: false,
    }
}
