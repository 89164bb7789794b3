//! An enrollment's License Summary, as its page shows it.

use super::{in_chunks, Chunk, Export};
use crate::access::visible;
use crate::auth::CurrentUser;
use crate::enrollments::ssr;
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
            let lines = ssr::license_summary(&db, enrollment.id).await?;
            Ok(Chunk {
                next: None,
                rows: lines
                    .into_iter()
                    .map(|l| {
                        vec![
                            l.product_name,
                            l.kind.label().to_string(),
                            l.quantity.to_string(),
                        ]
                    })
                    .collect(),
            })
        }
    }))
}
