//! Submitting the activation email to a real mail server, as providers take
//! it: aiosmtpd (`server/tests/mail_server.py`) with STARTTLS or implicit
//! TLS, AUTH, and a certificate of a CA made for the run, given to the portal
//! through `SMTP_CA_FILE`. The portal's mailer is built from its settings, as
//! `serve` builds it.

use crate::activation::{order, send_now, setup};
use crate::both_backends;
use crate::helpers::{Backend, TestApp};
use app::state::Clock;
use server::smtp::SmtpMailer;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub(crate) const USER: &str = "portal@licensing.example";
pub(crate) const SECRET: &str = "s3cret-submission-password";

/// The Python that has aiosmtpd: `./portal test` installs it.
fn python() -> Option<PathBuf> {
    let path = std::env::var_os("PORTAL_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".local/share/vl-portal-tools/python/bin/python3")
        });
    let has_aiosmtpd = Command::new(&path)
        .args(["-c", "import aiosmtpd"])
        .status()
        .is_ok_and(|s| s.success());
    if has_aiosmtpd {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "no Python with aiosmtpd at {} and CI is set (./portal test installs it)",
        path.display()
    );
    println!(
        "skipped: no Python with aiosmtpd at {} (./portal test installs it)",
        path.display()
    );
    None
}

/// A running aiosmtpd; stopped when dropped.
pub(crate) struct MailServer {
    child: Child,
    dir: PathBuf,
    pub(crate) port: u16,
}

impl MailServer {
    /// `mode` is `starttls` or `tls`; the certificate names `cert_host`.
    pub(crate) fn start(mode: &str, cert_host: &str, drop_first_data: bool) -> Option<Self> {
        let python = python()?;
        let dir = std::env::temp_dir().join(format!(
            "vl-portal-mail-{}-{}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/mail_server.py");
        let mut command = Command::new(python);
        command
            .arg(script)
            .arg(&dir)
            .args([mode, cert_host, USER, SECRET])
            .stdout(Stdio::piped())
            // Its own log (TLS handshakes the tests make fail, warnings) stays beside it.
            .stderr(std::fs::File::create(dir.join("server.log")).unwrap());
        if drop_first_data {
            command.arg("drop-first-data");
        }
        let mut child = command.spawn().expect("the mail server starts");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .parse()
            .expect("the mail server prints its port");
        Some(MailServer { child, dir, port })
    }

    pub(crate) fn ca_file(&self) -> String {
        self.dir.join("ca.pem").display().to_string()
    }

    /// What the server logged: its MAIL commands and accepted messages.
    fn received(&self, event: &str) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.dir.join("received.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|v| v["event"] == event)
            .collect()
    }
}

impl Drop for MailServer {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

/// The portal's mailer for `url`, with the user, `password` and the run's CA
/// given beside it, as an operator sets them.
fn mailer(server: &MailServer, url: &str, password: &str) -> SmtpMailer {
    let mut settings = server::Settings::from_lookup(|_| None).unwrap();
    settings.smtp_url = Some(url.to_string());
    settings.smtp_user = Some(USER.into());
    settings.smtp_password = Some(server::smtp::submission::Password(password.into()));
    settings.smtp_ca_file = Some(server.ca_file());
    SmtpMailer::from_settings(&settings)
        .unwrap()
        .unwrap()
        .with_timeout(Duration::from_secs(5))
}

/// One activation email queued for the fixture's enrollment.
async fn one_activation_email(backend: Backend) -> TestApp {
    let (app, f) = setup(backend).await;
    order(&app, &f.own, &["M365-E3"], 0, "mail-submission").await;
    app::activation::engine::decide_pending(&app.db, &app.state.link_keys, app.clock.now(), 10)
        .await
        .unwrap();
    app
}

async fn outbox_row(app: &TestApp) -> (String, i64, String, Option<String>) {
    sqlx::query_as("SELECT status, attempts, message_id, last_error FROM outbox")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

async fn failure_kinds(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT kind FROM delivery_failures ORDER BY id")
        .fetch_all(app.db.pool())
        .await
        .unwrap()
}

async fn delivered_over_starttls_with_auth(backend: Backend) {
    let Some(server) = MailServer::start("starttls", "localhost", false) else {
        return;
    };
    let app = one_activation_email(backend).await;
    let url = format!("smtp://localhost:{}?tls=starttls", server.port);
    assert_eq!(send_now(&app, &mailer(&server, &url, SECRET)).await, 1);
    let (status, _, message_id, _) = outbox_row(&app).await;
    assert_eq!(status, "sent");
    let messages = server.received("message");
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m["tls"], true, "sent inside TLS");
    assert_eq!(m["login"], USER, "signed in");
    assert_eq!(m["message_id"], message_id.as_str());
    assert_eq!(m["to"][0], "osm@contoso.example");
    let data = m["data"].as_str().unwrap();
    assert!(
        data.contains("Subject: Sign in or register to start using your new subscription."),
        "{data}"
    );
    for part in [
        "Content-Type: multipart/alternative;",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Type: text/html; charset=utf-8",
    ] {
        assert!(data.contains(part), "{part} in {data}");
    }
}

both_backends!(delivered_over_starttls_with_auth);

async fn delivered_over_implicit_tls(backend: Backend) {
    let Some(server) = MailServer::start("tls", "localhost", false) else {
        return;
    };
    let app = one_activation_email(backend).await;
    let url = format!("smtps://localhost:{}", server.port);
    assert_eq!(send_now(&app, &mailer(&server, &url, SECRET)).await, 1);
    let messages = server.received("message");
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["tls"], true);
    assert_eq!(messages[0]["login"], USER);
}

both_backends!(delivered_over_implicit_tls);

/// Credentials the server refuses are a permanent failure: the message is
/// given up on its first try, with the server's reason, which support reads
/// on the delivery timeline; nothing reaches the server's MAIL command.
async fn a_wrong_password_fails_the_message_at_once_with_the_servers_reason(backend: Backend) {
    let Some(server) = MailServer::start("starttls", "localhost", false) else {
        return;
    };
    let app = one_activation_email(backend).await;
    let url = format!("smtp://localhost:{}?tls=starttls", server.port);
    assert_eq!(send_now(&app, &mailer(&server, &url, "wrong")).await, 0);
    let (status, attempts, _, error) = outbox_row(&app).await;
    assert_eq!((status.as_str(), attempts), ("failed", 1));
    let error = error.unwrap();
    assert!(error.starts_with("535"), "{error}");
    assert_eq!(failure_kinds(&app).await, ["rejected"]);
    assert!(server.received("mail").is_empty(), "no envelope sent");
    app.clock.advance(Duration::from_secs(3600));
    assert_eq!(
        send_now(&app, &mailer(&server, &url, SECRET)).await,
        0,
        "given up: not tried again"
    );
    assert!(server.received("message").is_empty());

    let d = crate::activation::diagnosed_by_support(&app).await;
    assert!(
        d.timeline
            .iter()
            .any(|t| t.event.contains("refused it for good") && t.event.contains("535")),
        "{:#?}",
        d.timeline
    );
}

both_backends!(a_wrong_password_fails_the_message_at_once_with_the_servers_reason);

/// A certificate for another name is refused: no message, not even the
/// envelope, goes in plain text; the try is retried later.
async fn a_certificate_that_does_not_match_is_refused_and_nothing_is_sent(backend: Backend) {
    let Some(server) = MailServer::start("starttls", "wrong.example", false) else {
        return;
    };
    let app = one_activation_email(backend).await;
    let url = format!("smtp://localhost:{}?tls=starttls", server.port);
    assert_eq!(send_now(&app, &mailer(&server, &url, SECRET)).await, 0);
    let (status, attempts, _, _) = outbox_row(&app).await;
    assert_eq!(
        (status.as_str(), attempts),
        ("queued", 1),
        "tried again later"
    );
    assert_eq!(failure_kinds(&app).await, ["insecure"]);
    assert!(server.received("mail").is_empty(), "no envelope sent");
    assert!(server.received("message").is_empty());

    let implicit = MailServer::start("tls", "wrong.example", false).unwrap();
    app.clock.advance(Duration::from_secs(3600));
    let url = format!("smtps://localhost:{}", implicit.port);
    assert_eq!(send_now(&app, &mailer(&implicit, &url, SECRET)).await, 0);
    assert!(implicit.received("mail").is_empty());
    assert_eq!(failure_kinds(&app).await, ["insecure", "insecure"]);
}

both_backends!(a_certificate_that_does_not_match_is_refused_and_nothing_is_sent);

/// A server that drops the connection in the middle of DATA gets the message
/// again, with the same Message-ID, and accepts it once.
async fn a_connection_dropped_mid_data_is_sent_again_with_the_same_message_id(backend: Backend) {
    let Some(server) = MailServer::start("starttls", "localhost", true) else {
        return;
    };
    let app = one_activation_email(backend).await;
    let url = format!("smtp://localhost:{}?tls=starttls", server.port);
    let mailer = mailer(&server, &url, SECRET);
    assert_eq!(send_now(&app, &mailer).await, 0);
    assert_eq!(failure_kinds(&app).await, ["unreachable"]);
    app.clock.advance(Duration::from_secs(3600));
    assert_eq!(send_now(&app, &mailer).await, 1);
    let (status, attempts, message_id, _) = outbox_row(&app).await;
    assert_eq!((status.as_str(), attempts), ("sent", 2));
    let messages = server.received("message");
    assert_eq!(messages.len(), 1, "accepted once");
    assert_eq!(messages[0]["message_id"], message_id.as_str());
    assert_eq!(server.received("mail").len(), 2, "two tries reached DATA");
}

both_backends!(a_connection_dropped_mid_data_is_sent_again_with_the_same_message_id);
