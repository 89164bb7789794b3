//! The email outbox: messages are written in the transaction that decides them,
//! then sent by a worker that claims each row atomically, retries with backoff
//! and gives up after the last try. A row claimed by a worker that died is
//! claimed again after its lease; the resend carries the same Message-ID.

use super::link::{self, LinkKey, LinkKeys};
use super::templates::{body, EmailFacts, Template};
use crate::db::{Backend, Db, Tx};
use crate::domain::format_date;
use crate::error::AppError;
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
    let message_id = format!("<{}@vl-portal.invalid>", &link::new_secret()[..32]);
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
    .bind(message_id)
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

/// Claims the oldest due message, or none. The claim is one short transaction;
/// on PostgreSQL `SKIP LOCKED` lets several instances claim different rows.
async fn claim_next(db: &Db, now: i64) -> Result<Option<ClaimedRow>, AppError> {
    let lock = match db.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let mut tx = db.begin().await?;
    let id = sqlx::query_scalar::<_, i64>(&format!(
        "SELECT id FROM outbox WHERE (status = 'queued' AND next_attempt_at <= $1) \
         OR (status = 'sending' AND claimed_until < $1) ORDER BY id LIMIT 1{lock}"
    ))
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else {
        tx.rollback().await?;
        return Ok(None);
    };
    let row = sqlx::query_as::<_, ClaimedRow>(
        "UPDATE outbox SET status = 'sending', claimed_until = $1, attempts = attempts + 1 WHERE id = $2 \
         RETURNING id, activation_id, invitation_id, password_reset_id, to_email, subject, template, message_id, attempts",
    )
    .bind(now + LEASE_SECONDS)
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(row))
}

#[derive(sqlx::FromRow)]
struct ActivationFacts {
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
    let message_id = format!("<{}@vl-portal.invalid>", &link::new_secret()[..32]);
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
    .bind(message_id)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?)
}

async fn compose(
    db: &Db,
    public_url: &str,
    keys: &LinkKeys,
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
    if let Some(about) = account_email {
        return Ok(OutgoingEmail {
            outbox_id: row.id,
            to: row.to_email.clone(),
            subject: row.subject.clone(),
            body: emails::body(db, public_url, keys, about).await?,
            message_id: row.message_id.clone(),
        });
    }
    let activation_id = row.activation_id.ok_or(AppError::Internal)?;
    let facts = sqlx::query_as::<_, ActivationFacts>(
        "SELECT e.enrollment_number, e.name AS enrollment_name, a.order_id, a.link_version, a.link_key_id, a.expires_at \
         FROM activations a JOIN enrollments e ON e.id = a.enrollment_id WHERE a.id = $1",
    )
    .bind(activation_id)
    .fetch_one(db.pool())
    .await?;
    let purchased: Vec<(String, i64)> = sqlx::query_as(
        "SELECT p.name, l.quantity FROM order_lines l JOIN products p ON p.id = l.product_id \
         WHERE l.order_id = $1 ORDER BY l.line_number",
    )
    .bind(facts.order_id)
    .fetch_all(db.pool())
    .await?;
    let purchased = purchased
        .iter()
        .map(|(name, q)| format!("{name} × {q}"))
        .collect::<Vec<_>>()
        .join(", ");
    // A link is written with the key that made it; a key taken out of the ring
    // too early leaves its links unsendable until support reactivates them.
    let key = facts
        .link_key_id
        .as_deref()
        .and_then(|id| keys.by_id(id))
        .ok_or_else(|| {
            tracing::error!(
                activation = activation_id,
                key = ?facts.link_key_id,
                "the key this link was made with is not configured"
            );
            AppError::Internal
        })?;
    let link = link_url(public_url, key, activation_id, facts.link_version);
    let expires_on = OffsetDateTime::from_unix_timestamp(facts.expires_at)
        .map(|t| format_date(t.date()))
        .unwrap_or_default();
    Ok(OutgoingEmail {
        outbox_id: row.id,
        to: row.to_email.clone(),
        subject: row.subject.clone(),
        body: body(
            template,
            &EmailFacts {
                enrollment_number: &facts.enrollment_number,
                enrollment_name: &facts.enrollment_name,
                purchased: &purchased,
                link: &link,
                expires_on: &expires_on,
            },
        ),
        message_id: row.message_id.clone(),
    })
}

/// Messages handed to the mail server at once. Each SMTP exchange waits on the
/// network more than on this process, so a few run side by side.
pub const CONCURRENT_DELIVERIES: usize = 16;

/// Sends every due message, at most `limit`. Returns how many were sent.
pub async fn send_due<M: Deliver>(
    db: &Db,
    mailer: &M,
    keys: &LinkKeys,
    public_url: &str,
    now: OffsetDateTime,
    limit: usize,
) -> Result<usize, AppError> {
    let at = now.unix_timestamp();
    let mut sent = 0;
    let mut handled = 0;
    while handled < limit {
        let mut batch = Vec::new();
        while batch.len() < CONCURRENT_DELIVERIES.min(limit - handled) {
            match claim_next(db, at).await? {
                Some(row) => batch.push(row),
                None => break,
            }
        }
        if batch.is_empty() {
            break;
        }
        handled += batch.len();
        let mut emails = Vec::new();
        for row in &batch {
            emails.push(compose(db, public_url, keys, row).await);
        }
        let outcomes = futures::future::join_all(emails.iter().map(|email| async move {
            match email {
                Ok(email) => mailer.deliver(email).await,
                Err(e) => Err(format!("cannot compose the message: {e}")),
            }
        }))
        .await;
        for (row, outcome) in batch.iter().zip(outcomes) {
            if record_outcome(db, row, outcome, at).await? {
                sent += 1;
            }
        }
    }
    Ok(sent)
}

/// Marks a message sent, or schedules its next try; true when it was sent.
async fn record_outcome(
    db: &Db,
    row: &ClaimedRow,
    outcome: Result<(), String>,
    at: i64,
) -> Result<bool, AppError> {
    match outcome {
        Ok(()) => {
            sqlx::query(
                "UPDATE outbox SET status = 'sent', sent_at = $1, claimed_until = NULL, last_error = NULL \
                 WHERE id = $2 AND status = 'sending'",
            )
            .bind(at)
            .bind(row.id)
            .execute(db.writer())
            .await?;
            Ok(true)
        }
        Err(error) => {
            tracing::warn!(outbox = row.id, attempt = row.attempts, %error, "sending failed");
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
            .bind(error.chars().take(500).collect::<String>())
            .bind(row.id)
            .execute(db.writer())
            .await?;
            Ok(false)
        }
    }
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
