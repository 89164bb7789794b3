//! Writing and reading the audit trail. Server only.

use super::AuditEntry;
use crate::db::{Db, Tx};
use crate::domain::format_time;
use crate::error::AppError;

/// One thing that happened, to record in the transaction that did it.
#[derive(Debug, Clone, Default)]
pub struct Event<'a> {
    /// The customer organisation the event concerns, if any.
    pub organisation_id: Option<i64>,
    pub enrollment_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub action: &'a str,
    pub subject: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: Option<String>,
    pub at: i64,
    /// The support ticket the event was done for, if any.
    pub ticket_id: Option<i64>,
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

#[derive(sqlx::FromRow)]
struct Row {
    at: i64,
    actor_name: Option<String>,
    actor_email: Option<String>,
    actor_role: Option<String>,
    actor_organisation: Option<i64>,
    action: String,
    subject: String,
    before_value: Option<String>,
    after_value: Option<String>,
    reason: Option<String>,
}

/// Who did it: the organisation's own people by name and address; others
/// (partner, support, operations center) by name and role only.
fn actor(r: &Row, organisation_id: i64) -> String {
    match (&r.actor_name, &r.actor_email) {
        (Some(name), Some(email)) if r.actor_organisation == Some(organisation_id) => {
            format!("{name} <{email}>")
        }
        (Some(name), _) => {
            let role = r
                .actor_role
                .as_deref()
                .and_then(|code| crate::domain::Role::parse(code).ok())
                .map(|role| role.label())
                .unwrap_or("portal user");
            format!("{name} ({role})")
        }
        _ => "The portal".into(),
    }
}

/// Which part of the trail to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Changes,
    SecurityEvents,
}

/// The latest 500 events of one category of one organisation, newest first.
pub async fn of_organisation(
    db: &Db,
    organisation_id: i64,
    category: Category,
) -> Result<Vec<AuditEntry>, AppError> {
    let rows = sqlx::query_as::<_, Row>(
        "SELECT a.at, u.display_name AS actor_name, u.email AS actor_email, u.role AS actor_role, \
         u.organisation_id AS actor_organisation, a.action, a.subject, a.before_value, a.after_value, a.reason \
         FROM audit_trail a LEFT JOIN users u ON u.id = a.actor_id \
         WHERE a.organisation_id = $1 AND a.category = $2 ORDER BY a.id DESC LIMIT 500",
    )
    .bind(organisation_id)
    .bind(match category {
        Category::Changes => "change",
        Category::SecurityEvents => "security",
    })
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditEntry {
            actor: actor(&r, organisation_id),
            at: format_time(r.at),
            action: r.action,
            subject: r.subject,
            before: r.before_value,
            after: r.after_value,
            reason: r.reason,
        })
        .collect())
}
