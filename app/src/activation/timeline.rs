//! The delivery timeline of an enrollment's activation emails: each decision,
//! each message queued, scheduled, tried, sent or given up, in time order.
//! Worked out from the rows the diagnoser read; no query here.

use super::TimelineEntry;
use crate::domain::{format_time as when, EmailAddress, OutboxStatus};

/// One outbox message, as the timeline reads it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MessageRow {
    pub id: i64,
    pub to_email: String,
    pub subject: String,
    pub status: String,
    pub attempts: i64,
    pub not_before: i64,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub last_error: Option<String>,
    pub next_attempt_at: i64,
}

/// One failed try: the message, which try, when, what kind of failure, and
/// the mail server's reply (or what went wrong on the way).
pub type FailedTry = (i64, i64, i64, String, String);

/// Whether the timeline quotes the mail server's replies: support reads
/// them (they may name addresses and servers); customers read what they mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replies {
    Quoted,
    Explained,
}

/// One decision of the engine: the order, its outcome, why, and when.
pub type DecisionRow = (String, String, String, i64);

/// An address as the timeline shows it: masked.
pub fn masked(email: &str) -> String {
    EmailAddress::parse(email)
        .map(|e| e.masked())
        .unwrap_or_else(|_| "(unreadable address)".into())
}

/// The timeline, oldest first.
pub fn timeline(
    decisions: &[DecisionRow],
    messages: &[MessageRow],
    failed_tries: &[FailedTry],
    replies: Replies,
) -> Vec<TimelineEntry> {
    let mut timeline: Vec<TimelineEntry> = decisions
        .iter()
        .cloned()
        .map(|(order, outcome, reason, at)| TimelineEntry {
            at: when(at),
            sort: at,
            event: format!("Order {order}: {reason}"),
            outcome,
        })
        .collect();
    for m in messages {
        let to = masked(&m.to_email);
        timeline.push(TimelineEntry {
            at: when(m.created_at),
            sort: m.created_at,
            event: format!("Queued \u{201c}{}\u{201d} to {to}.", m.subject),
            outcome: "queued".into(),
        });
        if m.not_before > m.created_at {
            timeline.push(TimelineEntry {
                at: when(m.not_before),
                sort: m.not_before,
                event: format!("Scheduled to go to {to} on the usage start date."),
                outcome: "scheduled".into(),
            });
        }
        for (_, attempt, at, kind, reply) in failed_tries.iter().filter(|t| t.0 == m.id) {
            let why = match kind.as_str() {
                "refused" => "the mail server refused it",
                "rejected" => "the mail server refused it for good, so it is not tried again",
                "timed_out" => "the mail server did not answer in time",
                "insecure" => "no secure connection to the mail server could be made",
                "not_composed" => "the message could not be prepared",
                _ => "the mail server could not be reached or dropped the connection",
            };
            let quoted = match replies {
                Replies::Quoted if !reply.is_empty() => format!(" (\u{201c}{reply}\u{201d})"),
                _ => String::new(),
            };
            timeline.push(TimelineEntry {
                at: when(*at),
                sort: *at,
                event: format!("Try {attempt} to {to} failed: {why}{quoted}."),
                outcome: "try_failed".into(),
            });
        }
        match OutboxStatus::parse(&m.status) {
            Ok(OutboxStatus::Sent) => {
                let at = m.sent_at.unwrap_or(m.created_at);
                timeline.push(TimelineEntry {
                    at: when(at),
                    sort: at,
                    event: format!(
                        "Sent to {to} on try {}; accepted by the mail server.",
                        m.attempts
                    ),
                    outcome: "sent".into(),
                });
            }
            Ok(OutboxStatus::Failed) => timeline.push(TimelineEntry {
                at: when(m.next_attempt_at),
                sort: m.next_attempt_at,
                event: if m.attempts == 1 {
                    "Failed on the first try: the mail server did not accept it.".to_string()
                } else {
                    format!(
                        "Failed after {} tries: the mail server did not accept it.",
                        m.attempts
                    )
                },
                outcome: "failed".into(),
            }),
            _ if m.attempts > 0 => timeline.push(TimelineEntry {
                at: when(m.next_attempt_at),
                sort: m.next_attempt_at,
                event: format!(
                    "Try {} is due{}.",
                    m.attempts + 1,
                    m.last_error
                        .as_ref()
                        .map(|_| " after the failed one")
                        .unwrap_or_default()
                ),
                outcome: "retrying".into(),
            }),
            _ => {}
        }
    }
    timeline.sort_by_key(|t| t.sort);
    timeline
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(status: &str, attempts: i64) -> MessageRow {
        MessageRow {
            id: 1,
            to_email: "osm@contoso.example".into(),
            subject: "Sign in or register to start using your new subscription.".into(),
            status: status.into(),
            attempts,
            not_before: 1_800_000_000,
            created_at: 1_800_000_000,
            sent_at: Some(1_800_000_600),
            last_error: None,
            next_attempt_at: 1_800_000_600,
        }
    }

    fn outcomes(entries: &[TimelineEntry]) -> Vec<&str> {
        entries.iter().map(|e| e.outcome.as_str()).collect()
    }

    #[test]
    fn r11c_each_try_and_the_delivery_are_on_the_timeline_in_order() {
        let decisions = [(
            "OR-1".to_string(),
            "email_queued".to_string(),
            "The activation email was queued for the OSM.".to_string(),
            1_800_000_000,
        )];
        let tries = [(
            1,
            1,
            1_800_000_100,
            "refused".to_string(),
            "451 4.3.0 busy".to_string(),
        )];
        let entries = timeline(
            &decisions,
            &[message("sent", 2)],
            &tries,
            Replies::Explained,
        );
        assert_eq!(
            outcomes(&entries),
            ["email_queued", "queued", "try_failed", "sent"]
        );
        assert!(entries[2].event.contains("the mail server refused it"));
        assert!(entries[3].event.contains("on try 2"));
        assert!(
            !entries[1].event.contains("osm@contoso.example"),
            "addresses are masked"
        );
    }

    #[test]
    fn r11c_support_reads_the_mail_servers_reply_and_customers_what_it_means() {
        let tries = [(
            1,
            1,
            1_800_000_100,
            "rejected".to_string(),
            "535 5.7.8 Authentication credentials invalid".to_string(),
        )];
        let failed = [message("failed", 1)];
        let support = timeline(&[], &failed, &tries, Replies::Quoted);
        assert!(
            support[1].event.contains("refused it for good")
                && support[1]
                    .event
                    .contains("535 5.7.8 Authentication credentials invalid"),
            "{:?}",
            support[1].event
        );
        assert!(support[2].event.contains("on the first try"));
        let customer = timeline(&[], &failed, &tries, Replies::Explained);
        assert!(customer[1].event.contains("refused it for good"));
        assert!(
            !customer[1].event.contains("535"),
            "{:?}",
            customer[1].event
        );
    }

    #[test]
    fn r11e_a_message_held_for_its_start_date_shows_when_it_goes() {
        let mut held = message("queued", 0);
        held.not_before = 1_800_086_400;
        let entries = timeline(&[], &[held], &[], Replies::Explained);
        assert_eq!(outcomes(&entries), ["queued", "scheduled"]);
    }

    #[test]
    fn a_message_given_up_and_one_waiting_for_its_next_try_say_so() {
        let entries = timeline(&[], &[message("failed", 5)], &[], Replies::Explained);
        assert!(entries
            .last()
            .unwrap()
            .event
            .starts_with("Failed after 5 tries"));
        let mut waiting = message("queued", 1);
        waiting.last_error = Some("refused".into());
        let entries = timeline(&[], &[waiting], &[], Replies::Explained);
        assert_eq!(
            entries.last().unwrap().event,
            "Try 2 is due after the failed one."
        );
    }
}
