//! The activation engine: decides the orders waiting in the activation queue in
//! batches. Each batch is one transaction: claim the orders, gather their facts
//! with a few set-based queries, decide them with [`decision::decide`] (R1, R2,
//! R8, R11), and write the decisions, activations and emails with multi-row
//! statements. A batch that fails leaves none of its orders decided.

use super::decision::{
    self, AdministeredAccount, BatchFacts, Decision, Effect, EnrollmentFacts, OrderFacts,
};
use super::templates::Template;
use crate::db::{read_as, Backend, Db, Reading, Tx};
use crate::domain::{OrderStatus, ProductKind};
use crate::error::AppError;
use crate::keys::link::{self, LinkKey, LinkKeys};
use crate::mail::{Message, Queued};
use std::collections::{HashMap, HashSet};
use time::OffsetDateTime;

pub use super::decision::{link_expiry, Outcome};

/// Orders claimed and decided in one transaction.
const BATCH: usize = 1000;
/// Rows written by one multi-row statement.
const ROWS_PER_STATEMENT: usize = 250;

/// Which queued orders a batch claims.
enum Claim<'a> {
    /// The oldest undecided, at most this many; of the share `k` of `n` (by
    /// enrollment) when given.
    Oldest(usize, Option<(usize, usize)>),
    /// These, if still undecided.
    These(&'a [i64]),
}

/// Decides the orders waiting in the activation queue, oldest first, at most
/// `limit` of them. Returns how many were decided here. Safe to run in several
/// portal instances at once: a batch claims its orders inside its transaction
/// (on PostgreSQL skipping those another instance holds).
pub async fn decide_pending(
    db: &Db,
    keys: &LinkKeys,
    now: OffsetDateTime,
    limit: i64,
) -> Result<usize, AppError> {
    let key = keys.current();
    let at = now.unix_timestamp();
    let limit = usize::try_from(limit).unwrap_or(0);
    match db.backend() {
        // One writer: batches one after the other.
        Backend::Sqlite => decide_share(db, key, at, limit, None).await,
        // The server works on one batch while the portal prepares the other:
        // the queue is shared by enrollment, so two batches never hold orders
        // of the same enrollment (R1 stays a matter of one batch).
        Backend::Postgres => {
            let shares = (0..SHARES)
                .map(|k| decide_share(db, key, at, limit.div_ceil(SHARES), Some((k, SHARES))));
            let mut decided = 0;
            for share in futures::future::join_all(shares).await {
                decided += share?;
            }
            Ok(decided)
        }
    }
}

/// Batches decided side by side on PostgreSQL.
const SHARES: usize = 2;
// Each share's claim walks the index the migrations made for two shares.
const _: () = assert!(
    SHARES == 2,
    "activation_queue_shares indexes enrollment_id % 2"
);

/// Decides up to `limit` orders of one share of the queue (all of it on
/// SQLite), batch after batch.
async fn decide_share(
    db: &Db,
    key: &LinkKey,
    at: i64,
    limit: usize,
    share: Option<(usize, usize)>,
) -> Result<usize, AppError> {
    let mut decided = 0;
    while decided < limit {
        let mut claimed = Vec::new();
        let want = (limit - decided).min(BATCH);
        match decide_batch(db, Claim::Oldest(want, share), at, key, &mut claimed).await {
            Ok(0) => break,
            Ok(n) => decided += n,
            Err(e) if claimed.is_empty() => return Err(e),
            Err(e) => {
                // One bad order must hold back no other: the batch is done
                // again one order per transaction.
                tracing::warn!(error = %e, "a batch of decisions failed; deciding one by one");
                let mut alone = 0;
                for id in &claimed {
                    match decide_batch(
                        db,
                        Claim::These(std::slice::from_ref(id)),
                        at,
                        key,
                        &mut Vec::new(),
                    )
                    .await
                    {
                        Ok(n) => alone += n,
                        Err(e) => {
                            tracing::error!(queue = id, error = %e, "an order could not be decided; it stays queued")
                        }
                    }
                }
                decided += alone;
                if alone == 0 {
                    break;
                }
            }
        }
    }
    Ok(decided)
}

async fn decide_batch(
    db: &Db,
    claim: Claim<'_>,
    at: i64,
    key: &LinkKey,
    claimed: &mut Vec<i64>,
) -> Result<usize, AppError> {
    let mut tx = db.begin().await?;
    let ids = claim_orders(&mut tx, db.backend(), claim, at).await?;
    if ids.is_empty() {
        tx.rollback().await?;
        return Ok(0);
    }
    claimed.extend_from_slice(&ids);
    let (facts, email) = gather(&mut tx, db.backend(), &ids).await?;
    let decisions = decision::decide(&facts, at).map_err(|u| {
        tracing::error!(order = u.order_id, "an order's stored dates cannot be read");
        AppError::Internal
    })?;
    write(&mut tx, db.backend(), &decisions, &email, at, key).await?;
    tx.commit().await?;
    Ok(ids.len())
}

/// Marks the orders decided (inside the batch's transaction) and returns their
/// queue ids, oldest first.
async fn claim_orders(
    tx: &mut Tx,
    backend: Backend,
    claim: Claim<'_>,
    at: i64,
) -> Result<Vec<i64>, AppError> {
    // On SQLite the transaction holds the write lock already; on PostgreSQL
    // rows another instance is deciding are left to it.
    let lock = match backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    read_as(tx, backend, Reading::IndexScans).await?;
    let ids: Vec<i64> = match claim {
        Claim::Oldest(n, None) => {
            sqlx::query_scalar(&format!(
            "SELECT id FROM activation_queue WHERE decided_at IS NULL ORDER BY id LIMIT $1{lock}"
        ))
            .bind(n as i64)
            .fetch_all(&mut **tx)
            .await?
        }
        Claim::Oldest(n, Some((k, shares))) => {
            // Written with the number itself, so that PostgreSQL walks the
            // share's index (`activation_queue_shares`).
            sqlx::query_scalar(&format!(
                "SELECT id FROM activation_queue \
                 WHERE decided_at IS NULL AND enrollment_id % {shares} = $2 ORDER BY id LIMIT $1{lock}"
            ))
            .bind(n as i64)
            .bind(k as i64)
            .fetch_all(&mut **tx)
            .await?
        }
        Claim::These(ids) => {
            let sql = format!(
                "SELECT id FROM activation_queue WHERE decided_at IS NULL AND id IN ({}) ORDER BY id{lock}",
                backend.placeholders(1, ids.len())
            );
            let mut q = sqlx::query_scalar(&sql);
            for id in ids {
                q = q.bind(*id);
            }
            q.fetch_all(&mut **tx).await?
        }
    };
    read_as(tx, backend, Reading::IndexLookups).await?;
    if ids.is_empty() {
        return Ok(ids);
    }
    let sql = format!(
        "UPDATE activation_queue SET decided_at = {} WHERE id IN ({})",
        backend.placeholders(1, 1),
        backend.placeholders(2, ids.len())
    );
    let mut q = sqlx::query(&sql).bind(at);
    for id in &ids {
        q = q.bind(*id);
    }
    q.execute(&mut **tx).await?;
    Ok(ids)
}

#[derive(sqlx::FromRow)]
struct QueuedOrder {
    order_id: i64,
    enrollment_id: i64,
    status: String,
    purchase_date: String,
    usage_start_date: String,
    enrollment_number: String,
    enrollment_name: String,
}

/// What a batch's activation emails will say of their orders and
/// enrollments, written on each activation so that sending its email reads
/// that one row.
#[derive(Default)]
struct EmailContents {
    /// What each order bought ([`super::templates::purchased`]), by order.
    purchased: HashMap<i64, String>,
    /// Number and name, by enrollment.
    enrollments: HashMap<i64, (String, String)>,
}

#[derive(sqlx::FromRow)]
struct OrderLine {
    order_id: i64,
    kind: String,
    product: String,
    quantity: i64,
}

/// Runs `sql` with each of its `IN` lists (written `{}`) holding `values`,
/// and returns the rows.
async fn fetch_in<T, V>(
    tx: &mut Tx,
    backend: Backend,
    sql: &str,
    values: &[V],
) -> Result<Vec<T>, AppError>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    V: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Clone + Send + Sync,
{
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let lists = sql.matches("{}").count();
    let mut parts = sql.split("{}");
    let mut text = parts.next().unwrap_or_default().to_string();
    for (k, part) in parts.enumerate() {
        text.push_str(&backend.placeholders(k * values.len() + 1, values.len()));
        text.push_str(part);
    }
    let mut q = sqlx::query_as::<_, T>(&text);
    for _ in 0..lists {
        for v in values {
            q = q.bind(v.clone());
        }
    }
    Ok(q.fetch_all(&mut **tx).await?)
}

/// The facts of the claimed orders, in a handful of set-based queries, and
/// what their emails would say.
async fn gather(
    tx: &mut Tx,
    backend: Backend,
    queue_ids: &[i64],
) -> Result<(BatchFacts, EmailContents), AppError> {
    let queued: Vec<QueuedOrder> = fetch_in(
        tx,
        backend,
        "SELECT o.id AS order_id, o.enrollment_id, o.status, o.purchase_date, o.usage_start_date, \
         e.enrollment_number, e.name AS enrollment_name \
         FROM activation_queue q JOIN orders o ON o.id = q.order_id \
         JOIN enrollments e ON e.id = o.enrollment_id WHERE q.id IN ({}) ORDER BY q.id",
        queue_ids,
    )
    .await?;
    let mut email = EmailContents::default();
    let order_ids: Vec<i64> = queued.iter().map(|o| o.order_id).collect();
    let mut enrollment_ids: Vec<i64> = queued.iter().map(|o| o.enrollment_id).collect();
    enrollment_ids.sort_unstable();
    enrollment_ids.dedup();

    let lines: Vec<OrderLine> = fetch_in(
        tx,
        backend,
        "SELECT l.order_id, p.kind, p.name AS product, l.quantity FROM order_lines l \
         JOIN products p ON p.id = l.product_id WHERE l.order_id IN ({}) ORDER BY l.order_id, l.line_number",
        &order_ids,
    )
    .await?;
    // (has an online service, has Azure) by order.
    let mut kinds_of: HashMap<i64, (bool, bool)> = HashMap::new();
    for line in &lines {
        let entry = kinds_of.entry(line.order_id).or_default();
        match ProductKind::parse(&line.kind) {
            Ok(ProductKind::OnlineService) => entry.0 = true,
            Ok(ProductKind::Azure) => entry.1 = true,
            _ => {}
        }
    }
    for order in lines.chunk_by(|a, b| a.order_id == b.order_id) {
        let bought = order.iter().map(|l| (l.product.as_str(), l.quantity));
        email
            .purchased
            .insert(order[0].order_id, super::templates::purchased(bought));
    }
    let mut facts = BatchFacts::default();
    for o in &queued {
        facts.orders.push(OrderFacts {
            order_id: o.order_id,
            enrollment_id: o.enrollment_id,
            cancelled: o.status == OrderStatus::Cancelled.code(),
            has_online: kinds_of.get(&o.order_id).is_some_and(|k| k.0),
            has_azure: kinds_of.get(&o.order_id).is_some_and(|k| k.1),
            purchase_date: o.purchase_date.clone(),
            usage_start_date: o.usage_start_date.clone(),
        });
        facts
            .enrollments
            .insert(o.enrollment_id, EnrollmentFacts::default());
        email
            .enrollments
            .entry(o.enrollment_id)
            .or_insert_with(|| (o.enrollment_number.clone(), o.enrollment_name.clone()));
    }

    let accounts: Vec<(i64, String)> = fetch_in(
        tx,
        backend,
        "SELECT ea.enrollment_id, a.domain FROM enrollment_accounts ea \
         JOIN online_accounts a ON a.id = ea.account_id WHERE ea.enrollment_id IN ({})",
        &enrollment_ids,
    )
    .await?;
    for (enrollment, domain) in accounts {
        if let Some(e) = facts.enrollments.get_mut(&enrollment) {
            e.account_domain = Some(domain);
        }
    }
    let contacts: Vec<(i64, String, String)> = fetch_in(
        tx,
        backend,
        "SELECT enrollment_id, contact_type, email FROM enrollment_contacts \
         WHERE contact_type IN ('osm', 'ntc') AND enrollment_id IN ({})",
        &enrollment_ids,
    )
    .await?;
    let mut addresses = HashSet::new();
    for (enrollment, contact, email) in contacts {
        let Some(e) = facts.enrollments.get_mut(&enrollment) else {
            continue;
        };
        addresses.insert(email.clone());
        match contact.as_str() {
            "osm" => e.osm_email = Some(email),
            _ => e.ntc_email = Some(email),
        }
    }
    let made: Vec<(i64, String)> = fetch_in(
        tx,
        backend,
        "SELECT enrollment_id, kind FROM activations WHERE enrollment_id IN ({})",
        &enrollment_ids,
    )
    .await?;
    for (enrollment, kind) in made {
        if let Some(e) = facts.enrollments.get_mut(&enrollment) {
            match Template::parse(&kind) {
                Some(Template::Ols) => e.ols_sent = true,
                Some(Template::Azure) => e.azure_sent = true,
                _ => {}
            }
        }
    }
    let addresses: Vec<String> = addresses.into_iter().collect();
    let administered: Vec<(i64, String, String, String)> = fetch_in(
        tx,
        backend,
        "SELECT id, domain, global_admin_email, billing_admin_email FROM online_accounts \
         WHERE global_admin_email IN ({}) OR billing_admin_email IN ({}) ORDER BY id",
        &addresses,
    )
    .await?;
    for (account_id, domain, global, billing) in administered {
        for address in [global, billing] {
            if addresses.contains(&address) {
                facts
                    .administered
                    .entry(address)
                    .or_insert_with(|| AdministeredAccount {
                        account_id,
                        domain: domain.clone(),
                    });
            }
        }
    }
    Ok((facts, email))
}

/// The ids the next `n` rows of `activations` will have, final before the
/// insert so that each link's token hash is written with its row.
async fn next_activation_ids(
    tx: &mut Tx,
    backend: Backend,
    n: usize,
) -> Result<Vec<i64>, AppError> {
    Ok(match backend {
        // The transaction holds SQLite's write lock: nobody else inserts.
        Backend::Sqlite => {
            let max: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM activations")
                .fetch_one(&mut **tx)
                .await?;
            (1..=n as i64).map(|i| max + i).collect()
        }
        Backend::Postgres => {
            sqlx::query_scalar(
                "SELECT nextval(pg_get_serial_sequence('activations', 'id')) FROM generate_series(1, $1)",
            )
            .bind(n as i64)
            .fetch_all(&mut **tx)
            .await?
        }
    })
}

/// Writes what the batch decided: associations, activations with their
/// links, outbox messages and the decisions, a few statements for all.
async fn write(
    tx: &mut Tx,
    backend: Backend,
    decisions: &[Decision],
    email: &EmailContents,
    at: i64,
    key: &LinkKey,
) -> Result<(), AppError> {
    let associations: Vec<(i64, i64)> = decisions
        .iter()
        .filter_map(|d| match d.effect {
            Effect::Associate { account_id } => Some((d.enrollment_id, account_id)),
            _ => None,
        })
        .collect();
    for rows in associations.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO enrollment_accounts (enrollment_id, account_id, associated_at) VALUES {} \
             ON CONFLICT (enrollment_id) DO NOTHING",
            backend.value_rows(rows.len(), 3)
        );
        let mut q = sqlx::query(&sql);
        for (enrollment, account) in rows {
            q = q.bind(*enrollment).bind(*account).bind(at);
        }
        q.execute(&mut **tx).await?;
    }

    let activating: Vec<(&Decision, i64, i64)> = decisions
        .iter()
        .filter_map(|d| match d.effect {
            Effect::Activate {
                expires_at,
                not_before,
            } => Some((d, expires_at, not_before)),
            _ => None,
        })
        .collect();
    let ids = next_activation_ids(tx, backend, activating.len()).await?;
    let activations: Vec<_> = activating.iter().zip(ids).collect();
    for rows in activations.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO activations (id, enrollment_id, order_id, kind, recipient_email, token_hash, \
             link_version, link_key_id, expires_at, created_at, enrollment_number, enrollment_name, \
             purchased) VALUES {}",
            backend.value_rows(rows.len(), 13)
        );
        let mut q = sqlx::query(&sql);
        for ((d, expires_at, _), id) in rows {
            let recipient = d
                .recipient
                .as_ref()
                .map(|r| r.0.clone())
                .unwrap_or_default();
            let (number, name) = email
                .enrollments
                .get(&d.enrollment_id)
                .cloned()
                .unwrap_or_default();
            let purchased = email
                .purchased
                .get(&d.order_id)
                .cloned()
                .unwrap_or_default();
            q = q
                .bind(*id)
                .bind(d.enrollment_id)
                .bind(d.order_id)
                .bind(d.kind.code())
                .bind(recipient)
                .bind(link::token_hash(&link::token(key, *id, 1)))
                .bind(1i64)
                .bind(key.id().to_string())
                .bind(*expires_at)
                .bind(at)
                .bind(number)
                .bind(name)
                .bind(purchased);
        }
        q.execute(&mut **tx).await?;
    }
    // Each activation's email, due when it is (R8: on the usage start date).
    let emails: Vec<Queued> = activations
        .iter()
        .map(|((d, _, not_before), id)| Queued {
            message: Message::Activation {
                activation_id: *id,
                enrollment_id: d.enrollment_id,
                template: d.kind,
            },
            to: d
                .recipient
                .as_ref()
                .map(|r| r.0.clone())
                .unwrap_or_default(),
            not_before: *not_before,
        })
        .collect();
    crate::mail::enqueue(tx, backend, &emails, at).await?;

    for rows in decisions.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO activation_decisions (order_id, enrollment_id, kind, outcome, reason, \
             recipient_email, recipient_contact, decided_at) VALUES {}",
            backend.value_rows(rows.len(), 8)
        );
        let mut q = sqlx::query(&sql);
        for d in rows {
            q = q
                .bind(d.order_id)
                .bind(d.enrollment_id)
                .bind(d.kind.code())
                .bind(d.outcome.code())
                .bind(d.reason.clone())
                .bind(d.recipient.as_ref().map(|r| r.0.clone()))
                .bind(d.recipient.as_ref().map(|r| r.1.code().to_string()))
                .bind(at);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}
