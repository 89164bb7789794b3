//! Copying eMSL's changes to VLSC and explore.ms after the propagation delay.
//!
//! Each applied change leaves one job per downstream system, written in the
//! change's own transaction, so a change is never lost however the process
//! stops. A job copies its values only over an older version, so running it
//! twice, or after a later change, changes nothing; finishing it and marking
//! the change complete happen in one transaction.

use super::emsl::{write_copy, CopyWrite, Over};
use super::lifecycle::{ChangeEvent, ChangeStatus};
use super::notices::tell_submitter;
use super::ContactDetails;
use crate::db::Db;
use crate::domain::{ChangeId, DownstreamSystem, EnrollmentId, Template};
use crate::error::AppError;

/// How many jobs are applied at once.
const CONCURRENT_JOBS: usize = 8;

/// A job waiting to be applied.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    pub change_id: Option<ChangeId>,
    pub enrollment_id: EnrollmentId,
    pub contact_type: String,
    pub system: String,
    pub version: i64,
    pub name: String,
    pub email: String,
    pub phone: String,
}

/// How far one downstream system is behind eMSL, for operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lag {
    pub system: DownstreamSystem,
    /// Changes due in the system and not yet shown there.
    pub due: i64,
    /// How long the oldest of them has been due, in seconds (0 when none is).
    pub oldest_due_seconds: i64,
}

/// Each downstream system's lag at `now`.
pub async fn lag(db: &Db, now: i64) -> Result<Vec<Lag>, AppError> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT system, COUNT(*), MIN(due_at) FROM propagation_jobs \
         WHERE done_at IS NULL AND due_at <= $1 GROUP BY system",
    )
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    Ok(DownstreamSystem::ALL
        .into_iter()
        .map(|system| {
            let row = rows.iter().find(|(code, _, _)| code == system.code());
            Lag {
                system,
                due: row.map_or(0, |r| r.1),
                oldest_due_seconds: row.map_or(0, |r| (now - r.2).max(0)),
            }
        })
        .collect())
}

/// Applies every job due at `now`, at most `limit`; returns how many it
/// applied. A job that fails is logged and tried again in a later round.
pub async fn propagate_due(db: &Db, now: i64, limit: i64) -> Result<usize, AppError> {
    let jobs = sqlx::query_as::<_, Job>(
        "SELECT id, change_id, enrollment_id, contact_type, system, version, name, email, phone \
         FROM propagation_jobs WHERE done_at IS NULL AND due_at <= $1 ORDER BY id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    // Jobs are independent (a copy only ever moves to a newer version), so
    // several run at once; on SQLite the single writer queues them anyway.
    let mut applied = 0;
    for chunk in jobs.chunks(CONCURRENT_JOBS) {
        let outcomes = futures::future::join_all(chunk.iter().map(|job| apply(db, job, now))).await;
        for (job, outcome) in chunk.iter().zip(outcomes) {
            match outcome {
                Ok(()) => applied += 1,
                // One failing job holds back no other; it is tried again next round.
                Err(e) => tracing::warn!(job = job.id, error = %e, "a propagation job failed"),
            }
        }
    }
    Ok(applied)
}

/// Copies one job's values to its system, unless that system already shows
/// this version or a later one; marks the job done, and the change complete
/// when it was its last job. Safe to run any number of times.
pub async fn apply(db: &Db, job: &Job, now: i64) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    if let Some(change_id) = job.change_id {
        // Locks the change first, so that of its two jobs finishing at once the
        // later one sees the earlier and marks the change complete.
        sqlx::query("UPDATE contact_changes SET status = status WHERE id = $1")
            .bind(change_id)
            .execute(&mut *tx)
            .await?;
    }
    let system = DownstreamSystem::parse(&job.system).map_err(|e| {
        tracing::error!(job = job.id, error = %e, "a propagation job names no known system");
        AppError::Internal
    })?;
    let details = ContactDetails {
        name: job.name.clone(),
        email: job.email.clone(),
        phone: job.phone.clone(),
    };
    write_copy(
        &mut *tx,
        CopyWrite {
            enrollment_id: job.enrollment_id,
            contact_type: &job.contact_type,
            system,
            details: &details,
            version: job.version,
            synced_at: now,
        },
        Over::OlderVersions,
    )
    .await?;
    sqlx::query("UPDATE propagation_jobs SET done_at = $1 WHERE id = $2 AND done_at IS NULL")
        .bind(now)
        .bind(job.id)
        .execute(&mut *tx)
        .await?;
    if let Some(change_id) = job.change_id {
        let from = ChangeStatus::Propagating;
        let to = from
            .after(ChangeEvent::ReachedEverySystem)
            .map_err(|_| AppError::Internal)?;
        let completed = sqlx::query(
            "UPDATE contact_changes SET status = $3, completed_at = $1 \
             WHERE id = $2 AND status = $4 AND NOT EXISTS \
             (SELECT 1 FROM propagation_jobs WHERE change_id = $2 AND done_at IS NULL)",
        )
        .bind(now)
        .bind(change_id)
        .bind(to.code())
        .bind(from.code())
        .execute(&mut *tx)
        .await?;
        if completed.rows_affected() == 1 {
            tell_submitter(&mut tx, change_id, Template::ChangeComplete, None, now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
