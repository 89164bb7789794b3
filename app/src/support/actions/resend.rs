//! R4: the activation email sent again to the same address, on a new ticket;
//! R7: the email a CICR asked for, sent on the ticket the change opened.

use super::activation::{resend_on_ticket, resendable, Activation};
use super::{work, ConsoleForm, OnTicket, TicketWork, Worked};
use crate::access::{visible, Task};
use crate::auth::CurrentUser;
use crate::db::Tx;
use crate::domain::{EnrollmentId, TicketId};
use crate::error::AppError;
use crate::state::AppState;
use crate::support::tickets;
use crate::support::{TicketKind, TicketStatus};

struct Resend;

impl TicketWork for Resend {
    type Checked = Activation;
    const KIND: TicketKind = TicketKind::ResendActivation;

    async fn check(&self, tx: &mut Tx, on: &OnTicket<'_>) -> Result<Activation, AppError> {
        resendable(tx, on.enrollment.id, on.at())
            .await?
            .map_err(AppError::Conflict)
    }

    async fn act(
        &self,
        tx: &mut Tx,
        on: &OnTicket<'_>,
        ticket: TicketId,
        activation: Activation,
    ) -> Result<String, AppError> {
        let to = activation.recipient_email.clone();
        let detail = format!("Activation email queued again to {to}.");
        resend_on_ticket(tx, on, ticket, &activation, &to, &detail).await?;
        Ok(detail)
    }
}

/// R4: sends the activation email again to the same address, on a new ticket.
pub async fn resend(
    state: &AppState,
    user: &CurrentUser,
    form: ConsoleForm<'_>,
) -> Result<Worked, AppError> {
    work(state, user, form, Resend).await
}

async fn current_recipient(
    tx: &mut Tx,
    enrollment_id: EnrollmentId,
) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar::<_, String>(
        "SELECT email FROM enrollment_contacts WHERE enrollment_id = $1 AND contact_type IN ('osm', 'ntc') \
         ORDER BY CASE contact_type WHEN 'osm' THEN 0 ELSE 1 END LIMIT 1",
    )
    .bind(enrollment_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// R7: works a ticket a CICR opened ("send the activation email again after the
/// change"): the email goes to the enrollment's current OSM, else its NTC.
/// A ticket that cannot be worked is closed as refused, with the reason.
pub async fn send_for_ticket(
    state: &AppState,
    user: &CurrentUser,
    ticket: TicketId,
) -> Result<Worked, AppError> {
    Task::Support.allows(user)?;
    let mut tx = state.db.begin().await?;
    // Locks the ticket first, so that of two clicks the second sees it done.
    sqlx::query("UPDATE support_tickets SET status = status WHERE id = $1")
        .bind(ticket)
        .execute(&mut *tx)
        .await?;
    let (enrollment_number, status) = sqlx::query_as::<_, (String, String)>(
        "SELECT e.enrollment_number, t.status FROM support_tickets t JOIN enrollments e ON e.id = t.enrollment_id \
         WHERE t.id = $1 AND t.kind = $2",
    )
    .bind(ticket)
    .bind(TicketKind::ResendActivation.code())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if status != TicketStatus::Open.code() {
        return Ok(Worked::Before(ticket));
    }
    let on = OnTicket {
        enrollment: visible(&state.db, user, &enrollment_number).await?,
        state,
        user,
        now: state.clock.now(),
    };
    let (closed_as, outcome) = match resendable(&mut tx, on.enrollment.id, on.at()).await? {
        Err(reason) => {
            tickets::log(
                &mut tx,
                ticket,
                user.id,
                "Could not resend",
                &reason,
                on.at(),
            )
            .await?;
            (TicketStatus::Refused, reason)
        }
        Ok(activation) => {
            let to = current_recipient(&mut tx, on.enrollment.id)
                .await?
                .unwrap_or(activation.recipient_email.clone());
            let detail =
                format!("Activation email queued to {to}, the enrollment's current contact.");
            resend_on_ticket(&mut tx, &on, ticket, &activation, &to, &detail).await?;
            (TicketStatus::Done, detail)
        }
    };
    tickets::close(&mut tx, ticket, closed_as, &outcome, on.at()).await?;
    tx.commit().await?;
    Ok(Worked::Now(ticket))
}
