//! Single-use account links: invitations (72 hours) and password resets (60
//! minutes). A link's token is an HMAC, under the deployment's current link
//! key, of its purpose and 128 fresh random bits (the salt); the database
//! keeps the salt, the key's id and a hash of the token, so that neither a
//! copy of the database nor of the key alone makes a working link. The outbox
//! derives the token again to write the email. Server only.

use crate::error::AppError;
use crate::keys::link::{keyed_token, token_hash, LinkKey, LinkKeys};

/// What a link is for; a token of one purpose never opens the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    Invitation,
    PasswordReset,
}

impl LinkPurpose {
    fn label(self) -> &'static [u8] {
        match self {
            LinkPurpose::Invitation => b"vl-portal invitation link\0",
            LinkPurpose::PasswordReset => b"vl-portal password reset link\0",
        }
    }

    /// How long a link of this purpose works.
    pub fn lifetime_seconds(self) -> i64 {
        match self {
            LinkPurpose::Invitation => 72 * 3600,
            LinkPurpose::PasswordReset => 60 * 60,
        }
    }

    /// The page a link of this purpose opens.
    fn path(self) -> &'static str {
        match self {
            LinkPurpose::Invitation => "/invitation",
            LinkPurpose::PasswordReset => "/reset-password",
        }
    }
}

/// A new link, as the database stores it.
#[derive(Debug, Clone)]
pub struct NewLink {
    pub salt: String,
    pub key_id: String,
    pub token_hash: String,
}

fn token(key: &LinkKey, purpose: LinkPurpose, salt: &str) -> String {
    keyed_token(key, purpose.label(), &[salt.as_bytes()])
}

/// Makes a new link of `purpose` under the current key.
pub fn mint(keys: &LinkKeys, purpose: LinkPurpose) -> NewLink {
    let key = keys.current();
    let salt = crate::keys::form_key();
    NewLink {
        token_hash: token_hash(&token(key, purpose, &salt)),
        key_id: key.id().to_string(),
        salt,
    }
}

/// The address of a stored link, for the email.
pub fn url(
    public_url: &str,
    keys: &LinkKeys,
    purpose: LinkPurpose,
    key_id: &str,
    salt: &str,
) -> Result<String, AppError> {
    let key = keys.by_id(key_id).ok_or_else(|| {
        tracing::error!(
            key = key_id,
            "the key this account link was made with is not configured"
        );
        AppError::Internal
    })?;
    Ok(format!(
        "{}{}/{}",
        public_url.trim_end_matches('/'),
        purpose.path(),
        token(key, purpose, salt)
    ))
}

/// What a page says of a link it was given no token for.
pub const INCOMPLETE: &str = "This link is incomplete: copy the whole link from the email.";

/// Refuses an empty token by name, before anything is looked up.
pub fn require_token(token: &str) -> Result<(), AppError> {
    AppError::require("token", token, INCOMPLETE)
}

/// What the database looks a presented token up by. A malformed token hashes
/// to something no link has.
pub fn lookup_hash(presented: &str) -> String {
    token_hash(presented)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_of_one_purpose_never_matches_the_other() {
        let keys = LinkKeys::single(LinkKey::generate("k1"));
        let salt = "00112233445566778899aabbccddeeff";
        let invitation = token(keys.current(), LinkPurpose::Invitation, salt);
        let reset = token(keys.current(), LinkPurpose::PasswordReset, salt);
        assert_ne!(token_hash(&invitation), token_hash(&reset));
    }

    #[test]
    fn each_link_has_fresh_randomness_and_only_its_hash_is_kept() {
        let keys = LinkKeys::single(LinkKey::generate("k1"));
        let a = mint(&keys, LinkPurpose::Invitation);
        let b = mint(&keys, LinkPurpose::Invitation);
        assert_eq!(a.salt.len(), 32, "128 bits");
        assert_ne!(a.salt, b.salt);
        assert_ne!(a.token_hash, b.token_hash);
        let link = url(
            "https://p.example/",
            &keys,
            LinkPurpose::Invitation,
            "k1",
            &a.salt,
        )
        .unwrap();
        let presented = link.rsplit('/').next().unwrap();
        assert!(link.starts_with("https://p.example/invitation/k1."));
        assert_eq!(lookup_hash(presented), a.token_hash);
        assert!(!link.contains(&a.token_hash));
    }

    #[test]
    fn a_link_of_a_key_no_longer_configured_is_not_written() {
        let keys = LinkKeys::single(LinkKey::generate("k1"));
        assert!(url(
            "https://p.example",
            &keys,
            LinkPurpose::PasswordReset,
            "old",
            "00"
        )
        .is_err());
    }
}
