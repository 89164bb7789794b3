//! Light pages: a request reads its sign-in once, answers are compressed for
//! clients that accept it, and the site's files are served without a session.

use crate::both_backends;
use crate::helpers::{spawn_app, spawn_app_with, Backend};
use app::domain::Role;
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

both_backends!(
    a_page_reads_its_sign_in_once,
    pages_and_answers_are_compressed_for_clients_that_accept_them,
    site_files_come_precompressed_and_without_a_session,
);
