//! The ids of the portal's records, each its own type, so that an enrollment's
//! id cannot be passed where an organisation's is expected. Stored as the
//! integer columns they always were (`sqlx(transparent)`), sent to the browser
//! as plain numbers (`serde(transparent)`).

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! record_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

record_id!(
    /// A customer, partner or operator organisation.
    OrganisationId
);
record_id!(
    /// A portal user.
    UserId
);
record_id!(
    /// An enrollment.
    EnrollmentId
);
record_id!(
    /// A contact change request (CICR).
    ChangeId
);
record_id!(
    /// A support ticket.
    TicketId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_reads_and_writes_as_its_number() {
        let id = TicketId(42);
        assert_eq!(id.to_string(), "42");
        assert_eq!(format!("/support/tickets/{id}"), "/support/tickets/42");
        assert!(TicketId(1) < TicketId(2));
    }
}
