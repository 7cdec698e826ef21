//! The JSON API under `/api/v1`, plus the operational endpoints.

mod auth;
mod health;
mod json;
mod openapi;
mod policies;
mod responses;
mod settings;
mod ticket_events;
mod tickets;
mod visits;

use crate::app::AppState;
use axum::Router;

pub use auth::ApiCaller;
pub use json::ApiJson;
pub use settings::status_page_days;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(health::router())
        .merge(openapi::router())
        .merge(ticket_events::router())
        .merge(tickets::router())
        .merge(policies::router())
        .merge(responses::router())
        .merge(settings::router())
        .merge(visits::router())
}
