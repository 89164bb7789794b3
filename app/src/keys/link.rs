//! Activation links (R9). A link's token is an HMAC-SHA-256, under one of the
//! deployment's link keys, of the activation and its link version; the token
//! names the key it was made with. The database keeps only the token's hash and
//! which key made it, never a key: a copy of the database mints no link. The
//! sender derives the token again to write it into the email. Reactivating
//! bumps the version: a new link, and the old one stops matching.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::fmt;

/// The fewest bytes of key material a link key may have.
pub const MIN_KEY_BYTES: usize = 32;

/// One key activation links are made with, named by a short id.
#[derive(Clone, PartialEq, Eq)]
pub struct LinkKey {
    id: String,
    secret: Vec<u8>,
}

impl fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinkKey")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl LinkKey {
    /// A key from its id and its hex-encoded secret; refuses weak or malformed keys.
    pub fn new(id: &str, secret_hex: &str) -> Result<Self, String> {
        if id.is_empty()
            || id.len() > 16
            || !id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            return Err(format!(
                "link key id {id:?} must be 1 to 16 lowercase letters or digits"
            ));
        }
        let secret = hex::decode(secret_hex.trim())
            .map_err(|_| format!("link key {id:?} is not hexadecimal"))?;
        if secret.len() < MIN_KEY_BYTES {
            return Err(format!(
                "link key {id:?} is too short: {} bytes, at least {MIN_KEY_BYTES} needed",
                secret.len()
            ));
        }
        if secret.iter().all(|b| *b == secret[0]) {
            return Err(format!("link key {id:?} is weak: every byte is the same"));
        }
        Ok(LinkKey {
            id: id.to_string(),
            secret,
        })
    }

    /// A fresh random key named `id`.
    pub fn generate(id: &str) -> Self {
        LinkKey {
            id: id.to_string(),
            secret: super::random_bytes(MIN_KEY_BYTES),
        }
    }

    /// The key's id, written into its tokens and beside each activation.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The key as a line of a key file: `id:hex`.
    pub fn to_line(&self) -> String {
        format!("{}:{}", self.id, hex::encode(&self.secret))
    }
}

/// The deployment's link keys: the current one makes new links; the others
/// still write the links they made until those expire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkKeys {
    keys: Vec<LinkKey>,
}

impl LinkKeys {
    /// Reads `id:hex` entries separated by commas or new lines, the current key
    /// first. Blank lines and lines starting with `#` are skipped.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut keys: Vec<LinkKey> = Vec::new();
        for entry in spec
            .split([',', '\n'])
            .map(str::trim)
            .filter(|e| !e.is_empty() && !e.starts_with('#'))
        {
            let (id, secret) = entry
                .split_once(':')
                .ok_or_else(|| "each link key is written id:hex".to_string())?;
            let key = LinkKey::new(id.trim(), secret)?;
            if keys.iter().any(|k| k.id == key.id) {
                return Err(format!("link key id {:?} is given twice", key.id));
            }
            keys.push(key);
        }
        if keys.is_empty() {
            return Err("no link key given".into());
        }
        Ok(LinkKeys { keys })
    }

    /// A ring holding only `key`.
    pub fn single(key: LinkKey) -> Self {
        LinkKeys { keys: vec![key] }
    }

    /// The key new links are made with.
    pub fn current(&self) -> &LinkKey {
        &self.keys[0]
    }

    /// How many keys the ring holds (the current one and those still read).
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the ring is empty: never, once parsed.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key named `id`, if the ring still holds it.
    pub fn by_id(&self, id: &str) -> Option<&LinkKey> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// The ring as the lines of a key file.
    pub fn to_lines(&self) -> String {
        self.keys.iter().map(|k| k.to_line() + "\n").collect()
    }
}

/// The token of an activation's link: `keyid.` and 256 bits in hex.
pub fn token(key: &LinkKey, activation_id: i64, version: i64) -> String {
    keyed_token(
        key,
        b"vl-portal activation link\0",
        &[&activation_id.to_be_bytes(), &version.to_be_bytes()],
    )
}

/// A link token under `key`: `keyid.` and the hex HMAC-SHA-256 of `purpose`
/// (a label ending in a NUL byte, so that tokens of different purposes never
/// match) followed by `parts`.
pub fn keyed_token(key: &LinkKey, purpose: &[u8], parts: &[&[u8]]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key.secret)
        .expect("HMAC accepts keys of any length");
    mac.update(purpose);
    for part in parts {
        mac.update(part);
    }
    format!("{}.{}", key.id, hex::encode(mac.finalize().into_bytes()))
}

/// What the database stores for a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    const B: &str = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

    #[test]
    fn r9_each_version_gives_another_token_and_only_its_hash_matches() {
        let key = LinkKey::new("k1", A).unwrap();
        let a = token(&key, 7, 1);
        let b = token(&key, 7, 2);
        assert_ne!(a, b);
        assert!(a.starts_with("k1."), "{a}");
        assert_eq!(a.len(), 3 + 64, "key id and 256 bits in hex");
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
        assert_ne!(token(&LinkKey::new("k1", B).unwrap(), 7, 1), a);
    }

    #[test]
    fn the_token_is_an_hmac_of_the_activation_under_the_key() {
        // RFC 2104 HMAC, computed independently of `token`.
        let key = LinkKey::new("k1", A).unwrap();
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&hex::decode(A).unwrap()).unwrap();
        mac.update(b"vl-portal activation link\0\0\0\0\0\0\0\0\x07\0\0\0\0\0\0\0\x01");
        let expected = format!("k1.{}", hex::encode(mac.finalize().into_bytes()));
        assert_eq!(token(&key, 7, 1), expected);
    }

    #[test]
    fn weak_or_malformed_keys_are_refused() {
        assert!(LinkKey::new("k1", "abcd")
            .unwrap_err()
            .contains("too short"));
        assert!(LinkKey::new("k1", &"a".repeat(64))
            .unwrap_err()
            .contains("weak"));
        assert!(LinkKey::new("k1", &"zz".repeat(32))
            .unwrap_err()
            .contains("hexadecimal"));
        assert!(LinkKey::new("K 1", A).is_err());
        assert!(LinkKeys::parse("").is_err());
        assert!(LinkKeys::parse(&format!("k1:{A},k1:{B}"))
            .unwrap_err()
            .contains("twice"));
    }

    #[test]
    fn the_first_key_is_current_and_the_others_are_kept() {
        let ring = LinkKeys::parse(&format!("# rotated in 2027\nk2:{B}\nk1:{A}\n")).unwrap();
        assert_eq!(ring.current().id(), "k2");
        assert!(ring.by_id("k1").is_some());
        assert!(ring.by_id("k3").is_none());
        assert_eq!(LinkKeys::parse(&ring.to_lines()).unwrap(), ring);
        assert!(!format!("{ring:?}").contains(A), "keys never reach a log");
    }
}
