//! `portal-tools [generate-large|bench|bench-activation|bench-cicr]`: the
//! large data set and the benchmarks (see the README's Benchmarks). Built
//! only with the `tools` feature, so none of it is in the portal's binary:
//! `cargo build --release -p server --features tools`.

use server::tools::{bench, bench_activation, bench_contacts, large_data};
use server::{startup, Settings};
use std::process::ExitCode;

// The same allocator as the portal's binary, so the figures are the portal's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    server::command_line::run(|command| async move { run(command.as_deref()).await }).await
}

async fn run(command: Option<&str>) -> Result<(), String> {
    let settings = Settings::from_env()?;
    match command.unwrap_or_default() {
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
            let numbers: Vec<i64> = std::env::args()
                .skip(2)
                .filter_map(|a| a.parse().ok())
                .collect();
            let orders = numbers.first().copied().unwrap_or(100_000);
            let emails = numbers.get(1).copied().unwrap_or(2_000) as usize;
            bench_activation::run(settings, orders, emails).await
        }
        "bench-cicr" => {
            let count = std::env::args()
                .nth(2)
                .and_then(|a| a.parse().ok())
                .unwrap_or(5_000);
            bench_contacts::run(settings, count).await
        }
        other => Err(format!(
            "unknown command {other:?}; use generate-large, bench, bench-activation or bench-cicr"
        )),
    }
}
