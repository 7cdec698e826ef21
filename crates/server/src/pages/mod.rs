//! Server-rendered HTML pages. Customer pages need no login; they are reached by an
//! unguessable token. Static assets are compiled into the binary.

mod answer;
mod error_page;
mod follow_up;
mod security;
mod status;

use crate::app::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

pub use answer::{answer_queue, AnswerQueue};
pub use error_page::html_errors;
pub use security::{security_headers, CspNonce};
pub use status::DEFAULT_STATUS_PAGE_DAYS;

/// A short page for customers: a title and one message (a link that ended, a thank-you).
#[derive(askama::Template)]
#[template(path = "answer/closed.html")]
pub(crate) struct MessagePage {
    pub logo: bool,
    pub lang: String,
    pub desk: String,
    pub title: String,
    pub body: String,
}

/// A customer page that is never cached (its links carry tokens).
pub(crate) fn render(status: StatusCode, page: impl askama::Template) -> axum::response::Response {
    match page.render() {
        Ok(html) => (status, [(header::CACHE_CONTROL, "no-store")], axum::response::Html(html)).into_response(),
        Err(error) => crate::error::ApiError::Internal(error.into()).into_response(),
    }
}

const CSS: &str = include_str!("../../static/rapport.css");
const ANSWER_JS: &str = include_str!("../../static/answer.js");

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(answer::router())
        .merge(status::router())
        .merge(follow_up::router())
        .route("/brand/logo", get(logo))
        .route("/static/rapport.css", get(|| async { ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS) }))
        .route(
            "/static/answer.js",
            get(|| async { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], ANSWER_JS).into_response() }),
        )
}

/// The desk's logo from `logo_file`, if one is configured.
async fn logo(State(state): State<AppState>) -> axum::response::Response {
    if let Ok(Some(stored)) = state.store.setting(crate::staff::LOGO_SETTING).await {
        if let Some((kind, bytes)) = crate::staff::decode_logo(&stored) {
            return ([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "public, max-age=300".to_string())], bytes)
                .into_response();
        }
    }
    let path = state.config.logo_file.trim();
    let kind = match path.rsplit('.').next().map(str::to_ascii_lowercase).as_deref() {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("svg") => "image/svg+xml",
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    match tokio::fs::read(path).await {
        Ok(bytes) => {
            ([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "public, max-age=3600")], bytes).into_response()
        }
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}
