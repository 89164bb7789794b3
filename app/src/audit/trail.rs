//! The audit trail's one way in: every change and security event is appended
//! here, inside the transaction that made it. It sits below sign-in and every
//! feature, which all record through it; reading the trail is `audit::ssr`.

use crate::db::Tx;
use crate::domain::{EnrollmentId, OrganisationId, TicketId, UserId};
use crate::error::AppError;

/// One thing that happened, to record in the transaction that did it.
#[derive(Debug, Clone, Default)]
pub struct Event<'a> {
    /// The customer organisation the event concerns, if any.
    pub organisation_id: Option<OrganisationId>,
    pub enrollment_id: Option<EnrollmentId>,
    pub actor_id: Option<UserId>,
    pub action: &'a str,
    pub subject: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: Option<String>,
    pub at: i64,
    /// The support ticket the event was done for, if any.
    pub ticket_id: Option<TicketId>,
    /// A security event (sign-in, invitation, password, session) rather than a change.
    pub security: bool,
}

/// Appends an event to the trail, inside the caller's transaction.
pub async fn record(tx: &mut Tx, event: Event<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO audit_trail (organisation_id, enrollment_id, actor_id, action, subject, \
         before_value, after_value, reason, at, ticket_id, category) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(event.organisation_id)
    .bind(event.enrollment_id)
    .bind(event.actor_id)
    .bind(event.action)
    .bind(event.subject)
    .bind(event.before)
    .bind(event.after)
    .bind(event.reason)
    .bind(event.at)
    .bind(event.ticket_id)
    .bind(if event.security { "security" } else { "change" })
    .execute(&mut **tx)
    .await?;
    Ok(())
}
