//! Enrollment lists and pages, scoped by organisation; partners' orders (R1).

use crate::both_backends;
use crate::fixture::{fixture, order_count, OTHER, OWN};
use crate::helpers::{spawn_app, Backend};
use app::domain::format_date;
use app::enrollments::records::{ensure_enrollment, NewEnrollment};
use app::enrollments::{EnrollmentDetail, EnrollmentList};
use app::AppError;
use reqwest::StatusCode;
use time::Duration;

async fn customers_and_partners_see_only_their_own_enrollments(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    for email in [
        "admin@contoso.example",
        "osm@contoso.example",
        "pat@fabrikam.example",
    ] {
        let cookie = app.signed_in(email).await;
        let list: EnrollmentList = app
            .call_with("/api/enrollments", &[], &cookie)
            .await
            .json()
            .await
            .unwrap();
        let numbers: Vec<&str> = list.items.iter().map(|e| e.number.as_str()).collect();
        assert_eq!(numbers, [OWN], "{email}");
        let other = app
            .call_with("/api/enrollment", &[("number", OTHER)], &cookie)
            .await;
        assert_eq!(other.status(), StatusCode::NOT_FOUND, "{email}");
        let page = app
            .get(&format!("/enrollments/{OTHER}"), Some(&cookie))
            .await;
        assert_eq!(page.status(), StatusCode::NOT_FOUND, "{email}");
        let body = page.text().await.unwrap();
        assert!(
            !body.contains("Northwind main"),
            "{email} saw another organisation's enrollment"
        );
    }
    let support = app.signed_in("support@ops.example").await;
    let list: EnrollmentList = app
        .call_with("/api/enrollments", &[], &support)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.items.len(), 2);
}

async fn the_enrollment_list_searches_and_pages_by_key(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app).await;
    let start = app.clock.now_date();
    for i in 0..30 {
        ensure_enrollment(
            &app.db,
            NewEnrollment {
                number: &format!("7100{i:04}"),
                agreement_number: "AG-MANY",
                name: &format!("Branch {i}"),
                customer_id: app.customer_id,
                partner_id: f.partner,
                start_date: start,
                end_date: start + Duration::days(1000),
            },
        )
        .await
        .unwrap();
    }
    let cookie = app.signed_in("admin@contoso.example").await;
    let first: EnrollmentList = app
        .call_with("/api/enrollments", &[], &cookie)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first.items.len(), 25);
    let after = first.next_after.clone().expect("a second page");
    let second: EnrollmentList = app
        .call_with("/api/enrollments", &[("after", &after)], &cookie)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second.items.len(), 6);
    assert!(second.next_after.is_none());
    assert!(second.items.iter().all(|e| e.number > after));

    let by_number: EnrollmentList = app
        .call_with("/api/enrollments", &[("q", "71000007")], &cookie)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_number.items.len(), 1);
    let by_agreement: EnrollmentList = app
        .call_with("/api/enrollments", &[("q", "AG-OWN")], &cookie)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_agreement.items[0].number, OWN);
    let by_name: EnrollmentList = app
        .call_with("/api/enrollments", &[("q", "branch 2")], &cookie)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_name.items.len(), 1 + 10, "Branch 2 and Branch 20–29");
    // By a contact's exact address, whatever its case; support across
    // organisations, a customer within its own.
    app::enrollments::records::ensure_contact(
        &app.db,
        f.other.id.0,
        app::domain::ContactType::OnlineServicesManager,
        "Nia North",
        "nia@northwind.example",
        "+1 425 555 0142",
    )
    .await
    .unwrap();
    let search = |cookie: String, q: &'static str| {
        let app = &app;
        async move {
            let list: EnrollmentList = app
                .call_with("/api/enrollments", &[("q", q)], &cookie)
                .await
                .json()
                .await
                .unwrap();
            list.items.into_iter().map(|e| e.number).collect::<Vec<_>>()
        }
    };
    let support = app.signed_in("support@ops.example").await;
    assert_eq!(
        search(support.clone(), "Nia@Northwind.example").await,
        [OTHER]
    );
    assert!(
        search(support, "nia@northwind").await.is_empty(),
        "the whole address"
    );
    assert!(
        search(cookie.clone(), "nia@northwind.example")
            .await
            .is_empty(),
        "not Contoso's"
    );
    let bad = app
        .call_with("/api/enrollments", &[("status", "sideways")], &cookie)
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

// R1: placing an order records it and its activation-queue entry together.
async fn a_partner_places_an_order_for_a_customer_it_serves(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let today = format_date(app.clock.now_date());
    let pat = app.signed_in("pat@fabrikam.example").await;
    let fields = [
        ("enrollment", OWN),
        ("product_1", "M365-E3"),
        ("quantity_1", "25"),
        ("product_2", "WINSRV-DC"),
        ("quantity_2", "4"),
        ("product_3", ""),
        ("quantity_3", ""),
        ("purchase_date", &today),
        ("usage_start_date", &today),
        ("request_key", "partner-order-key-0001"),
    ];
    let placed = app.call_with("/api/place-order", &fields, &pat).await;
    assert_eq!(placed.status(), StatusCode::OK);
    let number: String = placed.json().await.unwrap();
    assert!(number.starts_with("OR-"));
    let again: String = app
        .call_with("/api/place-order", &fields, &pat)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again, number, "a resubmitted order is the same order");
    assert_eq!(order_count(&app).await, 1);
    let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM activation_queue")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(queued, 1);

    let detail: EnrollmentDetail = app
        .call_with("/api/enrollment", &[("number", OWN)], &pat)
        .await
        .json()
        .await
        .unwrap();
    let summary: Vec<(String, i64)> = detail
        .license_summary
        .iter()
        .map(|l| (l.product_name.clone(), l.quantity))
        .collect();
    assert_eq!(
        summary,
        [
            ("Microsoft 365 E3".to_string(), 25),
            ("Windows Server Datacenter".to_string(), 4)
        ]
    );

    let mut other = fields;
    other[0] = ("enrollment", OTHER);
    other[9] = ("request_key", "partner-order-key-0002");
    assert_eq!(
        app.call_with("/api/place-order", &other, &pat)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let admin = app.signed_in("admin@contoso.example").await;
    let mut by_customer = fields;
    by_customer[9] = ("request_key", "partner-order-key-0003");
    assert_eq!(
        app.call_with("/api/place-order", &by_customer, &admin)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(order_count(&app).await, 1);
}

async fn an_order_with_a_bad_line_is_refused_next_to_that_line(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let today = format_date(app.clock.now_date());
    let tomorrow = format_date(app.clock.now_date() + Duration::days(1));
    let pat = app.signed_in("pat@fabrikam.example").await;
    let cases = [
        (
            "M365-E3",
            "0",
            &today,
            "quantity_1",
            "The quantity must be at least 1.",
        ),
        ("", "5", &today, "product_1", "Choose a product."),
        (
            "M365-E3",
            "5",
            &tomorrow,
            "purchase_date",
            "The purchase date cannot be in the future.",
        ),
    ];
    for (i, (product, quantity, purchase, field, message)) in cases.into_iter().enumerate() {
        let key = format!("bad-order-key-{i:04}");
        let fields = [
            ("enrollment", OWN),
            ("product_1", product),
            ("quantity_1", quantity),
            ("purchase_date", purchase),
            ("usage_start_date", purchase),
            ("request_key", &key),
        ];
        let response = app.call_with("/api/place-order", &fields, &pat).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "case {i}"
        );
        let error: AppError = response.json().await.unwrap();
        assert_eq!(error.for_field(field).as_deref(), Some(message), "case {i}");
    }
    assert_eq!(order_count(&app).await, 0);
}

/// Every page of the enrollment list under `params`, followed by key.
async fn every_page(
    app: &crate::helpers::TestApp,
    cookie: &str,
    params: &[(&str, &str)],
) -> (Vec<String>, Vec<i64>) {
    let mut numbers = Vec::new();
    let mut totals = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut fields: Vec<(&str, &str)> = params.to_vec();
        if let Some(a) = &after {
            fields.push(("after", a));
        }
        let page: EnrollmentList = app
            .call_with("/api/enrollments", &fields, cookie)
            .await
            .json()
            .await
            .unwrap();
        numbers.extend(page.items.iter().map(|e| e.number.clone()));
        totals.push(page.total);
        match page.next_after {
            Some(next) => after = Some(next),
            None => return (numbers, totals),
        }
    }
}

// Every list sorts by its main columns, either way, counts what matches and
// pages by key: walking the pages meets every row once, in order.
async fn the_enrollment_list_sorts_counts_and_pages_by_any_column(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app).await;
    let start = app.clock.now_date();
    for i in 0..23 {
        ensure_enrollment(
            &app.db,
            NewEnrollment {
                number: &format!("7200{i:04}"),
                agreement_number: "AG-SORT",
                // Names repeat, so the order also rests on the tie-break.
                name: &format!("Site {}", i % 4),
                customer_id: app.customer_id,
                partner_id: f.partner,
                start_date: start,
                end_date: start + Duration::days(100 + (i % 5) * 30),
            },
        )
        .await
        .unwrap();
    }
    let cookie = app.signed_in("admin@contoso.example").await;
    for sort in ["number", "name", "customer", "ends", "status"] {
        let (up, totals) = every_page(&app, &cookie, &[("sort", sort), ("per", "10")]).await;
        assert_eq!(up.len(), 24, "{sort}: every row once");
        assert!(totals.iter().all(|t| *t == 24), "{sort}: {totals:?}");
        let mut unique = up.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 24, "{sort}: no row twice");
        let (down, _) = every_page(
            &app,
            &cookie,
            &[("sort", sort), ("dir", "desc"), ("per", "10")],
        )
        .await;
        let mut reversed = down.clone();
        reversed.reverse();
        assert_eq!(up, reversed, "{sort}: down is up reversed");
    }
    // Sorted by name, the pages follow the names.
    let page: EnrollmentList = app
        .call_with(
            "/api/enrollments",
            &[("sort", "name"), ("q", "site")],
            &cookie,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page.total, 23);
    let names: Vec<&str> = page.items.iter().map(|e| e.name.as_str()).collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}");
    // A sort, direction, position or page size the list does not have is named.
    for (field, value) in [
        ("sort", "password"),
        ("dir", "up"),
        ("after", "nothing"),
        ("per", "7"),
    ] {
        let response = app
            .call_with("/api/enrollments", &[(field, value)], &cookie)
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}"
        );
        let error: AppError = response.json().await.unwrap();
        assert!(error.for_field(field).is_some(), "{field}: {error:?}");
    }
}

both_backends!(
    the_enrollment_list_sorts_counts_and_pages_by_any_column,
    customers_and_partners_see_only_their_own_enrollments,
    the_enrollment_list_searches_and_pages_by_key,
    a_partner_places_an_order_for_a_customer_it_serves,
    an_order_with_a_bad_line_is_refused_next_to_that_line,
);
