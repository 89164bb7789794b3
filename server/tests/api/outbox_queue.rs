//! The outbox's queue holds a message exactly while it is still to be sent:
//! written with it, moved to its next try when a try fails, and taken out
//! once it is sent, given up or withdrawn. On both databases.

use crate::accounts::{invite, pending, ADMIN};
use crate::activation::{one_email_queued, send_now, Recorder, Refusing};
use crate::both_backends;
use crate::fixture::fixture;
use crate::helpers::{spawn_app, Backend, TestApp};
use app::mail::{backoff_seconds, MAX_ATTEMPTS};
use std::time::Duration;

/// The queue: outbox id, when due, the lease's end.
async fn queue(app: &TestApp) -> Vec<(i64, i64, Option<i64>)> {
    sqlx::query_as("SELECT id, next_attempt_at, claimed_until FROM outbox_queue ORDER BY id")
        .fetch_all(app.db.pool())
        .await
        .unwrap()
}

/// The outbox: id, status, next try.
async fn messages(app: &TestApp) -> Vec<(i64, String, i64)> {
    sqlx::query_as("SELECT id, status, next_attempt_at FROM outbox ORDER BY id")
        .fetch_all(app.db.pool())
        .await
        .unwrap()
}

async fn a_message_is_queued_until_it_is_sent(backend: Backend) {
    let (app, _) = one_email_queued(backend, "queued").await;
    let [(id, status, due)] = &messages(&app).await[..] else {
        panic!("one message is written");
    };
    assert_eq!(status, "queued");
    assert_eq!(queue(&app).await, [(*id, *due, None)]);

    assert_eq!(send_now(&app, &Recorder::default()).await, 1);
    assert_eq!(messages(&app).await[0].1, "sent");
    assert_eq!(queue(&app).await, []);
    assert_eq!(send_now(&app, &Recorder::default()).await, 0);
}

async fn a_failed_try_queues_the_next_and_the_last_takes_the_message_out(backend: Backend) {
    let (app, _) = one_email_queued(backend, "failing").await;
    for attempt in 1..=MAX_ATTEMPTS {
        send_now(&app, &Refusing).await;
        let [(id, status, due)] = &messages(&app).await[..] else {
            panic!("one message is written");
        };
        if attempt < MAX_ATTEMPTS {
            assert_eq!(status, "queued");
            assert_eq!(*due, app.state.now_unix() + backoff_seconds(attempt));
            assert_eq!(queue(&app).await, [(*id, *due, None)]);
        } else {
            assert_eq!(status, "failed");
            assert_eq!(queue(&app).await, []);
        }
        app.clock.advance(Duration::from_secs(3600));
    }
    assert_eq!(send_now(&app, &Recorder::default()).await, 0);
}

async fn a_withdrawn_invitation_s_message_leaves_the_queue_unsent(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let admin = app.signed_in(ADMIN).await;
    invite(&app, &admin, "withdrawn@contoso.example", "ola").await;
    assert_eq!(queue(&app).await.len(), 1, "the invitation is queued");
    let id = pending(&app, &admin).await[0].id.to_string();
    let response = app
        .call_with("/api/withdraw-invitation", &[("id", &id)], &admin)
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    assert_eq!(queue(&app).await, []);
    assert_eq!(messages(&app).await[0].1, "failed");
    let recorder = Recorder::default();
    assert_eq!(send_now(&app, &recorder).await, 0);
    assert!(recorder.0.lock().unwrap().is_empty());
}

both_backends!(
    a_message_is_queued_until_it_is_sent,
    a_failed_try_queues_the_next_and_the_last_takes_the_message_out,
    a_withdrawn_invitation_s_message_leaves_the_queue_unsent,
);
