//! Online Reservation (R3): reserving online services for an enrollment,
//! cancelling, and the list of reservations.

mod form;
mod list;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use form::ReserveForm;
pub use list::ReservationsPage;

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One reservation in the list of reservations (and in its export).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ReservationRow {
    pub id: i64,
    pub order_number: String,
    pub enrollment_number: String,
    pub product_name: String,
    pub quantity: i64,
    pub usage_start_date: String,
    pub status: String,
}

/// Reserves an online service on an enrollment (R3). Returns the reservation number.
#[server(endpoint = "reserve")]
pub async fn reserve(
    enrollment: String,
    product: String,
    quantity: String,
    usage_start_date: String,
    request_key: String,
) -> Result<String, AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        AppError::require("enrollment", &enrollment, "Enter the enrollment number.")?;
        let input = ssr::ReservationInput {
            enrollment: &enrollment,
            product: &product,
            quantity: &quantity,
            usage_start_date: &usage_start_date,
            request_key: &request_key,
        };
        ssr::reserve(&state, &user, input).await
    })
    .await
}

/// Cancels a reservation, until 72 hours before its usage start date.
#[server(endpoint = "cancel-reservation")]
pub async fn cancel_reservation(order_number: String) -> Result<(), AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        AppError::require(
            "order_number",
            &order_number,
            "Choose the reservation to cancel.",
        )?;
        ssr::cancel(&state, &user, &order_number).await
    })
    .await
}

/// A page of the reservations the caller may see, filtered and sorted as
/// asked (newest first by default).
#[server(endpoint = "reservations")]
pub async fn list_reservations(
    status: Option<String>,
    enrollment: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    after: Option<String>,
    per: Option<String>,
) -> Result<crate::lists::Page<ReservationRow>, AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        let filter = ssr::ReservationFilter::parse(
            status.as_deref(),
            enrollment.as_deref(),
            sort.as_deref(),
            dir.as_deref(),
            after.as_deref(),
            per.as_deref(),
        )?;
        ssr::list(&state.db, &user, &filter).await
    })
    .await
}
