//! Organisations, partners and portal users: the records sign-in and scoping
//! stand on. Server only.

use crate::auth::ssr::hash_password_off_thread;
use crate::db::Db;
use crate::domain::{EmailAddress, OrganisationKind, Role};
use crate::error::AppError;

/// Finds an organisation by name or creates it; returns its id.
pub async fn ensure_organisation(
    db: &Db,
    name: &str,
    kind: OrganisationKind,
) -> Result<i64, AppError> {
    let mut tx = db.begin().await?;
    let existing = sqlx::query_scalar::<_, i64>("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
    let id = match existing {
        Some(id) => id,
        None => {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO organisations (name, kind) VALUES ($1, $2) RETURNING id",
            )
            .bind(name)
            .bind(kind.code())
            .fetch_one(&mut *tx)
            .await?
        }
    };
    tx.commit().await?;
    Ok(id)
}

/// Records that `partner_id` serves `customer_id` (idempotent).
pub async fn ensure_partner_serves(
    db: &Db,
    partner_id: i64,
    customer_id: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO partner_customers (partner_id, customer_id) VALUES ($1, $2) \
         ON CONFLICT (partner_id, customer_id) DO NOTHING",
    )
    .bind(partner_id)
    .bind(customer_id)
    .execute(db.writer())
    .await?;
    Ok(())
}

/// A portal user to create.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub organisation_id: i64,
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password: &'a str,
}

/// Creates the user unless one with that email exists; returns the user's id.
pub async fn ensure_user(db: &Db, user: NewUser<'_>) -> Result<i64, AppError> {
    let email = EmailAddress::parse(user.email).map_err(|m| AppError::invalid("email", m))?;
    if let Some(id) = sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(db.pool())
        .await?
    {
        return Ok(id);
    }
    let hash = hash_password_off_thread(user.password.to_string()).await?;
    let id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO users (organisation_id, email, display_name, role, password_hash, active) \
         VALUES ($1, $2, $3, $4, $5, 1) \
         ON CONFLICT (email) DO UPDATE SET email = excluded.email RETURNING id",
    )
    .bind(user.organisation_id)
    .bind(email.as_str())
    .bind(user.display_name)
    .bind(user.role.code())
    .bind(hash)
    .fetch_one(db.writer())
    .await?;
    Ok(id)
}

/// Marks a user inactive: their sessions stop working at the next request.
pub async fn deactivate_user(db: &Db, user_id: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET active = 0 WHERE id = $1")
        .bind(user_id)
        .execute(db.writer())
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct PersonRow {
    id: crate::domain::UserId,
    display_name: String,
    email: String,
    role: String,
    active: i64,
    totp_enabled_at: Option<i64>,
}

/// The portal users of one organisation, with the enrollments on which each
/// OSM may manage reservations.
pub async fn people_of(
    db: &Db,
    viewer: &crate::auth::CurrentUser,
) -> Result<Vec<super::Person>, AppError> {
    let organisation_id = viewer.organisation_id;
    let rows = sqlx::query_as::<_, PersonRow>(
        "SELECT id, display_name, email, role, active, totp_enabled_at FROM users WHERE organisation_id = $1 ORDER BY display_name",
    )
    .bind(organisation_id)
    .fetch_all(db.pool())
    .await?;
    let permissions = sqlx::query_as::<_, (i64, String)>(
        "SELECT p.user_id, e.enrollment_number FROM reservation_permissions p \
         JOIN enrollments e ON e.id = p.enrollment_id JOIN users u ON u.id = p.user_id \
         WHERE u.organisation_id = $1 ORDER BY e.enrollment_number",
    )
    .bind(organisation_id)
    .fetch_all(db.pool())
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(super::Person {
                role: Role::parse(&r.role).map_err(|e| {
                    tracing::error!(error = %e, "bad role in database");
                    AppError::Internal
                })?,
                reservation_enrollments: permissions
                    .iter()
                    .filter(|(user_id, _)| *user_id == r.id.0)
                    .map(|(_, number)| number.clone())
                    .collect(),
                is_you: r.id == viewer.id,
                display_name: r.display_name,
                email: r.email,
                active: r.active == 1,
                two_step: r.totp_enabled_at.is_some(),
            })
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct OrganisationRow {
    id: i64,
    name: String,
}

fn summaries(rows: Vec<OrganisationRow>) -> Vec<super::OrganisationSummary> {
    rows.into_iter()
        .map(|r| super::OrganisationSummary {
            id: r.id,
            name: r.name,
        })
        .collect()
}

/// The customers a partner serves.
pub async fn customers_of_partner(
    db: &Db,
    partner_id: crate::domain::OrganisationId,
) -> Result<Vec<super::OrganisationSummary>, AppError> {
    let rows = sqlx::query_as::<_, OrganisationRow>(
        "SELECT o.id, o.name FROM organisations o \
         JOIN partner_customers pc ON pc.customer_id = o.id \
         WHERE pc.partner_id = $1 ORDER BY o.name",
    )
    .bind(partner_id)
    .fetch_all(db.pool())
    .await?;
    Ok(summaries(rows))
}

/// Every customer organisation.
pub async fn all_customers(db: &Db) -> Result<Vec<super::OrganisationSummary>, AppError> {
    let rows = sqlx::query_as::<_, OrganisationRow>(
        "SELECT id, name FROM organisations WHERE kind = 'customer' ORDER BY name",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(summaries(rows))
}
