//! `server [serve|check|migrate|backup PATH|seed-demo|two-step-code SECRET]`: see the README.

use server::{seed, startup, Application, Settings};
use std::process::ExitCode;

// glibc's allocator took a fifth of a page's time in the profile (malloc,
// free and their consolidation); mimalloc does the same work for less. Its
// `override` feature gives it SQLite's allocations too (SQLite calls malloc
// for every value it copies out of a row).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    server::command_line::run(|command| async move { run(command.as_deref()).await }).await
}

async fn run(command: Option<&str>) -> Result<(), String> {
    let settings = Settings::from_env()?;
    match command.unwrap_or("serve") {
        "serve" => {
            if settings.production {
                // The database is migrated as the portal starts; the rest must hold.
                let refused: Vec<String> = server::check::check(&settings)
                    .await
                    .into_iter()
                    .filter(|f| !f.ok && f.what != "database")
                    .map(|f| f.to_string())
                    .collect();
                if !refused.is_empty() {
                    return Err(format!(
                        "production settings that do not hold (see `server check`):\n{}",
                        refused.join("\n")
                    ));
                }
            }
            app::auth::ssr::hash_at_lowest_priority();
            let app = Application::build(settings.clone())
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "Volume Licensing portal listening on {}",
                settings.public_url
            );
            app.run_until_stopped()
                .await
                .map_err(|e| format!("server stopped: {e}"))
        }
        "migrate" => {
            let db = startup::open_database(&settings)
                .await
                .map_err(|e| e.to_string())?;
            println!("database migrated");
            db.close().await;
            Ok(())
        }
        "seed-demo" => {
            let db = startup::open_database(&settings)
                .await
                .map_err(|e| e.to_string())?;
            seed::seed_demo(&db)
                .await
                .map_err(|e| format!("cannot load the demo data: {e}"))?;
            println!("demo data loaded");
            db.close().await;
            Ok(())
        }
        "check" => {
            println!("checking the {} settings", server::check::mode(&settings));
            let findings = server::check::check(&settings).await;
            for f in &findings {
                println!("{f}");
            }
            match findings.iter().filter(|f| !f.ok).count() {
                0 => Ok(()),
                n => Err(format!("{n} check(s) failed")),
            }
        }
        "backup" => {
            let to = std::env::args()
                .nth(2)
                .ok_or("usage: server backup PATH (a new file)")?;
            let took = server::backup::backup(&settings, std::path::Path::new(&to)).await?;
            println!("backed up to {to} in {:.1} s", took.as_secs_f64());
            Ok(())
        }
        "two-step-code" => {
            // The current code of a two-step secret (the demo's are in the README).
            let secret = std::env::args()
                .nth(2)
                .ok_or("usage: server two-step-code SECRET")?
                .replace(' ', "");
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            let code = app::accounts::two_step::code_at(&secret, now)
                .map_err(|_| "that is not a two-step secret (base32, 26 characters or more)")?;
            println!("{code}");
            Ok(())
        }
        other => Err(format!(
            "unknown command {other:?}; use serve, check, migrate, backup, seed-demo or two-step-code \
             (the benchmarks are in portal-tools)"
        )),
    }
}
