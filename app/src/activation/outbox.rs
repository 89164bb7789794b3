//! The email outbox: messages are written in the transaction that decides them,
//! then sent by a worker that claims each row atomically, retries with backoff
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

use super::queue;
use super::templates::{body, EmailFacts, Template};
use crate::db::{in_list, read_as, Backend, Db, MessagesHeld, Reading, Tx};
use crate::domain::format_date;
use crate::error::AppError;
use crate::keys::link::{self, LinkKey, LinkKeys};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use time::OffsetDateTime;
use tokio::sync::mpsc;

/// How long a worker may hold a claimed message before another may take it.
pub const LEASE_SECONDS: i64 = 120;
/// Tries before a message is marked failed.
pub const MAX_ATTEMPTS: i64 = 5;

/// Seconds to wait after the `attempts`-th failed try: 30 s, 1 min, 2 min, 4 min…
pub fn backoff_seconds(attempts: i64) -> i64 {
    30 * (1i64 << (attempts - 1).clamp(0, 10))
}

pub use crate::keys::message_id as new_message_id;

/// What waits in the outbox at one moment, for operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Backlog {
    /// Messages due now and not yet handed to the mail server.
    pub due: i64,
    /// Messages a worker is sending now: on PostgreSQL, those this instance
    /// holds (another instance's are counted as due).
    pub sending: i64,
    /// How long the longest-waiting due message has been due, in seconds.
    pub oldest_due_seconds: i64,
}

/// The outbox's backlog at `now`: read from its queue, which holds only
/// messages still to be sent.
pub async fn backlog(db: &Db, now: i64) -> Result<Backlog, AppError> {
    let (due, oldest): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(next_attempt_at) FROM outbox_queue \
         WHERE claimed_until IS NULL AND next_attempt_at <= $1",
    )
    .bind(now)
    .fetch_one(db.pool())
    .await?;
    let sending: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox_queue WHERE claimed_until IS NOT NULL")
            .fetch_one(db.pool())
            .await?;
    // On PostgreSQL a message being sent is still queued, under a lock.
    let held = db.messages_held();
    Ok(Backlog {
        due: (due - held).max(0),
        sending: sending + held,
        oldest_due_seconds: oldest.map_or(0, |at| (now - at).max(0)),
    })
}

/// Writes a message to the outbox and queues it; it is due at `not_before`.
pub async fn enqueue(
    tx: &mut Tx,
    activation_id: i64,
    enrollment_id: i64,
    to: &str,
    template: Template,
    not_before: i64,
    at: i64,
) -> Result<i64, AppError> {
    let id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO outbox (activation_id, enrollment_id, to_email, subject, template, message_id, not_before, \
         status, attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, $7, $8) \
         RETURNING id",
    )
    .bind(activation_id)
    .bind(enrollment_id)
    .bind(to)
    .bind(template.subject())
    .bind(template.code())
    .bind(new_message_id())
    .bind(not_before)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?;
    queue::add_one(tx, id, not_before).await
}

/// A notice: a message whose text is written when it is queued (it holds no
/// secret), ending with a link to a page of the portal.
#[derive(Debug, Clone)]
pub struct Notice<'a> {
    pub template: Template,
    pub to: &'a str,
    /// The enrollment it is about, if any (for the demo mailbox's scope; the
    /// activation timeline shows activation emails only).
    pub enrollment_id: Option<i64>,
    pub text: String,
    /// The page it links to, such as `/changes/CICR-1`.
    pub path: String,
}

/// Queues a notice in the caller's transaction: written with the change it
/// tells of, or not at all, so it is sent once however often the change is
/// tried again.
pub async fn enqueue_notice(tx: &mut Tx, notice: Notice<'_>, at: i64) -> Result<i64, AppError> {
    debug_assert!(notice.template.is_notice());
    let id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO outbox (enrollment_id, to_email, subject, template, message_id, not_before, \
         status, attempts, next_attempt_at, created_at, notice_text, notice_path) \
         VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, $6, $6, $7, $8) RETURNING id",
    )
    .bind(notice.enrollment_id)
    .bind(notice.to)
    .bind(notice.template.subject())
    .bind(notice.template.code())
    .bind(new_message_id())
    .bind(at)
    .bind(notice.text)
    .bind(notice.path)
    .fetch_one(&mut **tx)
    .await?;
    queue::add_one(tx, id, at).await
}

/// A message ready to hand to a mail server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub outbox_id: i64,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub message_id: String,
}

/// Where messages go: SMTP in production, the demo mailbox in the demo.
pub trait Deliver: Send + Sync {
    /// Hands over one message; an error is retried later.
    fn deliver(&self, email: &OutgoingEmail) -> impl Future<Output = Result<(), String>> + Send;

    /// Sends every message that arrives on `emails`, a handful at a time,
    /// until it closes, and reports the outcomes of each handful on
    /// `outcomes` as soon as they are known (by outbox id). By default up to
    /// [`CONCURRENT_DELIVERIES`] messages go side by side through
    /// [`Deliver::deliver`].
    fn deliver_stream(
        &self,
        mut emails: mpsc::Receiver<Vec<OutgoingEmail>>,
        outcomes: mpsc::UnboundedSender<Vec<Outcome>>,
    ) -> impl Future<Output = ()> + Send {
        async move {
            while let Some(mut some) = emails.recv().await {
                while some.len() < CONCURRENT_DELIVERIES {
                    match emails.try_recv() {
                        Ok(more) => some.extend(more),
                        Err(_) => break,
                    }
                }
                let done = futures::future::join_all(some.iter().map(|e| self.deliver(e))).await;
                let done = some.iter().map(|e| e.outbox_id).zip(done).collect();
                if outcomes.send(done).is_err() {
                    break;
                }
            }
        }
    }
}

/// What became of one message: its outbox id, and sent or why not.
pub type Outcome = (i64, Result<(), String>);

/// The demo mailbox: messages are kept in the database and shown on the
/// Mailbox page. Delivering the same message twice keeps one copy.
#[derive(Clone, Debug)]
pub struct DemoMailbox {
    pub db: Db,
    pub clock: std::sync::Arc<dyn crate::state::Clock>,
}

impl Deliver for DemoMailbox {
    async fn deliver(&self, email: &OutgoingEmail) -> Result<(), String> {
        sqlx::query(
            "INSERT INTO demo_mailbox (outbox_id, to_email, subject, body, message_id, delivered_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (outbox_id) DO NOTHING",
        )
        .bind(email.outbox_id)
        .bind(&email.to)
        .bind(&email.subject)
        .bind(&email.body)
        .bind(&email.message_id)
        .bind(self.clock.now().unix_timestamp())
        .execute(self.db.writer())
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
    }
}

/// A claimed message, as the mailer needs it.
#[derive(sqlx::FromRow)]
struct ClaimedRow {
    id: i64,
    activation_id: Option<i64>,
    invitation_id: Option<i64>,
    password_reset_id: Option<i64>,
    to_email: String,
    subject: String,
    template: String,
    message_id: String,
    /// The try about to be made.
    attempts: i64,
    /// When it fell due: with its id, where the next claim of a round starts.
    next_attempt_at: i64,
    notice_text: Option<String>,
    notice_path: Option<String>,
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
        "SELECT o.id, o.activation_id, o.invitation_id, o.password_reset_id, o.to_email, o.subject, \
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
struct Claim {
    rows: Vec<ClaimedRow>,
    facts: BatchFacts,
    held: Option<Tx>,
}

/// Where a claim starts: after the message that fell due then, with this id.
type Cursor = (i64, i64);

/// Where a round's first claim starts: before every message.
const FROM_THE_START: Cursor = (i64::MIN, i64::MIN);

/// Claims up to `n` due messages after `after`, with their emails' facts:
/// leased on SQLite (in a write transaction taken at once, so the messages
/// read are the ones leased), locked on PostgreSQL.
async fn claim(db: &Db, now: i64, lease: i64, n: usize, after: Cursor) -> Result<Claim, AppError> {
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
async fn requeue_lapsed_leases(db: &Db, now: i64) -> Result<(), AppError> {
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

/// What an activation email says of its activation and enrollment.
struct ActivationFacts {
    enrollment_number: String,
    enrollment_name: String,
    /// "Product × quantity, …".
    purchased: String,
    link_version: i64,
    link_key_id: Option<String>,
    expires_at: i64,
}

/// The link of an activation, as the email shows it.
pub fn link_url(public_url: &str, key: &LinkKey, activation_id: i64, version: i64) -> String {
    format!(
        "{}/activate/{}",
        public_url.trim_end_matches('/'),
        link::token(key, activation_id, version)
    )
}

/// The facts of every activation email of a claim.
struct BatchFacts {
    activations: HashMap<i64, ActivationFacts>,
}

async fn compose(
    db: &Db,
    public_url: &str,
    keys: &LinkKeys,
    facts: &BatchFacts,
    row: &ClaimedRow,
) -> Result<OutgoingEmail, AppError> {
    use crate::accounts::emails::{self, AccountEmail};
    let template = Template::parse(&row.template).ok_or(AppError::Internal)?;
    let account_email = match (template, row.invitation_id, row.password_reset_id) {
        (Template::Invitation, Some(id), _) => Some(AccountEmail::Invitation(id)),
        (Template::PasswordReset, _, Some(id)) => Some(AccountEmail::PasswordReset(id)),
        (Template::Invitation | Template::PasswordReset, _, _) => return Err(AppError::Internal),
        _ => None,
    };
    let email = |body| OutgoingEmail {
        outbox_id: row.id,
        to: row.to_email.clone(),
        subject: row.subject.clone(),
        body,
        message_id: row.message_id.clone(),
    };
    if let Some(about) = account_email {
        return Ok(email(emails::body(db, public_url, keys, about).await?));
    }
    if template.is_notice() {
        let text = row.notice_text.as_deref().ok_or(AppError::Internal)?;
        let path = row.notice_path.as_deref().unwrap_or("/");
        return Ok(email(format!("{text}\n\n{public_url}{path}\n")));
    }
    let activation_id = row.activation_id.ok_or(AppError::Internal)?;
    let a = facts
        .activations
        .get(&activation_id)
        .ok_or(AppError::Internal)?;
    // A link is written with the key that made it; a key taken out of the ring
    // too early leaves its links unsendable until support reactivates them.
    let key = a
        .link_key_id
        .as_deref()
        .and_then(|id| keys.by_id(id))
        .ok_or_else(|| {
            tracing::error!(
                activation = activation_id,
                key = ?a.link_key_id,
                "the key this link was made with is not configured"
            );
            AppError::Internal
        })?;
    let link = link_url(public_url, key, activation_id, a.link_version);
    let expires_on = OffsetDateTime::from_unix_timestamp(a.expires_at)
        .map(|t| format_date(t.date()))
        .unwrap_or_default();
    Ok(email(body(
        template,
        &EmailFacts {
            enrollment_number: &a.enrollment_number,
            enrollment_name: &a.enrollment_name,
            purchased: &a.purchased,
            link: &link,
            expires_on: &expires_on,
        },
    )))
}

/// Messages handed to a [`Deliver`] that sends one at a time, side by side.
/// Each SMTP exchange waits on the network more than on this process.
pub const CONCURRENT_DELIVERIES: usize = 16;

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
const MARK_WAIT: std::time::Duration = std::time::Duration::from_millis(5);

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
                            Err(e) => unsendable
                                .push((row.id, Err(format!("cannot compose the message: {e}")))),
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

/// An outcome with the try it was: outbox id, attempts, sent or why not.
type Marked = (i64, i64, Result<(), String>);

/// The marker: writes outcomes as they come back and gives each message's
/// permit back once its outcome is written.
struct Marking<'a> {
    db: &'a Db,
    attempts: &'a Mutex<HashMap<i64, i64>>,
    unmarked: &'a tokio::sync::Semaphore,
    now: OffsetDateTime,
    started: std::time::Instant,
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
    async fn leased(
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
    async fn held(
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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// How a failed try reads on the delivery timeline.
fn failure_kind(error: &str) -> &'static str {
    match error.as_bytes().first() {
        Some(b'4') | Some(b'5') => "refused",
        _ if error.starts_with("cannot compose") => "not_composed",
        _ if error.contains("timed out") => "timed_out",
        _ => "unreachable",
    }
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
                failed.push((id, attempts, error.chars().take(500).collect::<String>()));
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
    for (id, attempts, error) in &failed {
        let given_up = *attempts >= MAX_ATTEMPTS;
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
        for (id, attempts, error) in tries {
            q = q
                .bind(*id)
                .bind(*attempts)
                .bind(at)
                .bind(failure_kind(error))
                .bind(error.clone());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(sent.len())
}

#[cfg(test)]
mod tests {
    use super::{backoff_seconds, failure_kind};

    #[test]
    fn a_failed_try_is_named_by_what_the_mail_server_did() {
        assert_eq!(failure_kind("550 5.1.1 mailbox unavailable"), "refused");
        assert_eq!(failure_kind("421 try later"), "refused");
        assert_eq!(
            failure_kind("timed out waiting for the mail server"),
            "timed_out"
        );
        assert_eq!(
            failure_kind("the mail server closed the connection"),
            "unreachable"
        );
        assert_eq!(
            failure_kind("cannot compose the message: internal"),
            "not_composed"
        );
    }

    #[test]
    fn retries_back_off_exponentially() {
        assert_eq!(backoff_seconds(1), 30);
        assert_eq!(backoff_seconds(2), 60);
        assert_eq!(backoff_seconds(4), 240);
    }
}
