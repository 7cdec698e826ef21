//! Tickets: search and filter, and a ticket's page with its history, survey decision,
//! invitations and answer. A ticket the viewer may not see is "not found".

use super::access::visibility;
use super::layout::{page, when, Frame};
use super::Staff;
use crate::app::AppState;
use crate::error::ApiError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use rapport_domain::time::parse_instant;
use rapport_domain::TicketStatus;
use rapport_store::staff_views::{ListFilter, Named, NamedKind, TicketRow};
use rapport_store::TicketView;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/tickets", get(list)).route("/tickets/{id}", get(one))
}

#[derive(Deserialize, Default)]
struct TicketQuery {
    q: Option<String>,
    status: Option<String>,
    team: Option<String>,
    agent: Option<String>,
    organization: Option<String>,
    category: Option<String>,
    since: Option<String>,
    until: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/tickets.html")]
struct TicketsPage {
    frame: Frame,
    tickets: Vec<(TicketRow, String)>,
    statuses: Vec<&'static str>,
    teams: Vec<Named>,
    agents: Vec<Named>,
    organizations: Vec<Named>,
    q: TicketQuery,
}

fn some(raw: &Option<String>) -> Option<String> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

async fn list(State(state): State<AppState>, staff: Staff, Query(q): Query<TicketQuery>) -> Result<Response, ApiError> {
    let filter = ListFilter {
        text: some(&q.q),
        status: some(&q.status).filter(|s| s.parse::<TicketStatus>().is_ok()),
        team_id: some(&q.team).and_then(|s| s.parse().ok()),
        agent_id: some(&q.agent).and_then(|s| s.parse().ok()),
        organization_id: some(&q.organization).and_then(|s| s.parse().ok()),
        category: some(&q.category),
        since: q.since.as_deref().and_then(parse_instant),
        until: q.until.as_deref().and_then(parse_instant),
        limit: 100,
        ..ListFilter::default()
    };
    let tickets = state.store.tickets_for(visibility(&staff.user), filter).await?;
    Ok(page(TicketsPage {
        frame: Frame::new(&staff, "Tickets", "tickets"),
        tickets: tickets
            .into_iter()
            .map(|t| {
                let w = when(t.updated_at);
                (t, w)
            })
            .collect(),
        statuses: TicketStatus::ALL.iter().map(|s| s.as_str()).collect(),
        teams: state.store.named_for(visibility(&staff.user), NamedKind::Teams).await?,
        agents: state.store.named_for(visibility(&staff.user), NamedKind::Agents).await?,
        organizations: state.store.named_for(visibility(&staff.user), NamedKind::Organizations).await?,
        q,
    }))
}

#[derive(Template)]
#[template(path = "staff/ticket.html")]
struct TicketPage {
    frame: Frame,
    t: TicketView,
    history: Vec<(String, String, String, bool)>,
    decision: Option<(String, String, String)>,
    invitations: Vec<InvitationLine>,
    visits: Vec<super::visits::VisitLine>,
}

struct InvitationLine {
    channel: String,
    state: String,
    sent: String,
    expires: String,
    reminders: i64,
    answer: Option<(i64, String, String, bool)>,
}

async fn one(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let ticket = state.store.ticket(id).await?;
    if !visibility(&staff.user).allows(ticket.assignee.as_ref().map(|a| a.id), ticket.team_id) {
        return Err(ApiError::NotFound);
    }
    let history = ticket
        .history
        .iter()
        .map(|h| (when(h.occurred_at), h.from_status.clone().unwrap_or_default(), h.to_status.clone(), h.applied))
        .collect();
    let decision =
        ticket.survey.decisions.last().map(|d| (d.decision.replace('_', " "), d.reason.clone(), when(d.decided_at)));
    let invitations = ticket
        .survey
        .invitations
        .iter()
        .map(|i| InvitationLine {
            channel: i.channel.replace('_', " "),
            state: i.state.clone(),
            sent: i.sent_at.map(when).unwrap_or_else(|| format!("scheduled for {}", when(i.send_at))),
            expires: i.expires_at.map(when).unwrap_or_default(),
            reminders: i.reminders_sent,
            answer: i
                .response
                .as_ref()
                .map(|r| (r.csat, r.comment.clone().unwrap_or_default(), when(r.first_answered_at), r.automated)),
        })
        .collect();
    let visits = state.store.read(move |conn| rapport_store::visits::visits_for_ticket(conn, id)).await?;
    let visits = visits.into_iter().map(super::visits::VisitLine::from).collect();
    let title = format!("{} {}", ticket.external_id, ticket.title.clone().unwrap_or_default());
    let frame = Frame::new(&staff, title, "tickets");
    Ok(page(TicketPage { frame, t: ticket, history, decision, invitations, visits }))
}
