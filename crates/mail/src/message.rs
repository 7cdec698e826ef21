//! Building one outgoing message into its final RFC 5322 bytes.
//!
//! The bytes are built once and stored in the outbox; a retry sends them as they are, so the
//! recipient sees one Message-ID however often delivery is tried.
//!
//! Header injection is ruled out here rather than trusted to callers: free text (subject,
//! display names) has every control character replaced by a space, and structured values
//! (addresses, message ids, URLs) are validated and refused with a [`MailError`] when they
//! hold anything outside their grammar.

use std::time::SystemTime;

use chrono::{DateTime, Datelike, Utc};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox as LettreMailbox, MultiPart};
use lettre::Address;

use crate::MailError;

/// A display name and an address, as in `From: Ana Sílva <ana@example.com>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub name: Option<String>,
    pub address: String,
}

impl Mailbox {
    pub fn new(name: impl Into<String>, address: impl Into<String>) -> Mailbox {
        Mailbox { name: Some(name.into()), address: address.into() }
    }

    /// An address without a display name.
    pub fn address(address: impl Into<String>) -> Mailbox {
        Mailbox { name: None, address: address.into() }
    }

    fn to_lettre(&self) -> Result<LettreMailbox, MailError> {
        let address = parse_address(&self.address)?;
        let name = self.name.as_deref().map(clean_text).filter(|n| !n.is_empty());
        Ok(LettreMailbox::new(name, address))
    }
}

/// A message ready to send. Built once; its bytes are stored in the outbox and sent as they
/// are, so a retry sends the identical message with the same Message-ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub from: Mailbox,
    pub to: Mailbox,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Without angle brackets, e.g. `inv-42.1@rapport.example`.
    pub message_id: String,
    /// A Message-ID from the ticket thread; angle brackets are optional.
    pub in_reply_to: Option<String>,
    /// An `https` URL for one-click unsubscribe (RFC 8058).
    pub list_unsubscribe: Option<String>,
    /// Adds `Auto-Submitted: auto-generated` (RFC 3834) so auto-responders stay quiet.
    pub auto_submitted: bool,
    pub date: DateTime<Utc>,
}

impl OutgoingEmail {
    /// The message as RFC 5322 bytes with CRLF line endings: `multipart/alternative` with a
    /// UTF-8 `text/plain` and `text/html` part, each in the transfer encoding lettre finds
    /// smallest (7bit, quoted-printable or base64).
    pub fn to_bytes(&self) -> Result<Vec<u8>, MailError> {
        let message_id = parse_message_id(&self.message_id)?;
        let in_reply_to = self.in_reply_to.as_deref().map(parse_message_id).transpose()?;
        let unsubscribe = self.list_unsubscribe.as_deref().map(parse_unsubscribe_url).transpose()?;
        // httpdate (behind lettre's Date header) panics outside these years.
        if !(1970..=9999).contains(&self.date.year()) {
            return Err(MailError::Build(format!("date {} is outside 1970-9999", self.date)));
        }

        let mut builder = lettre::Message::builder()
            .from(self.from.to_lettre()?)
            .to(self.to.to_lettre()?)
            .raw_header(subject_header(&clean_text(&self.subject)))
            .date(SystemTime::from(self.date))
            .message_id(Some(format!("<{message_id}>")));
        if let Some(parent) = in_reply_to {
            // Only the one parent is known, so References holds just it (RFC 5322 §3.6.4
            // allows that when the parent's own References are unknown).
            builder = builder.in_reply_to(format!("<{parent}>")).references(format!("<{parent}>"));
        }
        if self.auto_submitted {
            builder = builder.raw_header(header("Auto-Submitted", "auto-generated"));
        }
        if let Some(url) = unsubscribe {
            builder = builder
                .raw_header(header("List-Unsubscribe", &format!("<{url}>")))
                .raw_header(header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"));
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(self.text.clone(), self.html.clone()))
            .map_err(|e| MailError::Build(e.to_string()))?;
        Ok(message.formatted())
    }
}

/// lettre encodes word by word, and so loses the spaces between two non-ASCII words
/// separated by more than one space, leaves text shaped like an encoded word (`=?…?=`) for
/// the reader to decode, and cannot fold one very long word. Such subjects are encoded
/// whole here instead; plain ASCII ones stay readable.
fn subject_header(subject: &str) -> HeaderValue {
    let name = HeaderName::new_from_ascii_str("Subject");
    let plain = subject.is_ascii() && !subject.contains("=?") && subject.split(' ').all(|w| w.len() <= 200);
    if plain {
        return HeaderValue::new(name, subject.to_owned());
    }
    // 39 bytes make 52 base64 characters: each folded line stays under 78 characters.
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in subject.chars() {
        if chunk.len() + c.len_utf8() > 39 {
            words.push(encoded_word(&chunk));
            chunk.clear();
        }
        chunk.push(c);
    }
    words.push(encoded_word(&chunk));
    // Safe to pass as pre-encoded: base64 words joined by CRLF + space (folding).
    HeaderValue::dangerous_new_pre_encoded(name, subject.to_owned(), words.join("\r\n "))
}

fn encoded_word(s: &str) -> String {
    use base64::Engine;
    format!("=?utf-8?b?{}?=", base64::engine::general_purpose::STANDARD.encode(s))
}

fn header(name: &'static str, value: &str) -> HeaderValue {
    // `HeaderValue::new` encodes the value (RFC 2047 for anything unusual); every value
    // passed here has already been validated as printable ASCII.
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value.to_owned())
}

/// Free text for a header: each run of control characters (CR, LF, TAB, DEL, C1, and the
/// Unicode line and paragraph separators) becomes one space, so no input can start a new
/// header line; surrounding whitespace is trimmed.
pub fn clean_text(s: &str) -> String {
    let breaks = |c: char| c.is_control() || c == '\u{2028}' || c == '\u{2029}';
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if breaks(c) {
            pending_space = true;
        } else {
            if pending_space && !out.is_empty() && !out.ends_with(' ') && c != ' ' {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
    }
    out.trim().to_owned()
}

/// An email address, refused when lettre's grammar refuses it or it holds whitespace or
/// control characters (which lettre's grammar would allow in quoted local parts).
pub fn parse_address(s: &str) -> Result<Address, MailError> {
    if s.is_empty() || s.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(MailError::InvalidAddress(s.to_owned()));
    }
    s.parse::<Address>().map_err(|_| MailError::InvalidAddress(s.to_owned()))
}

/// Longest message id accepted: ample for real ids, and well inside a 998-byte header line.
const MAX_MESSAGE_ID: usize = 250;

/// A Message-ID without its angle brackets (which are optional in the input). Accepted:
/// `id-left "@" id-right` of RFC 5322 §3.6.4 without obsolete forms, i.e. dot-atom-text on
/// the left, and dot-atom-text or a `[…]` literal of printable ASCII on the right.
pub fn parse_message_id(s: &str) -> Result<String, MailError> {
    let invalid = |why: &str| MailError::InvalidMessageId { id: s.to_owned(), reason: why.to_owned() };
    let trimmed = s.trim_matches(|c: char| c == ' ');
    let inner = match trimmed.strip_prefix('<') {
        Some(rest) => rest.strip_suffix('>').ok_or_else(|| invalid("unbalanced angle brackets"))?,
        None => trimmed,
    };
    if inner.is_empty() {
        return Err(invalid("empty"));
    }
    if inner.len() > MAX_MESSAGE_ID {
        return Err(invalid("longer than 250 bytes"));
    }
    let (left, right) = inner.rsplit_once('@').ok_or_else(|| invalid("no '@'"))?;
    if !is_dot_atom(left) {
        return Err(invalid("left of '@' is not a dot-atom"));
    }
    let right_ok = match right.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        Some(literal) => literal.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'[' | b']' | b'\\')),
        None => is_dot_atom(right),
    };
    if !right_ok {
        return Err(invalid("right of '@' is neither a dot-atom nor a [literal]"));
    }
    Ok(inner.to_owned())
}

fn is_dot_atom(s: &str) -> bool {
    let atext = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b);
    !s.is_empty() && s.split('.').all(|a| !a.is_empty() && a.bytes().all(atext))
}

/// Longest unsubscribe URL accepted: lettre does not fold a value without spaces, and the
/// header line must stay under 998 bytes.
const MAX_URL: usize = 900;

/// An `https` URL for List-Unsubscribe, in its normalized (percent-encoded, ASCII) form.
/// Whitespace and control characters are refused rather than silently dropped (the URL
/// parser would drop tabs and newlines), so a mangled link is noticed.
pub fn parse_unsubscribe_url(s: &str) -> Result<String, MailError> {
    let invalid = |why: &str| MailError::InvalidUrl { url: s.to_owned(), reason: why.to_owned() };
    if s.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(invalid("contains whitespace or control characters"));
    }
    let url = url::Url::parse(s).map_err(|e| invalid(&e.to_string()))?;
    // A desk on its own machine (http://127.0.0.1:8080) can try the whole loop; anywhere
    // else RFC 8058 one-click needs https.
    let loopback =
        matches!(url.host_str(), Some("localhost" | "[::1]")) || url.host_str().is_some_and(|h| h.starts_with("127."));
    if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
        return Err(invalid("not https (RFC 8058 one-click needs https)"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("no host"));
    }
    let out = url.as_str();
    if out.len() > MAX_URL {
        return Err(invalid("longer than 900 bytes"));
    }
    // The serializer percent-encodes these; checked anyway since the header relies on it.
    if !out.bytes().all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>') {
        return Err(invalid("unexpected characters after normalization"));
    }
    Ok(out.to_owned())
}
