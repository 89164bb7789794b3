//! The outbox's queue (`outbox_queue`): the messages still to be sent, each
//! with when it is due and, on SQLite, the lease of the worker sending it. A
//! message is queued in the transaction that writes it to the outbox, and
//! leaves the queue once it is sent, given up or withdrawn (see
//! [`super::sending`], which claims and marks them).

use crate::db::{in_list, Backend, Tx};
use crate::error::AppError;

/// Puts messages written to the outbox in its queue, each due at the time
/// given with its id: in the transaction that writes them, so every message
/// not yet sent is queued.
pub async fn add(tx: &mut Tx, backend: Backend, due: &[(i64, i64)]) -> Result<(), AppError> {
    for rows in due.chunks(500) {
        let sql = format!(
            "INSERT INTO outbox_queue (id, next_attempt_at) VALUES {}",
            backend.value_rows(rows.len(), 2)
        );
        let mut q = sqlx::query(&sql);
        for (id, at) in rows {
            q = q.bind(*id).bind(*at);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Takes out of the queue the messages among `candidates` (outbox ids read as
/// queued) that are still queued and not held by a worker, and marks them
/// failed with `reason`. On PostgreSQL a worker sending one
/// of them holds its queue row: this waits for it, and then leaves it (it
/// was sent, or is queued again for a later try and taken out here).
pub async fn withdraw(
    tx: &mut Tx,
    backend: Backend,
    candidates: &[i64],
    reason: &str,
) -> Result<(), AppError> {
    for ids in candidates.chunks(500) {
        let sql = in_list(
            backend,
            "DELETE FROM outbox_queue WHERE claimed_until IS NULL AND id IN ({}) RETURNING id",
            1,
            ids.len(),
        );
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for id in ids {
            q = q.bind(*id);
        }
        let taken = q.fetch_all(&mut **tx).await?;
        if taken.is_empty() {
            continue;
        }
        let sql = in_list(
            backend,
            "UPDATE outbox SET status = 'failed', last_error = {1} \
             WHERE status = 'queued' AND id IN ({})",
            2,
            taken.len(),
        );
        let mut q = sqlx::query(&sql).bind(reason);
        for id in &taken {
            q = q.bind(*id);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}
