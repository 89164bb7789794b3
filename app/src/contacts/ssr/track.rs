//! One change's tracker: its facts read from every system, then its hops
//! worked out by `contacts::progress`.

use super::{ChangeRow, CHANGE_SELECT};
use crate::access::{Scope, Task};
use crate::auth::CurrentUser;
use crate::contacts::lifecycle::ChangeStatus;
use crate::contacts::progress::{hops, ChangeFacts, SystemFacts};
use crate::contacts::{BillingDetails, ChangeTracker, ContactDetails};
use crate::db::Db;
use crate::domain::{DownstreamSystem, EnrollmentId};
use crate::error::AppError;
use crate::state::AppState;

/// What a system shows for one contact, and at which version.
async fn copy_of(
    db: &Db,
    enrollment_id: EnrollmentId,
    contact_type: &str,
    system: DownstreamSystem,
) -> Result<Option<(ContactDetails, i64)>, AppError> {
    Ok(sqlx::query_as::<_, (String, String, String, i64)>(
        "SELECT name, email, phone, version FROM contact_copies \
         WHERE enrollment_id = $1 AND contact_type = $2 AND system = $3",
    )
    .bind(enrollment_id)
    .bind(contact_type)
    .bind(system.code())
    .fetch_optional(db.pool())
    .await?
    .map(|(name, email, phone, version)| (ContactDetails { name, email, phone }, version)))
}

/// The change's facts in eMSL and each downstream system.
async fn facts(db: &Db, change: &ChangeRow) -> Result<ChangeFacts, AppError> {
    let emsl = sqlx::query_as::<_, (String, String, String)>(
        "SELECT name, email, phone FROM enrollment_contacts WHERE enrollment_id = $1 AND contact_type = $2",
    )
    .bind(change.enrollment_id)
    .bind(&change.contact_type)
    .fetch_optional(db.pool())
    .await?
    .map(|(name, email, phone)| ContactDetails { name, email, phone });
    let jobs = sqlx::query_as::<_, (String, i64, Option<i64>)>(
        "SELECT system, due_at, done_at FROM propagation_jobs WHERE change_id = $1",
    )
    .bind(change.id)
    .fetch_all(db.pool())
    .await?;
    let mut systems = Vec::new();
    for system in DownstreamSystem::ALL {
        let job = jobs
            .iter()
            .find(|(s, ..)| s == system.code())
            .map(|(_, due, done)| (*due, *done));
        let copy = copy_of(db, change.enrollment_id, &change.contact_type, system).await?;
        systems.push((system, SystemFacts { job, copy }));
    }
    Ok(ChangeFacts {
        manual: change.route == "manual",
        status: change.status()?,
        submitted_by: change.submitted_by_name.clone(),
        submitted_at: change.submitted_at,
        decided_by: change.decided_by_name.clone(),
        decided_at: change.decided_at,
        comment: change.decision_comment.clone(),
        applied_at: change.applied_at,
        applied_version: change.applied_version,
        emsl,
        systems,
    })
}

/// What came of "send the activation email again", when it was asked for.
async fn resend(db: &Db, change: &ChangeRow) -> Result<Option<String>, AppError> {
    if change.resend_activation != 1 {
        return Ok(None);
    }
    let ticket =
        sqlx::query_scalar::<_, i64>("SELECT id FROM support_tickets WHERE change_id = $1")
            .bind(change.id)
            .fetch_optional(db.pool())
            .await?;
    Ok(Some(match ticket {
        Some(id) => {
            format!("Support ticket #{id} asks support to send the activation email again.")
        }
        None => "A support ticket to send the activation email again opens once eMSL has changed."
            .into(),
    }))
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
    let facts = facts(db, &change).await?;
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
        route_label: if facts.manual {
            "Manual CICR, worked by the operations center".into()
        } else {
            "No touch: applied to eMSL at once".into()
        },
        status_label: facts.status.label().into(),
        complete: change.completed_at.is_some(),
        requested: change.requested(),
        previous: change.previous(),
        billing,
        reason: change.reason.clone(),
        hops: hops(&facts),
        resend: resend(db, &change).await?,
        may_decide: Task::DecideChangeRequests.allowed_for(user.role)
            && facts.status == ChangeStatus::AwaitingRoc,
    })
}
