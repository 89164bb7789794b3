//! The demo mailbox: without a mail server, messages are kept in the
//! database and shown on the Mailbox page (see `activation::demo_mailbox`,
//! which reads them). Delivering the same message twice keeps one copy.

use super::{Deliver, DeliveryError, OutgoingEmail};
use crate::db::Db;
use crate::state::Clock;
use std::sync::Arc;

/// Delivers into the `demo_mailbox` table.
#[derive(Clone, Debug)]
pub struct DemoMailbox {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
}

impl Deliver for DemoMailbox {
    async fn deliver(&self, email: &OutgoingEmail) -> Result<(), DeliveryError> {
        sqlx::query(
            "INSERT INTO demo_mailbox (outbox_id, to_email, subject, body, html, message_id, delivered_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (outbox_id) DO NOTHING",
        )
        .bind(email.outbox_id)
        .bind(&email.to)
        .bind(&email.subject)
        .bind(&email.body)
        .bind(&email.html)
        .bind(&email.message_id)
        .bind(self.clock.now().unix_timestamp())
        .execute(self.db.writer())
        .await
        .map(|_| ())
        .map_err(|e| DeliveryError::Unreachable(format!("the demo mailbox: {e}")))
    }
}
