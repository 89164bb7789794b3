//! What the partner who submitted a CICR is told: the operations center's
//! decision, and that every system shows the change. Each notice is queued in
//! the transaction that takes the step it tells of, so it is sent once,
//! however often the step is tried again.

use crate::db::Tx;
use crate::domain::{ChangeId, ContactType, Template};
use crate::error::AppError;
use crate::mail::{enqueue_one, Message, Queued};

/// What a notice says about a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChangeFacts {
    pub reference: String,
    pub enrollment_number: String,
    pub contact: &'static str,
    pub new_name: String,
    pub submitter: String,
}

/// The text of `template` about `change`, with ROC's comment when it gave one.
pub(crate) fn text(template: Template, change: &ChangeFacts, comment: Option<&str>) -> String {
    let ChangeFacts {
        reference,
        enrollment_number: number,
        contact,
        new_name,
        submitter,
    } = change;
    let comment = comment
        .map(|c| format!("\n\nThe operations center's comment: {c}"))
        .unwrap_or_default();
    let what = match template {
        Template::ChangeApproved => format!(
            "The operations center approved your contact change request {reference}: \
             the {contact} of enrollment {number} becomes {new_name}.{comment}\n\n\
             VLSC and explore.ms show it once it has reached them. Follow it on its page:"
        ),
        Template::ChangeRejected => format!(
            "The operations center rejected your contact change request {reference} \
             for the {contact} of enrollment {number}; nothing was changed.{comment}\n\n\
             You can submit a new request from the enrollment's page. The request:"
        ),
        Template::ChangeNotApplied => format!(
            "The operations center approved your contact change request {reference}, \
             but the {contact} of enrollment {number} had changed since you asked, \
             so your request was not applied.{comment}\n\n\
             Submit a new request if the change is still needed. The request:"
        ),
        _ => format!(
            "Your contact change request {reference} is complete: VLSC and explore.ms \
             now show {new_name} as the {contact} of enrollment {number}.\n\nThe request:"
        ),
    };
    format!("Hello {submitter},\n\n{what}")
}

/// Queues `template` to the partner user who submitted `change`.
pub(crate) async fn tell_submitter(
    tx: &mut Tx,
    change: ChangeId,
    template: Template,
    comment: Option<&str>,
    at: i64,
) -> Result<(), AppError> {
    let (reference, number, contact_type, new_name, submitter, to): (
        String,
        String,
        String,
        String,
        String,
        String,
    ) = sqlx::query_as(
        "SELECT c.reference, e.enrollment_number, c.contact_type, c.new_name, s.display_name, s.email \
         FROM contact_changes c JOIN enrollments e ON e.id = c.enrollment_id \
         JOIN users s ON s.id = c.submitted_by WHERE c.id = $1",
    )
    .bind(change)
    .fetch_one(&mut **tx)
    .await?;
    let contact = ContactType::parse(&contact_type)
        .map_err(|_| AppError::Internal)?
        .label();
    let facts = ChangeFacts {
        reference: reference.clone(),
        enrollment_number: number,
        contact,
        new_name,
        submitter,
    };
    let message = Message::Notice {
        template,
        enrollment_id: None,
        text: text(template, &facts, comment),
        path: format!("/changes/{reference}"),
    };
    enqueue_one(
        tx,
        Queued {
            message,
            to,
            not_before: at,
        },
        at,
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change() -> ChangeFacts {
        ChangeFacts {
            reference: "CICR-000042".into(),
            enrollment_number: "10000011".into(),
            contact: "Bill-to contact",
            new_name: "Robin Bill".into(),
            submitter: "Pat Partner".into(),
        }
    }

    #[test]
    fn each_notice_names_the_request_the_contact_and_what_happened() {
        let approved = text(
            Template::ChangeApproved,
            &change(),
            Some("Matches the signed form"),
        );
        assert!(approved.starts_with("Hello Pat Partner,\n\n"));
        assert!(approved.contains("approved your contact change request CICR-000042"));
        assert!(approved.contains("the Bill-to contact of enrollment 10000011 becomes Robin Bill"));
        assert!(approved.contains("comment: Matches the signed form"));
        let rejected = text(Template::ChangeRejected, &change(), Some("No signed form"));
        assert!(rejected.contains("rejected") && rejected.contains("nothing was changed"));
        assert!(rejected.contains("comment: No signed form"));
        let not_applied = text(Template::ChangeNotApplied, &change(), None);
        assert!(
            not_applied.contains("had changed since you asked") && !not_applied.contains("comment")
        );
        let complete = text(Template::ChangeComplete, &change(), None);
        assert!(complete.contains("complete: VLSC and explore.ms now show Robin Bill"));
        for t in [approved, rejected, not_applied, complete] {
            assert!(
                !t.contains("R7") && !t.contains("ROC"),
                "people read no rule or team codes: {t}"
            );
        }
    }
}
