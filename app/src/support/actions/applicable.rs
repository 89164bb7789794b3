//! Which of support's actions apply to an enrollment now, each with what it
//! would do or why it does not apply, read with the same checks the actions
//! run (R4, R5, R9, R10).

use super::activation::{ols_activation, reactivate_refusal, resend_refusal};
use super::correct_osm::NO_OSM;
use super::remap::NOT_ASSOCIATED;
use crate::access::{visible, Task};
use crate::auth::CurrentUser;
use crate::domain::{format_time, ContactType};
use crate::error::AppError;
use crate::state::AppState;
use crate::support::EnrollmentSupport;

/// The support actions of enrollment `number`, for a support agent.
pub async fn on_enrollment(
    state: &AppState,
    user: &CurrentUser,
    number: &str,
) -> Result<EnrollmentSupport, AppError> {
    Task::Support.allows(user)?;
    AppError::require("number", number, "Enter the enrollment number.")?;
    let enrollment = visible(&state.db, user, number).await?;
    let now = state.now_unix();
    let mut conn = state.db.pool().acquire().await?;
    let activation = ols_activation(&mut conn, enrollment.id).await?;
    let osm = sqlx::query_as::<_, (String, String)>(
        "SELECT name, email FROM enrollment_contacts WHERE enrollment_id = $1 AND contact_type = $2",
    )
    .bind(enrollment.id)
    .bind(ContactType::OnlineServicesManager.code())
    .fetch_optional(&mut *conn)
    .await?;
    let account = sqlx::query_scalar::<_, String>(
        "SELECT a.domain FROM enrollment_accounts ea JOIN online_accounts a ON a.id = ea.account_id \
         WHERE ea.enrollment_id = $1",
    )
    .bind(enrollment.id)
    .fetch_optional(&mut *conn)
    .await?;
    let a = activation.as_ref();
    Ok(EnrollmentSupport {
        number: enrollment.number,
        form_key: crate::keys::form_key(),
        resend: match (resend_refusal(a, now), a) {
            (None, Some(a)) => Ok(format!(
                "Sends the activation email again to {}, with the same link, valid until {}.",
                a.recipient_email,
                format_time(a.expires_at)
            )),
            (reason, _) => Err(reason.unwrap_or_default()),
        },
        reactivate: match (reactivate_refusal(a, now), a) {
            (None, Some(a)) => Ok(format!(
                "Sends {} a new link, valid for six months; the expired link stays unusable.",
                a.recipient_email
            )),
            (reason, _) => Err(reason.unwrap_or_default()),
        },
        correct_osm: match osm {
            Some((name, email)) => Ok(format!(
                "Changes the address of {name} ({email}) to another address of the same email domain, in every system, and tells them."
            )),
            None => Err(NO_OSM.into()),
        },
        remap: match account {
            Some(domain) => Ok(format!(
                "Moves the licenses from {domain} to another online account, after a review that names both."
            )),
            None => Err(NOT_ASSOCIATED.into()),
        },
    })
}
