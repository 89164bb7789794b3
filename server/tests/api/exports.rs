//! CSV exports: scoped exactly like their pages, RFC 4180 with a header row,
//! spreadsheet formulas neutralised, and streamed a chunk at a time.

use crate::activation::order;
use crate::both_backends;
use crate::fixture::{fixture, reservation, OTHER, OWN};
use crate::helpers::{location, spawn_app, Backend};
use reqwest::StatusCode;

const ADMIN: &str = "admin@contoso.example";

async fn csv(app: &crate::helpers::TestApp, path: &str, cookie: &str) -> (StatusCode, String) {
    let answer = app.get(path, Some(cookie)).await;
    let status = answer.status();
    if status == StatusCode::OK {
        assert_eq!(answer.headers()["content-type"], "text/csv; charset=utf-8");
        assert_eq!(answer.headers()["cache-control"], "no-store");
        assert!(answer.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\""));
    }
    (status, answer.text().await.unwrap())
}

async fn exports_are_scoped_like_their_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app).await;
    order(&app, &f.own, &["M365-E3", "EXO-P1"], 0, "export-own").await;
    order(&app, &f.other, &["M365-E3"], 0, "export-other").await;
    let own_reservation = reservation(&app, &f.own, 30, "export-own").await;
    let other_reservation = reservation(&app, &f.other, 30, "export-other").await;
    let admin = app.signed_in(ADMIN).await;

    let (status, summary) = csv(
        &app,
        &format!("/enrollments/{OWN}/license-summary.csv"),
        &admin,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    assert!(
        summary.starts_with("Product,Kind,Quantity\r\n"),
        "{summary}"
    );
    assert!(
        summary.contains("\r\nMicrosoft 365 E3,Online service,15\r\n"),
        "the order and the reservation: {summary}"
    );

    let (status, orders) = csv(&app, &format!("/enrollments/{OWN}/orders.csv"), &admin).await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<&str> = orders.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "Order,Purchase date,Usage start date,Status,Line,Product,Quantity"
    );
    assert_eq!(
        lines.len(),
        3,
        "one row per line of the one order: {orders}"
    );
    assert!(
        lines[1].ends_with(",placed,1,Microsoft 365 E3,10"),
        "{orders}"
    );
    assert!(
        !orders.contains(&own_reservation),
        "reservations are their own export"
    );

    let (status, reservations) = csv(&app, "/reservations.csv", &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert!(reservations
        .starts_with("Reservation,Enrollment,Product,Quantity,Usage start date,Status\r\n"));
    assert!(reservations.contains(&format!("{own_reservation},{OWN},Microsoft 365 E3,5,")));
    assert!(!reservations.contains(&other_reservation) && !reservations.contains(OTHER));

    // Another organisation's enrollment is not found, as its page is not.
    for path in [
        format!("/enrollments/{OTHER}/license-summary.csv"),
        format!("/enrollments/{OTHER}/orders.csv"),
    ] {
        let (status, body) = csv(&app, &path, &admin).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!body.contains("Microsoft 365"), "{body}");
    }
    // The partner sees the enrollments of the customers it serves.
    let partner = app.signed_in("pat@fabrikam.example").await;
    assert_eq!(
        csv(&app, &format!("/enrollments/{OWN}/orders.csv"), &partner)
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        csv(&app, &format!("/enrollments/{OTHER}/orders.csv"), &partner)
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // The audit trail is its VLSC administrators'.
    let (status, trail) = csv(&app, "/audit-trail.csv", &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert!(trail.starts_with("When,Who,What,Subject,Before,After,Reason\r\n"));
    let ola = app.signed_in("ola@contoso.example").await;
    let (status, body) = csv(&app, "/audit-trail.csv", &ola).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body.contains("Your role does not give access to this page."),
        "{body}"
    );

    // Compressed on the way, like pages, to its last byte.
    let compressed = app
        .client()
        .get(format!(
            "{}/enrollments/{OWN}/license-summary.csv",
            app.address
        ))
        .header(reqwest::header::COOKIE, &admin)
        .header(reqwest::header::ACCEPT_ENCODING, "br")
        .send()
        .await
        .unwrap();
    assert_eq!(compressed.status(), StatusCode::OK);
    assert_eq!(compressed.headers()["content-encoding"], "br");
    let bytes = compressed.bytes().await.expect("the whole compressed file");
    assert!(!bytes.is_empty());

    // Signed out: sign in first, then back to the download.
    let anonymous = app.get("/reservations.csv", None).await;
    assert!(anonymous.status().is_redirection());
    assert_eq!(location(&anonymous), "/sign-in?next=%2Freservations.csv");
}

async fn an_exported_audit_trail_is_quoted_and_neutralises_formulas(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    sqlx::query(
        "INSERT INTO audit_trail (organisation_id, category, action, subject, before_value, after_value, reason, at) \
         VALUES ($1, 'change', 'Contact changed', 'Enrollment 70000001, \"OSM\"', '=HYPERLINK(\"http://evil.example\",\"x\")', \
         '@SUM(A1)', 'two\nlines', $2)",
    )
    .bind(app.customer_id)
    .bind(app.state.now_unix())
    .execute(app.db.pool())
    .await
    .unwrap();
    let admin = app.signed_in(ADMIN).await;
    let (status, trail) = csv(&app, "/audit-trail.csv", &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        trail.contains(
            ",The portal,Contact changed,\"Enrollment 70000001, \"\"OSM\"\"\",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",'@SUM(A1),\"two\nlines\"\r\n"
        ),
        "{trail}"
    );
}

async fn a_long_export_comes_in_chunks_without_losing_or_repeating_a_row(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    server::tools::large_data::generate(
        &app.db,
        server::tools::large_data::Volume {
            organisations: 3,
            enrollments: 30,
            reservations: 2_345,
        },
    )
    .await
    .unwrap();
    let mut expected: Vec<String> = sqlx::query_scalar(
        "SELECT order_number FROM orders WHERE kind = 'reservation' ORDER BY id DESC",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert!(
        expected.len() > 2 * app::exports::CHUNK as usize,
        "{}",
        expected.len()
    );
    let support = app.signed_in("support@ops.example").await;
    let (status, body) = csv(&app, "/reservations.csv", &support).await;
    assert_eq!(status, StatusCode::OK);
    let rows: Vec<String> = body
        .split("\r\n")
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    assert_eq!(rows, expected, "every reservation once, newest first");
    expected.dedup();
    assert_eq!(rows.len(), expected.len());
}

both_backends!(
    exports_are_scoped_like_their_pages,
    an_exported_audit_trail_is_quoted_and_neutralises_formulas,
    a_long_export_comes_in_chunks_without_losing_or_repeating_a_row,
);
