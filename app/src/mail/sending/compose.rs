//! Putting a claimed message together: its text from what its row names
//! (an activation's facts, an invitation, a reset, a notice's own text).

use crate::activation::templates::{body, EmailFacts};
use crate::db::Db;
use crate::domain::format_date;
use crate::error::AppError;
use crate::keys::link::{self, LinkKey, LinkKeys};
use crate::mail::html::{self, Action};
use crate::mail::sending::claim::ClaimedRow;
use crate::mail::{Message, OutgoingEmail};
use std::collections::HashMap;
use time::OffsetDateTime;

/// What an activation email says of its activation and enrollment.
pub(super) struct ActivationFacts {
    pub(super) enrollment_number: String,
    pub(super) enrollment_name: String,
    /// "Product × quantity, …".
    pub(super) purchased: String,
    pub(super) link_version: i64,
    pub(super) link_key_id: Option<String>,
    pub(super) expires_at: i64,
}

/// The facts of every activation email of a claim.
pub(super) struct BatchFacts {
    pub(super) activations: HashMap<i64, ActivationFacts>,
}

/// The link of an activation, as the email shows it.
pub fn link_url(public_url: &str, key: &LinkKey, activation_id: i64, version: i64) -> String {
    format!(
        "{}/activate/{}",
        public_url.trim_end_matches('/'),
        link::token(key, activation_id, version)
    )
}

/// The email of a claimed row, ready for the mail server.
pub(super) async fn compose(
    db: &Db,
    public_url: &str,
    keys: &LinkKeys,
    facts: &BatchFacts,
    row: &ClaimedRow,
) -> Result<OutgoingEmail, AppError> {
    use crate::accounts::emails::{self, AccountEmail};
    let email = |body: String, action| OutgoingEmail {
        outbox_id: row.id,
        to: row.to_email.clone(),
        subject: row.subject.clone(),
        html: html::render(&row.subject, &body, action),
        body,
        message_id: row.message_id.clone(),
    };
    let message = row.message().ok_or_else(|| {
        tracing::error!(outbox = row.id, template = %row.template, "an outbox row names no message");
        AppError::Internal
    })?;
    let (activation_id, template) = match message {
        Message::Invitation(id) => {
            let about = AccountEmail::Invitation(id);
            let body = emails::body(db, public_url, keys, about).await?;
            return Ok(email(body, Action::AcceptInvitation));
        }
        Message::PasswordReset(id) => {
            let about = AccountEmail::PasswordReset(id);
            let body = emails::body(db, public_url, keys, about).await?;
            return Ok(email(body, Action::ChooseNewPassword));
        }
        Message::Notice { text, path, .. } => {
            let body = format!("{text}\n\n{public_url}{path}\n");
            return Ok(email(body, Action::OpenInPortal));
        }
        Message::Activation {
            activation_id,
            template,
            ..
        } => (activation_id, template),
    };
    let a = facts
        .activations
        .get(&activation_id)
        .ok_or(AppError::Internal)?;
    // A link is written with the key that made it; a key taken out of the ring
    // too early leaves its links unsendable until support reactivates them.
    let key = a
        .link_key_id
        .as_deref()
        .and_then(|id| keys.by_id(id))
        .ok_or_else(|| {
            tracing::error!(
                activation = activation_id,
                key = ?a.link_key_id,
                "the key this link was made with is not configured"
            );
            AppError::Internal
        })?;
    let link = link_url(public_url, key, activation_id, a.link_version);
    let expires_on = OffsetDateTime::from_unix_timestamp(a.expires_at)
        .map(|t| format_date(t.date()))
        .unwrap_or_default();
    let text = body(
        template,
        &EmailFacts {
            enrollment_number: &a.enrollment_number,
            enrollment_name: &a.enrollment_name,
            purchased: &a.purchased,
            link: &link,
            expires_on: &expires_on,
        },
    );
    Ok(email(text, Action::Activate))
}
