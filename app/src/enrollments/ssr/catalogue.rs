//! The product catalogue the order and reservation forms offer.

use crate::db::Db;
use crate::domain::{Product, ProductKind};
use crate::error::AppError;

#[derive(sqlx::FromRow)]
struct ProductRow {
    code: String,
    name: String,
    kind: String,
}

/// The product catalogue.
pub async fn products(db: &Db) -> Result<Vec<Product>, AppError> {
    let rows =
        sqlx::query_as::<_, ProductRow>("SELECT code, name, kind FROM products ORDER BY name")
            .fetch_all(db.pool())
            .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Product {
                kind: ProductKind::parse(&r.kind).map_err(|e| {
                    tracing::error!(error = %e, "bad product kind");
                    AppError::Internal
                })?,
                code: r.code,
                name: r.name,
            })
        })
        .collect()
}
