/// Whether `value` is a domain name of at least two labels of letters, digits
/// and inner hyphens (shared by email addresses and account domains).
pub(crate) fn is_domain_name(value: &str) -> bool {
    let labels: Vec<&str> = value.split('.').collect();
    value.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// The domain name of an online account (tenant), e.g. `contoso.onmicrosoft.com`.
pub fn parse_account_domain(input: &str) -> Result<String, String> {
    let value = input.trim().trim_end_matches('.').to_lowercase();
    if value.is_empty() {
        return Err("Enter the account's domain, like contoso.onmicrosoft.com.".into());
    }
    if is_domain_name(&value) {
        Ok(value)
    } else {
        Err("Enter a domain of letters, digits and hyphens, like contoso.onmicrosoft.com.".into())
    }
}

#[cfg(test)]
mod tests {
    use super::parse_account_domain;

    #[test]
    fn account_domains_are_checked_and_lower_cased() {
        assert_eq!(
            parse_account_domain("Contoso.OnMicrosoft.com"),
            Ok("contoso.onmicrosoft.com".into())
        );
        assert!(parse_account_domain("").is_err());
        assert!(parse_account_domain("contoso").is_err());
        assert!(parse_account_domain("con toso.com").is_err());
        assert!(parse_account_domain("-contoso.com").is_err());
    }
}
