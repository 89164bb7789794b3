//! Organisations, partners and portal users: who belongs where, and the pages
//! that list them.

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
}

/// An organisation in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationSummary {
    pub id: i64,
    pub name: String,
}

/// The portal users of the caller's organisation. VLSC administrators only.
#[server(endpoint = "people")]
pub async fn list_people() -> Result<Vec<Person>, AppError> {
    crate::respond(
        async {
            let (state, user) = crate::auth::ssr::signed_in().await?;
            ssr::require_role(&user, &[Role::VlscAdministrator])?;
            ssr::people_of(&state.db, user.organisation_id).await
        }
        .await,
    )
}

/// The customers the caller's partner organisation serves. Partner users only.
#[server(endpoint = "customers")]
pub async fn list_customers() -> Result<Vec<OrganisationSummary>, AppError> {
    crate::respond(
        async {
            let (state, user) = crate::auth::ssr::signed_in().await?;
            ssr::require_role(&user, &[Role::PartnerUser])?;
            ssr::customers_of_partner(&state.db, user.organisation_id).await
        }
        .await,
    )
}

/// Every customer organisation. Support agents and ROC operators only.
#[server(endpoint = "organisations")]
pub async fn list_organisations() -> Result<Vec<OrganisationSummary>, AppError> {
    crate::respond(
        async {
            let (state, user) = crate::auth::ssr::signed_in().await?;
            ssr::require_role(&user, &[Role::SupportAgent, Role::RocOperator])?;
            ssr::all_customers(&state.db).await
        }
        .await,
    )
}
