//! Home and the answers list (with CSV export), each narrowed to what the viewer may see.

use super::access::visibility;
use super::layout::{faces, page, when, Frame};
use super::Staff;
use crate::app::AppState;
use crate::error::ApiError;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rapport_domain::time::parse_instant;
use rapport_store::followups::Queue;
use rapport_store::staff_views::{AnswerRow, ListFilter, Named, NamedKind};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home)).route("/answers", get(list)).route("/answers.csv", get(csv_export))
}

pub struct AnswerLine {
    pub row: AnswerRow,
    pub face: &'static str,
    pub when: String,
}

fn lines(rows: Vec<AnswerRow>) -> Vec<AnswerLine> {
    rows.into_iter().map(|row| AnswerLine { face: faces(row.csat), when: when(row.answered_at), row }).collect()
}

#[derive(Template)]
#[template(path = "staff/home.html")]
struct HomePage {
    frame: Frame,
    answers: Vec<AnswerLine>,
    scope_note: &'static str,
    /// The signed-in person's open follow-ups: (id, kind, customer, ticket, due, overdue).
    owed: Vec<(i64, &'static str, String, String, String, bool)>,
}

async fn home(State(state): State<AppState>, staff: Staff) -> Result<Response, ApiError> {
    let filter = ListFilter { limit: 10, ..ListFilter::default() };
    let answers = state.store.answers_for(visibility(&staff.user), filter).await?;
    let scope_note = match staff.user.role {
        rapport_store::StaffRole::Admin => "the whole desk",
        rapport_store::StaffRole::Manager => "your teams",
        rapport_store::StaffRole::Agent => "your tickets",
    };
    let (vis, user, now) = (visibility(&staff.user), staff.user.id, state.clock.now());
    let (desk, mine) = state
        .store
        .read(move |conn| {
            let mine = rapport_store::followups::follow_ups_for(conn, &vis, user, Queue::Mine(user))?;
            Ok((crate::desk::Desk::load(conn)?, mine))
        })
        .await?;
    let owed = mine
        .iter()
        .take(20)
        .map(|f| {
            let kind = match f.kind.as_str() {
                "recovery" => "Recovery",
                "check_in" => "Check-in",
                _ => "Help request",
            };
            let customer = f.customer_name.clone().unwrap_or_else(|| f.customer_email.clone());
            let due = f.due_at.map(|d| desk.format(d)).unwrap_or_default();
            (f.id, kind, customer, f.ticket_external_id.clone(), due, f.overdue(now))
        })
        .collect();
    Ok(page(HomePage {
        frame: Frame::new(&staff, "Home", "home").with_counts(&state, &staff).await?,
        answers: lines(answers),
        scope_note,
        owed,
    }))
}

#[derive(Deserialize, Default)]
pub struct AnswerQuery {
    team: Option<String>,
    agent: Option<String>,
    organization: Option<String>,
    category: Option<String>,
    since: Option<String>,
    until: Option<String>,
    max_csat: Option<String>,
    /// Words in the comment (comment themes link here).
    text: Option<String>,
    page: Option<String>,
}

fn number(raw: &Option<String>) -> Option<i64> {
    raw.as_deref().and_then(|s| s.trim().parse().ok())
}

fn text(raw: &Option<String>) -> Option<String> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

impl AnswerQuery {
    fn filter(&self, limit: i64) -> ListFilter {
        ListFilter {
            team_id: number(&self.team),
            agent_id: number(&self.agent),
            organization_id: number(&self.organization),
            category: text(&self.category),
            since: self.since.as_deref().and_then(parse_instant),
            until: self.until.as_deref().and_then(parse_instant),
            max_csat: number(&self.max_csat),
            text: text(&self.text),
            limit,
            offset: number(&self.page).unwrap_or(0).max(0) * limit,
            ..ListFilter::default()
        }
    }
}

#[derive(Template)]
#[template(path = "staff/answers.html")]
struct AnswersPage {
    frame: Frame,
    answers: Vec<AnswerLine>,
    teams: Vec<Named>,
    agents: Vec<Named>,
    q: AnswerQuery,
    page: i64,
    more: bool,
    query_string: String,
}

const PAGE: i64 = 50;

async fn list(State(state): State<AppState>, staff: Staff, Query(q): Query<AnswerQuery>) -> Result<Response, ApiError> {
    let mut answers = state.store.answers_for(visibility(&staff.user), q.filter(PAGE + 1)).await?;
    let more = answers.len() as i64 > PAGE;
    answers.truncate(PAGE as usize);
    let query_string = serde_urlencoded_pairs(&q);
    let page_number = number(&q.page).unwrap_or(0).max(0);
    Ok(page(AnswersPage {
        frame: Frame::new(&staff, "Answers", "answers"),
        answers: lines(answers),
        teams: state.store.named_for(visibility(&staff.user), NamedKind::Teams).await?,
        agents: state.store.named_for(visibility(&staff.user), NamedKind::Agents).await?,
        q,
        page: page_number,
        more,
        query_string,
    }))
}

fn serde_urlencoded_pairs(q: &AnswerQuery) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, value) in [
        ("team", &q.team),
        ("agent", &q.agent),
        ("organization", &q.organization),
        ("category", &q.category),
        ("since", &q.since),
        ("until", &q.until),
        ("max_csat", &q.max_csat),
        ("text", &q.text),
    ] {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            out.append_pair(key, value);
        }
    }
    out.finish()
}

/// A spreadsheet cell that cannot run as a formula: cells starting with `= + - @`, a
/// tab or a carriage return get a leading apostrophe.
pub fn safe_cell(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    }
}

async fn csv_export(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<AnswerQuery>,
) -> Result<Response, ApiError> {
    let answers = state.store.answers_for(visibility(&staff.user), q.filter(100_000)).await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = [
        "answered_at",
        "ticket",
        "title",
        "csat",
        "nps",
        "comment",
        "customer",
        "agent",
        "team",
        "category",
        "organization",
        "automated",
    ];
    writer.write_record(header).map_err(|e| ApiError::Internal(e.into()))?;
    for a in &answers {
        let record = [
            when(a.answered_at),
            a.ticket_external_id.clone(),
            a.ticket_title.clone().unwrap_or_default(),
            a.csat.to_string(),
            a.nps.map(|n| n.to_string()).unwrap_or_default(),
            a.comment.clone().unwrap_or_default(),
            a.customer_name.clone().unwrap_or_else(|| a.customer_email.clone()),
            a.agent_name.clone().unwrap_or_default(),
            a.team.clone().unwrap_or_default(),
            a.category.clone().unwrap_or_default(),
            a.organization.clone().unwrap_or_default(),
            a.automated.to_string(),
        ];
        writer.write_record(record.iter().map(|cell| safe_cell(cell))).map_err(|e| ApiError::Internal(e.into()))?;
    }
    let bytes = writer.into_inner().map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"answers.csv\""),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::safe_cell;

    #[test]
    fn cells_that_look_like_formulas_are_defused() {
        for risky in ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx"] {
            assert!(safe_cell(risky).starts_with('\''), "{risky:?}");
        }
        assert_eq!(safe_cell("fine, thanks"), "fine, thanks");
    }
}
