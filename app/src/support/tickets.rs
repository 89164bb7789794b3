//! Support tickets: opening one (once per form), logging what was done, closing
//! it, and reading tickets back, scoped to who asks. Server only.

use super::{TicketAction, TicketDetail, TicketKind, TicketStatus, TicketSummary};
use crate::access::Task;
use crate::access::VisibleEnrollment;
use crate::audit::AuditEntry;
use crate::auth::CurrentUser;
use crate::contacts::{Hop, HopState};
use crate::db::{Db, Tx};
use crate::domain::{format_time, DownstreamSystem, TicketId, UserId};
use crate::error::AppError;
use crate::lists::ssr::{count_sql, Column, Kind, Sorting, Value};
use crate::lists::{Direction, Page};

/// Checks the "asked by" field: who brought the request to support.
pub fn asked_by(input: &str) -> Result<String, AppError> {
    crate::domain::required_text(input, "name or address of who asked", 200)
        .map_err(|m| AppError::invalid("asked_by", m))
}

/// The ticket a form with this key already opened, if any: submitting the
/// same form again answers with it and does nothing more.
pub async fn opened_by_form(
    db: &Db,
    key: &str,
    kind: TicketKind,
) -> Result<Option<TicketId>, AppError> {
    let found = sqlx::query_as::<_, (TicketId, String)>(
        "SELECT id, kind FROM support_tickets WHERE request_key = $1",
    )
    .bind(key)
    .fetch_optional(db.pool())
    .await?;
    match found {
        Some((id, k)) if k == kind.code() => Ok(Some(id)),
        // The key of another form: the page was reused, not resubmitted.
        Some(_) => Err(AppError::invalid(
            "form",
            "The form is out of date. Reload the page and try again.",
        )),
        None => Ok(None),
    }
}

/// What opening a form's ticket found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// A new ticket, opened now.
    New(TicketId),
    /// The ticket a resubmission of the same form already opened: nothing
    /// more is to be done.
    Existing(TicketId),
}

/// Opens a ticket in the caller's transaction.
pub async fn open(
    tx: &mut Tx,
    kind: TicketKind,
    enrollment: &VisibleEnrollment,
    asked_by: &str,
    opened_by: UserId,
    key: &str,
    now: i64,
) -> Result<Opened, AppError> {
    let id = sqlx::query_scalar::<_, TicketId>(
        "INSERT INTO support_tickets (kind, enrollment_id, customer_id, status, opened_at, asked_by, opened_by, request_key) \
         VALUES ($1, $2, $3, $8, $4, $5, $6, $7) ON CONFLICT (request_key) DO NOTHING RETURNING id",
    )
    .bind(kind.code())
    .bind(enrollment.id)
    .bind(enrollment.customer_id)
    .bind(now)
    .bind(asked_by)
    .bind(opened_by)
    .bind(key)
    .bind(TicketStatus::Open.code())
    .fetch_optional(&mut **tx)
    .await?;
    match id {
        Some(id) => Ok(Opened::New(id)),
        None => Ok(Opened::Existing(
            sqlx::query_scalar::<_, TicketId>(
                "SELECT id FROM support_tickets WHERE request_key = $1",
            )
            .bind(key)
            .fetch_one(&mut **tx)
            .await?,
        )),
    }
}

/// Records one action taken on a ticket.
pub async fn log(
    tx: &mut Tx,
    ticket_id: TicketId,
    actor_id: UserId,
    action: &str,
    detail: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query("INSERT INTO ticket_actions (ticket_id, actor_id, action, detail, at) VALUES ($1, $2, $3, $4, $5)")
        .bind(ticket_id)
        .bind(actor_id)
        .bind(action)
        .bind(detail)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Closes a ticket as done or refused, with its outcome, unless already closed.
pub async fn close(
    tx: &mut Tx,
    ticket_id: TicketId,
    status: TicketStatus,
    outcome: &str,
    now: i64,
) -> Result<bool, AppError> {
    Ok(sqlx::query(
        "UPDATE support_tickets SET status = $1, outcome = $2, closed_at = $3 WHERE id = $4 AND status = $5",
    )
    .bind(status.code())
    .bind(outcome)
    .bind(now)
    .bind(ticket_id)
    .bind(TicketStatus::Open.code())
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1)
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    kind: String,
    enrollment_number: String,
    asked_by: Option<String>,
    requester: Option<String>,
    status: String,
    outcome: Option<String>,
    opened_at: i64,
    change_reference: Option<String>,
}

const SELECT: &str =
    "SELECT t.id, t.kind, e.enrollment_number, t.asked_by, r.display_name AS requester, t.status, \
     t.outcome, t.opened_at, c.reference AS change_reference FROM support_tickets t \
     JOIN enrollments e ON e.id = t.enrollment_id LEFT JOIN users r ON r.id = t.requested_by \
     LEFT JOIN contact_changes c ON c.id = t.change_id";

impl Row {
    fn summary(self) -> TicketSummary {
        let kind = TicketKind::parse(&self.kind);
        TicketSummary {
            id: self.id,
            kind_label: kind.map(TicketKind::label).unwrap_or("Other").into(),
            enrollment_number: self.enrollment_number,
            asked_by: self
                .asked_by
                .or_else(|| {
                    self.requester.map(|r| {
                        format!(
                            "{r} (partner), with {}",
                            self.change_reference.clone().unwrap_or_default()
                        )
                    })
                })
                .unwrap_or_default(),
            status: self.status,
            outcome: self.outcome.unwrap_or_default(),
            opened_at: format_time(self.opened_at),
            from_change: self.change_reference,
        }
    }
}

/// The columns the ticket list sorts by.
const COLUMNS: [Column; 4] = [
    Column {
        key: "opened",
        sql: "t.opened_at",
        kind: Kind::Integer,
    },
    Column {
        key: "ticket",
        sql: "t.id",
        kind: Kind::Integer,
    },
    Column {
        key: "enrollment",
        sql: "e.enrollment_number",
        kind: Kind::Text,
    },
    Column {
        key: "status",
        sql: "t.status",
        kind: Kind::Text,
    },
];

/// The ticket list's filters and sort, as the URL has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketFilter {
    pub status: String,
    pub kind: String,
    pub sorting: Sorting,
}

impl TicketFilter {
    /// Reads the list's query string; newest first unless it says otherwise.
    pub fn parse(
        status: Option<&str>,
        kind: Option<&str>,
        sort: Option<&str>,
        dir: Option<&str>,
        after: Option<&str>,
        per: Option<&str>,
    ) -> Result<Self, AppError> {
        let status = status.unwrap_or_default().trim().to_string();
        if !["", "open", "done", "refused"].contains(&status.as_str()) {
            return Err(AppError::invalid(
                "status",
                "Choose a status from the list.",
            ));
        }
        let kind = kind.unwrap_or_default().trim().to_string();
        if !kind.is_empty() && TicketKind::parse(&kind).is_none() {
            return Err(AppError::invalid("kind", "Choose a type from the list."));
        }
        Ok(TicketFilter {
            status,
            kind,
            sorting: Sorting::parse(
                &COLUMNS,
                ("opened", Direction::Descending),
                sort,
                dir,
                after,
            )?
            .per_page(per)?,
        })
    }
}

/// A page of the tickets the caller may see, filtered and sorted as asked,
/// with how many match.
pub async fn list(
    db: &Db,
    user: &CurrentUser,
    filter: &TicketFilter,
) -> Result<Page<TicketSummary>, AppError> {
    let org = crate::access::records::tickets(user)?;
    let matching = "WHERE ($1 = 0 OR t.customer_id = $1) AND ($2 = '' OR t.status = $2) \
                    AND ($3 = '' OR t.kind = $3)";
    let sorting = &filter.sorting;
    let sql = format!(
        "{SELECT} {matching}{}{}",
        sorting.after_condition("t.id", 4),
        sorting.order_by("t.id")
    );
    let org = org.map_or(0, |o| o.0);
    let query = sqlx::query_as::<_, Row>(&sql)
        .bind(org)
        .bind(&filter.status)
        .bind(&filter.kind);
    let rows = sorting.bind(query).fetch_all(db.pool()).await?;
    let total: i64 = sqlx::query_scalar(&count_sql(&format!("FROM support_tickets t {matching}")))
        .bind(org)
        .bind(&filter.status)
        .bind(&filter.kind)
        .fetch_one(db.pool())
        .await?;
    let column = sorting.column.key;
    Ok(sorting.page(
        rows,
        total,
        |r| {
            let value = match column {
                "opened" => Value::Integer(r.opened_at),
                "ticket" => Value::Integer(r.id),
                "status" => Value::Text(r.status.clone()),
                _ => Value::Text(r.enrollment_number.clone()),
            };
            (value, r.id)
        },
        Row::summary,
    ))
}

/// One ticket the caller may see, with its actions, the audit entries it made
/// and, for an OSM correction, where the change stands in each system.
pub async fn detail(
    db: &Db,
    user: &CurrentUser,
    id: i64,
    now: i64,
) -> Result<TicketDetail, AppError> {
    let org = crate::access::records::tickets(user)?;
    let row = sqlx::query_as::<_, Row>(&format!(
        "{SELECT} WHERE ($1 = 0 OR t.customer_id = $1) AND t.id = $2"
    ))
    .bind(org.map_or(0, |o| o.0))
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(AppError::NotFound)?;
    let kind = TicketKind::parse(&row.kind);
    let actions = sqlx::query_as::<_, (i64, Option<String>, String, String)>(
        "SELECT a.at, u.display_name, a.action, a.detail FROM ticket_actions a \
         LEFT JOIN users u ON u.id = a.actor_id WHERE a.ticket_id = $1 ORDER BY a.id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .into_iter()
    .map(|(at, actor, action, detail)| TicketAction {
        at: format_time(at),
        actor: actor.unwrap_or_else(|| "The portal".into()),
        action,
        detail,
    })
    .collect();
    let audit = sqlx::query_as::<_, (i64, Option<String>, String, String, Option<String>, Option<String>, Option<String>)>(
        "SELECT a.at, u.display_name, a.action, a.subject, a.before_value, a.after_value, a.reason \
         FROM audit_trail a LEFT JOIN users u ON u.id = a.actor_id WHERE a.ticket_id = $1 ORDER BY a.id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .into_iter()
    .map(|(at, actor, action, subject, before, after, reason)| AuditEntry {
        at: format_time(at),
        actor: actor.unwrap_or_else(|| "The portal".into()),
        action,
        subject,
        before,
        after,
        reason,
    })
    .collect();
    let hops = sqlx::query_as::<_, (String, String, i64, Option<i64>)>(
        "SELECT system, email, due_at, done_at FROM propagation_jobs WHERE ticket_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .into_iter()
    .map(|(system, email, due, done)| Hop {
        system: DownstreamSystem::parse(&system).map(DownstreamSystem::pages).unwrap_or_default().into(),
        state: if done.is_some() { HopState::Done } else { HopState::Waiting },
        detail: match done {
            Some(at) => format!("Shows {email} since {}.", format_time(at)),
            None if due <= now => format!("Overdue since {}: the copy is waiting for the propagation job.", format_time(due)),
            None => format!("Expected to show {email} by {}.", format_time(due)),
        },
        shows: None,
    })
    .collect();
    let may_act = Task::Support.allowed_for(user.role)
        && row.status == TicketStatus::Open.code()
        && kind == Some(TicketKind::ResendActivation);
    Ok(TicketDetail {
        summary: row.summary(),
        actions,
        audit,
        hops,
        may_send_now: may_act,
    })
}
