//! What an alert says, and how it is rendered for Slack, Microsoft Teams and email.
//!
//! Every string in an [`Alert`] may contain text from a customer or an ITSM tool, so each renderer escapes it for
//! its target: Slack mrkdwn control characters, Teams (Adaptive Card) markdown, and control characters everywhere.
//! The field labels ("Customer", "Open case", …) are English.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Longest [`Alert::comment_start`], in characters (Unicode scalar values), including the trailing "…".
pub const COMMENT_START_CHARS: usize = 200;

/// Slack refuses a `header` block whose text is longer than this.
const SLACK_HEADER_CHARS: usize = 150;
/// Cap for single-line values (customer, ticket, owner, …); keeps every block far below Slack's 2,000/3,000 limits.
const FIELD_CHARS: usize = 300;
/// Cap for the title outside Slack's header.
const TITLE_CHARS: usize = 300;

/// Why the alert was raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// An unhappy customer: a recovery case was opened.
    Recovery,
    /// A recovery case was escalated (e.g. overdue, or reopened).
    Escalation,
    /// The customer asked to be contacted.
    HelpRequested,
    /// The periodic list of overdue cases.
    OverdueDigest,
}

impl AlertKind {
    /// Stable machine name: `recovery`, `escalation`, `help_requested`, `overdue_digest` (same as the serde form).
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Recovery => "recovery",
            AlertKind::Escalation => "escalation",
            AlertKind::HelpRequested => "help_requested",
            AlertKind::OverdueDigest => "overdue_digest",
        }
    }

    /// Short English label shown in the messages.
    pub fn label(self) -> &'static str {
        match self {
            AlertKind::Recovery => "Recovery case",
            AlertKind::Escalation => "Escalation",
            AlertKind::HelpRequested => "Help requested",
            AlertKind::OverdueDigest => "Overdue digest",
        }
    }
}

/// What an alert says (already in the staff's language). Empty strings / `None` are left out of the messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub kind: AlertKind,
    /// E.g. "Unhappy customer: Ana Silva (ticket INC0012345)".
    pub title: String,
    /// E.g. "2/5 😟" or "NPS 4".
    pub score: Option<String>,
    /// The start of the customer's comment; build it with [`comment_start`]. Renderers cut it again to
    /// [`COMMENT_START_CHARS`] in case it is longer.
    pub comment_start: Option<String>,
    pub customer: String,
    /// Ticket number and title.
    pub ticket: String,
    pub owner: String,
    /// Already formatted in the desk's time zone.
    pub due: Option<String>,
    /// Absolute URL of the case page.
    pub link: String,
}

/// The first [`COMMENT_START_CHARS`] characters of a comment, cut on a character boundary with "…" when longer;
/// control characters removed (newlines kept), surrounding whitespace trimmed. `None` for a blank comment.
pub fn comment_start(comment: &str) -> Option<String> {
    let cleaned = clean(comment, false);
    if cleaned.is_empty() {
        None
    } else {
        Some(cut(&cleaned, COMMENT_START_CHARS))
    }
}

/// Slack incoming-webhook message: `text` (notification fallback) and Block Kit `blocks` (header, fields, the
/// comment as a quote, a context line, and a button linking to the case).
pub fn slack_payload(alert: &Alert) -> Value {
    let view = View::of(alert);

    let mut fallback = format!("{}: {}", alert.kind.label(), slack_escape(&view.title));
    if let Some(score) = &view.score {
        fallback.push_str(" (");
        fallback.push_str(&slack_escape(score));
        fallback.push(')');
    }

    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": slack_escape_within(&view.title, SLACK_HEADER_CHARS), "emoji": true},
    })];

    let fields: Vec<Value> = view
        .facts()
        .into_iter()
        .map(|(label, value)| json!({"type": "mrkdwn", "text": format!("*{label}*\n{}", slack_escape(value))}))
        .collect();
    if !fields.is_empty() {
        blocks.push(json!({"type": "section", "fields": fields}));
    }

    if let Some(comment) = &view.comment {
        let quoted: Vec<String> = comment.lines().map(|line| format!("> {}", slack_escape(line))).collect();
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": quoted.join("\n")}}));
    }

    blocks.push(json!({
        "type": "context",
        "elements": [{
            "type": "mrkdwn",
            "text": format!("Rapport · {} · <{}|Open in Rapport>", alert.kind.label(), slack_link_target(&alert.link)),
        }],
    }));
    blocks.push(json!({
        "type": "actions",
        "elements": [{
            "type": "button",
            "action_id": "rapport_open_case",
            "text": {"type": "plain_text", "text": "Open case", "emoji": false},
            "style": "primary",
            "url": alert.link,
        }],
    }));

    json!({"text": fallback, "blocks": blocks})
}

/// Microsoft Teams *Workflows* ("When a Teams webhook request is received") message: the `message` envelope with one
/// Adaptive Card 1.4 attachment (title, kind, a FactSet, the comment, and an `Action.OpenUrl` to the case).
///
/// Teams renders a markdown subset in `TextBlock` and in facts, so user text there is backslash-escaped (a comment
/// like `[Reset password](https://evil)` must not become a link); the comment itself goes into a `RichTextBlock`
/// `TextRun`, which has no markdown at all.
pub fn teams_payload(alert: &Alert) -> Value {
    let view = View::of(alert);

    let mut body = vec![
        json!({
            "type": "TextBlock",
            "text": md_escape(&view.title),
            "weight": "Bolder",
            "size": "Medium",
            "wrap": true,
        }),
        json!({
            "type": "TextBlock",
            "text": alert.kind.label(),
            "isSubtle": true,
            "spacing": "None",
            "wrap": true,
        }),
    ];

    let facts: Vec<Value> =
        view.facts().into_iter().map(|(label, value)| json!({"title": label, "value": md_escape(value)})).collect();
    if !facts.is_empty() {
        body.push(json!({"type": "FactSet", "facts": facts}));
    }

    if let Some(comment) = &view.comment {
        body.push(json!({
            "type": "RichTextBlock",
            "inlines": [{"type": "TextRun", "text": comment, "italic": true}],
        }));
    }

    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "fallbackText": format!("{}: {}", alert.kind.label(), view.title),
                "body": body,
                "actions": [{"type": "Action.OpenUrl", "title": "Open case", "url": alert.link}],
                "msteams": {"width": "Full"},
            },
        }],
    })
}

/// Plain-text body for the email alert (the subject is the caller's; [`Alert::title`] fits).
pub fn email_text(alert: &Alert) -> String {
    let view = View::of(alert);
    let mut out = String::new();
    out.push_str(&view.title);
    out.push_str("\n\n");

    let facts = view.facts();
    if !facts.is_empty() {
        let width = facts.iter().map(|(label, _)| label.chars().count()).max().unwrap_or(0) + 1;
        for (label, value) in facts {
            out.push_str(&format!("{:<width$} {value}\n", format!("{label}:")));
        }
        out.push('\n');
    }

    if let Some(comment) = &view.comment {
        out.push_str("Comment:\n");
        for line in comment.lines() {
            out.push_str("> ");
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
    }

    out.push_str("Open the case: ");
    out.push_str(&clean(&alert.link, true));
    out.push_str("\n\n-- \nRapport · ");
    out.push_str(alert.kind.label());
    out.push('\n');
    out
}

/// The alert's user-supplied text, cleaned and cut, shared by the three renderers.
struct View {
    title: String,
    score: Option<String>,
    customer: String,
    ticket: String,
    owner: String,
    due: Option<String>,
    comment: Option<String>,
}

impl View {
    fn of(alert: &Alert) -> View {
        let line = |s: &str| cut(&clean(s, true), FIELD_CHARS);
        let opt = |s: &Option<String>| s.as_deref().map(line).filter(|s| !s.is_empty());
        let mut title = cut(&clean(&alert.title, true), TITLE_CHARS);
        if title.is_empty() {
            title = alert.kind.label().to_owned();
        }
        View {
            title,
            score: opt(&alert.score),
            customer: line(&alert.customer),
            ticket: line(&alert.ticket),
            owner: line(&alert.owner),
            due: opt(&alert.due),
            comment: alert.comment_start.as_deref().and_then(comment_start),
        }
    }

    /// Label/value pairs in display order, empty ones left out.
    fn facts(&self) -> Vec<(&'static str, &str)> {
        [
            ("Score", self.score.as_deref().unwrap_or("")),
            ("Customer", self.customer.as_str()),
            ("Ticket", self.ticket.as_str()),
            ("Owner", self.owner.as_str()),
            ("Due", self.due.as_deref().unwrap_or("")),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .collect()
    }
}

/// Removes control characters (CR/LF normalised to `\n` and kept unless `single_line`; tabs become spaces) and trims.
fn clean(s: &str, single_line: bool) -> String {
    let normalised = s.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(normalised.len());
    for c in normalised.chars() {
        match c {
            '\n' if single_line => out.push(' '),
            '\n' => out.push('\n'),
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.trim().to_owned()
}

/// At most `max` characters: cut on a character boundary, with "…" (counted) when something was dropped.
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// Slack's three control characters as entities (Slack decodes exactly these for display).
fn slack_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// [`slack_escape`], but the escaped result is at most `max` characters (cut with "…", never inside an entity).
fn slack_escape_within(s: &str, max: usize) -> String {
    let full = slack_escape(s);
    if full.chars().count() <= max {
        return full;
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let piece = slack_escape(c.encode_utf8(&mut [0; 4]));
        let len = piece.chars().count();
        if used + len > max - 1 {
            break;
        }
        out.push_str(&piece);
        used += len;
    }
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// A URL placed inside Slack's `<url|label>` link syntax: `&` as an entity, and `<`, `>`, `|` percent-encoded so
/// they cannot end the link early.
fn slack_link_target(url: &str) -> String {
    clean(url, true).replace('&', "&amp;").replace('<', "%3C").replace('>', "%3E").replace('|', "%7C")
}

/// Backslash-escapes the markdown Teams renders in TextBlocks and facts: emphasis (`*`, `_`, `~`), code, links
/// (`[`, `]`, `(`, `)`), and a list marker at the start.
fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let leading_digits = s.chars().take_while(char::is_ascii_digit).count();
    for (i, c) in s.chars().enumerate() {
        let special = matches!(c, '\\' | '*' | '_' | '~' | '`' | '[' | ']' | '(' | ')')
            || (i == 0 && matches!(c, '-' | '+' | '#' | '>'))
            || (i == leading_digits && leading_digits > 0 && matches!(c, '.' | ')'));
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert() -> Alert {
        Alert {
            kind: AlertKind::Recovery,
            title: "Unhappy customer: Ana Silva (ticket INC0012345)".into(),
            score: Some("2/5 😟".into()),
            comment_start: Some("Still cannot print from the 3rd floor".into()),
            customer: "Ana Silva".into(),
            ticket: "INC0012345 Printer on 3rd floor".into(),
            owner: "Bob Agent".into(),
            due: Some("Tue 12 Mar 16:00".into()),
            link: "https://rapport.example.com/cases/42".into(),
        }
    }

    fn hostile() -> Alert {
        Alert {
            title: "Unhappy customer: <script>alert(1)</script> & co".into(),
            comment_start: Some("<!channel> look at <https://evil.example|this> [Reset password](https://evil)".into()),
            customer: "<!here> Mallory".into(),
            ticket: "INC1 <b>bold</b>".into(),
            owner: "Eve > Bob".into(),
            ..alert()
        }
    }

    #[test]
    fn kind_names() {
        let all = [AlertKind::Recovery, AlertKind::Escalation, AlertKind::HelpRequested, AlertKind::OverdueDigest];
        let names: Vec<&str> = all.iter().map(|k| k.as_str()).collect();
        assert_eq!(names, ["recovery", "escalation", "help_requested", "overdue_digest"]);
        for kind in all {
            assert_eq!(serde_json::to_value(kind).unwrap(), json!(kind.as_str()));
        }
    }

    #[test]
    fn slack_payload_has_fallback_text_blocks_and_a_button_to_the_case() {
        let payload = slack_payload(&alert());
        let text = payload["text"].as_str().unwrap();
        assert!(text.contains("Unhappy customer: Ana Silva (ticket INC0012345)"), "{text}");
        assert!(text.contains("2/5 😟"), "{text}");
        let blocks = payload["blocks"].as_array().unwrap();
        assert_eq!(blocks[0]["type"], "header");
        assert_eq!(blocks[0]["text"]["type"], "plain_text");
        let fields = blocks.iter().find(|b| b.get("fields").is_some()).expect("a section with fields");
        let fields: Vec<&str> =
            fields["fields"].as_array().unwrap().iter().map(|f| f["text"].as_str().unwrap()).collect();
        assert_eq!(
            fields,
            [
                "*Score*\n2/5 😟",
                "*Customer*\nAna Silva",
                "*Ticket*\nINC0012345 Printer on 3rd floor",
                "*Owner*\nBob Agent",
                "*Due*\nTue 12 Mar 16:00"
            ]
        );
        let actions = blocks.iter().find(|b| b["type"] == "actions").expect("an actions block");
        assert_eq!(actions["elements"][0]["type"], "button");
        assert_eq!(actions["elements"][0]["url"], "https://rapport.example.com/cases/42");
        let comment = blocks.iter().find(|b| b["type"] == "section" && b.get("text").is_some()).unwrap();
        assert_eq!(comment["text"]["text"], "> Still cannot print from the 3rd floor");
    }

    #[test]
    fn slack_payload_escapes_user_text() {
        let payload = slack_payload(&hostile());
        let serialized = payload.to_string();
        for raw in ["<script>", "<!channel>", "<!here>", "<https://evil", "<b>", " & co", "Eve > Bob"] {
            assert!(!serialized.contains(raw), "{raw} survived: {serialized}");
        }
        assert!(serialized.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"), "{serialized}");
        assert!(serialized.contains("&lt;!channel&gt;"), "{serialized}");
        assert!(serialized.contains("&lt;!here&gt; Mallory"), "{serialized}");
        assert!(serialized.contains("Eve &gt; Bob"), "{serialized}");
        // The only `<…>` left is our own link to the case.
        assert_eq!(serialized.matches('<').count(), 1, "{serialized}");
        assert!(serialized.contains("<https://rapport.example.com/cases/42|Open in Rapport>"));
    }

    #[test]
    fn slack_header_stays_within_150_chars_after_escaping() {
        let a = Alert { title: "<&>".repeat(60), ..alert() };
        let payload = slack_payload(&a);
        let header = payload["blocks"][0]["text"]["text"].as_str().unwrap();
        assert!(header.chars().count() <= 150, "{}", header.chars().count());
        // Cut between entities, never inside one.
        assert!(header.ends_with("&gt;&lt;…"), "{header}");
    }

    #[test]
    fn teams_payload_is_an_adaptive_card_envelope_with_facts_and_open_url() {
        let payload = teams_payload(&alert());
        assert_eq!(payload["type"], "message");
        let attachments = payload["attachments"].as_array().unwrap();
        assert_eq!(attachments.len(), 1);
        assert_eq!(attachments[0]["contentType"], "application/vnd.microsoft.card.adaptive");
        let card = &attachments[0]["content"];
        assert_eq!(card["type"], "AdaptiveCard");
        assert_eq!(card["version"], "1.4");
        assert_eq!(card["body"][0]["type"], "TextBlock");
        assert_eq!(card["body"][0]["text"], "Unhappy customer: Ana Silva \\(ticket INC0012345\\)");
        let facts = card["body"].as_array().unwrap().iter().find(|b| b["type"] == "FactSet").expect("a FactSet");
        let facts: Vec<(&str, &str)> = facts["facts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["title"].as_str().unwrap(), f["value"].as_str().unwrap()))
            .collect();
        assert_eq!(
            facts,
            [
                ("Score", "2/5 😟"),
                ("Customer", "Ana Silva"),
                ("Ticket", "INC0012345 Printer on 3rd floor"),
                ("Owner", "Bob Agent"),
                ("Due", "Tue 12 Mar 16:00")
            ]
        );
        let actions = card["actions"].as_array().unwrap();
        assert_eq!(actions.len(), 1);
        assert_eq!(actions[0]["type"], "Action.OpenUrl");
        assert_eq!(actions[0]["url"], "https://rapport.example.com/cases/42");
        let comment = card["body"].as_array().unwrap().iter().find(|b| b["type"] == "RichTextBlock").unwrap();
        assert_eq!(comment["inlines"][0]["type"], "TextRun");
        assert_eq!(comment["inlines"][0]["text"], "Still cannot print from the 3rd floor");
    }

    #[test]
    fn teams_payload_neutralises_markdown_links_in_user_text() {
        let a = Alert { customer: "[Reset password](https://evil)".into(), ..hostile() };
        let payload = teams_payload(&a);
        let card = &payload["attachments"][0]["content"];
        let facts = card["body"].as_array().unwrap().iter().find(|b| b["type"] == "FactSet").unwrap();
        assert_eq!(facts["facts"][1]["value"], "\\[Reset password\\]\\(https://evil\\)");
        // The comment goes into a TextRun (no markdown), unchanged apart from cleaning.
        let comment = card["body"].as_array().unwrap().iter().find(|b| b["type"] == "RichTextBlock").unwrap();
        assert_eq!(
            comment["inlines"][0]["text"],
            "<!channel> look at <https://evil.example|this> [Reset password](https://evil)"
        );
    }

    #[test]
    fn md_escape_cases() {
        assert_eq!(md_escape("a_b*c"), "a\\_b\\*c");
        assert_eq!(md_escape("- item"), "\\- item");
        assert_eq!(md_escape("1. first"), "1\\. first");
        assert_eq!(md_escape("INC 1.5"), "INC 1.5");
        assert_eq!(md_escape("back\\slash"), "back\\\\slash");
    }

    #[test]
    fn email_text_lists_everything_in_plain_text() {
        let text = email_text(&alert());
        assert!(text.starts_with("Unhappy customer: Ana Silva (ticket INC0012345)\n\n"), "{text}");
        for line in [
            "Score:    2/5 😟",
            "Customer: Ana Silva",
            "Ticket:   INC0012345 Printer on 3rd floor",
            "Owner:    Bob Agent",
            "Due:      Tue 12 Mar 16:00",
            "> Still cannot print from the 3rd floor",
            "Open the case: https://rapport.example.com/cases/42",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in:\n{text}");
        }
    }

    #[test]
    fn empty_fields_are_left_out() {
        let a = Alert {
            kind: AlertKind::OverdueDigest,
            title: "3 overdue cases".into(),
            score: None,
            comment_start: Some("  \n ".into()),
            customer: String::new(),
            ticket: String::new(),
            owner: "Team L1".into(),
            due: None,
            link: "https://rapport.example.com/cases?overdue=1".into(),
        };
        let slack = slack_payload(&a);
        let blocks = slack["blocks"].as_array().unwrap();
        let fields = blocks.iter().find(|b| b.get("fields").is_some()).unwrap();
        assert_eq!(fields["fields"].as_array().unwrap().len(), 1);
        assert_eq!(blocks.len(), 4, "header, fields, context, actions: {slack}");
        let teams = teams_payload(&a);
        assert!(!teams.to_string().contains("RichTextBlock"));
        let text = email_text(&a);
        assert!(!text.contains("Customer:") && !text.contains("Comment:"), "{text}");
    }

    #[test]
    fn control_characters_are_removed_and_single_line_fields_stay_single_line() {
        let a = Alert { customer: "Ana\r\nSilva\u{0}\u{1b}[31m".into(), ..alert() };
        let text = email_text(&a);
        assert!(text.lines().any(|l| l == "Customer: Ana Silva[31m"), "{text}");
        assert!(!text.contains('\u{1b}') && !text.contains('\r') && !text.contains('\0'));
    }

    #[test]
    fn comment_start_cuts_multibyte_text_on_a_char_boundary() {
        // 3-byte and 4-byte characters, so a byte-based cut would panic or split a character.
        let long: String = "ção😟日本".repeat(100);
        let cut = comment_start(&long).unwrap();
        assert_eq!(cut.chars().count(), COMMENT_START_CHARS);
        assert!(cut.ends_with('…'));
        assert!(long.starts_with(cut.trim_end_matches('…')));

        // Exactly 200 characters: kept whole, no ellipsis.
        let exact: String = "é".repeat(COMMENT_START_CHARS);
        assert_eq!(comment_start(&exact).unwrap(), exact);
        assert_eq!(comment_start("   "), None);
        assert_eq!(comment_start(" short "), Some("short".into()));

        // Renderers cut an over-long comment_start too.
        let a = Alert { comment_start: Some("😟".repeat(500)), ..alert() };
        let teams = teams_payload(&a);
        let rich = teams["attachments"][0]["content"]["body"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["type"] == "RichTextBlock")
            .unwrap()["inlines"][0]["text"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(rich.chars().count(), COMMENT_START_CHARS);
        let slack = slack_payload(&a).to_string();
        assert!(slack.contains(&format!("> {}…", "😟".repeat(COMMENT_START_CHARS - 1))));
    }

    #[test]
    fn alert_round_trips_through_json() {
        let a = alert();
        let back: Alert = serde_json::from_value(serde_json::to_value(&a).unwrap()).unwrap();
        assert_eq!(back, a);
    }
}
