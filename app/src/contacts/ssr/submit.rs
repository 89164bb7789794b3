//! Submitting a CICR: the form read and checked, routed (R7), written once
//! per form key, and applied to eMSL at once when no one needs to touch it.

use super::apply::apply_to_emsl;
use super::{current_contact, describe};
use crate::access;
use crate::audit::trail::{record, Event};
use crate::auth::CurrentUser;
use crate::contacts::lifecycle::ChangeStatus;
use crate::contacts::routing::{route, Route};
use crate::contacts::{BillingDetails, ContactDetails};
use crate::domain::{required_text, ContactType, EmailAddress, PersonName, PhoneNumber};
use crate::domain::{ChangeId, UserId};
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

/// Submits a CICR (R7): PRI, NTC and OSM changes are applied to eMSL at once;
/// bill-to changes wait in the ROC queue; OLAs are refused with guidance. The
/// same form key submitted again answers with the first request's reference.
pub async fn submit(
    state: &AppState,
    user: &CurrentUser,
    input: ChangeInput<'_>,
) -> Result<String, AppError> {
    let enrollment = access::records::change_request(&state.db, user, input.enrollment).await?;
    let key = crate::keys::submitted_form_key(input.request_key)?;
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
    let status = ChangeStatus::submitted(v.route).code();
    let id = sqlx::query_scalar::<_, ChangeId>(
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
    user_id: UserId,
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
