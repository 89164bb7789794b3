//! The audit trail: who changed what, before and after, why and when, for
//! every contact change, permission change and operations-center decision;
//! and, read apart, the security events of the organisation's people.
//! Rows are only ever added (the database refuses updates and deletes).

mod page;
#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
pub mod trail;

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

/// The caller's organisation's changes, newest first. VLSC administrators only.
#[server(endpoint = "audit-trail")]
pub async fn list_audit_trail() -> Result<Vec<AuditEntry>, AppError> {
    crate::access::serve(
        crate::access::Task::AdministerOrganisation,
        |state, user| async move {
            ssr::of_organisation(&state.db, user.organisation_id, ssr::Category::Changes).await
        },
    )
    .await
}

/// The security events of the caller's organisation's people (sign-ins,
/// invitations, passwords, sessions), newest first. VLSC administrators, and
/// support agents for the operations organisation's own people.
#[server(endpoint = "security-events")]
pub async fn list_security_events() -> Result<Vec<AuditEntry>, AppError> {
    crate::access::serve(
        crate::access::Task::ReadSecurityEvents,
        |state, user| async move {
            ssr::of_organisation(
                &state.db,
                user.organisation_id,
                ssr::Category::SecurityEvents,
            )
            .await
        },
    )
    .await
}
