//! "Why no activation email?" (R11): the enrollment's history read from the
//! live data, the reasons that apply found by `reasons::findings` (the same
//! rules the engine decides with), each shown with its evidence and next
//! step, and the delivery timeline.

use super::reasons::{findings, AdministeredAccount, Findings, History, Message, PlacedOrder};
use super::timeline::{masked, timeline, DecisionRow, FailedTry, MessageRow, Replies};
use super::{Check, Diagnosis};
use crate::access::visible;
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::domain::{format_time as when, EnrollmentId, OutboxStatus};
use crate::error::AppError;
use std::collections::HashMap;
use time::OffsetDateTime;

/// Everything read about the enrollment.
struct Read {
    history: History,
    /// Lines of online services (and Azure) across the placed orders.
    online_lines: i64,
    account_since: Option<i64>,
    messages: Vec<MessageRow>,
    failed_tries: Vec<FailedTry>,
    decisions: Vec<DecisionRow>,
    expired_links: Vec<i64>,
}

async fn read(db: &Db, enrollment_id: EnrollmentId, now: i64) -> Result<Read, AppError> {
    let orders: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT o.order_number, o.usage_start_date, (SELECT COUNT(*) FROM order_lines l \
         JOIN products p ON p.id = l.product_id WHERE l.order_id = o.id AND p.kind <> 'on_premises') \
         FROM orders o WHERE o.enrollment_id = $1 AND o.status = 'placed' ORDER BY o.id",
    )
    .bind(enrollment_id)
    .fetch_all(db.pool())
    .await?;
    let contacts: Vec<(String, String)> = sqlx::query_as(
        "SELECT contact_type, email FROM enrollment_contacts WHERE enrollment_id = $1",
    )
    .bind(enrollment_id)
    .fetch_all(db.pool())
    .await?;
    let contact = |t: &str| {
        contacts
            .iter()
            .find(|(c, _)| c == t)
            .map(|(_, e)| e.clone())
    };
    let (osm, ntc) = (contact("osm"), contact("ntc"));
    let account: Option<(String, i64)> = sqlx::query_as(
        "SELECT a.domain, ea.associated_at FROM enrollment_accounts ea JOIN online_accounts a ON a.id = ea.account_id \
         WHERE ea.enrollment_id = $1",
    )
    .bind(enrollment_id)
    .fetch_optional(db.pool())
    .await?;
    let messages = sqlx::query_as::<_, MessageRow>(
        "SELECT id, to_email, subject, status, attempts, not_before, created_at, sent_at, last_error, next_attempt_at \
         FROM outbox WHERE enrollment_id = $1 AND activation_id IS NOT NULL ORDER BY id",
    )
    .bind(enrollment_id)
    .fetch_all(db.pool())
    .await?;
    let failed_tries: Vec<FailedTry> = sqlx::query_as(
        "SELECT f.outbox_id, f.attempt, f.failed_at, f.kind, f.error FROM delivery_failures f \
         JOIN outbox o ON o.id = f.outbox_id WHERE o.enrollment_id = $1 AND o.activation_id IS NOT NULL ORDER BY f.id",
    )
    .bind(enrollment_id)
    .fetch_all(db.pool())
    .await?;
    let decisions: Vec<DecisionRow> = sqlx::query_as(
        "SELECT o.order_number, d.outcome, d.reason, d.decided_at FROM activation_decisions d \
         JOIN orders o ON o.id = d.order_id WHERE d.enrollment_id = $1 ORDER BY d.id",
    )
    .bind(enrollment_id)
    .fetch_all(db.pool())
    .await?;
    let expired_links: Vec<i64> = sqlx::query_scalar(
        "SELECT expires_at FROM activations WHERE enrollment_id = $1 AND used_at IS NULL AND expires_at <= $2",
    )
    .bind(enrollment_id)
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    let mut administered = HashMap::new();
    if let Some(recipient) = osm.clone().or(ntc.clone()) {
        let found: Option<(i64, String)> = sqlx::query_as(
            "SELECT id, domain FROM online_accounts WHERE global_admin_email = $1 OR billing_admin_email = $1 \
             ORDER BY id LIMIT 1",
        )
        .bind(&recipient)
        .fetch_optional(db.pool())
        .await?;
        if let Some((account_id, domain)) = found {
            administered.insert(recipient, AdministeredAccount { account_id, domain });
        }
    }
    Ok(Read {
        online_lines: orders.iter().map(|(.., lines)| lines).sum(),
        history: History {
            orders: orders
                .into_iter()
                .map(|(number, usage_start, lines)| PlacedOrder {
                    number,
                    usage_start,
                    has_online: lines > 0,
                })
                .collect(),
            osm,
            ntc,
            account_domain: account.as_ref().map(|(domain, _)| domain.clone()),
            administered,
            messages: messages
                .iter()
                .map(|m| Message {
                    to: m.to_email.clone(),
                    delivered: m.status == OutboxStatus::Sent.code(),
                    failed: m.status == OutboxStatus::Failed.code(),
                })
                .collect(),
        },
        account_since: account.map(|(_, at)| at),
        messages,
        failed_tries,
        decisions,
        expired_links,
    })
}

/// Each reason a–g with what applies, its evidence and the next step.
fn checks(read: &Read, found: Findings, now: i64) -> Vec<Check> {
    let h = &read.history;
    let check = |code: &str, title: &str, applies: bool, evidence: String, next_step: &str| Check {
        code: code.into(),
        title: title.into(),
        applies,
        evidence,
        next_step: next_step.into(),
    };
    let sent_elsewhere = read
        .messages
        .iter()
        .find(|m| Some(&m.to_email) != h.osm.as_ref());
    let delivered: Vec<&MessageRow> = read
        .messages
        .iter()
        .filter(|m| m.status == OutboxStatus::Sent.code())
        .collect();
    let failed: Vec<&MessageRow> = read
        .messages
        .iter()
        .filter(|m| m.status == OutboxStatus::Failed.code())
        .collect();
    let future = h
        .orders
        .iter()
        .find(|o| super::reasons::starts_later(&o.usage_start, now));
    let scheduled = read
        .messages
        .iter()
        .find(|m| m.status == OutboxStatus::Queued.code() && m.not_before > now);
    let recipient = h.osm.as_ref().or(h.ntc.as_ref());
    let admin_of = recipient.and_then(|r| h.administered.get(r));
    vec![
        check(
            "a",
            "The enrollment has on-premises products only",
            found.on_premises_only,
            format!(
                "{} order(s); {} line(s) of online services.",
                h.orders.len(),
                read.online_lines
            ),
            "Nothing to activate: on-premises products need no activation email.",
        ),
        check(
            "b",
            "The email was sent to a different contact",
            found.went_elsewhere,
            match sent_elsewhere {
                Some(m) => format!(
                    "\u{201c}{}\u{201d} went to {} on {}{}.",
                    m.subject,
                    masked(&m.to_email),
                    when(m.created_at),
                    if h.osm.is_none() { " (the NTC: the enrollment has no OSM)" } else { "" }
                ),
                None => match &h.osm {
                    Some(o) => format!("The OSM on record is {}.", masked(o)),
                    None => "No OSM is recorded.".into(),
                },
            },
            "Check the contacts: to change the OSM ask your partner for a CICR; Support can correct a typo within the same domain.",
        ),
        check(
            "c",
            "The email was blocked or went to junk mail",
            found.handed_over,
            if delivered.is_empty() && failed.is_empty() {
                "No activation email has been handed to a mail server yet.".into()
            } else {
                delivered
                    .iter()
                    .map(|m| format!("Sent to {} on {}: accepted by the mail server.", masked(&m.to_email), when(m.sent_at.unwrap_or(m.created_at))))
                    .chain(failed.iter().map(|m| format!("To {}: failed after {} tries.", masked(&m.to_email), m.attempts)))
                    .chain(read.expired_links.iter().map(|at| format!("Its link expired on {} (six months after the purchase date); Support can reactivate it.", when(*at))))
                    .collect::<Vec<_>>()
                    .join(" ")
            },
            "Look in the junk folder and ask the mail administrator about blocked messages; Support can send the email again to the same address.",
        ),
        check(
            "d",
            "The enrollment is already associated with an online account",
            found.joins_account,
            match (&h.account_domain, read.account_since) {
                (Some(domain), Some(at)) => format!(
                    "Associated with {domain} since {}; later licenses join it and no email is sent.",
                    when(at)
                ),
                _ => "Not associated with an online account.".into(),
            },
            "Use the existing account; if it is the wrong one, ask Support to remap the licenses.",
        ),
        check(
            "e",
            "The order's usage start date is in the future",
            found.starts_later,
            match (future, scheduled) {
                (Some(o), Some(m)) => format!(
                    "Order {} starts on {}; the email is scheduled for {}.",
                    o.number,
                    o.usage_start,
                    when(m.not_before)
                ),
                (Some(o), None) => format!("Order {} starts on {}.", o.number, o.usage_start),
                _ => "No order starts in the future.".into(),
            },
            "Wait: the email goes out on the usage start date, within 24 hours.",
        ),
        check(
            "f",
            "The OSM's address administers an existing online account",
            found.assigned_to_existing,
            match (admin_of, recipient) {
                (Some(account), Some(r)) => format!(
                    "{} is a global or billing administrator of {}: licenses are assigned there and no email is sent.",
                    masked(r),
                    account.domain
                ),
                _ => "The recipient administers no existing online account.".into(),
            },
            "Sign in to that account: the licenses are already there.",
        ),
        check(
            "g",
            "No order or reservation has been placed",
            found.no_order,
            format!("{} order(s) or reservation(s) on record.", h.orders.len()),
            "Check with your partner (LSP) that the order was placed; placed orders show in the License Summary.",
        ),
    ]
}

/// Runs every check of R11 on the enrollment numbered `number`.
pub async fn diagnose(
    db: &Db,
    user: &CurrentUser,
    number: &str,
    now: OffsetDateTime,
) -> Result<Diagnosis, AppError> {
    let enrollment = visible(db, user, number).await?;
    crate::access::records::diagnosis(db, user, &enrollment).await?;
    let now = now.unix_timestamp();
    let read = read(db, enrollment.id, now).await?;
    let found = findings(&read.history, now);
    let applies = found.codes();
    Ok(Diagnosis {
        enrollment_number: enrollment.number,
        summary: if applies.is_empty() {
            "None of the known reasons applies: contact Support.".into()
        } else {
            format!("What applies: {}.", applies.join(", "))
        },
        checks: checks(&read, found, now),
        timeline: timeline(
            &read.decisions,
            &read.messages,
            &read.failed_tries,
            if user.role == crate::domain::Role::SupportAgent {
                Replies::Quoted
            } else {
                Replies::Explained
            },
        ),
    })
}
