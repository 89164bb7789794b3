//! The reservations-list benchmark. Serves the large data set and loads it with
//! `wrk` (Debian's package) from 32 connections on loopback, so the load
//! generator costs the same on both sides of every ratio:
//! - the reservations page against the same bytes from a bare axum handler in
//!   the same process (the ceiling), and against the same bytes answered after
//!   the database work the page does (the sign-in query; then the list's
//!   queries too), which says what the database allows and what rendering
//!   costs;
//! - the first page against a page near row 900,000;
//! - the page's p99 while 8 clients sign in continuously, against idle;
//! - on SQLite, the page's p99 while `server backup` copies the database, and how long it took;
//! - a file of the site (`/pkg`) against the sign-in page.

use crate::config::Settings;
use crate::startup::Application;
use app::auth::ssr::user_of_sign_in;
use app::domain::{OrganisationKind, Role};
use app::people::ssr::{ensure_organisation, ensure_user, NewUser};
use app::reservations::ssr::{list, ReservationFilter};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

const CONNECTIONS: usize = 32;
const SIGN_IN_CLIENTS: usize = 8;
const BENCH_USER: &str = "bench-support@vl-operations.example";
const BENCH_SIGN_IN_USER: &str = "bench-ola@bench-customer.example";
const BENCH_PASSWORD: &str = "bench-password-not-for-production";
/// The bench support agent's two-step secret (support agents sign in in two steps).
const BENCH_TWO_STEP_SECRET: &str = "BENCHSUPPORTAGENTTWOSTEPSECRET23";
/// The row, counted from the newest, the deep page starts at.
const DEEP_ROW: i64 = 900_000;

/// What one `wrk` run measured.
struct Figures {
    requests: u64,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

fn milliseconds(value: &str) -> Option<f64> {
    let split = value.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = value.split_at(split);
    let number: f64 = number.parse().ok()?;
    match unit {
        "us" => Some(number / 1000.0),
        "ms" => Some(number),
        "s" => Some(number * 1000.0),
        "m" => Some(number * 60_000.0),
        _ => None,
    }
}

/// Reads wrk's `--latency` report.
fn parse_wrk(report: &str) -> Result<Figures, String> {
    let mut figures = Figures {
        requests: 0,
        per_second: 0.0,
        p50_ms: 0.0,
        p99_ms: 0.0,
    };
    for line in report.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", value] => figures.p50_ms = milliseconds(value).unwrap_or_default(),
            ["99%", value] => figures.p99_ms = milliseconds(value).unwrap_or_default(),
            ["Requests/sec:", value] => figures.per_second = value.parse().unwrap_or_default(),
            [count, "requests", "in", ..] => figures.requests = count.parse().unwrap_or_default(),
            ["Non-2xx", ..] => return Err(format!("wrk saw failed requests: {line}")),
            ["Socket", "errors:", ..] => return Err(format!("wrk saw socket errors: {line}")),
            _ => {}
        }
    }
    if figures.requests == 0 {
        return Err(format!("wrk measured nothing:\n{report}"));
    }
    Ok(figures)
}

/// Loads `url` with wrk from 32 connections for `seconds`.
async fn wrk(url: &str, cookie: Option<&str>, seconds: u64) -> Result<Figures, String> {
    let mut args = vec![
        "-t2".to_string(),
        format!("-c{CONNECTIONS}"),
        format!("-d{seconds}s"),
        "--latency".to_string(),
    ];
    if let Some(cookie) = cookie {
        args.push("-H".into());
        args.push(format!("Cookie: {cookie}"));
    }
    args.push(url.to_string());
    let output =
        tokio::task::spawn_blocking(move || std::process::Command::new("wrk").args(&args).output())
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("cannot run wrk (apt-get install wrk): {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "wrk failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    parse_wrk(&String::from_utf8_lossy(&output.stdout))
}

async fn fetch_page(client: &reqwest::Client, url: &str, cookie: &str) -> Result<Vec<u8>, String> {
    let response = client
        .get(url)
        .header("cookie", cookie)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("{url} answered {}", response.status()));
    }
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    // A page that rendered an error instead of the list is a failure.
    let text = String::from_utf8_lossy(&body);
    if text.contains("class=\"form-error\"") || !text.contains("<tbody>") {
        return Err(format!("{url} did not render the list"));
    }
    Ok(body.to_vec())
}

fn cookie_from(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("vlp_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
}

/// The anti-forgery token written into a page's forms.
fn form_token(page: &str) -> Option<String> {
    let at = page.find("name=\"csrf_token\"")?;
    let rest = &page[at..];
    let value = rest.find("value=\"")? + "value=\"".len();
    let end = rest[value..].find('"')?;
    Some(rest[value..value + end].to_string())
}

/// Posts a form as the sign-in page does: with the session cookie and the
/// page's anti-forgery token. Returns the session cookie after it.
async fn post_form(
    client: &reqwest::Client,
    url: &str,
    cookie: &str,
    token: &str,
    fields: &[(&str, &str)],
) -> Result<String, String> {
    let body = {
        let mut body = form_urlencoded::Serializer::new(String::new());
        body.append_pair("csrf_token", token);
        for (k, v) in fields {
            body.append_pair(k, v);
        }
        body.finish()
    };
    let response = client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie)
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if response.status().is_client_error() || response.status().is_server_error() {
        return Err(format!("{url} answered {}", response.status()));
    }
    Ok(cookie_from(&response).unwrap_or_else(|| cookie.to_string()))
}

/// Signs in over HTTP as the browser does (the sign-in page's cookie and
/// token, then the form) and returns the session cookie. With `secret`, also
/// answers the second step with the current code.
pub(crate) async fn sign_in_cookie(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> Result<String, String> {
    sign_in_with_code(client, base, email, password, None).await
}

async fn sign_in_with_code(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
    secret: Option<&str>,
) -> Result<String, String> {
    let page = client
        .get(format!("{base}/sign-in"))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let cookie = cookie_from(&page).ok_or("the sign-in page set no session")?;
    let html = page.text().await.map_err(|e| e.to_string())?;
    let token = form_token(&html).ok_or("the sign-in page has no form token")?;
    let mut cookie = post_form(
        client,
        &format!("{base}/api/sign-in"),
        &cookie,
        &token,
        &[("email", email), ("password", password), ("next", "/")],
    )
    .await?;
    if let Some(secret) = secret {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let code = app::accounts::two_step::code_at(secret, now)
            .map_err(|_| "the bench two-step secret is not valid")?;
        cookie = post_form(
            client,
            &format!("{base}/api/sign-in-code"),
            &cookie,
            &token,
            &[("code", &code)],
        )
        .await?;
    }
    let home = client
        .get(format!("{base}/"))
        .header("cookie", &cookie)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if home.status() != reqwest::StatusCode::OK {
        return Err(format!("{email} could not sign in"));
    }
    Ok(cookie)
}

/// Creates the bench's users: a support agent (sees every reservation) with a
/// known two-step secret, and an OLA who signs in in one step.
async fn bench_users(db: &app::db::Db) -> Result<(), String> {
    let e = |e: app::AppError| e.to_string();
    let operator = ensure_organisation(
        db,
        "Volume Licensing Operations",
        OrganisationKind::Operator,
    )
    .await
    .map_err(e)?;
    ensure_user(
        db,
        NewUser {
            organisation_id: operator,
            email: BENCH_USER,
            display_name: "Benchmark support agent",
            role: Role::SupportAgent,
            password: BENCH_PASSWORD,
        },
    )
    .await
    .map_err(e)?;
    let customer = ensure_organisation(db, "Bench Customer", OrganisationKind::Customer)
        .await
        .map_err(e)?;
    ensure_user(
        db,
        NewUser {
            organisation_id: customer,
            email: BENCH_SIGN_IN_USER,
            display_name: "Benchmark online administrator",
            role: Role::OnlineAdministrator,
            password: BENCH_PASSWORD,
        },
    )
    .await
    .map_err(e)?;
    sqlx::query(
        "UPDATE users SET totp_secret = $1, totp_enabled_at = $2, totp_last_step = NULL WHERE email = $3",
    )
    .bind(BENCH_TWO_STEP_SECRET)
    .bind(time::OffsetDateTime::now_utc().unix_timestamp())
    .bind(BENCH_USER)
    .execute(db.writer())
    .await
    .map_err(|e| e.to_string())?;
    Ok(())
}

/// The open sign-in of the bench support agent (the one `run` made).
async fn bench_sign_in(db: &app::db::Db) -> Result<i64, String> {
    sqlx::query_scalar(
        "SELECT MAX(s.id) FROM user_sessions s JOIN users u ON u.id = s.user_id \
         WHERE u.email = $1 AND s.ended_at IS NULL",
    )
    .bind(BENCH_USER)
    .fetch_one(db.pool())
    .await
    .map_err(|e| format!("no open sign-in for the bench user: {e}"))
}

/// What the ceiling's handlers answer, and what the floors read first.
#[derive(Clone)]
struct SameBytes {
    body: axum::body::Bytes,
    db: app::db::Db,
    sign_in: i64,
}

type Answer = Result<([(&'static str, &'static str); 1], axum::body::Bytes), StatusCode>;

impl SameBytes {
    fn answer(&self) -> Answer {
        Ok((
            [("content-type", "text/html; charset=utf-8")],
            self.body.clone(),
        ))
    }
}

#[derive(serde::Deserialize)]
struct Position {
    after: Option<String>,
}

/// The page's bytes and nothing else.
async fn bare(State(same): State<SameBytes>) -> Answer {
    same.answer()
}

/// The page's bytes after the query every signed-in request makes.
async fn after_sign_in_query(State(same): State<SameBytes>) -> Answer {
    signed_in_user(&same).await?;
    same.answer()
}

/// The page's bytes after the sign-in query and the reservations list's page
/// and count queries, as the page at `after` (the first page without) asks them.
async fn after_page_queries(
    State(same): State<SameBytes>,
    Query(position): Query<Position>,
) -> Answer {
    let failed = StatusCode::INTERNAL_SERVER_ERROR;
    let user = signed_in_user(&same).await?;
    let filter = ReservationFilter::parse(None, None, None, None, position.after.as_deref(), None)
        .map_err(|_| failed)?;
    list(&same.db, &user, &filter).await.map_err(|_| failed)?;
    same.answer()
}

async fn signed_in_user(same: &SameBytes) -> Result<app::auth::CurrentUser, StatusCode> {
    user_of_sign_in(&same.db, same.sign_in)
        .await
        .ok()
        .flatten()
        .ok_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Signs in continuously from `SIGN_IN_CLIENTS` clients until `stop`; counts
/// the sign-ins.
fn sign_in_burst(
    client: &reqwest::Client,
    base: &str,
    stop: Arc<AtomicBool>,
    done: Arc<AtomicU64>,
) -> Vec<tokio::task::JoinHandle<Result<(), String>>> {
    (0..SIGN_IN_CLIENTS)
        .map(|_| {
            let (client, base, stop, done) =
                (client.clone(), base.to_string(), stop.clone(), done.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    sign_in_cookie(&client, &base, BENCH_SIGN_IN_USER, BENCH_PASSWORD).await?;
                    done.fetch_add(1, Ordering::Relaxed);
                }
                Ok(())
            })
        })
        .collect()
}

/// The style sheet's address, from a page's `<link rel="stylesheet">`.
fn style_sheet(page: &str) -> Option<String> {
    let at = page.find("rel=\"stylesheet\"")?;
    let link_start = page[..at].rfind("<link")?;
    let link = &page[link_start..];
    let href = link.find("href=\"")? + "href=\"".len();
    let end = link[href..].find('"')?;
    Some(link[href..href + end].to_string())
}

fn row(name: &str, f: &Figures) {
    println!(
        "{name:<44} {:>9} {:>10.1} {:>9.2} {:>9.2}",
        f.requests, f.per_second, f.p50_ms, f.p99_ms
    );
}

/// Runs the benchmark against the database of `settings` (which must hold the
/// large data set) and prints the figures.
pub async fn run(mut settings: Settings, seconds: u64) -> Result<(), String> {
    let backup_settings = settings.clone();
    settings.listen_addr = "127.0.0.1:0".parse().expect("valid address");
    settings.sign_in_max_failures = 1_000_000;
    settings.run_workers = false;
    // `BENCH_TARGET=http://host:port` measures a portal already serving the
    // same database (another build, say) instead of starting one here.
    let target = std::env::var("BENCH_TARGET").ok();
    let (db, base) = match target {
        Some(url) => (
            crate::startup::open_database(&settings)
                .await
                .map_err(|e| e.to_string())?,
            url.trim_end_matches('/').to_string(),
        ),
        None => {
            let app = Application::build(settings)
                .await
                .map_err(|e| e.to_string())?;
            let db = app.db().clone();
            let base = format!("http://127.0.0.1:{}", app.port());
            tokio::spawn(app.run_until_stopped());
            (db, base)
        }
    };
    bench_users(&db).await?;
    let reservations: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE kind = 'reservation'")
            .fetch_one(db.pool())
            .await
            .map_err(|e| e.to_string())?;
    let deep_before: i64 = sqlx::query_scalar(
        "SELECT id FROM orders WHERE kind = 'reservation' ORDER BY id DESC LIMIT 1 OFFSET $1",
    )
    .bind(DEEP_ROW.min(reservations - 1))
    .fetch_one(db.pool())
    .await
    .map_err(|e| {
        format!("not enough reservations for a deep page ({e}); run generate-large first")
    })?;

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let cookie = sign_in_with_code(
        &client,
        &base,
        BENCH_USER,
        BENCH_PASSWORD,
        Some(BENCH_TWO_STEP_SECRET),
    )
    .await?;

    // The same list sorted by usage start date, first and deep.
    let (deep_start, deep_start_id): (String, i64) = sqlx::query_as(
        "SELECT usage_start_date, id FROM orders WHERE kind = 'reservation' \
         ORDER BY usage_start_date, id LIMIT 1 OFFSET $1",
    )
    .bind(DEEP_ROW.min(reservations - 1))
    .fetch_one(db.pool())
    .await
    .map_err(|e| e.to_string())?;
    let by_start_url = format!("{base}/reservations?sort=starts");
    let by_start_deep_url =
        format!("{base}/reservations?sort=starts&after={deep_start}~{deep_start_id}");
    let cancelled_url = format!("{base}/reservations?status=cancelled");

    let first_url = format!("{base}/reservations");
    let deep_url = format!("{base}/reservations?after={deep_before}~{deep_before}");
    let first_page = fetch_page(&client, &first_url, &cookie).await?;
    let deep_page_len = fetch_page(&client, &deep_url, &cookie).await?.len();

    // The ceiling: the same bytes from a handler that does nothing else; and
    // two floors: the same bytes after the database work the page does.
    let sign_in = bench_sign_in(&db).await?;
    let same = SameBytes {
        body: axum::body::Bytes::from(first_page.clone()),
        db: db.clone(),
        sign_in,
    };
    let ceiling = axum::Router::new()
        .route("/", axum::routing::get(bare))
        .route(
            "/after-sign-in-query",
            axum::routing::get(after_sign_in_query),
        )
        .route(
            "/after-page-queries",
            axum::routing::get(after_page_queries),
        )
        .with_state(same);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let ceiling_url = format!(
        "http://{}/",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    tokio::spawn(async move { axum::serve(listener, ceiling).await });

    println!(
        "backend: {:?}; {reservations} reservations; first page {} bytes, page near row {DEEP_ROW} {deep_page_len} bytes; \
         wrk, {CONNECTIONS} connections, {seconds} s per scenario",
        db.backend(),
        first_page.len()
    );
    println!(
        "{:<44} {:>9} {:>10} {:>9} {:>9}",
        "scenario", "requests", "req/s", "p50 ms", "p99 ms"
    );
    // Warm both sides up once.
    wrk(&first_url, Some(&cookie), 2).await?;
    wrk(&ceiling_url, None, 2).await?;

    let first = wrk(&first_url, Some(&cookie), seconds).await?;
    row("reservations, first page", &first);
    let deep = wrk(&deep_url, Some(&cookie), seconds).await?;
    row(&format!("reservations, page near row {DEEP_ROW}"), &deep);
    let ceiling = wrk(&ceiling_url, None, seconds).await?;
    row("ceiling: same bytes, bare axum", &ceiling);
    let after_sign_in = wrk(&format!("{ceiling_url}after-sign-in-query"), None, seconds).await?;
    row("same bytes after the sign-in query", &after_sign_in);
    let after_queries = wrk(&format!("{ceiling_url}after-page-queries"), None, seconds).await?;
    row("same bytes after the page's queries", &after_queries);
    let after_deep_queries = wrk(
        &format!("{ceiling_url}after-page-queries?after={deep_before}~{deep_before}"),
        None,
        seconds,
    )
    .await?;
    row(
        &format!("same bytes after the queries of the page near row {DEEP_ROW}"),
        &after_deep_queries,
    );
    let by_start = wrk(&by_start_url, Some(&cookie), seconds).await?;
    row("by usage start, first page", &by_start);
    let by_start_deep = wrk(&by_start_deep_url, Some(&cookie), seconds).await?;
    row(
        &format!("by usage start, page near row {DEEP_ROW}"),
        &by_start_deep,
    );
    let cancelled = wrk(&cancelled_url, Some(&cookie), seconds).await?;
    row("cancelled only, first page", &cancelled);

    let stop = Arc::new(AtomicBool::new(false));
    let signed_in = Arc::new(AtomicU64::new(0));
    let burst = sign_in_burst(&client, &base, stop.clone(), signed_in.clone());
    let started = Instant::now();
    let during = wrk(&first_url, Some(&cookie), seconds).await;
    stop.store(true, Ordering::Relaxed);
    let burst_seconds = started.elapsed().as_secs_f64();
    for task in burst {
        task.await.map_err(|e| e.to_string())??;
    }
    let during = during?;
    row(
        &format!("first page, {SIGN_IN_CLIENTS} clients signing in"),
        &during,
    );
    let sign_ins = signed_in.load(Ordering::Relaxed) as f64 / burst_seconds;

    // `server backup` of the same database while the page is read (SQLite).
    let backup = if db.backend() == app::db::Backend::Sqlite {
        let to = std::env::temp_dir().join(format!("vl-portal-bench-{}.db", std::process::id()));
        let copying = crate::backup::backup(&backup_settings, &to);
        let (took, during) = tokio::join!(copying, wrk(&first_url, Some(&cookie), seconds));
        std::fs::remove_file(&to).ok();
        let (took, during) = (took?, during?);
        row("first page, a backup being taken", &during);
        Some((took, during))
    } else {
        None
    };

    let style = style_sheet(&String::from_utf8_lossy(&first_page));
    let files = match &style {
        Some(path) => match wrk(&format!("{base}{path}"), None, seconds).await {
            Ok(f) => {
                row("a site file (the style sheet)", &f);
                Some(f)
            }
            Err(e) => {
                println!("a site file: not measured ({e}); build the site first");
                None
            }
        },
        None => None,
    };
    let sign_in_page = wrk(&format!("{base}/sign-in"), None, seconds).await?;
    row("sign-in page", &sign_in_page);

    println!();
    println!(
        "portal first page / ceiling throughput: {:.3} (target >= 0.25 on SQLite, >= 0.15 on PostgreSQL)",
        first.per_second / ceiling.per_second
    );
    println!(
        "floors / ceiling throughput: after the sign-in query {:.3}, after the page's queries {:.3}; \
         portal / the latter {:.3} (what rendering and the framework leave)",
        after_sign_in.per_second / ceiling.per_second,
        after_queries.per_second / ceiling.per_second,
        first.per_second / after_queries.per_second
    );
    println!(
        "page near row {DEEP_ROW} / first page latency (p50): {:.2} (target <= 1.2); their queries alone: {:.2}",
        deep.p50_ms / first.p50_ms,
        after_deep_queries.p50_ms / after_queries.p50_ms
    );
    println!(
        "by usage start: page near row {DEEP_ROW} / first page latency (p50): {:.2} (target <= 1.2)",
        by_start_deep.p50_ms / by_start.p50_ms
    );
    println!(
        "page p99 while signing in / idle p99: {:.2} (target <= 1.5); {sign_ins:.1} sign-ins/s",
        during.p99_ms / first.p99_ms
    );
    match backup {
        Some((took, during)) => println!(
            "backup of the database: {:.1} s while the page was read; page p99 during it / idle p99: {:.2}",
            took.as_secs_f64(),
            during.p99_ms / first.p99_ms
        ),
        None => println!("backup: PostgreSQL is backed up with pg_dump (not measured here)"),
    }
    if let Some(files) = files {
        println!(
            "site file / sign-in page throughput: {:.2} (target >= 1)",
            files.per_second / sign_in_page.per_second
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{form_token, parse_wrk, style_sheet};

    const REPORT: &str = "Running 10s test @ http://127.0.0.1:3000/reservations
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.12ms    1.01ms  20.11ms   80.00%
  Latency Distribution
     50%    2.95ms
     75%    3.50ms
     90%    4.20ms
     99%  850.00us
  102400 requests in 10.00s, 1.20GB read
Requests/sec:  10240.50
Transfer/sec:    122.88MB
";

    #[test]
    fn wrk_reports_are_read() {
        let f = parse_wrk(REPORT).unwrap();
        assert_eq!(f.requests, 102_400);
        assert!((f.per_second - 10_240.5).abs() < 1e-9);
        assert!((f.p50_ms - 2.95).abs() < 1e-9);
        assert!((f.p99_ms - 0.85).abs() < 1e-9);
    }

    #[test]
    fn failed_requests_fail_the_run() {
        let report = format!("{REPORT}  Non-2xx or 3xx responses: 12\n");
        assert!(parse_wrk(&report).is_err());
        assert!(parse_wrk("nothing").is_err());
    }

    #[test]
    fn tokens_and_style_sheets_are_found_in_pages() {
        let page = r#"<link id="leptos" rel="stylesheet" href="/pkg/vl-portal.abc.css"><input type="hidden" name="csrf_token" value="t0k"/>"#;
        assert_eq!(form_token(page).as_deref(), Some("t0k"));
        assert_eq!(style_sheet(page).as_deref(), Some("/pkg/vl-portal.abc.css"));
    }
}
