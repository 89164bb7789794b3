//! An enrollment's contacts as the viewer's own system shows them: customers
//! VLSC's copy, partners explore.ms's, operators eMSL's master record.

use crate::access::ContactView;
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::domain::{ContactType, EnrollmentId};
use crate::enrollments::Contact;
use crate::error::AppError;

/// An enrollment's contacts as the system the viewer uses shows them.
pub(super) async fn contacts_seen_by(
    db: &Db,
    user: &CurrentUser,
    enrollment_id: EnrollmentId,
) -> Result<Vec<Contact>, AppError> {
    let rows = match ContactView::of(user.role).copy() {
        None => {
            sqlx::query_as::<_, (String, String, String, String)>(
                "SELECT contact_type, name, email, phone FROM enrollment_contacts WHERE enrollment_id = $1",
            )
            .bind(enrollment_id)
            .fetch_all(db.pool())
            .await?
        }
        Some(system) => {
            sqlx::query_as::<_, (String, String, String, String)>(
                "SELECT contact_type, name, email, phone FROM contact_copies WHERE enrollment_id = $1 AND system = $2",
            )
            .bind(enrollment_id)
            .bind(system.code())
            .fetch_all(db.pool())
            .await?
        }
    };
    let mut contacts: Vec<Contact> = rows
        .into_iter()
        .filter_map(|(t, name, email, phone)| {
            Some(Contact {
                contact_type: ContactType::parse(&t).ok()?,
                name,
                email,
                phone,
            })
        })
        .collect();
    contacts.sort_by_key(|c| ContactType::ALL.iter().position(|t| *t == c.contact_type));
    Ok(contacts)
}
