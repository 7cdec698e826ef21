//! The ticket status page behind the visit card's QR code: no login, an unguessable
//! token, and only what the customer may see (title, status, visits with their notes for
//! the customer, status changes). It closes a configurable time after the ticket does.

use super::{render, MessagePage};
use crate::app::AppState;
use crate::desk::Desk;
use crate::error::ApiError;
use crate::i18n::Catalog;
use crate::visit_email::status_label;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use rapport_domain::time::Millis;
use rapport_domain::token::hash_secret;
use rapport_domain::visit::first_name;
use rapport_store::settings::{setting, STATUS_PAGE_DAYS};
use rapport_store::visits::{self, StatusView};

/// How long a status page stays up after its ticket closes, unless the desk says otherwise.
pub const DEFAULT_STATUS_PAGE_DAYS: i64 = 14;

pub fn router() -> Router<AppState> {
    Router::new().route("/t/{token}", get(show))
}

pub struct TimelineEntry {
    pub when: String,
    pub what: String,
    pub lines: Vec<String>,
}

#[derive(Template)]
#[template(path = "status/page.html")]
struct StatusPage {
    logo: bool,
    lang: String,
    desk: String,
    title: String,
    ticket_title: String,
    current_label: String,
    current: String,
    next_step_label: String,
    next_step: Option<String>,
    technician: Option<String>,
    timeline_label: String,
    timeline: Vec<TimelineEntry>,
}

async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let hash = hash_secret(&token);
    let (desk, days, logo, view) = state
        .store
        .read(move |conn| {
            let desk = Desk::load(conn)?;
            let days = setting(conn, STATUS_PAGE_DAYS)?.and_then(|d| d.parse::<i64>().ok());
            let logo = setting(conn, crate::staff::LOGO_SETTING)?.is_some();
            Ok((desk, days.unwrap_or(DEFAULT_STATUS_PAGE_DAYS), logo, visits::status_view(conn, &hash)?))
        })
        .await?;
    let logo = logo || !state.config.logo_file.trim().is_empty();
    let catalog = Catalog::global();
    let Some(view) = view else {
        let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
        let lang = catalog.negotiate(accept, &desk.default_language).to_string();
        let page = MessagePage {
            title: catalog.text(&lang, "status_page.unknown_title", &[]),
            body: catalog.text(&lang, "status_page.unknown_body", &[]),
            desk: desk.name.clone(),
            logo,
            lang,
        };
        return Ok(render(StatusCode::NOT_FOUND, page));
    };
    let lang = catalog.negotiate(view.customer_language.as_deref(), &desk.default_language).to_string();
    if let Some(closed_at) = view.closed_at.filter(|_| view.status == "closed") {
        if state.clock.now() > closed_at + days * 86_400_000 {
            let (date, _) = desk.date_and_time(closed_at);
            let page = MessagePage {
                title: catalog.text(&lang, "status_page.gone_title", &[]),
                body: catalog.text(&lang, "status_page.gone_body", &[("ticket", &view.external_id), ("date", &date)]),
                desk: desk.name.clone(),
                logo,
                lang,
            };
            return Ok(render(StatusCode::GONE, page));
        }
    }
    Ok(render(StatusCode::OK, status_page(&desk, logo, &lang, &view)))
}

fn status_page(desk: &Desk, logo: bool, lang: &str, view: &StatusView) -> StatusPage {
    let catalog = Catalog::global();
    let t = |key: &str, args: &[(&str, &str)]| catalog.text(lang, key, args);
    let when = |at: Millis| {
        let (date, time) = desk.date_and_time(at);
        t("visit.when", &[("date", &date), ("time", &time)])
    };
    let mut timeline: Vec<(Millis, TimelineEntry)> = Vec::new();
    for visit in &view.visits {
        let technician = first_name(&visit.technician_name);
        let status = status_label(lang, &visit.status);
        let mut lines = Vec::new();
        if let Some(next) = &visit.next_step {
            lines.push(format!("{}: {next}", t("visit.card_next_step", &[])));
        }
        if let Some(note) = &visit.note {
            lines.push(note.clone());
        }
        if visit.customer_away {
            lines.push(t("status_page.away", &[]));
        }
        let what = t("status_page.visited", &[("technician", technician), ("status", &status)]);
        timeline.push((visit.visited_at, TimelineEntry { when: when(visit.visited_at), what, lines }));
    }
    for (_, to, at) in &view.changes {
        let what = t("status_page.changed", &[("status", &t(&format!("ticket_status.{to}"), &[]))]);
        timeline.push((*at, TimelineEntry { when: when(*at), what, lines: Vec::new() }));
    }
    timeline.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    let latest = view.visits.last();
    StatusPage {
        logo,
        desk: desk.name.clone(),
        title: t("status_page.title", &[("ticket", &view.external_id)]),
        ticket_title: view.title.clone().unwrap_or_default(),
        current_label: t("status_page.current", &[]),
        current: t(&format!("ticket_status.{}", view.status), &[]),
        next_step_label: t("status_page.next_step", &[]),
        next_step: latest.and_then(|v| v.next_step.clone()),
        technician: latest.map(|v| t("status_page.technician", &[("name", first_name(&v.technician_name))])),
        timeline_label: t("status_page.timeline", &[]),
        timeline: timeline.into_iter().map(|(_, entry)| entry).collect(),
        lang: lang.to_string(),
    }
}
