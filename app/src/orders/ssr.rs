//! Recording orders and reservations. Each is written with its lines and its
//! place in the activation queue in one transaction (R1), once per form key.

use super::ORDER_FORM_LINES;
use crate::access::VisibleEnrollment;
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::domain::{format_date, parse_date, ProductKind, Quantity, UserId};
use crate::error::AppError;
use crate::state::AppState;
use time::Date;

/// Whether a record is a partner's order or a customer's reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderKind {
    Order,
    Reservation,
}

impl OrderKind {
    fn code(self) -> &'static str {
        match self {
            OrderKind::Order => "order",
            OrderKind::Reservation => "reservation",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            OrderKind::Order => "OR",
            OrderKind::Reservation => "RS",
        }
    }
}

/// A catalogue product found by its code.
#[derive(Debug, Clone)]
pub struct CatalogueProduct {
    pub id: i64,
    pub name: String,
    pub kind: ProductKind,
}

/// Finds a product by code; `field` names the form field for the message.
pub async fn product_by_code(
    db: &Db,
    code: &str,
    field: &str,
) -> Result<CatalogueProduct, AppError> {
    let code = code.trim();
    if code.is_empty() {
        return Err(AppError::invalid(field, "Choose a product."));
    }
    let row = sqlx::query_as::<_, (i64, String, String)>(
        "SELECT id, name, kind FROM products WHERE code = $1",
    )
    .bind(code)
    .fetch_optional(db.pool())
    .await?
    .ok_or_else(|| {
        AppError::invalid(
            field,
            "Choose a product from the list; that one is not in the catalogue.",
        )
    })?;
    Ok(CatalogueProduct {
        id: row.0,
        name: row.1,
        kind: ProductKind::parse(&row.2).map_err(|_| AppError::Internal)?,
    })
}

/// An order or reservation to record.
#[derive(Debug, Clone)]
pub struct NewOrder<'a> {
    pub kind: OrderKind,
    pub enrollment: &'a VisibleEnrollment,
    pub purchase_date: Date,
    pub usage_start_date: Date,
    pub lines: Vec<(CatalogueProduct, Quantity)>,
    pub placed_by: Option<UserId>,
    pub placed_at: i64,
    /// The form's key: a second submission with the same key records nothing.
    pub request_key: &'a str,
}

fn order_number(kind: OrderKind) -> String {
    use rand::Rng;
    format!(
        "{}-{:010}",
        kind.prefix(),
        rand::thread_rng().gen_range(0..10_000_000_000u64)
    )
}

/// Records the order, its lines and its activation-queue entry in one
/// transaction. Returns the order number, also when the same form was already
/// submitted (then nothing new is written).
pub async fn record(db: &Db, order: NewOrder<'_>) -> Result<String, AppError> {
    let key = crate::keys::submitted_form_key(order.request_key)?;
    let mut tx = db.begin().await?;
    if let Some(existing) =
        sqlx::query_scalar::<_, String>("SELECT order_number FROM orders WHERE request_key = $1")
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?
    {
        return Ok(existing);
    }
    let number = order_number(order.kind);
    let inserted = sqlx::query_scalar::<_, i64>(
        "INSERT INTO orders (order_number, kind, enrollment_id, customer_id, partner_id, purchase_date, \
         usage_start_date, status, placed_by, placed_at, request_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'placed', $8, $9, $10) \
         ON CONFLICT (request_key) DO NOTHING RETURNING id",
    )
    .bind(&number)
    .bind(order.kind.code())
    .bind(order.enrollment.id)
    .bind(order.enrollment.customer_id)
    .bind(order.enrollment.partner_id)
    .bind(format_date(order.purchase_date))
    .bind(format_date(order.usage_start_date))
    .bind(order.placed_by)
    .bind(order.placed_at)
    .bind(key)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(order_id) = inserted else {
        // A concurrent submission of the same form won the race.
        tx.rollback().await?;
        return Ok(sqlx::query_scalar::<_, String>(
            "SELECT order_number FROM orders WHERE request_key = $1",
        )
        .bind(key)
        .fetch_one(db.pool())
        .await?);
    };
    for (i, (product, quantity)) in order.lines.iter().enumerate() {
        sqlx::query("INSERT INTO order_lines (order_id, line_number, product_id, quantity) VALUES ($1, $2, $3, $4)")
            .bind(order_id)
            .bind(i as i64 + 1)
            .bind(product.id)
            .bind(i64::from(quantity.get()))
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "INSERT INTO activation_queue (order_id, enrollment_id, enqueued_at) VALUES ($1, $2, $3)",
    )
    .bind(order_id)
    .bind(order.enrollment.id)
    .bind(order.placed_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(number)
}

/// The order form as submitted: product and quantity per line (blank lines
/// after the first are skipped).
#[derive(Debug, Clone)]
pub struct OrderForm {
    pub enrollment: String,
    pub lines: [(String, String); ORDER_FORM_LINES],
    pub purchase_date: String,
    pub usage_start_date: String,
    pub request_key: String,
}

/// Places a partner's order on one of its customers' enrollments (R1: the
/// order is what the activation engine acts on). Each field is checked, and a
/// refused field is named.
pub async fn place(
    state: &AppState,
    user: &CurrentUser,
    form: OrderForm,
) -> Result<String, AppError> {
    AppError::require(
        "enrollment",
        &form.enrollment,
        "Enter the enrollment number.",
    )?;
    let target = crate::access::records::order(&state.db, user, &form.enrollment).await?;
    let mut lines = Vec::new();
    for (i, (product, quantity)) in form.lines.iter().enumerate() {
        let n = i + 1;
        if product.trim().is_empty() && quantity.trim().is_empty() && n > 1 {
            continue;
        }
        let product = product_by_code(&state.db, product, &format!("product_{n}")).await?;
        let quantity = Quantity::parse(quantity)
            .map_err(|m| AppError::invalid(&format!("quantity_{n}"), m))?;
        lines.push((product, quantity));
    }
    let today = state.clock.now().date();
    let purchase = parse_date(&form.purchase_date, "purchase date")
        .map_err(|m| AppError::invalid("purchase_date", m))?;
    if purchase > today {
        return Err(AppError::invalid(
            "purchase_date",
            "The purchase date cannot be in the future.",
        ));
    }
    let usage = parse_date(&form.usage_start_date, "usage start date")
        .map_err(|m| AppError::invalid("usage_start_date", m))?;
    if usage < purchase {
        return Err(AppError::invalid(
            "usage_start_date",
            "The usage start date cannot be before the purchase date.",
        ));
    }
    record(
        &state.db,
        NewOrder {
            kind: OrderKind::Order,
            enrollment: &target,
            purchase_date: purchase,
            usage_start_date: usage,
            lines,
            placed_by: Some(user.id),
            placed_at: state.now_unix(),
            request_key: &form.request_key,
        },
    )
    .await
}
