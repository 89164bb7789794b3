//! The support console (R4, R5, R7, R9, R10): one test per ticket type and per
//! refusal, replication issues, and who may reach which function.

use crate::activation::{link_token, mailbox_bodies, order, outbox, setup};
use crate::both_backends;
use crate::fixture::{Fixture, OTHER, OWN, USERS};
use crate::helpers::{Backend, TestApp};
use app::activation::redeem::{confirm, link_state};
use app::activation::LinkState;
use app::enrollments::records::{associate_account, ensure_online_account};
use app::lists::Page;
use app::support::{
    EnrollmentSupport, RemapPreview, ReplicationIssue, TicketDetail, TicketSummary,
};
use app::AppError;
use reqwest::StatusCode;
use std::time::Duration;

const SUPPORT: &str = "support@ops.example";

fn key(name: &str) -> String {
    format!("support-form-key-{name}")
}

async fn post(
    app: &TestApp,
    cookie: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    app.call_with(path, fields, cookie).await
}

async fn resend(app: &TestApp, cookie: &str, key: &str) -> reqwest::Response {
    let fields = [
        ("enrollment", OWN),
        ("asked_by", "Ana, by phone"),
        ("request_key", key),
    ];
    post(app, cookie, "/api/support/resend", &fields).await
}

async fn ok_ticket(response: reqwest::Response) -> i64 {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn refusal(response: reqwest::Response) -> (StatusCode, AppError) {
    let status = response.status();
    (status, response.json().await.unwrap())
}

async fn ticket(app: &TestApp, cookie: &str, id: i64) -> TicketDetail {
    let response = app
        .call_with("/api/ticket", &[("id", &id.to_string())], cookie)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn first_order(app: &TestApp, f: &Fixture) {
    order(app, &f.own, &["M365-E3"], 0, "support-first").await;
    app.work().await;
}

async fn osm_email(app: &TestApp) -> String {
    sqlx::query_scalar(
        "SELECT email FROM enrollment_contacts WHERE enrollment_id = $1 AND contact_type = 'osm'",
    )
    .bind(app_fixture_id(app).await)
    .fetch_one(app.db.pool())
    .await
    .unwrap()
}

async fn app_fixture_id(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM enrollments WHERE enrollment_number = $1")
        .bind(OWN)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

// R4: support sends the activation email again, to the same address, with the same link.
async fn r4_support_resends_the_activation_email_to_the_same_address(backend: Backend) {
    let (app, f) = setup(backend).await;
    let support = app.signed_in(SUPPORT).await;
    let (before, r1) = (key("before"), key("r1"));
    let (status, error) = refusal(resend(&app, &support, &before).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(error.to_string().contains("first online order"), "{error}");

    first_order(&app, &f).await;
    let id = ok_ticket(resend(&app, &support, &r1).await).await;
    let again = ok_ticket(resend(&app, &support, &r1).await).await;
    assert_eq!(id, again, "a resubmitted form opens one ticket");
    app.work().await;
    let bodies = mailbox_bodies(&app).await;
    assert_eq!(
        bodies.len(),
        2,
        "one resend, however often the form is posted"
    );
    assert_eq!(
        link_token(&bodies[0]),
        link_token(&bodies[1]),
        "the same activation link"
    );
    let sent: Vec<String> = outbox(&app).await.into_iter().map(|(to, ..)| to).collect();
    assert_eq!(sent, ["osm@contoso.example", "osm@contoso.example"]);
    let t = ticket(&app, &support, id).await;
    assert_eq!(t.summary.status, "done");
    assert_eq!(t.actions[0].action, "Resent the activation email");
    // The same key sent by another form is a reused page, not a resubmission.
    let reused = [
        ("enrollment", OWN),
        ("asked_by", "Ana"),
        ("request_key", r1.as_str()),
    ];
    let (status, error) =
        refusal(post(&app, &support, "/api/support/reactivate", &reused).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.to_string().contains("out of date"), "{error}");
    assert_eq!(t.audit[0].action, "Activation email resent by support");
}

// R4, R9: no resend once activated, nor once the link has expired (reactivate instead).
async fn r4_a_resend_is_refused_once_activated_or_expired(backend: Backend) {
    let (app, f) = setup(backend).await;
    first_order(&app, &f).await;
    app.clock.advance(Duration::from_secs(200 * 86_400));
    let support_late = app.signed_in(SUPPORT).await;
    let fields = [
        ("enrollment", OWN),
        ("asked_by", "Ana"),
        ("request_key", &key("expired")),
    ];
    let (status, error) =
        refusal(post(&app, &support_late, "/api/support/resend", &fields).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        error.to_string().contains("reactivate it instead"),
        "{error}"
    );

    let (app, f) = setup(backend).await;
    first_order(&app, &f).await;
    let token = link_token(&mailbox_bodies(&app).await[0]);
    confirm(
        &app.db,
        &token,
        "contoso.onmicrosoft.example",
        "ga@contoso.example",
        app.state.now_unix(),
    )
    .await
    .unwrap();
    let support = app.signed_in(SUPPORT).await;
    let fields = [
        ("enrollment", OWN),
        ("asked_by", "Ana"),
        ("request_key", &key("used")),
    ];
    let (status, error) = refusal(post(&app, &support, "/api/support/resend", &fields).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(error.to_string().contains("already activated"), "{error}");
    assert_eq!(outbox(&app).await.len(), 1);
}

// R5: a typo corrected within the domain, with the activation email sent again
// to the new address, carrying a working link; the change propagates.
async fn r5_support_corrects_an_osm_typo_and_retriggers_the_email(backend: Backend) {
    let (app, f) = setup(backend).await;
    first_order(&app, &f).await;
    let support = app.signed_in(SUPPORT).await;
    let fields = [
        ("enrollment", OWN),
        ("new_email", "sam.osm@contoso.example"),
        ("reason", "typo"),
        ("retrigger", "true"),
        ("asked_by", "Ana, by phone"),
        ("request_key", &key("typo")),
    ];
    let id = ok_ticket(post(&app, &support, "/api/support/correct-osm", &fields).await).await;
    assert_eq!(osm_email(&app).await, "sam.osm@contoso.example");
    app.work().await;
    let bodies = mailbox_bodies(&app).await;
    assert_eq!(
        bodies.len(),
        3,
        "the first email, the OSM's notice, the email again"
    );
    let sent: Vec<String> = outbox(&app).await.into_iter().map(|(to, ..)| to).collect();
    assert_eq!(
        sent[1..],
        ["sam.osm@contoso.example", "sam.osm@contoso.example"]
    );
    // The OSM is told at the corrected address, with a link to the enrollment.
    let notice = bodies
        .iter()
        .find(|b| b.contains("corrected your email address"))
        .expect("the OSM's notice");
    assert!(
        notice.contains("it was osm@contoso.example and is now sam.osm@contoso.example"),
        "{notice}"
    );
    assert!(
        notice.contains(&format!("{}/enrollments/{OWN}", app.state.public_url)),
        "{notice}"
    );
    // The email again: the newest activation email (the first went out before).
    let resent = bodies.iter().rfind(|b| b.contains("/activate/")).unwrap();
    let token = link_token(resent);
    assert!(matches!(
        link_state(&app.db, &token, app.state.now_unix())
            .await
            .unwrap(),
        LinkState::Valid { .. }
    ));
    let t = ticket(&app, &support, id).await;
    assert_eq!(t.audit[0].before.as_deref(), Some("osm@contoso.example"));
    assert_eq!(
        t.audit[0].reason.as_deref(),
        Some("Typo or data-entry correction")
    );
    assert_eq!(t.hops.len(), 2, "VLSC and explore.ms");
    app.clock.advance(Duration::from_secs(86_400));
    app.work().await;
    let copies: Vec<String> = sqlx::query_scalar(
        "SELECT email FROM contact_copies WHERE enrollment_id = $1 AND contact_type = 'osm'",
    )
    .bind(f.own.id)
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert_eq!(
        copies,
        ["sam.osm@contoso.example", "sam.osm@contoso.example"]
    );
}

// R5, R6: whatever the reason, another domain is refused with the guidance.
async fn r5_a_different_domain_is_refused_for_every_reason(backend: Backend) {
    let (app, f) = setup(backend).await;
    first_order(&app, &f).await;
    let support = app.signed_in(SUPPORT).await;
    for reason in ["typo", "vlsc_differs", "replacement"] {
        let fields = [
            ("enrollment", OWN),
            ("new_email", "sam@fabrikam.example"),
            ("reason", reason),
            ("asked_by", "Ana"),
            ("request_key", &key(reason)),
        ];
        let (status, error) =
            refusal(post(&app, &support, "/api/support/correct-osm", &fields).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{reason}");
        let message = error.for_field("new_email").unwrap();
        assert!(
            message.contains("same email domain") || message.contains("within its email domain"),
            "{message}"
        );
        assert!(
            message.contains("CICR") || message.contains("Change Request"),
            "{message}"
        );
    }
    let none = key("none");
    let missing_reason = [
        ("enrollment", OWN),
        ("new_email", "sam2@contoso.example"),
        ("asked_by", "Ana"),
        ("request_key", none.as_str()),
    ];
    let (_, error) =
        refusal(post(&app, &support, "/api/support/correct-osm", &missing_reason).await).await;
    assert!(error.for_field("reason").is_some());
    assert_eq!(osm_email(&app).await, "osm@contoso.example");
    let tickets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM support_tickets")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(tickets, 0, "nothing is written");
}

// R9: reactivation makes a new link valid six months from now; the old one stays dead.
async fn r9_reactivation_makes_a_new_link_and_the_old_one_stays_dead(backend: Backend) {
    let (app, f) = setup(backend).await;
    first_order(&app, &f).await;
    let old = link_token(&mailbox_bodies(&app).await[0]);
    let support = app.signed_in(SUPPORT).await;
    let fields = [
        ("enrollment", OWN),
        ("asked_by", "Ana"),
        ("request_key", &key("early")),
    ];
    let (status, error) =
        refusal(post(&app, &support, "/api/support/reactivate", &fields).await).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a valid link is resent, not reactivated"
    );
    assert!(error.to_string().contains("still valid"));

    app.clock.advance(Duration::from_secs(190 * 86_400));
    let support = app.signed_in(SUPPORT).await;
    let now = app.state.now_unix();
    assert!(matches!(
        link_state(&app.db, &old, now).await.unwrap(),
        LinkState::Expired { .. }
    ));
    let fields = [
        ("enrollment", OWN),
        ("asked_by", "Ana"),
        ("request_key", &key("late")),
    ];
    let id = ok_ticket(post(&app, &support, "/api/support/reactivate", &fields).await).await;
    ok_ticket(post(&app, &support, "/api/support/reactivate", &fields).await).await;
    app.work().await;
    let bodies = mailbox_bodies(&app).await;
    assert_eq!(bodies.len(), 2, "one new email");
    let new = link_token(&bodies[1]);
    assert_ne!(new, old);
    assert!(
        matches!(
            link_state(&app.db, &old, now).await.unwrap(),
            LinkState::Unknown
        ),
        "the old link stays dead"
    );
    match link_state(&app.db, &new, now).await.unwrap() {
        LinkState::Valid { expires_on, .. } => assert_eq!(expires_on, "2027-11-11"),
        other => panic!("expected a valid link, got {other:?}"),
    }
    confirm(
        &app.db,
        &new,
        "contoso.onmicrosoft.example",
        "ga@contoso.example",
        now,
    )
    .await
    .unwrap();
    assert_eq!(ticket(&app, &support, id).await.summary.status, "done");
}

// R10: licenses remapped to the named account; later orders follow it.
async fn r10_a_remap_moves_the_licenses_and_later_orders_follow(backend: Backend) {
    let (app, f) = setup(backend).await;
    let wrong = ensure_online_account(
        &app.db,
        "wrong.onmicrosoft.example",
        "a@wrong.example",
        "a@wrong.example",
        0,
    )
    .await
    .unwrap();
    ensure_online_account(
        &app.db,
        "contoso.onmicrosoft.example",
        "ga@contoso.example",
        "ga@contoso.example",
        0,
    )
    .await
    .unwrap();
    associate_account(&app.db, f.own.id.0, wrong, 0)
        .await
        .unwrap();
    let support = app.signed_in(SUPPORT).await;
    let preview: RemapPreview = app
        .call_with(
            "/api/support/remap-preview",
            &[
                ("enrollment", OWN),
                ("domain", "contoso.onmicrosoft.example"),
            ],
            &support,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (preview.from_domain.as_str(), preview.to_domain.as_str()),
        ("wrong.onmicrosoft.example", "contoso.onmicrosoft.example")
    );
    let unknown = app
        .call_with(
            "/api/support/remap-preview",
            &[("enrollment", OWN), ("domain", "nowhere.example")],
            &support,
        )
        .await;
    assert!(refusal(unknown)
        .await
        .1
        .for_field("domain")
        .unwrap()
        .contains("No online account"));
    let fields = [
        ("enrollment", OWN),
        ("domain", "contoso.onmicrosoft.example"),
        ("asked_by", "Ana"),
        ("request_key", &key("remap")),
    ];
    let id = ok_ticket(post(&app, &support, "/api/support/remap", &fields).await).await;
    ok_ticket(post(&app, &support, "/api/support/remap", &fields).await).await;
    order(&app, &f.own, &["EXO-P1"], 0, "after-remap").await;
    app.work().await;
    let reason: String =
        sqlx::query_scalar("SELECT reason FROM activation_decisions ORDER BY id DESC LIMIT 1")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert!(reason.contains("contoso.onmicrosoft.example"), "{reason}");
    let t = ticket(&app, &support, id).await;
    assert_eq!(
        t.audit[0].before.as_deref(),
        Some("wrong.onmicrosoft.example")
    );
    assert_eq!(t.audit.len(), 1, "the resubmitted form did nothing more");
}

// R7: a CICR's "send the activation email again" arrives as a ticket; support
// sends it to the new OSM once.
async fn r7_a_cicr_retrigger_arrives_as_a_ticket_and_sends_once(backend: Backend) {
    let (app, f) = setup(backend).await;
    first_order(&app, &f).await;
    let pat = app.signed_in("pat@fabrikam.example").await;
    let cicr = [
        ("enrollment", OWN),
        ("contact", "osm"),
        ("name", "Robin Osm"),
        ("email", "robin@contoso.example"),
        ("phone", "+1 425 555 0199"),
        ("reason", "New OSM"),
        ("versions", "osm:1"),
        ("request_key", "support-cicr-retrigger-key"),
        ("resend_activation", "true"),
    ];
    assert_eq!(
        app.call_with("/api/request-contact-change", &cicr, &pat)
            .await
            .status(),
        StatusCode::OK
    );
    let support = app.signed_in(SUPPORT).await;
    let list = app
        .call("/api/tickets", Some(&support))
        .await
        .json::<Page<TicketSummary>>()
        .await
        .unwrap()
        .items;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].from_change.as_deref(), Some("CICR-000001"));
    let id = list[0].id.to_string();
    // A double click: two requests at once send one email.
    let send = [("ticket", id.as_str())];
    let (a, b) = tokio::join!(
        post(&app, &support, "/api/support/send-for-ticket", &send),
        post(&app, &support, "/api/support/send-for-ticket", &send)
    );
    assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
    ok_ticket(
        post(
            &app,
            &support,
            "/api/support/send-for-ticket",
            &[("ticket", &id)],
        )
        .await,
    )
    .await;
    app.work().await;
    let sent: Vec<String> = outbox(&app).await.into_iter().map(|(to, ..)| to).collect();
    assert_eq!(sent, ["osm@contoso.example", "robin@contoso.example"]);
}

async fn replication_issues(
    app: &TestApp,
    cookie: &str,
    params: &[(&str, &str)],
) -> Page<ReplicationIssue> {
    let response = app
        .call_with("/api/support/replication-issues", params, cookie)
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{params:?}");
    response.json().await.unwrap()
}

// Replication issues: a copy that differs from eMSL is listed and re-synced once.
async fn a_replication_issue_is_listed_and_resynced(backend: Backend) {
    let (app, f) = setup(backend).await;
    sqlx::query("UPDATE contact_copies SET email = 'stale@contoso.example' WHERE enrollment_id = $1 AND contact_type = 'osm' AND system = 'vlsc'")
        .bind(f.own.id)
        .execute(app.db.pool())
        .await
        .unwrap();
    let support = app.signed_in(SUPPORT).await;
    let issues: Vec<ReplicationIssue> = replication_issues(&app, &support, &[]).await.items;
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(
        (issues[0].system.as_str(), issues[0].contact_type.as_str()),
        ("vlsc", "osm")
    );
    assert!(issues[0].shows.contains("stale@contoso.example"));
    let fields = [("enrollment", OWN), ("contact", "osm"), ("system", "vlsc")];
    assert_eq!(
        post(&app, &support, "/api/support/resync", &fields)
            .await
            .status(),
        StatusCode::OK
    );
    let issues: Vec<ReplicationIssue> = replication_issues(&app, &support, &[]).await.items;
    assert!(issues.is_empty());
    // A change still within its propagation delay is not an issue.
    let pat = app.signed_in("pat@fabrikam.example").await;
    let cicr = [
        ("enrollment", OWN),
        ("contact", "osm"),
        ("name", "Robin Osm"),
        ("email", "robin@contoso.example"),
        ("phone", "+1 425 555 0199"),
        ("reason", "New OSM"),
        ("versions", "osm:1"),
        ("request_key", "support-replication-key"),
    ];
    assert_eq!(
        app.call_with("/api/request-contact-change", &cicr, &pat)
            .await
            .status(),
        StatusCode::OK
    );
    let issues: Vec<ReplicationIssue> = replication_issues(&app, &support, &[]).await.items;
    assert!(issues.is_empty(), "{issues:?}");
    // Once overdue (the workers were down), both copies are issues; re-syncing
    // them leaves the jobs to complete the CICR when the workers come back.
    app.clock.advance(Duration::from_secs(2 * 86_400));
    let support = app.signed_in(SUPPORT).await;
    let issues: Vec<ReplicationIssue> = replication_issues(&app, &support, &[]).await.items;
    assert_eq!(issues.len(), 2, "{issues:?}");
    // Filtered by system, sorted by it either way, one to a page by key.
    let explore = replication_issues(&app, &support, &[("system", "explore")]).await;
    assert_eq!(explore.total, 1);
    assert_eq!(explore.items[0].system, "explore");
    let down = replication_issues(&app, &support, &[("sort", "system"), ("dir", "desc")]).await;
    let systems: Vec<&str> = down.items.iter().map(|i| i.system.as_str()).collect();
    assert_eq!(systems, ["vlsc", "explore"]);
    let first = replication_issues(&app, &support, &[("per", "10"), ("sort", "system")]).await;
    assert_eq!((first.total, first.next_after.clone()), (2, None));
    for (field, value) in [("system", "emsl"), ("sort", "shows")] {
        let response = app
            .call_with(
                "/api/support/replication-issues",
                &[(field, value)],
                &support,
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}"
        );
    }
    for system in ["vlsc", "explore"] {
        let fields = [("enrollment", OWN), ("contact", "osm"), ("system", system)];
        for _ in 0..2 {
            let response = post(&app, &support, "/api/support/resync", &fields).await;
            assert_eq!(response.status(), StatusCode::OK);
        }
    }
    let resyncs: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_trail WHERE action = 'Contact re-synced by support'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(
        resyncs, 3,
        "one per copy that differed; a second click records nothing"
    );
    app.work().await;
    let status: String = sqlx::query_scalar("SELECT status FROM contact_changes")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(status, "complete");
}

// Only support agents reach the console's functions; customers see their own tickets.
async fn only_support_agents_reach_the_console(backend: Backend) {
    let (app, f) = setup(backend).await;
    first_order(&app, &f).await;
    let support = app.signed_in(SUPPORT).await;
    let fields = [
        ("enrollment", OWN),
        ("asked_by", "Ana"),
        ("request_key", &key("own")),
    ];
    let id = ok_ticket(post(&app, &support, "/api/support/resend", &fields).await)
        .await
        .to_string();
    let calls: [(&str, Vec<(&str, &str)>); 9] = [
        (
            "/api/support/resend",
            vec![
                ("enrollment", OWN),
                ("asked_by", "x"),
                ("request_key", "support-form-key-forbidden"),
            ],
        ),
        ("/api/support/send-for-ticket", vec![("ticket", &id)]),
        (
            "/api/support/correct-osm",
            vec![
                ("enrollment", OWN),
                ("new_email", "a@contoso.example"),
                ("reason", "typo"),
                ("asked_by", "x"),
                ("request_key", "support-form-key-forbidden"),
            ],
        ),
        (
            "/api/support/reactivate",
            vec![
                ("enrollment", OWN),
                ("asked_by", "x"),
                ("request_key", "support-form-key-forbidden"),
            ],
        ),
        (
            "/api/support/remap-preview",
            vec![("enrollment", OWN), ("domain", "a.example")],
        ),
        (
            "/api/support/remap",
            vec![
                ("enrollment", OWN),
                ("domain", "a.example"),
                ("asked_by", "x"),
                ("request_key", "support-form-key-forbidden"),
            ],
        ),
        ("/api/support/replication-issues", vec![]),
        (
            "/api/support/resync",
            vec![("enrollment", OWN), ("contact", "osm"), ("system", "vlsc")],
        ),
        ("/api/support/form-key", vec![]),
    ];
    for (email, _) in USERS.iter().filter(|(e, _)| *e != SUPPORT) {
        let cookie = app.signed_in(email).await;
        for (path, fields) in &calls {
            let status = app.call_with(path, fields, &cookie).await.status();
            assert!(
                status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
                "{email} reached {path}: {status}"
            );
        }
    }
    // The customer's users see their organisation's tickets; partners and other customers do not.
    let admin = app.signed_in("admin@contoso.example").await;
    let own = app
        .call("/api/tickets", Some(&admin))
        .await
        .json::<Page<TicketSummary>>()
        .await
        .unwrap()
        .items;
    assert_eq!(own.len(), 1);
    assert_eq!(ticket(&app, &admin, own[0].id).await.summary.status, "done");
    let pat = app.signed_in("pat@fabrikam.example").await;
    assert_eq!(
        app.call("/api/tickets", Some(&pat)).await.status(),
        StatusCode::FORBIDDEN
    );
    app.create_user_in(
        f.other.customer_id.0,
        "admin@northwind.example",
        app::domain::Role::VlscAdministrator,
    )
    .await;
    let northwind = app.signed_in("admin@northwind.example").await;
    let theirs = app
        .call("/api/tickets", Some(&northwind))
        .await
        .json::<Page<TicketSummary>>()
        .await
        .unwrap()
        .items;
    assert!(theirs.is_empty());
    let response = app
        .call_with("/api/ticket", &[("id", &id)], &northwind)
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // Nor does support find another customer's enrollment missing: it sees all.
    let other = app
        .call_with(
            "/api/support/remap-preview",
            &[("enrollment", OTHER), ("domain", "a.example")],
            &support,
        )
        .await;
    assert!(refusal(other)
        .await
        .1
        .for_field("enrollment")
        .unwrap()
        .contains("not associated"));
}

async fn actions_on(app: &TestApp, cookie: &str) -> EnrollmentSupport {
    let response = post(app, cookie, "/api/support/enrollment", &[("number", OWN)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn refused(applies: &Result<String, String>) -> &str {
    applies
        .as_ref()
        .err()
        .map(String::as_str)
        .unwrap_or_default()
}

fn does(applies: &Result<String, String>) -> &str {
    applies.as_ref().map(String::as_str).unwrap_or_default()
}

// R4, R5, R9, R10: the enrollment's page offers each action when its checks
// would let it through, and says why not otherwise, as the enrollment moves
// from no order to a sent link, an expired link and an activation.
async fn an_enrollment_offers_the_actions_that_apply_now(backend: Backend) {
    let (app, f) = setup(backend).await;
    let support = app.signed_in(SUPPORT).await;
    let none = actions_on(&app, &support).await;
    assert!(
        refused(&none.resend).contains("first online order"),
        "{none:?}"
    );
    assert!(
        refused(&none.reactivate).contains("first online order"),
        "{none:?}"
    );
    assert!(refused(&none.remap).contains("not associated"), "{none:?}");
    assert!(
        does(&none.correct_osm).contains("osm@contoso.example"),
        "{none:?}"
    );

    first_order(&app, &f).await;
    let sent = actions_on(&app, &support).await;
    assert!(
        does(&sent.resend).contains("again to osm@contoso.example"),
        "{sent:?}"
    );
    assert!(
        refused(&sent.reactivate).contains("still valid"),
        "{sent:?}"
    );
    // What the page offers is what the action does.
    ok_ticket(resend(&app, &support, &key("offered")).await).await;

    app.clock.advance(Duration::from_secs(200 * 86_400));
    let support = app.signed_in(SUPPORT).await;
    let expired = actions_on(&app, &support).await;
    assert!(
        refused(&expired.resend).contains("reactivate it instead"),
        "{expired:?}"
    );
    assert!(
        does(&expired.reactivate).contains("new link"),
        "{expired:?}"
    );
    assert_ne!(
        expired.form_key, sent.form_key,
        "each page gets its own form key"
    );

    let (app, f) = setup(backend).await;
    first_order(&app, &f).await;
    let token = link_token(&mailbox_bodies(&app).await[0]);
    confirm(
        &app.db,
        &token,
        "contoso.onmicrosoft.example",
        "ga@contoso.example",
        app.state.now_unix(),
    )
    .await
    .unwrap();
    let support = app.signed_in(SUPPORT).await;
    let active = actions_on(&app, &support).await;
    assert!(
        refused(&active.resend).contains("already activated"),
        "{active:?}"
    );
    assert!(
        does(&active.remap).contains("from contoso.onmicrosoft.example"),
        "{active:?}"
    );
    // Nobody else gets them.
    let admin = app.signed_in(USERS[0].0).await;
    let response = post(&app, &admin, "/api/support/enrollment", &[("number", OWN)]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

both_backends!(
    an_enrollment_offers_the_actions_that_apply_now,
    r4_support_resends_the_activation_email_to_the_same_address,
    r4_a_resend_is_refused_once_activated_or_expired,
    r5_support_corrects_an_osm_typo_and_retriggers_the_email,
    r5_a_different_domain_is_refused_for_every_reason,
    r9_reactivation_makes_a_new_link_and_the_old_one_stays_dead,
    r10_a_remap_moves_the_licenses_and_later_orders_follow,
    r7_a_cicr_retrigger_arrives_as_a_ticket_and_sends_once,
    a_replication_issue_is_listed_and_resynced,
    only_support_agents_reach_the_console,
);
