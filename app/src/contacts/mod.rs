//! Contact changes (R5–R7): Contract Information Change Requests submitted by
//! partners, routed by contact type, worked by the operations center when
//! manual, applied to eMSL and copied to VLSC and explore.ms; and the tracker
//! that follows each change until every system shows it.

#[cfg(feature = "ssr")]
pub mod emsl;
mod form;
#[cfg(feature = "ssr")]
pub mod lifecycle;
mod list;
#[cfg(feature = "ssr")]
mod notices;
#[cfg(feature = "ssr")]
pub mod progress;
#[cfg(feature = "ssr")]
pub mod propagation;
mod request;
pub mod routing;
#[cfg(feature = "ssr")]
pub mod ssr;
mod tracker;

pub use form::ContactChangeForm;
pub use list::{ChangesPage, RocQueuePage};
pub use request::{request_contact_change, ChangeForm, RequestContactChange};
pub use tracker::ChangePage;

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A contact's name, email and phone as one system shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactDetails {
    pub name: String,
    pub email: String,
    pub phone: String,
}

/// Where one hop of a change stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HopState {
    Done,
    Waiting,
    Stopped,
}

impl HopState {
    /// The word the tracker shows.
    pub fn label(self) -> &'static str {
        match self {
            HopState::Done => "Done",
            HopState::Waiting => "Waiting",
            HopState::Stopped => "Stopped",
        }
    }
}

/// One hop of a change: submitted, ROC queue, eMSL, VLSC, explore.ms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hop {
    pub system: String,
    pub state: HopState,
    /// What happened or is expected, with who and when.
    pub detail: String,
    /// What the system shows for this contact now (eMSL, VLSC, explore.ms).
    pub shows: Option<ContactDetails>,
}

/// The manual CICR form's billing fields (bill-to changes, R7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingDetails {
    pub address: String,
    pub city: String,
    pub postal_code: String,
    pub country: String,
    pub purchase_order: String,
}

/// Everything the tracker page shows about one change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeTracker {
    pub reference: String,
    pub enrollment_number: String,
    pub contact_label: String,
    pub route_label: String,
    pub status_label: String,
    pub complete: bool,
    pub requested: ContactDetails,
    pub previous: Option<ContactDetails>,
    pub billing: Option<BillingDetails>,
    pub reason: String,
    pub hops: Vec<Hop>,
    /// "Send the activation email again" was asked for, and what came of it.
    pub resend: Option<String>,
    /// Whether the viewer may approve or reject it now (ROC, awaiting).
    pub may_decide: bool,
}

/// A change in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeSummary {
    pub reference: String,
    pub enrollment_number: String,
    pub contact_label: String,
    pub requested_name: String,
    pub status_label: String,
    pub submitted_at: String,
}

/// What an empty change reference is told.
#[cfg(feature = "ssr")]
const NO_REFERENCE: &str = "Enter the change request's reference, like CICR-000001.";

/// One change's tracker, if the caller may see it; "not found" otherwise.
#[server(endpoint = "contact-change")]
pub async fn get_contact_change(reference: String) -> Result<ChangeTracker, AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        AppError::require("reference", &reference, NO_REFERENCE)?;
        ssr::tracker(&state, &user, &reference).await
    })
    .await
}

/// A ROC operator approves or rejects a manual CICR, with a comment.
#[server(endpoint = "decide-contact-change")]
pub async fn decide_contact_change(
    reference: String,
    decision: Option<String>,
    comment: String,
) -> Result<(), AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        AppError::require("reference", &reference, NO_REFERENCE)?;
        ssr::decide(
            &state,
            &user,
            &reference,
            decision.as_deref().unwrap_or_default(),
            &comment,
        )
        .await
    })
    .await
}

/// The changes the caller may see, newest first; `awaiting_roc` keeps only the
/// operations-center queue.
#[server(endpoint = "contact-changes")]
pub async fn list_contact_changes(
    awaiting_roc: String,
    contact: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    after: Option<String>,
    per: Option<String>,
) -> Result<crate::lists::Page<ChangeSummary>, AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        let awaiting_roc = AppError::parse_flag("awaiting_roc", &awaiting_roc)?;
        let filter = ssr::ChangeFilter::parse(
            awaiting_roc,
            contact.as_deref(),
            sort.as_deref(),
            dir.as_deref(),
            after.as_deref(),
            per.as_deref(),
        )?;
        ssr::list(&state.db, &user, &filter).await
    })
    .await
}
