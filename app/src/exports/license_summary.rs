//! An enrollment's License Summary, as its page shows it.

use super::{in_chunks, Chunk, Export};
use crate::access::visible;
use crate::auth::CurrentUser;
use crate::domain::ProductKind;
use crate::error::AppError;
use crate::state::AppState;

const HEADER: &[&str] = &["Product", "Kind", "Quantity"];

/// The License Summary of enrollment `number`, which `user` must see: one row
/// per product, the quantities of its placed orders added up.
pub async fn license_summary(
    state: AppState,
    user: CurrentUser,
    number: &str,
) -> Result<Export, AppError> {
    let enrollment = visible(&state.db, &user, number).await?;
    let file_name = format!("license-summary-{}.csv", enrollment.number);
    // One row per product: a single chunk, however many orders.
    Ok(in_chunks(file_name, HEADER, move |_| {
        let db = state.db.clone();
        async move {
            let rows: Vec<(String, String, i64)> = sqlx::query_as(
                "SELECT p.name, p.kind, CAST(SUM(l.quantity) AS BIGINT) FROM order_lines l \
                 JOIN orders o ON o.id = l.order_id JOIN products p ON p.id = l.product_id \
                 WHERE o.enrollment_id = $1 AND o.status = 'placed' \
                 GROUP BY p.name, p.kind ORDER BY p.name",
            )
            .bind(enrollment.id)
            .fetch_all(db.pool())
            .await?;
            Ok(Chunk {
                next: None,
                rows: rows
                    .into_iter()
                    .map(|(name, kind, quantity)| {
                        let kind = ProductKind::parse(&kind).map_or(kind, |k| k.label().into());
                        vec![name, kind, quantity.to_string()]
                    })
                    .collect(),
            })
        }
    }))
}
