//! The fields of a server function's form, checked before it reads them: each
//! a plain name with one value that is valid percent-encoding, at most
//! [`MAX_FIELD_CHARS`] characters, and free of control characters (line breaks
//! only in the fields that take several lines). A field that fails is named in
//! the answer (422), so a hand-made or corrupted request never reaches a 5xx.

use app::AppError;

/// The longest value any field takes; the longest real one is a comment.
pub const MAX_FIELD_CHARS: usize = 2_000;

/// Fields whose value may span several lines.
const MULTILINE: &[&str] = &["comment", "reason", "billing_address"];

fn valid_percent_encoding(raw: &[u8]) -> bool {
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' {
            let hex = |j: usize| raw.get(j).is_some_and(u8::is_ascii_hexdigit);
            if !(hex(i + 1) && hex(i + 2)) {
                return false;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    true
}

fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The field name to report for a raw key: the part before any bracket.
fn reported_name(raw_key: &str) -> String {
    let decoded: String = form_urlencoded::parse(format!("{raw_key}=").as_bytes())
        .next()
        .map(|(k, _)| k.into_owned())
        .unwrap_or_default();
    let base: String = decoded
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(64)
        .collect();
    if base.is_empty() {
        "form".into()
    } else {
        base
    }
}

/// Checks an `application/x-www-form-urlencoded` body.
pub fn check(body: &[u8]) -> Result<(), AppError> {
    let mut seen: Vec<String> = Vec::new();
    for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let raw = String::from_utf8_lossy(pair);
        let (raw_key, raw_value) = raw.split_once('=').unwrap_or((&raw, ""));
        let field = reported_name(raw_key);
        if !valid_percent_encoding(raw_key.as_bytes())
            || !valid_percent_encoding(raw_value.as_bytes())
        {
            return Err(AppError::invalid(&field, "This field could not be read."));
        }
        let (key, value) = form_urlencoded::parse(pair)
            .next()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .unwrap_or_default();
        if !plain_name(&key) {
            return Err(AppError::invalid(&field, "This field could not be read."));
        }
        if value.contains('\u{FFFD}') {
            return Err(AppError::invalid(&key, "This field could not be read."));
        }
        if seen.contains(&key) {
            return Err(AppError::invalid(
                &key,
                "This field is given more than once.",
            ));
        }
        if value.chars().count() > MAX_FIELD_CHARS {
            return Err(AppError::invalid(
                &key,
                format!("This is too long: at most {MAX_FIELD_CHARS} characters."),
            ));
        }
        let multiline = MULTILINE.contains(&key.as_str());
        let bad = value.chars().any(|c| {
            c.is_control() && !(multiline && matches!(c, '\r' | '\n' | '\t')) && c != '\t'
        });
        if bad {
            return Err(AppError::invalid(
                &key,
                if multiline {
                    "This contains characters that are not allowed."
                } else {
                    "This must be on one line, without special characters."
                },
            ));
        }
        seen.push(key);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(body: &str) -> Option<String> {
        match check(body.as_bytes()) {
            Ok(()) => None,
            Err(AppError::Invalid { field, .. }) => Some(field),
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn hostile_fields_are_refused_by_name() {
        let long = format!("email=a&name={}", "x".repeat(MAX_FIELD_CHARS + 1));
        let cases: &[(&str, Option<&str>)] = &[
            ("email=a%40b.example&password=x+y", None),
            ("comment=line%0D%0Anext", None),
            ("", None),
            ("email=%ZZ", Some("email")),
            ("email=%4", Some("email")),
            ("email=a%0D%0AX-Injected%3A+1", Some("email")),
            ("name=a%00b", Some("name")),
            ("comment=a%00b", Some("comment")),
            ("email[]=a", Some("email")),
            ("email[x]=a", Some("email")),
            ("email=a&email=b", Some("email")),
            ("name=%FF%FE", Some("name")),
            (&long, Some("name")),
        ];
        for (body, expected) in cases {
            assert_eq!(field_of(body).as_deref(), *expected, "{body:?}");
        }
    }
}
