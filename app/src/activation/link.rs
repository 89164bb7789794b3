//! Activation links (R9). A link's token is derived from the deployment's secret,
//! the activation and its link version, so the database keeps only the token's
//! hash and the sender can still write the link into the email. Reactivating
//! bumps the version: a new link, and the old one stops matching.

use sha2::{Digest, Sha256};

/// The token of an activation's link: 256 bits.
pub fn token(secret: &str, activation_id: i64, version: i64) -> String {
    let mut h = Sha256::new();
    h.update(b"vl-portal activation link\0");
    h.update(secret.as_bytes());
    h.update(activation_id.to_be_bytes());
    h.update(version.to_be_bytes());
    hex::encode(h.finalize())
}

/// What the database stores for a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// A fresh random secret for a new deployment.
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r9_each_version_gives_another_token_and_only_its_hash_matches() {
        let a = token("s", 7, 1);
        let b = token("s", 7, 2);
        assert_ne!(a, b);
        assert_eq!(a.len(), 64, "256 bits in hex");
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
        assert_ne!(token("s", 7, 1), token("t", 7, 1));
    }
}
