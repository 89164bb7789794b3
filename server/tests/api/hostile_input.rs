//! Hostile input: every registered server function, every one of its fields in
//! turn, with all the other fields valid, posted missing, empty, 10,000
//! characters long, with line breaks and a NUL, with broken percent-encoding
//! and as an array (`field[]=x`). Each is refused with a 4xx naming the field
//! (`AppError::Invalid`), except that an optional field may be left out or
//! empty; none gets a 5xx or a dropped connection.

use crate::authorisation::{form_of, ground, Ctx, REMAP_TO, SPARE_OWN};
use crate::both_backends;
use crate::fixture::{fixture, OWN};
use crate::helpers::{Backend, TestApp, PASSWORD};
use app::AppError;
use std::collections::{BTreeSet, HashMap};

const ADMIN: &str = "admin@contoso.example";
const PARTNER: &str = "pat@fabrikam.example";
const SUPPORT: &str = "support@ops.example";
const ROC: &str = "roc@ops.example";

/// Hidden fields that nobody types: a bad value means the page is out of date,
/// so the server function may report it on the whole form (`form`, "reload the
/// page") rather than on a field the page does not show.
const HIDDEN: [&str; 1] = ["request_key"];

/// Required fields for which an empty value is valid input.
const EMPTY_IS_VALID: [(&str, &str); 1] = [
    // The contact versions the page saw; empty when the enrollment had none of
    // the contacts yet (a first bill-to contact). For an existing OSM the
    // answer is then "changed since you opened the page" (409).
    ("/api/request-contact-change", "versions"),
];

/// Who calls a function: someone allowed to.
#[derive(Clone, Copy)]
enum Caller {
    Anonymous,
    User(&'static str),
    /// A session of its own, as the call ends it.
    Fresh(&'static str),
}

/// Valid fields for one call; `key` is unique to the call (for request keys
/// and new records), so that a resubmission is never what answers.
type Valid = fn(&Ctx, &str) -> Vec<(&'static str, String)>;

struct Function {
    path: &'static str,
    caller: Caller,
    valid: Valid,
    /// Fields that may be left out or empty.
    optional: &'static [&'static str],
}

fn f(
    path: &'static str,
    caller: Caller,
    valid: Valid,
    optional: &'static [&'static str],
) -> Function {
    Function {
        path,
        caller,
        valid,
        optional,
    }
}

fn none(_: &Ctx, _: &str) -> Vec<(&'static str, String)> {
    Vec::new()
}

fn link_choice(c: &Ctx, _: &str) -> Vec<(&'static str, String)> {
    vec![
        ("token", c.token[0].clone()),
        ("domain", "hostile.onmicrosoft.example".into()),
        ("admin_email", "ga@hostile.example".into()),
    ]
}

/// Every server function, called by someone allowed to, with valid fields.
fn functions() -> Vec<Function> {
    use Caller::*;
    vec![
        f("/api/current-user", User(ADMIN), none, &[]),
        f(
            "/api/sign-in",
            Anonymous,
            |_, _| {
                vec![
                    ("email", ADMIN.into()),
                    ("password", PASSWORD.into()),
                    ("next", "/enrollments".into()),
                ]
            },
            &["next"],
        ),
        f("/api/sign-out", Fresh(ADMIN), none, &[]),
        f(
            "/api/enrollments",
            User(ADMIN),
            |_, _| {
                vec![
                    ("q", "Contoso".into()),
                    ("status", "active".into()),
                    ("after", "1".into()),
                ]
            },
            &["q", "status", "after"],
        ),
        f(
            "/api/enrollment",
            User(ADMIN),
            |_, _| vec![("number", OWN.into())],
            &[],
        ),
        f(
            "/api/diagnose",
            User(ADMIN),
            |_, _| vec![("number", OWN.into())],
            &[],
        ),
        f(
            "/api/mailbox",
            User(ADMIN),
            |_, _| {
                vec![
                    ("q", "activation".into()),
                    ("dir", "asc".into()),
                    ("per", "50".into()),
                ]
            },
            &["q", "dir", "per"],
        ),
        f("/api/attention", User(ADMIN), none, &[]),
        f(
            "/api/reserve",
            User(ADMIN),
            |c, key| {
                vec![
                    ("enrollment", OWN.into()),
                    ("product", "M365-E3".into()),
                    ("quantity", "5".into()),
                    ("usage_start_date", c.in_30_days.clone()),
                    ("request_key", key.into()),
                ]
            },
            &[],
        ),
        f(
            "/api/cancel-reservation",
            User(ADMIN),
            |c, _| vec![("order_number", c.reservation[0].clone())],
            &[],
        ),
        f(
            "/api/reservations",
            User(ADMIN),
            |_, _| {
                vec![
                    ("status", "placed".into()),
                    ("enrollment", OWN.into()),
                    ("after", "1000~1000".into()),
                ]
            },
            &["status", "enrollment", "after"],
        ),
        f(
            "/api/place-order",
            User(PARTNER),
            |c, key| {
                vec![
                    ("enrollment", OWN.into()),
                    ("product_1", "M365-E3".into()),
                    ("quantity_1", "5".into()),
                    ("product_2", "EXO-P1".into()),
                    ("quantity_2", "2".into()),
                    ("product_3", String::new()),
                    ("quantity_3", String::new()),
                    ("purchase_date", c.today.clone()),
                    ("usage_start_date", c.today.clone()),
                    ("request_key", key.into()),
                ]
            },
            &["product_2", "quantity_2", "product_3", "quantity_3"],
        ),
        f(
            "/api/audit-trail",
            User(ADMIN),
            |_, _| {
                vec![
                    ("q", "contact".into()),
                    ("sort", "what".into()),
                    ("per", "10".into()),
                ]
            },
            &["q", "sort", "per"],
        ),
        f(
            "/api/security-events",
            User(SUPPORT),
            |_, _| {
                vec![
                    ("q", "sign".into()),
                    ("dir", "asc".into()),
                    ("after", "5~5".into()),
                ]
            },
            &["q", "dir", "after"],
        ),
        f(
            "/api/people",
            User(ADMIN),
            |_, _| {
                vec![
                    ("q", "contoso".into()),
                    ("sort", "role".into()),
                    ("dir", "desc".into()),
                ]
            },
            &["q", "sort", "dir"],
        ),
        f("/api/organisation-enrollments", User(ADMIN), none, &[]),
        f(
            "/api/invite-person",
            User(ADMIN),
            |_, key| {
                vec![
                    ("display_name", "Olga Admin".into()),
                    ("email", format!("{key}@contoso.example")),
                    ("role", "ola".into()),
                ]
            },
            &[],
        ),
        f(
            "/api/invite-first-administrator",
            User(SUPPORT),
            |c, key| {
                vec![
                    ("organisation", c.other_organisation.to_string()),
                    ("display_name", "Fiona First".into()),
                    ("email", format!("{key}@northwind.example")),
                ]
            },
            &[],
        ),
        f(
            "/api/invitations",
            User(ADMIN),
            |_, _| {
                vec![
                    ("sort", "expires".into()),
                    ("dir", "desc".into()),
                    ("per", "10".into()),
                ]
            },
            &["sort", "dir", "per"],
        ),
        f(
            "/api/resend-invitation",
            User(ADMIN),
            |c, _| vec![("id", c.invitation[0].clone())],
            &[],
        ),
        f(
            "/api/invitation",
            Anonymous,
            |_, _| vec![("token", "k1.00".into())],
            &[],
        ),
        f(
            "/api/accept-invitation",
            Anonymous,
            |_, _| {
                vec![
                    ("token", "k1.00".into()),
                    ("password", "a long new password".into()),
                ]
            },
            &[],
        ),
        f(
            "/api/forgot-password",
            Anonymous,
            |_, _| vec![("email", "nobody@contoso.example".into())],
            &[],
        ),
        f(
            "/api/reset-link",
            Anonymous,
            |_, _| vec![("token", "k1.00".into())],
            &[],
        ),
        f(
            "/api/reset-password",
            Anonymous,
            |_, _| {
                vec![
                    ("token", "k1.00".into()),
                    ("password", "a long new password".into()),
                ]
            },
            &[],
        ),
        f(
            "/api/change-password",
            User(ADMIN),
            |_, _| {
                vec![
                    ("current_password", PASSWORD.into()),
                    ("new_password", "a long new password".into()),
                ]
            },
            &[],
        ),
        f("/api/my-sessions", User(ADMIN), none, &[]),
        f("/api/two-step-setup", User(ADMIN), none, &[]),
        f(
            "/api/confirm-two-step",
            User(ADMIN),
            |_, _| vec![("code", "123456".into())],
            &[],
        ),
        f("/api/recovery-codes", User(ADMIN), none, &[]),
        f(
            "/api/sign-in-code",
            Anonymous,
            |_, _| vec![("code", "123456".into())],
            &[],
        ),
        f("/api/two-step-status", User(ADMIN), none, &[]),
        f(
            "/api/reset-two-step",
            User(ADMIN),
            |_, _| vec![("email", SPARE_OWN.into())],
            &[],
        ),
        f(
            "/api/end-session",
            User(ADMIN),
            |_, _| vec![("id", "0".into())],
            &[],
        ),
        // Last of the invitations: withdrawing ends the invitation.
        f(
            "/api/withdraw-invitation",
            User(ADMIN),
            |c, _| vec![("id", c.invitation[0].clone())],
            &[],
        ),
        f(
            "/api/deactivate-person",
            User(ADMIN),
            |_, _| vec![("email", SPARE_OWN.into())],
            &[],
        ),
        f(
            "/api/reservation-permission",
            User(ADMIN),
            |_, _| {
                vec![
                    ("email", "osm-permitted@contoso.example".into()),
                    ("enrollment", OWN.into()),
                    ("grant", "true".into()),
                ]
            },
            &[],
        ),
        f(
            "/api/customers",
            User(PARTNER),
            |_, _| vec![("q", "contoso".into()), ("sort", "name".into())],
            &["q", "sort"],
        ),
        f(
            "/api/organisations",
            User(SUPPORT),
            |_, _| vec![("q", "north".into()), ("after", "Contoso Test~1".into())],
            &["q", "after"],
        ),
        f("/api/organisation-choices", User(SUPPORT), none, &[]),
        f(
            "/api/request-contact-change",
            User(PARTNER),
            |_, key| {
                vec![
                    ("enrollment", OWN.into()),
                    ("contact", "osm".into()),
                    ("name", "Robin Osm".into()),
                    ("email", format!("{key}@contoso.example")),
                    ("phone", "+1 425 555 0199".into()),
                    ("reason", "Sam moved to another team".into()),
                    ("resend_activation", "false".into()),
                    ("billing_address", String::new()),
                    ("billing_city", String::new()),
                    ("billing_postal_code", String::new()),
                    ("billing_country", String::new()),
                    ("purchase_order", String::new()),
                    ("versions", "osm:1".into()),
                    ("request_key", key.into()),
                ]
            },
            &[
                "resend_activation",
                "billing_address",
                "billing_city",
                "billing_postal_code",
                "billing_country",
                "purchase_order",
            ],
        ),
        f(
            "/api/contact-change",
            User(PARTNER),
            |c, _| vec![("reference", c.reference[0].clone())],
            &[],
        ),
        f(
            "/api/contact-changes",
            User(ROC),
            |_, _| vec![("awaiting_roc", "true".into())],
            &[],
        ),
        f(
            "/api/decide-contact-change",
            User(ROC),
            |c, _| {
                vec![
                    ("reference", c.reference[0].clone()),
                    ("decision", "reject".into()),
                    ("comment", "No signed form".into()),
                ]
            },
            &[],
        ),
        f("/api/tickets", User(SUPPORT), none, &[]),
        f(
            "/api/ticket",
            User(SUPPORT),
            |c, _| vec![("id", c.ticket[0].clone())],
            &[],
        ),
        f("/api/support/form-key", User(SUPPORT), none, &[]),
        f(
            "/api/support/replication-issues",
            User(SUPPORT),
            |_, _| vec![("system", "vlsc".into()), ("sort", "contact".into())],
            &["system", "sort"],
        ),
        f(
            "/api/support/enrollment",
            User(SUPPORT),
            |_, _| vec![("number", OWN.into())],
            &[],
        ),
        f(
            "/api/support/resend",
            User(SUPPORT),
            |_, key| {
                vec![
                    ("enrollment", OWN.into()),
                    ("asked_by", "Ana, by phone".into()),
                    ("request_key", key.into()),
                ]
            },
            &[],
        ),
        f(
            "/api/support/send-for-ticket",
            User(SUPPORT),
            |c, _| vec![("ticket", c.ticket[0].clone())],
            &[],
        ),
        f(
            "/api/support/correct-osm",
            User(SUPPORT),
            |_, key| {
                vec![
                    ("enrollment", OWN.into()),
                    ("new_email", format!("{key}@contoso.example")),
                    ("reason", "typo".into()),
                    ("retrigger", "false".into()),
                    ("asked_by", "Ana, by phone".into()),
                    ("request_key", key.into()),
                ]
            },
            &["retrigger"],
        ),
        f(
            "/api/support/reactivate",
            User(SUPPORT),
            |_, key| {
                vec![
                    ("enrollment", OWN.into()),
                    ("asked_by", "Ana, by phone".into()),
                    ("request_key", key.into()),
                ]
            },
            &[],
        ),
        f(
            "/api/support/remap-preview",
            User(SUPPORT),
            |_, _| vec![("enrollment", OWN.into()), ("domain", REMAP_TO.into())],
            &[],
        ),
        f(
            "/api/support/remap",
            User(SUPPORT),
            |_, key| {
                vec![
                    ("enrollment", OWN.into()),
                    ("domain", REMAP_TO.into()),
                    ("asked_by", "Ana, by phone".into()),
                    ("request_key", key.into()),
                ]
            },
            &[],
        ),
        f(
            "/api/support/resync",
            User(SUPPORT),
            |_, _| {
                vec![
                    ("enrollment", OWN.into()),
                    ("contact", "osm".into()),
                    ("system", "vlsc".into()),
                ]
            },
            &[],
        ),
        // Last: confirming uses the link up.
        f(
            "/api/activation-link",
            Anonymous,
            |c, _| vec![("token", c.token[0].clone())],
            &[],
        ),
        f("/api/account-preview", Anonymous, link_choice, &[]),
        f("/api/choose-account", Anonymous, link_choice, &[]),
        f("/api/confirm-activation", Anonymous, link_choice, &[]),
    ]
}

/// What a field is posted as.
#[derive(Debug, Clone, Copy)]
enum Case {
    Missing,
    Empty,
    TooLong,
    ControlCharacters,
    BrokenEncoding,
    Array,
}

const CASES: [Case; 6] = [
    Case::Missing,
    Case::Empty,
    Case::TooLong,
    Case::ControlCharacters,
    Case::BrokenEncoding,
    Case::Array,
];

/// The body of a call whose field `name` is posted as `case`, the others valid.
fn body_with(valid: &[(&'static str, String)], name: &str, case: Case) -> String {
    let others: Vec<(&str, String)> = valid
        .iter()
        .filter(|(k, _)| *k != name)
        .map(|(k, v)| (*k, v.clone()))
        .collect();
    let mut body = form_of(&others);
    let field = match case {
        Case::Missing => return body,
        Case::Empty => form_of(&[(name, String::new())]),
        Case::TooLong => form_of(&[(name, "x".repeat(10_000))]),
        Case::ControlCharacters => form_of(&[(name, "a\r\nb\0c".to_string())]),
        Case::BrokenEncoding => format!("{name}=%ZZ"),
        Case::Array => format!("{name}[]=x"),
    };
    if !body.is_empty() {
        body.push('&');
    }
    body.push_str(&field);
    body
}

async fn send(
    app: &TestApp,
    path: &str,
    body: String,
    cookie: Option<&str>,
) -> Result<(u16, String), String> {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", app.address))
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some(c) = cookie {
        request = request.header("cookie", c);
    }
    let response = request
        .send()
        .await
        .map_err(|e| format!("no answer: {e}"))?;
    let status = response.status().as_u16();
    let text = response
        .text()
        .await
        .map_err(|e| format!("{status}, then the connection dropped: {e}"))?;
    Ok((status, text))
}

/// Why an answer is wrong for `case` of field `name`, if it is.
fn judge(
    path: &str,
    name: &str,
    case: Case,
    optional: bool,
    answer: Result<(u16, String), String>,
) -> Option<String> {
    let (status, body) = match answer {
        Ok(a) => a,
        Err(e) => return Some(e),
    };
    if status >= 500 {
        return Some(format!("{status} {body}"));
    }
    if optional && matches!(case, Case::Missing | Case::Empty) {
        return None;
    }
    if matches!(case, Case::Empty) && EMPTY_IS_VALID.contains(&(path, name)) {
        return None;
    }
    let named = serde_json::from_str::<AppError>(&body)
        .ok()
        .is_some_and(|e| {
            e.for_field(name).is_some() || (HIDDEN.contains(&name) && e.for_field("form").is_some())
        });
    if (400..500).contains(&status) && named {
        None
    } else {
        Some(format!(
            "expected a refusal naming {name:?}, got {status} {}",
            body.chars().take(200).collect::<String>()
        ))
    }
}

async fn every_field_of_every_function_refuses_hostile_input_by_name(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    let fx = fixture(&app).await;
    let ctx = ground(&app, &fx).await;
    let functions = functions();

    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        .collect();
    let listed: BTreeSet<String> = functions.iter().map(|f| f.path.to_string()).collect();
    let missing: Vec<&String> = registered.difference(&listed).collect();
    let stale: Vec<&String> = listed.difference(&registered).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "server functions without an entry: {missing:?}; entries without a function: {stale:?}"
    );

    let mut cookies: HashMap<&str, String> = HashMap::new();
    let mut failures = Vec::new();
    let mut calls = 0;
    for (n, function) in functions.iter().enumerate() {
        let cookie = match function.caller {
            Caller::Anonymous => None,
            Caller::User(email) => {
                if !cookies.contains_key(email) {
                    cookies.insert(email, app.signed_in(email).await);
                }
                Some(cookies[email].clone())
            }
            Caller::Fresh(email) => Some(app.signed_in(email).await),
        };
        // The valid call itself passes: the table's fields are right.
        let key = format!("hostile-input-{n}-valid");
        let valid = (function.valid)(&ctx, &key);
        match send(&app, function.path, form_of(&valid), cookie.as_deref()).await {
            Ok((status, body)) if status >= 500 || matches!(status, 401 | 403 | 404) => failures
                .push(format!(
                    "{} with valid fields: {status} {body}",
                    function.path
                )),
            Err(e) => failures.push(format!("{} with valid fields: {e}", function.path)),
            Ok(_) => {}
        }
        for (name, _) in &valid {
            let optional = function.optional.contains(name);
            for (c, case) in CASES.iter().enumerate() {
                let key = format!("hostile-input-{n}-{name}-{c}");
                let valid = (function.valid)(&ctx, &key);
                let answer = send(
                    &app,
                    function.path,
                    body_with(&valid, name, *case),
                    cookie.as_deref(),
                )
                .await;
                calls += 1;
                if let Some(wrong) = judge(function.path, name, *case, optional, answer) {
                    failures.push(format!("{} {name} {case:?}: {wrong}", function.path));
                }
            }
        }
    }
    assert!(calls > 400, "only {calls} hostile calls were made");
    assert!(
        failures.is_empty(),
        "{} hostile input(s) answered wrongly:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

both_backends!(every_field_of_every_function_refuses_hostile_input_by_name);
