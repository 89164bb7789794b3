//! Replication issues: contacts whose VLSC or explore.ms copy differs from eMSL
//! (or is missing) for longer than the propagation delay, and the re-sync that
//! copies eMSL over it. Server only.

use super::ReplicationIssue;
use crate::access::Task;
use crate::audit::trail::{record, Event};
use crate::auth::CurrentUser;
use crate::contacts::emsl::{write_copy, CopyWrite, Over};
use crate::contacts::ContactDetails;
use crate::db::Db;
use crate::domain::{ContactType, DownstreamSystem};
use crate::error::AppError;
use crate::state::AppState;

#[derive(sqlx::FromRow)]
struct Row {
    enrollment_number: String,
    contact_type: String,
    system: String,
    emsl_email: String,
    emsl_name: String,
    copy_email: Option<String>,
    copy_name: Option<String>,
}

/// A copy differs when a value or the version differs, and no copy of a newer
/// change is still within its propagation delay.
const ISSUES: &str = "SELECT e.enrollment_number, m.contact_type, s.system, m.email AS emsl_email, m.name AS emsl_name, \
     c.email AS copy_email, c.name AS copy_name \
     FROM enrollment_contacts m JOIN enrollments e ON e.id = m.enrollment_id \
     CROSS JOIN (SELECT 'vlsc' AS system UNION ALL SELECT 'explore' AS system) s \
     LEFT JOIN contact_copies c ON c.enrollment_id = m.enrollment_id AND c.contact_type = m.contact_type AND c.system = s.system \
     WHERE (c.enrollment_id IS NULL OR c.name <> m.name OR c.email <> m.email OR c.phone <> m.phone OR c.version <> m.version) \
     AND NOT EXISTS (SELECT 1 FROM propagation_jobs j WHERE j.enrollment_id = m.enrollment_id \
         AND j.contact_type = m.contact_type AND j.system = s.system AND j.done_at IS NULL AND j.due_at > $1)";

/// How many contact copies differ from eMSL now.
pub async fn count(db: &Db, now: i64) -> Result<i64, AppError> {
    Ok(
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM ({ISSUES}) issues"))
            .bind(now)
            .fetch_one(db.pool())
            .await?,
    )
}

/// Every replication issue, by enrollment (at most 200).
pub async fn list(
    db: &Db,
    user: &CurrentUser,
    now: i64,
) -> Result<Vec<ReplicationIssue>, AppError> {
    Task::Support.allows(user)?;
    let rows = sqlx::query_as::<_, Row>(&format!(
        "{ISSUES} ORDER BY e.enrollment_number, m.contact_type, s.system LIMIT 200"
    ))
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ReplicationIssue {
            contact_label: ContactType::parse(&r.contact_type)
                .map(|t| t.label())
                .unwrap_or_default()
                .into(),
            system_label: DownstreamSystem::parse(&r.system)
                .map(DownstreamSystem::name)
                .unwrap_or_default()
                .into(),
            shows: match (r.copy_name, r.copy_email) {
                (Some(name), Some(email)) => format!("{name} <{email}>"),
                _ => "Nothing (the contact is missing)".into(),
            },
            emsl: format!("{} <{}>", r.emsl_name, r.emsl_email),
            enrollment_number: r.enrollment_number,
            contact_type: r.contact_type,
            system: r.system,
        })
        .collect())
}

/// Copies eMSL's record of one contact over one system's copy, now. Doing it
/// again changes nothing.
pub async fn resync(
    state: &AppState,
    user: &CurrentUser,
    enrollment: &str,
    contact: &str,
    system: &str,
) -> Result<(), AppError> {
    Task::Support.allows(user)?;
    let contact_type = ContactType::parse(contact)
        .map_err(|_| AppError::invalid("contact", "Unknown contact."))?;
    let system = DownstreamSystem::parse(system)
        .map_err(|_| AppError::invalid("system", "Unknown system."))?;
    let enrollment = crate::access::visible(&state.db, user, enrollment).await?;
    let now = state.now_unix();
    let mut tx = state.db.begin().await?;
    let (name, email, phone, version) = sqlx::query_as::<_, (String, String, String, i64)>(
        "SELECT name, email, phone, version FROM enrollment_contacts WHERE enrollment_id = $1 AND contact_type = $2",
    )
    .bind(enrollment.id)
    .bind(contact_type.code())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let before = sqlx::query_as::<_, (String, String, String, i64)>(
        "SELECT name, email, phone, version FROM contact_copies WHERE enrollment_id = $1 AND contact_type = $2 AND system = $3",
    )
    .bind(enrollment.id)
    .bind(contact_type.code())
    .bind(system.code())
    .fetch_optional(&mut *tx)
    .await?;
    if before.as_ref() == Some(&(name.clone(), email.clone(), phone.clone(), version)) {
        // Already in step (a second click, or the job ran meanwhile).
        return Ok(());
    }
    // Pending jobs stay: the worker finds the copy in step and completes their change.
    let emsl = ContactDetails {
        name: name.clone(),
        email: email.clone(),
        phone,
    };
    let copy = CopyWrite {
        enrollment_id: enrollment.id,
        contact_type: contact_type.code(),
        system,
        details: &emsl,
        version,
        synced_at: now,
    };
    write_copy(&mut *tx, copy, Over::Anything).await?;
    let label = system.name();
    record(
        &mut tx,
        Event {
            organisation_id: Some(enrollment.customer_id),
            enrollment_id: Some(enrollment.id),
            actor_id: Some(user.id),
            action: "Contact re-synced by support",
            subject: format!(
                "{} of enrollment {} in {label}",
                contact_type.label(),
                enrollment.number
            ),
            before: Some(
                before
                    .map(|(n, e, ..)| format!("{n} <{e}>"))
                    .unwrap_or_else(|| "Missing".into()),
            ),
            after: Some(format!("{name} <{email}>")),
            reason: Some("Replication issue: the copy differed from eMSL".into()),
            at: now,
            ..Event::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
