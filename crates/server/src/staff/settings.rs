//! Admin settings: the desk (name, logo, time zone, business hours, default language)
//! and API tokens (created, shown once, listed, revoked).

use super::access::require_admin;
use super::layout::{page, when, Frame};
use super::Staff;
use crate::app::AppState;
use crate::error::ApiError;
use crate::i18n::Catalog;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine;
use rapport_domain::{ApiToken, Scope};
use rapport_store::settings::{BUSINESS_DAYS, BUSINESS_END, BUSINESS_START, DEFAULT_LANGUAGE, DESK_NAME, TIME_ZONE};
use rapport_store::TokenRecord;

pub const LOGO: &str = "logo";
const MAX_LOGO_BYTES: usize = 256 * 1024;
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings", get(desk_page).post(save_desk))
        .route("/settings/tokens", get(tokens_page).post(create_token))
        .route("/settings/tokens/{id}/revoke", post(revoke_token))
}

#[derive(Template)]
#[template(path = "staff/settings_desk.html")]
struct DeskPage {
    frame: Frame,
    desk_name: String,
    default_language: String,
    languages: Vec<(String, String)>,
    time_zone: String,
    start: String,
    end: String,
    days: Vec<(&'static str, bool)>,
    has_logo: bool,
    status_page_days: String,
    errors: Vec<(String, String)>,
    saved: bool,
}

impl DeskPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
}

async fn desk_view(state: &AppState, staff: &Staff) -> Result<DeskPage, ApiError> {
    let get = |key: &'static str| state.store.setting(key);
    let days = get(BUSINESS_DAYS).await?.unwrap_or_else(|| "mon,tue,wed,thu,fri".into());
    let catalog = Catalog::global();
    Ok(DeskPage {
        frame: Frame::new(staff, "Settings", "settings"),
        desk_name: get(DESK_NAME).await?.unwrap_or_default(),
        default_language: get(DEFAULT_LANGUAGE).await?.unwrap_or_else(|| "en".into()),
        languages: catalog.languages().iter().map(|l| (l.to_string(), catalog.text(l, "language.name", &[]))).collect(),
        time_zone: get(TIME_ZONE).await?.unwrap_or_else(|| "UTC".into()),
        start: get(BUSINESS_START).await?.unwrap_or_else(|| "09:00".into()),
        end: get(BUSINESS_END).await?.unwrap_or_else(|| "17:00".into()),
        days: DAYS.iter().map(|d| (*d, days.split(',').any(|x| x == *d))).collect(),
        has_logo: get(LOGO).await?.is_some(),
        status_page_days: crate::api::status_page_days(state).await?.to_string(),
        errors: Vec::new(),
        saved: false,
    })
}

async fn desk_page(State(state): State<AppState>, staff: Staff) -> Result<Response, ApiError> {
    require_admin(&staff.user)?;
    Ok(page(desk_view(&state, &staff).await?))
}

fn valid_time(raw: &str) -> bool {
    chrono::NaiveTime::parse_from_str(raw, "%H:%M").is_ok()
}

/// One multipart form (it may carry a logo file): checked whole, saved whole.
async fn save_desk(State(state): State<AppState>, staff: Staff, mut form: Multipart) -> Result<Response, ApiError> {
    require_admin(&staff.user)?;
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut logo: Option<(String, Vec<u8>)> = None;
    while let Some(field) = form.next_field().await.map_err(|e| ApiError::BadRequest(e.body_text()))? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "logo" {
            let kind = field.content_type().unwrap_or_default().to_string();
            let bytes = field.bytes().await.map_err(|e| ApiError::BadRequest(e.body_text()))?;
            if !bytes.is_empty() {
                logo = Some((kind, bytes.to_vec()));
            }
        } else {
            fields.push((name, field.text().await.map_err(|e| ApiError::BadRequest(e.body_text()))?));
        }
    }
    let value =
        |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    staff.check_csrf(&value("csrf"))?;
    let mut view = desk_view(&state, &staff).await?;
    let mut errors = Vec::new();
    let name = rapport_domain::text::clean_line(&value("desk_name"), 100);
    if name.is_none() {
        errors.push(("desk_name".to_string(), "Give the desk a name.".to_string()));
    }
    let language = value("default_language");
    if !Catalog::global().languages().contains(&language.as_str()) {
        errors.push(("default_language".into(), "Choose one of the listed languages.".into()));
    }
    let zone = value("time_zone");
    if zone.parse::<chrono_tz::Tz>().is_err() {
        errors.push((
            "time_zone".into(),
            format!("{zone:?} is not a time zone; use a name such as Europe/Lisbon or UTC."),
        ));
    }
    let (start, end) = (value("start"), value("end"));
    if !valid_time(&start) || !valid_time(&end) || start >= end {
        errors.push(("hours".into(), "Business hours need a start before the end, as HH:MM.".into()));
    }
    let days: Vec<&str> = DAYS.iter().copied().filter(|d| fields.iter().any(|(n, v)| n == "days" && v == d)).collect();
    if days.is_empty() {
        errors.push(("days".into(), "Choose at least one business day.".into()));
    }
    // Left out of the form (older pages, scripts): the current value stays.
    let status_days = value("status_page_days");
    if !status_days.is_empty() && !status_days.parse::<i64>().is_ok_and(|d| (1..=365).contains(&d)) {
        errors.push(("status_page_days".into(), "Give a number of days between 1 and 365.".into()));
    }
    if let Some((kind, bytes)) = &logo {
        if !matches!(kind.as_str(), "image/png" | "image/jpeg" | "image/svg+xml") || bytes.len() > MAX_LOGO_BYTES {
            errors.push(("logo".into(), "The logo must be a PNG, JPEG or SVG file of at most 256 KB.".into()));
        }
    }
    if !errors.is_empty() {
        view.desk_name = value("desk_name");
        view.time_zone = zone;
        view.start = start;
        view.end = end;
        view.status_page_days = status_days;
        view.errors = errors;
        let mut response = page(view);
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    }
    let store = &state.store;
    store.set_setting(DESK_NAME, name.unwrap_or_default()).await?;
    store.set_setting(DEFAULT_LANGUAGE, language.clone()).await?;
    store.set_setting(TIME_ZONE, zone.clone()).await?;
    store.set_setting(BUSINESS_START, start.clone()).await?;
    store.set_setting(BUSINESS_END, end.clone()).await?;
    store.set_setting(BUSINESS_DAYS, days.join(",")).await?;
    if !status_days.is_empty() {
        store.set_setting(rapport_store::settings::STATUS_PAGE_DAYS, status_days.clone()).await?;
    }
    if let Some((kind, bytes)) = logo {
        let encoded = format!("{kind};{}", base64::engine::general_purpose::STANDARD.encode(bytes));
        store.set_setting(LOGO, encoded).await?;
    }
    let detail = format!("language={language} time_zone={zone} hours={start}-{end} days={}", days.join(","));
    store.audit(&staff.user.email, "settings_changed", "desk", &detail, state.clock.now()).await?;
    let mut view = desk_view(&state, &staff).await?;
    view.saved = true;
    Ok(page(view))
}

/// The desk's uploaded logo as (content type, bytes).
pub fn decode_logo(stored: &str) -> Option<(String, Vec<u8>)> {
    let (kind, data) = stored.split_once(';')?;
    Some((kind.to_string(), base64::engine::general_purpose::STANDARD.decode(data).ok()?))
}

#[derive(Template)]
#[template(path = "staff/settings_tokens.html")]
struct TokensPage {
    frame: Frame,
    tokens: Vec<(TokenRecord, String, String)>,
    created: Option<(String, String)>,
    error: Option<String>,
}

async fn tokens_view(state: &AppState, staff: &Staff) -> Result<TokensPage, ApiError> {
    let tokens = state
        .store
        .tokens()
        .await?
        .into_iter()
        .map(|t| {
            let created = when(t.created_at);
            let used = t.last_used_at.map(when).unwrap_or_else(|| "never".into());
            (t, created, used)
        })
        .collect();
    Ok(TokensPage { frame: Frame::new(staff, "API tokens", "settings"), tokens, created: None, error: None })
}

async fn tokens_page(State(state): State<AppState>, staff: Staff) -> Result<Response, ApiError> {
    require_admin(&staff.user)?;
    Ok(page(tokens_view(&state, &staff).await?))
}

#[derive(serde::Deserialize)]
struct TokenForm {
    csrf: String,
    name: String,
    scope: String,
}

/// The secret is in this response only; Rapport keeps its hash.
async fn create_token(
    State(state): State<AppState>,
    staff: Staff,
    axum::Form(form): axum::Form<TokenForm>,
) -> Result<Response, ApiError> {
    require_admin(&staff.user)?;
    staff.check_csrf(&form.csrf)?;
    let mut view = tokens_view(&state, &staff).await?;
    let name = rapport_domain::text::clean_line(&form.name, 100);
    let scope = form.scope.parse::<Scope>();
    let (Some(name), Ok(scope)) = (name, scope) else {
        view.error = Some("Give the token a name and choose a scope.".into());
        let mut response = page(view);
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    };
    let token = ApiToken::generate();
    let now = state.clock.now();
    state.store.create_token(&name, scope, &token.hash(), &token.display_prefix(), now).await?;
    state.store.audit(&staff.user.email, "token_created", &name, scope.as_str(), now).await?;
    let mut view = tokens_view(&state, &staff).await?;
    view.created = Some((name, token.secret));
    Ok(page(view))
}

#[derive(serde::Deserialize)]
struct CsrfOnly {
    csrf: String,
}

async fn revoke_token(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<CsrfOnly>,
) -> Result<Response, ApiError> {
    require_admin(&staff.user)?;
    staff.check_csrf(&form.csrf)?;
    let now = state.clock.now();
    let revoked = state.store.revoke_token(&id.to_string(), now).await?;
    if revoked > 0 {
        state.store.audit(&staff.user.email, "token_revoked", &format!("token {id}"), "", now).await?;
    }
    Ok((StatusCode::SEE_OTHER, [(LOCATION, "/settings/tokens")]).into_response())
}
