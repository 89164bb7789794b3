//! Enrollment queries. Every query is scoped to what the caller may see.

use super::*;
use crate::access::{self, ContactView, Scope, VisibleEnrollment};
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::domain::{add_months, format_date};
use crate::reservations::rules::can_cancel;
use crate::state::AppState;
use time::Date;

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

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    enrollment_number: String,
    agreement_number: String,
    name: String,
    customer_id: i64,
    partner_id: i64,
    customer_name: String,
    partner_name: String,
    start_date: String,
    end_date: String,
    status: String,
}

impl SummaryRow {
    fn summary(&self) -> EnrollmentSummary {
        EnrollmentSummary {
            number: self.enrollment_number.clone(),
            agreement_number: self.agreement_number.clone(),
            name: self.name.clone(),
            customer_name: self.customer_name.clone(),
            partner_name: self.partner_name.clone(),
            start_date: self.start_date.clone(),
            end_date: self.end_date.clone(),
            status: self.status.clone(),
        }
    }
}

const SUMMARY_SELECT: &str = "SELECT e.id, e.enrollment_number, e.agreement_number, e.name, \
     e.customer_id, e.partner_id, c.name AS customer_name, p.name AS partner_name, \
     e.start_date, e.end_date, e.status \
     FROM enrollments e \
     JOIN organisations c ON c.id = e.customer_id \
     JOIN organisations p ON p.id = e.partner_id";

/// A page of the enrollments `user` may see, ordered by enrollment number and
/// paginated by key.
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
              OR LOWER(c.name) LIKE $3 OR LOWER(e.name) LIKE $3) \
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

async fn visible_row(db: &Db, user: &CurrentUser, number: &str) -> Result<SummaryRow, AppError> {
    let scope = Scope::of(user);
    let sql = format!(
        "{SUMMARY_SELECT} WHERE {} AND e.enrollment_number = $2",
        scope.condition("e")
    );
    sqlx::query_as::<_, SummaryRow>(&sql)
        .bind(scope.param())
        .bind(number.trim())
        .fetch_optional(db.pool())
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(sqlx::FromRow)]
struct OrderRow {
    id: i64,
    order_number: String,
    kind: String,
    purchase_date: String,
    usage_start_date: String,
    status: String,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    order_id: i64,
    product_name: String,
    quantity: i64,
}

#[derive(sqlx::FromRow)]
struct ProductRow {
    code: String,
    name: String,
    kind: String,
}

/// The product catalogue.
pub async fn products(db: &Db) -> Result<Vec<Product>, AppError> {
    let rows =
        sqlx::query_as::<_, ProductRow>("SELECT code, name, kind FROM products ORDER BY name")
            .fetch_all(db.pool())
            .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Product {
                kind: ProductKind::parse(&r.kind).map_err(|e| {
                    tracing::error!(error = %e, "bad product kind");
                    AppError::Internal
                })?,
                code: r.code,
                name: r.name,
            })
        })
        .collect()
}

/// An enrollment's contacts as the system the viewer uses shows them.
async fn contacts_seen_by(
    db: &Db,
    user: &CurrentUser,
    enrollment_id: i64,
) -> Result<Vec<Contact>, AppError> {
    let rows = match ContactView::of(user.role) {
        ContactView::Emsl => {
            sqlx::query_as::<_, (String, String, String, String)>(
                "SELECT contact_type, name, email, phone FROM enrollment_contacts WHERE enrollment_id = $1",
            )
            .bind(enrollment_id)
            .fetch_all(db.pool())
            .await?
        }
        view => {
            sqlx::query_as::<_, (String, String, String, String)>(
                "SELECT contact_type, name, email, phone FROM contact_copies WHERE enrollment_id = $1 AND system = $2",
            )
            .bind(enrollment_id)
            .bind(if view == ContactView::Vlsc { "vlsc" } else { "explore" })
            .fetch_all(db.pool())
            .await?
        }
    };
    let mut contacts: Vec<Contact> = rows
        .into_iter()
        .filter_map(|(t, name, email, phone)| {
            Some(Contact {
                contact_type: ContactType::parse(&t).ok()?,
                name,
                email,
                phone,
            })
        })
        .collect();
    contacts.sort_by_key(|c| ContactType::ALL.iter().position(|t| *t == c.contact_type));
    Ok(contacts)
}

/// Everything the enrollment's page shows to `user`.
pub async fn detail(
    state: &AppState,
    user: &CurrentUser,
    number: &str,
) -> Result<EnrollmentDetail, AppError> {
    let db = &state.db;
    let row = visible_row(db, user, number).await?;
    let enrollment = VisibleEnrollment {
        id: row.id,
        number: row.enrollment_number.clone(),
        customer_id: row.customer_id,
        partner_id: row.partner_id,
    };
    let contacts = contacts_seen_by(db, user, enrollment.id).await?;
    let versions = sqlx::query_as::<_, (String, i64)>(
        "SELECT contact_type, version FROM enrollment_contacts WHERE enrollment_id = $1",
    )
    .bind(enrollment.id)
    .fetch_all(db.pool())
    .await?
    .into_iter()
    .filter_map(|(t, v)| Some((ContactType::parse(&t).ok()?, v)))
    .collect::<Vec<_>>();

    let orders = sqlx::query_as::<_, OrderRow>(
        "SELECT id, order_number, kind, purchase_date, usage_start_date, status \
         FROM orders WHERE enrollment_id = $1 ORDER BY id DESC LIMIT 200",
    )
    .bind(enrollment.id)
    .fetch_all(db.pool())
    .await?;
    let lines = sqlx::query_as::<_, LineRow>(
        "SELECT l.order_id, p.name AS product_name, l.quantity FROM order_lines l \
         JOIN products p ON p.id = l.product_id JOIN orders o ON o.id = l.order_id \
         WHERE o.enrollment_id = $1 ORDER BY l.order_id, l.line_number",
    )
    .bind(enrollment.id)
    .fetch_all(db.pool())
    .await?;
    let reservation_access = access::records::reservation(db, user, &enrollment).await?;
    let now = state.clock.now();
    let mut order_list = Vec::new();
    let mut reservation_list = Vec::new();
    for o in orders {
        let described = lines
            .iter()
            .filter(|l| l.order_id == o.id)
            .map(|l| format!("{} × {}", l.product_name, l.quantity))
            .collect::<Vec<_>>()
            .join(", ");
        let starts = crate::domain::parse_date(&o.usage_start_date, "date").ok();
        let cancellable = o.kind == "reservation"
            && o.status == "placed"
            && reservation_access.is_ok()
            && starts.is_some_and(|d| can_cancel(d, now));
        let summary = OrderSummary {
            order_number: o.order_number,
            kind: o.kind.clone(),
            purchase_date: o.purchase_date,
            usage_start_date: o.usage_start_date,
            status: o.status,
            lines: described,
            cancellable,
        };
        if o.kind == "reservation" {
            reservation_list.push(summary);
        } else {
            order_list.push(summary);
        }
    }

    let license_rows = sqlx::query_as::<_, (String, String, i64)>(
        "SELECT p.name, p.kind, CAST(SUM(l.quantity) AS BIGINT) FROM order_lines l \
         JOIN orders o ON o.id = l.order_id JOIN products p ON p.id = l.product_id \
         WHERE o.enrollment_id = $1 AND o.status = 'placed' \
         GROUP BY p.name, p.kind ORDER BY p.name",
    )
    .bind(enrollment.id)
    .fetch_all(db.pool())
    .await?;
    let license_summary = license_rows
        .into_iter()
        .filter_map(|(product_name, kind, quantity)| {
            Some(LicenseLine {
                product_name,
                kind: ProductKind::parse(&kind).ok()?,
                quantity,
            })
        })
        .collect();

    let online_account = sqlx::query_as::<_, (String, i64)>(
        "SELECT a.domain, ea.associated_at FROM enrollment_accounts ea \
         JOIN online_accounts a ON a.id = ea.account_id WHERE ea.enrollment_id = $1",
    )
    .bind(enrollment.id)
    .fetch_optional(db.pool())
    .await?
    .map(|(domain, at)| AccountSummary {
        domain,
        associated_on: time::OffsetDateTime::from_unix_timestamp(at)
            .map(|t| format_date(t.date()))
            .unwrap_or_default(),
    });

    let today: Date = now.date();
    Ok(EnrollmentDetail {
        contacts_source: ContactView::of(user.role).source().into(),
        contact_guidance: matches!(Scope::of(user), Scope::Customer(_)).then(|| {
            format!(
                "To change a contact, ask your partner, {}, to submit a Contract Information Change Request.",
                row.partner_name
            )
        }),
        may_request_change: access::enrollment::is_own_partner(user, enrollment.parties()),
        contact_versions: crate::contacts::ssr::versions_field(&versions),
        changes_in_flight: crate::contacts::ssr::in_flight(db, enrollment.id).await?,
        summary: row.summary(),
        contacts,
        orders: order_list,
        reservations: reservation_list,
        license_summary,
        online_account,
        reservation_access,
        may_place_order: access::enrollment::is_own_partner(user, enrollment.parties()),
        products: products(db).await?,
        form_key: crate::keys::form_key(),
        today: format_date(today),
        latest_reservation_start: format_date(add_months(today, 6)),
    })
}
