//! Enrollments: the list, and one enrollment's page with its contacts, orders,
//! License Summary, reservations and online account.

mod detail;
mod list;
#[cfg(feature = "ssr")]
pub mod records;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use detail::{EnrollmentPage, ExtraSection};
pub use list::EnrollmentsPage;

use crate::domain::{ContactType, ProductKind};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One enrollment in a list, and the head of its page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentSummary {
    pub number: String,
    pub agreement_number: String,
    pub name: String,
    pub customer_name: String,
    pub partner_name: String,
    pub start_date: String,
    pub end_date: String,
    pub status: String,
}

/// A page of enrollments, how many match, and where the next page starts.
pub type EnrollmentList = crate::lists::Page<EnrollmentSummary>;

/// A contract-level contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub contact_type: ContactType,
    pub name: String,
    pub email: String,
    pub phone: String,
}

/// An order or reservation on an enrollment's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub order_number: String,
    pub kind: String,
    pub purchase_date: String,
    pub usage_start_date: String,
    pub status: String,
    pub lines: String,
    /// Whether the viewer may cancel it now (reservations only).
    pub cancellable: bool,
}

/// One product's total in the License Summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseLine {
    pub product_name: String,
    pub kind: ProductKind,
    pub quantity: i64,
}

pub use crate::domain::Product;

/// The online account an enrollment is associated with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    pub domain: String,
    pub associated_on: String,
}

/// Everything an enrollment's page shows, filtered for the viewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentDetail {
    pub summary: EnrollmentSummary,
    pub contacts: Vec<Contact>,
    /// The system whose copy of the contacts the viewer sees (VLSC, explore.ms, eMSL).
    pub contacts_source: String,
    /// For customers: whom to ask for a contact change (R6).
    pub contact_guidance: Option<String>,
    /// Whether the viewer may submit a CICR (the enrollment's partner, R7).
    pub may_request_change: bool,
    /// The eMSL version of each contact, carried by the CICR form.
    pub contact_versions: String,
    /// Contact changes on their way.
    pub changes_in_flight: Vec<crate::contacts::ChangeSummary>,
    pub orders: Vec<OrderSummary>,
    pub reservations: Vec<OrderSummary>,
    pub license_summary: Vec<LicenseLine>,
    pub online_account: Option<AccountSummary>,
    /// `Ok` when the viewer may reserve; otherwise why not (R3).
    pub reservation_access: Result<(), String>,
    /// Whether the viewer may place orders (the enrollment's partner).
    pub may_place_order: bool,
    pub products: Vec<Product>,
    /// A fresh key for the forms on this page, so a resubmission is recognised.
    pub form_key: String,
    pub today: String,
    pub latest_reservation_start: String,
}

/// A page of the enrollments the caller may see.
#[server(endpoint = "enrollments")]
pub async fn list_enrollments(
    q: Option<String>,
    status: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    after: Option<String>,
    per: Option<String>,
) -> Result<EnrollmentList, AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        let filter = ssr::EnrollmentFilter::parse(
            q.as_deref(),
            status.as_deref(),
            sort.as_deref(),
            dir.as_deref(),
            after.as_deref(),
            per.as_deref(),
        )?;
        ssr::list(&state.db, &user, &filter).await
    })
    .await
}

/// One enrollment the caller may see; any other answers "not found".
#[server(endpoint = "enrollment")]
pub async fn get_enrollment(number: String) -> Result<EnrollmentDetail, AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        AppError::require("number", &number, "Enter an enrollment number.")?;
        ssr::detail(&state, &user, &number).await
    })
    .await
}
