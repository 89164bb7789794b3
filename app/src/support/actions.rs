//! What support does on a ticket: resend the activation email (R4), correct an
//! OSM's address within its domain (R5), reactivate an expired link (R9),
//! remap an enrollment's licenses to another online account (R10). Each runs
//! in one transaction with its ticket, its action log and its audit entries,
//! so a retry or a double click never sends or changes anything twice.

use super::tickets::{self, asked_by, request_key};
use super::{OsmCorrectionReason, RemapPreview, TicketKind};
use crate::access::Task;
use crate::access::{visible, VisibleEnrollment};
use crate::activation::outbox;
use crate::activation::templates::Template;
use crate::audit::trail::{record, Event};
use crate::auth::CurrentUser;
use crate::contacts::propagation;
use crate::contacts::ContactDetails;
use crate::db::Tx;
use crate::domain::{
    add_months, format_date, format_time, parse_account_domain, ContactType, EmailAddress,
};
use crate::error::AppError;
use crate::keys::link;
use crate::state::AppState;

#[derive(sqlx::FromRow)]
struct Activation {
    id: i64,
    recipient_email: String,
    expires_at: i64,
    used_at: Option<i64>,
    link_version: i64,
    account_domain: Option<String>,
}

async fn ols_activation(tx: &mut Tx, enrollment_id: i64) -> Result<Option<Activation>, AppError> {
    Ok(sqlx::query_as::<_, Activation>(
        "SELECT a.id, a.recipient_email, a.expires_at, a.used_at, a.link_version, o.domain AS account_domain \
         FROM activations a LEFT JOIN online_accounts o ON o.id = a.account_id \
         WHERE a.enrollment_id = $1 AND a.kind = 'ols'",
    )
    .bind(enrollment_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Why the activation email cannot be sent again, if it cannot (R4, R9).
fn resend_refusal(activation: Option<&Activation>, now: i64) -> Option<String> {
    match activation {
        None => Some(
            "No activation email has been sent for this enrollment yet: it goes out with the first online order."
                .into(),
        ),
        Some(a) if a.used_at.is_some() => Some(format!(
            "The enrollment is already activated: its licenses are bound to {}. There is nothing to resend.",
            a.account_domain.clone().unwrap_or_else(|| "an online account".into())
        )),
        Some(a) if now >= a.expires_at => Some(format!(
            "The activation link expired on {}: reactivate it instead, which sends a new link.",
            format_time(a.expires_at)
        )),
        Some(_) => None,
    }
}

/// Queues the activation email again, with a link to the same activation, to `to`.
async fn queue_again(
    tx: &mut Tx,
    enrollment: i64,
    activation: &Activation,
    to: &str,
    now: i64,
) -> Result<(), AppError> {
    if to != activation.recipient_email {
        sqlx::query("UPDATE activations SET recipient_email = $1 WHERE id = $2")
            .bind(to)
            .bind(activation.id)
            .execute(&mut **tx)
            .await?;
    }
    outbox::enqueue(tx, activation.id, enrollment, to, Template::Ols, now, now).await?;
    Ok(())
}

fn audit<'a>(
    enrollment: &VisibleEnrollment,
    user: &CurrentUser,
    ticket: i64,
    action: &'a str,
    now: i64,
) -> Event<'a> {
    Event {
        organisation_id: Some(enrollment.customer_id),
        enrollment_id: Some(enrollment.id),
        actor_id: Some(user.id),
        action,
        subject: format!("Enrollment {} (ticket #{ticket})", enrollment.number),
        at: now,
        ticket_id: Some(ticket),
        ..Event::default()
    }
}

/// Sends the activation email again to `to` for a ticket, logs it, closes the
/// ticket and records the audit entry.
async fn resend_on_ticket(
    tx: &mut Tx,
    (enrollment, user, ticket): (&VisibleEnrollment, &CurrentUser, i64),
    activation: &Activation,
    to: &str,
    detail: &str,
    now: i64,
) -> Result<(), AppError> {
    if !tickets::close(tx, ticket, "done", detail, now).await? {
        return Err(AppError::Conflict(
            "This ticket has already been worked; its page shows what was done.".into(),
        ));
    }
    queue_again(tx, enrollment.id, activation, to, now).await?;
    tickets::log(
        tx,
        ticket,
        user.id,
        "Resent the activation email",
        detail,
        now,
    )
    .await?;
    let mut event = audit(
        enrollment,
        user,
        ticket,
        "Activation email resent by support",
        now,
    );
    event.before = Some(activation.recipient_email.clone());
    event.after = Some(to.to_string());
    record(tx, event).await
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

/// What every console form brings, read and checked: the ticket it asks
/// for, the enrollment, who asked, and the form's key.
struct TicketForm<'k> {
    kind: TicketKind,
    enrollment: VisibleEnrollment,
    asked_by: String,
    key: &'k str,
}

/// Reads a console form. `Ok(Err(id))`: this form already opened ticket `id`
/// (a double click or a retry), and nothing more is to be done.
async fn read_form<'k>(
    state: &AppState,
    user: &CurrentUser,
    kind: TicketKind,
    (enrollment, who, key): (&str, &str, &'k str),
) -> Result<Result<TicketForm<'k>, i64>, AppError> {
    Task::Support.allows(user)?;
    let key = request_key(key)?;
    if let Some(done) = tickets::opened_by_form(&state.db, key, kind).await? {
        return Ok(Err(done));
    }
    Ok(Ok(TicketForm {
        kind,
        enrollment: enrollment_named(state, user, enrollment).await?,
        asked_by: asked_by(who)?,
        key,
    }))
}

impl TicketForm<'_> {
    /// Opens the form's ticket in `tx`; `Err(id)` as for [`read_form`].
    async fn open(
        &self,
        tx: &mut Tx,
        user: &CurrentUser,
        now: i64,
    ) -> Result<Result<i64, i64>, AppError> {
        tickets::open(
            tx,
            self.kind,
            &self.enrollment,
            &self.asked_by,
            user.id,
            self.key,
            now,
        )
        .await
    }
}

/// R4: sends the activation email again to the same address, on a new ticket.
pub async fn resend(
    state: &AppState,
    user: &CurrentUser,
    enrollment: &str,
    who: &str,
    key: &str,
) -> Result<i64, AppError> {
    let form = match read_form(
        state,
        user,
        TicketKind::ResendActivation,
        (enrollment, who, key),
    )
    .await?
    {
        Ok(form) => form,
        Err(done) => return Ok(done),
    };
    let enrollment = &form.enrollment;
    let now = state.now_unix();
    let mut tx = state.db.begin().await?;
    let activation = ols_activation(&mut tx, enrollment.id).await?;
    if let Some(reason) = resend_refusal(activation.as_ref(), now) {
        return Err(AppError::Conflict(reason));
    }
    let activation = activation.ok_or(AppError::Internal)?;
    let ticket = match form.open(&mut tx, user, now).await? {
        Ok(id) => id,
        Err(existing) => return Ok(existing),
    };
    let to = activation.recipient_email.clone();
    let detail = format!("Activation email queued again to {to}.");
    resend_on_ticket(
        &mut tx,
        (enrollment, user, ticket),
        &activation,
        &to,
        &detail,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(ticket)
}

/// R7: works a ticket a CICR opened ("send the activation email again after the
/// change"): the email goes to the enrollment's current OSM, else its NTC.
/// A ticket that cannot be worked is closed as refused, with the reason.
pub async fn send_for_ticket(
    state: &AppState,
    user: &CurrentUser,
    ticket: i64,
) -> Result<i64, AppError> {
    Task::Support.allows(user)?;
    let now = state.now_unix();
    let mut tx = state.db.begin().await?;
    // Locks the ticket first, so that of two clicks the second sees it done.
    sqlx::query("UPDATE support_tickets SET status = status WHERE id = $1")
        .bind(ticket)
        .execute(&mut *tx)
        .await?;
    let (enrollment_number, status) = sqlx::query_as::<_, (String, String)>(
        "SELECT e.enrollment_number, t.status FROM support_tickets t JOIN enrollments e ON e.id = t.enrollment_id \
         WHERE t.id = $1 AND t.kind = 'resend_activation'",
    )
    .bind(ticket)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if status != "open" {
        return Ok(ticket);
    }
    let enrollment = visible(&state.db, user, &enrollment_number).await?;
    let activation = ols_activation(&mut tx, enrollment.id).await?;
    if let Some(reason) = resend_refusal(activation.as_ref(), now) {
        tickets::log(&mut tx, ticket, user.id, "Could not resend", &reason, now).await?;
        tickets::close(&mut tx, ticket, "refused", &reason, now).await?;
        tx.commit().await?;
        return Ok(ticket);
    }
    let activation = activation.ok_or(AppError::Internal)?;
    let to = current_recipient(&mut tx, enrollment.id)
        .await?
        .unwrap_or(activation.recipient_email.clone());
    let detail = format!("Activation email queued to {to}, the enrollment's current contact.");
    resend_on_ticket(
        &mut tx,
        (&enrollment, user, ticket),
        &activation,
        &to,
        &detail,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(ticket)
}

async fn current_recipient(tx: &mut Tx, enrollment_id: i64) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar::<_, String>(
        "SELECT email FROM enrollment_contacts WHERE enrollment_id = $1 AND contact_type IN ('osm', 'ntc') \
         ORDER BY CASE contact_type WHEN 'osm' THEN 0 ELSE 1 END LIMIT 1",
    )
    .bind(enrollment_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// An OSM correction as the console's form submits it.
#[derive(Debug, Clone, Copy)]
pub struct OsmCorrection<'a> {
    pub enrollment: &'a str,
    pub new_email: &'a str,
    pub reason: &'a str,
    pub retrigger: bool,
    pub asked_by: &'a str,
    pub request_key: &'a str,
}

/// R5: corrects the OSM's address in eMSL, only within the same email domain,
/// whatever the reason; it reaches VLSC and explore.ms like any change.
/// Optionally sends the activation email again to the new address.
pub async fn correct_osm(
    state: &AppState,
    user: &CurrentUser,
    input: OsmCorrection<'_>,
) -> Result<i64, AppError> {
    let fields = (input.enrollment, input.asked_by, input.request_key);
    let form = match read_form(state, user, TicketKind::CorrectOsm, fields).await? {
        Ok(form) => form,
        Err(done) => return Ok(done),
    };
    let enrollment = &form.enrollment;
    let reason = OsmCorrectionReason::parse(input.reason)
        .ok_or_else(|| AppError::invalid("reason", "Choose the reason for the correction."))?;
    let new =
        EmailAddress::parse(input.new_email).map_err(|m| AppError::invalid("new_email", m))?;
    let now = state.now_unix();
    let mut tx = state.db.begin().await?;
    let (name, old, phone, version) = sqlx::query_as::<_, (String, String, String, i64)>(
        "SELECT name, email, phone, version FROM enrollment_contacts WHERE enrollment_id = $1 AND contact_type = 'osm'",
    )
    .bind(enrollment.id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| {
        AppError::invalid(
            "new_email",
            "This enrollment has no OSM to correct: adding one takes a CICR, which the customer's partner submits.",
        )
    })?;
    let old = EmailAddress::parse(&old).map_err(|_| AppError::Internal)?;
    if old == new {
        return Err(AppError::invalid(
            "new_email",
            "This is already the OSM's address.",
        ));
    }
    if old.domain() != new.domain() {
        return Err(AppError::invalid(
            "new_email",
            format!(
                "Support changes an OSM's address only within its email domain: {} to {} is a change of OSM, \
                 which takes a Contract Information Change Request that the customer's partner submits (R6).",
                old.domain(),
                new.domain()
            ),
        ));
    }
    let ticket = match form.open(&mut tx, user, now).await? {
        Ok(id) => id,
        Err(existing) => return Ok(existing),
    };
    let written = sqlx::query(
        "UPDATE enrollment_contacts SET email = $1, version = $2 WHERE enrollment_id = $3 AND contact_type = 'osm' AND version = $4",
    )
    .bind(new.as_str())
    .bind(version + 1)
    .bind(enrollment.id)
    .bind(version)
    .execute(&mut *tx)
    .await?;
    if written.rows_affected() != 1 {
        return Err(AppError::Conflict(
            "The OSM changed meanwhile. Reload and try again.".into(),
        ));
    }
    let details = ContactDetails {
        name,
        email: new.as_str().to_string(),
        phone,
    };
    let due = now + state.propagation_delay.as_secs() as i64;
    propagation::schedule(
        &mut tx,
        None,
        enrollment.id,
        ContactType::OnlineServicesManager,
        version + 1,
        &details,
        due,
    )
    .await?;
    sqlx::query("UPDATE propagation_jobs SET ticket_id = $1 WHERE enrollment_id = $2 AND contact_type = 'osm' AND version = $3")
        .bind(ticket)
        .bind(enrollment.id)
        .bind(version + 1)
        .execute(&mut *tx)
        .await?;
    let detail = format!(
        "OSM address changed in eMSL from {} to {} ({}, R5).",
        old.as_str(),
        new.as_str(),
        reason.label()
    );
    tickets::log(
        &mut tx,
        ticket,
        user.id,
        "Corrected the OSM's address",
        &detail,
        now,
    )
    .await?;
    let mut event = audit(
        enrollment,
        user,
        ticket,
        "OSM address corrected by support",
        now,
    );
    event.before = Some(old.as_str().to_string());
    event.after = Some(new.as_str().to_string());
    event.reason = Some(reason.label().to_string());
    record(&mut tx, event).await?;
    let mut outcome = detail;
    if input.retrigger {
        let activation = ols_activation(&mut tx, enrollment.id).await?;
        match resend_refusal(activation.as_ref(), now) {
            Some(why) => {
                tickets::log(
                    &mut tx,
                    ticket,
                    user.id,
                    "Did not resend the activation email",
                    &why,
                    now,
                )
                .await?;
                outcome = format!("{outcome} The activation email was not sent again: {why}");
            }
            None => {
                let activation = activation.ok_or(AppError::Internal)?;
                queue_again(&mut tx, enrollment.id, &activation, new.as_str(), now).await?;
                let sent = format!("Activation email queued to {}.", new.as_str());
                tickets::log(
                    &mut tx,
                    ticket,
                    user.id,
                    "Resent the activation email",
                    &sent,
                    now,
                )
                .await?;
                outcome = format!("{outcome} {sent}");
            }
        }
    }
    tickets::close(&mut tx, ticket, "done", &outcome, now).await?;
    tx.commit().await?;
    Ok(ticket)
}

/// R9: a new link for an expired activation, valid six months from now; the old
/// link stays dead. Sends it to the same recipient.
pub async fn reactivate(
    state: &AppState,
    user: &CurrentUser,
    enrollment: &str,
    who: &str,
    key: &str,
) -> Result<i64, AppError> {
    let form = match read_form(state, user, TicketKind::Reactivate, (enrollment, who, key)).await? {
        Ok(form) => form,
        Err(done) => return Ok(done),
    };
    let enrollment = &form.enrollment;
    let now_time = state.clock.now();
    let now = now_time.unix_timestamp();
    let mut tx = state.db.begin().await?;
    let activation = ols_activation(&mut tx, enrollment.id).await?;
    let activation = match activation {
        None => {
            return Err(AppError::Conflict(
                resend_refusal(None, now).unwrap_or_default(),
            ))
        }
        Some(a) if a.used_at.is_some() => {
            return Err(AppError::Conflict(
                resend_refusal(Some(&a), now).unwrap_or_default(),
            ))
        }
        Some(a) if now < a.expires_at => {
            return Err(AppError::Conflict(format!(
                "The link is still valid until {}: resend it instead.",
                format_time(a.expires_at)
            )))
        }
        Some(a) => a,
    };
    let ticket = match form.open(&mut tx, user, now).await? {
        Ok(id) => id,
        Err(existing) => return Ok(existing),
    };
    let key = state.link_keys.current();
    let version = activation.link_version + 1;
    let expires_at = add_months(now_time.date(), 6)
        .with_time(now_time.time())
        .assume_utc()
        .unix_timestamp();
    let changed = sqlx::query(
        "UPDATE activations SET link_version = $1, token_hash = $2, link_key_id = $6, expires_at = $3 \
         WHERE id = $4 AND link_version = $5",
    )
    .bind(version)
    .bind(link::token_hash(&link::token(key, activation.id, version)))
    .bind(expires_at)
    .bind(activation.id)
    .bind(activation.link_version)
    .bind(key.id())
    .execute(&mut *tx)
    .await?;
    if changed.rows_affected() != 1 {
        return Err(AppError::Conflict(
            "The link was reactivated meanwhile. Reload the ticket list.".into(),
        ));
    }
    outbox::enqueue(
        &mut tx,
        activation.id,
        enrollment.id,
        &activation.recipient_email,
        Template::Ols,
        now,
        now,
    )
    .await?;
    let until = format_date(add_months(now_time.date(), 6));
    let detail = format!(
        "New activation link sent to {}, valid until {until}; the expired link stays dead.",
        activation.recipient_email
    );
    tickets::log(
        &mut tx,
        ticket,
        user.id,
        "Reactivated the activation link",
        &detail,
        now,
    )
    .await?;
    tickets::close(&mut tx, ticket, "done", &detail, now).await?;
    let mut event = audit(
        enrollment,
        user,
        ticket,
        "Activation link reactivated by support",
        now,
    );
    event.before = Some(format!("Expired on {}", format_time(activation.expires_at)));
    event.after = Some(format!("Valid until {until}"));
    record(&mut tx, event).await?;
    tx.commit().await?;
    Ok(ticket)
}

/// What a remap of `enrollment` to the account `domain` would move: the
/// preview, and the ids of the account it leaves and the one it joins.
async fn remap_facts(
    state: &AppState,
    enrollment: &VisibleEnrollment,
    domain: &str,
) -> Result<(RemapPreview, i64, i64), AppError> {
    let domain = parse_account_domain(domain).map_err(|m| AppError::invalid("domain", m))?;
    let (name, from_id, from_domain) = sqlx::query_as::<_, (String, i64, String)>(
        "SELECT e.name, a.id, a.domain FROM enrollments e JOIN enrollment_accounts ea ON ea.enrollment_id = e.id \
         JOIN online_accounts a ON a.id = ea.account_id WHERE e.id = $1",
    )
    .bind(enrollment.id)
    .fetch_optional(state.db.pool())
    .await?
    .ok_or_else(|| {
        AppError::invalid(
            "enrollment",
            "This enrollment is not associated with an online account yet: there is nothing to remap; its activation link binds it.",
        )
    })?;
    let to_id = sqlx::query_scalar::<_, i64>("SELECT id FROM online_accounts WHERE domain = $1")
        .bind(&domain)
        .fetch_optional(state.db.pool())
        .await?
        .ok_or_else(|| AppError::invalid("domain", "No online account has this domain."))?;
    if to_id == from_id {
        return Err(AppError::invalid(
            "domain",
            format!("The enrollment is already associated with {domain}."),
        ));
    }
    Ok((
        RemapPreview {
            enrollment_number: enrollment.number.clone(),
            enrollment_name: name,
            from_domain,
            to_domain: domain,
        },
        from_id,
        to_id,
    ))
}

/// R10: what a remap would do, for the agent to confirm.
pub async fn remap_preview(
    state: &AppState,
    user: &CurrentUser,
    enrollment: &str,
    domain: &str,
) -> Result<RemapPreview, AppError> {
    Task::Support.allows(user)?;
    let enrollment = enrollment_named(state, user, enrollment).await?;
    Ok(remap_facts(state, &enrollment, domain).await?.0)
}

/// R10: moves the enrollment's association to the named account; later orders
/// join that account.
pub async fn remap(
    state: &AppState,
    user: &CurrentUser,
    enrollment: &str,
    domain: &str,
    who: &str,
    key: &str,
) -> Result<i64, AppError> {
    let form = match read_form(state, user, TicketKind::Remap, (enrollment, who, key)).await? {
        Ok(form) => form,
        Err(done) => return Ok(done),
    };
    let enrollment = &form.enrollment;
    let (preview, from_id, to_id) = remap_facts(state, enrollment, domain).await?;
    let now = state.now_unix();
    let mut tx = state.db.begin().await?;
    let ticket = match form.open(&mut tx, user, now).await? {
        Ok(id) => id,
        Err(existing) => return Ok(existing),
    };
    let moved = sqlx::query(
        "UPDATE enrollment_accounts SET account_id = $1, associated_at = $2 WHERE enrollment_id = $3 AND account_id = $4",
    )
    .bind(to_id)
    .bind(now)
    .bind(enrollment.id)
    .bind(from_id)
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() != 1 {
        return Err(AppError::Conflict(
            "The enrollment's account changed meanwhile. Review the remap again.".into(),
        ));
    }
    sqlx::query(
        "UPDATE activations SET account_id = $1 WHERE enrollment_id = $2 AND account_id = $3",
    )
    .bind(to_id)
    .bind(enrollment.id)
    .bind(from_id)
    .execute(&mut *tx)
    .await?;
    let detail = format!(
        "Licenses of enrollment {} moved from {} to {}; later orders join {}.",
        enrollment.number, preview.from_domain, preview.to_domain, preview.to_domain
    );
    tickets::log(
        &mut tx,
        ticket,
        user.id,
        "Remapped the licenses",
        &detail,
        now,
    )
    .await?;
    tickets::close(&mut tx, ticket, "done", &detail, now).await?;
    let mut event = audit(
        enrollment,
        user,
        ticket,
        "Licenses remapped by support",
        now,
    );
    event.before = Some(preview.from_domain.clone());
    event.after = Some(preview.to_domain.clone());
    record(&mut tx, event).await?;
    tx.commit().await?;
    Ok(ticket)
}
