//! Server-rendered HTML pages. Customer pages need no login; they are reached by an
//! unguessable token. Static assets are compiled into the binary.

mod answer;
mod security;

use crate::app::AppState;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

pub use answer::{answer_queue, AnswerQueue};
pub use security::security_headers;

const CSS: &str = include_str!("../../static/rapport.css");
const ANSWER_JS: &str = include_str!("../../static/answer.js");

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(answer::router())
        .route("/static/rapport.css", get(|| async { ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS) }))
        .route(
            "/static/answer.js",
            get(|| async { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], ANSWER_JS).into_response() }),
        )
}
