//! R9: a new link for an expired activation, valid six months from now; the
//! old link stays dead. It goes to the same recipient.

use super::activation::{ols_activation, reactivate_refusal, Activation};
use super::{work, ConsoleForm, OnTicket, TicketWork, Worked};
use crate::audit::trail::record;
use crate::auth::CurrentUser;
use crate::db::Tx;
use crate::domain::TicketId;
use crate::domain::{add_months, format_date, format_time, Template};
use crate::error::AppError;
use crate::keys::link;
use crate::mail::{Message, Queued};
use crate::state::AppState;
use crate::support::{tickets, TicketKind};

struct Reactivate;

impl TicketWork for Reactivate {
    type Checked = Activation;
    const KIND: TicketKind = TicketKind::Reactivate;

    async fn check(&self, tx: &mut Tx, on: &OnTicket<'_>) -> Result<Activation, AppError> {
        let activation = ols_activation(tx, on.enrollment.id).await?;
        match (reactivate_refusal(activation.as_ref(), on.at()), activation) {
            (None, Some(a)) => Ok(a),
            (reason, _) => Err(AppError::Conflict(reason.unwrap_or_default())),
        }
    }

    async fn act(
        &self,
        tx: &mut Tx,
        on: &OnTicket<'_>,
        ticket: TicketId,
        activation: Activation,
    ) -> Result<String, AppError> {
        let now = on.at();
        let key = on.state.link_keys.current();
        let version = activation.link_version + 1;
        let expires_at = add_months(on.now.date(), 6)
            .with_time(on.now.time())
            .assume_utc()
            .unix_timestamp();
        let changed = sqlx::query(
            "UPDATE activations SET link_version = $1, token_hash = $2, link_key_id = $6, expires_at = $3 \
             WHERE id = $4 AND link_version = $5",
        )
        .bind(version)
        .bind(link::token_hash(&link::token(key, activation.id, version)))
        .bind(expires_at)
        .bind(activation.id)
        .bind(activation.link_version)
        .bind(key.id())
        .execute(&mut **tx)
        .await?;
        if changed.rows_affected() != 1 {
            return Err(AppError::Conflict(
                "The link was reactivated meanwhile. Reload the ticket list.".into(),
            ));
        }
        let message = Message::Activation {
            activation_id: activation.id,
            enrollment_id: on.enrollment.id.0,
            template: Template::Ols,
        };
        let queued = Queued {
            message,
            to: activation.recipient_email.clone(),
            not_before: now,
        };
        crate::mail::enqueue_one(tx, queued, now).await?;
        let until = format_date(add_months(on.now.date(), 6));
        let detail = format!(
            "New activation link sent to {}, valid until {until}; the expired link stays dead.",
            activation.recipient_email
        );
        let action = "Reactivated the activation link";
        tickets::log(tx, ticket, on.user.id, action, &detail, now).await?;
        let mut event = on.audit(ticket, "Activation link reactivated by support");
        event.before = Some(format!("Expired on {}", format_time(activation.expires_at)));
        event.after = Some(format!("Valid until {until}"));
        record(tx, event).await?;
        Ok(detail)
    }
}

/// R9: reactivates the enrollment's expired activation link, on a new ticket.
pub async fn reactivate(
    state: &AppState,
    user: &CurrentUser,
    form: ConsoleForm<'_>,
) -> Result<Worked, AppError> {
    work(state, user, form, Reactivate).await
}
