//! Everything one enrollment's page shows: summary, contacts, orders and
//! reservations, the License Summary, its online account, and what the viewer
//! may do there.

use super::catalogue::products;
use super::contacts::contacts_seen_by;
use super::visible_row;
use crate::access::{self, ContactView, Scope, VisibleEnrollment};
use crate::auth::CurrentUser;
use crate::domain::{add_months, format_date, ContactType, OrderStatus};
use crate::enrollments::*;
use crate::error::AppError;
use crate::reservations::rules::can_cancel;
use crate::state::AppState;
use time::Date;

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

/// An enrollment's License Summary: one line per product, the quantities of
/// its placed orders (reservations included) added up. The caller has checked
/// that the user sees the enrollment.
pub async fn license_summary(
    db: &crate::db::Db,
    enrollment: crate::domain::EnrollmentId,
) -> Result<Vec<LicenseLine>, AppError> {
    let rows = sqlx::query_as::<_, (String, String, i64)>(
        "SELECT p.name, p.kind, CAST(SUM(l.quantity) AS BIGINT) FROM order_lines l \
         JOIN orders o ON o.id = l.order_id JOIN products p ON p.id = l.product_id \
         WHERE o.enrollment_id = $1 AND o.status = 'placed' \
         GROUP BY p.name, p.kind ORDER BY p.name",
    )
    .bind(enrollment)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(product_name, kind, quantity)| {
            Some(LicenseLine {
                product_name,
                kind: ProductKind::parse(&kind).ok()?,
                quantity,
            })
        })
        .collect())
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
            && o.status == OrderStatus::Placed.code()
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

    let license_summary = license_summary(db, enrollment.id).await?;

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
