//! The support console (R4, R5, R7, R9, R10): tickets to resend the activation
//! email, correct an OSM's address within its domain, reactivate an expired
//! link and remap licenses; the tickets CICRs open; and replication issues
//! between eMSL, VLSC and explore.ms.

#[cfg(feature = "ssr")]
pub mod actions;
mod console;
mod on_enrollment;
mod remap_page;
#[cfg(feature = "ssr")]
pub mod replication;
mod ticket_page;
#[cfg(feature = "ssr")]
pub mod tickets;

pub use console::{ReplicationPage, SupportConsolePage, TicketsPage};
pub use on_enrollment::{support_for_enrollment, Applies, EnrollmentSupport, SupportForEnrollment};
pub use remap_page::RemapPage;
pub use ticket_page::TicketPage;

use crate::audit::AuditEntry;
use crate::contacts::Hop;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What a ticket asks support to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TicketKind {
    /// Send the activation email again (R4; R7 after a contact change).
    ResendActivation,
    /// Correct the OSM's email address within its domain (R5).
    CorrectOsm,
    /// Reactivate an expired activation link (R9).
    Reactivate,
    /// Remap licenses to the correct online account (R10).
    Remap,
}

impl TicketKind {
    /// The value stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            TicketKind::ResendActivation => "resend_activation",
            TicketKind::CorrectOsm => "correct_osm",
            TicketKind::Reactivate => "reactivate",
            TicketKind::Remap => "remap",
        }
    }

    /// Every kind, in the order lists offer them.
    pub const ALL: [TicketKind; 4] = [
        TicketKind::ResendActivation,
        TicketKind::CorrectOsm,
        TicketKind::Reactivate,
        TicketKind::Remap,
    ];

    /// Reads a stored value.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            TicketKind::ResendActivation => "Resend the activation email",
            TicketKind::CorrectOsm => "Correct the OSM's email address",
            TicketKind::Reactivate => "Reactivate an expired link",
            TicketKind::Remap => "Remap licenses to another account",
        }
    }
}

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TicketStatus {
    /// Waiting for support.
    Open,
    /// Worked: what was asked was done.
    Done,
    /// Closed without doing it, with the reason.
    Refused,
}

impl TicketStatus {
    /// The value stored in the database, and shown on the ticket.
    pub fn code(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::Done => "done",
            TicketStatus::Refused => "refused",
        }
    }
}

/// R5's three reasons for support to change an OSM's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OsmCorrectionReason {
    /// A typo or data-entry error.
    Typo,
    /// VLSC shows missing or different data than explore.ms.
    VlscDiffers,
    /// Replacement by another person (of the same domain).
    Replacement,
}

impl OsmCorrectionReason {
    /// Every reason, in the order the form offers them.
    pub const ALL: [OsmCorrectionReason; 3] = [
        OsmCorrectionReason::Typo,
        OsmCorrectionReason::VlscDiffers,
        OsmCorrectionReason::Replacement,
    ];

    /// The form's value.
    pub fn code(self) -> &'static str {
        match self {
            OsmCorrectionReason::Typo => "typo",
            OsmCorrectionReason::VlscDiffers => "vlsc_differs",
            OsmCorrectionReason::Replacement => "replacement",
        }
    }

    /// Reads the form's value.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code.trim())
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            OsmCorrectionReason::Typo => "Typo or data-entry correction",
            OsmCorrectionReason::VlscDiffers => {
                "VLSC shows missing or different data than explore.ms"
            }
            OsmCorrectionReason::Replacement => "Replacement by another person",
        }
    }
}

/// A ticket in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketSummary {
    pub id: i64,
    pub kind_label: String,
    pub enrollment_number: String,
    pub asked_by: String,
    pub status: String,
    pub outcome: String,
    pub opened_at: String,
    /// The CICR that opened it, if one did (R7).
    pub from_change: Option<String>,
}

/// One action taken on a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketAction {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// A ticket's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketDetail {
    pub summary: TicketSummary,
    pub actions: Vec<TicketAction>,
    pub audit: Vec<AuditEntry>,
    /// Where an OSM correction stands in VLSC and explore.ms.
    pub hops: Vec<Hop>,
    /// Whether the viewer may send the activation email for this open ticket now.
    pub may_send_now: bool,
}

/// What a remap would do (R10), for the agent to confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemapPreview {
    pub enrollment_number: String,
    pub enrollment_name: String,
    pub from_domain: String,
    pub to_domain: String,
}

/// A contact whose copy in VLSC or explore.ms differs from eMSL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicationIssue {
    pub enrollment_number: String,
    pub contact_type: String,
    pub contact_label: String,
    pub system: String,
    pub system_label: String,
    pub shows: String,
    pub emsl: String,
}

/// Ends a console action on its ticket's page.
#[cfg(feature = "ssr")]
fn go_to_ticket(worked: actions::Worked) -> Result<i64, AppError> {
    let id = worked.ticket().0;
    crate::response::redirect(&format!("/support/tickets/{id}"))?;
    Ok(id)
}

/// The fields every console form brings.
#[cfg(feature = "ssr")]
fn console_form<'a>(
    enrollment: &'a str,
    asked_by: &'a str,
    request_key: &'a str,
) -> actions::ConsoleForm<'a> {
    actions::ConsoleForm {
        enrollment,
        asked_by,
        request_key,
    }
}

/// A page of the tickets the caller may see (all for support and ROC, the
/// organisation's for a customer's users), filtered and sorted as asked.
#[server(endpoint = "tickets")]
pub async fn list_tickets(
    status: Option<String>,
    kind: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    after: Option<String>,
    per: Option<String>,
) -> Result<crate::lists::Page<TicketSummary>, AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        let filter = tickets::TicketFilter::parse(
            status.as_deref(),
            kind.as_deref(),
            sort.as_deref(),
            dir.as_deref(),
            after.as_deref(),
            per.as_deref(),
        )?;
        tickets::list(&state.db, &user, &filter).await
    })
    .await
}

/// One ticket the caller may see.
#[server(endpoint = "ticket")]
pub async fn get_ticket(id: String) -> Result<TicketDetail, AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        let id = AppError::parse_number("id", &id)?;
        tickets::detail(&state.db, &user, id, state.now_unix()).await
    })
    .await
}

/// R4: a new ticket that sends the activation email again. Support only.
#[server(endpoint = "support/resend")]
pub async fn resend_activation(
    enrollment: String,
    asked_by: String,
    request_key: String,
) -> Result<i64, AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        let form = console_form(&enrollment, &asked_by, &request_key);
        go_to_ticket(actions::resend(&state, &user, form).await?)
    })
    .await
}

/// R7: works a ticket a CICR opened, sending the activation email now. Support only.
#[server(endpoint = "support/send-for-ticket")]
pub async fn send_for_ticket(ticket: String) -> Result<i64, AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        let ticket = AppError::parse_number("ticket", &ticket)?;
        go_to_ticket(
            actions::send_for_ticket(&state, &user, crate::domain::TicketId(ticket)).await?,
        )
    })
    .await
}

/// R5: corrects the OSM's address within its domain. Support only.
#[server(endpoint = "support/correct-osm")]
pub async fn correct_osm_email(
    enrollment: String,
    new_email: String,
    reason: Option<String>,
    retrigger: Option<String>,
    asked_by: String,
    request_key: String,
) -> Result<i64, AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        let input = actions::OsmCorrection {
            form: console_form(&enrollment, &asked_by, &request_key),
            new_email: &new_email,
            reason: reason.as_deref().unwrap_or_default(),
            retrigger: retrigger.is_some_and(|v| !v.is_empty() && v != "false"),
        };
        go_to_ticket(actions::correct_osm(&state, &user, input).await?)
    })
    .await
}

/// R9: reactivates an expired activation link. Support only.
#[server(endpoint = "support/reactivate")]
pub async fn reactivate_link(
    enrollment: String,
    asked_by: String,
    request_key: String,
) -> Result<i64, AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        let form = console_form(&enrollment, &asked_by, &request_key);
        go_to_ticket(actions::reactivate(&state, &user, form).await?)
    })
    .await
}

/// R10: what remapping an enrollment to the account `domain` would do. Support only.
#[server(endpoint = "support/remap-preview")]
pub async fn preview_remap(enrollment: String, domain: String) -> Result<RemapPreview, AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        actions::remap_preview(&state, &user, &enrollment, &domain).await
    })
    .await
}

/// R10: remaps the enrollment's licenses to the account `domain`. Support only.
#[server(endpoint = "support/remap")]
pub async fn remap_licenses(
    enrollment: String,
    domain: String,
    asked_by: String,
    request_key: String,
) -> Result<i64, AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        let form = console_form(&enrollment, &asked_by, &request_key);
        go_to_ticket(actions::remap(&state, &user, form, &domain).await?)
    })
    .await
}

/// A page of the contacts whose VLSC or explore.ms copy differs from eMSL,
/// filtered by system and sorted as asked. Support only.
#[server(endpoint = "support/replication-issues")]
pub async fn list_replication_issues(
    system: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    after: Option<String>,
    per: Option<String>,
) -> Result<crate::lists::Page<ReplicationIssue>, AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        let filter = replication::IssueFilter::parse(
            system.as_deref(),
            sort.as_deref(),
            dir.as_deref(),
            after.as_deref(),
            per.as_deref(),
        )?;
        replication::list(&state.db, &user, state.now_unix(), &filter).await
    })
    .await
}

/// Copies eMSL's record of a contact over one system's copy. Support only.
#[server(endpoint = "support/resync")]
pub async fn resync_contact(
    enrollment: String,
    contact: String,
    system: String,
) -> Result<(), AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        AppError::require("enrollment", &enrollment, "Enter the enrollment number.")?;
        replication::resync(&state, &user, &enrollment, &contact, &system).await
    })
    .await
}

/// A fresh key for the console's forms.
#[server(endpoint = "support/form-key")]
pub async fn support_form_key() -> Result<String, AppError> {
    crate::access::serve(crate::access::Task::Support, |_state, _user| async move {
        Ok(crate::keys::form_key())
    })
    .await
}
