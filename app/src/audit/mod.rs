//! The audit trail: who changed what, before and after, why and when, for
//! every contact change, permission change and operations-center decision.
//! Rows are only ever added (the database refuses updates and deletes).

mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use page::AuditPage;

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One entry of the audit trail as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: Option<String>,
}

/// The caller's organisation's audit trail, newest first. VLSC administrators only.
#[server(endpoint = "audit-trail")]
pub async fn list_audit_trail() -> Result<Vec<AuditEntry>, AppError> {
    crate::respond(
        async {
            let (state, user) = crate::auth::ssr::signed_in().await?;
            crate::people::ssr::require_role(&user, &[crate::domain::Role::VlscAdministrator])?;
            ssr::of_organisation(&state.db, user.organisation_id).await
        }
        .await,
    )
}
