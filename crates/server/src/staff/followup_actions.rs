//! The forms of a follow-up's page: tick a recovery step, add a note, close a recovery
//! case, send a check-in, mark a help request done. Each checks the form token first,
//! then that the viewer may see the follow-up (else "not found"), then acts and
//! redirects back to the page (303); bad input re-renders the page with 422 and the
//! messages, a follow-up that changed meanwhile with 409.

use super::followups::{case_again, load_case, parse_id, CaseForm, MAX_TEXT_CHARS};
use super::form_fields::Fields;
use super::Staff;
use crate::app::AppState;
use crate::desk::Desk;
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rapport_domain::followup::{check_close, CloseRecovery, RecoveryStep};
use rapport_domain::text::clean;
use rapport_store::followups;
use rapport_store::StoreError;

fn sentence(message: &str) -> String {
    let mut chars = message.trim().chars();
    match chars.next() {
        Some(first) => {
            let rest = chars.as_str().trim_end_matches('.');
            format!("{}{rest}.", first.to_uppercase())
        }
        None => String::new(),
    }
}

/// An optional text: blank is none, longer than the limit is refused.
fn optional_text(raw: &str, field: &str, errors: &mut Vec<(String, String)>) -> Option<String> {
    let text = clean(raw, true);
    if text.as_ref().is_some_and(|t| t.chars().count() > MAX_TEXT_CHARS) {
        errors.push((field.to_string(), format!("Keep it to {MAX_TEXT_CHARS} characters.")));
    }
    text
}

fn required_text(raw: &str, field: &str, missing: &str, errors: &mut Vec<(String, String)>) -> Option<String> {
    let text = optional_text(raw, field, errors);
    if text.is_none() {
        errors.push((field.to_string(), missing.to_string()));
    }
    text
}

fn back(id: i64, saved: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, format!("/follow-ups/{id}?saved={saved}"))]).into_response()
}

/// After a write: back to the page, or the page with 409 when the follow-up changed.
async fn finish(
    state: &AppState,
    staff: &Staff,
    id: i64,
    written: rapport_store::Result<()>,
    form: CaseForm,
    saved: &str,
) -> Result<Response, ApiError> {
    match written.map_err(ApiError::from) {
        Ok(()) => Ok(back(id, saved)),
        Err(conflict @ ApiError::Conflict(_)) => conflict_page(state, staff, id, form, &conflict.to_string()).await,
        Err(e) => Err(e),
    }
}

async fn conflict_page(
    state: &AppState,
    staff: &Staff,
    id: i64,
    form: CaseForm,
    message: &str,
) -> Result<Response, ApiError> {
    case_again(state, staff, id, form, Vec::new(), Some(sentence(message)), StatusCode::CONFLICT).await
}

async fn refused(
    state: &AppState,
    staff: &Staff,
    id: i64,
    form: CaseForm,
    errors: Vec<(String, String)>,
) -> Result<Response, ApiError> {
    case_again(state, staff, id, form, errors, None, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// Checks the form token and the viewer's right to the follow-up; answers its id and kind.
async fn guard(state: &AppState, staff: &Staff, raw_id: &str, fields: &Fields) -> Result<(i64, String), ApiError> {
    staff.check_csrf(&fields.get("csrf"))?;
    let id = parse_id(raw_id)?;
    let case = load_case(state, staff, id).await?;
    Ok((id, case.f.kind))
}

pub async fn tick_step(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let fields = Fields::parse(&body);
    let (id, _) = guard(&state, &staff, &id, &fields).await?;
    let mut errors = Vec::new();
    let step = RecoveryStep::parse(&fields.get("step"));
    if step.is_none() {
        errors.push(("step".to_string(), "Choose one of the recovery steps.".to_string()));
    }
    let note = optional_text(&fields.get("note"), "step", &mut errors);
    let (Some(step), true) = (step, errors.is_empty()) else {
        return refused(&state, &staff, id, CaseForm::default(), errors).await;
    };
    let (actor, now) = (staff.user.email.clone(), state.clock.now());
    let written =
        state.store.write(move |conn| followups::tick_step(conn, id, step, note.as_deref(), &actor, now)).await;
    finish(&state, &staff, id, written, CaseForm::default(), "step").await
}

pub async fn add_note(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let fields = Fields::parse(&body);
    let (id, _) = guard(&state, &staff, &id, &fields).await?;
    let raw = fields.get("note");
    let form = CaseForm { note: raw.clone(), ..CaseForm::default() };
    let mut errors = Vec::new();
    let note = required_text(&raw, "note", "Write the note first.", &mut errors);
    let (Some(note), true) = (note, errors.is_empty()) else {
        return refused(&state, &staff, id, form, errors).await;
    };
    let (actor, now) = (staff.user.email.clone(), state.clock.now());
    let written = state.store.write(move |conn| followups::add_note(conn, id, &note, &actor, now)).await;
    finish(&state, &staff, id, written, form, "note").await
}

fn close_message(field: &str, message: &str) -> String {
    let label = match field {
        "root_cause" => "The root cause",
        "service_gap" => "The service gap",
        "resolved" => "Whether the customer's problem was resolved",
        other => other,
    };
    sentence(&format!("{label} {message}"))
}

pub async fn close(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let fields = Fields::parse(&body);
    staff.check_csrf(&fields.get("csrf"))?;
    let id = parse_id(&id)?;
    let case = load_case(&state, &staff, id).await?;
    let form = CaseForm {
        root_cause: fields.get("root_cause"),
        service_gap: fields.get("service_gap"),
        resolved: fields.get("resolved"),
        ..CaseForm::default()
    };
    if case.f.kind != "recovery" {
        return conflict_page(&state, &staff, id, form, "only recovery cases are closed this way").await;
    }
    let input = CloseRecovery {
        root_cause: Some(form.root_cause.clone()),
        service_gap: Some(form.service_gap.clone()),
        resolved: match form.resolved.trim() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
    };
    let closed = match check_close(&case.rules, &input) {
        Ok(closed) => closed,
        Err(problems) => {
            let errors = problems.iter().map(|e| (e.field.clone(), close_message(&e.field, &e.message))).collect();
            return refused(&state, &staff, id, form, errors).await;
        }
    };
    let (actor, now) = (staff.user.email.clone(), state.clock.now());
    let written = state.store.write(move |conn| followups::close_recovery(conn, id, &closed, &actor, now)).await;
    finish(&state, &staff, id, written, form, "closed").await
}

pub async fn send_check_in(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let fields = Fields::parse(&body);
    let (id, kind) = guard(&state, &staff, &id, &fields).await?;
    let raw = fields.get("message");
    let form = CaseForm { message: raw.clone(), ..CaseForm::default() };
    let mut errors = Vec::new();
    let message = required_text(&raw, "message", "Write the message to the customer.", &mut errors);
    let (Some(message), true) = (message, errors.is_empty()) else {
        return refused(&state, &staff, id, form, errors).await;
    };
    if kind != "check_in" {
        return conflict_page(&state, &staff, id, form, "only check-ins are sent").await;
    }
    let (actor, now, config) = (staff.user.email.clone(), state.clock.now(), state.config.clone());
    let written = state
        .store
        .write(move |conn| {
            if !followups::check_in_sent(conn, id, &message, &actor, now)? {
                return Err(StoreError::Conflict("this check-in was already sent or is closed".into()));
            }
            let f = followups::follow_up(conn, id)?.ok_or(StoreError::NotFound)?;
            let desk = Desk::load(conn)?;
            crate::followup_mail::check_in(conn, &config, &desk, &f, &message, now)
        })
        .await;
    finish(&state, &staff, id, written, form, "sent").await
}

pub async fn mark_done(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let fields = Fields::parse(&body);
    let (id, kind) = guard(&state, &staff, &id, &fields).await?;
    let raw = fields.get("note");
    let form = CaseForm { done_note: raw.clone(), ..CaseForm::default() };
    let mut errors = Vec::new();
    let note = optional_text(&raw, "done_note", &mut errors);
    if !errors.is_empty() {
        return refused(&state, &staff, id, form, errors).await;
    }
    if kind != followups::HELP_REQUEST {
        return conflict_page(&state, &staff, id, form, "only help requests are marked done this way").await;
    }
    let (actor, now) = (staff.user.email.clone(), state.clock.now());
    let written = state.store.write(move |conn| followups::mark_done(conn, id, note.as_deref(), &actor, now)).await;
    finish(&state, &staff, id, written, form, "done").await
}
