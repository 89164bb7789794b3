//! Sending the outbox: messages are written in the transaction that decides
//! them (see [`crate::mail::enqueue`]), then sent by a worker that claims each row atomically, retries with backoff
//! and gives up after the last try. A message claimed by a worker that died is
//! claimed again (on SQLite after its lease, on PostgreSQL at once); the
//! resend carries the same Message-ID.
//!
//! The messages still to be sent are in a queue of their own
//! (`outbox_queue`: id, when due, a lease), written with each message and
//! deleted once it is sent or given up; the outbox row keeps what the message
//! is and what became of it, in columns no index reads. A claim walks the
//! queue, and every change to what is queued goes through the queue's row
//! first, so a message held by a worker is never changed under it.
//!
//! How a claim keeps other workers off its messages differs by backend. On
//! SQLite it writes a lease into each queue row (`claimed_until`) in a short
//! write transaction. On PostgreSQL it locks the queue rows (`FOR UPDATE SKIP
//! LOCKED`) in a transaction held open while they are sent, which the mark
//! then commits; a worker that dies releases its messages as its connections
//! close. Either way the outbox row stays queued until the mark, which writes
//! it once (on PostgreSQL in place, on its page), counting the try, and
//! deletes its queue row. What refers to a message (the demo mailbox's copy,
//! a failed try) names the outbox row, so it can be written while the
//! message is held.

mod claim;
mod compose;
mod mark;

pub use claim::{claim_statement, REQUEUE_LAPSED_LEASES};
pub use compose::link_url;

use crate::db::{Backend, Db, MessagesHeld, Tx};
use crate::error::AppError;
use crate::keys::link::LinkKeys;
use crate::mail::{Deliver, DeliveryError, Outcome, OutgoingEmail, LEASE_SECONDS};
use claim::{claim, requeue_lapsed_leases, Claim, FROM_THE_START};
use compose::compose;
use mark::{lock, Marking};
use std::collections::HashMap;
use std::sync::Mutex;
use time::OffsetDateTime;
use tokio::sync::mpsc;

/// Messages claimed at once; the claimer stays at most two batches ahead of
/// the mail server. A third of [`UNMARKED_AT_MOST`], so a claim is handed out
/// whole without waiting for marks, and its short transaction leaves the
/// writer free for them between claims (claims of 250 measured a tenth slower
/// on SQLite: the claimer stopped in the middle of each for marks).
pub const CLAIM_BATCH: usize = 100;
/// Messages a connection takes at once: fewer hand-offs between the claimer,
/// the connections and the marker than one at a time.
pub const HANDFUL: usize = 10;
/// Outcomes written in one transaction, about (a handful's outcomes arrive
/// together, so a group may pass it by fewer than [`HANDFUL`]), and how long
/// the marker waits for more after the first. What bounds the messages a
/// worker that dies leaves accepted but not marked is [`UNMARKED_AT_MOST`].
pub const MARK_GROUP: usize = 100;
/// Messages between their claim and their mark at most: the claimer waits for
/// the marker beyond this, so however slow the database, a worker that dies
/// leaves no more than this many accepted and not marked. Three claims: while
/// the oldest one's outcomes are written and committed, the connections still
/// have two claims to send. With two, they ran out while the commit waited
/// for the database's log: 7 % fewer emails a second on PostgreSQL, 6 % on
/// SQLite.
pub const UNMARKED_AT_MOST: usize = 3 * CLAIM_BATCH;
pub(super) const MARK_WAIT: std::time::Duration = std::time::Duration::from_millis(5);

/// Sends every due message, at most `limit`, with the standard lease. Returns
/// how many were sent.
pub async fn send_due<M: Deliver>(
    db: &Db,
    mailer: &M,
    keys: &LinkKeys,
    public_url: &str,
    now: OffsetDateTime,
    limit: usize,
) -> Result<usize, AppError> {
    send_due_leased(db, mailer, keys, public_url, now, limit, LEASE_SECONDS).await
}

/// Sends every due message, at most `limit`; on SQLite a message claimed here
/// is put back in the queue by a round that starts `lease` seconds later if
/// it is still not marked (on PostgreSQL its lock holds it until it is marked
/// or this worker's connection closes).
///
/// Three steps run side by side: the claimer claims and composes batches
/// while the mailer has room; the mailer sends them as a stream; the marker
/// writes outcomes as they come back (on SQLite all that arrived since its
/// last write in one transaction, on PostgreSQL each claim's in the
/// transaction that holds it). So the mail server never waits on the
/// database, and a worker that dies leaves unmarked at most
/// [`UNMARKED_AT_MOST`] messages (sent again, with the same Message-ID).
pub async fn send_due_leased<M: Deliver>(
    db: &Db,
    mailer: &M,
    keys: &LinkKeys,
    public_url: &str,
    now: OffsetDateTime,
    limit: usize,
    lease: i64,
) -> Result<usize, AppError> {
    let started = std::time::Instant::now();
    requeue_lapsed_leases(db, now.unix_timestamp()).await?;
    // No more than UNMARKED_AT_MOST messages are ever between claim and mark.
    let (emails, to_send) = mpsc::channel::<Vec<OutgoingEmail>>(UNMARKED_AT_MOST / HANDFUL);
    let (outcomes, mut to_mark) = mpsc::unbounded_channel::<Vec<Outcome>>();
    // Claims holding their messages' locks, for the marker (PostgreSQL).
    let (holds, mut held) = mpsc::unbounded_channel::<(Tx, Vec<i64>, MessagesHeld)>();
    // Tries so far, by outbox id, for the marker's backoff.
    let attempts: Mutex<HashMap<i64, i64>> = Mutex::default();
    // One permit per message between its claim and its mark.
    let unmarked = tokio::sync::Semaphore::new(UNMARKED_AT_MOST);

    let claimer = {
        let outcomes = outcomes.clone();
        let attempts = &attempts;
        let unmarked = &unmarked;
        async move {
            let mut left = limit;
            // Messages skipped by a claim (another instance holds them) or
            // queued behind it meanwhile are the next round's.
            let mut after = FROM_THE_START;
            while left > 0 {
                // The clock moves on during a long send; each claim's lease
                // starts when it is made.
                let at = now.unix_timestamp() + started.elapsed().as_secs() as i64;
                let Claim { rows, facts, held } =
                    claim(db, at, lease, left.min(CLAIM_BATCH), after).await?;
                if rows.is_empty() {
                    break;
                }
                after = rows
                    .iter()
                    .map(|r| (r.next_attempt_at, r.id))
                    .fold(after, Ord::max);
                left -= rows.len();
                lock(attempts).extend(rows.iter().map(|r| (r.id, r.attempts)));
                // The marker learns of a held claim before any of its outcomes.
                if let Some(tx) = held {
                    let ids = rows.iter().map(|r| r.id).collect();
                    if holds.send((tx, ids, db.hold_messages(rows.len()))).is_err() {
                        return Ok(());
                    }
                }
                for handful in rows.chunks(HANDFUL) {
                    // Each message gives back its permit once marked; a
                    // closed semaphore means the marker stopped.
                    match unmarked.acquire_many(handful.len() as u32).await {
                        Ok(permits) => permits.forget(),
                        Err(_) => return Ok(()),
                    }
                    let mut ready = Vec::with_capacity(handful.len());
                    let mut unsendable = Vec::new();
                    for row in handful {
                        match compose(db, public_url, keys, &facts, row).await {
                            Ok(email) => ready.push(email),
                            Err(e) => unsendable.push((
                                row.id,
                                Err(DeliveryError::NotComposed(format!(
                                    "cannot compose the message: {e}"
                                ))),
                            )),
                        }
                    }
                    if !unsendable.is_empty() {
                        let _ = outcomes.send(unsendable);
                    }
                    if !ready.is_empty() && emails.send(ready).await.is_err() {
                        return Ok(());
                    }
                }
            }
            Ok::<(), AppError>(())
        }
    };
    let sender = mailer.deliver_stream(to_send, outcomes);
    let marker = async {
        let marking = Marking {
            db,
            attempts: &attempts,
            unmarked: &unmarked,
            now,
            started,
        };
        let marked = match db.backend() {
            Backend::Sqlite => marking.leased(&mut to_mark).await,
            Backend::Postgres => marking.held(&mut to_mark, &mut held).await,
        };
        // Whatever ended the marker, the claimer must not wait for it.
        unmarked.close();
        marked
    };
    let (claimed, (), marked) = tokio::join!(claimer, sender, marker);
    let sent = marked?;
    claimed?;
    Ok(sent)
}
