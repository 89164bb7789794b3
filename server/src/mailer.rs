//! Sending the outbox over SMTP with lettre, and the background workers that
//! decide new orders, send due messages and propagate contact changes.

use app::activation::engine::decide_pending;
use app::activation::outbox::{send_due, Deliver, DemoMailbox, OutgoingEmail};
use app::contacts::propagation::propagate_due;
use app::state::AppState;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// An SMTP server reached at `smtp://host:port`.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl SmtpMailer {
    /// Reads `smtp://host[:port]` (plain SMTP, as a local relay speaks it).
    pub fn from_url(url: &str, from: &str) -> Result<Self, String> {
        let rest = url
            .strip_prefix("smtp://")
            .ok_or_else(|| format!("SMTP_URL {url:?} must look like smtp://host:port"))?;
        let (host, port) = match rest.trim_end_matches('/').rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse::<u16>()
                    .map_err(|_| format!("SMTP_URL {url:?} has a bad port"))?,
            ),
            None => (rest.trim_end_matches('/'), 25),
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = from
            .parse()
            .map_err(|e| format!("MAIL_FROM {from:?} is not an address: {e}"))?;
        Ok(SmtpMailer { transport, from })
    }
}

impl Deliver for SmtpMailer {
    async fn deliver(&self, email: &OutgoingEmail) -> Result<(), String> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(email
                .to
                .parse()
                .map_err(|e| format!("bad recipient: {e}"))?)
            .subject(email.subject.clone())
            .message_id(Some(email.message_id.clone()))
            .header(ContentType::TEXT_PLAIN)
            .body(email.body.clone())
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Where the workers deliver.
#[derive(Clone)]
pub enum Mailer {
    Smtp(SmtpMailer),
    Demo(DemoMailbox),
}

impl Deliver for Mailer {
    async fn deliver(&self, email: &OutgoingEmail) -> Result<(), String> {
        match self {
            Mailer::Smtp(m) => m.deliver(email).await,
            Mailer::Demo(m) => m.deliver(email).await,
        }
    }
}

/// One round of the workers: decide new orders, send what is due, and copy
/// due contact changes to VLSC and explore.ms.
pub async fn work_once(state: &AppState, mailer: &Mailer) -> Result<(usize, usize), app::AppError> {
    let decided = decide_pending(&state.db, &state.link_keys, state.clock.now(), 500).await?;
    let sent = send_due(
        &state.db,
        mailer,
        &state.link_keys,
        &state.public_url,
        state.clock.now(),
        200,
    )
    .await?;
    propagate_due(&state.db, state.now_unix(), 500).await?;
    Ok((decided, sent))
}

/// Runs the workers until the process ends, every `every`.
pub async fn run_workers(state: AppState, mailer: Mailer, every: Duration) {
    loop {
        if let Err(e) = work_once(&state, &mailer).await {
            tracing::error!(error = %e, "activation workers failed a round");
        }
        tokio::time::sleep(every).await;
    }
}
