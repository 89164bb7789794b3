use serde::{Deserialize, Serialize};
use std::fmt;

/// A syntactically valid email address, kept in lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses an address typed by a person: trims it, lower-cases it and checks its shape.
    pub fn parse(input: &str) -> Result<Self, String> {
        let value = input.trim().to_lowercase();
        if value.is_empty() {
            return Err("Enter an email address.".into());
        }
        if value.len() > 254 {
            return Err("An email address has at most 254 characters.".into());
        }
        let Some((local, domain)) = value.split_once('@') else {
            return Err("Enter an email address like name@example.com.".into());
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let domain_ok = super::online_domain::is_domain_name(domain);
        if !local_ok || !domain_ok {
            return Err("Enter an email address like name@example.com.".into());
        }
        Ok(EmailAddress(value))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the `@` (R5 compares these).
    pub fn domain(&self) -> &str {
        self.0.split_once('@').map(|(_, d)| d).unwrap_or_default()
    }

    /// The address with most of its local part hidden, for pages that show
    /// who an email went to without disclosing the whole address.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.split_once('@').unwrap_or((&self.0, ""));
        let first: String = local.chars().take(1).collect();
        format!("{first}***@{domain}")
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::EmailAddress;

    #[test]
    fn accepts_and_normalises_a_plain_address() {
        let e = EmailAddress::parse("  Ana.Lopez@Contoso.COM ").unwrap();
        assert_eq!(e.as_str(), "ana.lopez@contoso.com");
        assert_eq!(e.domain(), "contoso.com");
    }

    #[test]
    fn rejects_addresses_of_the_wrong_shape() {
        for bad in [
            "",
            " ",
            "ana",
            "ana@",
            "@contoso.com",
            "ana@contoso",
            "ana@@contoso.com",
            "ana lopez@contoso.com",
            "ana@contoso..com",
            ".ana@contoso.com",
            "ana@-contoso.com",
        ] {
            assert!(
                EmailAddress::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn empty_input_asks_for_an_address() {
        assert_eq!(
            EmailAddress::parse("").unwrap_err(),
            "Enter an email address."
        );
    }

    #[test]
    fn masking_keeps_the_first_letter_and_the_domain() {
        let e = EmailAddress::parse("ana@contoso.com").unwrap();
        assert_eq!(e.masked(), "a***@contoso.com");
    }
}
