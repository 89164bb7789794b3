use serde::{Deserialize, Serialize};

/// How many licenses a line or a reservation is for: a whole number from 1 to
/// 1,000,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quantity(u32);

impl Quantity {
    /// The largest quantity one line may have.
    pub const MAX: u32 = 1_000_000;

    /// Parses a quantity typed into a form.
    pub fn parse(input: &str) -> Result<Self, String> {
        let text = input.trim().replace([',', '_', ' '], "");
        if text.is_empty() {
            return Err("Enter a quantity.".into());
        }
        let n: i128 = text
            .parse()
            .map_err(|_| "Enter the quantity as a whole number, like 25.".to_string())?;
        if n < 0 {
            return Err("The quantity cannot be negative.".into());
        }
        if n == 0 {
            return Err("The quantity must be at least 1.".into());
        }
        if n > i128::from(Self::MAX) {
            return Err("The quantity can be at most 1,000,000.".into());
        }
        Ok(Quantity(n as u32))
    }

    /// The number.
    pub fn get(self) -> u32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Quantity;

    #[test]
    fn whole_numbers_from_one_to_a_million_are_accepted() {
        assert_eq!(Quantity::parse("1").unwrap().get(), 1);
        assert_eq!(Quantity::parse(" 25 ").unwrap().get(), 25);
        assert_eq!(Quantity::parse("1,000,000").unwrap().get(), 1_000_000);
    }

    #[test]
    fn each_bad_quantity_has_its_own_message() {
        assert_eq!(Quantity::parse("").unwrap_err(), "Enter a quantity.");
        assert_eq!(
            Quantity::parse("0").unwrap_err(),
            "The quantity must be at least 1."
        );
        assert_eq!(
            Quantity::parse("-5").unwrap_err(),
            "The quantity cannot be negative."
        );
        assert_eq!(
            Quantity::parse("1000001").unwrap_err(),
            "The quantity can be at most 1,000,000."
        );
        assert_eq!(
            Quantity::parse("99999999999999999999999").unwrap_err(),
            "The quantity can be at most 1,000,000."
        );
        assert_eq!(
            Quantity::parse("ten").unwrap_err(),
            "Enter the quantity as a whole number, like 25."
        );
        assert_eq!(
            Quantity::parse("2.5").unwrap_err(),
            "Enter the quantity as a whole number, like 25."
        );
    }
}
