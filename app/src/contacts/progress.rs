//! The tracker's hops (submitted → ROC → eMSL → VLSC → explore.ms), worked out
//! from the facts of one change: no query here, so each case has a test.

use super::lifecycle::ChangeStatus;
use super::{ContactDetails, Hop, HopState};
use crate::domain::{format_time, DownstreamSystem};

/// What one downstream system has of a change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemFacts {
    /// The propagation job of the change: when due, and when done.
    pub job: Option<(i64, Option<i64>)>,
    /// What the system shows for the contact now, and at which version.
    pub copy: Option<(ContactDetails, i64)>,
}

/// Everything the hops are made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeFacts {
    /// A manual (bill-to) request, worked by the operations center.
    pub manual: bool,
    pub status: ChangeStatus,
    pub submitted_by: String,
    pub submitted_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub comment: Option<String>,
    pub applied_at: Option<i64>,
    pub applied_version: Option<i64>,
    /// What eMSL holds for the contact now.
    pub emsl: Option<ContactDetails>,
    /// VLSC's and explore.ms's side, in [`DownstreamSystem::ALL`] order.
    pub systems: Vec<(DownstreamSystem, SystemFacts)>,
}

const ROC_QUEUE: &str = "Operations center (ROC) queue";

fn not_changed(status: ChangeStatus) -> Option<&'static str> {
    match status {
        ChangeStatus::Rejected => Some("Not changed: the request was rejected."),
        ChangeStatus::Conflict => Some(
            "Not changed: the contact had changed since the request was submitted. \
             The partner can submit a new request.",
        ),
        _ => None,
    }
}

/// R7: the hops of a change, in the order it travels.
pub fn hops(facts: &ChangeFacts) -> Vec<Hop> {
    let mut hops = vec![Hop {
        system: if facts.manual {
            "Submitted (CICR form)".into()
        } else {
            "Submitted (VLCM)".into()
        },
        state: HopState::Done,
        detail: format!(
            "By {} on {}.",
            facts.submitted_by,
            format_time(facts.submitted_at)
        ),
        shows: None,
    }];
    if facts.manual {
        let by = facts.decided_by.clone().unwrap_or_default();
        let at = facts.decided_at.map(format_time).unwrap_or_default();
        let comment = facts.comment.clone().unwrap_or_default();
        hops.push(match facts.status {
            ChangeStatus::AwaitingRoc => Hop {
                system: ROC_QUEUE.into(),
                state: HopState::Waiting,
                detail: "Logged through CLT; waiting for a ROC operator to approve or reject it."
                    .into(),
                shows: None,
            },
            ChangeStatus::Rejected => Hop {
                system: ROC_QUEUE.into(),
                state: HopState::Stopped,
                detail: format!("Rejected by {by} on {at}: {comment}"),
                shows: None,
            },
            _ => Hop {
                system: ROC_QUEUE.into(),
                state: HopState::Done,
                detail: format!("Approved by {by} on {at}: {comment}"),
                shows: None,
            },
        });
    }
    hops.push(Hop {
        system: "eMSL (master record)".into(),
        state: if facts.applied_at.is_some() {
            HopState::Done
        } else if facts.status.stopped() {
            HopState::Stopped
        } else {
            HopState::Waiting
        },
        detail: match (facts.applied_at, not_changed(facts.status)) {
            (Some(at), _) => format!("Changed on {}.", format_time(at)),
            (None, Some(why)) => why.into(),
            (None, None) => "Changes once the operations center approves the request.".into(),
        },
        shows: facts.emsl.clone(),
    });
    for (system, side) in &facts.systems {
        let superseded = match (&side.copy, facts.applied_version) {
            (Some((_, shown)), Some(applied)) => *shown > applied,
            _ => false,
        };
        let (state, detail) = match (side.job, not_changed(facts.status)) {
            (Some((_, Some(done))), _) => (
                HopState::Done,
                format!("Shows the change since {}.", format_time(done)),
            ),
            (Some((due, None)), _) => (
                HopState::Waiting,
                format!("Expected by {}.", format_time(due)),
            ),
            (None, Some(why)) => (HopState::Stopped, why.to_string()),
            (None, None) => (HopState::Waiting, "Follows once eMSL has changed.".into()),
        };
        hops.push(Hop {
            system: system.pages().into(),
            state,
            detail: if superseded {
                format!("{detail} A later change has replaced it since.")
            } else {
                detail
            },
            shows: side.copy.as_ref().map(|(c, _)| c.clone()),
        });
    }
    hops
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details(email: &str) -> ContactDetails {
        ContactDetails {
            name: "Ann Lee".into(),
            email: email.into(),
            phone: "+1 425 555 0100".into(),
        }
    }

    fn facts(manual: bool, status: ChangeStatus) -> ChangeFacts {
        ChangeFacts {
            manual,
            status,
            submitted_by: "Pat Partner".into(),
            submitted_at: 1_800_000_000,
            decided_by: None,
            decided_at: None,
            comment: None,
            applied_at: None,
            applied_version: None,
            emsl: Some(details("old@contoso.example")),
            systems: DownstreamSystem::ALL
                .into_iter()
                .map(|s| (s, SystemFacts::default()))
                .collect(),
        }
    }

    fn states(hops: &[Hop]) -> Vec<HopState> {
        hops.iter().map(|h| h.state).collect()
    }

    #[test]
    fn r7_a_no_touch_change_is_in_emsl_at_once_and_waits_for_each_system() {
        let mut f = facts(false, ChangeStatus::Propagating);
        f.applied_at = Some(1_800_000_000);
        f.applied_version = Some(2);
        f.systems[0].1.job = Some((1_800_086_400, Some(1_800_086_400)));
        f.systems[1].1.job = Some((1_800_086_400, None));
        let hops = hops(&f);
        assert_eq!(hops[0].system, "Submitted (VLCM)");
        assert_eq!(
            states(&hops),
            [
                HopState::Done,
                HopState::Done,
                HopState::Done,
                HopState::Waiting
            ]
        );
        assert_eq!(hops[2].system, "VLSC (customer pages)");
        assert!(hops[3].detail.starts_with("Expected by"));
    }

    #[test]
    fn r7_a_bill_to_change_waits_in_the_roc_queue_before_emsl() {
        let hops = hops(&facts(true, ChangeStatus::AwaitingRoc));
        assert_eq!(hops[0].system, "Submitted (CICR form)");
        assert_eq!(hops[1].system, ROC_QUEUE);
        assert_eq!(
            states(&hops),
            [
                HopState::Done,
                HopState::Waiting,
                HopState::Waiting,
                HopState::Waiting,
                HopState::Waiting
            ]
        );
        assert!(hops[2]
            .detail
            .contains("once the operations center approves"));
    }

    #[test]
    fn r7_a_rejected_change_stops_at_the_roc_queue_and_changes_nothing() {
        let mut f = facts(true, ChangeStatus::Rejected);
        f.decided_by = Some("Rosa ROC".into());
        f.decided_at = Some(1_800_000_100);
        f.comment = Some("Wrong customer".into());
        let hops = hops(&f);
        assert!(hops[1].detail.starts_with("Rejected by Rosa ROC"));
        assert!(hops[1].detail.ends_with("Wrong customer"));
        assert!(hops[2..].iter().all(|h| h.state == HopState::Stopped));
        assert!(hops[3].detail.contains("rejected"));
    }

    #[test]
    fn r7_an_approved_change_over_a_changed_contact_is_not_applied() {
        let mut f = facts(true, ChangeStatus::Conflict);
        f.decided_by = Some("Rosa ROC".into());
        let hops = hops(&f);
        assert_eq!(hops[1].state, HopState::Done);
        assert!(hops[1].detail.starts_with("Approved by Rosa ROC"));
        assert!(hops[2..].iter().all(|h| h.state == HopState::Stopped));
        assert!(hops[2].detail.contains("submit a new request"));
    }

    #[test]
    fn a_copy_replaced_by_a_later_change_says_so() {
        let mut f = facts(false, ChangeStatus::Complete);
        f.applied_at = Some(1_800_000_000);
        f.applied_version = Some(2);
        f.systems[0].1.job = Some((1_800_000_000, Some(1_800_000_000)));
        f.systems[0].1.copy = Some((details("later@contoso.example"), 3));
        let hops = hops(&f);
        assert!(hops[2]
            .detail
            .ends_with("A later change has replaced it since."));
        assert_eq!(
            hops[2].shows.as_ref().map(|c| c.email.as_str()),
            Some("later@contoso.example")
        );
    }
}
