//! Reading the audit trail (writing it is `audit::trail`). Server only.

use super::AuditEntry;
use crate::db::Db;
use crate::domain::format_time;
use crate::error::AppError;
use crate::lists::ssr::{count_sql, like_pattern, search_words, Column, Kind, Sorting, Value};
use crate::lists::{Direction, Page};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    at: i64,
    actor_name: Option<String>,
    actor_email: Option<String>,
    actor_role: Option<String>,
    actor_organisation: Option<i64>,
    action: String,
    subject: String,
    before_value: Option<String>,
    after_value: Option<String>,
    reason: Option<String>,
}

/// Who did it: the organisation's own people by name and address; others
/// (partner, support, operations center) by name and role only.
fn actor(r: &Row, organisation_id: crate::domain::OrganisationId) -> String {
    match (&r.actor_name, &r.actor_email) {
        (Some(name), Some(email)) if r.actor_organisation == Some(organisation_id.0) => {
            format!("{name} <{email}>")
        }
        (Some(name), _) => {
            let role = r
                .actor_role
                .as_deref()
                .and_then(|code| crate::domain::Role::parse(code).ok())
                .map(|role| role.label())
                .unwrap_or("portal user");
            format!("{name} ({role})")
        }
        _ => "The portal".into(),
    }
}

/// Which part of the trail to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Changes,
    SecurityEvents,
}

impl Category {
    /// The trail's word for it.
    fn code(self) -> &'static str {
        match self {
            Category::Changes => "change",
            Category::SecurityEvents => "security",
        }
    }
}

/// The columns the audit trail sorts by.
const COLUMNS: [Column; 2] = [
    Column {
        key: "when",
        sql: "a.id",
        kind: Kind::Integer,
    },
    Column {
        key: "what",
        sql: "a.action",
        kind: Kind::Text,
    },
];

/// The audit trail's search and sort, as the URL has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFilter {
    /// Words the action or the subject holds (any case), or empty.
    pub search: String,
    pub sorting: Sorting,
}

impl AuditFilter {
    /// Reads the list's query string; newest first unless it says otherwise.
    pub fn parse(
        search: Option<&str>,
        sort: Option<&str>,
        dir: Option<&str>,
        after: Option<&str>,
        per: Option<&str>,
    ) -> Result<Self, AppError> {
        let search = search_words(search)?;
        Ok(AuditFilter {
            search,
            sorting: Sorting::parse(&COLUMNS, ("when", Direction::Descending), sort, dir, after)?
                .per_page(per)?,
        })
    }
}

const SELECT: &str =
    "SELECT a.id, a.at, u.display_name AS actor_name, u.email AS actor_email, u.role AS actor_role, \
     u.organisation_id AS actor_organisation, a.action, a.subject, a.before_value, a.after_value, a.reason \
     FROM audit_trail a LEFT JOIN users u ON u.id = a.actor_id";

/// A page of one category of one organisation's events, searched and sorted
/// as asked, with how many match.
pub async fn of_organisation(
    db: &Db,
    organisation_id: crate::domain::OrganisationId,
    category: Category,
    filter: &AuditFilter,
) -> Result<Page<AuditEntry>, AppError> {
    let mut matching = "WHERE a.organisation_id = $1 AND a.category = $2".to_string();
    if !filter.search.is_empty() {
        matching.push_str(" AND (LOWER(a.action) LIKE $3 OR LOWER(a.subject) LIKE $3)");
    }
    let first = if filter.search.is_empty() { 3 } else { 4 };
    let sorting = &filter.sorting;
    let sql = format!(
        "{SELECT} {matching}{}{}",
        sorting.after_condition("a.id", first),
        sorting.order_by("a.id")
    );
    let like = like_pattern(&filter.search);
    let mut query = sqlx::query_as::<_, Row>(&sql)
        .bind(organisation_id)
        .bind(category.code());
    let count_query = count_sql(&format!("FROM audit_trail a {matching}"));
    let mut count = sqlx::query_scalar::<_, i64>(&count_query)
        .bind(organisation_id)
        .bind(category.code());
    if !filter.search.is_empty() {
        query = query.bind(like.clone());
        count = count.bind(like);
    }
    let rows = sorting.bind(query).fetch_all(db.pool()).await?;
    let total = count.fetch_one(db.pool()).await?;
    let column = sorting.column.key;
    Ok(sorting.page(
        rows,
        total,
        |r| {
            let value = match column {
                "what" => Value::Text(r.action.clone()),
                _ => Value::Integer(r.id),
            };
            (value, r.id)
        },
        |r| entry(&r, organisation_id),
    ))
}

fn entry(r: &Row, organisation_id: crate::domain::OrganisationId) -> AuditEntry {
    AuditEntry {
        actor: actor(r, organisation_id),
        at: format_time(r.at),
        action: r.action.clone(),
        subject: r.subject.clone(),
        before: r.before_value.clone(),
        after: r.after_value.clone(),
        reason: r.reason.clone(),
    }
}

/// Up to `limit` events of one category of one organisation recorded before
/// event `before`, newest first, each with its id (the export reads the
/// whole trail this way, a chunk at a time).
pub async fn chunk_of_organisation(
    db: &Db,
    organisation_id: crate::domain::OrganisationId,
    category: Category,
    before: i64,
    limit: i64,
) -> Result<Vec<(i64, AuditEntry)>, AppError> {
    let rows = sqlx::query_as::<_, Row>(&format!(
        "{SELECT} WHERE a.organisation_id = $1 AND a.category = $2 AND a.id < $3 ORDER BY a.id DESC LIMIT $4"
    ))
    .bind(organisation_id)
    .bind(category.code())
    .bind(before)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, entry(&r, organisation_id)))
        .collect())
}
