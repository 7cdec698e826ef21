//! `GET /api/v1/openapi.json`: the API's description, kept beside the code it describes
//! (a test checks that every route the router serves is in it).

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::app::AppState;

pub const OPENAPI: &str = include_str!("../../openapi.json");

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/v1/openapi.json",
        get(|| async { ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response() }),
    )
}
