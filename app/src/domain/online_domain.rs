/// The domain name of an online account (tenant), e.g. `contoso.onmicrosoft.com`.
pub fn parse_account_domain(input: &str) -> Result<String, String> {
    let value = input.trim().trim_end_matches('.').to_lowercase();
    if value.is_empty() {
        return Err("Enter the account's domain, like contoso.onmicrosoft.com.".into());
    }
    let labels: Vec<&str> = value.split('.').collect();
    let ok = value.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if ok {
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
