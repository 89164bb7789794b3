//! The CICR form's server function: one argument per form field, as a plain
//! HTML form posts them.
#![allow(clippy::too_many_arguments)]

use super::*;

/// Submits a Contract Information Change Request (R7) for one contact of an
/// enrollment. Partner users only, for their customers. Goes on to the change's
/// tracker; returns its reference.
#[server(endpoint = "request-contact-change")]
pub async fn request_contact_change(
    enrollment: String,
    contact: String,
    name: String,
    email: String,
    phone: String,
    reason: String,
    resend_activation: Option<String>,
    billing_address: Option<String>,
    billing_city: Option<String>,
    billing_postal_code: Option<String>,
    billing_country: Option<String>,
    purchase_order: Option<String>,
    versions: String,
    request_key: String,
) -> Result<String, AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        AppError::require("enrollment", &enrollment, "Enter the enrollment number.")?;
        let input = ssr::ChangeInput {
            enrollment: &enrollment,
            contact: &contact,
            name: &name,
            email: &email,
            phone: &phone,
            reason: &reason,
            resend_activation: resend_activation.is_some_and(|v| !v.is_empty() && v != "false"),
            billing: ssr::BillingInput {
                address: billing_address.as_deref().unwrap_or_default(),
                city: billing_city.as_deref().unwrap_or_default(),
                postal_code: billing_postal_code.as_deref().unwrap_or_default(),
                country: billing_country.as_deref().unwrap_or_default(),
                purchase_order: purchase_order.as_deref().unwrap_or_default(),
            },
            versions: &versions,
            request_key: &request_key,
        };
        let reference = ssr::submit(&state, &user, input).await?;
        crate::response::redirect(&format!("/changes/{reference}"))?;
        Ok(reference)
    })
    .await
}
