//! Sending the outbox over SMTP with lettre's transport: STARTTLS or implicit
//! TLS (rustls, certificates checked against the system's roots and an
//! optional `SMTP_CA_FILE`), AUTH PLAIN or LOGIN, and a pool of connections
//! kept open between messages.
//!
//! lettre's blocking transport is used, each send on tokio's blocking
//! threads: its socket timeouts bound every read and write, so a server that
//! stops answering fails the try (its async transport bounds only the
//! connect, and cancelling a send from outside would put a connection in the
//! middle of a message back in its pool).

pub mod submission;

use app::mail::{Deliver, DeliveryError, Outcome, OutgoingEmail};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::PoolConfig;
use lettre::{Address, Message, SmtpTransport, Transport};
use std::sync::Arc;
use std::time::Duration;
use submission::{Security, Submission};
use tokio::sync::mpsc;

/// Connections used side by side by one round.
pub const CONNECTIONS: usize = 8;
/// How long to wait for the server at each step, unless told otherwise.
const TIMEOUT: Duration = Duration::from_secs(20);

/// A mail server reached through lettre.
#[derive(Clone)]
pub struct SmtpMailer {
    submission: Submission,
    /// Extra trusted roots (PEM), from `SMTP_CA_FILE`.
    ca: Option<Arc<Vec<u8>>>,
    from: Mailbox,
    timeout: Duration,
    transport: SmtpTransport,
}

impl SmtpMailer {
    /// A mailer for `submission`, sending as `from`, trusting `ca` (PEM) as
    /// well as the system's roots.
    pub fn new(submission: Submission, from: &str, ca: Option<Vec<u8>>) -> Result<Self, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("MAIL_FROM {from:?} is not an address: {e}"))?;
        let ca = ca.map(Arc::new);
        let transport = transport(&submission, ca.as_deref().map(Vec::as_slice), TIMEOUT)?;
        Ok(SmtpMailer {
            submission,
            ca,
            from,
            timeout: TIMEOUT,
            transport,
        })
    }

    /// The mailer the settings name, if they name a mail server: reads the
    /// password file and the CA file they point to.
    pub fn from_settings(settings: &crate::config::Settings) -> Result<Option<Self>, String> {
        let Some(url) = &settings.smtp_url else {
            return Ok(None);
        };
        let password = match (&settings.smtp_password, &settings.smtp_password_file) {
            (Some(p), _) => Some(p.clone()),
            (None, Some(file)) => Some(submission::Password(
                std::fs::read_to_string(file)
                    .map_err(|e| format!("cannot read SMTP_PASSWORD_FILE {file}: {e}"))?
                    .trim_end_matches(['\r', '\n'])
                    .to_string(),
            )),
            (None, None) => None,
        };
        let given = submission::GivenCredentials {
            user: settings.smtp_user.clone(),
            password,
        };
        let ca = match &settings.smtp_ca_file {
            None => None,
            Some(file) => Some(
                std::fs::read(file).map_err(|e| format!("cannot read SMTP_CA_FILE {file}: {e}"))?,
            ),
        };
        Self::new(Submission::parse(url, given)?, &settings.mail_from, ca).map(Some)
    }

    /// A mailer for a URL without credentials beside it (tests, benchmarks).
    pub fn from_url(url: &str, from: &str) -> Result<Self, String> {
        Self::new(Submission::parse(url, Default::default())?, from, None)
    }

    /// How long to wait for the server at each step.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        if let Ok(transport) = transport(
            &self.submission,
            self.ca.as_deref().map(Vec::as_slice),
            timeout,
        ) {
            self.timeout = timeout;
            self.transport = transport;
        }
        self
    }

    /// The server, as an operator reads it.
    pub fn describe(&self) -> String {
        self.submission.describe()
    }

    /// Connects, says EHLO, sets up TLS and signs in, as a send would, and
    /// says goodbye: nothing is sent. For `server check`.
    pub async fn check(&self) -> Result<(), DeliveryError> {
        let transport = self.transport.clone();
        match tokio::task::spawn_blocking(move || transport.test_connection()).await {
            Ok(Ok(true)) => Ok(()),
            Ok(Ok(false)) => Err(DeliveryError::Unreachable(
                "the mail server did not answer a NOOP".into(),
            )),
            Ok(Err(e)) => Err(delivery_error(&e, self.timeout)),
            Err(e) => Err(DeliveryError::Unreachable(e.to_string())),
        }
    }

    /// The message as it goes on the wire after `DATA`, before dot-stuffing
    /// (for the benchmarks' bare loop).
    pub fn formatted(&self, email: &OutgoingEmail) -> Result<Vec<u8>, DeliveryError> {
        self.message(email).map(|m| m.formatted())
    }

    /// The message as lettre writes it: headers, then a
    /// `multipart/alternative` body of the text and the HTML, each encoded
    /// for any server (quoted-printable where a line is not plain ASCII).
    fn message(&self, email: &OutgoingEmail) -> Result<Message, DeliveryError> {
        let to: Address = email.to.parse().map_err(|e| {
            DeliveryError::Rejected(format!("{:?} is not an email address: {e}", email.to))
        })?;
        Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            .subject(email.subject.clone())
            .message_id(Some(email.message_id.clone()))
            .multipart(MultiPart::alternative_plain_html(
                email.body.clone(),
                email.html.clone(),
            ))
            .map_err(|e| DeliveryError::NotComposed(format!("cannot compose the message: {e}")))
    }
}

/// lettre's transport for `submission`.
fn transport(
    submission: &Submission,
    ca: Option<&[u8]>,
    timeout: Duration,
) -> Result<SmtpTransport, String> {
    let tls_parameters = || {
        let mut builder = TlsParameters::builder(submission.host.clone());
        if let Some(pem) = ca {
            let certificate = Certificate::from_pem(pem)
                .map_err(|e| format!("SMTP_CA_FILE holds no PEM certificate: {e}"))?;
            builder = builder.add_root_certificate(certificate);
        }
        builder
            .build_rustls()
            .map_err(|e| format!("cannot set up TLS for the mail server: {e}"))
    };
    let tls = match submission.security {
        Security::Plain => Tls::None,
        Security::StartTls => Tls::Required(tls_parameters()?),
        Security::ImplicitTls => Tls::Wrapper(tls_parameters()?),
    };
    let mut builder = SmtpTransport::builder_dangerous(submission.host.clone())
        .port(submission.port)
        .tls(tls)
        .timeout(Some(timeout))
        .pool_config(PoolConfig::new().max_size(CONNECTIONS as u32));
    if let Some((user, password)) = &submission.credentials {
        builder = builder
            .credentials(Credentials::new(user.clone(), password.0.clone()))
            .authentication(vec![Mechanism::Plain, Mechanism::Login]);
    }
    Ok(builder.build())
}

/// lettre's error as the outbox reads it: the server's reply where it gave
/// one (5xx permanent, 4xx temporary), else what went wrong on the way.
fn delivery_error(e: &lettre::transport::smtp::Error, timeout: Duration) -> DeliveryError {
    let reason = std::error::Error::source(e)
        .map(|s| s.to_string())
        .unwrap_or_default();
    if let Some(code) = e.status() {
        let code = code.to_string().parse::<u16>().unwrap_or(0);
        return DeliveryError::from_reply(code, &reason);
    }
    match cause(e) {
        Cause::Tls => DeliveryError::Insecure(reason),
        Cause::TimedOut => {
            DeliveryError::TimedOut(format!("no answer within {} s", timeout.as_secs_f64()))
        }
        Cause::Other if e.is_tls() || reason.contains("STARTTLS") => {
            DeliveryError::Insecure(reason)
        }
        Cause::Other => DeliveryError::Unreachable(e.to_string()),
    }
}

/// What lies under a failure that is not a server's reply.
enum Cause {
    /// TLS refused the server (its certificate, its name, the handshake).
    Tls,
    /// A socket timeout: a read past it fails with `WouldBlock` on Unix, a
    /// connect with `TimedOut`.
    TimedOut,
    Other,
}

fn cause(e: &lettre::transport::smtp::Error) -> Cause {
    let mut source = std::error::Error::source(e);
    while let Some(err) = source {
        if err.is::<rustls::Error>() {
            return Cause::Tls;
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if io
                .get_ref()
                .is_some_and(|inner| inner.is::<rustls::Error>())
            {
                return Cause::Tls;
            }
            if matches!(
                io.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ) {
                return Cause::TimedOut;
            }
        }
        source = err.source();
    }
    Cause::Other
}

impl Deliver for SmtpMailer {
    async fn deliver(&self, email: &OutgoingEmail) -> Result<(), DeliveryError> {
        let message = self.message(email)?;
        let transport = self.transport.clone();
        match tokio::task::spawn_blocking(move || transport.send(&message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(delivery_error(&e, self.timeout)),
            Err(e) => Err(DeliveryError::Unreachable(format!(
                "the send was stopped: {e}"
            ))),
        }
    }

    /// [`CONNECTIONS`] senders share the stream, each taking the next
    /// handful of messages as soon as it is done with the last and sending
    /// them one after another on a connection of the pool.
    async fn deliver_stream(
        &self,
        emails: mpsc::Receiver<Vec<OutgoingEmail>>,
        outcomes: mpsc::UnboundedSender<Vec<Outcome>>,
    ) {
        let emails = tokio::sync::Mutex::new(emails);
        let senders = (0..CONNECTIONS).map(|_| async {
            loop {
                let next = emails.lock().await.recv().await;
                let Some(handful) = next else { break };
                let mut done = Vec::with_capacity(handful.len());
                for email in &handful {
                    done.push((email.outbox_id, self.deliver(email).await));
                }
                if outcomes.send(done).is_err() {
                    break;
                }
            }
        });
        futures::future::join_all(senders).await;
    }
}

#[cfg(test)]
mod tests {
    use super::SmtpMailer;
    use app::mail::{DeliveryError, OutgoingEmail};

    fn email(to: &str) -> OutgoingEmail {
        OutgoingEmail {
            outbox_id: 1,
            to: to.into(),
            subject: "Sign in or register to start using your new subscription.".into(),
            body: "Microsoft 365 E3 × 3\n.\nhttp://portal.example/activate/abc\n".into(),
            html: "<p>Microsoft 365 E3 × 3</p>".into(),
            message_id: "<1@portal.example>".into(),
        }
    }

    #[test]
    fn a_message_carries_its_message_id_and_an_encoding_any_server_takes() {
        let mailer =
            SmtpMailer::from_url("smtp://127.0.0.1:25", "Portal <portal@example.com>").unwrap();
        let wire = mailer
            .message(&email("osm@contoso.example"))
            .unwrap()
            .formatted();
        let text = String::from_utf8(wire).unwrap();
        assert!(text.is_ascii(), "{text}");
        assert!(
            text.contains("Message-ID: <1@portal.example>\r\n"),
            "{text}"
        );
        assert!(text.contains("To: osm@contoso.example\r\n"), "{text}");
        assert!(
            text.contains("Content-Transfer-Encoding: quoted-printable"),
            "{text}"
        );
        assert!(text.contains("=C3=97 3"), "{text}");
    }

    #[test]
    fn a_recipient_that_is_no_address_is_refused_for_good() {
        let mailer =
            SmtpMailer::from_url("smtp://127.0.0.1:25", "Portal <portal@example.com>").unwrap();
        let refused = mailer.message(&email("not an address")).unwrap_err();
        assert!(matches!(refused, DeliveryError::Rejected(_)), "{refused:?}");
    }
}
