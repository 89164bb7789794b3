//! PostgreSQL's plans for the outbox's claims right after a burst: the
//! statistics were taken when the outbox was empty, the way they are when
//! thousands of activation emails arrive at once. A claim must still walk the
//! queue's partial index in order and stop at its limit, not read every due message
//! and sort them (about 100 ms instead of 1 ms a claim on the large data set).

use crate::helpers::{postgres_available, test_settings, Backend};
use app::db::{read_as, Db, Reading};
use app::mail::sending::{claim_statement, REQUEUE_LAPSED_LEASES};

/// The plan of `statement` (whose binds are now, then the limit, then where
/// the last claim stopped) on an outbox and queue of 20,000 due messages
/// whose statistics were taken empty.
async fn plan_after_a_burst(reading: Option<Reading>, statement: &str) -> String {
    let db = Db::connect(&test_settings(Backend::Postgres).await.database_url)
        .await
        .unwrap();
    db.migrate().await.unwrap();
    sqlx::query("ANALYZE outbox, outbox_queue")
        .execute(db.pool())
        .await
        .unwrap();
    for burst in [
        "INSERT INTO outbox (to_email, subject, template, message_id, not_before, status, attempts, \
         next_attempt_at, created_at) \
         SELECT 'osm' || n || '@example.com', 'Subject', 'ols', '<' || n || '@test.invalid>', 0, 'queued', 0, n, 0 \
         FROM generate_series(1, 20000) AS n",
        "INSERT INTO outbox_queue (id, next_attempt_at) SELECT id, next_attempt_at FROM outbox",
    ] {
        sqlx::query(burst).execute(db.pool()).await.unwrap();
    }
    let mut tx = db.begin().await.unwrap();
    if let Some(reading) = reading {
        read_as(&mut tx, db.backend(), reading).await.unwrap();
    }
    let explain = format!("EXPLAIN {statement}");
    let mut query = sqlx::query_scalar(&explain).bind(50_000i64);
    if statement.contains("$2") {
        query = query.bind(250i64);
    }
    if statement.contains("$4") {
        query = query.bind(100i64).bind(100i64);
    }
    let lines: Vec<String> = query.fetch_all(&mut *tx).await.unwrap();
    tx.rollback().await.unwrap();
    db.pool().close().await;
    lines.join("\n")
}

#[tokio::test]
async fn a_claim_walks_the_due_index_in_order_even_with_stale_statistics() {
    if !postgres_available().await {
        return;
    }
    let plan = plan_after_a_burst(
        Some(Reading::IndexScansAndLookups),
        &claim_statement(app::db::Backend::Postgres),
    )
    .await;
    assert!(plan.contains("Index Scan using outbox_due"), "{plan}");
    // It starts where the last claim stopped, not at the index's start.
    assert!(
        plan.lines()
            .any(|l| l.contains("Index Cond") && l.contains("ROW(next_attempt_at, id) > ROW(")),
        "{plan}"
    );
    assert!(!plan.contains("Sort"), "{plan}");
    // The facts of each message are looked up by key, not read whole.
    assert!(!plan.contains("Seq Scan"), "{plan}");
    let plan = plan_after_a_burst(Some(Reading::IndexScansAndLookups), REQUEUE_LAPSED_LEASES).await;
    assert!(plan.contains("outbox_leases"), "{plan}");
}

/// The reason for the setting: without it the same claim reads and sorts.
#[tokio::test]
async fn without_the_setting_the_planner_would_sort_every_due_message() {
    if !postgres_available().await {
        return;
    }
    let plan = plan_after_a_burst(None, &claim_statement(app::db::Backend::Postgres)).await;
    assert!(plan.contains("Sort"), "{plan}");
}
