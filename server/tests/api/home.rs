//! The home page's "what needs attention", per role, on the demo data: each
//! item is one of the user's own and links to where it is dealt with.

use crate::both_backends;
use crate::helpers::{spawn_app, Backend, TestApp};
use app::home::Section;
use app::state::Clock;
use reqwest::StatusCode;
use server::seed::DEMO_PASSWORD;

async fn sections(app: &TestApp, cookie: &str) -> Vec<Section> {
    let response = app.call("/api/attention", Some(cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn section<'a>(all: &'a [Section], key: &str) -> &'a Section {
    all.iter()
        .find(|s| s.key == key)
        .unwrap_or_else(|| panic!("no {key} section in {all:?}"))
}

fn links(s: &Section) -> Vec<&str> {
    s.items.iter().map(|i| i.href.as_str()).collect()
}

async fn each_role_sees_what_needs_its_attention(backend: Backend) {
    let app = spawn_app(backend).await;
    server::seed::seed_demo_at(&app.db, app.clock.now())
        .await
        .unwrap();
    app.work().await;
    let now = app.state.now_unix();
    let sign_in = |email: &'static str| app.signed_in_with(email, DEMO_PASSWORD);

    // 10000001's link expires in ten days; an OLA reserves a service starting in three.
    sqlx::query(
        "UPDATE activations SET expires_at = $1 WHERE enrollment_id = \
         (SELECT id FROM enrollments WHERE enrollment_number = '10000001')",
    )
    .bind(now + 10 * 86_400 + 60)
    .execute(app.db.pool())
    .await
    .unwrap();
    let ola = sign_in("ola@contoso.example").await;
    let starts = app.clock.now_date() + time::Duration::days(3);
    let reserved = app
        .call_with(
            "/api/reserve",
            &[
                ("enrollment", "10000004"),
                ("product", "EXO-P1"),
                ("quantity", "3"),
                ("usage_start_date", &app::domain::format_date(starts)),
                ("request_key", "home-reservation"),
            ],
            &ola,
        )
        .await;
    assert_eq!(
        reserved.status(),
        StatusCode::OK,
        "{}",
        reserved.text().await.unwrap()
    );
    // The partner asks for a bill-to change, which waits for ROC.
    let partner = sign_in("partner@fabrikam.example").await;
    let detail: app::enrollments::EnrollmentDetail = app
        .call_with("/api/enrollment", &[("number", "10000011")], &partner)
        .await
        .json()
        .await
        .unwrap();
    let reference: String = app
        .call_with(
            "/api/request-contact-change",
            &[
                ("enrollment", "10000011"),
                ("contact", "bill_to"),
                ("name", "Robin Bill"),
                ("email", "robin@contoso.example"),
                ("phone", "+1 425 555 0199"),
                ("reason", "New accounts payable contact"),
                ("billing_address", "1 Microsoft Way"),
                ("billing_city", "Redmond"),
                ("billing_postal_code", "98052"),
                ("billing_country", "United States"),
                ("versions", &detail.contact_versions),
                ("request_key", "home-cicr-request-key"),
            ],
            &partner,
        )
        .await
        .text()
        .await
        .unwrap();
    let reference: String =
        serde_json::from_str(&reference).unwrap_or_else(|_| panic!("{reference}"));

    let admin = sections(&app, &sign_in("admin@contoso.example").await).await;
    let awaiting = section(&admin, "awaiting-activation");
    assert!(
        links(awaiting).contains(&"/enrollments/10000001/activation"),
        "{awaiting:?}"
    );
    assert!(
        !links(awaiting).contains(&"/enrollments/10000004/activation"),
        "already on an online account: {awaiting:?}"
    );
    let expiring = section(&admin, "links-expiring");
    assert_eq!(links(expiring), ["/enrollments/10000001/activation"]);
    assert!(
        expiring.items[0].detail.contains("expires in 10 days"),
        "{expiring:?}"
    );
    let week = section(&admin, "reservations-this-week");
    assert_eq!(week.count, 1);
    assert!(week.items[0]
        .label
        .contains("Exchange Online Plan 1 × 3 on 10000004"));
    let changes = section(&admin, "changes-in-flight");
    assert_eq!(links(changes), [format!("/changes/{reference}").as_str()]);

    let osm = sections(&app, &sign_in("osm@contoso.example").await).await;
    let mine = section(&osm, "osm-enrollments");
    let first = mine
        .items
        .iter()
        .find(|i| i.label.starts_with("10000001"))
        .unwrap();
    assert!(
        first.detail.starts_with("Activation email sent"),
        "{first:?}"
    );
    assert!(mine.count >= 5, "{mine:?}");

    let partner = sections(&app, &partner).await;
    assert_eq!(
        links(section(&partner, "changes-in-flight")),
        [format!("/changes/{reference}").as_str()]
    );
    let waiting = section(&partner, "ordered-not-activated");
    assert!(
        links(waiting).contains(&"/enrollments/10000001/activation"),
        "{waiting:?}"
    );

    let support = sections(&app, &sign_in("support@vl-operations.example").await).await;
    let replication = section(&support, "replication");
    assert!(
        replication.count >= 1,
        "10000007's primary contact: {replication:?}"
    );
    assert_eq!(section(&support, "open-tickets").count, 0);

    let roc = sections(&app, &sign_in("roc@vl-operations.example").await).await;
    assert_eq!(
        links(section(&roc, "roc-queue")),
        [format!("/changes/{reference}").as_str()]
    );

    // Another customer sees none of Contoso's.
    let northwind = sections(&app, &sign_in("admin@northwind.example").await).await;
    for s in &northwind {
        assert!(s.items.iter().all(|i| !i.href.contains("100000")), "{s:?}");
    }
    // Signed out, there is nothing to see.
    assert_eq!(
        app.call("/api/attention", None).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

both_backends!(each_role_sees_what_needs_its_attention);
