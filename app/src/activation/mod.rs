//! Online Services activation: the engine that decides each order (R1, R2, R8,
//! R11), which queues the email (sent by `mail`), the link that binds the licenses to
//! an online account (R9, R10, R12), the diagnoser and the delivery timeline.

#[cfg(feature = "ssr")]
pub mod decision;
#[cfg(feature = "ssr")]
pub mod demo_mailbox;
#[cfg(feature = "ssr")]
pub mod diagnosis;
#[cfg(feature = "ssr")]
pub mod engine;
mod pages;
#[cfg(feature = "ssr")]
pub mod reasons;
#[cfg(feature = "ssr")]
pub mod redeem;
pub mod templates;
#[cfg(feature = "ssr")]
pub mod timeline;

pub use pages::{ActivateConfirmPage, ActivatePage, DiagnosisPage, MailboxPage};

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What an activation link leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkState {
    Valid {
        enrollment_number: String,
        enrollment_name: String,
        recipient_masked: String,
        expires_on: String,
    },
    Expired {
        enrollment_number: String,
        expired_on: String,
    },
    Used {
        enrollment_number: String,
        account_domain: String,
    },
    Unknown,
}

/// What confirming an activation will do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPreview {
    pub enrollment_number: String,
    pub enrollment_name: String,
    pub domain: String,
    pub admin_email: String,
    pub new_account: bool,
}

/// One check of R11.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub code: String,
    pub title: String,
    pub applies: bool,
    pub evidence: String,
    pub next_step: String,
}

/// One event of the delivery timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: String,
    pub sort: i64,
    pub event: String,
    pub outcome: String,
}

/// The diagnoser's answer for one enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnosis {
    pub enrollment_number: String,
    pub summary: String,
    pub checks: Vec<Check>,
    pub timeline: Vec<TimelineEntry>,
}

/// A message of the demo mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxMessage {
    /// Where its HTML part is served: `/mailbox/{id}/html`.
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub body: String,
    /// Whether it has an HTML part (messages delivered since it is kept).
    pub has_html: bool,
    pub delivered_at: String,
}

/// What an empty link token is told.
#[cfg(feature = "ssr")]
const INCOMPLETE_LINK: &str =
    "This activation link is incomplete. Open the link in the email again.";

/// The state of an activation link. Needs no sign-in: the token is the key.
#[server(endpoint = "activation-link")]
pub async fn activation_link(token: String) -> Result<LinkState, AppError> {
    crate::response::respond(
        async {
            let state = crate::state::app_state()?;
            AppError::require("token", &token, INCOMPLETE_LINK)?;
            redeem::link_state(&state.db, &token, state.now_unix()).await
        }
        .await,
    )
}

/// Checks the chosen account and goes to the confirmation page.
#[server(endpoint = "choose-account")]
pub async fn choose_account(
    token: String,
    domain: String,
    admin_email: String,
) -> Result<(), AppError> {
    crate::response::respond(
        async {
            let state = crate::state::app_state()?;
            AppError::require("token", &token, INCOMPLETE_LINK)?;
            let preview =
                redeem::preview(&state.db, &token, &domain, &admin_email, state.now_unix()).await?;
            crate::response::redirect(&format!(
                "/activate/{}/confirm?domain={}&admin_email={}",
                token.trim(),
                crate::ui::urlencode(&preview.domain),
                crate::ui::urlencode(&preview.admin_email)
            ))?;
            Ok(())
        }
        .await,
    )
}

/// What confirming would do, for the confirmation page.
#[server(endpoint = "account-preview")]
pub async fn preview_account(
    token: String,
    domain: String,
    admin_email: String,
) -> Result<AccountPreview, AppError> {
    crate::response::respond(
        async {
            let state = crate::state::app_state()?;
            AppError::require("token", &token, INCOMPLETE_LINK)?;
            redeem::preview(&state.db, &token, &domain, &admin_email, state.now_unix()).await
        }
        .await,
    )
}

/// Binds the enrollment to the account; the link is used up.
#[server(endpoint = "confirm-activation")]
pub async fn confirm_activation(
    token: String,
    domain: String,
    admin_email: String,
) -> Result<(), AppError> {
    crate::response::respond(
        async {
            let state = crate::state::app_state()?;
            AppError::require("token", &token, INCOMPLETE_LINK)?;
            redeem::confirm(&state.db, &token, &domain, &admin_email, state.now_unix()).await?;
            crate::response::redirect(&format!("/activate/{}", token.trim()))?;
            Ok(())
        }
        .await,
    )
}

/// R11 for one enrollment, with the delivery timeline.
#[server(endpoint = "diagnose")]
pub async fn diagnose(number: String) -> Result<Diagnosis, AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        AppError::require("number", &number, "Enter an enrollment number.")?;
        diagnosis::diagnose(&state.db, &user, &number, state.clock.now()).await
    })
    .await
}

/// The HTML part of a demo mailbox message, for the frame that shows it: to
/// the same readers as [`mailbox`], within their scope. Not a server
/// function: the page's frame loads it as a document of its own.
#[cfg(feature = "ssr")]
pub async fn mailbox_html(
    state: &crate::state::AppState,
    user: &crate::auth::CurrentUser,
    id: i64,
) -> Result<String, AppError> {
    if !state.demo_mailbox {
        return Err(AppError::NotFound);
    }
    if !user.demo_mailbox {
        return Err(AppError::Forbidden(
            "The mailbox is for support agents and VLSC administrators.".into(),
        ));
    }
    demo_mailbox::html_part(&state.db, user, id).await
}

/// The demo mailbox (demo mode only: with SMTP configured it does not exist).
/// Support agents read every message; a VLSC administrator those about their
/// organisation: its enrollments, its invitations and its people's password
/// resets. A page at a time, newest first unless `dir` says `asc`, searched
/// by recipient, subject or text.
#[server(endpoint = "mailbox")]
pub async fn mailbox(
    q: Option<String>,
    dir: Option<String>,
    after: Option<String>,
    per: Option<String>,
) -> Result<crate::lists::Page<MailboxMessage>, AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        if !state.demo_mailbox {
            return Err(AppError::NotFound);
        }
        if !user.demo_mailbox {
            return Err(AppError::Forbidden(
                "The mailbox is for support agents and VLSC administrators.".into(),
            ));
        }
        let filter = demo_mailbox::MailboxFilter::parse(
            q.as_deref(),
            dir.as_deref(),
            after.as_deref(),
            per.as_deref(),
        )?;
        demo_mailbox::page(&state.db, &user, &filter).await
    })
    .await
}
