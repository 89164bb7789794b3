//! `server [serve|migrate|seed-demo]`: see the README.

use server::{
    bench, bench_activation, bench_contacts, large_data, seed, startup, Application, Settings,
};
use std::process::ExitCode;

// glibc's allocator took a fifth of a page's time in the profile (malloc,
// free and their consolidation); mimalloc does the same work for less.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_sessions=warn".into()),
        )
        .init();
    match run(std::env::args().nth(1).as_deref()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Option<&str>) -> Result<(), String> {
    let settings = Settings::from_env()?;
    match command.unwrap_or("serve") {
        "serve" => {
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
        "generate-large" => {
            let db = startup::open_database(&settings)
                .await
                .map_err(|e| e.to_string())?;
            let mut volume = large_data::Volume::default();
            let numbers: Vec<i64> = std::env::args()
                .skip(2)
                .filter_map(|a| a.parse().ok())
                .collect();
            if let [organisations, enrollments, reservations] = numbers[..] {
                volume = large_data::Volume {
                    organisations,
                    enrollments,
                    reservations,
                };
            }
            large_data::generate(&db, volume)
                .await
                .map_err(|e| format!("cannot generate the large data set: {e}"))?;
            db.close().await;
            Ok(())
        }
        "bench" => {
            app::auth::ssr::hash_at_lowest_priority();
            let seconds = std::env::var("BENCH_SECONDS")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(10);
            bench::run(settings, seconds).await
        }
        "bench-activation" => {
            let numbers: Vec<i64> = std::env::args().skip(2).filter_map(|a| a.parse().ok()).collect();
            let orders = numbers.first().copied().unwrap_or(100_000);
            let emails = numbers.get(1).copied().unwrap_or(2_000) as usize;
            bench_activation::run(settings, orders, emails).await
        }
        "bench-cicr" => {
            let count = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(5_000);
            bench_contacts::run(settings, count).await
        }
        other => Err(format!(
            "unknown command {other:?}; use serve, migrate, seed-demo, two-step-code, generate-large, bench, bench-activation or bench-cicr"
        )),
    }
}
