//! Reading a message back: for tests, and for the staff view of a mailbox directory.

use mail_parser::parsers::MessageStream;
use mail_parser::{HeaderValue, MessageParser, PartType};

use crate::{MailError, Mailbox};

/// A message taken apart. Header values are unfolded and RFC 2047-decoded; bodies are
/// decoded from their transfer encoding and charset, with CRLF turned into LF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedMessage {
    /// Every top-level header in order, as (name as written, decoded value).
    pub headers: Vec<(String, String)>,
    pub from: Option<Mailbox>,
    pub to: Vec<Mailbox>,
    pub subject: Option<String>,
    /// Without angle brackets.
    pub message_id: Option<String>,
    /// The first `text/plain` body part, if any.
    pub text: Option<String>,
    /// The first `text/html` body part, if any.
    pub html: Option<String>,
}

impl ParsedMessage {
    /// The first header with this name (compared without regard to case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// All headers with this name, in order.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers.iter().filter(move |(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Parses an RFC 5322 message (MIME, quoted-printable, base64, RFC 2047 words).
pub fn parse_message(raw: &[u8]) -> Result<ParsedMessage, MailError> {
    let message =
        MessageParser::default().parse(raw).ok_or_else(|| MailError::Parse("no header section found".to_owned()))?;
    if message.headers().is_empty() {
        return Err(MailError::Parse("no header section found".to_owned()));
    }
    let headers = message.headers_raw().map(|(name, value)| (name.to_owned(), decode_unstructured(value))).collect();
    let mailbox = |a: &mail_parser::Addr<'_>| {
        a.address().map(|address| Mailbox { name: a.name().map(str::to_owned), address: address.to_owned() })
    };
    // `text_body`/`html_body` fall back to the other kind of part; only take real ones.
    let text = message.text_body.iter().filter_map(|&i| message.parts.get(i as usize)).find_map(|p| match &p.body {
        PartType::Text(t) => Some(lf(t)),
        _ => None,
    });
    let html = message.html_body.iter().filter_map(|&i| message.parts.get(i as usize)).find_map(|p| match &p.body {
        PartType::Html(h) => Some(lf(h)),
        _ => None,
    });
    Ok(ParsedMessage {
        headers,
        from: message.from().and_then(|a| a.first()).and_then(mailbox),
        to: message.to().map(|a| a.iter().filter_map(mailbox).collect()).unwrap_or_default(),
        subject: message.subject().map(str::to_owned),
        message_id: message.message_id().map(str::to_owned),
        text,
        html,
    })
}

/// Unfolds a raw header value and decodes its RFC 2047 encoded words.
fn decode_unstructured(raw: &str) -> String {
    let mut value = raw.to_owned();
    // The unstructured parser stops at a newline not followed by whitespace.
    if !value.ends_with('\n') {
        value.push_str("\r\n");
    }
    match MessageStream::new(value.as_bytes()).parse_unstructured() {
        HeaderValue::Text(t) => t.trim().to_owned(),
        _ => String::new(),
    }
}

fn lf(s: &str) -> String {
    s.replace("\r\n", "\n")
}

/// The raw (undecoded, unfolded) value of the first header named `name` in the header
/// section of `raw`, without parsing the rest of the message. Cheap enough to call per
/// delivery.
pub fn raw_header(raw: &[u8], name: &str) -> Option<String> {
    let mut found: Option<String> = None;
    for line in raw.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break; // end of the header section
        }
        if line[0] == b' ' || line[0] == b'\t' {
            if let Some(v) = found.as_mut() {
                v.push_str(&String::from_utf8_lossy(line));
            }
            continue;
        }
        if found.is_some() {
            break;
        }
        let text = String::from_utf8_lossy(line);
        if let Some((n, v)) = text.split_once(':') {
            if n.trim_end().eq_ignore_ascii_case(name) {
                found = Some(v.to_owned());
            }
        }
    }
    found.map(|v| v.trim().to_owned())
}
