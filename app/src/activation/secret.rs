//! The deployment's activation-link key, created once and shared through the
//! database by every portal instance.

use super::link::new_secret;
use crate::db::{Db, Tx};
use crate::error::AppError;

const NAME: &str = "activation_link_key";

/// The key, created on first use, inside a transaction.
pub async fn link_secret_in(tx: &mut Tx) -> Result<String, AppError> {
    sqlx::query(
        "INSERT INTO portal_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
    )
    .bind(NAME)
    .bind(new_secret())
    .execute(&mut **tx)
    .await?;
    Ok(
        sqlx::query_scalar::<_, String>("SELECT value FROM portal_secrets WHERE name = $1")
            .bind(NAME)
            .fetch_one(&mut **tx)
            .await?,
    )
}

/// The key, created on first use.
pub async fn link_secret(db: &Db) -> Result<String, AppError> {
    let mut tx = db.begin().await?;
    let secret = link_secret_in(&mut tx).await?;
    tx.commit().await?;
    Ok(secret)
}
