//! Which email an outbox message is, as the outbox stores it, and each
//! email's subject line (R1, R8, R12).

/// R1: the subject of the OLS activation email.
pub const OLS_SUBJECT: &str = "Sign in or register to start using your new subscription.";
/// R8: the subject of the Azure activation email sent to the NTC.
pub const AZURE_SUBJECT: &str = "Activate your Azure enrollment";

/// Which email a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    Ols,
    Azure,
    /// An invitation to the portal (written by `accounts::emails`).
    Invitation,
    /// A password-reset link (written by `accounts::emails`).
    PasswordReset,
}

impl Template {
    /// The value stored in the outbox.
    pub fn code(self) -> &'static str {
        match self {
            Template::Ols => "ols",
            Template::Azure => "azure",
            Template::Invitation => "invitation",
            Template::PasswordReset => "password_reset",
        }
    }

    /// Reads a stored value.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "ols" => Some(Template::Ols),
            "azure" => Some(Template::Azure),
            "invitation" => Some(Template::Invitation),
            "password_reset" => Some(Template::PasswordReset),
            _ => None,
        }
    }

    /// The subject line.
    pub fn subject(self) -> &'static str {
        match self {
            Template::Ols => OLS_SUBJECT,
            Template::Azure => AZURE_SUBJECT,
            Template::Invitation => INVITATION_SUBJECT,
            Template::PasswordReset => RESET_SUBJECT,
        }
    }
}

/// The subject of an invitation.
pub const INVITATION_SUBJECT: &str = "You are invited to the Volume Licensing portal";
/// The subject of a password-reset email.
pub const RESET_SUBJECT: &str = "Reset your Volume Licensing portal password";
