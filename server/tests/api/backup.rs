//! Backups that restore: a copy taken while orders and sign-ins are being
//! written, restored into a fresh portal with the same configured keys.

use crate::activation::{link_token, mailbox_bodies, order, setup};
use crate::helpers::{spawn_app_with, Backend, TestApp, PASSWORD};

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

/// What a restored portal must show of what was there before the backup.
struct Before {
    orders: i64,
    audit: i64,
    sent_outbox_id: i64,
    token: String,
}

/// One activation email sent through the demo mailbox, its link unused.
async fn portal_with_history(backend: Backend) -> (TestApp, crate::fixture::Fixture, Before) {
    let (app, f) = setup(backend).await;
    order(&app, &f.own, &["M365-E3"], 0, "before-the-backup").await;
    assert_eq!(app.work().await, (1, 1));
    let token = link_token(&mailbox_bodies(&app).await[0]);
    let sent_outbox_id: i64 = sqlx::query_scalar("SELECT id FROM outbox WHERE status = 'sent'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    app.signed_in_with("osm@contoso.example", PASSWORD).await;
    let before = Before {
        orders: count(&app, "orders").await,
        audit: count(&app, "audit_trail").await,
        sent_outbox_id,
        token,
    };
    (app, f, before)
}

/// Everything committed before the backup is in the restored portal; the
/// audit trail still refuses changes; the email already sent is not sent
/// again; the link sent before the backup still opens.
async fn the_restored_portal_holds_what_was_committed(
    restored: &TestApp,
    before: &Before,
    after_orders: i64,
) {
    let orders = count(restored, "orders").await;
    assert!(
        (before.orders..=after_orders).contains(&orders),
        "{orders} orders restored, {} before the backup, {after_orders} after",
        before.orders
    );
    assert!(count(restored, "audit_trail").await >= before.audit);
    for change in [
        "UPDATE audit_trail SET action = 'rewritten'",
        "DELETE FROM audit_trail",
    ] {
        assert!(
            sqlx::query(change)
                .execute(restored.db.pool())
                .await
                .is_err(),
            "the restored audit trail refuses {change}"
        );
    }
    restored.work().await;
    let copies: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM demo_mailbox WHERE outbox_id = $1")
        .bind(before.sent_outbox_id)
        .fetch_one(restored.db.pool())
        .await
        .unwrap();
    assert_eq!(
        copies, 1,
        "the email sent before the backup is not sent again"
    );
    let page = restored
        .get(&format!("/activate/{}", before.token), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("We do not recognise this activation link") && !page.contains("expired"),
        "the link still opens: {page}"
    );
}

#[tokio::test]
async fn a_sqlite_backup_taken_while_the_portal_serves_restores_into_a_working_portal() {
    let (app, f, before) = portal_with_history(Backend::Sqlite).await;
    let dir = std::env::temp_dir().join(format!("vl-portal-backup-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("portal-backup.db");
    let settings = {
        let mut s = server::Settings::from_lookup(|_| None).unwrap();
        s.database_url = app.database_url.clone();
        s
    };
    let writer = async {
        for n in 0..20 {
            order(
                &app,
                &f.other,
                &["M365-E3"],
                0,
                &format!("during-the-backup-{n}"),
            )
            .await;
            app.sign_in("osm@contoso.example", PASSWORD, None).await;
        }
    };
    let (took, ()) = tokio::join!(server::backup::backup(&settings, &copy), writer);
    took.unwrap();
    let after_orders = count(&app, "orders").await;
    assert!(
        server::backup::backup(&settings, &copy)
            .await
            .unwrap_err()
            .contains("already exists"),
        "a backup never overwrites a file"
    );

    let keys = app.state.link_keys.to_lines();
    let url = format!("sqlite:{}", copy.display());
    let restored = spawn_app_with(Backend::Sqlite, |s| {
        s.database_url = url;
        s.activation_link_keys = Some(keys);
    })
    .await;
    the_restored_portal_holds_what_was_committed(&restored, &before, after_orders).await;
    std::fs::remove_dir_all(&dir).ok();
}

/// PostgreSQL's own tools, as docs/operations.md gives them: `pg_dump
/// --format=custom`, then `pg_restore` into an empty database.
#[tokio::test]
async fn a_postgresql_dump_restores_into_a_working_portal() {
    if !crate::helpers::postgres_available().await {
        return;
    }
    let (app, _f, before) = portal_with_history(Backend::Postgres).await;
    let after_orders = count(&app, "orders").await;
    let dump = std::env::temp_dir().join(format!("vl-portal-{}.dump", rand::random::<u64>()));
    let status = std::process::Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(&dump)
        .arg(&app.database_url)
        .status()
        .expect("pg_dump runs");
    assert!(status.success());
    let restored_url = crate::helpers::fresh_database_url(Backend::Postgres).await;
    let status = std::process::Command::new("pg_restore")
        .args(["--no-owner", "--dbname"])
        .arg(&restored_url)
        .arg(&dump)
        .status()
        .expect("pg_restore runs");
    assert!(status.success());
    std::fs::remove_file(&dump).ok();
    let keys = app.state.link_keys.to_lines();
    let restored = spawn_app_with(Backend::Postgres, |s| {
        s.database_url = restored_url;
        s.activation_link_keys = Some(keys);
    })
    .await;
    the_restored_portal_holds_what_was_committed(&restored, &before, after_orders).await;
}
