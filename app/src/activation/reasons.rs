//! R11, once: the reasons an activation email does not arrive, as rules on
//! facts. The engine asks them of each new order as it decides it
//! (`decision`); the diagnoser asks them of an enrollment's whole history
//! (`diagnosis`) and shows which apply. No query, clock or randomness here.

use crate::domain::parse_date;
use std::collections::HashMap;
use time::Time;

/// Which enrollment contact an email goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    /// The Online Services Manager.
    Osm,
    /// The Notices contact.
    Ntc,
}

impl Recipient {
    /// The value stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Recipient::Osm => "osm",
            Recipient::Ntc => "ntc",
        }
    }
}

/// An online account an address administers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdministeredAccount {
    pub account_id: i64,
    pub domain: String,
}

/// R1, R2: the OLS activation email goes to the OSM, else to the NTC.
pub fn ols_recipient<'a>(
    osm: Option<&'a str>,
    ntc: Option<&'a str>,
) -> Option<(&'a str, Recipient)> {
    match (osm, ntc) {
        (Some(osm), _) => Some((osm, Recipient::Osm)),
        (None, Some(ntc)) => Some((ntc, Recipient::Ntc)),
        (None, None) => None,
    }
}

/// R11a: an order of on-premises products only has nothing to activate.
pub fn on_premises_only(has_online: bool, has_azure: bool) -> bool {
    !has_online && !has_azure
}

/// R11d: the online account an enrollment is associated with, if any; its
/// later licenses join it, and no further email is sent.
pub fn joins_account(account_domain: Option<&str>) -> Option<&str> {
    account_domain
}

/// R11f: the existing online account the recipient's address administers
/// (globally or for billing), if any; licenses are assigned to it, no email.
pub fn administered_by<'a>(
    recipient: &str,
    administered: &'a HashMap<String, AdministeredAccount>,
) -> Option<&'a AdministeredAccount> {
    administered.get(recipient)
}

/// Midnight UTC at the start of `date` (an ISO date), as Unix seconds.
pub fn start_of(date: &str) -> Option<i64> {
    parse_date(date, "date")
        .ok()
        .map(|d| d.with_time(Time::MIDNIGHT).assume_utc().unix_timestamp())
}

/// R11e: the earliest moment the email of an order starting on
/// `usage_start` (an ISO date) may go out: its start, or now if it started.
pub fn sent_no_earlier_than(usage_start: &str, now: i64) -> Option<i64> {
    start_of(usage_start).map(|start| start.max(now))
}

/// R11e: whether an order starting on `usage_start` starts after `now`.
pub fn starts_later(usage_start: &str, now: i64) -> bool {
    sent_no_earlier_than(usage_start, now).is_some_and(|at| at > now)
}

/// One order of an enrollment, as the diagnoser sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedOrder {
    pub number: String,
    /// ISO date.
    pub usage_start: String,
    /// Whether it has an online service or Azure.
    pub has_online: bool,
}

/// One activation message of an enrollment, as the diagnoser sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub to: String,
    /// Handed to a mail server and accepted.
    pub delivered: bool,
    /// Given up after its last try.
    pub failed: bool,
}

/// What the diagnoser knows of an enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct History {
    pub orders: Vec<PlacedOrder>,
    pub osm: Option<String>,
    pub ntc: Option<String>,
    /// The domain of the online account the enrollment is associated with.
    pub account_domain: Option<String>,
    /// The online accounts the recipient (OSM, else NTC) administers.
    pub administered: HashMap<String, AdministeredAccount>,
    pub messages: Vec<Message>,
}

/// Which of R11's reasons apply to an enrollment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Findings {
    /// a. on-premises products only.
    pub on_premises_only: bool,
    /// b. an email went to another contact than the OSM.
    pub went_elsewhere: bool,
    /// c. an email was handed to a mail server (so it may sit in junk or be blocked).
    pub handed_over: bool,
    /// d. the enrollment is associated with an online account.
    pub joins_account: bool,
    /// e. an order starts later and nothing was delivered yet.
    pub starts_later: bool,
    /// f. the recipient administers an existing online account.
    pub assigned_to_existing: bool,
    /// g. no order or reservation.
    pub no_order: bool,
}

impl Findings {
    /// The letters of the reasons that apply, in order.
    pub fn codes(&self) -> Vec<&'static str> {
        [
            (self.on_premises_only, "a"),
            (self.went_elsewhere, "b"),
            (self.handed_over, "c"),
            (self.joins_account, "d"),
            (self.starts_later, "e"),
            (self.assigned_to_existing, "f"),
            (self.no_order, "g"),
        ]
        .into_iter()
        .filter_map(|(applies, code)| applies.then_some(code))
        .collect()
    }
}

/// R11: which reasons apply to an enrollment with this history, at `now`.
pub fn findings(history: &History, now: i64) -> Findings {
    let recipient = ols_recipient(history.osm.as_deref(), history.ntc.as_deref());
    let delivered = history.messages.iter().any(|m| m.delivered);
    Findings {
        on_premises_only: !history.orders.is_empty()
            && history
                .orders
                .iter()
                .all(|o| on_premises_only(o.has_online, false)),
        went_elsewhere: history
            .messages
            .iter()
            .any(|m| Some(m.to.as_str()) != history.osm.as_deref()),
        handed_over: history.messages.iter().any(|m| m.delivered || m.failed),
        joins_account: joins_account(history.account_domain.as_deref()).is_some(),
        starts_later: !delivered
            && history
                .orders
                .iter()
                .any(|o| starts_later(&o.usage_start, now)),
        assigned_to_existing: recipient
            .is_some_and(|(to, _)| administered_by(to, &history.administered).is_some()),
        no_order: history.orders.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_796_000_000; // 2026-11-30 00:53 UTC
    const OSM: &str = "osm@contoso.example";
    const NTC: &str = "ntc@contoso.example";

    fn order(online: bool, start: &str) -> PlacedOrder {
        PlacedOrder {
            number: "OR-1".into(),
            usage_start: start.into(),
            has_online: online,
        }
    }

    fn history() -> History {
        History {
            orders: vec![order(true, "2026-11-01")],
            osm: Some(OSM.into()),
            ntc: Some(NTC.into()),
            ..History::default()
        }
    }

    fn message(to: &str, delivered: bool) -> Message {
        Message {
            to: to.into(),
            delivered,
            failed: false,
        }
    }

    #[test]
    fn r1_r2_the_osm_receives_the_email_else_the_ntc() {
        assert_eq!(
            ols_recipient(Some(OSM), Some(NTC)),
            Some((OSM, Recipient::Osm))
        );
        assert_eq!(ols_recipient(None, Some(NTC)), Some((NTC, Recipient::Ntc)));
        assert_eq!(ols_recipient(None, None), None);
    }

    #[test]
    fn r11a_orders_of_on_premises_products_only_have_nothing_to_activate() {
        assert!(on_premises_only(false, false));
        assert!(!on_premises_only(true, false) && !on_premises_only(false, true));
        let mut h = history();
        h.orders = vec![order(false, "2026-11-01")];
        assert_eq!(findings(&h, NOW).codes(), ["a"]);
        h.orders.push(order(true, "2026-11-01"));
        assert!(!findings(&h, NOW).on_premises_only);
    }

    #[test]
    fn r11b_an_email_to_another_contact_than_the_osm_is_found() {
        let mut h = history();
        h.messages = vec![message(NTC, true)];
        assert!(findings(&h, NOW).went_elsewhere);
        h.messages = vec![message(OSM, true)];
        assert!(!findings(&h, NOW).went_elsewhere);
    }

    #[test]
    fn r11c_an_email_handed_to_a_mail_server_may_be_blocked_or_in_junk() {
        let mut h = history();
        assert!(!findings(&h, NOW).handed_over);
        h.messages = vec![Message {
            to: OSM.into(),
            delivered: false,
            failed: true,
        }];
        assert!(findings(&h, NOW).handed_over);
    }

    #[test]
    fn r11d_an_associated_enrollment_joins_its_account() {
        let mut h = history();
        h.account_domain = Some("contoso.onmicrosoft.com".into());
        assert_eq!(findings(&h, NOW).codes(), ["d"]);
        assert_eq!(joins_account(Some("x")), Some("x"));
    }

    #[test]
    fn r11e_the_email_waits_for_a_future_usage_start_date() {
        assert_eq!(sent_no_earlier_than("2026-11-01", NOW), Some(NOW));
        let later = sent_no_earlier_than("2026-12-15", NOW).unwrap();
        assert!(later > NOW);
        assert!(starts_later("2026-12-15", NOW) && !starts_later("2026-11-30", NOW));
        let mut h = history();
        h.orders = vec![order(true, "2026-12-15")];
        assert_eq!(findings(&h, NOW).codes(), ["e"]);
        h.messages = vec![message(OSM, true)];
        assert!(!findings(&h, NOW).starts_later, "delivered already");
    }

    #[test]
    fn r11f_a_recipient_who_administers_an_account_gets_the_licenses_there() {
        let mut h = history();
        let account = AdministeredAccount {
            account_id: 3,
            domain: "fabrikam.onmicrosoft.com".into(),
        };
        h.administered = HashMap::from([(OSM.to_string(), account.clone())]);
        assert_eq!(findings(&h, NOW).codes(), ["f"]);
        assert_eq!(administered_by(OSM, &h.administered), Some(&account));
        assert_eq!(administered_by(NTC, &h.administered), None);
    }

    #[test]
    fn r11g_without_an_order_nothing_is_sent() {
        let mut h = history();
        h.orders.clear();
        assert_eq!(findings(&h, NOW).codes(), ["g"]);
    }
}
