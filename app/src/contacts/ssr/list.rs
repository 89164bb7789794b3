//! The lists of changes: everything a user may see, the operations-center
//! queue, and an enrollment's changes still in flight.

use crate::access::{Scope, Task};
use crate::auth::CurrentUser;
use crate::contacts::lifecycle::ChangeStatus;
use crate::contacts::ChangeSummary;
use crate::db::Db;
use crate::domain::{format_time, ContactType, EnrollmentId};
use crate::error::AppError;

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
            status_label: ChangeStatus::parse(&self.status)
                .map(ChangeStatus::label)
                .unwrap_or("Unknown")
                .into(),
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
        "AND c.status = $2 ORDER BY c.id"
    } else {
        // Keeps `$2` in the query so both lists bind the same arguments.
        "AND $2 = $2 ORDER BY c.id DESC"
    };
    let rows = sqlx::query_as::<_, SummaryRow>(&format!(
        "SELECT c.reference, e.enrollment_number, c.contact_type, c.new_name, c.status, c.submitted_at \
         FROM contact_changes c JOIN enrollments e ON e.id = c.enrollment_id \
         WHERE {} {filter} LIMIT 200",
        scope.condition("c")
    ))
    .bind(scope.param())
    .bind(ChangeStatus::AwaitingRoc.code())
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(SummaryRow::summary).collect())
}

/// The changes of one enrollment still on their way (for its page).
pub async fn in_flight(
    db: &Db,
    enrollment_id: EnrollmentId,
) -> Result<Vec<ChangeSummary>, AppError> {
    let rows = sqlx::query_as::<_, SummaryRow>(
        "SELECT c.reference, e.enrollment_number, c.contact_type, c.new_name, c.status, c.submitted_at \
         FROM contact_changes c JOIN enrollments e ON e.id = c.enrollment_id \
         WHERE c.enrollment_id = $1 AND c.status IN ($2, $3) ORDER BY c.id",
    )
    .bind(enrollment_id)
    .bind(ChangeStatus::AwaitingRoc.code())
    .bind(ChangeStatus::Propagating.code())
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(SummaryRow::summary).collect())
}
