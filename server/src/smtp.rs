//! Sending the outbox over SMTP: a few persistent connections with
//! TCP_NODELAY, kept open between batches and opened again after an error,
//! and PIPELINING (RFC 2920) when the server offers it, so a message costs two
//! round trips instead of four.
//!
//! lettre encodes the headers and bodies, which are put together here as its
//! `Message` writes them (see `SmtpMailer::formatted`); the transport is ours
//! because lettre's neither pipelines nor sets TCP_NODELAY, and its body and
//! final `.` leave in two writes that wait on the receiver's delayed
//! acknowledgement (~40 ms each on loopback).

use app::activation::outbox::{Deliver, Outcome, OutgoingEmail};
use lettre::message::header::{
    self, ContentTransferEncoding, ContentType, Header, HeaderValue, Headers,
};
use lettre::message::{Body, Mailbox, Mailboxes};
use lettre::Address;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

/// Connections used side by side by one batch.
pub const CONNECTIONS: usize = 8;
/// A connection idle longer than this is not reused: servers close them.
const IDLE_REUSE: Duration = Duration::from_secs(30);

/// An SMTP server reached at `smtp://host:port`.
#[derive(Clone)]
pub struct SmtpMailer {
    host: String,
    port: u16,
    from: Mailbox,
    /// The `From` header, encoded once.
    from_header: HeaderValue,
    timeout: Duration,
    connections: usize,
    idle: Arc<Mutex<Vec<Connection>>>,
}

impl SmtpMailer {
    /// Reads `smtp://host[:port]` (plain SMTP, as a local relay speaks it).
    pub fn from_url(url: &str, from: &str) -> Result<Self, String> {
        let rest = url
            .strip_prefix("smtp://")
            .ok_or_else(|| format!("SMTP_URL {url:?} must look like smtp://host:port"))?;
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse::<u16>()
                    .map_err(|_| format!("SMTP_URL {url:?} has a bad port"))?,
            ),
            None => (rest, 25),
        };
        if host.is_empty() {
            return Err(format!("SMTP_URL {url:?} names no host"));
        }
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("MAIL_FROM {from:?} is not an address: {e}"))?;
        Ok(SmtpMailer {
            host: host.to_string(),
            port,
            from_header: header::From::from(Mailboxes::from(from.clone())).display(),
            from,
            timeout: Duration::from_secs(20),
            connections: CONNECTIONS,
            idle: Arc::default(),
        })
    }

    /// How long to wait for the server at each step.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The message as it goes on the wire after `DATA`, with its recipient:
    /// see [`SmtpMailer::formatted`].
    pub fn wire(
        &self,
        email: &OutgoingEmail,
        eight_bit: bool,
    ) -> Result<(String, Vec<u8>, bool), String> {
        let to = recipient(email)?;
        let (data, sent_as_8bit) = self.formatted(email, &to, eight_bit)?;
        Ok((to.to_string(), data, sent_as_8bit))
    }

    /// The message as it goes on the wire after `DATA`: dot-stuffed, ending
    /// with the line that holds only `.`. With `eight_bit` (the server offers
    /// 8BITMIME) the body goes as written, unless a line of it is too long
    /// for that; the `bool` returned says whether it did, for the envelope.
    ///
    /// lettre encodes the headers and the body; they are written as its
    /// `Message` writes them (headers, an empty line, the body), without its
    /// builder, which parses the `From` header back to check it (the mailer's
    /// address, checked once when it was configured).
    fn formatted(
        &self,
        email: &OutgoingEmail,
        to: &Address,
        eight_bit: bool,
    ) -> Result<(Vec<u8>, bool), String> {
        let body = eight_bit
            .then(|| eight_bit_body(&email.body))
            .flatten()
            .unwrap_or_else(|| Body::new(email.body.clone()));
        let sent_as_8bit = body.encoding() == ContentTransferEncoding::EightBit;
        let mut headers = Headers::new();
        headers.insert_raw(self.from_header.clone());
        headers.set(header::To::from(Mailboxes::from(Mailbox::new(
            None,
            to.clone(),
        ))));
        headers.set(header::Subject::from(email.subject.clone()));
        headers.set(header::MessageId::from(email.message_id.clone()));
        headers.set(ContentType::TEXT_PLAIN);
        headers.set(body.encoding());
        headers.set(header::Date::now());
        let body = body.into_vec();
        let mut message = Vec::with_capacity(body.len() + 512);
        write!(message, "{headers}\r\n").map_err(|e| format!("cannot format the message: {e}"))?;
        message.extend_from_slice(&body);
        Ok((dot_stuffed(message), sent_as_8bit))
    }

    fn checkout(&self) -> Option<Connection> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(c) = idle.pop() {
            if c.last_used.elapsed() < IDLE_REUSE {
                return Some(c);
            }
        }
        None
    }

    fn checkin(&self, connection: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.connections {
            idle.push(connection);
        }
    }

    /// Sends one message on `connection`, opening one if there is none. A
    /// message the server never received the end of is tried once more on a
    /// new connection; one it may have received is left to the outbox's retry
    /// (with the same Message-ID).
    async fn send_on(
        &self,
        connection: &mut Option<Connection>,
        email: &OutgoingEmail,
    ) -> Result<(), String> {
        let to = recipient(email)?;
        let from = self.from.email.to_string();
        for fresh in [false, true] {
            if fresh || connection.is_none() {
                *connection = None;
                *connection =
                    Some(Connection::open(&self.host, self.port, &from, self.timeout).await?);
            }
            let Some(c) = connection.as_mut() else {
                continue;
            };
            // Formatted for what this connection's server offers.
            let (data, eight_bit) = self.formatted(email, &to, c.eight_bit_mime)?;
            let body = if eight_bit { " BODY=8BITMIME" } else { "" };
            let envelope = format!("MAIL FROM:<{from}>{body}\r\nRCPT TO:<{to}>\r\nDATA\r\n");
            match c.send(&envelope, &data, self.timeout).await {
                Ok(()) => return Ok(()),
                Err(Failure::Refused(reply)) => return Err(reply),
                Err(Failure::NotReceived(_)) if !fresh => continue,
                Err(Failure::NotReceived(e) | Failure::Unknown(e)) => {
                    *connection = None;
                    return Err(e);
                }
            }
        }
        Err("the mail server could not be reached".into())
    }
}

impl Deliver for SmtpMailer {
    async fn deliver(&self, email: &OutgoingEmail) -> Result<(), String> {
        let mut connection = self.checkout();
        let outcome = self.send_on(&mut connection, email).await;
        if let Some(c) = connection {
            self.checkin(c);
        }
        outcome
    }

    /// Up to [`CONNECTIONS`] connections share the stream, each taking the
    /// next handful of messages as soon as it is done with the last, and
    /// reporting their outcomes together. Each connection is a task of its
    /// own, so its replies wake it where the network is polled.
    async fn deliver_stream(
        &self,
        emails: mpsc::Receiver<Vec<OutgoingEmail>>,
        outcomes: mpsc::UnboundedSender<Vec<Outcome>>,
    ) {
        let emails = Arc::new(tokio::sync::Mutex::new(emails));
        let senders: Vec<_> = (0..self.connections)
            .map(|_| {
                let (mailer, emails, outcomes) = (self.clone(), emails.clone(), outcomes.clone());
                tokio::spawn(async move {
                    let mut connection = None;
                    loop {
                        let next = emails.lock().await.recv().await;
                        let Some(handful) = next else { break };
                        if connection.is_none() {
                            connection = mailer.checkout();
                        }
                        let mut done = Vec::with_capacity(handful.len());
                        for email in &handful {
                            let outcome = mailer.send_on(&mut connection, email).await;
                            done.push((email.outbox_id, outcome));
                        }
                        if outcomes.send(done).is_err() {
                            break;
                        }
                    }
                    if let Some(c) = connection {
                        mailer.checkin(c);
                    }
                })
            })
            .collect();
        drop(outcomes);
        for sender in senders {
            if let Err(e) = sender.await {
                tracing::error!(error = %e, "an SMTP connection's task failed");
            }
        }
    }
}

/// `text` as an 8-bit body (8BITMIME): its lines ending in CRLF, if none is
/// longer than SMTP allows (998 bytes, RFC 5321 4.5.3.1.6) or holds a NUL or
/// a bare CR. lettre's own choice of encoding allows 8-bit lines of 76 bytes
/// at most, so it would quote-print nearly every activation email (its link
/// is longer); the limit that matters on the wire is SMTP's.
fn eight_bit_body(text: &str) -> Option<Body> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 32);
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line).as_bytes();
        if line.len() > 998 || memchr::memchr2(b'\0', b'\r', line).is_some() {
            return None;
        }
        if i > 0 {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(line);
    }
    Some(Body::dangerous_pre_encoded(
        out,
        ContentTransferEncoding::EightBit,
    ))
}

/// The outbox holds bare addresses: read as one, without a display name's
/// grammar.
fn recipient(email: &OutgoingEmail) -> Result<Address, String> {
    email.to.parse().map_err(|e| format!("bad recipient: {e}"))
}

/// `.` doubled at the start of a line (RFC 5321 4.5.2), and the final `.`.
/// A message with no such line (nearly all) is only given its end.
fn dot_stuffed(mut message: Vec<u8>) -> Vec<u8> {
    if message.first() == Some(&b'.') || memchr::memmem::find(&message, b"\n.").is_some() {
        let mut out = Vec::with_capacity(message.len() + 16);
        let mut line_start = true;
        for &b in &message {
            if line_start && b == b'.' {
                out.push(b'.');
            }
            out.push(b);
            line_start = b == b'\n';
        }
        message = out;
    }
    if !message.ends_with(b"\r\n") {
        message.extend_from_slice(b"\r\n");
    }
    message.extend_from_slice(b".\r\n");
    message
}

/// How a message failed.
#[derive(Debug)]
enum Failure {
    /// The server answered no; the connection is still good.
    Refused(String),
    /// The connection failed before the end of the message was sent.
    NotReceived(String),
    /// The connection failed after it: the server may have the message.
    Unknown(String),
}

struct Connection {
    stream: BufReader<TcpStream>,
    pipelining: bool,
    /// The server takes 8-bit bodies (8BITMIME).
    eight_bit_mime: bool,
    last_used: Instant,
    /// The line being read, kept between replies.
    line: String,
    /// Whether the current message's end has left: after it, a failure may
    /// come after the server took the message.
    data_sent: bool,
}

/// A server's reply: its code and its text.
struct Reply {
    code: u16,
    text: String,
}

impl Reply {
    fn positive(&self) -> bool {
        (200..400).contains(&self.code)
    }

    /// Whether an `EHLO` reply lists `extension` (a line of its own, after
    /// the code, perhaps with parameters).
    fn offers(&self, extension: &str) -> bool {
        self.text.lines().skip(1).any(|l| {
            l.get(4..)
                .and_then(|k| k.split_whitespace().next())
                .is_some_and(|k| k.eq_ignore_ascii_case(extension))
        })
    }
}

impl Connection {
    async fn open(host: &str, port: u16, from: &str, timeout: Duration) -> Result<Self, String> {
        let unreachable = |e: String| format!("the mail server could not be reached: {e}");
        let stream = tokio::time::timeout(timeout, TcpStream::connect((host, port)))
            .await
            .map_err(|_| unreachable("timed out".into()))?
            .map_err(|e| unreachable(e.to_string()))?;
        stream
            .set_nodelay(true)
            .map_err(|e| unreachable(e.to_string()))?;
        let mut c = Connection {
            stream: BufReader::new(stream),
            pipelining: false,
            eight_bit_mime: false,
            last_used: Instant::now(),
            line: String::new(),
            data_sent: false,
        };
        let greeting = c.reply(timeout).await.map_err(unreachable)?;
        if greeting.code != 220 {
            return Err(greeting.text);
        }
        let name = from.rsplit_once('@').map(|(_, d)| d).unwrap_or("localhost");
        c.write(format!("EHLO {name}\r\n").as_bytes(), timeout)
            .await
            .map_err(unreachable)?;
        let hello = c.reply(timeout).await.map_err(unreachable)?;
        if hello.code == 250 {
            c.pipelining = hello.offers("PIPELINING");
            c.eight_bit_mime = hello.offers("8BITMIME");
        } else {
            c.write(format!("HELO {name}\r\n").as_bytes(), timeout)
                .await
                .map_err(unreachable)?;
            let helo = c.reply(timeout).await.map_err(unreachable)?;
            if helo.code != 250 {
                return Err(helo.text);
            }
        }
        Ok(c)
    }

    async fn write(&mut self, bytes: &[u8], timeout: Duration) -> Result<(), String> {
        tokio::time::timeout(timeout, self.write_now(bytes))
            .await
            .map_err(|_| "timed out writing to the mail server".to_string())?
    }

    async fn write_now(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.stream
            .get_mut()
            .write_all(bytes)
            .await
            .map_err(|e| e.to_string())
    }

    /// Reads one reply, all its lines.
    async fn reply(&mut self, timeout: Duration) -> Result<Reply, String> {
        tokio::time::timeout(timeout, self.reply_now())
            .await
            .map_err(|_| "timed out waiting for the mail server".to_string())?
    }

    async fn reply_now(&mut self) -> Result<Reply, String> {
        let mut text = String::new();
        loop {
            self.line.clear();
            let read = self
                .stream
                .read_line(&mut self.line)
                .await
                .map_err(|e| e.to_string())?;
            if read == 0 {
                return Err("the mail server closed the connection".into());
            }
            let code = self
                .line
                .get(..3)
                .and_then(|c| c.parse::<u16>().ok())
                .ok_or_else(|| "the mail server's reply cannot be read".to_string())?;
            text.push_str(self.line.trim_end());
            if self.line.as_bytes().get(3) != Some(&b'-') {
                return Ok(Reply { code, text });
            }
            text.push('\n');
        }
    }

    /// One message: the envelope (`MAIL`, `RCPT` and `DATA`, one line each),
    /// then the data once the server says go on. One deadline covers the
    /// whole exchange.
    async fn send(
        &mut self,
        envelope: &str,
        data: &[u8],
        timeout: Duration,
    ) -> Result<(), Failure> {
        self.last_used = Instant::now();
        self.data_sent = false;
        match tokio::time::timeout(timeout, self.exchange(envelope, data)).await {
            Ok(outcome) => outcome,
            Err(_) => {
                let e = "timed out waiting for the mail server".to_string();
                Err(if self.data_sent {
                    Failure::Unknown(e)
                } else {
                    Failure::NotReceived(e)
                })
            }
        }
    }

    async fn exchange(&mut self, envelope: &str, data: &[u8]) -> Result<(), Failure> {
        let lost = Failure::NotReceived;
        let mut replies = Vec::with_capacity(3);
        if self.pipelining {
            self.write_now(envelope.as_bytes()).await.map_err(lost)?;
            for _ in 0..3 {
                replies.push(self.reply_now().await.map_err(lost)?);
            }
        } else {
            for command in envelope.split_inclusive("\r\n") {
                self.write_now(command.as_bytes()).await.map_err(lost)?;
                let reply = self.reply_now().await.map_err(lost)?;
                let positive = reply.positive();
                replies.push(reply);
                if !positive {
                    break;
                }
            }
        }
        if let Some(refused) = replies.iter().find(|r| !r.positive()) {
            let refused = refused.text.clone();
            // A DATA the server accepted after all needs an (empty) end.
            if replies.get(2).is_some_and(|r| r.code == 354) {
                self.write_now(b".\r\n").await.map_err(lost)?;
                self.reply_now().await.map_err(lost)?;
            }
            self.write_now(b"RSET\r\n").await.map_err(lost)?;
            self.reply_now().await.map_err(lost)?;
            return Err(Failure::Refused(refused));
        }
        if replies.get(2).map(|r| r.code) != Some(354) {
            return Err(Failure::NotReceived(
                "the mail server did not accept the message data".into(),
            ));
        }
        self.write_now(data).await.map_err(lost)?;
        self.data_sent = true;
        let accepted = self.reply_now().await.map_err(Failure::Unknown)?;
        if accepted.code == 250 {
            Ok(())
        } else {
            Err(Failure::Refused(accepted.text))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{dot_stuffed, eight_bit_body};

    #[test]
    fn a_line_that_starts_with_a_dot_is_stuffed_and_the_message_ends_with_a_dot_line() {
        assert_eq!(
            dot_stuffed(b"Subject: x\r\n\r\n.hidden\r\nend".to_vec()),
            b"Subject: x\r\n\r\n..hidden\r\nend\r\n.\r\n".to_vec()
        );
        assert_eq!(dot_stuffed(b".\r\n".to_vec()), b"..\r\n.\r\n".to_vec());
        assert_eq!(
            dot_stuffed(b"Subject: x\r\n\r\nno dot. here\r\n".to_vec()),
            b"Subject: x\r\n\r\nno dot. here\r\n.\r\n".to_vec()
        );
    }

    #[test]
    fn an_eight_bit_body_has_crlf_lines_and_refuses_what_smtp_cannot_carry() {
        let body = eight_bit_body("Line × one\nline two\r\n").unwrap();
        assert_eq!(body.into_vec(), "Line × one\r\nline two\r\n".as_bytes());
        assert!(eight_bit_body(&"x".repeat(998)).is_some());
        assert!(eight_bit_body(&"x".repeat(999)).is_none());
        assert!(eight_bit_body("a\0b").is_none());
        assert!(eight_bit_body("a\rb").is_none());
    }

    #[test]
    fn a_message_is_written_as_lettres_builder_writes_it() {
        use lettre::message::header::ContentType;
        use lettre::message::Mailbox;
        let mailer =
            super::SmtpMailer::from_url("smtp://127.0.0.1:25", "Portal <portal@example.com>")
                .unwrap();
        let email = app::activation::outbox::OutgoingEmail {
            outbox_id: 1,
            to: "osm@contoso.example".into(),
            subject: "Sign in or register to start using your new subscription.".into(),
            body: "Microsoft 365 E3 × 3\n.\nhttp://portal.example/activate/abc\n".into(),
            message_id: "<1@portal.example>".into(),
        };
        let (to, ours, eight_bit) = mailer.wire(&email, false).unwrap();
        assert_eq!(to, "osm@contoso.example");
        assert!(!eight_bit);
        let theirs = lettre::Message::builder()
            .from("Portal <portal@example.com>".parse().unwrap())
            .to(Mailbox::new(None, "osm@contoso.example".parse().unwrap()))
            .subject(email.subject.clone())
            .message_id(Some(email.message_id.clone()))
            .header(ContentType::TEXT_PLAIN)
            .body(email.body.clone())
            .unwrap()
            .formatted();
        let without_date = |m: &[u8]| {
            String::from_utf8(m.to_vec())
                .unwrap()
                .split("\r\n")
                .filter(|l| !l.starts_with("Date: "))
                .collect::<Vec<_>>()
                .join("\r\n")
        };
        assert!(String::from_utf8_lossy(&ours).contains("\r\nDate: "));
        assert_eq!(
            without_date(&ours),
            without_date(&dot_stuffed(theirs)),
            "the same headers, in the same order, and the same body"
        );
    }
}
