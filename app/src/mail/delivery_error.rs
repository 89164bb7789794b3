//! Why a message was not delivered, from the mail server's reply (or its
//! silence) to the outbox's choice: try again after the backoff, or give up.

/// Why one try failed. The text is what support reads on the delivery
/// timeline: the mail server's own reply where there was one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// The server refused it for now (a 4xx reply): tried again later.
    #[error("{0}")]
    Deferred(String),
    /// The server refused it for good (a 5xx reply, such as an unknown
    /// mailbox or credentials it does not accept): given up at once.
    #[error("{0}")]
    Rejected(String),
    /// The server could not be reached, or dropped the connection.
    #[error("{0}")]
    Unreachable(String),
    /// The server did not answer in time.
    #[error("{0}")]
    TimedOut(String),
    /// The secure connection could not be set up (a certificate that does
    /// not match, no STARTTLS where it was asked for): nothing was sent in
    /// plain text. Tried again, since the fix is the operator's.
    #[error("{0}")]
    Insecure(String),
    /// The message could not be put together from what its row names.
    #[error("{0}")]
    NotComposed(String),
}

impl DeliveryError {
    /// Whether trying again cannot help: the message is given up at once.
    pub fn is_permanent(&self) -> bool {
        matches!(self, DeliveryError::Rejected(_))
    }

    /// How the failed try reads on the delivery timeline
    /// (`delivery_failures.kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            DeliveryError::Deferred(_) => "refused",
            DeliveryError::Rejected(_) => "rejected",
            DeliveryError::Unreachable(_) => "unreachable",
            DeliveryError::TimedOut(_) => "timed_out",
            DeliveryError::Insecure(_) => "insecure",
            DeliveryError::NotComposed(_) => "not_composed",
        }
    }

    /// An SMTP reply that was not a success: 5xx is permanent, anything
    /// else temporary (RFC 5321 4.2.1).
    pub fn from_reply(code: u16, text: &str) -> Self {
        let reply = format!("{code} {}", text.trim());
        if (500..600).contains(&code) {
            DeliveryError::Rejected(reply)
        } else {
            DeliveryError::Deferred(reply)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DeliveryError;

    #[test]
    fn a_5xx_reply_gives_the_message_up_and_a_4xx_tries_again() {
        let rejected = DeliveryError::from_reply(550, "5.1.1 mailbox unavailable");
        assert!(rejected.is_permanent());
        assert_eq!(rejected.kind(), "rejected");
        assert_eq!(rejected.to_string(), "550 5.1.1 mailbox unavailable");
        let deferred = DeliveryError::from_reply(421, "try later");
        assert!(!deferred.is_permanent());
        assert_eq!(deferred.kind(), "refused");
        for temporary in [
            DeliveryError::Unreachable("closed".into()),
            DeliveryError::TimedOut("slow".into()),
            DeliveryError::Insecure("certificate".into()),
            DeliveryError::NotComposed("no facts".into()),
        ] {
            assert!(!temporary.is_permanent(), "{temporary:?}");
        }
    }
}
