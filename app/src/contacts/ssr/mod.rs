//! Server side of contact changes: submission and routing (R7), the
//! operations-center decision, applying a change to eMSL, the tracker and the
//! lists. One file per job; what they share is here.

mod apply;
mod decide;
mod list;
mod submit;
mod track;

pub use decide::decide;
pub use list::{in_flight, list, ChangeFilter};
pub use submit::{
    submit, version_in, versions_field, BillingInput, ChangeInput, CHANGED_SINCE_OPENED,
};
pub use track::tracker;

use super::lifecycle::ChangeStatus;
use super::ContactDetails;
use crate::db::Tx;
use crate::domain::{ChangeId, ContactType, EnrollmentId, OrganisationId, UserId};
use crate::error::AppError;

#[derive(sqlx::FromRow)]
pub(super) struct ChangeRow {
    id: ChangeId,
    reference: String,
    enrollment_id: EnrollmentId,
    enrollment_number: String,
    customer_id: OrganisationId,
    contact_type: String,
    route: String,
    status: String,
    new_name: String,
    new_email: String,
    new_phone: String,
    old_name: Option<String>,
    old_email: Option<String>,
    old_phone: Option<String>,
    reason: String,
    billing_address: Option<String>,
    billing_city: Option<String>,
    billing_postal_code: Option<String>,
    billing_country: Option<String>,
    purchase_order: Option<String>,
    resend_activation: i64,
    base_version: i64,
    applied_version: Option<i64>,
    submitted_by_name: String,
    submitted_at: i64,
    decided_by_name: Option<String>,
    decided_at: Option<i64>,
    decision_comment: Option<String>,
    applied_at: Option<i64>,
    completed_at: Option<i64>,
    submitted_by: UserId,
}

pub(super) const CHANGE_SELECT: &str = "SELECT c.id, c.reference, c.enrollment_id, e.enrollment_number, c.customer_id, \
     c.contact_type, c.route, c.status, c.new_name, c.new_email, c.new_phone, c.old_name, c.old_email, \
     c.old_phone, c.reason, c.billing_address, c.billing_city, c.billing_postal_code, c.billing_country, \
     c.purchase_order, c.resend_activation, c.base_version, c.applied_version, \
     s.display_name AS submitted_by_name, c.submitted_at, d.display_name AS decided_by_name, c.decided_at, \
     c.decision_comment, c.applied_at, c.completed_at, c.submitted_by \
     FROM contact_changes c JOIN enrollments e ON e.id = c.enrollment_id \
     JOIN users s ON s.id = c.submitted_by LEFT JOIN users d ON d.id = c.decided_by";

impl ChangeRow {
    fn requested(&self) -> ContactDetails {
        ContactDetails {
            name: self.new_name.clone(),
            email: self.new_email.clone(),
            phone: self.new_phone.clone(),
        }
    }

    fn status(&self) -> Result<ChangeStatus, AppError> {
        ChangeStatus::parse(&self.status).map_err(|e| {
            tracing::error!(error = %e, "bad change status in database");
            AppError::Internal
        })
    }

    fn previous(&self) -> Option<ContactDetails> {
        self.old_name.as_ref().map(|name| ContactDetails {
            name: name.clone(),
            email: self.old_email.clone().unwrap_or_default(),
            phone: self.old_phone.clone().unwrap_or_default(),
        })
    }

    fn contact_type(&self) -> Result<ContactType, AppError> {
        ContactType::parse(&self.contact_type).map_err(|e| {
            tracing::error!(error = %e, "bad contact type in database");
            AppError::Internal
        })
    }
}

/// The eMSL record of one contact: its details and version.
pub(super) async fn current_contact(
    tx: &mut Tx,
    enrollment_id: EnrollmentId,
    contact_type: &str,
) -> Result<Option<(ContactDetails, i64)>, AppError> {
    Ok(sqlx::query_as::<_, (String, String, String, i64)>(
        "SELECT name, email, phone, version FROM enrollment_contacts \
         WHERE enrollment_id = $1 AND contact_type = $2",
    )
    .bind(enrollment_id)
    .bind(contact_type)
    .fetch_optional(&mut **tx)
    .await?
    .map(|(name, email, phone, version)| (ContactDetails { name, email, phone }, version)))
}

/// A contact's details in one line, for the audit trail.
pub fn describe(c: &ContactDetails) -> String {
    format!("{} <{}> {}", c.name, c.email, c.phone)
}
