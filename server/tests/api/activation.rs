//! The activation engine, the outbox and the link: one test per rule (R1, R2,
//! R8, R9, R11a–g) and per reliability promise, on both databases.

use crate::both_backends;
use crate::fixture::{fixture, Fixture};
use crate::helpers::{spawn_app, Backend, TestApp};
use app::access::VisibleEnrollment;
use app::activation::redeem::{confirm, link_state};
use app::activation::LinkState;
use app::domain::{ContactType, Quantity};
use app::enrollments::records::{associate_account, ensure_contact, ensure_online_account};
use app::mail::sending::send_due;
use app::mail::{Deliver, DeliveryError, OutgoingEmail};
use app::orders::ssr::{product_by_code, record, NewOrder, OrderKind};
use app::state::Clock;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The fixture's own enrollment as support diagnoses it ("Why no activation
/// email?"), with its delivery timeline.
pub(crate) async fn diagnosed_by_support(app: &TestApp) -> app::activation::Diagnosis {
    let support = app
        .signed_in_with("support@ops.example", crate::helpers::PASSWORD)
        .await;
    app.call_with(
        "/api/diagnose",
        &[("number", crate::fixture::OWN)],
        &support,
    )
    .await
    .json()
    .await
    .unwrap()
}

/// Sends what is due now, at most ten messages, as the outbox worker would.
pub(crate) async fn send_now(app: &TestApp, mailer: &impl Deliver) -> usize {
    send_due(
        &app.db,
        mailer,
        &app.state.link_keys,
        "http://portal.test",
        app.clock.now(),
        10,
    )
    .await
    .unwrap()
}

pub(crate) async fn order(
    app: &TestApp,
    enrollment: &VisibleEnrollment,
    products: &[&str],
    start_in_days: i64,
    key: &str,
) {
    let today = app.clock.now_date();
    let mut lines = Vec::new();
    for code in products {
        lines.push((
            product_by_code(&app.db, code, "product").await.unwrap(),
            Quantity::parse("10").unwrap(),
        ));
    }
    record(
        &app.db,
        NewOrder {
            kind: OrderKind::Order,
            enrollment,
            purchase_date: today,
            usage_start_date: today + time::Duration::days(start_in_days),
            lines,
            placed_by: None,
            placed_at: app.state.now_unix(),
            request_key: &format!("activation-test-{key}"),
        },
    )
    .await
    .unwrap();
}

pub(crate) async fn outbox(app: &TestApp) -> Vec<(String, String, String)> {
    sqlx::query_as("SELECT to_email, subject, status FROM outbox ORDER BY id")
        .fetch_all(app.db.pool())
        .await
        .unwrap()
}

async fn outcomes(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as("SELECT kind, outcome FROM activation_decisions ORDER BY id")
        .fetch_all(app.db.pool())
        .await
        .unwrap()
}

pub(crate) async fn mailbox_bodies(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT body FROM demo_mailbox ORDER BY id")
        .fetch_all(app.db.pool())
        .await
        .unwrap()
}

pub(crate) fn link_token(body: &str) -> String {
    let line = body
        .lines()
        .find(|l| l.contains("/activate/"))
        .expect("a link");
    line.rsplit('/').next().unwrap().trim().to_string()
}

const OLS: &str = "Sign in or register to start using your new subscription.";

pub(crate) async fn setup(backend: Backend) -> (TestApp, Fixture) {
    let app = spawn_app(backend).await;
    let f = fixture(&app).await;
    ensure_contact(
        &app.db,
        f.own.id.0,
        ContactType::Notices,
        "Nico",
        "ntc@contoso.example",
        "+1 425 555 0102",
    )
    .await
    .unwrap();
    (app, f)
}

async fn r1_the_first_online_order_sends_the_ols_email_to_the_osm(backend: Backend) {
    let (app, f) = setup(backend).await;
    order(&app, &f.own, &["M365-E3"], 0, "first").await;
    assert_eq!(app.work().await, (1, 1));
    assert_eq!(
        outbox(&app).await,
        [("osm@contoso.example".into(), OLS.into(), "sent".into())]
    );
    let bodies = mailbox_bodies(&app).await;
    assert!(bodies[0].contains(OWN_NUMBER) && bodies[0].contains("/activate/"));
}

const OWN_NUMBER: &str = crate::fixture::OWN;

/// R12: the email names the enrollment and every line of the order, in the
/// order's line order (kept on the activation when the order is decided).
async fn r12_the_email_names_the_enrollment_and_each_line_bought(backend: Backend) {
    let (app, f) = setup(backend).await;
    order(&app, &f.own, &["M365-E3", "EXO-P1"], 0, "two-lines").await;
    assert_eq!(app.work().await, (1, 1));
    let bodies = mailbox_bodies(&app).await;
    assert!(
        bodies[0].contains(&format!("Enrollment: {OWN_NUMBER} (Contoso main)")),
        "{}",
        bodies[0]
    );
    assert!(
        bodies[0].contains("Purchased: Microsoft 365 E3 × 10, Exchange Online Plan 1 × 10\n"),
        "{}",
        bodies[0]
    );
}

async fn r1_a_second_online_order_sends_no_second_email(backend: Backend) {
    let (app, f) = setup(backend).await;
    order(&app, &f.own, &["M365-E3"], 0, "first").await;
    order(&app, &f.own, &["EXO-P1"], 0, "second").await;
    app.work().await;
    assert_eq!(outbox(&app).await.len(), 1);
    assert_eq!(
        outcomes(&app).await,
        [
            ("ols".into(), "email_queued".into()),
            ("ols".into(), "already_sent".into())
        ]
    );
}

async fn r2_without_an_osm_the_email_goes_to_the_ntc(backend: Backend) {
    let (app, f) = setup(backend).await;
    sqlx::query("DELETE FROM enrollment_contacts WHERE contact_type = 'osm'")
        .execute(app.db.pool())
        .await
        .unwrap();
    order(&app, &f.own, &["M365-E3"], 0, "ntc").await;
    app.work().await;
    assert_eq!(
        outbox(&app).await,
        [("ntc@contoso.example".into(), OLS.into(), "sent".into())]
    );
}

async fn r8_an_azure_order_sends_the_azure_email_to_the_ntc(backend: Backend) {
    let (app, f) = setup(backend).await;
    order(&app, &f.own, &["AZURE-MC"], 0, "azure").await;
    app.work().await;
    let sent = outbox(&app).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].0, "ntc@contoso.example",
        "the NTC, not the OSM, is the Azure administrator"
    );
    assert_eq!(sent[0].1, app::activation::templates::AZURE_SUBJECT);
}

async fn r11a_an_on_premises_order_activates_nothing(backend: Backend) {
    let (app, f) = setup(backend).await;
    order(&app, &f.own, &["WINSRV-DC"], 0, "onprem").await;
    app.work().await;
    assert!(outbox(&app).await.is_empty());
    assert_eq!(
        outcomes(&app).await,
        [("ols".into(), "nothing_to_activate".into())]
    );
}

async fn r11d_an_associated_enrollment_joins_its_account_without_email(backend: Backend) {
    let (app, f) = setup(backend).await;
    let account = ensure_online_account(
        &app.db,
        "contoso.onmicrosoft.example",
        "ga@contoso.example",
        "ba@contoso.example",
        0,
    )
    .await
    .unwrap();
    associate_account(&app.db, f.own.id.0, account, 0)
        .await
        .unwrap();
    order(&app, &f.own, &["M365-E3"], 0, "joined").await;
    app.work().await;
    assert!(outbox(&app).await.is_empty());
    assert_eq!(
        outcomes(&app).await,
        [("ols".into(), "joined_account".into())]
    );
}

async fn r11e_a_future_usage_start_sends_the_email_on_that_day(backend: Backend) {
    let (app, f) = setup(backend).await;
    order(&app, &f.own, &["M365-E3"], 10, "future").await;
    app.work().await;
    assert_eq!(
        outbox(&app).await[0].2,
        "queued",
        "nothing sent before the usage start date"
    );
    // The clock starts at 09:00; the usage start date begins at 00:00 UTC ten days on.
    app.clock
        .advance(Duration::from_secs(9 * 86_400 + 14 * 3600));
    app.work().await;
    assert_eq!(
        outbox(&app).await[0].2,
        "queued",
        "still nothing an hour before"
    );
    app.clock.advance(Duration::from_secs(3600));
    app.work().await;
    assert_eq!(
        outbox(&app).await[0].2,
        "sent",
        "sent on the usage start date"
    );
    assert_eq!(
        outcomes(&app).await,
        [("ols".into(), "email_scheduled".into())]
    );
}

async fn r11f_an_osm_who_administers_an_account_gets_the_licenses_assigned(backend: Backend) {
    let (app, f) = setup(backend).await;
    ensure_online_account(
        &app.db,
        "contoso-it.onmicrosoft.example",
        "osm@contoso.example",
        "ba@contoso.example",
        0,
    )
    .await
    .unwrap();
    order(&app, &f.own, &["M365-E3"], 0, "assigned").await;
    app.work().await;
    assert!(outbox(&app).await.is_empty());
    assert_eq!(
        outcomes(&app).await,
        [("ols".into(), "assigned_to_existing_account".into())]
    );
    let bound: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM enrollment_accounts WHERE enrollment_id = $1")
            .bind(f.own.id)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(bound, 1);
}

async fn the_link_binds_the_enrollment_after_confirmation_and_later_orders_join(backend: Backend) {
    let (app, f) = setup(backend).await;
    order(&app, &f.own, &["M365-E3"], 0, "first").await;
    app.work().await;
    let token = link_token(&mailbox_bodies(&app).await[0]);
    let now = app.state.now_unix();
    assert!(matches!(
        link_state(&app.db, &token, now).await.unwrap(),
        LinkState::Valid { .. }
    ));
    confirm(
        &app.db,
        &token,
        "contoso.onmicrosoft.example",
        "ga@contoso.example",
        now,
    )
    .await
    .unwrap();
    match link_state(&app.db, &token, now).await.unwrap() {
        LinkState::Used { account_domain, .. } => {
            assert_eq!(account_domain, "contoso.onmicrosoft.example")
        }
        other => panic!("expected a used link, got {other:?}"),
    }
    // A used link cannot bind again.
    assert!(confirm(
        &app.db,
        &token,
        "other.onmicrosoft.example",
        "x@other.example",
        now
    )
    .await
    .is_err());
    order(&app, &f.own, &["EXO-P1"], 0, "second").await;
    app.work().await;
    assert_eq!(
        outbox(&app).await.len(),
        1,
        "R11d: the second order sends nothing"
    );
    assert_eq!(outcomes(&app).await.last().unwrap().1, "joined_account");
}

async fn confirming_an_existing_account_needs_its_administrator(backend: Backend) {
    let (app, f) = setup(backend).await;
    ensure_online_account(
        &app.db,
        "fabrikam.onmicrosoft.example",
        "ga@fabrikam.example",
        "ba@fabrikam.example",
        0,
    )
    .await
    .unwrap();
    order(&app, &f.own, &["M365-E3"], 0, "first").await;
    app.work().await;
    let token = link_token(&mailbox_bodies(&app).await[0]);
    let error = confirm(
        &app.db,
        &token,
        "fabrikam.onmicrosoft.example",
        "intruder@contoso.example",
        app.state.now_unix(),
    )
    .await
    .unwrap_err();
    assert!(error
        .for_field("admin_email")
        .unwrap()
        .contains("not an administrator"));
}

async fn r9_the_link_expires_six_months_after_the_purchase_date(backend: Backend) {
    let (app, f) = setup(backend).await;
    order(&app, &f.own, &["M365-E3"], 0, "first").await;
    app.work().await;
    let token = link_token(&mailbox_bodies(&app).await[0]);
    app.clock.advance(Duration::from_secs(180 * 86_400));
    assert!(matches!(
        link_state(&app.db, &token, app.state.now_unix())
            .await
            .unwrap(),
        LinkState::Valid { .. }
    ));
    app.clock.advance(Duration::from_secs(5 * 86_400));
    assert!(matches!(
        link_state(&app.db, &token, app.state.now_unix())
            .await
            .unwrap(),
        LinkState::Expired { .. }
    ));
    let page = app
        .get(&format!("/activate/{token}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("This activation link has expired") && page.contains("Support"));
    let unknown = app
        .get(&format!("/activate/{}", "0".repeat(64)), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(unknown.contains("We do not recognise this activation link"));
}

// Every email has an HTML part saying what its text says, with a button for
// its one action; a name holding markup (enrollment names come from other
// systems) reads as text there.
async fn r12_the_html_part_escapes_an_enrollment_name_holding_markup(backend: Backend) {
    let (app, f) = setup(backend).await;
    sqlx::query("UPDATE enrollments SET name = $1 WHERE id = $2")
        .bind("Main <img src=x onerror=alert(1)> & Co")
        .bind(f.own.id.0)
        .execute(app.db.pool())
        .await
        .unwrap();
    order(&app, &f.own, &["M365-E3"], 0, "markup").await;
    assert_eq!(app.work().await, (1, 1));
    let (body, html): (String, String) =
        sqlx::query_as("SELECT body, html FROM demo_mailbox ORDER BY id DESC LIMIT 1")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert!(
        body.contains("(Main <img src=x onerror=alert(1)> & Co)"),
        "{body}"
    );
    assert!(!html.contains("<img"), "{html}");
    assert!(
        html.contains("(Main &#60;img src=x onerror=alert(1)&#62; &#38; Co)"),
        "{html}"
    );
    assert!(html.contains(">Activate your subscription</a>"), "{html}");
    let token = link_token(&body);
    assert_eq!(
        html.matches(&format!("/activate/{token}\"")).count(),
        2,
        "the button and the plain link carry the text's link"
    );
}

both_backends!(r12_the_html_part_escapes_an_enrollment_name_holding_markup);

// The demo mailbox's HTML part is a document of its own, for the page's
// sandboxed frame: under a policy that runs no script and loads nothing, to
// the mailbox's readers within their scope only.
async fn the_demo_mailbox_serves_each_html_part_to_its_readers_under_a_no_script_policy(
    backend: Backend,
) {
    let (app, f) = setup(backend).await;
    order(&app, &f.own, &["M365-E3"], 0, "html-part").await;
    assert_eq!(app.work().await, (1, 1));
    let id: i64 = sqlx::query_scalar("SELECT id FROM demo_mailbox")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let path = format!("/mailbox/{id}/html");
    let support = app.signed_in("support@ops.example").await;
    let answer = app.get(&path, Some(&support)).await;
    assert_eq!(answer.status(), 200);
    let headers = answer.headers().clone();
    assert_eq!(
        headers["content-security-policy"],
        server::mailbox::MAILBOX_FRAME_POLICY
    );
    assert!(server::mailbox::MAILBOX_FRAME_POLICY.starts_with("default-src 'none';"));
    assert!(server::mailbox::MAILBOX_FRAME_POLICY.ends_with("sandbox"));
    assert_eq!(headers["x-frame-options"], "SAMEORIGIN");
    let html = answer.text().await.unwrap();
    assert!(html.contains(">Activate your subscription</a>"), "{html}");

    let admin = app.signed_in("admin@contoso.example").await;
    assert_eq!(
        app.get(&path, Some(&admin)).await.status(),
        200,
        "its organisation's"
    );
    app.create_user_in(
        f.other.customer_id.0,
        "admin@northwind.example",
        app::domain::Role::VlscAdministrator,
    )
    .await;
    let other = app.signed_in("admin@northwind.example").await;
    assert_eq!(
        app.get(&path, Some(&other)).await.status(),
        404,
        "another organisation's"
    );
    let osm = app.signed_in("osm@contoso.example").await;
    assert_eq!(app.get(&path, Some(&osm)).await.status(), 403);
    assert_eq!(app.get(&path, None).await.status(), 404, "signed out");
    assert_eq!(
        app.get("/mailbox/x/html", Some(&support)).await.status(),
        404
    );
}

both_backends!(the_demo_mailbox_serves_each_html_part_to_its_readers_under_a_no_script_policy);

/// A mailer that records what it was given.
#[derive(Clone, Default)]
pub(crate) struct Recorder(pub(crate) Arc<Mutex<Vec<OutgoingEmail>>>);

impl Deliver for Recorder {
    async fn deliver(&self, email: &OutgoingEmail) -> Result<(), DeliveryError> {
        self.0.lock().unwrap().push(email.clone());
        Ok(())
    }
}

/// A mailer that always fails.
pub(crate) struct Refusing;

impl Deliver for Refusing {
    async fn deliver(&self, _email: &OutgoingEmail) -> Result<(), DeliveryError> {
        Err(DeliveryError::from_reply(451, "4.3.0 try again later"))
    }
}

/// A mail server that refuses every message for good.
struct Rejecting;

impl Deliver for Rejecting {
    async fn deliver(&self, _email: &OutgoingEmail) -> Result<(), DeliveryError> {
        Err(DeliveryError::from_reply(550, "5.1.1 mailbox unavailable"))
    }
}

/// An app with one online order decided, so one activation email is queued;
/// returns its Message-ID as well.
pub(crate) async fn one_email_queued(backend: Backend, key: &str) -> (TestApp, String) {
    let (app, f) = setup(backend).await;
    order(&app, &f.own, &["M365-E3"], 0, key).await;
    app::activation::engine::decide_pending(&app.db, &app.state.link_keys, app.clock.now(), 10)
        .await
        .unwrap();
    let message_id = sqlx::query_scalar("SELECT message_id FROM outbox")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    (app, message_id)
}

async fn a_worker_that_died_after_claiming_resends_with_the_same_message_id(backend: Backend) {
    let (app, message_id) = one_email_queued(backend, "crash").await;
    // The crash: claimed (and perhaps sent) but never marked, under a lease.
    for lease in [
        "UPDATE outbox SET status = 'sending', attempts = 1, claimed_until = $1",
        "UPDATE outbox_queue SET claimed_until = $1",
    ] {
        sqlx::query(lease)
            .bind(app.state.now_unix() + app::mail::LEASE_SECONDS)
            .execute(app.db.pool())
            .await
            .unwrap();
    }
    let recorder = Recorder::default();
    let sent = send_now(&app, &recorder).await;
    assert_eq!(sent, 0, "the lease is still held");
    app.clock.advance(Duration::from_secs(121));
    let sent = send_now(&app, &recorder).await;
    assert_eq!(sent, 1);
    let delivered = recorder.0.lock().unwrap().clone();
    assert_eq!(delivered.len(), 1);
    assert_eq!(
        delivered[0].message_id, message_id,
        "the resend carries the same Message-ID"
    );
    assert_eq!(send_now(&app, &recorder).await, 0);
}

/// A mailer that holds every message until the test lets it go.
struct Holding {
    arrived: std::sync::atomic::AtomicUsize,
    go: tokio::sync::Semaphore,
}

impl Deliver for Holding {
    async fn deliver(&self, _email: &OutgoingEmail) -> Result<(), DeliveryError> {
        self.arrived
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let permit = self
            .go
            .acquire()
            .await
            .map_err(|e| DeliveryError::Unreachable(e.to_string()))?;
        permit.forget();
        Ok(())
    }
}

/// Starts an outbox round in a task of its own, whose mailer holds the one
/// due message until the test lets it go; returns once the message is there.
async fn start_a_round_that_holds_its_message(
    app: &TestApp,
) -> (
    Arc<Holding>,
    tokio::task::JoinHandle<Result<usize, app::AppError>>,
) {
    let holding = Arc::new(Holding {
        arrived: Default::default(),
        go: tokio::sync::Semaphore::new(0),
    });
    let sending = {
        let (db, keys, holding, at) = (
            app.db.clone(),
            app.state.link_keys.clone(),
            holding.clone(),
            app.clock.now(),
        );
        tokio::spawn(async move {
            send_due(&db, holding.as_ref(), &keys, "http://portal.test", at, 10).await
        })
    };
    for _ in 0..200 {
        if holding.arrived.load(std::sync::atomic::Ordering::SeqCst) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(holding.arrived.load(std::sync::atomic::Ordering::SeqCst), 1);
    (holding, sending)
}

/// While a worker sends a message, operators see it as being sent, not due,
/// and no other worker takes it (on PostgreSQL it is held by a lock, not
/// marked); once sent it is neither.
async fn a_message_being_sent_counts_as_sending_and_no_other_worker_takes_it(backend: Backend) {
    let (app, _) = one_email_queued(backend, "held").await;
    let now = app.state.now_unix();
    let backlog = app::mail::backlog(&app.db, now).await.unwrap();
    assert_eq!((backlog.due, backlog.sending), (1, 0), "{backlog:?}");

    let (holding, sending) = start_a_round_that_holds_its_message(&app).await;
    let backlog = app::mail::backlog(&app.db, now).await.unwrap();
    assert_eq!((backlog.due, backlog.sending), (0, 1), "{backlog:?}");
    let other = Recorder::default();
    let taken = send_now(&app, &other).await;
    assert_eq!(taken, 0, "another worker leaves it alone");
    assert!(other.0.lock().unwrap().is_empty());

    holding.go.add_permits(1);
    assert_eq!(sending.await.unwrap().unwrap(), 1);
    let backlog = app::mail::backlog(&app.db, now).await.unwrap();
    assert_eq!((backlog.due, backlog.sending), (0, 0), "{backlog:?}");
    let (status, attempts): (String, i64) = sqlx::query_as("SELECT status, attempts FROM outbox")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(
        (status.as_str(), attempts),
        ("sent", 1),
        "one try, counted once"
    );
}

/// A round stopped while it sends (its task dropped, as when the portal's
/// runtime shuts down) lets go of the message it held: on PostgreSQL as soon
/// as its connection closes, on SQLite once the lease runs out. The next
/// round sends it, with its Message-ID, and then it is sent for good.
async fn a_round_stopped_half_way_lets_go_of_the_message_it_held(backend: Backend) {
    let (app, message_id) = one_email_queued(backend, "stopped").await;
    let (_held, sending) = start_a_round_that_holds_its_message(&app).await;
    sending.abort();
    assert!(sending.await.unwrap_err().is_cancelled());
    if backend == Backend::Sqlite {
        app.clock.advance(Duration::from_secs(121));
    }
    let recorder = Recorder::default();
    let mut sent = 0;
    // PostgreSQL ends the closed connection's session a moment later.
    for _ in 0..100 {
        sent = send_now(&app, &recorder).await;
        if sent > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(sent, 1, "the next round sends it");
    let delivered = recorder.0.lock().unwrap().clone();
    assert_eq!(delivered[0].message_id, message_id);
    assert_eq!(send_now(&app, &recorder).await, 0, "sent once, then done");
    let backlog = app::mail::backlog(&app.db, app.state.now_unix())
        .await
        .unwrap();
    assert_eq!((backlog.due, backlog.sending), (0, 0), "{backlog:?}");
}

async fn two_workers_send_each_message_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app).await;
    // Forty enrollments, each with a first online order.
    for i in 0..40 {
        let number = format!("7200{i:04}");
        let id = app::enrollments::records::ensure_enrollment(
            &app.db,
            app::enrollments::records::NewEnrollment {
                number: &number,
                agreement_number: "AG",
                name: "Worker test",
                customer_id: app.customer_id,
                partner_id: f.partner,
                start_date: app.clock.now_date(),
                end_date: app.clock.now_date(),
            },
        )
        .await
        .unwrap();
        ensure_contact(
            &app.db,
            id,
            ContactType::OnlineServicesManager,
            "O",
            &format!("osm{i}@contoso.example"),
            "1",
        )
        .await
        .unwrap();
        let e = VisibleEnrollment {
            id: app::domain::EnrollmentId(id),
            number,
            customer_id: app::domain::OrganisationId(app.customer_id),
            partner_id: app::domain::OrganisationId(f.partner),
        };
        order(&app, &e, &["M365-E3"], 0, &format!("w{i}")).await;
    }
    let now = app.clock.now();
    let (a, b) = tokio::join!(
        app::activation::engine::decide_pending(&app.db, &app.state.link_keys, now, 100),
        app::activation::engine::decide_pending(&app.db, &app.state.link_keys, now, 100)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 40, "each order decided once");
    let (r1, r2) = (Recorder::default(), Recorder::default());
    let (x, y) = tokio::join!(
        send_due(
            &app.db,
            &r1,
            &app.state.link_keys,
            "http://portal.test",
            now,
            100
        ),
        send_due(
            &app.db,
            &r2,
            &app.state.link_keys,
            "http://portal.test",
            now,
            100
        )
    );
    assert_eq!(x.unwrap() + y.unwrap(), 40);
    let mut ids: Vec<String> =
        r1.0.lock()
            .unwrap()
            .iter()
            .chain(r2.0.lock().unwrap().iter())
            .map(|m| m.message_id.clone())
            .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40, "no message sent twice");
}

/// A refusal for good (5xx) gives the message up on its first try, with the
/// server's reason kept for support; nothing is tried again.
async fn a_message_refused_for_good_is_given_up_at_once_with_the_servers_reason(backend: Backend) {
    let (app, _) = one_email_queued(backend, "rejected").await;
    assert_eq!(send_now(&app, &Rejecting).await, 0);
    let (status, attempts, error): (String, i64, String) =
        sqlx::query_as("SELECT status, attempts, last_error FROM outbox")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!((status.as_str(), attempts), ("failed", 1));
    assert_eq!(error, "550 5.1.1 mailbox unavailable");
    let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox_queue")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(queued, 0, "out of the queue: never tried again");
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM delivery_failures")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    assert_eq!(kinds, ["rejected"]);
    app.clock.advance(Duration::from_secs(3600));
    assert_eq!(send_now(&app, &Rejecting).await, 0);
    let attempts: i64 = sqlx::query_scalar("SELECT attempts FROM outbox")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(attempts, 1);
}

both_backends!(a_message_refused_for_good_is_given_up_at_once_with_the_servers_reason);

async fn a_refused_message_is_retried_with_backoff_then_marked_failed(backend: Backend) {
    let (app, _) = one_email_queued(backend, "refused").await;
    for attempt in 1..=app::mail::MAX_ATTEMPTS {
        send_now(&app, &Refusing).await;
        let (status, attempts): (String, i64) =
            sqlx::query_as("SELECT status, attempts FROM outbox")
                .fetch_one(app.db.pool())
                .await
                .unwrap();
        assert_eq!(attempts, attempt);
        let expected = if attempt == app::mail::MAX_ATTEMPTS {
            "failed"
        } else {
            "queued"
        };
        assert_eq!(status, expected);
        app.clock.advance(Duration::from_secs(3600));
    }
}

// The demo mailbox, a page at a time: support reads every message, a VLSC
// administrator their organisation's; searched by text, newest first or
// oldest first.
async fn the_demo_mailbox_is_searched_and_paged_within_its_reader_s_scope(backend: Backend) {
    let (app, f) = setup(backend).await;
    ensure_contact(
        &app.db,
        f.other.id.0,
        ContactType::OnlineServicesManager,
        "Nia",
        "osm@northwind.example",
        "+1 425 555 0177",
    )
    .await
    .unwrap();
    order(&app, &f.own, &["M365-E3"], 0, "mailbox-own").await;
    order(&app, &f.other, &["M365-E3"], 0, "mailbox-other").await;
    app.work().await;
    type Mail = app::lists::Page<app::activation::MailboxMessage>;
    let read = |cookie: String, params: Vec<(&'static str, &'static str)>| {
        let app = &app;
        async move {
            let response = app.call_with("/api/mailbox", &params, &cookie).await;
            assert_eq!(response.status(), reqwest::StatusCode::OK, "{params:?}");
            response.json::<Mail>().await.unwrap()
        }
    };
    let support = app.signed_in("support@ops.example").await;
    let newest = read(support.clone(), vec![]).await;
    assert_eq!(newest.total, 2);
    // The outbox may deliver the two in either order: oldest first is the
    // newest first reversed.
    let mut to: Vec<&str> = newest.items.iter().map(|m| m.to.as_str()).collect();
    let oldest = read(support.clone(), vec![("dir", "asc")]).await;
    let oldest_to: Vec<&str> = oldest.items.iter().map(|m| m.to.as_str()).collect();
    to.reverse();
    assert_eq!(oldest_to, to);
    to.sort_unstable();
    assert_eq!(to, ["osm@contoso.example", "osm@northwind.example"]);
    let found = read(support.clone(), vec![("q", crate::fixture::OTHER)]).await;
    assert_eq!(found.total, 1);
    assert!(found.items[0].body.contains(crate::fixture::OTHER));
    let none = read(support, vec![("q", "no such words")]).await;
    assert_eq!((none.total, none.items.len()), (0, 0));
    let admin = app.signed_in("admin@contoso.example").await;
    let own = read(admin.clone(), vec![]).await;
    assert_eq!(own.total, 1);
    assert!(own.items[0].body.contains(OWN_NUMBER));
    let other = read(admin, vec![("q", crate::fixture::OTHER)]).await;
    assert_eq!(other.total, 0, "another organisation's mail stays hidden");
}

both_backends!(
    r12_the_email_names_the_enrollment_and_each_line_bought,
    the_demo_mailbox_is_searched_and_paged_within_its_reader_s_scope,
    r1_the_first_online_order_sends_the_ols_email_to_the_osm,
    r1_a_second_online_order_sends_no_second_email,
    r2_without_an_osm_the_email_goes_to_the_ntc,
    r8_an_azure_order_sends_the_azure_email_to_the_ntc,
    r11a_an_on_premises_order_activates_nothing,
    r11d_an_associated_enrollment_joins_its_account_without_email,
    r11e_a_future_usage_start_sends_the_email_on_that_day,
    r11f_an_osm_who_administers_an_account_gets_the_licenses_assigned,
    the_link_binds_the_enrollment_after_confirmation_and_later_orders_join,
    confirming_an_existing_account_needs_its_administrator,
    r9_the_link_expires_six_months_after_the_purchase_date,
    a_worker_that_died_after_claiming_resends_with_the_same_message_id,
    two_workers_send_each_message_once,
    a_message_being_sent_counts_as_sending_and_no_other_worker_takes_it,
    a_round_stopped_half_way_lets_go_of_the_message_it_held,
    a_refused_message_is_retried_with_backoff_then_marked_failed,
);
