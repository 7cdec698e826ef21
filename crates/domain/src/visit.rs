//! A technician's visit to a customer's desk: what the technician records (status, a note
//! for the customer, the next step, whether the customer was away), checked field by field.
//! The same rules serve the phone form and `POST /api/v1/visits`.

use crate::event::{parse_source, FieldError};
use crate::text::{clean, clean_line};
use crate::time::{parse_instant, Millis};
use serde::{Deserialize, Serialize};

/// The note and the next step are read on a postcard: short by design.
pub const MAX_NOTE_CHARS: usize = 500;
pub const MAX_NEXT_STEP_CHARS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitStatus {
    Fixed,
    InProgress,
    WaitingForParts,
    NeedYouPresent,
    Escalated,
}

impl VisitStatus {
    pub const ALL: [VisitStatus; 5] =
        [Self::Fixed, Self::InProgress, Self::WaitingForParts, Self::NeedYouPresent, Self::Escalated];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fixed => "fixed",
            Self::InProgress => "in_progress",
            Self::WaitingForParts => "waiting_for_parts",
            Self::NeedYouPresent => "need_you_present",
            Self::Escalated => "escalated",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let key = raw.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        Self::ALL.into_iter().find(|s| s.as_str() == key)
    }
}

/// The wire form of a visit, lenient: every field optional, so one reply names every
/// problem.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct VisitInput {
    /// The sender's own id for the visit: a retried request with the same id records
    /// nothing new.
    pub visit_id: Option<String>,
    pub ticket: Option<VisitTicketInput>,
    pub technician: Option<TechnicianInput>,
    pub status: Option<String>,
    pub note: Option<String>,
    pub next_step: Option<String>,
    #[serde(default)]
    pub customer_away: bool,
    pub visited_at: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct VisitTicketInput {
    pub external_id: Option<String>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct TechnicianInput {
    pub email: Option<String>,
    pub name: Option<String>,
}

/// A checked visit, ready to store. The ticket is named by the caller (the form knows its
/// id; the API its source and number).
#[derive(Debug, Clone, PartialEq)]
pub struct VisitDetails {
    pub status: VisitStatus,
    pub note: Option<String>,
    pub next_step: Option<String>,
    pub customer_away: bool,
    pub visited_at: Millis,
}

/// Checks status, note and next step; `now` stands in for a missing visit time. A visit
/// time more than five minutes in the future is refused: cards say when we were there.
pub fn check_details(
    status: Option<&str>,
    note: Option<&str>,
    next_step: Option<&str>,
    customer_away: bool,
    visited_at: Option<&str>,
    now: Millis,
) -> Result<VisitDetails, Vec<FieldError>> {
    let mut errors = Vec::new();
    let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
        None => {
            errors.push(FieldError::new("status", "choose the status of the problem"));
            None
        }
        Some(raw) => VisitStatus::parse(raw).or_else(|| {
            let known: Vec<&str> = VisitStatus::ALL.iter().map(|s| s.as_str()).collect();
            errors.push(FieldError::new("status", format!("{raw:?} is not one of {}", known.join(", "))));
            None
        }),
    };
    let note = bounded_text("note", note, MAX_NOTE_CHARS, true, &mut errors);
    let next_step = bounded_text("next_step", next_step, MAX_NEXT_STEP_CHARS, false, &mut errors);
    let visited_at = match visited_at.map(str::trim).filter(|s| !s.is_empty()) {
        None => now,
        Some(raw) => match parse_instant(raw) {
            Some(at) if at <= now + 5 * 60_000 => at,
            Some(_) => {
                errors.push(FieldError::new("visited_at", "is in the future"));
                now
            }
            None => {
                errors.push(FieldError::new("visited_at", format!("{raw:?} is not an RFC 3339 time")));
                now
            }
        },
    };
    match status {
        Some(status) if errors.is_empty() => Ok(VisitDetails { status, note, next_step, customer_away, visited_at }),
        _ => Err(errors),
    }
}

/// Too long is an error, not a silent cut: the technician wrote it for the customer.
fn bounded_text(
    field: &str,
    raw: Option<&str>,
    max: usize,
    multiline: bool,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let text = clean(raw?, multiline)?;
    let length = text.chars().count();
    if length > max {
        errors.push(FieldError::new(field, format!("is {length} characters; at most {max} fit on a card")));
        return None;
    }
    Some(text)
}

/// The API form checked whole: the visit and the ticket it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitRequest {
    pub visit_id: String,
    pub ticket_source: String,
    pub ticket_external_id: String,
    pub technician_email: Option<crate::Email>,
    pub technician_name: Option<String>,
    pub details: VisitDetails,
}

impl VisitInput {
    pub fn parse(&self, now: Millis) -> Result<VisitRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        let visit_id = match self.visit_id.as_deref().and_then(|v| clean_line(v, 200)) {
            Some(id) => Some(id),
            None => {
                errors.push(FieldError::new("visit_id", "is required (your id for this visit, to make retries safe)"));
                None
            }
        };
        let ticket = self.ticket.clone().unwrap_or_default();
        let source =
            parse_source(ticket.source.as_deref()).map_err(|m| errors.push(FieldError::new("ticket.source", m)));
        let external_id = ticket.external_id.as_deref().and_then(|v| clean_line(v, 200));
        if external_id.is_none() {
            errors.push(FieldError::new("ticket.external_id", "is required"));
        }
        let technician = self.technician.clone().unwrap_or_default();
        let technician_email = match technician.email.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => crate::Email::parse(raw)
                .map_err(|_| {
                    errors.push(FieldError::new("technician.email", format!("{raw:?} is not an email address")))
                })
                .ok(),
        };
        let technician_name = technician.name.as_deref().and_then(|n| clean_line(n, 200));
        if technician_email.is_none()
            && technician_name.is_none()
            && !errors.iter().any(|e| e.field.starts_with("tech"))
        {
            errors.push(FieldError::new("technician", "give the technician's email or name"));
        }
        let details = check_details(
            self.status.as_deref(),
            self.note.as_deref(),
            self.next_step.as_deref(),
            self.customer_away,
            self.visited_at.as_deref(),
            now,
        )
        .map_err(|mut e| errors.append(&mut e))
        .ok();
        match (visit_id, source, external_id, details) {
            (Some(visit_id), Ok(ticket_source), Some(ticket_external_id), Some(details)) if errors.is_empty() => {
                Ok(VisitRequest {
                    visit_id,
                    ticket_source,
                    ticket_external_id,
                    technician_email,
                    technician_name,
                    details,
                })
            }
            _ => Err(errors),
        }
    }
}

/// The first name, for a personal signature ("— Tom") that says no more than needed. A
/// name that is an email address gives its first word before the `@`, never the address.
pub fn first_name(full: &str) -> &str {
    let word = full.split_whitespace().next().unwrap_or(full);
    match word.split_once('@') {
        Some((local, _)) => local.split(['.', '_', '-', '+']).next().unwrap_or(local),
        None => word,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Millis = 1_800_000_000_000;

    fn input(json: serde_json::Value) -> VisitInput {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn statuses_round_trip_and_accept_human_spellings() {
        for status in VisitStatus::ALL {
            assert_eq!(VisitStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(VisitStatus::parse("Waiting for parts"), Some(VisitStatus::WaitingForParts));
        assert_eq!(VisitStatus::parse("need-you-present"), Some(VisitStatus::NeedYouPresent));
        assert_eq!(VisitStatus::parse("broken"), None);
    }

    #[test]
    fn a_complete_visit_parses() {
        let visit = input(serde_json::json!({
            "visit_id": "v-1", "ticket": {"external_id": "INC1"},
            "technician": {"email": "tom@desk.example", "name": "Tom Berg"},
            "status": "waiting_for_parts", "note": "Toner ordered", "next_step": "Swap the drum on Monday",
            "customer_away": true, "visited_at": "2026-11-20T10:42:00Z"
        }))
        .parse(NOW)
        .unwrap();
        assert_eq!(visit.ticket_source, "api");
        assert_eq!(visit.details.status, VisitStatus::WaitingForParts);
        assert!(visit.details.customer_away);
        assert_eq!(visit.details.next_step.as_deref(), Some("Swap the drum on Monday"));
    }

    #[test]
    fn every_problem_is_named() {
        let errors = input(serde_json::json!({
            "technician": {"email": "not an email"}, "status": " ", "note": "x".repeat(501),
            "visited_at": "yesterday"
        }))
        .parse(NOW)
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for field in ["visit_id", "ticket.external_id", "technician.email", "status", "note", "visited_at"] {
            assert!(fields.contains(&field), "{field} missing from {fields:?}");
        }
    }

    #[test]
    fn an_empty_status_and_an_oversized_next_step_are_refused() {
        let errors = check_details(Some(""), None, Some(&"y".repeat(201)), false, None, NOW).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert!(check_details(Some("fixed"), Some("  "), None, false, None, NOW).unwrap().note.is_none());
    }

    #[test]
    fn a_visit_in_the_future_is_refused() {
        let errors = check_details(Some("fixed"), None, None, false, Some("2100-01-01T00:00:00Z"), NOW).unwrap_err();
        assert_eq!(errors[0].field, "visited_at");
    }

    #[test]
    fn first_names() {
        assert_eq!(first_name("Tom Berg"), "Tom");
        assert_eq!(first_name("Ana"), "Ana");
        assert_eq!(first_name("tom.berg@desk.example"), "tom");
        assert_eq!(first_name(""), "");
    }
}
