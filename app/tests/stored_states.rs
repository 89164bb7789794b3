//! Every state a query names in its SQL (`status = 'sent'`, `status IN
//! ('awaiting_roc', 'propagating')`) is the code of a state enum, so that a
//! literal the partial indexes need cannot drift from the code the Rust side
//! writes and reads.

use app::contacts::lifecycle::ChangeStatus;
use app::domain::{EnrollmentStatus, InvitationStatus, OrderStatus, OutboxStatus};
use app::support::TicketStatus;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

fn known_codes() -> BTreeSet<&'static str> {
    let mut codes = BTreeSet::new();
    codes.extend(OrderStatus::ALL.iter().map(|s| s.code()));
    codes.extend(OutboxStatus::ALL.iter().map(|s| s.code()));
    codes.extend(InvitationStatus::ALL.iter().map(|s| s.code()));
    codes.extend(EnrollmentStatus::ALL.iter().map(|s| s.code()));
    codes.extend(ChangeStatus::ALL.iter().map(|s| s.code()));
    codes.extend(
        [
            TicketStatus::Open,
            TicketStatus::Done,
            TicketStatus::Refused,
        ]
        .map(TicketStatus::code),
    );
    codes
}

/// The quoted words after `status =`, `status <>` or `status IN (` in `text`.
fn named_states(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in text.match_indices("status") {
        let rest = text[at + "status".len()..].trim_start();
        let list = if let Some(r) = rest.strip_prefix("IN (") {
            r.split(')').next().unwrap_or_default()
        } else if let Some(r) = rest.strip_prefix("= ").or_else(|| rest.strip_prefix("<> ")) {
            r.split([' ', ',', '"', '\\']).next().unwrap_or_default()
        } else {
            continue;
        };
        for item in list.split(',') {
            let item = item.trim();
            if let Some(code) = item.strip_prefix('\'').and_then(|i| i.strip_suffix('\'')) {
                found.push(code.to_string());
            }
        }
    }
    found
}

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in fs::read_dir(dir).expect("a readable directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = fs::read_to_string(&path).expect("a readable source file");
            out.push((path.display().to_string(), text));
        }
    }
}

#[test]
fn every_state_named_in_sql_is_a_known_code() {
    let known = known_codes();
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut named = 0;
    let mut unknown = Vec::new();
    for (file, text) in &files {
        for code in named_states(text) {
            named += 1;
            if !known.contains(code.as_str()) {
                unknown.push(format!("{file}: '{code}'"));
            }
        }
    }
    assert!(named >= 15, "the scan found only {named} states in SQL");
    assert!(unknown.is_empty(), "states no enum knows: {unknown:#?}");
}

#[test]
fn the_scan_reads_each_form_of_a_state_in_sql() {
    let sql = "WHERE status = 'sent' AND c.status IN ('awaiting_roc', 'propagating') AND t.status <> 'open'";
    assert_eq!(
        named_states(sql),
        ["sent", "awaiting_roc", "propagating", "open"]
    );
    assert!(named_states("SET status = $1").is_empty());
}
