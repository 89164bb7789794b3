//! `server backup PATH`: a consistent copy of the SQLite database, taken
//! while the portal serves. SQLite's `VACUUM INTO` writes the database as one
//! read transaction sees it (every change committed before it began, none
//! after), compacted, to a new file; writers go on meanwhile (the portal runs
//! SQLite in WAL mode). PostgreSQL deployments use `pg_dump` (see
//! `docs/operations.md`). The link keys and the mail password live outside the
//! database and are backed up with it.

use crate::config::Settings;
use app::db::{Backend, Db};
use std::path::Path;
use std::time::{Duration, Instant};

/// Copies the database named by `settings` to `to`, a file that must not
/// exist yet. Returns how long it took.
pub async fn backup(settings: &Settings, to: &Path) -> Result<Duration, String> {
    if Backend::from_url(&settings.database_url)? == Backend::Postgres {
        return Err(
            "this database is PostgreSQL: back it up with pg_dump --format=custom (see docs/operations.md)"
                .into(),
        );
    }
    if to.exists() {
        return Err(format!(
            "{} already exists: a backup goes to a new file",
            to.display()
        ));
    }
    let target = to
        .to_str()
        .ok_or("the backup path must be valid UTF-8")?
        .to_string();
    let db = Db::connect(&settings.database_url)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    let started = Instant::now();
    let copied = sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(db.pool())
        .await;
    db.close().await;
    copied.map_err(|e| format!("cannot write the backup to {}: {e}", to.display()))?;
    Ok(started.elapsed())
}
