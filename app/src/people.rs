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
    .execute(db.pool())
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
    .fetch_one(db.pool())
    .await?;
    Ok(id)
}

/// Marks a user inactive: their sessions stop working at the next request.
pub async fn deactivate_user(db: &Db, user_id: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET active = 0 WHERE id = $1")
        .bind(user_id)
        .execute(db.pool())
        .await?;
    Ok(())
}
