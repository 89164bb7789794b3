//! `server check`, the binary as an operator runs it: a good configuration in
//! the demo and in production (a mail server with STARTTLS and AUTH), then
//! each bad one alone, named on its line, with a failing exit code; and
//! `serve` refusing a production configuration that does not hold.

use crate::helpers::{test_settings, Backend};
use crate::mail_submission::{MailServer, SECRET, USER};
use std::collections::HashMap;
use std::process::{Command, Output};

/// Runs `server <command>` with exactly `env` (and a path for its tools).
fn server(command: &str, env: &HashMap<&str, String>) -> Output {
    Command::new(env!("CARGO_BIN_EXE_server"))
        .arg(command)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap()
}

/// A strong link key of this test's own, as `ACTIVATION_LINK_KEYS` takes it.
fn link_keys() -> String {
    let key = app::keys::link::LinkKey::generate("k1");
    app::keys::link::LinkKeys::single(key)
        .to_lines()
        .trim()
        .to_string()
}

/// A migrated SQLite database of its own.
async fn migrated_database() -> String {
    let url = test_settings(Backend::Sqlite).await.database_url;
    let db = app::db::Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    db.close().await;
    url
}

/// The line of `what`, and whether the run passed.
fn line_of(output: &Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .find(|l| {
            l.get(6..)
                .is_some_and(|rest| rest.starts_with(&format!("{what}:")))
        })
        .unwrap_or_else(|| panic!("no {what} line in {stdout}"))
        .to_string()
}

#[tokio::test]
async fn a_demo_configuration_checks_out() {
    let env = HashMap::from([
        ("DATABASE_URL", migrated_database().await),
        (
            "ACTIVATION_LINK_KEY_FILE",
            std::env::temp_dir()
                .join(format!("no-keys-{}", rand::random::<u64>()))
                .display()
                .to_string(),
        ),
    ]);
    let output = server("check", &env);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.starts_with("checking the demo settings\n"),
        "{stdout}"
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok    ")).count(),
        5,
        "{stdout}"
    );
    assert!(line_of(&output, "mail").contains("demo Mailbox"));
}

#[tokio::test]
async fn a_production_configuration_checks_out_and_each_bad_setting_is_named() {
    let Some(mail) = MailServer::start("starttls", "localhost", false) else {
        return;
    };
    let good = HashMap::from([
        ("DATABASE_URL", migrated_database().await),
        ("PORTAL_ENV", "production".to_string()),
        ("PUBLIC_URL", "https://portal.example".to_string()),
        ("ACTIVATION_LINK_KEYS", link_keys()),
        (
            "SMTP_URL",
            format!("smtp://localhost:{}?tls=starttls", mail.port),
        ),
        ("SMTP_USER", USER.to_string()),
        ("SMTP_PASSWORD", SECRET.to_string()),
        ("SMTP_CA_FILE", mail.ca_file()),
        ("METRICS_ADDR", "127.0.0.1:9100".to_string()),
    ]);
    let output = server("check", &good);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.starts_with("checking the production settings\n"),
        "{stdout}"
    );
    assert!(
        line_of(&output, "mail").contains("with STARTTLS, signed in as portal@licensing.example"),
        "{stdout}"
    );

    let unmigrated = test_settings(Backend::Sqlite).await.database_url;
    let bad: [(&str, &str, Option<String>, &str); 8] = [
        (
            "database",
            "DATABASE_URL",
            Some(unmigrated),
            "server migrate",
        ),
        (
            "link keys",
            "ACTIVATION_LINK_KEYS",
            Some("k1:abcd".into()),
            "too short",
        ),
        ("link keys", "ACTIVATION_LINK_KEYS", None, "none"),
        (
            "public URL",
            "PUBLIC_URL",
            Some("http://portal.example".into()),
            "https://",
        ),
        ("mail", "SMTP_URL", None, "no SMTP_URL"),
        ("mail", "SMTP_PASSWORD", Some("wrong".into()), "535"),
        (
            "mail",
            "SMTP_URL",
            Some("smtp://127.0.0.1:1?tls=starttls".into()),
            "127.0.0.1:1",
        ),
        (
            "metrics",
            "METRICS_ADDR",
            Some("0.0.0.0:9100".into()),
            "reached from anywhere",
        ),
    ];
    for (what, key, value, says) in bad {
        let mut env = good.clone();
        match value {
            Some(v) => env.insert(key, v),
            None => env.remove(key),
        };
        let output = server("check", &env);
        let line = line_of(&output, what);
        assert!(!output.status.success(), "{key} {line}");
        assert!(line.starts_with("error "), "{key}: {line}");
        assert!(line.contains(says), "{key}: {line}");
        assert!(!line.contains(SECRET), "no password in {line}");
    }
}

#[tokio::test]
async fn serve_in_production_refuses_a_setting_that_does_not_hold() {
    let env = HashMap::from([
        ("DATABASE_URL", migrated_database().await),
        ("PUBLIC_URL", "https://portal.example".to_string()),
        ("ACTIVATION_LINK_KEYS", link_keys()),
        ("LISTEN_ADDR", "127.0.0.1:0".to_string()),
    ]);
    let output = server("serve", &env);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("error mail: no SMTP_URL"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
