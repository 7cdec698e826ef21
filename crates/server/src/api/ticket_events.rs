//! `POST /api/v1/ticket-events`: what ticketing tools send us.

use super::{ApiCaller, ApiJson};
use crate::app::AppState;
use crate::error::ApiError;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use rapport_domain::event::TicketEventInput;
use rapport_domain::Scope;
use rapport_store::IngestOutcome;
use std::sync::atomic::Ordering;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/ticket-events", post(receive))
}

/// Applies one event and answers with its outcome. The same `event_id` sent again
/// answers as the first did, with `duplicate: true`.
async fn receive(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(input): ApiJson<TicketEventInput>,
) -> Result<Json<IngestOutcome>, ApiError> {
    caller.require(Scope::Ingest)?;
    let now = state.clock.now();
    let event = input.parse(now).map_err(|errors| {
        state.metrics.events_rejected.fetch_add(1, Ordering::Relaxed);
        ApiError::Invalid(errors)
    })?;
    let outcome = state.ingest.submit((event, now)).await?;
    let counter = if outcome.duplicate { &state.metrics.events_duplicate } else { &state.metrics.events_ingested };
    counter.fetch_add(1, Ordering::Relaxed);
    Ok(Json(outcome))
}
