//! Reading the audit trail (writing it is `audit::trail`). Server only.

use super::AuditEntry;
use crate::db::Db;
use crate::domain::format_time;
use crate::error::AppError;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
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
fn actor(r: &Row, organisation_id: crate::domain::OrganisationId) -> String {
    match (&r.actor_name, &r.actor_email) {
        (Some(name), Some(email)) if r.actor_organisation == Some(organisation_id.0) => {
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
    organisation_id: crate::domain::OrganisationId,
    category: Category,
) -> Result<Vec<AuditEntry>, AppError> {
    Ok(
        chunk_of_organisation(db, organisation_id, category, i64::MAX, 500)
            .await?
            .into_iter()
            .map(|(_, entry)| entry)
            .collect(),
    )
}

/// Up to `limit` events of one category of one organisation recorded before
/// event `before`, newest first, each with its id (the export reads the
/// whole trail this way, a chunk at a time).
pub async fn chunk_of_organisation(
    db: &Db,
    organisation_id: crate::domain::OrganisationId,
    category: Category,
    before: i64,
    limit: i64,
) -> Result<Vec<(i64, AuditEntry)>, AppError> {
    let rows = sqlx::query_as::<_, Row>(
        "SELECT a.id, a.at, u.display_name AS actor_name, u.email AS actor_email, u.role AS actor_role, \
         u.organisation_id AS actor_organisation, a.action, a.subject, a.before_value, a.after_value, a.reason \
         FROM audit_trail a LEFT JOIN users u ON u.id = a.actor_id \
         WHERE a.organisation_id = $1 AND a.category = $2 AND a.id < $3 ORDER BY a.id DESC LIMIT $4",
    )
    .bind(organisation_id)
    .bind(match category {
        Category::Changes => "change",
        Category::SecurityEvents => "security",
    })
    .bind(before)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let entry = AuditEntry {
                actor: actor(&r, organisation_id),
                at: format_time(r.at),
                action: r.action.clone(),
                subject: r.subject.clone(),
                before: r.before_value.clone(),
                after: r.after_value.clone(),
                reason: r.reason.clone(),
            };
            (r.id, entry)
        })
        .collect())
}
