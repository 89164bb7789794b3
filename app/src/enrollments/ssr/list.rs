//! The enrollment list: search, filter and keyset paging.

use super::{SummaryRow, SUMMARY_SELECT};
use crate::access::Scope;
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::enrollments::EnrollmentList;
use crate::error::AppError;
use crate::lists::ssr::{count_sql, like_pattern, search_words, Column, Kind, Sorting, Value};
use crate::lists::Direction;

/// The columns the list sorts by.
pub const COLUMNS: [Column; 5] = [
    Column {
        key: "number",
        sql: "e.enrollment_number",
        kind: Kind::Text,
    },
    Column {
        key: "name",
        sql: "e.name",
        kind: Kind::Text,
    },
    Column {
        key: "customer",
        sql: "c.name",
        kind: Kind::Text,
    },
    Column {
        key: "ends",
        sql: "e.end_date",
        kind: Kind::Text,
    },
    Column {
        key: "status",
        sql: "e.status",
        kind: Kind::Text,
    },
];

/// The list's search, filter, sort and position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollmentFilter {
    pub query: String,
    pub status: String,
    pub sorting: Sorting,
}

impl EnrollmentFilter {
    /// Reads the list's query string.
    pub fn parse(
        q: Option<&str>,
        status: Option<&str>,
        sort: Option<&str>,
        dir: Option<&str>,
        after: Option<&str>,
        per: Option<&str>,
    ) -> Result<Self, AppError> {
        let status = status.unwrap_or_default().trim().to_string();
        if !["", "active", "expired"].contains(&status.as_str()) {
            return Err(AppError::invalid(
                "status",
                "Choose a status from the list.",
            ));
        }
        let query = search_words(q)?;
        Ok(EnrollmentFilter {
            query,
            status,
            sorting: Sorting::parse(&COLUMNS, ("number", Direction::Ascending), sort, dir, after)?
                .per_page(per)?,
        })
    }
}

/// A page of the enrollments `user` may see, sorted as asked and read by key,
/// with how many match. The search finds an enrollment by its number or its
/// agreement's, by a part of its name or its customer's, or by the exact email
/// address of one of its contacts (as eMSL has it).
pub async fn list(
    db: &Db,
    user: &CurrentUser,
    filter: &EnrollmentFilter,
) -> Result<EnrollmentList, AppError> {
    let scope = Scope::of(user);
    let like = like_pattern(&filter.query);
    let matching = format!(
        "WHERE {} \
         AND ($2 = '' OR e.enrollment_number = $2 OR e.agreement_number = $2 \
              OR LOWER(c.name) LIKE $3 OR LOWER(e.name) LIKE $3 \
              OR ($2 LIKE '%@%' AND e.id IN (SELECT m.enrollment_id FROM enrollment_contacts m \
                  WHERE LOWER(m.email) = LOWER($2)))) \
         AND ($4 = '' OR e.status = $4)",
        scope.condition("e")
    );
    let sorting = &filter.sorting;
    let sql = format!(
        "{SUMMARY_SELECT} {matching}{}{}",
        sorting.after_condition("e.id", 5),
        sorting.order_by("e.id")
    );
    let query = sqlx::query_as::<_, SummaryRow>(&sql)
        .bind(scope.param())
        .bind(&filter.query)
        .bind(&like)
        .bind(&filter.status);
    let rows = sorting.bind(query).fetch_all(db.pool()).await?;
    let total: i64 = sqlx::query_scalar(&count_sql(&format!(
        "FROM enrollments e JOIN organisations c ON c.id = e.customer_id {matching}"
    )))
    .bind(scope.param())
    .bind(&filter.query)
    .bind(&like)
    .bind(&filter.status)
    .fetch_one(db.pool())
    .await?;
    let column = sorting.column.key;
    Ok(sorting.page(
        rows,
        total,
        |r| {
            let value = match column {
                "name" => r.name.clone(),
                "customer" => r.customer_name.clone(),
                "ends" => r.end_date.clone(),
                "status" => r.status.clone(),
                _ => r.enrollment_number.clone(),
            };
            (Value::Text(value), r.id.0)
        },
        |r| r.summary(),
    ))
}
