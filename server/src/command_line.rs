//! What both binaries (`server`, `portal-tools`) do around their commands:
//! logs to standard error, and an error as one line with a failing exit code.

use std::future::Future;
use std::process::ExitCode;

/// Sets up logging, runs `command` with the first argument, and turns its
/// outcome into the process's exit code.
pub async fn run<F, Fut>(command: F) -> ExitCode
where
    F: FnOnce(Option<String>) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_sessions=warn".into()),
        )
        .init();
    match command(std::env::args().nth(1)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
