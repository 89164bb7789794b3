//! What both binaries (`server`, `portal-tools`) do around their commands:
//! logs to standard error, one JSON object a line (`LOG_FORMAT=text` for a
//! person reading a terminal), and an error as one line with a failing exit
//! code.

use std::future::Future;
use std::process::ExitCode;

/// Sets up logging, runs `command` with the first argument, and turns its
/// outcome into the process's exit code.
pub async fn run<F, Fut>(command: F) -> ExitCode
where
    F: FnOnce(Option<String>) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,tower_sessions=warn".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("LOG_FORMAT").is_ok_and(|f| f == "text") {
        logs.init();
    } else {
        // Each line carries the request's span, whose id is also the answer's
        // `X-Request-Id`.
        logs.json()
            .with_current_span(true)
            .with_span_list(false)
            .init();
    }
    match command(std::env::args().nth(1)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
