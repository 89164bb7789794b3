//! Two-step sign-in: time-based one-time codes (RFC 6238: HMAC-SHA-1, six
//! digits, 30-second steps, one step of clock drift either way) and ten
//! single-use recovery codes kept only as hashes. A code is accepted only for
//! a step later than the last one used, so no code works twice. Server only.

use crate::db::Tx;
use crate::domain::UserId;
use crate::error::AppError;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};

/// Seconds per code.
pub const STEP_SECONDS: i64 = 30;
/// Recovery codes made at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// The name authenticator apps show for the portal.
const ISSUER: &str = "Volume Licensing portal";

/// A new secret: 160 random bits in base32, as authenticator apps take it.
pub fn new_secret() -> String {
    match Secret::Raw(crate::keys::random_bytes(20)).to_encoded() {
        Secret::Encoded(text) => text,
        Secret::Raw(_) => String::new(),
    }
}

fn totp(secret: &str) -> Result<TOTP, AppError> {
    let bytes = Secret::Encoded(secret.to_string())
        .to_bytes()
        .map_err(|_| AppError::Internal)?;
    TOTP::new(Algorithm::SHA1, 6, 1, STEP_SECONDS as u64, bytes).map_err(|e| {
        tracing::error!(error = %e, "a stored two-step secret is unusable");
        AppError::Internal
    })
}

/// The step a Unix time falls in.
pub fn step_of(unix: i64) -> i64 {
    unix.div_euclid(STEP_SECONDS)
}

/// The code of `secret` at Unix time `unix`.
pub fn code_at(secret: &str, unix: i64) -> Result<String, AppError> {
    Ok(totp(secret)?.generate(unix.max(0) as u64))
}

/// The step (now, or one either side) whose code `code` is, if any.
pub fn matching_step(secret: &str, code: &str, now: i64) -> Result<Option<i64>, AppError> {
    use subtle::ConstantTimeEq;
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let totp = totp(secret)?;
    let now_step = step_of(now);
    Ok((now_step - 1..=now_step + 1).find(|step| {
        let at = (step * STEP_SECONDS).max(0) as u64;
        bool::from(totp.generate(at).as_bytes().ct_eq(code.as_bytes()))
    }))
}

/// The `otpauth://` address an authenticator app reads from the QR code.
pub fn otpauth_uri(secret: &str, email: &str) -> String {
    let encode = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits=6&period={STEP_SECONDS}",
        issuer = encode(ISSUER),
        account = encode(email),
    )
}

/// The QR code of `uri` as an SVG image, drawn on the server.
pub fn qr_svg(uri: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::new(uri.as_bytes()).map_err(|e| {
        tracing::error!(error = %e, "cannot draw the enrolment QR code");
        AppError::Internal
    })?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

/// Ten new recovery codes, 80 random bits each, written `xxxx-xxxx-xxxx-xxxx`.
pub fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let text = new_secret().to_lowercase();
            text.as_bytes()[..16]
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect()
}

/// Whether what was typed looks like a recovery code rather than a six-digit code.
pub fn looks_like_recovery_code(typed: &str) -> bool {
    normalise_recovery(typed).len() == 16
}

fn normalise_recovery(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// What is stored of a recovery code: a hash salted with its user's id.
pub fn recovery_hash(user_id: i64, typed: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(b"vl-portal recovery code\0");
    hash.update(user_id.to_be_bytes());
    hash.update(normalise_recovery(typed).as_bytes());
    hex::encode(hash.finalize())
}

/// Turns two-step sign-in on for `user_id` with `secret`, whose code of `step`
/// was just typed; returns the recovery codes to show once.
pub async fn enable(
    tx: &mut Tx,
    user_id: UserId,
    secret: &str,
    step: i64,
    now: i64,
) -> Result<Vec<String>, AppError> {
    sqlx::query(
        "UPDATE users SET totp_secret = $1, totp_enabled_at = $2, totp_last_step = $3 WHERE id = $4",
    )
    .bind(secret)
    .bind(now)
    .bind(step)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    let codes = new_recovery_codes();
    for code in &codes {
        sqlx::query(
            "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)",
        )
        .bind(user_id)
        .bind(recovery_hash(user_id.0, code))
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(codes)
}

/// Turns two-step sign-in off for `user_id` (a reset by an administrator).
pub async fn disable(tx: &mut Tx, user_id: UserId) -> Result<bool, AppError> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(sqlx::query(
        "UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL \
         WHERE id = $1 AND totp_enabled_at IS NOT NULL",
    )
    .bind(user_id)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        > 0)
}

/// How a second step was proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    Code,
    RecoveryCode,
}

/// Checks a code or a recovery code of `user_id` and uses it up: a code's step
/// becomes the last used, a recovery code is marked used. `None` when it is
/// wrong, already used, or from a step not later than the last one used.
pub async fn prove(
    db: &crate::db::Db,
    user_id: UserId,
    typed: &str,
    now: i64,
) -> Result<Option<Proof>, AppError> {
    if looks_like_recovery_code(typed) {
        let used = sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(now)
        .bind(user_id)
        .bind(recovery_hash(user_id.0, typed))
        .execute(db.writer())
        .await?
        .rows_affected();
        return Ok((used > 0).then_some(Proof::RecoveryCode));
    }
    let secret =
        sqlx::query_scalar::<_, Option<String>>("SELECT totp_secret FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(db.pool())
            .await?
            .flatten();
    let Some(secret) = secret else {
        return Ok(None);
    };
    let Some(step) = matching_step(&secret, typed, now)? else {
        return Ok(None);
    };
    // Taken only if later than the last step used: of two sign-ins with one
    // code, exactly one gets through.
    let taken = sqlx::query(
        "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
    )
    .bind(step)
    .bind(user_id)
    .execute(db.writer())
    .await?
    .rows_affected();
    Ok((taken > 0).then_some(Proof::Code))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 secret "12345678901234567890".
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn codes_are_those_of_rfc_6238() {
        // The RFC's eight-digit values, of which a six-digit code is the end.
        for (time, expected) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            assert_eq!(code_at(RFC_SECRET, time).unwrap(), expected[2..], "{time}");
        }
    }

    #[test]
    fn a_code_matches_its_step_and_one_either_side_only() {
        let secret = new_secret();
        let now = 1_800_000_015;
        let code = code_at(&secret, now).unwrap();
        assert_eq!(
            matching_step(&secret, &code, now).unwrap(),
            Some(step_of(now))
        );
        assert_eq!(
            matching_step(&secret, &code, now + 30).unwrap(),
            Some(step_of(now)),
            "a slow clock"
        );
        assert_eq!(matching_step(&secret, &code, now + 60).unwrap(), None);
        assert_eq!(matching_step(&secret, "12345", now).unwrap(), None);
        assert_eq!(matching_step(&secret, "abcdef", now).unwrap(), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(
            matching_step(&secret, &spaced, now).unwrap(),
            Some(step_of(now))
        );
    }

    #[test]
    fn recovery_codes_are_ten_distinct_and_hashed_per_user() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), 10);
        assert!(codes
            .iter()
            .all(|c| c.len() == 19 && looks_like_recovery_code(c)));
        let code = &codes[0];
        assert_eq!(
            recovery_hash(1, code),
            recovery_hash(1, &code.to_uppercase().replace('-', " "))
        );
        assert_ne!(recovery_hash(1, code), recovery_hash(2, code));
        assert!(!looks_like_recovery_code("123456"));
    }

    #[test]
    fn the_qr_code_is_an_svg_of_the_otpauth_address() {
        let uri = otpauth_uri("JBSWY3DPEHPK3PXP", "ann@contoso.example");
        assert!(uri.starts_with("otpauth://totp/Volume%20Licensing%20portal:ann@contoso.example?secret=JBSWY3DPEHPK3PXP"));
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
        assert!(!svg.contains("<script"));
    }
}
