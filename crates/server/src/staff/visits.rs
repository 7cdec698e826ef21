//! Desk visits on the staff side: the phone form a technician fills in at the desk
//! (find the ticket, tap a status, a short note, done), the day's visits, and one visit's
//! page with its survey decision and the print button.

use super::access::visibility;
use super::layout::{page, when, Frame};
use super::Staff;
use crate::app::AppState;
use crate::desk::Desk;
use crate::error::ApiError;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{Days, NaiveDate, TimeZone};
use rapport_domain::time::Millis;
use rapport_domain::token::random_hex;
use rapport_domain::visit::{check_details, VisitStatus, MAX_NEXT_STEP_CHARS, MAX_NOTE_CHARS};
use rapport_store::staff_views::{ListFilter, TicketRow};
use rapport_store::visits::{self, NewVisit, VisitRecord};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/visits", get(list).post(record))
        .route("/visits/new", get(new_visit))
        .route("/visits/{id}", get(one))
        .route("/visits/print", axum::routing::post(super::visit_cards::print))
}

/// The fields of the visit form, as typed.
#[derive(Default, Clone)]
pub struct VisitForm {
    pub ticket_id: String,
    pub status: String,
    pub note: String,
    pub next_step: String,
    pub customer_away: bool,
    pub request_key: String,
}

#[derive(Template)]
#[template(path = "staff/visit_new.html")]
struct NewVisitPage {
    frame: Frame,
    q: String,
    searched: bool,
    tickets: Vec<TicketRow>,
    statuses: Vec<(&'static str, &'static str)>,
    form: VisitForm,
    errors: Vec<(String, String)>,
    max_note: usize,
    max_next_step: usize,
}

impl NewVisitPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
}

/// Staff-facing names of the visit statuses (the customer reads translated ones).
pub fn status_name(status: &str) -> &'static str {
    match VisitStatus::parse(status) {
        Some(VisitStatus::Fixed) => "Fixed",
        Some(VisitStatus::InProgress) => "In progress",
        Some(VisitStatus::WaitingForParts) => "Waiting for parts",
        Some(VisitStatus::NeedYouPresent) => "Need you present",
        Some(VisitStatus::Escalated) => "Escalated",
        None => "Unknown",
    }
}

#[derive(Deserialize, Default)]
struct NewQuery {
    q: Option<String>,
    ticket: Option<String>,
}

/// Tickets matching the search (number, title or customer), and the chosen one.
async fn candidates(state: &AppState, staff: &Staff, q: &str, ticket: Option<i64>) -> Result<Vec<TicketRow>, ApiError> {
    let search = |text: String| {
        let filter = ListFilter { text: Some(text), limit: 20, ..ListFilter::default() };
        state.store.tickets_for(visibility(&staff.user), filter)
    };
    let mut found = match q.trim() {
        "" => Vec::new(),
        text => search(text.to_string()).await?,
    };
    if let Some(id) = ticket.filter(|id| !found.iter().any(|t| t.id == *id)) {
        match state.store.ticket(id).await {
            Ok(chosen) => found.extend(search(chosen.external_id).await?.into_iter().filter(|t| t.id == id)),
            Err(rapport_store::StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(found)
}

fn blank_form(ticket: Option<i64>) -> VisitForm {
    VisitForm {
        ticket_id: ticket.map(|t| t.to_string()).unwrap_or_default(),
        request_key: random_hex(16),
        ..VisitForm::default()
    }
}

fn new_page(
    staff: &Staff,
    q: String,
    tickets: Vec<TicketRow>,
    form: VisitForm,
    errors: Vec<(String, String)>,
) -> NewVisitPage {
    NewVisitPage {
        frame: Frame::new(staff, "Record a visit", "visits"),
        searched: !q.trim().is_empty(),
        q,
        tickets,
        statuses: VisitStatus::ALL.iter().map(|s| (s.as_str(), status_name(s.as_str()))).collect(),
        form,
        errors,
        max_note: MAX_NOTE_CHARS,
        max_next_step: MAX_NEXT_STEP_CHARS,
    }
}

async fn new_visit(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<NewQuery>,
) -> Result<Response, ApiError> {
    let ticket = query.ticket.as_deref().and_then(|t| t.parse::<i64>().ok());
    let q = query.q.unwrap_or_default();
    let tickets = candidates(&state, &staff, &q, ticket).await?;
    // One match is the ticket: preselected, so the technician only taps a status.
    let selected = ticket.or_else(|| (tickets.len() == 1).then(|| tickets[0].id));
    Ok(page(new_page(&staff, q, tickets, blank_form(selected), Vec::new())))
}

fn parse_form(body: &[u8]) -> (VisitForm, String, String) {
    let mut form = VisitForm::default();
    let (mut csrf, mut q) = (String::new(), String::new());
    for (key, value) in form_urlencoded::parse(body) {
        let value = value.into_owned();
        match key.as_ref() {
            "ticket_id" => form.ticket_id = value,
            "status" => form.status = value,
            "note" => form.note = value,
            "next_step" => form.next_step = value,
            "customer_away" => form.customer_away = !value.is_empty(),
            "request_key" => form.request_key = value,
            "csrf" => csrf = value,
            "q" => q = value,
            _ => {}
        }
    }
    (form, csrf, q)
}

/// Records the visit as the signed-in technician. The form's one-time key makes a double
/// tap (or a resend after a flaky connection) record one visit, not two.
async fn record(State(state): State<AppState>, staff: Staff, body: Bytes) -> Result<Response, ApiError> {
    let (form, csrf, q) = parse_form(&body);
    staff.check_csrf(&csrf)?;
    let now = state.clock.now();
    let mut errors = Vec::new();
    let ticket_id = form.ticket_id.trim().parse::<i64>().ok();
    let ticket = match ticket_id {
        Some(id) => match state.store.ticket(id).await {
            Ok(t) if visibility(&staff.user).allows(t.assignee.as_ref().map(|a| a.id), t.team_id) => Some(t),
            Ok(_) | Err(rapport_store::StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    if ticket.is_none() {
        errors.push(("ticket".to_string(), "Find the ticket and choose it.".to_string()));
    }
    let details =
        check_details(Some(&form.status), Some(&form.note), Some(&form.next_step), form.customer_away, None, now)
            .map_err(|e| errors.extend(e.into_iter().map(|e| (e.field, sentence(&e.message)))))
            .ok();
    let request_key = form.request_key.trim();
    if request_key.len() != 32 || !request_key.bytes().all(|b| b.is_ascii_hexdigit()) {
        errors.push(("form".to_string(), "The form expired; please fill it in again.".to_string()));
    }
    let (Some(ticket), Some(details), true) = (ticket, details, errors.is_empty()) else {
        let tickets = candidates(&state, &staff, &q, ticket_id).await?;
        let mut form = form;
        if form.request_key.len() != 32 {
            form.request_key = random_hex(16);
        }
        let mut page_ = new_page(&staff, q, tickets, form, errors);
        page_.frame.title = "Record a visit".into();
        let mut response = page(page_);
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    };
    let visit = NewVisit {
        ticket_id: ticket.id,
        agent_id: staff.user.agent_id,
        recorded_by: Some(staff.user.id),
        technician_name: staff.user.name.clone(),
        details,
        request_key: format!("form:{}:{request_key}", staff.user.id),
    };
    let outcome = state.store.write(move |conn| visits::record_visit(conn, &visit, now)).await?;
    let location = format!("/visits/{}?recorded=1", outcome.visit.id);
    Ok((StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response())
}

fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// A visit line for the staff pages.
pub struct VisitLine {
    pub v: VisitRecord,
    pub at: String,
    pub status: &'static str,
}

impl From<VisitRecord> for VisitLine {
    fn from(v: VisitRecord) -> VisitLine {
        VisitLine { at: when(v.visited_at), status: status_name(&v.status), v }
    }
}

#[derive(Template)]
#[template(path = "staff/visits.html")]
struct VisitsPage {
    frame: Frame,
    day: String,
    visits: Vec<VisitLine>,
    mine: usize,
}

#[derive(Deserialize, Default)]
struct DayQuery {
    day: Option<String>,
}

/// The desk's local day `day` (or today) as [start, end) instants.
pub fn day_bounds(desk: &Desk, day: Option<&str>, now: Millis) -> (NaiveDate, Millis, Millis) {
    let date = day
        .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .unwrap_or_else(|| desk.local(now).date_naive());
    let start_of = |date: NaiveDate| {
        let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
        desk.zone.from_local_datetime(&midnight).earliest().map(|t| t.timestamp_millis()).unwrap_or(now)
    };
    let next = date.checked_add_days(Days::new(1)).unwrap_or(date);
    (date, start_of(date), start_of(next))
}

async fn list(State(state): State<AppState>, staff: Staff, Query(q): Query<DayQuery>) -> Result<Response, ApiError> {
    let now = state.clock.now();
    let desk = state.store.read(|conn| Desk::load(conn)).await?;
    let (date, from, to) = day_bounds(&desk, q.day.as_deref(), now);
    let vis = visibility(&staff.user);
    let found = state.store.read(move |conn| visits::visits_in_scope(conn, &vis, from, to, None)).await?;
    let user_id = staff.user.agent_id;
    let mine = found.iter().filter(|v| v.agent_id.is_some() && v.agent_id == user_id).count();
    Ok(page(VisitsPage {
        frame: Frame::new(&staff, "Visits", "visits"),
        day: date.format("%Y-%m-%d").to_string(),
        visits: found.into_iter().map(VisitLine::from).collect(),
        mine,
    }))
}

#[derive(Template)]
#[template(path = "staff/visit.html")]
struct VisitPage {
    frame: Frame,
    line: VisitLine,
    recorded: bool,
}

#[derive(Deserialize, Default)]
struct RecordedQuery {
    recorded: Option<String>,
}

/// A visit the viewer may not see is "not found", as tickets are.
pub async fn visible_visit(state: &AppState, staff: &Staff, id: i64) -> Result<VisitRecord, ApiError> {
    let vis = visibility(&staff.user);
    let found =
        state.store.read(move |conn| visits::visits_in_scope(conn, &vis, i64::MIN, i64::MAX, Some(&[id]))).await?;
    found.into_iter().next().ok_or(ApiError::NotFound)
}

async fn one(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(q): Query<RecordedQuery>,
) -> Result<Response, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let visit = visible_visit(&state, &staff, id).await?;
    let title = format!("Visit: {}", visit.ticket_external_id);
    Ok(page(VisitPage {
        frame: Frame::new(&staff, title, "visits"),
        line: visit.into(),
        recorded: q.recorded.is_some(),
    }))
}
