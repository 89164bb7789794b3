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
    let lines = [
        (product_1, quantity_1),
        (
            product_2.unwrap_or_default(),
            quantity_2.unwrap_or_default(),
        ),
        (
            product_3.unwrap_or_default(),
            quantity_3.unwrap_or_default(),
        ),
    ];
    let form = ssr::OrderForm {
        enrollment,
        lines,
        purchase_date,
        usage_start_date,
        request_key,
    };
    crate::access::serve(crate::access::Task::PlaceOrders, |state, user| async move {
        ssr::place(&state, &user, form).await
    })
    .await
}
