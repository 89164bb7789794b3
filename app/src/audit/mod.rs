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
use crate::lists::Page;
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

/// A page of the caller's organisation's changes, searched and sorted as
/// asked (newest first by default). VLSC administrators only.
#[server(endpoint = "audit-trail")]
pub async fn list_audit_trail(
    q: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    after: Option<String>,
    per: Option<String>,
) -> Result<Page<AuditEntry>, AppError> {
    crate::access::serve(
        crate::access::Task::AdministerOrganisation,
        |state, user| async move {
            let filter = ssr::AuditFilter::parse(
                q.as_deref(),
                sort.as_deref(),
                dir.as_deref(),
                after.as_deref(),
                per.as_deref(),
            )?;
            ssr::of_organisation(
                &state.db,
                user.organisation_id,
                ssr::Category::Changes,
                &filter,
            )
            .await
        },
    )
    .await
}

/// A page of the security events of the caller's organisation's people
/// (sign-ins, invitations, passwords, sessions), searched and sorted as asked.
/// VLSC administrators, and support agents for the operations organisation's
/// own people.
#[server(endpoint = "security-events")]
pub async fn list_security_events(
    q: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    after: Option<String>,
    per: Option<String>,
) -> Result<Page<AuditEntry>, AppError> {
    crate::access::serve(
        crate::access::Task::ReadSecurityEvents,
        |state, user| async move {
            let filter = ssr::AuditFilter::parse(
                q.as_deref(),
                sort.as_deref(),
                dir.as_deref(),
                after.as_deref(),
                per.as_deref(),
            )?;
            ssr::of_organisation(
                &state.db,
                user.organisation_id,
                ssr::Category::SecurityEvents,
                &filter,
            )
            .await
        },
    )
    .await
}
