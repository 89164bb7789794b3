//! Writing what became of each try: sent, tried again after its backoff, or
//! given up (after the last try, or at once when the server refused it for
//! good), with the failed try recorded for the delivery timeline.

use crate::db::{in_list, read_as, Backend, Db, MessagesHeld, Reading, Tx};
use crate::error::AppError;
use crate::mail::sending::{MARK_GROUP, MARK_WAIT};
use crate::mail::{backoff_seconds, DeliveryError, Outcome, MAX_ATTEMPTS};
use std::collections::HashMap;
use std::sync::Mutex;
use time::OffsetDateTime;
use tokio::sync::mpsc;

/// An outcome with the try it was: outbox id, attempts, sent or why not.
type Marked = (i64, i64, Result<(), DeliveryError>);

/// The marker: writes outcomes as they come back and gives each message's
/// permit back once its outcome is written.
pub(super) struct Marking<'a> {
    pub(super) db: &'a Db,
    pub(super) attempts: &'a Mutex<HashMap<i64, i64>>,
    pub(super) unmarked: &'a tokio::sync::Semaphore,
    pub(super) now: OffsetDateTime,
    pub(super) started: std::time::Instant,
}

impl Marking<'_> {
    fn at(&self) -> i64 {
        self.now.unix_timestamp() + self.started.elapsed().as_secs() as i64
    }

    fn with_attempts(&self, done: Vec<Outcome>) -> Vec<Marked> {
        let mut attempts = lock(self.attempts);
        done.into_iter()
            .map(|(id, r)| (id, attempts.remove(&id).unwrap_or(1), r))
            .collect()
    }

    /// Leased claims (SQLite): outcomes written in groups, what arrives
    /// within [`MARK_WAIT`] of the first, about [`MARK_GROUP`], in one
    /// transaction.
    pub(super) async fn leased(
        &self,
        to_mark: &mut mpsc::UnboundedReceiver<Vec<Outcome>>,
    ) -> Result<usize, AppError> {
        let mut sent = 0;
        while let Some(mut done) = to_mark.recv().await {
            let until = tokio::time::Instant::now() + MARK_WAIT;
            while done.len() < MARK_GROUP {
                match tokio::time::timeout_at(until, to_mark.recv()).await {
                    Ok(Some(more)) => done.extend(more),
                    Ok(None) | Err(_) => break,
                }
            }
            let done = self.with_attempts(done);
            let written = done.len();
            let mut tx = self.db.begin().await?;
            read_as(&mut tx, self.db.backend(), Reading::IndexScans).await?;
            sent += write_outcomes(&mut tx, self.db.backend(), done, self.at()).await?;
            tx.commit().await?;
            self.unmarked.add_permits(written);
        }
        Ok(sent)
    }

    /// Locked claims (PostgreSQL): each claim's outcomes are written in the
    /// transaction that holds its messages, which commits once the last is
    /// in. When the stream ends, a claim still waiting for outcomes (its
    /// claimer stopped half-way) commits those it has: the rest stay queued.
    pub(super) async fn held(
        &self,
        to_mark: &mut mpsc::UnboundedReceiver<Vec<Outcome>>,
        holds: &mut mpsc::UnboundedReceiver<(Tx, Vec<i64>, MessagesHeld)>,
    ) -> Result<usize, AppError> {
        struct Held {
            tx: Tx,
            waiting: usize,
            done: Vec<Marked>,
            /// Counted as being sent until the claim is written or dropped.
            _counted: MessagesHeld,
        }
        let mut claims: Vec<Option<Held>> = Vec::new();
        let mut claim_of: HashMap<i64, usize> = HashMap::new();
        let mut sent = 0;
        while let Some(done) = to_mark.recv().await {
            // Every claim whose messages have come back was sent here first.
            while let Ok((tx, ids, counted)) = holds.try_recv() {
                claim_of.extend(ids.iter().map(|id| (*id, claims.len())));
                claims.push(Some(Held {
                    tx,
                    waiting: ids.len(),
                    done: Vec::new(),
                    _counted: counted,
                }));
            }
            let mut complete = Vec::new();
            for outcome in self.with_attempts(done) {
                let Some(n) = claim_of.remove(&outcome.0) else {
                    tracing::error!(
                        outbox = outcome.0,
                        "an outcome for a message not claimed here"
                    );
                    continue;
                };
                if let Some(claim) = claims[n].as_mut() {
                    claim.done.push(outcome);
                    claim.waiting -= 1;
                    if claim.waiting == 0 {
                        complete.push(n);
                    }
                }
            }
            for n in complete {
                if let Some(claim) = claims[n].take() {
                    sent += self.commit_held(claim.tx, claim.done).await?;
                }
            }
        }
        for claim in claims.into_iter().flatten() {
            sent += self.commit_held(claim.tx, claim.done).await?;
        }
        Ok(sent)
    }

    async fn commit_held(&self, mut tx: Tx, done: Vec<Marked>) -> Result<usize, AppError> {
        let written = done.len();
        let sent = write_outcomes(&mut tx, self.db.backend(), done, self.at()).await?;
        tx.commit().await?;
        self.unmarked.add_permits(written);
        Ok(sent)
    }
}

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Marks sent messages sent and takes them out of the queue, schedules the
/// next try of the others (or marks them failed after the last, out of the
/// queue), and records each failed try, in `tx` (whose reads already walk the
/// indexes).
/// Returns how many were sent.
async fn write_outcomes(
    tx: &mut Tx,
    backend: Backend,
    outcomes: Vec<Marked>,
    at: i64,
) -> Result<usize, AppError> {
    let mut sent = Vec::new();
    let mut failed = Vec::new();
    for (id, attempts, outcome) in outcomes {
        match outcome {
            Ok(()) => sent.push(id),
            Err(error) => {
                tracing::warn!(outbox = id, attempt = attempts, %error, "sending failed");
                let kind = error.kind();
                let permanent = error.is_permanent();
                let text = error.to_string().chars().take(500).collect::<String>();
                failed.push((id, attempts, kind, permanent, text));
            }
        }
    }
    // Queued: held by this worker's lease or lock on its queue row. The try
    // is counted here, with its outcome.
    let mark_sent = "UPDATE outbox SET status = 'sent', sent_at = {1}, attempts = attempts + 1, \
                     claimed_until = NULL, last_error = NULL WHERE status = 'queued' AND id IN ({})";
    for ids in sent.chunks(500) {
        let sql = in_list(backend, mark_sent, 2, ids.len());
        let mut q = sqlx::query(&sql).bind(at);
        for id in ids {
            q = q.bind(*id);
        }
        q.execute(&mut **tx).await?;
        let sql = in_list(
            backend,
            "DELETE FROM outbox_queue WHERE id IN ({})",
            1,
            ids.len(),
        );
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(*id);
        }
        q.execute(&mut **tx).await?;
    }
    for (id, attempts, _, permanent, error) in &failed {
        // A message the server refused for good is not tried again.
        let given_up = *permanent || *attempts >= MAX_ATTEMPTS;
        let (status, next) = if given_up {
            ("failed", at)
        } else {
            ("queued", at + backoff_seconds(*attempts))
        };
        sqlx::query(
            "UPDATE outbox SET status = $1, next_attempt_at = $2, claimed_until = NULL, last_error = $3, \
             attempts = $4 WHERE id = $5",
        )
        .bind(status)
        .bind(next)
        .bind(error.clone())
        .bind(*attempts)
        .bind(*id)
        .execute(&mut **tx)
        .await?;
        let queue_row = if given_up {
            sqlx::query("DELETE FROM outbox_queue WHERE id = $1")
        } else {
            sqlx::query(
                "UPDATE outbox_queue SET next_attempt_at = $1, claimed_until = NULL WHERE id = $2",
            )
            .bind(next)
        };
        queue_row.bind(*id).execute(&mut **tx).await?;
    }
    for tries in failed.chunks(200) {
        let sql = format!(
            "INSERT INTO delivery_failures (outbox_id, attempt, failed_at, kind, error) VALUES {}",
            backend.value_rows(tries.len(), 5)
        );
        let mut q = sqlx::query(&sql);
        for (id, attempts, kind, _, error) in tries {
            q = q
                .bind(*id)
                .bind(*attempts)
                .bind(at)
                .bind(*kind)
                .bind(error.clone());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(sent.len())
}
