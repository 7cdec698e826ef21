//! Admin settings: where follow-up alerts go besides email (a Slack incoming webhook, a
//! Microsoft Teams Workflows webhook) and which private hosts they may reach. Webhook URLs
//! are secrets: the page says whether one is set, never shows it.

use super::access::require_admin;
use super::layout::{page, Frame};
use super::Staff;
use crate::app::AppState;
use crate::error::ApiError;
use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use rapport_store::settings::{ALERT_ALLOWED_HOSTS, ALERT_SLACK_URL, ALERT_TEAMS_URL};
use rapport_webhooks::{check_url_resolving, OutboundPolicy};

pub fn router() -> Router<AppState> {
    Router::new().route("/settings/alerts", get(show).post(save))
}

#[derive(Template)]
#[template(path = "staff/settings_alerts.html")]
struct AlertsPage {
    frame: Frame,
    slack_set: bool,
    teams_set: bool,
    allowed_hosts: String,
    errors: Vec<(String, String)>,
    saved: bool,
}

impl AlertsPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
}

async fn view(state: &AppState, staff: &Staff) -> Result<AlertsPage, ApiError> {
    let set = |value: Option<String>| value.is_some_and(|v| !v.is_empty());
    Ok(AlertsPage {
        frame: Frame::new(staff, "Alerts", "settings"),
        slack_set: set(state.store.setting(ALERT_SLACK_URL).await?),
        teams_set: set(state.store.setting(ALERT_TEAMS_URL).await?),
        allowed_hosts: state.store.setting(ALERT_ALLOWED_HOSTS).await?.unwrap_or_default().replace(',', "\n"),
        errors: Vec::new(),
        saved: false,
    })
}

async fn show(State(state): State<AppState>, staff: Staff) -> Result<Response, ApiError> {
    require_admin(&staff.user)?;
    Ok(page(view(&state, &staff).await?))
}

/// A URL field left empty keeps the current one; "remove" clears it. Each URL is checked
/// with its DNS answer, as the worker will check it again before every post.
async fn save(State(state): State<AppState>, staff: Staff, body: Bytes) -> Result<Response, ApiError> {
    require_admin(&staff.user)?;
    let fields: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let value =
        |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    staff.check_csrf(&value("csrf"))?;
    let hosts: Vec<String> = value("allowed_hosts")
        .split(['\n', ',', ' '])
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(String::from)
        .collect();
    let policy = OutboundPolicy { allowed_hosts: hosts.clone() };
    let mut errors = Vec::new();
    let mut changes = Vec::new();
    for (field, key) in [("slack_url", ALERT_SLACK_URL), ("teams_url", ALERT_TEAMS_URL)] {
        if fields.iter().any(|(n, v)| n == "remove" && v == field) {
            changes.push((key, String::new()));
            continue;
        }
        let url = value(field);
        if url.is_empty() {
            continue;
        }
        match check_url_resolving(&url, &policy).await {
            Ok(checked) => changes.push((key, checked.to_string())),
            Err(why) => errors.push((field.to_string(), format!("This address cannot be used: {why}."))),
        }
    }
    if !errors.is_empty() {
        let mut view = view(&state, &staff).await?;
        view.allowed_hosts = hosts.join("\n");
        view.errors = errors;
        let mut response = page(view);
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    }
    state.store.set_setting(ALERT_ALLOWED_HOSTS, hosts.join(",")).await?;
    for (key, url) in &changes {
        state.store.set_setting(key, url.clone()).await?;
    }
    let detail = format!("changed={:?} allowed_hosts={hosts:?}", changes.iter().map(|(k, _)| *k).collect::<Vec<_>>());
    state.store.audit(&staff.user.email, "settings_changed", "alerts", &detail, state.clock.now()).await?;
    let mut view = self::view(&state, &staff).await?;
    view.saved = true;
    Ok(page(view))
}
