//! The account emails: an invitation to the portal and a password-reset link.
//! Both go through the outbox, so each is delivered exactly once.

pub use crate::domain::{INVITATION_SUBJECT, RESET_SUBJECT};

/// Which account email an outbox row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountEmail {
    Invitation(i64),
    PasswordReset(i64),
}

#[cfg(feature = "ssr")]
pub use server::{body, enqueue_account_email};

#[cfg(feature = "ssr")]
mod server {
    use super::AccountEmail;
    use crate::accounts::links::{url, LinkPurpose};
    use crate::db::Db;
    use crate::db::Tx;
    use crate::domain::{format_time, Role};
    use crate::error::AppError;
    use crate::keys::link::LinkKeys;
    use crate::mail::{Message, Queued};

    /// The plain-text body of an account email, with its link derived again.
    pub async fn body(
        db: &Db,
        public_url: &str,
        keys: &LinkKeys,
        about: AccountEmail,
    ) -> Result<String, AppError> {
        match about {
            AccountEmail::Invitation(id) => {
                let (name, role, organisation, inviter, key_id, salt, expires_at) =
                    sqlx::query_as::<_, (String, String, String, Option<String>, String, String, i64)>(
                        "SELECT i.display_name, i.role, o.name, u.display_name, i.link_key_id, i.link_salt, i.expires_at \
                         FROM invitations i JOIN organisations o ON o.id = i.organisation_id \
                         LEFT JOIN users u ON u.id = i.invited_by WHERE i.id = $1",
                    )
                    .bind(id)
                    .fetch_one(db.pool())
                    .await?;
                let role = Role::parse(&role).map_err(|_| AppError::Internal)?;
                let link = url(public_url, keys, LinkPurpose::Invitation, &key_id, &salt)?;
                Ok(invitation_text(&InvitationFacts {
                    name: &name,
                    role: role.label(),
                    organisation: &organisation,
                    inviter: inviter.as_deref(),
                    link: &link,
                    expires: &format_time(expires_at),
                }))
            }
            AccountEmail::PasswordReset(id) => {
                let (name, key_id, salt, expires_at) =
                    sqlx::query_as::<_, (String, String, String, i64)>(
                        "SELECT u.display_name, r.link_key_id, r.link_salt, r.expires_at \
                     FROM password_resets r JOIN users u ON u.id = r.user_id WHERE r.id = $1",
                    )
                    .bind(id)
                    .fetch_one(db.pool())
                    .await?;
                let link = url(public_url, keys, LinkPurpose::PasswordReset, &key_id, &salt)?;
                Ok(reset_text(&name, &link, &format_time(expires_at)))
            }
        }
    }

    pub(super) struct InvitationFacts<'a> {
        pub name: &'a str,
        pub role: &'a str,
        pub organisation: &'a str,
        pub inviter: Option<&'a str>,
        pub link: &'a str,
        pub expires: &'a str,
    }

    pub(super) fn invitation_text(f: &InvitationFacts<'_>) -> String {
        let by = f
            .inviter
            .map(|who| format!("{who} has invited you"))
            .unwrap_or_else(|| "You have been invited".into());
        format!(
            "Hello {name},\n\n\
             {by} to the Volume Licensing portal as {role} of {organisation}.\n\n\
             Choose your password and sign in here:\n{link}\n\n\
             The link works once and expires on {expires}. If it has expired, \
             ask whoever invited you to send a new one.\n\n\
             If you did not expect this invitation, you can ignore this email.\n",
            name = f.name,
            role = f.role,
            organisation = f.organisation,
            link = f.link,
            expires = f.expires,
        )
    }

    pub(super) fn reset_text(name: &str, link: &str, expires: &str) -> String {
        format!(
            "Hello {name},\n\n\
             Someone (we hope you) asked to reset your Volume Licensing portal password.\n\n\
             Choose a new password here:\n{link}\n\n\
             The link works once and expires on {expires}. Choosing a new password \
             signs you out everywhere.\n\n\
             If you did not ask for this, ignore this email: your password stays as it is.\n"
        )
    }

    /// Writes a message to the outbox for an account email (an invitation or a
    /// password reset), due at once.
    pub async fn enqueue_account_email(
        tx: &mut Tx,
        about: AccountEmail,
        to: &str,
        at: i64,
    ) -> Result<i64, AppError> {
        let message = match about {
            AccountEmail::Invitation(id) => Message::Invitation(id),
            AccountEmail::PasswordReset(id) => Message::PasswordReset(id),
        };
        let queued = Queued {
            message,
            to: to.to_string(),
            not_before: at,
        };
        crate::mail::enqueue_one(tx, queued, at).await
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::server::*;

    #[test]
    fn an_invitation_says_who_invited_whom_as_what_and_until_when() {
        let text = invitation_text(&InvitationFacts {
            name: "Ola Nordmann",
            role: "Online administrator (OLA)",
            organisation: "Contoso Ltd",
            inviter: Some("Avery Admin"),
            link: "https://p.example/invitation/k1.abc",
            expires: "2026-11-05 09:00 UTC",
        });
        for part in [
            "Ola Nordmann",
            "Avery Admin has invited you",
            "Online administrator (OLA)",
            "Contoso Ltd",
            "https://p.example/invitation/k1.abc",
            "2026-11-05 09:00 UTC",
        ] {
            assert!(text.contains(part), "{part} in {text}");
        }
    }

    #[test]
    fn a_reset_email_carries_the_link_and_says_what_happens() {
        let text = reset_text(
            "Jo",
            "https://p.example/reset-password/k1.x",
            "2026-11-02 10:00",
        );
        assert!(text.contains("https://p.example/reset-password/k1.x"));
        assert!(text.contains("signs you out everywhere"));
        assert!(text.contains("ignore this email"));
    }
}
