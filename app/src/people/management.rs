//! A VLSC administrator's management of the organisation's people (who come
//! in by invitation, see `accounts::invitations`): deactivating them (removing
//! an OLA is this), and granting or revoking
//! an OSM's manage-reservation permission per enrollment (R3, R7). Every change
//! is written to the audit trail in its own transaction. Server only.

use crate::access::{visible, Task};
use crate::audit::trail::{record, Event};
use crate::auth::CurrentUser;
use crate::domain::UserId;
use crate::domain::{EmailAddress, Role};
use crate::error::AppError;
use crate::state::AppState;

fn require_administrator(user: &CurrentUser) -> Result<(), AppError> {
    Task::AdministerOrganisation.allows(user)
}

async fn member(
    state: &AppState,
    admin: &CurrentUser,
    email: &str,
) -> Result<(UserId, String, Role, bool), AppError> {
    let email = EmailAddress::parse(email).map_err(|m| AppError::invalid("email", m))?;
    let (id, name, role, active) = sqlx::query_as::<_, (UserId, String, String, i64)>(
        "SELECT id, display_name, role, active FROM users WHERE email = $1 AND organisation_id = $2",
    )
    .bind(email.as_str())
    .bind(admin.organisation_id)
    .fetch_optional(state.db.pool())
    .await?
    .ok_or(AppError::NotFound)?;
    let role = Role::parse(&role).map_err(|_| AppError::Internal)?;
    Ok((
        id,
        format!("{name} <{}>", email.as_str()),
        role,
        active == 1,
    ))
}

/// Deactivates a user of the administrator's organisation; their sessions end
/// at their next request. Removing an OLA is deactivating them.
pub async fn deactivate(
    state: &AppState,
    admin: &CurrentUser,
    email: &str,
) -> Result<(), AppError> {
    require_administrator(admin)?;
    let (id, subject, role, active) = member(state, admin, email).await?;
    if id == admin.id {
        return Err(AppError::Conflict(
            "You cannot deactivate yourself: ask another VLSC administrator.".into(),
        ));
    }
    if !active {
        return Ok(());
    }
    let mut tx = state.db.begin().await?;
    let changed = sqlx::query("UPDATE users SET active = 0 WHERE id = $1 AND active = 1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if changed.rows_affected() == 0 {
        // A twin request deactivated them first.
        return Ok(());
    }
    crate::auth::sessions::end_all_but(
        &mut tx,
        id,
        None,
        crate::auth::sessions::EndReason::Deactivated,
        state.now_unix(),
    )
    .await?;
    record(
        &mut tx,
        Event {
            organisation_id: Some(admin.organisation_id),
            actor_id: Some(admin.id),
            action: if role == Role::OnlineAdministrator {
                "OLA removed"
            } else {
                "Portal user deactivated"
            },
            subject,
            before: Some("Active".into()),
            after: Some("Deactivated".into()),
            at: state.now_unix(),
            ..Event::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Grants (`grant`) or revokes an OSM's manage-reservation permission on one
/// of the organisation's enrollments (R3). Doing it twice changes nothing.
pub async fn set_reservation_permission(
    state: &AppState,
    admin: &CurrentUser,
    email: &str,
    enrollment: &str,
    grant: bool,
) -> Result<(), AppError> {
    require_administrator(admin)?;
    let (id, subject, role, active) = member(state, admin, email).await?;
    if role != Role::OnlineServicesManager || !active {
        return Err(AppError::invalid(
            "email",
            "The manage-reservation permission is for active online services managers (OSMs).",
        ));
    }
    AppError::require("enrollment", enrollment, "Choose an enrollment.")?;
    let enrollment = visible(&state.db, admin, enrollment)
        .await
        .map_err(|e| match e {
            AppError::NotFound => AppError::invalid(
                "enrollment",
                "Choose one of your organisation's enrollments.",
            ),
            other => other,
        })?;
    let mut tx = state.db.begin().await?;
    let changed = if grant {
        sqlx::query(
            "INSERT INTO reservation_permissions (enrollment_id, user_id) VALUES ($1, $2) \
             ON CONFLICT (enrollment_id, user_id) DO NOTHING",
        )
    } else {
        sqlx::query("DELETE FROM reservation_permissions WHERE enrollment_id = $1 AND user_id = $2")
    }
    .bind(enrollment.id)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed > 0 {
        record(
            &mut tx,
            Event {
                organisation_id: Some(admin.organisation_id),
                enrollment_id: Some(enrollment.id),
                actor_id: Some(admin.id),
                action: if grant {
                    "Reservation permission granted"
                } else {
                    "Reservation permission revoked"
                },
                subject: format!("{subject} on enrollment {}", enrollment.number),
                before: Some(
                    if grant {
                        "No permission"
                    } else {
                        "Manage reservations"
                    }
                    .into(),
                ),
                after: Some(
                    if grant {
                        "Manage reservations"
                    } else {
                        "No permission"
                    }
                    .into(),
                ),
                at: state.now_unix(),
                ..Event::default()
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The numbers of the organisation's enrollments, for the permission form.
pub async fn enrollment_numbers(
    state: &AppState,
    admin: &CurrentUser,
) -> Result<Vec<String>, AppError> {
    require_administrator(admin)?;
    Ok(sqlx::query_scalar::<_, String>(
        "SELECT enrollment_number FROM enrollments WHERE customer_id = $1 ORDER BY enrollment_number LIMIT 1000",
    )
    .bind(admin.organisation_id)
    .fetch_all(state.db.pool())
    .await?)
}
