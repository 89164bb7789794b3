use time::{Date, Month};

/// Reads a date in the form `YYYY-MM-DD` (what a date field sends).
pub fn parse_date(input: &str, what: &str) -> Result<Date, String> {
    let text = input.trim();
    if text.is_empty() {
        return Err(format!("Enter the {what}."));
    }
    let mut parts = text.splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!("Enter the {what} as YYYY-MM-DD."));
    };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i32>(), m.parse::<u8>(), d.parse::<u8>()) else {
        return Err(format!("Enter the {what} as YYYY-MM-DD."));
    };
    Month::try_from(m)
        .ok()
        .and_then(|m| Date::from_calendar_date(y, m, d).ok())
        .ok_or_else(|| format!("The {what} is not a real date."))
}

/// Formats a date as `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// A moment as people read it on the portal's pages: `2026-11-02 09:00 UTC`.
pub fn format_time(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| {
            format!(
                "{} {:02}:{:02} UTC",
                format_date(t.date()),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_default()
}

/// The same day `months` calendar months later, or the month's last day when
/// it has no such day (31 August + 6 months = 28 or 29 February).
pub fn add_months(date: Date, months: u32) -> Date {
    let total = date.year() * 12 + i32::from(u8::from(date.month())) - 1 + months as i32;
    let (year, month) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u8);
    let month = Month::try_from(month).expect("month in 1..=12");
    let last = month.length(year);
    Date::from_calendar_date(year, month, date.day().min(last)).expect("valid date")
}

/// The usage start date of a new reservation: from today to six months ahead (R3).
pub fn parse_reservation_start(input: &str, today: Date) -> Result<Date, String> {
    let date = parse_date(input, "usage start date")?;
    if date < today {
        return Err("The usage start date cannot be in the past.".into());
    }
    let latest = add_months(today, 6);
    if date > latest {
        return Err(format!(
            "The usage start date can be at most six months ahead (by {}).",
            format_date(latest)
        ));
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_read_and_print_as_iso() {
        assert_eq!(parse_date("2026-11-02", "date"), Ok(date!(2026 - 11 - 02)));
        assert_eq!(format_date(date!(2026 - 01 - 05)), "2026-01-05");
        assert_eq!(
            parse_date("", "usage start date").unwrap_err(),
            "Enter the usage start date."
        );
        assert_eq!(
            parse_date("02/11/2026", "date").unwrap_err(),
            "Enter the date as YYYY-MM-DD."
        );
        assert_eq!(
            parse_date("2026-02-30", "date").unwrap_err(),
            "The date is not a real date."
        );
    }

    #[test]
    fn six_months_ahead_clamps_to_the_end_of_a_short_month() {
        assert_eq!(add_months(date!(2026 - 08 - 31), 6), date!(2027 - 02 - 28));
        assert_eq!(add_months(date!(2026 - 11 - 02), 6), date!(2027 - 05 - 02));
        assert_eq!(add_months(date!(2026 - 12 - 15), 1), date!(2027 - 01 - 15));
    }

    #[test]
    fn a_reservation_starts_between_today_and_six_months_ahead() {
        let today = date!(2026 - 11 - 02);
        assert!(parse_reservation_start("2026-11-02", today).is_ok());
        assert!(parse_reservation_start("2027-05-02", today).is_ok());
        assert_eq!(
            parse_reservation_start("2026-11-01", today).unwrap_err(),
            "The usage start date cannot be in the past."
        );
        assert_eq!(
            parse_reservation_start("2027-05-03", today).unwrap_err(),
            "The usage start date can be at most six months ahead (by 2027-05-02)."
        );
    }
}
