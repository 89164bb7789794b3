//! One authorisation matrix: every server function × every caller (anonymous
//! and one user per role) × (the caller's own organisation's data, another
//! organisation's data), and every page route per caller.
//!
//! A cell says whether the call got past authorisation (`A`), or was refused
//! as forbidden (`F`, 403), not found (`N`, 404) or unauthenticated (`U`, 401).
//! State-changing calls may change state between cells, so `A` means "passed
//! authorisation": any answer other than 401, 403 and 404 (200, 409, 422…).
//! A server function registered without a row fails the test, and every cell
//! that differs is listed at the end.

use crate::activation::{link_token, mailbox_bodies, order};
use crate::both_backends;
use crate::fixture::{fixture, reservation, Fixture, OTHER, OWN};
use crate::helpers::{form, spawn_app, Backend, TestApp};
use app::domain::{format_date, ContactType, Role};
use app::enrollments::records::{associate_account, ensure_contact, ensure_online_account};
use reqwest::StatusCode;
use std::collections::BTreeSet;
use time::Duration;

/// The callers, in the order of a row's cells.
const CALLERS: [&str; 8] = [
    "anonymous",
    "admin@contoso.example",
    "ola@contoso.example",
    "osm-permitted@contoso.example",
    "osm@contoso.example",
    "pat@fabrikam.example",
    "support@ops.example",
    "roc@ops.example",
];

/// The support agent's place in [`CALLERS`].
const SUPPORT: usize = 6;

/// The other organisation's people the rows aim at.
const OTHER_PARTNER_USER: &str = "lee@litware.example";
const OTHER_ADMIN: &str = "admin@northwind.example";
const OTHER_OSM: &str = "osm@northwind.example";
pub(crate) const SPARE_OWN: &str = "spare@contoso.example";
const OTHER_NAME: &str = "Northwind main";
/// The online accounts support remaps both enrollments from and to (R10).
const REMAP_FROM: &str = "wrong.onmicrosoft.example";
pub(crate) const REMAP_TO: &str = "right.onmicrosoft.example";

/// Answers that may name any organisation's enrollment, whoever asks.
const NAME_ANY_ENROLLMENT: [&str; 2] = [
    // The activation link is the capability: its holder learns which
    // enrollment it activates, signed in or not (R12: the page names it).
    "/api/activation-link",
    "/api/account-preview",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Own,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// Passed authorisation: anything but 401, 403 and 404.
    Allowed,
    Forbidden,
    NotFound,
    Unauthenticated,
}

impl Answer {
    fn of(status: StatusCode) -> Self {
        match status.as_u16() {
            401 => Answer::Unauthenticated,
            403 => Answer::Forbidden,
            404 => Answer::NotFound,
            _ => Answer::Allowed,
        }
    }

    fn letter(self) -> char {
        match self {
            Answer::Allowed => 'A',
            Answer::Forbidden => 'F',
            Answer::NotFound => 'N',
            Answer::Unauthenticated => 'U',
        }
    }
}

/// `"U AAA F A FF"`: one letter per caller of [`CALLERS`]; spaces are for the eye.
fn cells(spec: &str) -> [Answer; 8] {
    let letters: Vec<Answer> = spec
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            'A' => Answer::Allowed,
            'F' => Answer::Forbidden,
            'N' => Answer::NotFound,
            'U' => Answer::Unauthenticated,
            other => panic!("unknown cell {other:?} in {spec:?}"),
        })
        .collect();
    letters
        .try_into()
        .unwrap_or_else(|_| panic!("{spec:?} needs one cell per caller"))
}

/// What a row's argument builder knows about the call it builds.
struct Call<'a> {
    ctx: &'a Ctx,
    target: Target,
    /// Unique to this call: for request keys and new names.
    key: String,
    /// The caller's email (the admin's for anonymous).
    email: &'a str,
}

impl Call<'_> {
    fn number(&self) -> String {
        match self.target {
            Target::Own => OWN.into(),
            Target::Other => OTHER.into(),
        }
    }
    fn pick(&self, pair: &[String; 2]) -> String {
        match self.target {
            Target::Own => pair[0].clone(),
            Target::Other => pair[1].clone(),
        }
    }
}

type Args = fn(&Call) -> Vec<(&'static str, String)>;

/// How a row's caller is signed in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Session {
    /// The caller's session, shared with the other rows.
    Shared,
    /// A session of its own (the call ends or replaces it).
    Fresh,
}

struct Row {
    path: &'static str,
    args: Args,
    session: Session,
    own: &'static str,
    /// `None`: the function has no organisation to aim at; one column is enough.
    other: Option<&'static str>,
}

fn row(path: &'static str, args: Args, own: &'static str, other: &'static str) -> Row {
    Row {
        path,
        args,
        session: Session::Shared,
        own,
        other: Some(other),
    }
}

/// A row for a function without an organisation target.
fn untargeted(path: &'static str, args: Args, cells: &'static str) -> Row {
    Row {
        path,
        args,
        session: Session::Shared,
        own: cells,
        other: None,
    }
}

fn none(_: &Call) -> Vec<(&'static str, String)> {
    Vec::new()
}

fn reserve_args(c: &Call) -> Vec<(&'static str, String)> {
    vec![
        ("enrollment", c.number()),
        ("product", "M365-E3".into()),
        ("quantity", "5".into()),
        ("usage_start_date", c.ctx.in_30_days.clone()),
        ("request_key", c.key.clone()),
    ]
}

fn cicr_args(c: &Call) -> Vec<(&'static str, String)> {
    bill_to_change(&c.number(), &c.key)
}

/// A bill-to CICR (R7: it waits for ROC), as the partner's form posts it.
fn bill_to_change(number: &str, key: &str) -> Vec<(&'static str, String)> {
    vec![
        ("enrollment", number.into()),
        ("contact", "bill_to".into()),
        ("name", "Robin Bill".into()),
        ("email", "robin@contoso.example".into()),
        ("phone", "+1 425 555 0199".into()),
        ("reason", "New accounts payable contact".into()),
        ("billing_address", "1 Microsoft Way".into()),
        ("billing_city", "Redmond".into()),
        ("billing_postal_code", "98052".into()),
        ("billing_country", "United States".into()),
        ("versions", String::new()),
        ("request_key", key.into()),
    ]
}

fn activation_args(c: &Call) -> Vec<(&'static str, String)> {
    vec![
        ("token", c.pick(&c.ctx.token)),
        ("domain", "matrix.onmicrosoft.example".into()),
        ("admin_email", "ga@matrix.example".into()),
    ]
}

/// The matrix. Callers: anonymous, admin, ola, osm-permitted, osm, partner
/// (Fabrikam, which serves OWN), support, roc. OWN is Contoso's enrollment;
/// OTHER is Northwind's, served by another partner.
fn matrix() -> Vec<Row> {
    vec![
        // Signing in and out, and who is signed in: open to everyone.
        untargeted("/api/current-user", none, "A AAAA A AA"),
        Row {
            session: Session::Fresh,
            ..untargeted(
                "/api/sign-in",
                |c| {
                    vec![
                        ("email", c.email.into()),
                        ("password", crate::helpers::PASSWORD.into()),
                        ("next", "/".into()),
                    ]
                },
                "A AAAA A AA",
            )
        },
        Row {
            session: Session::Fresh,
            ..untargeted("/api/sign-out", none, "A AAAA A AA")
        },
        // Enrollments: customers see their own, partners those they serve,
        // support and ROC every one.
        row(
            "/api/enrollments",
            |c| vec![("q", c.number())],
            "U AAAA A AA",
            "U AAAA A AA",
        ),
        row(
            "/api/enrollment",
            |c| vec![("number", c.number())],
            "U AAAA A AA",
            "U NNNN N AA",
        ),
        // R11: the organisation's administrator, the enrollment's OSM and NTC,
        // its partner and support.
        row(
            "/api/diagnose",
            |c| vec![("number", c.number())],
            "U AFFA A AF",
            "U NNNN N AF",
        ),
        // The demo mailbox (no SMTP server set): support reads every message,
        // a VLSC administrator their organisation's.
        untargeted("/api/mailbox", none, "U AFFF F AF"),
        // The home page's items: everyone's own.
        untargeted("/api/attention", none, "U AAAA A AA"),
        // R3: administrators, OLAs and OSMs holding the permission, on their own
        // organisation's enrollments; read-only for everyone else.
        row("/api/reserve", reserve_args, "U AAAF F FF", "U NNNN N FF"),
        row(
            "/api/cancel-reservation",
            |c| vec![("order_number", c.pick(&c.ctx.reservation))],
            "U AAAF F FF",
            "U NNNN N FF",
        ),
        untargeted("/api/reservations", none, "U AAAA A AA"),
        // Orders: the enrollment's own partner only.
        row(
            "/api/place-order",
            |c| {
                vec![
                    ("enrollment", c.number()),
                    ("product_1", "M365-E3".into()),
                    ("quantity_1", "5".into()),
                    ("purchase_date", c.ctx.today.clone()),
                    ("usage_start_date", c.ctx.today.clone()),
                    ("request_key", c.key.clone()),
                ]
            },
            "U FFFF A FF",
            "U FFFF N FF",
        ),
        // People management and the audit trail: the VLSC administrator's.
        untargeted("/api/audit-trail", none, "U AFFF F FF"),
        // Support reads its own organisation's security events (its agents').
        untargeted("/api/security-events", none, "U AFFF F AF"),
        untargeted("/api/people", none, "U AFFF F FF"),
        untargeted("/api/organisation-enrollments", none, "U AFFF F FF"),
        // Invitations: the organisation's administrators invite; support
        // invites a customer organisation's first administrator (Northwind
        // has one already, so support's call is refused as invalid input).
        untargeted(
            "/api/invite-person",
            |c| {
                vec![
                    ("display_name", "Matrix Person".into()),
                    ("email", format!("{}@contoso.example", c.key)),
                    ("role", "ola".into()),
                ]
            },
            "U AFFF F AF",
        ),
        untargeted(
            "/api/invite-first-administrator",
            |c| {
                vec![
                    ("organisation", c.ctx.other_organisation.to_string()),
                    ("display_name", "Matrix Person".into()),
                    ("email", format!("{}@northwind.example", c.key)),
                ]
            },
            "U FFFF F AF",
        ),
        untargeted("/api/invitations", none, "U AFFF F AF"),
        row(
            "/api/resend-invitation",
            |c| vec![("id", c.pick(&c.ctx.invitation))],
            "U AFFF F AF",
            "U NFFF F AF",
        ),
        row(
            "/api/withdraw-invitation",
            |c| vec![("id", c.pick(&c.ctx.invitation))],
            "U AFFF F AF",
            "U NFFF F AF",
        ),
        // Links by email, your own password and sessions: anyone holding the
        // link; anyone signed in, for themselves.
        untargeted(
            "/api/invitation",
            |_| vec![("token", "k1.00".into())],
            "A AAAA A AA",
        ),
        untargeted(
            "/api/accept-invitation",
            |_| {
                vec![
                    ("token", "k1.00".into()),
                    ("password", "a long new password".into()),
                ]
            },
            "A AAAA A AA",
        ),
        untargeted(
            "/api/forgot-password",
            |c| vec![("email", c.email.into())],
            "A AAAA A AA",
        ),
        untargeted(
            "/api/reset-link",
            |_| vec![("token", "k1.00".into())],
            "A AAAA A AA",
        ),
        untargeted(
            "/api/reset-password",
            |_| {
                vec![
                    ("token", "k1.00".into()),
                    ("password", "a long new password".into()),
                ]
            },
            "A AAAA A AA",
        ),
        untargeted(
            "/api/change-password",
            // A wrong current password: the matrix's callers keep theirs.
            |_| {
                vec![
                    ("current_password", "not the current one".into()),
                    ("new_password", "a long new password".into()),
                ]
            },
            "U AAAA A AA",
        ),
        untargeted("/api/my-sessions", none, "U AAAA A AA"),
        // Two-step sign-in: setting up needs a session (these callers are not
        // enrolled); the code step needs a sign-in waiting for it, which none
        // of these sessions is (409); resetting is the administrator's.
        untargeted("/api/two-step-setup", none, "U AAAA A AA"),
        untargeted(
            "/api/confirm-two-step",
            |_| vec![("code", "123456".into())],
            "U AAAA A AA",
        ),
        untargeted("/api/recovery-codes", none, "U AAAA A AA"),
        untargeted(
            "/api/sign-in-code",
            |_| vec![("code", "123456".into())],
            "A AAAA A AA",
        ),
        untargeted("/api/two-step-status", none, "U AAAA A AA"),
        untargeted(
            "/api/reset-two-step",
            |_| vec![("email", SPARE_OWN.into())],
            "U AFFF F FF",
        ),
        untargeted(
            "/api/end-session",
            |_| vec![("id", "0".into())],
            "U AAAA A AA",
        ),
        row(
            "/api/deactivate-person",
            |c| {
                vec![(
                    "email",
                    match c.target {
                        Target::Own => SPARE_OWN.into(),
                        Target::Other => OTHER_ADMIN.into(),
                    },
                )]
            },
            "U AFFF F FF",
            "U NFFF F FF",
        ),
        row(
            "/api/reservation-permission",
            |c| {
                let email = match c.target {
                    Target::Own => "osm-permitted@contoso.example",
                    Target::Other => OTHER_OSM,
                };
                vec![
                    ("email", email.into()),
                    ("enrollment", c.number()),
                    ("grant", "true".into()),
                ]
            },
            "U AFFF F FF",
            "U NFFF F FF",
        ),
        // Partners list their customers; support and ROC every organisation.
        untargeted("/api/customers", none, "U FFFF A FF"),
        untargeted("/api/organisations", none, "U FFFF F AA"),
        untargeted("/api/organisation-choices", none, "U FFFF F AF"),
        // Contact changes (R6, R7): the enrollment's partner requests; the
        // tracker is scoped like the enrollment; ROC decides manual ones.
        row(
            "/api/request-contact-change",
            cicr_args,
            "U FFFF A FF",
            "U NNNN N FF",
        ),
        row(
            "/api/contact-change",
            |c| vec![("reference", c.pick(&c.ctx.reference))],
            "U AAAA A AA",
            "U NNNN N AA",
        ),
        untargeted(
            "/api/contact-changes",
            |_| vec![("awaiting_roc", "false".into())],
            "U AAAA A AA",
        ),
        // The same function's ROC queue: operators only.
        untargeted(
            "/api/contact-changes",
            |_| vec![("awaiting_roc", "true".into())],
            "U FFFF F AA",
        ),
        row(
            "/api/decide-contact-change",
            |c| {
                vec![
                    ("reference", c.pick(&c.ctx.reference)),
                    ("decision", "reject".into()),
                    ("comment", "No signed form".into()),
                ]
            },
            "U FFFF F FA",
            "U FFFF F FA",
        ),
        // Tickets: the customer's users see their organisation's; support all.
        untargeted("/api/tickets", none, "U AAAA F AA"),
        row(
            "/api/ticket",
            |c| vec![("id", c.pick(&c.ctx.ticket))],
            "U AAAA F AA",
            "U NNNN F AA",
        ),
        // The support console: support agents only.
        untargeted("/api/support/form-key", none, "U FFFF F AF"),
        untargeted("/api/support/replication-issues", none, "U FFFF F AF"),
        row(
            "/api/support/enrollment",
            |c| vec![("number", c.number())],
            "U FFFF F AF",
            "U FFFF F AF",
        ),
        row(
            "/api/support/resend",
            |c| {
                vec![
                    ("enrollment", c.number()),
                    ("asked_by", "Ana, by phone".into()),
                    ("request_key", c.key.clone()),
                ]
            },
            "U FFFF F AF",
            "U FFFF F AF",
        ),
        row(
            "/api/support/send-for-ticket",
            |c| vec![("ticket", c.pick(&c.ctx.ticket))],
            "U FFFF F AF",
            "U FFFF F AF",
        ),
        row(
            "/api/support/correct-osm",
            |c| {
                let new_email = match c.target {
                    Target::Own => "sam.osm@contoso.example",
                    Target::Other => "nina.o@northwind.example",
                };
                vec![
                    ("enrollment", c.number()),
                    ("new_email", new_email.into()),
                    ("reason", "typo".into()),
                    ("asked_by", "Ana, by phone".into()),
                    ("request_key", c.key.clone()),
                ]
            },
            "U FFFF F AF",
            "U FFFF F AF",
        ),
        row(
            "/api/support/reactivate",
            |c| {
                vec![
                    ("enrollment", c.number()),
                    ("asked_by", "Ana, by phone".into()),
                    ("request_key", c.key.clone()),
                ]
            },
            "U FFFF F AF",
            "U FFFF F AF",
        ),
        row(
            "/api/support/remap-preview",
            |c| vec![("enrollment", c.number()), ("domain", REMAP_TO.into())],
            "U FFFF F AF",
            "U FFFF F AF",
        ),
        row(
            "/api/support/remap",
            |c| {
                vec![
                    ("enrollment", c.number()),
                    ("domain", REMAP_TO.into()),
                    ("asked_by", "Ana, by phone".into()),
                    ("request_key", c.key.clone()),
                ]
            },
            "U FFFF F AF",
            "U FFFF F AF",
        ),
        row(
            "/api/support/resync",
            |c| {
                vec![
                    ("enrollment", c.number()),
                    ("contact", "osm".into()),
                    ("system", "vlsc".into()),
                ]
            },
            "U FFFF F AF",
            "U FFFF F AF",
        ),
        // The activation link is the capability: whoever holds it may use it,
        // signed in or not. Last, as confirming binds the enrollment for good.
        row(
            "/api/activation-link",
            |c| vec![("token", c.pick(&c.ctx.token))],
            "A AAAA A AA",
            "A AAAA A AA",
        ),
        row(
            "/api/account-preview",
            activation_args,
            "A AAAA A AA",
            "A AAAA A AA",
        ),
        row(
            "/api/choose-account",
            activation_args,
            "A AAAA A AA",
            "A AAAA A AA",
        ),
        row(
            "/api/confirm-activation",
            activation_args,
            "A AAAA A AA",
            "A AAAA A AA",
        ),
    ]
}

/// The data the rows aim at: one of each on OWN (`[0]`) and on OTHER (`[1]`).
pub(crate) struct Ctx {
    pub(crate) today: String,
    pub(crate) in_30_days: String,
    /// Activation links, valid until a row confirms them.
    pub(crate) token: [String; 2],
    /// Reservations that may still be cancelled.
    pub(crate) reservation: [String; 2],
    /// Bill-to CICRs waiting for ROC.
    pub(crate) reference: [String; 2],
    /// Support tickets (resends).
    pub(crate) ticket: [String; 2],
    /// Pending invitations of a VLSC administrator, one per organisation.
    pub(crate) invitation: [String; 2],
    /// The other customer organisation's id.
    pub(crate) other_organisation: i64,
}

async fn ok_text(response: reqwest::Response, what: &str) -> String {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert!(status.is_success(), "{what}: {status} {body}");
    body
}

/// Activation links, reservations, CICRs and support tickets on both
/// enrollments, both associated with the online account [`REMAP_FROM`], and
/// the other organisation's people.
pub(crate) async fn ground(app: &TestApp, f: &Fixture) -> Ctx {
    ensure_contact(
        &app.db,
        f.other.id.0,
        ContactType::OnlineServicesManager,
        "Nina",
        "nina.osm@northwind.example",
        "+1 425 555 0300",
    )
    .await
    .unwrap();
    app.create_user_in(f.own.customer_id.0, SPARE_OWN, Role::OnlineAdministrator)
        .await;
    app.create_user_in(f.other.customer_id.0, OTHER_ADMIN, Role::VlscAdministrator)
        .await;
    app.create_user_in(
        f.other.customer_id.0,
        OTHER_OSM,
        Role::OnlineServicesManager,
    )
    .await;
    app.create_user_in(f.other.partner_id.0, OTHER_PARTNER_USER, Role::PartnerUser)
        .await;

    order(app, &f.own, &["M365-E3"], 0, "matrix-own").await;
    order(app, &f.other, &["M365-E3"], 0, "matrix-other").await;
    app.work().await;
    let bodies = mailbox_bodies(app).await;
    let token_of = |number: &str| {
        link_token(
            bodies
                .iter()
                .find(|b| b.contains(number))
                .unwrap_or_else(|| panic!("an activation email for {number}")),
        )
    };
    let token = [token_of(OWN), token_of(OTHER)];

    let from = ensure_online_account(&app.db, REMAP_FROM, "a@wrong.example", "a@wrong.example", 0)
        .await
        .unwrap();
    ensure_online_account(&app.db, REMAP_TO, "a@right.example", "a@right.example", 0)
        .await
        .unwrap();
    for enrollment in [&f.own, &f.other] {
        associate_account(&app.db, enrollment.id.0, from, 0)
            .await
            .unwrap();
    }

    let reservation = [
        reservation(app, &f.own, 30, "matrix-own").await,
        reservation(app, &f.other, 30, "matrix-other").await,
    ];

    let mut reference = Vec::new();
    for (partner, number) in [("pat@fabrikam.example", OWN), (OTHER_PARTNER_USER, OTHER)] {
        let cookie = app.signed_in(partner).await;
        let fields = bill_to_change(number, &format!("authorisation-ground-cicr-{number}"));
        let body = ok_text(
            post_raw(
                app,
                "/api/request-contact-change",
                &form_of(&fields),
                Some(&cookie),
            )
            .await,
            "a CICR for the ground",
        )
        .await;
        reference.push(serde_json::from_str::<String>(&body).unwrap());
    }

    let support = app.signed_in("support@ops.example").await;
    let mut ticket = Vec::new();
    for number in [OWN, OTHER] {
        let key = format!("authorisation-ground-ticket-{number}");
        let fields = [
            ("enrollment", number),
            ("asked_by", "Ana, by phone"),
            ("request_key", key.as_str()),
        ];
        let body = ok_text(
            app.call_with("/api/support/resend", &fields, &support)
                .await,
            "a support ticket for the ground",
        )
        .await;
        ticket.push(body.trim().to_string());
    }
    let mut invitation = Vec::new();
    for (admin, email) in [
        ("admin@contoso.example", "invited@contoso.example"),
        (OTHER_ADMIN, "invited@northwind.example"),
    ] {
        let cookie = app.signed_in(admin).await;
        let fields = [
            ("display_name", "Ivy Invited"),
            ("email", email),
            ("role", "vlsc_admin"),
        ];
        ok_text(
            app.call_with("/api/invite-person", &fields, &cookie).await,
            "an invitation for the ground",
        )
        .await;
        let pending: app::lists::Page<app::accounts::PendingInvitation> = app
            .call("/api/invitations", Some(&cookie))
            .await
            .json()
            .await
            .unwrap();
        invitation.push(pending.items[0].id.to_string());
    }
    let today = app.clock.now_date();
    Ctx {
        invitation: invitation.try_into().unwrap(),
        other_organisation: f.other.customer_id.0,
        today: format_date(today),
        in_30_days: format_date(today + Duration::days(30)),
        token,
        reservation,
        reference: reference.try_into().unwrap(),
        ticket: ticket.try_into().unwrap(),
    }
}

/// Whether `caller` may see every organisation's enrollments (support, ROC).
fn may_see_other(caller: &str) -> bool {
    caller.ends_with("@ops.example")
}

async fn server_functions_answer_as_the_matrix_says(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app).await;
    let ctx = ground(&app, &f).await;
    let rows = matrix();

    // Every registered server function has a row, and every row a function.
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        .collect();
    let listed: BTreeSet<String> = rows.iter().map(|r| r.path.to_string()).collect();
    let missing: Vec<&String> = registered.difference(&listed).collect();
    let stale: Vec<&String> = listed.difference(&registered).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "server functions without a row in the matrix: {missing:?}; rows without a function: {stale:?}"
    );

    let mut cookies = vec![None];
    for caller in &CALLERS[1..] {
        cookies.push(Some(app.signed_in(caller).await));
    }
    let mut mismatches = Vec::new();
    let mut table = String::new();
    for (r, row) in rows.iter().enumerate() {
        let columns: Vec<(Target, &str)> = match row.other {
            Some(other) => vec![(Target::Own, row.own), (Target::Other, other)],
            None => vec![(Target::Own, row.own)],
        };
        let mut line = format!("{:32}", row.path);
        for (target, spec) in columns {
            let expected = cells(spec);
            line.push(' ');
            for (i, caller) in CALLERS.iter().enumerate() {
                let call = Call {
                    ctx: &ctx,
                    target,
                    key: format!("authorisation-matrix-{r}-{i}-{target:?}").to_lowercase(),
                    email: if i == 0 {
                        "admin@contoso.example"
                    } else {
                        caller
                    },
                };
                let body = form_of(&(row.args)(&call));
                let cookie = match (row.session, &cookies[i]) {
                    (_, None) => None,
                    (Session::Shared, Some(c)) => Some(c.clone()),
                    (Session::Fresh, Some(_)) => Some(app.signed_in(caller).await),
                };
                let response = post_raw(&app, row.path, &body, cookie.as_deref()).await;
                let status = response.status();
                let body = response.text().await.unwrap_or_default();
                let actual = Answer::of(status);
                line.push(actual.letter());
                if i == 0 || i == 4 || i == 5 {
                    line.push(' ');
                }
                if status.is_server_error() {
                    mismatches.push(format!(
                        "{} as {caller} on {target:?}: {status} {body}",
                        row.path
                    ));
                } else if actual != expected[i] {
                    mismatches.push(format!(
                        "{} as {caller} on {target:?}: expected {:?}, got {status} {}",
                        row.path,
                        expected[i],
                        body.chars().take(200).collect::<String>()
                    ));
                }
                if status.is_success()
                    && i > 0
                    && !may_see_other(caller)
                    && !NAME_ANY_ENROLLMENT.contains(&row.path)
                    && (body.contains(OTHER_NAME) || body.contains(OTHER))
                {
                    mismatches.push(format!(
                        "{} as {caller} on {target:?} named the other organisation's enrollment: {}",
                        row.path,
                        body.chars().take(200).collect::<String>()
                    ));
                }
            }
        }
        table.push_str(&line);
        table.push('\n');
    }
    eprintln!("{backend:?}: the actual matrix\n{table}");
    assert!(
        mismatches.is_empty(),
        "{} cell(s) differ from the matrix:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// Pages that may name any organisation's enrollment, whoever asks (see
/// [`NAME_ANY_ENROLLMENT`]).
fn page_may_name_any_enrollment(route: &str) -> bool {
    route.starts_with("/activate/")
}

/// A page route with its parameters filled in for `target`.
fn page_path(route: &str, ctx: &Ctx, target: Target) -> String {
    let i = match target {
        Target::Own => 0,
        Target::Other => 1,
    };
    route
        .split('/')
        .map(|segment| {
            let name = segment
                .trim_start_matches(':')
                .trim_start_matches('{')
                .trim_end_matches('}');
            if segment == name {
                return segment.to_string();
            }
            match name {
                "number" => [OWN, OTHER][i].to_string(),
                "reference" => ctx.reference[i].clone(),
                "id" => ctx.ticket[i].clone(),
                "token" => ctx.token[i].clone(),
                other => panic!("no value for the route parameter {other:?} of {route}"),
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

// Every page, for every caller, on both organisations' data: never a server
// error, and never the other organisation's enrollment shown to a Contoso user
// or to Fabrikam, which serves only Contoso.
async fn pages_answer_every_caller_and_keep_organisations_apart(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app).await;
    let ctx = ground(&app, &f).await;
    let routes: BTreeSet<String> = leptos_axum::generate_route_list(app::App)
        .into_iter()
        .map(|r| r.path().to_string())
        .collect();
    assert!(
        routes.contains("/enrollments/{number}") || routes.contains("/enrollments/:number"),
        "{routes:?}"
    );

    let mut cookies = vec![None];
    for caller in &CALLERS[1..] {
        cookies.push(Some(app.signed_in(caller).await));
    }
    // The check below means something: the page does name the enrollment to
    // whoever may see it.
    let seen = app
        .get(
            &format!("/enrollments/{OTHER}"),
            cookies[SUPPORT].as_deref(),
        )
        .await;
    assert!(seen.text().await.unwrap().contains(OTHER_NAME));

    let mut failures = Vec::new();
    for route in &routes {
        let targets: &[Target] = if route.contains(':') || route.contains('{') {
            &[Target::Own, Target::Other]
        } else {
            &[Target::Own]
        };
        for &target in targets {
            let path = page_path(route, &ctx, target);
            for (i, caller) in CALLERS.iter().enumerate() {
                let response = app.get(&path, cookies[i].as_deref()).await;
                let status = response.status();
                let body = response.text().await.unwrap_or_default();
                if status.is_server_error() {
                    failures.push(format!("GET {path} as {caller}: {status}"));
                }
                if i > 0
                    && !may_see_other(caller)
                    && !page_may_name_any_enrollment(route)
                    && body.contains(OTHER_NAME)
                {
                    failures.push(format!(
                        "GET {path} as {caller} ({status}) shows {OTHER_NAME:?}"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} page answer(s) went wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Encodes owned form fields.
pub(crate) fn form_of(fields: &[(&str, String)]) -> String {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    form(&fields)
}

/// Posts a form body as the portal's own pages do, with or without a session.
pub(crate) async fn post_raw(
    app: &TestApp,
    path: &str,
    body: &str,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut request = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}{path}", app.address))
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_string());
    if let Some(c) = cookie {
        request = request.header("cookie", c);
    }
    request.send().await.unwrap()
}

both_backends!(
    server_functions_answer_as_the_matrix_says,
    pages_answer_every_caller_and_keep_organisations_apart,
);
