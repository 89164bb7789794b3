//! Contact changes (R5–R7): CICR routing, the ROC queue, propagation to VLSC
//! and explore.ms, validation, resubmission, races and authorisation.

use crate::both_backends;
use crate::fixture::{fixture, OTHER, OWN};
use crate::helpers::{spawn_app, spawn_app_with, Backend, TestApp};
use app::contacts::propagation::{apply, propagate_due, Job};
use app::contacts::ChangeTracker;
use app::AppError;
use reqwest::StatusCode;
use std::time::Duration;

const PARTNER: &str = "pat@fabrikam.example";
const ROC: &str = "roc@ops.example";
const DAY: Duration = Duration::from_secs(86_400);

/// The notices queued so far, oldest first: their template and recipient.
async fn notices(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT template, to_email FROM outbox WHERE notice_text IS NOT NULL ORDER BY id",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap()
}

fn notice(template: &str) -> (String, String) {
    (template.to_string(), PARTNER.to_string())
}

/// A form's fields, as the browser posts them.
type Fields = Vec<(&'static str, String)>;

/// A CICR form as the partner fills it in, changing the fixture's OSM.
fn osm_change(key: &str) -> Fields {
    vec![
        ("enrollment", OWN.into()),
        ("contact", "osm".into()),
        ("name", "Robin Osm".into()),
        ("email", "robin@contoso.example".into()),
        ("phone", "+1 425 555 0199".into()),
        ("reason", "Sam moved to another team".into()),
        ("versions", "osm:1".into()),
        ("request_key", format!("contact-change-{key}")),
    ]
}

fn with(
    mut fields: Vec<(&'static str, String)>,
    name: &'static str,
    value: &str,
) -> Vec<(&'static str, String)> {
    fields.retain(|(k, _)| *k != name);
    fields.push((name, value.into()));
    fields
}

fn bill_to_change(key: &str) -> Vec<(&'static str, String)> {
    let mut fields = with(osm_change(key), "contact", "bill_to");
    fields = with(fields, "versions", "osm:1");
    fields.extend([
        ("billing_address", "1 Microsoft Way".to_string()),
        ("billing_city", "Redmond".to_string()),
        ("billing_postal_code", "98052".to_string()),
        ("billing_country", "United States".to_string()),
    ]);
    fields
}

async fn submit(
    app: &TestApp,
    cookie: &str,
    fields: &[(&'static str, String)],
) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.call_with("/api/request-contact-change", &fields, cookie)
        .await
}

async fn submitted(app: &TestApp, cookie: &str, fields: &[(&'static str, String)]) -> String {
    let response = submit(app, cookie, fields).await;
    let status = response.status();
    assert_eq!(status, StatusCode::OK, "{}", response.text().await.unwrap());
    response.json().await.unwrap()
}

async fn tracker(app: &TestApp, cookie: &str, reference: &str) -> ChangeTracker {
    let response = app
        .call_with("/api/contact-change", &[("reference", reference)], cookie)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// What `system` ("emsl", "vlsc", "explore") shows as a contact's email.
async fn shown_email(app: &TestApp, system: &str, contact_type: &str) -> Option<String> {
    let sql = if system == "emsl" {
        "SELECT email FROM enrollment_contacts e JOIN enrollments n ON n.id = e.enrollment_id \
         WHERE n.enrollment_number = $1 AND e.contact_type = $2 AND $3 = $3"
    } else {
        "SELECT email FROM contact_copies e JOIN enrollments n ON n.id = e.enrollment_id \
         WHERE n.enrollment_number = $1 AND e.contact_type = $2 AND e.system = $3"
    };
    sqlx::query_scalar::<_, String>(sql)
        .bind(OWN)
        .bind(contact_type)
        .bind(system)
        .fetch_optional(app.db.pool())
        .await
        .unwrap()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

fn hop_detail(t: &ChangeTracker, system: &str) -> String {
    t.hops
        .iter()
        .find(|h| h.system.starts_with(system))
        .map(|h| format!("{:?}: {}", h.state, h.detail))
        .unwrap_or_default()
}

// R7: PRI, NTC and OSM change "no touch": eMSL at once, VLSC and explore.ms after the delay.
async fn r7_contract_contacts_change_in_emsl_at_once_and_everywhere_after_the_delay(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let pat = app.signed_in(PARTNER).await;
    for (i, contact) in ["osm", "pri", "ntc"].into_iter().enumerate() {
        let email = format!("new-{contact}@contoso.example");
        let version = if contact == "osm" { "osm:1" } else { "" };
        let mut fields = with(osm_change(&format!("k{i}")), "contact", contact);
        fields = with(fields, "email", &email);
        fields = with(fields, "versions", version);
        let reference = submitted(&app, &pat, &fields).await;
        assert_eq!(
            shown_email(&app, "emsl", contact).await.as_deref(),
            Some(email.as_str())
        );
        assert_ne!(
            shown_email(&app, "vlsc", contact).await.as_deref(),
            Some(email.as_str())
        );
        let t = tracker(&app, &pat, &reference).await;
        assert!(t.route_label.contains("No touch"), "{}", t.route_label);
        assert!(
            hop_detail(&t, "VLSC").starts_with("Waiting: Expected by 2026-11-03 09:00 UTC"),
            "{}",
            hop_detail(&t, "VLSC")
        );
        assert!(!t.complete);
    }
    app.clock.advance(DAY - Duration::from_secs(60));
    app.work().await;
    assert_ne!(
        shown_email(&app, "explore", "osm").await.as_deref(),
        Some("new-osm@contoso.example"),
        "too early"
    );
    app.clock.advance(Duration::from_secs(60));
    app.work().await;
    for contact in ["osm", "pri", "ntc"] {
        let email = format!("new-{contact}@contoso.example");
        for system in ["vlsc", "explore"] {
            assert_eq!(
                shown_email(&app, system, contact).await.as_deref(),
                Some(email.as_str()),
                "{system} {contact}"
            );
        }
    }
    let pat = app.signed_in(PARTNER).await;
    let t = tracker(&app, &pat, "CICR-000001").await;
    assert!(t.complete, "{t:?}");
    assert!(hop_detail(&t, "explore.ms")
        .starts_with("Done: Shows the change since 2026-11-03 09:00 UTC"));
}

// R7: bill-to needs a manual CICR that a ROC operator approves before eMSL changes.
async fn r7_a_bill_to_change_waits_for_the_roc_operator_then_propagates(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let pat = app.signed_in(PARTNER).await;
    let reference = submitted(&app, &pat, &with(bill_to_change("b1"), "versions", "")).await;
    assert_eq!(
        shown_email(&app, "emsl", "bill_to").await,
        None,
        "eMSL changed before approval"
    );
    let roc = app.signed_in(ROC).await;
    let queue = app
        .call_with("/api/contact-changes", &[("awaiting_roc", "true")], &roc)
        .await
        .json::<app::lists::Page<app::contacts::ChangeSummary>>()
        .await
        .unwrap()
        .items;
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].reference, reference);
    let t = tracker(&app, &roc, &reference).await;
    assert!(t.may_decide);
    assert_eq!(t.billing.as_ref().unwrap().city, "Redmond");

    let missing = app
        .call_with(
            "/api/decide-contact-change",
            &[
                ("reference", &reference),
                ("decision", "approve"),
                ("comment", " "),
            ],
            &roc,
        )
        .await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let approved = app
        .call_with(
            "/api/decide-contact-change",
            &[
                ("reference", &reference),
                ("decision", "approve"),
                ("comment", "Matches the signed form"),
            ],
            &roc,
        )
        .await;
    assert_eq!(approved.status(), StatusCode::OK);
    assert_eq!(
        shown_email(&app, "emsl", "bill_to").await.as_deref(),
        Some("robin@contoso.example")
    );
    let again = app
        .call_with(
            "/api/decide-contact-change",
            &[
                ("reference", &reference),
                ("decision", "reject"),
                ("comment", "Oops"),
            ],
            &roc,
        )
        .await;
    assert_eq!(
        again.status(),
        StatusCode::CONFLICT,
        "a decision is taken once"
    );
    assert_eq!(
        notices(&app).await,
        [notice("change_approved")],
        "told once"
    );

    app.clock.advance(DAY);
    app.work().await;
    app.work().await;
    let pat = app.signed_in(PARTNER).await;
    let t = tracker(&app, &pat, &reference).await;
    assert!(t.complete, "{t:?}");
    assert_eq!(
        notices(&app).await,
        [notice("change_approved"), notice("change_complete")],
        "told of the decision and of the completion, each once"
    );
    let bodies = crate::activation::mailbox_bodies(&app).await;
    let link = format!("{}/changes/{reference}", app.state.public_url);
    assert_eq!(
        bodies.iter().filter(|b| b.contains(&link)).count(),
        2,
        "{bodies:?}"
    );
    assert!(bodies
        .iter()
        .any(|b| b.contains("comment: Matches the signed form")));
    assert!(hop_detail(&t, "Operations center").contains("Approved by Test User"));
    assert_eq!(
        shown_email(&app, "explore", "bill_to").await.as_deref(),
        Some("robin@contoso.example")
    );
}

// R7: a rejected bill-to change changes nothing anywhere.
async fn r7_a_rejected_bill_to_change_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let pat = app.signed_in(PARTNER).await;
    let reference = submitted(&app, &pat, &with(bill_to_change("b1"), "versions", "")).await;
    let roc = app.signed_in(ROC).await;
    let rejected = app
        .call_with(
            "/api/decide-contact-change",
            &[
                ("reference", &reference),
                ("decision", "reject"),
                ("comment", "No signed form"),
            ],
            &roc,
        )
        .await;
    assert_eq!(rejected.status(), StatusCode::OK);
    // Two approvals arriving after the rejection (a second operator, a double
    // click) are both refused: the rejected change never reaches eMSL.
    let approve = [
        ("reference", reference.as_str()),
        ("decision", "approve"),
        ("comment", "Late"),
    ];
    let (a, b) = tokio::join!(
        app.call_with("/api/decide-contact-change", &approve, &roc),
        app.call_with("/api/decide-contact-change", &approve, &roc)
    );
    assert_eq!(
        (a.status(), b.status()),
        (StatusCode::CONFLICT, StatusCode::CONFLICT)
    );
    assert_eq!(notices(&app).await, [notice("change_rejected")]);
    app.clock.advance(DAY * 2);
    app.work().await;
    assert_eq!(shown_email(&app, "emsl", "bill_to").await, None);
    assert_eq!(count(&app, "propagation_jobs").await, 0);
    let pat = app.signed_in(PARTNER).await;
    let t = tracker(&app, &pat, &reference).await;
    assert!(t.status_label.contains("Rejected"));
    assert!(hop_detail(&t, "Operations center").contains("No signed form"));
}

// R7: a bill-to change approved after another one reached the contact is
// closed as not applied; eMSL keeps the first, and the partner is told why.
async fn r7_an_approval_over_a_changed_bill_to_contact_is_closed_as_not_applied(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let pat = app.signed_in(PARTNER).await;
    let first = submitted(&app, &pat, &with(bill_to_change("c1"), "versions", "")).await;
    let second_fields = with(
        with(bill_to_change("c2"), "versions", ""),
        "email",
        "second@contoso.example",
    );
    let second = submitted(&app, &pat, &second_fields).await;
    let roc = app.signed_in(ROC).await;
    let approve = |reference: &str| {
        vec![
            ("reference", reference.to_string()),
            ("decision", "approve".to_string()),
            ("comment", "Signed form attached".to_string()),
        ]
    };
    for reference in [&first, &second] {
        let fields = approve(reference);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let decided = app
            .call_with("/api/decide-contact-change", &fields, &roc)
            .await;
        assert_eq!(decided.status(), StatusCode::OK);
    }
    assert_eq!(
        shown_email(&app, "emsl", "bill_to").await.as_deref(),
        Some("robin@contoso.example")
    );
    assert_eq!(
        notices(&app).await,
        [notice("change_approved"), notice("change_not_applied")]
    );
    let t = tracker(&app, &pat, &second).await;
    assert_eq!(t.status_label, "Not applied: the contact changed meanwhile");
    assert!(!t.may_decide && !t.complete);
    assert!(hop_detail(&t, "eMSL").starts_with("Stopped"), "{t:?}");
    assert!(hop_detail(&t, "eMSL").contains("submit a new request"));
    // Nothing of the second change is on its way to VLSC or explore.ms.
    let jobs: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM propagation_jobs j JOIN contact_changes c ON c.id = j.change_id \
         WHERE c.reference = $1",
    )
    .bind(&second)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(jobs, 0);
    let queue = app
        .call_with("/api/contact-changes", &[("awaiting_roc", "true")], &roc)
        .await
        .json::<app::lists::Page<app::contacts::ChangeSummary>>()
        .await
        .unwrap()
        .items;
    assert!(queue.is_empty(), "{queue:?}");
}

// Two ROC decisions at once: exactly one is taken, and eMSL follows it.
async fn of_two_roc_decisions_at_once_exactly_one_is_taken(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let pat = app.signed_in(PARTNER).await;
    let reference = submitted(&app, &pat, &with(bill_to_change("race"), "versions", "")).await;
    let roc = app.signed_in(ROC).await;
    let approve = [
        ("reference", reference.as_str()),
        ("decision", "approve"),
        ("comment", "Signed form attached"),
    ];
    let reject = [
        ("reference", reference.as_str()),
        ("decision", "reject"),
        ("comment", "Unsigned"),
    ];
    let (a, r) = tokio::join!(
        app.call_with("/api/decide-contact-change", &approve, &roc),
        app.call_with("/api/decide-contact-change", &reject, &roc)
    );
    let approved = a.status() == StatusCode::OK;
    assert_ne!(
        approved,
        r.status() == StatusCode::OK,
        "exactly one decision is taken"
    );
    assert_eq!(
        shown_email(&app, "emsl", "bill_to").await.is_some(),
        approved
    );
    let decisions: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_trail WHERE action LIKE 'CICR % by ROC'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(decisions, 1);
}

// R7: OLAs are not changed by CICR; the partner is told who adds them.
async fn r7_an_ola_change_is_refused_with_the_guidance(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let pat = app.signed_in(PARTNER).await;
    let response = submit(&app, &pat, &with(osm_change("o1"), "contact", "ola")).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: AppError = response.json().await.unwrap();
    let message = error
        .for_field("contact")
        .expect("the contact field is named");
    assert!(message.contains("VLSC administrator"), "{message}");
    assert_eq!(count(&app, "contact_changes").await, 0);
}

// R7: "send the activation email again" opens a support ticket once the change is made.
async fn r7_asking_for_the_activation_email_again_opens_a_support_ticket(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let pat = app.signed_in(PARTNER).await;
    let reference = submitted(
        &app,
        &pat,
        &with(osm_change("r1"), "resend_activation", "true"),
    )
    .await;
    let tickets = sqlx::query_as::<_, (String, String)>("SELECT kind, status FROM support_tickets")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    assert_eq!(
        tickets,
        vec![("resend_activation".to_string(), "open".to_string())]
    );
    let t = tracker(&app, &pat, &reference).await;
    assert!(t.resend.unwrap().contains("Support ticket #"));
    // A bill-to change opens its ticket only when approved.
    submitted(
        &app,
        &pat,
        &with(
            with(bill_to_change("r2"), "versions", ""),
            "resend_activation",
            "true",
        ),
    )
    .await;
    assert_eq!(count(&app, "support_tickets").await, 1);
}

// Validation: each field gets its own message, and nothing is written.
async fn each_invalid_field_is_named_and_nothing_is_written(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let pat = app.signed_in(PARTNER).await;
    let cases: Vec<(Fields, &str, &str)> = vec![
        (
            with(osm_change("v"), "contact", ""),
            "contact",
            "Choose the contact",
        ),
        (
            with(osm_change("v"), "contact", "cfo"),
            "contact",
            "from the list",
        ),
        (with(osm_change("v"), "name", " "), "name", "Enter a name"),
        (with(osm_change("v"), "name", "R2-D2"), "name", "letters"),
        (
            with(osm_change("v"), "email", "robin.contoso.example"),
            "email",
            "like name@example.com",
        ),
        (
            with(osm_change("v"), "email", ""),
            "email",
            "Enter an email address",
        ),
        (with(osm_change("v"), "phone", "call me"), "phone", "digits"),
        (
            with(osm_change("v"), "phone", "123"),
            "phone",
            "at least 7 digits",
        ),
        (
            with(osm_change("v"), "reason", ""),
            "reason",
            "Enter the reason for the change",
        ),
        (
            with(bill_to_change("v"), "billing_address", ""),
            "billing_address",
            "Enter the billing address",
        ),
        (
            with(bill_to_change("v"), "billing_city", ""),
            "billing_city",
            "Enter the billing city",
        ),
        (
            with(bill_to_change("v"), "billing_postal_code", ""),
            "billing_postal_code",
            "Enter the billing postal code",
        ),
        (
            with(bill_to_change("v"), "billing_country", ""),
            "billing_country",
            "Enter the billing country",
        ),
        (
            with(
                with(
                    with(osm_change("v"), "email", "osm@contoso.example"),
                    "name",
                    "Sam",
                ),
                "phone",
                "+1 425 555 0100",
            ),
            "name",
            "already the contact's details",
        ),
    ];
    for (fields, field, expected) in cases {
        let response = submit(&app, &pat, &fields).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}"
        );
        let error: AppError = response.json().await.unwrap();
        let message = error
            .for_field(field)
            .unwrap_or_else(|| panic!("{field}: {error:?}"));
        assert!(message.contains(expected), "{field}: {message}");
    }
    assert_eq!(count(&app, "contact_changes").await, 0);
    assert_eq!(
        count(&app, "audit_trail WHERE category = 'change'").await,
        0
    );
    assert_eq!(
        shown_email(&app, "emsl", "osm").await.as_deref(),
        Some("osm@contoso.example")
    );
}

// A double click, a resubmission or a retry creates one CICR.
async fn the_same_cicr_submitted_twice_creates_one(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let pat = app.signed_in(PARTNER).await;
    let fields = osm_change("same-key");
    let (a, b) = tokio::join!(submit(&app, &pat, &fields), submit(&app, &pat, &fields));
    assert_eq!(a.status(), StatusCode::OK);
    assert_eq!(b.status(), StatusCode::OK);
    let (a, b): (String, String) = (a.json().await.unwrap(), b.json().await.unwrap());
    assert_eq!(a, b);
    let again: String = submit(&app, &pat, &fields).await.json().await.unwrap();
    assert_eq!(again, a);
    assert_eq!(count(&app, "contact_changes").await, 1);
    assert_eq!(count(&app, "propagation_jobs").await, 2);
}

// Two changes to one contact at once: one wins, the other is told it changed.
async fn two_changes_to_one_contact_at_once_one_wins(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let pat = app.signed_in(PARTNER).await;
    let first = with(osm_change("race-1"), "email", "first@contoso.example");
    let second = with(osm_change("race-2"), "email", "second@contoso.example");
    let (a, b) = tokio::join!(submit(&app, &pat, &first), submit(&app, &pat, &second));
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    let loser = if a.status() == StatusCode::CONFLICT {
        a
    } else {
        b
    };
    let message = loser.json::<AppError>().await.unwrap().to_string();
    assert!(message.contains("changed since you opened"), "{message}");
    assert_eq!(count(&app, "contact_changes").await, 1);
    let emsl = shown_email(&app, "emsl", "osm").await.unwrap();
    assert!(emsl == "first@contoso.example" || emsl == "second@contoso.example");
    // A form opened before the change is refused too.
    let stale = submit(
        &app,
        &pat,
        &with(osm_change("late"), "email", "late@contoso.example"),
    )
    .await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
}

// Only the enrollment's partner submits; customers are pointed to their partner (R6).
async fn only_the_customers_partner_submits_a_cicr(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    for email in [
        "admin@contoso.example",
        "ola@contoso.example",
        "osm@contoso.example",
        "support@ops.example",
        ROC,
    ] {
        let cookie = app.signed_in(email).await;
        let response = submit(&app, &cookie, &osm_change(email)).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{email}");
        if email.ends_with("contoso.example") {
            let message = response.json::<AppError>().await.unwrap().to_string();
            assert!(message.contains("ask them"), "{message}");
        }
    }
    let pat = app.signed_in(PARTNER).await;
    let other = submit(&app, &pat, &with(osm_change("x"), "enrollment", OTHER)).await;
    assert_eq!(
        other.status(),
        StatusCode::NOT_FOUND,
        "another partner's customer"
    );
    assert_eq!(count(&app, "contact_changes").await, 0);
    let anonymous = submit(&app, "", &osm_change("anonymous")).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

// Only ROC operators decide; other organisations' changes and contacts answer 404.
async fn only_roc_operators_decide_and_other_organisations_see_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app).await;
    let pat = app.signed_in(PARTNER).await;
    let reference = submitted(&app, &pat, &with(bill_to_change("b"), "versions", "")).await;
    for email in ["admin@contoso.example", PARTNER, "support@ops.example"] {
        let cookie = app.signed_in(email).await;
        let response = app
            .call_with(
                "/api/decide-contact-change",
                &[
                    ("reference", &reference),
                    ("decision", "approve"),
                    ("comment", "ok"),
                ],
                &cookie,
            )
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{email}");
    }
    let partner_queue = app
        .call_with("/api/contact-changes", &[("awaiting_roc", "true")], &pat)
        .await;
    assert_eq!(partner_queue.status(), StatusCode::FORBIDDEN);
    // Another customer and its partner see neither the change nor the contacts.
    let northwind = app
        .create_user_in(
            f.other.customer_id.0,
            "admin@northwind.example",
            app::domain::Role::VlscAdministrator,
        )
        .await;
    let litware = app
        .create_user_in(
            f.other.partner_id.0,
            "lee@litware.example",
            app::domain::Role::PartnerUser,
        )
        .await;
    assert!(northwind > 0 && litware > 0);
    for email in ["admin@northwind.example", "lee@litware.example"] {
        let cookie = app.signed_in(email).await;
        let response = app
            .call_with("/api/contact-change", &[("reference", &reference)], &cookie)
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{email}");
        let page = app
            .get(&format!("/changes/{reference}"), Some(&cookie))
            .await;
        assert_eq!(page.status(), StatusCode::NOT_FOUND, "{email}");
        let contacts = app
            .call_with("/api/enrollment", &[("number", OWN)], &cookie)
            .await;
        assert_eq!(contacts.status(), StatusCode::NOT_FOUND, "{email}");
        let list = app
            .call_with(
                "/api/contact-changes",
                &[("awaiting_roc", "false")],
                &cookie,
            )
            .await
            .json::<app::lists::Page<app::contacts::ChangeSummary>>()
            .await
            .unwrap()
            .items;
        assert!(
            list.is_empty(),
            "{email} sees another organisation's changes"
        );
    }
}

// Customers see VLSC's copy, partners explore.ms's, with the change in flight and the guidance (R6).
async fn each_side_sees_its_own_systems_copy_and_the_change_in_flight(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let pat = app.signed_in(PARTNER).await;
    let reference = submitted(&app, &pat, &osm_change("f1")).await;
    let admin = app.signed_in("admin@contoso.example").await;
    let detail: app::enrollments::EnrollmentDetail = app
        .call_with("/api/enrollment", &[("number", OWN)], &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail.contacts_source, "VLSC");
    assert_eq!(
        detail.contacts[0].email, "osm@contoso.example",
        "VLSC still shows the old OSM"
    );
    assert_eq!(detail.changes_in_flight[0].reference, reference);
    assert!(detail
        .contact_guidance
        .unwrap()
        .contains("ask your partner, Fabrikam"));
    assert!(!detail.may_request_change);
    let partner: app::enrollments::EnrollmentDetail = app
        .call_with("/api/enrollment", &[("number", OWN)], &pat)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(partner.contacts_source, "explore.ms");
    assert!(partner.may_request_change);
    assert!(partner.contact_versions.contains("osm:2"));
}

// A server killed during propagation: after a restart every view converges to
// eMSL, and applying a job twice, or after a later change, changes nothing.
async fn after_a_restart_every_view_converges_to_emsl(backend: Backend) {
    let first = spawn_app(backend).await;
    fixture(&first).await;
    let pat = first.signed_in(PARTNER).await;
    submitted(&first, &pat, &osm_change("p1")).await;
    // The first instance copies to VLSC, then stops before explore.ms.
    first.clock.advance(DAY);
    let vlsc_job = sqlx::query_as::<_, Job>(
        "SELECT id, change_id, enrollment_id, contact_type, system, version, name, email, phone \
         FROM propagation_jobs WHERE system = 'vlsc'",
    )
    .fetch_one(first.db.pool())
    .await
    .unwrap();
    apply(&first.db, &vlsc_job, first.state.now_unix())
        .await
        .unwrap();
    let url = first.database_url.clone();
    drop(first);

    let second = spawn_app_with(backend, |s| s.database_url = url).await;
    second.clock.advance(DAY);
    second.work().await;
    for system in ["vlsc", "explore"] {
        assert_eq!(
            shown_email(&second, system, "osm").await.as_deref(),
            Some("robin@contoso.example"),
            "{system}"
        );
    }
    let pat = second.signed_in(PARTNER).await;
    assert!(tracker(&second, &pat, "CICR-000001").await.complete);

    // A later change lands; replaying the first job must not bring back the older values.
    submitted(
        &second,
        &pat,
        &with(
            with(osm_change("p2"), "versions", "osm:2"),
            "email",
            "kim@contoso.example",
        ),
    )
    .await;
    second.clock.advance(DAY);
    second.work().await;
    sqlx::query("UPDATE propagation_jobs SET done_at = NULL WHERE id = $1")
        .bind(vlsc_job.id)
        .execute(second.db.pool())
        .await
        .unwrap();
    second.work().await;
    second.work().await;
    assert_eq!(
        shown_email(&second, "vlsc", "osm").await.as_deref(),
        Some("kim@contoso.example")
    );
    assert_eq!(
        shown_email(&second, "explore", "osm").await.as_deref(),
        Some("kim@contoso.example")
    );
}

// Two instances propagating at once: every copy lands and every change completes.
async fn two_instances_propagating_at_once_complete_every_change(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let pat = app.signed_in(PARTNER).await;
    for (i, contact) in ["osm", "pri", "ntc"].into_iter().enumerate() {
        let version = if contact == "osm" { "osm:1" } else { "" };
        let fields = with(
            with(
                with(osm_change(&format!("twin-{i}")), "contact", contact),
                "versions",
                version,
            ),
            "email",
            &format!("{contact}-2@contoso.example"),
        );
        submitted(&app, &pat, &fields).await;
    }
    app.clock.advance(DAY);
    let now = app.state.now_unix();
    let (a, b) = tokio::join!(
        propagate_due(&app.db, now, 500),
        propagate_due(&app.db, now, 500)
    );
    // Each saw some or all of the six jobs; applying one twice changes nothing.
    assert!(a.unwrap() + b.unwrap() >= 6);
    let complete: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM contact_changes WHERE status = 'complete'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(complete, 3);
    for contact in ["osm", "pri", "ntc"] {
        for system in ["vlsc", "explore"] {
            assert_eq!(
                shown_email(&app, system, contact).await,
                Some(format!("{contact}-2@contoso.example"))
            );
        }
    }
}

// The audit trail records each change and decision, and refuses to be rewritten.
async fn the_audit_trail_records_changes_and_is_append_only(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let pat = app.signed_in(PARTNER).await;
    submitted(&app, &pat, &osm_change("a1")).await;
    let reference = submitted(&app, &pat, &with(bill_to_change("a2"), "versions", "")).await;
    let roc = app.signed_in(ROC).await;
    app.call_with(
        "/api/decide-contact-change",
        &[
            ("reference", &reference),
            ("decision", "reject"),
            ("comment", "Unsigned"),
        ],
        &roc,
    )
    .await;
    let admin = app.signed_in("admin@contoso.example").await;
    let trail: Vec<app::audit::AuditEntry> = app
        .call("/api/audit-trail", Some(&admin))
        .await
        .json::<app::lists::Page<app::audit::AuditEntry>>()
        .await
        .unwrap()
        .items;
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "CICR rejected by ROC",
            "CICR submitted",
            "Contact changed in eMSL",
            "CICR submitted"
        ]
    );
    let changed = &trail[2];
    assert_eq!(
        changed.before.as_deref(),
        Some("Sam <osm@contoso.example> +1 425 555 0100")
    );
    assert_eq!(
        changed.after.as_deref(),
        Some("Robin Osm <robin@contoso.example> +1 425 555 0199")
    );
    assert_eq!(changed.reason.as_deref(), Some("Sam moved to another team"));
    assert_eq!(
        changed.actor, "Test User (Partner user)",
        "the partner by name and role only"
    );
    let ola = app.signed_in("ola@contoso.example").await;
    assert_eq!(
        app.call("/api/audit-trail", Some(&ola)).await.status(),
        StatusCode::FORBIDDEN
    );
    assert!(sqlx::query("UPDATE audit_trail SET reason = 'rewritten'")
        .execute(app.db.pool())
        .await
        .is_err());
    assert!(sqlx::query("DELETE FROM audit_trail")
        .execute(app.db.pool())
        .await
        .is_err());
    assert_eq!(
        count(&app, "audit_trail WHERE category = 'change'").await,
        4
    );
}

both_backends!(
    r7_contract_contacts_change_in_emsl_at_once_and_everywhere_after_the_delay,
    r7_a_bill_to_change_waits_for_the_roc_operator_then_propagates,
    r7_a_rejected_bill_to_change_changes_nothing,
    r7_an_approval_over_a_changed_bill_to_contact_is_closed_as_not_applied,
    of_two_roc_decisions_at_once_exactly_one_is_taken,
    r7_an_ola_change_is_refused_with_the_guidance,
    r7_asking_for_the_activation_email_again_opens_a_support_ticket,
    each_invalid_field_is_named_and_nothing_is_written,
    the_same_cicr_submitted_twice_creates_one,
    two_changes_to_one_contact_at_once_one_wins,
    only_the_customers_partner_submits_a_cicr,
    only_roc_operators_decide_and_other_organisations_see_nothing,
    each_side_sees_its_own_systems_copy_and_the_change_in_flight,
    after_a_restart_every_view_converges_to_emsl,
    two_instances_propagating_at_once_complete_every_change,
    the_audit_trail_records_changes_and_is_append_only,
);
