//! Creating enrollments, contacts, permissions and online accounts: used by the
//! demo data, the large data set and the tests. Each call is idempotent.

use crate::contacts::emsl::{write_copy, CopyWrite, Over};
use crate::contacts::ContactDetails;
use crate::db::Db;
use crate::domain::{format_date, ContactType, DownstreamSystem, EmailAddress, EnrollmentId};
use crate::error::AppError;
use time::Date;

/// An enrollment to create.
#[derive(Debug, Clone)]
pub struct NewEnrollment<'a> {
    pub number: &'a str,
    pub agreement_number: &'a str,
    pub name: &'a str,
    pub customer_id: i64,
    pub partner_id: i64,
    pub start_date: Date,
    pub end_date: Date,
}

/// Creates the enrollment unless its number exists; returns its id.
pub async fn ensure_enrollment(db: &Db, e: NewEnrollment<'_>) -> Result<i64, AppError> {
    sqlx::query(
        "INSERT INTO enrollments (enrollment_number, agreement_number, name, customer_id, partner_id, \
         start_date, end_date, status) VALUES ($1, $2, $3, $4, $5, $6, $7, 'active') \
         ON CONFLICT (enrollment_number) DO NOTHING",
    )
    .bind(e.number)
    .bind(e.agreement_number)
    .bind(e.name)
    .bind(e.customer_id)
    .bind(e.partner_id)
    .bind(format_date(e.start_date))
    .bind(format_date(e.end_date))
    .execute(db.writer())
    .await?;
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT id FROM enrollments WHERE enrollment_number = $1")
            .bind(e.number)
            .fetch_one(db.pool())
            .await?,
    )
}

/// Sets a contract-level contact unless one of that type exists, in eMSL and
/// in the copies VLSC and explore.ms show.
pub async fn ensure_contact(
    db: &Db,
    enrollment_id: i64,
    contact_type: ContactType,
    name: &str,
    email: &str,
    phone: &str,
) -> Result<(), AppError> {
    let email = EmailAddress::parse(email).map_err(|m| AppError::invalid("email", m))?;
    sqlx::query(
        "INSERT INTO enrollment_contacts (enrollment_id, contact_type, name, email, phone) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (enrollment_id, contact_type) DO NOTHING",
    )
    .bind(enrollment_id)
    .bind(contact_type.code())
    .bind(name)
    .bind(email.as_str())
    .bind(phone)
    .execute(db.writer())
    .await?;
    // The copies start as eMSL has the contact (which may be an earlier one).
    let (name, email, phone, version) = sqlx::query_as::<_, (String, String, String, i64)>(
        "SELECT name, email, phone, version FROM enrollment_contacts \
         WHERE enrollment_id = $1 AND contact_type = $2",
    )
    .bind(enrollment_id)
    .bind(contact_type.code())
    .fetch_one(db.writer())
    .await?;
    let details = ContactDetails { name, email, phone };
    for system in DownstreamSystem::ALL {
        let copy = CopyWrite {
            enrollment_id: EnrollmentId(enrollment_id),
            contact_type: contact_type.code(),
            system,
            details: &details,
            version,
            synced_at: 0,
        };
        write_copy(db.writer(), copy, Over::OlderVersions).await?;
    }
    Ok(())
}

/// Grants an OSM the manage-reservation permission on an enrollment (R3).
pub async fn grant_reservation_permission(
    db: &Db,
    enrollment_id: i64,
    user_id: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO reservation_permissions (enrollment_id, user_id) VALUES ($1, $2) \
         ON CONFLICT (enrollment_id, user_id) DO NOTHING",
    )
    .bind(enrollment_id)
    .bind(user_id)
    .execute(db.writer())
    .await?;
    Ok(())
}

/// Creates an online account (tenant) unless its domain exists; returns its id.
pub async fn ensure_online_account(
    db: &Db,
    domain: &str,
    global_admin: &str,
    billing_admin: &str,
    created_at: i64,
) -> Result<i64, AppError> {
    sqlx::query(
        "INSERT INTO online_accounts (domain, global_admin_email, billing_admin_email, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (domain) DO NOTHING",
    )
    .bind(domain)
    .bind(global_admin)
    .bind(billing_admin)
    .bind(created_at)
    .execute(db.writer())
    .await?;
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT id FROM online_accounts WHERE domain = $1")
            .bind(domain)
            .fetch_one(db.pool())
            .await?,
    )
}

/// Associates an enrollment with an online account, unless it already is.
pub async fn associate_account(
    db: &Db,
    enrollment_id: i64,
    account_id: i64,
    at: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO enrollment_accounts (enrollment_id, account_id, associated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (enrollment_id) DO NOTHING",
    )
    .bind(enrollment_id)
    .bind(account_id)
    .bind(at)
    .execute(db.writer())
    .await?;
    Ok(())
}
