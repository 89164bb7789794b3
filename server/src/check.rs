//! `server check`: reads the whole configuration and says, one line each,
//! what is fine and what is wrong, for the mode the portal runs in (the demo,
//! or production). `serve` in production runs the same checks and refuses to
//! start on any error. Nothing is written and no email is sent: the mail
//! server is asked for a connection, TLS and a sign-in, then left.

use crate::config::Settings;
use crate::smtp::SmtpMailer;
use app::db::Db;
use app::keys::link::LinkKeys;
use std::fmt;
use std::net::IpAddr;
use std::path::Path;

/// What one check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What was checked: `database`, `link keys`, `public URL`, `mail`, `metrics`.
    pub what: &'static str,
    pub ok: bool,
    pub detail: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = if self.ok { "ok   " } else { "error" };
        write!(f, "{mark} {}: {}", self.what, self.detail)
    }
}

fn finding(what: &'static str, outcome: Result<String, String>) -> Finding {
    match outcome {
        Ok(detail) => Finding {
            what,
            ok: true,
            detail,
        },
        Err(detail) => Finding {
            what,
            ok: false,
            detail,
        },
    }
}

/// Every check, in the order an operator fixes them.
pub async fn check(settings: &Settings) -> Vec<Finding> {
    vec![
        finding("database", database(settings).await),
        finding("link keys", link_keys(settings)),
        finding("public URL", public_url(settings)),
        finding("mail", mail(settings).await),
        finding("metrics", metrics(settings)),
    ]
}

/// The mode, as the first line of `server check` says it.
pub fn mode(settings: &Settings) -> &'static str {
    if settings.production {
        "production"
    } else {
        "demo"
    }
}

async fn database(settings: &Settings) -> Result<String, String> {
    let db = Db::connect(&settings.database_url)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    let pending = db.migrations_pending().await;
    db.close().await;
    match pending {
        Ok(0) => Ok(format!("{:?}, reachable and migrated", db.backend())),
        Ok(n) => Err(format!(
            "reachable, but {n} migration(s) not applied: run `server migrate`"
        )),
        Err(_) => Err("reachable, but not migrated: run `server migrate`".into()),
    }
}

fn link_keys(settings: &Settings) -> Result<String, String> {
    let keys = if let Some(spec) = &settings.activation_link_keys {
        LinkKeys::parse(spec).map_err(|e| format!("ACTIVATION_LINK_KEYS: {e}"))?
    } else {
        let path = Path::new(&settings.activation_link_key_file);
        if !path.exists() {
            return if settings.production {
                Err(format!(
                    "none: set ACTIVATION_LINK_KEYS, or put the keys in {} (readable only by the portal)",
                    path.display()
                ))
            } else {
                Ok(format!(
                    "none yet: the demo makes {} when it starts",
                    path.display()
                ))
            };
        }
        crate::link_keys::check_private(path)?;
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        LinkKeys::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?
    };
    Ok(format!(
        "{} key(s), links signed with {:?}",
        keys.len(),
        keys.current().id()
    ))
}

fn public_url(settings: &Settings) -> Result<String, String> {
    let url = &settings.public_url;
    if settings.production && !url.starts_with("https://") {
        return Err(format!(
            "{url}: production needs an https:// address (the TLS proxy's), so cookies are Secure"
        ));
    }
    Ok(url.clone())
}

async fn mail(settings: &Settings) -> Result<String, String> {
    let Some(mailer) = SmtpMailer::from_settings(settings)? else {
        return if settings.production {
            Err(
                "no SMTP_URL: production sends through a mail server, never the demo Mailbox"
                    .into(),
            )
        } else {
            Ok("no SMTP_URL: email goes to the demo Mailbox".into())
        };
    };
    let server = mailer.describe();
    mailer
        .check()
        .await
        .map(|()| format!("{server}: connected, secured and signed in"))
        .map_err(|e| format!("{server}: {e}"))
}

fn metrics(settings: &Settings) -> Result<String, String> {
    let token = if settings.metrics_token.is_some() {
        "on the portal's address with its token"
    } else {
        "not on the portal's address"
    };
    match settings.metrics_addr {
        None => Ok(format!("{token}; no separate address")),
        Some(addr) if settings.production && !private(addr.ip()) => Err(format!(
            "METRICS_ADDR {addr} can be reached from anywhere: bind it to loopback or a private network"
        )),
        Some(addr) => Ok(format!("{token}; also on {addr}, without a token")),
    }
}

/// Loopback, or a private or link-local network: not reachable from outside.
fn private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        })
        .unwrap()
    }

    #[test]
    fn production_needs_https_and_a_mail_server_and_keeps_metrics_private() {
        let demo = settings(&[]);
        assert!(public_url(&demo).is_ok());
        assert!(metrics(&demo).is_ok());
        let prod = settings(&[
            ("PORTAL_ENV", "production"),
            ("PUBLIC_URL", "http://portal.example"),
            ("METRICS_ADDR", "0.0.0.0:9100"),
        ]);
        assert!(public_url(&prod).unwrap_err().contains("https://"));
        assert!(metrics(&prod).unwrap_err().contains("METRICS_ADDR"));
        let prod = settings(&[
            ("PUBLIC_URL", "https://portal.example"),
            ("METRICS_ADDR", "10.0.0.5:9100"),
        ]);
        assert!(public_url(&prod).is_ok());
        assert!(metrics(&prod).is_ok());
    }

    #[test]
    fn a_finding_reads_as_one_line() {
        let f = finding("mail", Err("no SMTP_URL".into()));
        assert_eq!(f.to_string(), "error mail: no SMTP_URL");
        assert_eq!(
            finding("database", Ok("fine".into())).to_string(),
            "ok    database: fine"
        );
    }
}
