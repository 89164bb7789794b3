//! Server side of contact changes: submission and routing (R7), the
//! operations-center decision, applying a change to eMSL, and the tracker.

use super::routing::{route, Route};
use super::{BillingDetails, ChangeSummary, ChangeTracker, ContactDetails, Hop, HopState};
use crate::access::{self, Scope, Task};
use crate::audit::trail::{record, Event};
use crate::auth::CurrentUser;
use crate::db::{Db, Tx};
use crate::domain::{
    format_time, required_text, ContactType, EmailAddress, PersonName, PhoneNumber,
};
use crate::error::AppError;
use crate::state::AppState;

/// The billing fields of the manual CICR form, as submitted.
#[derive(Debug, Clone, Copy, Default)]
pub struct BillingInput<'a> {
    pub address: &'a str,
    pub city: &'a str,
    pub postal_code: &'a str,
    pub country: &'a str,
    pub purchase_order: &'a str,
}

/// A change request as submitted.
#[derive(Debug, Clone, Copy)]
pub struct ChangeInput<'a> {
    pub enrollment: &'a str,
    pub contact: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub reason: &'a str,
    pub resend_activation: bool,
    pub billing: BillingInput<'a>,
    /// The eMSL version of each contact when the form was opened: `pri:3,osm:1`.
    pub versions: &'a str,
    pub request_key: &'a str,
}

/// The message for a change that lost a race with another one.
pub const CHANGED_SINCE_OPENED: &str = "This contact changed since you opened the page. \
Reload the page to see the current details, then submit your change again if it is still needed.";

/// The version of `contact_type` in a form's `versions` field (0: none existed).
pub fn version_in(versions: &str, contact_type: ContactType) -> Result<i64, AppError> {
    let stale = || {
        AppError::invalid(
            "form",
            "The form could not be read. Reload the page and try again.",
        )
    };
    versions
        .split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|pair| {
            let (code, version) = pair.split_once(':').ok_or_else(stale)?;
            let version = version.trim().parse::<i64>().map_err(|_| stale())?;
            Ok((code.trim().to_string(), version))
        })
        .collect::<Result<Vec<_>, AppError>>()
        .map(|pairs| {
            pairs
                .into_iter()
                .find(|(c, _)| c == contact_type.code())
                .map(|(_, v)| v)
                .unwrap_or(0)
        })
}

/// The form's `versions` field for an enrollment's current contacts.
pub fn versions_field(contacts: &[(ContactType, i64)]) -> String {
    contacts
        .iter()
        .map(|(t, v)| format!("{}:{v}", t.code()))
        .collect::<Vec<_>>()
        .join(",")
}

struct Validated {
    contact_type: ContactType,
    route: Route,
    name: PersonName,
    email: EmailAddress,
    phone: PhoneNumber,
    reason: String,
    billing: Option<BillingDetails>,
}

fn validate(input: &ChangeInput<'_>) -> Result<Validated, AppError> {
    let (contact_type, route) =
        route(input.contact).map_err(|m| AppError::invalid("contact", m))?;
    let name = PersonName::parse(input.name).map_err(|m| AppError::invalid("name", m))?;
    let email = EmailAddress::parse(input.email).map_err(|m| AppError::invalid("email", m))?;
    let phone = PhoneNumber::parse(input.phone).map_err(|m| AppError::invalid("phone", m))?;
    let reason = required_text(input.reason, "reason for the change", 500)
        .map_err(|m| AppError::invalid("reason", m))?;
    let billing = match route {
        Route::NoTouch => None,
        Route::Manual => {
            let b = input.billing;
            let field = |value: &str, field: &str, label: &str, max: usize| {
                required_text(value, label, max).map_err(|m| AppError::invalid(field, m))
            };
            let purchase_order = b.purchase_order.trim();
            if purchase_order.chars().count() > 50 {
                return Err(AppError::invalid(
                    "purchase_order",
                    "The purchase order reference has at most 50 characters.",
                ));
            }
            Some(BillingDetails {
                address: field(b.address, "billing_address", "billing address", 200)?,
                city: field(b.city, "billing_city", "billing city", 100)?,
                postal_code: field(
                    b.postal_code,
                    "billing_postal_code",
                    "billing postal code",
                    20,
                )?,
                country: field(b.country, "billing_country", "billing country", 60)?,
                purchase_order: purchase_order.to_string(),
            })
        }
    };
    Ok(Validated {
        contact_type,
        route,
        name,
        email,
        phone,
        reason,
        billing,
    })
}

/// The eMSL record of one contact: its details and version.
async fn current_contact(
    tx: &mut Tx,
    enrollment_id: i64,
    contact_type: &str,
) -> Result<Option<(ContactDetails, i64)>, AppError> {
    Ok(sqlx::query_as::<_, (String, String, String, i64)>(
        "SELECT name, email, phone, version FROM enrollment_contacts \
         WHERE enrollment_id = $1 AND contact_type = $2",
    )
    .bind(enrollment_id)
    .bind(contact_type)
    .fetch_optional(&mut **tx)
    .await?
    .map(|(name, email, phone, version)| (ContactDetails { name, email, phone }, version)))
}

/// Submits a CICR (R7): PRI, NTC and OSM changes are applied to eMSL at once;
/// bill-to changes wait in the ROC queue; OLAs are refused with guidance. The
/// same form key submitted again answers with the first request's reference.
pub async fn submit(
    state: &AppState,
    user: &CurrentUser,
    input: ChangeInput<'_>,
) -> Result<String, AppError> {
    let enrollment = access::records::change_request(&state.db, user, input.enrollment).await?;
    let key = input.request_key.trim();
    if key.len() < 16 || key.len() > 64 {
        return Err(AppError::invalid(
            "form",
            "The form is out of date. Reload the page and try again.",
        ));
    }
    if let Some(reference) = by_request_key(state.db.pool(), key, user.id).await? {
        return Ok(reference);
    }
    let v = validate(&input)?;
    let base_version = version_in(input.versions, v.contact_type)?;
    let now = state.now_unix();

    let mut tx = state.db.begin().await?;
    if let Some(reference) = by_request_key(&mut *tx, key, user.id).await? {
        return Ok(reference);
    }
    let current = current_contact(&mut tx, enrollment.id, v.contact_type.code()).await?;
    let current_version = current.as_ref().map(|(_, version)| *version).unwrap_or(0);
    if current_version != base_version {
        drop(tx);
        return twin_or(
            state,
            key,
            user,
            AppError::Conflict(CHANGED_SINCE_OPENED.into()),
        )
        .await;
    }
    let requested = ContactDetails {
        name: v.name.as_str().to_string(),
        email: v.email.as_str().to_string(),
        phone: v.phone.as_str().to_string(),
    };
    if current.as_ref().is_some_and(|(c, _)| *c == requested) {
        return Err(AppError::invalid(
            "name",
            "These are already the contact's details: change at least one of name, email or phone.",
        ));
    }
    let previous = current.map(|(c, _)| c);
    let billing = v.billing.clone().unwrap_or(BillingDetails {
        address: String::new(),
        city: String::new(),
        postal_code: String::new(),
        country: String::new(),
        purchase_order: String::new(),
    });
    let status = match v.route {
        Route::NoTouch => "propagating",
        Route::Manual => "awaiting_roc",
    };
    let id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO contact_changes (reference, enrollment_id, customer_id, partner_id, contact_type, route, \
         status, new_name, new_email, new_phone, old_name, old_email, old_phone, reason, billing_address, \
         billing_city, billing_postal_code, billing_country, purchase_order, resend_activation, base_version, \
         submitted_by, submitted_at, request_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
         $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24) \
         ON CONFLICT (request_key) DO NOTHING RETURNING id",
    )
    .bind(format!("pending-{key}"))
    .bind(enrollment.id)
    .bind(enrollment.customer_id)
    .bind(enrollment.partner_id)
    .bind(v.contact_type.code())
    .bind(v.route.code())
    .bind(status)
    .bind(&requested.name)
    .bind(&requested.email)
    .bind(&requested.phone)
    .bind(previous.as_ref().map(|p| p.name.clone()))
    .bind(previous.as_ref().map(|p| p.email.clone()))
    .bind(previous.as_ref().map(|p| p.phone.clone()))
    .bind(&v.reason)
    .bind(v.billing.as_ref().map(|_| billing.address.clone()))
    .bind(v.billing.as_ref().map(|_| billing.city.clone()))
    .bind(v.billing.as_ref().map(|_| billing.postal_code.clone()))
    .bind(v.billing.as_ref().map(|_| billing.country.clone()))
    .bind(v.billing.as_ref().map(|_| billing.purchase_order.clone()))
    .bind(i64::from(input.resend_activation))
    .bind(base_version)
    .bind(user.id)
    .bind(now)
    .bind(key)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else {
        // A twin request committed first: answer with its reference.
        drop(tx);
        return by_request_key(state.db.pool(), key, user.id)
            .await?
            .ok_or(AppError::Internal);
    };
    let reference = format!("CICR-{id:06}");
    sqlx::query("UPDATE contact_changes SET reference = $1 WHERE id = $2")
        .bind(&reference)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    record(
        &mut tx,
        Event {
            organisation_id: Some(enrollment.customer_id),
            enrollment_id: Some(enrollment.id),
            actor_id: Some(user.id),
            action: "CICR submitted",
            subject: format!(
                "{reference}: {} of enrollment {}",
                v.contact_type.label(),
                enrollment.number
            ),
            before: previous.as_ref().map(describe),
            after: Some(describe(&requested)),
            reason: Some(v.reason.clone()),
            at: now,
            ticket_id: None,
            security: false,
        },
    )
    .await?;
    if v.route == Route::NoTouch {
        if let Err(e) = apply_to_emsl(&mut tx, state, id, user.id).await {
            drop(tx);
            return twin_or(state, key, user, e).await;
        }
    }
    tx.commit().await?;
    Ok(reference)
}

/// A request that lost a race may have lost it to its own twin (the same form
/// submitted twice): then the twin's reference is the answer, not `error`.
async fn twin_or(
    state: &AppState,
    key: &str,
    user: &CurrentUser,
    error: AppError,
) -> Result<String, AppError> {
    match by_request_key(state.db.pool(), key, user.id).await? {
        Some(reference) => Ok(reference),
        None => Err(error),
    }
}

async fn by_request_key<'e, E>(
    executor: E,
    key: &str,
    user_id: i64,
) -> Result<Option<String>, AppError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(sqlx::query_scalar::<_, String>(
        "SELECT reference FROM contact_changes WHERE request_key = $1 AND submitted_by = $2",
    )
    .bind(key)
    .bind(user_id)
    .fetch_optional(executor)
    .await?)
}

/// A contact's details in one line, for the audit trail.
pub fn describe(c: &ContactDetails) -> String {
    format!("{} <{}> {}", c.name, c.email, c.phone)
}

#[derive(sqlx::FromRow)]
struct ChangeRow {
    id: i64,
    reference: String,
    enrollment_id: i64,
    enrollment_number: String,
    customer_id: i64,
    contact_type: String,
    route: String,
    status: String,
    new_name: String,
    new_email: String,
    new_phone: String,
    old_name: Option<String>,
    old_email: Option<String>,
    old_phone: Option<String>,
    reason: String,
    billing_address: Option<String>,
    billing_city: Option<String>,
    billing_postal_code: Option<String>,
    billing_country: Option<String>,
    purchase_order: Option<String>,
    resend_activation: i64,
    base_version: i64,
    applied_version: Option<i64>,
    submitted_by_name: String,
    submitted_at: i64,
    decided_by_name: Option<String>,
    decided_at: Option<i64>,
    decision_comment: Option<String>,
    applied_at: Option<i64>,
    completed_at: Option<i64>,
    submitted_by: i64,
}

const CHANGE_SELECT: &str = "SELECT c.id, c.reference, c.enrollment_id, e.enrollment_number, c.customer_id, \
     c.contact_type, c.route, c.status, c.new_name, c.new_email, c.new_phone, c.old_name, c.old_email, \
     c.old_phone, c.reason, c.billing_address, c.billing_city, c.billing_postal_code, c.billing_country, \
     c.purchase_order, c.resend_activation, c.base_version, c.applied_version, \
     s.display_name AS submitted_by_name, c.submitted_at, d.display_name AS decided_by_name, c.decided_at, \
     c.decision_comment, c.applied_at, c.completed_at, c.submitted_by \
     FROM contact_changes c JOIN enrollments e ON e.id = c.enrollment_id \
     JOIN users s ON s.id = c.submitted_by LEFT JOIN users d ON d.id = c.decided_by";

impl ChangeRow {
    fn requested(&self) -> ContactDetails {
        ContactDetails {
            name: self.new_name.clone(),
            email: self.new_email.clone(),
            phone: self.new_phone.clone(),
        }
    }

    fn contact_type(&self) -> Result<ContactType, AppError> {
        ContactType::parse(&self.contact_type).map_err(|e| {
            tracing::error!(error = %e, "bad contact type in database");
            AppError::Internal
        })
    }
}

/// Writes an accepted change to eMSL (the master record), only over the
/// version the request was made against, and schedules its copy to VLSC and
/// explore.ms after the propagation delay. Opens the support ticket for an
/// activation resend when one was asked for (R7).
async fn apply_to_emsl(
    tx: &mut Tx,
    state: &AppState,
    change_id: i64,
    actor_id: i64,
) -> Result<(), AppError> {
    let change = sqlx::query_as::<_, ChangeRow>(&format!("{CHANGE_SELECT} WHERE c.id = $1"))
        .bind(change_id)
        .fetch_one(&mut **tx)
        .await?;
    let contact_type = change.contact_type()?;
    let version = change.base_version + 1;
    let now = state.now_unix();
    let written = if change.base_version == 0 {
        sqlx::query(
            "INSERT INTO enrollment_contacts (enrollment_id, contact_type, name, email, phone, version) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (enrollment_id, contact_type) DO NOTHING",
        )
        .bind(change.enrollment_id)
        .bind(&change.contact_type)
        .bind(&change.new_name)
        .bind(&change.new_email)
        .bind(&change.new_phone)
        .bind(version)
        .execute(&mut **tx)
        .await?
    } else {
        sqlx::query(
            "UPDATE enrollment_contacts SET name = $1, email = $2, phone = $3, version = $4 \
             WHERE enrollment_id = $5 AND contact_type = $6 AND version = $7",
        )
        .bind(&change.new_name)
        .bind(&change.new_email)
        .bind(&change.new_phone)
        .bind(version)
        .bind(change.enrollment_id)
        .bind(&change.contact_type)
        .bind(change.base_version)
        .execute(&mut **tx)
        .await?
    };
    if written.rows_affected() == 0 {
        return Err(AppError::Conflict(CHANGED_SINCE_OPENED.into()));
    }
    // Only an accepted request is applied: no-touch ones are accepted when
    // submitted, manual ones when ROC approves them.
    let accepted = sqlx::query(
        "UPDATE contact_changes SET applied_version = $1, applied_at = $2 \
         WHERE id = $3 AND status = 'propagating' AND applied_at IS NULL",
    )
    .bind(version)
    .bind(now)
    .bind(change_id)
    .execute(&mut **tx)
    .await?;
    if accepted.rows_affected() != 1 {
        return Err(AppError::Conflict(
            "This request is not waiting to be applied; the tracker shows where it stands.".into(),
        ));
    }
    let due = now + state.propagation_delay.as_secs() as i64;
    super::propagation::schedule(
        tx,
        Some(change_id),
        change.enrollment_id,
        contact_type,
        version,
        &change.requested(),
        due,
    )
    .await?;
    let previous = change.old_name.as_ref().map(|name| ContactDetails {
        name: name.clone(),
        email: change.old_email.clone().unwrap_or_default(),
        phone: change.old_phone.clone().unwrap_or_default(),
    });
    record(
        tx,
        Event {
            organisation_id: Some(change.customer_id),
            enrollment_id: Some(change.enrollment_id),
            actor_id: Some(actor_id),
            action: "Contact changed in eMSL",
            subject: format!(
                "{}: {} of enrollment {}",
                change.reference,
                contact_type.label(),
                change.enrollment_number
            ),
            before: previous.as_ref().map(describe),
            after: Some(describe(&change.requested())),
            reason: Some(change.reason.clone()),
            at: now,
            ticket_id: None,
            security: false,
        },
    )
    .await?;
    if change.resend_activation == 1 {
        sqlx::query(
            "INSERT INTO support_tickets (kind, enrollment_id, customer_id, change_id, status, requested_by, opened_at) \
             VALUES ('resend_activation', $1, $2, $3, 'open', $4, $5) ON CONFLICT (change_id) DO NOTHING",
        )
        .bind(change.enrollment_id)
        .bind(change.customer_id)
        .bind(change_id)
        .bind(change.submitted_by)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A ROC operator's decision on a manual CICR. Approving applies the change to
/// eMSL; rejecting closes it. A decision already taken is not taken again.
pub async fn decide(
    state: &AppState,
    user: &CurrentUser,
    reference: &str,
    decision: &str,
    comment: &str,
) -> Result<(), AppError> {
    Task::DecideChangeRequests.allows(user)?;
    let approve = match decision {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::invalid("decision", "Choose approve or reject.")),
    };
    let comment =
        required_text(comment, "comment", 500).map_err(|m| AppError::invalid("comment", m))?;
    let now = state.now_unix();
    let already = || {
        AppError::Conflict(
            "This request has already been decided; the tracker shows the decision.".into(),
        )
    };
    let mut tx = state.db.begin().await?;
    // Locks the request first, so that of two decisions the second sees the first.
    sqlx::query("UPDATE contact_changes SET status = status WHERE reference = $1")
        .bind(reference.trim())
        .execute(&mut *tx)
        .await?;
    let change = sqlx::query_as::<_, ChangeRow>(&format!("{CHANGE_SELECT} WHERE c.reference = $1"))
        .bind(reference.trim())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?;
    if change.status != "awaiting_roc" {
        return Err(already());
    }
    let status = if approve { "propagating" } else { "rejected" };
    let decided = sqlx::query(
        "UPDATE contact_changes SET status = $1, decided_by = $2, decided_at = $3, decision_comment = $4 \
         WHERE id = $5 AND status = 'awaiting_roc'",
    )
    .bind(status)
    .bind(user.id)
    .bind(now)
    .bind(&comment)
    .bind(change.id)
    .execute(&mut *tx)
    .await?;
    if decided.rows_affected() != 1 {
        return Err(already());
    }
    record(
        &mut tx,
        Event {
            organisation_id: Some(change.customer_id),
            enrollment_id: Some(change.enrollment_id),
            actor_id: Some(user.id),
            action: if approve {
                "CICR approved by ROC"
            } else {
                "CICR rejected by ROC"
            },
            subject: format!(
                "{}: bill-to contact of enrollment {}",
                change.reference, change.enrollment_number
            ),
            before: None,
            after: Some(describe(&change.requested())),
            reason: Some(comment.clone()),
            at: now,
            ticket_id: None,
            security: false,
        },
    )
    .await?;
    if approve {
        apply_to_emsl(&mut tx, state, change.id, user.id).await.map_err(|e| match e {
            AppError::Conflict(_) => AppError::Conflict(
                "The bill-to contact changed since this request was submitted, so it cannot be applied. \
                 Reject it with a comment so that the partner can submit a new request."
                    .into(),
            ),
            other => other,
        })?;
    }
    tx.commit().await?;
    Ok(())
}

/// What a system shows for one contact, and since when.
async fn copy_of(
    db: &Db,
    enrollment_id: i64,
    contact_type: &str,
    system: &str,
) -> Result<Option<(ContactDetails, i64)>, AppError> {
    Ok(sqlx::query_as::<_, (String, String, String, i64)>(
        "SELECT name, email, phone, version FROM contact_copies \
         WHERE enrollment_id = $1 AND contact_type = $2 AND system = $3",
    )
    .bind(enrollment_id)
    .bind(contact_type)
    .bind(system)
    .fetch_optional(db.pool())
    .await?
    .map(|(name, email, phone, version)| (ContactDetails { name, email, phone }, version)))
}

fn status_label(status: &str) -> &'static str {
    match status {
        "awaiting_roc" => "Waiting for the operations center (ROC)",
        "rejected" => "Rejected by the operations center",
        "conflict" => "Not applied: the contact changed meanwhile",
        "propagating" => "Applied in eMSL; reaching VLSC and explore.ms",
        "complete" => "Complete: every system shows the change",
        _ => "Unknown",
    }
}

/// The tracker of one change the caller may see.
pub async fn tracker(
    state: &AppState,
    user: &CurrentUser,
    reference: &str,
) -> Result<ChangeTracker, AppError> {
    let db = &state.db;
    let scope = Scope::of(user);
    let change = sqlx::query_as::<_, ChangeRow>(&format!(
        "{CHANGE_SELECT} WHERE {} AND c.reference = $2",
        scope.condition("c")
    ))
    .bind(scope.param())
    .bind(reference.trim())
    .fetch_optional(db.pool())
    .await?
    .ok_or(AppError::NotFound)?;
    let contact_type = change.contact_type()?;
    let manual = change.route == "manual";
    let mut hops = vec![Hop {
        system: if manual {
            "Submitted (CICR form)".into()
        } else {
            "Submitted (VLCM)".into()
        },
        state: HopState::Done,
        detail: format!(
            "By {} on {}.",
            change.submitted_by_name,
            format_time(change.submitted_at)
        ),
        shows: None,
    }];
    if manual {
        let decided_by = change.decided_by_name.clone().unwrap_or_default();
        let comment = change.decision_comment.clone().unwrap_or_default();
        let at = change.decided_at.map(format_time).unwrap_or_default();
        hops.push(match change.status.as_str() {
            "awaiting_roc" => Hop {
                system: "Operations center (ROC) queue".into(),
                state: HopState::Waiting,
                detail: "Logged through CLT; waiting for a ROC operator to approve or reject it."
                    .into(),
                shows: None,
            },
            "rejected" => Hop {
                system: "Operations center (ROC) queue".into(),
                state: HopState::Stopped,
                detail: format!("Rejected by {decided_by} on {at}: {comment}"),
                shows: None,
            },
            _ => Hop {
                system: "Operations center (ROC) queue".into(),
                state: HopState::Done,
                detail: format!("Approved by {decided_by} on {at}: {comment}"),
                shows: None,
            },
        });
    }
    let emsl = sqlx::query_as::<_, (String, String, String)>(
        "SELECT name, email, phone FROM enrollment_contacts WHERE enrollment_id = $1 AND contact_type = $2",
    )
    .bind(change.enrollment_id)
    .bind(&change.contact_type)
    .fetch_optional(db.pool())
    .await?
    .map(|(name, email, phone)| ContactDetails { name, email, phone });
    hops.push(Hop {
        system: "eMSL (master record)".into(),
        state: if change.applied_at.is_some() {
            HopState::Done
        } else if matches!(change.status.as_str(), "rejected" | "conflict") {
            HopState::Stopped
        } else {
            HopState::Waiting
        },
        detail: match change.applied_at {
            Some(at) => format!("Changed on {}.", format_time(at)),
            None if change.status == "rejected" => "Not changed: the request was rejected.".into(),
            None => "Changes once the operations center approves the request.".into(),
        },
        shows: emsl,
    });
    let jobs = sqlx::query_as::<_, (String, i64, Option<i64>)>(
        "SELECT system, due_at, done_at FROM propagation_jobs WHERE change_id = $1",
    )
    .bind(change.id)
    .fetch_all(db.pool())
    .await?;
    for (system, label) in [
        ("vlsc", "VLSC (customer pages)"),
        ("explore", "explore.ms (partner pages)"),
    ] {
        let job = jobs.iter().find(|(s, ..)| s == system);
        let copy = copy_of(db, change.enrollment_id, &change.contact_type, system).await?;
        let superseded = match (&copy, change.applied_version) {
            (Some((_, shown)), Some(applied)) => *shown > applied,
            _ => false,
        };
        let (state, detail) = match job {
            Some((_, _, Some(done))) => (
                HopState::Done,
                format!("Shows the change since {}.", format_time(*done)),
            ),
            Some((_, due, None)) => (
                HopState::Waiting,
                format!("Expected by {}.", format_time(*due)),
            ),
            None if change.status == "rejected" => (
                HopState::Stopped,
                "Not changed: the request was rejected.".into(),
            ),
            None => (HopState::Waiting, "Follows once eMSL has changed.".into()),
        };
        let detail = if superseded {
            format!("{detail} A later change has replaced it since.")
        } else {
            detail
        };
        hops.push(Hop {
            system: label.into(),
            state,
            detail,
            shows: copy.map(|(c, _)| c),
        });
    }
    let resend = if change.resend_activation == 1 {
        let ticket =
            sqlx::query_scalar::<_, i64>("SELECT id FROM support_tickets WHERE change_id = $1")
                .bind(change.id)
                .fetch_optional(db.pool())
                .await?;
        Some(match ticket {
            Some(id) => {
                format!("Support ticket #{id} asks support to send the activation email again.")
            }
            None => {
                "A support ticket to send the activation email again opens once eMSL has changed."
                    .into()
            }
        })
    } else {
        None
    };
    let billing = change
        .billing_address
        .as_ref()
        .map(|address| BillingDetails {
            address: address.clone(),
            city: change.billing_city.clone().unwrap_or_default(),
            postal_code: change.billing_postal_code.clone().unwrap_or_default(),
            country: change.billing_country.clone().unwrap_or_default(),
            purchase_order: change.purchase_order.clone().unwrap_or_default(),
        });
    Ok(ChangeTracker {
        reference: change.reference.clone(),
        enrollment_number: change.enrollment_number.clone(),
        contact_label: contact_type.label().into(),
        route_label: if manual {
            "Manual CICR, worked by the operations center".into()
        } else {
            "No touch: applied to eMSL at once".into()
        },
        status_label: status_label(&change.status).into(),
        complete: change.completed_at.is_some(),
        requested: change.requested(),
        previous: change.old_name.clone().map(|name| ContactDetails {
            name,
            email: change.old_email.clone().unwrap_or_default(),
            phone: change.old_phone.clone().unwrap_or_default(),
        }),
        billing,
        reason: change.reason.clone(),
        hops,
        resend,
        may_decide: Task::DecideChangeRequests.allowed_for(user.role)
            && change.status == "awaiting_roc",
    })
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    reference: String,
    enrollment_number: String,
    contact_type: String,
    new_name: String,
    status: String,
    submitted_at: i64,
}

impl SummaryRow {
    fn summary(self) -> ChangeSummary {
        ChangeSummary {
            contact_label: ContactType::parse(&self.contact_type)
                .map(|t| t.label().to_string())
                .unwrap_or_default(),
            reference: self.reference,
            enrollment_number: self.enrollment_number,
            requested_name: self.new_name,
            status_label: status_label(&self.status).into(),
            submitted_at: format_time(self.submitted_at),
        }
    }
}

/// The latest 200 changes the caller may see; `awaiting_roc` keeps the ROC
/// queue only, oldest first, which only operators see.
pub async fn list(
    db: &Db,
    user: &CurrentUser,
    awaiting_roc: bool,
) -> Result<Vec<ChangeSummary>, AppError> {
    if awaiting_roc {
        Task::ReadOperationsQueue.allows(user)?;
    }
    let scope = Scope::of(user);
    let filter = if awaiting_roc {
        "AND c.status = 'awaiting_roc' ORDER BY c.id"
    } else {
        "ORDER BY c.id DESC"
    };
    let rows = sqlx::query_as::<_, SummaryRow>(&format!(
        "SELECT c.reference, e.enrollment_number, c.contact_type, c.new_name, c.status, c.submitted_at \
         FROM contact_changes c JOIN enrollments e ON e.id = c.enrollment_id \
         WHERE {} {filter} LIMIT 200",
        scope.condition("c")
    ))
    .bind(scope.param())
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(SummaryRow::summary).collect())
}

/// The changes of one enrollment still on their way (for its page).
pub async fn in_flight(db: &Db, enrollment_id: i64) -> Result<Vec<ChangeSummary>, AppError> {
    let rows = sqlx::query_as::<_, SummaryRow>(
        "SELECT c.reference, e.enrollment_number, c.contact_type, c.new_name, c.status, c.submitted_at \
         FROM contact_changes c JOIN enrollments e ON e.id = c.enrollment_id \
         WHERE c.enrollment_id = $1 AND c.status IN ('awaiting_roc', 'propagating') ORDER BY c.id",
    )
    .bind(enrollment_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(SummaryRow::summary).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forms_versions_name_each_contact() {
        let field = versions_field(&[
            (ContactType::Primary, 3),
            (ContactType::OnlineServicesManager, 1),
        ]);
        assert_eq!(field, "pri:3,osm:1");
        assert_eq!(version_in(&field, ContactType::Primary), Ok(3));
        assert_eq!(
            version_in(&field, ContactType::OnlineServicesManager),
            Ok(1)
        );
        assert_eq!(version_in(&field, ContactType::BillTo), Ok(0));
        assert!(version_in("pri:x", ContactType::Primary).is_err());
    }
}
