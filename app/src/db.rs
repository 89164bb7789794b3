//! The database: one code path for SQLite and PostgreSQL.
//!
//! Queries are runtime-checked `sqlx` queries over the `Any` driver with `$1`
//! placeholders, which both backends accept. Integers, text and 0/1 flags are the
//! only column types, so every row decodes the same way on both.

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::str::FromStr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Which database the portal runs on, from the `DATABASE_URL` scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default: one file.
    Sqlite,
    /// For several portal instances behind a load balancer.
    Postgres,
}

impl Backend {
    /// Picks the backend from a database URL, or says why the URL is not usable.
    pub fn from_url(url: &str) -> Result<Self, String> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err("DATABASE_URL must start with sqlite: or postgres://".into())
        }
    }

    /// The backend a connection (or a transaction) talks to.
    pub fn of(connection: &sqlx::AnyConnection) -> Self {
        if connection.backend_name() == "PostgreSQL" {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// The portal's connection pools.
#[derive(Clone, Debug)]
pub struct Db {
    backend: Backend,
    pool: AnyPool,
    /// On SQLite, one connection takes every write so writers queue here instead
    /// of failing on the file lock; on PostgreSQL it is the same pool.
    writer: AnyPool,
    /// Lists' counts past their limit, remembered a while (see
    /// `lists::ssr::count`).
    large_counts: LargeCounts,
    /// Outbox messages this instance holds locked while it sends them.
    messages_held: Arc<AtomicI64>,
}

/// How long a list's count past its limit is remembered (see
/// `lists::ssr::count`).
pub const LARGE_COUNT_KEPT: Duration = Duration::from_secs(60);

/// Lists' counts past their limit lately made, by their query and arguments
/// written out (each instance keeps its own).
#[derive(Clone)]
pub struct LargeCounts(moka::sync::Cache<String, ()>);

impl LargeCounts {
    fn new() -> Self {
        LargeCounts(
            moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(LARGE_COUNT_KEPT)
                .build(),
        )
    }

    /// Whether the count `key` was past the limit within [`LARGE_COUNT_KEPT`].
    pub fn known(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// Notes that the count `key` is past the limit.
    pub fn note(&self, key: String) {
        self.0.insert(key, ());
    }
}

impl std::fmt::Debug for LargeCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LargeCounts").finish_non_exhaustive()
    }
}

/// Outbox messages counted as held by this instance while it lives.
#[derive(Debug)]
pub struct MessagesHeld {
    count: Arc<AtomicI64>,
    n: i64,
}

impl Drop for MessagesHeld {
    fn drop(&mut self) {
        self.count.fetch_sub(self.n, Ordering::Relaxed);
    }
}

/// A write transaction.
pub type Tx = Transaction<'static, Any>;

impl Db {
    /// Connects to the database named by `url`, creating an SQLite file if needed.
    pub async fn connect(url: &str) -> Result<Self, String> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        };
        if backend == Backend::Sqlite {
            create_parent_dir(&url)?;
        }
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|e| format!("DATABASE_URL is malformed: {e}"))?;
        let pool_for = |max: u32| {
            AnyPoolOptions::new()
                .max_connections(max)
                .acquire_timeout(Duration::from_secs(10))
                // No ping before every query: a broken connection fails its
                // query, and the pool retires idle and old connections itself.
                .test_before_acquire(false)
                .after_connect(move |conn, _| {
                    Box::pin(async move {
                        if backend == Backend::Sqlite {
                            // Pages are read through a memory map (no copy per
                            // read) and each connection keeps 16 MB of them.
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
                                 PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                                 PRAGMA mmap_size = 268435456; PRAGMA cache_size = -16384;",
                            )
                            .await?;
                        }
                        Ok(())
                    })
                })
        };
        let describe = |e: sqlx::Error| format!("cannot open the database at DATABASE_URL: {e}");
        let pool = pool_for(match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        })
        .connect_with(options.clone())
        .await
        .map_err(describe)?;
        let writer = match backend {
            Backend::Sqlite => pool_for(1).connect_with(options).await.map_err(describe)?,
            Backend::Postgres => pool.clone(),
        };
        Ok(Db {
            backend,
            pool,
            writer,
            large_counts: LargeCounts::new(),
            messages_held: Arc::default(),
        })
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool for reads.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Lists' counts past their limit lately made.
    pub(crate) fn large_counts(&self) -> &LargeCounts {
        &self.large_counts
    }

    /// Counts `n` outbox messages as held by this instance until the guard
    /// is dropped.
    pub fn hold_messages(&self, n: usize) -> MessagesHeld {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        self.messages_held.fetch_add(n, Ordering::Relaxed);
        MessagesHeld {
            count: self.messages_held.clone(),
            n,
        }
    }

    /// Outbox messages this instance holds locked while it sends them.
    pub fn messages_held(&self) -> i64 {
        self.messages_held.load(Ordering::Relaxed)
    }

    /// The pool for single-statement writes outside a transaction: on SQLite the
    /// one writer connection, so writes queue instead of contending for the lock.
    pub fn writer(&self) -> &AnyPool {
        &self.writer
    }

    /// Begins a write transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so a transaction that reads then writes never fails
    /// half-way on a lock.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.writer.begin().await,
        }
    }

    /// The embedded migrations of this backend.
    fn migrator(&self) -> sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("../migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("../migrations/postgres"),
        }
    }

    /// Applies the embedded migrations of this backend.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        self.migrator().run(&self.writer).await
    }

    /// How many of this build's migrations the database has not applied: 0
    /// when the schema is the one this build expects.
    pub async fn migrations_pending(&self) -> Result<usize, sqlx::Error> {
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(&self.pool)
                .await?;
        Ok(self
            .migrator()
            .iter()
            .filter(|m| !m.migration_type.is_down_migration() && !applied.contains(&m.version))
            .count())
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

impl Backend {
    /// The placeholders of `count` values, the first being number `first`:
    /// `$first, $first+1, …` on PostgreSQL; `?, ?, …` on SQLite, where binding
    /// numbered parameters costs time in the square of their number (SQLite
    /// looks each name up in a list), which long multi-row statements feel.
    pub fn placeholders(self, first: usize, count: usize) -> String {
        let mut s = String::with_capacity(count * 6);
        for i in 0..count {
            if i > 0 {
                s.push_str(", ");
            }
            match self {
                Backend::Sqlite => s.push('?'),
                Backend::Postgres => {
                    s.push('$');
                    s.push_str(&(first + i).to_string());
                }
            }
        }
        s
    }

    /// `($1, …, $width), ($width+1, …), …` for `rows` rows, the `VALUES` of a
    /// multi-row insert (with `?` on SQLite, as [`Backend::placeholders`]).
    pub fn value_rows(self, rows: usize, width: usize) -> String {
        (0..rows)
            .map(|r| format!("({})", self.placeholders(r * width + 1, width)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `sql` with its `IN` list (written `{}`) numbered from `$first`.
/// A value bound before the list is written `{1}`: SQLite's anonymous `?` and
/// numbered `$1` do not mix.
pub fn in_list(backend: Backend, sql: &str, first: usize, count: usize) -> String {
    sql.replace("{1}", &backend.placeholders(1, 1))
        .replace("{}", &backend.placeholders(first, count))
}

fn create_parent_dir(url: &str) -> Result<(), String> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = std::path::Path::new(path).parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create the folder {}: {e}", parent.display()))?;
        }
    }
    Ok(())
}

/// How PostgreSQL should read in the rest of a transaction. Statistics taken
/// before a burst of orders or messages count a few rows where there are
/// thousands, and its cost model takes a lookup of a thousand ids in an index
/// for dearer than reading the whole table: both are wrong for the engine and
/// the outbox, whose tables are in memory. Measured on the large data set: a
/// claim took about 100 ms instead of 1, a batch's facts 60 ms instead of 6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Claims and marks: walk one index (in order for a claim, stopping at
    /// the limit; by key for a set of ids) rather than read every due row and
    /// sort them, or combine the keys with a partial index full of entries of
    /// rows already sent.
    IndexScans,
    /// A batch's facts: look the ids up in their indexes (alone or combined)
    /// rather than read the tables through.
    IndexLookups,
    /// The outbox's claims: walk one index in order, as [`Reading::IndexScans`],
    /// and look each claimed message's facts up by key, not read the tables
    /// they are in through.
    IndexScansAndLookups,
}

/// Sets how the rest of this transaction reads (PostgreSQL only; SQLite's
/// planner already does both), in one statement.
pub async fn read_as(tx: &mut Tx, backend: Backend, reading: Reading) -> Result<(), sqlx::Error> {
    if backend == Backend::Postgres {
        let (bitmap_scans, table_reads) = match reading {
            Reading::IndexScans => ("off", "on"),
            Reading::IndexLookups => ("on", "off"),
            Reading::IndexScansAndLookups => ("off", "off"),
        };
        // `set_config(…, true)` is `SET LOCAL`, in a statement that takes binds.
        sqlx::query(
            "SELECT set_config('enable_bitmapscan', $1, true), set_config('enable_seqscan', $2, true)",
        )
        .bind(bitmap_scans)
        .bind(table_reads)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Backend;

    #[test]
    fn placeholders_number_every_value_on_postgresql_and_are_anonymous_on_sqlite() {
        assert_eq!(Backend::Postgres.placeholders(3, 3), "$3, $4, $5");
        assert_eq!(Backend::Postgres.value_rows(2, 2), "($1, $2), ($3, $4)");
        assert_eq!(Backend::Sqlite.placeholders(3, 3), "?, ?, ?");
        assert_eq!(Backend::Sqlite.value_rows(2, 2), "(?, ?), (?, ?)");
    }

    #[test]
    fn the_backend_follows_the_url_scheme() {
        assert_eq!(
            Backend::from_url("sqlite:data/portal.db"),
            Ok(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("postgres://u@h/db"),
            Ok(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db"),
            Ok(Backend::Postgres)
        );
        assert!(Backend::from_url("mysql://u@h/db").is_err());
        assert!(Backend::from_url("portal.db").is_err());
    }
}
