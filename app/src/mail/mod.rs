//! The portal's email. Features only *say* what to send: they write a
//! [`Message`] to the outbox with [`enqueue`], in the transaction of the change
//! it tells of, so it is sent once however often that change is tried again.
//! The outbox worker ([`sending`]) claims due messages, composes each from
//! what its row names, hands them to a [`Deliver`] (SMTP, or the demo
//! Mailbox) and writes each outcome: sent, tried again after a backoff, or
//! given up with the mail server's reason ([`DeliveryError`]).
//!
//! Below the accounts and the activation engine, which queue messages here;
//! [`sending`] stands above them, since composing a message reads what they
//! wrote.

mod delivery_error;
pub mod demo_mailbox;
pub mod html;
mod outbox;
pub mod queue;
pub mod sending;

pub use delivery_error::DeliveryError;
pub use demo_mailbox::DemoMailbox;
pub use outbox::{backlog, enqueue, enqueue_one, Backlog, Message, Queued};

use std::future::Future;
use tokio::sync::mpsc;

pub use crate::keys::message_id as new_message_id;

/// How long a worker may hold a claimed message before another may take it.
pub const LEASE_SECONDS: i64 = 120;
/// Tries before a message is marked failed.
pub const MAX_ATTEMPTS: i64 = 5;

/// Seconds to wait after the `attempts`-th failed try: 30 s, 1 min, 2 min, 4 min…
pub fn backoff_seconds(attempts: i64) -> i64 {
    30 * (1i64 << (attempts - 1).clamp(0, 10))
}

/// Messages handed to a [`Deliver`] that sends one at a time, side by side.
/// Each SMTP exchange waits on the network more than on this process.
pub const CONCURRENT_DELIVERIES: usize = 16;

/// A message ready to hand to a mail server: its text, and the same words
/// as HTML (see [`html`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub outbox_id: i64,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub html: String,
    pub message_id: String,
}

/// What became of one message: its outbox id, and sent or why not.
pub type Outcome = (i64, Result<(), DeliveryError>);

/// Where messages go: SMTP in production, the demo mailbox in the demo.
pub trait Deliver: Send + Sync {
    /// Hands over one message; a temporary error is retried later, a
    /// permanent one gives the message up.
    fn deliver(
        &self,
        email: &OutgoingEmail,
    ) -> impl Future<Output = Result<(), DeliveryError>> + Send;

    /// Sends every message that arrives on `emails`, a handful at a time,
    /// until it closes, and reports the outcomes of each handful on
    /// `outcomes` as soon as they are known (by outbox id). By default up to
    /// [`CONCURRENT_DELIVERIES`] messages go side by side through
    /// [`Deliver::deliver`].
    fn deliver_stream(
        &self,
        mut emails: mpsc::Receiver<Vec<OutgoingEmail>>,
        outcomes: mpsc::UnboundedSender<Vec<Outcome>>,
    ) -> impl Future<Output = ()> + Send {
        async move {
            while let Some(mut some) = emails.recv().await {
                while some.len() < CONCURRENT_DELIVERIES {
                    match emails.try_recv() {
                        Ok(more) => some.extend(more),
                        Err(_) => break,
                    }
                }
                let done = futures::future::join_all(some.iter().map(|e| self.deliver(e))).await;
                let done = some.iter().map(|e| e.outbox_id).zip(done).collect();
                if outcomes.send(done).is_err() {
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::backoff_seconds;

    #[test]
    fn retries_back_off_exponentially() {
        assert_eq!(backoff_seconds(1), 30);
        assert_eq!(backoff_seconds(2), 60);
        assert_eq!(backoff_seconds(4), 240);
    }
}
