//! Online Reservation (R3): who may reserve, cancel and view; validation;
//! resubmission; the 72-hour cancellation rule.

use crate::both_backends;
use crate::fixture::{fixture, order_count, order_status, reservation, Fixture, OTHER, OWN, USERS};
use crate::helpers::{Backend, TestApp};
use app::domain::{add_months, format_date};
use app::AppError;
use reqwest::StatusCode;
use time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Own,
    Other,
}

fn expected_status(email: &str, target: Target, action: &str) -> StatusCode {
    let operator = email.ends_with("@ops.example");
    let may_change = matches!(
        email,
        "admin@contoso.example" | "ola@contoso.example" | "osm-permitted@contoso.example"
    );
    match (target, action) {
        // Support and ROC see every enrollment, read-only.
        (_, "view") if operator => StatusCode::OK,
        (Target::Own, "view") => StatusCode::OK,
        // Another organisation's enrollment does not exist for customers and partners.
        (Target::Other, _) if !operator => StatusCode::NOT_FOUND,
        (Target::Own, _) if may_change => StatusCode::OK,
        _ => StatusCode::FORBIDDEN,
    }
}

fn reserve_fields<'a>(enrollment: &'a str, key: &'a str, date: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("enrollment", enrollment),
        ("product", "M365-E3"),
        ("quantity", "10"),
        ("usage_start_date", date),
        ("request_key", key),
    ]
}

// R3: every role × (own, other organisation's enrollment) × (reserve, cancel, view).
async fn r3_reservation_access_for_every_role_and_enrollment(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    let f: Fixture = fixture(&app).await;
    let start = format_date(app.clock.now_date() + Duration::days(30));
    for (i, (email, _role)) in USERS.iter().enumerate() {
        let cookie = app.signed_in(email).await;
        for target in [Target::Own, Target::Other] {
            let (number, enrollment) = match target {
                Target::Own => (OWN, &f.own),
                Target::Other => (OTHER, &f.other),
            };

            let view = app
                .call_with("/api/enrollment", &[("number", number)], &cookie)
                .await;
            assert_eq!(
                view.status(),
                expected_status(email, target, "view"),
                "{email} view {target:?}"
            );

            let before = order_count(&app).await;
            let key = format!("r3-table-key-{i}-{target:?}");
            let reserve = app
                .call_with(
                    "/api/reserve",
                    &reserve_fields(number, &key, &start),
                    &cookie,
                )
                .await;
            let expected = expected_status(email, target, "reserve");
            assert_eq!(reserve.status(), expected, "{email} reserve {target:?}");
            let written = order_count(&app).await - before;
            assert_eq!(
                written,
                i64::from(expected == StatusCode::OK),
                "{email} reserve {target:?} wrote {written}"
            );

            let existing = reservation(&app, enrollment, 30, &format!("{i}-{target:?}")).await;
            let cancel = app
                .call_with(
                    "/api/cancel-reservation",
                    &[("order_number", &existing)],
                    &cookie,
                )
                .await;
            let expected = expected_status(email, target, "cancel");
            assert_eq!(cancel.status(), expected, "{email} cancel {target:?}");
            let status = order_status(&app, &existing).await;
            let want = if expected == StatusCode::OK {
                "cancelled"
            } else {
                "placed"
            };
            assert_eq!(status, want, "{email} cancel {target:?}");
        }
    }
}

async fn reserve_as_ola(
    app: &TestApp,
    quantity: &str,
    date: &str,
    product: &str,
    key: &str,
) -> (StatusCode, Option<AppError>) {
    let cookie = app.signed_in("ola@contoso.example").await;
    let fields = [
        ("enrollment", OWN),
        ("product", product),
        ("quantity", quantity),
        ("usage_start_date", date),
        ("request_key", key),
    ];
    let response = app.call_with("/api/reserve", &fields, &cookie).await;
    let status = response.status();
    let error = (!status.is_success()).then_some(()).map(|_| ());
    let body = response.text().await.unwrap();
    (
        status,
        error.map(|_| serde_json::from_str::<AppError>(&body).unwrap()),
    )
}

async fn each_invalid_reservation_gets_its_own_message_and_writes_nothing(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    fixture(&app).await;
    let today = app.clock.now_date();
    let ok_date = format_date(today + Duration::days(10));
    let past = format_date(today - Duration::days(1));
    let too_far = format_date(add_months(today, 6) + Duration::days(1));
    let cases: [(&str, &str, &str, &str, &str); 10] = [
        ("0", &ok_date, "M365-E3", "quantity", "The quantity must be at least 1."),
        ("-4", &ok_date, "M365-E3", "quantity", "The quantity cannot be negative."),
        ("1000001", &ok_date, "M365-E3", "quantity", "The quantity can be at most 1,000,000."),
        ("lots", &ok_date, "M365-E3", "quantity", "Enter the quantity as a whole number, like 25."),
        ("", &ok_date, "M365-E3", "quantity", "Enter a quantity."),
        ("5", &past, "M365-E3", "usage_start_date", "The usage start date cannot be in the past."),
        ("5", &too_far, "M365-E3", "usage_start_date", "The usage start date can be at most six months ahead"),
        ("5", "next week", "M365-E3", "usage_start_date", "Enter the usage start date as YYYY-MM-DD."),
        ("5", &ok_date, "NO-SUCH", "product", "Choose a product from the list; that one is not in the catalogue."),
        ("5", &ok_date, "WINSRV-DC", "product", "Windows Server Datacenter is an on-premises product: only online services can be reserved."),
    ];
    for (i, (quantity, date, product, field, message)) in cases.into_iter().enumerate() {
        let before = order_count(&app).await;
        let (status, error) = reserve_as_ola(
            &app,
            quantity,
            date,
            product,
            &format!("validation-key-{i:04}"),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "case {i}");
        let shown = error
            .unwrap()
            .for_field(field)
            .unwrap_or_else(|| panic!("case {i}: no message for {field}"));
        assert!(shown.starts_with(message), "case {i}: {shown}");
        assert_eq!(order_count(&app).await, before, "case {i} wrote an order");
    }
}

async fn a_double_submitted_reservation_creates_one_reservation(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    fixture(&app).await;
    let date = format_date(app.clock.now_date() + Duration::days(20));
    let cookie = app.signed_in("admin@contoso.example").await;
    let fields = reserve_fields(OWN, "double-submit-key-0001", &date);
    let (first, second) = tokio::join!(
        app.call_with("/api/reserve", &fields, &cookie),
        app.call_with("/api/reserve", &fields, &cookie)
    );
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(second.status(), StatusCode::OK);
    let (a, b): (String, String) = (first.json().await.unwrap(), second.json().await.unwrap());
    assert_eq!(a, b, "both answers name the same reservation");
    let again: String = app
        .call_with("/api/reserve", &fields, &cookie)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again, a);
    assert_eq!(order_count(&app).await, 1);
    let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM activation_queue")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(
        queued, 1,
        "R1: the reservation waits once for the activation engine"
    );
}

async fn a_reservation_can_be_cancelled_until_72_hours_before_it_starts(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    let f = fixture(&app).await;
    let cookie = app.signed_in("ola@contoso.example").await;
    let soon = reservation(&app, &f.own, 2, "soon").await;
    let later = reservation(&app, &f.own, 4, "later").await;

    let refused = app
        .call_with(
            "/api/cancel-reservation",
            &[("order_number", &soon)],
            &cookie,
        )
        .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let error: AppError = refused.json().await.unwrap();
    assert!(
        error
            .to_string()
            .contains("72 hours before the usage start date"),
        "{error}"
    );
    assert_eq!(order_status(&app, &soon).await, "placed");

    let ok = app
        .call_with(
            "/api/cancel-reservation",
            &[("order_number", &later)],
            &cookie,
        )
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(order_status(&app, &later).await, "cancelled");
    // Cancelling again changes nothing and is not an error.
    let again = app
        .call_with(
            "/api/cancel-reservation",
            &[("order_number", &later)],
            &cookie,
        )
        .await;
    assert_eq!(again.status(), StatusCode::OK);
}

async fn an_osm_without_the_permission_sees_the_reason_instead_of_the_form(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    fixture(&app).await;
    let osm = app.signed_in("osm@contoso.example").await;
    let page = app
        .get(&format!("/enrollments/{OWN}"), Some(&osm))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("manage-reservation permission"),
        "the reason is shown"
    );
    assert!(!page.contains(">Reserve</button>"), "no reserve button");

    let permitted = app.signed_in("osm-permitted@contoso.example").await;
    let page = app
        .get(&format!("/enrollments/{OWN}"), Some(&permitted))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(">Reserve</button>"));
}

type ReservationPage = app::lists::Page<app::reservations::ReservationRow>;

/// Every page of the reservation list as `cookie` sees it with `params`.
async fn every_reservation(
    app: &TestApp,
    cookie: &str,
    params: &[(&str, &str)],
) -> (Vec<app::reservations::ReservationRow>, Vec<(i64, bool)>) {
    let mut rows = Vec::new();
    let mut counts = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut fields: Vec<(&str, &str)> = params.to_vec();
        if let Some(a) = &after {
            fields.push(("after", a));
        }
        let response = app.call_with("/api/reservations", &fields, cookie).await;
        assert_eq!(response.status(), StatusCode::OK, "{fields:?}");
        let page: ReservationPage = response.json().await.unwrap();
        rows.extend(page.items);
        counts.push((page.total, page.at_least));
        match page.next_after {
            Some(next) => after = Some(next),
            None => return (rows, counts),
        }
    }
}

// The reservations list at scale: sorted either way by when a reservation
// was placed or by its usage start date, filtered, counted up to the limit
// and read by key, each organisation seeing only its own (R3).
async fn the_reservation_list_sorts_filters_counts_and_pages_a_large_set(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    let f = fixture(&app).await;
    for (i, days) in [40, 10, 25, 10, 60].into_iter().enumerate() {
        reservation(&app, &f.own, days, &format!("sorted-{i}")).await;
    }
    server::tools::large_data::generate(
        &app.db,
        server::tools::large_data::Volume {
            organisations: 3,
            enrollments: 30,
            reservations: app::lists::COUNT_LIMIT + 150,
        },
    )
    .await
    .unwrap();
    let count = |sql: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(db.pool())
                .await
                .unwrap()
        }
    };
    let all = count("SELECT COUNT(*) FROM orders WHERE kind = 'reservation'").await;
    assert!(all > app::lists::COUNT_LIMIT, "{all}");

    // Support sees every reservation: the count stops at the limit and says so.
    let support = app.signed_in("support@ops.example").await;
    let (rows, counts) =
        every_reservation(&app, &support, &[("sort", "starts"), ("per", "100")]).await;
    assert_eq!(rows.len() as i64, all, "every reservation once");
    let mut ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len() as i64, all, "no reservation twice");
    assert!(
        rows.windows(2)
            .all(|w| (&w[0].usage_start_date, w[0].id) < (&w[1].usage_start_date, w[1].id)),
        "sorted by usage start date, then by reservation"
    );
    assert!(
        counts.iter().all(|c| *c == (app::lists::COUNT_LIMIT, true)),
        "{:?}",
        &counts[..2]
    );

    // Placed, newest first by default, on a filtered set: an exact count.
    let cancelled =
        count("SELECT COUNT(*) FROM orders WHERE kind = 'reservation' AND status = 'cancelled'")
            .await;
    assert!(
        cancelled > 0 && cancelled < app::lists::COUNT_LIMIT,
        "{cancelled}"
    );
    let (rows, counts) =
        every_reservation(&app, &support, &[("status", "cancelled"), ("per", "50")]).await;
    assert_eq!(rows.len() as i64, cancelled);
    assert!(rows.iter().all(|r| r.status == "cancelled"));
    assert!(rows.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    assert!(counts.iter().all(|c| *c == (cancelled, false)));

    // A customer's administrator sees their own five, by start date down.
    let admin = app.signed_in("admin@contoso.example").await;
    let (rows, counts) = every_reservation(
        &app,
        &admin,
        &[("sort", "starts"), ("dir", "desc"), ("per", "10")],
    )
    .await;
    let starts: Vec<String> = rows.iter().map(|r| r.usage_start_date.clone()).collect();
    let today = app.clock.now_date();
    let expected: Vec<String> = [60, 40, 25, 10, 10]
        .into_iter()
        .map(|d| format_date(today + Duration::days(d)))
        .collect();
    assert_eq!(starts, expected);
    assert!(rows.iter().all(|r| r.enrollment_number == OWN));
    assert_eq!(counts, vec![(5, false)]);
    // Filtered by another organisation's enrollment: nothing, not an error.
    let (rows, _) = every_reservation(&app, &admin, &[("enrollment", OTHER)]).await;
    assert!(rows.is_empty());
    // By their own enrollment: the same five.
    let (rows, counts) =
        every_reservation(&app, &admin, &[("enrollment", OWN), ("per", "10")]).await;
    assert_eq!((rows.len(), counts), (5, vec![(5, false)]));

    // A filter the list does not have is refused, naming it.
    for (field, value) in [
        ("status", "lost"),
        ("enrollment", "contoso"),
        ("sort", "quantity"),
        ("after", "2026-01-01"),
    ] {
        let response = app
            .call_with("/api/reservations", &[(field, value)], &admin)
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
    the_reservation_list_sorts_filters_counts_and_pages_a_large_set,
    r3_reservation_access_for_every_role_and_enrollment,
    each_invalid_reservation_gets_its_own_message_and_writes_nothing,
    a_double_submitted_reservation_creates_one_reservation,
    a_reservation_can_be_cancelled_until_72_hours_before_it_starts,
    an_osm_without_the_permission_sees_the_reason_instead_of_the_form,
);
