//! Organisations, partners and portal users: the records sign-in and scoping
//! stand on. Server only.

use crate::auth::ssr::hash_password_off_thread;
use crate::db::Db;
use crate::domain::{EmailAddress, OrganisationKind, Role};
use crate::error::AppError;
use crate::lists::ssr::{count_sql, like_pattern, search_words, Column, Kind, Sorting, Value};
use crate::lists::{Direction, Page};

/// Finds an organisation by name or creates it; returns its id.
pub async fn ensure_organisation(
    db: &Db,
    name: &str,
    kind: OrganisationKind,
) -> Result<i64, AppError> {
    let mut tx = db.begin().await?;
    let existing = sqlx::query_scalar::<_, i64>("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
    let id = match existing {
        Some(id) => id,
        None => {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO organisations (name, kind) VALUES ($1, $2) RETURNING id",
            )
            .bind(name)
            .bind(kind.code())
            .fetch_one(&mut *tx)
            .await?
        }
    };
    tx.commit().await?;
    Ok(id)
}

/// Records that `partner_id` serves `customer_id` (idempotent).
pub async fn ensure_partner_serves(
    db: &Db,
    partner_id: i64,
    customer_id: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO partner_customers (partner_id, customer_id) VALUES ($1, $2) \
         ON CONFLICT (partner_id, customer_id) DO NOTHING",
    )
    .bind(partner_id)
    .bind(customer_id)
    .execute(db.writer())
    .await?;
    Ok(())
}

/// A portal user to create.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub organisation_id: i64,
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password: &'a str,
}

/// Creates the user unless one with that email exists; returns the user's id.
pub async fn ensure_user(db: &Db, user: NewUser<'_>) -> Result<i64, AppError> {
    let email = EmailAddress::parse(user.email).map_err(|m| AppError::invalid("email", m))?;
    if let Some(id) = sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(db.pool())
        .await?
    {
        return Ok(id);
    }
    let hash = hash_password_off_thread(user.password.to_string()).await?;
    let id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO users (organisation_id, email, display_name, role, password_hash, active) \
         VALUES ($1, $2, $3, $4, $5, 1) \
         ON CONFLICT (email) DO UPDATE SET email = excluded.email RETURNING id",
    )
    .bind(user.organisation_id)
    .bind(email.as_str())
    .bind(user.display_name)
    .bind(user.role.code())
    .bind(hash)
    .fetch_one(db.writer())
    .await?;
    Ok(id)
}

/// Marks a user inactive: their sessions stop working at the next request.
pub async fn deactivate_user(db: &Db, user_id: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET active = 0 WHERE id = $1")
        .bind(user_id)
        .execute(db.writer())
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct PersonRow {
    id: crate::domain::UserId,
    display_name: String,
    email: String,
    role: String,
    active: i64,
    totp_enabled_at: Option<i64>,
}

/// The columns the people list sorts by.
const PEOPLE_COLUMNS: [Column; 3] = [
    Column {
        key: "name",
        sql: "display_name",
        kind: Kind::Text,
    },
    Column {
        key: "email",
        sql: "email",
        kind: Kind::Text,
    },
    Column {
        key: "role",
        sql: "role",
        kind: Kind::Text,
    },
];

/// The people list's search and sort, as the URL has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeopleFilter {
    /// Words the name or the address holds (any case), or empty.
    pub search: String,
    pub sorting: Sorting,
}

impl PeopleFilter {
    /// Reads the list's query string; by name unless it says otherwise.
    pub fn parse(
        q: Option<&str>,
        sort: Option<&str>,
        dir: Option<&str>,
        after: Option<&str>,
        per: Option<&str>,
    ) -> Result<Self, AppError> {
        Ok(PeopleFilter {
            search: search_words(q)?,
            sorting: Sorting::parse(
                &PEOPLE_COLUMNS,
                ("name", Direction::Ascending),
                sort,
                dir,
                after,
            )?
            .per_page(per)?,
        })
    }
}

/// A page of the portal users of the viewer's organisation, searched and
/// sorted as asked, each with the enrollments on which an OSM may manage
/// reservations.
pub async fn people_of(
    db: &Db,
    viewer: &crate::auth::CurrentUser,
    filter: &PeopleFilter,
) -> Result<Page<super::Person>, AppError> {
    let organisation_id = viewer.organisation_id;
    let mut matching = "FROM users WHERE organisation_id = $1".to_string();
    if !filter.search.is_empty() {
        matching.push_str(" AND (LOWER(display_name) LIKE $2 OR LOWER(email) LIKE $2)");
    }
    let first = if filter.search.is_empty() { 2 } else { 3 };
    let sorting = &filter.sorting;
    let sql = format!(
        "SELECT id, display_name, email, role, active, totp_enabled_at {matching}{}{}",
        sorting.after_condition("id", first),
        sorting.order_by("id")
    );
    let mut query = sqlx::query_as::<_, PersonRow>(&sql).bind(organisation_id);
    let count_query = count_sql(&matching);
    let mut count = sqlx::query_scalar::<_, i64>(&count_query).bind(organisation_id);
    if !filter.search.is_empty() {
        let like = like_pattern(&filter.search);
        query = query.bind(like.clone());
        count = count.bind(like);
    }
    let rows = sorting.bind(query).fetch_all(db.pool()).await?;
    let total = count.fetch_one(db.pool()).await?;
    let permissions = sqlx::query_as::<_, (i64, String)>(
        "SELECT p.user_id, e.enrollment_number FROM reservation_permissions p \
         JOIN enrollments e ON e.id = p.enrollment_id JOIN users u ON u.id = p.user_id \
         WHERE u.organisation_id = $1 ORDER BY e.enrollment_number",
    )
    .bind(organisation_id)
    .fetch_all(db.pool())
    .await?;
    let column = sorting.column.key;
    let page = sorting.page(
        rows,
        total,
        |r| {
            let value = match column {
                "email" => r.email.clone(),
                "role" => r.role.clone(),
                _ => r.display_name.clone(),
            };
            (Value::Text(value), r.id.0)
        },
        |r| r,
    );
    let people = page
        .items
        .into_iter()
        .map(|r| {
            Ok(super::Person {
                role: Role::parse(&r.role).map_err(|e| {
                    tracing::error!(error = %e, "bad role in database");
                    AppError::Internal
                })?,
                reservation_enrollments: permissions
                    .iter()
                    .filter(|(user_id, _)| *user_id == r.id.0)
                    .map(|(_, number)| number.clone())
                    .collect(),
                is_you: r.id == viewer.id,
                display_name: r.display_name,
                email: r.email,
                active: r.active == 1,
                two_step: r.totp_enabled_at.is_some(),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(Page {
        items: people,
        total: page.total,
        at_least: page.at_least,
        next_after: page.next_after,
    })
}

#[derive(sqlx::FromRow)]
struct OrganisationRow {
    id: i64,
    name: String,
}

fn summary(r: OrganisationRow) -> super::OrganisationSummary {
    super::OrganisationSummary {
        id: r.id,
        name: r.name,
    }
}

/// The columns an organisation list sorts by.
const ORGANISATION_COLUMNS: [Column; 1] = [Column {
    key: "name",
    sql: "o.name",
    kind: Kind::Text,
}];

/// An organisation list's search and sort, as the URL has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationFilter {
    /// Words the name holds (any case), or empty.
    pub search: String,
    pub sorting: Sorting,
}

impl OrganisationFilter {
    /// Reads the list's query string; by name, A to Z, unless it says otherwise.
    pub fn parse(
        q: Option<&str>,
        sort: Option<&str>,
        dir: Option<&str>,
        after: Option<&str>,
        per: Option<&str>,
    ) -> Result<Self, AppError> {
        Ok(OrganisationFilter {
            search: search_words(q)?,
            sorting: Sorting::parse(
                &ORGANISATION_COLUMNS,
                ("name", Direction::Ascending),
                sort,
                dir,
                after,
            )?
            .per_page(per)?,
        })
    }
}

/// Which customers a list holds.
#[derive(Debug, Clone, Copy)]
pub enum Customers {
    /// Those a partner serves.
    OfPartner(crate::domain::OrganisationId),
    /// Every customer organisation.
    All,
}

/// A page of customer organisations, searched and sorted as asked, with how
/// many match.
pub async fn customers(
    db: &Db,
    which: Customers,
    filter: &OrganisationFilter,
) -> Result<Page<super::OrganisationSummary>, AppError> {
    let (from, partner) = match which {
        Customers::OfPartner(id) => (
            "FROM organisations o JOIN partner_customers pc ON pc.customer_id = o.id \
             WHERE pc.partner_id = $1",
            id.0,
        ),
        Customers::All => (
            "FROM organisations o WHERE o.kind = 'customer' AND $1 = $1",
            0,
        ),
    };
    let mut matching = from.to_string();
    if !filter.search.is_empty() {
        matching.push_str(" AND LOWER(o.name) LIKE $2");
    }
    let first = if filter.search.is_empty() { 2 } else { 3 };
    let sorting = &filter.sorting;
    let sql = format!(
        "SELECT o.id, o.name {matching}{}{}",
        sorting.after_condition("o.id", first),
        sorting.order_by("o.id")
    );
    let mut query = sqlx::query_as::<_, OrganisationRow>(&sql).bind(partner);
    let count_query = count_sql(&matching);
    let mut count = sqlx::query_scalar::<_, i64>(&count_query).bind(partner);
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
        |r| (Value::Text(r.name.clone()), r.id),
        summary,
    ))
}

/// Every customer organisation, by name: what support chooses from when
/// inviting an organisation's first administrator.
pub async fn all_customers(db: &Db) -> Result<Vec<super::OrganisationSummary>, AppError> {
    let rows = sqlx::query_as::<_, OrganisationRow>(
        "SELECT id, name FROM organisations WHERE kind = 'customer' ORDER BY name",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(summary).collect())
}
