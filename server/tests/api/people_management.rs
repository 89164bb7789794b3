//! A VLSC administrator manages the organisation's people: invites OLAs and
//! other users, deactivates them, grants and revokes the manage-reservation
//! permission (R3, R7). Nobody else may.

use crate::both_backends;
use crate::fixture::{fixture, OTHER, OWN, USERS};
use crate::helpers::{spawn_app, Backend, TestApp};
use app::domain::format_date;
use app::people::Person;
use app::AppError;
use reqwest::StatusCode;
use time::Duration;

const ADMIN: &str = "admin@contoso.example";

async fn people(app: &TestApp, cookie: &str) -> Vec<Person> {
    app.call_with("/api/people", &[("per", "100")], cookie)
        .await
        .json::<app::lists::Page<Person>>()
        .await
        .unwrap()
        .items
}

fn new_ola(email: &str) -> Vec<(&'static str, String)> {
    vec![
        ("display_name", "Olga Admin".into()),
        ("email", email.into()),
        ("role", "ola".into()),
    ]
}

async fn add(app: &TestApp, cookie: &str, fields: &[(&'static str, String)]) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.call_with("/api/invite-person", &fields, cookie).await
}

async fn pending(app: &TestApp, cookie: &str) -> usize {
    app.call("/api/invitations", Some(cookie))
        .await
        .json::<app::lists::Page<app::accounts::PendingInvitation>>()
        .await
        .unwrap()
        .total as usize
}

async fn reserve(app: &TestApp, cookie: &str, key: &str) -> StatusCode {
    let start = format_date(app.clock.now_date() + Duration::days(30));
    let response = app
        .call_with(
            "/api/reserve",
            &[
                ("enrollment", OWN),
                ("product", "M365-E3"),
                ("quantity", "5"),
                ("usage_start_date", &start),
                ("request_key", &format!("people-management-{key}")),
            ],
            cookie,
        )
        .await;
    response.status()
}

// R3, R7: a VLSC administrator invites an OLA, who chooses a password and
// can then reserve.
async fn a_vlsc_administrator_invites_an_ola_who_can_then_reserve(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let admin = app.signed_in(ADMIN).await;
    let olga = crate::accounts::invited(&app, &admin, "olga@contoso.example", "ola").await;
    assert_eq!(reserve(&app, &olga, "olga-1").await, StatusCode::OK);
    let listed = people(&app, &admin).await;
    let entry = listed
        .iter()
        .find(|p| p.email == "olga@contoso.example")
        .unwrap();
    assert_eq!(entry.role, app::domain::Role::OnlineAdministrator);
}

// Removing an OLA deactivates them, and their open sessions end at once.
async fn removing_an_ola_ends_their_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let admin = app.signed_in(ADMIN).await;
    let ola = app.signed_in("ola@contoso.example").await;
    // A double click: both succeed, one deactivation is recorded.
    let ola_email = [("email", "ola@contoso.example")];
    let (response, twin) = tokio::join!(
        app.call_with("/api/deactivate-person", &ola_email, &admin),
        app.call_with("/api/deactivate-person", &ola_email, &admin)
    );
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(twin.status(), StatusCode::OK);
    assert_eq!(
        app.get("/", Some(&ola)).await.status(),
        StatusCode::FOUND,
        "the session ended"
    );
    assert_eq!(reserve(&app, &ola, "after").await, StatusCode::UNAUTHORIZED);
    let listed = people(&app, &admin).await;
    assert!(
        !listed
            .iter()
            .find(|p| p.email == "ola@contoso.example")
            .unwrap()
            .active
    );
    let trail: Vec<app::audit::AuditEntry> = app
        .call("/api/audit-trail", Some(&admin))
        .await
        .json::<app::lists::Page<app::audit::AuditEntry>>()
        .await
        .unwrap()
        .items;
    assert_eq!(trail[0].action, "OLA removed");
    assert_eq!(trail.len(), 1, "{trail:?}");
    let myself = app
        .call_with("/api/deactivate-person", &[("email", ADMIN)], &admin)
        .await;
    assert_eq!(myself.status(), StatusCode::CONFLICT);
}

// R3: the manage-reservation permission, granted and revoked per enrollment.
async fn granting_and_revoking_the_reservation_permission(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let admin = app.signed_in(ADMIN).await;
    let osm = app.signed_in("osm@contoso.example").await;
    assert_eq!(reserve(&app, &osm, "before").await, StatusCode::FORBIDDEN);
    let grant = |grant: &'static str| {
        [
            ("email", "osm@contoso.example"),
            ("enrollment", OWN),
            ("grant", grant),
        ]
    };
    for _ in 0..2 {
        let response = app
            .call_with("/api/reservation-permission", &grant("true"), &admin)
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(reserve(&app, &osm, "granted").await, StatusCode::OK);
    let listed = people(&app, &admin).await;
    let entry = listed
        .iter()
        .find(|p| p.email == "osm@contoso.example")
        .unwrap();
    assert_eq!(entry.reservation_enrollments, vec![OWN.to_string()]);
    assert_eq!(
        app.call_with("/api/reservation-permission", &grant("false"), &admin)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(reserve(&app, &osm, "revoked").await, StatusCode::FORBIDDEN);
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
            "Reservation permission revoked",
            "Reservation permission granted"
        ],
        "a repeated grant is recorded once"
    );

    let elsewhere = app
        .call_with(
            "/api/reservation-permission",
            &[
                ("email", "osm@contoso.example"),
                ("enrollment", OTHER),
                ("grant", "true"),
            ],
            &admin,
        )
        .await;
    assert_eq!(elsewhere.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: AppError = elsewhere.json().await.unwrap();
    assert!(error.for_field("enrollment").is_some());
    let not_osm = app
        .call_with(
            "/api/reservation-permission",
            &[
                ("email", "ola@contoso.example"),
                ("enrollment", OWN),
                ("grant", "true"),
            ],
            &admin,
        )
        .await;
    assert!(not_osm
        .json::<AppError>()
        .await
        .unwrap()
        .for_field("email")
        .unwrap()
        .contains("OSM"));
}

// Bad input gets a message next to its field, and nobody is invited.
async fn adding_a_person_checks_every_field(backend: Backend) {
    let app = spawn_app(backend).await;
    fixture(&app).await;
    let admin = app.signed_in(ADMIN).await;
    let base = new_ola("new@contoso.example");
    let set = |name: &'static str, value: &str| {
        let mut f = base.clone();
        f.retain(|(k, _)| *k != name);
        f.push((name, value.to_string()));
        f
    };
    let cases = [
        (set("display_name", ""), "display_name", "Enter a name"),
        (
            set("email", "not-an-email"),
            "email",
            "like name@example.com",
        ),
        (
            set("email", "pat@fabrikam.example"),
            "email",
            "already belongs to a portal account",
        ),
        (set("role", "support"), "role", "Choose a role"),
    ];
    let before = people(&app, &admin).await.len();
    for (fields, field, expected) in cases {
        let response = add(&app, &admin, &fields).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}"
        );
        let message = response
            .json::<AppError>()
            .await
            .unwrap()
            .for_field(field)
            .unwrap_or_default();
        assert!(message.contains(expected), "{field}: {message}");
    }
    assert_eq!(people(&app, &admin).await.len(), before);
    assert_eq!(pending(&app, &admin).await, 0, "nobody was invited");
}

// Only the organisation's VLSC administrator manages its people; another
// organisation's users cannot be reached.
async fn only_the_vlsc_administrator_manages_people(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app).await;
    for (email, _) in USERS.iter().filter(|(e, _)| *e != ADMIN) {
        let cookie = app.signed_in(email).await;
        // Support invites its own colleagues, never an OLA.
        let refused = if *email == "support@ops.example" {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(
            add(&app, &cookie, &new_ola("x@contoso.example"))
                .await
                .status(),
            refused,
            "{email}"
        );
        let deactivate = app
            .call_with(
                "/api/deactivate-person",
                &[("email", "ola@contoso.example")],
                &cookie,
            )
            .await;
        assert_eq!(deactivate.status(), StatusCode::FORBIDDEN, "{email}");
        let grant = app
            .call_with(
                "/api/reservation-permission",
                &[
                    ("email", "osm@contoso.example"),
                    ("enrollment", OWN),
                    ("grant", "true"),
                ],
                &cookie,
            )
            .await;
        assert_eq!(grant.status(), StatusCode::FORBIDDEN, "{email}");
        assert_eq!(
            app.call("/api/organisation-enrollments", Some(&cookie))
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
    }
    app.create_user_in(
        f.other.customer_id.0,
        "ola@northwind.example",
        app::domain::Role::OnlineAdministrator,
    )
    .await;
    let admin = app.signed_in(ADMIN).await;
    let response = app
        .call_with(
            "/api/deactivate-person",
            &[("email", "ola@northwind.example")],
            &admin,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let northwind_ola = app.signed_in("ola@northwind.example").await;
    assert_eq!(
        app.get("/", Some(&northwind_ola)).await.status(),
        StatusCode::OK
    );
}

both_backends!(
    a_vlsc_administrator_invites_an_ola_who_can_then_reserve,
    removing_an_ola_ends_their_sessions,
    granting_and_revoking_the_reservation_permission,
    adding_a_person_checks_every_field,
    only_the_vlsc_administrator_manages_people,
);
