//! Reading tickets: `GET /api/v1/tickets/{id}` and `GET /api/v1/tickets?…`.

use super::ApiCaller;
use crate::app::AppState;
use crate::error::ApiError;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use rapport_domain::time::rfc3339;
use rapport_domain::{Scope, TicketStatus};
use rapport_store::{TicketFilter, TicketView};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/tickets", get(list)).route("/api/v1/tickets/{id}", get(one))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    source: Option<String>,
    external_id: Option<String>,
    status: Option<String>,
    after_id: Option<i64>,
    limit: Option<i64>,
}

async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Scope::Read)?;
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    if let Some(status) = &q.status {
        status.parse::<TicketStatus>().map_err(|e| ApiError::invalid("status", e.to_string()))?;
    }
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be between 1 and 1000"));
    }
    let filter = TicketFilter {
        source: q.source.map(|s| s.trim().to_ascii_lowercase()),
        external_id: q.external_id.map(|s| s.trim().to_string()),
        status: q.status.map(|s| s.trim().to_ascii_lowercase()),
        after_id: q.after_id,
        limit,
    };
    let tickets = state.store.tickets(&filter).await?;
    let next_after_id = (tickets.len() as i64 == limit).then(|| tickets.last().map(|t| t.id)).flatten();
    Ok(Json(json!({
        "tickets": tickets.iter().map(ticket_json).collect::<Vec<_>>(),
        "next_after_id": next_after_id,
    })))
}

async fn one(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Scope::Read)?;
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let ticket = state.store.ticket(id).await?;
    Ok(Json(ticket_json(&ticket)))
}

/// The API's ticket: times as RFC 3339 strings.
fn ticket_json(t: &TicketView) -> Value {
    let at = |ms: Option<i64>| ms.map(rfc3339);
    json!({
        "id": t.id,
        "source": t.source,
        "external_id": t.external_id,
        "title": t.title,
        "status": t.status,
        "category": t.category,
        "priority": t.priority,
        "opened_at": at(t.opened_at),
        "resolved_at": at(t.resolved_at),
        "closed_at": at(t.closed_at),
        "requester": t.requester.as_ref().map(|p| json!({
            "id": p.id, "email": p.email, "name": p.name,
            "organization": t.organization, "vip": t.requester_vip, "language": t.requester_language,
        })),
        "assignee": t.assignee,
        "team": t.team,
        "organization": t.organization,
        "last_event_at": rfc3339(t.last_event_at),
        "created_at": rfc3339(t.created_at),
        "updated_at": rfc3339(t.updated_at),
        "survey": survey_json(&t.survey),
        "history": t.history.iter().map(|h| json!({
            "event_id": h.event_id, "from_status": h.from_status, "to_status": h.to_status,
            "occurred_at": rfc3339(h.occurred_at), "applied": h.applied,
        })).collect::<Vec<_>>(),
    })
}

/// The ticket's survey story: each decision with its reason, each invitation and answer.
fn survey_json(survey: &rapport_store::survey::TicketSurvey) -> Value {
    let at = |ms: Option<i64>| ms.map(rfc3339);
    json!({
        "decision": survey.decisions.last().map(|d| json!({
            "decision": d.decision, "reason": d.reason, "decided_at": rfc3339(d.decided_at), "policy_id": d.policy_id,
        })),
        "decisions": survey.decisions.iter().map(|d| json!({
            "cycle": d.cycle, "decision": d.decision, "reason": d.reason, "decided_at": rfc3339(d.decided_at),
        })).collect::<Vec<_>>(),
        "invitations": survey.invitations.iter().map(|i| json!({
            "id": i.id, "channel": i.channel, "state": i.state, "send_at": rfc3339(i.send_at),
            "sent_at": at(i.sent_at), "expires_at": at(i.expires_at), "reminders_sent": i.reminders_sent,
            "response": i.response.as_ref().map(|r| json!({
                "csat": r.csat, "nps": r.nps, "effort": r.effort, "comment": r.comment, "reasons": r.reasons,
                "automated": r.automated, "answered_at": rfc3339(r.first_answered_at),
            })),
        })).collect::<Vec<_>>(),
    })
}
