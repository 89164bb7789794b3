//! Writing to the outbox: the one place that does. Each message is written
//! with its queue row (see [`super::queue`]) in the caller's transaction.

use super::queue;
use crate::db::{Backend, Db, Tx};
use crate::domain::Template;
use crate::error::AppError;

/// What a message is, as its outbox row names it; the row's other columns
/// say who gets it and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// An activation email (R1, R8), composed from its activation's link
    /// and facts when it is sent.
    Activation {
        activation_id: i64,
        enrollment_id: i64,
        template: Template,
    },
    /// An invitation to the portal, composed from the invitation.
    Invitation(i64),
    /// A password reset, composed from the reset.
    PasswordReset(i64),
    /// A notice: its text is written when it is queued (it holds no secret)
    /// and ends with a link to a page of the portal.
    Notice {
        template: Template,
        /// The enrollment it is about, if any (for the demo mailbox's scope;
        /// the activation timeline shows activation emails only).
        enrollment_id: Option<i64>,
        text: String,
        /// The page it links to, such as `/changes/CICR-1`.
        path: String,
    },
}

impl Message {
    fn template(&self) -> Template {
        match self {
            Message::Activation { template, .. } | Message::Notice { template, .. } => *template,
            Message::Invitation(_) => Template::Invitation,
            Message::PasswordReset(_) => Template::PasswordReset,
        }
    }

    /// The message an outbox row names, or `None` for a row that names
    /// none consistently (its template and the column it needs disagree).
    pub fn from_row(
        template: &str,
        activation_id: Option<i64>,
        enrollment_id: Option<i64>,
        invitation_id: Option<i64>,
        password_reset_id: Option<i64>,
        notice: Option<(String, Option<String>)>,
    ) -> Option<Message> {
        let template = Template::parse(template)?;
        match template {
            Template::Invitation => invitation_id.map(Message::Invitation),
            Template::PasswordReset => password_reset_id.map(Message::PasswordReset),
            t if t.is_notice() => notice.map(|(text, path)| Message::Notice {
                template: t,
                enrollment_id,
                text,
                path: path.unwrap_or_else(|| "/".into()),
            }),
            t => Some(Message::Activation {
                activation_id: activation_id?,
                enrollment_id: enrollment_id?,
                template: t,
            }),
        }
    }
}

/// A message to write: what it is, to whom, and when it falls due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    pub message: Message,
    pub to: String,
    pub not_before: i64,
}

/// Columns of one outbox row as written here.
const COLUMNS: usize = 15;
/// Rows per statement, as the activation engine writes its own.
const ROWS_PER_STATEMENT: usize = 250;

/// Writes `messages` to the outbox and queues them, at `at`, in the caller's
/// transaction. Returns the ids written, in no particular order.
pub async fn enqueue(
    tx: &mut Tx,
    backend: Backend,
    messages: &[Queued],
    at: i64,
) -> Result<Vec<i64>, AppError> {
    let mut ids = Vec::with_capacity(messages.len());
    for rows in messages.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO outbox (activation_id, enrollment_id, invitation_id, password_reset_id, \
             to_email, subject, template, message_id, not_before, status, attempts, next_attempt_at, \
             created_at, notice_text, notice_path) VALUES {} RETURNING id, next_attempt_at",
            backend.value_rows(rows.len(), COLUMNS)
        );
        let mut q = sqlx::query_as::<_, (i64, i64)>(&sql);
        for row in rows {
            let template = row.message.template();
            let (activation, enrollment, invitation, reset, text, path) = match &row.message {
                Message::Activation {
                    activation_id,
                    enrollment_id,
                    ..
                } => (
                    Some(*activation_id),
                    Some(*enrollment_id),
                    None,
                    None,
                    None,
                    None,
                ),
                Message::Invitation(id) => (None, None, Some(*id), None, None, None),
                Message::PasswordReset(id) => (None, None, None, Some(*id), None, None),
                Message::Notice {
                    enrollment_id,
                    text,
                    path,
                    ..
                } => (None, *enrollment_id, None, None, Some(text), Some(path)),
            };
            q = q
                .bind(activation)
                .bind(enrollment)
                .bind(invitation)
                .bind(reset)
                .bind(&row.to)
                .bind(template.subject())
                .bind(template.code())
                .bind(super::new_message_id())
                .bind(row.not_before)
                .bind("queued")
                .bind(0i64)
                .bind(row.not_before)
                .bind(at)
                .bind(text)
                .bind(path);
        }
        let written = q.fetch_all(&mut **tx).await?;
        queue::add(tx, backend, &written).await?;
        ids.extend(written.into_iter().map(|(id, _)| id));
    }
    Ok(ids)
}

/// Writes one message to the outbox and queues it; returns its id.
pub async fn enqueue_one(tx: &mut Tx, message: Queued, at: i64) -> Result<i64, AppError> {
    let backend = Backend::of(tx);
    enqueue(tx, backend, std::slice::from_ref(&message), at)
        .await?
        .pop()
        .ok_or(AppError::Internal)
}

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
