//! The activation engine: for every new order, decide once what activation it
//! calls for (R1, R2, R8, R11) and queue any email in the same transaction.

use super::link::{self, LinkKey, LinkKeys};
use super::templates::Template;
use crate::db::{Db, Tx};
use crate::domain::{add_months, parse_date, ProductKind};
use crate::error::AppError;
use time::{OffsetDateTime, Time};

/// What the engine decided about one order, for one kind of activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// R11a: the order has no online service.
    NothingToActivate,
    /// R11d: the enrollment already has an online account; licenses join it.
    JoinedAccount,
    /// R11f: the recipient administers an existing account; licenses go there.
    AssignedToExistingAccount,
    /// R1: only the first online order sends the email; one was already sent.
    AlreadySent,
    /// R1/R2/R8: the email is queued now.
    EmailQueued,
    /// R11e: the usage start date is in the future; the email waits for it.
    EmailScheduled,
    /// Neither an OSM nor an NTC is recorded.
    NoRecipient,
    /// The reservation was cancelled before the engine saw it.
    Cancelled,
}

impl Outcome {
    /// The value stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Outcome::NothingToActivate => "nothing_to_activate",
            Outcome::JoinedAccount => "joined_account",
            Outcome::AssignedToExistingAccount => "assigned_to_existing_account",
            Outcome::AlreadySent => "already_sent",
            Outcome::EmailQueued => "email_queued",
            Outcome::EmailScheduled => "email_scheduled",
            Outcome::NoRecipient => "no_recipient",
            Outcome::Cancelled => "cancelled",
        }
    }
}

/// One queued order, as the engine reads it.
#[derive(Debug, sqlx::FromRow)]
struct QueuedOrder {
    queue_id: i64,
    order_id: i64,
    enrollment_id: i64,
    status: String,
    purchase_date: String,
    usage_start_date: String,
}

/// Midnight UTC at the start of `date` (an ISO date), as Unix seconds.
fn start_of(date: &str) -> Result<i64, AppError> {
    let d = parse_date(date, "date").map_err(|_| AppError::Internal)?;
    Ok(d.with_time(Time::MIDNIGHT).assume_utc().unix_timestamp())
}

/// R9: a link expires six months after the original purchase date.
pub fn link_expiry(purchase_date: &str) -> Result<i64, AppError> {
    let d = parse_date(purchase_date, "date").map_err(|_| AppError::Internal)?;
    Ok(add_months(d, 6)
        .with_time(Time::MIDNIGHT)
        .assume_utc()
        .unix_timestamp())
}

/// Decides every order waiting in the activation queue, oldest first, at most
/// `limit` of them. Returns how many were decided here. Safe to run in several
/// portal instances at once: each order is claimed inside its transaction.
pub async fn decide_pending(
    db: &Db,
    keys: &LinkKeys,
    now: OffsetDateTime,
    limit: i64,
) -> Result<usize, AppError> {
    let pending = sqlx::query_scalar::<_, i64>(
        "SELECT id FROM activation_queue WHERE decided_at IS NULL ORDER BY id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    if pending.is_empty() {
        return Ok(0);
    }
    let key = keys.current();
    let mut decided = 0;
    // Up to 50 orders share a transaction; if one of them fails, that chunk is
    // done again one order per transaction, so one bad order holds back no other.
    for chunk in pending.chunks(DECISIONS_PER_TRANSACTION) {
        match decide_together(db, chunk, now, key).await {
            Ok(n) => decided += n,
            Err(e) => {
                tracing::warn!(error = %e, "a batch of decisions failed; deciding one by one");
                for queue_id in chunk {
                    decided +=
                        decide_together(db, std::slice::from_ref(queue_id), now, key).await?;
                }
            }
        }
    }
    Ok(decided)
}

/// Orders decided in one transaction.
const DECISIONS_PER_TRANSACTION: usize = 50;

async fn decide_together(
    db: &Db,
    queue_ids: &[i64],
    now: OffsetDateTime,
    key: &LinkKey,
) -> Result<usize, AppError> {
    let mut tx = db.begin().await?;
    let mut decided = 0;
    for queue_id in queue_ids {
        if decide_one(&mut tx, *queue_id, now, key).await? {
            decided += 1;
        }
    }
    tx.commit().await?;
    Ok(decided)
}

async fn decide_one(
    tx: &mut Tx,
    queue_id: i64,
    now: OffsetDateTime,
    key: &LinkKey,
) -> Result<bool, AppError> {
    let at = now.unix_timestamp();
    // The claim: only the transaction that flips `decided_at` goes on.
    let claimed = sqlx::query(
        "UPDATE activation_queue SET decided_at = $1 WHERE id = $2 AND decided_at IS NULL",
    )
    .bind(at)
    .bind(queue_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if claimed != 1 {
        return Ok(false);
    }
    let order = sqlx::query_as::<_, QueuedOrder>(
        "SELECT q.id AS queue_id, o.id AS order_id, o.enrollment_id, o.status, o.purchase_date, o.usage_start_date \
         FROM activation_queue q JOIN orders o ON o.id = q.order_id \
         WHERE q.id = $1",
    )
    .bind(queue_id)
    .fetch_one(&mut **tx)
    .await?;
    debug_assert_eq!(order.queue_id, queue_id);
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT p.kind FROM order_lines l JOIN products p ON p.id = l.product_id WHERE l.order_id = $1",
    )
    .bind(order.order_id)
    .fetch_all(&mut **tx)
    .await?;
    let kinds: Vec<ProductKind> = kinds
        .iter()
        .filter_map(|k| ProductKind::parse(k).ok())
        .collect();
    let has_online = kinds.contains(&ProductKind::OnlineService);
    let has_azure = kinds.contains(&ProductKind::Azure);

    if order.status == "cancelled" {
        record(
            tx,
            &order,
            Template::Ols,
            Outcome::Cancelled,
            "The reservation was cancelled.",
            None,
            at,
        )
        .await?;
        return Ok(true);
    }
    if !has_online && !has_azure {
        let reason = "The order has on-premises products only: there is nothing to activate.";
        record(
            tx,
            &order,
            Template::Ols,
            Outcome::NothingToActivate,
            reason,
            None,
            at,
        )
        .await?;
    }
    if has_online {
        decide_ols(tx, &order, now, key).await?;
    }
    if has_azure {
        decide_azure(tx, &order, now, key).await?;
    }
    Ok(true)
}

async fn contact_email(
    tx: &mut Tx,
    enrollment_id: i64,
    contact: &str,
) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar::<_, String>(
        "SELECT email FROM enrollment_contacts WHERE enrollment_id = $1 AND contact_type = $2",
    )
    .bind(enrollment_id)
    .bind(contact)
    .fetch_optional(&mut **tx)
    .await?)
}

async fn record(
    tx: &mut Tx,
    order: &QueuedOrder,
    kind: Template,
    outcome: Outcome,
    reason: &str,
    recipient: Option<(&str, &str)>,
    at: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO activation_decisions (order_id, enrollment_id, kind, outcome, reason, recipient_email, \
         recipient_contact, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(order.order_id)
    .bind(order.enrollment_id)
    .bind(kind.code())
    .bind(outcome.code())
    .bind(reason)
    .bind(recipient.map(|r| r.0.to_string()))
    .bind(recipient.map(|r| r.1.to_string()))
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn decide_ols(
    tx: &mut Tx,
    order: &QueuedOrder,
    now: OffsetDateTime,
    key: &LinkKey,
) -> Result<(), AppError> {
    let at = now.unix_timestamp();
    let account = sqlx::query_scalar::<_, String>(
        "SELECT a.domain FROM enrollment_accounts ea JOIN online_accounts a ON a.id = ea.account_id \
         WHERE ea.enrollment_id = $1",
    )
    .bind(order.enrollment_id)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(domain) = account {
        let reason = format!(
            "The enrollment is already associated with the online account {domain}: the licenses join it and no email is sent."
        );
        return record(
            tx,
            order,
            Template::Ols,
            Outcome::JoinedAccount,
            &reason,
            None,
            at,
        )
        .await;
    }
    // R1 to the OSM; R2 to the NTC when there is no OSM.
    let recipient = match contact_email(tx, order.enrollment_id, "osm").await? {
        Some(email) => Some((email, "osm")),
        None => contact_email(tx, order.enrollment_id, "ntc")
            .await?
            .map(|e| (e, "ntc")),
    };
    let Some((email, contact)) = recipient else {
        let reason = "Neither an OSM nor an NTC is recorded on the enrollment, so no activation email can be sent.";
        return record(
            tx,
            order,
            Template::Ols,
            Outcome::NoRecipient,
            reason,
            None,
            at,
        )
        .await;
    };
    let existing = sqlx::query_as::<_, (i64, String)>(
        "SELECT id, domain FROM online_accounts WHERE global_admin_email = $1 OR billing_admin_email = $1 \
         ORDER BY id LIMIT 1",
    )
    .bind(&email)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some((account_id, domain)) = existing {
        sqlx::query(
            "INSERT INTO enrollment_accounts (enrollment_id, account_id, associated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (enrollment_id) DO NOTHING",
        )
        .bind(order.enrollment_id)
        .bind(account_id)
        .bind(at)
        .execute(&mut **tx)
        .await?;
        let reason = format!(
            "The recipient's address administers the existing online account {domain}: the licenses were assigned to it and no email is sent."
        );
        return record(
            tx,
            order,
            Template::Ols,
            Outcome::AssignedToExistingAccount,
            &reason,
            Some((&email, contact)),
            at,
        )
        .await;
    }
    queue_email(tx, order, Template::Ols, &email, contact, now, key).await
}

async fn decide_azure(
    tx: &mut Tx,
    order: &QueuedOrder,
    now: OffsetDateTime,
    key: &LinkKey,
) -> Result<(), AppError> {
    let at = now.unix_timestamp();
    // R8: the NTC is the Azure administrator and receives the Azure email.
    let Some(email) = contact_email(tx, order.enrollment_id, "ntc").await? else {
        let reason = "No NTC is recorded, and the Azure activation email goes only to the NTC.";
        return record(
            tx,
            order,
            Template::Azure,
            Outcome::NoRecipient,
            reason,
            None,
            at,
        )
        .await;
    };
    queue_email(tx, order, Template::Azure, &email, "ntc", now, key).await
}

async fn queue_email(
    tx: &mut Tx,
    order: &QueuedOrder,
    template: Template,
    email: &str,
    contact: &str,
    now: OffsetDateTime,
    key: &LinkKey,
) -> Result<(), AppError> {
    let at = now.unix_timestamp();
    let previous = sqlx::query_scalar::<_, i64>(
        "SELECT created_at FROM activations WHERE enrollment_id = $1 AND kind = $2",
    )
    .bind(order.enrollment_id)
    .bind(template.code())
    .fetch_optional(&mut **tx)
    .await?;
    if previous.is_some() {
        let reason = "The activation email was sent for the enrollment's first online order; later orders send none.";
        return record(
            tx,
            order,
            template,
            Outcome::AlreadySent,
            reason,
            Some((email, contact)),
            at,
        )
        .await;
    }
    let expires_at = link_expiry(&order.purchase_date)?;
    // The hash of a placeholder until the row id is known; replaced just below.
    let placeholder = link::token_hash(&link::new_secret());
    let activation_id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO activations (enrollment_id, order_id, kind, recipient_email, token_hash, link_version, \
         link_key_id, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8) RETURNING id",
    )
    .bind(order.enrollment_id)
    .bind(order.order_id)
    .bind(template.code())
    .bind(email)
    .bind(&placeholder)
    .bind(key.id())
    .bind(expires_at)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("UPDATE activations SET token_hash = $1 WHERE id = $2")
        .bind(link::token_hash(&link::token(key, activation_id, 1)))
        .bind(activation_id)
        .execute(&mut **tx)
        .await?;

    // R11e: a future usage start date holds the email until that day.
    let not_before = start_of(&order.usage_start_date)?.max(at);
    let scheduled = not_before > at;
    super::outbox::enqueue(
        tx,
        activation_id,
        order.enrollment_id,
        email,
        template,
        not_before,
        at,
    )
    .await?;
    let (outcome, reason) = if scheduled {
        (
            Outcome::EmailScheduled,
            format!(
                "The usage start date {} is in the future: the email goes out on that day.",
                order.usage_start_date
            ),
        )
    } else {
        let who = if contact == "osm" {
            "the OSM"
        } else if template == Template::Azure {
            "the NTC"
        } else {
            "the NTC, as there is no OSM"
        };
        (
            Outcome::EmailQueued,
            format!("The activation email was queued for {who}."),
        )
    };
    record(
        tx,
        order,
        template,
        outcome,
        &reason,
        Some((email, contact)),
        at,
    )
    .await?;
    Ok(())
}
