//! A customer with an enrollment, another customer with one, a partner of the
//! first, and a user per role: the ground for scoping and R3 tests.

use crate::helpers::TestApp;
use app::access::VisibleEnrollment;
use app::domain::{ContactType, OrganisationKind, Quantity, Role};
use app::domain::{EnrollmentId, OrganisationId};
use app::enrollments::records::{
    ensure_contact, ensure_enrollment, grant_reservation_permission, NewEnrollment,
};
use app::orders::ssr::{product_by_code, record, NewOrder, OrderKind};
use app::people::ssr::ensure_partner_serves;
use time::{Date, Duration};

pub const OWN: &str = "70000001";
pub const OTHER: &str = "80000001";

pub struct Fixture {
    pub own: VisibleEnrollment,
    pub other: VisibleEnrollment,
    pub partner: i64,
}

/// A demo user of each role; the email names the role.
pub const USERS: [(&str, Role); 7] = [
    ("admin@contoso.example", Role::VlscAdministrator),
    ("ola@contoso.example", Role::OnlineAdministrator),
    ("osm-permitted@contoso.example", Role::OnlineServicesManager),
    ("osm@contoso.example", Role::OnlineServicesManager),
    ("pat@fabrikam.example", Role::PartnerUser),
    ("support@ops.example", Role::SupportAgent),
    ("roc@ops.example", Role::RocOperator),
];

pub async fn fixture(app: &TestApp) -> Fixture {
    let other_customer = app
        .create_organisation("Northwind", OrganisationKind::Customer)
        .await;
    let partner = app
        .create_organisation("Fabrikam", OrganisationKind::Partner)
        .await;
    let other_partner = app
        .create_organisation("Litware", OrganisationKind::Partner)
        .await;
    let operator = app
        .create_organisation("Operations", OrganisationKind::Operator)
        .await;
    ensure_partner_serves(&app.db, partner, app.customer_id)
        .await
        .unwrap();
    ensure_partner_serves(&app.db, other_partner, other_customer)
        .await
        .unwrap();
    let start = app.clock.now_date() - Duration::days(100);
    let end = start + Duration::days(1000);
    let own_id = ensure_enrollment(
        &app.db,
        NewEnrollment {
            number: OWN,
            agreement_number: "AG-OWN",
            name: "Contoso main",
            customer_id: app.customer_id,
            partner_id: partner,
            start_date: start,
            end_date: end,
        },
    )
    .await
    .unwrap();
    let other_id = ensure_enrollment(
        &app.db,
        NewEnrollment {
            number: OTHER,
            agreement_number: "AG-OTHER",
            name: "Northwind main",
            customer_id: other_customer,
            partner_id: other_partner,
            start_date: start,
            end_date: end,
        },
    )
    .await
    .unwrap();
    ensure_contact(
        &app.db,
        own_id,
        ContactType::OnlineServicesManager,
        "Sam",
        "osm@contoso.example",
        "+1 425 555 0100",
    )
    .await
    .unwrap();
    for (email, role) in USERS {
        let org = match role.organisation_kind() {
            OrganisationKind::Customer => app.customer_id,
            OrganisationKind::Partner => partner,
            OrganisationKind::Operator => operator,
        };
        let id = app.create_user_in(org, email, role).await;
        if email == "osm-permitted@contoso.example" {
            grant_reservation_permission(&app.db, own_id, id)
                .await
                .unwrap();
        }
    }
    Fixture {
        own: VisibleEnrollment {
            id: EnrollmentId(own_id),
            number: OWN.into(),
            customer_id: OrganisationId(app.customer_id),
            partner_id: OrganisationId(partner),
        },
        other: VisibleEnrollment {
            id: EnrollmentId(other_id),
            number: OTHER.into(),
            customer_id: OrganisationId(other_customer),
            partner_id: OrganisationId(other_partner),
        },
        partner,
    }
}

/// Records a reservation directly, starting `days` from the test clock's today.
pub async fn reservation(
    app: &TestApp,
    enrollment: &VisibleEnrollment,
    days: i64,
    key: &str,
) -> String {
    let today: Date = app.clock.now_date();
    let product = product_by_code(&app.db, "M365-E3", "product")
        .await
        .unwrap();
    record(
        &app.db,
        NewOrder {
            kind: OrderKind::Reservation,
            enrollment,
            purchase_date: today,
            usage_start_date: today + Duration::days(days),
            lines: vec![(product, Quantity::parse("5").unwrap())],
            placed_by: None,
            placed_at: 0,
            request_key: &format!("fixture-reservation-{key}"),
        },
    )
    .await
    .unwrap()
}

/// How many orders and reservations exist.
pub async fn order_count(app: &TestApp) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM orders")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

/// The status of an order.
pub async fn order_status(app: &TestApp, number: &str) -> String {
    sqlx::query_scalar::<_, String>("SELECT status FROM orders WHERE order_number = $1")
        .bind(number)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}
