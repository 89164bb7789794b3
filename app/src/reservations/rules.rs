//! Who may reserve online services, and until when a reservation may be cancelled.

use crate::domain::Role;
use time::{Date, Duration, OffsetDateTime, Time};

/// R3: Online Reservation is open to VLSC administrators, OLAs and OSMs holding
/// the manage-reservation permission on the enrollment; to nobody else. The
/// error is the reason shown to whoever may not reserve.
pub fn may_reserve(role: Role, holds_permission: bool) -> Result<(), &'static str> {
    match role {
        Role::VlscAdministrator | Role::OnlineAdministrator => Ok(()),
        Role::OnlineServicesManager if holds_permission => Ok(()),
        Role::OnlineServicesManager => Err(
            "You can see these reservations but not change them: Online Reservation needs the \
             manage-reservation permission on this enrollment. Ask your VLSC administrator to grant it.",
        ),
        Role::PartnerUser => Err(
            "Partners place orders; Online Reservation is for the customer's VLSC administrators, \
             online administrators and OSMs with the manage-reservation permission.",
        ),
        Role::SupportAgent | Role::RocOperator => {
            Err("Support and the operations center see reservations read-only.")
        }
    }
}

/// How long before its usage start date a reservation can still be cancelled
/// (a portal rule, beyond the article).
pub const CANCELLATION_NOTICE: Duration = Duration::hours(72);

/// The last moment a reservation starting on `usage_start` can be cancelled.
pub fn cancellation_deadline(usage_start: Date) -> OffsetDateTime {
    usage_start.with_time(Time::MIDNIGHT).assume_utc() - CANCELLATION_NOTICE
}

/// Whether a reservation starting on `usage_start` can still be cancelled at `now`.
pub fn can_cancel(usage_start: Date, now: OffsetDateTime) -> bool {
    now < cancellation_deadline(usage_start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn r3_only_administrators_olas_and_permitted_osms_may_reserve() {
        for role in Role::ALL {
            for permission in [false, true] {
                let expected = matches!(role, Role::VlscAdministrator | Role::OnlineAdministrator)
                    || (role == Role::OnlineServicesManager && permission);
                assert_eq!(
                    may_reserve(role, permission).is_ok(),
                    expected,
                    "{role} {permission}"
                );
            }
        }
    }

    #[test]
    fn r3_an_osm_without_the_permission_is_told_whom_to_ask() {
        let reason = may_reserve(Role::OnlineServicesManager, false).unwrap_err();
        assert!(reason.contains("manage-reservation permission"));
        assert!(reason.contains("VLSC administrator"));
    }

    #[test]
    fn a_reservation_can_be_cancelled_until_72_hours_before_it_starts() {
        let start = date!(2026 - 12 - 10);
        assert_eq!(
            cancellation_deadline(start),
            datetime!(2026-12-07 00:00 UTC)
        );
        assert!(can_cancel(start, datetime!(2026-12-06 23:59 UTC)));
        assert!(!can_cancel(start, datetime!(2026-12-07 00:00 UTC)));
        assert!(!can_cancel(start, datetime!(2026-12-11 09:00 UTC)));
    }
}
