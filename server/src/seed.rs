//! Demo data: one organisation of each kind and one account per role.
//! Loading it twice changes nothing.

use crate::demo_enrollments::{seed_enrollments, DemoParties};
use app::db::Db;
use app::domain::{OrganisationKind, Role};
use app::people::ssr::{ensure_organisation, ensure_partner_serves, ensure_user, NewUser};
use app::AppError;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "Demo-portal-2026";

/// The two-step sign-in secrets of the demo's privileged accounts (printed in
/// the README): `server two-step-code SECRET` prints the current code, so a
/// tester needs no phone.
pub const DEMO_TWO_STEP_SECRETS: [(&str, &str); 4] = [
    ("admin@contoso.example", "DEMOADMINCONTOSOTWOSTEPSECRET234"),
    (
        "support@vl-operations.example",
        "DEMOSUPPORTAGENTTWOSTEPSECRET234",
    ),
    (
        "roc@vl-operations.example",
        "DEMOROCOPERATORTWOSTEPSECRET2345",
    ),
    (
        "admin@northwind.example",
        "DEMOADMINNORTHWINDTWOSTEPSECRET2",
    ),
];

/// A demo account: role, email and name.
pub struct DemoAccount {
    pub role: Role,
    pub email: &'static str,
    pub name: &'static str,
}

/// One account per role, as listed in the README.
pub const DEMO_ACCOUNTS: [DemoAccount; 6] = [
    DemoAccount {
        role: Role::VlscAdministrator,
        email: "admin@contoso.example",
        name: "Avery Admin",
    },
    DemoAccount {
        role: Role::OnlineAdministrator,
        email: "ola@contoso.example",
        name: "Olu Online",
    },
    DemoAccount {
        role: Role::OnlineServicesManager,
        email: "osm@contoso.example",
        name: "Sam Services",
    },
    DemoAccount {
        role: Role::PartnerUser,
        email: "partner@fabrikam.example",
        name: "Pat Partner",
    },
    DemoAccount {
        role: Role::SupportAgent,
        email: "support@vl-operations.example",
        name: "Sky Support",
    },
    DemoAccount {
        role: Role::RocOperator,
        email: "roc@vl-operations.example",
        name: "Robin Operations",
    },
];

/// The customer the demo accounts belong to.
pub const DEMO_CUSTOMER: &str = "Contoso Ltd";
/// A second customer of the same partner, to show scoping.
pub const OTHER_CUSTOMER: &str = "Northwind Traders";
/// The partner serving both customers.
pub const DEMO_PARTNER: &str = "Fabrikam Licensing Partners";
/// The operator's own organisation (support and ROC).
pub const OPERATOR: &str = "Volume Licensing Operations";

/// Loads the demo data; safe to run again.
pub async fn seed_demo(db: &Db) -> Result<(), AppError> {
    seed_demo_at(db, time::OffsetDateTime::now_utc()).await
}

/// Loads the demo data with dates relative to `now`.
pub async fn seed_demo_at(db: &Db, now: time::OffsetDateTime) -> Result<(), AppError> {
    let contoso = ensure_organisation(db, DEMO_CUSTOMER, OrganisationKind::Customer).await?;
    let northwind = ensure_organisation(db, OTHER_CUSTOMER, OrganisationKind::Customer).await?;
    let fabrikam = ensure_organisation(db, DEMO_PARTNER, OrganisationKind::Partner).await?;
    let operator = ensure_organisation(db, OPERATOR, OrganisationKind::Operator).await?;
    ensure_partner_serves(db, fabrikam, contoso).await?;
    ensure_partner_serves(db, fabrikam, northwind).await?;
    let mut osm_user = 0;
    for account in &DEMO_ACCOUNTS {
        let organisation_id = match account.role.organisation_kind() {
            OrganisationKind::Customer => contoso,
            OrganisationKind::Partner => fabrikam,
            OrganisationKind::Operator => operator,
        };
        let id = ensure_user(
            db,
            NewUser {
                organisation_id,
                email: account.email,
                display_name: account.name,
                role: account.role,
                password: DEMO_PASSWORD,
            },
        )
        .await?;
        if account.role == Role::OnlineServicesManager {
            osm_user = id;
        }
    }
    ensure_user(
        db,
        NewUser {
            organisation_id: northwind,
            email: "admin@northwind.example",
            display_name: "Noor Northwind",
            role: Role::VlscAdministrator,
            password: DEMO_PASSWORD,
        },
    )
    .await?;
    let enrolled_at = now.unix_timestamp();
    for (email, secret) in DEMO_TWO_STEP_SECRETS {
        sqlx::query(
            "UPDATE users SET totp_secret = $1, totp_enabled_at = $2 WHERE email = $3 AND totp_secret IS NULL",
        )
        .bind(secret)
        .bind(enrolled_at)
        .bind(email)
        .execute(db.writer())
        .await?;
    }
    let parties = DemoParties {
        contoso,
        northwind,
        fabrikam,
        osm_user,
    };
    seed_enrollments(db, &parties, now).await
}
