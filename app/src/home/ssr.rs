//! The queries behind the home page, each scoped to the user's organisation
//! like the pages the items link to.

use super::{Item, Section};
use crate::auth::CurrentUser;
use crate::contacts::lifecycle::ChangeStatus;
use crate::db::Db;
use crate::domain::{format_date, format_time, ContactType, Role};
use crate::error::AppError;
use crate::state::AppState;
use crate::support::{TicketKind, TicketStatus};
use time::Duration;

/// Items a section shows; its count says how many there are in all.
const SHOWN: usize = 5;
const DAY: i64 = 86_400;

/// The sections for `user`'s role.
pub async fn for_user(state: &AppState, user: &CurrentUser) -> Result<Vec<Section>, AppError> {
    let db = &state.db;
    let now = state.now_unix();
    let org = user.organisation_id.0;
    Ok(match user.role {
        Role::VlscAdministrator | Role::OnlineAdministrator => {
            // One read of the links waiting to be used serves both sections.
            let links = unused_links(db, org, now).await?;
            let expiring = links_expiring(&links, now);
            vec![
                awaiting_activation(links),
                expiring,
                reservations_this_week(db, org, state.clock.now().date()).await?,
                changes_in_flight(db, "customer_id", org).await?,
            ]
        }
        Role::OnlineServicesManager => vec![osm_enrollments(db, &user.email, now).await?],
        Role::PartnerUser => vec![
            changes_in_flight(db, "partner_id", org).await?,
            ordered_not_activated(db, org).await?,
        ],
        Role::SupportAgent => vec![
            open_tickets(db, now).await?,
            replication_issues(db, now).await?,
        ],
        Role::RocOperator => vec![roc_queue(db).await?],
    })
}

fn section(key: &str, title: &str, empty: &str, items: Vec<Item>) -> Section {
    Section {
        key: key.into(),
        title: title.into(),
        count: items.len() as i64,
        items: items.into_iter().take(SHOWN).collect(),
        empty: empty.into(),
        all: None,
    }
}

fn with_all(mut s: Section, href: &str, label: &str) -> Section {
    if s.count > SHOWN as i64 {
        s.all = Some((href.into(), label.into()));
    }
    s
}

fn days(seconds: i64) -> String {
    match seconds / DAY {
        0 => "today".into(),
        1 => "1 day".into(),
        n => format!("{n} days"),
    }
}

/// An enrollment's activation link, sent and not yet used: `(number, name, expires_at)`.
type UnusedLink = (String, String, i64);

/// The organisation's activation links still valid and not yet used (on
/// enrollments with no online account yet), the first to expire first.
async fn unused_links(db: &Db, org: i64, now: i64) -> Result<Vec<UnusedLink>, AppError> {
    Ok(sqlx::query_as(
        "SELECT e.enrollment_number, e.name, MIN(a.expires_at) FROM activations a \
         JOIN enrollments e ON e.id = a.enrollment_id \
         WHERE e.customer_id = $1 AND a.used_at IS NULL AND a.expires_at > $2 \
         AND NOT EXISTS (SELECT 1 FROM enrollment_accounts ea WHERE ea.enrollment_id = e.id) \
         GROUP BY e.enrollment_number, e.name ORDER BY MIN(a.expires_at), e.enrollment_number",
    )
    .bind(org)
    .bind(now)
    .fetch_all(db.pool())
    .await?)
}

fn awaiting_activation(links: Vec<UnusedLink>) -> Section {
    let items = links
        .into_iter()
        .map(|(number, name, expires)| Item {
            href: format!("/enrollments/{number}/activation"),
            label: format!("{number} · {name}"),
            detail: format!(
                "Activation email sent; the link expires on {}",
                format_time(expires)
            ),
        })
        .collect();
    section(
        "awaiting-activation",
        "Enrollments awaiting activation",
        "No enrollment is waiting for its activation link to be used.",
        items,
    )
}

fn links_expiring(links: &[UnusedLink], now: i64) -> Section {
    let items = links
        .iter()
        .filter(|(.., expires)| *expires <= now + 30 * DAY)
        .map(|(number, name, expires)| Item {
            href: format!("/enrollments/{number}/activation"),
            label: format!("{number} · {name}"),
            detail: format!("The activation link expires in {}", days(expires - now)),
        })
        .collect();
    section(
        "links-expiring",
        "Activation links expiring within 30 days",
        "No activation link expires in the next 30 days.",
        items,
    )
}

async fn reservations_this_week(db: &Db, org: i64, today: time::Date) -> Result<Section, AppError> {
    let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
        "SELECT o.order_number, e.enrollment_number, o.usage_start_date, p.name, l.quantity FROM orders o \
         JOIN enrollments e ON e.id = o.enrollment_id \
         JOIN order_lines l ON l.order_id = o.id AND l.line_number = 1 JOIN products p ON p.id = l.product_id \
         WHERE o.customer_id = $1 AND o.kind = 'reservation' AND o.status = 'placed' \
         AND o.usage_start_date >= $2 AND o.usage_start_date <= $3 ORDER BY o.usage_start_date, o.id",
    )
    .bind(org)
    .bind(format_date(today))
    .bind(format_date(today + Duration::days(7)))
    .fetch_all(db.pool())
    .await?;
    let items = rows
        .into_iter()
        .map(|(order, number, starts, product, quantity)| Item {
            href: format!("/enrollments/{number}#reservations"),
            label: format!("{product} × {quantity} on {number}"),
            detail: format!("Reservation {order} starts on {starts}"),
        })
        .collect();
    Ok(with_all(
        section(
            "reservations-this-week",
            "Reservations starting this week",
            "No reservation starts in the next seven days.",
            items,
        ),
        "/reservations",
        "All reservations",
    ))
}

/// Change requests not yet complete, of a customer or of a partner
/// (`party` is the column that names the organisation).
async fn changes_in_flight(db: &Db, party: &str, org: i64) -> Result<Section, AppError> {
    let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(&format!(
        "SELECT c.reference, e.enrollment_number, c.contact_type, c.new_name, c.status FROM contact_changes c \
         JOIN enrollments e ON e.id = c.enrollment_id \
         WHERE c.{party} = $1 AND c.status IN ($2, $3) ORDER BY c.id"
    ))
    .bind(org)
    .bind(ChangeStatus::AwaitingRoc.code())
    .bind(ChangeStatus::Propagating.code())
    .fetch_all(db.pool())
    .await?;
    let items = rows
        .into_iter()
        .map(|(reference, number, contact, name, status)| Item {
            href: format!("/changes/{reference}"),
            label: format!("{reference} · enrollment {number}"),
            detail: format!(
                "{} → {name}: {}",
                ContactType::parse(&contact)
                    .map(|c| c.label())
                    .unwrap_or_default(),
                ChangeStatus::parse(&status)
                    .map(|s| s.label())
                    .unwrap_or_default()
            ),
        })
        .collect();
    Ok(with_all(
        section(
            "changes-in-flight",
            "Contact changes in flight",
            "No contact change is on its way.",
            items,
        ),
        "/changes",
        "All contact changes",
    ))
}

/// One enrollment an OSM manages, and where its activation stands.
#[derive(sqlx::FromRow)]
struct Managed {
    enrollment_number: String,
    name: String,
    domain: Option<String>,
    expires_at: Option<i64>,
    used_at: Option<i64>,
}

/// Where each enrollment the OSM manages stands with its activation.
async fn osm_enrollments(db: &Db, email: &str, now: i64) -> Result<Section, AppError> {
    let rows: Vec<Managed> = sqlx::query_as(
        "SELECT e.enrollment_number, e.name, acc.domain, a.expires_at, a.used_at FROM enrollment_contacts m \
         JOIN enrollments e ON e.id = m.enrollment_id \
         LEFT JOIN enrollment_accounts ea ON ea.enrollment_id = e.id \
         LEFT JOIN online_accounts acc ON acc.id = ea.account_id \
         LEFT JOIN activations a ON a.enrollment_id = e.id AND a.kind = 'ols' \
         WHERE m.contact_type = 'osm' AND LOWER(m.email) = LOWER($1) ORDER BY e.enrollment_number",
    )
    .bind(email)
    .fetch_all(db.pool())
    .await?;
    let items = rows
        .into_iter()
        .map(|m| Item {
            href: format!("/enrollments/{}/activation", m.enrollment_number),
            label: format!("{} · {}", m.enrollment_number, m.name),
            detail: match (m.domain, m.expires_at, m.used_at) {
                (Some(domain), ..) => format!("Activated: licenses on {domain}"),
                (None, Some(expires), None) if expires > now => format!(
                    "Activation email sent; the link expires on {}",
                    format_time(expires)
                ),
                (None, Some(_), None) => {
                    "The activation link has expired: ask support to reactivate it".into()
                }
                (None, Some(_), Some(_)) => "Activated".into(),
                (None, None, _) => "No online service ordered yet".into(),
            },
        })
        .collect();
    Ok(with_all(
        section(
            "osm-enrollments",
            "Your enrollments' activation",
            "You are not the online services manager of any enrollment.",
            items,
        ),
        "/enrollments",
        "All enrollments",
    ))
}

/// Enrollments of the partner's customers with an online order placed and
/// no online account yet.
async fn ordered_not_activated(db: &Db, org: i64) -> Result<Section, AppError> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT e.enrollment_number, e.name, c.name FROM enrollments e \
         JOIN organisations c ON c.id = e.customer_id \
         WHERE e.partner_id = $1 \
         AND EXISTS (SELECT 1 FROM orders o JOIN order_lines l ON l.order_id = o.id \
             JOIN products p ON p.id = l.product_id \
             WHERE o.enrollment_id = e.id AND o.status = 'placed' AND p.kind <> 'on_premises') \
         AND NOT EXISTS (SELECT 1 FROM enrollment_accounts ea WHERE ea.enrollment_id = e.id) \
         ORDER BY e.enrollment_number",
    )
    .bind(org)
    .fetch_all(db.pool())
    .await?;
    let items = rows
        .into_iter()
        .map(|(number, name, customer)| Item {
            href: format!("/enrollments/{number}/activation"),
            label: format!("{customer}: {number} · {name}"),
            detail: "Online services ordered, not yet activated".into(),
        })
        .collect();
    Ok(section(
        "ordered-not-activated",
        "Customers with an order but no activation",
        "Every online order of your customers is activated.",
        items,
    ))
}

async fn open_tickets(db: &Db, now: i64) -> Result<Section, AppError> {
    let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
        "SELECT t.id, t.kind, e.enrollment_number, t.opened_at FROM support_tickets t \
         JOIN enrollments e ON e.id = t.enrollment_id WHERE t.status = $1 ORDER BY t.opened_at, t.id",
    )
    .bind(TicketStatus::Open.code())
    .fetch_all(db.pool())
    .await?;
    let items = rows
        .into_iter()
        .map(|(id, kind, number, opened)| Item {
            href: format!("/support/tickets/{id}"),
            label: format!(
                "{} · enrollment {number}",
                TicketKind::parse(&kind)
                    .map(TicketKind::label)
                    .unwrap_or("Ticket")
            ),
            detail: format!("Open for {}", days(now - opened)),
        })
        .collect();
    Ok(with_all(
        section(
            "open-tickets",
            "Open tickets, oldest first",
            "No ticket is open.",
            items,
        ),
        "/support",
        "The support console",
    ))
}

async fn replication_issues(db: &Db, now: i64) -> Result<Section, AppError> {
    let count = crate::support::replication::count(db, now).await?;
    Ok(Section {
        key: "replication".into(),
        title: "Replication issues".into(),
        count,
        items: (count > 0)
            .then(|| Item {
                href: "/support/replication".into(),
                label: format!(
                    "{count} contact {} VLSC or explore.ms shows differently from eMSL",
                    if count == 1 { "copy" } else { "copies" }
                ),
                detail: "Re-sync them from the support console".into(),
            })
            .into_iter()
            .collect(),
        empty: "VLSC and explore.ms show every contact as eMSL has it.".into(),
        all: None,
    })
}

async fn roc_queue(db: &Db) -> Result<Section, AppError> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT c.reference, e.enrollment_number, c.submitted_at FROM contact_changes c \
         JOIN enrollments e ON e.id = c.enrollment_id WHERE c.status = $1 ORDER BY c.submitted_at, c.id",
    )
    .bind(ChangeStatus::AwaitingRoc.code())
    .fetch_all(db.pool())
    .await?;
    let items = rows
        .into_iter()
        .map(|(reference, number, submitted)| Item {
            href: format!("/changes/{reference}"),
            label: format!("{reference} · bill-to contact of enrollment {number}"),
            detail: format!("Submitted {}", format_time(submitted)),
        })
        .collect();
    Ok(with_all(
        section(
            "roc-queue",
            "Waiting for your decision, oldest first",
            "No change request is waiting for the operations center.",
            items,
        ),
        "/roc-queue",
        "The whole queue",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_shows_five_and_counts_all_and_links_to_the_rest() {
        let items: Vec<Item> = (0..7)
            .map(|i| Item {
                href: format!("/x/{i}"),
                label: i.to_string(),
                detail: String::new(),
            })
            .collect();
        let s = with_all(section("k", "T", "none", items), "/all", "All");
        assert_eq!((s.count, s.items.len()), (7, 5));
        assert_eq!(s.all, Some(("/all".into(), "All".into())));
        let few = with_all(section("k", "T", "none", Vec::new()), "/all", "All");
        assert_eq!((few.count, few.all), (0, None));
    }

    #[test]
    fn ages_read_in_days() {
        assert_eq!(days(3600), "today");
        assert_eq!(days(DAY + 5), "1 day");
        assert_eq!(days(9 * DAY), "9 days");
    }
}
