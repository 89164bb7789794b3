//! The edge: forged posts, security headers, redirects after sign-in, bodies
//! and fields the portal will not read, slow clients, panics and the client
//! address behind a proxy.

use crate::both_backends;
use crate::helpers::{form, location, session_cookie, spawn_app_with, Backend, TestApp, PASSWORD};
use app::domain::Role;
use app::AppError;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::StatusCode;
use std::time::Duration;

const HOME: &str = "https://portal.example";
const ADMIN: &str = "admin@contoso.example";

/// A client that sends only the headers a test gives it.
fn bare_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A named case: the browser headers a post carries, and its body.
type Case<'a> = (&'a str, Vec<(&'static str, &'a str)>, &'a str);

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    pairs
        .iter()
        .map(|(k, v)| {
            (
                HeaderName::from_static(k),
                HeaderValue::from_str(v).unwrap(),
            )
        })
        .collect()
}

/// A portal whose public URL is `HOME`, with a signed-in administrator.
async fn portal(backend: Backend) -> (TestApp, String) {
    let app = spawn_app_with(backend, |s| s.public_url = HOME.into()).await;
    app.create_user(ADMIN, Role::VlscAdministrator).await;
    let cookie = app.signed_in(ADMIN).await;
    (app, cookie)
}

/// The form token a page hands to its forms.
async fn csrf_token(app: &TestApp, cookie: &str) -> String {
    token_in(&app.get("/people", Some(cookie)).await.text().await.unwrap())
}

fn token_in(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let at = html.find(marker).expect("the page's forms carry a token") + marker.len();
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

async fn post(
    app: &TestApp,
    path: &str,
    cookie: &str,
    extra: &[(&'static str, &str)],
    body: &str,
) -> reqwest::Response {
    bare_client()
        .post(format!("{}{path}", app.address))
        .headers(headers(extra))
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

async fn still_signed_in(app: &TestApp, cookie: &str) -> bool {
    let r = app.call("/api/current-user", Some(cookie)).await;
    r.json::<Option<serde_json::Value>>()
        .await
        .unwrap()
        .is_some()
}

async fn forged_posts_are_refused_and_change_nothing(backend: Backend) {
    let (app, cookie) = portal(backend).await;
    let token = csrf_token(&app, &cookie).await;
    let with_token = format!("csrf_token={token}");
    let wrong_token = "csrf_token=0000";
    let refused: &[Case] = &[
        ("another site", vec![("origin", "https://evil.example")], ""),
        ("a sandboxed or file page", vec![("origin", "null")], ""),
        (
            "a sibling subdomain",
            vec![("origin", "https://sub.portal.example")],
            "",
        ),
        (
            "a sibling subdomain, by Fetch Metadata",
            vec![("sec-fetch-site", "same-site")],
            "",
        ),
        (
            "another site, by Fetch Metadata",
            vec![("sec-fetch-site", "cross-site"), ("origin", HOME)],
            "",
        ),
        (
            "another site's page, by Referer",
            vec![("referer", "https://evil.example/x")],
            "",
        ),
        (
            "the portal over plain http",
            vec![("origin", "http://portal.example")],
            "",
        ),
        ("neither header and no token", vec![], ""),
        ("neither header and a wrong token", vec![], wrong_token),
        (
            "the right origin with a wrong token",
            vec![("origin", HOME)],
            wrong_token,
        ),
        // A real token does not excuse a post from another site.
        (
            "another site with the right token",
            vec![("origin", "https://evil.example")],
            &with_token,
        ),
    ];
    for (case, extra, body) in refused {
        for path in ["/api/people", "/api/sign-out"] {
            let r = post(&app, path, &cookie, extra, body).await;
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{case} on {path}");
            let error: AppError = r.json().await.unwrap();
            assert!(
                error.to_string().contains("did not come from the portal"),
                "{case}: {error}"
            );
        }
        assert!(
            still_signed_in(&app, &cookie).await,
            "{case}: the sign-out was not carried out"
        );
    }
    // A plain form post from another site gets a page that says so.
    let page = post(
        &app,
        "/api/sign-out",
        &cookie,
        &[("origin", "https://evil.example"), ("accept", "text/html")],
        "",
    )
    .await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("did not come from the portal"));

    // What the portal's own pages send is accepted.
    let accepted: &[Case] = &[
        (
            "Fetch Metadata",
            vec![("sec-fetch-site", "same-origin")],
            "",
        ),
        ("the portal's Origin", vec![("origin", HOME)], ""),
        (
            "the portal's Origin and its token",
            vec![("origin", HOME)],
            &with_token,
        ),
        (
            "a Referer on the portal",
            vec![("referer", "https://portal.example/people")],
            "",
        ),
        (
            "neither header but the session's token",
            vec![],
            &with_token,
        ),
    ];
    for (case, extra, body) in accepted {
        let r = post(&app, "/api/people", &cookie, extra, body).await;
        assert_eq!(r.status(), StatusCode::OK, "{case}");
    }
    let out = post(&app, "/api/sign-out", &cookie, &[], &with_token).await;
    assert!(
        out.status().is_success() || out.status().is_redirection(),
        "{}",
        out.status()
    );
    assert!(
        !still_signed_in(&app, &cookie).await,
        "a genuine sign-out works"
    );
}

async fn signing_in_from_another_site_is_refused(backend: Backend) {
    let (app, _) = portal(backend).await;
    let body = form(&[("email", ADMIN), ("password", PASSWORD), ("next", "/")]);
    for extra in [vec![("origin", "https://evil.example")], vec![]] {
        let r = post(&app, "/api/sign-in", "", &extra, &body).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{extra:?}");
        assert!(
            session_cookie(&r).is_none(),
            "no session for a forged sign-in"
        );
    }
    // The sign-in page's own token, without any browser header, signs in.
    let page = bare_client()
        .get(format!("{}/sign-in", app.address))
        .send()
        .await
        .unwrap();
    let cookie = session_cookie(&page).expect("the sign-in page starts a session for its token");
    let token = &token_in(&page.text().await.unwrap());
    assert_eq!(token.len(), 64);
    let r = post(
        &app,
        "/api/sign-in",
        &cookie,
        &[],
        &format!("{body}&csrf_token={token}"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let signed_in = session_cookie(&r).expect("a new session id at sign-in");
    assert_ne!(signed_in, cookie);
    // The token seen before signing in is worth nothing after.
    let r = post(
        &app,
        "/api/people",
        &signed_in,
        &[],
        &format!("csrf_token={token}"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

async fn every_answer_carries_the_security_headers(backend: Backend) {
    let (app, cookie) = portal(backend).await;
    let page = app.get("/people", Some(&cookie)).await;
    let policy = header(&page, "content-security-policy").to_string();
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .expect("a nonce in the page's policy")
        .to_string();
    assert!(nonce.len() >= 16, "{nonce}");
    for directive in [
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "'wasm-unsafe-eval'",
    ] {
        assert!(policy.contains(directive), "{directive} in {policy}");
    }
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert_eq!(header(&page, "cache-control"), "no-store");
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "Leptos's scripts carry the nonce"
    );
    let again = app.get("/people", Some(&cookie)).await;
    assert!(
        !header(&again, "content-security-policy").contains(&nonce),
        "a fresh nonce per answer"
    );

    let api = app.call("/api/people", Some(&cookie)).await;
    let asset = app.get("/pkg/does-not-exist.css", None).await;
    let anonymous = app.get("/sign-in", None).await;
    for (what, r) in [
        ("page", &again),
        ("server function", &api),
        ("missing file", &asset),
        ("sign-in page", &anonymous),
    ] {
        assert_eq!(header(r, "x-content-type-options"), "nosniff", "{what}");
        assert_eq!(header(r, "referrer-policy"), "same-origin", "{what}");
        assert_eq!(header(r, "x-frame-options"), "DENY", "{what}");
        assert!(
            header(r, "permissions-policy").contains("camera=()"),
            "{what}"
        );
        assert!(
            header(r, "content-security-policy").contains("frame-ancestors 'none'"),
            "{what}"
        );
        assert!(
            header(r, "strict-transport-security").contains("max-age="),
            "{what}"
        );
        assert!(!header(r, "x-request-id").is_empty(), "{what}");
    }
    assert_eq!(header(&api, "cache-control"), "no-store");
    assert!(
        header(&api, "content-security-policy").starts_with("default-src 'none'"),
        "no script runs from a server function's answer"
    );
}

async fn plain_http_gets_the_same_headers(backend: Backend) {
    // Browsers ignore HSTS over plain http; sending it anyway covers a portal
    // behind a TLS proxy whose PUBLIC_URL was left at http.
    let app = spawn_app_with(backend, |_| {}).await;
    let r = app.get("/sign-in", None).await;
    assert!(header(&r, "strict-transport-security").contains("max-age=31536000"));
    assert!(header(&r, "content-security-policy").contains("'nonce-"));
    assert_eq!(header(&r, "x-xss-protection"), "0");
}

async fn next_never_leaves_the_portal_nor_breaks_the_answer(backend: Backend) {
    let (app, _) = portal(backend).await;
    // A line break never reaches a header: the field is refused by name.
    for next in ["/\r\nSet-Cookie: planted=1", "/enrollments\n"] {
        let r = app
            .post_form_without_js(
                "/api/sign-in",
                &[("email", ADMIN), ("password", PASSWORD), ("next", next)],
                "/sign-in",
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{next:?}");
        assert!(r.headers().get("set-cookie").is_none());
        assert!(r.text().await.unwrap().contains("must be on one line"));
    }
    let cases = [
        ("/\t/evil.example/phish", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example", "/"),
        ("/café", "/caf%C3%A9"),
        ("/enrollments?page=2", "/enrollments?page=2"),
    ];
    for (next, expected) in cases {
        // As a browser without JavaScript posts the sign-in form.
        let r = app
            .post_form_without_js(
                "/api/sign-in",
                &[("email", ADMIN), ("password", PASSWORD), ("next", next)],
                "/sign-in",
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::FOUND, "{next:?}");
        assert_eq!(location(&r), expected, "{next:?}");
        assert!(r
            .headers()
            .get_all("set-cookie")
            .iter()
            .all(|c| !c.to_str().unwrap().contains("planted")));
    }
}

async fn a_form_missing_a_field_is_refused_by_name(backend: Backend) {
    let (app, cookie) = portal(backend).await;
    let r = app
        .call_with("/api/sign-in", &[("email", ADMIN)], &cookie)
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: AppError = r.json().await.unwrap();
    assert!(error.for_field("password").is_some(), "{error:?}");
}

async fn a_body_over_the_limit_is_refused_unread(backend: Backend) {
    let (app, cookie) = portal(backend).await;
    let huge = format!("display_name={}", "x".repeat(100 * 1024));
    let r = app.call_with("/api/people", &[], &cookie).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = post(
        &app,
        "/api/invite-person",
        &cookie,
        &[("sec-fetch-site", "same-origin")],
        &huge,
    )
    .await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

async fn a_slow_client_times_out(backend: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(backend, |s| s.request_timeout = Duration::from_secs(1)).await;
    let address = app.address.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(
            b"POST /api/sign-in HTTP/1.1\r\nhost: portal\r\nsec-fetch-site: same-origin\r\n\
              content-type: application/x-www-form-urlencoded\r\ncontent-length: 100\r\n\r\nemail=a",
        )
        .await
        .unwrap();
    let mut answer = vec![0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut answer))
        .await
        .expect("the portal answers a client that stops sending")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

async fn throttling_believes_forwarded_for_only_from_trusted_proxies(backend: Backend) {
    async fn failures_then_other(app: &TestApp) -> StatusCode {
        for (i, address) in ["198.51.100.1", "198.51.100.1"].iter().enumerate() {
            let r = app
                .sign_in_from(&format!("nobody{i}@contoso.example"), address)
                .await;
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        }
        app.sign_in_from("someone.else@contoso.example", "203.0.113.7")
            .await
            .status()
    }
    // Without trusted proxies, everyone behind this peer shares its address.
    let app = spawn_app_with(backend, |s| s.sign_in_max_failures = 2).await;
    assert_eq!(
        failures_then_other(&app).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Behind a trusted proxy, each client is counted on its own.
    let app = spawn_app_with(backend, |s| {
        s.sign_in_max_failures = 2;
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    assert_eq!(failures_then_other(&app).await, StatusCode::UNAUTHORIZED);
    let r = app
        .sign_in_from("nobody9@contoso.example", "198.51.100.1")
        .await;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the throttled client stays throttled"
    );
}

both_backends!(
    forged_posts_are_refused_and_change_nothing,
    signing_in_from_another_site_is_refused,
    every_answer_carries_the_security_headers,
    plain_http_gets_the_same_headers,
    next_never_leaves_the_portal_nor_breaks_the_answer,
    a_form_missing_a_field_is_refused_by_name,
    a_body_over_the_limit_is_refused_unread,
    a_slow_client_times_out,
    throttling_believes_forwarded_for_only_from_trusted_proxies,
);

#[tokio::test]
async fn a_panic_answers_with_the_error_page_and_the_server_goes_on() {
    use axum::routing::get;
    let router = axum::Router::new()
        .route("/boom", get(|| async { panic!("a bug") as &'static str }))
        .route("/fine", get(|| async { "fine" }));
    let edge = server::edge::EdgeSettings::new("http://127.0.0.1", vec![], Duration::from_secs(5));
    let router = server::edge::around(router, &edge);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await;
    });
    let boom = bare_client()
        .get(format!("http://{address}/boom"))
        .send()
        .await
        .unwrap();
    assert_eq!(boom.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        !header(&boom, "x-request-id").is_empty(),
        "the answer names the request for the log"
    );
    assert!(header(&boom, "content-security-policy").contains("default-src 'none'"));
    let page = boom.text().await.unwrap();
    assert!(page.contains("Something went wrong on our side"), "{page}");
    assert!(!page.contains("a bug"), "no internals in the page");
    let fine = bare_client()
        .get(format!("http://{address}/fine"))
        .send()
        .await
        .unwrap();
    assert_eq!(fine.text().await.unwrap(), "fine");
}
