//! "Why no activation email?" (R11): every check a–g on the live data, with
//! evidence and the next step, and the delivery timeline of the enrollment.

use super::{Check, Diagnosis, TimelineEntry};
use crate::access::visible;
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::domain::{format_date, format_time as when, EmailAddress};
use crate::error::AppError;
use time::OffsetDateTime;

fn masked(email: &str) -> String {
    EmailAddress::parse(email)
        .map(|e| e.masked())
        .unwrap_or_else(|_| "(unreadable address)".into())
}

#[derive(sqlx::FromRow)]
struct OutboxRow {
    id: i64,
    to_email: String,
    subject: String,
    status: String,
    attempts: i64,
    not_before: i64,
    created_at: i64,
    sent_at: Option<i64>,
    last_error: Option<String>,
    next_attempt_at: i64,
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
    let id = enrollment.id;
    let today = format_date(now.date());
    let orders: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT order_number, purchase_date, usage_start_date FROM orders WHERE enrollment_id = $1 \
         AND status = 'placed' ORDER BY id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let online_lines: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM order_lines l JOIN orders o ON o.id = l.order_id JOIN products p ON p.id = l.product_id \
         WHERE o.enrollment_id = $1 AND o.status = 'placed' AND p.kind <> 'on_premises'",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await?;
    let contacts: Vec<(String, String)> = sqlx::query_as(
        "SELECT contact_type, email FROM enrollment_contacts WHERE enrollment_id = $1",
    )
    .bind(id)
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
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    let outbox = sqlx::query_as::<_, OutboxRow>(
        "SELECT id, to_email, subject, status, attempts, not_before, created_at, sent_at, last_error, next_attempt_at \
         FROM outbox WHERE enrollment_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let failed_tries: Vec<(i64, i64, i64, String)> = sqlx::query_as(
        "SELECT f.outbox_id, f.attempt, f.failed_at, f.kind FROM delivery_failures f \
         JOIN outbox o ON o.id = f.outbox_id WHERE o.enrollment_id = $1 ORDER BY f.id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let decisions: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT o.order_number, d.outcome, d.reason, d.decided_at FROM activation_decisions d \
         JOIN orders o ON o.id = d.order_id WHERE d.enrollment_id = $1 ORDER BY d.id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let expired_links: Vec<i64> = sqlx::query_scalar(
        "SELECT expires_at FROM activations WHERE enrollment_id = $1 AND used_at IS NULL AND expires_at <= $2",
    )
    .bind(id)
    .bind(now.unix_timestamp())
    .fetch_all(db.pool())
    .await?;
    let recipient = osm.clone().or(ntc.clone());
    let admin_of: Option<String> = match &recipient {
        Some(email) => sqlx::query_scalar(
            "SELECT domain FROM online_accounts WHERE global_admin_email = $1 OR billing_admin_email = $1 LIMIT 1",
        )
        .bind(email)
        .fetch_optional(db.pool())
        .await?,
        None => None,
    };

    let mut checks = Vec::new();
    // a. on-premises products only
    checks.push(Check {
        code: "a".into(),
        title: "The enrollment has on-premises products only".into(),
        applies: !orders.is_empty() && online_lines == 0,
        evidence: format!(
            "{} order(s); {} line(s) of online services.",
            orders.len(),
            online_lines
        ),
        next_step: "Nothing to activate: on-premises products need no activation email.".into(),
    });
    // b. went to another contact
    let sent_elsewhere = outbox.iter().find(|m| Some(&m.to_email) != osm.as_ref());
    checks.push(Check {
        code: "b".into(),
        title: "The email was sent to a different contact".into(),
        applies: sent_elsewhere.is_some(),
        evidence: match sent_elsewhere {
            Some(m) => format!(
                "\u{201c}{}\u{201d} went to {} on {}{}.",
                m.subject,
                masked(&m.to_email),
                when(m.created_at),
                if osm.is_none() { " (the NTC: the enrollment has no OSM)" } else { "" }
            ),
            None => match &osm {
                Some(o) => format!("The OSM on record is {}.", masked(o)),
                None => "No OSM is recorded.".into(),
            },
        },
        next_step: "Check the contacts: to change the OSM ask your partner for a CICR; Support can correct a typo within the same domain.".into(),
    });
    // c. blocked or junk: what was sent, when, to whom, with what result
    let delivered = outbox
        .iter()
        .filter(|m| m.status == "sent")
        .collect::<Vec<_>>();
    let failed = outbox
        .iter()
        .filter(|m| m.status == "failed")
        .collect::<Vec<_>>();
    checks.push(Check {
        code: "c".into(),
        title: "The email was blocked or went to junk mail".into(),
        applies: !delivered.is_empty() || !failed.is_empty(),
        evidence: if delivered.is_empty() && failed.is_empty() {
            "No activation email has been handed to a mail server yet.".into()
        } else {
            delivered
                .iter()
                .map(|m| format!("Sent to {} on {}: accepted by the mail server.", masked(&m.to_email), when(m.sent_at.unwrap_or(m.created_at))))
                .chain(failed.iter().map(|m| format!("To {}: failed after {} tries.", masked(&m.to_email), m.attempts)))
                .chain(expired_links.iter().map(|at| format!("Its link expired on {} (six months after the purchase date); Support can reactivate it.", when(*at))))
                .collect::<Vec<_>>()
                .join(" ")
        },
        next_step: "Look in the junk folder and ask the mail administrator about blocked messages; Support can send the email again to the same address.".into(),
    });
    // d. already associated with an online account
    checks.push(Check {
        code: "d".into(),
        title: "The enrollment is already associated with an online account".into(),
        applies: account.is_some(),
        evidence: match &account {
            Some((domain, at)) => format!(
                "Associated with {domain} since {}; later licenses join it and no email is sent.",
                when(*at)
            ),
            None => "Not associated with an online account.".into(),
        },
        next_step:
            "Use the existing account; if it is the wrong one, ask Support to remap the licenses."
                .into(),
    });
    // e. usage start date in the future
    let future = orders
        .iter()
        .filter(|(_, _, start)| start.as_str() > today.as_str())
        .collect::<Vec<_>>();
    let scheduled = outbox
        .iter()
        .find(|m| m.status == "queued" && m.not_before > now.unix_timestamp());
    checks.push(Check {
        code: "e".into(),
        title: "The order's usage start date is in the future".into(),
        applies: !future.is_empty() && delivered.is_empty(),
        evidence: match (future.first(), scheduled) {
            (Some((number, _, start)), Some(m)) => format!(
                "Order {number} starts on {start}; the email is scheduled for {}.",
                when(m.not_before)
            ),
            (Some((number, _, start)), None) => format!("Order {number} starts on {start}."),
            _ => "No order starts in the future.".into(),
        },
        next_step: "Wait: the email goes out on the usage start date, within 24 hours.".into(),
    });
    // f. recipient administers an existing account
    checks.push(Check {
        code: "f".into(),
        title: "The OSM's address administers an existing online account".into(),
        applies: admin_of.is_some(),
        evidence: match (&admin_of, &recipient) {
            (Some(domain), Some(r)) => format!("{} is a global or billing administrator of {domain}: licenses are assigned there and no email is sent.", masked(r)),
            _ => "The recipient administers no existing online account.".into(),
        },
        next_step: "Sign in to that account: the licenses are already there.".into(),
    });
    // g. no order or reservation
    checks.push(Check {
        code: "g".into(),
        title: "No order or reservation has been placed".into(),
        applies: orders.is_empty(),
        evidence: format!("{} order(s) or reservation(s) on record.", orders.len()),
        next_step: "Check with your partner (LSP) that the order was placed; placed orders show in the License Summary.".into(),
    });

    let mut timeline: Vec<TimelineEntry> = decisions
        .into_iter()
        .map(|(order, outcome, reason, at)| TimelineEntry {
            at: when(at),
            sort: at,
            event: format!("Order {order}: {reason}"),
            outcome,
        })
        .collect();
    for m in &outbox {
        let to = masked(&m.to_email);
        timeline.push(TimelineEntry {
            at: when(m.created_at),
            sort: m.created_at,
            event: format!("Queued \u{201c}{}\u{201d} to {to}.", m.subject),
            outcome: "queued".into(),
        });
        if m.not_before > m.created_at {
            timeline.push(TimelineEntry {
                at: when(m.not_before),
                sort: m.not_before,
                event: format!("Scheduled to go to {to} on the usage start date."),
                outcome: "scheduled".into(),
            });
        }
        for (_, attempt, at, kind) in failed_tries.iter().filter(|t| t.0 == m.id) {
            let why = match kind.as_str() {
                "refused" => "the mail server refused it",
                "timed_out" => "the mail server did not answer in time",
                "not_composed" => "the message could not be prepared",
                _ => "the mail server could not be reached or dropped the connection",
            };
            timeline.push(TimelineEntry {
                at: when(*at),
                sort: *at,
                event: format!("Try {attempt} to {to} failed: {why}."),
                outcome: "try_failed".into(),
            });
        }
        match m.status.as_str() {
            "sent" => {
                let at = m.sent_at.unwrap_or(m.created_at);
                timeline.push(TimelineEntry {
                    at: when(at),
                    sort: at,
                    event: format!(
                        "Sent to {to} on try {}; accepted by the mail server.",
                        m.attempts
                    ),
                    outcome: "sent".into(),
                });
            }
            "failed" => timeline.push(TimelineEntry {
                at: when(m.next_attempt_at),
                sort: m.next_attempt_at,
                event: format!(
                    "Failed after {} tries: the mail server did not accept it.",
                    m.attempts
                ),
                outcome: "failed".into(),
            }),
            _ if m.attempts > 0 => timeline.push(TimelineEntry {
                at: when(m.next_attempt_at),
                sort: m.next_attempt_at,
                event: format!(
                    "Try {} is due{}.",
                    m.attempts + 1,
                    m.last_error
                        .as_ref()
                        .map(|_| " after the failed one")
                        .unwrap_or_default()
                ),
                outcome: "retrying".into(),
            }),
            _ => {}
        }
    }
    timeline.sort_by_key(|t| t.sort);
    let applies: Vec<String> = checks
        .iter()
        .filter(|c| c.applies)
        .map(|c| c.code.clone())
        .collect();
    Ok(Diagnosis {
        enrollment_number: enrollment.number,
        summary: if applies.is_empty() {
            "None of the known reasons applies: contact Support.".into()
        } else {
            format!("What applies: {}.", applies.join(", "))
        },
        checks,
        timeline,
    })
}
