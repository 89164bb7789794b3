//! The lists of changes: everything a user may see, the operations-center
//! queue, and an enrollment's changes still in flight.

use crate::access::{Scope, Task};
use crate::auth::CurrentUser;
use crate::contacts::lifecycle::ChangeStatus;
use crate::contacts::ChangeSummary;
use crate::db::Db;
use crate::domain::{format_time, ContactType, EnrollmentId};
use crate::error::AppError;
use crate::lists::ssr::{count_sql, Column, Kind, Sorting, Value};
use crate::lists::{Direction, Page};

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
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

/// The columns the lists of changes sort by.
const COLUMNS: [Column; 3] = [
    Column {
        key: "submitted",
        sql: "c.id",
        kind: Kind::Integer,
    },
    Column {
        key: "enrollment",
        sql: "e.enrollment_number",
        kind: Kind::Text,
    },
    Column {
        key: "status",
        sql: "c.status",
        kind: Kind::Text,
    },
];

/// A list of changes as the URL asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeFilter {
    /// The operations-center queue only (oldest first by default).
    pub awaiting_roc: bool,
    /// One contact type only, by its code.
    pub contact: String,
    pub sorting: Sorting,
}

impl ChangeFilter {
    /// Reads the list's query string.
    pub fn parse(
        awaiting_roc: bool,
        contact: Option<&str>,
        sort: Option<&str>,
        dir: Option<&str>,
        after: Option<&str>,
        per: Option<&str>,
    ) -> Result<Self, AppError> {
        let contact = contact.unwrap_or_default().trim().to_string();
        if !contact.is_empty() && ContactType::parse(&contact).is_err() {
            return Err(AppError::invalid(
                "contact",
                "Choose a contact from the list.",
            ));
        }
        let default = if awaiting_roc {
            ("submitted", Direction::Ascending)
        } else {
            ("submitted", Direction::Descending)
        };
        Ok(ChangeFilter {
            awaiting_roc,
            contact,
            sorting: Sorting::parse(&COLUMNS, default, sort, dir, after)?.per_page(per)?,
        })
    }
}

/// A page of the changes the caller may see, or of the operations-center
/// queue (operators only), sorted as asked, with how many match.
pub async fn list(
    db: &Db,
    user: &CurrentUser,
    filter: &ChangeFilter,
) -> Result<Page<ChangeSummary>, AppError> {
    if filter.awaiting_roc {
        Task::ReadOperationsQueue.allows(user)?;
    }
    let scope = Scope::of(user);
    let matching = format!(
        "WHERE {} AND ($2 = '' OR c.status = $2) AND ($3 = '' OR c.contact_type = $3)",
        scope.condition("c")
    );
    let status = if filter.awaiting_roc {
        ChangeStatus::AwaitingRoc.code()
    } else {
        ""
    };
    let sorting = &filter.sorting;
    let sql = format!(
        "SELECT c.id, c.reference, e.enrollment_number, c.contact_type, c.new_name, c.status, c.submitted_at \
         FROM contact_changes c JOIN enrollments e ON e.id = c.enrollment_id {matching}{}{}",
        sorting.after_condition("c.id", 4),
        sorting.order_by("c.id")
    );
    let query = sqlx::query_as::<_, SummaryRow>(&sql)
        .bind(scope.param())
        .bind(status)
        .bind(&filter.contact);
    let rows = sorting.bind(query).fetch_all(db.pool()).await?;
    let total: i64 = sqlx::query_scalar(&count_sql(&format!("FROM contact_changes c {matching}")))
        .bind(scope.param())
        .bind(status)
        .bind(&filter.contact)
        .fetch_one(db.pool())
        .await?;
    let column = sorting.column.key;
    Ok(sorting.page(
        rows,
        total,
        |r| {
            let value = match column {
                "enrollment" => Value::Text(r.enrollment_number.clone()),
                "status" => Value::Text(r.status.clone()),
                _ => Value::Integer(r.id),
            };
            (value, r.id)
        },
        SummaryRow::summary,
    ))
}

/// The changes of one enrollment still on their way (for its page).
pub async fn in_flight(
    db: &Db,
    enrollment_id: EnrollmentId,
) -> Result<Vec<ChangeSummary>, AppError> {
    let rows = sqlx::query_as::<_, SummaryRow>(
        "SELECT c.id, c.reference, e.enrollment_number, c.contact_type, c.new_name, c.status, c.submitted_at \
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
