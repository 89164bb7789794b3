//! Claiming due messages: leased on SQLite, locked on PostgreSQL (see the
//! module above), each with what its email says, in one statement.

use crate::db::{in_list, read_as, Backend, Db, Reading, Tx};
use crate::error::AppError;
use crate::mail::sending::compose::{ActivationFacts, BatchFacts};
use crate::mail::Message;
use std::collections::HashMap;

/// A claimed message, as the mailer needs it.
#[derive(sqlx::FromRow)]
pub(super) struct ClaimedRow {
    pub(super) id: i64,
    pub(super) activation_id: Option<i64>,
    pub(super) enrollment_id: Option<i64>,
    pub(super) invitation_id: Option<i64>,
    pub(super) password_reset_id: Option<i64>,
    pub(super) to_email: String,
    pub(super) subject: String,
    pub(super) template: String,
    pub(super) message_id: String,
    /// The try about to be made.
    pub(super) attempts: i64,
    /// When it fell due: with its id, where the next claim of a round starts.
    pub(super) next_attempt_at: i64,
    pub(super) notice_text: Option<String>,
    pub(super) notice_path: Option<String>,
}

impl ClaimedRow {
    /// What the row names, or `None` if its columns disagree.
    pub(super) fn message(&self) -> Option<Message> {
        Message::from_row(
            &self.template,
            self.activation_id,
            self.enrollment_id,
            self.invitation_id,
            self.password_reset_id,
            self.notice_text
                .clone()
                .map(|t| (t, self.notice_path.clone())),
        )
    }
}

/// A row of a claim: a message, with what its email says of its activation
/// (if it is an activation email).
#[derive(sqlx::FromRow)]
struct ClaimedEmail {
    #[sqlx(flatten)]
    message: ClaimedRow,
    enrollment_number: Option<String>,
    enrollment_name: Option<String>,
    purchased: Option<String>,
    link_version: Option<i64>,
    link_key_id: Option<String>,
    expires_at: Option<i64>,
}

/// The claim: the queued messages due at `$1`, at most `$2`, in the order
/// they fell due, after the message that fell due at `$3` with id `$4` (where
/// the round's last claim stopped), each with what its email says (kept on
/// its activation: its link, enrollment and what was bought), in one
/// statement that walks `outbox_due` from there and reads one outbox row and
/// one activation per message. Starting after the last claim matters on
/// PostgreSQL: the index keeps the entries of messages sent moments ago until
/// no open transaction can see them (the claims being sent are such
/// transactions), and a claim from the start would step over each of them.
/// Each row's `attempts` counts the try about to be made. On PostgreSQL it
/// also locks the queue rows (`FOR UPDATE SKIP LOCKED`), so several instances
/// claim different ones; on SQLite it runs in a write transaction that then
/// leases them. A message the outbox does not show as queued is never sent.
pub fn claim_statement(backend: Backend) -> String {
    let lock = match backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    format!(
        "SELECT o.id, o.activation_id, o.enrollment_id, o.invitation_id, o.password_reset_id, o.to_email, o.subject, \
         o.template, o.message_id, o.attempts + 1 AS attempts, q.next_attempt_at, o.notice_text, o.notice_path, \
         a.enrollment_number, a.enrollment_name, a.purchased, a.link_version, a.link_key_id, a.expires_at \
         FROM (SELECT id, next_attempt_at FROM outbox_queue \
         WHERE claimed_until IS NULL AND next_attempt_at <= $1 AND (next_attempt_at, id) > ($3, $4) \
         ORDER BY next_attempt_at, id LIMIT $2{lock}) q \
         JOIN outbox o ON o.id = q.id AND o.status = 'queued' \
         LEFT JOIN activations a ON a.id = o.activation_id"
    )
}

/// The statement that puts back in the queue the messages whose worker died
/// while it held their lease (`$1` is now), returning their ids; it walks
/// `outbox_leases`. Their outbox rows are still queued (the try of a worker
/// that died is not counted), unless an earlier version of the portal marked
/// them `sending`: those are shown as queued again.
pub const REQUEUE_LAPSED_LEASES: &str =
    "UPDATE outbox_queue SET claimed_until = NULL WHERE claimed_until < $1 RETURNING id";

/// Claimed messages and, on PostgreSQL, the transaction that holds their
/// locks until they are marked.
pub(super) struct Claim {
    pub(super) rows: Vec<ClaimedRow>,
    pub(super) facts: BatchFacts,
    pub(super) held: Option<Tx>,
}

/// Where a claim starts: after the message that fell due then, with this id.
pub(super) type Cursor = (i64, i64);

/// Where a round's first claim starts: before every message.
pub(super) const FROM_THE_START: Cursor = (i64::MIN, i64::MIN);

/// Claims up to `n` due messages after `after`, with their emails' facts:
/// leased on SQLite (in a write transaction taken at once, so the messages
/// read are the ones leased), locked on PostgreSQL.
pub(super) async fn claim(
    db: &Db,
    now: i64,
    lease: i64,
    n: usize,
    after: Cursor,
) -> Result<Claim, AppError> {
    let backend = db.backend();
    let mut tx = match backend {
        Backend::Sqlite => db.writer().begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => db.begin().await?,
    };
    read_as(&mut tx, backend, Reading::IndexScansAndLookups).await?;
    let claimed: Vec<ClaimedEmail> = sqlx::query_as(&claim_statement(backend))
        .bind(now)
        .bind(n as i64)
        .bind(after.0)
        .bind(after.1)
        .fetch_all(&mut *tx)
        .await?;
    let (rows, facts) = gather(claimed);
    if backend == Backend::Postgres {
        return Ok(Claim {
            rows,
            facts,
            held: Some(tx),
        });
    }
    for ids in rows.chunks(500) {
        let sql = in_list(
            backend,
            "UPDATE outbox_queue SET claimed_until = {1} WHERE id IN ({})",
            2,
            ids.len(),
        );
        let mut q = sqlx::query(&sql).bind(now + lease);
        for row in ids {
            q = q.bind(row.id);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(Claim {
        rows,
        facts,
        held: None,
    })
}

/// The claim's rows as messages, in the order claimed, and the facts of their
/// emails.
fn gather(claimed: Vec<ClaimedEmail>) -> (Vec<ClaimedRow>, BatchFacts) {
    let mut rows = Vec::with_capacity(claimed.len());
    let mut facts = BatchFacts {
        activations: HashMap::new(),
    };
    for email in claimed {
        if let (
            Some(activation),
            Some(enrollment_number),
            Some(enrollment_name),
            Some(purchased),
            Some(link_version),
            Some(expires_at),
        ) = (
            email.message.activation_id,
            email.enrollment_number,
            email.enrollment_name,
            email.purchased,
            email.link_version,
            email.expires_at,
        ) {
            facts.activations.insert(
                activation,
                ActivationFacts {
                    enrollment_number,
                    enrollment_name,
                    purchased,
                    link_version,
                    link_key_id: email.link_key_id,
                    expires_at,
                },
            );
        }
        rows.push(email.message);
    }
    (rows, facts)
}

/// Puts back in the queue the messages leased by a worker that died (on
/// PostgreSQL, by an earlier version of the portal, before claims took
/// locks).
pub(super) async fn requeue_lapsed_leases(db: &Db, now: i64) -> Result<(), AppError> {
    let backend = db.backend();
    let mut tx = db.begin().await?;
    // The queue's statistics may count no lease where a dead worker left a
    // hundred: the leases' index, then each message by its key, whatever
    // they say.
    read_as(&mut tx, backend, Reading::IndexScansAndLookups).await?;
    let lapsed: Vec<i64> = sqlx::query_scalar(REQUEUE_LAPSED_LEASES)
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
    for ids in lapsed.chunks(500) {
        let sql = in_list(
            backend,
            "UPDATE outbox SET status = 'queued', claimed_until = NULL \
             WHERE status = 'sending' AND id IN ({})",
            1,
            ids.len(),
        );
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(*id);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}
