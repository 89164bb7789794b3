//! Where and how the portal submits its email, from `SMTP_URL` and the
//! settings beside it:
//!
//! - `smtp://host[:port]`: plain SMTP (port 25), for a relay on the portal's
//!   own machine or network; on port 587 STARTTLS is asked for unless the URL
//!   says `?tls=none`;
//! - `smtp://host:587?tls=starttls`: STARTTLS, required: a server that does
//!   not offer it gets nothing, not even the envelope, in plain text;
//! - `smtps://host[:465]`: implicit TLS.
//!
//! Credentials come from the URL (`smtp://user:password@host`, percent-encoded)
//! or from `SMTP_USER` with `SMTP_PASSWORD` or `SMTP_PASSWORD_FILE`; they are
//! never sent over a connection without TLS to anything but loopback.

use std::fmt;
use std::net::IpAddr;

/// How the connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain text, for a local relay.
    Plain,
    /// STARTTLS, required (RFC 3207).
    StartTls,
    /// TLS from the first byte (RFC 8314).
    ImplicitTls,
}

/// A password, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(pub String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

/// The mail server the portal submits to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub credentials: Option<(String, Password)>,
}

/// Credentials given beside the URL (`SMTP_USER`, `SMTP_PASSWORD` or the
/// contents of `SMTP_PASSWORD_FILE`).
#[derive(Debug, Clone, Default)]
pub struct GivenCredentials {
    pub user: Option<String>,
    pub password: Option<Password>,
}

impl Submission {
    /// Reads `url` with the credentials given beside it. The error names what
    /// is wrong without repeating the URL, which may hold a password.
    pub fn parse(url: &str, given: GivenCredentials) -> Result<Self, String> {
        let parsed = url::Url::parse(url)
            .map_err(|e| format!("SMTP_URL is not a URL like smtp://host:587 ({e})"))?;
        let implicit = match parsed.scheme() {
            "smtp" => false,
            "smtps" => true,
            other => {
                return Err(format!(
                    "SMTP_URL must start with smtp:// or smtps://, not {other}://"
                ))
            }
        };
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("SMTP_URL names no host")?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = parsed.port().unwrap_or(if implicit { 465 } else { 25 });
        let mut tls = None;
        for (key, value) in parsed.query_pairs() {
            match (key.as_ref(), value.as_ref()) {
                ("tls", "starttls" | "none") if !implicit => tls = Some(value.into_owned()),
                ("tls", _) if implicit => {
                    return Err("SMTP_URL: smtps:// always uses TLS; drop its tls= setting".into())
                }
                ("tls", other) => {
                    return Err(format!(
                        "SMTP_URL: tls={other} is not known; use tls=starttls or tls=none"
                    ))
                }
                (other, _) => return Err(format!("SMTP_URL: the setting {other:?} is not known")),
            }
        }
        let security = match (implicit, tls.as_deref()) {
            (true, _) => Security::ImplicitTls,
            (false, Some("starttls")) => Security::StartTls,
            (false, Some(_)) => Security::Plain,
            (false, None) if port == 587 => Security::StartTls,
            (false, None) => Security::Plain,
        };
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|s| s.into_owned())
                .map_err(|_| "SMTP_URL: its user or password is not valid UTF-8".to_string())
        };
        let url_user = Some(parsed.username())
            .filter(|u| !u.is_empty())
            .map(decode)
            .transpose()?;
        let url_password = parsed.password().map(decode).transpose()?.map(Password);
        let user = url_user.or(given.user);
        let password = url_password.or(given.password);
        let credentials = match (user, password) {
            (Some(user), Some(password)) => Some((user, password)),
            (None, None) => None,
            (Some(_), None) => return Err(
                "a mail server user is set but no password (SMTP_PASSWORD or SMTP_PASSWORD_FILE)"
                    .into(),
            ),
            (None, Some(_)) => {
                return Err("a mail server password is set but no user (SMTP_USER)".into())
            }
        };
        let submission = Submission {
            host,
            port,
            security,
            credentials,
        };
        if submission.security == Security::Plain
            && submission.credentials.is_some()
            && !submission.is_loopback()
        {
            return Err(format!(
                "SMTP_URL would send the mail server password to {} in plain text: \
                 use smtps:// or ?tls=starttls",
                submission.host
            ));
        }
        Ok(submission)
    }

    /// Whether the server is on this machine.
    pub fn is_loopback(&self) -> bool {
        self.host.eq_ignore_ascii_case("localhost")
            || self.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    /// The server as an operator reads it: `smtp.example.com:587 with STARTTLS, as portal`.
    pub fn describe(&self) -> String {
        let security = match self.security {
            Security::Plain => "in plain text",
            Security::StartTls => "with STARTTLS",
            Security::ImplicitTls => "with TLS",
        };
        let user = self
            .credentials
            .as_ref()
            .map(|(user, _)| format!(", signed in as {user}"))
            .unwrap_or_default();
        format!("{}:{} {security}{user}", self.host, self.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<Submission, String> {
        Submission::parse(url, GivenCredentials::default())
    }

    #[test]
    fn each_scheme_and_port_has_its_security() {
        let relay = parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!((relay.port, relay.security), (2525, Security::Plain));
        assert_eq!(parse("smtp://relay").unwrap().port, 25);
        let submission = parse("smtp://smtp.example.com:587").unwrap();
        assert_eq!(submission.security, Security::StartTls);
        let asked = parse("smtp://smtp.example.com:2587?tls=starttls").unwrap();
        assert_eq!(asked.security, Security::StartTls);
        let plain = parse("smtp://127.0.0.1:587?tls=none").unwrap();
        assert_eq!(plain.security, Security::Plain);
        let implicit = parse("smtps://smtp.example.com").unwrap();
        assert_eq!(
            (implicit.port, implicit.security),
            (465, Security::ImplicitTls)
        );
    }

    #[test]
    fn credentials_come_from_the_url_or_beside_it_and_never_go_in_plain_text() {
        let s = parse("smtps://portal%40example.com:p%40ss%3Aword@smtp.example.com").unwrap();
        let (user, password) = s.credentials.clone().unwrap();
        assert_eq!(user, "portal@example.com");
        assert_eq!(password.0, "p@ss:word");
        assert!(!format!("{s:?}").contains("p@ss"), "never printed");
        assert_eq!(
            s.describe(),
            "smtp.example.com:465 with TLS, signed in as portal@example.com"
        );
        let given = GivenCredentials {
            user: Some("apikey".into()),
            password: Some(Password("secret".into())),
        };
        let s = Submission::parse("smtp://smtp.example.com:587", given).unwrap();
        assert_eq!(s.credentials.unwrap().0, "apikey");
        let err = parse("smtp://user:secret@smtp.example.com:25").unwrap_err();
        assert!(err.contains("plain text"), "{err}");
        assert!(
            !err.contains("secret"),
            "the password is not repeated: {err}"
        );
        assert!(parse("smtp://user:secret@127.0.0.1:25").is_ok(), "loopback");
        let half = GivenCredentials {
            user: Some("apikey".into()),
            password: None,
        };
        assert!(Submission::parse("smtps://smtp.example.com", half).is_err());
    }

    #[test]
    fn a_bad_url_is_named() {
        for bad in [
            "http://smtp.example.com",
            "smtp://",
            "smtp://host?tls=maybe",
            "smtps://host?tls=starttls",
            "smtp://host?retries=3",
            "not a url",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
