//! The organisation's audit trail of changes, as its page lists it.

use super::{in_chunks, next_key, Chunk, Export, CHUNK};
use crate::access::Task;
use crate::audit::ssr::{chunk_of_organisation, Category};
use crate::auth::CurrentUser;
use crate::domain::format_date;
use crate::error::AppError;
use crate::state::AppState;

const HEADER: &[&str] = &[
    "When", "Who", "What", "Subject", "Before", "After", "Reason",
];

/// Every change in the audit trail of `user`'s organisation, newest first;
/// for its VLSC administrators, like the page.
pub async fn audit_trail(state: AppState, user: CurrentUser) -> Result<Export, AppError> {
    Task::AdministerOrganisation.allows(&user)?;
    let organisation = user.organisation_id;
    let file_name = format!("audit-trail-{}.csv", format_date(state.clock.now().date()));
    Ok(in_chunks(file_name, HEADER, move |before| {
        let db = state.db.clone();
        async move {
            let entries =
                chunk_of_organisation(&db, organisation, Category::Changes, before, CHUNK).await?;
            Ok(Chunk {
                next: next_key(entries.len(), entries.last().map(|(id, _)| *id)),
                rows: entries
                    .into_iter()
                    .map(|(_, e)| {
                        vec![
                            e.at,
                            e.actor,
                            e.action,
                            e.subject,
                            e.before.unwrap_or_default(),
                            e.after.unwrap_or_default(),
                            e.reason.unwrap_or_default(),
                        ]
                    })
                    .collect(),
            })
        }
    }))
}
