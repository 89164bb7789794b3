//! What support does on a ticket: resend the activation email (R4), correct an
//! OSM's address within its domain (R5), reactivate an expired link (R9),
//! remap an enrollment's licenses to another online account (R10), and send
//! the email a CICR asked for (R7).
//!
//! Every console form is worked one way ([`work`]): the form is read (a form
//! already worked answers with its ticket and does nothing), the action's
//! checks may refuse it before any ticket exists, then the ticket is opened,
//! the action done with its log and audit entries, and the ticket closed, all
//! in one transaction: a retry or a double click never sends or changes
//! anything twice.

mod activation;
mod applicable;
mod correct_osm;
mod reactivate;
mod remap;
mod resend;

pub use applicable::on_enrollment;
pub use correct_osm::{correct_osm, OsmCorrection};
pub use reactivate::reactivate;
pub use remap::{remap, remap_preview};
pub use resend::{resend, send_for_ticket};

use super::tickets::{self, asked_by, Opened};
use super::{TicketKind, TicketStatus};
use crate::access::{visible, Task, VisibleEnrollment};
use crate::audit::trail::Event;
use crate::auth::CurrentUser;
use crate::db::Tx;
use crate::domain::TicketId;
use crate::error::AppError;
use crate::state::AppState;
use time::OffsetDateTime;

/// How a console action came out: the ticket it worked, either now or when
/// the same form was first submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Worked {
    /// The action was done now, on this ticket.
    Now(TicketId),
    /// The same form (or the same ticket) was already worked; nothing more was done.
    Before(TicketId),
}

impl Worked {
    /// The ticket, either way.
    pub fn ticket(self) -> TicketId {
        match self {
            Worked::Now(id) | Worked::Before(id) => id,
        }
    }
}

/// The fields every console form brings, as submitted.
#[derive(Debug, Clone, Copy)]
pub struct ConsoleForm<'a> {
    pub enrollment: &'a str,
    pub asked_by: &'a str,
    pub request_key: &'a str,
}

/// What an action works on: who, which enrollment, and when.
pub(super) struct OnTicket<'a> {
    pub state: &'a AppState,
    pub user: &'a CurrentUser,
    pub enrollment: VisibleEnrollment,
    pub now: OffsetDateTime,
}

impl OnTicket<'_> {
    fn at(&self) -> i64 {
        self.now.unix_timestamp()
    }

    /// The audit entry of an action on `ticket`.
    fn audit<'e>(&self, ticket: TicketId, action: &'e str) -> Event<'e> {
        Event {
            organisation_id: Some(self.enrollment.customer_id),
            enrollment_id: Some(self.enrollment.id),
            actor_id: Some(self.user.id),
            action,
            subject: format!("Enrollment {} (ticket #{ticket})", self.enrollment.number),
            at: self.at(),
            ticket_id: Some(ticket),
            ..Event::default()
        }
    }
}

/// One console action.
pub(super) trait TicketWork {
    /// What the checks found, handed to [`TicketWork::act`].
    type Checked;
    /// The ticket the action opens.
    const KIND: TicketKind;
    /// Reads and checks what the action needs; an error refuses it before any
    /// ticket opens.
    async fn check(&self, tx: &mut Tx, on: &OnTicket<'_>) -> Result<Self::Checked, AppError>;
    /// Does the action on the open ticket, with its log and audit entries;
    /// returns the outcome the ticket is closed with.
    async fn act(
        &self,
        tx: &mut Tx,
        on: &OnTicket<'_>,
        ticket: TicketId,
        checked: Self::Checked,
    ) -> Result<String, AppError>;
}

/// The enrollment a support form names, or a message on its field.
async fn enrollment_named(
    state: &AppState,
    user: &CurrentUser,
    number: &str,
) -> Result<VisibleEnrollment, AppError> {
    AppError::require("enrollment", number, "Enter the enrollment number.")?;
    visible(&state.db, user, number).await.map_err(|e| match e {
        AppError::NotFound => {
            AppError::invalid("enrollment", "There is no enrollment with this number.")
        }
        other => other,
    })
}

/// Works a console form with `action`: the one path of every console action.
pub(super) async fn work<W: TicketWork>(
    state: &AppState,
    user: &CurrentUser,
    form: ConsoleForm<'_>,
    action: W,
) -> Result<Worked, AppError> {
    Task::Support.allows(user)?;
    let key = crate::keys::submitted_form_key(form.request_key)?;
    if let Some(done) = tickets::opened_by_form(&state.db, key, W::KIND).await? {
        return Ok(Worked::Before(done));
    }
    let on = OnTicket {
        enrollment: enrollment_named(state, user, form.enrollment).await?,
        state,
        user,
        now: state.clock.now(),
    };
    let asked_by = asked_by(form.asked_by)?;
    let mut tx = state.db.begin().await?;
    let checked = action.check(&mut tx, &on).await?;
    let opened = tickets::open(
        &mut tx,
        W::KIND,
        &on.enrollment,
        &asked_by,
        user.id,
        key,
        on.at(),
    )
    .await?;
    let ticket = match opened {
        Opened::New(id) => id,
        Opened::Existing(id) => return Ok(Worked::Before(id)),
    };
    let outcome = action.act(&mut tx, &on, ticket, checked).await?;
    tickets::close(&mut tx, ticket, TicketStatus::Done, &outcome, on.at()).await?;
    tx.commit().await?;
    Ok(Worked::Now(ticket))
}
