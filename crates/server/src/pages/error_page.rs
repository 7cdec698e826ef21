//! Errors outside the JSON API are pages for people, not JSON: the same status, a
//! sentence, and a way back.

use askama::Template;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    title: &'static str,
    message: &'static str,
}

pub async fn html_errors(request: Request, next: Next) -> Response {
    let for_people = !request.uri().path().starts_with("/api/") && request.uri().path() != "/metrics";
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(for_people && is_json && (status.is_client_error() || status.is_server_error())) {
        return response;
    }
    let (title, message) = match status.as_u16() {
        403 => ("Not allowed", "This action needs a valid form token. Reload the page and try again."),
        404 => ("Not found", "There is nothing here, or it is not yours to see."),
        413 => ("Too large", "What you sent is larger than Rapport accepts."),
        429 => ("Too many requests", "Please wait a moment and try again."),
        s if s >= 500 => ("Something went wrong", "Rapport could not finish this. The error is in its log."),
        _ => ("That did not work", "Please go back and check what you entered."),
    };
    match (ErrorPage { title, message }).render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => response,
    }
}
