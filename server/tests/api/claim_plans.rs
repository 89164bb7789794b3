//! PostgreSQL's plans for the outbox's claims right after a burst: the
//! statistics were taken when the outbox was empty, the way they are when
//! thousands of activation emails arrive at once. A claim must still walk its
//! partial index in order and stop at its limit, not read every due message
//! and sort them (about 100 ms instead of 1 ms a claim on the large data set).

use crate::helpers::{postgres_available, test_settings, Backend};
use app::activation::outbox::{claim_statement, Claimable};
use app::db::{read_as, Db, Reading};

async fn plan_after_a_burst(reading: Option<Reading>, claim: Claimable) -> String {
    let db = Db::connect(&test_settings(Backend::Postgres).await.database_url)
        .await
        .unwrap();
    db.migrate().await.unwrap();
    sqlx::query("ANALYZE outbox")
        .execute(db.pool())
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO outbox (to_email, subject, template, message_id, not_before, status, attempts, \
         next_attempt_at, created_at) \
         SELECT 'osm' || n || '@example.com', 'Subject', 'ols', '<' || n || '@test.invalid>', 0, 'queued', 0, n, 0 \
         FROM generate_series(1, 20000) AS n",
    )
    .execute(db.pool())
    .await
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    if let Some(reading) = reading {
        read_as(&mut tx, db.backend(), reading).await.unwrap();
    }
    let explain = format!("EXPLAIN {}", claim_statement(db.backend(), claim));
    let query = sqlx::query_scalar(&explain);
    // The locking claim binds now and the limit; the leasing one the lease first.
    let query = match claim {
        Claimable::DueLocked => query,
        _ => query.bind(100_000i64),
    };
    let lines: Vec<String> = query
        .bind(50_000i64)
        .bind(250i64)
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    db.pool().close().await;
    lines.join("\n")
}

#[tokio::test]
async fn a_claim_walks_the_due_index_in_order_even_with_stale_statistics() {
    if !postgres_available().await {
        return;
    }
    for claim in [Claimable::Due, Claimable::DueLocked] {
        let plan = plan_after_a_burst(Some(Reading::IndexScans), claim).await;
        assert!(
            plan.contains("Index Scan using outbox_due"),
            "{claim:?}: {plan}"
        );
        assert!(!plan.contains("Sort"), "{claim:?}: {plan}");
    }
}

/// The reason for the setting: without it the same claim reads and sorts.
#[tokio::test]
async fn without_the_setting_the_planner_would_sort_every_due_message() {
    if !postgres_available().await {
        return;
    }
    let plan = plan_after_a_burst(None, Claimable::DueLocked).await;
    assert!(plan.contains("Sort"), "{plan}");
}
