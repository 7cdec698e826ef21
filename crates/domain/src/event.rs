//! A ticket event as a ticketing tool sends it (`TicketEventInput`, lenient, every field
//! optional) and as Rapport accepts it (`TicketEvent`, checked). Parsing collects every
//! problem with the name of its field, so one reply tells the sender all that is wrong.

use crate::email::Email;
use crate::status::TicketStatus;
use crate::text::clean_line;
use crate::time::{parse_instant, Millis};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// The wire form. Unknown fields are ignored: ticketing tools send far more than this.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct TicketEventInput {
    pub event_id: Option<String>,
    pub source: Option<String>,
    pub occurred_at: Option<String>,
    pub ticket: Option<TicketInput>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct TicketInput {
    pub external_id: Option<String>,
    pub title: Option<String>,
    pub status: Option<String>,
    pub category: Option<String>,
    pub priority: Option<String>,
    pub opened_at: Option<String>,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
    pub requester: Option<PersonInput>,
    pub assignee: Option<PersonInput>,
    pub team: Option<String>,
    /// The `Message-ID` of the ticket's mail thread, so survey mail can join the thread.
    pub message_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct PersonInput {
    pub email: Option<String>,
    pub name: Option<String>,
    pub organization: Option<String>,
    pub vip: Option<bool>,
    pub language: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketEvent {
    pub event_id: String,
    pub source: String,
    pub occurred_at: Millis,
    pub ticket: TicketData,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketData {
    pub external_id: String,
    pub title: Option<String>,
    pub status: TicketStatus,
    pub category: Option<String>,
    pub priority: Option<String>,
    pub opened_at: Option<Millis>,
    pub resolved_at: Option<Millis>,
    pub closed_at: Option<Millis>,
    pub requester: Option<Requester>,
    pub assignee: Option<Assignee>,
    pub team: Option<String>,
    pub message_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester {
    pub email: Email,
    pub name: Option<String>,
    pub organization: Option<String>,
    pub vip: Option<bool>,
    pub language: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignee {
    pub email: Email,
    pub name: Option<String>,
}

pub const MAX_ID_CHARS: usize = 200;
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_TITLE_CHARS: usize = 500;

/// Collects field errors while reading one input.
#[derive(Default)]
struct Checker {
    errors: Vec<FieldError>,
}

impl Checker {
    fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    fn required_id(&mut self, field: &str, raw: Option<&str>) -> Option<String> {
        match raw.and_then(|s| clean_line(s, usize::MAX)) {
            None => {
                self.fail(field, "is required");
                None
            }
            Some(id) if id.chars().count() > MAX_ID_CHARS => {
                self.fail(field, format!("is longer than {MAX_ID_CHARS} characters"));
                None
            }
            Some(id) => Some(id),
        }
    }

    fn instant(&mut self, field: &str, raw: Option<&str>) -> Option<Millis> {
        let raw = raw.filter(|s| !s.trim().is_empty())?;
        let parsed = parse_instant(raw);
        if parsed.is_none() {
            self.fail(field, "is not a timestamp (use RFC 3339, e.g. 2026-11-20T14:03:00Z)");
        }
        parsed
    }

    fn email(&mut self, field: &str, raw: Option<&str>) -> Option<Email> {
        match raw.filter(|s| !s.trim().is_empty()) {
            None => {
                self.fail(field, "is required");
                None
            }
            Some(raw) => Email::parse(raw).map_err(|e| self.fail(field, e.to_string())).ok(),
        }
    }
}

fn optional_line(raw: Option<&str>, max: usize) -> Option<String> {
    raw.and_then(|s| clean_line(s, max))
}

/// A language tag reduced to what we need: `pt`, `pt-br`, `de`.
fn language(checker: &mut Checker, field: &str, raw: Option<&str>) -> Option<String> {
    let raw = raw.map(str::trim).filter(|s| !s.is_empty())?;
    let tag = raw.replace('_', "-").to_ascii_lowercase();
    let mut parts = tag.split('-');
    let primary_ok =
        parts.next().is_some_and(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_lowercase()));
    let rest_ok = parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if primary_ok && rest_ok && tag.len() <= 35 {
        Some(tag)
    } else {
        checker.fail(field, format!("{raw:?} is not a language tag (e.g. en, pt-BR)"));
        None
    }
}

/// A source names the sending tool: lower-case letters, digits, `.`, `_`, `-`.
pub fn parse_source(raw: Option<&str>) -> Result<String, String> {
    let source = raw.map(str::trim).filter(|s| !s.is_empty()).unwrap_or("api").to_ascii_lowercase();
    let ok = source.len() <= 64 && source.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(source)
    } else {
        Err("must be at most 64 letters, digits, '.', '_' or '-'".into())
    }
}

impl TicketEventInput {
    /// Checks the input. `received_at` stands in for a missing `occurred_at`.
    pub fn parse(&self, received_at: Millis) -> Result<TicketEvent, Vec<FieldError>> {
        let mut c = Checker::default();
        let event_id = c.required_id("event_id", self.event_id.as_deref());
        let source = parse_source(self.source.as_deref()).map_err(|m| c.fail("source", m)).ok();
        let occurred_at = c.instant("occurred_at", self.occurred_at.as_deref()).unwrap_or(received_at);
        let ticket = match &self.ticket {
            None => {
                c.fail("ticket", "is required");
                None
            }
            Some(ticket) => ticket.parse(&mut c),
        };
        match (event_id, source, ticket) {
            (Some(event_id), Some(source), Some(ticket)) if c.errors.is_empty() => {
                Ok(TicketEvent { event_id, source, occurred_at, ticket })
            }
            _ => Err(c.errors),
        }
    }
}

impl TicketInput {
    fn parse(&self, c: &mut Checker) -> Option<TicketData> {
        let external_id = c.required_id("ticket.external_id", self.external_id.as_deref());
        let status = match self.status.as_deref().filter(|s| !s.trim().is_empty()) {
            None => {
                c.fail("ticket.status", "is required");
                None
            }
            Some(raw) => raw.parse::<TicketStatus>().map_err(|e| c.fail("ticket.status", e.to_string())).ok(),
        };
        let opened_at = c.instant("ticket.opened_at", self.opened_at.as_deref());
        let resolved_at = c.instant("ticket.resolved_at", self.resolved_at.as_deref());
        let closed_at = c.instant("ticket.closed_at", self.closed_at.as_deref());
        let requester = self.requester.as_ref().and_then(|p| {
            let email = c.email("ticket.requester.email", p.email.as_deref())?;
            Some(Requester {
                email,
                name: optional_line(p.name.as_deref(), MAX_NAME_CHARS),
                organization: optional_line(p.organization.as_deref(), MAX_NAME_CHARS),
                vip: p.vip,
                language: language(c, "ticket.requester.language", p.language.as_deref()),
            })
        });
        let assignee = self.assignee.as_ref().and_then(|p| {
            let email = c.email("ticket.assignee.email", p.email.as_deref())?;
            Some(Assignee { email, name: optional_line(p.name.as_deref(), MAX_NAME_CHARS) })
        });
        Some(TicketData {
            external_id: external_id?,
            title: optional_line(self.title.as_deref(), MAX_TITLE_CHARS),
            status: status?,
            category: optional_line(self.category.as_deref(), MAX_NAME_CHARS),
            priority: optional_line(self.priority.as_deref(), 32),
            opened_at,
            resolved_at,
            closed_at,
            requester,
            assignee,
            team: optional_line(self.team.as_deref(), MAX_NAME_CHARS),
            message_id: optional_line(self.message_id.as_deref(), 998)
                .filter(|id| id.chars().all(|c| c.is_ascii_graphic())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> TicketEventInput {
        serde_json::from_str(
            r#"{
              "event_id": "evt-000123", "source": "api", "occurred_at": "2026-11-20T14:03:00Z",
              "ticket": {
                "external_id": "INC0012345", "title": "Printer on floor 3 jams", "status": "closed",
                "category": "Hardware", "priority": "3",
                "opened_at": "2026-11-19T09:00:00Z", "resolved_at": "2026-11-20T13:50:00Z",
                "closed_at": "2026-11-20T14:03:00Z",
                "requester": {"email": "ana@example.com", "name": "Ana Silva",
                              "organization": "Finance", "vip": false, "language": "pt"},
                "assignee": {"email": "tom@desk.example", "name": "Tom Berg"},
                "team": "Desktop Support", "some_tool_field": {"ignored": true}
              }
            }"#,
        )
        .unwrap()
    }

    #[test]
    fn the_documented_example_parses() {
        let event = example().parse(0).unwrap();
        assert_eq!(event.event_id, "evt-000123");
        assert_eq!(event.ticket.status, TicketStatus::Closed);
        assert_eq!(event.ticket.requester.unwrap().language.as_deref(), Some("pt"));
        assert_eq!(event.ticket.assignee.unwrap().email.as_str(), "tom@desk.example");
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let mut input = example();
        input.event_id = None;
        let ticket = input.ticket.as_mut().unwrap();
        ticket.status = Some("solved".into());
        ticket.closed_at = Some("yesterday".into());
        ticket.requester.as_mut().unwrap().email = Some("not an email".into());
        let fields: Vec<String> = input.parse(0).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["event_id", "ticket.status", "ticket.closed_at", "ticket.requester.email"]);
    }

    #[test]
    fn a_missing_occurred_at_means_received_now_and_source_defaults_to_api() {
        let mut input = example();
        input.occurred_at = None;
        input.source = None;
        let event = input.parse(42).unwrap();
        assert_eq!((event.occurred_at, event.source.as_str()), (42, "api"));
    }

    #[test]
    fn odd_sources_and_languages_are_rejected() {
        let mut input = example();
        input.source = Some("my tool!".into());
        input.ticket.as_mut().unwrap().requester.as_mut().unwrap().language = Some("portuguese!".into());
        let fields: Vec<String> = input.parse(0).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["source", "ticket.requester.language"]);
    }
}
