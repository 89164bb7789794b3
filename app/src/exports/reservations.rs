//! The reservations the user may see, as the reservations page lists them.

use super::{in_chunks, next_key, Chunk, Export, CHUNK};
use crate::access::Scope;
use crate::auth::CurrentUser;
use crate::domain::format_date;
use crate::error::AppError;
use crate::reservations::ssr::newest_before;
use crate::reservations::ReservationRow;
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
    let sql = newest_before(scope);
    let file_name = format!("reservations-{}.csv", format_date(state.clock.now().date()));
    Ok(in_chunks(file_name, HEADER, move |before| {
        let (db, sql) = (state.db.clone(), sql.clone());
        async move {
            let rows: Vec<ReservationRow> = sqlx::query_as(&sql)
                .bind(scope.param())
                .bind(before)
                .bind(CHUNK)
                .fetch_all(db.pool())
                .await?;
            Ok(Chunk {
                next: next_key(rows.len(), rows.last().map(|r| r.id)),
                rows: rows
                    .into_iter()
                    .map(|r| {
                        vec![
                            r.order_number,
                            r.enrollment_number,
                            r.product_name,
                            r.quantity.to_string(),
                            r.usage_start_date,
                            r.status,
                        ]
                    })
                    .collect(),
            })
        }
    }))
}
