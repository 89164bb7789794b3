//! R5: the OSM's address corrected in eMSL, only within its email domain; it
//! reaches VLSC and explore.ms like any change, and the activation email may
//! be sent again to the new address.

use super::activation::{queue_again, resendable};
use super::{work, ConsoleForm, OnTicket, TicketWork, Worked};
use crate::audit::trail::record;
use crate::auth::CurrentUser;
use crate::contacts::emsl::{write_contact, EmslWrite};
use crate::contacts::ContactDetails;
use crate::db::Tx;
use crate::domain::TicketId;
use crate::domain::{ContactType, EmailAddress, Template};
use crate::error::AppError;
use crate::mail::{enqueue_one, Message, Queued};
use crate::state::AppState;
use crate::support::{tickets, OsmCorrectionReason, TicketKind};

/// Why there is nothing to correct.
pub(super) const NO_OSM: &str =
    "This enrollment has no OSM to correct: adding one takes a CICR, which the customer's partner submits.";

/// An OSM correction as the console's form submits it.
#[derive(Debug, Clone, Copy)]
pub struct OsmCorrection<'a> {
    pub form: ConsoleForm<'a>,
    pub new_email: &'a str,
    pub reason: &'a str,
    pub retrigger: bool,
}

/// What the checks found: the OSM as eMSL has it, and the address it gets.
struct Correction {
    osm: ContactDetails,
    old: EmailAddress,
    new: EmailAddress,
    version: i64,
    reason: OsmCorrectionReason,
}

struct CorrectOsm<'a>(OsmCorrection<'a>);

impl TicketWork for CorrectOsm<'_> {
    type Checked = Correction;
    const KIND: TicketKind = TicketKind::CorrectOsm;

    async fn check(&self, tx: &mut Tx, on: &OnTicket<'_>) -> Result<Correction, AppError> {
        let input = self.0;
        let reason = OsmCorrectionReason::parse(input.reason)
            .ok_or_else(|| AppError::invalid("reason", "Choose the reason for the correction."))?;
        let new =
            EmailAddress::parse(input.new_email).map_err(|m| AppError::invalid("new_email", m))?;
        let (name, old, phone, version) = sqlx::query_as::<_, (String, String, String, i64)>(
            "SELECT name, email, phone, version FROM enrollment_contacts WHERE enrollment_id = $1 AND contact_type = $2",
        )
        .bind(on.enrollment.id)
        .bind(ContactType::OnlineServicesManager.code())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| {
            AppError::invalid("new_email", NO_OSM)
        })?;
        let old_address = EmailAddress::parse(&old).map_err(|_| AppError::Internal)?;
        if old_address == new {
            return Err(AppError::invalid(
                "new_email",
                "This is already the OSM's address.",
            ));
        }
        if old_address.domain() != new.domain() {
            return Err(AppError::invalid(
                "new_email",
                format!(
                    "Support changes an OSM's address only within its email domain: {} to {} is a change of OSM, \
                     which takes a Contract Information Change Request that the customer's partner submits.",
                    old_address.domain(),
                    new.domain()
                ),
            ));
        }
        Ok(Correction {
            osm: ContactDetails {
                name,
                email: new.as_str().to_string(),
                phone,
            },
            old: old_address,
            new,
            version,
            reason,
        })
    }

    async fn act(
        &self,
        tx: &mut Tx,
        on: &OnTicket<'_>,
        ticket: TicketId,
        c: Correction,
    ) -> Result<String, AppError> {
        let now = on.at();
        let written = write_contact(
            tx,
            EmslWrite {
                enrollment_id: on.enrollment.id,
                contact_type: ContactType::OnlineServicesManager,
                details: &c.osm,
                base_version: c.version,
                change_id: None,
                ticket_id: Some(ticket),
                due_at: now + on.state.propagation_delay.as_secs() as i64,
            },
        )
        .await?;
        if written.is_err() {
            return Err(AppError::Conflict(
                "The OSM changed meanwhile. Reload and try again.".into(),
            ));
        }
        let detail = format!(
            "OSM address changed in eMSL from {} to {} ({}).",
            c.old.as_str(),
            c.new.as_str(),
            c.reason.label()
        );
        tickets::log(
            tx,
            ticket,
            on.user.id,
            "Corrected the OSM's address",
            &detail,
            now,
        )
        .await?;
        let mut event = on.audit(ticket, "OSM address corrected by support");
        event.before = Some(c.old.as_str().to_string());
        event.after = Some(c.new.as_str().to_string());
        event.reason = Some(c.reason.label().to_string());
        record(tx, event).await?;
        // The OSM hears of it at the corrected address, once: with the change.
        let message = Message::Notice {
            template: Template::OsmAddressCorrected,
            enrollment_id: Some(on.enrollment.id.0),
            text: osm_notice(&c, &on.enrollment.number),
            path: format!("/enrollments/{}", on.enrollment.number),
        };
        enqueue_one(
            tx,
            Queued {
                message,
                to: c.new.as_str().to_string(),
                not_before: now,
            },
            now,
        )
        .await?;
        if !self.0.retrigger {
            return Ok(detail);
        }
        Ok(match resendable(tx, on.enrollment.id, now).await? {
            Err(why) => {
                let action = "Did not resend the activation email";
                tickets::log(tx, ticket, on.user.id, action, &why, now).await?;
                format!("{detail} The activation email was not sent again: {why}")
            }
            Ok(activation) => {
                queue_again(tx, on.enrollment.id, &activation, c.new.as_str(), now).await?;
                let sent = format!("Activation email queued to {}.", c.new.as_str());
                let action = "Resent the activation email";
                tickets::log(tx, ticket, on.user.id, action, &sent, now).await?;
                format!("{detail} {sent}")
            }
        })
    }
}

/// R5: corrects the OSM's address in eMSL, only within the same email domain,
/// whatever the reason; optionally sends the activation email again to the
/// new address.
pub async fn correct_osm(
    state: &AppState,
    user: &CurrentUser,
    input: OsmCorrection<'_>,
) -> Result<Worked, AppError> {
    work(state, user, input.form, CorrectOsm(input)).await
}

/// What the OSM reads when support corrected their address.
fn osm_notice(c: &Correction, enrollment_number: &str) -> String {
    format!(
        "Hello {},\n\nVolume Licensing support corrected your email address as the online services \
         manager of enrollment {enrollment_number}: it was {} and is now {} ({}).\n\n\
         If you did not expect this, contact Volume Licensing support. The enrollment:",
        c.osm.name,
        c.old.as_str(),
        c.new.as_str(),
        c.reason.label().to_lowercase()
    )
}
