//! A contact change's life (R7): the states a request passes through and the
//! only moves between them. The status column stores [`ChangeStatus::code`];
//! every write of a new status asks [`ChangeStatus::after`] first.

use super::routing::Route;

/// Where a contact change stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeStatus {
    /// A manual (bill-to) request in the operations-center queue.
    AwaitingRoc,
    /// The operations center rejected it; nothing changed.
    Rejected,
    /// The operations center approved it, but the contact had changed in eMSL
    /// since the request was made: it was not applied.
    Conflict,
    /// Written to eMSL; on its way to VLSC and explore.ms.
    Propagating,
    /// Every system shows it.
    Complete,
}

/// What can happen to a change after it is submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeEvent {
    /// The operations center approves it, and it is written to eMSL.
    Approved,
    /// The operations center approves it, but the contact changed meanwhile.
    ApprovedOverAChangedContact,
    /// The operations center rejects it.
    Rejected,
    /// The last downstream system shows it.
    ReachedEverySystem,
}

/// A move the lifecycle does not allow: the change is no longer where the
/// event could happen (decided twice, completed twice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAllowed {
    pub from: ChangeStatus,
    pub event: ChangeEvent,
}

impl ChangeStatus {
    /// Every state, in the order a change meets them.
    pub const ALL: [ChangeStatus; 5] = [
        ChangeStatus::AwaitingRoc,
        ChangeStatus::Propagating,
        ChangeStatus::Complete,
        ChangeStatus::Rejected,
        ChangeStatus::Conflict,
    ];

    /// R7: a contract-level contact change goes to eMSL at once; a bill-to
    /// change waits for the operations center.
    pub fn submitted(route: Route) -> ChangeStatus {
        match route {
            Route::NoTouch => ChangeStatus::Propagating,
            Route::Manual => ChangeStatus::AwaitingRoc,
        }
    }

    /// The state after `event`, if the lifecycle allows it from here.
    pub fn after(self, event: ChangeEvent) -> Result<ChangeStatus, NotAllowed> {
        use ChangeEvent as E;
        use ChangeStatus as S;
        match (self, event) {
            (S::AwaitingRoc, E::Approved) => Ok(S::Propagating),
            (S::AwaitingRoc, E::ApprovedOverAChangedContact) => Ok(S::Conflict),
            (S::AwaitingRoc, E::Rejected) => Ok(S::Rejected),
            (S::Propagating, E::ReachedEverySystem) => Ok(S::Complete),
            (from, event) => Err(NotAllowed { from, event }),
        }
    }

    /// Whether the change is still on its way (shown on its enrollment's page).
    pub fn in_flight(self) -> bool {
        matches!(self, ChangeStatus::AwaitingRoc | ChangeStatus::Propagating)
    }

    /// Whether the change stopped without reaching eMSL.
    pub fn stopped(self) -> bool {
        matches!(self, ChangeStatus::Rejected | ChangeStatus::Conflict)
    }

    /// The value stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            ChangeStatus::AwaitingRoc => "awaiting_roc",
            ChangeStatus::Rejected => "rejected",
            ChangeStatus::Conflict => "conflict",
            ChangeStatus::Propagating => "propagating",
            ChangeStatus::Complete => "complete",
        }
    }

    /// Reads a stored value.
    pub fn parse(code: &str) -> Result<ChangeStatus, String> {
        ChangeStatus::ALL
            .into_iter()
            .find(|s| s.code() == code)
            .ok_or_else(|| format!("unknown change status {code:?}"))
    }

    /// What the tracker and the lists say.
    pub fn label(self) -> &'static str {
        match self {
            ChangeStatus::AwaitingRoc => "Waiting for the operations center (ROC)",
            ChangeStatus::Rejected => "Rejected by the operations center",
            ChangeStatus::Conflict => "Not applied: the contact changed meanwhile",
            ChangeStatus::Propagating => "Applied in eMSL; reaching VLSC and explore.ms",
            ChangeStatus::Complete => "Complete: every system shows the change",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ChangeEvent as E;
    use ChangeStatus as S;

    const EVENTS: [ChangeEvent; 4] = [
        E::Approved,
        E::ApprovedOverAChangedContact,
        E::Rejected,
        E::ReachedEverySystem,
    ];

    #[test]
    fn r7_a_contract_contact_change_starts_in_emsl_and_a_bill_to_change_in_the_roc_queue() {
        assert_eq!(S::submitted(Route::NoTouch), S::Propagating);
        assert_eq!(S::submitted(Route::Manual), S::AwaitingRoc);
    }

    #[test]
    fn r7_the_operations_center_approves_rejects_or_finds_the_contact_changed() {
        assert_eq!(S::AwaitingRoc.after(E::Approved), Ok(S::Propagating));
        assert_eq!(S::AwaitingRoc.after(E::Rejected), Ok(S::Rejected));
        assert_eq!(
            S::AwaitingRoc.after(E::ApprovedOverAChangedContact),
            Ok(S::Conflict)
        );
        assert!(S::AwaitingRoc.after(E::ReachedEverySystem).is_err());
    }

    #[test]
    fn r7_a_change_completes_once_every_system_shows_it() {
        assert_eq!(S::Propagating.after(E::ReachedEverySystem), Ok(S::Complete));
        for event in [E::Approved, E::Rejected, E::ApprovedOverAChangedContact] {
            assert!(S::Propagating.after(event).is_err(), "{event:?}");
        }
    }

    #[test]
    fn a_decided_or_finished_change_takes_no_further_event() {
        for from in [S::Rejected, S::Conflict, S::Complete] {
            for event in EVENTS {
                assert_eq!(from.after(event), Err(NotAllowed { from, event }));
            }
        }
    }

    #[test]
    fn every_status_reads_back_from_its_code_and_has_words() {
        for status in S::ALL {
            assert_eq!(S::parse(status.code()), Ok(status));
            assert!(!status.label().is_empty());
        }
        assert!(S::parse("lost").is_err());
        assert_eq!(
            S::ALL.iter().filter(|s| s.in_flight()).count(),
            2,
            "awaiting ROC and propagating"
        );
        assert!(S::Conflict.stopped() && S::Rejected.stopped() && !S::Complete.stopped());
    }
}
