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
use crate::lists::Page;
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

/// A page of the portal users of the caller's organisation, searched by name
/// or address and sorted as asked. VLSC administrators only.
#[server(endpoint = "people")]
pub async fn list_people(
    q: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    after: Option<String>,
    per: Option<String>,
) -> Result<Page<Person>, AppError> {
    crate::access::serve(
        crate::access::Task::AdministerOrganisation,
        |state, user| async move {
            let filter = ssr::PeopleFilter::parse(
                q.as_deref(),
                sort.as_deref(),
                dir.as_deref(),
                after.as_deref(),
                per.as_deref(),
            )?;
            ssr::people_of(&state.db, &user, &filter).await
        },
    )
    .await
}

/// A page of the customers the caller's partner organisation serves,
/// searched by name and sorted as asked. Partner users only.
#[server(endpoint = "customers")]
pub async fn list_customers(
    q: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    after: Option<String>,
    per: Option<String>,
) -> Result<Page<OrganisationSummary>, AppError> {
    crate::access::serve(
        crate::access::Task::ListOwnCustomers,
        |state, user| async move {
            let filter = ssr::OrganisationFilter::parse(
                q.as_deref(),
                sort.as_deref(),
                dir.as_deref(),
                after.as_deref(),
                per.as_deref(),
            )?;
            ssr::customers(
                &state.db,
                ssr::Customers::OfPartner(user.organisation_id),
                &filter,
            )
            .await
        },
    )
    .await
}

/// A page of every customer organisation, searched by name and sorted as
/// asked. Support agents and ROC operators only.
#[server(endpoint = "organisations")]
pub async fn list_organisations(
    q: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    after: Option<String>,
    per: Option<String>,
) -> Result<Page<OrganisationSummary>, AppError> {
    crate::access::serve(
        crate::access::Task::ListAllOrganisations,
        |state, _user| async move {
            let filter = ssr::OrganisationFilter::parse(
                q.as_deref(),
                sort.as_deref(),
                dir.as_deref(),
                after.as_deref(),
                per.as_deref(),
            )?;
            ssr::customers(&state.db, ssr::Customers::All, &filter).await
        },
    )
    .await
}

/// Every customer organisation by name, to choose the one whose first
/// administrator support invites. Support agents only.
#[server(endpoint = "organisation-choices")]
pub async fn organisation_choices() -> Result<Vec<OrganisationSummary>, AppError> {
    crate::access::serve(
        crate::access::Task::InviteFirstAdministrator,
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
