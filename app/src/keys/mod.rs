//! Values nobody can guess: one generator for every random key the portal
//! makes (form keys, salts, secrets, Message-IDs, nonces), and the keys that
//! sign the links sent by email.

pub mod link;

use rand::RngCore;

/// `bytes` random bytes from the operating system's generator.
pub fn random_bytes(bytes: usize) -> Vec<u8> {
    let mut out = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut out);
    out
}

/// A key that makes a submitted form recognisable when it comes again:
/// 128 random bits in hex.
pub fn form_key() -> String {
    hex::encode(random_bytes(16))
}

/// A form's key as submitted, trimmed and checked: the one check of every
/// form that must not act twice. A key of the wrong length is a page too old
/// to have one.
pub fn submitted_form_key(input: &str) -> Result<&str, crate::error::AppError> {
    let key = input.trim();
    if key.len() < 16 || key.len() > 64 {
        return Err(crate::error::AppError::invalid(
            "form",
            "The form is out of date. Reload the page and try again.",
        ));
    }
    Ok(key)
}

/// A fresh random secret: 256 bits in hex.
pub fn secret() -> String {
    hex::encode(random_bytes(32))
}

/// A fresh Message-ID: kept with the message, so a redelivery carries the same.
pub fn message_id() -> String {
    format!("<{}@vl-portal.invalid>", &secret()[..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_their_length_and_differ() {
        assert_eq!(form_key().len(), 32);
        assert_eq!(secret().len(), 64);
        assert!(form_key().bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(form_key(), form_key());
        assert_ne!(secret(), secret());
    }

    #[test]
    fn a_submitted_form_key_is_trimmed_and_of_a_key_s_length() {
        let key = form_key();
        assert_eq!(submitted_form_key(&format!(" {key} ")), Ok(key.as_str()));
        assert!(submitted_form_key("short").is_err());
        assert!(submitted_form_key(&"a".repeat(65)).is_err());
        assert!(submitted_form_key("").is_err());
    }
}
