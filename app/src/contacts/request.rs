//! The CICR form's server function: the form read into one struct, as a plain
//! HTML form posts it (one field per input, optional ones may be absent).

use super::*;

/// The Contract Information Change Request form as the browser posts it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeForm {
    pub enrollment: String,
    pub contact: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub reason: String,
    #[serde(default)]
    pub resend_activation: Option<String>,
    #[serde(default)]
    pub billing_address: Option<String>,
    #[serde(default)]
    pub billing_city: Option<String>,
    #[serde(default)]
    pub billing_postal_code: Option<String>,
    #[serde(default)]
    pub billing_country: Option<String>,
    #[serde(default)]
    pub purchase_order: Option<String>,
    /// The eMSL version of each contact when the form was opened.
    pub versions: String,
    pub request_key: String,
}

#[cfg(feature = "ssr")]
impl ChangeForm {
    /// The form as submission reads it.
    fn input(&self) -> ssr::ChangeInput<'_> {
        fn text(v: &Option<String>) -> &str {
            v.as_deref().unwrap_or_default()
        }
        ssr::ChangeInput {
            enrollment: &self.enrollment,
            contact: &self.contact,
            name: &self.name,
            email: &self.email,
            phone: &self.phone,
            reason: &self.reason,
            resend_activation: self
                .resend_activation
                .as_deref()
                .is_some_and(|v| !v.is_empty() && v != "false"),
            billing: ssr::BillingInput {
                address: text(&self.billing_address),
                city: text(&self.billing_city),
                postal_code: text(&self.billing_postal_code),
                country: text(&self.billing_country),
                purchase_order: text(&self.purchase_order),
            },
            versions: &self.versions,
            request_key: &self.request_key,
        }
    }
}

/// Submits a Contract Information Change Request (R7) for one contact of an
/// enrollment. Partner users only, for their customers. Goes on to the change's
/// tracker; returns its reference.
#[server(endpoint = "request-contact-change")]
pub async fn request_contact_change(
    #[server(flatten)] form: ChangeForm,
) -> Result<String, AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        AppError::require(
            "enrollment",
            &form.enrollment,
            "Enter the enrollment number.",
        )?;
        let reference = ssr::submit(&state, &user, form.input()).await?;
        crate::response::redirect(&format!("/changes/{reference}"))?;
        Ok(reference)
    })
    .await
}
