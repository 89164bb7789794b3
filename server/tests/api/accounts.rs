//! Accounts: invitations, password resets, password rules, the user's own
//! sessions and the security events in the audit trail.

use crate::activation::mailbox_bodies;
use crate::both_backends;
use crate::fixture::fixture;
use crate::helpers::{session_cookie, spawn_app, Backend, TestApp, PASSWORD};
use app::accounts::{PendingInvitation, SignedInSession};
use app::audit::AuditEntry;
use app::AppError;
use reqwest::StatusCode;
use std::time::{Duration, Instant};

pub(crate) const ADMIN: &str = "admin@contoso.example";
const SUPPORT: &str = "support@ops.example";
const NEW_PASSWORD: &str = "plum orchard by the river";

/// The token of the newest emailed link whose path starts with `path`.
pub(crate) async fn newest_link(app: &TestApp, path: &str) -> String {
    let bodies = mailbox_bodies(app).await;
    let line = bodies
        .iter()
        .rev()
        .flat_map(|b| b.lines())
        .find(|l| l.contains(path))
        .unwrap_or_else(|| panic!("an email with a {path} link"))
        .to_string();
    line.rsplit('/').next().unwrap().trim().to_string()
}

pub(crate) async fn invite(
    app: &TestApp,
    cookie: &str,
    email: &str,
    role: &str,
) -> reqwest::Response {
    app.call_with(
        "/api/invite-person",
        &[
            ("display_name", "Ivy Invited"),
            ("email", email),
            ("role", role),
        ],
        cookie,
    )
    .await
}

async fn accept(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    app.call_with(
        "/api/accept-invitation",
        &[("token", token), ("password", password)],
        "",
    )
    .await
}

pub(crate) async fn pending(app: &TestApp, cookie: &str) -> Vec<PendingInvitation> {
    app.call_with("/api/invitations", &[("per", "100")], cookie)
        .await
        .json::<app::lists::Page<PendingInvitation>>()
        .await
        .unwrap()
        .items
}

async fn security_events(app: &TestApp, cookie: &str) -> Vec<AuditEntry> {
    app.call("/api/security-events", Some(cookie))
        .await
        .json::<app::lists::Page<AuditEntry>>()
        .await
        .unwrap()
        .items
}

async fn signed_in_as(app: &TestApp, cookie: &str) -> Option<String> {
    let user: Option<app::auth::CurrentUser> = app
        .call("/api/current-user", Some(cookie))
        .await
        .json()
        .await
        .unwrap();
    user.map(|u| u.email)
}

fn message(error: &AppError) -> String {
    error.to_string()
}

/// Invites `email` as `role`, accepts with [`NEW_PASSWORD`] and returns the
/// new user's session cookie.
pub(crate) async fn invited(app: &TestApp, admin: &str, email: &str, role: &str) -> String {
    assert_eq!(
        invite(app, admin, email, role).await.status(),
        StatusCode::OK
    );
    app.work().await;
    let token = newest_link(app, "/invitation/").await;
    let response = accept(app, &token, NEW_PASSWORD).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "accepting the invitation"
    );
    session_cookie(&response).expect("accepting signs the person in")
}

// An invitation is sent once through the outbox, carries a single-use link of
// which only a hash is stored, lets the person choose a password that follows
// the rules, and signs them in.
async fn an_invited_person_chooses_a_password_and_is_signed_in(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let admin = app.signed_in(ADMIN).await;
    let email = "ivy@contoso.example";
    let (a, b) = tokio::join!(
        invite(&app, &admin, email, "ola"),
        invite(&app, &admin, email, "ola")
    );
    assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
    app.work().await;
    app.work().await;
    let bodies = mailbox_bodies(&app).await;
    assert_eq!(
        bodies.iter().filter(|b| b.contains("/invitation/")).count(),
        1,
        "a double click sends one invitation"
    );
    assert_eq!(pending(&app, &admin).await.len(), 1);
    let token = newest_link(&app, "/invitation/").await;
    assert!(token.len() >= 32, "{token}");
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM invitations")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    assert!(!stored
        .iter()
        .any(|h| h.contains(&token) || token.contains(h.as_str())));

    let view: app::accounts::InvitationView = app
        .call_with("/api/invitation", &[("token", &token)], "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view.email, email);
    assert_eq!(view.organisation, "Contoso Test");

    for (password, expected) in [
        ("short", "at least 12"),
        ("1q2w3e4r5t6y", "most common"),
        ("ivy forever and ever", "email name"),
        ("contoso test rocks!", "organisation"),
    ] {
        let response = accept(&app, &token, password).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{password}"
        );
        let error: AppError = response.json().await.unwrap();
        assert!(
            error
                .for_field("password")
                .unwrap_or_default()
                .contains(expected),
            "{password}: {error:?}"
        );
    }
    let response = accept(&app, &token, NEW_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = session_cookie(&response).unwrap();
    assert_eq!(signed_in_as(&app, &cookie).await.as_deref(), Some(email));
    assert!(pending(&app, &admin).await.is_empty());

    // Used twice: refused, and the password stays the first one chosen.
    let again = accept(&app, &token, "another long password").await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert!(message(&again.json().await.unwrap()).contains("used already"));
    app.signed_in_with(email, NEW_PASSWORD).await;

    let events: Vec<String> = security_events(&app, &admin)
        .await
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in ["Invitation sent", "Invitation accepted", "Signed in"] {
        assert!(events.iter().any(|e| e == action), "{action} in {events:?}");
    }
}

// An invitation link works for 72 hours: a second before, it works; at 72
// hours, it has expired.
async fn an_invitation_expires_after_72_hours(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let admin = app.signed_in(ADMIN).await;
    invite(&app, &admin, "late@contoso.example", "osm").await;
    app.work().await;
    let token = newest_link(&app, "/invitation/").await;
    app.clock.advance(Duration::from_secs(72 * 3600 - 1));
    let open = app
        .call_with("/api/invitation", &[("token", &token)], "")
        .await;
    assert_eq!(open.status(), StatusCode::OK);
    app.clock.advance(Duration::from_secs(1));
    let expired = accept(&app, &token, NEW_PASSWORD).await;
    assert_eq!(expired.status(), StatusCode::CONFLICT);
    assert!(message(&expired.json().await.unwrap()).contains("expired"));
    // The administrator's session ended long ago (12 hours at most).
    let admin = app.signed_in(ADMIN).await;
    let listed = pending(&app, &admin).await;
    assert_eq!(listed.len(), 1);
    assert!(listed[0].expired, "the list says it has expired");
}

// Sending again makes a new link and kills the old one; withdrawing kills it.
async fn resending_and_withdrawing_kill_the_old_link(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let admin = app.signed_in(ADMIN).await;
    invite(&app, &admin, "resent@contoso.example", "ola").await;
    app.work().await;
    let first = newest_link(&app, "/invitation/").await;
    let id = pending(&app, &admin).await[0].id.to_string();
    let response = app
        .call_with("/api/resend-invitation", &[("id", &id)], &admin)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    app.work().await;
    let second = newest_link(&app, "/invitation/").await;
    assert_ne!(first, second);
    assert_eq!(
        accept(&app, &first, NEW_PASSWORD).await.status(),
        StatusCode::CONFLICT
    );

    let withdrawn = app
        .call_with("/api/withdraw-invitation", &[("id", &id)], &admin)
        .await;
    assert_eq!(withdrawn.status(), StatusCode::OK);
    let twice = app
        .call_with("/api/withdraw-invitation", &[("id", &id)], &admin)
        .await;
    assert_eq!(twice.status(), StatusCode::OK, "a double click");
    let refused = accept(&app, &second, NEW_PASSWORD).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(message(&refused.json().await.unwrap()).contains("withdrawn"));
    assert!(pending(&app, &admin).await.is_empty());

    // Another organisation's administrator cannot reach it.
    invite(&app, &admin, "third@contoso.example", "ola").await;
    let id = pending(&app, &admin).await[0].id.to_string();
    app.create_user_in(
        app.create_organisation("Northwind", app::domain::OrganisationKind::Customer)
            .await,
        "admin@northwind.example",
        app::domain::Role::VlscAdministrator,
    )
    .await;
    let other = app.signed_in("admin@northwind.example").await;
    let response = app
        .call_with("/api/withdraw-invitation", &[("id", &id)], &other)
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(pending(&app, &admin).await.len(), 1);
}

// Support invites a customer organisation's first administrator, and only
// while it has none.
async fn support_invites_an_organisations_first_administrator(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let fresh = app
        .create_organisation("Adatum", app::domain::OrganisationKind::Customer)
        .await;
    let support = app.signed_in(SUPPORT).await;
    let first = |org: i64, email: &'static str| {
        let org = org.to_string();
        let support = support.clone();
        let app = &app;
        async move {
            app.call_with(
                "/api/invite-first-administrator",
                &[
                    ("organisation", &org),
                    ("display_name", "Ada First"),
                    ("email", email),
                ],
                &support,
            )
            .await
        }
    };
    let refused = first(app.customer_id, "second@contoso.example").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: AppError = refused.json().await.unwrap();
    assert!(error
        .for_field("organisation")
        .unwrap()
        .contains("already has"));

    assert_eq!(
        first(fresh, "ada@adatum.example").await.status(),
        StatusCode::OK
    );
    app.work().await;
    let token = newest_link(&app, "/invitation/").await;
    let response = accept(&app, &token, NEW_PASSWORD).await;
    let cookie = session_cookie(&response).unwrap();
    let user: app::auth::CurrentUser = app
        .call("/api/current-user", Some(&cookie))
        .await
        .json::<Option<app::auth::CurrentUser>>()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.role, app::domain::Role::VlscAdministrator);
    assert_eq!(user.organisation_name, "Adatum");
    assert_eq!(
        first(fresh, "another@adatum.example").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "Adatum has an administrator now"
    );
}

async fn forgot(app: &TestApp, email: &str) -> (StatusCode, String, Duration) {
    let started = Instant::now();
    let response = app
        .call_with("/api/forgot-password", &[("email", email)], "")
        .await;
    let took = started.elapsed();
    let status = response.status();
    let location = response
        .headers()
        .get("serverfnredirect")
        .or_else(|| response.headers().get("location"))
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, took)
}

async fn reset(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    app.call_with(
        "/api/reset-password",
        &[("token", token), ("password", password)],
        "",
    )
    .await
}

// "Forgot your password?" answers the same, no sooner than the floor, whether
// or not the address has an account; only an account gets an email.
async fn a_reset_request_says_nothing_about_the_address(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let known = forgot(&app, "ola@contoso.example").await;
    let unknown = forgot(&app, "nobody@contoso.example").await;
    assert_eq!((known.0, &known.1), (unknown.0, &unknown.1));
    assert_eq!(known.0, StatusCode::OK);
    for took in [known.2, unknown.2] {
        assert!(took >= app::accounts::reset::ANSWER_FLOOR, "{took:?}");
    }
    app.work().await;
    let bodies = mailbox_bodies(&app).await;
    assert_eq!(
        bodies
            .iter()
            .filter(|b| b.contains("/reset-password/"))
            .count(),
        1
    );
    let to: Vec<String> = sqlx::query_scalar("SELECT to_email FROM demo_mailbox")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    assert_eq!(to, ["ola@contoso.example"]);
    let bad = app
        .call_with("/api/forgot-password", &[("email", "not an address")], "")
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

// A reset link works once, for 60 minutes, only the newest one; the reset
// ends every session of the user and is recorded.
async fn a_reset_link_works_once_and_ends_every_session(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let ola = "ola@contoso.example";
    let laptop = app.signed_in(ola).await;
    let phone = app.signed_in(ola).await;
    forgot(&app, ola).await;
    app.work().await;
    let older = newest_link(&app, "/reset-password/").await;
    forgot(&app, ola).await;
    app.work().await;
    let token = newest_link(&app, "/reset-password/").await;
    assert_ne!(older, token);
    assert_eq!(
        reset(&app, &older, NEW_PASSWORD).await.status(),
        StatusCode::CONFLICT,
        "only the newest works"
    );

    // A token of the other purpose opens nothing.
    assert_eq!(
        accept(&app, &token, NEW_PASSWORD).await.status(),
        StatusCode::CONFLICT
    );

    let weak = reset(&app, &token, "password1234").await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let done = reset(&app, &token, NEW_PASSWORD).await;
    assert_eq!(done.status(), StatusCode::OK);
    for cookie in [&laptop, &phone] {
        assert_eq!(
            signed_in_as(&app, cookie).await,
            None,
            "every session ended"
        );
    }
    assert_eq!(
        app.sign_in(ola, PASSWORD, None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    app.signed_in_with(ola, NEW_PASSWORD).await;
    let again = reset(&app, &token, "yet another long password").await;
    assert_eq!(again.status(), StatusCode::CONFLICT, "used twice");

    let admin = app.signed_in(ADMIN).await;
    let events = security_events(&app, &admin).await;
    let reset_event = events
        .iter()
        .find(|e| e.action == "Password reset")
        .expect("recorded");
    assert!(reset_event
        .reason
        .as_deref()
        .unwrap()
        .contains("2 session(s) ended"));
    assert!(events
        .iter()
        .any(|e| e.action == "Password reset requested"));
}

// Expired by one second: refused.
async fn a_reset_link_expires_after_60_minutes(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    forgot(&app, "osm@contoso.example").await;
    app.work().await;
    let token = newest_link(&app, "/reset-password/").await;
    app.clock.advance(Duration::from_secs(3600 - 1));
    assert_eq!(
        app.call_with("/api/reset-link", &[("token", &token)], "")
            .await
            .status(),
        StatusCode::OK
    );
    app.clock.advance(Duration::from_secs(1));
    let expired = reset(&app, &token, NEW_PASSWORD).await;
    assert_eq!(expired.status(), StatusCode::CONFLICT);
    assert!(message(&expired.json().await.unwrap()).contains("expired"));
    app.signed_in("osm@contoso.example").await;
}

// A password change needs the current password, follows the rules, and ends
// the user's other sessions but not this one.
async fn changing_the_password_needs_the_current_one(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let osm = "osm@contoso.example";
    let here = app.signed_in(osm).await;
    let there = app.signed_in(osm).await;
    let change = |current: &'static str, new: &'static str| {
        let here = here.clone();
        let app = &app;
        async move {
            app.call_with(
                "/api/change-password",
                &[("current_password", current), ("new_password", new)],
                &here,
            )
            .await
        }
    };
    let wrong = change("not my password", NEW_PASSWORD).await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: AppError = wrong.json().await.unwrap();
    assert!(error.for_field("current_password").is_some());
    let common = change(PASSWORD, "qwertyuiop123").await;
    assert!(common
        .json::<AppError>()
        .await
        .unwrap()
        .for_field("new_password")
        .unwrap()
        .contains("common"));
    assert_eq!(
        change(PASSWORD, NEW_PASSWORD).await.status(),
        StatusCode::OK
    );
    assert_eq!(signed_in_as(&app, &here).await.as_deref(), Some(osm));
    assert_eq!(signed_in_as(&app, &there).await, None);
    app.signed_in_with(osm, NEW_PASSWORD).await;
}

async fn sessions(app: &TestApp, cookie: &str) -> Vec<SignedInSession> {
    app.call("/api/my-sessions", Some(cookie))
        .await
        .json()
        .await
        .unwrap()
}

// A user sees where they are signed in, signs out one session or every other,
// and nobody else's.
async fn a_user_signs_out_their_other_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let ola = "ola@contoso.example";
    let laptop = app.signed_in(ola).await;
    let phone = app.signed_in(ola).await;
    let tablet = app.signed_in(ola).await;
    let listed = sessions(&app, &laptop).await;
    assert_eq!(listed.len(), 3);
    assert_eq!(listed.iter().filter(|s| s.is_this_one).count(), 1);
    assert!(listed
        .iter()
        .all(|s| s.address == "127.0.0.1" && !s.browser.is_empty()));
    let this = listed.iter().find(|s| s.is_this_one).unwrap().id;
    let phone_id = sessions(&app, &phone)
        .await
        .into_iter()
        .find(|s| s.is_this_one)
        .unwrap()
        .id;

    // Someone else's session cannot be ended.
    let osm = app.signed_in("osm@contoso.example").await;
    app.call_with("/api/end-session", &[("id", &phone_id.to_string())], &osm)
        .await;
    assert_eq!(signed_in_as(&app, &phone).await.as_deref(), Some(ola));

    let own = app
        .call_with("/api/end-session", &[("id", &this.to_string())], &laptop)
        .await;
    assert_eq!(
        own.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not this session"
    );
    let ended = app
        .call_with(
            "/api/end-session",
            &[("id", &phone_id.to_string())],
            &laptop,
        )
        .await;
    assert_eq!(ended.status(), StatusCode::OK);
    assert_eq!(signed_in_as(&app, &phone).await, None);
    assert_eq!(signed_in_as(&app, &tablet).await.as_deref(), Some(ola));
    app.call_with("/api/end-session", &[("id", "others")], &laptop)
        .await;
    assert_eq!(signed_in_as(&app, &tablet).await, None);
    assert_eq!(signed_in_as(&app, &laptop).await.as_deref(), Some(ola));
    assert_eq!(sessions(&app, &laptop).await.len(), 1);
}

// The absolute lifetime (12 hours) holds however active the session is.
async fn a_session_ends_after_twelve_hours_whatever_the_activity(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let cookie = app.signed_in("ola@contoso.example").await;
    for _ in 0..11 {
        app.clock.advance(Duration::from_secs(3600));
        assert!(signed_in_as(&app, &cookie).await.is_some());
    }
    app.clock.advance(Duration::from_secs(3600 - 1));
    assert!(signed_in_as(&app, &cookie).await.is_some());
    app.clock.advance(Duration::from_secs(1));
    assert_eq!(signed_in_as(&app, &cookie).await, None);
}

// Sign-ins, failures and throttling are security events the organisation's
// administrator reads (never a password); support reads its own agents'.
async fn sign_ins_failures_and_throttling_are_recorded(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    for _ in 0..10 {
        app.sign_in("ola@contoso.example", "wrong password 1", None)
            .await;
    }
    let throttled = app.sign_in("ola@contoso.example", PASSWORD, None).await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    // The window passes; this address may sign in again.
    app.clock.advance(Duration::from_secs(61));
    app.signed_in(SUPPORT).await;
    let admin = app.signed_in(ADMIN).await;
    let events = security_events(&app, &admin).await;
    let about_ola: Vec<&AuditEntry> = events
        .iter()
        .filter(|e| e.subject.contains("ola@contoso.example"))
        .collect();
    assert_eq!(
        about_ola
            .iter()
            .filter(|e| e.action == "Sign-in failed")
            .count(),
        10
    );
    assert!(about_ola
        .iter()
        .any(|e| e.action.starts_with("Sign-in refused")));
    assert!(events
        .iter()
        .any(|e| e.action == "Signed in" && e.subject.contains(ADMIN)));
    assert!(
        !events.iter().any(|e| e.subject.contains(SUPPORT)),
        "another organisation's"
    );
    let text = serde_json::to_string(&events).unwrap();
    assert!(
        !text.contains("wrong password 1"),
        "no password is recorded"
    );

    let support = app.signed_in(SUPPORT).await;
    let theirs = security_events(&app, &support).await;
    assert!(theirs.iter().any(|e| e.subject.contains(SUPPORT)));
    assert!(!theirs.iter().any(|e| e.subject.contains("contoso")));
}

// A deactivated user's sessions are ended and no longer listed.
async fn deactivation_ends_the_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let ola = app.signed_in("ola@contoso.example").await;
    let admin = app.signed_in(ADMIN).await;
    app.call_with(
        "/api/deactivate-person",
        &[("email", "ola@contoso.example")],
        &admin,
    )
    .await;
    assert_eq!(signed_in_as(&app, &ola).await, None);
    let open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM user_sessions s JOIN users u ON u.id = s.user_id \
         WHERE u.email = 'ola@contoso.example' AND s.ended_at IS NULL",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(open, 0);
}

// Pending invitations are a list like the others: sorted by address either
// way, paged by key, counted.
async fn pending_invitations_sort_and_page(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let admin = app.signed_in(ADMIN).await;
    for i in 0..12 {
        let response = invite(
            &app,
            &admin,
            &format!("person{i:02}@contoso.example"),
            "osm",
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let mut emails = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut fields = vec![("sort", "email"), ("dir", "desc"), ("per", "10")];
        if let Some(a) = &after {
            fields.push(("after", a));
        }
        let page: app::lists::Page<PendingInvitation> = app
            .call_with("/api/invitations", &fields, &admin)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(page.total, 12);
        emails.extend(page.items.into_iter().map(|p| p.email));
        match page.next_after {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let expected: Vec<String> = (0..12)
        .rev()
        .map(|i| format!("person{i:02}@contoso.example"))
        .collect();
    assert_eq!(emails, expected);
}

both_backends!(
    pending_invitations_sort_and_page,
    an_invited_person_chooses_a_password_and_is_signed_in,
    an_invitation_expires_after_72_hours,
    resending_and_withdrawing_kill_the_old_link,
    support_invites_an_organisations_first_administrator,
    a_reset_request_says_nothing_about_the_address,
    a_reset_link_works_once_and_ends_every_session,
    a_reset_link_expires_after_60_minutes,
    changing_the_password_needs_the_current_one,
    a_user_signs_out_their_other_sessions,
    a_session_ends_after_twelve_hours_whatever_the_activity,
    sign_ins_failures_and_throttling_are_recorded,
    deactivation_ends_the_sessions,
);
