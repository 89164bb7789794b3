//! What activation each new order calls for (R1, R2, R8, R11a, R11d, R11e,
//! R11f), decided from facts alone: no database, no clock, no randomness. The
//! engine gathers the facts of a batch of orders, calls [`decide`], and writes
//! what it returns. The rules of R11 are `reasons`', which the diagnoser asks
//! too.

use super::reasons::{
    administered_by, joins_account, ols_recipient, on_premises_only, sent_no_earlier_than,
};
use super::templates::Template;
use crate::domain::{add_months, parse_date};
use std::collections::HashMap;
use time::{Date, Time};

/// What the engine decided about one order, for one kind of activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// R11a: the order has no online service.
    NothingToActivate,
    /// R11d: the enrollment already has an online account; licenses join it.
    JoinedAccount,
    /// R11f: the recipient administers an existing account; licenses go there.
    AssignedToExistingAccount,
    /// R1: only the first online order sends the email; one was already sent.
    AlreadySent,
    /// R1/R2/R8: the email is queued now.
    EmailQueued,
    /// R11e: the usage start date is in the future; the email waits for it.
    EmailScheduled,
    /// Neither an OSM nor an NTC is recorded.
    NoRecipient,
    /// The reservation was cancelled before the engine saw it.
    Cancelled,
}

impl Outcome {
    /// The value stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Outcome::NothingToActivate => "nothing_to_activate",
            Outcome::JoinedAccount => "joined_account",
            Outcome::AssignedToExistingAccount => "assigned_to_existing_account",
            Outcome::AlreadySent => "already_sent",
            Outcome::EmailQueued => "email_queued",
            Outcome::EmailScheduled => "email_scheduled",
            Outcome::NoRecipient => "no_recipient",
            Outcome::Cancelled => "cancelled",
        }
    }
}

pub use super::reasons::{AdministeredAccount, Recipient};

/// One queued order, as the engine reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFacts {
    pub order_id: i64,
    pub enrollment_id: i64,
    pub cancelled: bool,
    pub has_online: bool,
    pub has_azure: bool,
    /// ISO date.
    pub purchase_date: String,
    /// ISO date.
    pub usage_start_date: String,
}

/// What the engine knows of an enrollment before the batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnrollmentFacts {
    /// The domain of the online account the enrollment is associated with.
    pub account_domain: Option<String>,
    pub osm_email: Option<String>,
    pub ntc_email: Option<String>,
    /// An OLS activation email was already made for the enrollment.
    pub ols_sent: bool,
    /// An Azure activation email was already made for the enrollment.
    pub azure_sent: bool,
}

/// Everything [`decide`] needs about a batch of orders.
#[derive(Debug, Clone, Default)]
pub struct BatchFacts {
    /// Oldest first: within a batch, an earlier order is decided first.
    pub orders: Vec<OrderFacts>,
    pub enrollments: HashMap<i64, EnrollmentFacts>,
    /// By administrator address (global or billing), the lowest account id.
    pub administered: HashMap<String, AdministeredAccount>,
}

/// What to write besides the decision itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    None,
    /// R11f: associate the enrollment with this account.
    Associate {
        account_id: i64,
    },
    /// R1, R2, R8: make an activation link and queue its email.
    Activate {
        /// R9: Unix seconds, six months after the purchase date.
        expires_at: i64,
        /// R11e: Unix seconds; the email is not sent before then.
        not_before: i64,
    },
}

/// One decision, as it is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub order_id: i64,
    pub enrollment_id: i64,
    pub kind: Template,
    pub outcome: Outcome,
    /// Why, in the words the delivery timeline shows.
    pub reason: String,
    pub recipient: Option<(String, Recipient)>,
    pub effect: Effect,
}

/// An order whose facts cannot be decided (a stored date does not parse).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undecidable {
    pub order_id: i64,
}

/// Decides every order of the batch, oldest first, as if each earlier order's
/// decision were already written: a batch decides exactly what the same orders
/// decided one at a time would (R1: the first online order of an enrollment
/// wins, within the batch too). `now` is Unix seconds.
pub fn decide(facts: &BatchFacts, now: i64) -> Result<Vec<Decision>, Undecidable> {
    let mut enrollments = facts.enrollments.clone();
    let mut decisions = Vec::with_capacity(facts.orders.len());
    for order in &facts.orders {
        let enrollment = enrollments.entry(order.enrollment_id).or_default();
        decide_order(order, enrollment, &facts.administered, now, &mut decisions).ok_or(
            Undecidable {
                order_id: order.order_id,
            },
        )?;
    }
    Ok(decisions)
}

fn decide_order(
    order: &OrderFacts,
    enrollment: &mut EnrollmentFacts,
    administered: &HashMap<String, AdministeredAccount>,
    now: i64,
    out: &mut Vec<Decision>,
) -> Option<()> {
    let decision = |kind, outcome, reason: String, recipient, effect| Decision {
        order_id: order.order_id,
        enrollment_id: order.enrollment_id,
        kind,
        outcome,
        reason,
        recipient,
        effect,
    };
    if order.cancelled {
        out.push(decision(
            Template::Ols,
            Outcome::Cancelled,
            "The reservation was cancelled.".into(),
            None,
            Effect::None,
        ));
        return Some(());
    }
    if on_premises_only(order.has_online, order.has_azure) {
        // R11a
        out.push(decision(
            Template::Ols,
            Outcome::NothingToActivate,
            "The order has on-premises products only: there is nothing to activate.".into(),
            None,
            Effect::None,
        ));
    }
    if order.has_online {
        out.push(decide_ols(order, enrollment, administered, now)?);
    }
    if order.has_azure {
        out.push(decide_azure(order, enrollment, now)?);
    }
    Some(())
}

fn decide_ols(
    order: &OrderFacts,
    enrollment: &mut EnrollmentFacts,
    administered: &HashMap<String, AdministeredAccount>,
    now: i64,
) -> Option<Decision> {
    let decision = |outcome, reason: String, recipient, effect| Decision {
        order_id: order.order_id,
        enrollment_id: order.enrollment_id,
        kind: Template::Ols,
        outcome,
        reason,
        recipient,
        effect,
    };
    // R11d
    if let Some(domain) = joins_account(enrollment.account_domain.as_deref()) {
        return Some(decision(
            Outcome::JoinedAccount,
            format!(
                "The enrollment is already associated with the online account {domain}: the licenses join it and no email is sent."
            ),
            None,
            Effect::None,
        ));
    }
    // R1 to the OSM; R2 to the NTC when there is no OSM.
    let recipient = match ols_recipient(
        enrollment.osm_email.as_deref(),
        enrollment.ntc_email.as_deref(),
    ) {
        Some((to, recipient)) => (to.to_string(), recipient),
        None => {
            return Some(decision(
                Outcome::NoRecipient,
                "Neither an OSM nor an NTC is recorded on the enrollment, so no activation email can be sent.".into(),
                None,
                Effect::None,
            ))
        }
    };
    // R11f
    if let Some(account) = administered_by(&recipient.0, administered) {
        enrollment.account_domain = Some(account.domain.clone());
        return Some(decision(
            Outcome::AssignedToExistingAccount,
            format!(
                "The recipient's address administers the existing online account {}: the licenses were assigned to it and no email is sent.",
                account.domain
            ),
            Some(recipient),
            Effect::Associate {
                account_id: account.account_id,
            },
        ));
    }
    let sent = std::mem::replace(&mut enrollment.ols_sent, true);
    activation_email(order, Template::Ols, recipient, sent, now)
}

fn decide_azure(
    order: &OrderFacts,
    enrollment: &mut EnrollmentFacts,
    now: i64,
) -> Option<Decision> {
    // R8: the NTC is the Azure administrator and receives the Azure email.
    let Some(ntc) = &enrollment.ntc_email else {
        return Some(Decision {
            order_id: order.order_id,
            enrollment_id: order.enrollment_id,
            kind: Template::Azure,
            outcome: Outcome::NoRecipient,
            reason: "No NTC is recorded, and the Azure activation email goes only to the NTC."
                .into(),
            recipient: None,
            effect: Effect::None,
        });
    };
    let recipient = (ntc.clone(), Recipient::Ntc);
    let sent = std::mem::replace(&mut enrollment.azure_sent, true);
    activation_email(order, Template::Azure, recipient, sent, now)
}

/// R1: the email of the enrollment's first online order, unless one was made;
/// R11e: held until a future usage start date.
fn activation_email(
    order: &OrderFacts,
    kind: Template,
    recipient: (String, Recipient),
    already_sent: bool,
    now: i64,
) -> Option<Decision> {
    let decision = |outcome, reason: String, effect| Decision {
        order_id: order.order_id,
        enrollment_id: order.enrollment_id,
        kind,
        outcome,
        reason,
        recipient: Some(recipient.clone()),
        effect,
    };
    if already_sent {
        return Some(decision(
            Outcome::AlreadySent,
            "The activation email was sent for the enrollment's first online order; later orders send none.".into(),
            Effect::None,
        ));
    }
    let expires_at = link_expiry(&order.purchase_date)?;
    let not_before = sent_no_earlier_than(&order.usage_start_date, now)?;
    let (outcome, reason) = if not_before > now {
        (
            Outcome::EmailScheduled,
            format!(
                "The usage start date {} is in the future: the email goes out on that day.",
                order.usage_start_date
            ),
        )
    } else {
        let who = match (recipient.1, kind) {
            (Recipient::Osm, _) => "the OSM",
            (Recipient::Ntc, Template::Azure) => "the NTC",
            (Recipient::Ntc, _) => "the NTC, as there is no OSM",
        };
        (
            Outcome::EmailQueued,
            format!("The activation email was queued for {who}."),
        )
    };
    Some(decision(
        outcome,
        reason,
        Effect::Activate {
            expires_at,
            not_before,
        },
    ))
}

fn midnight(date: Date) -> i64 {
    date.with_time(Time::MIDNIGHT).assume_utc().unix_timestamp()
}

/// R9: a link expires six months after the original purchase date.
pub fn link_expiry(purchase_date: &str) -> Option<i64> {
    parse_date(purchase_date, "date")
        .ok()
        .map(|d| midnight(add_months(d, 6)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_796_000_000; // 2026-11-30 00:53 UTC
    const OSM: &str = "osm@contoso.example";
    const NTC: &str = "ntc@contoso.example";

    fn order(id: i64, enrollment: i64, online: bool, azure: bool) -> OrderFacts {
        OrderFacts {
            order_id: id,
            enrollment_id: enrollment,
            cancelled: false,
            has_online: online,
            has_azure: azure,
            purchase_date: "2026-11-28".into(),
            usage_start_date: "2026-11-28".into(),
        }
    }

    fn contacts(osm: Option<&str>, ntc: Option<&str>) -> EnrollmentFacts {
        EnrollmentFacts {
            osm_email: osm.map(str::to_string),
            ntc_email: ntc.map(str::to_string),
            ..EnrollmentFacts::default()
        }
    }

    fn batch(orders: Vec<OrderFacts>, enrollment: EnrollmentFacts) -> BatchFacts {
        BatchFacts {
            orders,
            enrollments: HashMap::from([(7, enrollment)]),
            administered: HashMap::new(),
        }
    }

    fn outcomes(decisions: &[Decision]) -> Vec<(Template, Outcome)> {
        decisions.iter().map(|d| (d.kind, d.outcome)).collect()
    }

    #[test]
    fn r1_the_first_online_order_emails_the_osm() {
        let d = decide(
            &batch(
                vec![order(1, 7, true, false)],
                contacts(Some(OSM), Some(NTC)),
            ),
            NOW,
        )
        .unwrap();
        assert_eq!(outcomes(&d), [(Template::Ols, Outcome::EmailQueued)]);
        assert_eq!(d[0].recipient, Some((OSM.to_string(), Recipient::Osm)));
        assert!(matches!(
            d[0].effect,
            Effect::Activate {
                not_before: NOW,
                ..
            }
        ));
    }

    #[test]
    fn r1_within_one_batch_only_the_first_online_order_of_an_enrollment_emails() {
        let orders = vec![order(1, 7, true, false), order(2, 7, true, false)];
        let d = decide(&batch(orders, contacts(Some(OSM), None)), NOW).unwrap();
        assert_eq!(
            outcomes(&d),
            [
                (Template::Ols, Outcome::EmailQueued),
                (Template::Ols, Outcome::AlreadySent)
            ]
        );
        assert_eq!(d[1].effect, Effect::None);
    }

    #[test]
    fn r1_an_email_made_before_the_batch_means_none_now() {
        let mut e = contacts(Some(OSM), None);
        e.ols_sent = true;
        let d = decide(&batch(vec![order(1, 7, true, false)], e), NOW).unwrap();
        assert_eq!(outcomes(&d), [(Template::Ols, Outcome::AlreadySent)]);
    }

    #[test]
    fn r2_without_an_osm_the_ntc_gets_the_email() {
        let d = decide(
            &batch(vec![order(1, 7, true, false)], contacts(None, Some(NTC))),
            NOW,
        )
        .unwrap();
        assert_eq!(d[0].recipient, Some((NTC.to_string(), Recipient::Ntc)));
        assert_eq!(
            d[0].reason,
            "The activation email was queued for the NTC, as there is no OSM."
        );
    }

    #[test]
    fn without_an_osm_or_an_ntc_nobody_can_be_emailed() {
        let d = decide(
            &batch(vec![order(1, 7, true, false)], contacts(None, None)),
            NOW,
        )
        .unwrap();
        assert_eq!(outcomes(&d), [(Template::Ols, Outcome::NoRecipient)]);
        assert_eq!(d[0].effect, Effect::None);
    }

    #[test]
    fn r8_an_azure_order_emails_the_ntc_even_when_there_is_an_osm() {
        let d = decide(
            &batch(
                vec![order(1, 7, false, true)],
                contacts(Some(OSM), Some(NTC)),
            ),
            NOW,
        )
        .unwrap();
        assert_eq!(outcomes(&d), [(Template::Azure, Outcome::EmailQueued)]);
        assert_eq!(d[0].recipient, Some((NTC.to_string(), Recipient::Ntc)));
        let none = decide(
            &batch(vec![order(1, 7, false, true)], contacts(Some(OSM), None)),
            NOW,
        )
        .unwrap();
        assert_eq!(outcomes(&none), [(Template::Azure, Outcome::NoRecipient)]);
    }

    #[test]
    fn r8_an_order_with_both_kinds_makes_both_emails() {
        let d = decide(
            &batch(
                vec![order(1, 7, true, true)],
                contacts(Some(OSM), Some(NTC)),
            ),
            NOW,
        )
        .unwrap();
        assert_eq!(
            outcomes(&d),
            [
                (Template::Ols, Outcome::EmailQueued),
                (Template::Azure, Outcome::EmailQueued)
            ]
        );
    }

    #[test]
    fn r11a_an_on_premises_order_activates_nothing() {
        let d = decide(
            &batch(vec![order(1, 7, false, false)], contacts(Some(OSM), None)),
            NOW,
        )
        .unwrap();
        assert_eq!(outcomes(&d), [(Template::Ols, Outcome::NothingToActivate)]);
    }

    #[test]
    fn a_cancelled_reservation_activates_nothing() {
        let mut o = order(1, 7, true, false);
        o.cancelled = true;
        let d = decide(&batch(vec![o], contacts(Some(OSM), None)), NOW).unwrap();
        assert_eq!(outcomes(&d), [(Template::Ols, Outcome::Cancelled)]);
    }

    #[test]
    fn r11d_an_associated_enrollment_joins_its_account_without_email() {
        let mut e = contacts(Some(OSM), None);
        e.account_domain = Some("contoso.onmicrosoft.com".into());
        let d = decide(&batch(vec![order(1, 7, true, false)], e), NOW).unwrap();
        assert_eq!(outcomes(&d), [(Template::Ols, Outcome::JoinedAccount)]);
        assert!(d[0].reason.contains("contoso.onmicrosoft.com"));
    }

    #[test]
    fn r11e_a_future_usage_start_holds_the_email_until_that_day() {
        let mut o = order(1, 7, true, false);
        o.usage_start_date = "2026-12-15".into();
        let d = decide(&batch(vec![o], contacts(Some(OSM), None)), NOW).unwrap();
        assert_eq!(outcomes(&d), [(Template::Ols, Outcome::EmailScheduled)]);
        let day = midnight(time::macros::date!(2026 - 12 - 15));
        assert!(matches!(d[0].effect, Effect::Activate { not_before, .. } if not_before == day));
    }

    #[test]
    fn r9_the_link_expires_six_months_after_the_purchase_date() {
        let d = decide(
            &batch(vec![order(1, 7, true, false)], contacts(Some(OSM), None)),
            NOW,
        )
        .unwrap();
        let expiry = midnight(time::macros::date!(2027 - 05 - 28));
        assert!(matches!(d[0].effect, Effect::Activate { expires_at, .. } if expires_at == expiry));
    }

    #[test]
    fn r11f_a_recipient_who_administers_an_account_gets_the_licenses_and_no_email() {
        let mut facts = batch(
            vec![order(1, 7, true, false), order(2, 7, true, false)],
            contacts(Some(OSM), None),
        );
        facts.administered.insert(
            OSM.into(),
            AdministeredAccount {
                account_id: 40,
                domain: "fabrikam.onmicrosoft.com".into(),
            },
        );
        let d = decide(&facts, NOW).unwrap();
        // R11d: the second order of the batch joins the account the first assigned.
        assert_eq!(
            outcomes(&d),
            [
                (Template::Ols, Outcome::AssignedToExistingAccount),
                (Template::Ols, Outcome::JoinedAccount)
            ],
            "the second order of the batch joins the account the first assigned"
        );
        assert_eq!(d[0].effect, Effect::Associate { account_id: 40 });
    }

    #[test]
    fn orders_of_different_enrollments_are_decided_apart() {
        let mut facts = batch(
            vec![order(1, 7, true, false), order(2, 8, true, false)],
            contacts(Some(OSM), None),
        );
        facts.enrollments.insert(8, contacts(None, Some(NTC)));
        let d = decide(&facts, NOW).unwrap();
        assert_eq!(
            outcomes(&d),
            [
                (Template::Ols, Outcome::EmailQueued),
                (Template::Ols, Outcome::EmailQueued)
            ]
        );
    }

    #[test]
    fn a_stored_date_that_does_not_parse_names_its_order() {
        let mut o = order(3, 7, true, false);
        o.purchase_date = "not a date".into();
        let refused = decide(&batch(vec![o], contacts(Some(OSM), None)), NOW);
        assert_eq!(refused, Err(Undecidable { order_id: 3 }));
    }
}
