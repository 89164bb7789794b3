//! The reservations the user may see, as the reservations page lists them.

use super::{in_chunks, next_key, Chunk, Export, CHUNK};
use crate::access::Scope;
use crate::auth::CurrentUser;
use crate::domain::format_date;
use crate::error::AppError;
use crate::state::AppState;

const HEADER: &[&str] = &[
    "Reservation",
    "Enrollment",
    "Product",
    "Quantity",
    "Usage start date",
    "Status",
];

/// Every reservation `user` may see, newest first.
pub async fn reservations(state: AppState, user: CurrentUser) -> Result<Export, AppError> {
    let scope = Scope::of(&user);
    // The chunk's orders first, then their details, as the page reads them.
    let sql = format!(
        "WITH chunk AS (\
           SELECT o.id, o.order_number, o.enrollment_id, o.usage_start_date, o.status \
           FROM orders o \
           WHERE {} AND o.kind = 'reservation' AND o.id < $2 \
           ORDER BY o.id DESC LIMIT $3) \
         SELECT chunk.id, chunk.order_number, e.enrollment_number, p.name, l.quantity, \
         chunk.usage_start_date, chunk.status \
         FROM chunk \
         JOIN enrollments e ON e.id = chunk.enrollment_id \
         JOIN order_lines l ON l.order_id = chunk.id AND l.line_number = 1 \
         JOIN products p ON p.id = l.product_id \
         ORDER BY chunk.id DESC",
        scope.condition("o")
    );
    let file_name = format!("reservations-{}.csv", format_date(state.clock.now().date()));
    Ok(in_chunks(file_name, HEADER, move |before| {
        let (db, sql) = (state.db.clone(), sql.clone());
        async move {
            let rows: Vec<(i64, String, String, String, i64, String, String)> =
                sqlx::query_as(&sql)
                    .bind(scope.param())
                    .bind(before)
                    .bind(CHUNK)
                    .fetch_all(db.pool())
                    .await?;
            Ok(Chunk {
                next: next_key(rows.len(), rows.last().map(|r| r.0)),
                rows: rows
                    .into_iter()
                    .map(
                        |(_, number, enrollment, product, quantity, starts, status)| {
                            vec![
                                number,
                                enrollment,
                                product,
                                quantity.to_string(),
                                starts,
                                status,
                            ]
                        },
                    )
                    .collect(),
            })
        }
    }))
}
