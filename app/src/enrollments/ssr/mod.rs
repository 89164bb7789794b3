//! Enrollment queries. Every query is scoped to what the caller may see: the
//! list, one enrollment's page, its contacts as the viewer's system shows
//! them, and the product catalogue.

mod catalogue;
mod contacts;
mod detail;
mod list;

pub use catalogue::products;
pub use detail::{detail, license_summary};
pub use list::{list, EnrollmentFilter};

use super::EnrollmentSummary;
use crate::access::Scope;
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::domain::{EnrollmentId, OrganisationId};
use crate::error::AppError;

#[derive(sqlx::FromRow)]
pub(super) struct SummaryRow {
    pub(super) id: EnrollmentId,
    pub(super) enrollment_number: String,
    pub(super) agreement_number: String,
    pub(super) name: String,
    pub(super) customer_id: OrganisationId,
    pub(super) partner_id: OrganisationId,
    pub(super) customer_name: String,
    pub(super) partner_name: String,
    pub(super) start_date: String,
    pub(super) end_date: String,
    pub(super) status: String,
}

impl SummaryRow {
    pub(super) fn summary(&self) -> EnrollmentSummary {
        EnrollmentSummary {
            number: self.enrollment_number.clone(),
            agreement_number: self.agreement_number.clone(),
            name: self.name.clone(),
            customer_name: self.customer_name.clone(),
            partner_name: self.partner_name.clone(),
            start_date: self.start_date.clone(),
            end_date: self.end_date.clone(),
            status: self.status.clone(),
        }
    }
}

pub(super) const SUMMARY_SELECT: &str =
    "SELECT e.id, e.enrollment_number, e.agreement_number, e.name, \
     e.customer_id, e.partner_id, c.name AS customer_name, p.name AS partner_name, \
     e.start_date, e.end_date, e.status \
     FROM enrollments e \
     JOIN organisations c ON c.id = e.customer_id \
     JOIN organisations p ON p.id = e.partner_id";

/// The enrollment numbered `number` with its names, if `user` may see it.
pub(super) async fn visible_row(
    db: &Db,
    user: &CurrentUser,
    number: &str,
) -> Result<SummaryRow, AppError> {
    let scope = Scope::of(user);
    let sql = format!(
        "{SUMMARY_SELECT} WHERE {} AND e.enrollment_number = $2",
        scope.condition("e")
    );
    sqlx::query_as::<_, SummaryRow>(&sql)
        .bind(scope.param())
        .bind(number.trim())
        .fetch_optional(db.pool())
        .await?
        .ok_or(AppError::NotFound)
}
