//! Applying an accepted change to eMSL (the master record), with its copies
//! to VLSC and explore.ms scheduled and, when asked for, the support ticket
//! that sends the activation email again (R7).

use super::{describe, ChangeRow, CHANGED_SINCE_OPENED, CHANGE_SELECT};
use crate::audit::trail::{record, Event};
use crate::contacts::emsl::{write_contact, EmslWrite};
use crate::contacts::lifecycle::ChangeStatus;
use crate::db::Tx;
use crate::domain::{ChangeId, UserId};
use crate::error::AppError;
use crate::state::AppState;

/// Writes an accepted change to eMSL (the master record), only over the
/// version the request was made against, and schedules its copy to VLSC and
/// explore.ms after the propagation delay. Opens the support ticket for an
/// activation resend when one was asked for (R7).
pub(super) async fn apply_to_emsl(
    tx: &mut Tx,
    state: &AppState,
    change_id: ChangeId,
    actor_id: UserId,
) -> Result<(), AppError> {
    let change = sqlx::query_as::<_, ChangeRow>(&format!("{CHANGE_SELECT} WHERE c.id = $1"))
        .bind(change_id)
        .fetch_one(&mut **tx)
        .await?;
    let contact_type = change.contact_type()?;
    let now = state.now_unix();
    let written = write_contact(
        tx,
        EmslWrite {
            enrollment_id: change.enrollment_id,
            contact_type,
            details: &change.requested(),
            base_version: change.base_version,
            change_id: Some(change_id),
            ticket_id: None,
            due_at: now + state.propagation_delay.as_secs() as i64,
        },
    )
    .await?;
    let Ok(version) = written else {
        return Err(AppError::Conflict(CHANGED_SINCE_OPENED.into()));
    };
    // Only an accepted request is applied: no-touch ones are accepted when
    // submitted, manual ones when ROC approves them.
    let accepted = sqlx::query(
        "UPDATE contact_changes SET applied_version = $1, applied_at = $2 \
         WHERE id = $3 AND status = $4 AND applied_at IS NULL",
    )
    .bind(version)
    .bind(now)
    .bind(change_id)
    .bind(ChangeStatus::Propagating.code())
    .execute(&mut **tx)
    .await?;
    if accepted.rows_affected() != 1 {
        return Err(AppError::Conflict(
            "This request is not waiting to be applied; the tracker shows where it stands.".into(),
        ));
    }
    let previous = change.previous();
    record(
        tx,
        Event {
            organisation_id: Some(change.customer_id),
            enrollment_id: Some(change.enrollment_id),
            actor_id: Some(actor_id),
            action: "Contact changed in eMSL",
            subject: format!(
                "{}: {} of enrollment {}",
                change.reference,
                contact_type.label(),
                change.enrollment_number
            ),
            before: previous.as_ref().map(describe),
            after: Some(describe(&change.requested())),
            reason: Some(change.reason.clone()),
            at: now,
            ticket_id: None,
            security: false,
        },
    )
    .await?;
    if change.resend_activation == 1 {
        sqlx::query(
            "INSERT INTO support_tickets (kind, enrollment_id, customer_id, change_id, status, requested_by, opened_at) \
             VALUES ('resend_activation', $1, $2, $3, 'open', $4, $5) ON CONFLICT (change_id) DO NOTHING",
        )
        .bind(change.enrollment_id)
        .bind(change.customer_id)
        .bind(change_id)
        .bind(change.submitted_by)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
