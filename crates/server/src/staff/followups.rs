//! Follow-ups on the staff side ("closing the loop"): the queues (mine, team, overdue,
//! closed) and one follow-up's page with its facts, the guided recovery steps, the forms
//! that work it and its timeline. The forms post to `followup_actions`.

use super::access::visibility;
use super::followup_actions as actions;
use super::layout::{page, Frame};
use super::Staff;
use crate::app::AppState;
use crate::desk::Desk;
use crate::error::ApiError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use rapport_domain::followup::{default_checkin_message, FollowUpRules, RecoveryStep, MAX_ROOT_CAUSE_CHARS};
use rapport_domain::time::Millis;
use rapport_domain::visit::first_name;
use rapport_store::followups::{self, FollowUp, Queue, TimelineEvent};
use rapport_store::StoreError;
use serde::Deserialize;

/// Notes and check-in messages are short texts, not documents.
pub const MAX_TEXT_CHARS: usize = 2_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/follow-ups", get(list))
        .route("/follow-ups/{id}", get(one))
        .route("/follow-ups/{id}/steps", post(actions::tick_step))
        .route("/follow-ups/{id}/notes", post(actions::add_note))
        .route("/follow-ups/{id}/close", post(actions::close))
        .route("/follow-ups/{id}/check-in", post(actions::send_check_in))
        .route("/follow-ups/{id}/done", post(actions::mark_done))
}

pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "recovery" => "Recovery",
        "check_in" => "Check-in",
        "help_request" => "Help request",
        _ => "Follow-up",
    }
}

pub fn state_label(state: &str) -> &'static str {
    match state {
        "pending" => "Pending",
        "open" => "Open",
        "in_progress" => "In progress",
        "done" => "Done",
        "cancelled" => "Cancelled",
        _ => "Unknown",
    }
}

fn customer(f: &FollowUp) -> String {
    f.customer_name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| f.customer_email.clone())
}

fn owner(f: &FollowUp) -> String {
    match (&f.owner_name, &f.owner_queue) {
        (Some(name), _) => name.clone(),
        (None, Some(queue)) => format!("{queue} (queue)"),
        (None, None) => "Unassigned".into(),
    }
}

/// A row of a queue.
pub struct Line {
    pub f: FollowUp,
    pub kind: &'static str,
    pub state: &'static str,
    pub customer: String,
    pub owner: String,
    /// The due time, or for a finished follow-up when it was closed.
    pub when: String,
    pub overdue: bool,
}

fn line(f: FollowUp, desk: &Desk, now: Millis) -> Line {
    let finished = matches!(f.state.as_str(), "done" | "cancelled");
    let at = if finished { f.closed_at } else { f.due_at };
    Line {
        kind: kind_label(&f.kind),
        state: state_label(&f.state),
        customer: customer(&f),
        owner: owner(&f),
        when: at.map(|at| desk.format(at)).unwrap_or_else(|| "–".into()),
        overdue: f.overdue(now),
        f,
    }
}

/// The queues: key, tab label, what an empty one says.
const QUEUES: [(&str, &str, &str); 4] = [
    ("mine", "Mine", "Nothing is waiting for you."),
    ("team", "Team", "No open follow-ups you can see."),
    ("overdue", "Overdue", "Nothing is overdue."),
    ("closed", "Closed", "No finished follow-ups yet."),
];

pub struct Tab {
    pub key: &'static str,
    pub label: &'static str,
    pub count: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "staff/follow_ups.html")]
struct ListPage {
    frame: Frame,
    tabs: Vec<Tab>,
    closed: bool,
    empty: &'static str,
    lines: Vec<Line>,
}

#[derive(Deserialize, Default)]
struct QueueQuery {
    queue: Option<String>,
}

async fn list(State(state): State<AppState>, staff: Staff, Query(q): Query<QueueQuery>) -> Result<Response, ApiError> {
    let wanted = q.queue.as_deref().map(str::trim).unwrap_or("mine");
    let chosen = QUEUES.iter().position(|(key, _, _)| *key == wanted).unwrap_or(0);
    let now = state.clock.now();
    let (vis, user_id) = (visibility(&staff.user), staff.user.id);
    let (desk, mut queues) = state
        .store
        .read(move |conn| {
            let desk = Desk::load(conn)?;
            let mut queues = Vec::new();
            for queue in [Queue::Mine(user_id), Queue::Team, Queue::Overdue(now), Queue::Closed] {
                queues.push(followups::follow_ups_for(conn, &vis, user_id, queue)?);
            }
            Ok((desk, queues))
        })
        .await?;
    let tabs = QUEUES
        .iter()
        .zip(&queues)
        .enumerate()
        .map(|(i, ((key, label, _), found))| Tab {
            key,
            label,
            // The store lists at most 300.
            count: if found.len() >= 300 { "300+".into() } else { found.len().to_string() },
            current: i == chosen,
        })
        .collect();
    let found = queues.swap_remove(chosen);
    let title = format!("Follow-ups: {}", QUEUES[chosen].1.to_lowercase());
    Ok(page(ListPage {
        frame: Frame::new(&staff, title, "follow-ups").with_counts(&state, &staff).await?,
        tabs,
        closed: QUEUES[chosen].0 == "closed",
        empty: QUEUES[chosen].2,
        lines: found.into_iter().map(|f| line(f, &desk, now)).collect(),
    }))
}

/// A follow-up the viewer may see, with what its page needs.
pub struct Case {
    pub f: FollowUp,
    pub events: Vec<TimelineEvent>,
    pub desk: Desk,
    pub rules: FollowUpRules,
}

pub fn parse_id(raw: &str) -> Result<i64, ApiError> {
    raw.trim().parse().map_err(|_| ApiError::NotFound)
}

/// Loads follow-up `id`; one the viewer may not see is "not found".
pub async fn load_case(state: &AppState, staff: &Staff, id: i64) -> Result<Case, ApiError> {
    let case = state
        .store
        .read(move |conn| {
            let Some(f) = followups::follow_up(conn, id)? else { return Ok(None) };
            let events = followups::timeline(conn, id)?;
            let desk = Desk::load(conn)?;
            let rules = match rapport_store::policies::policy_by_id(conn, f.policy_id) {
                Ok(policy) => policy.follow_up,
                Err(StoreError::NotFound) => FollowUpRules::default(),
                Err(e) => return Err(e),
            };
            Ok(Some(Case { f, events, desk, rules }))
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    let f = &case.f;
    if visibility(&staff.user).allows(f.agent_id, f.team_id) || f.owner_user_id == Some(staff.user.id) {
        Ok(case)
    } else {
        Err(ApiError::NotFound)
    }
}

/// A guided step, ticked (when, by whom, the note) or not.
pub struct StepLine {
    pub key: &'static str,
    pub title: &'static str,
    pub done: Option<(String, String, Option<String>)>,
}

pub struct EventLine {
    pub at: String,
    pub actor: String,
    pub what: String,
    pub note: Option<String>,
}

fn event_line(e: &TimelineEvent, desk: &Desk) -> EventLine {
    let step = e.step.as_deref().map(|s| RecoveryStep::parse(s).map(RecoveryStep::title).unwrap_or(s));
    let what = match e.kind.as_str() {
        "created" => "Created; waiting out the grace window".to_string(),
        "opened" => "Opened".into(),
        "acknowledged" => "Acknowledgement emailed to the customer".into(),
        "step" => format!("Step done: {}", step.unwrap_or("–")),
        "note" => "Note".into(),
        "escalated" => "Escalated".into(),
        "sent" => "Check-in sent to the customer".into(),
        "reply" => "The customer replied".into(),
        "closed" => "Closed".into(),
        "cancelled" => "Cancelled".into(),
        "recovery_survey" => "The customer rated how we handled it".into(),
        other => other.replace('_', " "),
    };
    let note = match (e.kind.as_str(), e.note.as_deref()) {
        ("reply", Some("all_good")) => Some("All good".to_string()),
        ("reply", Some("need_help")) => Some("I need help".to_string()),
        ("recovery_survey", Some(score)) => Some(format!("{score}/5")),
        (_, note) => note.map(str::to_string),
    };
    EventLine { at: desk.format(e.at), actor: e.actor.clone(), what, note }
}

/// What the case page's forms hold (as typed, after a refused post).
#[derive(Default, Clone)]
pub struct CaseForm {
    pub root_cause: String,
    pub service_gap: String,
    pub resolved: String,
    pub message: String,
    pub note: String,
    pub done_note: String,
}

#[derive(Template)]
#[template(path = "staff/follow_up.html")]
pub struct CasePage {
    pub frame: Frame,
    pub f: FollowUp,
    pub kind: &'static str,
    pub state: &'static str,
    pub customer: String,
    pub owner: String,
    pub answered: String,
    pub fires: String,
    pub first_contact_due: Option<String>,
    pub first_contact_at: Option<String>,
    pub due: Option<String>,
    pub escalated: Option<String>,
    pub closed: Option<String>,
    pub sent: Option<String>,
    pub overdue: bool,
    /// Open or in progress: the forms are shown.
    pub actionable: bool,
    pub steps: Vec<StepLine>,
    pub gaps: Vec<String>,
    pub form: CaseForm,
    pub errors: Vec<(String, String)>,
    pub problem: Option<String>,
    pub saved: Option<&'static str>,
    pub events: Vec<EventLine>,
    pub max_text: usize,
    pub max_root_cause: usize,
}

impl CasePage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
}

/// The case page; `form` keeps what was typed into a refused form.
pub async fn case_page(
    state: &AppState,
    staff: &Staff,
    case: Case,
    form: Option<CaseForm>,
    errors: Vec<(String, String)>,
    problem: Option<String>,
    saved: Option<&'static str>,
) -> Result<CasePage, ApiError> {
    let Case { f, events, desk, rules } = case;
    let now = state.clock.now();
    let steps = RecoveryStep::ALL
        .iter()
        .map(|step| StepLine {
            key: step.as_str(),
            title: step.title(),
            done: events
                .iter()
                .find(|e| e.kind == "step" && e.step.as_deref() == Some(step.as_str()))
                .map(|e| (desk.format(e.at), e.actor.clone(), e.note.clone())),
        })
        .collect();
    let form = form.unwrap_or_else(|| CaseForm {
        message: f.message.clone().unwrap_or_else(|| {
            default_checkin_message(
                f.customer_name.as_deref().map(first_name),
                f.ticket_title.as_deref(),
                f.agent_name.as_deref().map(first_name).unwrap_or_default(),
            )
        }),
        ..CaseForm::default()
    });
    let title = format!("{}: {}", kind_label(&f.kind), customer(&f));
    let format = |at: Option<Millis>| at.map(|at| desk.format(at));
    Ok(CasePage {
        frame: Frame::new(staff, title, "follow-ups").with_counts(state, staff).await?,
        kind: kind_label(&f.kind),
        state: state_label(&f.state),
        customer: customer(&f),
        owner: owner(&f),
        answered: desk.format(f.answered_at),
        fires: desk.format(f.fires_at),
        first_contact_due: format(f.first_contact_due),
        first_contact_at: format(f.first_contact_at),
        due: format(f.due_at),
        escalated: format(f.escalated_at),
        closed: format(f.closed_at),
        sent: format(f.sent_at),
        overdue: f.overdue(now),
        actionable: matches!(f.state.as_str(), "open" | "in_progress"),
        steps,
        gaps: rules.service_gaps.iter().map(|gap| gap.trim().to_string()).collect(),
        form,
        errors,
        problem,
        saved,
        events: events.iter().map(|e| event_line(e, &desk)).collect(),
        max_text: MAX_TEXT_CHARS,
        max_root_cause: MAX_ROOT_CAUSE_CHARS,
        f,
    })
}

/// The case page again with `status`: after a refused form (422) or a conflict (409).
pub async fn case_again(
    state: &AppState,
    staff: &Staff,
    id: i64,
    form: CaseForm,
    errors: Vec<(String, String)>,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let case = load_case(state, staff, id).await?;
    let mut response = page(case_page(state, staff, case, Some(form), errors, problem, None).await?);
    *response.status_mut() = status;
    Ok(response)
}

#[derive(Deserialize, Default)]
struct SavedQuery {
    saved: Option<String>,
}

fn saved_notice(what: &str) -> Option<&'static str> {
    Some(match what {
        "step" => "Step done.",
        "note" => "Note added.",
        "closed" => "Case closed. The customer gets one question about how we handled their concern.",
        "sent" => "Check-in sent to the customer.",
        "done" => "Marked done.",
        _ => return None,
    })
}

async fn one(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, ApiError> {
    let case = load_case(&state, &staff, parse_id(&id)?).await?;
    let saved = q.saved.as_deref().and_then(saved_notice);
    Ok(page(case_page(&state, &staff, case, None, Vec::new(), None, saved).await?))
}
