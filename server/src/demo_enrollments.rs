//! The demo enrollments: each shows one case of R11 on its own, named so a
//! person can tell them apart.

use app::access::VisibleEnrollment;
use app::db::Db;
use app::domain::{add_months, ContactType, Quantity};
use app::domain::{EnrollmentId, OrganisationId};
use app::enrollments::records::{
    associate_account, ensure_contact, ensure_enrollment, ensure_online_account,
    grant_reservation_permission, NewEnrollment,
};
use app::orders::ssr::{product_by_code, record, NewOrder, OrderKind};
use app::AppError;
use time::{Date, Duration, OffsetDateTime};

/// Who the demo enrollments belong to.
pub struct DemoParties {
    pub contoso: i64,
    pub northwind: i64,
    pub fabrikam: i64,
    pub osm_user: i64,
}

struct DemoEnrollment {
    number: &'static str,
    name: &'static str,
    osm: Option<&'static str>,
}

/// The R11 cases, one enrollment each (numbers 10000001…), two enrollments
/// without orders on which to try the whole activation journey, and two on
/// which to try contact changes (R7), and pairs for the support console's
/// tickets (R5, R9, R10), without disturbing the others.
const CASES: [DemoEnrollment; 18] = [
    DemoEnrollment {
        number: "10000001",
        name: "Online order awaiting activation",
        osm: Some("osm@contoso.example"),
    },
    DemoEnrollment {
        number: "10000002",
        name: "No OSM: the NTC receives the email",
        osm: None,
    },
    DemoEnrollment {
        number: "10000003",
        name: "On-premises products only",
        osm: Some("osm@contoso.example"),
    },
    DemoEnrollment {
        number: "10000004",
        name: "Already associated with an online account",
        osm: Some("osm@contoso.example"),
    },
    DemoEnrollment {
        number: "10000005",
        name: "Usage start date in the future",
        osm: Some("osm@contoso.example"),
    },
    DemoEnrollment {
        number: "10000006",
        name: "OSM administers an existing online account",
        osm: Some("it-admin@contoso.example"),
    },
    DemoEnrollment {
        number: "10000007",
        name: "No order placed yet",
        osm: Some("osm@contoso.example"),
    },
    DemoEnrollment {
        number: "10000008",
        name: "Purchased over six months ago",
        osm: Some("osm@contoso.example"),
    },
    DemoEnrollment {
        number: "10000009",
        name: "Ready for a first online order",
        osm: Some("osm@contoso.example"),
    },
    DemoEnrollment {
        number: "10000010",
        name: "Ready for a first online order (second)",
        osm: Some("osm@contoso.example"),
    },
    DemoEnrollment {
        number: "10000011",
        name: "Ready for contact changes",
        osm: Some("osm@contoso.example"),
    },
    DemoEnrollment {
        number: "10000012",
        name: "Ready for contact changes (second)",
        osm: Some("osm@contoso.example"),
    },
    DemoEnrollment {
        number: "10000013",
        name: "OSM address with a typo",
        osm: Some("sam.servces@contoso.example"),
    },
    DemoEnrollment {
        number: "10000014",
        name: "OSM address with a typo (second)",
        osm: Some("sam.servces@contoso.example"),
    },
    DemoEnrollment {
        number: "10000015",
        name: "Activation link expired",
        osm: Some("osm@contoso.example"),
    },
    DemoEnrollment {
        number: "10000016",
        name: "Activation link expired (second)",
        osm: Some("osm@contoso.example"),
    },
    DemoEnrollment {
        number: "10000017",
        name: "Licenses on the wrong online account",
        osm: Some("osm@contoso.example"),
    },
    DemoEnrollment {
        number: "10000018",
        name: "Licenses on the wrong online account (second)",
        osm: Some("osm@contoso.example"),
    },
];

async fn order(
    db: &Db,
    enrollment: &VisibleEnrollment,
    key: &str,
    purchase: Date,
    usage_start: Date,
    lines: &[(&str, u32)],
    at: i64,
) -> Result<(), AppError> {
    let mut resolved = Vec::new();
    for (code, quantity) in lines {
        let product = product_by_code(db, code, "product").await?;
        let quantity = Quantity::parse(&quantity.to_string()).map_err(|_| AppError::Internal)?;
        resolved.push((product, quantity));
    }
    record(
        db,
        NewOrder {
            kind: OrderKind::Order,
            enrollment,
            purchase_date: purchase,
            usage_start_date: usage_start,
            lines: resolved,
            placed_by: None,
            placed_at: at,
            request_key: key,
        },
    )
    .await?;
    Ok(())
}

/// Loads the demo enrollments, their contacts, orders and accounts; safe to run again.
pub async fn seed_enrollments(
    db: &Db,
    parties: &DemoParties,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let today = now.date();
    let at = now.unix_timestamp();
    let start = today - Duration::days(400);
    let end = add_months(start, 36);
    let mut enrollments = Vec::new();
    for case in &CASES {
        let id = ensure_enrollment(
            db,
            NewEnrollment {
                number: case.number,
                agreement_number: "01E73970",
                name: case.name,
                customer_id: parties.contoso,
                partner_id: parties.fabrikam,
                start_date: start,
                end_date: end,
            },
        )
        .await?;
        ensure_contact(
            db,
            id,
            ContactType::Primary,
            "Priya Primary",
            "pri@contoso.example",
            "+1 425 555 0101",
        )
        .await?;
        ensure_contact(
            db,
            id,
            ContactType::Notices,
            "Nico Notices",
            "ntc@contoso.example",
            "+1 425 555 0102",
        )
        .await?;
        ensure_contact(
            db,
            id,
            ContactType::BillTo,
            "Bea Billing",
            "billing@contoso.example",
            "+1 425 555 0104",
        )
        .await?;
        if let Some(osm) = case.osm {
            ensure_contact(
                db,
                id,
                ContactType::OnlineServicesManager,
                "Sam Services",
                osm,
                "+1 425 555 0103",
            )
            .await?;
        }
        enrollments.push(VisibleEnrollment {
            id: EnrollmentId(id),
            number: case.number.to_string(),
            customer_id: OrganisationId(parties.contoso),
            partner_id: OrganisationId(parties.fabrikam),
        });
    }
    grant_reservation_permission(db, enrollments[0].id.0, parties.osm_user).await?;

    let e = &enrollments;
    order(
        db,
        &e[0],
        "demo-order-10000001-1",
        today,
        today,
        &[("M365-E3", 25)],
        at,
    )
    .await?;
    order(
        db,
        &e[1],
        "demo-order-10000002-1",
        today,
        today,
        &[("EXO-P1", 40)],
        at,
    )
    .await?;
    order(
        db,
        &e[2],
        "demo-order-10000003-1",
        today,
        today,
        &[("WINSRV-DC", 8), ("SQL-ENT", 4)],
        at,
    )
    .await?;
    let account = ensure_online_account(
        db,
        "contoso.onmicrosoft.example",
        "ga@contoso.example",
        "ba@contoso.example",
        at,
    )
    .await?;
    associate_account(db, e[3].id.0, account, at).await?;
    order(
        db,
        &e[3],
        "demo-order-10000004-1",
        today,
        today,
        &[("M365-E5", 10)],
        at,
    )
    .await?;
    order(
        db,
        &e[4],
        "demo-order-10000005-1",
        today,
        add_months(today, 2),
        &[("M365-E3", 60)],
        at,
    )
    .await?;
    ensure_online_account(
        db,
        "contoso-it.onmicrosoft.example",
        "it-admin@contoso.example",
        "ba@contoso.example",
        at,
    )
    .await?;
    order(
        db,
        &e[5],
        "demo-order-10000006-1",
        today,
        today,
        &[("TEAMS-ESS", 30)],
        at,
    )
    .await?;
    let long_ago = today - Duration::days(240);
    order(
        db,
        &e[7],
        "demo-order-10000008-1",
        long_ago,
        long_ago,
        &[("M365-E3", 15)],
        at,
    )
    .await?;

    seed_support_cases(db, e, account, today, at).await?;

    let other = ensure_enrollment(
        db,
        NewEnrollment {
            number: "20000001",
            agreement_number: "02N11842",
            name: "Northwind main enrollment",
            customer_id: parties.northwind,
            partner_id: parties.fabrikam,
            start_date: start,
            end_date: end,
        },
    )
    .await?;
    ensure_contact(
        db,
        other,
        ContactType::Notices,
        "Noor Northwind",
        "ntc@northwind.example",
        "+44 20 5550 0102",
    )
    .await?;
    Ok(())
}

/// The support console's demo cases: OSM addresses with a typo and a first
/// order (R5), links that expired (R9), enrollments on the wrong account
/// (R10), and a VLSC copy of a contact that differs from eMSL.
async fn seed_support_cases(
    db: &Db,
    e: &[VisibleEnrollment],
    right_account: i64,
    today: Date,
    at: i64,
) -> Result<(), AppError> {
    for (i, enrollment) in e[12..14].iter().enumerate() {
        let key = format!("demo-order-typo-{i}");
        order(db, enrollment, &key, today, today, &[("M365-E3", 12)], at).await?;
    }
    let long_ago = today - Duration::days(220);
    for (i, enrollment) in e[14..16].iter().enumerate() {
        let key = format!("demo-order-expired-{i}");
        order(
            db,
            enrollment,
            &key,
            long_ago,
            long_ago,
            &[("EXO-P1", 20)],
            at,
        )
        .await?;
    }
    let wrong = ensure_online_account(
        db,
        "contoso-it.onmicrosoft.example",
        "it-admin@contoso.example",
        "ba@contoso.example",
        at,
    )
    .await?;
    debug_assert_ne!(wrong, right_account);
    for enrollment in &e[16..18] {
        associate_account(db, enrollment.id.0, wrong, at).await?;
    }
    // VLSC shows an old PRI address on 10000007 until support re-syncs it
    // (never again once synced: a synced copy has a sync time).
    sqlx::query(
        "UPDATE contact_copies SET email = 'priya.old@contoso.example' WHERE enrollment_id = $1 \
         AND contact_type = 'pri' AND system = 'vlsc' AND synced_at = 0",
    )
    .bind(e[6].id)
    .execute(db.writer())
    .await
    .map_err(AppError::from)?;
    Ok(())
}
