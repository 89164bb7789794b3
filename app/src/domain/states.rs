//! The states the database stores as text, each an enum with its code, read
//! back with `parse`. (A contact change's states live with their transitions
//! in `contacts::lifecycle`; a ticket's in `support`.) Queries that partial
//! indexes must match keep a state as a literal in their SQL; the test
//! `app/tests/stored_states.rs` checks every such literal is one of these codes.

macro_rules! stored_state {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every state.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value stored in the database.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            /// Reads a stored value.
            pub fn parse(code: &str) -> Result<$name, String> {
                match code {
                    $($code => Ok($name::$variant),)+
                    other => Err(format!(concat!("unknown ", stringify!($name), " {:?}"), other)),
                }
            }
        }
    };
}

stored_state!(
    /// Where an order or a reservation stands.
    OrderStatus {
        /// Placed: the activation engine acts on it.
        Placed = "placed",
        /// A reservation cancelled before it started.
        Cancelled = "cancelled",
    }
);

stored_state!(
    /// Where an outbox message stands.
    OutboxStatus {
        /// Waiting to be sent (perhaps after a failed try).
        Queued = "queued",
        /// Claimed by a worker, whose lease runs.
        Sending = "sending",
        /// Accepted by the mail server.
        Sent = "sent",
        /// Given up after its last try.
        Failed = "failed",
    }
);

stored_state!(
    /// Where an invitation to the portal stands.
    InvitationStatus {
        /// Sent, not yet accepted.
        Pending = "pending",
        /// Accepted: its person has an account.
        Accepted = "accepted",
        /// Withdrawn by whoever may manage it.
        Withdrawn = "withdrawn",
    }
);

stored_state!(
    /// Whether an enrollment is in force.
    EnrollmentStatus {
        Active = "active",
        Expired = "expired",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_reads_back_from_its_code() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.code()), Ok(*s));
        }
        for s in OutboxStatus::ALL {
            assert_eq!(OutboxStatus::parse(s.code()), Ok(*s));
        }
        for s in InvitationStatus::ALL {
            assert_eq!(InvitationStatus::parse(s.code()), Ok(*s));
        }
        for s in EnrollmentStatus::ALL {
            assert_eq!(EnrollmentStatus::parse(s.code()), Ok(*s));
        }
        assert!(OutboxStatus::parse("lost").is_err());
    }

    #[test]
    fn the_codes_are_those_the_schema_allows() {
        // The CHECK constraints of migrations/*/0002 and 0004, 0008.
        let codes = |all: &[&str]| all.join(",");
        let order: Vec<&str> = OrderStatus::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(codes(&order), "placed,cancelled");
        let outbox: Vec<&str> = OutboxStatus::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(codes(&outbox), "queued,sending,sent,failed");
        let invitation: Vec<&str> = InvitationStatus::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(codes(&invitation), "pending,accepted,withdrawn");
    }
}
