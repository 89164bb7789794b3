//! The reservations-list benchmark: serves the large data set and loads it from
//! 32 concurrent connections on loopback, next to a minimal axum handler that
//! serves the same bytes (the ceiling), and prints the ratios.

use crate::config::Settings;
use crate::startup::Application;
use app::domain::{OrganisationKind, Role};
use app::people::ssr::{ensure_organisation, ensure_user, NewUser};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CONNECTIONS: usize = 32;
const BENCH_USER: &str = "bench-support@vl-operations.example";
const BENCH_PASSWORD: &str = "bench-password-not-for-production";

/// What one scenario measured.
struct Figures {
    name: &'static str,
    requests: usize,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn load(
    name: &'static str,
    client: &reqwest::Client,
    url: &str,
    cookie: &str,
    seconds: u64,
) -> Result<Figures, String> {
    let run = |duration: Duration| {
        let mut tasks = Vec::new();
        for _ in 0..CONNECTIONS {
            let (client, url, cookie) = (client.clone(), url.to_string(), cookie.to_string());
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                let deadline = Instant::now() + duration;
                while Instant::now() < deadline {
                    let started = Instant::now();
                    let response = client.get(&url).header("cookie", &cookie).send().await;
                    match response {
                        Ok(r) if r.status().is_success() => {
                            let body = r.bytes().await.map_err(|e| e.to_string())?;
                            // A page that rendered an error instead of the list is a failure.
                            if body
                                .windows(12)
                                .any(|w| w == b"form-error\" " || w == b"Something we")
                            {
                                return Err(format!("{url} rendered an error page"));
                            }
                            latencies.push(started.elapsed());
                        }
                        Ok(r) => return Err(format!("{url} answered {}", r.status())),
                        Err(e) => return Err(format!("{url}: {e}")),
                    }
                }
                Ok(latencies)
            }));
        }
        tasks
    };
    for task in run(Duration::from_secs(1)) {
        task.await.map_err(|e| e.to_string())??;
    }
    let started = Instant::now();
    let mut all = Vec::new();
    for task in run(Duration::from_secs(seconds)) {
        all.extend(task.await.map_err(|e| e.to_string())??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    Ok(Figures {
        name,
        requests: all.len(),
        per_second: all.len() as f64 / elapsed,
        p50_ms: percentile(&all, 0.50),
        p99_ms: percentile(&all, 0.99),
    })
}

async fn fetch_page(client: &reqwest::Client, url: &str, cookie: &str) -> Result<Vec<u8>, String> {
    client
        .get(url)
        .header("cookie", cookie)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .bytes()
        .await
        .map(|b| b.to_vec())
        .map_err(|e| e.to_string())
}

/// Runs the benchmark against the database of `settings` (which must hold the
/// large data set) and prints the figures.
pub async fn run(mut settings: Settings, seconds: u64) -> Result<(), String> {
    settings.listen_addr = "127.0.0.1:0".parse().expect("valid address");
    settings.sign_in_max_failures = 1_000;
    let app = Application::build(settings)
        .await
        .map_err(|e| e.to_string())?;
    let db = app.db().clone();
    let operator = ensure_organisation(
        &db,
        "Volume Licensing Operations",
        OrganisationKind::Operator,
    )
    .await
    .map_err(|e| e.to_string())?;
    ensure_user(
        &db,
        NewUser {
            organisation_id: operator,
            email: BENCH_USER,
            display_name: "Benchmark support agent",
            role: Role::SupportAgent,
            password: BENCH_PASSWORD,
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let reservations: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE kind = 'reservation'")
            .fetch_one(db.pool())
            .await
            .map_err(|e| e.to_string())?;
    let deep_before: i64 = sqlx::query_scalar(
        "SELECT id FROM orders WHERE kind = 'reservation' ORDER BY id LIMIT 1 OFFSET 60",
    )
    .fetch_one(db.pool())
    .await
    .map_err(|e| {
        format!("not enough reservations for a deep page ({e}); run generate-large first")
    })?;

    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(CONNECTIONS * 2)
        .build()
        .map_err(|e| e.to_string())?;
    let cookie = sign_in_cookie(&client, &base, BENCH_USER, BENCH_PASSWORD).await?;

    let first_url = format!("{base}/reservations");
    let deep_url = format!("{base}/reservations?before={deep_before}");
    let first_page = fetch_page(&client, &first_url, &cookie).await?;
    let deep_page_len = fetch_page(&client, &deep_url, &cookie).await?.len();

    // The ceiling: the same bytes from a handler that does nothing else.
    let body: Arc<[u8]> = first_page.clone().into();
    let ceiling = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let body = body.clone();
            async move {
                (
                    [("content-type", "text/html; charset=utf-8")],
                    body.to_vec(),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let ceiling_url = format!(
        "http://{}/",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    tokio::spawn(async move { axum::serve(listener, ceiling).await });

    println!(
        "backend: {:?}; {reservations} reservations; first page {} bytes, deep page {deep_page_len} bytes; \
         {CONNECTIONS} connections, {seconds} s per scenario",
        db.backend(),
        first_page.len()
    );
    let results = [
        load(
            "reservations, first page",
            &client,
            &first_url,
            &cookie,
            seconds,
        )
        .await?,
        load(
            "reservations, deep page",
            &client,
            &deep_url,
            &cookie,
            seconds,
        )
        .await?,
        load(
            "ceiling: same bytes, bare axum",
            &client,
            &ceiling_url,
            &cookie,
            seconds,
        )
        .await?,
    ];
    println!(
        "{:<34} {:>9} {:>10} {:>9} {:>9}",
        "scenario", "requests", "req/s", "p50 ms", "p99 ms"
    );
    for f in &results {
        println!(
            "{:<34} {:>9} {:>10.1} {:>9.2} {:>9.2}",
            f.name, f.requests, f.per_second, f.p50_ms, f.p99_ms
        );
    }
    let [first, deep, ceiling] = &results;
    println!(
        "deep page / first page latency (p50): {:.2} (target <= 1.5)",
        deep.p50_ms / first.p50_ms
    );
    println!(
        "portal first page / ceiling throughput: {:.3}",
        first.per_second / ceiling.per_second
    );
    Ok(())
}

/// Signs in over HTTP as the browser does and returns the session cookie.
pub(crate) async fn sign_in_cookie(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> Result<String, String> {
    let signed_in = client
        .post(format!("{base}/api/sign-in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("email={email}&password={password}&next=/"))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("vlp_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
        .ok_or_else(|| format!("{email} could not sign in"))
}
