//! Orders placed by partners for their customers' enrollments. Placing one is
//! the event the activation engine acts on (R1).

// The order form's fields arrive as the server function's arguments, one each.
#![allow(clippy::too_many_arguments)]

mod form;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use form::PlaceOrderForm;

use crate::error::AppError;
use leptos::prelude::*;

/// How many product lines the order form offers.
pub const ORDER_FORM_LINES: usize = 3;

/// Places an order on an enrollment of one of the partner's customers.
/// Blank lines are ignored; at least one line is needed.
#[server(endpoint = "place-order")]
pub async fn place_order(
    enrollment: String,
    product_1: String,
    quantity_1: String,
    product_2: Option<String>,
    quantity_2: Option<String>,
    product_3: Option<String>,
    quantity_3: Option<String>,
    purchase_date: String,
    usage_start_date: String,
    request_key: String,
) -> Result<String, AppError> {
    crate::respond(
        async {
            use crate::domain::{parse_date, Quantity, Role};
            let (state, user) = crate::auth::ssr::signed_in().await?;
            if user.role != Role::PartnerUser {
                return Err(AppError::Forbidden("Only partners place orders.".into()));
            }
            AppError::require("enrollment", &enrollment, "Enter the enrollment number.")?;
            let target = crate::enrollments::ssr::visible(&state.db, &user, &enrollment).await?;
            if target.partner_id != user.organisation_id {
                return Err(AppError::NotFound);
            }
            let raw = [
                (product_1, quantity_1, 1),
                (
                    product_2.unwrap_or_default(),
                    quantity_2.unwrap_or_default(),
                    2,
                ),
                (
                    product_3.unwrap_or_default(),
                    quantity_3.unwrap_or_default(),
                    3,
                ),
            ];
            let mut lines = Vec::new();
            for (product, quantity, n) in raw {
                if product.trim().is_empty() && quantity.trim().is_empty() && n > 1 {
                    continue;
                }
                let product =
                    ssr::product_by_code(&state.db, &product, &format!("product_{n}")).await?;
                let quantity = Quantity::parse(&quantity)
                    .map_err(|m| AppError::invalid(&format!("quantity_{n}"), m))?;
                lines.push((product, quantity));
            }
            let today = state.clock.now().date();
            let purchase = parse_date(&purchase_date, "purchase date")
                .map_err(|m| AppError::invalid("purchase_date", m))?;
            if purchase > today {
                return Err(AppError::invalid(
                    "purchase_date",
                    "The purchase date cannot be in the future.",
                ));
            }
            let usage = parse_date(&usage_start_date, "usage start date")
                .map_err(|m| AppError::invalid("usage_start_date", m))?;
            if usage < purchase {
                return Err(AppError::invalid(
                    "usage_start_date",
                    "The usage start date cannot be before the purchase date.",
                ));
            }
            ssr::record(
                &state.db,
                ssr::NewOrder {
                    kind: ssr::OrderKind::Order,
                    enrollment: &target,
                    purchase_date: purchase,
                    usage_start_date: usage,
                    lines,
                    placed_by: Some(user.id),
                    placed_at: state.now_unix(),
                    request_key: &request_key,
                },
            )
            .await
        }
        .await,
    )
}
