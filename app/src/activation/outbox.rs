//! The email outbox: messages are written in the transaction that decides them,
//! then sent by a worker that claims each row atomically, retries with backoff
//! and gives up after the last try. A row claimed by a worker that died is
//! claimed again after its lease; the resend carries the same Message-ID.

use super::link::{self, LinkKey, LinkKeys};
use super::templates::{body, EmailFacts, Template};
use crate::db::{placeholders, value_rows, Backend, Db, Tx};
use crate::domain::format_date;
use crate::error::AppError;
use std::collections::HashMap;
use std::future::Future;
use time::OffsetDateTime;

/// How long a worker may hold a claimed message before another may take it.
pub const LEASE_SECONDS: i64 = 120;
/// Tries before a message is marked failed.
pub const MAX_ATTEMPTS: i64 = 5;

/// Seconds to wait after the `attempts`-th failed try: 30 s, 1 min, 2 min, 4 min…
pub fn backoff_seconds(attempts: i64) -> i64 {
    30 * (1i64 << (attempts - 1).clamp(0, 10))
}

/// A fresh Message-ID: kept with the message, so a redelivery carries the same.
pub fn new_message_id() -> String {
    format!("<{}@vl-portal.invalid>", &link::new_secret()[..32])
}

/// Writes a message to the outbox; it is due at `not_before`.
pub async fn enqueue(
    tx: &mut Tx,
    activation_id: i64,
    enrollment_id: i64,
    to: &str,
    template: Template,
    not_before: i64,
    at: i64,
) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar::<_, i64>(
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
    .await?)
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

    /// Hands over a batch; one outcome per message, in order. By default the
    /// messages go side by side through [`Deliver::deliver`].
    fn deliver_all(
        &self,
        emails: &[OutgoingEmail],
    ) -> impl Future<Output = Vec<Result<(), String>>> + Send {
        async move {
            let mut outcomes = Vec::with_capacity(emails.len());
            for some in emails.chunks(CONCURRENT_DELIVERIES) {
                outcomes
                    .extend(futures::future::join_all(some.iter().map(|e| self.deliver(e))).await);
            }
            outcomes
        }
    }
}

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
    attempts: i64,
}

/// `sql` with its `IN` list (written `{}`) numbered from `$first`.
fn in_list(sql: &str, first: usize, count: usize) -> String {
    sql.replace("{}", &placeholders(first, count))
}

/// Claims up to `n` due messages in one short transaction: first those whose
/// worker's lease ran out, then the queued ones in the order they fell due.
/// Both walk an index; on PostgreSQL `SKIP LOCKED` lets several instances
/// claim different rows.
async fn claim_due(db: &Db, now: i64, lease: i64, n: usize) -> Result<Vec<ClaimedRow>, AppError> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let lock = match db.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let mut tx = db.begin().await?;
    let mut ids: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT id FROM outbox WHERE status = 'sending' AND claimed_until < $1 \
         ORDER BY claimed_until LIMIT $2{lock}"
    ))
    .bind(now)
    .bind(n as i64)
    .fetch_all(&mut *tx)
    .await?;
    if ids.len() < n {
        let queued: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at, id LIMIT $2{lock}"
        ))
        .bind(now)
        .bind((n - ids.len()) as i64)
        .fetch_all(&mut *tx)
        .await?;
        ids.extend(queued);
    }
    if ids.is_empty() {
        tx.rollback().await?;
        return Ok(Vec::new());
    }
    let sql = in_list(
        "UPDATE outbox SET status = 'sending', claimed_until = $1, attempts = attempts + 1 WHERE id IN ({}) \
         RETURNING id, activation_id, invitation_id, password_reset_id, to_email, subject, template, message_id, attempts",
        2,
        ids.len(),
    );
    let mut q = sqlx::query_as::<_, ClaimedRow>(&sql).bind(now + lease);
    for id in &ids {
        q = q.bind(*id);
    }
    let mut rows = q.fetch_all(&mut *tx).await?;
    tx.commit().await?;
    rows.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
    Ok(rows)
}

#[derive(sqlx::FromRow)]
struct ActivationFacts {
    id: i64,
    enrollment_number: String,
    enrollment_name: String,
    order_id: i64,
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

/// Writes a message to the outbox for an account email (an invitation or a
/// password reset), due at once.
pub async fn enqueue_account_email(
    tx: &mut Tx,
    about: crate::accounts::emails::AccountEmail,
    to: &str,
    at: i64,
) -> Result<i64, AppError> {
    use crate::accounts::emails::AccountEmail;
    let (invitation_id, reset_id, template) = match about {
        AccountEmail::Invitation(id) => (Some(id), None, Template::Invitation),
        AccountEmail::PasswordReset(id) => (None, Some(id), Template::PasswordReset),
    };
    Ok(sqlx::query_scalar::<_, i64>(
        "INSERT INTO outbox (invitation_id, password_reset_id, to_email, subject, template, message_id, not_before, \
         status, attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, $7, $7) \
         RETURNING id",
    )
    .bind(invitation_id)
    .bind(reset_id)
    .bind(to)
    .bind(template.subject())
    .bind(template.code())
    .bind(new_message_id())
    .bind(at)
    .fetch_one(&mut **tx)
    .await?)
}

/// The facts of every activation email of a batch, read in two queries.
struct BatchFacts {
    activations: HashMap<i64, ActivationFacts>,
    /// "Product × quantity, …" by order.
    purchased: HashMap<i64, String>,
}

async fn batch_facts(db: &Db, rows: &[ClaimedRow]) -> Result<BatchFacts, AppError> {
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.activation_id).collect();
    let mut facts = BatchFacts {
        activations: HashMap::new(),
        purchased: HashMap::new(),
    };
    if ids.is_empty() {
        return Ok(facts);
    }
    let sql = in_list(
        "SELECT a.id, e.enrollment_number, e.name AS enrollment_name, a.order_id, a.link_version, a.link_key_id, \
         a.expires_at FROM activations a JOIN enrollments e ON e.id = a.enrollment_id WHERE a.id IN ({})",
        1,
        ids.len(),
    );
    let mut q = sqlx::query_as::<_, ActivationFacts>(&sql);
    for id in &ids {
        q = q.bind(*id);
    }
    for a in q.fetch_all(db.pool()).await? {
        facts.activations.insert(a.id, a);
    }
    let mut orders: Vec<i64> = facts.activations.values().map(|a| a.order_id).collect();
    orders.sort_unstable();
    orders.dedup();
    let sql = in_list(
        "SELECT l.order_id, p.name, l.quantity FROM order_lines l JOIN products p ON p.id = l.product_id \
         WHERE l.order_id IN ({}) ORDER BY l.order_id, l.line_number",
        1,
        orders.len(),
    );
    let mut q = sqlx::query_as::<_, (i64, String, i64)>(&sql);
    for id in &orders {
        q = q.bind(*id);
    }
    for (order, name, quantity) in q.fetch_all(db.pool()).await? {
        let line = facts.purchased.entry(order).or_default();
        if !line.is_empty() {
            line.push_str(", ");
        }
        line.push_str(&format!("{name} × {quantity}"));
    }
    Ok(facts)
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
    let purchased = facts
        .purchased
        .get(&a.order_id)
        .map(String::as_str)
        .unwrap_or_default();
    Ok(email(body(
        template,
        &EmailFacts {
            enrollment_number: &a.enrollment_number,
            enrollment_name: &a.enrollment_name,
            purchased,
            link: &link,
            expires_on: &expires_on,
        },
    )))
}

/// Messages handed to a [`Deliver`] that sends one at a time, side by side.
/// Each SMTP exchange waits on the network more than on this process.
pub const CONCURRENT_DELIVERIES: usize = 16;

/// Messages claimed at once. The next batch is claimed and composed, and the
/// one before marked, while the current one is with the mail server; so a
/// worker that dies leaves at most two batches sent but not marked, which are
/// sent again (same Message-IDs) when their lease runs out.
pub const CLAIM_BATCH: usize = 100;

/// A claimed batch, composed.
struct Batch {
    rows: Vec<ClaimedRow>,
    /// One per row: the message, or why it could not be composed.
    emails: Vec<Result<OutgoingEmail, String>>,
}

async fn claim_batch(
    db: &Db,
    public_url: &str,
    keys: &LinkKeys,
    at: i64,
    lease: i64,
    n: usize,
) -> Result<Batch, AppError> {
    let rows = claim_due(db, at, lease, n).await?;
    let facts = batch_facts(db, &rows).await?;
    let mut emails = Vec::with_capacity(rows.len());
    for row in &rows {
        emails.push(
            compose(db, public_url, keys, &facts, row)
                .await
                .map_err(|e| format!("cannot compose the message: {e}")),
        );
    }
    Ok(Batch { rows, emails })
}

/// Takes the size of the next claim out of what is left to send.
fn take(left: &mut usize) -> usize {
    let n = (*left).min(CLAIM_BATCH);
    *left -= n;
    n
}

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

/// Sends every due message, at most `limit`; a message claimed here may be
/// claimed by another worker `lease` seconds later if it is still not marked.
/// Batches stream: while one is with the mail server, the next is claimed and
/// composed and the one before is marked, in a few statements each.
pub async fn send_due_leased<M: Deliver>(
    db: &Db,
    mailer: &M,
    keys: &LinkKeys,
    public_url: &str,
    now: OffsetDateTime,
    limit: usize,
    lease: i64,
) -> Result<usize, AppError> {
    let at = now.unix_timestamp();
    let mut left = limit;
    let mut next = claim_batch(db, public_url, keys, at, lease, take(&mut left)).await?;
    // The outcomes of the batch before, written while the next one is sent.
    let mut unmarked: Option<(Vec<ClaimedRow>, Vec<Result<(), String>>)> = None;
    let mut sent = 0;
    while !next.rows.is_empty() {
        let batch = next;
        let n = take(&mut left);
        let (outcomes, following, marked) = tokio::join!(
            deliver_batch(mailer, &batch),
            claim_batch(db, public_url, keys, at, lease, n),
            async {
                match unmarked.take() {
                    Some((rows, outcomes)) => record_outcomes(db, &rows, outcomes, at).await,
                    None => Ok(0),
                }
            }
        );
        sent += marked?;
        unmarked = Some((batch.rows, outcomes));
        next = match following {
            Ok(next) => next,
            Err(e) => {
                if let Some((rows, outcomes)) = unmarked.take() {
                    record_outcomes(db, &rows, outcomes, at).await?;
                }
                return Err(e);
            }
        };
    }
    if let Some((rows, outcomes)) = unmarked {
        sent += record_outcomes(db, &rows, outcomes, at).await?;
    }
    Ok(sent)
}

async fn deliver_batch<M: Deliver>(mailer: &M, batch: &Batch) -> Vec<Result<(), String>> {
    let ready: Vec<OutgoingEmail> = batch
        .emails
        .iter()
        .filter_map(|e| e.as_ref().ok().cloned())
        .collect();
    let mut delivered = mailer.deliver_all(&ready).await.into_iter();
    batch
        .emails
        .iter()
        .map(|e| match e {
            Ok(_) => delivered
                .next()
                .unwrap_or_else(|| Err("the mail transport gave no answer".into())),
            Err(why) => Err(why.clone()),
        })
        .collect()
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

/// Marks sent messages sent, schedules the next try of the others (or marks
/// them failed after the last), and records each failed try. Returns how many
/// were sent.
async fn record_outcomes(
    db: &Db,
    rows: &[ClaimedRow],
    outcomes: Vec<Result<(), String>>,
    at: i64,
) -> Result<usize, AppError> {
    let mut sent = Vec::new();
    let mut failed = Vec::new();
    for (row, outcome) in rows.iter().zip(outcomes) {
        match outcome {
            Ok(()) => sent.push(row.id),
            Err(error) => {
                tracing::warn!(outbox = row.id, attempt = row.attempts, %error, "sending failed");
                failed.push((row, error.chars().take(500).collect::<String>()));
            }
        }
    }
    let mut tx = db.begin().await?;
    for ids in sent.chunks(500) {
        let sql = in_list(
            "UPDATE outbox SET status = 'sent', sent_at = $1, claimed_until = NULL, last_error = NULL \
             WHERE status = 'sending' AND id IN ({})",
            2,
            ids.len(),
        );
        let mut q = sqlx::query(&sql).bind(at);
        for id in ids {
            q = q.bind(*id);
        }
        q.execute(&mut *tx).await?;
    }
    for (row, error) in &failed {
        let (status, next) = if row.attempts >= MAX_ATTEMPTS {
            ("failed", at)
        } else {
            ("queued", at + backoff_seconds(row.attempts))
        };
        sqlx::query(
            "UPDATE outbox SET status = $1, next_attempt_at = $2, claimed_until = NULL, last_error = $3 \
             WHERE id = $4",
        )
        .bind(status)
        .bind(next)
        .bind(error.clone())
        .bind(row.id)
        .execute(&mut *tx)
        .await?;
    }
    for tries in failed.chunks(200) {
        let sql = format!(
            "INSERT INTO delivery_failures (outbox_id, attempt, failed_at, kind, error) VALUES {}",
            value_rows(tries.len(), 5)
        );
        let mut q = sqlx::query(&sql);
        for (row, error) in tries {
            q = q
                .bind(row.id)
                .bind(row.attempts)
                .bind(at)
                .bind(failure_kind(error))
                .bind(error.clone());
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(sent.len())
}

#[cfg(test)]
mod tests {
    use super::backoff_seconds;

    #[test]
    fn retries_back_off_exponentially() {
        assert_eq!(backoff_seconds(1), 30);
        assert_eq!(backoff_seconds(2), 60);
        assert_eq!(backoff_seconds(4), 240);
    }
}
