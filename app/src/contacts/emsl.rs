//! The two writes every contact change is made of: a contact written to eMSL
//! (the master record) at its next version, with the jobs that copy it to each
//! downstream system; and a system's copy written from such a job (or by
//! support, to mend a replication issue). Every writer goes through here:
//! CICRs, ROC decisions, support's OSM corrections, the propagation worker and
//! the data loaders.

use super::ContactDetails;
use crate::db::Tx;
use crate::domain::{ChangeId, ContactType, DownstreamSystem, EnrollmentId, TicketId};
use crate::error::AppError;

/// One contact's change in eMSL, and where it came from.
#[derive(Debug, Clone, Copy)]
pub struct EmslWrite<'a> {
    pub enrollment_id: EnrollmentId,
    pub contact_type: ContactType,
    pub details: &'a ContactDetails,
    /// The version the change was made against (0: the contact did not exist).
    pub base_version: i64,
    /// The change request it applies, if any.
    pub change_id: Option<ChangeId>,
    /// The support ticket it was done for, if any.
    pub ticket_id: Option<TicketId>,
    /// When the downstream systems are due to show it.
    pub due_at: i64,
}

/// Why an eMSL write did not happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotWritten {
    /// The contact is no longer at the version the change was made against.
    ChangedMeanwhile,
}

/// Writes the contact to eMSL at `base_version + 1`, only over `base_version`,
/// and schedules its copy to every downstream system, in the caller's
/// transaction. Returns the version written.
pub async fn write_contact(
    tx: &mut Tx,
    write: EmslWrite<'_>,
) -> Result<Result<i64, NotWritten>, AppError> {
    let version = write.base_version + 1;
    let d = write.details;
    let written = if write.base_version == 0 {
        sqlx::query(
            "INSERT INTO enrollment_contacts (enrollment_id, contact_type, name, email, phone, version) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (enrollment_id, contact_type) DO NOTHING",
        )
        .bind(write.enrollment_id)
        .bind(write.contact_type.code())
        .bind(&d.name)
        .bind(&d.email)
        .bind(&d.phone)
        .bind(version)
        .execute(&mut **tx)
        .await?
    } else {
        sqlx::query(
            "UPDATE enrollment_contacts SET name = $1, email = $2, phone = $3, version = $4 \
             WHERE enrollment_id = $5 AND contact_type = $6 AND version = $7",
        )
        .bind(&d.name)
        .bind(&d.email)
        .bind(&d.phone)
        .bind(version)
        .bind(write.enrollment_id)
        .bind(write.contact_type.code())
        .bind(write.base_version)
        .execute(&mut **tx)
        .await?
    };
    if written.rows_affected() == 0 {
        return Ok(Err(NotWritten::ChangedMeanwhile));
    }
    for system in DownstreamSystem::ALL {
        sqlx::query(
            "INSERT INTO propagation_jobs (change_id, ticket_id, enrollment_id, contact_type, system, version, \
             name, email, phone, due_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (enrollment_id, contact_type, system, version) DO NOTHING",
        )
        .bind(write.change_id)
        .bind(write.ticket_id)
        .bind(write.enrollment_id)
        .bind(write.contact_type.code())
        .bind(system.code())
        .bind(version)
        .bind(&d.name)
        .bind(&d.email)
        .bind(&d.phone)
        .bind(write.due_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(Ok(version))
}

/// One system's copy of one contact.
#[derive(Debug, Clone, Copy)]
pub struct CopyWrite<'a> {
    pub enrollment_id: EnrollmentId,
    pub contact_type: &'a str,
    pub system: DownstreamSystem,
    pub details: &'a ContactDetails,
    pub version: i64,
    pub synced_at: i64,
}

/// Whether a copy write may replace what the system shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Over {
    /// Only an older version: a job run twice, or after a later change,
    /// changes nothing.
    OlderVersions,
    /// Whatever the system shows (support mending a copy that drifted).
    Anything,
}

/// Writes a system's copy of a contact; returns whether it changed.
pub async fn write_copy<'e, E>(
    executor: E,
    copy: CopyWrite<'_>,
    over: Over,
) -> Result<bool, AppError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let d = copy.details;
    Ok(sqlx::query(
        "INSERT INTO contact_copies (enrollment_id, contact_type, system, name, email, phone, version, synced_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (enrollment_id, contact_type, system) \
         DO UPDATE SET name = excluded.name, email = excluded.email, phone = excluded.phone, \
         version = excluded.version, synced_at = excluded.synced_at \
         WHERE $9 = 1 OR contact_copies.version < excluded.version",
    )
    .bind(copy.enrollment_id)
    .bind(copy.contact_type)
    .bind(copy.system.code())
    .bind(&d.name)
    .bind(&d.email)
    .bind(&d.phone)
    .bind(copy.version)
    .bind(copy.synced_at)
    .bind(i64::from(over == Over::Anything))
    .execute(executor)
    .await?
    .rows_affected()
        > 0)
}
