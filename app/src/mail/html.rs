//! The HTML part of every email: the same words as its text part, laid out
//! with the portal's name, a button for the one action and the plain link
//! under it. Rendered by a compiled template (`app/templates/email.html`),
//! which escapes every value: a name holding markup reads as text.

use askama::Template;

/// A piece of an email's text, as the HTML lays it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Lines of one paragraph, kept as written.
    Lines(Vec<String>),
    /// `- item` lines.
    List(Vec<String>),
    /// A link on a line of its own: the email's action.
    Action(String),
}

/// What the button of an email says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Activate,
    AcceptInvitation,
    ChooseNewPassword,
    OpenInPortal,
}

impl Action {
    fn label(self) -> &'static str {
        match self {
            Action::Activate => "Activate your subscription",
            Action::AcceptInvitation => "Accept the invitation",
            Action::ChooseNewPassword => "Choose a new password",
            Action::OpenInPortal => "Open in the portal",
        }
    }
}

#[derive(Template)]
#[template(path = "email.html")]
struct EmailHtml<'a> {
    subject: &'a str,
    action: &'a str,
    blocks: Vec<Block>,
}

/// The text's paragraphs (separated by empty lines), each split into its
/// lines, its `- ` list and the links that stand on a line of their own.
pub fn blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    for paragraph in text.split("\n\n") {
        let mut lines = Vec::new();
        let mut items = Vec::new();
        let flush = |lines: &mut Vec<String>, items: &mut Vec<String>, blocks: &mut Vec<Block>| {
            if !lines.is_empty() {
                blocks.push(Block::Lines(std::mem::take(lines)));
            }
            if !items.is_empty() {
                blocks.push(Block::List(std::mem::take(items)));
            }
        };
        for line in paragraph
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.is_empty())
        {
            if line.starts_with("https://") || line.starts_with("http://") {
                flush(&mut lines, &mut items, &mut blocks);
                blocks.push(Block::Action(line.to_string()));
            } else if let Some(item) = line.strip_prefix("- ") {
                if !lines.is_empty() {
                    blocks.push(Block::Lines(std::mem::take(&mut lines)));
                }
                items.push(item.to_string());
            } else {
                if !items.is_empty() {
                    blocks.push(Block::List(std::mem::take(&mut items)));
                }
                lines.push(line.to_string());
            }
        }
        flush(&mut lines, &mut items, &mut blocks);
    }
    blocks
}

/// The HTML part of an email whose text part is `text`.
pub fn render(subject: &str, text: &str, action: Action) -> String {
    let page = EmailHtml {
        subject,
        action: action.label(),
        blocks: blocks(text),
    };
    // Rendering into a String fails only if a value's Display does: ours are
    // strings. The text part still carries the message if it ever did.
    page.render().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_lists_and_the_link_each_have_their_block() {
        let text = "Hello Ola,\n\nEnrollment: 1 (Main)\nPurchased: E3 × 3\n\n\
                    Sign in or register:\nhttps://portal.example/activate/abc\n\n\
                    Before you open the link:\n- sign out;\n- open it privately.\n";
        assert_eq!(
            blocks(text),
            [
                Block::Lines(vec!["Hello Ola,".into()]),
                Block::Lines(vec![
                    "Enrollment: 1 (Main)".into(),
                    "Purchased: E3 × 3".into()
                ]),
                Block::Lines(vec!["Sign in or register:".into()]),
                Block::Action("https://portal.example/activate/abc".into()),
                Block::Lines(vec!["Before you open the link:".into()]),
                Block::List(vec!["sign out;".into(), "open it privately.".into()]),
            ]
        );
    }

    #[test]
    fn the_html_says_what_the_text_says_with_a_button_and_the_plain_link() {
        let text = "Choose a new password here:\nhttps://portal.example/reset-password/t0k\n";
        let html = render("Reset your password", text, Action::ChooseNewPassword);
        assert!(html.contains("Volume Licensing portal"));
        assert!(html.contains("<title>Reset your password</title>"));
        assert!(html.contains("Choose a new password here:"));
        assert!(html.contains(">Choose a new password</a>"), "the button");
        assert_eq!(
            html.matches("href=\"https://portal.example/reset-password/t0k\"")
                .count(),
            2,
            "the button and the plain link under it"
        );
        assert!(!html.contains("<script"));
    }

    #[test]
    fn markup_in_a_name_is_escaped() {
        let text = "Hello <img src=x onerror=alert(1)> & \"Ola\",\n\nWelcome.\n";
        let html = render("Invitation <b>", text, Action::AcceptInvitation);
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(
            html.contains("&#60;img src=x onerror=alert(1)&#62; &#38; &#34;Ola&#34;,"),
            "{html}"
        );
    }
}
