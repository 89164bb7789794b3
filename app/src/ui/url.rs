//! Percent-encoding for the links pages build.

fn encode(value: &str, keep: &[u8]) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b if keep.contains(&b) => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Percent-encodes a query-string value.
pub fn urlencode(value: &str) -> String {
    encode(value, b"")
}

/// Percent-encodes a path and its query for use as one query-string value
/// (the `next` parameter of the sign-in page), keeping its slashes readable.
pub fn encode_path(value: &str) -> String {
    encode(value, b"/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_parameter_is_percent_encoded() {
        assert_eq!(
            encode_path("/enrollments?q=a b&x=1"),
            "/enrollments%3Fq%3Da%20b%26x%3D1"
        );
    }

    #[test]
    fn a_query_value_keeps_only_unreserved_characters() {
        assert_eq!(urlencode("a b/c&d=é~"), "a%20b%2Fc%26d%3D%C3%A9~");
    }
}
