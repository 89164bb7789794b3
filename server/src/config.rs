//! Settings, read from environment variables with documented defaults
//! (`.env.example` lists them all).

use std::net::SocketAddr;
use std::time::Duration;

/// Everything the portal needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `sqlite:…` (default `sqlite:data/portal.db`) or `postgres://…`.
    pub database_url: String,
    /// Where the portal listens; port 0 picks a free port.
    pub listen_addr: SocketAddr,
    /// The address people use to reach the portal; `https://` makes cookies Secure.
    pub public_url: String,
    /// Folder with the built site (WASM, JS, CSS).
    pub site_root: String,
    /// A session ends after this long without a request.
    pub session_idle_timeout: Duration,
    /// A session ends this long after sign-in, however active.
    pub session_absolute_lifetime: Duration,
    /// Failed sign-ins allowed per account and per address in one minute.
    pub sign_in_max_failures: u32,
    /// The mail server (`SMTP_URL`: `smtp://host:port`, `smtp://host:587` with
    /// STARTTLS, `smtps://host` with TLS; see `smtp::submission`); without it,
    /// email goes to the demo mailbox.
    pub smtp_url: Option<String>,
    /// The mail server user (`SMTP_USER`), when `SMTP_URL` names none.
    pub smtp_user: Option<String>,
    /// Its password (`SMTP_PASSWORD`), when `SMTP_URL` holds none.
    pub smtp_password: Option<crate::smtp::submission::Password>,
    /// A file holding the password (`SMTP_PASSWORD_FILE`), readable only by
    /// the portal.
    pub smtp_password_file: Option<String>,
    /// Certificates (PEM) trusted for the mail server beside the system's
    /// (`SMTP_CA_FILE`).
    pub smtp_ca_file: Option<String>,
    /// The sender of the portal's email.
    pub mail_from: String,
    /// How long an outbox worker may hold a message it claimed before another
    /// instance (or this one, restarted) sends it (`OUTBOX_LEASE`, default 2m).
    pub outbox_lease: Duration,
    /// How long a contact change takes to reach VLSC and explore.ms after eMSL.
    pub propagation_delay: Duration,
    /// Whether this instance runs the activation engine, the outbox worker and
    /// the contact propagation job.
    pub run_workers: bool,
    /// Proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`, addresses
    /// or networks separated by commas); none by default.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// A request not answered in this time gets 408 (`REQUEST_TIMEOUT`).
    pub request_timeout: Duration,
    /// A second address serving only `/metrics`, without a token
    /// (`METRICS_ADDR`, e.g. `127.0.0.1:9100`); none by default.
    pub metrics_addr: Option<SocketAddr>,
    /// The bearer token that opens `/metrics` on the portal's own address
    /// (`METRICS_TOKEN`); without it that path does not exist there.
    pub metrics_token: Option<String>,
    /// The activation-link keys themselves (`ACTIVATION_LINK_KEYS`: `id:hex`
    /// entries separated by commas, the current key first).
    pub activation_link_keys: Option<String>,
    /// A file holding the keys, one `id:hex` per line, readable only by the
    /// portal (`ACTIVATION_LINK_KEY_FILE`, default `data/activation-link.keys`).
    pub activation_link_key_file: String,
    /// A production deployment (`PORTAL_ENV=production`, or an https public URL):
    /// the portal refuses to start without its link keys instead of making some.
    pub production: bool,
    /// Whether VLSC administrators, support agents and ROC operators must use
    /// two-step sign-in. Not read from the environment: always on in a running
    /// portal; only code (the tests of other features) may turn it off.
    pub require_two_step: bool,
}

impl Settings {
    /// Reads the settings from the environment.
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads the settings through `lookup`, so tests need not touch the environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let get = |key: &str, default: &str| {
            lookup(key)
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_string())
        };
        let listen = get("LISTEN_ADDR", &get("LEPTOS_SITE_ADDR", "127.0.0.1:3000"));
        let listen_addr = listen
            .parse()
            .map_err(|_| format!("LISTEN_ADDR {listen:?} is not an address like 127.0.0.1:3000"))?;
        let public_url = get("PUBLIC_URL", &format!("http://{listen}"));
        let max_failures = get("SIGN_IN_MAX_FAILURES_PER_MINUTE", "10");
        let production =
            get("PORTAL_ENV", "demo") == "production" || public_url.starts_with("https://");
        Ok(Settings {
            public_url: public_url.clone(),
            database_url: get("DATABASE_URL", "sqlite:data/portal.db"),
            listen_addr,
            site_root: get("LEPTOS_SITE_ROOT", "target/site"),
            session_idle_timeout: parse_duration(
                "SESSION_IDLE_TIMEOUT",
                &get("SESSION_IDLE_TIMEOUT", "30m"),
            )?,
            session_absolute_lifetime: parse_duration(
                "SESSION_ABSOLUTE_LIFETIME",
                &get("SESSION_ABSOLUTE_LIFETIME", "12h"),
            )?,
            smtp_url: lookup("SMTP_URL").filter(|v| !v.is_empty()),
            smtp_user: lookup("SMTP_USER").filter(|v| !v.is_empty()),
            smtp_password: lookup("SMTP_PASSWORD")
                .filter(|v| !v.is_empty())
                .map(crate::smtp::submission::Password),
            smtp_password_file: lookup("SMTP_PASSWORD_FILE").filter(|v| !v.is_empty()),
            smtp_ca_file: lookup("SMTP_CA_FILE").filter(|v| !v.is_empty()),
            mail_from: get("MAIL_FROM", "Volume Licensing <no-reply@licensing.example>"),
            outbox_lease: parse_duration("OUTBOX_LEASE", &get("OUTBOX_LEASE", "2m"))?,
            run_workers: get("RUN_WORKERS", "true") != "false",
            propagation_delay: parse_duration(
                "PROPAGATION_DELAY",
                &get("PROPAGATION_DELAY", "24h"),
            )?,
            trusted_proxies: crate::edge::client_address::parse_trusted_proxies(&get(
                "TRUSTED_PROXIES",
                "",
            ))?,
            request_timeout: parse_duration("REQUEST_TIMEOUT", &get("REQUEST_TIMEOUT", "30s"))?,
            metrics_addr: match lookup("METRICS_ADDR").filter(|v| !v.is_empty()) {
                None => None,
                Some(addr) => Some(addr.parse().map_err(|_| {
                    format!("METRICS_ADDR {addr:?} is not an address like 127.0.0.1:9100")
                })?),
            },
            metrics_token: match lookup("METRICS_TOKEN").filter(|v| !v.is_empty()) {
                Some(token) if token.len() < 32 => {
                    return Err("METRICS_TOKEN must be at least 32 characters long".into())
                }
                token => token,
            },
            activation_link_keys: lookup("ACTIVATION_LINK_KEYS").filter(|v| !v.is_empty()),
            activation_link_key_file: get("ACTIVATION_LINK_KEY_FILE", "data/activation-link.keys"),
            production,
            require_two_step: true,
            sign_in_max_failures: max_failures.parse().map_err(|_| {
                format!("SIGN_IN_MAX_FAILURES_PER_MINUTE {max_failures:?} is not a whole number")
            })?,
        })
    }

    /// Whether session cookies carry the Secure flag.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// Reads `90s`, `30m`, `12h`, `2d` or a plain number of seconds.
pub fn parse_duration(name: &str, value: &str) -> Result<Duration, String> {
    let value = value.trim();
    let (number, unit) = match value.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => value.split_at(i),
        None => (value, "s"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{name} {value:?} is not a duration like 90s, 30m or 12h"))?;
    let seconds = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => {
            return Err(format!(
                "{name} {value:?} is not a duration like 90s, 30m or 12h"
            ))
        }
    };
    if seconds == 0 {
        return Err(format!("{name} must be longer than zero"));
    }
    Ok(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_with_units() {
        assert_eq!(parse_duration("X", "90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("X", "30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("X", "12h"), Ok(Duration::from_secs(43_200)));
        assert_eq!(parse_duration("X", "2d"), Ok(Duration::from_secs(172_800)));
        assert_eq!(parse_duration("X", "45"), Ok(Duration::from_secs(45)));
        assert!(parse_duration("X", "soon").is_err());
        assert!(parse_duration("X", "10w").is_err());
        assert!(parse_duration("X", "0m").is_err());
    }

    #[test]
    fn defaults_give_an_embedded_database_and_the_documented_timeouts() {
        let s = Settings::from_lookup(|_| None).unwrap();
        assert_eq!(s.database_url, "sqlite:data/portal.db");
        assert_eq!(s.listen_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(s.session_idle_timeout, Duration::from_secs(1800));
        assert_eq!(s.session_absolute_lifetime, Duration::from_secs(43_200));
        assert_eq!(s.propagation_delay, Duration::from_secs(86_400));
        assert!(!s.secure_cookies());
    }

    #[test]
    fn https_public_url_makes_cookies_secure() {
        let s =
            Settings::from_lookup(|k| (k == "PUBLIC_URL").then(|| "https://portal.example".into()))
                .unwrap();
        assert!(s.secure_cookies());
    }

    #[test]
    fn trusted_proxies_and_production_are_read() {
        let s = Settings::from_lookup(|k| match k {
            "TRUSTED_PROXIES" => Some("10.0.0.0/8, 192.0.2.1".into()),
            "PORTAL_ENV" => Some("production".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(s.trusted_proxies.len(), 2);
        assert!(s.production);
        assert!(!Settings::from_lookup(|_| None).unwrap().production);
        assert!(Settings::from_lookup(|k| (k == "TRUSTED_PROXIES").then(|| "x".into())).is_err());
    }

    #[test]
    fn metrics_need_an_address_or_a_long_token() {
        let s = Settings::from_lookup(|_| None).unwrap();
        assert_eq!((s.metrics_addr, s.metrics_token), (None, None));
        let s = Settings::from_lookup(|k| match k {
            "METRICS_ADDR" => Some("127.0.0.1:9100".into()),
            "METRICS_TOKEN" => Some("x".repeat(32)),
            _ => None,
        })
        .unwrap();
        assert_eq!(s.metrics_addr.unwrap().port(), 9100);
        assert_eq!(s.metrics_token.unwrap().len(), 32);
        let short = Settings::from_lookup(|k| (k == "METRICS_TOKEN").then(|| "secret".into()));
        assert!(short.unwrap_err().contains("METRICS_TOKEN"));
        let bad = Settings::from_lookup(|k| (k == "METRICS_ADDR").then(|| "9100".into()));
        assert!(bad.unwrap_err().contains("METRICS_ADDR"));
    }

    #[test]
    fn a_bad_listen_address_is_named() {
        let err = Settings::from_lookup(|k| (k == "LISTEN_ADDR").then(|| "localhost".into()))
            .unwrap_err();
        assert!(err.contains("LISTEN_ADDR"), "{err}");
    }
}
