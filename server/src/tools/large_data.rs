//! A large data set for benchmarks: many organisations, enrollments and
//! reservations, written in big batches. Values are generated here (digits and
//! fixed words), so they are written into the SQL text directly.

use app::db::{Backend, Db};
use app::AppError;
use std::fmt::Write;
use std::time::Instant;

/// How much to generate.
#[derive(Debug, Clone, Copy)]
pub struct Volume {
    pub organisations: i64,
    pub enrollments: i64,
    pub reservations: i64,
}

impl Default for Volume {
    fn default() -> Self {
        Volume {
            organisations: 10_000,
            enrollments: 100_000,
            reservations: 1_000_000,
        }
    }
}

const ROWS_PER_STATEMENT: i64 = 1_000;
const STATEMENTS_PER_TRANSACTION: i64 = 20;

async fn next_id(db: &Db, table: &str) -> Result<i64, AppError> {
    Ok(
        sqlx::query_scalar::<_, i64>(&format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"))
            .fetch_one(db.pool())
            .await?,
    )
}

/// Inserts `count` rows, `row(i)` giving the values of row `i` as SQL text.
async fn insert_rows(
    db: &Db,
    head: &str,
    count: i64,
    row: impl Fn(i64) -> String,
) -> Result<(), AppError> {
    let mut i = 0;
    while i < count {
        let mut tx = db.begin().await?;
        for _ in 0..STATEMENTS_PER_TRANSACTION {
            if i >= count {
                break;
            }
            let end = (i + ROWS_PER_STATEMENT).min(count);
            let mut sql = String::with_capacity(128 * ROWS_PER_STATEMENT as usize);
            sql.push_str(head);
            for j in i..end {
                if j > i {
                    sql.push(',');
                }
                let _ = write!(sql, "({})", row(j));
            }
            sqlx::query(&sql).execute(&mut *tx).await?;
            i = end;
        }
        tx.commit().await?;
    }
    Ok(())
}

async fn fix_sequence(db: &Db, table: &str) -> Result<(), AppError> {
    if db.backend() == Backend::Postgres {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
        ))
        .execute(db.pool())
        .await?;
    }
    Ok(())
}

/// Whether a large data set is already present.
pub async fn present(db: &Db) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM organisations WHERE name = 'Generated customer 0000001'",
    )
    .fetch_one(db.pool())
    .await?
        > 0)
}

/// Generates the data set; prints progress. Running it twice is refused.
pub async fn generate(db: &Db, volume: Volume) -> Result<(), AppError> {
    if present(db).await? {
        println!("the large data set is already present");
        return Ok(());
    }
    let started = Instant::now();
    let partners = (volume.organisations / 50).max(1);
    let customers = (volume.organisations - partners).max(1);
    let org_base = next_id(db, "organisations").await?;
    insert_rows(
        db,
        "INSERT INTO organisations (id, name, kind) VALUES ",
        partners,
        |i| {
            format!(
                "{}, 'Generated partner {:07}', 'partner'",
                org_base + i,
                i + 1
            )
        },
    )
    .await?;
    let customer_base = org_base + partners;
    insert_rows(
        db,
        "INSERT INTO organisations (id, name, kind) VALUES ",
        customers,
        |i| {
            format!(
                "{}, 'Generated customer {:07}', 'customer'",
                customer_base + i,
                i + 1
            )
        },
    )
    .await?;
    insert_rows(
        db,
        "INSERT INTO partner_customers (partner_id, customer_id) VALUES ",
        customers,
        |i| format!("{}, {}", org_base + i % partners, customer_base + i),
    )
    .await?;
    fix_sequence(db, "organisations").await?;
    println!(
        "{} organisations in {:.1?}",
        partners + customers,
        started.elapsed()
    );

    let enrollment_base = next_id(db, "enrollments").await?;
    let customer_of = move |e: i64| customer_base + e % customers;
    let partner_of = move |e: i64| org_base + (e % customers) % partners;
    insert_rows(
        db,
        "INSERT INTO enrollments (id, enrollment_number, agreement_number, name, customer_id, partner_id, \
         start_date, end_date, status) VALUES ",
        volume.enrollments,
        |e| {
            format!(
                "{}, '{:08}', 'G{:07}', 'Generated enrollment {}', {}, {}, '2025-07-01', '2028-06-30', '{}'",
                enrollment_base + e,
                30_000_000 + e,
                e / 3,
                e + 1,
                customer_of(e),
                partner_of(e),
                if e % 10 == 9 { "expired" } else { "active" }
            )
        },
    )
    .await?;
    fix_sequence(db, "enrollments").await?;
    println!(
        "{} enrollments in {:.1?}",
        volume.enrollments,
        started.elapsed()
    );

    let product = sqlx::query_scalar::<_, i64>("SELECT id FROM products WHERE code = 'M365-E3'")
        .fetch_one(db.pool())
        .await?;
    let order_base = next_id(db, "orders").await?;
    insert_rows(
        db,
        "INSERT INTO orders (id, order_number, kind, enrollment_id, customer_id, partner_id, purchase_date, \
         usage_start_date, status, placed_at) VALUES ",
        volume.reservations,
        |r| {
            let e = r % volume.enrollments;
            format!(
                "{}, 'RS-G{:09}', 'reservation', {}, {}, {}, '2026-0{}-1{}', '2026-1{}-2{}', '{}', {}",
                order_base + r,
                r,
                enrollment_base + e,
                customer_of(e),
                partner_of(e),
                1 + r % 9,
                r % 10,
                r % 3,
                r % 8,
                if r % 20 == 19 { "cancelled" } else { "placed" },
                1_767_225_600 + r
            )
        },
    )
    .await?;
    insert_rows(
        db,
        "INSERT INTO order_lines (order_id, line_number, product_id, quantity) VALUES ",
        volume.reservations,
        |r| format!("{}, 1, {}, {}", order_base + r, product, 1 + r % 500),
    )
    .await?;
    fix_sequence(db, "orders").await?;
    println!(
        "{} reservations in {:.1?}",
        volume.reservations,
        started.elapsed()
    );
    // Fresh statistics, so both planners pick the keyset indexes.
    sqlx::query("ANALYZE").execute(db.pool()).await?;
    Ok(())
}

/// Gives every generated enrollment an OSM (where it has none) and puts up to
/// `orders` of the generated reservations in the activation queue. Returns
/// how many were queued.
pub async fn queue_for_activation(db: &Db, orders: i64) -> Result<u64, AppError> {
    sqlx::query(
        "INSERT INTO enrollment_contacts (enrollment_id, contact_type, name, email, phone) \
         SELECT id, 'osm', 'Generated OSM', 'osm' || id || '@generated.example', '+1 425 555 0100' \
         FROM enrollments WHERE name LIKE 'Generated enrollment %' \
         ON CONFLICT (enrollment_id, contact_type) DO NOTHING",
    )
    .execute(db.writer())
    .await?;
    Ok(sqlx::query(
        "INSERT INTO activation_queue (order_id, enrollment_id, enqueued_at) \
         SELECT id, enrollment_id, 0 FROM orders WHERE kind = 'reservation' AND status = 'placed' \
         AND id NOT IN (SELECT order_id FROM activation_queue) ORDER BY id LIMIT $1",
    )
    .bind(orders)
    .execute(db.writer())
    .await?
    .rows_affected())
}
