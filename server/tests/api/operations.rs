//! What operators ask the portal: `/healthz`, `/readyz` with each check named,
//! Prometheus metrics behind a token or on their own address, JSON logs that
//! carry the request id, and a stop that finishes what is in flight.

use crate::both_backends;
use crate::fixture::fixture;
use crate::helpers::{spawn_app, spawn_app_with, Backend, TestApp};
use reqwest::header::AUTHORIZATION;
use reqwest::StatusCode;
use std::time::Duration;

const TOKEN: &str = "an operators token of 32 characters or more";

async fn readiness(app: &TestApp) -> (StatusCode, serde_json::Value) {
    let response = app.get("/readyz", None).await;
    let status = response.status();
    (status, response.json().await.unwrap())
}

async fn healthz_answers_and_readyz_names_each_check(backend: Backend) {
    let app = spawn_app(backend).await;
    let health = app.get("/healthz", None).await;
    assert_eq!(health.status(), StatusCode::OK);
    assert!(
        health.headers().get("set-cookie").is_none(),
        "no session for a probe"
    );
    assert_eq!(health.text().await.unwrap(), "ok\n");

    let (status, body) = readiness(&app).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["ready"], true);
    assert_eq!(body["checks"]["database"], "ok");
    assert_eq!(body["checks"]["migrations"], "ok");
    assert_eq!(body["checks"]["workers"], "not run by this instance");

    // A database one migration behind this build is not ready.
    sqlx::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    )
    .execute(app.db.pool())
    .await
    .unwrap();
    let (status, body) = readiness(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["ready"], false);
    assert_eq!(body["checks"]["migrations"], "1 migrations not applied");
    assert_eq!(body["checks"]["database"], "ok");
}

async fn readyz_waits_until_the_workers_have_started(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.run_workers = true).await;
    let mut last = serde_json::Value::Null;
    for _ in 0..100 {
        let (status, body) = readiness(&app).await;
        if status == StatusCode::OK {
            assert_eq!(body["checks"]["workers"], "ok");
            return;
        }
        last = body;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the workers never reported: {last}");
}

/// The value of the sample `name{labels}` in the metrics text, if present.
fn sample(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name_and_labels)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

async fn metrics(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client().get(format!("{}/metrics", app.address));
    if let Some(token) = token {
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    request.send().await.unwrap()
}

async fn metrics_need_the_token_and_count_by_route_backlog_lag_and_failures(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.metrics_token = Some(TOKEN.into())).await;
    let f = fixture(&app).await;
    let now = app.state.now_unix();
    // Two messages due (one for two minutes), one not yet due, one being sent.
    for (n, status, due, claimed) in [
        (1, "queued", now - 120, None),
        (2, "queued", now - 5, None),
        (3, "queued", now + 3600, None),
        (4, "sending", now - 10, Some(now + 60)),
    ] {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO outbox (to_email, subject, template, message_id, not_before, status, \
             next_attempt_at, claimed_until, created_at) \
             VALUES ('osm@contoso.example', 'Subject', 'ols', $1, $2, $3, $2, $4, $2) RETURNING id",
        )
        .bind(format!("<ops-{n}@portal.test>"))
        .bind(due)
        .bind(status)
        .bind(claimed)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO outbox_queue (id, next_attempt_at, claimed_until) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(due)
        .bind(claimed)
        .execute(app.db.pool())
        .await
        .unwrap();
    }
    // A contact change due in VLSC for 90 seconds and not shown there yet.
    sqlx::query(
        "INSERT INTO propagation_jobs (enrollment_id, contact_type, system, version, name, email, phone, due_at) \
         VALUES ($1, 'osm', 'vlsc', 2, 'Sam', 'sam@contoso.example', '+1 425 555 0100', $2)",
    )
    .bind(f.own.id.0)
    .bind(now - 90)
    .execute(app.db.pool())
    .await
    .unwrap();

    assert_eq!(metrics(&app, None).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        metrics(&app, Some("an operators token of 32 characters or less"))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );

    assert_eq!(app.get("/sign-in", None).await.status(), StatusCode::OK);
    app.get("/sign-in", None).await;
    app.get("/enrollments/70000001", None).await;
    let refused = app
        .sign_in("nobody@contoso.example", "wrong password", None)
        .await;
    assert_ne!(refused.status(), StatusCode::OK);

    let answer = metrics(&app, Some(TOKEN)).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(answer.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let text = answer.text().await.unwrap();
    assert_eq!(
        sample(
            &text,
            r#"portal_http_requests_total{route="/sign-in",method="GET",status="200"}"#
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"portal_http_request_duration_seconds_count{route="/sign-in",method="GET"}"#
        ),
        Some(2.0),
        "{text}"
    );
    assert!(
        text.contains(r#"route="/enrollments/{number}""#) && !text.contains("70000001"),
        "routes are counted by pattern, never by their values: {text}"
    );
    assert_eq!(
        sample(&text, "portal_outbox_due_messages"),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "portal_outbox_sending_messages"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "portal_outbox_oldest_due_seconds"),
        Some(120.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"portal_propagation_lag_seconds{system="vlsc"}"#),
        Some(90.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"portal_propagation_lag_seconds{system="explore"}"#),
        Some(0.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"portal_propagation_due_changes{system="vlsc"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"portal_sign_in_failures_total{step="password"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"portal_sign_in_failures_total{step="code"}"#),
        Some(0.0),
        "{text}"
    );
}

async fn without_a_token_metrics_are_not_on_the_portals_address(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.metrics_addr = Some("127.0.0.1:0".parse().unwrap())
    })
    .await;
    assert_eq!(metrics(&app, None).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        metrics(&app, Some(TOKEN)).await.status(),
        StatusCode::NOT_FOUND
    );
    // The separate address serves them without a token, and nothing else.
    let port = app.metrics_port.expect("a metrics address");
    let client = reqwest::Client::new();
    let answer = client
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(answer
        .text()
        .await
        .unwrap()
        .contains("portal_outbox_due_messages"));
    let page = client
        .get(format!("http://127.0.0.1:{port}/sign-in"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
}

/// A port free now, for a portal process to listen on.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn the_portal_logs_json_lines_that_carry_the_request_id(backend: Backend) {
    let app = spawn_app(backend).await;
    let port = free_port();
    let portal = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("serve")
        .env("DATABASE_URL", &app.database_url)
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("RUN_WORKERS", "false")
        .env(
            "ACTIVATION_LINK_KEYS",
            app.state.link_keys.to_lines().trim().replace('\n', ","),
        )
        .env("PORTAL_ENV", "demo")
        .env_remove("RUST_LOG")
        .env_remove("LOG_FORMAT")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut answer = None;
    for _ in 0..200 {
        if let Ok(r) = client.get(format!("{base}/sign-in")).send().await {
            answer = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let answer = answer.expect("the portal answers");
    assert_eq!(answer.status(), StatusCode::OK);
    let id = answer.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    crate::outbox_delivery::terminate(&portal);
    let output = tokio::task::spawn_blocking(move || portal.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(output.status.success(), "{:?}", output.status);
    let logs = String::from_utf8(output.stderr).unwrap();
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let answered = lines
        .iter()
        .find(|l| l["span"]["id"] == id.as_str() && l["fields"]["status"] == 200)
        .unwrap_or_else(|| panic!("no line for request {id}: {logs}"));
    assert_eq!(answered["span"]["path"], "/sign-in");
    assert_eq!(answered["level"], "INFO");
    assert!(
        lines.iter().any(|l| l["fields"]["message"] == "stopped"),
        "the stop is logged: {logs}"
    );
}

both_backends!(
    the_portal_logs_json_lines_that_carry_the_request_id,
    healthz_answers_and_readyz_names_each_check,
    readyz_waits_until_the_workers_have_started,
    metrics_need_the_token_and_count_by_route_backlog_lag_and_failures,
    without_a_token_metrics_are_not_on_the_portals_address,
);
