//! What makes a password acceptable (OWASP ASVS 5.0, V6.2): long enough, not
//! too long to hash, any character allowed (spaces and emoji included), no
//! composition rules, and refused when it is one of the most common passwords
//! or contains the person's email name or organisation.

use std::collections::HashSet;
use std::sync::OnceLock;

/// The fewest characters a password may have.
pub const MIN_CHARS: usize = 12;
/// The most characters a password may have (ASVS asks for at least 64).
pub const MAX_CHARS: usize = 128;

/// The list the portal ships, most common first.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

fn common_passwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON_PASSWORDS
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with("# "))
            .collect()
    })
}

/// How many common passwords the portal refuses.
pub fn common_password_count() -> usize {
    common_passwords().len()
}

/// Whom the password is for: what it must not contain.
#[derive(Debug, Clone, Copy)]
pub struct PasswordOwner<'a> {
    pub email: &'a str,
    pub organisation: &'a str,
}

/// Words of an organisation's name too general to refuse on their own.
const GENERAL_WORDS: [&str; 8] = [
    "ltd", "limited", "inc", "corp", "company", "gmbh", "partners", "group",
];

/// Checks only a new password's length: what can be said before knowing
/// whose it is.
pub fn check_length(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(format!(
            "Choose a password of at least {MIN_CHARS} characters; a few words with spaces between them make a good one."
        ));
    }
    if chars > MAX_CHARS {
        return Err(format!("A password has at most {MAX_CHARS} characters."));
    }
    Ok(())
}

/// Checks a new password; the message says what to change.
pub fn check(password: &str, owner: PasswordOwner<'_>) -> Result<(), String> {
    check_length(password)?;
    let lower = password.to_lowercase();
    if common_passwords().contains(lower.as_str()) {
        return Err(
            "This password is among the most common ones, which attackers try first. Choose another."
                .into(),
        );
    }
    let squashed: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
    let name = owner
        .email
        .split('@')
        .next()
        .unwrap_or_default()
        .to_lowercase();
    if name.chars().count() >= 3 && squashed.contains(&name) {
        return Err("Your password must not contain your email name. Choose another.".into());
    }
    let organisation = owner.organisation.to_lowercase();
    let whole: String = organisation
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    let words = organisation
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4 && !GENERAL_WORDS.contains(w));
    if (whole.chars().count() >= 4 && squashed.contains(&whole))
        || words.into_iter().any(|w| squashed.contains(w))
    {
        return Err(
            "Your password must not contain your organisation's name. Choose another.".into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNER: PasswordOwner<'static> = PasswordOwner {
        email: "jane.doe@contoso.example",
        organisation: "Contoso Ltd",
    };

    #[test]
    fn at_least_twelve_characters_counted_as_people_see_them() {
        assert!(check("eleven chars", OWNER).is_ok(), "12 with the space");
        assert!(check("elevenchars", OWNER)
            .unwrap_err()
            .contains("at least 12"));
        // Eleven emoji are eleven characters, though many more bytes.
        assert!(check(&"🦀".repeat(11), OWNER).is_err());
        assert!(check(&"🦀".repeat(12), OWNER).is_ok());
    }

    #[test]
    fn up_to_128_characters_and_any_character_allowed() {
        assert!(check(&"long passphrase ".repeat(8), OWNER).is_ok());
        assert!(check(&"x".repeat(129), OWNER)
            .unwrap_err()
            .contains("at most 128"));
        for password in [
            "all lowercase words here",
            "    spaces around    ",
            "ünïcödé pässwörd",
            "日本語のパスワードですよね",
            "tab\tand\u{1F600}emoji mixed",
        ] {
            assert!(check(password, OWNER).is_ok(), "{password:?}");
        }
    }

    #[test]
    fn the_most_common_passwords_are_refused_whatever_their_case() {
        assert!(common_password_count() >= 10_000);
        for common in [
            "123qweasdzxc",
            "1q2w3e4r5t6y",
            "QWERTY123456",
            "leavemealone",
        ] {
            assert!(
                check(common, OWNER).unwrap_err().contains("most common"),
                "{common}"
            );
        }
        assert!(check("leave me alone please", OWNER).is_ok());
    }

    #[test]
    fn the_email_name_and_the_organisation_are_refused() {
        assert!(check("Jane.Doe-2026-x", OWNER)
            .unwrap_err()
            .contains("email name"));
        assert!(check("I love CONTOSO so much", OWNER)
            .unwrap_err()
            .contains("organisation"));
        let fabrikam = PasswordOwner {
            email: "al@fabrikam.example",
            organisation: "Fabrikam Licensing Partners",
        };
        assert!(check("my licensing secret", fabrikam).is_err());
        // General words of a name, and names shorter than three, are not refused.
        assert!(check("our partners are great", fabrikam).is_ok());
        assert!(check("al and bo went home", fabrikam).is_ok());
    }
}
