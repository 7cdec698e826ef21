//! "Print cards": a PDF with both postcards for each chosen visit. Printing makes fresh
//! links (only their hashes are kept), so it is a POST with the form's CSRF token.

use super::visits::visible_visit;
use super::Staff;
use crate::app::AppState;
use crate::desk::Desk;
use crate::error::ApiError;
use crate::i18n::Catalog;
use crate::visit_email::status_label;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use rapport_domain::visit::first_name;
use rapport_postcards::{render_pdf, CardLabels, CardSize, Logo, VisitCards};
use rapport_store::visits::{self, VisitRecord};

/// At most this many visits in one PDF (a day's round fits many times over).
const MAX_VISITS: usize = 200;

pub async fn print(State(state): State<AppState>, staff: Staff, body: Bytes) -> Result<Response, ApiError> {
    let mut ids = Vec::new();
    let (mut csrf, mut size) = (String::new(), CardSize::default());
    for (key, value) in form_urlencoded::parse(&body) {
        match key.as_ref() {
            "csrf" => csrf = value.into_owned(),
            "visit" => ids.push(value.parse::<i64>().map_err(|_| ApiError::invalid("visit", "is not a visit id"))?),
            "size" => size = value.parse().map_err(|_| ApiError::invalid("size", "choose a6 or us-postcard"))?,
            _ => {}
        }
    }
    staff.check_csrf(&csrf)?;
    ids.dedup();
    if ids.is_empty() || ids.len() > MAX_VISITS {
        return Err(ApiError::invalid("visit", format!("choose between 1 and {MAX_VISITS} visits")));
    }
    let mut chosen = Vec::with_capacity(ids.len());
    for id in ids {
        chosen.push(visible_visit(&state, &staff, id).await?);
    }
    chosen.sort_by_key(|v| (v.visited_at, v.id));
    let now = state.clock.now();
    let public_url = state.config.public_url.clone();
    let (desk, logo, cards) = state
        .store
        .write(move |conn| {
            let desk = Desk::load(conn)?;
            let logo = rapport_store::settings::setting(conn, crate::staff::LOGO_SETTING)?;
            let mut cards = Vec::with_capacity(chosen.len());
            for visit in &chosen {
                let links = visits::new_card_links(conn, visit, "card", now)?;
                cards.push((visit.clone(), links));
            }
            Ok((desk, logo, cards))
        })
        .await?;
    let logo = logo.as_deref().and_then(super::decode_logo).and_then(|(kind, bytes)| match kind.as_str() {
        "image/png" => Some(Logo::Png(bytes)),
        "image/jpeg" => Some(Logo::Jpeg(bytes)),
        _ => None,
    });
    let pages: Vec<VisitCards> = cards
        .iter()
        .map(|(visit, links)| {
            let status_url = format!("{public_url}/t/{}", links.status_token);
            let survey_url = links.survey_token.as_ref().map(|token| format!("{public_url}/s/{token}"));
            card_for(&desk, logo.clone(), visit, status_url, survey_url)
        })
        .collect();
    let pdf = tokio::task::spawn_blocking(move || render_pdf(&pages, size))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("rendering visit cards: {e}")))?;
    let (day, _) = desk.date_and_time(now);
    let disposition = format!("inline; filename=\"visit-cards-{day}.pdf\"");
    Ok(([(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, disposition)], pdf)
        .into_response())
}

/// Both cards of one visit, in the customer's language.
fn card_for(
    desk: &Desk,
    logo: Option<Logo>,
    visit: &VisitRecord,
    status_url: String,
    survey_url: Option<String>,
) -> VisitCards {
    let catalog = Catalog::global();
    let lang = catalog.negotiate(visit.customer_language.as_deref(), &desk.default_language).to_string();
    let t = |key: &str, args: &[(&str, &str)]| catalog.text(&lang, key, args);
    let (date, time) = desk.date_and_time(visit.visited_at);
    let technician = first_name(&visit.technician_name);
    VisitCards {
        desk_name: desk.name.clone(),
        logo,
        customer_name: visit.customer_name.clone().unwrap_or_default(),
        ticket_number: visit.ticket_external_id.clone(),
        ticket_title: visit.ticket_title.clone().unwrap_or_default(),
        status: status_label(&lang, &visit.status),
        note: visit.note.clone(),
        next_step: visit.next_step.clone(),
        status_url,
        survey_url,
        labels: CardLabels {
            visit_heading: t("visit.card_heading", &[]),
            visited_at: t("visit.when", &[("date", &date), ("time", &time)]),
            status_label: t("visit.card_status", &[]),
            next_step_label: t("visit.card_next_step", &[]),
            note_label: t("visit.card_note", &[]),
            status_qr_caption: t("visit.card_status_caption", &[]),
            survey_heading: t("visit.card_survey_heading", &[]),
            survey_prompt: t("visit.card_survey_prompt", &[]),
            survey_qr_caption: t("visit.card_survey_caption", &[]),
            signature: t("visit.signature", &[("name", technician)]),
        },
    }
}
