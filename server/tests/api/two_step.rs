//! Two-step sign-in (RFC 6238 codes and recovery codes): required for VLSC
//! administrators, support agents and ROC operators, offered to everyone else.

use crate::both_backends;
use crate::fixture::fixture;
use crate::helpers::{location, session_cookie, spawn_app_with, Backend, TestApp, PASSWORD};
use app::accounts::two_step::code_at;
use app::accounts::TwoStepEnrolment;
use app::state::Clock;
use app::AppError;
use reqwest::StatusCode;
use std::time::Duration;

const ADMIN: &str = "admin@contoso.example";
const OLA: &str = "ola@contoso.example";

async fn portal(backend: Backend) -> TestApp {
    let app = spawn_app_with(backend, |s| s.require_two_step = true).await;
    fixture(&app).await;
    app
}

fn now(app: &TestApp) -> i64 {
    app.clock.now().unix_timestamp()
}

async fn who(app: &TestApp, cookie: &str) -> Option<String> {
    app.call("/api/current-user", Some(cookie))
        .await
        .json::<Option<app::auth::CurrentUser>>()
        .await
        .unwrap()
        .map(|u| u.email)
}

/// Signs in with the password; returns the session cookie and where the
/// portal sends the browser next.
async fn password_step(app: &TestApp, email: &str) -> (String, String) {
    let response = app.sign_in(email, PASSWORD, None).await;
    assert_eq!(response.status(), StatusCode::OK, "{email}");
    (session_cookie(&response).unwrap(), location(&response))
}

/// Sets up two-step sign-in on the session `cookie` (signed in, or waiting
/// for it); returns the secret, the recovery codes and the session cookie.
async fn enrol(app: &TestApp, cookie: &str) -> (String, Vec<String>, String) {
    let setup: TwoStepEnrolment = app
        .call("/api/two-step-setup", Some(cookie))
        .await
        .json()
        .await
        .unwrap();
    assert!(setup.qr_svg.contains("<svg"));
    let secret = setup.secret.replace(' ', "");
    let code = code_at(&secret, now(app)).unwrap();
    let response = app
        .call_with("/api/confirm-two-step", &[("code", &code)], cookie)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(location(&response), "/two-step/recovery-codes");
    let cookie = session_cookie(&response).unwrap_or_else(|| cookie.to_string());
    let codes: Vec<String> = app
        .call("/api/recovery-codes", Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    (secret, codes, cookie)
}

async fn code_step(app: &TestApp, cookie: &str, code: &str) -> reqwest::Response {
    app.call_with("/api/sign-in-code", &[("code", code)], cookie)
        .await
}

async fn security_actions(app: &TestApp, cookie: &str) -> Vec<String> {
    app.call("/api/security-events", Some(cookie))
        .await
        .json::<app::lists::Page<app::audit::AuditEntry>>()
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.action)
        .collect()
}

// A VLSC administrator without a second step is sent to set it up and is not
// signed in until a code confirms it; the ten recovery codes are shown once.
async fn a_privileged_role_sets_up_two_step_sign_in_before_it_is_signed_in(backend: Backend) {
    let app = portal(backend).await;
    let (waiting, next) = password_step(&app, ADMIN).await;
    assert_eq!(next, "/two-step");
    assert_eq!(who(&app, &waiting).await, None, "not signed in yet");
    assert_eq!(
        app.call("/api/people", Some(&waiting)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let wrong = app
        .call_with("/api/confirm-two-step", &[("code", "000000")], &waiting)
        .await;
    // No secret was shown yet on this session.
    assert_eq!(wrong.status(), StatusCode::CONFLICT);
    let setup: TwoStepEnrolment = app
        .call("/api/two-step-setup", Some(&waiting))
        .await
        .json()
        .await
        .unwrap();
    assert!(setup.required);
    let secret = setup.secret.replace(' ', "");
    assert!(secret.len() >= 32, "at least 160 bits");
    let bad = app
        .call_with("/api/confirm-two-step", &[("code", "123456")], &waiting)
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad
        .json::<AppError>()
        .await
        .unwrap()
        .for_field("code")
        .is_some());

    let code = code_at(&secret, now(&app)).unwrap();
    let done = app
        .call_with("/api/confirm-two-step", &[("code", &code)], &waiting)
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    let cookie = session_cookie(&done).expect("a new session id once signed in");
    assert_eq!(who(&app, &cookie).await.as_deref(), Some(ADMIN));
    let codes: Vec<String> = app
        .call("/api/recovery-codes", Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(codes.len(), 10);
    let again: Vec<String> = app
        .call("/api/recovery-codes", Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    assert!(again.is_empty(), "shown once");
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT code_hash FROM recovery_codes ORDER BY id")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert_eq!(stored.len(), 10);
    assert!(!stored
        .iter()
        .any(|h| codes.iter().any(|c| h.contains(c.as_str()))));
    assert!(security_actions(&app, &cookie)
        .await
        .contains(&"Two-step sign-in turned on".to_string()));
}

// Once set up, a sign-in takes a code; a code works once (a second sign-in in
// the same step is refused), the next step's works; a recovery code works
// once.
async fn a_code_and_a_recovery_code_each_work_once(backend: Backend) {
    let app = portal(backend).await;
    let (waiting, _) = password_step(&app, ADMIN).await;
    let (secret, codes, _) = enrol(&app, &waiting).await;
    // The set-up used this step's code: the next sign-in waits for a new one.
    app.clock.advance(Duration::from_secs(30));

    let (first, next) = password_step(&app, ADMIN).await;
    assert_eq!(next, "/sign-in/code");
    assert_eq!(who(&app, &first).await, None);
    let wrong = code_step(&app, &first, "000000").await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let code = code_at(&secret, now(&app)).unwrap();
    let ok = code_step(&app, &first, &code).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(location(&ok), "/");
    let signed_in = session_cookie(&ok).unwrap();
    assert_eq!(who(&app, &signed_in).await.as_deref(), Some(ADMIN));

    let (second, _) = password_step(&app, ADMIN).await;
    let replay = code_step(&app, &second, &code).await;
    assert_eq!(
        replay.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "used already"
    );
    let next_code = code_at(&secret, now(&app) + 30).unwrap();
    assert_eq!(
        code_step(&app, &second, &next_code).await.status(),
        StatusCode::OK
    );

    app.clock.advance(Duration::from_secs(90));
    let (third, _) = password_step(&app, ADMIN).await;
    let recovered = code_step(&app, &third, &codes[3].to_uppercase()).await;
    assert_eq!(recovered.status(), StatusCode::OK);
    let (fourth, _) = password_step(&app, ADMIN).await;
    assert_eq!(
        code_step(&app, &fourth, &codes[3]).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a recovery code works once"
    );
    let actions = security_actions(&app, &session_cookie(&recovered).unwrap()).await;
    assert!(actions.contains(&"Signed in with a recovery code".to_string()));
    assert!(actions.contains(&"Sign-in failed".to_string()));
}

// Wrong codes count like wrong passwords; a waiting sign-in expires.
async fn codes_are_throttled_and_a_waiting_sign_in_expires(backend: Backend) {
    let app = portal(backend).await;
    let (waiting, _) = password_step(&app, ADMIN).await;
    let (secret, _, _) = enrol(&app, &waiting).await;
    app.clock.advance(Duration::from_secs(30));
    let (cookie, _) = password_step(&app, ADMIN).await;
    for _ in 0..10 {
        code_step(&app, &cookie, "000000").await;
    }
    let right = code_at(&secret, now(&app)).unwrap();
    assert_eq!(
        code_step(&app, &cookie, &right).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let events: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_trail WHERE category = 'security' ORDER BY id",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert_eq!(events.iter().filter(|a| *a == "Sign-in failed").count(), 10);
    assert!(
        events.iter().any(|a| a.starts_with("Sign-in refused")),
        "{events:?}"
    );
    app.clock.advance(Duration::from_secs(61));
    let (late, _) = password_step(&app, ADMIN).await;
    app.clock.advance(Duration::from_secs(601));
    let code = code_at(&secret, now(&app)).unwrap();
    let expired = code_step(&app, &late, &code).await;
    assert_eq!(expired.status(), StatusCode::CONFLICT);
}

// Offered to everyone else; a VLSC administrator resets a user's second
// factor (a lost phone): recorded, and the user's sessions end.
async fn an_administrator_resets_a_users_second_step(backend: Backend) {
    let app = portal(backend).await;
    let (ola, next) = password_step(&app, OLA).await;
    assert_eq!(next, "/", "not required for an OLA");
    enrol(&app, &ola).await;
    app.clock.advance(Duration::from_secs(30));
    let (_, next) = password_step(&app, OLA).await;
    assert_eq!(next, "/sign-in/code", "once on, always asked");

    let (waiting, _) = password_step(&app, ADMIN).await;
    let (_, _, admin) = enrol(&app, &waiting).await;
    let reset = app
        .call_with("/api/reset-two-step", &[("email", OLA)], &admin)
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(who(&app, &ola).await, None, "their sessions ended");
    let (_, next) = password_step(&app, OLA).await;
    assert_eq!(next, "/", "a password alone again");
    let own = app
        .call_with("/api/reset-two-step", &[("email", ADMIN)], &admin)
        .await;
    assert_eq!(own.status(), StatusCode::CONFLICT);
    let forbidden = app
        .call_with(
            "/api/reset-two-step",
            &[("email", ADMIN)],
            &session_cookie(&app.sign_in(OLA, PASSWORD, None).await).unwrap(),
        )
        .await;
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    assert!(security_actions(&app, &admin)
        .await
        .contains(&"Two-step sign-in reset".to_string()));
}

// An invited VLSC administrator chooses a password, then sets up the second
// step before they are signed in.
async fn an_invited_administrator_sets_up_two_step_sign_in_first(backend: Backend) {
    let app = portal(backend).await;
    let (waiting, _) = password_step(&app, ADMIN).await;
    let (_, _, admin) = enrol(&app, &waiting).await;
    let invited = app
        .call_with(
            "/api/invite-person",
            &[
                ("display_name", "Vera Admin"),
                ("email", "vera@contoso.example"),
                ("role", "vlsc_admin"),
            ],
            &admin,
        )
        .await;
    assert_eq!(invited.status(), StatusCode::OK);
    app.work().await;
    let token = crate::accounts::newest_link(&app, "/invitation/").await;
    let accepted = app
        .call_with(
            "/api/accept-invitation",
            &[("token", &token), ("password", "plum orchard by the river")],
            "",
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    assert_eq!(location(&accepted), "/two-step");
    let cookie = session_cookie(&accepted).unwrap();
    assert_eq!(
        who(&app, &cookie).await,
        None,
        "not signed in before the second step"
    );
    let (_, codes, cookie) = enrol(&app, &cookie).await;
    assert_eq!(codes.len(), 10);
    assert_eq!(
        who(&app, &cookie).await.as_deref(),
        Some("vera@contoso.example")
    );
}

both_backends!(
    an_invited_administrator_sets_up_two_step_sign_in_first,
    a_privileged_role_sets_up_two_step_sign_in_before_it_is_signed_in,
    a_code_and_a_recovery_code_each_work_once,
    codes_are_throttled_and_a_waiting_sign_in_expires,
    an_administrator_resets_a_users_second_step,
);
