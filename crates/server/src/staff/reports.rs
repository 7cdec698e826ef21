//! Reports for staff: pick a month and the management report or a client's, see it, and
//! download it as PDF, XLSX or CSV. What a report covers is what the viewer may see.
//! Admins also set the CSAT target and who gets the monthly reports by email.

use super::access::{require_admin, visibility};
use super::form_fields::Fields;
use super::insight_common::CSAT_TARGET;
use super::layout::{page, Frame};
use super::Staff;
use crate::app::AppState;
use crate::error::ApiError;
use crate::report::schedule::{parse_addresses, parse_client_recipients, CLIENT_RECIPIENTS, MANAGEMENT_RECIPIENTS};
use crate::report::{self, Format, Month, ReportRequest};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use rapport_store::staff_views::{Named, NamedKind};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports", get(show))
        .route("/reports/file", get(file))
        .route("/reports/settings", post(save_settings))
}

#[derive(Deserialize, Default)]
struct ReportQuery {
    month: Option<String>,
    organization: Option<String>,
    format: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/reports.html")]
struct ReportsPage {
    frame: Frame,
    month: String,
    organization: String,
    organizations: Vec<Named>,
    query: String,
    target: String,
    management_recipients: String,
    client_recipients: String,
    errors: Vec<(String, String)>,
    saved: bool,
}

impl ReportsPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
}

/// The organizations the viewer may report on.
async fn visible_organizations(state: &AppState, staff: &Staff) -> Result<Vec<Named>, ApiError> {
    Ok(state.store.named_for(visibility(&staff.user), NamedKind::Organizations).await?)
}

/// The request a query names; an organization the viewer cannot see is not found.
fn request_for(state: &AppState, visible: &[Named], q: &ReportQuery) -> Result<ReportRequest, ApiError> {
    let month = match q.month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        Some(text) => text.parse::<Month>().map_err(|m| ApiError::invalid("month", m))?,
        None => Month::containing(state.clock.now()).previous(),
    };
    let organization = match q.organization.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
        None => None,
        Some(id) => {
            let id: i64 = id.parse().map_err(|_| ApiError::invalid("organization", "must be an organization's id"))?;
            let found = visible.iter().find(|o| o.id == id).ok_or(ApiError::NotFound)?;
            Some((found.id, found.name.clone()))
        }
    };
    Ok(ReportRequest { month, organization })
}

async fn view(
    state: &AppState,
    staff: &Staff,
    request: &ReportRequest,
    organizations: Vec<Named>,
) -> Result<ReportsPage, ApiError> {
    let organization = request.organization.as_ref().map(|o| o.0.to_string()).unwrap_or_default();
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("month", &request.month.to_string())
        .append_pair("organization", &organization)
        .finish();
    let setting = |key| async move { state.store.setting(key).await.map(Option::unwrap_or_default) };
    Ok(ReportsPage {
        frame: Frame::new(staff, "Reports", "dashboard").with_counts(state, staff).await?,
        month: request.month.to_string(),
        organization,
        organizations,
        query,
        target: setting(CSAT_TARGET).await?,
        management_recipients: setting(MANAGEMENT_RECIPIENTS).await?,
        client_recipients: setting(CLIENT_RECIPIENTS).await?,
        errors: Vec::new(),
        saved: false,
    })
}

async fn show(State(state): State<AppState>, staff: Staff, Query(q): Query<ReportQuery>) -> Result<Response, ApiError> {
    let organizations = visible_organizations(&state, &staff).await?;
    let request = request_for(&state, &organizations, &q)?;
    Ok(page(view(&state, &staff, &request, organizations).await?))
}

/// The report itself: HTML to view (sandboxed: no scripts, nothing from elsewhere) or a
/// download.
async fn file(State(state): State<AppState>, staff: Staff, Query(q): Query<ReportQuery>) -> Result<Response, ApiError> {
    let format: Format = q.format.as_deref().unwrap_or("html").parse().map_err(|m| ApiError::invalid("format", m))?;
    let request = request_for(&state, &visible_organizations(&state, &staff).await?, &q)?;
    let bytes =
        report::produce(&state.store, request.clone(), visibility(&staff.user), format, state.clock.now()).await?;
    let mut response = ([(header::CONTENT_TYPE, format.content_type())], bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if format == Format::Html {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'",
            ),
        );
    } else {
        let disposition = format!("attachment; filename=\"{}\"", report::file_name(&request, format));
        headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).map_err(anyhow::Error::from)?);
    }
    Ok(response)
}

async fn save_settings(State(state): State<AppState>, staff: Staff, body: Bytes) -> Result<Response, ApiError> {
    require_admin(&staff.user)?;
    let fields = Fields::parse(&body);
    let value = |name: &str| fields.get(name).trim().to_string();
    staff.check_csrf(&value("csrf"))?;
    let (target, management, clients) = (value("target"), value("management_recipients"), value("client_recipients"));
    let mut errors = Vec::new();
    match target.parse::<f64>() {
        Ok(t) if (1.0..=100.0).contains(&t) => {}
        _ if target.is_empty() => {}
        _ => errors.push(("target".to_string(), "Give the target as a percentage from 1 to 100.".to_string())),
    }
    if let Err(message) = parse_addresses(&management) {
        errors.push(("management_recipients".into(), message));
    }
    if let Err(message) = parse_client_recipients(&clients) {
        errors.push(("client_recipients".into(), message));
    }
    let request = ReportRequest { month: Month::containing(state.clock.now()).previous(), organization: None };
    let mut view = view(&state, &staff, &request, visible_organizations(&state, &staff).await?).await?;
    (view.target, view.management_recipients, view.client_recipients) =
        (target.clone(), management.clone(), clients.clone());
    if !errors.is_empty() {
        view.errors = errors;
        let mut response = page(view);
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    }
    state.store.set_setting(CSAT_TARGET, target.clone()).await?;
    state.store.set_setting(MANAGEMENT_RECIPIENTS, management.clone()).await?;
    state.store.set_setting(CLIENT_RECIPIENTS, clients).await?;
    let detail = format!("csat_target={target:?} management_recipients={management:?}");
    state.store.audit(&staff.user.email, "settings_changed", "reports", &detail, state.clock.now()).await?;
    view.saved = true;
    Ok(page(view))
}
