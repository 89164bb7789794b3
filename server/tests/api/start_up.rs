//! Start-up: configuration errors end in one clear line.

use crate::helpers::{test_settings, Backend};
use server::Application;
use std::process::Command;

#[tokio::test]
async fn a_malformed_database_url_is_named_in_one_line() {
    let mut settings = test_settings(Backend::Sqlite).await;
    settings.database_url = "mysql://somewhere/db".into();
    let message = Application::build(settings)
        .await
        .err()
        .expect("start-up fails")
        .to_string();
    assert!(message.contains("DATABASE_URL"), "{message}");
    assert!(!message.contains('\n'), "{message}");
}

#[test]
fn the_binary_reports_an_unreachable_database_without_a_panic() {
    let output = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("migrate")
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/nowhere")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {stderr}");
    assert!(
        lines[0].starts_with("error: cannot open the database at DATABASE_URL"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn the_binary_refuses_an_unknown_command() {
    let output = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("frobnicate")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown command"));
}

/// The large data set and the benchmarks are in `portal-tools`, never in the
/// portal's own binary.
#[test]
fn the_portal_binary_carries_no_benchmark_or_data_generator() {
    for command in ["generate-large", "bench", "bench-activation", "bench-cicr"] {
        let output = Command::new(env!("CARGO_BIN_EXE_server"))
            .arg(command)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{command} ran");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("unknown command"),
            "{command}"
        );
    }
}
