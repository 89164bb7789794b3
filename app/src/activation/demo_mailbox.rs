//! Reading the demo mailbox, a page at a time. Server only.

use super::MailboxMessage;
use crate::access::Scope;
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::error::AppError;
use crate::lists::ssr::{count_sql, like_pattern, search_words, Column, Kind, Sorting, Value};
use crate::lists::{Direction, Page};

/// The mailbox sorts by delivery only, newest or oldest first.
const COLUMNS: [Column; 1] = [Column {
    key: "delivered",
    sql: "m.id",
    kind: Kind::Integer,
}];

/// The mailbox's search and order, as the URL has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxFilter {
    /// Words the recipient, the subject or the text holds (any case).
    pub search: String,
    pub sorting: Sorting,
}

impl MailboxFilter {
    /// Reads the page's query string; newest first unless it says otherwise.
    pub fn parse(
        q: Option<&str>,
        dir: Option<&str>,
        after: Option<&str>,
        per: Option<&str>,
    ) -> Result<Self, AppError> {
        Ok(MailboxFilter {
            search: search_words(q)?,
            sorting: Sorting::parse(
                &COLUMNS,
                ("delivered", Direction::Descending),
                None,
                dir,
                after,
            )?
            .per_page(per)?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    to_email: String,
    subject: String,
    body: String,
    html: Option<String>,
    delivered_at: i64,
}

/// The messages `user` may read, as a `FROM … WHERE` clause whose `$1` is
/// the user's organisation: every message for support, else those about the
/// organisation (its enrollments, its invitations and its people's password
/// resets).
fn readable(user: &CurrentUser) -> String {
    match Scope::of(user) {
        Scope::Everything => "FROM demo_mailbox m WHERE $1 = $1".to_string(),
        _ => "FROM demo_mailbox m JOIN outbox o ON o.id = m.outbox_id \
              LEFT JOIN enrollments e ON e.id = o.enrollment_id \
              LEFT JOIN invitations i ON i.id = o.invitation_id \
              LEFT JOIN password_resets r ON r.id = o.password_reset_id \
              LEFT JOIN users u ON u.id = r.user_id \
              WHERE COALESCE(e.customer_id, i.organisation_id, u.organisation_id) = $1"
            .to_string(),
    }
}

/// The HTML part of message `id`, if `user` may read it and it has one.
pub async fn html_part(db: &Db, user: &CurrentUser, id: i64) -> Result<String, AppError> {
    let sql = format!("SELECT m.html {} AND m.id = $2", readable(user));
    let html: Option<Option<String>> = sqlx::query_scalar(&sql)
        .bind(user.organisation_id)
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    html.flatten().ok_or(AppError::NotFound)
}

/// A page of the messages `user` may read, searched and ordered as asked.
pub async fn page(
    db: &Db,
    user: &CurrentUser,
    filter: &MailboxFilter,
) -> Result<Page<MailboxMessage>, AppError> {
    let mut matching = readable(user);
    if !filter.search.is_empty() {
        matching.push_str(
            " AND (LOWER(m.to_email) LIKE $2 OR LOWER(m.subject) LIKE $2 OR LOWER(m.body) LIKE $2)",
        );
    }
    let first = if filter.search.is_empty() { 2 } else { 3 };
    let sorting = &filter.sorting;
    let sql = format!(
        "SELECT m.id, m.to_email, m.subject, m.body, m.html, m.delivered_at {matching}{}{}",
        sorting.after_condition("m.id", first),
        sorting.order_by("m.id")
    );
    let mut query = sqlx::query_as::<_, Row>(&sql).bind(user.organisation_id);
    let count_query = count_sql(&matching);
    let mut count = sqlx::query_scalar::<_, i64>(&count_query).bind(user.organisation_id);
    if !filter.search.is_empty() {
        let like = like_pattern(&filter.search);
        query = query.bind(like.clone());
        count = count.bind(like);
    }
    let rows = sorting.bind(query).fetch_all(db.pool()).await?;
    let total = count.fetch_one(db.pool()).await?;
    Ok(sorting.page(
        rows,
        total,
        |r| (Value::Integer(r.id), r.id),
        |r| MailboxMessage {
            id: r.id,
            to: r.to_email,
            subject: r.subject,
            body: r.body,
            has_html: r.html.is_some(),
            delivered_at: time::OffsetDateTime::from_unix_timestamp(r.delivered_at)
                .map(|t| crate::domain::format_date(t.date()))
                .unwrap_or_default(),
        },
    ))
}
