//! An enrollment's orders, a row per order line, as its page lists them.

use super::{in_chunks, next_key, Chunk, Export, CHUNK};
use crate::access::visible;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::state::AppState;

#[derive(sqlx::FromRow)]
struct Line {
    id: i64,
    order_number: String,
    purchase_date: String,
    usage_start_date: String,
    status: String,
    line_number: i64,
    product: String,
    quantity: i64,
}

const HEADER: &[&str] = &[
    "Order",
    "Purchase date",
    "Usage start date",
    "Status",
    "Line",
    "Product",
    "Quantity",
];

/// Every order of enrollment `number`, which `user` must see (reservations are
/// their own export), newest first, one row per line.
pub async fn orders(state: AppState, user: CurrentUser, number: &str) -> Result<Export, AppError> {
    let enrollment = visible(&state.db, &user, number).await?;
    let file_name = format!("orders-{}.csv", enrollment.number);
    Ok(in_chunks(file_name, HEADER, move |before| {
        let db = state.db.clone();
        async move {
            let rows: Vec<Line> = sqlx::query_as(
                    "WITH chunk AS (\
                       SELECT id, order_number, purchase_date, usage_start_date, status FROM orders \
                       WHERE enrollment_id = $1 AND kind = 'order' AND id < $2 \
                       ORDER BY id DESC LIMIT $3) \
                     SELECT chunk.id, chunk.order_number, chunk.purchase_date, chunk.usage_start_date, \
                     chunk.status, l.line_number, p.name AS product, l.quantity \
                     FROM chunk JOIN order_lines l ON l.order_id = chunk.id \
                     JOIN products p ON p.id = l.product_id \
                     ORDER BY chunk.id DESC, l.line_number",
                )
                .bind(enrollment.id)
                .bind(before)
                .bind(CHUNK)
                .fetch_all(db.pool())
                .await?;
            let mut orders_read = 0;
            let mut last = None;
            for row in &rows {
                if last != Some(row.id) {
                    orders_read += 1;
                    last = Some(row.id);
                }
            }
            Ok(Chunk {
                next: next_key(orders_read, last),
                rows: rows
                    .into_iter()
                    .map(|l| {
                        vec![
                            l.order_number,
                            l.purchase_date,
                            l.usage_start_date,
                            l.status,
                            l.line_number.to_string(),
                            l.product,
                            l.quantity.to_string(),
                        ]
                    })
                    .collect(),
            })
        }
    }))
}
