//! Following an activation link: which state the link is in (R9), choosing the
//! online account, and binding the enrollment to it after confirmation (R10, R12).

use super::{AccountPreview, LinkState};
use crate::db::Db;
use crate::domain::{format_date, parse_account_domain, EmailAddress};
use crate::error::AppError;
use crate::keys::link::token_hash;
use time::OffsetDateTime;

#[derive(sqlx::FromRow)]
struct LinkRow {
    id: i64,
    enrollment_id: i64,
    enrollment_number: String,
    enrollment_name: String,
    recipient_email: String,
    expires_at: i64,
    used_at: Option<i64>,
    account_domain: Option<String>,
}

async fn find(db: &Db, token: &str) -> Result<Option<LinkRow>, AppError> {
    Ok(sqlx::query_as::<_, LinkRow>(
        "SELECT a.id, a.enrollment_id, e.enrollment_number, e.name AS enrollment_name, a.recipient_email, \
         a.expires_at, a.used_at, o.domain AS account_domain \
         FROM activations a JOIN enrollments e ON e.id = a.enrollment_id \
         LEFT JOIN online_accounts o ON o.id = a.account_id WHERE a.token_hash = $1",
    )
    .bind(token_hash(token))
    .fetch_optional(db.pool())
    .await?)
}

fn date_of(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| format_date(t.date()))
        .unwrap_or_default()
}

fn state_of(row: &LinkRow, now: i64) -> LinkState {
    if row.used_at.is_some() {
        LinkState::Used {
            enrollment_number: row.enrollment_number.clone(),
            account_domain: row.account_domain.clone().unwrap_or_default(),
        }
    } else if now >= row.expires_at {
        LinkState::Expired {
            enrollment_number: row.enrollment_number.clone(),
            expired_on: date_of(row.expires_at),
        }
    } else {
        LinkState::Valid {
            enrollment_number: row.enrollment_number.clone(),
            enrollment_name: row.enrollment_name.clone(),
            recipient_masked: EmailAddress::parse(&row.recipient_email)
                .map(|e| e.masked())
                .unwrap_or_default(),
            expires_on: date_of(row.expires_at),
        }
    }
}

/// What the link `token` leads to now.
pub async fn link_state(db: &Db, token: &str, now: i64) -> Result<LinkState, AppError> {
    Ok(match find(db, token).await? {
        Some(row) => state_of(&row, now),
        None => LinkState::Unknown,
    })
}

async fn valid_link(db: &Db, token: &str, now: i64) -> Result<LinkRow, AppError> {
    let row = find(db, token).await?.ok_or(AppError::NotFound)?;
    match state_of(&row, now) {
        LinkState::Valid { .. } => Ok(row),
        LinkState::Used { .. } => Err(AppError::Conflict(
            "This activation link has already been used.".into(),
        )),
        _ => Err(AppError::Conflict(
            "This activation link has expired. Ask Support to reactivate it.".into(),
        )),
    }
}

/// The account a domain and administrator address name: `Some(id)` for an
/// existing account the address administers, `None` for a new one.
async fn resolve_account(
    db: &Db,
    domain: &str,
    admin: &EmailAddress,
) -> Result<Option<i64>, AppError> {
    let existing = sqlx::query_as::<_, (i64, String, String)>(
        "SELECT id, global_admin_email, billing_admin_email FROM online_accounts WHERE domain = $1",
    )
    .bind(domain)
    .fetch_optional(db.pool())
    .await?;
    match existing {
        Some((id, global, billing)) if global == admin.as_str() || billing == admin.as_str() => Ok(Some(id)),
        Some(_) => Err(AppError::invalid(
            "admin_email",
            format!("This address is not an administrator of {domain}. Sign in with its global or billing administrator's address."),
        )),
        None => Ok(None),
    }
}

fn parse_choice(domain: &str, admin_email: &str) -> Result<(String, EmailAddress), AppError> {
    let domain = parse_account_domain(domain).map_err(|m| AppError::invalid("domain", m))?;
    let admin =
        EmailAddress::parse(admin_email).map_err(|m| AppError::invalid("admin_email", m))?;
    Ok((domain, admin))
}

/// What confirming would do: the account (new or existing) and the enrollment.
pub async fn preview(
    db: &Db,
    token: &str,
    domain: &str,
    admin_email: &str,
    now: i64,
) -> Result<AccountPreview, AppError> {
    let row = valid_link(db, token, now).await?;
    let (domain, admin) = parse_choice(domain, admin_email)?;
    let existing = resolve_account(db, &domain, &admin).await?;
    Ok(AccountPreview {
        enrollment_number: row.enrollment_number,
        enrollment_name: row.enrollment_name,
        domain,
        admin_email: admin.as_str().to_string(),
        new_account: existing.is_none(),
    })
}

/// Binds the enrollment to the chosen account and marks the link used, once.
pub async fn confirm(
    db: &Db,
    token: &str,
    domain: &str,
    admin_email: &str,
    now: i64,
) -> Result<(), AppError> {
    let row = valid_link(db, token, now).await?;
    let (domain, admin) = parse_choice(domain, admin_email)?;
    let existing = resolve_account(db, &domain, &admin).await?;
    let mut tx = db.begin().await?;
    let used = sqlx::query("UPDATE activations SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
        .bind(now)
        .bind(row.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if used != 1 {
        tx.rollback().await?;
        return Err(AppError::Conflict(
            "This activation link has already been used.".into(),
        ));
    }
    let account_id = match existing {
        Some(id) => id,
        None => {
            sqlx::query(
                "INSERT INTO online_accounts (domain, global_admin_email, billing_admin_email, created_at) \
                 VALUES ($1, $2, $2, $3) ON CONFLICT (domain) DO NOTHING",
            )
            .bind(&domain)
            .bind(admin.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query_scalar::<_, i64>("SELECT id FROM online_accounts WHERE domain = $1")
                .bind(&domain)
                .fetch_one(&mut *tx)
                .await?
        }
    };
    let associated = sqlx::query(
        "INSERT INTO enrollment_accounts (enrollment_id, account_id, associated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (enrollment_id) DO NOTHING",
    )
    .bind(row.enrollment_id)
    .bind(account_id)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if associated != 1 {
        tx.rollback().await?;
        return Err(AppError::Conflict(
            "This enrollment is already associated with an online account. If that is the wrong account, ask Support to remap it.".into(),
        ));
    }
    sqlx::query("UPDATE activations SET account_id = $1 WHERE id = $2")
        .bind(account_id)
        .bind(row.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
