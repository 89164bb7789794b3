//! Replication issues: contacts whose VLSC or explore.ms copy differs from eMSL
//! (or is missing) for longer than the propagation delay, and the re-sync that
//! copies eMSL over it. Server only.

use super::ReplicationIssue;
use crate::access::Task;
use crate::audit::trail::{record, Event};
use crate::auth::CurrentUser;
use crate::contacts::emsl::{write_copy, CopyWrite, Over};
use crate::contacts::ContactDetails;
use crate::db::Db;
use crate::domain::{ContactType, DownstreamSystem};
use crate::error::AppError;
use crate::lists::ssr::{count_sql, Column, Kind, Sorting, Value};
use crate::lists::{Direction, Page};
use crate::state::AppState;

#[derive(sqlx::FromRow)]
struct Row {
    row_key: i64,
    enrollment_number: String,
    contact_type: String,
    system: String,
    emsl_email: String,
    emsl_name: String,
    copy_email: Option<String>,
    copy_name: Option<String>,
}

/// A copy differs when a value or the version differs, and no copy of a newer
/// change is still within its propagation delay.
/// Each row has a key of its own (`row_key`: the enrollment, the contact and
/// the system), which pages the list.
const ISSUES: &str = "SELECT m.enrollment_id * 8 \
     + CASE m.contact_type WHEN 'pri' THEN 0 WHEN 'ntc' THEN 2 WHEN 'osm' THEN 4 ELSE 6 END \
     + CASE s.system WHEN 'vlsc' THEN 0 ELSE 1 END AS row_key, \
     e.enrollment_number, m.contact_type, s.system, m.email AS emsl_email, m.name AS emsl_name, \
     c.email AS copy_email, c.name AS copy_name \
     FROM enrollment_contacts m JOIN enrollments e ON e.id = m.enrollment_id \
     CROSS JOIN (SELECT 'vlsc' AS system UNION ALL SELECT 'explore' AS system) s \
     LEFT JOIN contact_copies c ON c.enrollment_id = m.enrollment_id AND c.contact_type = m.contact_type AND c.system = s.system \
     WHERE (c.enrollment_id IS NULL OR c.name <> m.name OR c.email <> m.email OR c.phone <> m.phone OR c.version <> m.version) \
     AND NOT EXISTS (SELECT 1 FROM propagation_jobs j WHERE j.enrollment_id = m.enrollment_id \
         AND j.contact_type = m.contact_type AND j.system = s.system AND j.done_at IS NULL AND j.due_at > $1)";

/// How many contact copies differ from eMSL now.
pub async fn count(db: &Db, now: i64) -> Result<i64, AppError> {
    Ok(
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM ({ISSUES}) issues"))
            .bind(now)
            .fetch_one(db.pool())
            .await?,
    )
}

/// The columns the replication issues sort by.
const COLUMNS: [Column; 3] = [
    Column {
        key: "enrollment",
        sql: "i.enrollment_number",
        kind: Kind::Text,
    },
    Column {
        key: "contact",
        sql: "i.contact_type",
        kind: Kind::Text,
    },
    Column {
        key: "system",
        sql: "i.system",
        kind: Kind::Text,
    },
];

/// The replication issues' filter and sort, as the URL has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueFilter {
    /// `vlsc`, `explore` or empty for both.
    pub system: String,
    pub sorting: Sorting,
}

impl IssueFilter {
    /// Reads the list's query string; by enrollment unless it says otherwise.
    pub fn parse(
        system: Option<&str>,
        sort: Option<&str>,
        dir: Option<&str>,
        after: Option<&str>,
        per: Option<&str>,
    ) -> Result<Self, AppError> {
        let system = system.unwrap_or_default().trim().to_string();
        if !system.is_empty() && DownstreamSystem::parse(&system).is_err() {
            return Err(AppError::invalid(
                "system",
                "Choose a system from the list.",
            ));
        }
        Ok(IssueFilter {
            system,
            sorting: Sorting::parse(
                &COLUMNS,
                ("enrollment", Direction::Ascending),
                sort,
                dir,
                after,
            )?
            .per_page(per)?,
        })
    }
}

/// A page of the replication issues, filtered and sorted as asked, with how
/// many there are.
pub async fn list(
    db: &Db,
    user: &CurrentUser,
    now: i64,
    filter: &IssueFilter,
) -> Result<Page<ReplicationIssue>, AppError> {
    Task::Support.allows(user)?;
    let matching = format!("FROM ({ISSUES}) i WHERE ($2 = '' OR i.system = $2)");
    let sorting = &filter.sorting;
    let sql = format!(
        "SELECT i.* {matching}{}{}",
        sorting.after_condition("i.row_key", 3),
        sorting.order_by("i.row_key")
    );
    let query = sqlx::query_as::<_, Row>(&sql)
        .bind(now)
        .bind(&filter.system);
    let rows = sorting.bind(query).fetch_all(db.pool()).await?;
    let total = sqlx::query_scalar::<_, i64>(&count_sql(&matching))
        .bind(now)
        .bind(&filter.system)
        .fetch_one(db.pool())
        .await?;
    let column = sorting.column.key;
    Ok(sorting.page(
        rows,
        total,
        |r| {
            let value = match column {
                "contact" => r.contact_type.clone(),
                "system" => r.system.clone(),
                _ => r.enrollment_number.clone(),
            };
            (Value::Text(value), r.row_key)
        },
        |r| ReplicationIssue {
            contact_label: ContactType::parse(&r.contact_type)
                .map(|t| t.label())
                .unwrap_or_default()
                .into(),
            system_label: DownstreamSystem::parse(&r.system)
                .map(DownstreamSystem::name)
                .unwrap_or_default()
                .into(),
            shows: match (r.copy_name, r.copy_email) {
                (Some(name), Some(email)) => format!("{name} <{email}>"),
                _ => "Nothing (the contact is missing)".into(),
            },
            emsl: format!("{} <{}>", r.emsl_name, r.emsl_email),
            enrollment_number: r.enrollment_number,
            contact_type: r.contact_type,
            system: r.system,
        },
    ))
}

/// Copies eMSL's record of one contact over one system's copy, now. Doing it
/// again changes nothing.
pub async fn resync(
    state: &AppState,
    user: &CurrentUser,
    enrollment: &str,
    contact: &str,
    system: &str,
) -> Result<(), AppError> {
    Task::Support.allows(user)?;
    let contact_type = ContactType::parse(contact)
        .map_err(|_| AppError::invalid("contact", "Unknown contact."))?;
    let system = DownstreamSystem::parse(system)
        .map_err(|_| AppError::invalid("system", "Unknown system."))?;
    let enrollment = crate::access::visible(&state.db, user, enrollment).await?;
    let now = state.now_unix();
    let mut tx = state.db.begin().await?;
    let (name, email, phone, version) = sqlx::query_as::<_, (String, String, String, i64)>(
        "SELECT name, email, phone, version FROM enrollment_contacts WHERE enrollment_id = $1 AND contact_type = $2",
    )
    .bind(enrollment.id)
    .bind(contact_type.code())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let before = sqlx::query_as::<_, (String, String, String, i64)>(
        "SELECT name, email, phone, version FROM contact_copies WHERE enrollment_id = $1 AND contact_type = $2 AND system = $3",
    )
    .bind(enrollment.id)
    .bind(contact_type.code())
    .bind(system.code())
    .fetch_optional(&mut *tx)
    .await?;
    if before.as_ref() == Some(&(name.clone(), email.clone(), phone.clone(), version)) {
        // Already in step (a second click, or the job ran meanwhile).
        return Ok(());
    }
    // Pending jobs stay: the worker finds the copy in step and completes their change.
    let emsl = ContactDetails {
        name: name.clone(),
        email: email.clone(),
        phone,
    };
    let copy = CopyWrite {
        enrollment_id: enrollment.id,
        contact_type: contact_type.code(),
        system,
        details: &emsl,
        version,
        synced_at: now,
    };
    write_copy(&mut *tx, copy, Over::Anything).await?;
    let label = system.name();
    record(
        &mut tx,
        Event {
            organisation_id: Some(enrollment.customer_id),
            enrollment_id: Some(enrollment.id),
            actor_id: Some(user.id),
            action: "Contact re-synced by support",
            subject: format!(
                "{} of enrollment {} in {label}",
                contact_type.label(),
                enrollment.number
            ),
            before: Some(
                before
                    .map(|(n, e, ..)| format!("{n} <{e}>"))
                    .unwrap_or_else(|| "Missing".into()),
            ),
            after: Some(format!("{name} <{email}>")),
            reason: Some("Replication issue: the copy differed from eMSL".into()),
            at: now,
            ..Event::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
