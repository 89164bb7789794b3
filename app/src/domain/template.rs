//! Which email an outbox message is, as the outbox stores it, and each
//! email's subject line (R1, R8, R12).

/// R1: the subject of the OLS activation email.
pub const OLS_SUBJECT: &str = "Sign in or register to start using your new subscription.";
/// R8: the subject of the Azure activation email sent to the NTC.
pub const AZURE_SUBJECT: &str = "Activate your Azure enrollment";

/// Which email a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Template {
    Ols,
    Azure,
    /// An invitation to the portal (written by `accounts::emails`).
    Invitation,
    /// A password-reset link (written by `accounts::emails`).
    PasswordReset,
    /// To the partner who submitted a CICR: ROC approved it.
    ChangeApproved,
    /// To the partner who submitted a CICR: ROC rejected it.
    ChangeRejected,
    /// To the partner who submitted a CICR: ROC approved it over a contact
    /// that had changed meanwhile, so it was not applied.
    ChangeNotApplied,
    /// To the partner who submitted a CICR: every system shows it.
    ChangeComplete,
    /// To an OSM whose address support corrected.
    OsmAddressCorrected,
}

impl Template {
    /// Every email the portal sends.
    pub const ALL: [Template; 9] = [
        Template::Ols,
        Template::Azure,
        Template::Invitation,
        Template::PasswordReset,
        Template::ChangeApproved,
        Template::ChangeRejected,
        Template::ChangeNotApplied,
        Template::ChangeComplete,
        Template::OsmAddressCorrected,
    ];

    /// The value stored in the outbox.
    pub fn code(self) -> &'static str {
        match self {
            Template::Ols => "ols",
            Template::Azure => "azure",
            Template::Invitation => "invitation",
            Template::PasswordReset => "password_reset",
            Template::ChangeApproved => "change_approved",
            Template::ChangeRejected => "change_rejected",
            Template::ChangeNotApplied => "change_not_applied",
            Template::ChangeComplete => "change_complete",
            Template::OsmAddressCorrected => "osm_address_corrected",
        }
    }

    /// Whether the message is a notice: its text is written when it is queued
    /// (it holds no secret), with a link to a page of the portal.
    pub fn is_notice(self) -> bool {
        matches!(
            self,
            Template::ChangeApproved
                | Template::ChangeRejected
                | Template::ChangeNotApplied
                | Template::ChangeComplete
                | Template::OsmAddressCorrected
        )
    }

    /// Reads a stored value.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "ols" => Some(Template::Ols),
            "azure" => Some(Template::Azure),
            "invitation" => Some(Template::Invitation),
            "password_reset" => Some(Template::PasswordReset),
            "change_approved" => Some(Template::ChangeApproved),
            "change_rejected" => Some(Template::ChangeRejected),
            "change_not_applied" => Some(Template::ChangeNotApplied),
            "change_complete" => Some(Template::ChangeComplete),
            "osm_address_corrected" => Some(Template::OsmAddressCorrected),
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
            Template::ChangeApproved => "Your contact change request was approved",
            Template::ChangeRejected => "Your contact change request was rejected",
            Template::ChangeNotApplied => "Your contact change request was not applied",
            Template::ChangeComplete => "Your contact change now shows everywhere",
            Template::OsmAddressCorrected => "Your email address on an enrollment was corrected",
        }
    }
}

/// The subject of an invitation.
pub const INVITATION_SUBJECT: &str = "You are invited to the Volume Licensing portal";
/// The subject of a password-reset email.
pub const RESET_SUBJECT: &str = "Reset your Volume Licensing portal password";

#[cfg(test)]
mod tests {
    use super::Template;

    #[test]
    fn each_template_is_read_back_from_its_code_and_has_a_subject_of_its_own() {
        let mut subjects = std::collections::HashSet::new();
        for t in Template::ALL {
            assert_eq!(Template::parse(t.code()), Some(t));
            assert!(subjects.insert(t.subject()), "{t:?}");
        }
        assert_eq!(Template::parse("ols "), None);
        let notices: Vec<Template> = Template::ALL
            .into_iter()
            .filter(|t| t.is_notice())
            .collect();
        assert_eq!(
            notices.len(),
            5,
            "activation and account emails carry links made when sent"
        );
    }
}
