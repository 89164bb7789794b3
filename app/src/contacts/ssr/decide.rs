//! The operations center's decision on a manual CICR (R7): approved and
//! applied, rejected, or approved over a contact that changed meanwhile and
//! so closed as not applied. A decision already taken is not taken again.

use super::apply::apply_to_emsl;
use super::{current_contact, describe, ChangeRow, CHANGE_SELECT};
use crate::access::Task;
use crate::audit::trail::{record, Event};
use crate::auth::CurrentUser;
use crate::contacts::lifecycle::ChangeEvent;
use crate::contacts::notices::tell_submitter;
use crate::domain::{required_text, Template};
use crate::error::AppError;
use crate::state::AppState;

fn already() -> AppError {
    AppError::Conflict(
        "This request has already been decided; the tracker shows the decision.".into(),
    )
}

/// A ROC operator's decision on a manual CICR. Approving applies the change to
/// eMSL, unless the contact changed since the request was made: then the
/// request is closed as not applied, and the partner can submit a new one.
pub async fn decide(
    state: &AppState,
    user: &CurrentUser,
    reference: &str,
    decision: &str,
    comment: &str,
) -> Result<(), AppError> {
    Task::DecideChangeRequests.allows(user)?;
    let approve = match decision {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::invalid("decision", "Choose approve or reject.")),
    };
    let comment =
        required_text(comment, "comment", 500).map_err(|m| AppError::invalid("comment", m))?;
    let now = state.now_unix();
    let mut tx = state.db.begin().await?;
    // Locks the request first, so that of two decisions the second sees the first.
    sqlx::query("UPDATE contact_changes SET status = status WHERE reference = $1")
        .bind(reference.trim())
        .execute(&mut *tx)
        .await?;
    let change = sqlx::query_as::<_, ChangeRow>(&format!("{CHANGE_SELECT} WHERE c.reference = $1"))
        .bind(reference.trim())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?;
    let event = if !approve {
        ChangeEvent::Rejected
    } else {
        let current = current_contact(&mut tx, change.enrollment_id, &change.contact_type)
            .await?
            .map(|(_, version)| version)
            .unwrap_or(0);
        if current == change.base_version {
            ChangeEvent::Approved
        } else {
            ChangeEvent::ApprovedOverAChangedContact
        }
    };
    let from = change.status()?;
    let to = from.after(event).map_err(|_| already())?;
    let decided = sqlx::query(
        "UPDATE contact_changes SET status = $1, decided_by = $2, decided_at = $3, decision_comment = $4 \
         WHERE id = $5 AND status = $6",
    )
    .bind(to.code())
    .bind(user.id)
    .bind(now)
    .bind(&comment)
    .bind(change.id)
    .bind(from.code())
    .execute(&mut *tx)
    .await?;
    if decided.rows_affected() != 1 {
        return Err(already());
    }
    record(
        &mut tx,
        Event {
            organisation_id: Some(change.customer_id),
            enrollment_id: Some(change.enrollment_id),
            actor_id: Some(user.id),
            action: match event {
                ChangeEvent::Approved => "CICR approved by ROC",
                ChangeEvent::Rejected => "CICR rejected by ROC",
                _ => "CICR approved by ROC, not applied: the contact had changed",
            },
            subject: format!(
                "{}: bill-to contact of enrollment {}",
                change.reference, change.enrollment_number
            ),
            before: None,
            after: Some(describe(&change.requested())),
            reason: Some(comment.clone()),
            at: now,
            ticket_id: None,
            security: false,
        },
    )
    .await?;
    let notice = match event {
        ChangeEvent::Approved => Template::ChangeApproved,
        ChangeEvent::Rejected => Template::ChangeRejected,
        _ => Template::ChangeNotApplied,
    };
    tell_submitter(&mut tx, change.id, notice, Some(&comment), now).await?;
    if event == ChangeEvent::Approved {
        apply_to_emsl(&mut tx, state, change.id, user.id)
            .await
            .map_err(|e| match e {
                // Another change reached the contact between the check above and
                // the write: nothing is kept, and the next decision sees it.
                AppError::Conflict(_) => AppError::Conflict(
                    "The bill-to contact changed while this request was being approved. \
                 Open it again: it will be closed as not applied."
                        .into(),
                ),
                other => other,
            })?;
    }
    tx.commit().await?;
    Ok(())
}
