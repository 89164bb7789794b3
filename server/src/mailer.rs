//! Where the outbox delivers: a mail server over SMTP, or the demo Mailbox
//! when none is configured.

use crate::smtp::SmtpMailer;
use app::mail::{Deliver, DeliveryError, DemoMailbox, Outcome, OutgoingEmail};
use tokio::sync::mpsc;

/// Where the workers deliver.
#[derive(Clone)]
pub enum Mailer {
    Smtp(SmtpMailer),
    Demo(DemoMailbox),
}

impl Deliver for Mailer {
    async fn deliver(&self, email: &OutgoingEmail) -> Result<(), DeliveryError> {
        match self {
            Mailer::Smtp(m) => m.deliver(email).await,
            Mailer::Demo(m) => m.deliver(email).await,
        }
    }

    async fn deliver_stream(
        &self,
        emails: mpsc::Receiver<Vec<OutgoingEmail>>,
        outcomes: mpsc::UnboundedSender<Vec<Outcome>>,
    ) {
        match self {
            Mailer::Smtp(m) => m.deliver_stream(emails, outcomes).await,
            Mailer::Demo(m) => m.deliver_stream(emails, outcomes).await,
        }
    }
}
