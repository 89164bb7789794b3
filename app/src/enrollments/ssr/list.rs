//! The enrollment list: search, filter and keyset paging.

use super::{SummaryRow, SUMMARY_SELECT};
use crate::access::Scope;
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::enrollments::EnrollmentList;
use crate::error::AppError;

/// The list's search, filter and position.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnrollmentFilter {
    pub query: String,
    pub status: String,
    pub after: String,
}

impl EnrollmentFilter {
    /// Reads the list's query string.
    pub fn parse(
        q: Option<&str>,
        status: Option<&str>,
        after: Option<&str>,
    ) -> Result<Self, AppError> {
        let status = status.unwrap_or_default().trim().to_string();
        if !["", "active", "expired"].contains(&status.as_str()) {
            return Err(AppError::invalid(
                "status",
                "Choose a status from the list.",
            ));
        }
        let query = q.unwrap_or_default().trim().to_string();
        if query.chars().count() > 100 {
            return Err(AppError::invalid("q", "Search for at most 100 characters."));
        }
        Ok(EnrollmentFilter {
            query,
            status,
            after: after.unwrap_or_default().trim().to_string(),
        })
    }
}

/// Rows per page of the enrollment list.
pub const PAGE_SIZE: i64 = 25;

/// A page of the enrollments `user` may see, ordered by enrollment number and
/// paginated by key. The search finds an enrollment by its number or its
/// agreement's, by a part of its name or its customer's, or by the exact email
/// address of one of its contacts (as eMSL has it).
pub async fn list(
    db: &Db,
    user: &CurrentUser,
    filter: &EnrollmentFilter,
) -> Result<EnrollmentList, AppError> {
    let scope = Scope::of(user);
    let like = format!("%{}%", filter.query.to_lowercase().replace(['%', '_'], ""));
    let sql = format!(
        "{SUMMARY_SELECT} WHERE {} \
         AND ($2 = '' OR e.enrollment_number = $2 OR e.agreement_number = $2 \
              OR LOWER(c.name) LIKE $3 OR LOWER(e.name) LIKE $3 \
              OR ($2 LIKE '%@%' AND e.id IN (SELECT m.enrollment_id FROM enrollment_contacts m \
                  WHERE LOWER(m.email) = LOWER($2)))) \
         AND ($4 = '' OR e.status = $4) \
         AND e.enrollment_number > $5 \
         ORDER BY e.enrollment_number LIMIT $6",
        scope.condition("e")
    );
    let mut rows = sqlx::query_as::<_, SummaryRow>(&sql)
        .bind(scope.param())
        .bind(&filter.query)
        .bind(&like)
        .bind(&filter.status)
        .bind(&filter.after)
        .bind(PAGE_SIZE + 1)
        .fetch_all(db.pool())
        .await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    Ok(EnrollmentList {
        next_after: more
            .then(|| rows.last().map(|r| r.enrollment_number.clone()))
            .flatten(),
        items: rows.iter().map(SummaryRow::summary).collect(),
    })
}
