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

/// A page of reservations, newest first, and where the next page starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservationList {
    pub items: Vec<ReservationRow>,
    pub next_before: Option<i64>,
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

/// A page of the reservations the caller may see, newest first.
#[server(endpoint = "reservations")]
pub async fn list_reservations(before: Option<String>) -> Result<ReservationList, AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        let before = match before.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(b) => Some(AppError::parse_number("before", b)?),
        };
        ssr::list(&state.db, &user, before).await
    })
    .await
}
