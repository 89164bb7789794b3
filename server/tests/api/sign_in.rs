//! Sign-in, sessions and throttling.

use crate::both_backends;
use crate::helpers::{location, session_cookie, spawn_app, spawn_app_with, Backend, PASSWORD};
use app::domain::Role;
use app::AppError;
use reqwest::StatusCode;
use std::time::{Duration, Instant};

async fn signing_in_with_the_right_password_opens_the_home_page(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("ana@contoso.example", Role::OnlineAdministrator)
        .await;
    let response = app.sign_in("Ana@Contoso.example", PASSWORD, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(location(&response), "/");
    let cookie = session_cookie(&response).expect("a session cookie");

    let home = app.get("/", Some(&cookie)).await;
    assert_eq!(home.status(), StatusCode::OK);
    let body = home.text().await.unwrap();
    assert!(body.contains("ana@contoso.example"), "home names the user");
    assert!(body.contains("Contoso Test"), "home names the organisation");
    assert!(
        body.contains("Online administrator (OLA)"),
        "home names the role"
    );
    assert!(body.contains("Sign out"));
}

async fn the_session_cookie_is_http_only_and_same_site_lax(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("ana@contoso.example", Role::OnlineAdministrator)
        .await;
    let response = app.sign_in("ana@contoso.example", PASSWORD, None).await;
    let header = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("vlp_session="))
        .unwrap();
    assert!(header.contains("HttpOnly"), "{header}");
    assert!(header.contains("SameSite=Lax"), "{header}");
    assert!(
        !header.contains("Secure"),
        "plain http gets no Secure flag: {header}"
    );
}

async fn the_session_cookie_is_secure_when_served_over_https(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.public_url = "https://portal.example".into()).await;
    app.create_user("ana@contoso.example", Role::OnlineAdministrator)
        .await;
    let response = app.sign_in("ana@contoso.example", PASSWORD, None).await;
    let header = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(header.contains("Secure"), "{header}");
    assert!(
        header.starts_with("__Host-vlp_session="),
        "bound to this host: {header}"
    );
    assert!(
        header.contains("Path=/") && !header.contains("Domain="),
        "{header}"
    );
}

async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("ana@contoso.example", Role::OnlineAdministrator)
        .await;

    let mut wrong_times = Vec::new();
    let mut unknown_times = Vec::new();
    let mut answers = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let wrong = app
            .sign_in("ana@contoso.example", "not the password", None)
            .await;
        wrong_times.push(started.elapsed());
        let started = Instant::now();
        let unknown = app
            .sign_in("nobody@contoso.example", "not the password", None)
            .await;
        unknown_times.push(started.elapsed());
        assert!(session_cookie(&wrong).is_none() && session_cookie(&unknown).is_none());
        answers.push((wrong.status(), wrong.text().await.unwrap()));
        answers.push((unknown.status(), unknown.text().await.unwrap()));
    }
    assert!(
        answers.windows(2).all(|w| w[0] == w[1]),
        "same status and body: {answers:?}"
    );
    assert_eq!(answers[0].0, StatusCode::UNAUTHORIZED);
    let error: AppError = serde_json::from_str(&answers[0].1).unwrap();
    assert_eq!(error.to_string(), "The email or password is incorrect.");

    // Both run one argon2 verification; a lookup-only refusal would be far faster.
    wrong_times.sort();
    unknown_times.sort();
    let (wrong, unknown) = (wrong_times[1].as_secs_f64(), unknown_times[1].as_secs_f64());
    println!("median wrong password {wrong:.4}s, unknown email {unknown:.4}s");
    assert!(
        unknown > wrong * 0.4,
        "unknown email answered much faster: {unknown} vs {wrong}"
    );
}

async fn the_session_id_changes_at_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("ana@contoso.example", Role::OnlineAdministrator)
        .await;
    let first = app.signed_in("ana@contoso.example").await;
    let response = app
        .sign_in("ana@contoso.example", PASSWORD, Some(&first))
        .await;
    let second = session_cookie(&response).expect("a new cookie");
    assert_ne!(first, second);
    let old = app.get("/", Some(&first)).await;
    assert_eq!(
        old.status(),
        StatusCode::FOUND,
        "the id before sign-in no longer works"
    );
    assert_eq!(app.get("/", Some(&second)).await.status(), StatusCode::OK);
}

async fn signing_out_invalidates_the_old_cookie(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("ana@contoso.example", Role::OnlineAdministrator)
        .await;
    let cookie = app.signed_in("ana@contoso.example").await;
    assert_eq!(app.get("/", Some(&cookie)).await.status(), StatusCode::OK);

    let out = app.call("/api/sign-out", Some(&cookie)).await;
    assert!(out.status().is_success(), "{}", out.status());

    // Replaying the old cookie finds no session on the server.
    let after = app.get("/", Some(&cookie)).await;
    assert_eq!(after.status(), StatusCode::FOUND);
    assert!(location(&after).starts_with("/sign-in"));
    let who = app.call("/api/current-user", Some(&cookie)).await;
    assert_eq!(who.text().await.unwrap(), "null");
}

async fn an_idle_session_expires(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.session_idle_timeout = Duration::from_secs(2)).await;
    app.create_user("ana@contoso.example", Role::OnlineAdministrator)
        .await;
    let cookie = app.signed_in("ana@contoso.example").await;
    assert_eq!(app.get("/", Some(&cookie)).await.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let response = app.get("/", Some(&cookie)).await;
    assert_eq!(
        response.status(),
        StatusCode::FOUND,
        "idle session still valid"
    );
}

async fn an_active_session_outlives_the_idle_timeout(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.session_idle_timeout = Duration::from_secs(3)).await;
    app.create_user("ana@contoso.example", Role::OnlineAdministrator)
        .await;
    let cookie = app.signed_in("ana@contoso.example").await;
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(app.get("/", Some(&cookie)).await.status(), StatusCode::OK);
    }
}

async fn a_session_ends_at_its_absolute_lifetime(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("ana@contoso.example", Role::OnlineAdministrator)
        .await;
    let cookie = app.signed_in("ana@contoso.example").await;
    app.clock.advance(Duration::from_secs(11 * 3600));
    assert_eq!(app.get("/", Some(&cookie)).await.status(), StatusCode::OK);
    app.clock.advance(Duration::from_secs(3600));
    assert_eq!(
        app.get("/", Some(&cookie)).await.status(),
        StatusCode::FOUND
    );
}

async fn a_deactivated_user_loses_their_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = app
        .create_user("ana@contoso.example", Role::OnlineAdministrator)
        .await;
    let cookie = app.signed_in("ana@contoso.example").await;
    app::people::ssr::deactivate_user(&app.db, id)
        .await
        .unwrap();
    assert_eq!(
        app.get("/", Some(&cookie)).await.status(),
        StatusCode::FOUND
    );
    assert_eq!(
        app.sign_in("ana@contoso.example", PASSWORD, None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn repeated_failures_for_one_account_are_slowed_down_then_let_through(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("ana@contoso.example", Role::OnlineAdministrator)
        .await;
    for _ in 0..10 {
        let r = app.sign_in("ana@contoso.example", "guess", None).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let blocked = app.sign_in("ana@contoso.example", PASSWORD, None).await;
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    let error: AppError = serde_json::from_str(&blocked.text().await.unwrap()).unwrap();
    assert_eq!(error, AppError::TooManyAttempts);
    assert!(error.to_string().contains("Wait a minute"));

    // Not locked out for good: a minute later the real user gets in.
    app.clock.advance(Duration::from_secs(61));
    assert_eq!(
        app.sign_in("ana@contoso.example", PASSWORD, None)
            .await
            .status(),
        StatusCode::OK
    );
}

async fn repeated_failures_from_one_address_are_slowed_down(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("ana@contoso.example", Role::OnlineAdministrator)
        .await;
    for i in 0..10 {
        let r = app
            .sign_in(&format!("user{i}@contoso.example"), "guess", None)
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let blocked = app.sign_in("ana@contoso.example", PASSWORD, None).await;
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance(Duration::from_secs(61));
    assert_eq!(
        app.sign_in("ana@contoso.example", PASSWORD, None)
            .await
            .status(),
        StatusCode::OK
    );
}

async fn a_page_that_needs_a_user_redirects_to_sign_in_and_back(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/", None).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(location(&response), "/sign-in?next=/");
    for page in [
        "/enrollments?q=a",
        "/reservations",
        "/people",
        "/enrollments/10000001",
    ] {
        let response = app.get(page, None).await;
        assert_eq!(response.status(), StatusCode::FOUND, "{page}");
        assert!(location(&response).starts_with("/sign-in?next=/"), "{page}");
    }
}

async fn an_unknown_page_answers_404_without_internals(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/no/such/page", None).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body = response.text().await.unwrap();
    assert!(body.contains("Page not found"));
}

async fn without_javascript_a_failed_sign_in_shows_the_message_on_the_form(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("ana@contoso.example", Role::OnlineAdministrator)
        .await;
    let fields = [
        ("email", "ana@contoso.example"),
        ("password", "wrong"),
        ("next", "/"),
    ];
    let response = app
        .post_form_without_js("/api/sign-in", &fields, "/sign-in?next=/", None)
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let back = location(&response);
    assert!(
        back.contains("/sign-in?next=%2F") || back.contains("/sign-in?next=/"),
        "{back}"
    );
    let path = back.trim_start_matches(&app.address).to_string();
    let page = app.get(&path, None).await.text().await.unwrap();
    assert!(
        page.contains("The email or password is incorrect."),
        "the form shows the message"
    );

    let fields = [
        ("email", "ana@contoso.example"),
        ("password", PASSWORD),
        ("next", "/"),
    ];
    let response = app
        .post_form_without_js("/api/sign-in", &fields, "/sign-in?next=/", None)
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(location(&response), "/");
    assert!(session_cookie(&response).is_some());
}

async fn a_malformed_email_is_refused_next_to_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.sign_in("not-an-address", "whatever", None).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: AppError = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(
        error.for_field("email").as_deref(),
        Some("Enter an email address like name@example.com.")
    );
}

both_backends!(
    signing_in_with_the_right_password_opens_the_home_page,
    the_session_cookie_is_http_only_and_same_site_lax,
    the_session_cookie_is_secure_when_served_over_https,
    a_wrong_password_and_an_unknown_email_get_the_same_answer,
    the_session_id_changes_at_sign_in,
    signing_out_invalidates_the_old_cookie,
    an_idle_session_expires,
    an_active_session_outlives_the_idle_timeout,
    a_session_ends_at_its_absolute_lifetime,
    a_deactivated_user_loses_their_session,
    repeated_failures_for_one_account_are_slowed_down_then_let_through,
    repeated_failures_from_one_address_are_slowed_down,
    a_page_that_needs_a_user_redirects_to_sign_in_and_back,
    an_unknown_page_answers_404_without_internals,
    without_javascript_a_failed_sign_in_shows_the_message_on_the_form,
    a_malformed_email_is_refused_next_to_the_field,
);
