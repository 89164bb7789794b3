//! Sessions kept in memory, and every instance told at once when one changes.
//!
//! A request reads its session record from this instance's memory when the
//! instance has read it before, and from the database otherwise. A change
//! (saved or deleted) goes to the database first; on PostgreSQL the instance
//! then announces the session's id on the `vlp_sessions` channel
//! (`pg_notify`), and every instance listening forgets its copy, so the next
//! request anywhere reads the new record. An instance that lost its listening
//! connection forgets every copy when it is back, since it may have missed an
//! announcement. SQLite serves one instance, which forgets its own copies.
//!
//! Whether someone is still signed in is not decided by this record: each
//! request reads its sign-in row with the user (see `app::auth::ssr`), so a
//! sign-out, a deactivation or a role change holds at the next request even
//! before an announcement arrives.

use async_trait::async_trait;
use moka::future::Cache;
use sqlx::postgres::{PgListener, PgPool};
use std::time::Duration;
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

/// The channel instances announce changed sessions on.
const CHANNEL: &str = "vlp_sessions";
/// How many sessions an instance keeps in memory.
const CAPACITY: u64 = 100_000;
/// A copy not used for this long is dropped.
const IDLE: Duration = Duration::from_secs(600);

/// A session store that keeps the records it reads in memory, over `S`.
#[derive(Debug, Clone)]
pub struct CachedSessions<S> {
    store: S,
    memory: Cache<Id, Record>,
    /// On PostgreSQL, where changes are announced.
    announce: Option<PgPool>,
    /// This instance's name in its announcements (it ignores its own).
    instance: Id,
}

impl<S> CachedSessions<S> {
    /// Keeps `store`'s records in memory. With `postgres`, announces changes
    /// and listens for other instances' announcements.
    pub fn new(store: S, postgres: Option<PgPool>) -> Self {
        let memory = Cache::builder()
            .max_capacity(CAPACITY)
            .time_to_idle(IDLE)
            .build();
        let instance = Id::default();
        if let Some(pool) = &postgres {
            tokio::spawn(listen(pool.clone(), memory.clone(), instance));
        }
        CachedSessions {
            store,
            memory,
            announce: postgres,
            instance,
        }
    }

    /// Tells the other instances that `id` changed.
    async fn announce(&self, id: &Id) -> session_store::Result<()> {
        if let Some(pool) = &self.announce {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(format!("{} {id}", self.instance))
                .execute(pool)
                .await
                .map_err(|e| session_store::Error::Backend(e.to_string()))?;
        }
        Ok(())
    }
}

#[async_trait]
impl<S: SessionStore> SessionStore for CachedSessions<S> {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        self.store.create(record).await?;
        self.memory.insert(record.id, record.clone()).await;
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.store.save(record).await?;
        self.memory.insert(record.id, record.clone()).await;
        self.announce(&record.id).await
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        if let Some(record) = self.memory.get(id).await {
            if record.expiry_date > OffsetDateTime::now_utc() {
                return Ok(Some(record));
            }
            self.memory.invalidate(id).await;
            return Ok(None);
        }
        let record = self.store.load(id).await?;
        if let Some(record) = &record {
            self.memory.insert(*id, record.clone()).await;
        }
        Ok(record)
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.store.delete(id).await?;
        self.memory.invalidate(id).await;
        self.announce(id).await
    }
}

/// Forgets the copy of every session another instance announces.
async fn listen(pool: PgPool, memory: Cache<Id, Record>, instance: Id) {
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for session changes; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "cannot listen for session changes; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        // Announcements made while not listening are lost: forget everything.
        memory.invalidate_all();
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => {
                    let Some((from, id)) = notification.payload().split_once(' ') else {
                        continue;
                    };
                    if from == instance.to_string() {
                        continue;
                    }
                    match id.parse::<Id>() {
                        Ok(id) => memory.invalidate(&id).await,
                        // Not an id: forget everything rather than keep a stale copy.
                        Err(_) => memory.invalidate_all(),
                    }
                }
                // The connection dropped and was made again: anything may
                // have been missed meanwhile.
                Ok(None) => memory.invalidate_all(),
                Err(e) => {
                    tracing::warn!(error = %e, "stopped listening for session changes");
                    memory.invalidate_all();
                    break;
                }
            }
        }
    }
}
