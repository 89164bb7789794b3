//! The enrollment's OLS activation as support's actions see it, and sending
//! its email again (R4, R9).

use super::OnTicket;
use crate::audit::trail::record;
use crate::db::Tx;
use crate::domain::TicketId;
use crate::domain::{format_time, EnrollmentId, Template};
use crate::error::AppError;
use crate::mail::{Message, Queued};
use crate::support::tickets;

#[derive(sqlx::FromRow)]
pub(super) struct Activation {
    pub id: i64,
    pub recipient_email: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub link_version: i64,
    pub account_domain: Option<String>,
}

pub(super) async fn ols_activation(
    conn: &mut sqlx::AnyConnection,
    enrollment_id: EnrollmentId,
) -> Result<Option<Activation>, AppError> {
    Ok(sqlx::query_as::<_, Activation>(
        "SELECT a.id, a.recipient_email, a.expires_at, a.used_at, a.link_version, o.domain AS account_domain \
         FROM activations a LEFT JOIN online_accounts o ON o.id = a.account_id \
         WHERE a.enrollment_id = $1 AND a.kind = 'ols'",
    )
    .bind(enrollment_id)
    .fetch_optional(conn)
    .await?)
}

/// Why the activation email cannot be sent again, if it cannot (R4, R9).
pub(super) fn resend_refusal(activation: Option<&Activation>, now: i64) -> Option<String> {
    match activation {
        None => Some(
            "No activation email has been sent for this enrollment yet: it goes out with the first online order."
                .into(),
        ),
        Some(a) if a.used_at.is_some() => Some(format!(
            "The enrollment is already activated: its licenses are bound to {}. There is nothing to resend.",
            a.account_domain.clone().unwrap_or_else(|| "an online account".into())
        )),
        Some(a) if now >= a.expires_at => Some(format!(
            "The activation link expired on {}: reactivate it instead, which sends a new link.",
            format_time(a.expires_at)
        )),
        Some(_) => None,
    }
}

/// Why the activation link cannot be reactivated, if it cannot (R9): only an
/// expired, unused link can.
pub(super) fn reactivate_refusal(activation: Option<&Activation>, now: i64) -> Option<String> {
    match activation {
        None => resend_refusal(None, now),
        Some(a) if a.used_at.is_some() => resend_refusal(Some(a), now),
        Some(a) if now < a.expires_at => Some(format!(
            "The link is still valid until {}: resend it instead.",
            format_time(a.expires_at)
        )),
        Some(_) => None,
    }
}

/// The activation whose email may be sent again, or the reason it may not.
pub(super) async fn resendable(
    tx: &mut Tx,
    enrollment_id: EnrollmentId,
    now: i64,
) -> Result<Result<Activation, String>, AppError> {
    let activation = ols_activation(tx, enrollment_id).await?;
    Ok(
        match (resend_refusal(activation.as_ref(), now), activation) {
            (None, Some(activation)) => Ok(activation),
            (Some(reason), _) => Err(reason),
            (None, None) => Err(resend_refusal(None, now).unwrap_or_default()),
        },
    )
}

/// Queues the activation email again, with a link to the same activation, to `to`.
pub(super) async fn queue_again(
    tx: &mut Tx,
    enrollment: EnrollmentId,
    activation: &Activation,
    to: &str,
    now: i64,
) -> Result<(), AppError> {
    if to != activation.recipient_email {
        sqlx::query("UPDATE activations SET recipient_email = $1 WHERE id = $2")
            .bind(to)
            .bind(activation.id)
            .execute(&mut **tx)
            .await?;
    }
    let message = Message::Activation {
        activation_id: activation.id,
        enrollment_id: enrollment.0,
        template: Template::Ols,
    };
    let queued = Queued {
        message,
        to: to.to_string(),
        not_before: now,
    };
    crate::mail::enqueue_one(tx, queued, now).await?;
    Ok(())
}

/// Sends the activation email again to `to` on `ticket`, logs it and records
/// the audit entry.
pub(super) async fn resend_on_ticket(
    tx: &mut Tx,
    on: &OnTicket<'_>,
    ticket: TicketId,
    activation: &Activation,
    to: &str,
    detail: &str,
) -> Result<(), AppError> {
    queue_again(tx, on.enrollment.id, activation, to, on.at()).await?;
    tickets::log(
        tx,
        ticket,
        on.user.id,
        "Resent the activation email",
        detail,
        on.at(),
    )
    .await?;
    let mut event = on.audit(ticket, "Activation email resent by support");
    event.before = Some(activation.recipient_email.clone());
    event.after = Some(to.to_string());
    record(tx, event).await
}
