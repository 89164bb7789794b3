//! Light pages: a request reads its sign-in once, answers are compressed for
//! clients that accept it, and the site's files are served without a session.

use crate::both_backends;
use crate::helpers::{postgres_available, spawn_app, spawn_app_with, Backend};
use app::domain::Role;
use app::state::Clock;
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, COOKIE, SET_COOKIE};
use reqwest::StatusCode;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn a_page_reads_its_sign_in_once(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("ana@contoso.example", Role::OnlineAdministrator)
        .await;
    let cookie = app.signed_in("ana@contoso.example").await;
    // The layout and the page (and each of its lists) all need the user.
    for path in ["/", "/enrollments", "/reservations", "/changes", "/account"] {
        let before = app.state.counters.sign_in_reads();
        let response = app.get(path, Some(&cookie)).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.text().await.unwrap();
        assert_eq!(
            app.state.counters.sign_in_reads() - before,
            1,
            "{path} read the sign-in more than once"
        );
    }
}

async fn pages_and_answers_are_compressed_for_clients_that_accept_them(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("ana@contoso.example", Role::OnlineAdministrator)
        .await;
    let cookie = app.signed_in("ana@contoso.example").await;
    let encoding = |r: &reqwest::Response| {
        r.headers()
            .get(CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap().to_string())
    };
    for (accepted, expected) in [
        ("br", Some("br")),
        ("gzip", Some("gzip")),
        ("gzip, deflate, br", Some("br")),
        ("identity", None),
    ] {
        let page = client()
            .get(format!("{}/enrollments", app.address))
            .header(COOKIE, &cookie)
            .header(ACCEPT_ENCODING, accepted)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(encoding(&page).as_deref(), expected, "page, {accepted}");
        // A server function's answer, as a browser script would call it.
        let answer = client()
            .post(format!("{}/api/my-sessions", app.address))
            .header(COOKIE, &cookie)
            .header("sec-fetch-site", "same-origin")
            .header("content-type", "application/x-www-form-urlencoded")
            .header(ACCEPT_ENCODING, accepted)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        assert_eq!(
            encoding(&answer).as_deref(),
            expected,
            "server function, {accepted}"
        );
    }
    // Without Accept-Encoding the page is plain and complete.
    let plain = app.get("/sign-in", None).await;
    assert_eq!(encoding(&plain), None);
    assert!(plain.text().await.unwrap().contains("</html>"));
}

async fn site_files_come_precompressed_and_without_a_session(backend: Backend) {
    let site = std::env::temp_dir()
        .join("vl-portal-tests")
        .join(format!("site-{}", std::process::id()))
        .join(format!("{backend:?}"));
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("vl-portal.css"), "body { color: black }").unwrap();
    std::fs::write(pkg.join("vl-portal.css.br"), "brotli bytes").unwrap();
    std::fs::write(pkg.join("vl-portal.css.gz"), "gzip bytes").unwrap();
    let root = site.to_str().unwrap().to_string();
    let app = spawn_app_with(backend, |s| s.site_root = root).await;
    let fetch = |accepted: &'static str| {
        let url = format!("{}/pkg/vl-portal.css", app.address);
        async move {
            client()
                .get(url)
                .header(ACCEPT_ENCODING, accepted)
                .send()
                .await
                .unwrap()
        }
    };
    for (accepted, encoding, body) in [
        ("br, gzip", Some("br"), "brotli bytes"),
        ("gzip", Some("gzip"), "gzip bytes"),
        ("identity", None, "body { color: black }"),
    ] {
        let response = fetch(accepted).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response
                .headers()
                .get(CONTENT_ENCODING)
                .map(|v| v.to_str().unwrap()),
            encoding
        );
        // No session is made or read for a file.
        assert!(response.headers().get(SET_COOKIE).is_none());
        // A test build's files are not named by their content: revalidated.
        assert_eq!(response.headers()[CACHE_CONTROL], "no-cache");
        assert_eq!(response.text().await.unwrap(), body);
    }
    let missing = client()
        .get(format!("{}/pkg/nothing.js", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    // A missing file is never kept.
    assert_eq!(missing.headers()[CACHE_CONTROL], "no-store");
}

/// Several instances share one PostgreSQL database; each keeps the sessions it
/// has read in memory. A session changed through one instance is read fresh by
/// the others. (SQLite serves one instance, so this runs on PostgreSQL only.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_changed_on_one_instance_is_read_fresh_on_another() {
    if !postgres_available().await {
        return;
    }
    let one = spawn_app(Backend::Postgres).await;
    let other = one.second_instance().await;
    one.create_user("ana@contoso.example", Role::OnlineAdministrator)
        .await;
    let cookie = one.signed_in("ana@contoso.example").await;
    // The other instance reads the session, and keeps it.
    for _ in 0..2 {
        assert_eq!(other.get("/", Some(&cookie)).await.status(), StatusCode::OK);
    }
    // Two-step set-up starts on one instance: the key is kept in the session ...
    let setup: app::accounts::TwoStepEnrolment = one
        .call("/api/two-step-setup", Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    let secret = setup.secret.replace(' ', "");
    // ... and the confirmation lands on the other, which must see that key.
    // (An announcement takes well under a millisecond on loopback; a browser's
    // next request takes a round trip at least.)
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let code = app::accounts::two_step::code_at(&secret, one.clock.now().unix_timestamp()).unwrap();
    let confirmed = other
        .call_with("/api/confirm-two-step", &[("code", &code)], &cookie)
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    // Signing out on the other instance holds on the first at once.
    let signed_out = other.call("/api/sign-out", Some(&cookie)).await.status();
    assert!(signed_out.is_success() || signed_out.is_redirection());
    let page = one.get("/", Some(&cookie)).await;
    assert_eq!(page.status(), StatusCode::FOUND);
}

both_backends!(
    a_page_reads_its_sign_in_once,
    pages_and_answers_are_compressed_for_clients_that_accept_them,
    site_files_come_precompressed_and_without_a_session,
);
