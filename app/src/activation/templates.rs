//! The activation emails' words: one template per email (R1, R8, R12).

pub use crate::domain::{Template, AZURE_SUBJECT, OLS_SUBJECT};

/// What a message body says.
#[derive(Debug, Clone)]
pub struct EmailFacts<'a> {
    pub enrollment_number: &'a str,
    pub enrollment_name: &'a str,
    pub purchased: &'a str,
    pub link: &'a str,
    pub expires_on: &'a str,
}

/// What an order bought, as its activation email says it: "product ×
/// quantity" for each of its lines, in line order. Written on the activation
/// when the order is decided.
pub fn purchased<'a>(lines: impl IntoIterator<Item = (&'a str, i64)>) -> String {
    lines
        .into_iter()
        .map(|(product, quantity)| format!("{product} × {quantity}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The plain-text body of an activation message.
pub fn body(template: Template, facts: &EmailFacts<'_>) -> String {
    let intro = match template {
        Template::Ols => "Online services have been ordered under your Volume Licensing enrollment.",
        Template::Azure => {
            "Azure has been ordered under your Volume Licensing enrollment. As its notices contact \
             you are the Azure administrator; after you activate it you can add other administrators."
        }
        // Account emails are written by `accounts::emails` and notices when
        // they are queued; the outbox never asks for them here, and would get
        // the bare link if it did.
        _ => return format!("{}\n", facts.link),
    };
    format!(
        "{intro}\n\n\
         Enrollment: {number} ({name})\n\
         Purchased: {purchased}\n\n\
         Sign in or register to start using your new subscription:\n{link}\n\n\
         This link expires on {expires}. If it has expired, ask Support to reactivate it.\n\n\
         Before you open the link (to avoid activating on the wrong account):\n\
         - sign out of any other Microsoft service accounts;\n\
         - open the link in a private (InPrivate or incognito) browser window.\n",
        number = facts.enrollment_number,
        name = facts.enrollment_name,
        purchased = facts.purchased,
        link = facts.link,
        expires = facts.expires_on,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r1_the_ols_subject_is_the_articles() {
        assert_eq!(
            Template::Ols.subject(),
            "Sign in or register to start using your new subscription."
        );
        assert_eq!(Template::parse("ols"), Some(Template::Ols));
    }

    #[test]
    fn an_orders_lines_read_in_line_order() {
        assert_eq!(
            purchased([("Microsoft 365 E3", 25), ("Azure", 1)]),
            "Microsoft 365 E3 × 25, Azure × 1"
        );
        assert_eq!(purchased([]), "");
    }

    #[test]
    fn r12_the_body_carries_the_link_and_the_advice() {
        let facts = EmailFacts {
            enrollment_number: "10000001",
            enrollment_name: "Main",
            purchased: "Microsoft 365 E3 × 25",
            link: "https://portal.example/activate/abc",
            expires_on: "2027-05-02",
        };
        let text = body(Template::Ols, &facts);
        assert!(text.contains("10000001"));
        assert!(text.contains("Microsoft 365 E3 × 25"));
        assert!(text.contains("https://portal.example/activate/abc"));
        assert!(text.contains("private"));
        assert!(text.contains("sign out"));
    }
}
