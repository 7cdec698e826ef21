//! Desk visits from other tools: `POST /api/v1/visits` (idempotent by `visit_id`),
//! `GET /api/v1/visits/{id}` and `GET /api/v1/tickets/{id}/visits`.

use super::{ApiCaller, ApiJson};
use crate::app::AppState;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rapport_domain::time::rfc3339;
use rapport_domain::visit::VisitInput;
use rapport_domain::{FieldError, Scope};
use rapport_store::visits::{self, NewVisit, VisitRecord};
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/visits", post(record))
        .route("/api/v1/visits/{id}", get(one))
        .route("/api/v1/tickets/{id}/visits", get(for_ticket))
}

/// 201 with the visit; the same `visit_id` again answers 200 with the first visit and
/// `duplicate: true`. A ticket Rapport has not received is a field error, not a 404.
async fn record(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(input): ApiJson<VisitInput>,
) -> Result<Response, ApiError> {
    caller.require(Scope::Ingest)?;
    let now = state.clock.now();
    let request = input.parse(now).map_err(ApiError::Invalid)?;
    let outcome = state
        .store
        .write(move |conn| {
            let Some(ticket_id) = visits::ticket_id_by_key(conn, &request.ticket_source, &request.ticket_external_id)?
            else {
                return Ok(None);
            };
            let email = request.technician_email.as_ref().map(|e| e.as_str());
            let (agent_id, technician_name) = visits::technician(conn, email, request.technician_name.as_deref(), now)?;
            let visit = NewVisit {
                ticket_id,
                agent_id,
                recorded_by: None,
                technician_name,
                details: request.details.clone(),
                request_key: format!("api:{}:{}", request.ticket_source, request.visit_id),
            };
            visits::record_visit(conn, &visit, now).map(Some)
        })
        .await?
        .ok_or_else(|| {
            ApiError::Invalid(vec![FieldError::new("ticket.external_id", "no ticket with this source and number")])
        })?;
    let status = if outcome.created { StatusCode::CREATED } else { StatusCode::OK };
    let mut body = visit_json(&outcome.visit);
    body["duplicate"] = json!(!outcome.created);
    Ok((status, Json(body)).into_response())
}

async fn one(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Scope::Read)?;
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let visit = state.store.read(move |conn| visits::visit_by_id(conn, id)).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(visit_json(&visit)))
}

async fn for_ticket(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Scope::Read)?;
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let found = state
        .store
        .read(move |conn| {
            let exists: i64 = conn.value("SELECT COUNT(*) FROM tickets WHERE id = $1", rapport_store::params![id])?;
            if exists == 0 {
                return Ok(None);
            }
            visits::visits_for_ticket(conn, id).map(Some)
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(json!({ "visits": found.iter().map(visit_json).collect::<Vec<_>>() })))
}

pub fn visit_json(v: &VisitRecord) -> Value {
    json!({
        "id": v.id,
        "ticket": {"id": v.ticket_id, "source": v.ticket_source, "external_id": v.ticket_external_id},
        "technician": {"agent_id": v.agent_id, "name": v.technician_name},
        "status": v.status,
        "note": v.note,
        "next_step": v.next_step,
        "customer_away": v.customer_away,
        "visited_at": rfc3339(v.visited_at),
        "survey": {
            "decision": v.survey_decision,
            "reason": v.survey_reason,
            "invitation_id": v.invitation_id,
        },
    })
}
