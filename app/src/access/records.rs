//! The checks that read the database: whether a user sees an enrollment, and
//! what they may do on it. `NotFound` for what a user may not see, so that
//! nobody learns that another organisation's record exists.

use super::enrollment::{self, Parties};
use super::Scope;
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::domain::{EnrollmentId, OrganisationId, Role};
use crate::error::AppError;

/// An enrollment's identity, once the caller is known to see it.
#[derive(Debug, Clone)]
pub struct VisibleEnrollment {
    pub id: EnrollmentId,
    pub number: String,
    pub customer_id: OrganisationId,
    pub partner_id: OrganisationId,
}

impl VisibleEnrollment {
    /// Its customer and its partner.
    pub fn parties(&self) -> Parties {
        Parties {
            customer_id: self.customer_id,
            partner_id: self.partner_id,
        }
    }
}

/// The enrollment numbered `number`, if `user` may see it; `NotFound` otherwise.
pub async fn visible(
    db: &Db,
    user: &CurrentUser,
    number: &str,
) -> Result<VisibleEnrollment, AppError> {
    let scope = Scope::of(user);
    let sql = format!(
        "SELECT e.id, e.enrollment_number, e.customer_id, e.partner_id FROM enrollments e \
         WHERE {} AND e.enrollment_number = $2",
        scope.condition("e")
    );
    let (id, number, customer_id, partner_id) =
        sqlx::query_as::<_, (EnrollmentId, String, OrganisationId, OrganisationId)>(&sql)
            .bind(scope.param())
            .bind(number.trim())
            .fetch_optional(db.pool())
            .await?
            .ok_or(AppError::NotFound)?;
    Ok(VisibleEnrollment {
        id,
        number,
        customer_id,
        partner_id,
    })
}

/// Whether `user` holds the manage-reservation permission on the enrollment (R3).
async fn holds_reservation_permission(
    db: &Db,
    user: &CurrentUser,
    enrollment_id: EnrollmentId,
) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM reservation_permissions WHERE enrollment_id = $1 AND user_id = $2",
    )
    .bind(enrollment_id)
    .bind(user.id)
    .fetch_one(db.pool())
    .await?
        > 0)
}

/// R3 for one enrollment: `Ok(Ok(()))` when `user` may reserve or cancel on
/// it, `Ok(Err(reason))` with the reason to show when not.
pub async fn reservation(
    db: &Db,
    user: &CurrentUser,
    enrollment: &VisibleEnrollment,
) -> Result<Result<(), String>, AppError> {
    let permission = user.role == Role::OnlineServicesManager
        && holds_reservation_permission(db, user, enrollment.id).await?;
    Ok(enrollment::reservation(
        user,
        enrollment.parties(),
        permission,
    ))
}

/// R3, refused as an error: for the server functions that reserve or cancel.
pub async fn reserve(
    db: &Db,
    user: &CurrentUser,
    enrollment: &VisibleEnrollment,
) -> Result<(), AppError> {
    reservation(db, user, enrollment)
        .await?
        .map_err(AppError::Forbidden)
}

/// R11: whether `user` may run the activation diagnosis on the enrollment.
pub async fn diagnosis(
    db: &Db,
    user: &CurrentUser,
    enrollment: &VisibleEnrollment,
) -> Result<(), AppError> {
    let is_contact = matches!(
        user.role,
        Role::OnlineAdministrator | Role::OnlineServicesManager
    ) && sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM enrollment_contacts WHERE enrollment_id = $1 \
         AND contact_type IN ('osm', 'ntc') AND email = $2",
    )
    .bind(enrollment.id)
    .bind(&user.email)
    .fetch_one(db.pool())
    .await?
        > 0;
    enrollment::diagnosis(user, enrollment.parties(), is_contact)
}

/// R6: the enrollment numbered `number`, when `user` is its own partner and
/// may request a change to its contacts.
pub async fn change_request(
    db: &Db,
    user: &CurrentUser,
    number: &str,
) -> Result<VisibleEnrollment, AppError> {
    let enrollment = visible(db, user, number).await?;
    enrollment::change_request(user, enrollment.parties())?;
    Ok(enrollment)
}

/// The enrollment numbered `number`, when `user` is its own partner and may
/// place an order on it; `NotFound` for any other enrollment.
pub async fn order(
    db: &Db,
    user: &CurrentUser,
    number: &str,
) -> Result<VisibleEnrollment, AppError> {
    let enrollment = visible(db, user, number).await?;
    if !enrollment::is_own_partner(user, enrollment.parties()) {
        return Err(AppError::NotFound);
    }
    Ok(enrollment)
}

/// Whose support tickets `user` sees: `None` every organisation's (support
/// and ROC), `Some(id)` their own organisation's; partners see none.
pub fn tickets(user: &CurrentUser) -> Result<Option<OrganisationId>, AppError> {
    Scope::of(user).tickets().ok_or_else(|| {
        AppError::Forbidden("Support tickets are visible to the customer and to support.".into())
    })
}
