//! A migration keeps what the database held: a table made again still has
//! every row under its own id, and every row that names one still finds it;
//! a column added to a table is filled for the rows already there.

use crate::both_backends;
use crate::helpers::{test_settings, Backend};
use app::db::Db;
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::SqlitePool;
use std::path::{Path, PathBuf};
use std::str::FromStr;

fn migrations(backend: Backend) -> PathBuf {
    let folder = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrations")
        .join(folder)
}

/// A backend's migrations before `version`, copied to a folder of their own.
fn migrations_before(backend: Backend, version: i64) -> PathBuf {
    let dir = std::env::temp_dir().join("vl-portal-tests").join(format!(
        "migrations-before-{version}-{backend:?}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(migrations(backend)).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let number: i64 = name.split('_').next().unwrap().parse().unwrap();
        if number < version {
            std::fs::copy(&path, dir.join(&name)).unwrap();
        }
    }
    dir
}

/// SQLite keeps a UNIQUE of CREATE TABLE as long as the table, so the outbox
/// is made again when its Message-IDs lose their index (migration 14).
#[tokio::test]
async fn the_outbox_made_again_keeps_its_messages_and_what_names_them() {
    let url = test_settings(Backend::Sqlite).await.database_url;
    let options = SqliteConnectOptions::from_str(&url)
        .unwrap()
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = SqlitePool::connect_with(options).await.unwrap();
    let before = migrations_before(Backend::Sqlite, 14);
    Migrator::new(before.as_path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    std::fs::remove_dir_all(&before).unwrap();

    for (id, status) in [(1i64, "sent"), (2, "queued"), (3, "failed")] {
        sqlx::query(
            "INSERT INTO outbox (id, to_email, subject, template, message_id, not_before, status, \
             attempts, next_attempt_at, created_at) VALUES ($1, 'osm@contoso.example', 'Subject', 'ols', $2, 0, $3, 1, 0, 0)",
        )
        .bind(id)
        .bind(format!("<{id}@vl-portal.invalid>"))
        .bind(status)
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO delivery_failures (outbox_id, attempt, failed_at, kind, error) \
         VALUES (3, 1, 0, 'refused', '550 no such mailbox')",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO demo_mailbox (outbox_id, to_email, subject, body, message_id, delivered_at) \
         VALUES (1, 'osm@contoso.example', 'Subject', 'Body', '<1@vl-portal.invalid>', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();

    Migrator::new(migrations(Backend::Sqlite).as_path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();

    let kept: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, message_id, status FROM outbox ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        kept,
        vec![
            (1, "<1@vl-portal.invalid>".to_string(), "sent".to_string()),
            (2, "<2@vl-portal.invalid>".to_string(), "queued".to_string()),
            (3, "<3@vl-portal.invalid>".to_string(), "failed".to_string()),
        ]
    );
    let named: (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM delivery_failures f JOIN outbox o ON o.id = f.outbox_id), \
         (SELECT COUNT(*) FROM demo_mailbox m JOIN outbox o ON o.id = m.outbox_id)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(named, (1, 1));
    let broken: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(broken.is_empty(), "{broken:?}");
    // The outbox's index is back, and the queued message waits in the queue
    // (migration 16), whose indexes the claim walks.
    let indexes: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM pragma_index_list('outbox') WHERE origin <> 'pk' \
         UNION ALL SELECT name FROM pragma_index_list('outbox_queue') WHERE origin <> 'pk' ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let indexes: Vec<&str> = indexes.iter().map(|(n,)| n.as_str()).collect();
    assert_eq!(
        indexes,
        ["outbox_by_enrollment", "outbox_due", "outbox_leases"]
    );
    let queued: Vec<(i64, i64)> = sqlx::query_as("SELECT id, next_attempt_at FROM outbox_queue")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(queued, [(2, 0)]);
    pool.close().await;
}

/// An activation made before activations kept what their email says
/// (migration 15) is given it: its enrollment's number and name, and what its
/// order bought, in line order, as the engine now writes them.
async fn an_activation_made_before_keeps_what_its_email_says(backend: Backend) {
    let url = test_settings(backend).await.database_url;
    let db = Db::connect(&url).await.unwrap();
    let before = migrations_before(backend, 15);
    Migrator::new(before.as_path())
        .await
        .unwrap()
        .run(db.writer())
        .await
        .unwrap();
    std::fs::remove_dir_all(&before).unwrap();
    for statement in [
        "INSERT INTO organisations (id, name, kind) VALUES (1, 'Contoso', 'customer'), (2, 'Fabrikam', 'partner')",
        "INSERT INTO enrollments (id, enrollment_number, agreement_number, name, customer_id, partner_id, \
         start_date, end_date, status) VALUES (1, '70000001', 'A-1', 'Contoso main', 1, 2, '2026-01-01', \
         '2028-12-31', 'active')",
        "INSERT INTO orders (id, order_number, kind, enrollment_id, customer_id, partner_id, purchase_date, \
         usage_start_date, status, placed_at) VALUES (1, 'O-1', 'order', 1, 1, 2, '2026-11-01', '2026-11-01', \
         'placed', 0), (2, 'O-2', 'order', 1, 1, 2, '2026-11-01', '2026-11-01', 'placed', 0)",
        // The catalogue's own products; the second line's sorts first by name.
        "INSERT INTO order_lines (order_id, line_number, product_id, quantity) VALUES \
         (1, 2, (SELECT id FROM products WHERE code = 'EXO-P1'), 1), \
         (1, 1, (SELECT id FROM products WHERE code = 'M365-E3'), 25)",
        "INSERT INTO activations (id, enrollment_id, order_id, kind, recipient_email, token_hash, link_version, \
         expires_at, created_at) VALUES (1, 1, 1, 'ols', 'osm@contoso.example', 'a', 1, 0, 0), \
         (2, 1, 2, 'azure', 'ntc@contoso.example', 'b', 1, 0, 0)",
    ] {
        sqlx::query(statement).execute(db.writer()).await.unwrap();
    }

    db.migrate().await.unwrap();

    let kept: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, enrollment_number, enrollment_name, purchased FROM activations ORDER BY id",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    let facts = |id: i64, purchased: String| {
        (
            id,
            "70000001".to_string(),
            "Contoso main".to_string(),
            purchased,
        )
    };
    assert_eq!(
        kept,
        vec![
            facts(
                1,
                app::activation::templates::purchased([
                    ("Microsoft 365 E3", 25),
                    ("Exchange Online Plan 1", 1)
                ])
            ),
            // An order without lines bought nothing the email can name.
            facts(2, String::new()),
        ]
    );
    db.close().await;
}

both_backends!(an_activation_made_before_keeps_what_its_email_says);
