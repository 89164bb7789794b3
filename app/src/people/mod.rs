//! Organisations, partners and portal users: who belongs where, and the pages
//! that list them.

mod admin_forms;
#[cfg(feature = "ssr")]
pub mod management;
mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use pages::{CustomersPage, OrganisationsPage, PeoplePage};

use crate::domain::Role;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A portal user as the people page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub active: bool,
    /// Enrollments on which an OSM holds the manage-reservation permission (R3).
    pub reservation_enrollments: Vec<String>,
    /// Whether this is the user looking at the list.
    pub is_you: bool,
    /// Whether they sign in in two steps.
    pub two_step: bool,
}

pub use crate::domain::OrganisationSummary;

/// The portal users of the caller's organisation. VLSC administrators only.
#[server(endpoint = "people")]
pub async fn list_people() -> Result<Vec<Person>, AppError> {
    crate::access::serve(
        crate::access::Task::AdministerOrganisation,
        |state, user| async move { ssr::people_of(&state.db, &user).await },
    )
    .await
}

/// The customers the caller's partner organisation serves. Partner users only.
#[server(endpoint = "customers")]
pub async fn list_customers() -> Result<Vec<OrganisationSummary>, AppError> {
    crate::access::serve(crate::access::Task::ListOwnCustomers, |state, user| async move {
        ssr::customers_of_partner(&state.db, user.organisation_id).await
    })
    .await
}

/// Every customer organisation. Support agents and ROC operators only.
#[server(endpoint = "organisations")]
pub async fn list_organisations() -> Result<Vec<OrganisationSummary>, AppError> {
    crate::access::serve(
        crate::access::Task::ListAllOrganisations,
        |state, _user| async move { ssr::all_customers(&state.db).await },
    )
    .await
}

/// Deactivates a user of the caller's organisation (removing an OLA is this).
/// VLSC administrators only.
#[server(endpoint = "deactivate-person")]
pub async fn deactivate_person(email: String) -> Result<(), AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        management::deactivate(&state, &user, &email).await
    })
    .await
}

/// Grants (`grant` = "true") or revokes an OSM's manage-reservation permission
/// on an enrollment (R3). VLSC administrators only.
#[server(endpoint = "reservation-permission")]
pub async fn change_reservation_permission(
    email: String,
    enrollment: String,
    grant: String,
) -> Result<(), AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        // Only an explicit "false" revokes: an empty or garbled value is refused.
        let grant = AppError::parse_flag("grant", &grant)?;
        management::set_reservation_permission(&state, &user, &email, &enrollment, grant).await
    })
    .await
}

/// The numbers of the caller's organisation's enrollments. VLSC administrators only.
#[server(endpoint = "organisation-enrollments")]
pub async fn organisation_enrollment_numbers() -> Result<Vec<String>, AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        management::enrollment_numbers(&state, &user).await
    })
    .await
}
