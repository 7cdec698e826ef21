//! Admin pages: the local mailbox (what Rapport "sent", as the customer sees it) and
//! the audit log.

use super::access::require_admin;
use super::layout::{page, when, Frame};
use super::Staff;
use crate::app::AppState;
use crate::error::ApiError;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rapport_mail::{parse_message, MailboxDir};
use rapport_store::sessions::AuditEntry;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/mailbox", get(mailbox))
        .route("/mailbox/{file}", get(message))
        .route("/mailbox/{file}/html", get(message_html))
        .route("/audit", get(audit))
}

fn admin(staff: &Staff) -> Result<(), ApiError> {
    require_admin(&staff.user)
}

fn mailbox_dir(state: &AppState) -> Option<MailboxDir> {
    state.config.smtp_url.trim().is_empty().then(|| MailboxDir::new(state.config.data_dir.join("mail")))
}

pub struct MailLine {
    file: String,
    subject: String,
    to: String,
    when: String,
}

#[derive(Template)]
#[template(path = "staff/mailbox.html")]
struct MailboxPage {
    frame: Frame,
    enabled: bool,
    messages: Vec<MailLine>,
}

async fn mailbox(State(state): State<AppState>, staff: Staff) -> Result<Response, ApiError> {
    admin(&staff)?;
    let Some(dir) = mailbox_dir(&state) else {
        return Ok(page(MailboxPage {
            frame: Frame::new(&staff, "Mailbox", "mailbox"),
            enabled: false,
            messages: Vec::new(),
        }));
    };
    let mut entries = dir.list();
    entries.sort_by(|a, b| b.file_name.cmp(&a.file_name));
    let messages = entries
        .into_iter()
        .take(200)
        .filter_map(|entry| {
            let parsed = parse_message(&dir.read(&entry.file_name)?).ok()?;
            Some(MailLine {
                subject: parsed.subject.clone().unwrap_or_default(),
                to: parsed.to.iter().map(|m| m.address.clone()).collect::<Vec<_>>().join(", "),
                when: when(entry.modified.timestamp_millis()),
                file: entry.file_name,
            })
        })
        .collect();
    Ok(page(MailboxPage { frame: Frame::new(&staff, "Mailbox", "mailbox"), enabled: true, messages }))
}

#[derive(Template)]
#[template(path = "staff/message.html")]
struct MessagePage {
    frame: Frame,
    file: String,
    headers: Vec<(String, String)>,
    text: String,
}

async fn message(State(state): State<AppState>, staff: Staff, Path(file): Path<String>) -> Result<Response, ApiError> {
    admin(&staff)?;
    let raw = mailbox_dir(&state).and_then(|dir| dir.read(&file)).ok_or(ApiError::NotFound)?;
    let parsed = parse_message(&raw).map_err(|e| ApiError::Internal(e.into()))?;
    let shown = ["From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe", "Auto-Submitted"];
    let headers =
        parsed.headers.iter().filter(|(name, _)| shown.iter().any(|s| s.eq_ignore_ascii_case(name))).cloned().collect();
    let title = parsed.subject.clone().unwrap_or_else(|| file.clone());
    Ok(page(MessagePage {
        frame: Frame::new(&staff, title, "mailbox"),
        file,
        headers,
        text: parsed.text.unwrap_or_default(),
    }))
}

/// The message's HTML as the customer's mail program would show it, inside a sandboxed
/// frame: no scripts, no forms, nothing from elsewhere.
async fn message_html(
    State(state): State<AppState>,
    staff: Staff,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    admin(&staff)?;
    let raw = mailbox_dir(&state).and_then(|dir| dir.read(&file)).ok_or(ApiError::NotFound)?;
    let html = parse_message(&raw).map_err(|e| ApiError::Internal(e.into()))?.html.unwrap_or_default();
    let mut response = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'",
        ),
    );
    Ok(response)
}

#[derive(Template)]
#[template(path = "staff/audit.html")]
struct AuditPage {
    frame: Frame,
    entries: Vec<(AuditEntry, String)>,
}

async fn audit(State(state): State<AppState>, staff: Staff) -> Result<Response, ApiError> {
    admin(&staff)?;
    let entries = state
        .store
        .audit_log(500)
        .await?
        .into_iter()
        .map(|e| {
            let w = when(e.at);
            (e, w)
        })
        .collect();
    Ok(page(AuditPage { frame: Frame::new(&staff, "Audit log", "audit"), entries }))
}
