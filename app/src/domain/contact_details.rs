//! A contact's name and phone number, and the free-text fields of a change
//! request, each parsed with a message that names what is wrong.

use serde::{Deserialize, Serialize};

/// A person's name as a contact record holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName(String);

impl PersonName {
    /// Trims the name and checks it: 2 to 100 characters, with a letter, and no
    /// characters that have no place in a name.
    pub fn parse(input: &str) -> Result<Self, String> {
        let value = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if value.is_empty() {
            return Err("Enter a name.".into());
        }
        let count = value.chars().count();
        if count < 2 {
            return Err("A name has at least 2 characters.".into());
        }
        if count > 100 {
            return Err("A name has at most 100 characters.".into());
        }
        if !value.chars().any(char::is_alphabetic) {
            return Err("A name needs at least one letter.".into());
        }
        if value
            .chars()
            .any(|c| c.is_control() || "<>{}[]@#$%^*=|\\/;:\"".contains(c) || c.is_ascii_digit())
        {
            return Err("A name may hold letters, spaces, hyphens, apostrophes, commas and full stops only.".into());
        }
        Ok(PersonName(value))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number: an optional leading `+`, digits, and spaces, hyphens,
/// dots or brackets between them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Trims the number and checks it has 7 to 15 digits (E.164's limit).
    pub fn parse(input: &str) -> Result<Self, String> {
        let value = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if value.is_empty() {
            return Err("Enter the contact's phone number.".into());
        }
        let body = value.strip_prefix('+').unwrap_or(&value);
        if !body
            .chars()
            .all(|c| c.is_ascii_digit() || " -.()".contains(c))
        {
            return Err(
                "A phone number holds digits, with an optional + at the start and spaces, hyphens or brackets between them."
                    .into(),
            );
        }
        let digits = body.chars().filter(char::is_ascii_digit).count();
        if digits < 7 {
            return Err("A phone number has at least 7 digits.".into());
        }
        if digits > 15 {
            return Err("A phone number has at most 15 digits.".into());
        }
        Ok(PhoneNumber(value))
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A required free-text field of at most `max` characters, trimmed; the
/// message names the field as the form labels it.
pub fn required_text(input: &str, label: &str, max: usize) -> Result<String, String> {
    let value = input.trim();
    if value.is_empty() {
        return Err(format!("Enter the {label}."));
    }
    if value.chars().count() > max {
        return Err(format!("The {label} has at most {max} characters."));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r')
    {
        return Err(format!(
            "The {label} holds characters that cannot be stored."
        ));
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(
            PersonName::parse("  Ana   María O'Neil ").unwrap().as_str(),
            "Ana María O'Neil"
        );
        assert_eq!(PersonName::parse(""), Err("Enter a name.".into()));
        assert!(PersonName::parse("A").unwrap_err().contains("at least 2"));
        assert!(PersonName::parse(&"a".repeat(101))
            .unwrap_err()
            .contains("at most 100"));
        assert!(PersonName::parse("<script>")
            .unwrap_err()
            .contains("letters"));
        assert!(PersonName::parse("Agent 007")
            .unwrap_err()
            .contains("letters"));
        assert!(PersonName::parse("--").unwrap_err().contains("letter"));
    }

    #[test]
    fn phone_numbers_need_7_to_15_digits() {
        assert_eq!(
            PhoneNumber::parse(" +1 (425) 555-0100 ").unwrap().as_str(),
            "+1 (425) 555-0100"
        );
        assert!(PhoneNumber::parse("").unwrap_err().contains("Enter"));
        assert!(PhoneNumber::parse("555 01")
            .unwrap_err()
            .contains("at least 7"));
        assert!(PhoneNumber::parse("+1234567890123456")
            .unwrap_err()
            .contains("at most 15"));
        assert!(PhoneNumber::parse("call me")
            .unwrap_err()
            .contains("digits"));
        assert!(PhoneNumber::parse("12+34567890")
            .unwrap_err()
            .contains("digits"));
    }

    #[test]
    fn required_text_names_its_field() {
        assert_eq!(
            required_text(" Main St 1 ", "billing address", 200),
            Ok("Main St 1".into())
        );
        assert_eq!(
            required_text("  ", "city", 100),
            Err("Enter the city.".into())
        );
        assert!(required_text(&"x".repeat(11), "country", 10)
            .unwrap_err()
            .contains("at most 10"));
    }
}
