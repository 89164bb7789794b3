//! The activation-link keys live in the configuration (R9's links are HMACs
//! under them): a rotated key keeps its links working, and a copy of the
//! database alone makes no link.

use crate::activation::{link_token, mailbox_bodies, order, setup};
use crate::both_backends;
use crate::fixture::{fixture, OWN};
use crate::helpers::{spawn_app_with, Backend, TestApp};
use app::activation::redeem::link_state;
use app::activation::LinkState;
use app::keys::link::{token, token_hash, LinkKey, LinkKeys};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::time::Duration;

const SUPPORT: &str = "support@ops.example";

/// A second portal instance on the same database, with other keys.
async fn instance_with_keys(first: &TestApp, backend: Backend, keys: &LinkKeys) -> TestApp {
    let url = first.database_url.clone();
    let lines = keys.to_lines();
    spawn_app_with(backend, move |s| {
        s.database_url = url;
        s.activation_link_keys = Some(lines);
    })
    .await
}

async fn a_rotated_key_keeps_the_links_it_made_until_they_expire(backend: Backend) {
    let old = LinkKeys::single(LinkKey::generate("old"));
    let old_lines = old.to_lines();
    let first = spawn_app_with(backend, move |s| s.activation_link_keys = Some(old_lines)).await;
    let f = fixture(&first).await;
    order(&first, &f.own, &["M365-E3"], 0, "rotation").await;
    first.work().await;
    let old_link = link_token(&mailbox_bodies(&first).await[0]);
    assert!(old_link.starts_with("old."), "{old_link}");

    // The key is rotated: the new one makes links, the old one is kept.
    let ring = LinkKeys::parse(&format!(
        "{}{}",
        LinkKeys::single(LinkKey::generate("new")).to_lines(),
        old.to_lines()
    ))
    .unwrap();
    let rotated = instance_with_keys(&first, backend, &ring).await;
    let now = rotated.state.now_unix();
    assert!(matches!(
        link_state(&rotated.db, &old_link, now).await.unwrap(),
        LinkState::Valid { .. }
    ));
    // R4: a resend writes the same link, made again with the old key.
    let support = rotated.signed_in(SUPPORT).await;
    let fields = [
        ("enrollment", OWN),
        ("asked_by", "Ana"),
        ("request_key", "support-form-key-rotation-resend"),
    ];
    let r = rotated
        .call_with("/api/support/resend", &fields, &support)
        .await;
    assert_eq!(
        r.status(),
        reqwest::StatusCode::OK,
        "{}",
        r.text().await.unwrap()
    );
    rotated.work().await;
    let bodies = mailbox_bodies(&rotated).await;
    assert_eq!(
        link_token(&bodies[1]),
        old_link,
        "the old link, written again"
    );

    // R9: once expired and reactivated, the link is made with the current key.
    rotated.clock.advance(Duration::from_secs(190 * 86_400));
    let support = rotated.signed_in(SUPPORT).await;
    let fields = [
        ("enrollment", OWN),
        ("asked_by", "Ana"),
        ("request_key", "support-form-key-rotation-reactivate"),
    ];
    let r = rotated
        .call_with("/api/support/reactivate", &fields, &support)
        .await;
    assert_eq!(
        r.status(),
        reqwest::StatusCode::OK,
        "{}",
        r.text().await.unwrap()
    );
    rotated.work().await;
    let bodies = mailbox_bodies(&rotated).await;
    let new_link = link_token(bodies.last().unwrap());
    assert!(new_link.starts_with("new."), "{new_link}");
    let now = rotated.state.now_unix();
    assert!(matches!(
        link_state(&rotated.db, &new_link, now).await.unwrap(),
        LinkState::Valid { .. }
    ));
}

/// Every value of every table (sessions included), as bytes.
async fn every_value(app: &TestApp) -> Vec<Vec<u8>> {
    let tables: Vec<String> = match app.db.backend() {
        app::db::Backend::Sqlite => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(app.db.pool())
        .await
        .unwrap(),
        app::db::Backend::Postgres => sqlx::query_scalar(
            "SELECT table_schema::text || '.' || table_name::text FROM information_schema.tables \
             WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
        )
        .fetch_all(app.db.pool())
        .await
        .unwrap(),
    };
    assert!(tables.len() > 10, "{tables:?}");
    let mut values = Vec::new();
    for table in tables {
        let columns: Vec<String> = match app.db.backend() {
            app::db::Backend::Sqlite => {
                sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
                    .fetch_all(app.db.pool())
                    .await
                    .unwrap()
            }
            app::db::Backend::Postgres => {
                let (schema, name) = table.split_once('.').unwrap();
                sqlx::query_scalar(
                    "SELECT column_name::text FROM information_schema.columns \
                     WHERE table_schema = $1 AND table_name = $2",
                )
                .bind(schema)
                .bind(name)
                .fetch_all(app.db.pool())
                .await
                .unwrap()
            }
        };
        // Every column read as text, whatever its type.
        let cast = |c: &str| {
            match app.db.backend() {
            // Blobs (the sessions) in hex; the check below also decodes hex.
            app::db::Backend::Sqlite => format!(
                "CASE WHEN typeof(\"{c}\") = 'blob' THEN hex(\"{c}\") ELSE CAST(\"{c}\" AS TEXT) END"
            ),
            app::db::Backend::Postgres => format!("\"{c}\"::text"),
        }
        };
        let select = columns
            .iter()
            .map(|c| cast(c))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!("SELECT {select} FROM {table}"))
            .fetch_all(app.db.pool())
            .await
            .unwrap();
        for row in rows {
            for i in 0..row.len() {
                if let Ok(Some(v)) = row.try_get::<Option<String>, _>(i) {
                    values.push(v.into_bytes());
                }
            }
        }
    }
    values
}

async fn a_copy_of_the_database_mints_no_link(backend: Backend) {
    let (app, f) = setup(backend).await;
    order(&app, &f.own, &["M365-E3"], 0, "copy").await;
    app.work().await;
    let link = link_token(&mailbox_bodies(&app).await[0]);
    let (id, version, key_id, stored): (i64, i64, String, String) =
        sqlx::query_as("SELECT id, link_version, link_key_id, token_hash FROM activations")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    // With the configured key the link is made again: the check below can fail.
    let key = app.state.link_keys.by_id(&key_id).unwrap();
    assert_eq!(token(key, id, version), link);
    assert_eq!(token_hash(&link), stored);

    let values = every_value(&app).await;
    assert!(values.len() > 100, "the copy holds the whole database");
    let secret_hex = app.state.link_keys.to_lines();
    let secret_hex = secret_hex.trim().split_once(':').unwrap().1;
    let mut tried = 0;
    let secret_bytes = hex::decode(secret_hex).unwrap();
    for value in &values {
        let decoded = hex::decode(value).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(value)
                .to_lowercase()
                .contains(secret_hex)
                && !decoded
                    .windows(secret_bytes.len())
                    .any(|w| w == secret_bytes),
            "the key is nowhere in the database"
        );
        for material in [value.as_slice(), decoded.as_slice()] {
            // As an HMAC key, the way links are made now.
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(material).unwrap();
            mac.update(b"vl-portal activation link\0");
            mac.update(&id.to_be_bytes());
            mac.update(&version.to_be_bytes());
            let guess = format!("{key_id}.{}", hex::encode(mac.finalize().into_bytes()));
            assert_ne!(
                token_hash(&guess),
                stored,
                "a value of the database made the link"
            );
            // As the secret of the plain hash links were once made with.
            let mut h = Sha256::new();
            h.update(b"vl-portal activation link\0");
            h.update(material);
            h.update(id.to_be_bytes());
            h.update(version.to_be_bytes());
            assert_ne!(token_hash(&hex::encode(h.finalize())), stored);
            tried += 1;
        }
    }
    assert!(tried > 200);
}

both_backends!(
    a_rotated_key_keeps_the_links_it_made_until_they_expire,
    a_copy_of_the_database_mints_no_link,
);
