//! The contact-change benchmark: how many CICRs a second the portal accepts
//! over HTTP (16 concurrent partner requests, each an OSM change applied to
//! eMSL with its audit entry and propagation jobs), next to bare single-row
//! updates of the same contacts on the same database (the baseline), and how
//! many it then propagates to VLSC and explore.ms a second.

use super::bench::sign_in_cookie;
use crate::config::Settings;
use crate::startup::Application;
use app::contacts::propagation::propagate_due;
use app::domain::{ContactType, OrganisationKind, Role};
use app::enrollments::records::{ensure_contact, ensure_enrollment, NewEnrollment};
use app::people::ssr::{ensure_organisation, ensure_partner_serves, ensure_user, NewUser};
use app::state::{Clock, ManualClock};
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::macros::{date, datetime};

const CONCURRENCY: usize = 16;
const PARTNER: &str = "bench-partner@fabrikam.example";
const PASSWORD: &str = "bench-password-not-for-production";

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len().max(1) as f64 - 1.0) * p).round() as usize;
    sorted
        .get(i)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// Runs `work(i)` for i in 0..count on CONCURRENCY tasks; returns the elapsed
/// time and every call's latency, sorted.
async fn concurrently<F, Fut>(count: usize, work: F) -> Result<(f64, Vec<Duration>), String>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + Send,
{
    let work = Arc::new(work);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (work, next) = (work.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= count {
                    return Ok::<_, String>(latencies);
                }
                let t = Instant::now();
                work(i).await?;
                latencies.push(t.elapsed());
            }
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.map_err(|e| e.to_string())??);
    }
    let seconds = started.elapsed().as_secs_f64();
    all.sort();
    Ok((seconds, all))
}

/// Creates `count` enrollments with an OSM each, submits one OSM change per
/// enrollment, then propagates them all.
pub async fn run(mut settings: Settings, count: usize) -> Result<(), String> {
    settings.listen_addr = "127.0.0.1:0".parse().map_err(|_| "bad address")?;
    settings.run_workers = false;
    settings.sign_in_max_failures = 1_000;
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-28 12:00 UTC)));
    let app = Application::build_with_clock(settings, clock.clone())
        .await
        .map_err(|e| e.to_string())?;
    let db = app.db().clone();
    let err = |e: app::AppError| e.to_string();
    let customer = ensure_organisation(&db, "Benchmark customer", OrganisationKind::Customer)
        .await
        .map_err(err)?;
    let partner = ensure_organisation(&db, "Benchmark partner", OrganisationKind::Partner)
        .await
        .map_err(err)?;
    ensure_partner_serves(&db, partner, customer)
        .await
        .map_err(err)?;
    ensure_user(
        &db,
        NewUser {
            organisation_id: partner,
            email: PARTNER,
            display_name: "Benchmark partner",
            role: Role::PartnerUser,
            password: PASSWORD,
        },
    )
    .await
    .map_err(err)?;
    let prepared = Instant::now();
    for i in 0..count {
        let number = format!("B{i:07}");
        let id = ensure_enrollment(
            &db,
            NewEnrollment {
                number: &number,
                agreement_number: "BENCH",
                name: "Benchmark enrollment",
                customer_id: customer,
                partner_id: partner,
                start_date: date!(2026 - 01 - 01),
                end_date: date!(2028 - 12 - 31),
            },
        )
        .await
        .map_err(err)?;
        ensure_contact(
            &db,
            id,
            ContactType::OnlineServicesManager,
            "Bench Osm",
            "osm@bench.example",
            "+1 425 555 0100",
        )
        .await
        .map_err(err)?;
    }
    println!(
        "backend: {:?}; {count} enrollments with an OSM prepared in {:.1} s",
        db.backend(),
        prepared.elapsed().as_secs_f64()
    );
    let versions: Vec<i64> = sqlx::query_scalar::<_, i64>(
        "SELECT c.version FROM enrollment_contacts c JOIN enrollments e ON e.id = c.enrollment_id \
         WHERE e.enrollment_number LIKE 'B%' AND c.contact_type = 'osm' ORDER BY e.enrollment_number",
    )
    .fetch_all(db.pool())
    .await
    .map_err(|e| e.to_string())?;
    if versions.len() != count {
        return Err("the benchmark enrollments are not all there".into());
    }

    // Baseline: one transactional single-row update per contact, same concurrency.
    let baseline_db = db.clone();
    let (base_seconds, base_latencies) = concurrently(count, move |i| {
        let db = baseline_db.clone();
        async move {
            let mut tx = db.begin().await.map_err(|e| e.to_string())?;
            sqlx::query(
                "UPDATE enrollment_contacts SET phone = $1 WHERE contact_type = 'osm' AND enrollment_id = \
                 (SELECT id FROM enrollments WHERE enrollment_number = $2)",
            )
            .bind("+1 425 555 0100")
            .bind(format!("B{i:07}"))
            .execute(&mut *tx)
            .await
            .map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())
        }
    })
    .await?;
    let base_rate = count as f64 / base_seconds;
    println!(
        "baseline, bare contact updates: {count} in {base_seconds:.1} s ({base_rate:.0}/s, p50 {:.1} ms, p99 {:.1} ms)",
        percentile(&base_latencies, 0.5),
        percentile(&base_latencies, 0.99)
    );

    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(CONCURRENCY * 2)
        .build()
        .map_err(|e| e.to_string())?;
    let cookie = sign_in_cookie(&client, &base, PARTNER, PASSWORD).await?;
    let versions = Arc::new(versions);
    let (seconds, latencies) = concurrently(count, move |i| {
        let (client, base, cookie, versions) = (client.clone(), base.clone(), cookie.clone(), versions.clone());
        async move {
            let body = format!(
                "enrollment=B{i:07}&contact=osm&name=Robin+Bench&email=robin{i}%40bench.example&phone=%2B1+425+555+0199\
                 &reason=Benchmark&versions=osm%3A{}&request_key=bench-contact-change-{i:08}",
                versions[i]
            );
            let response = client
                .post(format!("{base}/api/request-contact-change"))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", &cookie)
                .body(body)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if response.status().is_success() {
                Ok(())
            } else {
                Err(format!("a CICR was refused: {} {}", response.status(), response.text().await.unwrap_or_default()))
            }
        }
    })
    .await?;
    let rate = count as f64 / seconds;
    println!(
        "accepted {count} CICRs over HTTP in {seconds:.1} s ({rate:.0} CICRs/s, p50 {:.1} ms, p99 {:.1} ms)",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99)
    );
    println!(
        "ratio, portal CICRs / bare updates: {:.2}",
        rate / base_rate
    );

    // The propagation delay (24 hours by default) passes.
    clock.advance(Duration::from_secs(86_400 * 2));
    let at = clock.now().unix_timestamp();
    let started = Instant::now();
    let mut jobs = 0;
    loop {
        let n = propagate_due(&db, at, 1_000).await.map_err(err)?;
        if n == 0 {
            break;
        }
        jobs += n;
    }
    let seconds = started.elapsed().as_secs_f64();
    let complete: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM contact_changes WHERE status = 'complete'")
            .fetch_one(db.pool())
            .await
            .map_err(|e| e.to_string())?;
    println!(
        "propagated {jobs} copies ({complete} CICRs complete in VLSC and explore.ms) in {seconds:.1} s ({:.0} CICRs/s)",
        complete as f64 / seconds
    );
    Ok(())
}
