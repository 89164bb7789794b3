//! Until when a reservation may be cancelled (who may reserve is `access`).

use time::{Date, Duration, OffsetDateTime, Time};

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
